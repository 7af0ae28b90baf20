//! Online orders in (issue 11): connected stores, their webhooks, the reconciliation pull, and the orders
//! API. A bridge (`crate::bridges`) checks and reads a platform's payloads; `shared::online::intake`
//! decides what an order becomes; the store persists it in one transaction (`Store::ingest_order`).
//! Orders out: `worker` sends the platforms their status calls and stock levels.

pub mod connections;
pub mod held;
pub mod reconcile;
pub mod routes;
pub mod worker;

use crate::bridges::{Connection, Credentials};
use serde::{Deserialize, Serialize};
use shared::fulfilment::{OrderType, PartStatus, Platform, PlatformOptions};

pub use reconcile::{reconcile_once, spawn_reconciliation};

/// `POST /api/v1/connections`: a store to connect. Its credentials are kept on the server only.
#[derive(Clone, Debug, Deserialize)]
pub struct NewConnection {
    pub platform: Platform,
    pub name: String,
    pub base_url: String,
    pub credentials: Credentials,
    pub orders_register_id: String,
    /// The outlets offering stock online, in priority order; the orders register's outlet is always
    /// included (first when not listed).
    #[serde(default)]
    pub online_outlets: Vec<String>,
    #[serde(default)]
    pub options: PlatformOptions,
}

/// `PATCH /api/v1/connections/{id}`: what changes; an absent field stays as it is. New credentials
/// replace the old ones whole (a key rotation) and are never sent back.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPatch {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub credentials: Option<Credentials>,
    pub options: Option<PlatformOptions>,
    pub orders_register_id: Option<String>,
}

/// Why a connection is refused (422, nothing written; 409 for `AlreadyConnected` and `OtherStore`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionRefusal {
    #[error("no register '{0}'")]
    UnknownRegister(String),
    #[error("no outlet '{0}'")]
    UnknownOutlet(String),
    #[error("no connection '{0}'")]
    UnknownConnection(String),
    #[error("the register's outlet is not one of yours")]
    NotYourOutlet,
    /// The same store connected twice would take every order twice.
    #[error("this store is already connected (connection '{0}')")]
    AlreadyConnected(String),
    #[error("the credentials are for another platform")]
    PlatformMismatch,
    /// New credentials naming another store (BigCommerce store hash, Ecwid store id) on a connection
    /// that has taken orders: that store's order ids would be read as this one's.
    #[error("these credentials are for another store than the one whose orders this connection took ({0}); connect that store as a new connection")]
    OtherStore(String),
}

impl ConnectionRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            ConnectionRefusal::UnknownRegister(_) => "unknown_register",
            ConnectionRefusal::UnknownOutlet(_) => "unknown_outlet",
            ConnectionRefusal::UnknownConnection(_) => "unknown_connection",
            ConnectionRefusal::NotYourOutlet => "not_your_outlet",
            ConnectionRefusal::AlreadyConnected(_) => "already_connected",
            ConnectionRefusal::PlatformMismatch => "platform_mismatch",
            ConnectionRefusal::OtherStore(_) => "other_store",
        }
    }
}

/// A connection as the server uses it: what a bridge needs, and what the back office sees.
#[derive(Clone, Debug)]
pub struct ConnectionRecord {
    pub view: shared::online::ConnectionView,
    pub bridge: Connection,
    /// The orders register's outlet.
    pub outlet_id: String,
}

/// What one delivery did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IngestOutcome {
    /// A new order: its sale, parts and movements are stored.
    Created { order_id: String },
    /// A known order: what may change was applied (or nothing changed).
    Updated { order_id: String },
    /// This delivery was applied before: nothing done.
    Duplicate,
    /// The order could not be taken in as it is: held for a manager.
    Held { code: String },
    /// A delivery we do not act on (recorded).
    Ignored,
    /// An older version of the order than the one the shop holds (the platforms deliver updates out of
    /// order; a replayed body): recorded, not applied. `order_id` when the order was taken in.
    Stale { order_id: Option<String> },
    /// Nothing taken, and nothing for a manager to do: still awaiting payment or checkout on the
    /// platform (`not_yet_an_order`; taken once it is placed), or cancelled there before the shop took
    /// it (`cancelled_before_intake`; remembered, so that its late create never makes it live).
    NotTaken { code: String },
}

/// `GET /api/v1/orders` filters (see `Store::list_orders`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrdersFilter {
    pub outlet: Option<String>,
    /// `None`: every unfinished part (not shipped or picked up, order neither fulfilled nor
    /// cancelled). A status: parts with that status.
    pub status: Option<PartStatus>,
    pub order_type: Option<OrderType>,
    /// Searches the receipt, the platform's order number and the customer's name.
    pub q: Option<String>,
}

/// The sort key of the orders list, and its cursor: (created at, order id, outlet id), oldest first.
pub type OrdersKey = (i64, String, String);
