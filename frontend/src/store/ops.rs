//! Operations other than sales (payments on account, serials, stock adjustments, new customers): each
//! written with its outbox entry in one strict transaction, drained by the shared pusher like sales.
//! `ops` keeps every operation made here by id (so a double press records one), `op_outbox` the ones the
//! server has not acknowledged, keyed so that they list in the order they were made, `held_ops` those the
//! server holds for review, with the reason.

use super::{Db, Result, HELD_OPS, OPS, OP_OUTBOX};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{TransactionDurability, TransactionMode, TransactionOptions};
use shared::sync::{OpResult, OpStatus, Operation};
use sync_client::HeldOpLocally;

/// The outbox key: made time (zero-padded, so keys sort as times), then id.
fn outbox_key(op: &Operation) -> String {
    format!("{:015}-{}", op.made_at_ms.max(0), op.id)
}

impl Db {
    /// Records `op` and its outbox entry together; an operation already recorded under its id is
    /// returned as it was (one press, one operation).
    pub async fn record_op(&self, op: &Operation) -> Result<Operation> {
        let tx = self
            .raw()
            .transaction([OPS, OP_OUTBOX])
            .with_mode(TransactionMode::Readwrite)
            .with_options(TransactionOptions::new().with_durability(TransactionDurability::Strict))
            .build()?;
        let ops = tx.object_store(OPS)?;
        let done: Option<String> = ops.get(op.id.as_str()).primitive()?.await?;
        if let Some(raw) = done {
            return Ok(serde_json::from_str(&raw)?);
        }
        let json = serde_json::to_string(op)?;
        ops.put(json.clone()).with_key(op.id.clone()).primitive()?;
        tx.object_store(OP_OUTBOX)?.put(json).with_key(outbox_key(op)).primitive()?;
        tx.commit().await?;
        Ok(op.clone())
    }

    /// The operations not yet acknowledged by the server, oldest first, at most `limit`.
    pub async fn pending_op_list(&self, limit: u32) -> Result<Vec<Operation>> {
        let tx = self.raw().transaction(OP_OUTBOX).build()?;
        let raw: Vec<String> =
            tx.object_store(OP_OUTBOX)?.get_all().with_limit(limit).primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }

    pub async fn held_op_list(&self) -> Result<Vec<HeldOpLocally>> {
        let tx = self.raw().transaction(HELD_OPS).build()?;
        let raw: Vec<String> = tx.object_store(HELD_OPS)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        raw.iter().map(|s| serde_json::from_str(s).map_err(Into::into)).collect()
    }

    /// Acknowledged operations leave the outbox and held ones are remembered, in one transaction.
    pub(super) async fn settle_op_results(&self, results: &[OpResult], ops: &[Operation]) -> Result<()> {
        let tx = self.raw().transaction([OP_OUTBOX, HELD_OPS]).with_mode(TransactionMode::Readwrite).build()?;
        let outbox = tx.object_store(OP_OUTBOX)?;
        let held = tx.object_store(HELD_OPS)?;
        for r in results {
            let Some(op) = ops.iter().find(|o| o.id == r.op_id) else { continue };
            outbox.delete(outbox_key(op)).primitive()?;
            if let (OpStatus::Held, Some(reason)) = (r.status, &r.hold) {
                let entry = HeldOpLocally { op: op.clone(), reason: reason.clone() };
                held.put(serde_json::to_string(&entry)?).with_key(op.id.clone()).primitive()?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
