//! What staff do to an online order (seed 001), decided against the order as the server holds it:
//! marking a part packed, shipped or picked up, picking items in scanner mode, order notes, assigning
//! the order to someone, recording a payment received outside Comptoir, and tracking details in the
//! sale note. Each arrives as an operation ([`crate::sync::ops::OpBody`]); [`decide`] says what it
//! changes and what the platform must now hear, or why it is held ([`OpHold`]). Pure: the store loads
//! the order, calls this, and writes the result with the operation in one transaction.

use crate::fulfilment::{
    FulfilmentAction, FulfilmentError, OnlineOrder, OrderPart, OrderStatus, OrderType, PartStatus, Platform, PlatformOptions,
    PlatformUpdate,
};
use crate::money::Money;
use crate::online::view::{OrderLineView, OrderNote};
use crate::sale::{round_cash, Tender, TenderKind};
use crate::stock::allocation::OrderLine;
use crate::sync::ops::{OpBody, OpHold, Operation};
use serde::{Deserialize, Serialize};

/// Order notes one part may carry, and characters the sale note may grow to.
pub const MAX_ORDER_NOTES: usize = 100;
pub const MAX_SALE_NOTE: usize = 10_000;

pub use crate::online::intake::OrderState;

/// One outlet's part as stored (`order_parts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartState {
    pub outlet_id: String,
    pub status: PartStatus,
    pub lines: Vec<OrderLineView>,
    pub notes: Vec<OrderNote>,
    pub assigned_to: Option<String>,
}

/// What the store loads of an order for an operation on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedOrder {
    pub id: String,
    pub platform: Platform,
    pub order_type: OrderType,
    pub total: Money,
    pub paid: Money,
    pub state: OrderState,
    pub options: PlatformOptions,
    pub sale_note: String,
    /// Tracking details given through sale notes (the latest), sent with the completion status.
    pub tracking: String,
    pub parts: Vec<PartState>,
}

impl LoadedOrder {
    fn fulfilment(&self) -> OnlineOrder {
        OnlineOrder {
            id: self.id.clone(),
            platform: self.platform,
            order_type: self.order_type,
            total: self.total,
            paid: self.paid,
            parts: self
                .parts
                .iter()
                .map(|p| OrderPart {
                    outlet_id: p.outlet_id.clone(),
                    lines: p.lines.iter().map(|l| OrderLine { sku: l.sku.clone(), qty: l.ordered }).collect(),
                    backordered: vec![],
                    status: p.status,
                })
                .collect(),
        }
    }

    fn part(&self, outlet_id: &str) -> Result<&PartState, OpHold> {
        self.parts.iter().find(|p| p.outlet_id == outlet_id).ok_or_else(|| OpHold::NotOrderOutlet {
            order_id: self.id.clone(),
            outlet_id: outlet_id.into(),
        })
    }

    /// What is still owed (zero when paid).
    pub fn due(&self) -> Money {
        self.total.checked_sub(self.paid).unwrap_or(Money::ZERO).max(Money::ZERO)
    }
}

/// A status call owed to the platform: written to the platform outbox in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedStatus {
    /// The order-level milestone reached (one row per milestone: its idempotency key).
    pub milestone: FulfilmentAction,
    pub update: PlatformUpdate,
    pub tracking: Option<String>,
}

impl OwedStatus {
    /// The key the platform outbox row is unique by, and that the platform sees on every retry.
    pub fn idempotency_key(&self, order_id: &str) -> String {
        format!("status:{order_id}:{}", self.milestone)
    }
}

/// What an order operation writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderEffect {
    /// A part changed (status, picks, notes, assignee); `order_state` is the whole order's after it.
    Part { order_id: String, part: PartState, order_state: OrderState, owed: Option<OwedStatus> },
    /// The sale note grew (tracking details).
    SaleNote { order_id: String, sale_note: String, tracking: String },
    /// A payment recorded, not charged: `tender` joins the sale's tenders, `paid` is the order's after it.
    Payment { order_id: String, tender: Tender, paid: Money },
}

/// What the store holds that bears on an order operation.
#[derive(Clone, Copy, Debug, Default)]
pub struct OrderHoldings<'a> {
    /// The order the operation names (`None`: no such order).
    pub order: Option<&'a LoadedOrder>,
    /// Assignment: whether the staff member named is active and works at the part's outlet.
    pub assignee_works_here: bool,
}

