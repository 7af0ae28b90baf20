//! Everything a register changes besides sales — payments on account, serial registrations, stock
//! adjustments, new customers — travels as an [`Operation`] through the device's outbox, like a sale:
//! made on the device with its id when the cashier confirms (a double press makes one operation),
//! pushed when the network allows, applied exactly once by the server.
//!
//! The server's decision on each pushed operation is [`accept_op`], a pure function of the operation
//! and what the server holds that bears on it ([`OpHoldings`]): apply it (with the [`OpEffect`] to
//! persist), recognise it as already applied, or hold it for review with its reason. Nothing here is
//! refused: an operation the server cannot accept — out of range included — is kept, visible, with its
//! reason ([`OpHold`]), never dropped.

use super::accept::StaffTerms;
use super::Device;
use crate::account::{AccountEntry, AccountPayment};
use crate::catalog::Customer;
use crate::fulfilment::FulfilmentAction;
use crate::online::actions::{self, OrderEffect, OrderHoldings};
use crate::limits::{self, OutOfRange, MAX_ID_LEN, MAX_LINES, MAX_STOCK_LEVEL, MAX_TEXT_LEN, MAX_TIME_MS};
use crate::money::Money;
use crate::stock::{MovementReason, SerialNumber, SerialRegistry, StockLevel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One change made at a register, other than a sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Operation {
    /// Made on the device when the cashier confirms; the operation's idempotency key.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub device_id: String,
    /// When the cashier confirmed it (device clock, ms since the Unix epoch).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub made_at_ms: i64,
    /// The staff member switched in at the device.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub cashier_id: String,
    pub body: OpBody,
}

/// Why stock is adjusted at a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum AdjustmentReason {
    /// Goods received: `qty` units come in.
    Receiving,
    /// A count: `qty` is the level found on the shelf.
    Count,
    /// Damaged or lost: `qty` units go out.
    Damage,
}

/// One product of a stock adjustment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AdjustmentLine {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub product_id: String,
    /// Units received or damaged (at least 1), or the level counted (0 or more).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_STOCK_LEVEL)))]
    pub qty: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum OpBody {
    /// A payment on account; its id is the operation's.
    AccountPayment { payment: AccountPayment },
    /// Serial numbers pre-registered for a product at an outlet, as typed (a comma list): all or none.
    SerialRegistration {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        product_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_SERIALS_TEXT)))]
        serials: String,
    },
    StockAdjustment {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        reason: AdjustmentReason,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_LINES)))]
        lines: Vec<AdjustmentLine>,
    },
    /// A customer created at the register; the id is made there, so sales can name it at once.
    NewCustomer { customer: Customer },
    /// A customer's name or e-mail corrected at the register (issue 12: "create and edit, at the
    /// register too, offline"): `before` as the register knew them, `after` as typed. Only the fields
    /// the cashier changed are written ([`customer_edit`]); account terms are the back office's.
    EditCustomer { before: Customer, after: Customer },
    /// Online orders (seed 001, `shared::online::actions`): a part marked started, packed, shipped or
    /// picked up.
    OrderAction {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        order_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        action: FulfilmentAction,
    },
    /// Scanner mode: `qty` more units of a product of the part picked (capped at what was ordered).
    OrderPick {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        order_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        product_id: String,
        #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_QTY)))]
        qty: u32,
    },
    /// Scanner mode: a note on the part (damaged, unavailable…).
    OrderNote {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        order_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
        text: String,
    },
    /// Scanner mode: the part assigned to a staff member of its outlet.
    OrderAssign {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        order_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        staff_id: String,
    },
    /// "Ajouter le paiement": money received outside Comptoir, recorded on the order's sale, never
    /// charged. `outlet_id`: an outlet with a part of the order (where it is recorded).
    OrderPayment {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        order_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        tender: crate::sale::Tender,
    },
    /// Text appended to an online sale's note (tracking details, sent with the completion status).
    SaleNote {
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        sale_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
        outlet_id: String,
        #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
        text: String,
    },
}

impl OpBody {
    /// The outlet the operation acts at; `None` for what is shop-wide (a customer).
    pub fn outlet_id(&self) -> Option<&str> {
        match self {
            OpBody::AccountPayment { payment } => Some(payment.outlet_id.as_str()),
            OpBody::SerialRegistration { outlet_id, .. } | OpBody::StockAdjustment { outlet_id, .. } => Some(outlet_id),
            OpBody::NewCustomer { .. } | OpBody::EditCustomer { .. } => None,
            OpBody::OrderAction { outlet_id, .. }
            | OpBody::OrderPick { outlet_id, .. }
            | OpBody::OrderNote { outlet_id, .. }
            | OpBody::OrderAssign { outlet_id, .. }
            | OpBody::OrderPayment { outlet_id, .. }
            | OpBody::SaleNote { outlet_id, .. } => Some(outlet_id),
        }
    }

    /// The online order an order operation acts on (a sale note's sale is its order); `None` for others.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            OpBody::OrderAction { order_id, .. }
            | OpBody::OrderPick { order_id, .. }
            | OpBody::OrderNote { order_id, .. }
            | OpBody::OrderAssign { order_id, .. }
            | OpBody::OrderPayment { order_id, .. } => Some(order_id),
            OpBody::SaleNote { sale_id, .. } => Some(sale_id),
            _ => None,
        }
    }

    /// Stable name of the kind (`account_payment`, …), as in the JSON tag.
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::AccountPayment { .. } => "account_payment",
            OpBody::SerialRegistration { .. } => "serial_registration",
            OpBody::StockAdjustment { .. } => "stock_adjustment",
            OpBody::NewCustomer { .. } => "new_customer",
            OpBody::EditCustomer { .. } => "edit_customer",
            OpBody::OrderAction { .. } => "order_action",
            OpBody::OrderPick { .. } => "order_pick",
            OpBody::OrderNote { .. } => "order_note",
            OpBody::OrderAssign { .. } => "order_assign",
            OpBody::OrderPayment { .. } => "order_payment",
            OpBody::SaleNote { .. } => "sale_note",
        }
    }
}

