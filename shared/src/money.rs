//! Money is a whole number of cents. Arithmetic is checked: an overflow is an error, never a wrap.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in cents (CAD). Negative amounts are refunds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(pub i64);

/// On the wire: an integer number of cents within ±[`crate::limits::MAX_AMOUNT`]. Inlined in every schema
/// that uses it, so a field can narrow the range (a unit price: 0 to `MAX_UNIT_PRICE`).
#[cfg(feature = "openapi")]
impl schemars::JsonSchema for Money {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let max = crate::limits::MAX_AMOUNT.as_cents();
        schemars::json_schema!({
            "type": "integer",
            "format": "int64",
            "description": "An amount in integer cents (CAD); negative for refunds.",
            "minimum": -max,
            "maximum": max,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct Overflow;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn cents(c: i64) -> Money {
        Money(c)
    }
    pub const fn as_cents(self) -> i64 {
        self.0
    }
    pub fn checked_add(self, o: Money) -> Result<Money, Overflow> {
        self.0.checked_add(o.0).map(Money).ok_or(Overflow)
    }
    pub fn checked_sub(self, o: Money) -> Result<Money, Overflow> {
        self.0.checked_sub(o.0).map(Money).ok_or(Overflow)
    }
    pub fn checked_mul(self, qty: i64) -> Result<Money, Overflow> {
        self.0.checked_mul(qty).map(Money).ok_or(Overflow)
    }
    pub fn checked_neg(self) -> Result<Money, Overflow> {
        self.0.checked_neg().map(Money).ok_or(Overflow)
    }
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub fn checked_abs(self) -> Result<Money, Overflow> {
        self.0.checked_abs().map(Money).ok_or(Overflow)
    }

    /// `self × num / den`, rounded half away from zero to the cent (so a refund mirrors a sale).
    /// Used to prorate an amount over units and to take a percentage. `den` must be positive.
    pub fn prorate(self, num: i64, den: i64) -> Result<Money, Overflow> {
        if den <= 0 {
            return Err(Overflow);
        }
        let n = i128::from(self.0) * i128::from(num);
        let d = i128::from(den);
        let q = (n.unsigned_abs() + d.unsigned_abs() / 2) / d.unsigned_abs();
        let q = i128::try_from(q).map_err(|_| Overflow)?;
        i64::try_from(if n < 0 { -q } else { q }).map(Money).map_err(|_| Overflow)
    }

    /// `bp` basis points of this amount (1 000 bp = 10 %), rounded half away from zero.
    pub fn percent(self, bp: u32) -> Result<Money, Overflow> {
        self.prorate(i64::from(bp), 10_000)
    }

    /// Splits `self` over `weights` in proportion, so that the parts add up to `self` exactly
    /// (largest remainder): each part is first rounded down, then the cents still missing go one each
    /// to the parts with the largest remainders, the earliest first on a tie. Each part is within one
    /// cent of its exact share. Weights may have any sign; when they sum to zero nothing can be
    /// shared in proportion and every part is zero.
    pub fn allocate(self, weights: &[i64]) -> Result<Vec<Money>, Overflow> {
        let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
        if sum == 0 {
            return Ok(vec![Money::ZERO; weights.len()]);
        }
        // Keep the divisor positive so that `div_euclid` rounds down and remainders are in [0, den).
        let (sign, den) = if sum < 0 { (-1i128, -sum) } else { (1, sum) };
        let total = i128::from(self.0);
        let mut parts = Vec::with_capacity(weights.len());
        let mut remainders = Vec::with_capacity(weights.len());
        let mut given: i128 = 0;
        for (i, w) in weights.iter().enumerate() {
            let n = total * i128::from(*w) * sign;
            let part = n.div_euclid(den);
            given = given.checked_add(part).ok_or(Overflow)?;
            parts.push(part);
            remainders.push((n.rem_euclid(den), i));
        }
        let missing = total.checked_sub(given).and_then(|m| usize::try_from(m).ok()).ok_or(Overflow)?;
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, i) in remainders.into_iter().take(missing) {
            parts[i] += 1;
        }
        parts.into_iter().map(|p| i64::try_from(p).map(Money).map_err(|_| Overflow)).collect()
    }

    /// Sums amounts, failing on overflow.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, Overflow> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }

    /// fr-CA: `1 234,56 $` (narrow no-break space between thousands, no-break space before `$`).
    pub fn format_fr_ca(self) -> String {
        let (sign, units, cents) = self.parts();
        format!("{sign}{},{cents:02}\u{a0}$", group(units, '\u{202f}'))
    }

    /// en-CA: `$1,234.56`, `-$3.00`.
    pub fn format_en_ca(self) -> String {
        let (sign, units, cents) = self.parts();
        format!("{sign}${}.{cents:02}", group(units, ','))
    }

    fn parts(self) -> (&'static str, u64, u64) {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        (sign, abs / 100, abs % 100)
    }

    /// Parses what a cashier types: `12,34`, `12.34`, `12`, `12,5`, `0,05`, with optional `$` and spaces.
    pub fn parse(input: &str) -> Result<Money, ParseMoneyError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '$' && *c != '\u{a0}' && *c != '\u{202f}')
            .collect();
        if s.is_empty() {
            return Err(ParseMoneyError::Empty);
        }
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let mut split = body.splitn(2, [',', '.']);
        let whole = split.next().unwrap_or("");
        let frac = split.next();
        if whole.is_empty() && frac.is_none() {
            return Err(ParseMoneyError::Invalid);
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseMoneyError::Invalid);
        }
        let frac_cents = match frac {
            None => 0,
            Some(f) if f.is_empty() || f.len() > 2 || !f.chars().all(|c| c.is_ascii_digit()) => {
                return Err(ParseMoneyError::Invalid)
            }
            Some(f) if f.len() == 1 => f.parse::<i64>().map_err(|_| ParseMoneyError::Invalid)? * 10,
            Some(f) => f.parse::<i64>().map_err(|_| ParseMoneyError::Invalid)?,
        };
        let units: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| ParseMoneyError::TooLarge)?
        };
        let cents = units
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .ok_or(ParseMoneyError::TooLarge)?;
        Ok(Money(if neg { -cents } else { cents }))
    }
}

