//! Completing a sale: the sale, its outbox entry and the next sequence number, in one strict transaction.

use super::{seq_key, Db, Result, META, OUTBOX, SALES};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use super::StoreError;
use shared::catalog::Register;
use shared::sale::{receipt_number, Cart, Sale, SaleHeader, Tender};
use shared::tax::TaxRates;

/// A paid cart, before the register gives it a sequence and a receipt number.
pub struct SaleDraft {
    pub id: String,
    pub register: Register,
    pub created_at_ms: i64,
    pub cart: Cart,
    pub rates: TaxRates,
    pub tenders: Vec<Tender>,
}

/// Each register has its own sequence (a browser may be switched from one register to another).
fn next_seq_key(register_id: &str) -> String {
    format!("next_seq:{register_id}")
}

impl Db {
    /// Writes the sale and its outbox entry together and returns it with its sequence and receipt.
    /// The sequence is read and bumped inside the same readwrite transaction, which IndexedDB
    /// serialises across tabs: two tabs of one register can never take the same number.
    pub async fn commit_sale(&self, draft: SaleDraft) -> Result<Sale> {
        let started = now_ms();
        let tx = self
            .raw()
            .transaction([META, SALES, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .with_options(TransactionOptions::new().with_durability(TransactionDurability::Strict))
            .build()?;
        let meta = tx.object_store(META)?;
        let key = next_seq_key(&draft.register.id);
        let next: Option<String> = meta.get(key.as_str()).primitive()?.await?;
        let seq: u64 = next.and_then(|s| s.parse().ok()).unwrap_or(1);
        let header = SaleHeader {
            id: draft.id,
            register_id: draft.register.id.clone(),
            outlet_id: draft.register.outlet_id.clone(),
            seq,
            receipt: receipt_number(&draft.register.code, seq),
            created_at_ms: draft.created_at_ms,
        };
        // The same rules the server applies: the register never records a sale the server would refuse.
        // Returning early drops the transaction, which rolls it back.
        let sale = Sale::from_cart(header, &draft.cart, &draft.rates, draft.tenders)
            .map_err(|e| StoreError(format!("sale refused: {e}")))?;
        let json = serde_json::to_string(&sale)?;
        tx.object_store(SALES)?.put(json.clone()).with_key(sale.id.clone()).primitive()?;
        tx.object_store(OUTBOX)?.put(json).with_key(seq_key(seq)).primitive()?;
        meta.put((seq + 1).to_string()).with_key(key).primitive()?;
        tx.commit().await?;
        // The benchmark compares this with the same transaction in plain JS (scripts/bench).
        let _ = js_sys::Reflect::set(&js_sys::global(), &"__comptoirLastCommitMs".into(), &(now_ms() - started).into());
        Ok(sale)
    }

    /// Makes the register's next sequence at least `at_least` (what the server says it already holds).
    pub async fn raise_next_seq(&self, register_id: &str, at_least: u64) -> Result<u64> {
        let tx = self.raw().transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        let meta = tx.object_store(META)?;
        let key = next_seq_key(register_id);
        let next: Option<String> = meta.get(key.as_str()).primitive()?.await?;
        let next = next.and_then(|s| s.parse().ok()).unwrap_or(1u64).max(at_least);
        meta.put(next.to_string()).with_key(key).primitive()?;
        tx.commit().await?;
        Ok(next)
    }

    /// Every sale made on this register, in no particular order.
    pub async fn local_sales(&self) -> Result<Vec<Sale>> {
        let tx = self.raw().transaction(SALES).build()?;
        let raw: Vec<String> = tx.object_store(SALES)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
