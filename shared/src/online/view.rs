//! What the orders page shows (Stocks › Commandes, seed 001): one row per outlet part of an unfinished
//! order. The server answers `GET /orders` with pages of these; the change log carries them to devices.

use crate::fulfilment::{OrderType, PartStatus, Platform};
use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderLineView {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    /// What this outlet must pick.
    pub ordered: u32,
    /// What scanner mode picked so far (never more than `ordered`).
    pub picked: u32,
    /// Units nobody held when the order was allocated: shipped once received.
    #[serde(default)]
    pub backordered: u32,
}

/// A note added in scanner mode (damaged, unavailable…): only there, never edited elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderNote {
    pub at_ms: i64,
    pub by: String,
    pub text: String,
}

/// One outlet's part of an online order, as the orders page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderPartView {
    /// The online order's id, which is also its sale's id in sales history.
    pub order_id: String,
    pub outlet_id: String,
    pub platform: Platform,
    pub connection_id: String,
    /// The sale's receipt number (the same numbering as in-store sales).
    pub receipt: String,
    /// The platform's order number ("#1001").
    pub number: String,
    pub created_at_ms: i64,
    pub status: PartStatus,
    pub order_type: OrderType,
    pub customer_id: Option<String>,
    pub customer_name: String,
    pub lines: Vec<OrderLineView>,
    /// Customer details and the platform's notes, then tracking details added later.
    pub sale_note: String,
    pub order_notes: Vec<OrderNote>,
    /// The staff member packing it (assigned in scanner mode only).
    pub assigned_to: Option<String>,
    pub total: Money,
    pub paid: Money,
    /// The other outlets with a part of the same order (a split order), with their status.
    #[serde(default)]
    pub other_parts: Vec<(String, PartStatus)>,
    /// Why these outlets: the allocation plan's explanation.
    #[serde(default)]
    pub explanation: Vec<String>,
    /// Whether the allocation was proven the best by the seed's rules.
    #[serde(default)]
    pub optimal: bool,
    /// Paid through an external processor: a refund must be made there too ("à faire chez le processeur").
    #[serde(default)]
    pub processor: Option<String>,
}

/// Filters of the orders page; every field optional. `q` searches receipt, order number and customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrdersQuery {
    pub outlet: Option<String>,
    pub status: Option<PartStatus>,
    pub order_type: Option<OrderType>,
    pub q: Option<String>,
}
