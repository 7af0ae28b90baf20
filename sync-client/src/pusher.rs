//! Draining the outbox: push the oldest sales, settle what the server answered, repeat until empty.
//! The caller decides when to drain (after each sale, on a timer with [`crate::Backoff`], when the
//! network comes back); this module decides what a drain does with each answer.

use crate::{DeviceStore, Failure, Transport};
use serde::Serialize;
use shared::limits::{MAX_BODY_BYTES, MAX_OPS_PER_PUSH, MAX_SALES_PER_PUSH};
use shared::sale::Sale;
use shared::sync::{Device, DeviceHello, OpStatus, Operation, PushRequest, PushStatus};

/// Sales read from the outbox per push.
pub const BATCH: usize = MAX_SALES_PER_PUSH;
/// Operations read from the outbox per push.
pub const OPS_BATCH: usize = MAX_OPS_PER_PUSH;
/// A push stays under half the server's body limit.
pub const MAX_PUSH_BYTES: usize = MAX_BODY_BYTES / 2;

/// What one drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub pushes: u32,
    pub stored: u32,
    pub duplicate: u32,
    pub held: u32,
    pub refused: u32,
    pub ops_applied: u32,
    pub ops_duplicate: u32,
    pub ops_held: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum DrainError<E> {
    /// No answer: try again later; nothing was lost.
    Unreachable(String),
    /// The device's own storage failed.
    Store(E),
    /// The server refused without naming a sale (or named none it was sent): try again later;
    /// nothing is dropped.
    Stuck(String),
    /// The server does not accept this device (401: not enrolled, revoked) or this request from it
    /// (403). Nothing is dropped: the outbox waits, visible and exportable, for a manager to act.
    Unauthorized { status: u16, error: shared::sync::ApiError },
}

impl<E: std::fmt::Display> std::fmt::Display for DrainError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DrainError::Unreachable(m) => write!(f, "server unreachable: {m}"),
            DrainError::Store(e) => write!(f, "local storage: {e}"),
            DrainError::Stuck(m) => write!(f, "push refused: {m}"),
            DrainError::Unauthorized { status, error } => write!(f, "device not accepted ({status} {}): {}", error.error, error.message),
        }
    }
}

/// The device as the server knows it: introduces itself first if it has no number yet.
pub async fn ensure_known<S: DeviceStore, T: Transport>(store: &S, transport: &T) -> Result<Device, DrainError<S::Error>> {
    let local = store.device().await.map_err(DrainError::Store)?;
    if let Some(device) = local.known() {
        return Ok(device);
    }
    hello(store, transport, &local.id).await
}

async fn hello<S: DeviceStore, T: Transport>(store: &S, transport: &T, id: &str) -> Result<Device, DrainError<S::Error>> {
    let device = transport.hello(&DeviceHello { device_id: id.to_string() }).await.map_err(|f| match f {
        Failure::Unreachable(m) => DrainError::Unreachable(m),
        Failure::Refused { status: status @ (401 | 403), error } => DrainError::Unauthorized { status, error },
        Failure::Refused { error, .. } => DrainError::Stuck(error.message),
    })?;
    store.set_device_number(device.number).await.map_err(DrainError::Store)?;
    Ok(device)
}

/// The longest prefix of `items` whose JSON stays under `max_bytes` (at least one item).
pub fn split_batch<T: Serialize>(mut items: Vec<T>, max_bytes: usize) -> Vec<T> {
    let keep = fitting(&items, max_bytes).max(1.min(items.len()));
    items.truncate(keep);
    items
}

/// How many of the first `items` fit in `max_bytes` of JSON (possibly none).
fn fitting<T: Serialize>(items: &[T], max_bytes: usize) -> usize {
    let mut size = 0usize;
    let mut keep = 0usize;
    for item in items {
        size = size.saturating_add(serde_json::to_string(item).map(|j| j.len() + 1).unwrap_or(usize::MAX));
        if size > max_bytes {
            break;
        }
        keep += 1;
    }
    keep
}

