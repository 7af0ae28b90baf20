//! The end-of-day (Z) report, per register or per outlet, and the periods reports cover.
//!
//! Every figure is a sum over the day's sales, so the report equals them to the cent:
//! `gross − discounts + returns + Σ taxes = total`, and the tenders add up to the total, plus the
//! payments on account, plus the cash rounding.

use crate::account::AccountPayment;
use crate::money::{Money, Overflow};
use crate::sale::{line_nets, Sale, TaxLine, TenderKind};
use crate::tax::TaxCode;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// `[from_ms, to_ms)`, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Period {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Day and month boundaries come from the IANA time-zone database through jiff: the outlet's zone
/// (`Outlet::time_zone`) decides when its day starts, daylight-saving changes included. The caller
/// (the server) looks the zone up; this module stays pure.
impl Period {
    pub fn contains(&self, at_ms: i64) -> bool {
        self.from_ms <= at_ms && at_ms < self.to_ms
    }

    /// One local day in `tz`: from its first instant to the next day's (23 or 25 hours when the
    /// clocks change). `None` at the end of the calendar.
    pub fn day(date: Date, tz: &TimeZone) -> Option<Period> {
        Some(Period { from_ms: start_of(date, tz)?, to_ms: start_of(date.tomorrow().ok()?, tz)? })
    }

    /// One local month in `tz`, for a month-end statement. `None` for a month that does not exist.
    pub fn month(year: i16, month: i8, tz: &TimeZone) -> Option<Period> {
        let first = Date::new(year, month, 1).ok()?;
        let next = first.checked_add(jiff::Span::new().months(1)).ok()?;
        Some(Period { from_ms: start_of(first, tz)?, to_ms: start_of(next, tz)? })
    }
}

/// The first instant of `date` in `tz` (midnight, or the first time that exists when midnight is
/// skipped by a clock change), in ms since the epoch.
fn start_of(date: Date, tz: &TimeZone) -> Option<i64> {
    Some(date.to_zoned(tz.clone()).ok()?.start_of_day().ok()?.timestamp().as_millisecond())
}

/// Which sales a report covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum ReportScope {
    Register(String),
    Outlet(String),
}

