//! Discounts: on one line or on the whole sale, in percent or as an amount.
//!
//! A line's discount is taken off that line. A sale's discounts (the cashier's, the customer
//! account's automatic discount, a loyalty reward) are taken off the sold lines one after the other,
//! each on what the previous ones left, and the sum is shared over those lines by largest remainder
//! (see [`crate::sale::price_sale`]). Percentages are basis points: 1 000 bp = 10 %.

use crate::money::{Money, Overflow};
use serde::{Deserialize, Serialize};

/// 100 %, in basis points.
pub const FULL_BP: u32 = 10_000;

/// How much a discount takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum DiscountRule {
    /// A percentage in basis points (1 250 = 12,5 %).
    Percent {
        #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = FULL_BP)))]
        bp: u32,
    },
    /// A fixed amount off the line (its whole quantity) or off the sale.
    Amount {
        #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_AMOUNT.as_cents())))]
        amount: Money,
    },
}

/// Why a discount was given; the receipt and the end-of-day report name it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum DiscountReason {
    /// Typed by the cashier.
    #[default]
    Manual,
    /// The customer account's automatic discount ("remise automatique", seed 003).
    Automatic,
    /// A loyalty reward the cashier applied by hand (seed 003).
    Reward,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Discount {
    #[serde(default)]
    pub reason: DiscountReason,
    pub rule: DiscountRule,
}

impl Discount {
    /// The cashier's percent discount, in basis points.
    pub const fn percent(bp: u32) -> Discount {
        Discount { reason: DiscountReason::Manual, rule: DiscountRule::Percent { bp } }
    }

    /// The cashier's amount discount.
    pub const fn amount(amount: Money) -> Discount {
        Discount { reason: DiscountReason::Manual, rule: DiscountRule::Amount { amount } }
    }

    /// The same discount, given for another reason.
    pub const fn because(self, reason: DiscountReason) -> Discount {
        Discount { reason, rule: self.rule }
    }

    /// What this discount takes off `amount` (signed like `amount`: a discount on a returned line
    /// is given back), never more than `amount`. An invalid discount is first brought into range,
    /// so pricing is defined for any input; [`Discount::check`] is what refuses it.
    pub fn off(&self, amount: Money) -> Result<Money, Overflow> {
        match self.rule {
            DiscountRule::Percent { bp } => amount.percent(bp.min(FULL_BP)),
            DiscountRule::Amount { amount: off } => {
                let off = Money(off.as_cents().clamp(0, amount.as_cents().checked_abs().unwrap_or(i64::MAX)));
                if amount.is_negative() {
                    off.checked_neg()
                } else {
                    Ok(off)
                }
            }
        }
    }

