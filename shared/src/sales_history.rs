//! Sales history (issue 12, item 3): a stored sale as the list shows it and as its details page shows it
//! — lines with their overrides, taxes per rate, tenders and the cash rounding, serial numbers, the
//! returns already made against it and what each line can still give back, the online order it comes
//! from. The figures come from the sale and the shared rules (`sale::returnable`), never recomputed
//! otherwise.

use crate::catalog::Customer;
use crate::money::Money;
use crate::limits::MAX_ID_LEN;
use crate::sale::{plan_return_counted, returnable, PriceOverride, ReturnError, ReturnPick, Sale, SaleLine, TaxLine, Tender};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a sale was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum Channel {
    /// At a register.
    Store,
    /// An online order's sale.
    Online,
}

/// The `status` filter of the history. A sale may be both a return and returned (an exchange).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum SaleStatus {
    /// None of the others.
    Completed,
    /// A return (negative lines referring to the sale they come from).
    Return,
    /// Some of its units came back.
    Returned,
    /// An online order's sale not fully paid (seed 001: paid at pickup, recorded, not charged).
    Unpaid,
}

/// One row of `GET /sales/history`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SaleSummary {
    pub id: String,
    pub receipt: String,
    pub outlet_id: String,
    pub register_id: String,
    /// Empty for sales recorded before staff accounts.
    pub cashier_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// On the register's clock (ms since the Unix epoch): the list's order, newest first.
    pub created_at_ms: i64,
    pub received_at_ms: i64,
    pub total: Money,
    pub lines: u32,
    pub channel: Channel,
    pub is_return: bool,
    pub returned: bool,
    pub unpaid: bool,
}

/// A line's price override, with the line it is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LineOverride {
    /// Index of the line, from 0.
    pub line: usize,
    pub product_id: String,
    pub name: String,
    pub unit_price: Money,
    #[serde(flatten)]
    pub set: PriceOverride,
}

/// A serial number sold (or returned) on a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LineSerial {
    pub line: usize,
    pub product_id: String,
    pub serial: String,
}

/// A return already made against the sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReturnMade {
    pub sale_id: String,
    pub receipt: String,
    pub created_at_ms: i64,
    /// What it paid back (negative).
    pub total: Money,
    /// (line of this sale, units returned).
    pub lines: Vec<(usize, i64)>,
}

/// What a sold line can still give back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReturnableLine {
    pub line: usize,
    pub product_id: String,
    pub name: String,
    pub sold: i64,
    pub returned: i64,
    pub left: i64,
}

/// The online order a sale is (its id is the sale's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OnlineLink {
    pub order_id: String,
    pub connection_id: String,
    /// The platform's order number ("#1001").
    pub number: String,
    /// unfulfilled, fulfilled, cancelled.
    pub status: String,
    pub total: Money,
    pub paid: Money,
    /// The outlets of its parts (an order operation names one of them).
    #[serde(default)]
    pub outlets: Vec<String>,
}

/// A note on the sale: an online order's sale note (customer details, then tracking details).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SaleNotes {
    pub sale_note: String,
    pub tracking: String,
}

/// `GET /sales/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SaleDetails {
    pub summary: SaleSummary,
    /// The whole sale as stored (lines, totals, tenders): what a reprinted receipt prints.
    pub sale: Sale,
    /// One entry per rate (TPS, TVQ), as the sale's totals carry them.
    pub taxes: Vec<TaxLine>,
    pub tenders: Vec<Tender>,
    /// What the tenders paid beyond the total (cash rounded to 0,05 $; negative when rounded down).
    pub cash_rounding: Money,
    pub overrides: Vec<LineOverride>,
    pub serials: Vec<LineSerial>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<SaleNotes>,
    /// Returns made against this sale, oldest first.
    pub returns: Vec<ReturnMade>,
    /// Each sold line and what it can still give back.
    pub returnable: Vec<ReturnableLine>,
    /// For a return: the sales its lines come from.
    pub returns_of: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_order: Option<OnlineLink>,
    /// Notes managers added (`POST /sales/{id}/notes`), oldest first.
    #[serde(default)]
    pub sale_notes: Vec<SaleNote>,
}

