//! Completing a sale: the sale, its outbox entry and the device's next sequence, in one strict transaction.

use super::device::{DeviceRecord, DEVICE, NEXT_SEQ};
use super::{Db, Result, StoreError, META, OUTBOX, SALES};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use shared::sale::Sale;
use sync_client::{seal_sale, LocalDevice, SaleDraft};

/// What `commit_sale` says when the server has not yet given this device its number.
pub const NOT_INTRODUCED: &str = "this device has not been introduced to the server yet";

impl Db {
    /// Writes the sale and its outbox entry together and returns it with its sequence and receipt.
    /// The sequence is read and bumped inside the same readwrite transaction, which IndexedDB
    /// serialises across tabs: two tabs (of any register) never take the same number. Committing a
    /// draft already recorded returns that sale: a double commit is one sale.
    pub async fn commit_sale(&self, draft: &SaleDraft) -> Result<Sale> {
        let started = now_ms();
        let tx = self
            .raw()
            .transaction([META, SALES, OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .with_options(TransactionOptions::new().with_durability(TransactionDurability::Strict))
            .build()?;
        let sales = tx.object_store(SALES)?;
        let done: Option<String> = sales.get(draft.id.as_str()).primitive()?.await?;
        if let Some(raw) = done {
            return Ok(serde_json::from_str(&raw)?);
        }
        let meta = tx.object_store(META)?;
        let record: Option<String> = meta.get(DEVICE).primitive()?.await?;
        let device = record
            .map(|r| serde_json::from_str::<DeviceRecord>(&r))
            .transpose()?
            .and_then(|d| LocalDevice::from(d).known())
            .ok_or_else(|| StoreError(NOT_INTRODUCED.into()))?;
        let next: Option<String> = meta.get(NEXT_SEQ).primitive()?.await?;
        let seq: u64 = next.and_then(|s| s.parse().ok()).unwrap_or(1);
        // The rules and ranges the server applies; returning early drops (rolls back) the transaction.
        let sale = seal_sale(draft, &device, seq).map_err(|e| StoreError(format!("sale refused: {e}")))?;
        let json = serde_json::to_string(&sale)?;
        sales.put(json.clone()).with_key(sale.id.clone()).primitive()?;
        tx.object_store(OUTBOX)?.put(json).with_key(sale.id.clone()).primitive()?;
        meta.put((seq + 1).to_string()).with_key(NEXT_SEQ).primitive()?;
        tx.commit().await?;
        // The benchmark compares this with the same transaction in plain JS (scripts/bench).
        let _ = js_sys::Reflect::set(&js_sys::global(), &"__comptoirLastCommitMs".into(), &(now_ms() - started).into());
        Ok(sale)
    }

    /// Every sale made on this device, in no particular order.
    pub async fn local_sales(&self) -> Result<Vec<Sale>> {
        let tx = self.raw().transaction(SALES).build()?;
        let raw: Vec<String> = tx.object_store(SALES)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}