fn group(mut n: u64, sep: char) -> String {
    let mut groups = Vec::new();
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut out = groups.pop().map(|g| g.to_string()).unwrap_or_default();
    while let Some(g) = groups.pop() {
        out.push(sep);
        out.push_str(&format!("{g:03}"));
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_fr_ca())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseMoneyError {
    #[error("no amount entered")]
    Empty,
    #[error("not an amount: use digits with at most two decimals, e.g. 12,34")]
    Invalid,
    #[error("amount too large")]
    TooLarge,
}

impl ParseMoneyError {
    /// A stable machine-readable code for translated messages.
    pub fn code(&self) -> &'static str {
        match self {
            ParseMoneyError::Empty => "amount_empty",
            ParseMoneyError::Invalid => "amount_invalid",
            ParseMoneyError::TooLarge => "amount_too_large",
        }
    }
}

impl Overflow {
    pub fn code(&self) -> &'static str {
        "overflow"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_fr_ca_with_comma_and_trailing_dollar() {
        assert_eq!(Money(1234).format_fr_ca(), "12,34\u{a0}$");
        assert_eq!(Money(123456).format_fr_ca(), "1\u{202f}234,56\u{a0}$");
        assert_eq!(Money(5).format_fr_ca(), "0,05\u{a0}$");
        assert_eq!(Money(-300).format_fr_ca(), "-3,00\u{a0}$");
    }

    #[test]
    fn formats_en_ca_with_leading_dollar() {
        assert_eq!(Money(123456).format_en_ca(), "$1,234.56");
        assert_eq!(Money(-300).format_en_ca(), "-$3.00");
        assert_eq!(Money(100_000_000).format_en_ca(), "$1,000,000.00");
    }

