//! A price other than the catalog's, typed at the register: who, when and why (see [`PriceOverride`]).

use super::{Cart, DiscountError, PriceOverride};
use crate::limits::{MAX_TEXT_LEN, MAX_TIME_MS, MAX_UNIT_PRICE};
use crate::money::Money;

/// Why a price change on a cart line was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriceOverrideError {
    #[error("no line {line} in the cart")]
    NoSuchLine { line: usize },
    #[error("a returned item is priced by what was charged for it: its price cannot be changed")]
    OnReturnedLine,
    #[error("a unit price must be between 0 and {}", MAX_UNIT_PRICE)]
    PriceOutOfRange { price: Money },
    #[error("say who changes the price")]
    MissingBy,
    #[error("give a reason for the price change")]
    MissingReason,
    #[error("at most {} characters", MAX_TEXT_LEN)]
    TooLong,
    #[error("the register's clock is out of range")]
    BadTime,
    #[error(transparent)]
    Discount(#[from] DiscountError),
}

impl PriceOverrideError {
    pub fn code(&self) -> &'static str {
        match self {
            PriceOverrideError::NoSuchLine { .. } => "no_such_line",
            PriceOverrideError::OnReturnedLine => "override_on_returned_line",
            PriceOverrideError::PriceOutOfRange { .. } => "price_out_of_range",
            PriceOverrideError::MissingBy => "override_missing_by",
            PriceOverrideError::MissingReason => "override_missing_reason",
            PriceOverrideError::TooLong => "override_text_too_long",
            PriceOverrideError::BadTime => "override_bad_time",
            PriceOverrideError::Discount(d) => d.code(),
        }
    }
}

fn required(text: &str, missing: PriceOverrideError) -> Result<String, PriceOverrideError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(missing);
    }
    if t.chars().count() > MAX_TEXT_LEN {
        return Err(PriceOverrideError::TooLong);
    }
    Ok(t.to_string())
}

impl Cart {
    /// The catalog price of a line: the price it was scanned at, or the one its override records.
    pub fn catalog_price(&self, index: usize) -> Option<Money> {
        let l = self.lines.get(index)?;
        Some(l.price_override.as_ref().map_or(l.unit_price, |o| o.catalog_price))
    }