/// Why the server holds an operation for review instead of applying it. Stable codes (`code`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum OpHold {
    /// A number or text outside `shared::limits`: not something a register could have made.
    #[error("{field}: {problem}")]
    OutOfRange { field: String, problem: String },
    #[error("another operation is already applied under id {op_id}")]
    IdTaken { op_id: String },
    #[error("the operation was made by device {op_device} but pushed by device {pushed_by}")]
    OtherDevice { op_device: String, pushed_by: String },
    #[error("the device works for outlet '{device_outlet}', not '{outlet_id}'")]
    OtherOutlet { outlet_id: String, device_outlet: String },
    #[error("cashier '{cashier_id}' does not work at outlet '{outlet_id}'")]
    UnknownCashier { cashier_id: String, outlet_id: String },
    #[error("unknown customer '{customer_id}'")]
    UnknownCustomer { customer_id: String },
    #[error("unknown product '{product_id}'")]
    UnknownProduct { product_id: String },
    #[error("unknown outlet '{outlet_id}'")]
    UnknownOutlet { outlet_id: String },
    #[error("unknown register '{register_id}'")]
    UnknownRegister { register_id: String },
    #[error("register '{register_id}' is at outlet '{expected}', not '{outlet_id}'")]
    WrongOutlet { register_id: String, outlet_id: String, expected: String },
    /// The shared rules refuse it: a payment not positive or not paid in cash or by card, serials
    /// repeated or already on file… (`error` is the rule's code).
    #[error("{message}")]
    Rule { error: String, message: String },
    /// The customer's balance, or a stock level, would leave the range sums are safe in.
    #[error("{message}")]
    Overflow { message: String },
    /// Another customer already has this id (with other details) or this e-mail.
    #[error("customer '{customer_id}': {message}")]
    CustomerTaken { customer_id: String, message: String },
    /// A register's edit of a field someone else changed to another value meanwhile: a manager decides.
    #[error("customer '{customer_id}': {field} was changed meanwhile to '{now}' (the register had '{was}', typed '{typed}')")]
    CustomerChanged { customer_id: String, field: String, was: String, now: String, typed: String },
    #[error("unknown online order '{order_id}'")]
    UnknownOrder { order_id: String },
    #[error("order '{order_id}' has no part at outlet '{outlet_id}'")]
    NotOrderOutlet { order_id: String, outlet_id: String },
    /// Scanner mode: an item that is not in the part (a wrong item scanned).
    #[error("'{product_id}' is not in order '{order_id}'")]
    NotInOrder { order_id: String, product_id: String },
    /// Shipped or picked up before it is paid: record the payment first (seed 001).
    #[error("order '{order_id}' is unpaid ({due} due): record a payment before marking it shipped or picked up")]
    OrderUnpaid { order_id: String, due: Money },
}

impl OpHold {
    pub fn code(&self) -> &'static str {
        match self {
            OpHold::OutOfRange { .. } => "out_of_range",
            OpHold::IdTaken { .. } => "id_taken",
            OpHold::OtherDevice { .. } => "other_device",
            OpHold::OtherOutlet { .. } => "other_outlet",
            OpHold::UnknownCashier { .. } => "unknown_cashier",
            OpHold::UnknownCustomer { .. } => "unknown_customer",
            OpHold::UnknownProduct { .. } => "unknown_product",
            OpHold::UnknownOutlet { .. } => "unknown_outlet",
            OpHold::UnknownRegister { .. } => "unknown_register",
            OpHold::WrongOutlet { .. } => "wrong_outlet",
            OpHold::Rule { .. } => "rule",
            OpHold::Overflow { .. } => "overflow",
            OpHold::CustomerTaken { .. } => "customer_taken",
            OpHold::CustomerChanged { .. } => "customer_changed",
            OpHold::UnknownOrder { .. } => "unknown_order",
            OpHold::NotOrderOutlet { .. } => "not_order_outlet",
            OpHold::NotInOrder { .. } => "not_in_order",
            OpHold::OrderUnpaid { .. } => "order_unpaid",
        }
    }
}

impl From<OutOfRange> for OpHold {
    fn from(e: OutOfRange) -> OpHold {
        OpHold::OutOfRange { field: e.field, problem: e.problem }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum OpStatus {
    /// Applied now.
    Applied,
    /// Applied by an earlier push: nothing done again.
    Duplicate,
    /// Kept by the server, held for review (see `hold`).
    Held,
}

/// The server's answer for one operation. Every status means the server has it durably: the device
/// removes it from its outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OpResult {
    pub op_id: String,
    pub status: OpStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<OpHold>,
}

/// An operation the server holds for review, as `GET /held/ops` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HeldOp {
    pub op: Operation,
    pub pushed_by: String,
    pub reason: OpHold,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub received_at_ms: i64,
}