fn rule(e: FulfilmentError, order: &LoadedOrder) -> OpHold {
    match e {
        FulfilmentError::Unpaid { due } => OpHold::OrderUnpaid { order_id: order.id.clone(), due },
        FulfilmentError::NoSuchPart { outlet_id } => OpHold::NotOrderOutlet { order_id: order.id.clone(), outlet_id },
        e => OpHold::Rule { error: e.code().into(), message: e.to_string() },
    }
}

fn open(order: &LoadedOrder) -> Result<(), OpHold> {
    if order.state == OrderState::Cancelled {
        return Err(OpHold::Rule { error: "order_cancelled".into(), message: format!("order {} was cancelled on the platform", order.id) });
    }
    Ok(())
}

/// Applies `action` to a part and says what the platform must hear.
fn act(order: &LoadedOrder, outlet_id: &str, action: FulfilmentAction) -> Result<(PartStatus, OrderState, Option<OwedStatus>), OpHold> {
    let mut f = order.fulfilment();
    let applied = f.apply(outlet_id, action, &order.options).map_err(|e| rule(e, order))?;
    let state = match applied.order_status {
        OrderStatus::Fulfilled => OrderState::Fulfilled,
        OrderStatus::Unfulfilled => OrderState::Unfulfilled,
    };
    let owed = match (applied.order_action, applied.platform_update) {
        (Some(milestone), update) if update != PlatformUpdate::NoChange => Some(OwedStatus {
            milestone,
            update,
            tracking: (!order.tracking.trim().is_empty()).then(|| order.tracking.clone()),
        }),
        _ => None,
    };
    Ok((applied.part_status, state, owed))
}

/// The decision on one order operation (the operation's id, device and cashier were checked before).
/// Non-order operations are not for here: `None`.
pub fn decide(op: &Operation, h: OrderHoldings<'_>) -> Option<Result<OrderEffect, OpHold>> {
    let order_id = op.body.order_id()?;
    Some(decide_order(op, order_id, h))
}

fn decide_order(op: &Operation, order_id: &str, h: OrderHoldings<'_>) -> Result<OrderEffect, OpHold> {
    let order = h.order.ok_or_else(|| OpHold::UnknownOrder { order_id: order_id.into() })?;
    let part_effect = |part: PartState, state: OrderState, owed: Option<OwedStatus>| OrderEffect::Part {
        order_id: order.id.clone(),
        part,
        order_state: state,
        owed,
    };
    match &op.body {
        OpBody::OrderAction { outlet_id, action, .. } => {
            open(order)?;
            let mut part = order.part(outlet_id)?.clone();
            let (status, state, owed) = act(order, outlet_id, *action)?;
            part.status = status;
            Ok(part_effect(part, state, owed))
        }
        OpBody::OrderPick { outlet_id, product_id, qty, .. } => {
            open(order)?;
            let mut part = order.part(outlet_id)?.clone();
            let Some(line) = part.lines.iter_mut().find(|l| l.product_id == *product_id) else {
                return Err(OpHold::NotInOrder { order_id: order.id.clone(), product_id: product_id.clone() });
            };
            // Capped at what was ordered: a second scan of the last unit changes nothing.
            line.picked = line.picked.saturating_add(*qty).min(line.ordered);
            let mut state = order.state;
            if part.status == PartStatus::New {
                let (status, s, _) = act(order, outlet_id, FulfilmentAction::Start)?;
                part.status = status;
                state = s;
            }
            Ok(part_effect(part, state, None))
        }
        OpBody::OrderNote { outlet_id, text, .. } => {
            let mut part = order.part(outlet_id)?.clone();
            if part.notes.len() >= MAX_ORDER_NOTES {
                return Err(OpHold::Overflow { message: format!("a part carries at most {MAX_ORDER_NOTES} notes") });
            }
            part.notes.push(OrderNote { at_ms: op.made_at_ms, by: op.cashier_id.clone(), text: text.trim().to_owned() });
            Ok(part_effect(part, order.state, None))
        }
        OpBody::OrderAssign { outlet_id, staff_id, .. } => {
            let mut part = order.part(outlet_id)?.clone();
            if !h.assignee_works_here {
                return Err(OpHold::UnknownCashier { cashier_id: staff_id.clone(), outlet_id: outlet_id.clone() });
            }
            part.assigned_to = Some(staff_id.clone());
            Ok(part_effect(part, order.state, None))
        }
        OpBody::OrderPayment { outlet_id, tender, .. } => {
            open(order)?;
            order.part(outlet_id)?;
            let paid = payment(order, tender)?;
            Ok(OrderEffect::Payment { order_id: order.id.clone(), tender: tender.clone(), paid })
        }
        OpBody::SaleNote { outlet_id, text, .. } => {
            order.part(outlet_id)?;
            let text = text.trim();
            let sale_note = if order.sale_note.trim().is_empty() { text.to_owned() } else { format!("{}\n{text}", order.sale_note) };
            if sale_note.chars().count() > MAX_SALE_NOTE {
                return Err(OpHold::Overflow { message: format!("a sale note holds at most {MAX_SALE_NOTE} characters") });
            }
            Ok(OrderEffect::SaleNote { order_id: order.id.clone(), sale_note, tracking: text.to_owned() })
        }
        _ => unreachable!("decide is called for order operations only"),
    }
}