impl ReportScope {
    fn covers(&self, register_id: &str, outlet_id: &str) -> bool {
        match self {
            ReportScope::Register(id) => id == register_id,
            ReportScope::Outlet(id) => id == outlet_id,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TenderTotal {
    pub kind: TenderKind,
    /// How many tenders of this kind.
    pub count: u64,
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ZReport {
    pub scope: ReportScope,
    pub period: Period,
    pub sale_count: u64,
    /// Sales with at least one returned item (returns alone and exchanges).
    pub return_count: u64,
    /// Sold items' price × quantity.
    pub gross: Money,
    /// Taken off sold items: line discounts and sale discounts.
    pub discounts: Money,
    /// Refunded for returned items, after their discounts, before tax (negative).
    pub returns: Money,
    /// Lines sold at a price other than the catalog's (each with who, when and why in the sale).
    #[serde(default)]
    pub override_count: u64,
    /// What those overrides changed: (price charged − catalog price) × quantity, summed (negative when
    /// prices were lowered).
    #[serde(default)]
    pub overrides: Money,
    /// Each tax, TPS then TVQ (bases and amounts summed over the sales).
    pub taxes: Vec<TaxLine>,
    /// The sum of the sales' totals.
    pub total: Money,
    /// Every kind, cash first, sales and payments on account together.
    pub tenders: Vec<TenderTotal>,
    /// What rounding cash to 0,05 $ added (negative: took off).
    pub cash_rounding: Money,
    pub account_payment_count: u64,
    pub account_payments: Money,
    pub opening_float: Money,
    /// Opening float plus every cash tender (after change).
    pub expected_cash: Money,
    /// The drawer counts recorded for this scope and day, newest first (filled by the server, which
    /// keeps them; `build` leaves it empty).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = 1000)))]
    pub counts: Vec<RecordedCount>,
}

impl ZReport {
    /// The report of `scope` for `period`; sales and payments outside them are ignored.
    pub fn build(
        scope: ReportScope,
        period: Period,
        sales: &[Sale],
        payments: &[AccountPayment],
        opening_float: Money,
    ) -> Result<ZReport, Overflow> {
        let mut r = ZReport {
            taxes: TaxCode::ALL.iter().map(|&code| TaxLine { code, base: Money::ZERO, amount: Money::ZERO }).collect(),
            tenders: TenderKind::ALL.iter().map(|&kind| TenderTotal { kind, count: 0, amount: Money::ZERO }).collect(),
            scope: scope.clone(),
            period,
            sale_count: 0,
            return_count: 0,
            override_count: 0,
            overrides: Money::ZERO,
            gross: Money::ZERO,
            discounts: Money::ZERO,
            returns: Money::ZERO,
            total: Money::ZERO,
            cash_rounding: Money::ZERO,
            account_payment_count: 0,
            account_payments: Money::ZERO,
            opening_float,
            expected_cash: opening_float,
            counts: Vec::new(),
        };
        let add = |a: &mut Money, b: Money| -> Result<(), Overflow> {
            *a = a.checked_add(b)?;
            Ok(())
        };
        for sale in
            sales.iter().filter(|s| scope.covers(&s.register_id, &s.outlet_id) && period.contains(s.created_at_ms))
        {
            r.sale_count += 1;
            r.return_count += u64::from(sale.lines.iter().any(|l| l.qty < 0));
            let (nets, _) = line_nets(&sale.lines, &sale.totals.discount_rules())?;
            for (l, n) in sale.lines.iter().zip(&nets) {
                if let Some(o) = &l.price_override {
                    r.override_count += 1;
                    add(&mut r.overrides, l.unit_price.checked_sub(o.catalog_price)?.checked_mul(l.qty)?)?;
                }
                if l.qty > 0 {
                    add(&mut r.gross, n.gross)?;
                    add(&mut r.discounts, n.gross.checked_sub(n.net)?)?;
                } else {
                    add(&mut r.returns, n.net)?;
                }
            }
            for t in &sale.totals.taxes {
                if let Some(x) = r.taxes.iter_mut().find(|x| x.code == t.code) {
                    add(&mut x.base, t.base)?;
                    add(&mut x.amount, t.amount)?;
                }
            }
            add(&mut r.total, sale.totals.total)?;
            let paid = r.take_tenders(&sale.tenders)?;
            // Only cash is rounded; an online order's sale may still be unpaid (no tender yet).
            if sale.tenders.iter().any(|t| t.kind == TenderKind::Cash) {
                add(&mut r.cash_rounding, paid.checked_sub(sale.totals.total)?)?;
            }
        }
        for p in
            payments.iter().filter(|p| scope.covers(&p.register_id, &p.outlet_id) && period.contains(p.created_at_ms))
        {
            r.account_payment_count += 1;
            add(&mut r.account_payments, p.amount)?;
            let paid = r.take_tenders(&p.tenders)?;
            add(&mut r.cash_rounding, paid.checked_sub(p.amount)?)?;
        }
        Ok(r)
    }

    /// Adds tenders to the totals by kind and to the drawer; returns what they paid.
    fn take_tenders(&mut self, tenders: &[crate::sale::Tender]) -> Result<Money, Overflow> {
        let mut paid = Money::ZERO;
        for t in tenders {
            if let Some(x) = self.tenders.iter_mut().find(|x| x.kind == t.kind) {
                x.count += 1;
                x.amount = x.amount.checked_add(t.amount)?;
            }
            if t.kind == TenderKind::Cash {
                self.expected_cash = self.expected_cash.checked_add(t.amount)?;
            }
            paid = paid.checked_add(t.amount)?;
        }
        Ok(paid)
    }

    pub fn tender(&self, kind: TenderKind) -> Money {
        self.tenders.iter().find(|t| t.kind == kind).map_or(Money::ZERO, |t| t.amount)
    }

    pub fn tax(&self, code: TaxCode) -> Money {
        self.taxes.iter().find(|t| t.code == code).map_or(Money::ZERO, |t| t.amount)
    }

    /// The report's own arithmetic: its parts make its total, and the tenders pay it.
    pub fn reconciles(&self) -> bool {
        let parts = (|| {
            let taxes = Money::sum(self.taxes.iter().map(|t| t.amount))?;
            self.gross.checked_sub(self.discounts)?.checked_add(self.returns)?.checked_add(taxes)
        })();
        let tendered = Money::sum(self.tenders.iter().map(|t| t.amount));
        let owed = (|| self.total.checked_add(self.account_payments)?.checked_add(self.cash_rounding))();
        let drawer = self.opening_float.checked_add(self.tender(TenderKind::Cash));
        parts == Ok(self.total) && tendered.is_ok() && tendered == owed && drawer == Ok(self.expected_cash)
    }
}

/// Cash counted in the drawer against the report's expected cash: even, over (more than expected) or
/// short, by how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "amount", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum CashCount {
    Even,
    Over(Money),
    Short(Money),
}

impl CashCount {
    /// Counted minus expected (negative when short).
    pub fn difference(self) -> Money {
        match self {
            CashCount::Even => Money::ZERO,
            CashCount::Over(m) => m,
            CashCount::Short(m) => Money(-m.0),
        }
    }
}

/// The over/short of a drawer: `counted − expected`, checked.
pub fn cash_count(expected: Money, counted: Money) -> Result<CashCount, Overflow> {
    let d = counted.checked_sub(expected)?;
    Ok(match d.0 {
        0 => CashCount::Even,
        n if n > 0 => CashCount::Over(d),
        _ => CashCount::Short(Money(0).checked_sub(d)?),
    })
}

/// `POST /reports/z/count` (issue 12 item 5): the cash counted in the drawer at the end of a day, for
/// a register or an outlet (exactly one), read against the day's report with this opening float.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CountRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub register: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub outlet: Option<String>,
    /// The local day in the outlet's time zone, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schemars(length(min = 10, max = 10)))]
    pub date: String,
    #[serde(default)]
    pub opening_float: Money,
    pub counted: Money,
}

/// A drawer count as recorded: the cash the day's report expected when it was counted, the count,
/// their difference, who counted and when. A later count of the same day is recorded beside it,
/// never over it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct RecordedCount {
    pub scope: ReportScope,
    #[cfg_attr(feature = "openapi", schemars(length(min = 10, max = 10)))]
    pub date: String,
    pub opening_float: Money,
    pub expected: Money,
    pub counted: Money,
    /// Counted minus expected: negative when the drawer is short.
    pub difference: Money,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub counted_by: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub at_ms: i64,
}

impl RecordedCount {
    /// `counted` against `report` (the day of `date`), by `counted_by` at `at_ms`.
    pub fn of(report: &ZReport, date: &str, counted: Money, counted_by: &str, at_ms: i64) -> Result<RecordedCount, Overflow> {
        let difference = cash_count(report.expected_cash, counted)?.difference();
        Ok(RecordedCount {
            scope: report.scope.clone(),
            date: date.to_string(),
            opening_float: report.opening_float,
            expected: report.expected_cash,
            counted,
            difference,
            counted_by: counted_by.to_string(),
            at_ms,
        })
    }

