//! Holding what a platform signed but we could not take in (issue 11, "no signed order is ever lost or
//! loops"). After a valid signature, a delivery that cannot be read, fetched or stored is written to
//! `held_online_orders` with its raw body, in its own transaction, and the webhook answers 200: every
//! platform punishes repeated failures (WooCommerce disables the webhook after ~6 and never retries,
//! Shopify deletes an API-created subscription after 8 tries over 4 h, BigCommerce deactivates a hook
//! after 48 h and blocklists a domain below 90 % success, Ecwid blocks after two weeks), while a held
//! order waits as long as it takes, shown to managers and retried by them (`POST /held/orders/{id}/retry`)
//! or, for a fetch that failed, by every reconciliation run.

use shared::online::IncomingOrder;

/// What to write for an order held outside the intake's own decisions.
#[derive(Clone, Copy, Debug)]
pub struct NewHold<'a> {
    pub connection_id: &'a str,
    /// The platform's order id, or [`synthetic_id`] when the delivery named none.
    pub external_id: &'a str,
    pub order: Option<&'a IncomingOrder>,
    pub raw: Option<&'a str>,
    /// The delivery it came by, when that delivery was not recorded (kept for diagnosis; a retry takes
    /// the order in under a key of its own, and a later repeat of the delivery is then an update).
    pub delivery_key: Option<&'a str>,
    pub code: &'a str,
    pub reason: &'a str,
}

/// How one delivery is taken in (`Store::ingest_order_with`).
#[derive(Clone, Copy, Debug, Default)]
pub struct IngestOptions<'a> {
    /// The body as received, kept with a hold the store decides (an order placed before the connection).
    pub raw: Option<&'a str>,
    /// A manager's retry: an order placed before the connection is taken in on purpose.
    pub take_before_connection: bool,
    /// The held order this delivery takes in (its key may not be the order's: `delivery:<key>`):
    /// resolved in the same transaction when it is created or updated.
    pub resolves: Option<i64>,
}

/// The held row's key for a delivery that names no order.
pub fn synthetic_id(delivery_key: &str) -> String {
    format!("delivery:{delivery_key}")
}

/// A raw body as text (a platform's body is JSON, so UTF-8; anything else is kept readable).
pub fn raw_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}
