//! Catalogue › Produits: what creating or editing a product may set, and what a valid product is.
//! The server's create and edit routes and the CSV import all call these, so a product is checked by
//! one set of rules whichever way it arrives.
//!
//! Seed 000: turning "Possède des numéros de série" off only changes the flag. An edit is a new
//! [`Product`] and nothing else — it carries no effect on serial numbers — so every serial recorded for
//! the product (sold or not) stays on file.

use super::Product;
use crate::barcode::is_valid_gtin;
use crate::limits::{MAX_ID_LEN, MAX_POINTS, MAX_QUICK_KEY_POSITION, MAX_STOCK_LEVEL, MAX_TEXT_LEN, MAX_UNIT_PRICE};
use crate::money::Money;
use crate::tax::TaxClass;
use serde::{Deserialize, Deserializer, Serialize};

/// One field a product cannot have as given, named for the screen (and the CSV column of that name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FieldError {
    /// The field (`sku`, `barcode`, `price`, …): the JSON field and the CSV column share names.
    pub field: String,
    /// Stable code for translated messages (`required`, `too_long`, `bad_check_digit`, …).
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// The body of `POST /products`. Omitted fields take the defaults of a new product.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewProduct {
    /// Chosen by the server when omitted.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub sku: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub barcode: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: String,
    pub price: Money,
    #[serde(default)]
    pub tax_class: TaxClass,
    #[serde(default)]
    pub tracks_serials: bool,
    #[serde(default)]
    pub low_stock_threshold: Option<i64>,
    #[serde(default)]
    pub quick_key: bool,
    #[serde(default)]
    pub quick_key_position: Option<u16>,
    #[serde(default)]
    pub loyalty_points: u32,
}

impl NewProduct {
    /// The product this creates under `id` (the body's own id wins), normalised and checked.
    pub fn into_product(self, id: String) -> Result<Product, Vec<FieldError>> {
        let p = Product {
            id: self.id.unwrap_or(id),
            sku: self.sku,
            barcode: self.barcode,
            name: self.name,
            price: self.price,
            tax_class: self.tax_class,
            tracks_serials: self.tracks_serials,
            low_stock_threshold: self.low_stock_threshold,
            quick_key: self.quick_key,
            quick_key_position: self.quick_key_position,
            loyalty_points: self.loyalty_points,
        };
        checked(p)
    }
}

/// The body of `PATCH /products/{id}`: only the fields present change. `barcode` and
/// `low_stock_threshold` may be `null` to remove them. The id is not editable (sales name it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProductPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub barcode: Option<Option<String>>,
    #[serde(default)]
    pub price: Option<Money>,
    #[serde(default)]
    pub tax_class: Option<TaxClass>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub low_stock_threshold: Option<Option<i64>>,
    #[serde(default)]
    pub loyalty_points: Option<u32>,
    /// "Possède des numéros de série". Off keeps every serial number on file (seed 000).
    #[serde(default)]
    pub tracks_serials: Option<bool>,
    /// Placed on the register's touch pad ("touche rapide").
    #[serde(default)]
    pub quick_key: Option<bool>,
    /// Its place on the pad, 1 first; `null` removes it (the key then follows the placed ones).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub quick_key_position: Option<Option<u16>>,
}

/// A field that is present (even as `null`) is `Some`: `null` then means "remove".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An accepted edit: the product as it now is, and what changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub product: Product,
    /// The fields whose value changed, in [`FIELDS`] order.
    pub changed: Vec<&'static str>,
}

impl Edit {
    /// The new price when it changed: the server records it in the price history, from now on.
    pub fn new_price(&self) -> Option<Money> {
        self.changed.contains(&"price").then_some(self.product.price)
    }
}

/// The editable fields, in the order screens and CSV files show them.
pub const FIELDS: [&str; 10] =
    ["sku", "barcode", "name", "price", "tax_class", "tracks_serials", "low_stock_threshold", "quick_key", "quick_key_position", "loyalty_points"];

