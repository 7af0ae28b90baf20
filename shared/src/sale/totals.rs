//! Subtotal, discounts, each tax, total — see [`crate::tax`] for the rounding rule and
//! [`super::pricing`] for the order discounts and taxes are applied in.

use super::{pricing, Discount, SaleError, SaleLine};
use crate::money::{Money, Overflow};
use crate::tax::{TaxCode, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TaxLine {
    pub code: TaxCode,
    /// The taxable amount this rate was applied to.
    pub base: Money,
    pub amount: Money,
}

/// One of the sale's own discounts and what it took off, as the receipt shows it
/// ("Remise automatique 5 % : −5,00 $").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DiscountLine {
    pub discount: Discount,
    pub amount: Money,
}

/// `total = subtotal − discount + Σ taxes`, always.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Totals {
    /// The lines' price × quantity, before any discount.
    pub subtotal: Money,
    /// Everything taken off: line discounts and the sale's discounts (and, for a return that refers
    /// to a sale, the discounts that sale gave, given back — so negative there).
    #[serde(default)]
    pub discount: Money,
    /// The sale's own discounts, in the order they were taken off, with what each took; their sum
    /// is part of `discount`. Held here so that a sale made of a cart's lines and totals carries them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub discounts: Vec<DiscountLine>,
    /// One entry per rate, TPS then TVQ, always both (a zero when nothing carries it).
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub taxes: Vec<TaxLine>,
    pub total: Money,
}

impl Totals {
    pub fn tax(&self, code: TaxCode) -> Money {
        self.taxes.iter().find(|t| t.code == code).map_or(Money::ZERO, |t| t.amount)
    }

    /// The sale's own discounts, without their amounts: what to price the lines with again.
    pub fn discount_rules(&self) -> Vec<Discount> {
        self.discounts.iter().map(|d| d.discount).collect()
    }

    pub(super) fn must_equal(&self, computed: &Totals) -> Result<(), SaleError> {
        let mismatch = |field, claimed, computed| Err(SaleError::TotalsMismatch { field, claimed, computed });
        if self.subtotal != computed.subtotal {
            return mismatch("subtotal", self.subtotal, computed.subtotal);
        }
        if self.discount != computed.discount {
            return mismatch("discount", self.discount, computed.discount);
        }
        if self.discounts.len() != computed.discounts.len() {
            let n = |v: &Vec<DiscountLine>| Money(i64::try_from(v.len()).unwrap_or(i64::MAX));
            return mismatch("sale discounts", n(&self.discounts), n(&computed.discounts));
        }
        for (c, t) in self.discounts.iter().zip(&computed.discounts) {
            if c != t {
                return mismatch("sale discount", c.amount, t.amount);
            }
        }
        if self.taxes.len() != computed.taxes.len() {
            return mismatch("taxes", Money(self.taxes.len() as i64), Money(computed.taxes.len() as i64));
        }
        for (c, t) in self.taxes.iter().zip(&computed.taxes) {
            let field = match t.code {
                TaxCode::Gst => "gst",
                TaxCode::Qst => "qst",
            };
            if c.code != t.code || c.amount != t.amount || c.base != t.base {
                return mismatch(field, c.amount, t.amount);
            }
        }
        if self.total != computed.total {
            return mismatch("total", self.total, computed.total);
        }
        Ok(())
    }
}

/// The totals of lines with no discount on the whole sale (line discounts do apply).
pub fn compute_totals(lines: &[SaleLine], rates: &TaxRates) -> Result<Totals, Overflow> {
    compute_sale_totals(lines, &[], rates)
}

/// The totals of lines with the sale's discounts taken off them, in order.
pub fn compute_sale_totals(lines: &[SaleLine], discounts: &[Discount], rates: &TaxRates) -> Result<Totals, Overflow> {
    let (nets, taken) = pricing::line_nets(lines, discounts)?;
    pricing::totals_of(lines, &nets, discounts, &taken, rates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::Cart;
    use crate::tax::TaxClass;
    use proptest::prelude::*;

    #[test]
    fn shirt_and_hat_in_quebec() {
        let mut cart = Cart::default();
        cart.add(&product("shirt", 2999, TaxClass::Taxable));
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let t = cart.totals(&TaxRates::QUEBEC).unwrap();
        assert_eq!(t.subtotal, Money(4499));
        assert_eq!(t.tax(TaxCode::Gst), Money(225)); // 224,95 → 225
        assert_eq!(t.tax(TaxCode::Qst), Money(449)); // 448,775 → 449
        assert_eq!(t.total, Money(5173));
    }

    #[test]
    fn only_the_classes_that_carry_a_rate_are_its_base() {
        let mut cart = Cart::default();
        cart.add(&product("book", 2000, TaxClass::GstOnly));
        cart.add(&product("bread", 500, TaxClass::ZeroRated));
        let t = cart.totals(&TaxRates::QUEBEC).unwrap();
        assert_eq!(t.taxes[0].base, Money(2000));
        assert_eq!(t.tax(TaxCode::Gst), Money(100));
        assert_eq!(t.tax(TaxCode::Qst), Money(0));
        assert_eq!(t.total, Money(2600));
    }

    fn arb_line() -> impl Strategy<Value = SaleLine> {
        (1i64..100_000, -5i64..20, prop_oneof![
            Just(TaxClass::Taxable), Just(TaxClass::GstOnly), Just(TaxClass::ZeroRated), Just(TaxClass::Exempt)
        ])
            .prop_filter("non-zero qty", |(_, q, _)| *q != 0)
            .prop_map(|(price, qty, class)| SaleLine {
                product_id: format!("p{price}"),
                sku: String::new(),
                name: String::new(),
                qty,
                unit_price: Money(price),
                tax_class: class,
                ..SaleLine::default()
            })
    }

    proptest! {
        #[test]
        fn total_is_lines_plus_taxes(lines in prop::collection::vec(arb_line(), 1..30)) {
            let t = compute_totals(&lines, &TaxRates::QUEBEC).unwrap();
            let sum: i64 = lines.iter().map(|l| l.qty * l.unit_price.0).sum();
            prop_assert_eq!(t.subtotal.0, sum);
            prop_assert_eq!(t.total.0, sum + t.taxes.iter().map(|x| x.amount.0).sum::<i64>());
        }

        #[test]
        fn a_full_return_mirrors_the_sale_to_the_cent(lines in prop::collection::vec(arb_line(), 1..30)) {
            let back: Vec<SaleLine> = lines.iter().cloned().map(|mut l| { l.qty = -l.qty; l }).collect();
            let t = compute_totals(&lines, &TaxRates::QUEBEC).unwrap();
            let r = compute_totals(&back, &TaxRates::QUEBEC).unwrap();
            prop_assert_eq!(t.total.0, -r.total.0);
        }

        #[test]
        fn huge_amounts_are_an_error_not_a_panic(price in 0i64..i64::MAX, qty in -1000i64..1000) {
            let line = SaleLine { product_id: "p".into(), qty, unit_price: Money(price), tax_class: TaxClass::Taxable, ..SaleLine::default() };
            let _ = compute_totals(&[line.clone(), line], &TaxRates::QUEBEC);
        }
    }
}