    /// Refuses a discount that cannot apply to `amount`: over 100 %, negative, or larger than it.
    pub fn check(&self, amount: Money) -> Result<(), DiscountError> {
        match self.rule {
            DiscountRule::Percent { bp } if bp > FULL_BP => Err(DiscountError::OverFullPercent { bp }),
            DiscountRule::Percent { .. } => Ok(()),
            DiscountRule::Amount { amount: off } if off.is_negative() => Err(DiscountError::Negative { amount: off }),
            DiscountRule::Amount { amount: off } => {
                let room = amount.checked_abs().map_err(|_| DiscountError::Overflow)?;
                if off > room {
                    Err(DiscountError::ExceedsAmount { discount: off, amount: room })
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiscountError {
    #[error("a discount cannot exceed 100 % (got {} %)", percent_text(*bp))]
    OverFullPercent { bp: u32 },
    #[error("a discount cannot be negative (got {amount})")]
    Negative { amount: Money },
    #[error("a discount of {discount} exceeds the {amount} it applies to")]
    ExceedsAmount { discount: Money, amount: Money },
    #[error("a returned line refunds what the original sale charged: it takes no discount of its own")]
    OnReturnedLine,
    #[error("no line {line} in the cart")]
    NoSuchLine { line: usize },
    #[error("amounts out of range")]
    Overflow,
}

impl DiscountError {
    pub fn code(&self) -> &'static str {
        match self {
            DiscountError::OverFullPercent { .. } => "discount_over_100_percent",
            DiscountError::Negative { .. } => "discount_negative",
            DiscountError::ExceedsAmount { .. } => "discount_exceeds_amount",
            DiscountError::OnReturnedLine => "discount_on_returned_line",
            DiscountError::NoSuchLine { .. } => "no_such_line",
            DiscountError::Overflow => "overflow",
        }
    }
}

impl From<Overflow> for DiscountError {
    fn from(_: Overflow) -> Self {
        DiscountError::Overflow
    }
}

/// Basis points as a French percentage: 1250 → `12,5`, 1000 → `10`.
pub fn percent_text(bp: u32) -> String {
    let (whole, frac) = (bp / 100, bp % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole},{}", f / 10),
        f => format!("{whole},{f:02}"),
    }
}

/// A percentage as typed ("12,5", "12.5", "5"), in basis points, from 0 to 100 %: the inverse of
/// [`percent_text`]. `12,5` % is 1 250 basis points, the same digits as 12,50 $ in cents.
pub fn parse_percent(text: &str) -> Option<u32> {
    let m = Money::parse(text.trim().trim_end_matches('%').trim()).ok()?;
    u32::try_from(m.as_cents()).ok().filter(|bp| *bp <= FULL_BP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_typed_percentage_reads_back_as_its_text() {
        assert_eq!(parse_percent("12,5"), Some(1_250));
        assert_eq!(parse_percent(" 5 % "), Some(500));
        assert_eq!(parse_percent("0"), Some(0));
        assert_eq!((parse_percent("100,01"), parse_percent("-1"), parse_percent("cinq")), (None, None, None));
        for bp in [0, 1, 10, 250, 1_234, FULL_BP] {
            assert_eq!(parse_percent(&percent_text(bp)), Some(bp));
        }
    }

    #[test]
    fn ten_percent_off_a_shirt_is_rounded_half_up() {
        assert_eq!(Discount::percent(1000).off(Money(2999)), Ok(Money(300))); // 299,9 → 300
        assert_eq!(Discount::percent(1250).off(Money(100)), Ok(Money(13))); // 12,5 → 13
        assert_eq!(Discount::percent(1250).off(Money(-100)), Ok(Money(-13)));
    }

    #[test]
    fn an_amount_discount_on_a_returned_line_is_given_back() {
        assert_eq!(Discount::amount(Money(500)).off(Money(-2000)), Ok(Money(-500)));
        assert_eq!(Discount::amount(Money(500)).off(Money(2000)), Ok(Money(500)));
    }

    #[test]
    fn a_discount_larger_than_the_line_is_refused_with_the_figures() {
        let e = Discount::amount(Money(1000)).check(Money(700)).unwrap_err();
        assert_eq!(e.code(), "discount_exceeds_amount");
        assert_eq!(e.to_string(), "a discount of 10,00\u{a0}$ exceeds the 7,00\u{a0}$ it applies to");
        assert_eq!(
            Discount::percent(12_000).check(Money(700)).unwrap_err().to_string(),
            "a discount cannot exceed 100 % (got 120 %)"
        );
        assert_eq!(Discount::amount(Money(-1)).check(Money(700)).unwrap_err().code(), "discount_negative");
        assert_eq!(Discount::amount(Money(700)).check(Money(-700)), Ok(()));
    }

    #[test]
    fn an_invalid_discount_is_brought_into_range_when_priced() {
        assert_eq!(Discount::amount(Money(1000)).off(Money(700)), Ok(Money(700)));
        assert_eq!(Discount::amount(Money(-5)).off(Money(700)), Ok(Money(0)));
        assert_eq!(Discount::percent(50_000).off(Money(700)), Ok(Money(700)));
    }

    #[test]
    fn percentages_read_the_french_way() {
        assert_eq!(percent_text(1000), "10");
        assert_eq!(percent_text(1250), "12,5");
        assert_eq!(percent_text(9975), "99,75");
        assert_eq!(percent_text(5), "0,05");
    }

    #[test]
    fn discounts_keep_their_json_shape() {
        let d = Discount::percent(1000).because(DiscountReason::Automatic);
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"reason":"automatic","rule":{"kind":"percent","bp":1000}}"#);
        assert_eq!(
            serde_json::from_str::<Discount>(r#"{"rule":{"kind":"amount","amount":250}}"#).unwrap(),
            Discount::amount(Money(250))
        );
    }

    proptest! {
        #[test]
        fn a_discount_never_exceeds_what_it_applies_to(amount in any::<i64>(), bp in any::<u32>(), off in any::<i64>()) {
            for d in [Discount::percent(bp), Discount::amount(Money(off))] {
                if let Ok(x) = d.off(Money(amount)) {
                    prop_assert!(x.as_cents().unsigned_abs() <= amount.unsigned_abs());
                    prop_assert!(x.as_cents() == 0 || (x.as_cents() < 0) == (amount < 0));
                }
                let _ = d.check(Money(amount));
            }
        }
    }
}