/// Applies `patch` to `current`: the product after the edit with what changed, or every field at fault.
pub fn apply_patch(current: &Product, patch: &ProductPatch) -> Result<Edit, Vec<FieldError>> {
    let mut next = current.clone();
    if let Some(v) = &patch.name {
        next.name = v.clone();
    }
    if let Some(v) = &patch.sku {
        next.sku = v.clone();
    }
    if let Some(v) = &patch.barcode {
        next.barcode = v.clone();
    }
    if let Some(v) = patch.price {
        next.price = v;
    }
    if let Some(v) = patch.tax_class {
        next.tax_class = v;
    }
    if let Some(v) = patch.low_stock_threshold {
        next.low_stock_threshold = v;
    }
    if let Some(v) = patch.loyalty_points {
        next.loyalty_points = v;
    }
    if let Some(v) = patch.tracks_serials {
        next.tracks_serials = v;
    }
    if let Some(v) = patch.quick_key {
        next.quick_key = v;
    }
    if let Some(v) = patch.quick_key_position {
        next.quick_key_position = v;
    }
    let product = checked(next)?;
    let changed = changed_fields(current, &product);
    Ok(Edit { product, changed })
}

/// The fields in which `before` and `after` differ, in [`FIELDS`] order.
pub fn changed_fields(before: &Product, after: &Product) -> Vec<&'static str> {
    FIELDS.into_iter().filter(|f| field_text(before, f) != field_text(after, f)).collect()
}

/// A field's value as text (the CSV cell), for previews and diffs.
pub fn field_text(p: &Product, field: &str) -> String {
    match field {
        "id" => p.id.clone(),
        "sku" => p.sku.clone(),
        "barcode" => p.barcode.clone().unwrap_or_default(),
        "name" => p.name.clone(),
        "price" => price_text(p.price),
        "tax_class" => tax_class_name(p.tax_class).into(),
        "tracks_serials" => p.tracks_serials.to_string(),
        "low_stock_threshold" => p.low_stock_threshold.map(|t| t.to_string()).unwrap_or_default(),
        "quick_key" => p.quick_key.to_string(),
        "quick_key_position" => p.quick_key_position.map(|n| n.to_string()).unwrap_or_default(),
        "loyalty_points" => p.loyalty_points.to_string(),
        _ => String::new(),
    }
}

/// `12.34`: a price as files and machines write it (no thousands separator, a dot).
pub fn price_text(m: Money) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    let abs = m.0.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

pub fn tax_class_name(c: TaxClass) -> &'static str {
    match c {
        TaxClass::Taxable => "taxable",
        TaxClass::GstOnly => "gst_only",
        TaxClass::ZeroRated => "zero_rated",
        TaxClass::Exempt => "exempt",
    }
}

pub fn parse_tax_class(s: &str) -> Option<TaxClass> {
    match s.trim() {
        "taxable" => Some(TaxClass::Taxable),
        "gst_only" => Some(TaxClass::GstOnly),
        "zero_rated" => Some(TaxClass::ZeroRated),
        "exempt" => Some(TaxClass::Exempt),
        _ => None,
    }
}

/// An id the server makes and every route takes in its path: letters, digits, `-`, `_`, `.`.
pub fn check_id(field: &str, id: &str, errors: &mut Vec<FieldError>) {
    if id.is_empty() {
        errors.push(FieldError::new(field, "required", format!("{field} is required")));
    } else if id.chars().count() > MAX_ID_LEN {
        errors.push(FieldError::new(field, "too_long", format!("{field} has more than {MAX_ID_LEN} characters")));
    } else if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        errors.push(FieldError::new(field, "bad_characters", format!("{field} '{id}' may hold only letters, digits, '-', '_' and '.'")));
    }
}

/// A short text: trimmed, required, at most `max` characters, no control characters.
pub fn check_text(field: &str, text: &str, max: usize, errors: &mut Vec<FieldError>) {
    if text.is_empty() {
        errors.push(FieldError::new(field, "required", format!("{field} is required")));
    } else if text.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("{field} has more than {max} characters")));
    } else if text.chars().any(char::is_control) {
        errors.push(FieldError::new(field, "bad_characters", format!("{field} holds a control character")));
    }
}

