//! What a platform order becomes in the shop (seeds 001, 002, 004): a sale in sales history like an
//! in-store sale, its customer, its allocation to the outlets that offer stock online, one order part per
//! outlet for the orders page, and the stock movements at those outlets — or the reason it is held for a
//! manager. And what a later delivery of the same order changes ([`update`]).
//!
//! Money: the sale is the order's lines at the platform's unit prices (the platform is the price of
//! record for its orders: no price override) with the orders register's outlet taxes, so it verifies
//! like any sale. Shipping and any other difference between the platform's total and the sale's are not
//! part of the sale: they are written in the sale note ([`Intake::total_difference`]), and a paid order's
//! `Online` tender pays exactly the sale's total.

use super::customer_match::{match_customer, truncate, CustomerDecision};
use super::order::{IncomingOrder, PlatformOrderState};
use super::view::OrderLineView;
use crate::catalog::{Customer, Product};
use crate::fulfilment::{OnlineOrder, PartStatus, Platform};
use crate::limits::{self, MAX_ID_LEN, MAX_LINES, MAX_QTY, MAX_TEXT_LEN, MAX_TIME_MS, MAX_UNIT_PRICE};
use crate::money::Money;
use crate::sale::{compute_sale_totals, plan_return, returnable, ReturnPick, Sale, SaleLine, Tender, TenderKind};
use crate::stock::allocation::{allocate, AllocationPlan, AllocationRequest, OrderLine, OutletStock};
use crate::stock::{Movement, MovementReason, StockLevel};
use crate::sync::effects::{effects_of_sale, Bearing, CustomerBearing, CustomerChange};
use crate::tax::TaxRates;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest sale note kept (customer details and platform notes can be long; tracking is appended).
pub const MAX_NOTE_LEN: usize = 4_000;

/// The device an online order's sale is recorded under: one per connected store, numbered by the
/// connection's own sequence, so its (device, seq) key never meets a register's.
pub fn online_device_id(connection_id: &str) -> String {
    format!("online:{connection_id}")
}

/// An online order's receipt number: the orders register's code, `W` (web) where an in-store receipt
/// has its device number, and the register's own online sequence — `MTL1-W-000042` — which every
/// connected store sending orders there shares, so two stores never print the same number. Never equal
/// to an in-store receipt, whose middle part is a number.
pub fn online_receipt(register_code: &str, seq: u64) -> String {
    format!("{register_code}-W-{seq:06}")
}

/// Whether a sale was recorded from a connected store (an order's sale, or the return a platform
/// cancellation made) rather than at a register.
pub fn is_online_device(device_id: &str) -> bool {
    device_id.starts_with("online:")
}

/// An order version's last-modified time (see [`IncomingOrder::modified`]); `None` when the bridge gave
/// none, or a stamp from before bridges wrote milliseconds.
pub fn modified_ms(order: &IncomingOrder) -> Option<i64> {
    let m = order.modified.trim();
    (!m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())).then(|| m.parse().ok()).flatten()
}

/// `Some(true)` when `incoming` is an older version than `known` (a late or replayed delivery: the
/// platforms deliver updates out of order, and a dedupe key from unsigned headers lets an old signed
/// body come again); `None` when the two cannot be compared.
pub fn is_older(incoming: &IncomingOrder, known: &IncomingOrder) -> Option<bool> {
    Some(modified_ms(incoming)? < modified_ms(known)?)
}

/// What to do with the first version seen of an order the shop has not taken in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FirstSight {
    /// An open order: take it in ([`intake`]).
    Take,
    /// Not an order yet (pending payment, checkout not finished): nothing taken; a later open version
    /// will be.
    NotYet(IntakeHold),
    /// Cancelled or refunded before the shop took it: nothing to take, but remember this version, so
    /// that an older one (its create, arriving late) never makes it live.
    Remember(IntakeHold),
    /// Older than the cancelled version remembered: recorded, not applied.
    Stale,
    /// Open again after a cancellation remembered, and the two cannot be put in order: a manager
    /// decides (never made live by a version that may be the late create).
    Hold(IntakeHold),
}

/// The decision on an order not taken in (see [`FirstSight`]); `remembered`: the cancelled version kept
/// by an earlier [`FirstSight::Remember`].
pub fn first_sight(order: &IncomingOrder, remembered: Option<&IncomingOrder>) -> FirstSight {
    if let Some(known) = remembered {
        match is_older(order, known) {
            Some(true) => return FirstSight::Stale,
            None if order.state == PlatformOrderState::Open => {
                return FirstSight::Hold(hold(
                    "reopened",
                    format!(
                        "order {} was first seen cancelled on the platform, and this open version cannot be dated against it: check its status on the platform, then take it at the register if it stands",
                        order.number
                    ),
                ));
            }
            // A newer version: it stands on its own (reopened before the shop ever took it: taken now).
            _ => {}
        }
    }
    match order.state {
        PlatformOrderState::Open => FirstSight::Take,
        PlatformOrderState::Pending => {
            FirstSight::NotYet(hold("not_yet_an_order", format!("order {}: awaiting payment or checkout on the platform; taken once it is placed", order.number)))
        }
        PlatformOrderState::Cancelled | PlatformOrderState::Refunded => FirstSight::Remember(hold(
            "cancelled_before_intake",
            format!("order {} was cancelled or refunded on the platform before the shop took it: nothing taken", order.number),
        )),
    }
}

/// Where an online order stands in the shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrderState {
    /// Some part is still to ship or to be picked up: on the orders page.
    Unfulfilled,
    /// Every part is done: in sales history only.
    Fulfilled,
    /// Cancelled or refunded on the platform before it was done: off the orders page, stock put back.
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What makes the sale's key and receipt, given by the store (the id is new, `seq` is the connection's
/// next sequence and `receipt_seq` the orders register's next online receipt, both bumped in the same
/// transaction when the sale is written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleNumbering {
    pub order_id: String,
    pub connection_id: String,
    pub seq: u64,
    pub receipt_seq: u64,
    pub register_id: String,
    pub register_code: String,
    /// The orders register's outlet: the sale's outlet.
    pub outlet_id: String,
}

/// An outlet offering its stock online, with its levels of the order's products (by product id; absent:
/// zero). Given in priority order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineOutlet {
    pub id: String,
    pub levels: BTreeMap<String, i64>,
}

/// Everything the intake of a new order reads.
#[derive(Clone, Copy, Debug)]
pub struct IntakeInput<'a> {
    pub order: &'a IncomingOrder,
    pub numbering: &'a SaleNumbering,
    /// The catalog's products named by the order's SKUs, by SKU.
    pub catalog: &'a BTreeMap<String, Product>,
    /// The shop's customer with the order's e-mail (compared ignoring case), if any.
    pub customer: Option<&'a Customer>,
    /// The id a new customer gets.
    pub new_customer_id: &'a str,
    /// The outlets offering stock online for this store, in priority order.
    pub outlets: &'a [OnlineOutlet],
    /// The sale's outlet's tax rates.
    pub rates: TaxRates,
}

