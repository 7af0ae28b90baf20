//! The offline PIN check. The server sends each device the verifiers of its outlet's staff —
//! PBKDF2-HMAC-SHA256 of the PIN with a per-staff salt — never the PIN and never the server's own
//! (argon2) hash. A register checks a PIN against it with no network. The trade-off (a stolen device's
//! storage lets an attacker try every short PIN offline) is set out in ARCHITECTURE.md.

use serde::{Deserialize, Serialize};

/// PBKDF2 rounds: about a tenth of a second in a tablet's browser, so each guess offline costs that.
pub const PIN_ITERATIONS: u32 = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PinVerifier {
    /// Hex.
    pub salt: String,
    pub iterations: u32,
    /// Hex of the 32-byte derived key.
    pub hash: String,
}

/// A PIN is 4 to 8 digits.
pub fn check_pin_format(pin: &str) -> Result<(), &'static str> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a PIN is 4 to 8 digits");
    }
    Ok(())
}

impl PinVerifier {
    /// The verifier of `pin` with `salt` (16 random bytes, chosen by the server when the PIN is set).
    pub fn new(pin: &str, salt: &[u8], iterations: u32) -> PinVerifier {
        PinVerifier { salt: hex(salt), iterations, hash: hex(&derive(pin, salt, iterations)) }
    }

    /// Whether `pin` is the PIN this verifier was made from. Compares in constant time.
    pub fn matches(&self, pin: &str) -> bool {
        let Some(salt) = unhex(&self.salt) else { return false };
        let Some(expected) = unhex(&self.hash) else { return false };
        // A verifier from a hostile server must not make the register spin for hours.
        if self.iterations == 0 || self.iterations > 10 * PIN_ITERATIONS {
            return false;
        }
        let got = derive(pin, &salt, self.iterations);
        expected.len() == got.len() && expected.iter().zip(got.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

fn derive(pin: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pin.as_bytes(), salt, iterations, &mut out);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_accepts_its_pin_and_nothing_else() {
        let v = PinVerifier::new("482913", b"0123456789abcdef", 1000);
        assert!(v.matches("482913"));
        assert!(!v.matches("482914"));
        assert!(!v.matches(""));
        assert!(!v.hash.contains("482913"));
    }

    #[test]
    fn pbkdf2_sha256_matches_the_published_test_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64) — first 32 bytes.
        let v = PinVerifier::new("passwd", b"salt", 1);
        assert_eq!(v.hash, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    }

    #[test]
    fn a_malformed_or_hostile_verifier_matches_nothing() {
        let mut v = PinVerifier::new("1234", b"salt", 1);
        v.hash.push('z');
        assert!(!v.matches("1234"));
        let mut v = PinVerifier::new("1234", b"salt", 1);
        v.iterations = u32::MAX;
        assert!(!v.matches("1234"));
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        assert!(check_pin_format("1234").is_ok());
        assert!(check_pin_format("12345678").is_ok());
        assert!(check_pin_format("123").is_err());
        assert!(check_pin_format("123456789").is_err());
        assert!(check_pin_format("12a4").is_err());
    }
}