/// `p` normalised (texts trimmed, an empty barcode removed) when every field is valid; else every
/// field at fault.
pub fn checked(mut p: Product) -> Result<Product, Vec<FieldError>> {
    p.id = p.id.trim().to_string();
    p.sku = p.sku.trim().to_string();
    p.name = p.name.trim().to_string();
    p.barcode = p.barcode.map(|b| b.trim().to_string()).filter(|b| !b.is_empty());
    let mut errors = Vec::new();
    check_id("id", &p.id, &mut errors);
    check_text("sku", &p.sku, MAX_ID_LEN, &mut errors);
    check_text("name", &p.name, MAX_TEXT_LEN, &mut errors);
    if let Some(b) = &p.barcode {
        if !b.bytes().all(|c| c.is_ascii_digit()) || !matches!(b.len(), 8 | 12 | 13 | 14) {
            errors.push(FieldError::new("barcode", "not_a_gtin", format!("barcode '{b}' is not a GTIN: 8, 12, 13 or 14 digits")));
        } else if !is_valid_gtin(b) {
            errors.push(FieldError::new("barcode", "bad_check_digit", format!("barcode '{b}' has a wrong check digit")));
        }
    }
    if !(0..=MAX_UNIT_PRICE.0).contains(&p.price.0) {
        errors.push(FieldError::new("price", "out_of_range", format!("price must be between 0.00 and {}", price_text(MAX_UNIT_PRICE))));
    }
    if let Some(t) = p.low_stock_threshold {
        if !(0..=MAX_STOCK_LEVEL).contains(&t) {
            errors.push(FieldError::new("low_stock_threshold", "out_of_range", format!("low_stock_threshold must be between 0 and {MAX_STOCK_LEVEL}")));
        }
    }
    if p.quick_key_position.is_some_and(|n| !(1..=MAX_QUICK_KEY_POSITION).contains(&n)) {
        errors.push(FieldError::new("quick_key_position", "out_of_range", format!("quick_key_position must be between 1 and {MAX_QUICK_KEY_POSITION}")));
    }
    if p.loyalty_points > MAX_POINTS {
        errors.push(FieldError::new("loyalty_points", "out_of_range", format!("loyalty_points must be between 0 and {MAX_POINTS}")));
    }
    if errors.is_empty() {
        Ok(p)
    } else {
        Err(errors)
    }
}

/// Two products may not share a SKU or a barcode: which of `p`'s values another product holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Collision {
    /// `sku` or `barcode`.
    pub field: String,
    pub value: String,
    /// The product that already has it.
    pub product_id: String,
}

impl Collision {
    pub fn message(&self) -> String {
        format!("{} '{}' is already product '{}''s", self.field, self.value, self.product_id)
    }
}

