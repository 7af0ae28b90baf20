//! Serial numbers (seed 000): which unit of a product was sold to whom, so that a return or a warranty
//! claim names the exact unit. Serials are unique per product (distinct from SKUs), registered for an
//! outlet, marked "sold on" with the sale, and kept until someone deletes them — switching a product's
//! "has serial numbers" flag off keeps every one of them.

use crate::catalog::Product;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// "Vendu le": when and in which sale a unit was sold (the sale id is the link to sales history).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SoldOn {
    pub sale_id: String,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// The last return that put a unit back in stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ReturnedOn {
    /// The return (a sale with a negative line).
    pub return_sale_id: String,
    /// The sale the unit had been sold in.
    pub original_sale_id: String,
    pub at_ms: i64,
}

/// One unit's serial number, as a row of the serial numbers page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SerialNumber {
    pub serial: String,
    pub product_id: String,
    /// Where the unit is, or was sold from.
    pub outlet_id: String,
    #[serde(default)]
    pub sold_on: Option<SoldOn>,
    #[serde(default)]
    pub returned_on: Option<ReturnedOn>,
}

impl SerialNumber {
    pub fn in_stock(&self) -> bool {
        self.sold_on.is_none()
    }
}

/// What the register learns from a serial entered at Payer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SerialCheck {
    /// On file at this outlet and unsold: the sale can record it.
    Available,
    /// On file and unsold, but registered at another outlet (the unit moved without a transfer of its
    /// serial). The sale can record it; the serial then belongs to the selling outlet.
    AtAnotherOutlet { outlet_id: String },
    /// Not on file for this product: the cashier chooses a [`NotOnFileChoice`].
    NotOnFile,
    /// Already sold: refused, naming the sale it was sold in.
    AlreadySold { sale_id: String, at_ms: i64 },
}

/// The cashier's two options when a serial is not on file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotOnFileChoice {
    /// Register it now and record it in this sale ([`SerialRegistry::add_and_sell`]).
    AddAsNew,
    /// A typing or scanning mistake: enter it again (nothing changes).
    ReEnter,
}

/// What the server did with a serial arriving in a synced sale. A paid sale is a fact and is never
/// refused; a serial sold twice by two offline registers becomes a conflict for a manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncedSerial {
    Recorded,
    /// Not on file: the register's cashier added it as new; it is now registered and sold.
    AddedAndRecorded,
    /// The same sale was recorded before (a retried push).
    AlreadyRecorded,
    /// Sold in another sale first; that record is kept and this one is the conflict to resolve.
    SoldTwice {
        first_sale_id: String,
    },
}

/// What a return did to serials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReturnedSerial {
    /// The product is not serial-tracked and no serial was named: nothing to do.
    NotTracked,
    /// The named unit is back in stock at the returning outlet.
    BackInStock { serial: String },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("no serial number entered")]
    Empty,
    #[error("{}", duplicates_message(repeated_in_list, already_registered))]
    Duplicates { repeated_in_list: Vec<String>, already_registered: Vec<String> },
    #[error("serial number {serial} is not on file for this product")]
    NotOnFile { serial: String },
    #[error("serial number {serial} was already sold in sale {sale_id}")]
    AlreadySold { serial: String, sale_id: String, at_ms: i64 },
    #[error("serial number {serial} was not sold in sale {original_sale_id}{}", sold_in.as_ref().map(|s| format!(" (it was sold in sale {s})")).unwrap_or_default())]
    NotSoldInThatSale { serial: String, original_sale_id: String, sold_in: Option<String> },
    #[error("this product has serial numbers: enter the serial number of the unit returned")]
    SerialRequired,
}

fn duplicates_message(in_list: &[String], registered: &[String]) -> String {
    let mut parts = Vec::new();
    if !in_list.is_empty() {
        parts.push(format!("entered more than once: {}", in_list.join(", ")));
    }
    if !registered.is_empty() {
        parts.push(format!("already registered for this product: {}", registered.join(", ")));
    }
    format!("duplicate serial numbers, none added ({})", parts.join("; "))
}