    /// Sets a sold line's unit price to `price`, recording who changed it, when (`at_ms`, on the
    /// register's clock) and why. Back to the catalog price, the override is removed (and `by`
    /// and `reason` are not needed). Returned lines keep the price their refund was planned at;
    /// a line discount that would exceed the new amount is refused. Nothing changes on an error.
    pub fn override_price(
        &mut self,
        index: usize,
        price: Money,
        by: &str,
        reason: &str,
        at_ms: i64,
    ) -> Result<(), PriceOverrideError> {
        let catalog_price = self.catalog_price(index).ok_or(PriceOverrideError::NoSuchLine { line: index + 1 })?;
        let line = &mut self.lines[index];
        if line.return_of.is_some() || line.is_return() {
            return Err(PriceOverrideError::OnReturnedLine);
        }
        if price.is_negative() || price > MAX_UNIT_PRICE {
            return Err(PriceOverrideError::PriceOutOfRange { price });
        }
        if let Some(d) = &line.discount {
            d.check(price.checked_mul(line.qty).map_err(DiscountError::from)?)?;
        }
        let price_override = if price == catalog_price {
            None
        } else {
            let by = required(by, PriceOverrideError::MissingBy)?;
            let reason = required(reason, PriceOverrideError::MissingReason)?;
            if !(0..=MAX_TIME_MS).contains(&at_ms) {
                return Err(PriceOverrideError::BadTime);
            }
            Some(PriceOverride { catalog_price, by, at_ms, reason })
        };
        line.unit_price = price;
        line.price_override = price_override;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::product;
    use crate::sale::Discount;
    use crate::tax::{TaxClass, TaxRates};

    fn cart() -> Cart {
        let mut c = Cart::default();
        c.add(&product("shirt", 2999, TaxClass::Taxable));
        c
    }

    #[test]
    fn a_new_price_records_the_catalog_price_who_when_and_why() {
        let mut c = cart();
        c.override_price(0, Money(2500), " Julie ", " prix affiché ", 1_700_000_000_000).unwrap();
        assert_eq!(c.lines[0].unit_price, Money(2500));
        assert_eq!(
            c.lines[0].price_override,
            Some(PriceOverride { catalog_price: Money(2999), by: "Julie".into(), at_ms: 1_700_000_000_000, reason: "prix affiché".into() })
        );
        assert_eq!(c.totals(&TaxRates::QUEBEC).unwrap().subtotal, Money(2500));
        // A second change keeps the catalog price, not the overridden one.
        c.override_price(0, Money(2000), "Marc", "abîmé", 1_700_000_000_001).unwrap();
        let o = c.lines[0].price_override.clone().unwrap();
        assert_eq!((o.catalog_price, o.by.as_str(), o.reason.as_str()), (Money(2999), "Marc", "abîmé"));
        assert_eq!(c.catalog_price(0), Some(Money(2999)));
    }

    #[test]
    fn back_to_the_catalog_price_removes_the_override() {
        let mut c = cart();
        c.override_price(0, Money(2500), "Julie", "prix affiché", 5).unwrap();
        c.override_price(0, Money(2999), "", "", 6).unwrap();
        assert_eq!(c.lines[0].unit_price, Money(2999));
        assert_eq!(c.lines[0].price_override, None);
        assert_eq!(c, cart());
    }

    #[test]
    fn who_and_why_are_required_and_short() {
        let mut c = cart();
        assert_eq!(c.override_price(0, Money(100), "  ", "r", 5), Err(PriceOverrideError::MissingBy));
        assert_eq!(c.override_price(0, Money(100), "Julie", "", 5), Err(PriceOverrideError::MissingReason));
        let long = "x".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(c.override_price(0, Money(100), "Julie", &long, 5), Err(PriceOverrideError::TooLong));
        assert_eq!(c.override_price(0, Money(100), "Julie", "r", -1), Err(PriceOverrideError::BadTime));
        assert_eq!(c, cart(), "nothing changed");
    }

    #[test]
    fn a_price_out_of_range_or_a_missing_line_is_refused() {
        let mut c = cart();
        assert_eq!(c.override_price(0, Money(-1), "J", "r", 5).unwrap_err().code(), "price_out_of_range");
        let over = Money(MAX_UNIT_PRICE.as_cents() + 1);
        assert_eq!(c.override_price(0, over, "J", "r", 5).unwrap_err().code(), "price_out_of_range");
        assert_eq!(c.override_price(1, Money(5), "J", "r", 5), Err(PriceOverrideError::NoSuchLine { line: 2 }));
        c.override_price(0, Money(0), "J", "offert", 5).unwrap();
        assert_eq!(c.lines[0].unit_price, Money(0));
    }

    #[test]
    fn returned_lines_keep_their_price() {
        let mut c = Cart::default();
        c.add_return(&product("hat", 1500, TaxClass::Taxable));
        assert_eq!(c.override_price(0, Money(1000), "J", "r", 5), Err(PriceOverrideError::OnReturnedLine));
    }

    #[test]
    fn a_line_discount_larger_than_the_new_amount_is_refused() {
        let mut c = cart();
        c.set_line_discount(0, Some(Discount::amount(Money(2000)))).unwrap();
        assert_eq!(c.override_price(0, Money(1000), "J", "r", 5).unwrap_err().code(), "discount_exceeds_amount");
        c.override_price(0, Money(2500), "J", "r", 5).unwrap();
    }

    #[test]
    fn the_paid_sale_carries_the_override_and_verifies() {
        let mut c = cart();
        c.override_price(0, Money(2500), "Julie", "prix affiché", 5).unwrap();
        let sale = crate::sale::tests::paid_sale(&c, Money(5000));
        assert_eq!(sale.lines[0].price_override.as_ref().map(|o| o.catalog_price), Some(Money(2999)));
        assert_eq!(sale.verify(&TaxRates::QUEBEC), Ok(()));
    }
}
