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
    /// Their name, to show (the id stays the key).
    #[serde(default)]
    pub assigned_name: Option<String>,
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

impl OrdersQuery {
    /// Whether the orders page shows `part` under these filters: an unfinished part (finished ones leave
    /// the page and stay in sales history) of the chosen outlet, with the chosen status and type, whose
    /// receipt, platform number or customer contains `q` (ignoring case). The one rule for every source
    /// the page reads (the device's pulled parts, the server's list).
    pub fn keeps(&self, part: &OrderPartView) -> bool {
        if part.status.is_done()
            || self.outlet.as_ref().is_some_and(|o| *o != part.outlet_id)
            || self.status.is_some_and(|s| s != part.status)
            || self.order_type.is_some_and(|t| t != part.order_type)
        {
            return false;
        }
        let q = self.q.as_deref().map(|q| q.trim().to_lowercase()).unwrap_or_default();
        q.is_empty()
            || part.receipt.to_lowercase().contains(&q)
            || part.number.to_lowercase().contains(&q)
            || part.customer_name.to_lowercase().contains(&q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(outlet: &str, status: PartStatus, order_type: OrderType, customer: &str) -> OrderPartView {
        OrderPartView {
            order_id: format!("o-{customer}"),
            outlet_id: outlet.into(),
            platform: Platform::WooCommerce,
            connection_id: "c".into(),
            receipt: "MTL1-W-000042".into(),
            number: "#1001".into(),
            created_at_ms: 0,
            status,
            order_type,
            customer_id: None,
            customer_name: customer.into(),
            lines: vec![],
            sale_note: String::new(),
            order_notes: vec![],
            assigned_to: None,
            assigned_name: None,
            total: Money(100),
            paid: Money(100),
            other_parts: vec![],
            explanation: vec![],
            optimal: true,
            processor: None,
        }
    }

    #[test]
    fn the_orders_page_keeps_unfinished_parts_of_its_outlet_with_the_chosen_status_and_type() {
        let all = OrdersQuery { outlet: Some("montreal".into()), ..OrdersQuery::default() };
        assert!(all.keeps(&part("montreal", PartStatus::Packed, OrderType::Pickup, "Léa Roy")));
        assert!(!all.keeps(&part("laval", PartStatus::New, OrderType::Delivery, "Léa Roy")), "another outlet's part");
        assert!(!all.keeps(&part("montreal", PartStatus::Shipped, OrderType::Delivery, "Léa Roy")), "finished: leaves the page");
        assert!(!all.keeps(&part("montreal", PartStatus::PickedUp, OrderType::Pickup, "Léa Roy")), "finished: leaves the page");
        let packed_pickups = OrdersQuery { status: Some(PartStatus::Packed), order_type: Some(OrderType::Pickup), ..all.clone() };
        assert!(packed_pickups.keeps(&part("montreal", PartStatus::Packed, OrderType::Pickup, "Léa Roy")));
        assert!(!packed_pickups.keeps(&part("montreal", PartStatus::InProgress, OrderType::Pickup, "Léa Roy")));
        assert!(!packed_pickups.keeps(&part("montreal", PartStatus::Packed, OrderType::Delivery, "Léa Roy")));
    }

    #[test]
    fn the_orders_search_finds_a_receipt_a_platform_number_or_a_customer_ignoring_case() {
        let p = part("montreal", PartStatus::New, OrderType::Delivery, "Léa Roy");
        let search = |q: &str| OrdersQuery { q: Some(q.into()), ..OrdersQuery::default() }.keeps(&p);
        assert!(search("w-000042"));
        assert!(search("#1001"));
        assert!(search("  LÉA "));
        assert!(search(""));
        assert!(!search("Paul"));
    }
}
