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
        let meta = tx.object_store(META)?;
        // The three reads are sent together, before the first is awaited: one wait for the database
        // instead of three in a row (a request is sent when it is built; awaiting a finished one does
        // not wait).
        let done = sales.get(draft.id.as_str()).primitive()?;
        let record = meta.get(DEVICE).primitive()?;
        let next = meta.get(NEXT_SEQ).primitive()?;
        let done: Option<String> = done.await?;
        if let Some(raw) = done {
            return Ok(serde_json::from_str(&raw)?);
        }
        let record: Option<String> = record.await?;
        let next: Option<String> = next.await?;
        let device = record
            .map(|r| serde_json::from_str::<DeviceRecord>(&r))
            .transpose()?
            .and_then(|d| LocalDevice::from(d).known())
            .ok_or_else(|| StoreError(NOT_INTRODUCED.into()))?;
        let seq: u64 = next.and_then(|s| s.parse().ok()).unwrap_or(1);
        let read_at = now_ms();
        // The rules and ranges the server applies; returning early drops (rolls back) the transaction.
        let sale = seal_sale(draft, &device, seq).map_err(|e| StoreError(format!("sale refused: {e}")))?;
        let json = serde_json::to_string(&sale)?;
        sales.put(json.clone()).with_key(sale.id.clone()).primitive()?;
        tx.object_store(OUTBOX)?.put(json).with_key(sale.id.clone()).primitive()?;
        meta.put((seq + 1).to_string()).with_key(NEXT_SEQ).primitive()?;
        let written_at = now_ms();
        tx.commit().await?;
        // The benchmark compares this with the same transaction in plain JS (scripts/bench), and
        // splits it: waiting for the reads, sealing and writing, waiting for the commit.
        let done_at = now_ms();
        let global = js_sys::global();
        let _ = js_sys::Reflect::set(&global, &"__comptoirLastCommitMs".into(), &(done_at - started).into());
        let phases = js_sys::Array::of3(&(read_at - started).into(), &(written_at - read_at).into(), &(done_at - written_at).into());
        let _ = js_sys::Reflect::set(&global, &"__comptoirCommitPhases".into(), &phases);
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
