//! Returns ("reprise d'article", seed 003): a returned item is a line with a negative quantity, in a
//! sale of its own or beside new items (an exchange).
//!
//! Without a receipt a returned line is priced and taxed like any line, at the price typed.
//! With one, it refers to the original sale's line ([`ReturnOf`]) and refunds exactly what that sale
//! charged for those units — price, discounts and each tax. The rule:
//!
//! * the original line's net (after its own discount and its share of the sale's discounts) and its
//!   share of each tax come from [`super::price_sale`]'s attribution of that sale's recorded taxes;
//! * returning units `r+1 ..= r+k` of a line of `n` units, when `r` were already returned, refunds
//!   `f(r+k) − f(r)` of each figure, where `f(c) = figure × c / n` rounded half-up to the cent.
//!
//! `f(0) = 0` and `f(n)` is the whole figure, so successive partial returns of every unit add up to
//! the line exactly, and the lines to the sale's total.

use super::{pricing, settle_cash, Sale, SaleError, SaleLine, TaxLine, Tender, TenderKind};
use crate::money::{Money, Overflow};
use crate::tax::TaxCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a returned line refers to, and what it refunds (negative amounts).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReturnOf {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub sale_id: String,
    /// The original receipt number, for the return receipt.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub receipt: String,
    /// Index of the line in the original sale, from 0.
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_LINES)))]
    pub line: usize,
    /// The refunded price after discounts, before taxes.
    pub net: Money,
    /// The refunded share of each tax, TPS then TVQ.
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub taxes: Vec<TaxLine>,
}

impl ReturnOf {
    pub fn tax(&self, code: TaxCode) -> Money {
        self.taxes.iter().filter(|t| t.code == code).fold(Money::ZERO, |a, t| Money(a.0.saturating_add(t.amount.0)))
    }

    /// A returned line gives back at most what its units cost before discounts, and no tax is owed on it.
    pub(crate) fn check_shape(&self, qty: i64, gross: Money) -> Result<(), ReturnError> {
        if qty >= 0 {
            return Err(ReturnError::NotNegative);
        }
        if self.net.is_positive() || self.net < gross {
            return Err(ReturnError::RefundsTooMuch { refund: self.net, price: gross });
        }
        if self.taxes.iter().any(|t| t.amount.is_positive()) {
            return Err(ReturnError::TaxOwed);
        }
        Ok(())
    }
}

/// `qty` units (a positive count) of line `line` (from 0) of the original sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPick {
    pub line: usize,
    pub qty: i64,
}

/// How many units of a line of a sale can still come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Returnable {
    /// Index of the line in the original sale, from 0.
    pub line: usize,
    pub sold: i64,
    pub returned: i64,
}

