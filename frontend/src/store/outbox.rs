//! The outbox: sales waiting for the server's acknowledgement, oldest first.

use super::{seq_key, Db, Result, OUTBOX, REJECTED};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::{Deserialize, Serialize};
use shared::sale::Sale;

/// A sale the server refused, kept with the reason.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rejected {
    pub sale: Sale,
    pub reason: String,
}

impl Db {
    pub async fn outbox(&self, limit: u32) -> Result<Vec<Sale>> {
        let tx = self.raw().transaction(OUTBOX).build()?;
        let raw: Vec<String> = tx
            .object_store(OUTBOX)?
            .get_all()
            .with_limit(limit)
            .primitive()?
            .await?
            .collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }

    pub async fn pending_count(&self) -> Result<u32> {
        let tx = self.raw().transaction(OUTBOX).build()?;
        Ok(tx.object_store(OUTBOX)?.count().await?)
    }

    pub async fn rejected_count(&self) -> Result<u32> {
        let tx = self.raw().transaction(REJECTED).build()?;
        Ok(tx.object_store(REJECTED)?.count().await?)
    }

    /// The server has stored (or already had) these sales: they leave the outbox.
    pub async fn acknowledge(&self, seqs: &[u64]) -> Result<()> {
        let tx = self.raw().transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
        let store = tx.object_store(OUTBOX)?;
        for seq in seqs {
            store.delete(seq_key(*seq)).primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The server refused this sale: move it from the outbox to `rejected`, with the reason, atomically.
    pub async fn reject(&self, sale: &Sale, reason: &str) -> Result<()> {
        let tx = self
            .raw()
            .transaction([OUTBOX, REJECTED])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let entry = Rejected { sale: sale.clone(), reason: reason.to_string() };
        tx.object_store(REJECTED)?
            .put(serde_json::to_string(&entry)?)
            .with_key(seq_key(sale.seq))
            .primitive()?;
        tx.object_store(OUTBOX)?.delete(seq_key(sale.seq)).primitive()?;
        tx.commit().await?;
        Ok(())
    }
}
