//! The range of every number and the length of every text that may cross the wire. Far above any real
//! sale, far below what could overflow a sum or starve the database: with every input inside these
//! bounds, no total, tax, stock level or balance can overflow an `i64`, and every figure stays an exact
//! JavaScript number (below 2^53).
//!
//! The register checks a sale against them before recording it (a cart outside them cannot be paid);
//! the server checks them at the edge and answers 4xx naming the field.

use crate::account::AccountPayment;
use crate::money::Money;
use crate::sale::{DiscountRule, Sale, Tender};
use serde::{Deserialize, Serialize};

/// Largest sequence number (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_SEQ: u64 = (1 << 53) - 1;
/// Units on one line, sold (positive) or returned (negative).
pub const MAX_QTY: i64 = 10_000;
/// Largest unit price: 1 000 000,00 $.
pub const MAX_UNIT_PRICE: Money = Money(100_000_000);
/// Largest credit limit on a customer's account: 1 000 000,00 $.
pub const MAX_CREDIT_LIMIT: Money = Money(100_000_000);
/// Largest amount anywhere (totals, taxes, tenders, discounts, payments): 10 000 000 000 000,00 $ —
/// above [`MAX_LINES`] lines of [`MAX_QTY`] units at [`MAX_UNIT_PRICE`] with taxes, below 2^53.
pub const MAX_AMOUNT: Money = Money(1_000_000_000_000_000);
/// Lines in one sale.
pub const MAX_LINES: usize = 500;
/// Tenders, sale discounts or loyalty redemptions in one sale.
pub const MAX_PARTS: usize = 20;
/// Loyalty points one unit earns, and points or visits one redemption uses.
pub const MAX_POINTS: u32 = 1_000_000;
/// The last place on the register's quick-key pad (`Product::quick_key_position`).
pub const MAX_QUICK_KEY_POSITION: u16 = 999;
/// Ids, SKUs, receipts, serial numbers.
pub const MAX_ID_LEN: usize = 64;
/// Names and reasons.
pub const MAX_TEXT_LEN: usize = 500;
/// Clock values (ms since the Unix epoch): up to 2100-01-01.
pub const MAX_TIME_MS: i64 = 4_102_444_800_000;
/// Sales in one push.
pub const MAX_SALES_PER_PUSH: usize = 100;
/// Operations (payments, serials, stock adjustments, customers) in one push.
pub const MAX_OPS_PER_PUSH: usize = 100;
/// A stock level, or the units one adjustment counts, receives or writes off.
pub const MAX_STOCK_LEVEL: i64 = 1_000_000_000;
/// A typed list of serial numbers: as many as a line may sell, each with its comma and space.
pub const MAX_SERIALS_TEXT: usize = MAX_QTY as usize * (MAX_ID_LEN + 2);
/// Bytes in one request body. A push of [`MAX_SALES_PER_PUSH`] ordinary sales is far below it; the
/// register splits its pushes to stay under half of it.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Largest change-log version (`GET /sync/changes?since=`): versions are exact JavaScript numbers.
pub const MAX_VERSION: u64 = MAX_SEQ;
/// Most changes in one page of `GET /sync/changes` (`limit`; the default is [`DEFAULT_CHANGES_PAGE`]).
pub const MAX_CHANGES_PAGE: u32 = 1_000;
/// Changes in a page when the request names no `limit`.
pub const DEFAULT_CHANGES_PAGE: u32 = 500;
/// Recent sales the change log carries (shop-wide, newest): older ones are on the paged `GET /sales`, so a
/// fresh register never downloads the whole history.
pub const MAX_RECENT_SALES: u32 = 1_000;

/// A value outside its range: which field (a JSON path) and what the range is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct OutOfRange {
    pub field: String,
    pub problem: String,
}

pub(crate) fn range<T: PartialOrd + std::fmt::Display>(field: impl FnOnce() -> String, v: T, min: T, max: T) -> Result<(), OutOfRange> {
    if v < min || v > max {
        return Err(OutOfRange { field: field(), problem: format!("{v} is outside {min}..={max}") });
    }
    Ok(())
}

pub(crate) fn text(field: impl FnOnce() -> String, v: &str, max: usize, required: bool) -> Result<(), OutOfRange> {
    let n = v.chars().count();
    if n > max {
        return Err(OutOfRange { field: field(), problem: format!("{n} characters, at most {max}") });
    }
    if required && v.trim().is_empty() {
        return Err(OutOfRange { field: field(), problem: "must not be empty".into() });
    }
    Ok(())
}

pub(crate) fn count(field: &str, n: usize, max: usize) -> Result<(), OutOfRange> {
    if n > max {
        return Err(OutOfRange { field: field.into(), problem: format!("{n} items, at most {max}") });
    }
    Ok(())
}

