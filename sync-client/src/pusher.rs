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
}

impl<E: std::fmt::Display> std::fmt::Display for DrainError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DrainError::Unreachable(m) => write!(f, "server unreachable: {m}"),
            DrainError::Store(e) => write!(f, "local storage: {e}"),
            DrainError::Stuck(m) => write!(f, "push refused: {m}"),
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
