//! Sales tax. Québec: TPS (GST) 5 % and TVQ (QST) 9,975 %, both on the same base (not compounded).
//!
//! **The rule.** Tax is computed once per sale and per rate, not per line:
//!
//! 1. Each line's *net* is its price × quantity, less its own discount (percent or amount), less its
//!    share of the sale's discounts (cashier's discount, the customer account's automatic discount, a
//!    loyalty reward), shared over the sold lines by largest remainder — see [`crate::sale::price_sale`].
//! 2. For each rate, the *base* is the sum of the nets of the lines whose tax class carries that rate
//!    ([`TaxClass::carries`]); zero-rated and exempt lines are in no base.
//! 3. The tax is `base × rate`, rounded half-up to the cent (half away from zero for a negative base,
//!    so that a return without a receipt mirrors a sale exactly). See [`tax_on`].
//! 4. A return that refers to an original sale is not taxed again: it refunds the tax that sale charged
//!    for those units, which is added to the rate's amount as is. Its net is still counted in the base
//!    shown on the receipt, so with such lines the shown amount is not always `base × rate`.
//!
//! To refund a line, a sale's tax for each rate is attributed to its lines in proportion to their nets,
//! by largest remainder, so that the lines' shares add up to the tax charged; a partial return then
//! prorates a line's share by units (see [`crate::sale::plan_return`]).
//!
//! Rates are held in parts per million because 9,975 % is not whole basis points.

use crate::money::{Money, Overflow};
use serde::{Deserialize, Serialize};

/// Which taxes apply to a product.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum TaxClass {
    /// TPS and TVQ.
    #[default]
    Taxable,
    /// TPS only (e.g. some books).
    GstOnly,
    /// Zero-rated: taxable at 0 % (basic groceries).
    ZeroRated,
    /// Exempt: outside the tax.
    Exempt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum TaxCode {
    /// TPS / GST
    Gst,
    /// TVQ / QST
    Qst,
}

impl TaxCode {
    /// Both rates, in the order totals and receipts show them: TPS then TVQ.
    pub const ALL: [TaxCode; 2] = [TaxCode::Gst, TaxCode::Qst];
}

impl TaxClass {
    pub fn carries(self, code: TaxCode) -> bool {
        match self {
            TaxClass::Taxable => true,
            TaxClass::GstOnly => code == TaxCode::Gst,
            TaxClass::ZeroRated | TaxClass::Exempt => false,
        }
    }
}

/// An outlet's rates, in parts per million.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TaxRates {
    pub gst_ppm: u32,
    pub qst_ppm: u32,
}

impl TaxRates {
    pub const QUEBEC: TaxRates = TaxRates { gst_ppm: 50_000, qst_ppm: 99_750 };

    pub fn ppm(&self, code: TaxCode) -> u32 {
        match code {
            TaxCode::Gst => self.gst_ppm,
            TaxCode::Qst => self.qst_ppm,
        }
    }
}

impl Default for TaxRates {
    fn default() -> Self {
        TaxRates::QUEBEC
    }
}

/// The longest registration number a field takes as typed (spaces and hyphens included).
pub const MAX_REGISTRATION_NUMBER_LEN: usize = 32;

/// An outlet's tax registration number as receipts print it, from what an admin typed: TPS/GST is the
/// 9-digit business number, `RT` and a 4-digit account (`123456789 RT0001`); TVQ/QST is a 10-digit
/// identification number, `TQ` and a 4-digit file number (`1234567890 TQ0001`). Spaces and hyphens
/// are ignored and letters may be lower-case. Empty stays empty: a small supplier is not registered.
/// Only the shape is checked — the agencies publish no check-digit rule to rely on.
pub fn registration_number(code: TaxCode, typed: &str) -> Result<String, &'static str> {
    if typed.len() > MAX_REGISTRATION_NUMBER_LEN {
        return Err("too_long");
    }
    let compact: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_ascii_uppercase();
    if compact.is_empty() {
        return Ok(String::new());
    }
    let (digits, program) = match code {
        TaxCode::Gst => (9, "RT"),
        TaxCode::Qst => (10, "TQ"),
    };
    let shaped = compact.len() == digits + 6
        && compact.is_ascii()
        && compact[..digits].bytes().all(|b| b.is_ascii_digit())
        && compact[digits..digits + 2] == *program
        && compact[digits + 2..].bytes().all(|b| b.is_ascii_digit());
    if shaped {
        Ok(format!("{} {}", &compact[..digits], &compact[digits..]))
    } else {
        Err(match code {
            TaxCode::Gst => "bad_gst_number",
            TaxCode::Qst => "bad_qst_number",
        })
    }
}

