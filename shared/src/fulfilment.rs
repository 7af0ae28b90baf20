//! Fulfilment of online orders (seed 001). An order allocated to several outlets has one part per outlet,
//! each shown on that outlet's orders page. A part goes New → In progress → Packed → Shipped (delivery)
//! or Picked up (pickup). An unpaid order cannot be marked shipped or picked up until a payment is
//! recorded, and the order as a whole stays unfulfilled until every part is done.
//!
//! The e-commerce platform hears about the order as a whole (`ecommerce-platforms.md` § 5): "packed"
//! once every part is packed (only BigCommerce has a status for it), and completion once every part is
//! shipped or picked up.

use crate::money::{Money, Overflow};
use crate::stock::allocation::{AllocationPlan, OrderLine};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the customer gets the order ("Type" on the orders page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    Delivery,
    Pickup,
}

/// Where one outlet's part stands. Ordered: later statuses compare greater.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartStatus {
    New,
    InProgress,
    Packed,
    Shipped,
    PickedUp,
}

impl PartStatus {
    pub fn is_done(self) -> bool {
        matches!(self, PartStatus::Shipped | PartStatus::PickedUp)
    }

    /// Shipped and Picked up are the same step, for different order types.
    fn step(self) -> u8 {
        match self {
            PartStatus::New => 0,
            PartStatus::InProgress => 1,
            PartStatus::Packed => 2,
            PartStatus::Shipped | PartStatus::PickedUp => 3,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartStatus::New => "new",
            PartStatus::InProgress => "in_progress",
            PartStatus::Packed => "packed",
            PartStatus::Shipped => "shipped",
            PartStatus::PickedUp => "picked_up",
        }
    }
}

impl fmt::Display for PartStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What staff do to a part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentAction {
    /// Picking has started (scanner mode).
    Start,
    MarkPacked,
    MarkShipped,
    MarkPickedUp,
}

impl FulfilmentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FulfilmentAction::Start => "start",
            FulfilmentAction::MarkPacked => "mark_packed",
            FulfilmentAction::MarkShipped => "mark_shipped",
            FulfilmentAction::MarkPickedUp => "mark_picked_up",
        }
    }

    /// The status the action leads to.
    fn target(self) -> PartStatus {
        match self {
            FulfilmentAction::Start => PartStatus::InProgress,
            FulfilmentAction::MarkPacked => PartStatus::Packed,
            FulfilmentAction::MarkShipped => PartStatus::Shipped,
            FulfilmentAction::MarkPickedUp => PartStatus::PickedUp,
        }
    }
}

impl fmt::Display for FulfilmentAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Some part is not shipped or picked up yet (even if others are).
    Unfulfilled,
    /// Every part is done; the order leaves the orders page for sales history.
    Fulfilled,
}

/// One outlet's share of an online order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPart {
    pub outlet_id: String,
    /// What this outlet picks from its stock.
    pub lines: Vec<OrderLine>,
    /// What this outlet ships once received (nobody had it when the order was allocated).
    #[serde(default)]
    pub backordered: Vec<OrderLine>,
    pub status: PartStatus,
}

/// An online order being fulfilled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineOrder {
    pub id: String,
    pub platform: Platform,
    pub order_type: OrderType,
    /// What the customer owes, taxes included.
    pub total: Money,
    /// Payments recorded so far (orders paid through a processor arrive paid; offline methods arrive unpaid).
    pub paid: Money,
    pub parts: Vec<OrderPart>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FulfilmentError {
    #[error("this order has no part for outlet '{outlet_id}'")]
    NoSuchPart { outlet_id: String },
    #[error("a {} order cannot be {}", if *order_type == OrderType::Pickup { "pickup" } else { "delivery" }, if *action == FulfilmentAction::MarkShipped { "marked shipped" } else { "marked picked up" })]
    WrongOrderType { order_type: OrderType, action: FulfilmentAction },
    #[error("a part that is {from} cannot be {}", describe(*action))]
    InvalidTransition { from: PartStatus, action: FulfilmentAction },
    #[error("the order is unpaid ({due} due): record a payment before marking it shipped or picked up")]
    Unpaid { due: Money },
    #[error("a payment must be a positive amount")]
    InvalidPayment,
    #[error("amounts out of range")]
    Overflow,
}