/// What the store loaded besides the sale.
pub struct Loaded<'a> {
    pub summary: SaleSummary,
    /// The returns stored against it, any order.
    pub returns: &'a [Sale],
    pub customer: Option<Customer>,
    pub online_order: Option<OnlineLink>,
    pub notes: Option<SaleNotes>,
    /// Any order.
    pub sale_notes: Vec<SaleNote>,
}

/// The details page of `sale`.
pub fn details(sale: &Sale, loaded: Loaded<'_>) -> SaleDetails {
    // Only cash is rounded; an unpaid online order's shortfall is not rounding.
    let paid = sale.tenders.iter().fold(0i64, |a, t| a.saturating_add(t.amount.as_cents()));
    let has_cash = sale.tenders.iter().any(|t| t.kind == crate::sale::TenderKind::Cash);
    let overrides = sale
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            l.price_override.as_ref().map(|o| LineOverride { line: i, product_id: l.product_id.clone(), name: l.name.clone(), unit_price: l.unit_price, set: o.clone() })
        })
        .collect();
    let serials = sale
        .lines
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.serials.iter().map(move |s| LineSerial { line: i, product_id: l.product_id.clone(), serial: s.clone() }))
        .collect();
    let mut returns: Vec<&Sale> = loaded.returns.iter().collect();
    returns.sort_by(|a, b| (a.created_at_ms, &a.id).cmp(&(b.created_at_ms, &b.id)));
    let returns_made = returns
        .iter()
        .map(|r| ReturnMade {
            sale_id: r.id.clone(),
            receipt: r.receipt.clone(),
            created_at_ms: r.created_at_ms,
            total: r.totals.total,
            lines: r
                .lines
                .iter()
                .filter_map(|l| l.return_of.as_ref().filter(|o| o.sale_id == sale.id).map(|o| (o.line, l.qty.saturating_neg())))
                .collect(),
        })
        .collect();
    let returnable = returnable(sale, loaded.returns)
        .into_iter()
        .map(|r| {
            let l = &sale.lines[r.line];
            ReturnableLine { line: r.line, product_id: l.product_id.clone(), name: l.name.clone(), sold: r.sold, returned: r.returned, left: r.left() }
        })
        .collect();
    let mut sale_notes = loaded.sale_notes;
    sale_notes.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
    let mut returns_of: Vec<String> = sale.lines.iter().filter_map(|l| l.return_of.as_ref().map(|o| o.sale_id.clone())).collect();
    returns_of.sort();
    returns_of.dedup();
    SaleDetails {
        summary: loaded.summary,
        sale: sale.clone(),
        taxes: sale.totals.taxes.clone(),
        tenders: sale.tenders.clone(),
        cash_rounding: if has_cash { Money(paid.saturating_sub(sale.totals.total.as_cents())) } else { Money::ZERO },
        overrides,
        serials,
        customer: loaded.customer,
        notes: loaded.notes,
        returns: returns_made,
        returnable,
        returns_of,
        online_order: loaded.online_order,
        sale_notes,
    }
}

impl SaleDetails {
    /// What is still owed on the sale: an online order's due (seed 001: paid at pickup), else the total
    /// less what its tenders paid. Never negative. Nothing owed: no payment can be added.
    pub fn owed(&self) -> Money {
        let due = match &self.online_order {
            Some(o) => o.total.as_cents().saturating_sub(o.paid.as_cents()),
            None => {
                let paid = self.tenders.iter().fold(0i64, |a, t| a.saturating_add(t.amount.as_cents()));
                self.sale.totals.total.as_cents().saturating_sub(paid)
            }
        };
        Money(due.max(0))
    }