/// "Ajouter le paiement": money received outside Comptoir (cash on delivery, cheque, transfer), recorded
/// on the sale, never charged. Cash or card, positive, never more than is due (cash: the due rounded to
/// 0,05 $, which then settles the order). Returns what the order has been paid after it.
fn payment(order: &LoadedOrder, t: &Tender) -> Result<Money, OpHold> {
    let refuse = |message: String| OpHold::Rule { error: "invalid_payment".into(), message };
    let due = order.due();
    if due.is_zero() {
        return Err(refuse(format!("order {} is already paid", order.id)));
    }
    if !t.amount.is_positive() {
        return Err(refuse("a payment must be a positive amount".into()));
    }
    let cap = match t.kind {
        TenderKind::Cash => {
            let ok = t.tendered.checked_sub(t.amount).ok() == Some(t.change) && !t.change.is_negative();
            if !ok {
                return Err(refuse(format!("handed {} for {} but change is {}", t.tendered, t.amount, t.change)));
            }
            round_cash(due)
        }
        TenderKind::Card => {
            if t.tendered != t.amount || !t.change.is_zero() {
                return Err(refuse("only cash gives change".into()));
            }
            due
        }
        other => return Err(refuse(format!("a payment on an online order is cash or card, not {other:?}"))),
    };
    if t.amount > cap {
        return Err(refuse(format!("{} is more than the {} due", t.amount, cap)));
    }
    // Cash that pays the rounded due settles the order (the pennies are the cash rounding).
    if t.kind == TenderKind::Cash && t.amount == cap {
        return Ok(order.total.max(order.paid));
    }
    order.paid.checked_add(t.amount).map_err(|_| OpHold::Overflow { message: "the amount paid would overflow".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fulfilment::bigcommerce_status;

    fn line(product: &str, ordered: u32) -> OrderLineView {
        OrderLineView { product_id: product.into(), sku: format!("SKU-{product}"), name: product.into(), ordered, picked: 0, backordered: 0 }
    }

    fn part(outlet: &str) -> PartState {
        PartState { outlet_id: outlet.into(), status: PartStatus::New, lines: vec![line("hat", 2)], notes: vec![], assigned_to: None }
    }

    fn order(platform: Platform, order_type: OrderType, paid: i64, outlets: &[&str]) -> LoadedOrder {
        LoadedOrder {
            id: "o1".into(),
            platform,
            order_type,
            total: Money(10_002),
            paid: Money(paid),
            state: OrderState::Unfulfilled,
            options: PlatformOptions::default(),
            sale_note: "Léa Tremblay, 12 rue X".into(),
            tracking: String::new(),
            parts: outlets.iter().map(|o| part(o)).collect(),
        }
    }

    fn op(body: OpBody) -> Operation {
        Operation { id: "op1".into(), device_id: "dev".into(), made_at_ms: 5_000, cashier_id: "julie".into(), body }
    }

    fn action(outlet: &str, action: FulfilmentAction) -> Operation {
        op(OpBody::OrderAction { order_id: "o1".into(), outlet_id: outlet.into(), action })
    }

    fn run(o: &LoadedOrder, op: &Operation) -> Result<OrderEffect, OpHold> {
        decide(op, OrderHoldings { order: Some(o), assignee_works_here: true }).expect("an order operation")
    }

    /// Applies an effect to the loaded order, as the store does.
    fn persist(o: &mut LoadedOrder, e: &OrderEffect) {
        match e {
            OrderEffect::Part { part, order_state, .. } => {
                *o.parts.iter_mut().find(|p| p.outlet_id == part.outlet_id).unwrap() = part.clone();
                o.state = *order_state;
            }
            OrderEffect::SaleNote { sale_note, tracking, .. } => {
                o.sale_note = sale_note.clone();
                o.tracking = tracking.clone();
            }
            OrderEffect::Payment { paid, .. } => o.paid = *paid,
        }
    }

    #[test]
    fn marking_a_bigcommerce_delivery_packed_owes_awaiting_shipment_and_others_nothing() {
        for (platform, order_type, expected) in [
            (Platform::BigCommerce, OrderType::Delivery, Some(bigcommerce_status::AWAITING_SHIPMENT)),
            (Platform::BigCommerce, OrderType::Pickup, Some(bigcommerce_status::AWAITING_PICKUP)),
            (Platform::Shopify, OrderType::Delivery, None),
            (Platform::WooCommerce, OrderType::Pickup, None),
            (Platform::LightspeedEcom, OrderType::Delivery, None),
        ] {
            let o = order(platform, order_type, 10_002, &["mtl"]);
            let OrderEffect::Part { part, owed, .. } = run(&o, &action("mtl", FulfilmentAction::MarkPacked)).unwrap() else { panic!() };
            assert_eq!(part.status, PartStatus::Packed);
            let got = owed.map(|o| match o.update {
                PlatformUpdate::BigCommerceStatus { status_id } => status_id,
                other => panic!("{other:?}"),
            });
            assert_eq!(got, expected, "{platform:?} {order_type:?}");
        }
    }

    #[test]
    fn a_split_order_is_completed_on_the_platform_only_when_its_last_part_ships() {
        let mut o = order(Platform::WooCommerce, OrderType::Delivery, 10_002, &["mtl", "laval"]);
        for outlet in ["mtl", "laval"] {
            let e = run(&o, &action(outlet, FulfilmentAction::MarkPacked)).unwrap();
            persist(&mut o, &e);
        }
        let e = run(&o, &action("mtl", FulfilmentAction::MarkShipped)).unwrap();
        assert!(matches!(e, OrderEffect::Part { owed: None, order_state: OrderState::Unfulfilled, .. }), "{e:?}");
        persist(&mut o, &e);
        let e = run(&o, &action("laval", FulfilmentAction::MarkShipped)).unwrap();
        let OrderEffect::Part { owed: Some(owed), order_state, .. } = e else { panic!("{e:?}") };
        assert_eq!(order_state, OrderState::Fulfilled);
        assert_eq!(owed.milestone, FulfilmentAction::MarkShipped);
        assert_eq!(owed.idempotency_key("o1"), "status:o1:mark_shipped");
    }

    #[test]
    fn an_unpaid_order_is_held_at_shipping_until_a_payment_is_recorded_then_ships() {
        let mut o = order(Platform::Shopify, OrderType::Pickup, 0, &["mtl"]);
        let e = run(&o, &action("mtl", FulfilmentAction::MarkPacked)).unwrap();
        persist(&mut o, &e);
        assert_eq!(
            run(&o, &action("mtl", FulfilmentAction::MarkPickedUp)),
            Err(OpHold::OrderUnpaid { order_id: "o1".into(), due: Money(10_002) })
        );
        assert_eq!(OpHold::OrderUnpaid { order_id: "o1".into(), due: Money(1) }.code(), "order_unpaid");
        // Cash pays the due rounded to 0,05 $ and settles the order.
        let cash = Tender { kind: TenderKind::Cash, amount: Money(10_000), tendered: Money(10_000), change: Money::ZERO, processor: None };
        let pay = op(OpBody::OrderPayment { order_id: "o1".into(), outlet_id: "mtl".into(), tender: cash });
        let e = run(&o, &pay).unwrap();
        assert!(matches!(e, OrderEffect::Payment { paid: Money(10_002), .. }), "{e:?}");
        persist(&mut o, &e);
        let OrderEffect::Part { owed: Some(owed), .. } = run(&o, &action("mtl", FulfilmentAction::MarkPickedUp)).unwrap() else { panic!() };
        assert_eq!(owed.update, PlatformUpdate::ShopifyFulfillmentCreate);
    }

    #[test]
    fn a_payment_beyond_what_is_due_or_not_cash_or_card_or_on_a_paid_order_is_held() {
        let o = order(Platform::Shopify, OrderType::Delivery, 2, &["mtl"]);
        let pay = |t: Tender| run(&o, &op(OpBody::OrderPayment { order_id: "o1".into(), outlet_id: "mtl".into(), tender: t }));
        assert!(matches!(pay(Tender::exact(TenderKind::Card, Money(10_001))), Err(OpHold::Rule { .. })));
        assert!(matches!(pay(Tender::exact(TenderKind::Account, Money(100))), Err(OpHold::Rule { .. })));
        assert!(matches!(pay(Tender::exact(TenderKind::Card, Money(0))), Err(OpHold::Rule { .. })));
        assert!(matches!(pay(Tender::exact(TenderKind::Card, Money(4_000))), Ok(OrderEffect::Payment { paid: Money(4_002), .. })));
        let paid = order(Platform::Shopify, OrderType::Delivery, 10_002, &["mtl"]);
        let e = run(&paid, &op(OpBody::OrderPayment { order_id: "o1".into(), outlet_id: "mtl".into(), tender: Tender::exact(TenderKind::Card, Money(1)) }));
        assert!(matches!(e, Err(OpHold::Rule { ref error, .. }) if error == "invalid_payment"));
    }

    #[test]
    fn picking_is_capped_at_what_was_ordered_and_starts_the_part_and_a_wrong_item_is_held() {
        let o = order(Platform::Shopify, OrderType::Delivery, 10_002, &["mtl"]);
        let pick = |product: &str, qty| op(OpBody::OrderPick { order_id: "o1".into(), outlet_id: "mtl".into(), product_id: product.into(), qty });
        let OrderEffect::Part { part, owed: None, .. } = run(&o, &pick("hat", 5)).unwrap() else { panic!() };
        assert_eq!((part.lines[0].picked, part.status), (2, PartStatus::InProgress));
        assert_eq!(run(&o, &pick("shoe", 1)), Err(OpHold::NotInOrder { order_id: "o1".into(), product_id: "shoe".into() }));
    }

    #[test]
    fn an_operation_on_an_unknown_order_or_another_outlets_part_is_held() {
        let o = order(Platform::Shopify, OrderType::Delivery, 10_002, &["mtl"]);
        let a = action("laval", FulfilmentAction::MarkPacked);
        assert_eq!(run(&o, &a), Err(OpHold::NotOrderOutlet { order_id: "o1".into(), outlet_id: "laval".into() }));
        assert_eq!(
            decide(&a, OrderHoldings::default()),
            Some(Err(OpHold::UnknownOrder { order_id: "o1".into() }))
        );
    }

    #[test]
    fn notes_and_assignment_are_recorded_with_who_and_when() {
        let o = order(Platform::Shopify, OrderType::Delivery, 10_002, &["mtl"]);
        let note = op(OpBody::OrderNote { order_id: "o1".into(), outlet_id: "mtl".into(), text: " endommagé ".into() });
        let OrderEffect::Part { part, .. } = run(&o, &note).unwrap() else { panic!() };
        assert_eq!(part.notes, vec![OrderNote { at_ms: 5_000, by: "julie".into(), text: "endommagé".into() }]);
        let assign = op(OpBody::OrderAssign { order_id: "o1".into(), outlet_id: "mtl".into(), staff_id: "marc".into() });
        let OrderEffect::Part { part, .. } = run(&o, &assign).unwrap() else { panic!() };
        assert_eq!(part.assigned_to.as_deref(), Some("marc"));
        let e = decide(&assign, OrderHoldings { order: Some(&o), assignee_works_here: false }).unwrap();
        assert!(matches!(e, Err(OpHold::UnknownCashier { .. })));
    }

    #[test]
    fn tracking_in_the_sale_note_travels_with_the_completion_status() {
        let mut o = order(Platform::BigCommerce, OrderType::Delivery, 10_002, &["mtl"]);
        let note = op(OpBody::SaleNote { sale_id: "o1".into(), outlet_id: "mtl".into(), text: "Postes Canada 1234 5678".into() });
        let e = run(&o, &note).unwrap();
        assert_eq!(
            e,
            OrderEffect::SaleNote {
                order_id: "o1".into(),
                sale_note: "Léa Tremblay, 12 rue X\nPostes Canada 1234 5678".into(),
                tracking: "Postes Canada 1234 5678".into()
            }
        );
        persist(&mut o, &e);
        let e = run(&o, &action("mtl", FulfilmentAction::MarkPacked)).unwrap();
        persist(&mut o, &e);
        let OrderEffect::Part { owed: Some(owed), .. } = run(&o, &action("mtl", FulfilmentAction::MarkShipped)).unwrap() else { panic!() };
        assert_eq!(owed.tracking.as_deref(), Some("Postes Canada 1234 5678"));
        assert_eq!(owed.update, PlatformUpdate::BigCommerceStatus { status_id: bigcommerce_status::COMPLETED });
    }

    #[test]
    fn a_cancelled_order_is_not_fulfilled() {
        let mut o = order(Platform::Shopify, OrderType::Delivery, 10_002, &["mtl"]);
        o.state = OrderState::Cancelled;
        assert!(matches!(run(&o, &action("mtl", FulfilmentAction::MarkPacked)), Err(OpHold::Rule { ref error, .. }) if error == "order_cancelled"));
    }
}