    #[test]
    fn parses_what_a_cashier_types() {
        assert_eq!(Money::parse("12,34"), Ok(Money(1234)));
        assert_eq!(Money::parse("12.34"), Ok(Money(1234)));
        assert_eq!(Money::parse("12"), Ok(Money(1200)));
        assert_eq!(Money::parse("12,5"), Ok(Money(1250)));
        assert_eq!(Money::parse(" 20 $"), Ok(Money(2000)));
        assert_eq!(Money::parse(",50"), Ok(Money(50)));
        assert_eq!(Money::parse(""), Err(ParseMoneyError::Empty));
        assert_eq!(Money::parse("12,345"), Err(ParseMoneyError::Invalid));
        assert_eq!(Money::parse("1a"), Err(ParseMoneyError::Invalid));
        assert_eq!(Money::parse("12,"), Err(ParseMoneyError::Invalid));
        assert_eq!(Money::parse("99999999999999999999"), Err(ParseMoneyError::TooLarge));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), Err(Overflow));
        assert_eq!(Money(i64::MAX).checked_mul(2), Err(Overflow));
        assert_eq!(Money(i64::MIN).checked_neg(), Err(Overflow));
    }

    #[test]
    fn prorating_rounds_half_away_from_zero() {
        assert_eq!(Money(1000).prorate(1, 3), Ok(Money(333)));
        assert_eq!(Money(1000).prorate(2, 3), Ok(Money(667)));
        assert_eq!(Money(-1000).prorate(2, 3), Ok(Money(-667)));
        assert_eq!(Money(5).prorate(1, 2), Ok(Money(3)));
        assert_eq!(Money(-5).prorate(1, 2), Ok(Money(-3)));
        assert_eq!(Money(5).prorate(1, 0), Err(Overflow));
        assert_eq!(Money(i64::MAX).prorate(2, 1), Err(Overflow));
        assert_eq!(Money(2999).percent(1000), Ok(Money(300)));
    }

    #[test]
    fn allocation_gives_the_missing_cents_to_the_largest_remainders() {
        // 10 ¢ over 1:1:1 → 3,33 each; one cent left goes to the first.
        assert_eq!(Money(10).allocate(&[1, 1, 1]), Ok(vec![Money(4), Money(3), Money(3)]));
        // 100 ¢ over 1:2:3 → 16,67 / 33,33 / 50: the cent goes to the largest remainder (the first).
        assert_eq!(Money(100).allocate(&[1, 2, 3]), Ok(vec![Money(17), Money(33), Money(50)]));
        assert_eq!(Money(-10).allocate(&[1, 1, 1]), Ok(vec![Money(-3), Money(-3), Money(-4)]));
        assert_eq!(Money(7).allocate(&[0, 0]), Ok(vec![Money(0), Money(0)]));
        assert_eq!(Money(7).allocate(&[]), Ok(vec![]));
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(ParseMoneyError::Empty.code(), "amount_empty");
        assert_eq!(ParseMoneyError::Invalid.code(), "amount_invalid");
        assert_eq!(ParseMoneyError::TooLarge.code(), "amount_too_large");
        assert_eq!(Overflow.code(), "overflow");
    }

    proptest! {
        #[test]
        fn allocated_parts_add_up_and_stay_within_a_cent_of_their_share(
            total in -1_000_000_000_000i64..1_000_000_000_000,
            weights in prop::collection::vec(-1_000_000_000i64..1_000_000_000, 0..20),
        ) {
            let parts = Money(total).allocate(&weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            if sum != 0 {
                prop_assert_eq!(parts.iter().map(|p| i128::from(p.0)).sum::<i128>(), i128::from(total));
                for (p, w) in parts.iter().zip(&weights) {
                    // |part − total × w / sum| < 1
                    let exact_num = i128::from(total) * i128::from(*w);
                    prop_assert!((i128::from(p.0) * sum - exact_num).abs() < sum.abs());
                }
            }
        }

        #[test]
        fn allocating_over_non_negative_weights_never_gives_a_part_more_than_its_weight(
            weights in prop::collection::vec(0i64..1_000_000, 1..20), frac in 0u32..=10_000,
        ) {
            let base: i64 = weights.iter().sum();
            let d = Money(base).percent(frac).unwrap();
            for (p, w) in d.allocate(&weights).unwrap().iter().zip(&weights) {
                prop_assert!(p.0 >= 0 && p.0 <= *w);
            }
        }

        #[test]
        fn money_rules_never_panic(a in any::<i64>(), n in any::<i64>(), d in any::<i64>(), bp in any::<u32>(),
                                    w in prop::collection::vec(any::<i64>(), 0..6)) {
            let _ = Money(a).prorate(n, d);
            let _ = Money(a).percent(bp);
            let _ = Money(a).allocate(&w);
            let _ = Money(a).checked_abs();
            let _ = Money(a).format_en_ca();
            let _ = Money(a).format_fr_ca();
        }

        #[test]
        fn en_ca_and_fr_ca_agree_on_the_digits(c in any::<i64>()) {
            let digits = |s: String| s.chars().filter(char::is_ascii_digit).collect::<String>();
            prop_assert_eq!(digits(Money(c).format_en_ca()), digits(Money(c).format_fr_ca()));
        }

        #[test]
        fn fr_ca_formatting_parses_back(c in -10_000_000_000i64..10_000_000_000) {
            prop_assert_eq!(Money::parse(&Money(c).format_fr_ca()), Ok(Money(c)));
        }
        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = Money::parse(&s);
        }
    }
}