/// A new order, accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intake {
    pub sale: Sale,
    pub customer: CustomerDecision,
    /// The name the orders page shows: the profile's for a matched customer, else the order's.
    pub customer_name: String,
    pub plan: AllocationPlan,
    /// One part per outlet of the plan, in the plan's order.
    pub parts: Vec<(String, Vec<OrderLineView>)>,
    /// One movement per line of each part, at the part's outlet (reason `online_order`).
    pub movements: Vec<Movement>,
    /// The levels those movements leave.
    pub levels: Vec<StockLevel>,
    pub sale_note: String,
    /// The sale's total (what the order is owed in the shop).
    pub total: Money,
    /// What the platform says it has collected: the total when paid through a processor, else zero.
    pub paid: Money,
    pub processor: Option<String>,
    /// The platform's total minus the sale's (shipping, the platform's own taxes or discounts).
    pub total_difference: Money,
}

/// Why an order cannot become a sale as it is: held whole for a manager, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct IntakeHold {
    /// Stable: `empty_order`, `too_many_lines`, `quantity_out_of_range`, `price_out_of_range`,
    /// `unknown_sku`, `no_online_outlets`, `out_of_range`, `cancelled_before_intake`, `overflow`.
    pub code: String,
    pub reason: String,
}

fn hold(code: &str, reason: impl Into<String>) -> IntakeHold {
    IntakeHold { code: code.into(), reason: reason.into() }
}

/// The intake of a new order (see the module doc).
pub fn intake(input: IntakeInput<'_>) -> Result<Intake, IntakeHold> {
    let order = input.order;
    let n = input.numbering;
    match order.state {
        PlatformOrderState::Open => {}
        PlatformOrderState::Pending => {
            return Err(hold("not_yet_an_order", format!("order {} is not an order yet: its checkout or payment is not done", order.number)));
        }
        PlatformOrderState::Cancelled | PlatformOrderState::Refunded => {
            return Err(hold(
                "cancelled_before_intake",
                format!("order {} was already cancelled or refunded on the platform when it first arrived", order.number),
            ));
        }
    }
    if order.lines.is_empty() {
        return Err(hold("empty_order", format!("order {} has no lines", order.number)));
    }
    if order.lines.len() > MAX_LINES {
        return Err(hold("too_many_lines", format!("order {} has {} lines, at most {MAX_LINES}", order.number, order.lines.len())));
    }
    if !(0..=MAX_TIME_MS).contains(&order.created_at_ms) {
        return Err(hold("out_of_range", format!("order {}: its date is out of range", order.number)));
    }
    let mut sale_lines = Vec::with_capacity(order.lines.len());
    for l in &order.lines {
        if l.quantity == 0 || i64::from(l.quantity) > MAX_QTY {
            return Err(hold("quantity_out_of_range", format!("{}: quantity {} is outside 1..={MAX_QTY}", l.sku, l.quantity)));
        }
        if l.unit_price.is_negative() || l.unit_price > MAX_UNIT_PRICE {
            return Err(hold("price_out_of_range", format!("{}: unit price {} is out of range", l.sku, l.unit_price)));
        }
        let Some(product) = input.catalog.get(&l.sku).filter(|_| !l.sku.is_empty()) else {
            return Err(hold("unknown_sku", format!("SKU '{}' ({}) is not in the catalog", l.sku, l.name)));
        };
        sale_lines.push(SaleLine {
            unit_price: l.unit_price,
            ..SaleLine::of(product, i64::from(l.quantity))
        });
    }
    if input.outlets.is_empty() {
        return Err(hold("no_online_outlets", "no outlet offers its stock online for this store"));
    }

    // Allocation works by SKU.
    let sku_of: BTreeMap<&str, &Product> = input.catalog.iter().map(|(sku, p)| (sku.as_str(), p)).collect();
    let request = AllocationRequest {
        outlets: input
            .outlets
            .iter()
            .map(|o| OutletStock {
                id: o.id.clone(),
                stock: sku_of.iter().map(|(sku, p)| (sku.to_string(), o.levels.get(&p.id).copied().unwrap_or(0))).collect(),
            })
            .collect(),
        lines: order.lines.iter().map(|l| OrderLine { sku: l.sku.clone(), qty: l.quantity }).collect(),
    };
    let plan = allocate(&request).map_err(|e| hold(e.code(), e.to_string()))?;

    let totals = compute_sale_totals(&sale_lines, &[], &input.rates).map_err(|_| hold("overflow", "amounts out of range"))?;
    let total = totals.total;
    let paid_on_platform = order.payment.paid;
    let processor = paid_on_platform.then(|| truncate(order.payment.method.trim(), MAX_TEXT_LEN)).filter(|m| !m.is_empty());
    let tenders = if paid_on_platform { vec![online_tender(total, processor.clone())] } else { vec![] };

    let customer = match_customer(order.email.as_deref(), order.customer_name.as_deref(), input.customer, input.new_customer_id);
    let customer_name = match (&customer, input.customer) {
        (CustomerDecision::Existing { .. }, Some(c)) => c.name.clone(),
        (CustomerDecision::New { customer }, _) => customer.name.clone(),
        _ => order.customer_name.clone().map(|n| truncate(n.trim(), MAX_TEXT_LEN)).unwrap_or_default(),
    };

    let sale = Sale {
        id: n.order_id.clone(),
        device_id: online_device_id(&n.connection_id),
        register_id: n.register_id.clone(),
        outlet_id: n.outlet_id.clone(),
        seq: n.seq,
        receipt: online_receipt(&n.register_code, n.receipt_seq),
        created_at_ms: order.created_at_ms,
        lines: sale_lines,
        totals,
        tenders,
        customer_id: customer.customer_id().map(String::from),
        redemptions: vec![],
        cashier_id: String::new(),
    };
    if let Err(e) = limits::check_sale(&sale) {
        return Err(hold("out_of_range", format!("{}: {}", e.field, e.problem)));
    }
    if sale.id.len() > MAX_ID_LEN {
        return Err(hold("out_of_range", "order id too long"));
    }

    let parts = parts_of(&plan, &n.order_id, order, input.catalog);
    let movements = part_movements(&n.order_id, order.created_at_ms, &parts, MovementReason::OnlineOrder, "");
    let before: BTreeMap<(String, String), i64> = input
        .outlets
        .iter()
        .flat_map(|o| o.levels.iter().map(move |(p, q)| ((o.id.clone(), p.clone()), *q)))
        .collect();
    let levels = levels_after(&movements, &before);
    let total_difference = order.total.checked_sub(total).map_err(|_| hold("overflow", "amounts out of range"))?;
    let mut sale_note = platform_note(order);
    if !total_difference.is_zero() {
        sale_note.push_str(&format!(
            "\nÉcart avec le total de la plateforme / Difference from the platform's total: {} ({} − {})",
            total_difference.format_fr_ca(),
            order.total.format_fr_ca(),
            total.format_fr_ca()
        ));
    }
    Ok(Intake {
        paid: if paid_on_platform { total } else { Money::ZERO },
        sale,
        customer,
        customer_name,
        plan,
        parts,
        movements,
        levels,
        sale_note: truncate(&sale_note, MAX_NOTE_LEN),
        total,
        processor,
        total_difference,
    })
}

