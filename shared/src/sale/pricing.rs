//! What each line costs: its price, its discounts, its share of each tax.
//!
//! The order is fixed (see [`crate::tax`] for the tax rule):
//! 1. gross = unit price × quantity;
//! 2. the line's own discount ([`Discount::off`]; rounded half-up for a percentage);
//! 3. the sale's discounts, one after the other on what the sold lines still cost, each percentage
//!    rounded half-up; their sum is shared over the sold lines (positive quantities, not returns)
//!    in proportion to what each still costs, by largest remainder ([`Money::allocate`]);
//! 4. each tax on the sum of the nets that carry it, then attributed back to those lines in
//!    proportion to their nets, by largest remainder, so that the lines add up to the sale.
//!
//! A returned line that refers to an original sale ([`super::ReturnOf`]) skips 2–4: its net and
//! taxes are what that sale charged for those units.

use super::{Discount, DiscountLine, SaleError, SaleLine, TaxLine, Totals};
use crate::money::{Money, Overflow};
use crate::tax::{tax_on, TaxCode, TaxRates};
use serde::{Deserialize, Serialize};

/// One line's figures, as a receipt shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePrice {
    /// Unit price × quantity.
    pub gross: Money,
    /// The line's own discount (for a return that refers to a sale: the discounts that sale gave).
    pub line_discount: Money,
    /// The line's share of the sale's discounts.
    pub sale_discount: Money,
    /// `gross − line_discount − sale_discount`: what the taxes apply to.
    pub net: Money,
    /// The line's share of each tax, TPS then TVQ (`base` is the net when the line carries the tax).
    pub taxes: Vec<TaxLine>,
    /// `net` + its taxes.
    pub total: Money,
}

impl LinePrice {
    /// Everything taken off this line.
    pub fn discount(&self) -> Money {
        Money(self.gross.as_cents().saturating_sub(self.net.as_cents()))
    }

    pub fn tax(&self, code: TaxCode) -> Money {
        self.taxes.iter().find(|t| t.code == code).map_or(Money::ZERO, |t| t.amount)
    }
}

/// A sale priced line by line: the lines add up to the totals to the cent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedSale {
    pub lines: Vec<LinePrice>,
    pub totals: Totals,
}

/// A line before taxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LineNet {
    pub gross: Money,
    pub line_discount: Money,
    pub sale_discount: Money,
    pub net: Money,
}

/// Prices every line and the whole sale.
pub fn price_sale(lines: &[SaleLine], discounts: &[Discount], rates: &TaxRates) -> Result<PricedSale, Overflow> {
    let (nets, taken) = line_nets(lines, discounts)?;
    let totals = totals_of(lines, &nets, discounts, &taken, rates)?;
    let taxes = attribute_taxes(lines, &nets, &totals.taxes)?;
    let lines = nets
        .into_iter()
        .zip(taxes)
        .map(|(n, taxes)| {
            let total = Money::sum(taxes.iter().map(|t| t.amount))?.checked_add(n.net)?;
            Ok(LinePrice {
                gross: n.gross,
                line_discount: n.line_discount,
                sale_discount: n.sale_discount,
                net: n.net,
                taxes,
                total,
            })
        })
        .collect::<Result<Vec<_>, Overflow>>()?;
    Ok(PricedSale { lines, totals })
}

/// Whether a line takes a share of the sale's discounts: a sold item that still costs something.
fn shares_sale_discounts(line: &SaleLine, net: Money) -> bool {
    line.return_of.is_none() && line.qty > 0 && net.is_positive()
}

/// Steps 1–3: each line's net, and what each sale discount took off.
pub(crate) fn line_nets(lines: &[SaleLine], discounts: &[Discount]) -> Result<(Vec<LineNet>, Vec<Money>), Overflow> {
    let mut nets = Vec::with_capacity(lines.len());
    for l in lines {
        let gross = l.amount()?;
        let net = match (&l.return_of, &l.discount) {
            (Some(r), _) => r.net,
            (None, Some(d)) => gross.checked_sub(d.off(gross)?)?,
            (None, None) => gross,
        };
        nets.push(LineNet { gross, line_discount: gross.checked_sub(net)?, sale_discount: Money::ZERO, net });
    }
    let weights: Vec<i64> = lines
        .iter()
        .zip(&nets)
        .map(|(l, n)| if shares_sale_discounts(l, n.net) { n.net.as_cents() } else { 0 })
        .collect();
    let base = Money::sum(weights.iter().copied().map(Money))?;
    let mut remaining = base;
    let mut taken = Vec::with_capacity(discounts.len());
    for d in discounts {
        let off = d.off(remaining)?;
        remaining = remaining.checked_sub(off)?;
        taken.push(off);
    }
    let shares = base.checked_sub(remaining)?.allocate(&weights)?;
    for (n, share) in nets.iter_mut().zip(shares) {
        n.sale_discount = share;
        n.net = n.net.checked_sub(share)?;
    }
    Ok((nets, taken))
}