/// A rate as people read it: `5 %`, `9,975 %` (French) or `5%`, `9.975%` (English).
pub fn rate_text(ppm: u32, french: bool) -> String {
    let whole = ppm / 10_000;
    let fraction = format!("{:04}", ppm % 10_000);
    let fraction = fraction.trim_end_matches('0');
    let number = if fraction.is_empty() { whole.to_string() } else { format!("{whole}{}{fraction}", if french { ',' } else { '.' }) };
    if french {
        format!("{number} %")
    } else {
        format!("{number}%")
    }
}

/// `base × ppm / 1 000 000`, rounded half away from zero to the cent.
pub fn tax_on(base: Money, ppm: u32) -> Result<Money, Overflow> {
    let product = i128::from(base.as_cents()) * i128::from(ppm);
    let abs = product.unsigned_abs();
    let rounded = (abs + 500_000) / 1_000_000;
    let signed = if product < 0 { -(rounded as i128) } else { rounded as i128 };
    i64::try_from(signed).map(Money).map_err(|_| Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quebec_taxes_on_ten_dollars() {
        assert_eq!(tax_on(Money(1000), TaxRates::QUEBEC.gst_ppm), Ok(Money(50)));
        assert_eq!(tax_on(Money(1000), TaxRates::QUEBEC.qst_ppm), Ok(Money(100))); // 99,75 ¢ → 1,00 $
    }

    #[test]
    fn rounds_half_up_and_mirrors_for_refunds() {
        // 10 ¢ × 5 % = 0,5 ¢ → 1 ¢
        assert_eq!(tax_on(Money(10), 50_000), Ok(Money(1)));
        assert_eq!(tax_on(Money(-10), 50_000), Ok(Money(-1)));
        // 9 ¢ × 5 % = 0,45 ¢ → 0
        assert_eq!(tax_on(Money(9), 50_000), Ok(Money(0)));
    }

    #[test]
    fn classes_carry_their_rates() {
        assert!(TaxClass::Taxable.carries(TaxCode::Qst));
        assert!(TaxClass::GstOnly.carries(TaxCode::Gst));
        assert!(!TaxClass::GstOnly.carries(TaxCode::Qst));
        assert!(!TaxClass::ZeroRated.carries(TaxCode::Gst));
        assert!(!TaxClass::Exempt.carries(TaxCode::Gst));
    }
    #[test]
    fn registration_numbers_are_checked_for_shape_and_printed_alike() {
        assert_eq!(registration_number(TaxCode::Gst, " 123456789rt0001 "), Ok("123456789 RT0001".into()));
        assert_eq!(registration_number(TaxCode::Gst, "123-456-789 RT 0001"), Ok("123456789 RT0001".into()));
        assert_eq!(registration_number(TaxCode::Qst, "1234567890 tq 0001"), Ok("1234567890 TQ0001".into()));
        assert_eq!(registration_number(TaxCode::Gst, "  "), Ok(String::new()));
        // A TVQ number typed in the TPS field, a missing digit, the wrong program, a letter among digits.
        assert_eq!(registration_number(TaxCode::Gst, "1234567890 TQ0001"), Err("bad_gst_number"));
        assert_eq!(registration_number(TaxCode::Gst, "12345678 RT0001"), Err("bad_gst_number"));
        assert_eq!(registration_number(TaxCode::Qst, "1234567890 RT0001"), Err("bad_qst_number"));
        assert_eq!(registration_number(TaxCode::Qst, "12345678é0 TQ0001"), Err("bad_qst_number"));
        assert_eq!(registration_number(TaxCode::Qst, &"1".repeat(40)), Err("too_long"));
    }

    #[test]
    fn rates_read_as_percentages() {
        assert_eq!(rate_text(50_000, true), "5 %");
        assert_eq!(rate_text(99_750, true), "9,975 %");
        assert_eq!(rate_text(99_750, false), "9.975%");
        assert_eq!(rate_text(0, false), "0%");
        assert_eq!(rate_text(1_000_000, true), "100 %");
    }

}