fn amount(field: impl FnOnce() -> String, m: Money) -> Result<(), OutOfRange> {
    range(field, m.as_cents(), -MAX_AMOUNT.as_cents(), MAX_AMOUNT.as_cents())
}

fn tender(prefix: &str, i: usize, t: &Tender) -> Result<(), OutOfRange> {
    for (name, m) in [("amount", t.amount), ("tendered", t.tendered), ("change", t.change)] {
        amount(|| format!("{prefix}tenders[{i}].{name}"), m)?;
    }
    if let Some(p) = &t.processor {
        text(|| format!("{prefix}tenders[{i}].processor"), p, MAX_TEXT_LEN, false)?;
    }
    Ok(())
}

fn discount(field: impl Fn() -> String, rule: &DiscountRule) -> Result<(), OutOfRange> {
    match rule {
        DiscountRule::Percent { bp } => range(|| format!("{}.bp", field()), *bp, 0, crate::sale::FULL_BP),
        DiscountRule::Amount { amount: a } => range(|| format!("{}.amount", field()), a.as_cents(), 0, MAX_AMOUNT.as_cents()),
    }
}

/// Every number and text of a sale inside its range. Says nothing of whether the sale is right
/// (`Sale::verify` does): only whether it is something a register could have recorded.
pub fn check_sale(sale: &Sale) -> Result<(), OutOfRange> {
    text(|| "id".into(), &sale.id, MAX_ID_LEN, true)?;
    text(|| "device_id".into(), &sale.device_id, MAX_ID_LEN, false)?;
    text(|| "register_id".into(), &sale.register_id, MAX_ID_LEN, true)?;
    text(|| "outlet_id".into(), &sale.outlet_id, MAX_ID_LEN, true)?;
    text(|| "receipt".into(), &sale.receipt, MAX_ID_LEN, false)?;
    text(|| "cashier_id".into(), &sale.cashier_id, MAX_ID_LEN, false)?;
    range(|| "seq".into(), sale.seq, 1, MAX_SEQ)?;
    range(|| "created_at_ms".into(), sale.created_at_ms, 0, MAX_TIME_MS)?;
    if let Some(c) = &sale.customer_id {
        text(|| "customer_id".into(), c, MAX_ID_LEN, true)?;
    }
    if sale.lines.is_empty() {
        return Err(OutOfRange { field: "lines".into(), problem: "a sale has at least one line".into() });
    }
    count("lines", sale.lines.len(), MAX_LINES)?;
    for (i, l) in sale.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        text(|| f("product_id"), &l.product_id, MAX_ID_LEN, true)?;
        text(|| f("sku"), &l.sku, MAX_ID_LEN, false)?;
        text(|| f("name"), &l.name, MAX_TEXT_LEN, false)?;
        range(|| f("qty"), l.qty, -MAX_QTY, MAX_QTY)?;
        range(|| f("unit_price"), l.unit_price.as_cents(), 0, MAX_UNIT_PRICE.as_cents())?;
        range(|| f("loyalty_points"), l.loyalty_points, 0, MAX_POINTS)?;
        count(&f("serials"), l.serials.len(), MAX_QTY as usize)?;
        for (j, s) in l.serials.iter().enumerate() {
            text(|| format!("lines[{i}].serials[{j}]"), s, MAX_ID_LEN, true)?;
        }
        if let Some(d) = &l.discount {
            discount(|| f("discount.rule"), &d.rule)?;
        }
        if let Some(r) = &l.return_of {
            text(|| f("return_of.sale_id"), &r.sale_id, MAX_ID_LEN, true)?;
            text(|| f("return_of.receipt"), &r.receipt, MAX_ID_LEN, false)?;
            range(|| f("return_of.line"), r.line, 0, MAX_LINES)?;
            amount(|| f("return_of.net"), r.net)?;
            count(&f("return_of.taxes"), r.taxes.len(), MAX_PARTS)?;
            for (j, t) in r.taxes.iter().enumerate() {
                amount(|| format!("lines[{i}].return_of.taxes[{j}].base"), t.base)?;
                amount(|| format!("lines[{i}].return_of.taxes[{j}].amount"), t.amount)?;
            }
        }
        if let Some(o) = &l.price_override {
            range(|| f("price_override.catalog_price"), o.catalog_price.as_cents(), 0, MAX_UNIT_PRICE.as_cents())?;
            text(|| f("price_override.by"), &o.by, MAX_TEXT_LEN, true)?;
            text(|| f("price_override.reason"), &o.reason, MAX_TEXT_LEN, true)?;
            range(|| f("price_override.at_ms"), o.at_ms, 0, MAX_TIME_MS)?;
        }
    }
    let t = &sale.totals;
    amount(|| "totals.subtotal".into(), t.subtotal)?;
    amount(|| "totals.discount".into(), t.discount)?;
    amount(|| "totals.total".into(), t.total)?;
    count("totals.discounts", t.discounts.len(), MAX_PARTS)?;
    for (i, d) in t.discounts.iter().enumerate() {
        discount(|| format!("totals.discounts[{i}].discount.rule"), &d.discount.rule)?;
        amount(|| format!("totals.discounts[{i}].amount"), d.amount)?;
    }
    count("totals.taxes", t.taxes.len(), MAX_PARTS)?;
    for (i, x) in t.taxes.iter().enumerate() {
        amount(|| format!("totals.taxes[{i}].base"), x.base)?;
        amount(|| format!("totals.taxes[{i}].amount"), x.amount)?;
    }
    count("tenders", sale.tenders.len(), MAX_PARTS)?;
    for (i, x) in sale.tenders.iter().enumerate() {
        tender("", i, x)?;
    }
    count("redemptions", sale.redemptions.len(), MAX_PARTS)?;
    for (i, r) in sale.redemptions.iter().enumerate() {
        range(|| format!("redemptions[{i}].units"), r.units, 1, MAX_POINTS)?;
    }
    Ok(())
}