/// What the order's sale does to its customer's figures (loyalty; an `Online` tender makes no account
/// entry), by the rule of every sale (`shared::sync::effects_of_sale`). Its stock is not that rule's
/// business: [`Intake::movements`] are, at the parts' outlets.
pub fn customer_change(sale: &Sale, customer: Option<&CustomerBearing>) -> Option<CustomerChange> {
    let (stock, tracked) = (BTreeMap::new(), std::collections::BTreeSet::new());
    effects_of_sale(
        sale,
        Bearing { serials: &[], tracks_serials: &tracked, originals: &[], earlier_returns: &[], customer, stock: &stock },
    )
    .customer
}

/// The tender of a payment collected by the platform: recorded, never charged by the shop.
pub fn online_tender(amount: Money, processor: Option<String>) -> Tender {
    Tender { processor, ..Tender::exact(TenderKind::Online, amount) }
}

/// The parts of a plan as the orders page shows them: every unit an outlet must hand over, those it did
/// not hold when the order came (`backordered`) included in `ordered`.
fn parts_of(
    plan: &AllocationPlan,
    order_id: &str,
    order: &IncomingOrder,
    catalog: &BTreeMap<String, Product>,
) -> Vec<(String, Vec<OrderLineView>)> {
    // Amounts do not matter here: only the grouping of the plan into parts.
    let grouped = OnlineOrder::from_plan(order_id, order.platform, order.order_type, Money::ZERO, Money::ZERO, plan);
    grouped
        .parts
        .iter()
        .map(|p| {
            let mut lines: Vec<OrderLineView> = Vec::new();
            let mut add = |sku: &str, qty: u32, backordered: bool| {
                if let Some(l) = lines.iter_mut().find(|l| l.sku == sku) {
                    l.ordered += qty;
                    l.backordered += if backordered { qty } else { 0 };
                    return;
                }
                let (product_id, name) = catalog.get(sku).map_or((sku.to_string(), sku.to_string()), |c| (c.id.clone(), c.name.clone()));
                lines.push(OrderLineView {
                    product_id,
                    sku: sku.into(),
                    name,
                    ordered: qty,
                    picked: 0,
                    backordered: if backordered { qty } else { 0 },
                });
            };
            for l in &p.lines {
                add(&l.sku, l.qty, false);
            }
            for l in &p.backordered {
                add(&l.sku, l.qty, true);
            }
            (p.outlet_id.clone(), lines)
        })
        .collect()
}

/// One movement per line of each part at the part's outlet: out for an order, back in for a
/// cancellation. Ids `{order id}:{n}` (`{order id}:cancel:{n}`), from 1 in part then line order.
fn part_movements(
    order_id: &str,
    at_ms: i64,
    parts: &[(String, Vec<OrderLineView>)],
    reason: MovementReason,
    id_infix: &str,
) -> Vec<Movement> {
    let sign = if reason == MovementReason::OnlineCancel { 1 } else { -1 };
    parts
        .iter()
        .flat_map(|(outlet, lines)| lines.iter().map(move |l| (outlet, l)))
        .filter(|(_, l)| l.ordered > 0)
        .enumerate()
        .map(|(i, (outlet, l))| Movement {
            id: format!("{order_id}:{id_infix}{}", i + 1),
            product_id: l.product_id.clone(),
            outlet_id: outlet.clone(),
            delta: sign * i64::from(l.ordered),
            reason,
            source_id: order_id.into(),
            created_at_ms: at_ms,
            version: None,
        })
        .collect()
}

/// The levels `movements` leave, from `before` by (outlet, product) (absent: zero); one per touched
/// (outlet, product), negative ones flagged.
pub fn levels_after(movements: &[Movement], before: &BTreeMap<(String, String), i64>) -> Vec<StockLevel> {
    let mut after: BTreeMap<(String, String), i64> = BTreeMap::new();
    for m in movements {
        let key = (m.outlet_id.clone(), m.product_id.clone());
        let level = after.entry(key.clone()).or_insert_with(|| before.get(&key).copied().unwrap_or(0));
        *level = level.saturating_add(m.delta);
    }
    after.into_iter().map(|((outlet, product), level)| StockLevel::new(&product, &outlet, level)).collect()
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Shopify => "Shopify",
        Platform::WooCommerce => "WooCommerce",
        Platform::BigCommerce => "BigCommerce",
        Platform::LightspeedEcom => "Lightspeed eCom",
    }
}

/// The part of the sale note that comes from the platform: the order's number, the customer's details
/// and the platform's note (delivery address, phone, the customer's note), shipping charged.
pub fn platform_note(order: &IncomingOrder) -> String {
    let mut note = format!("Commande / Order {} ({})", order.number, platform_name(order.platform));
    let who = [order.customer_name.as_deref(), order.email.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    if !who.is_empty() {
        note.push('\n');
        note.push_str(&who);
    }
    if !order.note.trim().is_empty() {
        note.push('\n');
        note.push_str(order.note.trim());
    }
    if !order.shipping.is_zero() {
        note.push_str(&format!("\nLivraison / Shipping: {}", order.shipping.format_fr_ca()));
    }
    truncate(&note, MAX_NOTE_LEN)
}

// ---------------------------------------------------------------------------------------------
// A later delivery of an order already taken in.

/// What the shop holds of an order taken in, as an update needs it.
#[derive(Clone, Copy, Debug)]
pub struct StoredOrder<'a> {
    pub order_id: &'a str,
    pub state: OrderState,
    pub total: Money,
    pub paid: Money,
    pub sale_note: &'a str,
    /// The platform order as last applied.
    pub last: &'a IncomingOrder,
    /// Each part: outlet, status, lines.
    pub parts: &'a [(String, PartStatus, Vec<OrderLineView>)],
    /// The order's sale, as stored (with any tender added since).
    pub sale: &'a Sale,
    /// The returns already made of it (at a register, or by an earlier cancellation).
    pub returns: &'a [Sale],
}

/// What the return sale of a cancellation is numbered and taxed with, given by the store: a new id, the
/// connection's next sequence and the order's register's next online receipt (both bumped only when a
/// return is written), that register's code, its outlet's rates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnNumbering {
    pub sale_id: String,
    pub seq: u64,
    pub receipt_seq: u64,
    pub register_code: String,
    pub rates: TaxRates,
}

/// An order cancelled or refunded on the platform while some of it was still to hand over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    /// The return of the units not yet shipped or picked up, linked to the order's sale like a
    /// register return (so sales history, the Z report and the customer's figures see it, and those
    /// units can never be returned again). `None` when every such unit had already come back.
    pub return_sale: Option<Sale>,
    /// Those units back in stock at the parts' outlets (reason `online_cancel`, source: the order).
    /// The return's own lines move no stock: these are its movements, never both.
    pub movements: Vec<Movement>,
}

