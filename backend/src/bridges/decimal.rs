//! Exact cents from the decimal amounts platforms send: BigCommerce strings with four decimals
//! ("55.9900"), Ecwid JSON numbers (10, 10.5). Read from the number's decimal text, never through float
//! arithmetic; an amount that is not a whole number of cents is refused rather than rounded.

use serde_json::Value;
use shared::money::Money;

/// `"55.9900"` → 5599 cents; `"1.005"` → `None` (not a whole cent). Accepts a sign and an exponent
/// (`"1e2"`, the form serde_json prints very large or very small numbers in).
pub fn cents_from_decimal(text: &str) -> Option<Money> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i32>().ok()?),
        None => (unsigned, 0),
    };
    if !(-40..=40).contains(&exponent) {
        return None;
    }
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The amount is digits × 10^(exponent − frac.len()); in cents, × 10^shift.
    let digits = format!("{whole}{frac}");
    let digits = digits.trim_start_matches('0');
    let shift = 2 + exponent - frac.len() as i32;
    let kept = if shift < 0 {
        let dropped = (-shift) as usize;
        if digits.len() <= dropped {
            if digits.bytes().any(|b| b != b'0') {
                return None;
            }
            ""
        } else {
            let (kept, dropped) = digits.split_at(digits.len() - dropped);
            if dropped.bytes().any(|b| b != b'0') {
                return None;
            }
            kept
        }
    } else {
        digits
    };
    let mut cents: i64 = if kept.is_empty() { 0 } else { kept.parse().ok()? };
    for _ in 0..shift.max(0) {
        cents = cents.checked_mul(10)?;
    }
    Some(Money(if negative { -cents } else { cents }))
}

/// The same from a JSON value that is either a decimal string or a number.
pub fn cents_from_json(value: &Value) -> Option<Money> {
    match value {
        Value::String(s) => cents_from_decimal(s),
        // serde_json prints a number in its shortest round-trip form: the decimal text it was sent as.
        Value::Number(n) => cents_from_decimal(&n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_amounts_become_exact_cents() {
        assert_eq!(cents_from_decimal("55.9900"), Some(Money(5599)));
        assert_eq!(cents_from_decimal("361.9500"), Some(Money(36195)));
        assert_eq!(cents_from_decimal("10"), Some(Money(1000)));
        assert_eq!(cents_from_decimal("10.5"), Some(Money(1050)));
        assert_eq!(cents_from_decimal("0.0000"), Some(Money(0)));
        assert_eq!(cents_from_decimal(".5"), Some(Money(50)));
        assert_eq!(cents_from_decimal("-3.25"), Some(Money(-325)));
        assert_eq!(cents_from_decimal("1e2"), Some(Money(10000)));
        assert_eq!(cents_from_decimal("1.5E-1"), Some(Money(15)));
    }

    #[test]
    fn fractions_of_a_cent_and_garbage_are_refused_not_rounded() {
        for bad in ["1.005", "55.9950", "1e-3", "", ".", "abc", "1.2.3", "1,50", "--1", "1e", "1e999", "99999999999999999999"] {
            assert_eq!(cents_from_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_numbers_are_read_through_their_decimal_text() {
        let v: Value = serde_json::from_str(r#"[10, 10.5, 19.99, 0.1, "4.2000", null, true]"#).unwrap();
        let got: Vec<_> = v.as_array().unwrap().iter().map(cents_from_json).collect();
        assert_eq!(got, vec![Some(Money(1000)), Some(Money(1050)), Some(Money(1999)), Some(Money(10)), Some(Money(420)), None, None]);
    }
}