impl SerialError {
    pub fn code(&self) -> &'static str {
        match self {
            SerialError::Empty => "serial_empty",
            SerialError::Duplicates { .. } => "serial_duplicates",
            SerialError::NotOnFile { .. } => "serial_not_on_file",
            SerialError::AlreadySold { .. } => "serial_already_sold",
            SerialError::NotSoldInThatSale { .. } => "serial_not_in_sale",
            SerialError::SerialRequired => "serial_required",
        }
    }
}

/// Splits what was typed in the serial numbers field: comma-separated, spaces trimmed, empty entries
/// ignored. Entries repeated in the list are refused, naming them.
pub fn parse_serial_list(input: &str) -> Result<Vec<String>, SerialError> {
    let mut seen = BTreeSet::new();
    let mut repeated = BTreeSet::new();
    let mut out = Vec::new();
    for s in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if seen.insert(s) {
            out.push(s.to_string());
        } else {
            repeated.insert(s.to_string());
        }
    }
    if !repeated.is_empty() {
        return Err(SerialError::Duplicates {
            repeated_in_list: repeated.into_iter().collect(),
            already_registered: vec![],
        });
    }
    if out.is_empty() {
        return Err(SerialError::Empty);
    }
    Ok(out)
}

/// The serial numbers page: every serial, by product then serial.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<SerialNumber>", into = "Vec<SerialNumber>")]
pub struct SerialRegistry {
    serials: BTreeMap<(String, String), SerialNumber>,
}

impl SerialRegistry {
    pub fn new() -> SerialRegistry {
        SerialRegistry::default()
    }

    fn key(product_id: &str, serial: &str) -> (String, String) {
        (product_id.to_string(), serial.trim().to_string())
    }

    pub fn get(&self, product_id: &str, serial: &str) -> Option<&SerialNumber> {
        self.serials.get(&Self::key(product_id, serial))
    }