/// What the next push carries, from the oldest pending operations (`ops`, at most [`OPS_BATCH`], as
/// [`DeviceStore::pending_ops`] gives them) and sales (`sales`, oldest first).
///
/// The server applies a push's operations before its sales. So that this is the order they were made
/// in, a push carries the operations made before the oldest pending sale (ties go to the operation:
/// a customer created in the same millisecond as the sale naming it comes first), then the sales made
/// before the next operation left out. Mixed `op sale op sale` thus goes in two pushes.
pub fn next_push(mut ops: Vec<Operation>, mut sales: Vec<Sale>) -> (Vec<Operation>, Vec<Sale>) {
    let more_ops_may_wait = ops.len() >= OPS_BATCH;
    let first_sale_at = sales.first().map(|s| s.created_at_ms);
    let taken = ops.iter().take_while(|o| first_sale_at.is_none_or(|at| o.made_at_ms <= at)).count();
    let next_op_at = ops.get(taken).map(|o| o.made_at_ms);
    ops.truncate(taken);
    let ops = split_batch(ops, MAX_PUSH_BYTES);
    let ops_bytes = serde_json::to_string(&ops).map_or(usize::MAX, |j| j.len());
    if ops.len() < taken || (next_op_at.is_none() && more_ops_may_wait && taken > 0) {
        // Operations not in this push (cut for size, or beyond the batch) may predate these sales.
        return (ops, Vec::new());
    }
    let n = sales.iter().take_while(|s| next_op_at.is_none_or(|at| s.created_at_ms < at)).count();
    sales.truncate(n);
    if ops.is_empty() {
        return (ops, split_batch(sales, MAX_PUSH_BYTES));
    }
    let n = fitting(&sales, MAX_PUSH_BYTES.saturating_sub(ops_bytes));
    sales.truncate(n);
    (ops, sales)
}