impl Returnable {
    pub fn left(&self) -> i64 {
        self.sold.saturating_sub(self.returned).max(0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReturnError {
    #[error("the original sale has no line {line}")]
    NoSuchLine { line: usize },
    #[error("line {line} of the original sale is itself a return")]
    NotReturnable { line: usize },
    #[error("choose at least one unit to return")]
    NothingReturned,
    #[error("only {left} of line {line} can still be returned, not {asked}")]
    TooMany { line: usize, left: i64, asked: i64 },
    #[error("a returned line must have a negative quantity")]
    NotNegative,
    #[error("refunds {refund} for units that cost {price}")]
    RefundsTooMuch { refund: Money, price: Money },
    #[error("a returned line cannot charge tax")]
    TaxOwed,
    #[error("the original sale {sale_id} is unknown")]
    UnknownSale { sale_id: String },
    #[error("{field} refunded is {claimed} but the original sale gives {expected}")]
    Mismatch { field: &'static str, claimed: Money, expected: Money },
    #[error("the original sale's figures do not add up")]
    OriginalInconsistent,
    #[error("a refund must have a negative total (got {total})")]
    NotARefund { total: Money },
    #[error("refunding to the original tender needs the original sale")]
    NoOriginal,
    #[error("amounts out of range")]
    Overflow,
}

impl ReturnError {
    pub fn code(&self) -> &'static str {
        match self {
            ReturnError::NoSuchLine { .. } => "no_such_line",
            ReturnError::NotReturnable { .. } => "not_returnable",
            ReturnError::NothingReturned => "nothing_returned",
            ReturnError::TooMany { .. } => "too_many_returned",
            ReturnError::NotNegative => "return_not_negative",
            ReturnError::RefundsTooMuch { .. } => "refunds_too_much",
            ReturnError::TaxOwed => "return_owes_tax",
            ReturnError::UnknownSale { .. } => "unknown_original_sale",
            ReturnError::Mismatch { .. } => "refund_mismatch",
            ReturnError::OriginalInconsistent => "original_inconsistent",
            ReturnError::NotARefund { .. } => "not_a_refund",
            ReturnError::NoOriginal => "no_original_sale",
            ReturnError::Overflow => "overflow",
        }
    }
}

impl From<Overflow> for ReturnError {
    fn from(_: Overflow) -> Self {
        ReturnError::Overflow
    }
}

/// Units of each of `original`'s lines already returned by `returns` (other sales that refer to it).
fn returned_so_far(original: &Sale, returns: &[Sale]) -> BTreeMap<usize, i64> {
    let mut out = BTreeMap::new();
    for l in returns.iter().filter(|s| s.id != original.id).flat_map(|s| &s.lines) {
        if let Some(r) = l.return_of.as_ref().filter(|r| r.sale_id == original.id) {
            let n = out.entry(r.line).or_insert(0i64);
            *n = n.saturating_add(l.qty.saturating_neg());
        }
    }
    out
}

/// Each sold line of `original` and how many of its units `earlier_returns` already brought back.
pub fn returnable(original: &Sale, earlier_returns: &[Sale]) -> Vec<Returnable> {
    let done = returned_so_far(original, earlier_returns);
    original
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.qty > 0 && l.return_of.is_none())
        .map(|(i, l)| Returnable { line: i, sold: l.qty, returned: done.get(&i).copied().unwrap_or(0) })
        .collect()
}

/// The returned lines for `picks` of `original`, given the returns already made (`earlier_returns`,
/// in any order: only their quantities count). Each line refunds exactly its share of what the
/// original charged (see the module's rule). Add them to a cart with [`super::Cart::add_returns`].
pub fn plan_return(
    original: &Sale,
    earlier_returns: &[Sale],
    picks: &[ReturnPick],
) -> Result<Vec<SaleLine>, ReturnError> {
    plan_return_counted(original, returned_so_far(original, earlier_returns), picks)
}

/// [`plan_return`] given how many units of each line already came back (line → units) rather than the
/// returns themselves: what a device that only knows a sale's details (`sales_history::SaleDetails`)
/// has. Only those counts bear on the refund.
pub fn plan_return_counted(original: &Sale, returned: BTreeMap<usize, i64>, picks: &[ReturnPick]) -> Result<Vec<SaleLine>, ReturnError> {
    if picks.is_empty() {
        return Err(ReturnError::NothingReturned);
    }
    let (nets, _) = pricing::line_nets(&original.lines, &original.totals.discount_rules())?;
    let net_total = Money::sum(nets.iter().map(|n| n.net))?;
    let tax_total = Money::sum(original.totals.taxes.iter().map(|t| t.amount))?;
    if net_total.checked_add(tax_total)? != original.totals.total {
        return Err(ReturnError::OriginalInconsistent);
    }
    let taxes = pricing::attribute_taxes(&original.lines, &nets, &original.totals.taxes)?;
    let mut done = returned;
    let mut out = Vec::with_capacity(picks.len());
    for pick in picks {
        let line = original.lines.get(pick.line).ok_or(ReturnError::NoSuchLine { line: pick.line + 1 })?;
        if line.qty <= 0 || line.return_of.is_some() {
            return Err(ReturnError::NotReturnable { line: pick.line + 1 });
        }
        if pick.qty <= 0 {
            return Err(ReturnError::NothingReturned);
        }
        let before = done.get(&pick.line).copied().unwrap_or(0).max(0);
        let left = line.qty.saturating_sub(before).max(0);
        if pick.qty > left {
            return Err(ReturnError::TooMany { line: pick.line + 1, left, asked: pick.qty });
        }
        let after = before + pick.qty;
        // f(after) − f(before), negated: the refund of units before+1 ..= after.
        let share = |figure: Money| -> Result<Money, Overflow> {
            figure.prorate(before, line.qty)?.checked_sub(figure.prorate(after, line.qty)?)
        };
        let net = share(nets[pick.line].net)?;
        let line_taxes = taxes[pick.line]
            .iter()
            .map(|t| {
                let base = if line.tax_class.carries(t.code) { net } else { Money::ZERO };
                Ok(TaxLine { code: t.code, base, amount: share(t.amount)? })
            })
            .collect::<Result<Vec<_>, Overflow>>()?;
        done.insert(pick.line, after);
        out.push(SaleLine {
            qty: -pick.qty,
            discount: None,
            return_of: Some(ReturnOf {
                sale_id: original.id.clone(),
                receipt: original.receipt.clone(),
                line: pick.line,
                net,
                taxes: line_taxes,
            }),
            ..line.clone()
        });
    }
    Ok(out)
}

/// Checks every returned line of `sale` that refers to a sale against that sale (`originals`) and the
/// returns made before it (`earlier_returns`; `sale` itself is ignored there). A mismatch found by the
/// server after the fact is a conflict to record, not a reason to refuse a sale already paid.
pub fn verify_refunds(sale: &Sale, originals: &[Sale], earlier_returns: &[Sale]) -> Result<(), SaleError> {
    let earlier: Vec<Sale> = earlier_returns.iter().filter(|s| s.id != sale.id).cloned().collect();
    // Group this sale's returned lines by original, keeping their order.
    let mut by_original: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in sale.lines.iter().enumerate() {
        if let Some(r) = &l.return_of {
            by_original.entry(r.sale_id.as_str()).or_default().push(i);
        }
    }
    for (sale_id, idx) in by_original {
        let at = |i: usize, source: ReturnError| SaleError::Return { line: i + 1, source };
        let original = originals
            .iter()
            .find(|s| s.id == sale_id)
            .ok_or_else(|| at(idx[0], ReturnError::UnknownSale { sale_id: sale_id.to_string() }))?;
        let mut picks = Vec::with_capacity(idx.len());
        for &i in &idx {
            let l = &sale.lines[i];
            let r = l.return_of.as_ref().ok_or(SaleError::Overflow)?;
            if l.qty >= 0 {
                return Err(at(i, ReturnError::NotNegative));
            }
            picks.push(ReturnPick { line: r.line, qty: l.qty.saturating_neg() });
        }
        // Plan one pick at a time so that an error names the line it comes from.
        let mut expected = Vec::with_capacity(idx.len());
        let mut so_far = earlier.clone();
        for (&i, pick) in idx.iter().zip(&picks) {
            let planned = plan_return(original, &so_far, std::slice::from_ref(pick)).map_err(|e| at(i, e))?;
            so_far.push(Sale { id: format!("{}#{i}", sale.id), lines: planned.clone(), ..Sale::default() });
            expected.extend(planned);
        }
        for (&i, want) in idx.iter().zip(&expected) {
            let got = &sale.lines[i];
            let (g, w) = (
                got.return_of.as_ref().ok_or(SaleError::Overflow)?,
                want.return_of.as_ref().ok_or(SaleError::Overflow)?,
            );
            let mismatch = |field, claimed, expected| Err(at(i, ReturnError::Mismatch { field, claimed, expected }));
            if got.unit_price != want.unit_price || got.product_id != want.product_id {
                return mismatch("unit price", got.unit_price, want.unit_price);
            }
            if g.net != w.net {
                return mismatch("net", g.net, w.net);
            }
            for code in TaxCode::ALL {
                if g.tax(code) != w.tax(code) {
                    return mismatch(if code == TaxCode::Gst { "gst" } else { "qst" }, g.tax(code), w.tax(code));
                }
            }
        }
    }
    Ok(())
}

impl Sale {
    /// A refund given back to an online payment (seed 004): Comptoir records it, but the money goes back
    /// at the processor, by hand — "à faire chez le processeur" on the receipt and in sales history.
    pub fn needs_processor_refund(&self) -> bool {
        !self.processor_refunds().is_empty()
    }

    /// Each refund to make at a processor: its name (when the platform gave one) and the amount (positive).
    /// None for a return the platform itself made (an order cancelled or refunded there): it refunded.
    pub fn processor_refunds(&self) -> Vec<(Option<&str>, Money)> {
        if crate::online::intake::is_online_device(&self.device_id) {
            return vec![];
        }
        self.tenders
            .iter()
            .filter(|t| t.kind == TenderKind::Online && t.amount.is_negative())
            .map(|t| (t.processor.as_deref(), Money(t.amount.as_cents().saturating_neg())))
            .collect()
    }
}

/// Where a refund goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundMethod {
    /// In cash, rounded to 0,05 $.
    Cash,
    /// Back to how the original sale was paid: its card, account and store-credit tenders first,
    /// each up to what it paid, the rest in cash.
    OriginalTender,
    /// As store credit on the customer's account ("avoir").
    StoreCredit,
}

/// The tenders that give back a refund of `total` (negative).
pub fn refund_tenders(total: Money, method: RefundMethod, original: Option<&Sale>) -> Result<Vec<Tender>, ReturnError> {
    if total.is_positive() {
        return Err(ReturnError::NotARefund { total });
    }
    let cash = |amount: Money| -> Result<Tender, ReturnError> {
        settle_cash(amount, Money::ZERO).map(|s| s.tender()).map_err(|_| ReturnError::Overflow)
    };
    match method {
        RefundMethod::Cash => Ok(vec![cash(total)?]),
        RefundMethod::StoreCredit => Ok(vec![Tender::exact(TenderKind::StoreCredit, total)]),
        RefundMethod::OriginalTender => {
            let original = original.ok_or(ReturnError::NoOriginal)?;
            let mut left = total.checked_neg()?;
            let mut out = Vec::new();
            for t in original.tenders.iter().filter(|t| t.kind != TenderKind::Cash && t.amount.is_positive()) {
                if left.is_zero() {
                    break;
                }
                let back = left.min(t.amount);
                // An online payment goes back through the processor that took it (seed 004).
                out.push(Tender { processor: t.processor.clone(), ..Tender::exact(t.kind, back.checked_neg()?) });
                left = left.checked_sub(back)?;
            }
            if !left.is_zero() {
                out.push(cash(left.checked_neg()?)?);
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::{verify_tenders, Cart, Discount, SaleHeader};
    use crate::tax::{TaxClass, TaxRates};

    const Q: TaxRates = TaxRates::QUEBEC;

    fn header(id: &str, seq: u64) -> SaleHeader {
        SaleHeader {
            id: id.into(),
            device_id: "d1".into(),
            register_id: "r1".into(),
            outlet_id: "o1".into(),
            seq,
            receipt: format!("MTL1-{seq:06}"),
            created_at_ms: 0,
            cashier_id: String::new(),
        }
    }

    fn checkout(id: &str, seq: u64, cart: &Cart) -> Sale {
        let total = cart.totals(&Q).unwrap().total;
        let tenders = if total.is_negative() {
            refund_tenders(total, RefundMethod::Cash, None).unwrap()
        } else {
            vec![Tender::exact(TenderKind::Card, total)]
        };
        Sale::from_cart(header(id, seq), cart, &Q, tenders).unwrap()
    }

    /// Three shirts at 29,99 $ with 10 % off the line, a 15,00 $ hat, and 5,00 $ off the sale.
    fn original() -> Sale {
        let mut cart = Cart::default();
        let i = cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.set_qty(i, 3);
        cart.set_line_discount(i, Some(Discount::percent(1000))).unwrap();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        cart.add_discount(Discount::amount(Money(500))).unwrap();
        checkout("s1", 1, &cart)
    }

    fn return_sale(id: &str, seq: u64, original: &Sale, earlier: &[Sale], picks: &[ReturnPick]) -> Sale {
        let mut cart = Cart::default();
        cart.add_returns(plan_return(original, earlier, picks).unwrap());
        checkout(id, seq, &cart)
    }

    #[test]
    fn an_online_sale_is_refunded_to_its_processor_and_flagged_to_do_there() {
        let mut s = original();
        s.tenders = vec![Tender { processor: Some("shopify_payments".into()), ..Tender::exact(TenderKind::Online, s.totals.total) }];
        assert!(!s.needs_processor_refund());
        let mut cart = Cart::default();
        cart.add_returns(plan_return(&s, &[], &[ReturnPick { line: 1, qty: 1 }]).unwrap());
        let total = cart.totals(&Q).unwrap().total;
        let tenders = refund_tenders(total, RefundMethod::OriginalTender, Some(&s)).unwrap();
        assert_eq!(tenders, vec![Tender { processor: Some("shopify_payments".into()), ..Tender::exact(TenderKind::Online, total) }]);
        let back = Sale::from_cart(header("s2", 2), &cart, &Q, tenders).unwrap();
        assert!(back.needs_processor_refund());
        assert_eq!(back.processor_refunds(), vec![(Some("shopify_payments"), Money(-total.as_cents()))]);
        assert!(!original().needs_processor_refund());
    }

    #[test]
    fn returning_every_unit_refunds_the_sale_total_to_the_cent() {
        let s = original();
        let back = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 0, qty: 3 }, ReturnPick { line: 1, qty: 1 }]);
        assert_eq!(back.totals.total, Money(-s.totals.total.0));
        for code in TaxCode::ALL {
            assert_eq!(back.totals.tax(code), Money(-s.totals.tax(code).0));
        }
        assert_eq!(back.verify(&Q), Ok(()));
        assert_eq!(verify_refunds(&back, std::slice::from_ref(&s), &[]), Ok(()));
    }

    #[test]
    fn returning_shirts_one_at_a_time_adds_up_to_what_they_cost() {
        let s = original();
        let mut returns = Vec::new();
        for seq in 2..=4 {
            let r = return_sale(&format!("s{seq}"), seq, &s, &returns, &[ReturnPick { line: 0, qty: 1 }]);
            assert_eq!(verify_refunds(&r, std::slice::from_ref(&s), &returns), Ok(()));
            returns.push(r);
        }
        let hat = return_sale("s5", 5, &s, &returns, &[ReturnPick { line: 1, qty: 1 }]);
        returns.push(hat);
        let refunded: i64 = returns.iter().map(|r| r.totals.total.0).sum();
        assert_eq!(refunded, -s.totals.total.0);
        let again = plan_return(&s, &returns, &[ReturnPick { line: 0, qty: 1 }]).unwrap_err();
        assert_eq!(again, ReturnError::TooMany { line: 1, left: 0, asked: 1 });
        assert_eq!(again.to_string(), "only 0 of line 1 can still be returned, not 1");
    }

    #[test]
    fn a_returned_shirt_refunds_its_price_less_its_discounts_and_its_taxes() {
        let s = original();
        let lines = plan_return(&s, &[], &[ReturnPick { line: 0, qty: 1 }]).unwrap();
        let r = lines[0].return_of.as_ref().unwrap();
        let p = crate::sale::price_sale(&s.lines, &s.totals.discount_rules(), &Q).unwrap();
        // One third of the shirts' net and of their share of each tax.
        assert_eq!(r.net, p.lines[0].net.prorate(-1, 3).unwrap());
        assert_eq!(r.tax(TaxCode::Gst), p.lines[0].tax(TaxCode::Gst).prorate(-1, 3).unwrap());
        assert_eq!(lines[0].qty, -1);
        assert_eq!(lines[0].unit_price, Money(2999));
        assert_eq!(r.receipt, "MTL1-000001");
    }

    #[test]
    fn an_exchange_refunds_the_old_item_and_taxes_the_new_one() {
        let s = original();
        let mut cart = Cart::default();
        cart.add_returns(plan_return(&s, &[], &[ReturnPick { line: 1, qty: 1 }]).unwrap());
        cart.add(&product("cap", 2000, TaxClass::Taxable));
        let refund = cart.lines[0].return_of.clone().unwrap();
        let t = cart.totals(&Q).unwrap();
        let new_tax = crate::tax::tax_on(Money(2000), Q.gst_ppm).unwrap();
        assert_eq!(t.tax(TaxCode::Gst), new_tax.checked_add(refund.tax(TaxCode::Gst)).unwrap());
        let x = checkout("s2", 2, &cart);
        assert_eq!(x.verify(&Q), Ok(()));
    }

    #[test]
    fn a_tampered_refund_is_caught_against_the_original() {
        let s = original();
        let mut r = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 0, qty: 1 }]);
        let ro = r.lines[0].return_of.as_mut().unwrap();
        ro.net = Money(ro.net.0 - 1);
        let e = verify_refunds(&r, std::slice::from_ref(&s), &[]).unwrap_err();
        assert_eq!(e.code(), "refund_mismatch");
        assert!(e.to_string().starts_with("line 1: net refunded is"), "{e}");
        assert_eq!(verify_refunds(&r, &[], &[]).unwrap_err().code(), "unknown_original_sale");
    }

    #[test]
    fn a_returned_line_cannot_refund_more_than_it_cost_or_charge_tax() {
        let s = original();
        let mut r = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 1, qty: 1 }]);
        r.lines[0].return_of.as_mut().unwrap().net = Money(-1501);
        assert_eq!(r.verify(&Q).unwrap_err().code(), "refunds_too_much");
        let mut r = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 1, qty: 1 }]);
        r.lines[0].return_of.as_mut().unwrap().taxes[0].amount = Money(1);
        assert_eq!(r.verify(&Q).unwrap_err().code(), "return_owes_tax");
        let mut r = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 1, qty: 1 }]);
        r.lines[0].qty = 1;
        assert_eq!(r.verify(&Q).unwrap_err().code(), "return_not_negative");
    }

    #[test]
    fn only_sold_lines_can_be_returned() {
        let s = original();
        let r = return_sale("s2", 2, &s, &[], &[ReturnPick { line: 1, qty: 1 }]);
        assert_eq!(
            plan_return(&r, &[], &[ReturnPick { line: 0, qty: 1 }]),
            Err(ReturnError::NotReturnable { line: 1 })
        );
        assert_eq!(plan_return(&s, &[], &[ReturnPick { line: 7, qty: 1 }]), Err(ReturnError::NoSuchLine { line: 8 }));
        assert_eq!(plan_return(&s, &[], &[ReturnPick { line: 0, qty: 0 }]), Err(ReturnError::NothingReturned));
        assert_eq!(plan_return(&s, &[], &[]), Err(ReturnError::NothingReturned));
        let left = returnable(&s, std::slice::from_ref(&r));
        assert_eq!(left.iter().map(Returnable::left).collect::<Vec<_>>(), vec![3, 0]);
    }

    #[test]
    fn the_refund_goes_back_in_cash_to_the_original_tender_or_as_store_credit() {
        let total = Money(-5173);
        let cash = refund_tenders(total, RefundMethod::Cash, None).unwrap();
        assert_eq!((cash[0].kind, cash[0].amount, cash[0].change), (TenderKind::Cash, Money(-5175), Money(5175)));
        assert_eq!(verify_tenders(&cash, total), Ok(()));

        let credit = refund_tenders(total, RefundMethod::StoreCredit, None).unwrap();
        assert_eq!(credit, vec![Tender::exact(TenderKind::StoreCredit, total)]);

        let mut paid = original();
        paid.tenders = vec![
            Tender::exact(TenderKind::Card, Money(3000)),
            settle_cash(Money(10_000), Money(10_000)).unwrap().tender(),
        ];
        let back = refund_tenders(total, RefundMethod::OriginalTender, Some(&paid)).unwrap();
        assert_eq!(back[0], Tender::exact(TenderKind::Card, Money(-3000)));
        assert_eq!((back[1].kind, back[1].amount), (TenderKind::Cash, Money(-2175)));
        assert_eq!(verify_tenders(&back, total), Ok(()));

        assert_eq!(refund_tenders(Money(1), RefundMethod::Cash, None).unwrap_err().code(), "not_a_refund");
        assert_eq!(refund_tenders(total, RefundMethod::OriginalTender, None).unwrap_err().code(), "no_original_sale");
    }

    #[test]
    fn store_credit_needs_a_customer() {
        let s = original();
        let mut cart = Cart::default();
        cart.add_returns(plan_return(&s, &[], &[ReturnPick { line: 1, qty: 1 }]).unwrap());
        let total = cart.totals(&Q).unwrap().total;
        let tenders = refund_tenders(total, RefundMethod::StoreCredit, None).unwrap();
        let e = Sale::from_cart(header("s2", 2), &cart, &Q, tenders.clone()).unwrap_err();
        assert_eq!(e, SaleError::NoCustomer("store credit"));
        assert_eq!(e.to_string(), "store credit needs a customer");
        cart.customer_id = Some("c1".into());
        assert!(Sale::from_cart(header("s2", 2), &cart, &Q, tenders).is_ok());
    }
}