    /// A product's serials, sold or not, in serial order.
    pub fn for_product<'a>(&'a self, product_id: &'a str) -> impl Iterator<Item = &'a SerialNumber> + 'a {
        self.serials.values().filter(move |s| s.product_id == product_id)
    }

    pub fn all(&self) -> impl Iterator<Item = &SerialNumber> {
        self.serials.values()
    }

    /// Pre-registers a comma-separated list for a product at an outlet. All or nothing: if any entry is
    /// repeated in the list or already registered for the product (at any outlet), none is added and the
    /// error names every duplicate. Returns the serials added, in the order typed.
    pub fn register_list(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        input: &str,
    ) -> Result<Vec<String>, SerialError> {
        let mut repeated = Vec::new();
        let list = match parse_serial_list(input) {
            Ok(list) => list,
            Err(SerialError::Duplicates { repeated_in_list, .. }) => {
                repeated = repeated_in_list;
                let mut seen = BTreeSet::new();
                input.split(',').map(str::trim).filter(|s| !s.is_empty() && seen.insert(*s)).map(String::from).collect()
            }
            Err(e) => return Err(e),
        };
        let mut registered: Vec<String> = list.iter().filter(|s| self.get(product_id, s).is_some()).cloned().collect();
        registered.sort();
        if !repeated.is_empty() || !registered.is_empty() {
            return Err(SerialError::Duplicates { repeated_in_list: repeated, already_registered: registered });
        }
        for s in &list {
            self.serials.insert(
                Self::key(product_id, s),
                SerialNumber {
                    serial: s.clone(),
                    product_id: product_id.into(),
                    outlet_id: outlet_id.into(),
                    sold_on: None,
                    returned_on: None,
                },
            );
        }
        Ok(list)
    }

    /// A product asks for serials when its "has serial numbers" flag is on, or when serials are on file
    /// for it at this outlet (seed 000: registering serials is enough to turn the prompt on there).
    pub fn is_tracked(&self, product: &Product, outlet_id: &str) -> bool {
        product.tracks_serials || self.for_product(&product.id).any(|s| s.outlet_id == outlet_id)
    }

    /// How many serials a line of `qty` units must name at Payer: one per unit, sold or returned — a
    /// return of a serial-tracked product names the exact unit that comes back.
    pub fn serials_to_name(&self, product: &Product, outlet_id: &str, qty: i64) -> usize {
        if qty != 0 && self.is_tracked(product, outlet_id) {
            usize::try_from(qty.unsigned_abs()).unwrap_or(usize::MAX)
        } else {
            0
        }
    }

    /// How many serials the register asks for at Payer for a line of `qty` units: one per unit sold.
    /// Return lines (negative quantities) name their serials through [`SerialRegistry::record_return`].
    pub fn serials_to_ask(&self, product: &Product, outlet_id: &str, qty: i64) -> usize {
        if qty > 0 && self.is_tracked(product, outlet_id) {
            usize::try_from(qty).unwrap_or(usize::MAX)
        } else {
            0
        }
    }

    /// What a serial entered at Payer means for this sale.
    pub fn check(&self, product_id: &str, outlet_id: &str, serial: &str) -> SerialCheck {
        match self.get(product_id, serial) {
            None => SerialCheck::NotOnFile,
            Some(SerialNumber { sold_on: Some(sold), .. }) => {
                SerialCheck::AlreadySold { sale_id: sold.sale_id.clone(), at_ms: sold.at_ms }
            }
            Some(s) if s.outlet_id != outlet_id => SerialCheck::AtAnotherOutlet { outlet_id: s.outlet_id.clone() },
            Some(_) => SerialCheck::Available,
        }
    }

    /// Records a serial on file as sold (its "sold on" with the sale's link). Refused if not on file
    /// (the cashier must choose [`NotOnFileChoice`]) or already sold.
    pub fn record_sale(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        serial: &str,
        sold_on: SoldOn,
    ) -> Result<(), SerialError> {
        let serial = serial.trim();
        let Some(s) = self.serials.get_mut(&Self::key(product_id, serial)) else {
            return Err(SerialError::NotOnFile { serial: serial.into() });
        };
        if let Some(sold) = &s.sold_on {
            return Err(SerialError::AlreadySold {
                serial: serial.into(),
                sale_id: sold.sale_id.clone(),
                at_ms: sold.at_ms,
            });
        }
        s.outlet_id = outlet_id.into();
        s.sold_on = Some(sold_on);
        Ok(())
    }

    /// "Add as a new serial": registers a serial that was not on file and records it in this sale.
    pub fn add_and_sell(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        serial: &str,
        sold_on: SoldOn,
    ) -> Result<(), SerialError> {
        let serial = serial.trim();
        if serial.is_empty() {
            return Err(SerialError::Empty);
        }
        if self.get(product_id, serial).is_some() {
            return Err(SerialError::Duplicates { repeated_in_list: vec![], already_registered: vec![serial.into()] });
        }
        self.serials.insert(
            Self::key(product_id, serial),
            SerialNumber {
                serial: serial.into(),
                product_id: product_id.into(),
                outlet_id: outlet_id.into(),
                sold_on: Some(sold_on),
                returned_on: None,
            },
        );
        Ok(())
    }

    /// The server's side of a synced sale: never refuses (the customer has paid), reports what it found.
    pub fn record_synced_sale(
        &mut self,
        product_id: &str,
        outlet_id: &str,
        serial: &str,
        sold_on: SoldOn,
    ) -> Result<SyncedSerial, SerialError> {
        let serial = serial.trim();
        if serial.is_empty() {
            return Err(SerialError::Empty);
        }
        match self.get(product_id, serial).map(|s| s.sold_on.clone()) {
            None => {
                self.add_and_sell(product_id, outlet_id, serial, sold_on)?;
                Ok(SyncedSerial::AddedAndRecorded)
            }
            Some(None) => {
                self.record_sale(product_id, outlet_id, serial, sold_on)?;
                Ok(SyncedSerial::Recorded)
            }
            Some(Some(first)) if first.sale_id == sold_on.sale_id => Ok(SyncedSerial::AlreadyRecorded),
            Some(Some(first)) => Ok(SyncedSerial::SoldTwice { first_sale_id: first.sale_id }),
        }
    }

    /// A return of `product` at `outlet_id` from `returned_on.original_sale_id`. A serial-tracked product
    /// must name a serial sold in that very sale (the exact unit); it is then back in stock at the
    /// returning outlet. A product counts as serial-tracked here also when that sale recorded serials for it.
    pub fn record_return(
        &mut self,
        product: &Product,
        outlet_id: &str,
        serial: Option<&str>,
        returned_on: ReturnedOn,
    ) -> Result<ReturnedSerial, SerialError> {
        let original_sale_id = returned_on.original_sale_id.as_str();
        let serial = serial.map(str::trim).filter(|s| !s.is_empty());
        let sold_serials_in_sale = self
            .for_product(&product.id)
            .any(|s| s.sold_on.as_ref().is_some_and(|sold| sold.sale_id == original_sale_id));
        let Some(serial) = serial else {
            if self.is_tracked(product, outlet_id) || sold_serials_in_sale {
                return Err(SerialError::SerialRequired);
            }
            return Ok(ReturnedSerial::NotTracked);
        };
        let Some(s) = self.serials.get_mut(&Self::key(&product.id, serial)) else {
            return Err(SerialError::NotOnFile { serial: serial.into() });
        };
        match &s.sold_on {
            Some(sold) if sold.sale_id == original_sale_id => {}
            other => {
                return Err(SerialError::NotSoldInThatSale {
                    serial: serial.into(),
                    original_sale_id: original_sale_id.into(),
                    sold_in: other.as_ref().map(|sold| sold.sale_id.clone()),
                })
            }
        }
        s.sold_on = None;
        s.outlet_id = outlet_id.into();
        let serial = serial.to_string();
        s.returned_on = Some(returned_on);
        Ok(ReturnedSerial::BackInStock { serial })
    }

    /// The trash icon: a serial stays on the page, sold or not, until deleted.
    pub fn delete(&mut self, product_id: &str, serial: &str) -> Result<SerialNumber, SerialError> {
        self.serials
            .remove(&Self::key(product_id, serial))
            .ok_or_else(|| SerialError::NotOnFile { serial: serial.trim().into() })
    }
}

