//! Sales history (issue 12, item 3): a stored sale as the list shows it and as its details page shows it
//! — lines with their overrides, taxes per rate, tenders and the cash rounding, serial numbers, the
//! returns already made against it and what each line can still give back, the online order it comes
//! from. The figures come from the sale and the shared rules (`sale::returnable`), never recomputed
//! otherwise.

use crate::catalog::Customer;
use crate::money::Money;
use crate::sale::{returnable, PriceOverride, Sale, TaxLine, Tender};
use serde::{Deserialize, Serialize};

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
}

/// What the store loaded besides the sale.
pub struct Loaded<'a> {
    pub summary: SaleSummary,
    /// The returns stored against it, any order.
    pub returns: &'a [Sale],
    pub customer: Option<Customer>,
    pub online_order: Option<OnlineLink>,
    pub notes: Option<SaleNotes>,
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
    }
}