fn describe(action: FulfilmentAction) -> &'static str {
    match action {
        FulfilmentAction::Start => "started",
        FulfilmentAction::MarkPacked => "marked packed",
        FulfilmentAction::MarkShipped => "marked shipped before it is packed",
        FulfilmentAction::MarkPickedUp => "marked picked up before it is packed",
    }
}

impl From<Overflow> for FulfilmentError {
    fn from(_: Overflow) -> Self {
        FulfilmentError::Overflow
    }
}

impl FulfilmentError {
    pub fn code(&self) -> &'static str {
        match self {
            FulfilmentError::NoSuchPart { .. } => "no_such_part",
            FulfilmentError::WrongOrderType { .. } => "wrong_order_type",
            FulfilmentError::InvalidTransition { .. } => "invalid_transition",
            FulfilmentError::Unpaid { .. } => "order_unpaid",
            FulfilmentError::InvalidPayment => "invalid_payment",
            FulfilmentError::Overflow => "overflow",
        }
    }
}

/// The next status of a part, or why not. Repeating the action that led to the current status is
/// accepted and changes nothing, so a retried request is harmless. Forward only; In progress may be
/// skipped (packing without scanner mode), Packed may not.
pub fn next_status(
    current: PartStatus,
    action: FulfilmentAction,
    order_type: OrderType,
    paid: bool,
) -> Result<PartStatus, FulfilmentError> {
    let wrong_type = match action {
        FulfilmentAction::MarkShipped => order_type != OrderType::Delivery,
        FulfilmentAction::MarkPickedUp => order_type != OrderType::Pickup,
        _ => false,
    };
    if wrong_type {
        return Err(FulfilmentError::WrongOrderType { order_type, action });
    }
    let target = action.target();
    if current == target {
        return Ok(current);
    }
    let allowed = match action {
        FulfilmentAction::Start | FulfilmentAction::MarkPacked => current.step() < target.step(),
        FulfilmentAction::MarkShipped | FulfilmentAction::MarkPickedUp => current == PartStatus::Packed,
    };
    if !allowed {
        return Err(FulfilmentError::InvalidTransition { from: current, action });
    }
    if target.is_done() && !paid {
        // The due amount is filled in by the order, which knows it.
        return Err(FulfilmentError::Unpaid { due: Money::ZERO });
    }
    Ok(target)
}

/// What applying an action did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub part_status: PartStatus,
    pub order_status: OrderStatus,
    /// The order-level action the platform must now hear about, if this one completed a milestone
    /// for the whole order (every part packed, or every part done).
    pub order_action: Option<FulfilmentAction>,
    /// What to send to the platform for it ([`PlatformUpdate::NoChange`] when nothing).
    pub platform_update: PlatformUpdate,
}

impl OnlineOrder {
    /// One part per outlet of the allocation plan, in the plan's order; backorders join the part of the
    /// outlet they are backordered to (a part of their own if that outlet has nothing else to pick).
    pub fn from_plan(
        id: &str,
        platform: Platform,
        order_type: OrderType,
        total: Money,
        paid: Money,
        plan: &AllocationPlan,
    ) -> OnlineOrder {
        let mut parts: Vec<OrderPart> = plan
            .assignments
            .iter()
            .map(|a| OrderPart {
                outlet_id: a.outlet.clone(),
                lines: a.lines.clone(),
                backordered: vec![],
                status: PartStatus::New,
            })
            .collect();
        for b in &plan.backordered {
            let line = OrderLine { sku: b.sku.clone(), qty: b.qty };
            match parts.iter_mut().find(|p| p.outlet_id == b.outlet) {
                Some(p) => p.backordered.push(line),
                None => parts.push(OrderPart {
                    outlet_id: b.outlet.clone(),
                    lines: vec![],
                    backordered: vec![line],
                    status: PartStatus::New,
                }),
            }
        }
        OnlineOrder { id: id.into(), platform, order_type, total, paid, parts }
    }