/// The sale's discounts must each fit what the sold lines still cost when it is taken off.
pub(crate) fn check_sale_discounts(lines: &[SaleLine], discounts: &[Discount]) -> Result<(), SaleError> {
    let (nets, _) = line_nets(lines, &[])?;
    let mut remaining =
        Money::sum(lines.iter().zip(&nets).filter(|(l, n)| shares_sale_discounts(l, n.net)).map(|(_, n)| n.net))?;
    for (i, d) in discounts.iter().enumerate() {
        d.check(remaining).map_err(|source| SaleError::SaleDiscount { index: i + 1, source })?;
        remaining = remaining.checked_sub(d.off(remaining)?)?;
    }
    Ok(())
}

/// Step 4 for the whole sale: subtotal, discount, each tax, total.
pub(crate) fn totals_of(
    lines: &[SaleLine],
    nets: &[LineNet],
    discounts: &[Discount],
    taken: &[Money],
    rates: &TaxRates,
) -> Result<Totals, Overflow> {
    let subtotal = Money::sum(nets.iter().map(|n| n.gross))?;
    let net_total = Money::sum(nets.iter().map(|n| n.net))?;
    let mut taxes = Vec::with_capacity(2);
    for code in TaxCode::ALL {
        let (mut computed_base, mut shown_base, mut refunded) = (Money::ZERO, Money::ZERO, Money::ZERO);
        for (l, n) in lines.iter().zip(nets) {
            let carries = l.tax_class.carries(code);
            if carries {
                shown_base = shown_base.checked_add(n.net)?;
            }
            match &l.return_of {
                Some(r) => refunded = refunded.checked_add(r.tax(code))?,
                None if carries => computed_base = computed_base.checked_add(n.net)?,
                None => {}
            }
        }
        let amount = tax_on(computed_base, rates.ppm(code))?.checked_add(refunded)?;
        taxes.push(TaxLine { code, base: shown_base, amount });
    }
    let total = Money::sum(taxes.iter().map(|t| t.amount))?.checked_add(net_total)?;
    let discounts = discounts.iter().zip(taken).map(|(&discount, &amount)| DiscountLine { discount, amount }).collect();
    Ok(Totals { subtotal, discount: subtotal.checked_sub(net_total)?, discounts, taxes, total })
}

