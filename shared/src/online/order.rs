//! An order as a platform sends it, in one shape for all four platforms. Amounts are integer cents,
//! converted by the bridge from the platform's decimal strings or numbers (never through floats).

use crate::fulfilment::{OrderType, Platform};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// One line of a platform order: matched to the catalog by SKU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IncomingLine {
    /// The platform's own line id (for fulfilment calls that name lines).
    pub external_id: String,
    /// The platform's product (or variant) id, kept for stock pushes.
    #[serde(default)]
    pub external_product_id: String,
    pub sku: String,
    /// The product's name on the platform (shown when the SKU is unknown to the catalog).
    pub name: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_QTY)))]
    pub quantity: u32,
    /// Price of one unit as the platform charged it, before taxes.
    pub unit_price: Money,
}

/// How the order was paid, as the platform says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OrderPayment {
    /// Paid through an integrated processor. Offline methods (cash on delivery, cheque, bank transfer)
    /// arrive unpaid (seed 004), whatever the platform's status says about them later.
    pub paid: bool,
    /// The processor's or method's name as the platform gives it ("shopify_payments", "Stripe", "bacs").
    pub method: String,
}

/// Where the platform says the order stands (beyond payment): a cancelled or refunded order must not be
/// fulfilled; a pending one is not an order yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum PlatformOrderState {
    Open,
    Cancelled,
    Refunded,
    /// Not an order yet: a checkout not finished or a payment awaited or failed (WooCommerce `pending`,
    /// `failed`; BigCommerce Incomplete, Pending; Ecwid `INCOMPLETE`). Nothing is taken — no sale, no
    /// stock — until a later version says it is open.
    Pending,
}

/// A platform order, normalised by its bridge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct IncomingOrder {
    pub platform: Platform,
    /// The platform's order id (Shopify numeric id, WooCommerce id, BigCommerce id, Ecwid order id).
    pub external_id: String,
    /// What the customer sees ("#1001", "727", "K8XTQ").
    pub number: String,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// The platform's last-modified stamp in milliseconds since the Unix epoch, written in decimal by the
    /// bridge (Shopify `updated_at`, WooCommerce `date_modified_gmt`, BigCommerce `date_modified`, Ecwid
    /// `updateTimestamp`), so that versions of an order compare across platforms
    /// ([`crate::online::intake::modified_ms`]); empty when the platform gave none.
    #[serde(default)]
    pub modified: String,
    /// The customer's e-mail, lower-cased and trimmed by the bridge; `None` when the order has none.
    pub email: Option<String>,
    /// The customer's name on the order; `None` when the order has none (the e-mail then names her).
    pub customer_name: Option<String>,
    pub order_type: OrderType,
    pub lines: Vec<IncomingLine>,
    /// Shipping charged, before taxes.
    #[serde(default)]
    pub shipping: Money,
    /// What the customer pays, taxes included, as the platform computed it.
    pub total: Money,
    pub payment: OrderPayment,
    pub state: PlatformOrderState,
    /// The customer's note and the delivery details (address, phone, pickup location), as text for the
    /// sale note.
    #[serde(default)]
    pub note: String,
}
