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

pub mod edit;
pub mod import;
