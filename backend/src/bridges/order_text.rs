//! What reading a Shopify or WooCommerce order has in common: e-mails and names as the customer match
//! wants them (seed 004), times in milliseconds, a line's unit price from its charged total, the text
//! of the sale note (the customer's note, where it goes, how to call her), and serde's leniency about
//! `null` where the platforms send it.

use super::decimal::cents_from_json;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use shared::money::Money;

/// Lower-cased and trimmed; `None` when empty (the customer match keys on it).
pub fn email(candidates: &[Option<&str>]) -> Option<String> {
    candidates
        .iter()
        .flatten()
        .map(|e| e.trim().to_lowercase())
        .find(|e| !e.is_empty())
}

/// "First Last", trimmed; `None` when both are empty (the e-mail then names the customer).
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last].iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

/// Milliseconds since the epoch from an ISO 8601 time with an offset (Shopify) or without one, read as
/// UTC (WooCommerce's `…_gmt` fields).
pub fn timestamp_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts.as_millisecond());
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    Some(civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_millisecond())
}

/// An order's last-modified stamp as `IncomingOrder::modified` wants it: milliseconds since the epoch in
/// decimal, comparable across versions and platforms; empty when the platform gave none.
pub fn modified(ms: Option<i64>) -> String {
    ms.filter(|ms| *ms >= 0).map(|ms| ms.to_string()).unwrap_or_default()
}

/// An ISO 8601 UTC time for a platform query parameter (`2026-12-02T13:00:00Z`).
pub fn iso_utc(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms.max(0)).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An amount field: a decimal string or number, whole cents, not negative.
pub fn amount(value: &Value, field: &str) -> Result<Money, String> {
    match cents_from_json(value) {
        Some(m) if !m.is_negative() => Ok(m),
        _ => Err(format!("{field}: not an amount in whole cents: {}", excerpt(value))),
    }
}

/// The unit price of a line from what the platform charged for the whole line (after its discounts).
/// When the total does not divide by the quantity (10,00 $ for 3) there is no exact unit price; the
/// nearest cent, half up, is taken, and the sale then differs from the platform by less than a cent
/// per unit — the platform's own total stays on the order.
pub fn unit_price(line_total: Money, quantity: u32) -> Money {
    let q = i64::from(quantity.max(1));
    Money((line_total.0 + q / 2).div_euclid(q))
}

/// A short, single-line rendering of a JSON value for an error message.
pub fn excerpt(value: &Value) -> String {
    value.to_string().chars().take(60).collect()
}

/// One postal address on one line, empty parts left out.
pub fn address_line(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
}

/// The sale note: the customer's note first (what the packer must read), then where it goes, then the
/// phone. Labels in both languages: the note is read by whoever packs, in either.
pub fn sale_note(customer_note: Option<&str>, destination: Option<(&str, String)>, phone: Option<&str>) -> String {
    let mut lines = Vec::new();
    if let Some(note) = customer_note.map(str::trim).filter(|n| !n.is_empty()) {
        lines.push(note.to_string());
    }
    if let Some((label, text)) = destination.filter(|(_, t)| !t.is_empty()) {
        lines.push(format!("{label} : {text}"));
    }
    if let Some(phone) = phone.map(str::trim).filter(|p| !p.is_empty()) {
        lines.push(format!("Tél. / Phone : {phone}"));
    }
    lines.join("\n")
}

pub const SHIP_TO: &str = "Livraison / Ship to";
pub const PICKUP_AT: &str = "Cueillette / Pickup";

/// `null` read as the type's default (platforms send `null` for empty lists and texts).
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased_and_empty_ones_skipped() {
        assert_eq!(email(&[Some("  "), None, Some(" John@Example.COM ")]), Some("john@example.com".into()));
        assert_eq!(email(&[Some(""), None]), None);
    }

    #[test]
    fn names_leave_out_empty_parts() {
        assert_eq!(full_name(Some("John"), Some("Smith")), Some("John Smith".into()));
        assert_eq!(full_name(Some(" "), Some("Smith")), Some("Smith".into()));
        assert_eq!(full_name(Some(""), None), None);
    }

    #[test]
    fn times_with_and_without_an_offset_are_read() {
        assert_eq!(timestamp_ms("2021-12-31T19:00:00-05:00"), Some(1_640_995_200_000));
        assert_eq!(timestamp_ms("2017-03-22T19:28:08"), Some(1_490_210_888_000));
        assert_eq!(timestamp_ms("yesterday"), None);
        assert_eq!(iso_utc(1_640_995_200_000), "2022-01-01T00:00:00Z");
    }

    #[test]
    fn a_unit_price_is_the_line_total_shared_to_the_nearest_cent() {
        assert_eq!(unit_price(Money(600), 2), Money(300));
        assert_eq!(unit_price(Money(1000), 3), Money(333));
        assert_eq!(unit_price(Money(200), 3), Money(67));
    }
}