/// Pushes until the outbox is empty. Every sale or operation the server acknowledges (stored or
/// applied, duplicate, held) leaves the outbox with its answer; a sale it refuses is set aside, kept;
/// nothing else moves.
pub async fn drain<S: DeviceStore, T: Transport>(store: &S, transport: &T) -> Result<DrainReport, DrainError<S::Error>> {
    let mut device = ensure_known(store, transport).await?;
    let mut report = DrainReport::default();
    let mut said_hello_again = false;
    loop {
        // Sales recorded before devices existed carry no device and go as they are: the server keys them
        // by their register, as it did then.
        let ops = store.pending_ops(OPS_BATCH).await.map_err(DrainError::Store)?;
        let sales = store.outbox(BATCH).await.map_err(DrainError::Store)?;
        if sales.is_empty() && ops.is_empty() {
            return Ok(report);
        }
        let (ops, sales) = next_push(ops, sales);
        let whole = serde_json::to_string(&PushRequest { device_id: device.id.clone(), sales: sales.clone(), ops: ops.clone() }).map_or(usize::MAX, |j| j.len());
        if ops.is_empty() && sales.len() == 1 && whole >= MAX_BODY_BYTES {
            store.refuse(&sales[0], "too large to send: export it").await.map_err(DrainError::Store)?;
            report.refused += 1;
            continue;
        }
        let req = PushRequest { device_id: device.id.clone(), sales, ops };
        report.pushes += 1;
        match transport.push(&req).await {
            Ok(resp) => {
                // Only answers about what we sent count; anything the answer does not name stays queued.
                let results: Vec<_> = resp.results.into_iter().filter(|r| req.sales.iter().any(|s| s.id == r.sale_id)).collect();
                let op_results: Vec<_> = resp.ops.into_iter().filter(|r| req.ops.iter().any(|o| o.id == r.op_id)).collect();
                if results.is_empty() && op_results.is_empty() {
                    return Err(DrainError::Stuck("the server's answer named nothing that was sent".into()));
                }
                if !op_results.is_empty() {
                    store.settle_ops(&op_results, &req.ops).await.map_err(DrainError::Store)?;
                }
                if !results.is_empty() {
                    store.settle(&results, &req.sales).await.map_err(DrainError::Store)?;
                }
                for r in &results {
                    match r.status {
                        PushStatus::Stored => report.stored += 1,
                        PushStatus::Duplicate => report.duplicate += 1,
                        PushStatus::Held => report.held += 1,
                    }
                }
                for r in &op_results {
                    match r.status {
                        OpStatus::Applied => report.ops_applied += 1,
                        OpStatus::Duplicate => report.ops_duplicate += 1,
                        OpStatus::Held => report.ops_held += 1,
                    }
                }
            }
            Err(Failure::Unreachable(m)) => return Err(DrainError::Unreachable(m)),
            // Checked before any sale is named: a device the server does not accept never sets a sale aside.
            Err(Failure::Refused { status: status @ (401 | 403), error }) => return Err(DrainError::Unauthorized { status, error }),
            Err(Failure::Refused { error, .. }) if error.error == "unknown_device" && !said_hello_again => {
                // The server lost track of us (a restored backup): introduce ourselves again, once.
                said_hello_again = true;
                device = hello(store, transport, &device.id).await?;
            }
            Err(Failure::Refused { error, .. }) => {
                let named = req.sales.iter().find(|s| {
                    error.sale_id.as_deref() == Some(s.id.as_str()) || (error.sale_id.is_none() && error.seq == Some(s.seq))
                });
                // An operation is never refused by name (the server holds what it cannot apply): a refusal
                // that names no sale leaves everything queued.
                let Some(sale) = named else {
                    return Err(DrainError::Stuck(error.message));
                };
                store.refuse(sale, &error.message).await.map_err(DrainError::Store)?;
                report.refused += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryStore, SaleDraft};
    use futures_executor::block_on;
    use shared::catalog::{Product, Register};
    use shared::money::Money;
    use shared::sale::{Cart, Tender, TenderKind};
    use shared::sync::{ApiError, PushResponse};
    use shared::tax::{TaxClass, TaxRates};

    /// A server that answers every request with the same refusal (the network double; the store is real).
    struct Refusing(u16, &'static str);

    impl Transport for Refusing {
        async fn hello(&self, _: &DeviceHello) -> Result<Device, Failure> {
            Err(self.failure())
        }
        async fn push(&self, _: &PushRequest) -> Result<PushResponse, Failure> {
            Err(self.failure())
        }
    }

    fn op(id: &str, at: i64) -> Operation {
        Operation {
            id: id.into(),
            device_id: "dev".into(),
            made_at_ms: at,
            cashier_id: "julie".into(),
            body: shared::sync::OpBody::NewCustomer { customer: shared::catalog::Customer { id: id.into(), name: "C".into(), email: None } },
        }
    }

    fn sale_at(id: &str, at: i64) -> Sale {
        Sale { id: id.into(), created_at_ms: at, ..Sale::default() }
    }

    fn ids(push: &(Vec<Operation>, Vec<Sale>)) -> (Vec<&str>, Vec<&str>) {
        (push.0.iter().map(|o| o.id.as_str()).collect(), push.1.iter().map(|s| s.id.as_str()).collect())
    }

    #[test]
    fn a_push_carries_the_operations_made_before_its_sales_and_no_later_one() {
        // op1 (t=1), s1 (t=2), op2 (t=3), s2 (t=4): the server applies ops first, so op2 waits for s1.
        let p = next_push(vec![op("op1", 1), op("op2", 3)], vec![sale_at("s1", 2), sale_at("s2", 4)]);
        assert_eq!(ids(&p), (vec!["op1"], vec!["s1"]));
        let p = next_push(vec![op("op2", 3)], vec![sale_at("s2", 4)]);
        assert_eq!(ids(&p), (vec!["op2"], vec!["s2"]));
        // A customer created in the same millisecond as the sale naming it goes first.
        let p = next_push(vec![op("c", 5)], vec![sale_at("s", 5)]);
        assert_eq!(ids(&p), (vec!["c"], vec!["s"]));
        // Sales first when they are older than every operation.
        let p = next_push(vec![op("late", 9)], vec![sale_at("s1", 2), sale_at("s2", 4)]);
        assert_eq!(ids(&p), (vec![], vec!["s1", "s2"]));
    }

    #[test]
    fn with_a_full_batch_of_operations_no_sale_goes_before_the_operations_still_unread() {
        let ops: Vec<Operation> = (0..OPS_BATCH as i64).map(|i| op(&format!("op{i}"), i)).collect();
        let p = next_push(ops, vec![sale_at("s", 1_000)]);
        assert_eq!((p.0.len(), p.1.len()), (OPS_BATCH, 0));
    }

    impl Refusing {
        fn failure(&self) -> Failure {
            // A hostile or confused server may even name a sale in a 401: it must not matter.
            Failure::Refused { status: self.0, error: ApiError { error: self.1.into(), message: "no".into(), seq: Some(1), sale_id: Some("s1".into()) } }
        }
    }

    fn store_with_one_sale() -> MemoryStore {
        let store = MemoryStore::new("dev");
        block_on(store.set_device_number(1)).unwrap();
        let mut cart = Cart::default();
        cart.add(&Product { id: "p".into(), sku: "P".into(), name: "P".into(), price: Money(100), tax_class: TaxClass::Exempt, ..Product::default() });
        let register = Register { id: "r".into(), outlet_id: "o".into(), code: "R".into(), name: "R".into() };
        let draft = SaleDraft { id: "s1".into(), register, created_at_ms: 1, cart, rates: TaxRates::QUEBEC, tenders: vec![Tender::exact(TenderKind::Card, Money(100))], cashier_id: "julie".into() };
        store.commit(&draft).unwrap();
        store
    }

    #[test]
    fn a_revoked_or_forbidden_device_keeps_every_sale_in_its_outbox() {
        for (status, code) in [(401, "device_revoked"), (403, "forbidden")] {
            let store = store_with_one_sale();
            let err = block_on(drain(&store, &Refusing(status, code))).unwrap_err();
            assert!(matches!(err, DrainError::Unauthorized { status: s, .. } if s == status), "{err:?}");
            assert_eq!(block_on(store.outbox(10)).unwrap().len(), 1);
            assert!(store.refused().is_empty());
        }
    }

    #[test]
    fn a_sale_the_server_names_in_a_422_is_set_aside_not_lost() {
        let store = store_with_one_sale();
        let report = block_on(drain(&store, &Refusing(422, "out_of_range"))).unwrap();
        assert_eq!(report.refused, 1);
        assert_eq!(store.refused().len(), 1);
    }
}
