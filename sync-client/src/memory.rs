//! A device's storage in memory: the native stand-in for IndexedDB in tests and in the fault
//! simulation. Each method is atomic, like one IndexedDB transaction; the state survives a "crash"
//! (dropping whatever was in flight) as IndexedDB does.

use crate::draft::{seal_sale, SaleDraft, SealError};
use crate::{DeviceStore, HeldLocally, HeldOpLocally, LocalDevice, Refused};
use shared::sale::Sale;
use shared::sync::{OpResult, OpStatus, Operation, PushResult, PushStatus};
use std::cell::RefCell;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
struct Inner {
    device_id: String,
    number: Option<u32>,
    next_seq: u64,
    /// Every sale made here, by id.
    sales: BTreeMap<String, Sale>,
    /// Sales waiting for the server, in the order they were made.
    outbox: BTreeMap<u64, Sale>,
    held: BTreeMap<String, HeldLocally>,
    refused: BTreeMap<String, Refused>,
    /// Every operation made here, by id.
    ops: BTreeMap<String, Operation>,
    /// Operations waiting for the server, in the order they were made.
    op_outbox: BTreeMap<(i64, String), Operation>,
    held_ops: BTreeMap<String, HeldOpLocally>,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// The device has no number yet: it cannot print a receipt.
    NotIntroduced,
    Seal(SealError),
}

impl std::fmt::Display for MemoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MemoryError::NotIntroduced => write!(f, "the device has not been introduced to the server"),
            MemoryError::Seal(e) => write!(f, "{e}"),
        }
    }
}

impl MemoryStore {
    pub fn new(device_id: &str) -> MemoryStore {
        MemoryStore { inner: RefCell::new(Inner { device_id: device_id.into(), next_seq: 1, ..Inner::default() }) }
    }

    /// Records a paid sale and its outbox entry at once. Committing the same draft again returns the
    /// sale already recorded (one action, one effect).
    pub fn commit(&self, draft: &SaleDraft) -> Result<Sale, MemoryError> {
        let mut inner = self.inner.borrow_mut();
        if let Some(done) = inner.sales.get(&draft.id) {
            return Ok(done.clone());
        }
        let device = LocalDevice { id: inner.device_id.clone(), number: inner.number }.known().ok_or(MemoryError::NotIntroduced)?;
        let seq = inner.next_seq;
        let sale = seal_sale(draft, &device, seq).map_err(MemoryError::Seal)?;
        inner.next_seq = seq + 1;
        inner.sales.insert(sale.id.clone(), sale.clone());
        inner.outbox.insert(seq, sale.clone());
        Ok(sale)
    }

    /// Records an operation and its outbox entry at once. Recording the same id again (a double press)
    /// returns the operation already recorded.
    pub fn record_op(&self, op: Operation) -> Operation {
        let mut inner = self.inner.borrow_mut();
        if let Some(done) = inner.ops.get(&op.id) {
            return done.clone();
        }
        inner.ops.insert(op.id.clone(), op.clone());
        inner.op_outbox.insert((op.made_at_ms, op.id.clone()), op.clone());
        op
    }

    pub fn pending_op_list(&self) -> Vec<Operation> {
        self.inner.borrow().op_outbox.values().cloned().collect()
    }
    pub fn held_ops(&self) -> Vec<HeldOpLocally> {
        self.inner.borrow().held_ops.values().cloned().collect()
    }

    pub fn pending(&self) -> Vec<Sale> {
        self.inner.borrow().outbox.values().cloned().collect()
    }
    pub fn held(&self) -> Vec<HeldLocally> {
        self.inner.borrow().held.values().cloned().collect()
    }
    pub fn refused(&self) -> Vec<Refused> {
        self.inner.borrow().refused.values().cloned().collect()
    }
    pub fn sales(&self) -> Vec<Sale> {
        self.inner.borrow().sales.values().cloned().collect()
    }
}

impl DeviceStore for MemoryStore {
    type Error = MemoryError;

    async fn device(&self) -> Result<LocalDevice, MemoryError> {
        let inner = self.inner.borrow();
        Ok(LocalDevice { id: inner.device_id.clone(), number: inner.number })
    }

    async fn set_device_number(&self, number: u32) -> Result<(), MemoryError> {
        self.inner.borrow_mut().number = Some(number);
        Ok(())
    }

    async fn outbox(&self, limit: usize) -> Result<Vec<Sale>, MemoryError> {
        Ok(self.inner.borrow().outbox.values().take(limit).cloned().collect())
    }

    async fn settle(&self, results: &[PushResult], sales: &[Sale]) -> Result<(), MemoryError> {
        let mut inner = self.inner.borrow_mut();
        for r in results {
            inner.outbox.retain(|_, s| s.id != r.sale_id);
            if let (PushStatus::Held, Some(reason), Some(sale)) = (r.status, &r.hold, sales.iter().find(|s| s.id == r.sale_id)) {
                inner.held.insert(sale.id.clone(), HeldLocally { sale: sale.clone(), reason: reason.clone() });
            }
        }
        Ok(())
    }

    async fn pending_ops(&self, limit: usize) -> Result<Vec<Operation>, MemoryError> {
        Ok(self.inner.borrow().op_outbox.values().take(limit).cloned().collect())
    }

    async fn settle_ops(&self, results: &[OpResult], ops: &[Operation]) -> Result<(), MemoryError> {
        let mut inner = self.inner.borrow_mut();
        for r in results {
            inner.op_outbox.retain(|_, o| o.id != r.op_id);
            if let (OpStatus::Held, Some(reason), Some(op)) = (r.status, &r.hold, ops.iter().find(|o| o.id == r.op_id)) {
                inner.held_ops.insert(op.id.clone(), HeldOpLocally { op: op.clone(), reason: reason.clone() });
            }
        }
        Ok(())
    }

    async fn refuse(&self, sale: &Sale, reason: &str) -> Result<(), MemoryError> {
        let mut inner = self.inner.borrow_mut();
        inner.outbox.retain(|_, s| s.id != sale.id);
        inner.refused.insert(sale.id.clone(), Refused { sale: sale.clone(), reason: reason.into() });
        Ok(())
    }
}
