//! Subtotal, each tax, total — see [`crate::tax`] for the rounding rule.

use super::{SaleError, SaleLine};
use crate::money::{Money, Overflow};
use crate::tax::{tax_on, TaxCode, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub code: TaxCode,
    /// The taxable amount this rate was applied to.
    pub base: Money,
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Money,
    /// One entry per rate, TPS then TVQ, always both (a zero when nothing carries it).
    pub taxes: Vec<TaxLine>,
    pub total: Money,
}

impl Totals {
    pub fn tax(&self, code: TaxCode) -> Money {
        self.taxes.iter().find(|t| t.code == code).map_or(Money::ZERO, |t| t.amount)
    }

    pub(super) fn must_equal(&self, computed: &Totals) -> Result<(), SaleError> {
        let mismatch = |field, claimed, computed| Err(SaleError::TotalsMismatch { field, claimed, computed });
        if self.subtotal != computed.subtotal {
            return mismatch("subtotal", self.subtotal, computed.subtotal);
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

pub fn compute_totals(lines: &[SaleLine], rates: &TaxRates) -> Result<Totals, Overflow> {
    let subtotal = Money::sum(lines.iter().map(SaleLine::amount).collect::<Result<Vec<_>, _>>()?)?;
    let mut taxes = Vec::with_capacity(2);
    for code in [TaxCode::Gst, TaxCode::Qst] {
        let base = Money::sum(
            lines
                .iter()
                .filter(|l| l.tax_class.carries(code))
                .map(SaleLine::amount)
                .collect::<Result<Vec<_>, _>>()?,
        )?;
        taxes.push(TaxLine { code, base, amount: tax_on(base, rates.ppm(code))? });
    }
    let total = Money::sum(taxes.iter().map(|t| t.amount))?.checked_add(subtotal)?;
    Ok(Totals { subtotal, taxes, total })
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
            let line = SaleLine { product_id: "p".into(), sku: String::new(), name: String::new(), qty, unit_price: Money(price), tax_class: TaxClass::Taxable };
            let _ = compute_totals(&[line.clone(), line], &TaxRates::QUEBEC);
        }
    }
}
