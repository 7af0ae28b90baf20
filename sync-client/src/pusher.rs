//! Draining the outbox: push the oldest sales, settle what the server answered, repeat until empty.
//! The caller decides when to drain (after each sale, on a timer with [`crate::Backoff`], when the
//! network comes back); this module decides what a drain does with each answer.

use crate::{DeviceStore, Failure, Transport};
use shared::limits::{MAX_BODY_BYTES, MAX_SALES_PER_PUSH};
use shared::sale::Sale;
use shared::sync::{Device, DeviceHello, PushRequest, PushStatus};

/// Sales read from the outbox per push.
pub const BATCH: usize = MAX_SALES_PER_PUSH;
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

/// The longest prefix of `sales` whose JSON stays under `max_bytes` (at least one sale).
pub fn split_batch(mut sales: Vec<Sale>, max_bytes: usize) -> Vec<Sale> {
    let mut size = 0usize;
    let mut keep = 0usize;
    for s in &sales {
        let n = serde_json::to_string(s).map(|j| j.len() + 1).unwrap_or(usize::MAX);
        if keep > 0 && size.saturating_add(n) > max_bytes {
            break;
        }
        size = size.saturating_add(n);
        keep += 1;
    }
    sales.truncate(keep);
    sales
}

/// Pushes until the outbox is empty. Every sale the server acknowledges (stored, duplicate, held)
/// leaves the outbox with its answer; a sale it refuses is set aside, kept; nothing else moves.
pub async fn drain<S: DeviceStore, T: Transport>(store: &S, transport: &T) -> Result<DrainReport, DrainError<S::Error>> {
    let mut device = ensure_known(store, transport).await?;
    let mut report = DrainReport::default();
    let mut said_hello_again = false;
    loop {
        // Sales recorded before devices existed carry no device and go as they are: the server keys them
        // by their register, as it did then.
        let sales = store.outbox(BATCH).await.map_err(DrainError::Store)?;
        if sales.is_empty() {
            return Ok(report);
        }
        let sales = split_batch(sales, MAX_PUSH_BYTES);
        let whole = serde_json::to_string(&PushRequest { device_id: device.id.clone(), sales: sales.clone() }).map_or(usize::MAX, |j| j.len());
        if sales.len() == 1 && whole >= MAX_BODY_BYTES {
            store.refuse(&sales[0], "too large to send: export it").await.map_err(DrainError::Store)?;
            report.refused += 1;
            continue;
        }
        let req = PushRequest { device_id: device.id.clone(), sales };
        report.pushes += 1;
        match transport.push(&req).await {
            Ok(resp) => {
                // Only answers about sales we sent count; a sale the answer does not name stays queued.
                let results: Vec<_> = resp.results.into_iter().filter(|r| req.sales.iter().any(|s| s.id == r.sale_id)).collect();
                if results.is_empty() {
                    return Err(DrainError::Stuck("the server's answer named none of the sales sent".into()));
                }
                store.settle(&results, &req.sales).await.map_err(DrainError::Store)?;
                for r in &results {
                    match r.status {
                        PushStatus::Stored => report.stored += 1,
                        PushStatus::Duplicate => report.duplicate += 1,
                        PushStatus::Held => report.held += 1,
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