impl From<Vec<SerialNumber>> for SerialRegistry {
    fn from(list: Vec<SerialNumber>) -> Self {
        let serials = list.into_iter().map(|s| (SerialRegistry::key(&s.product_id, &s.serial), s)).collect();
        SerialRegistry { serials }
    }
}

impl From<SerialRegistry> for Vec<SerialNumber> {
    fn from(r: SerialRegistry) -> Self {
        r.serials.into_values().collect()
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_return_of_a_tracked_product_names_one_serial_per_unit_too() {
        let reg = SerialRegistry::new();
        let drill = Product { tracks_serials: true, ..Product::default() };
        assert_eq!(reg.serials_to_name(&drill, "montreal", -2), 2);
        assert_eq!(reg.serials_to_name(&drill, "montreal", 3), 3);
        assert_eq!(reg.serials_to_name(&Product::default(), "montreal", -2), 0);
    }
    use super::*;
    use proptest::prelude::*;

    fn product(id: &str, tracks_serials: bool) -> Product {
        Product {
            id: id.into(),
            sku: id.to_uppercase(),
            barcode: None,
            name: id.into(),
            price: crate::Money(49_999),
            tax_class: Default::default(),
            tracks_serials,
            low_stock_threshold: None,
            ..Default::default()
        }
    }

    fn ret(original_sale_id: &str, return_sale_id: &str, at_ms: i64) -> ReturnedOn {
        ReturnedOn { return_sale_id: return_sale_id.into(), original_sale_id: original_sale_id.into(), at_ms }
    }

    fn sold(sale_id: &str) -> SoldOn {
        SoldOn { sale_id: sale_id.into(), at_ms: 1_700_000_000_000 }
    }

    #[test]
    fn a_list_is_split_on_commas_with_spaces_trimmed_and_empty_entries_ignored() {
        assert_eq!(parse_serial_list(" SN1, SN2 ,,  ,SN3 ").unwrap(), vec!["SN1", "SN2", "SN3"]);
        assert_eq!(parse_serial_list(" , ,").unwrap_err(), SerialError::Empty);
    }

    #[test]
    fn registering_adds_one_row_per_serial_for_the_product_and_outlet() {
        let mut r = SerialRegistry::new();
        assert_eq!(r.register_list("tv", "montreal", "A1, A2").unwrap(), vec!["A1", "A2"]);
        let rows: Vec<_> = r.for_product("tv").collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|s| s.outlet_id == "montreal" && s.in_stock()));
    }

    #[test]
    fn duplicates_are_refused_by_name_and_nothing_is_half_added() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1").unwrap();
        let err = r.register_list("tv", "laval", "B1, A1, B2, B1").unwrap_err();
        assert_eq!(err.code(), "serial_duplicates");
        assert_eq!(
            err,
            SerialError::Duplicates { repeated_in_list: vec!["B1".into()], already_registered: vec!["A1".into()] }
        );
        let msg = err.to_string();
        assert!(msg.contains("B1") && msg.contains("A1") && !msg.contains("B2"), "{msg}");
        assert_eq!(r.for_product("tv").count(), 1);
        assert!(r.get("tv", "B2").is_none());
    }

    #[test]
    fn the_same_serial_may_exist_for_two_different_products() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "X").unwrap();
        assert!(r.register_list("radio", "montreal", "X").is_ok());
    }

    #[test]
    fn a_product_is_tracked_by_its_flag_or_by_serials_on_file_at_that_outlet() {
        let mut r = SerialRegistry::new();
        let flagged = product("tv", true);
        let plain = product("radio", false);
        assert!(r.is_tracked(&flagged, "montreal"));
        assert!(!r.is_tracked(&plain, "montreal"));
        r.register_list("radio", "laval", "R1").unwrap();
        assert!(r.is_tracked(&plain, "laval"));
        assert!(!r.is_tracked(&plain, "montreal"));
        assert_eq!(r.serials_to_ask(&plain, "laval", 3), 3);
        assert_eq!(r.serials_to_ask(&plain, "montreal", 3), 0);
        assert_eq!(r.serials_to_ask(&flagged, "montreal", -1), 0);
    }

    #[test]
    fn a_serial_at_payer_is_available_not_on_file_or_already_sold_with_its_sale() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1, A2").unwrap();
        assert_eq!(r.check("tv", "montreal", " A1 "), SerialCheck::Available);
        assert_eq!(r.check("tv", "laval", "A1"), SerialCheck::AtAnotherOutlet { outlet_id: "montreal".into() });
        assert_eq!(r.check("tv", "montreal", "ZZ"), SerialCheck::NotOnFile);
        r.record_sale("tv", "montreal", "A1", sold("sale-1")).unwrap();
        assert_eq!(
            r.check("tv", "montreal", "A1"),
            SerialCheck::AlreadySold { sale_id: "sale-1".into(), at_ms: 1_700_000_000_000 }
        );
        let err = r.record_sale("tv", "montreal", "A1", sold("sale-2")).unwrap_err();
        assert_eq!(err.code(), "serial_already_sold");
        assert!(err.to_string().contains("sale-1"));
        assert_eq!(r.record_sale("tv", "montreal", "ZZ", sold("sale-2")).unwrap_err().code(), "serial_not_on_file");
    }

    #[test]
    fn a_serial_not_on_file_can_be_added_as_new_and_is_then_sold_in_that_sale() {
        let mut r = SerialRegistry::new();
        assert_eq!(r.check("tv", "montreal", "NEW9"), SerialCheck::NotOnFile);
        r.add_and_sell("tv", "montreal", "NEW9", sold("sale-3")).unwrap();
        let s = r.get("tv", "NEW9").unwrap();
        assert_eq!(s.sold_on, Some(sold("sale-3")));
        assert_eq!(s.outlet_id, "montreal");
        assert_eq!(r.add_and_sell("tv", "montreal", "NEW9", sold("sale-4")).unwrap_err().code(), "serial_duplicates");
    }

    #[test]
    fn re_entering_changes_nothing() {
        let r = SerialRegistry::new();
        let before = r.clone();
        assert_eq!(r.check("tv", "montreal", "typo"), SerialCheck::NotOnFile);
        let choice = NotOnFileChoice::ReEnter;
        assert_eq!(serde_json::to_string(&choice).unwrap(), "\"re_enter\"");
        assert_eq!(r, before);
    }

    #[test]
    fn selling_a_serial_registered_elsewhere_moves_it_to_the_selling_outlet() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1").unwrap();
        r.record_sale("tv", "laval", "A1", sold("sale-1")).unwrap();
        assert_eq!(r.get("tv", "A1").unwrap().outlet_id, "laval");
    }

    #[test]
    fn turning_the_flag_off_keeps_every_serial_sold_or_not() {
        let mut r = SerialRegistry::new();
        let mut tv = product("tv", true);
        r.register_list("tv", "montreal", "A1, A2").unwrap();
        r.record_sale("tv", "montreal", "A1", sold("sale-1")).unwrap();
        let before = r.clone();
        tv.tracks_serials = false;
        assert_eq!(r, before);
        assert_eq!(r.for_product("tv").count(), 2);
        assert_eq!(r.get("tv", "A1").unwrap().sold_on, Some(sold("sale-1")));
    }

    #[test]
    fn a_serial_stays_until_deleted() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1").unwrap();
        r.record_sale("tv", "montreal", "A1", sold("sale-1")).unwrap();
        assert!(r.get("tv", "A1").is_some());
        assert_eq!(r.delete("tv", "A1").unwrap().serial, "A1");
        assert!(r.get("tv", "A1").is_none());
        assert_eq!(r.delete("tv", "A1").unwrap_err().code(), "serial_not_on_file");
    }

    #[test]
    fn a_return_must_name_a_serial_sold_in_the_original_sale_and_puts_it_back_in_stock() {
        let mut r = SerialRegistry::new();
        let tv = product("tv", true);
        r.register_list("tv", "montreal", "A1, A2").unwrap();
        r.record_sale("tv", "montreal", "A1", sold("sale-1")).unwrap();
        r.record_sale("tv", "montreal", "A2", sold("sale-2")).unwrap();

        assert_eq!(
            r.record_return(&tv, "laval", None, ret("sale-1", "ret-1", 9)).unwrap_err(),
            SerialError::SerialRequired
        );
        let wrong = r.record_return(&tv, "laval", Some("A2"), ret("sale-1", "ret-1", 9)).unwrap_err();
        assert_eq!(
            wrong,
            SerialError::NotSoldInThatSale {
                serial: "A2".into(),
                original_sale_id: "sale-1".into(),
                sold_in: Some("sale-2".into())
            }
        );
        assert!(wrong.to_string().contains("sale-2"));
        assert_eq!(
            r.record_return(&tv, "laval", Some("ZZ"), ret("sale-1", "ret-1", 9)).unwrap_err().code(),
            "serial_not_on_file"
        );

        assert_eq!(
            r.record_return(&tv, "laval", Some("A1"), ret("sale-1", "ret-1", 9)).unwrap(),
            ReturnedSerial::BackInStock { serial: "A1".into() }
        );
        let a1 = r.get("tv", "A1").unwrap();
        assert!(a1.in_stock());
        assert_eq!(a1.outlet_id, "laval");
        assert_eq!(a1.returned_on.as_ref().unwrap().original_sale_id, "sale-1");
        assert_eq!(r.check("tv", "laval", "A1"), SerialCheck::Available);
        // Returned once: the same unit cannot be returned again from that sale.
        assert_eq!(
            r.record_return(&tv, "laval", Some("A1"), ret("sale-1", "ret-2", 10)).unwrap_err().code(),
            "serial_not_in_sale"
        );
    }

    #[test]
    fn a_return_of_a_product_that_was_sold_with_serials_needs_one_even_after_the_flag_is_off() {
        let mut r = SerialRegistry::new();
        let mut tv = product("tv", true);
        r.add_and_sell("tv", "montreal", "A1", sold("sale-1")).unwrap();
        tv.tracks_serials = false;
        assert_eq!(
            r.record_return(&tv, "laval", None, ret("sale-1", "ret-1", 9)).unwrap_err().code(),
            "serial_required"
        );
        let plain = product("radio", false);
        assert_eq!(
            r.record_return(&plain, "laval", None, ret("sale-1", "ret-1", 9)).unwrap(),
            ReturnedSerial::NotTracked
        );
    }

    #[test]
    fn a_serial_sold_twice_offline_becomes_a_conflict_not_a_refusal() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1").unwrap();
        assert_eq!(r.record_synced_sale("tv", "montreal", "A1", sold("sale-1")).unwrap(), SyncedSerial::Recorded);
        assert_eq!(
            r.record_synced_sale("tv", "montreal", "A1", sold("sale-1")).unwrap(),
            SyncedSerial::AlreadyRecorded
        );
        assert_eq!(
            r.record_synced_sale("tv", "laval", "A1", sold("sale-2")).unwrap(),
            SyncedSerial::SoldTwice { first_sale_id: "sale-1".into() }
        );
        assert_eq!(r.get("tv", "A1").unwrap().sold_on, Some(sold("sale-1")));
        assert_eq!(r.record_synced_sale("tv", "laval", "B7", sold("sale-3")).unwrap(), SyncedSerial::AddedAndRecorded);
    }

    #[test]
    fn the_registry_round_trips_through_json_as_rows() {
        let mut r = SerialRegistry::new();
        r.register_list("tv", "montreal", "A1, A2").unwrap();
        r.record_sale("tv", "montreal", "A2", sold("sale-1")).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.starts_with('['));
        assert_eq!(serde_json::from_str::<SerialRegistry>(&json).unwrap(), r);
    }

    proptest! {
        #[test]
        fn registering_a_list_either_adds_every_distinct_entry_or_nothing(
            existing in proptest::collection::vec("[A-C][0-9]", 0..4),
            typed in proptest::collection::vec("[ ]{0,2}[A-C][0-9]?[ ]{0,2}", 0..8),
        ) {
            let mut r = SerialRegistry::new();
            let _ = r.register_list("p", "o", &existing.join(","));
            let before = r.clone();
            let input = typed.join(",");
            let entries: Vec<&str> = input.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            match r.register_list("p", "o", &input) {
                Ok(added) => {
                    prop_assert_eq!(added.len(), entries.len());
                    prop_assert_eq!(r.for_product("p").count(), before.for_product("p").count() + added.len());
                    for s in &added {
                        prop_assert!(before.get("p", s).is_none());
                    }
                }
                Err(SerialError::Empty) => {
                    prop_assert!(entries.is_empty());
                    prop_assert_eq!(&r, &before);
                }
                Err(SerialError::Duplicates { repeated_in_list, already_registered }) => {
                    prop_assert_eq!(&r, &before);
                    prop_assert!(!repeated_in_list.is_empty() || !already_registered.is_empty());
                    for s in &repeated_in_list {
                        prop_assert!(entries.iter().filter(|e| *e == s).count() > 1);
                    }
                    for s in &already_registered {
                        prop_assert!(before.get("p", s).is_some());
                    }
                    // Every real duplicate is named.
                    for (i, e) in entries.iter().enumerate() {
                        if entries[..i].contains(e) {
                            prop_assert!(repeated_in_list.iter().any(|s| s == e));
                        }
                        if before.get("p", e).is_some() {
                            prop_assert!(already_registered.iter().any(|s| s == e));
                        }
                    }
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn a_unit_is_sold_at_most_once_until_it_is_returned(sales in proptest::collection::vec((0usize..3, 0usize..4), 1..20)) {
            let mut r = SerialRegistry::new();
            r.register_list("tv", "o", "S0, S1, S2").unwrap();
            let mut holder: [Option<String>; 3] = Default::default();
            for (n, (unit, action)) in sales.into_iter().enumerate() {
                let serial = format!("S{unit}");
                let sale = format!("sale-{n}");
                if action < 3 {
                    let res = r.record_sale("tv", "o", &serial, sold(&sale));
                    prop_assert_eq!(res.is_ok(), holder[unit].is_none());
                    if res.is_ok() { holder[unit] = Some(sale); }
                } else if let Some(original) = holder[unit].clone() {
                    r.record_return(&product("tv", true), "o", Some(&serial), ret(&original, "ret", 0)).unwrap();
                    holder[unit] = None;
                }
            }
        }
    }
}