    pub fn is_paid(&self) -> bool {
        self.paid >= self.total
    }

    /// What is still owed (zero when paid).
    pub fn due(&self) -> Money {
        self.total.checked_sub(self.paid).unwrap_or(Money::ZERO).max(Money::ZERO)
    }

    /// "Add payment" in sales history: records money received outside the POS.
    pub fn record_payment(&mut self, amount: Money) -> Result<(), FulfilmentError> {
        if amount <= Money::ZERO {
            return Err(FulfilmentError::InvalidPayment);
        }
        self.paid = self.paid.checked_add(amount)?;
        Ok(())
    }

    /// The part an outlet sees on its orders page.
    pub fn part(&self, outlet_id: &str) -> Option<&OrderPart> {
        self.parts.iter().find(|p| p.outlet_id == outlet_id)
    }

    pub fn status(&self) -> OrderStatus {
        if !self.parts.is_empty() && self.parts.iter().all(|p| p.status.is_done()) {
            OrderStatus::Fulfilled
        } else {
            OrderStatus::Unfulfilled
        }
    }

    /// How far the whole order has come: the least advanced part's step.
    fn progress(&self) -> u8 {
        self.parts.iter().map(|p| p.status.step()).min().unwrap_or(0)
    }

    /// Applies an action to one outlet's part and says what, if anything, the platform must be told.
    pub fn apply(
        &mut self,
        outlet_id: &str,
        action: FulfilmentAction,
        options: &PlatformOptions,
    ) -> Result<Applied, FulfilmentError> {
        let paid = self.is_paid();
        let due = self.due();
        let (order_type, before) = (self.order_type, self.progress());
        let part = self
            .parts
            .iter_mut()
            .find(|p| p.outlet_id == outlet_id)
            .ok_or_else(|| FulfilmentError::NoSuchPart { outlet_id: outlet_id.into() })?;
        let next = next_status(part.status, action, order_type, paid).map_err(|e| match e {
            FulfilmentError::Unpaid { .. } => FulfilmentError::Unpaid { due },
            other => other,
        })?;
        part.status = next;
        let after = self.progress();
        let order_action = match (before, after) {
            (b, 3) if b < 3 => Some(if order_type == OrderType::Pickup {
                FulfilmentAction::MarkPickedUp
            } else {
                FulfilmentAction::MarkShipped
            }),
            (b, a) if b < 2 && a >= 2 => Some(FulfilmentAction::MarkPacked),
            _ => None,
        };
        Ok(Applied {
            part_status: next,
            order_status: self.status(),
            order_action,
            platform_update: order_action
                .map_or(PlatformUpdate::NoChange, |a| platform_update(self.platform, order_type, a, options)),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// What each platform is told (ecommerce-platforms.md § 5, the contract).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Shopify,
    #[serde(rename = "woocommerce")]
    WooCommerce,
    #[serde(rename = "bigcommerce")]
    BigCommerce,
    /// Lightspeed eCom (E-Series), i.e. Ecwid.
    LightspeedEcom,
}

/// Per-store choices the contract leaves open. All off by default: the table's main column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PlatformOptions {
    /// BigCommerce, mark shipped: create a shipment (status 2 Shipped, e-mails the customer) instead of 10 Completed.
    #[serde(default)]
    pub bigcommerce_create_shipment: bool,
    /// Shopify, packed for pickup: `fulfillmentOrderLineItemsPreparedForPickup` (e-mails "ready for pickup").
    #[serde(default)]
    pub shopify_prepared_for_pickup: bool,
    /// Ecwid, packed for pickup: fulfilment status `READY_FOR_PICKUP`.
    #[serde(default)]
    pub ecwid_ready_for_pickup: bool,
}

/// BigCommerce order status ids (`PUT /v2/orders/{id} {"status_id":N}`).
pub mod bigcommerce_status {
    pub const SHIPPED: u8 = 2;
    pub const AWAITING_PICKUP: u8 = 8;
    pub const AWAITING_SHIPMENT: u8 = 9;
    pub const COMPLETED: u8 = 10;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WooCommerceStatus {
    Completed,
}

/// Ecwid `fulfillmentStatus` values we send (it has no "completed").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EcwidFulfillmentStatus {
    Shipped,
    Delivered,
    ReadyForPickup,
}

/// The call a connector makes on the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlatformUpdate {
    NoChange,
    /// `PUT /v2/orders/{id}` with this `status_id`.
    #[serde(rename = "bigcommerce_status")]
    BigCommerceStatus {
        status_id: u8,
    },
    /// `POST /v2/orders/{id}/shipments`: the order becomes 2 Shipped and the customer is e-mailed.
    #[serde(rename = "bigcommerce_shipment")]
    BigCommerceShipment,
    /// `fulfillmentCreate` (the order becomes Fulfilled).
    ShopifyFulfillmentCreate,
    /// `fulfillmentOrderLineItemsPreparedForPickup` (e-mails the customer).
    ShopifyPreparedForPickup,
    /// `PUT /wc/v3/orders/{id}` with this status.
    #[serde(rename = "woocommerce_status")]
    WooCommerceStatus {
        status: WooCommerceStatus,
    },
    /// `PUT /api/v3/{storeId}/orders/{orderId}` with this `fulfillmentStatus`.
    EcwidFulfillmentStatus {
        status: EcwidFulfillmentStatus,
    },
}

/// What `platform` is told when the whole order reaches `action` (§ 5 of the platform notes).
pub fn platform_update(
    platform: Platform,
    order_type: OrderType,
    action: FulfilmentAction,
    options: &PlatformOptions,
) -> PlatformUpdate {
    use FulfilmentAction::*;
    use Platform::*;
    use PlatformUpdate as U;
    match (platform, action) {
        (_, Start) => U::NoChange,
        (BigCommerce, MarkPacked) => U::BigCommerceStatus {
            status_id: match order_type {
                OrderType::Delivery => bigcommerce_status::AWAITING_SHIPMENT,
                OrderType::Pickup => bigcommerce_status::AWAITING_PICKUP,
            },
        },
        (Shopify, MarkPacked) if order_type == OrderType::Pickup && options.shopify_prepared_for_pickup => {
            U::ShopifyPreparedForPickup
        }
        (LightspeedEcom, MarkPacked) if order_type == OrderType::Pickup && options.ecwid_ready_for_pickup => {
            U::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::ReadyForPickup }
        }
        (Shopify | WooCommerce | LightspeedEcom, MarkPacked) => U::NoChange,
        (BigCommerce, MarkShipped) if options.bigcommerce_create_shipment => U::BigCommerceShipment,
        (BigCommerce, MarkShipped | MarkPickedUp) => U::BigCommerceStatus { status_id: bigcommerce_status::COMPLETED },
        (Shopify, MarkShipped | MarkPickedUp) => U::ShopifyFulfillmentCreate,
        (WooCommerce, MarkShipped | MarkPickedUp) => U::WooCommerceStatus { status: WooCommerceStatus::Completed },
        (LightspeedEcom, MarkShipped) => U::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::Shipped },
        (LightspeedEcom, MarkPickedUp) => U::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::Delivered },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stock::allocation::{allocate, AllocationRequest, OutletStock};
    use proptest::prelude::*;
    use FulfilmentAction::*;
    use PartStatus::*;

    const NONE: PlatformOptions = PlatformOptions {
        bigcommerce_create_shipment: false,
        shopify_prepared_for_pickup: false,
        ecwid_ready_for_pickup: false,
    };

    fn two_part_order(platform: Platform, order_type: OrderType, paid: bool) -> OnlineOrder {
        let outlet =
            |id: &str, shirts: i64| OutletStock { id: id.into(), stock: [("SHIRT".to_string(), shirts)].into() };
        let plan = allocate(&AllocationRequest {
            outlets: vec![outlet("montreal", 10), outlet("laval", 15)],
            lines: vec![OrderLine { sku: "SHIRT".into(), qty: 17 }],
        })
        .unwrap();
        let total = Money(50_000);
        OnlineOrder::from_plan("order-1", platform, order_type, total, if paid { total } else { Money::ZERO }, &plan)
    }

    #[test]
    fn an_order_has_one_part_per_outlet_of_its_allocation() {
        let order = two_part_order(Platform::Shopify, OrderType::Delivery, true);
        assert_eq!(order.parts.len(), 2);
        // Neither fills the line whole: Montréal leads by priority and takes all it holds.
        assert_eq!(order.parts[0].outlet_id, "montreal");
        assert_eq!(order.part("montreal").unwrap().lines, vec![OrderLine { sku: "SHIRT".into(), qty: 10 }]);
        assert_eq!(order.part("laval").unwrap().lines, vec![OrderLine { sku: "SHIRT".into(), qty: 7 }]);
        assert!(order.parts.iter().all(|p| p.status == New));
    }

    #[test]
    fn backorders_join_the_part_of_the_outlet_they_are_backordered_to() {
        let plan = allocate(&AllocationRequest {
            outlets: vec![
                OutletStock { id: "montreal".into(), stock: Default::default() },
                OutletStock { id: "laval".into(), stock: [("HAT".to_string(), 1)].into() },
            ],
            lines: vec![OrderLine { sku: "HAT".into(), qty: 3 }],
        })
        .unwrap();
        let order = OnlineOrder::from_plan("o", Platform::Shopify, OrderType::Delivery, Money(1), Money(1), &plan);
        assert_eq!(order.part("laval").unwrap().lines, vec![OrderLine { sku: "HAT".into(), qty: 1 }]);
        let mtl = order.part("montreal").unwrap();
        assert!(mtl.lines.is_empty());
        assert_eq!(mtl.backordered, vec![OrderLine { sku: "HAT".into(), qty: 2 }]);
    }

    #[test]
    fn a_part_moves_new_in_progress_packed_shipped() {
        let d = OrderType::Delivery;
        assert_eq!(next_status(New, Start, d, true), Ok(InProgress));
        assert_eq!(next_status(InProgress, MarkPacked, d, true), Ok(Packed));
        assert_eq!(next_status(Packed, MarkShipped, d, true), Ok(Shipped));
        assert_eq!(next_status(Packed, MarkPickedUp, OrderType::Pickup, true), Ok(PickedUp));
        // Packing without scanner mode skips In progress.
        assert_eq!(next_status(New, MarkPacked, d, true), Ok(Packed));
    }

    #[test]
    fn a_part_never_moves_backwards_nor_ships_before_it_is_packed() {
        let d = OrderType::Delivery;
        assert_eq!(next_status(Packed, Start, d, true).unwrap_err().code(), "invalid_transition");
        assert_eq!(next_status(Shipped, MarkPacked, d, true).unwrap_err().code(), "invalid_transition");
        let err = next_status(InProgress, MarkShipped, d, true).unwrap_err();
        assert_eq!(err.to_string(), "a part that is in_progress cannot be marked shipped before it is packed");
    }

    #[test]
    fn repeating_an_action_changes_nothing() {
        assert_eq!(next_status(Packed, MarkPacked, OrderType::Delivery, true), Ok(Packed));
        assert_eq!(next_status(Shipped, MarkShipped, OrderType::Delivery, false), Ok(Shipped));
    }

    #[test]
    fn a_delivery_is_shipped_and_a_pickup_is_picked_up() {
        assert_eq!(
            next_status(Packed, MarkPickedUp, OrderType::Delivery, true).unwrap_err().code(),
            "wrong_order_type"
        );
        let err = next_status(Packed, MarkShipped, OrderType::Pickup, true).unwrap_err();
        assert_eq!(err.to_string(), "a pickup order cannot be marked shipped");
    }

    #[test]
    fn an_unpaid_order_cannot_be_shipped_or_picked_up_until_a_payment_is_recorded() {
        for order_type in [OrderType::Delivery, OrderType::Pickup] {
            let mut order = two_part_order(Platform::WooCommerce, order_type, false);
            let done = if order_type == OrderType::Pickup { MarkPickedUp } else { MarkShipped };
            order.apply("laval", MarkPacked, &NONE).unwrap();
            let err = order.apply("laval", done, &NONE).unwrap_err();
            assert_eq!(err, FulfilmentError::Unpaid { due: Money(50_000) });
            assert!(err.to_string().contains("500,00"));
            assert_eq!(order.part("laval").unwrap().status, Packed);
            order.record_payment(Money(20_000)).unwrap();
            assert_eq!(order.apply("laval", done, &NONE).unwrap_err().code(), "order_unpaid");
            order.record_payment(Money(30_000)).unwrap();
            assert!(order.apply("laval", done, &NONE).is_ok());
        }
    }

    #[test]
    fn a_payment_must_be_positive() {
        let mut order = two_part_order(Platform::WooCommerce, OrderType::Delivery, false);
        assert_eq!(order.record_payment(Money(0)).unwrap_err().code(), "invalid_payment");
        assert_eq!(order.record_payment(Money(-5)).unwrap_err().code(), "invalid_payment");
    }

    #[test]
    fn the_order_stays_unfulfilled_until_every_part_is_done_and_completion_is_sent_once() {
        let mut order = two_part_order(Platform::Shopify, OrderType::Delivery, true);
        order.apply("laval", MarkPacked, &NONE).unwrap();
        let a = order.apply("laval", MarkShipped, &NONE).unwrap();
        assert_eq!(
            (a.order_status, a.order_action, a.platform_update),
            (OrderStatus::Unfulfilled, None, PlatformUpdate::NoChange)
        );
        order.apply("montreal", MarkPacked, &NONE).unwrap();
        let a = order.apply("montreal", MarkShipped, &NONE).unwrap();
        assert_eq!(a.order_status, OrderStatus::Fulfilled);
        assert_eq!(a.order_action, Some(MarkShipped));
        assert_eq!(a.platform_update, PlatformUpdate::ShopifyFulfillmentCreate);
        let again = order.apply("montreal", MarkShipped, &NONE).unwrap();
        assert_eq!(again.platform_update, PlatformUpdate::NoChange);
    }

    #[test]
    fn bigcommerce_hears_packed_only_once_every_part_is_packed() {
        let mut order = two_part_order(Platform::BigCommerce, OrderType::Pickup, true);
        let a = order.apply("laval", MarkPacked, &NONE).unwrap();
        assert_eq!(a.platform_update, PlatformUpdate::NoChange);
        let a = order.apply("montreal", MarkPacked, &NONE).unwrap();
        assert_eq!(a.order_action, Some(MarkPacked));
        assert_eq!(a.platform_update, PlatformUpdate::BigCommerceStatus { status_id: 8 });
        order.apply("laval", MarkPickedUp, &NONE).unwrap();
        let a = order.apply("montreal", MarkPickedUp, &NONE).unwrap();
        assert_eq!(a.platform_update, PlatformUpdate::BigCommerceStatus { status_id: 10 });
    }

    #[test]
    fn an_unknown_outlet_has_no_part() {
        let mut order = two_part_order(Platform::Shopify, OrderType::Delivery, true);
        assert_eq!(order.apply("sherbrooke", MarkPacked, &NONE).unwrap_err().code(), "no_such_part");
    }

    #[test]
    fn each_platform_gets_the_status_of_the_contract_table() {
        use EcwidFulfillmentStatus as E;
        use OrderType::*;
        use Platform::*;
        use PlatformUpdate as U;
        let table = [
            // (action, order type, BigCommerce, Shopify, WooCommerce, Lightspeed eCom)
            (MarkPacked, Delivery, U::BigCommerceStatus { status_id: 9 }, U::NoChange, U::NoChange, U::NoChange),
            (MarkPacked, Pickup, U::BigCommerceStatus { status_id: 8 }, U::NoChange, U::NoChange, U::NoChange),
            (
                MarkShipped,
                Delivery,
                U::BigCommerceStatus { status_id: 10 },
                U::ShopifyFulfillmentCreate,
                U::WooCommerceStatus { status: WooCommerceStatus::Completed },
                U::EcwidFulfillmentStatus { status: E::Shipped },
            ),
            (
                MarkPickedUp,
                Pickup,
                U::BigCommerceStatus { status_id: 10 },
                U::ShopifyFulfillmentCreate,
                U::WooCommerceStatus { status: WooCommerceStatus::Completed },
                U::EcwidFulfillmentStatus { status: E::Delivered },
            ),
        ];
        for (action, order_type, bc, sh, wc, ec) in table {
            assert_eq!(platform_update(BigCommerce, order_type, action, &NONE), bc, "{action} {order_type:?}");
            assert_eq!(platform_update(Shopify, order_type, action, &NONE), sh, "{action} {order_type:?}");
            assert_eq!(platform_update(WooCommerce, order_type, action, &NONE), wc, "{action} {order_type:?}");
            assert_eq!(platform_update(LightspeedEcom, order_type, action, &NONE), ec, "{action} {order_type:?}");
        }
    }

    #[test]
    fn the_table_options_change_only_their_own_cell() {
        let all = PlatformOptions {
            bigcommerce_create_shipment: true,
            shopify_prepared_for_pickup: true,
            ecwid_ready_for_pickup: true,
        };
        let p = OrderType::Pickup;
        assert_eq!(platform_update(Platform::Shopify, p, MarkPacked, &all), PlatformUpdate::ShopifyPreparedForPickup);
        assert_eq!(
            platform_update(Platform::LightspeedEcom, p, MarkPacked, &all),
            PlatformUpdate::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::ReadyForPickup }
        );
        assert_eq!(
            platform_update(Platform::BigCommerce, OrderType::Delivery, MarkShipped, &all),
            PlatformUpdate::BigCommerceShipment
        );
        assert_eq!(
            platform_update(Platform::BigCommerce, p, MarkPickedUp, &all),
            PlatformUpdate::BigCommerceStatus { status_id: 10 }
        );
        assert_eq!(platform_update(Platform::Shopify, OrderType::Delivery, MarkPacked, &all), PlatformUpdate::NoChange);
    }

    #[test]
    fn platform_updates_travel_as_tagged_json_with_the_platforms_own_values() {
        let u = PlatformUpdate::EcwidFulfillmentStatus { status: EcwidFulfillmentStatus::ReadyForPickup };
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            r#"{"kind":"ecwid_fulfillment_status","status":"READY_FOR_PICKUP"}"#
        );
        let u = PlatformUpdate::WooCommerceStatus { status: WooCommerceStatus::Completed };
        assert_eq!(serde_json::to_string(&u).unwrap(), r#"{"kind":"woocommerce_status","status":"completed"}"#);
        assert_eq!(serde_json::to_string(&Platform::WooCommerce).unwrap(), "\"woocommerce\"");
        assert_eq!(serde_json::to_string(&Platform::LightspeedEcom).unwrap(), "\"lightspeed_ecom\"");
    }

    fn arb_action() -> impl Strategy<Value = (bool, FulfilmentAction)> {
        (any::<bool>(), prop_oneof![Just(Start), Just(MarkPacked), Just(MarkShipped), Just(MarkPickedUp)])
    }

    proptest! {
        #[test]
        fn whatever_staff_do_the_order_is_fulfilled_exactly_when_every_part_is_done_and_completion_is_sent_once(
            pickup in any::<bool>(),
            paid in any::<bool>(),
            actions in proptest::collection::vec(arb_action(), 0..30),
        ) {
            let order_type = if pickup { OrderType::Pickup } else { OrderType::Delivery };
            let mut order = two_part_order(Platform::BigCommerce, order_type, paid);
            let mut completions = 0;
            for (first, action) in actions {
                let outlet = if first { "laval" } else { "montreal" };
                let before = order.part(outlet).unwrap().status;
                match order.apply(outlet, action, &NONE) {
                    Ok(a) => {
                        prop_assert!(a.part_status.step() >= before.step());
                        if a.order_action == Some(if pickup { MarkPickedUp } else { MarkShipped }) {
                            completions += 1;
                        }
                        if a.part_status.is_done() {
                            prop_assert!(paid);
                        }
                    }
                    Err(_) => prop_assert_eq!(order.part(outlet).unwrap().status, before),
                }
                let all_done = order.parts.iter().all(|p| p.status.is_done());
                prop_assert_eq!(order.status() == OrderStatus::Fulfilled, all_done);
                prop_assert_eq!(completions, usize::from(all_done));
            }
        }
    }
}
