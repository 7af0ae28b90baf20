//! The outbox (sales waiting for the server, oldest first), the sales the server holds for review and
//! those it refused; and `sync_client::DeviceStore` over them, so the shared pusher drains IndexedDB.

use super::{Db, Result, StoreError, HELD, OUTBOX, REJECTED};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use shared::sale::Sale;
use shared::sync::{OpResult, Operation, PushResult, PushStatus};
use sync_client::{DeviceStore, HeldLocally, LocalDevice, Refused};

impl Db {
    /// The oldest unsent sales, at most `limit`.
    pub async fn pending_sales(&self, limit: u32) -> Result<Vec<Sale>> {
        let tx = self.raw().transaction(OUTBOX).build()?;
        let raw: Vec<String> =
            tx.object_store(OUTBOX)?.get_all().with_limit(limit).primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }

    pub async fn held_sales(&self) -> Result<Vec<HeldLocally>> {
        self.all_in(HELD).await
    }

    pub async fn refused_sales(&self) -> Result<Vec<Refused>> {
        self.all_in(REJECTED).await
    }

    async fn all_in<T: DeserializeOwned>(&self, store: &str) -> Result<Vec<T>> {
        let tx = self.raw().transaction(store).build()?;
        let raw: Vec<String> = tx.object_store(store)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }

    pub async fn pending_count(&self) -> Result<u32> {
        self.count_in(OUTBOX).await
    }

    pub async fn held_count(&self) -> Result<u32> {
        self.count_in(HELD).await
    }

    pub async fn refused_count(&self) -> Result<u32> {
        self.count_in(REJECTED).await
    }

    async fn count_in(&self, store: &str) -> Result<u32> {
        let tx = self.raw().transaction(store).build()?;
        Ok(tx.object_store(store)?.count().await?)
    }
}

impl DeviceStore for Db {
    type Error = StoreError;

    async fn device(&self) -> Result<LocalDevice> {
        self.local_device().await
    }

    async fn set_device_number(&self, number: u32) -> Result<()> {
        self.set_local_device_number(number).await
    }

    async fn outbox(&self, limit: usize) -> Result<Vec<Sale>> {
        self.pending_sales(u32::try_from(limit).unwrap_or(u32::MAX)).await
    }

    /// Acknowledged sales leave the outbox and held ones are remembered, in one transaction.
    async fn settle(&self, results: &[PushResult], sales: &[Sale]) -> Result<()> {
        let tx = self.raw().transaction([OUTBOX, HELD]).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(OUTBOX)?;
        let held = tx.object_store(HELD)?;
        for r in results {
            outbox.delete(r.sale_id.as_str()).primitive()?;
            if let (PushStatus::Held, Some(reason), Some(sale)) = (r.status, &r.hold, sales.iter().find(|s| s.id == r.sale_id)) {
                let entry = HeldLocally { sale: sale.clone(), reason: reason.clone() };
                held.put(serde_json::to_string(&entry)?).with_key(sale.id.clone()).primitive()?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn pending_ops(&self, limit: usize) -> Result<Vec<Operation>> {
        self.pending_op_list(u32::try_from(limit).unwrap_or(u32::MAX)).await
    }

    async fn settle_ops(&self, results: &[OpResult], ops: &[Operation]) -> Result<()> {
        self.settle_op_results(results, ops).await
    }

    /// Moves a sale the server refused from the outbox to `rejected`, with the reason, atomically.
    async fn refuse(&self, sale: &Sale, reason: &str) -> Result<()> {
        let tx = self.raw().transaction([OUTBOX, REJECTED]).with_mode(TransactionMode::Readwrite).build()?;
        let entry = Refused { sale: sale.clone(), reason: reason.to_string() };
        tx.object_store(REJECTED)?.put(serde_json::to_string(&entry)?).with_key(sale.id.clone()).primitive()?;
        tx.object_store(OUTBOX)?.delete(sale.id.as_str()).primitive()?;
        tx.commit().await?;
        Ok(())
    }
}
