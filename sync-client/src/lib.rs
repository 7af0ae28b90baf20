//! The register's side of sync, with no browser in it: what a device stores ([`DeviceStore`]), how it
//! talks to the server ([`Transport`]), and the pusher that drains its outbox ([`drain`]). The browser
//! implements the two traits over IndexedDB and `fetch`; natively, [`MemoryStore`] and an in-process
//! server run the very same code in tests and in the fault simulation.
//!
//! The promises, whatever the network does:
//! - a sale — or an operation: a payment on account, serials registered, a stock adjustment, a new
//!   customer (`shared::sync::ops`) — leaves the outbox only once the server has acknowledged having it
//!   (stored or applied, duplicate, held);
//! - a refused sale (not a sale at all to the server) is set aside with the reason, kept, never deleted;
//! - anything else — no answer, a 5xx, an answer that does not name the sale — leaves it queued for the
//!   next attempt, and a repeated push is harmless because the server's decision is idempotent.

#![allow(async_fn_in_trait)] // single-threaded callers (the browser, the simulation): no Send bound wanted.

mod draft;
mod memory;
mod puller;
mod pusher;
mod retry;

pub use draft::{seal_sale, SaleDraft, SealError};
pub use memory::MemoryError;
pub use memory::MemoryStore;
pub use puller::{catch_up, compact, ChangeSource, ChangeStore, PullError, PullProgress};
pub use pusher::{drain, ensure_known, next_push, split_batch, DrainError, DrainReport, BATCH, MAX_PUSH_BYTES, OPS_BATCH};
pub use retry::Backoff;

use shared::sale::Sale;
use shared::sync::{ApiError, Device, DeviceHello, HoldReason, OpHold, OpResult, Operation, PushRequest, PushResponse, PushResult};

/// This device as it knows itself: its id (made at first start) and, once the server has answered
/// its hello, its number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalDevice {
    pub id: String,
    pub number: Option<u32>,
}

impl LocalDevice {
    pub fn known(&self) -> Option<Device> {
        self.number.map(|number| Device { id: self.id.clone(), number })
    }
}

/// A sale the server holds for review, as the device keeps it to show in its header.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldLocally {
    pub sale: Sale,
    pub reason: HoldReason,
}

/// An operation the server holds for review, as the device keeps it to show (never dropped).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldOpLocally {
    pub op: Operation,
    pub reason: OpHold,
}

/// A sale the server refused as not being a sale at all: kept on the device, shown and exportable.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Refused {
    pub sale: Sale,
    pub reason: String,
}

/// What the device keeps durably. Each method is one atomic step (one IndexedDB transaction).
pub trait DeviceStore {
    type Error: std::fmt::Display;

    async fn device(&self) -> Result<LocalDevice, Self::Error>;
    async fn set_device_number(&self, number: u32) -> Result<(), Self::Error>;
    /// The oldest sales waiting for the server, at most `limit`.
    async fn outbox(&self, limit: usize) -> Result<Vec<Sale>, Self::Error>;
    /// The server has these sales: remove them from the outbox and remember the held ones with
    /// their reason, together.
    async fn settle(&self, results: &[PushResult], sales: &[Sale]) -> Result<(), Self::Error>;
    /// The server refused this sale as not a sale: move it from the outbox to the refused list.
    async fn refuse(&self, sale: &Sale, reason: &str) -> Result<(), Self::Error>;
    /// The oldest operations waiting for the server, in the order they were made (`made_at_ms`, then
    /// id), at most `limit`.
    async fn pending_ops(&self, limit: usize) -> Result<Vec<Operation>, Self::Error>;
    /// The server has these operations: remove them from the outbox and remember the held ones with
    /// their reason, together.
    async fn settle_ops(&self, results: &[OpResult], ops: &[Operation]) -> Result<(), Self::Error>;
}

/// Why a request got no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer (server down, network gone, timeout) or a server error: worth retrying as is.
    Unreachable(String),
    /// The server answered 4xx: the same request will fail the same way.
    Refused { status: u16, error: ApiError },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(m) => write!(f, "{m}"),
            Failure::Refused { status, error } => write!(f, "{status} {}: {}", error.error, error.message),
        }
    }
}

/// How the device reaches the server.
pub trait Transport {
    async fn hello(&self, hello: &DeviceHello) -> Result<Device, Failure>;
    async fn push(&self, req: &PushRequest) -> Result<PushResponse, Failure>;
}