    /// The returned lines for `picks` (line of this sale, units): each capped beforehand by what the line
    /// can still give back (`returnable`), refunded exactly as `sale::plan_return` refunds them.
    pub fn plan_return(&self, picks: &[ReturnPick]) -> Result<Vec<SaleLine>, ReturnError> {
        plan_return_from(&self.sale, &self.returnable, picks)
    }
}

/// [`SaleDetails::plan_return`] from the two parts of the details it reads (what the register fetches).
pub fn plan_return_from(sale: &Sale, returnable: &[ReturnableLine], picks: &[ReturnPick]) -> Result<Vec<SaleLine>, ReturnError> {
    let returned: BTreeMap<usize, i64> = returnable.iter().map(|r| (r.line, r.returned)).collect();
    plan_return_counted(sale, returned, picks)
}

/// Who may read the sales history: a device (the register looks a sale up to return it) and managers
/// and admins; a cashier signed in on their own is refused (the back office is for managers). Outlet
/// scoping is the caller's, as everywhere.
pub fn may_browse(caller: &crate::auth::Caller) -> bool {
    caller.device.is_some() || caller.staff.as_ref().is_some_and(|s| s.role >= crate::auth::Role::Manager)
}

/// How many units of `line` a return may take when `asked` are chosen: 0 to what is left.
pub fn cap_pick(returnable: &[ReturnableLine], line: usize, asked: i64) -> i64 {
    let left = returnable.iter().find(|r| r.line == line).map_or(0, |r| r.left);
    asked.clamp(0, left.max(0))
}

/// The query parameter the register reads a return to prepare from (`/?retour=<sale id>&lignes=…`).
pub const RETURN_PARAM: &str = "retour";
/// Its lines: `line:units` pairs, comma separated (`0:1,2:3`).
pub const LINES_PARAM: &str = "lignes";

/// The register's address that prepares the return of `picks` of sale `sale_id` (units of 0 are left out).
pub fn return_link(sale_id: &str, picks: &[ReturnPick]) -> String {
    let lines: Vec<String> = picks.iter().filter(|p| p.qty > 0).map(|p| format!("{}:{}", p.line, p.qty)).collect();
    format!("/?{RETURN_PARAM}={}&{LINES_PARAM}={}", encode(sale_id), lines.join(","))
}

/// `line:units` pairs as [`return_link`] writes them; `None` when any is not one, or none is given.
pub fn parse_picks(text: &str) -> Option<Vec<ReturnPick>> {
    let picks = text
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (line, qty) = p.trim().split_once(':')?;
            let qty: i64 = qty.parse().ok()?;
            (qty > 0 && qty <= crate::limits::MAX_QTY).then_some(ReturnPick { line: line.parse().ok()?, qty })
        })
        .collect::<Option<Vec<_>>>()?;
    (!picks.is_empty()).then_some(picks)
}

/// Percent-encodes everything but unreserved characters (ids are mostly UUIDs).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The longest note, in characters.
pub const MAX_NOTE_LEN: usize = 2000;

/// A note added to a sale in the back office (tracking details, a remark).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SaleNote {
    /// Made by the client when the note is confirmed: sending it again adds nothing.
    pub id: String,
    pub text: String,
    pub staff_id: String,
    pub at_ms: i64,
}

/// The body of `POST /sales/{id}/notes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSaleNote {
    /// The client's id for this note (1 to 64 characters): a double click or a retry adds it once.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 64)))]
    pub id: String,
    /// 1 to 2000 characters (trimmed).
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 2000)))]
    pub text: String,
}

/// Why a note is not added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteRefusal {
    #[error("a note's id is 1 to {MAX_ID_LEN} characters")]
    BadId,
    #[error("the note is empty")]
    Empty,
    #[error("a note holds at most {MAX_NOTE_LEN} characters")]
    TooLong,
    #[error("note id '{0}' was already used for another note")]
    IdReused(String),
}