/// The collisions of `p` with the products `owner_of` finds (by field and value, another product's id).
pub fn collisions(p: &Product, owner_of: impl Fn(&str, &str) -> Option<String>) -> Vec<Collision> {
    let mut out = Vec::new();
    let mut check = |field: &str, value: &str| {
        if let Some(other) = owner_of(field, value).filter(|o| *o != p.id) {
            out.push(Collision { field: field.into(), value: value.into(), product_id: other });
        }
    };
    check("sku", &p.sku);
    if let Some(b) = &p.barcode {
        check("barcode", b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::ean13;
    use proptest::prelude::*;

    fn coffee() -> Product {
        Product {
            id: "p-cafe".into(),
            sku: "CAF-01".into(),
            barcode: ean13("077000000001"),
            name: "Café filtre".into(),
            price: Money(1299),
            tracks_serials: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_price_change_is_named_and_gives_the_new_price() {
        let edit = apply_patch(&coffee(), &ProductPatch { price: Some(Money(1399)), ..Default::default() }).unwrap();
        assert_eq!(edit.changed, vec!["price"]);
        assert_eq!(edit.new_price(), Some(Money(1399)));
    }

    #[test]
    fn turning_serial_numbers_off_changes_only_the_flag() {
        let edit = apply_patch(&coffee(), &ProductPatch { tracks_serials: Some(false), ..Default::default() }).unwrap();
        assert_eq!(edit.changed, vec!["tracks_serials"]);
        assert!(!edit.product.tracks_serials);
        assert_eq!(edit.product.id, "p-cafe");
    }

    #[test]
    fn a_quick_key_is_placed_moved_unplaced_and_kept_on_the_pad() {
        let placed = apply_patch(&coffee(), &serde_json::from_str(r#"{"quick_key": true, "quick_key_position": 3}"#).unwrap()).unwrap();
        assert_eq!(placed.changed, vec!["quick_key", "quick_key_position"]);
        assert_eq!(placed.product.quick_key_position, Some(3));
        // `null` removes the place; an absent field keeps it.
        let kept = apply_patch(&placed.product, &serde_json::from_str(r#"{"name": "Café"}"#).unwrap()).unwrap();
        assert_eq!(kept.product.quick_key_position, Some(3));
        let unplaced = apply_patch(&placed.product, &serde_json::from_str(r#"{"quick_key_position": null}"#).unwrap()).unwrap();
        assert_eq!((unplaced.product.quick_key_position, unplaced.changed.as_slice()), (None, ["quick_key_position"].as_slice()));
        for bad in [0, MAX_QUICK_KEY_POSITION + 1] {
            let e = apply_patch(&coffee(), &ProductPatch { quick_key_position: Some(Some(bad)), ..Default::default() }).unwrap_err();
            assert_eq!((e[0].field.as_str(), e[0].code.as_str()), ("quick_key_position", "out_of_range"));
        }
    }

    #[test]
    fn a_patch_with_the_same_values_changes_nothing() {
        let p = coffee();
        let same = ProductPatch { name: Some(" Café filtre ".into()), price: Some(p.price), ..Default::default() };
        assert!(apply_patch(&p, &same).unwrap().changed.is_empty());
    }

    #[test]
    fn null_removes_the_barcode_and_absent_keeps_it() {
        let removed: ProductPatch = serde_json::from_str(r#"{"barcode": null}"#).unwrap();
        assert_eq!(apply_patch(&coffee(), &removed).unwrap().product.barcode, None);
        let kept: ProductPatch = serde_json::from_str(r#"{"name": "Café"}"#).unwrap();
        assert!(apply_patch(&coffee(), &kept).unwrap().product.barcode.is_some());
    }

    #[test]
    fn the_id_and_unknown_fields_are_not_editable() {
        assert!(serde_json::from_str::<ProductPatch>(r#"{"id": "other"}"#).is_err());
        assert!(serde_json::from_str::<ProductPatch>(r#"{"colour": "red"}"#).is_err());
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let bad = ProductPatch {
            name: Some("  ".into()),
            barcode: Some(Some("4006381333932".into())),
            price: Some(Money(-1)),
            low_stock_threshold: Some(Some(-3)),
            loyalty_points: Some(MAX_POINTS + 1),
            ..Default::default()
        };
        let errors = apply_patch(&coffee(), &bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "barcode", "price", "low_stock_threshold", "loyalty_points"]);
        assert_eq!(errors[1].code, "bad_check_digit");
    }

    #[test]
    fn a_barcode_that_is_not_digits_is_not_a_gtin() {
        let errors = checked(Product { barcode: Some("ABC-123".into()), ..coffee() }).unwrap_err();
        assert_eq!(errors[0].code, "not_a_gtin");
    }

    #[test]
    fn an_empty_barcode_is_no_barcode() {
        assert_eq!(checked(Product { barcode: Some("  ".into()), ..coffee() }).unwrap().barcode, None);
    }

    #[test]
    fn an_id_that_cannot_sit_in_a_path_is_refused() {
        let errors = NewProduct { id: Some("a/b".into()), sku: "S".into(), name: "N".into(), ..Default::default() }.into_product("x".into()).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code.as_str()), ("id", "bad_characters"));
    }

    #[test]
    fn a_collision_names_the_other_product_and_never_the_product_itself() {
        let p = coffee();
        let owners = |field: &str, value: &str| match (field, value) {
            ("sku", "CAF-01") => Some("p-cafe".to_string()),
            ("barcode", _) => Some("p-the".to_string()),
            _ => None,
        };
        let c = collisions(&p, owners);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].field.as_str(), c[0].product_id.as_str()), ("barcode", "p-the"));
    }

    proptest! {
        #[test]
        fn any_price_in_range_is_accepted_and_any_outside_refused(cents in -1_000_000i64..200_000_000) {
            let ok = checked(Product { price: Money(cents), ..coffee() }).is_ok();
            prop_assert_eq!(ok, (0..=MAX_UNIT_PRICE.0).contains(&cents));
        }

        #[test]
        fn a_price_written_as_text_reads_back_the_same(cents in 0i64..=MAX_UNIT_PRICE.0) {
            prop_assert_eq!(Money::parse(&price_text(Money(cents))), Ok(Money(cents)));
        }

        #[test]
        fn an_edit_names_exactly_the_fields_it_changed(price in 0i64..100_000, points in 0u32..1000, serials: bool, quick: bool) {
            let before = coffee();
            let patch = ProductPatch { price: Some(Money(price)), loyalty_points: Some(points), tracks_serials: Some(serials), quick_key: Some(quick), ..Default::default() };
            let edit = apply_patch(&before, &patch).unwrap();
            prop_assert_eq!(edit.changed.contains(&"price"), price != before.price.0);
            prop_assert_eq!(edit.changed.contains(&"loyalty_points"), points != before.loyalty_points);
            prop_assert_eq!(edit.changed.contains(&"tracks_serials"), serials != before.tracks_serials);
            prop_assert_eq!(edit.changed.contains(&"quick_key"), quick != before.quick_key);
            prop_assert_eq!(edit.changed.len(), [price != before.price.0, points != before.loyalty_points, serials != before.tracks_serials, quick != before.quick_key].iter().filter(|c| **c).count());
        }
    }
}