/// What a later delivery changes. Applying the same delivery again yields [`OrderUpdate::is_empty`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderUpdate {
    /// The order became paid on the platform: this tender is added to its sale (never a second sale).
    pub tender: Option<Tender>,
    /// The order was cancelled or refunded on the platform while parts were still open: it leaves the
    /// orders page and what was not handed over is returned.
    pub cancel: Option<Cancellation>,
    /// The new sale note, when the platform's part of it changed.
    pub sale_note: Option<String>,
    /// Held for a manager, nothing else applied: an order reopened on the platform after the shop
    /// recorded its cancellation (code `reopened`).
    pub held: Option<IntakeHold>,
    /// An older version than the one applied: nothing applied.
    pub stale: bool,
}

impl OrderUpdate {
    pub fn is_empty(&self) -> bool {
        self.tender.is_none() && self.cancel.is_none() && self.sale_note.is_none() && self.held.is_none() && !self.stale
    }
}

/// What `incoming`, a later version of a stored order, changes: payment becoming paid, cancellation,
/// the platform's note. Nothing else (lines, prices, customer) is taken from a later version: the sale
/// is a fact. A version older than the one applied changes nothing ([`OrderUpdate::stale`]).
/// `numbering` numbers the return of a cancellation; `now_ms` dates it.
pub fn update(stored: StoredOrder<'_>, incoming: &IncomingOrder, numbering: &ReturnNumbering, now_ms: i64) -> OrderUpdate {
    let mut out = OrderUpdate::default();
    if is_older(incoming, stored.last) == Some(true) {
        out.stale = true;
        return out;
    }
    let cancelled = matches!(incoming.state, PlatformOrderState::Cancelled | PlatformOrderState::Refunded);
    if stored.state == OrderState::Cancelled {
        // Open again on the platform: the shop has already given back its stock and its money. Taking
        // it again (a second sale for one platform order) or ignoring it are both a manager's call.
        if incoming.state == PlatformOrderState::Open {
            out.held = Some(hold(
                "reopened",
                format!(
                    "order {} was reopened on the platform after its cancellation was recorded (its unshipped items returned to stock, its payment refunded): check it on the platform, then sell it again at the register if it stands",
                    incoming.number
                ),
            ));
        }
        return out;
    }
    if cancelled {
        match cancellation(stored, numbering, now_ms) {
            Ok(Some(c)) => out.cancel = Some(c),
            Ok(None) => {}
            Err(h) => {
                out.held = Some(h);
                return out;
            }
        }
    } else if incoming.state == PlatformOrderState::Open && incoming.payment.paid && stored.paid < stored.total {
        let due = stored.total.checked_sub(stored.paid).unwrap_or(Money::ZERO);
        let processor = Some(truncate(incoming.payment.method.trim(), MAX_TEXT_LEN)).filter(|m| !m.is_empty());
        out.tender = Some(online_tender(due, processor));
    }
    let (old, new) = (platform_note(stored.last), platform_note(incoming));
    if old != new {
        let note = if stored.sale_note.contains(&old) {
            stored.sale_note.replacen(&old, &new, 1)
        } else {
            format!("{}\n{new}", stored.sale_note)
        };
        out.sale_note = Some(truncate(&note, MAX_NOTE_LEN));
    }
    out
}