impl NoteRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            NoteRefusal::BadId => "bad_note_id",
            NoteRefusal::Empty => "empty_note",
            NoteRefusal::TooLong => "note_too_long",
            NoteRefusal::IdReused(_) => "note_id_reused",
        }
    }
}

/// What to do with a note, given the note already on file under its id, if any (with its sale).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteDecision {
    /// Add it, with this (trimmed) text.
    Add(String),
    /// Already added (the same sale, the same text): nothing more.
    Duplicate,
}

/// The decision on `note` for sale `sale_id`: checked (id, text), then against what is on file under
/// its id — the same note again is a duplicate, another note under that id a refusal.
pub fn decide_note(sale_id: &str, note: &NewSaleNote, existing: Option<(&str, &SaleNote)>) -> Result<NoteDecision, NoteRefusal> {
    if note.id.is_empty() || note.id.chars().count() > MAX_ID_LEN {
        return Err(NoteRefusal::BadId);
    }
    let text = note.text.trim();
    if text.is_empty() {
        return Err(NoteRefusal::Empty);
    }
    if text.chars().count() > MAX_NOTE_LEN {
        return Err(NoteRefusal::TooLong);
    }
    match existing {
        None => Ok(NoteDecision::Add(text.to_owned())),
        Some((sale, n)) if sale == sale_id && n.text == text => Ok(NoteDecision::Duplicate),
        Some(_) => Err(NoteRefusal::IdReused(note.id.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::{plan_return, Cart, SaleHeader, TenderKind};
    use crate::tax::{TaxClass, TaxRates};

    fn sale(id: &str, items: &[(&str, i64, i64)]) -> Sale {
        let mut cart = Cart::default();
        for (p, price, qty) in items {
            let i = cart.add(&product(p, *price, TaxClass::Taxable));
            cart.set_qty(i, *qty);
        }
        let total = cart.totals(&TaxRates::QUEBEC).unwrap().total;
        let h = SaleHeader { id: id.into(), seq: 1, created_at_ms: 100, ..SaleHeader::default() };
        Sale::from_cart(h, &cart, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Card, total)]).unwrap()
    }

    fn summary(s: &Sale) -> SaleSummary {
        SaleSummary {
            id: s.id.clone(),
            receipt: s.receipt.clone(),
            outlet_id: "mtl".into(),
            register_id: "r1".into(),
            cashier_id: String::new(),
            customer_id: None,
            created_at_ms: s.created_at_ms,
            received_at_ms: s.created_at_ms,
            total: s.totals.total,
            lines: 1,
            channel: Channel::Store,
            is_return: false,
            returned: false,
            unpaid: false,
        }
    }

    fn loaded<'a>(s: &Sale, returns: &'a [Sale]) -> Loaded<'a> {
        Loaded { summary: summary(s), returns, customer: None, online_order: None, notes: None, sale_notes: vec![] }
    }

    #[test]
    fn a_return_planned_from_the_details_refunds_what_plan_return_refunds_after_earlier_returns() {
        let original = sale("s1", &[("socks", 333, 3), ("hat", 1500, 1)]);
        let first = plan_return(&original, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap();
        let mut back = Cart::default();
        back.add_returns(first);
        let total = back.totals(&TaxRates::QUEBEC).unwrap().total;
        let h = SaleHeader { id: "s2".into(), seq: 2, created_at_ms: 200, ..SaleHeader::default() };
        let earlier = vec![Sale::from_cart(h, &back, &TaxRates::QUEBEC, vec![Tender::exact(TenderKind::Card, total)]).unwrap()];
        let d = details(&original, loaded(&original, &earlier));
        assert_eq!((d.returnable[0].left, d.returnable[1].left), (2, 1));
        let picks = [ReturnPick { line: 0, qty: 2 }, ReturnPick { line: 1, qty: 1 }];
        assert_eq!(d.plan_return(&picks).unwrap(), plan_return(&original, &earlier, &picks).unwrap());
        assert!(matches!(d.plan_return(&[ReturnPick { line: 0, qty: 3 }]), Err(ReturnError::TooMany { left: 2, .. })));
        assert_eq!(cap_pick(&d.returnable, 0, 5), 2);
        assert_eq!(cap_pick(&d.returnable, 0, -1), 0);
        assert_eq!(cap_pick(&d.returnable, 9, 1), 0);
    }

    #[test]
    fn a_cashier_signed_in_alone_may_not_browse_the_history_but_a_device_and_a_manager_may() {
        use crate::auth::{Caller, DeviceCaller, Role, StaffCaller};
        let staff = |role| Some(StaffCaller { id: "x".into(), role, outlets: vec!["mtl".into()] });
        let device = Some(DeviceCaller { id: "d".into(), number: 1, register_id: "r".into(), outlet_id: "mtl".into(), cashier: Some("julie".into()) });
        assert!(!may_browse(&Caller { staff: staff(Role::Cashier), device: None }));
        assert!(may_browse(&Caller { staff: staff(Role::Manager), device: None }));
        assert!(may_browse(&Caller { staff: staff(Role::Cashier), device }));
        assert!(!may_browse(&Caller { staff: None, device: None }));
    }

    #[test]
    fn a_paid_store_sale_owes_nothing_and_an_unpaid_online_order_owes_its_due() {
        let s = sale("s1", &[("hat", 1500, 1)]);
        let mut d = details(&s, loaded(&s, &[]));
        assert_eq!(d.owed(), Money::ZERO);
        d.online_order = Some(OnlineLink {
            order_id: "s1".into(),
            connection_id: "c".into(),
            number: "#1".into(),
            status: "unfulfilled".into(),
            total: Money(10_000),
            paid: Money(4_000),
            outlets: vec!["mtl".into()],
        });
        assert_eq!(d.owed(), Money(6_000));
    }

    #[test]
    fn the_return_link_carries_the_sale_and_its_picks_and_reads_back() {
        let link = return_link("a b/1", &[ReturnPick { line: 0, qty: 1 }, ReturnPick { line: 3, qty: 0 }, ReturnPick { line: 2, qty: 4 }]);
        assert_eq!(link, "/?retour=a%20b%2F1&lignes=0:1,2:4");
        assert_eq!(parse_picks("0:1,2:4"), Some(vec![ReturnPick { line: 0, qty: 1 }, ReturnPick { line: 2, qty: 4 }]));
        for bad in ["", "0", "0:0", "x:1", "0:-1", "0:1,oops", "0:100000"] {
            assert_eq!(parse_picks(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_note_is_added_once_by_its_id_and_an_id_cannot_be_reused_for_another_note() {
        let n = NewSaleNote { id: "n1".into(), text: "  Suivi : 1Z999  ".into() };
        assert_eq!(decide_note("s1", &n, None), Ok(NoteDecision::Add("Suivi : 1Z999".into())));
        let on_file = SaleNote { id: "n1".into(), text: "Suivi : 1Z999".into(), staff_id: "m".into(), at_ms: 1 };
        assert_eq!(decide_note("s1", &n, Some(("s1", &on_file))), Ok(NoteDecision::Duplicate));
        assert_eq!(decide_note("s2", &n, Some(("s1", &on_file))), Err(NoteRefusal::IdReused("n1".into())));
        let other = NewSaleNote { text: "autre".into(), ..n.clone() };
        assert_eq!(decide_note("s1", &other, Some(("s1", &on_file))).unwrap_err().code(), "note_id_reused");
        assert_eq!(decide_note("s1", &NewSaleNote { text: "   ".into(), ..n.clone() }, None), Err(NoteRefusal::Empty));
        assert_eq!(decide_note("s1", &NewSaleNote { text: "é".repeat(MAX_NOTE_LEN + 1), ..n.clone() }, None), Err(NoteRefusal::TooLong));
        assert_eq!(decide_note("s1", &NewSaleNote { id: String::new(), ..n }, None), Err(NoteRefusal::BadId));
    }
}
