//! What the register sells and where: products, outlets, registers.

use crate::money::Money;
use crate::tax::{TaxClass, TaxRates};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    pub sku: String,
    /// GTIN printed on the product; scanned by the register.
    pub barcode: Option<String>,
    pub name: String,
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
    pub loyalty_points: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outlet {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub tax_rates: TaxRates,
}

/// One register (caisse): a browser that sells for one outlet with its own sequence of sales.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub id: String,
    pub outlet_id: String,
    /// Short code printed in receipt numbers, e.g. `MTL1`.
    pub code: String,
    pub name: String,
}

/// A customer. Account terms, loyalty and history are in `account`, `loyalty` and `history`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}
