//! What the register sells and where: products, outlets, registers.

use crate::money::Money;
use crate::tax::{TaxClass, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Product {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub sku: String,
    /// GTIN printed on the product; scanned by the register.
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_ID_LEN)))]
    pub barcode: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_TEXT_LEN)))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_UNIT_PRICE.as_cents())))]
    pub price: Money,
    #[serde(default)]
    pub tax_class: TaxClass,
    /// "Possède des numéros de série" (seed 000).
    #[serde(default)]
    pub tracks_serials: bool,
    /// "Seuil de stock bas" (seed 003).
    #[serde(default)]
    pub low_stock_threshold: Option<i64>,
    /// Shown as a key on the register's touch pad ("touche rapide").
    #[serde(default)]
    pub quick_key: bool,
    /// Its place on the pad, 1 first ("position"); keys without one follow the placed ones, by name
    /// (`quick_key_order`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_QUICK_KEY_POSITION)))]
    pub quick_key_position: Option<u16>,
    /// Loyalty points one unit earns (seed 003).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_POINTS)))]
    pub loyalty_points: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Outlet {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub tax_rates: TaxRates,
    /// IANA time zone (`America/Toronto` for Québec): when the outlet's days and months start.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Tax registration numbers printed on every receipt, normalised by
    /// `tax::registration_number` (`123456789 RT0001`, `1234567890 TQ0001`); empty when the outlet
    /// is not registered for that tax.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::tax::MAX_REGISTRATION_NUMBER_LEN)))]
    pub gst_number: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::tax::MAX_REGISTRATION_NUMBER_LEN)))]
    pub qst_number: String,
}

/// The register's quick keys in pad order: placed ones by position (ties by name), then the others by
/// name, then id — so every register draws the same pad from the same catalog.
pub fn quick_key_order<'a>(products: impl IntoIterator<Item = &'a Product>) -> Vec<&'a Product> {
    let mut keys: Vec<&Product> = products.into_iter().filter(|p| p.quick_key).collect();
    keys.sort_by(|a, b| {
        let place = |p: &Product| p.quick_key_position.unwrap_or(u16::MAX);
        place(a).cmp(&place(b)).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id))
    });
    keys
}

/// Québec's zone in the IANA database (Montréal keeps Toronto's clock).
pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";

fn default_time_zone() -> String {
    DEFAULT_TIME_ZONE.to_string()
}

/// One register (caisse): a browser that sells for one outlet with its own sequence of sales.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Register {
    pub id: String,
    pub outlet_id: String,
    /// Short code printed in receipt numbers, e.g. `MTL1`.
    pub code: String,
    pub name: String,
}

/// A customer. Account terms, loyalty and history are in `account`, `loyalty` and `history`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

pub mod customer_edit;
pub mod edit;
pub mod import;

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, name: &str, position: Option<u16>) -> Product {
        Product { id: id.into(), name: name.into(), quick_key: true, quick_key_position: position, ..Default::default() }
    }

    #[test]
    fn placed_keys_come_first_by_position_then_the_others_by_name() {
        let off = Product { quick_key: false, quick_key_position: Some(1), ..key("z", "Zèbre", None) };
        let products = [key("a", "Café", None), key("b", "Beigne", Some(2)), key("c", "Thé", Some(1)), key("d", "Allumettes", None), off];
        let ids: Vec<&str> = quick_key_order(&products).into_iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "d", "a"]);
    }
}
