//! Platform orders the shop could not take in as they came, held for a manager (`GET /held/orders`):
//! what is kept of them, their codes, and the rule that holds an order placed before its store was
//! connected. Nothing a platform signed is ever dropped: what cannot be read, stored or fetched is
//! kept here with its raw body, and answered 200 so that the platform does not disable the webhook.

use super::order::IncomingOrder;
use serde::{Deserialize, Serialize};

/// Signed, but not an order we can read (not JSON, a field out of range, no order id).
pub const UNREADABLE: &str = "unreadable";
/// Read, but the store refused it (a database error): kept whole, taken in again on retry.
pub const STORE_ERROR: &str = "store_error";
/// A thin webhook (it names the order) whose order the platform's API did not give: fetched again by
/// each reconciliation run and by the retry route.
pub const PLATFORM_UNREACHABLE: &str = "platform_unreachable";
/// The platform's API refused to give a thin webhook's order (a 4xx: revoked credentials, an order
/// gone): retried by a manager once the cause is fixed.
pub const PLATFORM_REFUSED: &str = "platform_refused";
/// An order placed before its store was connected, arriving through an update: the store's history is
/// not imported unless a manager takes it in (retry).
pub const BEFORE_CONNECTION: &str = "before_connection";

/// How long before the connection an order may have been placed and still be the connection's: the
/// platform's clock and ours differ, and a merchant connects the store just before the first sale.
pub const BEFORE_CONNECTION_GRACE_MS: i64 = 5 * 60 * 1000;

/// An order we do not have yet is the store's history, not the connection's, when it was placed
/// before the connection (beyond the grace).
pub fn placed_before_connection(order_created_at_ms: i64, connection_created_at_ms: i64) -> bool {
    order_created_at_ms < connection_created_at_ms.saturating_sub(BEFORE_CONNECTION_GRACE_MS)
}

/// `GET /api/v1/held/orders`: a platform order held for a manager (an unknown SKU, no outlet online, an
/// unreadable body, a store error, a platform we could not reach…), kept whole; taken in when a later
/// delivery of it can be, or by `POST /held/orders/{id}/retry`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HeldOnlineOrder {
    pub id: i64,
    pub connection_id: String,
    /// The platform's order id; `delivery:<key>` when the delivery named none.
    pub external_id: String,
    /// The order as read; `None` when it could not be read or fetched (see `raw`).
    pub order: Option<IncomingOrder>,
    /// The body as the platform sent it, when the order came by webhook and was held before or
    /// instead of being read.
    #[serde(default)]
    pub raw: Option<String>,
    /// The delivery it came by (server side: taking it in later records that delivery).
    #[serde(skip)]
    pub delivery_key: Option<String>,
    /// `shared::online::IntakeHold::code`, or one of this module's codes.
    pub code: String,
    pub reason: String,
    pub received_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_placed_before_the_connection_beyond_the_grace_is_history() {
        let connected = 1_800_000_000_000;
        assert!(placed_before_connection(connected - BEFORE_CONNECTION_GRACE_MS - 1, connected));
        assert!(!placed_before_connection(connected - BEFORE_CONNECTION_GRACE_MS, connected));
        assert!(!placed_before_connection(connected + 1, connected));
        assert!(!placed_before_connection(i64::MIN, i64::MIN), "no overflow");
    }
}