/// Every number and text of an operation inside its range (see `shared::limits`).
pub fn check_op(op: &Operation) -> Result<(), OutOfRange> {
    limits::text(|| "id".into(), &op.id, MAX_ID_LEN, true)?;
    limits::text(|| "device_id".into(), &op.device_id, MAX_ID_LEN, true)?;
    limits::text(|| "cashier_id".into(), &op.cashier_id, MAX_ID_LEN, true)?;
    limits::range(|| "made_at_ms".into(), op.made_at_ms, 0, MAX_TIME_MS)?;
    match &op.body {
        OpBody::AccountPayment { payment } => {
            limits::check_payment(payment).map_err(|e| OutOfRange { field: format!("body.payment.{}", e.field), problem: e.problem })
        }
        OpBody::SerialRegistration { product_id, outlet_id, serials } => {
            limits::text(|| "body.product_id".into(), product_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.serials".into(), serials, limits::MAX_SERIALS_TEXT, false)?;
            for (i, s) in serials.split(',').map(str::trim).enumerate() {
                limits::text(|| format!("body.serials[{i}]"), s, MAX_ID_LEN, false)?;
            }
            Ok(())
        }
        OpBody::StockAdjustment { outlet_id, reason, lines } => {
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            if lines.is_empty() {
                return Err(OutOfRange { field: "body.lines".into(), problem: "an adjustment has at least one line".into() });
            }
            limits::count("body.lines", lines.len(), MAX_LINES)?;
            // A count may find nothing on the shelf; units received or damaged are at least one.
            let min = if *reason == AdjustmentReason::Count { 0 } else { 1 };
            for (i, l) in lines.iter().enumerate() {
                limits::text(|| format!("body.lines[{i}].product_id"), &l.product_id, MAX_ID_LEN, true)?;
                limits::range(|| format!("body.lines[{i}].qty"), l.qty, min, MAX_STOCK_LEVEL)?;
            }
            Ok(())
        }
        OpBody::NewCustomer { customer } => check_customer("body.customer", customer),
        OpBody::EditCustomer { before, after } => {
            check_customer("body.before", before)?;
            check_customer("body.after", after)
        }
        OpBody::OrderAction { order_id, outlet_id, .. } => {
            limits::text(|| "body.order_id".into(), order_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)
        }
        OpBody::OrderPick { order_id, outlet_id, product_id, qty } => {
            limits::text(|| "body.order_id".into(), order_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.product_id".into(), product_id, MAX_ID_LEN, true)?;
            limits::range(|| "body.qty".into(), i64::from(*qty), 1, limits::MAX_QTY)
        }
        OpBody::OrderNote { order_id, outlet_id, text } | OpBody::SaleNote { sale_id: order_id, outlet_id, text } => {
            let id_field = if matches!(op.body, OpBody::SaleNote { .. }) { "body.sale_id" } else { "body.order_id" };
            limits::text(|| id_field.into(), order_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.text".into(), text, MAX_TEXT_LEN, true)
        }
        OpBody::OrderAssign { order_id, outlet_id, staff_id } => {
            limits::text(|| "body.order_id".into(), order_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.staff_id".into(), staff_id, MAX_ID_LEN, true)
        }
        OpBody::OrderPayment { order_id, outlet_id, tender } => {
            limits::text(|| "body.order_id".into(), order_id, MAX_ID_LEN, true)?;
            limits::text(|| "body.outlet_id".into(), outlet_id, MAX_ID_LEN, true)?;
            for (name, m) in [("amount", tender.amount), ("tendered", tender.tendered), ("change", tender.change)] {
                limits::range(|| format!("body.tender.{name}"), m.as_cents(), 0, limits::MAX_AMOUNT.as_cents())?;
            }
            Ok(())
        }
    }
}

fn check_customer(at: &str, customer: &Customer) -> Result<(), OutOfRange> {
    limits::text(|| format!("{at}.id"), &customer.id, MAX_ID_LEN, true)?;
    limits::text(|| format!("{at}.name"), &customer.name, MAX_TEXT_LEN, true)?;
    if let Some(e) = &customer.email {
        limits::text(|| format!("{at}.email"), e, MAX_TEXT_LEN, true)?;
    }
    Ok(())
}

/// What the server holds that bears on one pushed operation. The store fills what the operation's
/// kind needs (see each field); the rest may stay at its default.
#[derive(Clone, Copy, Debug)]
pub struct OpHoldings<'a> {
    pub device: &'a Device,
    /// The outlet the device is enrolled at (`None`: enrolled before devices were bound to outlets).
    pub device_outlet: Option<&'a str>,
    /// The operation applied under this id, if any.
    pub same_id: Option<&'a Operation>,
    /// Operations held under this id, with their reasons.
    pub held_same_id: &'a [(Operation, OpHold)],
    /// The cashier it names; `None` when not staff.
    pub cashier: Option<&'a StaffTerms>,
    /// Whether the outlet it names exists.
    pub outlet_known: bool,
    /// Payment: whether its customer exists, its register's outlet (`None`: no such register, or
    /// none named) and the customer's balance before it (`None`: out of range).
    pub customer_known: bool,
    pub register_outlet: Option<&'a str>,
    pub balance: Option<Money>,
    /// Serial registration: every serial on file for its product.
    pub serials: &'a [SerialNumber],
    /// Serial registration and stock adjustment: each product it names that is in the catalog, with
    /// its stock level at the operation's outlet.
    pub products: &'a BTreeMap<String, i64>,
    /// New or edited customer: the customer already under its id, and the id of the customer holding
    /// its e-mail (compared without case).
    pub existing_customer: Option<&'a Customer>,
    pub email_owner: Option<&'a str>,
    /// Order operations: the order and what else bears on it.
    pub order: OrderHoldings<'a>,
}

impl<'a> OpHoldings<'a> {
    /// Holdings that know only the device and the cashier: the store adds what the kind needs.
    pub fn new(device: &'a Device, device_outlet: Option<&'a str>, cashier: Option<&'a StaffTerms>) -> OpHoldings<'a> {
        static EMPTY: BTreeMap<String, i64> = BTreeMap::new();
        OpHoldings {
            device,
            device_outlet,
            same_id: None,
            held_same_id: &[],
            cashier,
            outlet_known: false,
            customer_known: false,
            register_outlet: None,
            balance: None,
            serials: &[],
            products: &EMPTY,
            existing_customer: None,
            email_owner: None,
            order: OrderHoldings::default(),
        }
    }
}

/// What applying an operation writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpEffect {
    /// The payment as recorded (reference, outlet and time filled in) and its account entry.
    Payment { payment: AccountPayment, entry: AccountEntry },
    /// The serials added, in the order typed.
    Serials { added: Vec<SerialNumber> },
    /// Signed movements (product, delta) at `outlet_id`; lines that change nothing (a count that finds
    /// the level the server has) move nothing. `levels`: what each touched product's level becomes (the
    /// server keeps levels maintained, never re-summed).
    Stock { outlet_id: String, reason: MovementReason, movements: Vec<(String, i64)>, levels: Vec<StockLevel> },
    /// A customer to create; `None` when the same customer is already on file (nothing to write).
    Customer { customer: Option<Customer> },
    /// A customer's name and e-mail as they become; `None` when the edit changes nothing on file.
    CustomerEdited { customer: Option<Customer> },
    /// An online order's part, sale note or payment changed (`shared::online::actions`).
    Order(OrderEffect),
}

/// The movements (product, signed delta) a stock adjustment makes, given each product's level before it:
/// received units come in, damaged units go out, a count moves the level to what was counted (two lines
/// of one product: the second counts what the first left). Lines that change nothing move nothing.
/// `Err(product)` when a level would leave ±[`MAX_STOCK_LEVEL`]. The register applies it to its own
/// levels, the server to its ledger's.
pub fn stock_deltas(reason: AdjustmentReason, lines: &[AdjustmentLine], level_of: impl Fn(&str) -> i64) -> Result<Vec<(String, i64)>, String> {
    let mut levels: BTreeMap<&str, i64> = BTreeMap::new();
    let mut movements = Vec::with_capacity(lines.len());
    for l in lines {
        let level = *levels.entry(&l.product_id).or_insert_with(|| level_of(&l.product_id));
        let delta = match reason {
            AdjustmentReason::Receiving => Some(l.qty),
            AdjustmentReason::Damage => l.qty.checked_neg(),
            AdjustmentReason::Count => l.qty.checked_sub(level),
        };
        let after = delta.and_then(|d| level.checked_add(d)).filter(|a| a.abs() <= MAX_STOCK_LEVEL);
        let (Some(delta), Some(after)) = (delta, after) else {
            return Err(l.product_id.clone());
        };
        levels.insert(&l.product_id, after);
        if delta != 0 {
            movements.push((l.product_id.clone(), delta));
        }
    }
    Ok(movements)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpVerdict {
    Apply(OpEffect),
    /// Already applied, identical: write nothing, acknowledge.
    Duplicate,
    /// Keep it, held for review, with no effect.
    Hold(OpHold),
    /// Already held, identical: write nothing, acknowledge with the reason it was held for.
    AlreadyHeld(OpHold),
}

/// The decision on one pushed operation (see the module doc).
pub fn accept_op(op: &Operation, h: OpHoldings<'_>) -> OpVerdict {
    if h.same_id == Some(op) {
        return OpVerdict::Duplicate;
    }
    if let Some((_, reason)) = h.held_same_id.iter().find(|(held, _)| held == op) {
        return OpVerdict::AlreadyHeld(reason.clone());
    }
    if h.same_id.is_some() {
        return OpVerdict::Hold(OpHold::IdTaken { op_id: op.id.clone() });
    }
    match effect(op, &h) {
        Ok(e) => OpVerdict::Apply(e),
        Err(reason) => OpVerdict::Hold(reason),
    }
}

fn effect(op: &Operation, h: &OpHoldings<'_>) -> Result<OpEffect, OpHold> {
    check_op(op)?;
    if op.device_id != h.device.id {
        return Err(OpHold::OtherDevice { op_device: op.device_id.clone(), pushed_by: h.device.id.clone() });
    }
    // The outlet the operation acts at: its own, or (a shop-wide customer, a payment naming none) the device's.
    let mut outlet = op.body.outlet_id().filter(|o| !o.is_empty()).map(str::to_owned);
    if let OpBody::AccountPayment { payment } = &op.body {
        if !payment.register_id.is_empty() {
            let Some(expected) = h.register_outlet else {
                return Err(OpHold::UnknownRegister { register_id: payment.register_id.clone() });
            };
            match &outlet {
                Some(o) if o != expected => {
                    return Err(OpHold::WrongOutlet {
                        register_id: payment.register_id.clone(),
                        outlet_id: o.clone(),
                        expected: expected.into(),
                    })
                }
                _ => outlet = Some(expected.into()),
            }
        }
    }
    let outlet = match (outlet, h.device_outlet) {
        (Some(o), Some(d)) if o != d => return Err(OpHold::OtherOutlet { outlet_id: o, device_outlet: d.into() }),
        (Some(o), _) => o,
        (None, Some(d)) => d.to_owned(),
        (None, None) => String::new(),
    };
    if !h.cashier.is_some_and(|s| s.works_at(&outlet)) {
        return Err(OpHold::UnknownCashier { cashier_id: op.cashier_id.clone(), outlet_id: outlet });
    }
    if let Some(decision) = actions::decide(op, h.order) {
        return decision.map(OpEffect::Order);
    }
    match &op.body {
        OpBody::AccountPayment { payment } => {
            let mut payment = payment.clone();
            if payment.id != op.id {
                return Err(OpHold::Rule {
                    error: "payment_id".into(),
                    message: format!("the payment's id '{}' is not its operation's '{}'", payment.id, op.id),
                });
            }
            payment.outlet_id = outlet;
            if payment.reference.trim().is_empty() {
                payment.reference = payment.id.clone();
            }
            if payment.created_at_ms == 0 {
                payment.created_at_ms = op.made_at_ms;
            }
            payment.verify().map_err(|e| OpHold::Rule { error: e.code().into(), message: format!("payment on account: {e}") })?;
            if !h.customer_known {
                return Err(OpHold::UnknownCustomer { customer_id: payment.customer_id.clone() });
            }
            if !payment.outlet_id.is_empty() && !h.outlet_known {
                return Err(OpHold::UnknownOutlet { outlet_id: payment.outlet_id.clone() });
            }
            // A balance stays inside the wire's range, so no later sum over it can overflow.
            let after = h.balance.and_then(|b| b.checked_add(payment.amount).ok());
            if !after.is_some_and(|b| b.as_cents().abs() <= limits::MAX_AMOUNT.as_cents()) {
                return Err(OpHold::Overflow {
                    message: format!("the balance would leave ±{} cents", limits::MAX_AMOUNT.as_cents()),
                });
            }
            let entry = payment.entry();
            Ok(OpEffect::Payment { payment, entry })
        }
        OpBody::SerialRegistration { product_id, outlet_id, serials } => {
            if !h.products.contains_key(product_id) {
                return Err(OpHold::UnknownProduct { product_id: product_id.clone() });
            }
            if !h.outlet_known {
                return Err(OpHold::UnknownOutlet { outlet_id: outlet_id.clone() });
            }
            let mut registry = SerialRegistry::from(h.serials.to_vec());
            let added = registry
                .register_list(product_id, outlet_id, serials)
                .map_err(|e| OpHold::Rule { error: e.code().into(), message: e.to_string() })?;
            Ok(OpEffect::Serials { added: added.iter().filter_map(|s| registry.get(product_id, s).cloned()).collect() })
        }
        OpBody::StockAdjustment { outlet_id, reason, lines } => {
            if !h.outlet_known {
                return Err(OpHold::UnknownOutlet { outlet_id: outlet_id.clone() });
            }
            if let Some(l) = lines.iter().find(|l| !h.products.contains_key(&l.product_id)) {
                return Err(OpHold::UnknownProduct { product_id: l.product_id.clone() });
            }
            let movements = stock_deltas(*reason, lines, |p| h.products.get(p).copied().unwrap_or(0)).map_err(|product_id| OpHold::Overflow {
                message: format!("the stock level of '{product_id}' would leave ±{MAX_STOCK_LEVEL}"),
            })?;
            let reason = match reason {
                AdjustmentReason::Receiving => MovementReason::Receiving,
                AdjustmentReason::Count | AdjustmentReason::Damage => MovementReason::Adjustment,
            };
            // What each moved product's level becomes: the server keeps levels, it never re-sums them.
            let mut after: BTreeMap<&str, i64> = BTreeMap::new();
            for (product_id, delta) in &movements {
                let level = after.get(product_id.as_str()).copied().unwrap_or_else(|| h.products.get(product_id).copied().unwrap_or(0));
                let level = level.checked_add(*delta).ok_or_else(|| OpHold::Overflow {
                    message: format!("the stock level of '{product_id}' would leave ±{MAX_STOCK_LEVEL}"),
                })?;
                after.insert(product_id, level);
            }
            let levels = after.into_iter().map(|(product_id, level)| StockLevel::new(product_id, outlet_id, level)).collect();
            Ok(OpEffect::Stock { outlet_id: outlet_id.clone(), reason, movements, levels })
        }
        OpBody::NewCustomer { customer } => {
            let email = customer.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
            let customer = Customer { id: customer.id.clone(), name: customer.name.trim().to_owned(), email: email.map(str::to_owned) };
            if let Some(existing) = h.existing_customer {
                return if *existing == customer {
                    Ok(OpEffect::Customer { customer: None })
                } else {
                    Err(OpHold::CustomerTaken { customer_id: customer.id, message: format!("another customer ({}) has this id", existing.name) })
                };
            }
            if let Some(owner) = h.email_owner.filter(|o| *o != customer.id) {
                return Err(OpHold::CustomerTaken {
                    customer_id: customer.id,
                    message: format!("customer '{owner}' already has the e-mail {}", email.unwrap_or_default()),
                });
            }
            Ok(OpEffect::Customer { customer: Some(customer) })
        }
        OpBody::EditCustomer { before, after } => {
            customer_edit(before, after, h.existing_customer, h.email_owner).map(|customer| OpEffect::CustomerEdited { customer })
        }
        _ => unreachable!("order operations are decided by shared::online::actions above"),
    }
}

/// A register's edit of a customer merged into what the server has: each field the cashier changed
/// (`before` → `after`) is written unless someone else changed it meanwhile to another value (then
/// the edit is held for a manager, nothing written); fields the cashier left alone keep the server's
/// value. `Ok(None)`: nothing changes on file. The name and e-mail are checked by the same rule as
/// the back office's form (`catalog::import::checked_customer`).
pub fn customer_edit(before: &Customer, after: &Customer, current: Option<&Customer>, email_owner: Option<&str>) -> Result<Option<Customer>, OpHold> {
    if before.id != after.id {
        return Err(OpHold::Rule { error: "customer_id".into(), message: format!("the edit names customer '{}' before and '{}' after", before.id, after.id) });
    }
    let Some(current) = current else {
        return Err(OpHold::UnknownCustomer { customer_id: after.id.clone() });
    };
    let clean = |c: &Customer| crate::catalog::import::checked_customer(c.clone());
    let after = clean(after).map_err(|errors| OpHold::Rule {
        error: errors.first().map_or("invalid_customer".into(), |e| e.code.clone()),
        message: errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
    })?;
    let before = clean(before).unwrap_or_else(|_| before.clone());
    let text = |e: &Option<String>| e.clone().unwrap_or_default();
    let mut merged = current.clone();
    if after.name != before.name && current.name != after.name {
        if current.name != before.name {
            return Err(OpHold::CustomerChanged { customer_id: after.id, field: "name".into(), was: before.name, now: current.name.clone(), typed: after.name });
        }
        merged.name = after.name.clone();
    }
    if after.email != before.email && current.email != after.email {
        if current.email != before.email {
            return Err(OpHold::CustomerChanged { customer_id: after.id, field: "email".into(), was: text(&before.email), now: text(&current.email), typed: text(&after.email) });
        }
        merged.email = after.email.clone();
    }
    if merged == *current {
        return Ok(None);
    }
    if let (Some(email), Some(owner)) = (&merged.email, email_owner.filter(|o| *o != merged.id)) {
        return Err(OpHold::CustomerTaken { customer_id: merged.id, message: format!("customer '{owner}' already has the e-mail {email}") });
    }
    Ok(Some(merged))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::sale::{Tender, TenderKind};

    fn device() -> Device {
        Device { id: "dev".into(), number: 1 }
    }

    fn julie() -> StaffTerms {
        StaffTerms { role: Role::Cashier, outlets: vec!["mtl".into()] }
    }

    fn op(body: OpBody) -> Operation {
        Operation { id: "op1".into(), device_id: "dev".into(), made_at_ms: 1_000, cashier_id: "julie".into(), body }
    }

    fn payment(amount: i64) -> OpBody {
        OpBody::AccountPayment {
            payment: AccountPayment {
                id: "op1".into(),
                customer_id: "c1".into(),
                register_id: "r1".into(),
                outlet_id: "mtl".into(),
                amount: Money(amount),
                tenders: vec![Tender::exact(TenderKind::Card, Money(amount))],
                ..AccountPayment::default()
            },
        }
    }

    fn holdings<'a>(d: &'a Device, staff: &'a StaffTerms, products: &'a BTreeMap<String, i64>) -> OpHoldings<'a> {
        OpHoldings {
            outlet_known: true,
            customer_known: true,
            register_outlet: Some("mtl"),
            balance: Some(Money(-5_000)),
            products,
            ..OpHoldings::new(d, Some("mtl"), Some(staff))
        }
    }

    #[test]
    fn a_payment_on_account_is_applied_with_its_entry_and_its_time() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let OpVerdict::Apply(OpEffect::Payment { payment, entry }) = accept_op(&op(payment(2_000)), holdings(&d, &s, &p)) else {
            panic!("not applied")
        };
        assert_eq!(payment.created_at_ms, 1_000);
        assert_eq!(payment.reference, "op1");
        assert_eq!(entry.amount, Money(2_000));
    }

    #[test]
    fn the_same_operation_again_is_a_duplicate_and_another_under_its_id_is_held() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let first = op(payment(2_000));
        let h = OpHoldings { same_id: Some(&first), ..holdings(&d, &s, &p) };
        assert_eq!(accept_op(&first, h), OpVerdict::Duplicate);
        assert_eq!(accept_op(&op(payment(3_000)), h), OpVerdict::Hold(OpHold::IdTaken { op_id: "op1".into() }));
    }

    #[test]
    fn a_payment_out_of_range_or_for_an_unknown_customer_is_held_with_its_reason() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let v = accept_op(&op(payment(5_000_000_000_000_000_000)), holdings(&d, &s, &p));
        assert!(matches!(v, OpVerdict::Hold(OpHold::OutOfRange { ref field, .. }) if field == "body.payment.amount"), "{v:?}");
        let h = OpHoldings { customer_known: false, ..holdings(&d, &s, &p) };
        assert_eq!(accept_op(&op(payment(100)), h), OpVerdict::Hold(OpHold::UnknownCustomer { customer_id: "c1".into() }));
    }

    #[test]
    fn an_operation_for_another_outlet_or_by_a_stranger_is_held() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let h = OpHoldings { device_outlet: Some("laval"), ..holdings(&d, &s, &p) };
        assert!(matches!(accept_op(&op(payment(100)), h), OpVerdict::Hold(OpHold::OtherOutlet { .. })));
        let h = OpHoldings { cashier: None, ..holdings(&d, &s, &p) };
        assert!(matches!(accept_op(&op(payment(100)), h), OpVerdict::Hold(OpHold::UnknownCashier { .. })));
    }

    #[test]
    fn a_count_moves_stock_by_the_difference_with_the_level_on_file() {
        let (d, s) = (device(), julie());
        let products = BTreeMap::from([("hat".to_string(), 7), ("shirt".to_string(), 3)]);
        let body = OpBody::StockAdjustment {
            outlet_id: "mtl".into(),
            reason: AdjustmentReason::Count,
            lines: vec![AdjustmentLine { product_id: "hat".into(), qty: 4 }, AdjustmentLine { product_id: "shirt".into(), qty: 3 }],
        };
        let v = accept_op(&op(body), holdings(&d, &s, &products));
        assert_eq!(
            v,
            OpVerdict::Apply(OpEffect::Stock {
                outlet_id: "mtl".into(),
                reason: MovementReason::Adjustment,
                movements: vec![("hat".into(), -3)],
                levels: vec![StockLevel::new("hat", "mtl", 4)]
            })
        );
    }

    #[test]
    fn damage_takes_units_out_and_receiving_puts_them_in() {
        let (d, s) = (device(), julie());
        let products = BTreeMap::from([("hat".to_string(), 7)]);
        for (reason, delta) in [(AdjustmentReason::Damage, -2), (AdjustmentReason::Receiving, 2)] {
            let body = OpBody::StockAdjustment { outlet_id: "mtl".into(), reason, lines: vec![AdjustmentLine { product_id: "hat".into(), qty: 2 }] };
            let OpVerdict::Apply(OpEffect::Stock { movements, .. }) = accept_op(&op(body), holdings(&d, &s, &products)) else { panic!() };
            assert_eq!(movements, vec![("hat".to_string(), delta)]);
        }
        let zero = OpBody::StockAdjustment { outlet_id: "mtl".into(), reason: AdjustmentReason::Damage, lines: vec![AdjustmentLine { product_id: "hat".into(), qty: 0 }] };
        assert!(matches!(accept_op(&op(zero), holdings(&d, &s, &products)), OpVerdict::Hold(OpHold::OutOfRange { .. })));
    }

    #[test]
    fn serials_already_on_file_hold_the_registration_and_name_them() {
        let (d, s) = (device(), julie());
        let products = BTreeMap::from([("drill".to_string(), 0)]);
        let on_file = vec![SerialNumber { serial: "A1".into(), product_id: "drill".into(), outlet_id: "mtl".into(), sold_on: None, returned_on: None }];
        let body = OpBody::SerialRegistration { product_id: "drill".into(), outlet_id: "mtl".into(), serials: "A1, A2".into() };
        let h = OpHoldings { serials: &on_file, ..holdings(&d, &s, &products) };
        assert!(matches!(accept_op(&op(body.clone()), h), OpVerdict::Hold(OpHold::Rule { ref error, .. }) if error == "serial_duplicates"));
        let OpVerdict::Apply(OpEffect::Serials { added }) = accept_op(&op(body), holdings(&d, &s, &products)) else { panic!() };
        assert_eq!(added.iter().map(|s| s.serial.as_str()).collect::<Vec<_>>(), ["A1", "A2"]);
    }

    #[test]
    fn a_new_customer_is_created_once_and_an_e_mail_on_file_holds_it() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let c = Customer { id: "c9".into(), name: " Léa ".into(), email: Some("lea@example.com".into()) };
        let body = OpBody::NewCustomer { customer: c.clone() };
        let OpVerdict::Apply(OpEffect::Customer { customer: Some(made) }) = accept_op(&op(body.clone()), holdings(&d, &s, &p)) else { panic!() };
        assert_eq!(made.name, "Léa");
        let h = OpHoldings { existing_customer: Some(&made), ..holdings(&d, &s, &p) };
        assert_eq!(accept_op(&op(body.clone()), h), OpVerdict::Apply(OpEffect::Customer { customer: None }));
        let h = OpHoldings { email_owner: Some("c1"), ..holdings(&d, &s, &p) };
        assert!(matches!(accept_op(&op(body), h), OpVerdict::Hold(OpHold::CustomerTaken { .. })));
    }

    fn client(name: &str, email: Option<&str>) -> Customer {
        Customer { id: "c1".into(), name: name.into(), email: email.map(Into::into) }
    }

    #[test]
    fn a_register_edit_writes_the_fields_the_cashier_changed_and_keeps_the_others() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        // The register fixed the e-mail; meanwhile the back office renamed her: both stand.
        let before = client("Marie", Some("marie@old.ca"));
        let after = client("Marie", Some(" marie@new.ca "));
        let current = client("Marie Tremblay", Some("marie@old.ca"));
        let body = OpBody::EditCustomer { before: before.clone(), after: after.clone() };
        let h = OpHoldings { existing_customer: Some(&current), ..holdings(&d, &s, &p) };
        assert_eq!(accept_op(&op(body.clone()), h), OpVerdict::Apply(OpEffect::CustomerEdited { customer: Some(client("Marie Tremblay", Some("marie@new.ca"))) }));
        // Applied already (the server has what was typed): nothing to write.
        let now = client("Marie Tremblay", Some("marie@new.ca"));
        let h = OpHoldings { existing_customer: Some(&now), ..holdings(&d, &s, &p) };
        assert_eq!(accept_op(&op(body.clone()), h), OpVerdict::Apply(OpEffect::CustomerEdited { customer: None }));
        // Unknown customer, an e-mail another customer has: held, nothing written.
        assert!(matches!(accept_op(&op(body.clone()), holdings(&d, &s, &p)), OpVerdict::Hold(OpHold::UnknownCustomer { .. })));
        let h = OpHoldings { existing_customer: Some(&current), email_owner: Some("c2"), ..holdings(&d, &s, &p) };
        assert!(matches!(accept_op(&op(body), h), OpVerdict::Hold(OpHold::CustomerTaken { .. })));
    }

    #[test]
    fn a_register_edit_of_a_field_changed_meanwhile_to_something_else_is_held_for_a_manager() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let body = OpBody::EditCustomer { before: client("Marie", None), after: client("Marie T.", None) };
        let current = client("Marie Tremblay", None);
        let h = OpHoldings { existing_customer: Some(&current), ..holdings(&d, &s, &p) };
        let OpVerdict::Hold(OpHold::CustomerChanged { field, now, typed, .. }) = accept_op(&op(body), h) else { panic!() };
        assert_eq!((field.as_str(), now.as_str(), typed.as_str()), ("name", "Marie Tremblay", "Marie T."));
        // An empty name or another customer's id: refused by the rule, held.
        let h = OpHoldings { existing_customer: Some(&current), ..holdings(&d, &s, &p) };
        let blank = OpBody::EditCustomer { before: client("Marie Tremblay", None), after: client("  ", None) };
        assert!(matches!(accept_op(&op(blank), h), OpVerdict::Hold(OpHold::OutOfRange { .. } | OpHold::Rule { .. })));
        let other = OpBody::EditCustomer { before: client("Marie Tremblay", None), after: Customer { id: "c2".into(), ..client("X", None) } };
        assert!(matches!(accept_op(&op(other), h), OpVerdict::Hold(OpHold::Rule { ref error, .. }) if error == "customer_id"));
    }

    #[test]
    fn an_old_registers_push_without_operations_still_reads_and_an_old_answer_too() {
        let req: crate::sync::PushRequest = serde_json::from_str(r#"{"device_id":"dev","sales":[]}"#).unwrap();
        assert!(req.ops.is_empty());
        let resp: crate::sync::PushResponse = serde_json::from_str(r#"{"results":[]}"#).unwrap();
        assert!(resp.ops.is_empty());
        // And a push without operations is written as old servers read it.
        assert_eq!(serde_json::to_string(&req).unwrap(), r#"{"device_id":"dev","sales":[]}"#);
    }

    #[test]
    fn an_operation_travels_as_tagged_json() {
        let o = op(OpBody::StockAdjustment {
            outlet_id: "mtl".into(),
            reason: AdjustmentReason::Damage,
            lines: vec![AdjustmentLine { product_id: "hat".into(), qty: 1 }],
        });
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["body"]["kind"], "stock_adjustment");
        assert_eq!(json["body"]["reason"], "damage");
        assert_eq!(serde_json::from_value::<Operation>(json).unwrap(), o);
    }

    #[test]
    fn order_operations_travel_as_tagged_json_and_hold_out_of_range_text_or_quantity() {
        let json = r#"{"id":"op1","device_id":"dev","made_at_ms":1000,"cashier_id":"julie",
            "body":{"kind":"order_action","order_id":"o1","outlet_id":"mtl","action":"mark_packed"}}"#;
        let o: Operation = serde_json::from_str(json).unwrap();
        assert_eq!(o.body, OpBody::OrderAction { order_id: "o1".into(), outlet_id: "mtl".into(), action: FulfilmentAction::MarkPacked });
        assert_eq!((o.body.kind(), o.body.outlet_id(), o.body.order_id()), ("order_action", Some("mtl"), Some("o1")));
        let note = OpBody::SaleNote { sale_id: "o1".into(), outlet_id: "mtl".into(), text: "x".repeat(MAX_TEXT_LEN + 1) };
        assert!(matches!(check_op(&op(note)), Err(OutOfRange { ref field, .. }) if field == "body.text"));
        let pick = OpBody::OrderPick { order_id: "o1".into(), outlet_id: "mtl".into(), product_id: "hat".into(), qty: 0 };
        assert!(matches!(check_op(&op(pick)), Err(OutOfRange { ref field, .. }) if field == "body.qty"));
    }

    #[test]
    fn an_order_operation_by_a_cashier_of_another_outlet_or_on_an_unknown_order_is_held() {
        let (d, s, p) = (device(), julie(), BTreeMap::new());
        let body = OpBody::OrderAction { order_id: "o1".into(), outlet_id: "laval".into(), action: FulfilmentAction::MarkPacked };
        let h = OpHoldings { device_outlet: None, ..holdings(&d, &s, &p) };
        assert!(matches!(accept_op(&op(body), h), OpVerdict::Hold(OpHold::UnknownCashier { .. })));
        let body = OpBody::OrderAction { order_id: "o1".into(), outlet_id: "mtl".into(), action: FulfilmentAction::MarkPacked };
        assert_eq!(accept_op(&op(body), holdings(&d, &s, &p)), OpVerdict::Hold(OpHold::UnknownOrder { order_id: "o1".into() }));
    }

    #[test]
    fn a_second_count_line_of_a_product_counts_what_the_first_left_and_a_level_never_leaves_its_range() {
        let line = |qty| AdjustmentLine { product_id: "hat".into(), qty };
        assert_eq!(stock_deltas(AdjustmentReason::Count, &[line(4), line(6)], |_| 7), Ok(vec![("hat".to_string(), -3), ("hat".to_string(), 2)]));
        assert_eq!(stock_deltas(AdjustmentReason::Receiving, &[line(1)], |_| MAX_STOCK_LEVEL), Err("hat".to_string()));
    }
}