/// Shares each recorded tax among the lines: a returned line that refers to a sale keeps the tax
/// it refunds; the rest of the tax goes to the lines that carry it, in proportion to their nets.
/// Works from the recorded taxes, not the rates, so that a sale can be refunded after the rates change.
pub(crate) fn attribute_taxes(
    lines: &[SaleLine],
    nets: &[LineNet],
    taxes: &[TaxLine],
) -> Result<Vec<Vec<TaxLine>>, Overflow> {
    let mut out: Vec<Vec<TaxLine>> = vec![Vec::with_capacity(2); lines.len()];
    for code in TaxCode::ALL {
        let recorded = taxes.iter().find(|t| t.code == code).map_or(Money::ZERO, |t| t.amount);
        let refunded = Money::sum(lines.iter().filter_map(|l| l.return_of.as_ref()).map(|r| r.tax(code)))?;
        let weights: Vec<i64> = lines
            .iter()
            .zip(nets)
            .map(|(l, n)| if l.return_of.is_none() && l.tax_class.carries(code) { n.net.as_cents() } else { 0 })
            .collect();
        let shares = recorded.checked_sub(refunded)?.allocate(&weights)?;
        for (i, (l, n)) in lines.iter().zip(nets).enumerate() {
            let amount = match &l.return_of {
                Some(r) => r.tax(code),
                None => shares[i],
            };
            let base = if l.tax_class.carries(code) { n.net } else { Money::ZERO };
            out[i].push(TaxLine { code, base, amount });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::{Cart, DiscountReason};
    use crate::tax::TaxClass;

    fn cart(items: &[(&str, i64, i64)]) -> Cart {
        let mut cart = Cart::default();
        for (id, cents, qty) in items {
            let i = cart.add(&product(id, *cents, TaxClass::Taxable));
            cart.set_qty(i, *qty);
        }
        cart
    }

    #[test]
    fn a_sale_discount_is_shared_over_the_lines_to_the_cent() {
        // 3 × 0,33 $ and 10 % off: 9,9 ¢ → 10 ¢, shared 4 + 3 + 3 by largest remainder.
        let mut c = cart(&[("a", 33, 1), ("b", 33, 1), ("c", 33, 1)]);
        c.add_discount(Discount::percent(1000)).unwrap();
        let p = c.priced(&TaxRates::QUEBEC).unwrap();
        assert_eq!(p.totals.discounts.iter().map(|d| d.amount).collect::<Vec<_>>(), vec![Money(10)]);
        let shares: Vec<i64> = p.lines.iter().map(|l| l.sale_discount.0).collect();
        assert_eq!(shares, vec![4, 3, 3]);
        assert_eq!(p.totals.discount, Money(10));
        assert_eq!(p.totals.subtotal, Money(99));
    }

    #[test]
    fn taxes_apply_after_discounts() {
        // A 100,00 $ shirt with 20 % off: taxes on 80,00 $ (4,00 $ TPS, 7,98 $ TVQ).
        let mut c = cart(&[("shirt", 10000, 1)]);
        c.set_line_discount(0, Some(Discount::percent(2000))).unwrap();
        let t = c.totals(&TaxRates::QUEBEC).unwrap();
        assert_eq!(t.subtotal, Money(10000));
        assert_eq!(t.discount, Money(2000));
        assert_eq!(t.tax(TaxCode::Gst), Money(400));
        assert_eq!(t.tax(TaxCode::Qst), Money(798));
        assert_eq!(t.taxes[0].base, Money(8000));
        assert_eq!(t.total, Money(9198));
    }

    #[test]
    fn sale_discounts_apply_one_after_the_other_on_what_is_left() {
        // 100,00 $: automatic 10 % (10,00 $), then 5,00 $ off, then 10 % again on 85,00 $ (8,50 $).
        let mut c = cart(&[("shirt", 10000, 1)]);
        c.add_discount(Discount::percent(1000).because(DiscountReason::Automatic)).unwrap();
        c.add_discount(Discount::amount(Money(500))).unwrap();
        c.add_discount(Discount::percent(1000)).unwrap();
        let p = c.priced(&TaxRates::QUEBEC).unwrap();
        let taken: Vec<Money> = p.totals.discounts.iter().map(|d| d.amount).collect();
        assert_eq!(taken, vec![Money(1000), Money(500), Money(850)]);
        assert_eq!(p.totals.discounts[0].discount.reason, DiscountReason::Automatic);
        assert_eq!(p.lines[0].net, Money(7650));
    }

    #[test]
    fn returned_lines_take_no_share_of_a_sale_discount() {
        // An exchange: a shirt back without receipt, a hat bought, 10 % off the sale: only the hat.
        let mut c = cart(&[("shirt", 2000, -1), ("hat", 1500, 1)]);
        c.add_discount(Discount::percent(1000)).unwrap();
        let p = c.priced(&TaxRates::QUEBEC).unwrap();
        assert_eq!(p.lines[0].sale_discount, Money(0));
        assert_eq!(p.lines[1].sale_discount, Money(150));
    }

    #[test]
    fn every_line_carries_its_share_of_each_tax_and_they_add_up() {
        let mut c = cart(&[("a", 999, 1), ("b", 1999, 3), ("c", 1, 7)]);
        c.lines.push(SaleLine {
            tax_class: TaxClass::GstOnly,
            ..SaleLine::of(&product("book", 1295, TaxClass::GstOnly), 1)
        });
        let p = c.priced(&TaxRates::QUEBEC).unwrap();
        for code in TaxCode::ALL {
            let sum: i64 = p.lines.iter().map(|l| l.tax(code).0).sum();
            assert_eq!(Money(sum), p.totals.tax(code));
        }
        assert_eq!(p.lines[3].tax(TaxCode::Qst), Money(0));
        let sum: i64 = p.lines.iter().map(|l| l.total.0).sum();
        assert_eq!(Money(sum), p.totals.total);
    }
}