/// The return of a cancelled order's units not yet handed over (see [`Cancellation`]); `None` when no
/// part is open. Each product's open units are returned from the sale's lines of that product, no more
/// than those lines can still give back (a register may have returned some already); the money goes
/// back to the order's `Online` payment up to what it paid — refunded by the platform, not to do at a
/// processor — and what it did not pay stays unpaid, as on the original.
fn cancellation(stored: StoredOrder<'_>, n: &ReturnNumbering, now_ms: i64) -> Result<Option<Cancellation>, IntakeHold> {
    let open: Vec<&(String, PartStatus, Vec<OrderLineView>)> = stored.parts.iter().filter(|(_, status, _)| !status.is_done()).collect();
    if open.is_empty() {
        return Ok(None);
    }
    let mut wanted: BTreeMap<&str, i64> = BTreeMap::new();
    for l in open.iter().flat_map(|(_, _, lines)| lines) {
        *wanted.entry(l.product_id.as_str()).or_insert(0) += i64::from(l.ordered);
    }
    let sale = stored.sale;
    // An earlier cancellation's return already brought open units back (a cancellation applied twice).
    for l in stored.returns.iter().filter(|r| is_online_device(&r.device_id)).flat_map(|r| &r.lines) {
        if let (Some(want), Some(_)) = (wanted.get_mut(l.product_id.as_str()), l.return_of.as_ref().filter(|r| r.sale_id == sale.id)) {
            *want = want.saturating_add(l.qty).max(0);
        }
    }
    let mut picks = Vec::new();
    let mut returned: BTreeMap<&str, i64> = BTreeMap::new();
    for r in returnable(sale, stored.returns) {
        let product = sale.lines[r.line].product_id.as_str();
        let Some(want) = wanted.get_mut(product) else { continue };
        let take = r.left().min(*want);
        if take > 0 {
            picks.push(ReturnPick { line: r.line, qty: take });
            *want -= take;
            *returned.entry(product).or_insert(0) += take;
        }
    }
    if picks.is_empty() {
        return Ok(Some(Cancellation { return_sale: None, movements: vec![] }));
    }
    let failed = |e: String| hold("cancel_failed", format!("order {}: its cancellation cannot be returned: {e}", stored.last.number));
    let lines = plan_return(sale, stored.returns, &picks).map_err(|e| failed(e.to_string()))?;
    let totals = compute_sale_totals(&lines, &[], &n.rates).map_err(|_| failed("amounts out of range".into()))?;
    // The platform's payments, less what returns already gave back to them.
    let online = |s: &Sale| Money::sum(s.tenders.iter().filter(|t| t.kind == TenderKind::Online).map(|t| t.amount));
    let paid_online = online(sale).and_then(|p| stored.returns.iter().try_fold(p, |left, r| left.checked_add(online(r)?)));
    let paid_online = paid_online.map_err(|_| failed("amounts out of range".into()))?.max(Money::ZERO);
    let owed = totals.total.checked_neg().map_err(|_| failed("amounts out of range".into()))?;
    let back = owed.min(paid_online);
    let processor = sale.tenders.iter().find(|t| t.kind == TenderKind::Online).and_then(|t| t.processor.clone());
    let tenders = if back.is_positive() { vec![online_tender(Money(back.as_cents().saturating_neg()), processor)] } else { vec![] };
    let return_sale = Sale {
        id: n.sale_id.clone(),
        device_id: sale.device_id.clone(),
        register_id: sale.register_id.clone(),
        outlet_id: sale.outlet_id.clone(),
        seq: n.seq,
        receipt: online_receipt(&n.register_code, n.receipt_seq),
        created_at_ms: now_ms,
        lines,
        totals,
        tenders,
        customer_id: sale.customer_id.clone(),
        redemptions: vec![],
        cashier_id: String::new(),
    };
    if let Err(e) = limits::check_sale(&return_sale) {
        return Err(failed(format!("{}: {}", e.field, e.problem)));
    }
    // The units returned, back at the outlets that gave them, in part then line order.
    let open_parts: Vec<(String, Vec<OrderLineView>)> = open
        .iter()
        .map(|(outlet, _, lines)| {
            let lines = lines
                .iter()
                .filter_map(|l| {
                    let left = returned.get_mut(l.product_id.as_str())?;
                    let qty = u32::try_from((*left).min(i64::from(l.ordered))).ok().filter(|q| *q > 0)?;
                    *left -= i64::from(qty);
                    Some(OrderLineView { ordered: qty, ..l.clone() })
                })
                .collect();
            (outlet.clone(), lines)
        })
        .collect();
    // Sourced to the order, like the movements that took the units: the order's trail in the ledger.
    let movements = part_movements(stored.order_id, now_ms, &open_parts, MovementReason::OnlineCancel, "cancel:");
    Ok(Some(Cancellation { return_sale: Some(return_sale), movements }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fulfilment::OrderType;
    use crate::online::order::{IncomingLine, OrderPayment};
    use crate::tax::TaxClass;
    use proptest::prelude::*;

    fn product(id: &str, sku: &str, cents: i64) -> Product {
        Product { id: id.into(), sku: sku.into(), name: id.into(), price: Money(cents), tax_class: TaxClass::Taxable, ..Default::default() }
    }

    fn catalog() -> BTreeMap<String, Product> {
        [product("shirt", "SHIRT", 2500), product("hat", "HAT", 1500), product("shoes", "SHOES", 9000)]
            .into_iter()
            .map(|p| (p.sku.clone(), p))
            .collect()
    }

    /// Seed 002's outlets.
    fn outlets() -> Vec<OnlineOutlet> {
        let o = |id: &str, s: i64, h: i64, sh: i64| OnlineOutlet {
            id: id.into(),
            levels: [("shirt".to_string(), s), ("hat".to_string(), h), ("shoes".to_string(), sh)].into(),
        };
        vec![o("montreal", 10, 3, 5), o("sherbrooke", 0, 10, 10), o("laval", 15, 10, 10)]
    }

    fn line(sku: &str, qty: u32, cents: i64) -> IncomingLine {
        IncomingLine {
            external_id: format!("l-{sku}"),
            external_product_id: String::new(),
            sku: sku.into(),
            name: sku.to_lowercase(),
            quantity: qty,
            unit_price: Money(cents),
        }
    }

    fn order(lines: Vec<IncomingLine>, paid: bool) -> IncomingOrder {
        IncomingOrder {
            platform: Platform::WooCommerce,
            external_id: "727".into(),
            number: "727".into(),
            created_at_ms: 1_764_000_000_000,
            modified: "2026-11-24T10:00:00".into(),
            email: Some("luc@example.ca".into()),
            customer_name: Some("Luc Gagnon".into()),
            order_type: OrderType::Delivery,
            lines,
            shipping: Money(1000),
            total: Money(0),
            payment: OrderPayment { paid, method: if paid { "Stripe".into() } else { "bacs".into() } },
            state: PlatformOrderState::Open,
            note: "12 rue des Érables, Sherbrooke".into(),
        }
    }

    fn numbering() -> SaleNumbering {
        SaleNumbering {
            order_id: "o-1".into(),
            connection_id: "c-1".into(),
            seq: 7,
            receipt_seq: 3,
            register_id: "mtl-1".into(),
            register_code: "MTL1".into(),
            outlet_id: "montreal".into(),
        }
    }

    fn take(o: &IncomingOrder) -> Result<Intake, IntakeHold> {
        let (cat, outs, n) = (catalog(), outlets(), numbering());
        intake(IntakeInput {
            order: o,
            numbering: &n,
            catalog: &cat,
            customer: None,
            new_customer_id: "c-new",
            outlets: &outs,
            rates: TaxRates::QUEBEC,
        })
    }

    #[test]
    fn a_paid_order_becomes_a_sale_paid_by_an_online_tender_naming_its_processor() {
        let o = order(vec![line("SHIRT", 2, 2000), line("HAT", 1, 1500)], true);
        let i = take(&o).unwrap();
        // The key is the connection's (device, seq); the receipt is the register's online sequence.
        assert_eq!(i.sale.receipt, "MTL1-W-000003");
        assert_eq!((i.sale.device_id.as_str(), i.sale.seq), ("online:c-1", 7));
        // The platform's prices, not the catalog's, and no override.
        assert_eq!(i.sale.lines[0].unit_price, Money(2000));
        assert!(i.sale.lines.iter().all(|l| l.price_override.is_none()));
        assert_eq!(i.sale.tenders.len(), 1);
        assert_eq!(i.sale.tenders[0].kind, TenderKind::Online);
        assert_eq!(i.sale.tenders[0].processor.as_deref(), Some("Stripe"));
        assert_eq!(i.sale.verify(&TaxRates::QUEBEC), Ok(()));
        assert_eq!(i.paid, i.total);
        assert_eq!(i.processor.as_deref(), Some("Stripe"));
    }

    #[test]
    fn an_unpaid_order_becomes_a_sale_with_no_tender() {
        let i = take(&order(vec![line("SHIRT", 1, 2500)], false)).unwrap();
        assert!(i.sale.tenders.is_empty());
        assert_eq!(i.paid, Money::ZERO);
        assert_eq!(i.processor, None);
    }

    #[test]
    fn stock_moves_at_the_outlets_the_order_is_allocated_to() {
        // Seed 002: 1 shirt and 5 hats go to Laval alone (rule 1 over the seed's second example).
        let i = take(&order(vec![line("SHIRT", 1, 2500), line("HAT", 5, 1500)], true)).unwrap();
        assert_eq!(i.parts.len(), 1);
        assert_eq!(i.parts[0].0, "laval");
        assert!(i.movements.iter().all(|m| m.outlet_id == "laval" && m.reason == MovementReason::OnlineOrder));
        assert!(i.levels.contains(&StockLevel::new("hat", "laval", 5)));
        assert!(i.levels.contains(&StockLevel::new("shirt", "laval", 14)));
    }

    #[test]
    fn a_split_order_has_one_part_per_outlet() {
        // Seed 002: 17 shirts, 6 hats, 6 shoes → Laval 15 shirts + hats + shoes, Montréal 2 shirts.
        let i = take(&order(vec![line("SHIRT", 17, 2500), line("HAT", 6, 1500), line("SHOES", 6, 9000)], true)).unwrap();
        let outlets: Vec<&str> = i.parts.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(outlets.len(), 2);
        let mtl = &i.parts.iter().find(|(o, _)| o == "montreal").unwrap().1;
        assert_eq!(mtl.len(), 1);
        assert_eq!((mtl[0].sku.as_str(), mtl[0].ordered, mtl[0].picked), ("SHIRT", 2, 0));
    }

    #[test]
    fn what_nobody_holds_is_backordered_and_still_moves_stock() {
        let i = take(&order(vec![line("HAT", 30, 1500)], true)).unwrap();
        let total: u32 = i.parts.iter().flat_map(|(_, l)| l).map(|l| l.ordered).sum();
        let back: u32 = i.parts.iter().flat_map(|(_, l)| l).map(|l| l.backordered).sum();
        assert_eq!((total, back), (30, 7));
        assert_eq!(i.movements.iter().map(|m| m.delta).sum::<i64>(), -30);
        assert!(i.levels.iter().any(|l| l.negative));
    }

    #[test]
    fn shipping_and_the_platforms_total_are_recorded_in_the_sale_note_not_the_sale() {
        let mut o = order(vec![line("SHIRT", 1, 2000)], true);
        o.total = Money(3450); // 20,00 + taxes 3,00 (rounded) + shipping 10,00 + 1,50 of the platform's own
        let i = take(&o).unwrap();
        assert_eq!(i.total, Money(2300));
        assert_eq!(i.total_difference, Money(1150));
        assert!(i.sale_note.contains("Livraison / Shipping: 10,00\u{a0}$"));
        assert!(i.sale_note.contains("11,50\u{a0}$"));
        assert!(i.sale_note.contains("12 rue des Érables"));
        assert!(i.sale_note.contains("Luc Gagnon · luc@example.ca"));
    }

    #[test]
    fn what_the_shop_cannot_take_as_it_is_is_held_with_its_reason() {
        let code = |o: IncomingOrder| take(&o).unwrap_err().code;
        assert_eq!(code(order(vec![line("NOPE", 1, 100)], true)), "unknown_sku");
        assert_eq!(code(order(vec![], true)), "empty_order");
        assert_eq!(code(order(vec![line("HAT", 0, 100)], true)), "quantity_out_of_range");
        assert_eq!(code(order(vec![line("HAT", 10_001, 100)], true)), "quantity_out_of_range");
        assert_eq!(code(order(vec![line("HAT", 1, -1)], true)), "price_out_of_range");
        assert_eq!(code(order(vec![line("HAT", 1, MAX_UNIT_PRICE.as_cents() + 1)], true)), "price_out_of_range");
        let mut cancelled = order(vec![line("HAT", 1, 100)], true);
        cancelled.state = PlatformOrderState::Cancelled;
        assert_eq!(code(cancelled), "cancelled_before_intake");
        let (cat, n) = (catalog(), numbering());
        let o = order(vec![line("HAT", 1, 100)], true);
        let none = intake(IntakeInput {
            order: &o,
            numbering: &n,
            catalog: &cat,
            customer: None,
            new_customer_id: "x",
            outlets: &[],
            rates: TaxRates::QUEBEC,
        });
        assert_eq!(none.unwrap_err().code, "no_online_outlets");
    }

    #[test]
    fn a_matched_customer_keeps_her_profile_name_on_the_orders_page() {
        let (cat, outs, n) = (catalog(), outlets(), numbering());
        let marie = Customer { id: "c-m".into(), name: "Marie T.".into(), email: Some("LUC@example.ca".into()) };
        let o = order(vec![line("HAT", 1, 1500)], true);
        let i = intake(IntakeInput {
            order: &o,
            numbering: &n,
            catalog: &cat,
            customer: Some(&marie),
            new_customer_id: "x",
            outlets: &outs,
            rates: TaxRates::QUEBEC,
        })
        .unwrap();
        assert_eq!(i.sale.customer_id.as_deref(), Some("c-m"));
        assert_eq!(i.customer_name, "Marie T.");
    }

    fn stored_parts(i: &Intake) -> Vec<(String, PartStatus, Vec<OrderLineView>)> {
        i.parts.iter().map(|(o, l)| (o.clone(), PartStatus::New, l.clone())).collect()
    }

    fn stored<'a>(i: &'a Intake, last: &'a IncomingOrder, parts: &'a [(String, PartStatus, Vec<OrderLineView>)]) -> StoredOrder<'a> {
        StoredOrder {
            order_id: "o-1",
            state: OrderState::Unfulfilled,
            total: i.total,
            paid: i.paid,
            sale_note: &i.sale_note,
            last,
            parts,
            sale: &i.sale,
            returns: &[],
        }
    }

    fn ret() -> ReturnNumbering {
        ReturnNumbering { sale_id: "r-1".into(), seq: 8, receipt_seq: 4, register_code: "MTL1".into(), rates: TaxRates::QUEBEC }
    }

    /// `o` modified `ms` after the first version.
    fn at(o: &IncomingOrder, ms: i64) -> IncomingOrder {
        IncomingOrder { modified: (1_764_000_000_000 + ms).to_string(), ..o.clone() }
    }

    #[test]
    fn an_order_paid_later_gets_one_platform_tender_for_what_is_due() {
        let o = order(vec![line("HAT", 2, 1500)], false);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        let mut later = o.clone();
        later.payment = OrderPayment { paid: true, method: "Stripe".into() };
        let stored = stored(&i, &o, &parts);
        let u = update(stored, &later, &ret(), 5);
        assert_eq!(u.tender, Some(online_tender(i.total, Some("Stripe".into()))));
        assert!(u.cancel.is_none() && u.sale_note.is_none());
        // Once applied (paid = total), the same delivery changes nothing.
        let again = update(StoredOrder { paid: i.total, last: &later, ..stored }, &later, &ret(), 6);
        assert!(again.is_empty());
    }

    #[test]
    fn a_cancelled_order_returns_its_unshipped_units_once_linked_to_its_sale_and_refunded_by_the_platform() {
        let o = order(vec![line("SHIRT", 17, 2500), line("HAT", 6, 1500)], true);
        let i = take(&o).unwrap();
        let mut parts = stored_parts(&i);
        parts[0].1 = PartStatus::Shipped;
        let mut later = o.clone();
        later.state = PlatformOrderState::Cancelled;
        let stored = stored(&i, &o, &parts);
        let u = update(stored, &later, &ret(), 9);
        let c = u.cancel.unwrap();
        let open_units: i64 = parts[1..].iter().flat_map(|(_, _, l)| l).map(|l| i64::from(l.ordered)).sum();
        assert_eq!(c.movements.iter().map(|m| m.delta).sum::<i64>(), open_units);
        assert!(c.movements.iter().all(|m| m.reason == MovementReason::OnlineCancel && m.validate().is_ok() && m.source_id == "o-1"));
        // Each movement is at the outlet of the part that held the units.
        for m in &c.movements {
            assert!(parts[1..].iter().any(|(outlet, _, lines)| *outlet == m.outlet_id && lines.iter().any(|l| l.product_id == m.product_id)));
        }
        let back = c.return_sale.unwrap();
        assert_eq!((back.id.as_str(), back.receipt.as_str(), back.device_id.as_str()), ("r-1", "MTL1-W-000004", "online:c-1"));
        assert_eq!(back.seq, 8);
        assert_eq!(back.lines.iter().map(|l| -l.qty).sum::<i64>(), open_units);
        assert!(back.lines.iter().all(|l| l.return_of.as_ref().is_some_and(|r| r.sale_id == "o-1")));
        // Exactly what the sale charged for those units, refunded to its platform payment, already done there.
        assert_eq!(crate::sale::verify_refunds(&back, std::slice::from_ref(&i.sale), &[]), Ok(()));
        assert_eq!(back.verify(&TaxRates::QUEBEC), Ok(()));
        assert_eq!(back.tenders, vec![online_tender(back.totals.total, Some("Stripe".into()))]);
        assert!(!back.needs_processor_refund());
        // The shipped units stay sold: only the rest can still be returned, and a second cancellation
        // (or a register refund of those units) finds nothing left.
        let left: i64 = crate::sale::returnable(&i.sale, std::slice::from_ref(&back)).iter().map(|r| r.left()).sum();
        let shipped: i64 = parts[0].2.iter().map(|l| i64::from(l.ordered)).sum();
        assert_eq!(left, shipped);
        assert!(u.tender.is_none());
        assert!(update(StoredOrder { state: OrderState::Cancelled, ..stored }, &later, &ret(), 10).is_empty());
        let again = update(StoredOrder { returns: std::slice::from_ref(&back), ..stored }, &later, &ret(), 10).cancel.unwrap();
        assert_eq!((again.return_sale, again.movements), (None, vec![]));
    }

    #[test]
    fn an_unpaid_cancelled_order_is_returned_with_no_refund() {
        let o = order(vec![line("HAT", 2, 1500)], false);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        let mut later = o.clone();
        later.state = PlatformOrderState::Refunded;
        let c = update(stored(&i, &o, &parts), &later, &ret(), 9).cancel.unwrap();
        let back = c.return_sale.unwrap();
        assert_eq!(back.totals.total, Money(-i.total.as_cents()));
        assert!(back.tenders.is_empty());
        assert_eq!(c.movements.iter().map(|m| m.delta).sum::<i64>(), 2);
    }

    #[test]
    fn units_a_register_already_returned_are_not_returned_again_by_a_cancellation() {
        let o = order(vec![line("HAT", 3, 1500)], true);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        let earlier = Sale {
            id: "reg-1".into(),
            lines: crate::sale::plan_return(&i.sale, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap(),
            tenders: vec![online_tender(Money(-1725), Some("Stripe".into()))],
            ..Sale::default()
        };
        let mut later = o.clone();
        later.state = PlatformOrderState::Cancelled;
        let c = update(StoredOrder { returns: std::slice::from_ref(&earlier), ..stored(&i, &o, &parts) }, &later, &ret(), 9).cancel.unwrap();
        let back = c.return_sale.unwrap();
        assert_eq!(back.lines[0].qty, -2);
        assert_eq!(c.movements.iter().map(|m| m.delta).sum::<i64>(), 2);
        assert_eq!(crate::sale::verify_refunds(&back, std::slice::from_ref(&i.sale), std::slice::from_ref(&earlier)), Ok(()));
        // Refunded: what the platform took, less what the register already gave back to it.
        assert_eq!(back.tenders[0].amount, back.totals.total);
    }

    #[test]
    fn an_older_version_changes_nothing() {
        let o = at(&order(vec![line("HAT", 1, 1500)], false), 5_000);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        // The create, replayed or late, after a newer update was applied: not a cancel, not a payment.
        let mut old = at(&o, 1_000);
        old.state = PlatformOrderState::Cancelled;
        old.payment.paid = true;
        let u = update(stored(&i, &o, &parts), &old, &ret(), 9);
        assert!(u.stale && u.cancel.is_none() && u.tender.is_none() && u.sale_note.is_none());
        // The same stamp, or a newer one, applies.
        assert!(update(stored(&i, &o, &parts), &at(&old, 5_000), &ret(), 9).cancel.is_some());
        assert!(update(stored(&i, &o, &parts), &at(&old, 6_000), &ret(), 9).cancel.is_some());
        // Stamps that cannot be compared (none given): applied, as before stamps were kept.
        let undated = IncomingOrder { modified: String::new(), ..old.clone() };
        assert!(update(stored(&i, &o, &parts), &undated, &ret(), 9).cancel.is_some());
    }

    #[test]
    fn an_order_reopened_after_its_cancellation_was_recorded_is_held_for_a_manager() {
        let o = at(&order(vec![line("HAT", 1, 1500)], true), 0);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        let cancelled = IncomingOrder { state: PlatformOrderState::Cancelled, ..at(&o, 1_000) };
        let reopened = at(&o, 2_000);
        let s = StoredOrder { state: OrderState::Cancelled, last: &cancelled, ..stored(&i, &o, &parts) };
        let u = update(s, &reopened, &ret(), 9);
        assert_eq!(u.held.map(|h| h.code).as_deref(), Some("reopened"));
        assert!(u.cancel.is_none() && u.tender.is_none());
        // The late create (older than the cancel) is not a reopening.
        assert!(update(s, &o, &ret(), 9).stale);
        // Still pending payment on the platform: nothing.
        assert!(update(s, &IncomingOrder { state: PlatformOrderState::Pending, ..at(&o, 3_000) }, &ret(), 9).is_empty());
    }

    #[test]
    fn the_first_version_seen_decides_whether_an_order_is_taken() {
        let open = at(&order(vec![line("HAT", 1, 1500)], true), 1_000);
        assert_eq!(first_sight(&open, None), FirstSight::Take);
        let pending = IncomingOrder { state: PlatformOrderState::Pending, ..open.clone() };
        assert!(matches!(first_sight(&pending, None), FirstSight::NotYet(h) if h.code == "not_yet_an_order"));
        assert_eq!(take(&pending).unwrap_err().code, "not_yet_an_order");
        // A cancel before its create: remembered, and the late create does not make the order live.
        let cancelled = IncomingOrder { state: PlatformOrderState::Cancelled, ..at(&open, 2_000) };
        assert!(matches!(first_sight(&cancelled, None), FirstSight::Remember(h) if h.code == "cancelled_before_intake"));
        assert_eq!(first_sight(&open, Some(&cancelled)), FirstSight::Stale);
        // Reopened later on the platform, before the shop ever took it: nothing was undone, so it is taken.
        assert_eq!(first_sight(&at(&open, 3_000), Some(&cancelled)), FirstSight::Take);
        // Undated against the cancel: a manager looks.
        let undated = IncomingOrder { modified: String::new(), ..open.clone() };
        assert!(matches!(first_sight(&undated, Some(&cancelled)), FirstSight::Hold(h) if h.code == "reopened"));
    }

    #[test]
    fn a_changed_platform_note_replaces_its_part_of_the_sale_note_and_keeps_tracking() {
        let o = order(vec![line("HAT", 1, 1500)], true);
        let i = take(&o).unwrap();
        let parts = stored_parts(&i);
        let note = format!("{}\nSuivi / Tracking: 1Z999", i.sale_note);
        let mut later = o.clone();
        later.note = "Laisser chez le voisin".into();
        let new = update(StoredOrder { sale_note: &note, ..stored(&i, &o, &parts) }, &later, &ret(), 1).sale_note.unwrap();
        assert!(new.contains("Laisser chez le voisin") && new.contains("1Z999") && !new.contains("Érables"));
    }

    #[test]
    fn the_z_report_shows_online_payments_on_their_own_line_and_an_unpaid_order_rounds_no_cash() {
        use crate::report::{Period, ReportScope, ZReport};
        let paid = take(&order(vec![line("HAT", 2, 1500)], true)).unwrap().sale;
        let mut unpaid = take(&order(vec![line("SHIRT", 1, 2500)], false)).unwrap().sale;
        unpaid.id = "o-2".into();
        let period = Period { from_ms: 0, to_ms: i64::MAX };
        let z = ZReport::build(ReportScope::Outlet("montreal".into()), period, &[paid.clone(), unpaid], &[], Money::ZERO).unwrap();
        let online = z.tenders.iter().find(|t| t.kind == TenderKind::Online).unwrap();
        assert_eq!((online.count, online.amount), (1, paid.totals.total));
        assert_eq!(z.cash_rounding, Money::ZERO);
        assert_eq!(z.expected_cash, Money::ZERO);
    }

    #[test]
    fn receipts_of_online_orders_never_look_like_a_registers() {
        assert_eq!(online_receipt("MTL1", 42), "MTL1-W-000042");
        assert_ne!(online_receipt("MTL1", 42), crate::sale::receipt_number("MTL1", 0, 42));
    }

    proptest! {
        #[test]
        fn movements_take_exactly_what_was_ordered_and_parts_cover_the_plan(
            shirts in 1u32..40, hats in 0u32..25, shoes in 0u32..25,
            levels in proptest::collection::vec((-3i64..20, -3i64..20, -3i64..20), 1..4),
        ) {
            let mut lines = vec![line("SHIRT", shirts, 2500)];
            if hats > 0 { lines.push(line("HAT", hats, 1500)); }
            if shoes > 0 { lines.push(line("SHOES", shoes, 9000)); }
            let o = order(lines, true);
            let outs: Vec<OnlineOutlet> = levels.iter().enumerate().map(|(k, (s, h, sh))| OnlineOutlet {
                id: format!("o{k}"),
                levels: [("shirt".to_string(), *s), ("hat".to_string(), *h), ("shoes".to_string(), *sh)].into(),
            }).collect();
            let (cat, n) = (catalog(), numbering());
            let i = intake(IntakeInput { order: &o, numbering: &n, catalog: &cat, customer: None, new_customer_id: "x", outlets: &outs, rates: TaxRates::QUEBEC }).unwrap();
            for (pid, want) in [("shirt", shirts), ("hat", hats), ("shoes", shoes)] {
                let moved: i64 = i.movements.iter().filter(|m| m.product_id == pid).map(|m| m.delta).sum();
                prop_assert_eq!(moved, -i64::from(want));
                let in_parts: u32 = i.parts.iter().flat_map(|(_, l)| l).filter(|l| l.product_id == pid).map(|l| l.ordered).sum();
                prop_assert_eq!(in_parts, want);
            }
            // Parts are exactly the plan's outlets (assignments and backorders), each once.
            let mut plan_outlets: Vec<&str> = i.plan.assignments.iter().map(|a| a.outlet.as_str())
                .chain(i.plan.backordered.iter().map(|b| b.outlet.as_str())).collect();
            plan_outlets.sort();
            plan_outlets.dedup();
            let mut part_outlets: Vec<&str> = i.parts.iter().map(|(o, _)| o.as_str()).collect();
            part_outlets.sort();
            prop_assert_eq!(part_outlets, plan_outlets);
            // Every movement is at a part's outlet, and every level follows from the movements.
            for m in &i.movements {
                prop_assert!(i.parts.iter().any(|(o, _)| *o == m.outlet_id));
                prop_assert!(m.validate().is_ok());
            }
            prop_assert_eq!(i.sale.verify(&TaxRates::QUEBEC), Ok(()));
        }

        /// Whatever a bridge reads from a platform (any quantities, prices, totals, texts, dates), the
        /// intake never panics: it answers a sale that verifies, within every range, or a hold.
        #[test]
        fn no_order_makes_the_intake_panic_or_a_sale_out_of_range(
            lines in proptest::collection::vec(("(SHIRT|HAT|SHOES|NOPE|)", 0u32..=20_000, -5i64..=200_000_000), 0..6),
            total in any::<i64>(), shipping in any::<i64>(), created in any::<i64>(),
            name in proptest::option::of(".{0,600}"), email in proptest::option::of("[a-zA-Z@. ]{0,30}"), note in ".{0,50}",
            paid in any::<bool>(), method in ".{0,20}",
        ) {
            let mut o = order(lines.iter().map(|(sku, q, p)| line(sku, *q, *p)).collect(), paid);
            (o.total, o.shipping, o.created_at_ms, o.customer_name, o.email, o.note, o.payment.method) =
                (Money(total), Money(shipping), created, name, email, note, method);
            match take(&o) {
                Ok(i) => {
                    prop_assert_eq!(i.sale.verify(&TaxRates::QUEBEC).is_ok() || i.sale.tenders.is_empty(), true);
                    prop_assert!(limits::check_sale(&i.sale).is_ok());
                    prop_assert!(i.sale_note.len() <= MAX_NOTE_LEN && i.customer_name.len() <= MAX_TEXT_LEN);
                }
                Err(h) => prop_assert!(!h.code.is_empty()),
            }
        }

        #[test]
        fn a_later_delivery_never_makes_a_second_sale_nor_moves_the_same_stock_twice(
            paid_first in any::<bool>(), paid_later in any::<bool>(), cancel in any::<bool>(), note in "[a-z ]{0,12}",
        ) {
            let o = order(vec![line("SHIRT", 3, 2500), line("HAT", 2, 1500)], paid_first);
            let i = take(&o).unwrap();
            let parts = stored_parts(&i);
            let mut later = o.clone();
            later.payment.paid = paid_later;
            later.note = note;
            if cancel { later.state = PlatformOrderState::Cancelled; }
            let stored = stored(&i, &o, &parts);
            let u = update(stored, &later, &ret(), 1);
            // Apply it, then deliver the same again: nothing more.
            let paid = i.paid.checked_add(u.tender.as_ref().map_or(Money::ZERO, |t| t.amount)).unwrap();
            prop_assert!(paid <= i.total);
            let state = if u.cancel.is_some() { OrderState::Cancelled } else { OrderState::Unfulfilled };
            let note = u.sale_note.clone().unwrap_or(i.sale_note.clone());
            let returns: Vec<Sale> = u.cancel.iter().filter_map(|c| c.return_sale.clone()).collect();
            if let Some(c) = &u.cancel {
                // Stock back: exactly the units ordered (nothing was shipped), once.
                prop_assert_eq!(c.movements.iter().map(|m| m.delta).sum::<i64>(), 5);
            }
            let again = update(StoredOrder { state, paid, sale_note: &note, last: &later, returns: &returns, ..stored }, &later, &ret(), 2);
            prop_assert!(again.is_empty(), "{:?}", again);
        }
    }
}
