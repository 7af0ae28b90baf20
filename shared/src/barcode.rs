//! GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) mod-10 check digits.

/// The check digit for the given digits (without their check digit).
pub fn gtin_check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // From the right, weights alternate 3, 1, 3, …
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    Some(((10 - sum % 10) % 10) as u8)
}

/// True when `code` is a GTIN of a valid length whose last digit checks.
pub fn is_valid_gtin(code: &str) -> bool {
    matches!(code.len(), 8 | 12 | 13 | 14)
        && code.bytes().all(|b| b.is_ascii_digit())
        && gtin_check_digit(&code[..code.len() - 1]) == Some(code.as_bytes()[code.len() - 1] - b'0')
}

/// Appends the check digit to a 12-digit body, giving an EAN-13.
pub fn ean13(body12: &str) -> Option<String> {
    (body12.len() == 12).then_some(())?;
    gtin_check_digit(body12).map(|d| format!("{body12}{d}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes_check() {
        assert!(is_valid_gtin("4006381333931"));
        assert!(is_valid_gtin("036000291452")); // UPC-A
        assert!(is_valid_gtin("96385074")); // EAN-8
        assert!(!is_valid_gtin("4006381333932"));
        assert!(!is_valid_gtin("40063813339"));
        assert_eq!(ean13("400638133393").as_deref(), Some("4006381333931"));
    }

    proptest! {
        #[test]
        fn every_generated_ean13_is_valid_and_any_single_digit_change_is_caught(body in "[0-9]{12}", pos in 0usize..13, delta in 1u8..10) {
            let code = ean13(&body).unwrap();
            prop_assert!(is_valid_gtin(&code));
            let mut bytes = code.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            prop_assert!(!is_valid_gtin(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn every_gtin_length_checks_its_digit_and_catches_one_wrong_digit(len in prop::sample::select(vec![8usize, 12, 13, 14]), digits in "[0-9]{13}", pos in 0usize..14, delta in 1u8..10) {
            let body = &digits[..len - 1];
            let code = format!("{body}{}", gtin_check_digit(body).unwrap());
            prop_assert!(is_valid_gtin(&code));
            let mut bytes = code.into_bytes();
            let pos = pos % len;
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            prop_assert!(!is_valid_gtin(std::str::from_utf8(&bytes).unwrap()));
        }

        #[test]
        fn other_lengths_and_non_digits_are_never_gtins(code in "[0-9A-Z]{0,20}") {
            let plausible = matches!(code.len(), 8 | 12 | 13 | 14) && code.bytes().all(|b| b.is_ascii_digit());
            prop_assert!(plausible || !is_valid_gtin(&code));
        }
    }
}