/// A payment on account inside its ranges (positive, at most [`MAX_AMOUNT`]).
pub fn check_payment(p: &AccountPayment) -> Result<(), OutOfRange> {
    text(|| "id".into(), &p.id, MAX_ID_LEN, true)?;
    text(|| "customer_id".into(), &p.customer_id, MAX_ID_LEN, true)?;
    text(|| "register_id".into(), &p.register_id, MAX_ID_LEN, false)?;
    text(|| "outlet_id".into(), &p.outlet_id, MAX_ID_LEN, false)?;
    text(|| "reference".into(), &p.reference, MAX_ID_LEN, false)?;
    range(|| "created_at_ms".into(), p.created_at_ms, 0, MAX_TIME_MS)?;
    range(|| "amount".into(), p.amount.as_cents(), 1, MAX_AMOUNT.as_cents())?;
    count("tenders", p.tenders.len(), MAX_PARTS)?;
    for (i, x) in p.tenders.iter().enumerate() {
        tender("", i, x)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::{paid_sale, product};
    use crate::sale::Cart;
    use crate::tax::{TaxClass, TaxRates};
    use proptest::prelude::*;

    fn sale() -> Sale {
        let mut cart = Cart::default();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        paid_sale(&cart, Money(2000))
    }

    #[test]
    fn an_ordinary_sale_is_in_range() {
        assert_eq!(check_sale(&sale()), Ok(()));
    }

    #[test]
    fn poison_values_are_named_with_their_field() {
        let mut s = sale();
        s.seq = u64::MAX;
        assert_eq!(check_sale(&s).unwrap_err().field, "seq");
        let mut s = sale();
        s.seq = (1 << 63) - 1;
        assert_eq!(check_sale(&s).unwrap_err().field, "seq");
        let mut s = sale();
        s.lines[0].qty = 5_000_000_000_000_000_000;
        assert_eq!(check_sale(&s).unwrap_err().field, "lines[0].qty");
        let mut s = sale();
        s.lines[0].qty = i64::MIN;
        assert_eq!(check_sale(&s).unwrap_err().field, "lines[0].qty");
        let mut s = sale();
        s.tenders[0].tendered = Money(5_000_000_000_000_000_000);
        assert_eq!(check_sale(&s).unwrap_err().field, "tenders[0].tendered");
        let mut s = sale();
        s.id = "x".repeat(65);
        assert_eq!(check_sale(&s).unwrap_err().field, "id");
    }

    #[test]
    fn a_payment_of_five_quintillion_cents_is_out_of_range() {
        let p = AccountPayment { id: "p".into(), customer_id: "c".into(), amount: Money(5_000_000_000_000_000_000), ..Default::default() };
        assert_eq!(check_payment(&p).unwrap_err().field, "amount");
    }

    proptest! {
        /// Whatever is inside the ranges, the shared rules never overflow: `verify` answers, it does not panic
        /// or report an overflow.
        #[test]
        fn any_sale_inside_the_ranges_computes_without_overflow(
            lines in proptest::collection::vec((1i64..=MAX_QTY, 0i64..=MAX_UNIT_PRICE.as_cents(), any::<bool>()), 1..40)
        ) {
            let mut cart = Cart::default();
            for (i, (qty, price, ret)) in lines.iter().enumerate() {
                let p = product(&format!("p{i}"), *price, TaxClass::Taxable);
                cart.add(&p);
                let last = cart.lines.len() - 1;
                cart.lines[last].qty = if *ret { -qty } else { *qty };
            }
            let totals = cart.totals(&TaxRates::QUEBEC);
            prop_assert!(totals.is_ok());
            let totals = totals.unwrap();
            prop_assert!(totals.total.as_cents().abs() <= MAX_AMOUNT.as_cents());
        }
    }
}