    /// Over, short or even, as the report words it.
    pub fn outcome(&self) -> Result<CashCount, Overflow> {
        cash_count(self.expected, self.counted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::{
        plan_return, refund_tenders, settle_cash, Cart, Discount, RefundMethod, ReturnPick, SaleHeader, SaleLine,
        Tender,
    };
    use crate::tax::{TaxClass, TaxRates};
    use proptest::prelude::*;

    const Q: TaxRates = TaxRates::QUEBEC;
    const DAY_MS: i64 = 86_400_000;

    fn header(register: &str, seq: u64, at: i64) -> SaleHeader {
        SaleHeader {
            id: format!("{register}-{seq}"),
            device_id: "d1".into(),
            register_id: register.into(),
            outlet_id: if register == "web" { "o2".into() } else { "o1".into() },
            seq,
            receipt: format!("{register}-{seq:06}"),
            created_at_ms: at,
            cashier_id: String::new(),
        }
    }

    fn montreal() -> TimeZone {
        TimeZone::get("America/Toronto").unwrap()
    }

    #[test]
    fn a_montreal_day_is_24_hours_except_when_the_clocks_change() {
        let h = |p: Period| (p.to_ms - p.from_ms) / 3_600_000;
        let day = |y, m, d| Period::day(Date::new(y, m, d).unwrap(), &montreal()).unwrap();
        assert_eq!(h(day(2026, 11, 23)), 24);
        assert_eq!(h(day(2026, 3, 8)), 23, "spring forward: second Sunday of March 2026");
        assert_eq!(h(day(2026, 11, 1)), 25, "fall back: first Sunday of November 2026");
        // 2025-03-01 00:00 EST = 05:00 UTC.
        assert_eq!(day(2025, 3, 1).from_ms, 1_740_805_200_000);
        let d = day(2025, 3, 1);
        assert!(d.contains(d.from_ms) && !d.contains(d.to_ms));
        assert_eq!(Period::day(Date::MAX, &montreal()), None, "the last day has no end");
    }

    #[test]
    fn a_month_runs_from_its_first_midnight_to_the_next_months() {
        let march = Period::month(2025, 3, &montreal()).unwrap();
        assert_eq!(march.to_ms - march.from_ms, 31 * DAY_MS - 3_600_000);
        let december = Period::month(2025, 12, &montreal()).unwrap();
        assert_eq!(december.to_ms, Period::day(Date::new(2026, 1, 1).unwrap(), &montreal()).unwrap().from_ms);
        assert_eq!(Period::month(2025, 13, &montreal()), None);
        // Another outlet's zone gives its own boundaries: Vancouver's day starts three hours later.
        let van = Period::day(Date::new(2025, 3, 1).unwrap(), &TimeZone::get("America/Vancouver").unwrap()).unwrap();
        assert_eq!(van.from_ms - Period::day(Date::new(2025, 3, 1).unwrap(), &montreal()).unwrap().from_ms, 3 * 3_600_000);
    }

    #[test]
    fn counted_cash_is_even_over_or_short_of_the_expected_cash() {
        assert_eq!(cash_count(Money(21_000), Money(21_000)), Ok(CashCount::Even));
        assert_eq!(cash_count(Money(21_000), Money(21_250)), Ok(CashCount::Over(Money(250))));
        assert_eq!(cash_count(Money(21_000), Money(20_995)), Ok(CashCount::Short(Money(5))));
        assert_eq!(cash_count(Money(21_000), Money(20_995)).unwrap().difference(), Money(-5));
        assert_eq!(cash_count(Money(-5), Money(0)), Ok(CashCount::Over(Money(5))), "a negative drawer (refunds beyond the float)");
        assert!(cash_count(Money(i64::MIN), Money(i64::MAX)).is_err());
        assert!(cash_count(Money(1), Money(i64::MIN)).is_err(), "no overflow hidden by the sign");
    }

    #[test]
    fn a_recorded_count_keeps_what_the_report_expected_when_it_was_counted() {
        let day = Period { from_ms: 0, to_ms: DAY_MS };
        let report = ZReport::build(ReportScope::Register("mtl-1".into()), day, &[], &[], Money(20_000)).unwrap();
        let c = RecordedCount::of(&report, "2026-12-03", Money(19_950), "gerante", 5).unwrap();
        assert_eq!((c.expected, c.counted, c.difference), (Money(20_000), Money(19_950), Money(-50)));
        assert_eq!((c.opening_float, c.scope.clone(), c.counted_by.as_str()), (Money(20_000), ReportScope::Register("mtl-1".into()), "gerante"));
        assert_eq!(c.outcome(), Ok(CashCount::Short(Money(50))));
        assert!(RecordedCount::of(&report, "2026-12-03", Money(i64::MIN), "gerante", 5).is_err());
    }

    #[test]
    fn price_overrides_are_counted_with_what_they_changed() {
        let day = Period { from_ms: 0, to_ms: DAY_MS };
        let mut c = Cart::default();
        c.add(&product("shoes", 8999, TaxClass::Taxable));
        c.add(&product("shoes", 8999, TaxClass::Taxable));
        c.lines[0].unit_price = Money(7999);
        c.lines[0].price_override = Some(crate::sale::PriceOverride {
            catalog_price: Money(8999),
            by: "Julie".into(),
            at_ms: 5,
            reason: "display model".into(),
        });
        let t = c.totals(&Q).unwrap().total;
        let s = Sale::from_cart(header("r1", 1, 10), &c, &Q, vec![Tender::exact(TenderKind::Card, t)]).unwrap();
        let z = ZReport::build(ReportScope::Register("r1".into()), day, &[s], &[], Money::ZERO).unwrap();
        assert_eq!((z.override_count, z.overrides), (1, Money(-2000)));
        assert!(z.reconciles());
    }

    #[test]
    fn a_day_of_sales_returns_and_a_payment_on_account() {
        let day = Period { from_ms: 0, to_ms: DAY_MS };
        // Sale 1: shirt with 10 % off, cash.
        let mut c = Cart::default();
        c.add(&product("shirt", 2999, TaxClass::Taxable));
        c.set_line_discount(0, Some(Discount::percent(1000))).unwrap();
        let t = c.totals(&Q).unwrap().total;
        let s1 =
            Sale::from_cart(header("r1", 1, 10), &c, &Q, vec![settle_cash(t, Money(5000)).unwrap().tender()]).unwrap();
        // Sale 2: the shirt comes back, refunded in cash.
        let mut c2 = Cart::default();
        c2.add_returns(plan_return(&s1, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap());
        let t2 = c2.totals(&Q).unwrap().total;
        let s2 = Sale::from_cart(header("r1", 2, 20), &c2, &Q, refund_tenders(t2, RefundMethod::Cash, None).unwrap())
            .unwrap();
        // Sale 3 on another register, by card; sale 4 yesterday.
        let mut c3 = Cart::default();
        c3.add(&product("hat", 1500, TaxClass::Taxable));
        let t3 = c3.totals(&Q).unwrap().total;
        let s3 = Sale::from_cart(header("r2", 1, 30), &c3, &Q, vec![Tender::exact(TenderKind::Card, t3)]).unwrap();
        let s4 = Sale::from_cart(header("r1", 3, -5), &c3, &Q, vec![Tender::exact(TenderKind::Card, t3)]).unwrap();
        let pay = AccountPayment {
            register_id: "r1".into(),
            outlet_id: "o1".into(),
            created_at_ms: 40,
            amount: Money(1001),
            tenders: vec![settle_cash(Money(1001), Money(1001)).unwrap().tender()],
            ..AccountPayment::default()
        };
        let sales = [s1.clone(), s2.clone(), s3.clone(), s4];
        let z =
            ZReport::build(ReportScope::Register("r1".into()), day, &sales, std::slice::from_ref(&pay), Money(20_000))
                .unwrap();
        assert_eq!(z.sale_count, 2);
        assert_eq!(z.return_count, 1);
        assert_eq!(z.gross, Money(2999));
        assert_eq!(z.discounts, Money(300));
        assert_eq!(z.returns, Money(-2699));
        assert_eq!(z.total, Money(0));
        assert_eq!(z.tax(TaxCode::Gst), Money(0));
        // Cash: 31,05 $ in (31,03 rounded), 31,05 $ out, 10,00 $ for 10,01 $ on account.
        assert_eq!(z.tender(TenderKind::Cash), Money(1000));
        assert_eq!(z.cash_rounding, Money(-1));
        assert_eq!(z.expected_cash, Money(21_000));
        assert!(z.reconciles());

        let outlet = ZReport::build(ReportScope::Outlet("o1".into()), day, &sales, &[pay], Money(0)).unwrap();
        assert_eq!(outlet.sale_count, 3);
        assert_eq!(outlet.total, s3.totals.total);
        assert_eq!(outlet.tender(TenderKind::Card), s3.totals.total);
        assert!(outlet.reconciles());
    }

    fn arb_cart() -> impl Strategy<Value = (Cart, u8)> {
        let line = (1i64..50_000, 1i64..6, 0u8..4, prop::option::of(0u32..=10_000));
        (prop::collection::vec(line, 1..6), prop::option::of(0u32..=5_000), 0u8..4).prop_map(|(lines, sale_bp, pay)| {
            let mut cart = Cart::default();
            for (i, (price, qty, class, bp)) in lines.into_iter().enumerate() {
                let class =
                    [TaxClass::Taxable, TaxClass::GstOnly, TaxClass::ZeroRated, TaxClass::Exempt][class as usize];
                cart.lines.push(SaleLine {
                    qty,
                    discount: bp.map(Discount::percent),
                    ..SaleLine::of(&product(&format!("p{i}"), price, class), qty)
                });
            }
            if let Some(bp) = sale_bp {
                cart.add_discount(Discount::percent(bp)).unwrap();
            }
            (cart, pay)
        })
    }

    proptest! {
        #[test]
        fn a_random_days_z_report_reconciles_with_its_sales(
            carts in prop::collection::vec((arb_cart(), 0usize..3, 0i64..DAY_MS + 1000), 1..12),
            returns in prop::collection::vec((0usize..12, 0usize..6, 1i64..6, 0u8..3), 0..6),
        ) {
            let mut sales: Vec<Sale> = Vec::new();
            for (seq, ((cart, pay), reg, at)) in carts.iter().enumerate() {
                let total = cart.totals(&Q).unwrap().total;
                let tenders = match pay {
                    0 => vec![settle_cash(total, Money(total.0 + 10_000)).unwrap().tender()],
                    1 => vec![Tender::exact(TenderKind::Card, total)],
                    2 => {
                        let card = Tender::exact(TenderKind::Card, Money(total.0 / 2));
                        vec![card.clone(), settle_cash(Money(total.0 - card.amount.0), Money(total.0)).unwrap().tender()]
                    }
                    _ => vec![Tender::exact(TenderKind::Account, total)],
                };
                let cart = Cart { customer_id: Some("c1".into()), ..cart.clone() };
                let h = header(["r1", "r2", "web"][*reg], seq as u64 + 1, *at);
                sales.push(Sale::from_cart(h, &cart, &Q, tenders).unwrap());
            }
            for (n, (which, line, qty, how)) in returns.into_iter().enumerate() {
                let original = sales[which % sales.len()].clone();
                let Ok(lines) = plan_return(&original, &sales, &[ReturnPick { line: line % original.lines.len(), qty }]) else { continue };
                let mut cart = Cart { customer_id: Some("c1".into()), ..Cart::default() };
                cart.add_returns(lines);
                let total = cart.totals(&Q).unwrap().total;
                let method = [RefundMethod::Cash, RefundMethod::OriginalTender, RefundMethod::StoreCredit][how as usize];
                let tenders = refund_tenders(total, method, Some(&original)).unwrap();
                sales.push(Sale::from_cart(header("r1", 100 + n as u64, 500), &cart, &Q, tenders).unwrap());
            }
            let day = Period { from_ms: 0, to_ms: DAY_MS };
            for scope in [ReportScope::Register("r1".into()), ReportScope::Outlet("o1".into()), ReportScope::Outlet("o2".into())] {
                let z = ZReport::build(scope.clone(), day, &sales, &[], Money(10_000)).unwrap();
                prop_assert!(z.reconciles());
                let mine: Vec<&Sale> = sales.iter().filter(|s| scope.covers(&s.register_id, &s.outlet_id) && day.contains(s.created_at_ms)).collect();
                prop_assert_eq!(z.sale_count as usize, mine.len());
                prop_assert_eq!(z.total.0, mine.iter().map(|s| s.totals.total.0).sum::<i64>());
                for code in TaxCode::ALL {
                    prop_assert_eq!(z.tax(code).0, mine.iter().map(|s| s.totals.tax(code).0).sum::<i64>());
                }
                let cash: i64 = mine.iter().flat_map(|s| &s.tenders).filter(|t| t.kind == TenderKind::Cash).map(|t| t.amount.0).sum();
                prop_assert_eq!(z.expected_cash.0, 10_000 + cash);
                prop_assert!(z.cash_rounding.0.abs() <= 2 * mine.len() as i64);
            }
        }
    }
}
