//! The server's decision on each pushed sale — store it, recognise it as already stored, or hold it for
//! review — as a pure function of the sale and what the server holds that bears on it. The store loads
//! [`Holdings`], calls [`accept_sale`], and persists what the [`Verdict`] says.
//!
//! A paid sale is never refused here: what is wrong with a well-formed sale makes it *held* with its
//! reason, for a manager; only what is not a sale at all (unparseable, out of range, from an unknown
//! device) is refused, earlier, at the edge.

use super::Device;
use crate::auth::{override_allowed, Role};
use crate::catalog::Register;
use crate::money::Money;
use crate::sale::{receipt_number, verify_refunds, Sale};
use crate::tax::{TaxClass, TaxRates};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a sale is held for review instead of stored. Stable codes (`code`) for the API and translations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum HoldReason {
    #[error("another sale is already stored under id {sale_id}")]
    IdTaken { sale_id: String },
    #[error("device sequence {seq} already holds sale {existing_receipt}")]
    KeyTaken { seq: u64, existing_sale_id: String, existing_receipt: String },
    #[error("the sale was made by device {sale_device} but pushed by device {pushed_by}")]
    OtherDevice { sale_device: String, pushed_by: String },
    #[error("unknown register '{register_id}'")]
    UnknownRegister { register_id: String },
    #[error("register '{register_id}' sells for outlet '{expected}', not '{outlet_id}'")]
    WrongOutlet { register_id: String, outlet_id: String, expected: String },
    #[error("receipt '{receipt}' should be '{expected}'")]
    ReceiptMismatch { receipt: String, expected: String },
    /// The server's rules do not reproduce the sale's figures (totals, taxes, tenders, discounts…).
    #[error("{message}")]
    Invalid { error: String, message: String },
    #[error("line {line}: unknown product '{product_id}'")]
    UnknownProduct { line: usize, product_id: String },
    #[error("line {line}: its {field} is not the catalog's for product '{product_id}'")]
    CatalogMismatch { line: usize, product_id: String, field: String },
    #[error("line {line}: sold at {unit_price} while the catalog said {catalog_price}, with no price override")]
    PriceWithoutOverride { line: usize, product_id: String, unit_price: Money, catalog_price: Money },
    /// A return refunds other than what its original sale charged.
    #[error("{message}")]
    RefundMismatch { error: String, message: String },
    /// The sale names no cashier, or one who is not staff at its outlet.
    #[error("cashier '{cashier_id}' does not work at outlet '{outlet_id}'")]
    UnknownCashier { cashier_id: String, outlet_id: String },
    /// The device is enrolled at another outlet than the one the sale names.
    #[error("the device sells for outlet '{device_outlet}', not '{outlet_id}'")]
    OtherOutlet { outlet_id: String, device_outlet: String },
    /// A price override by someone who may not make it (a cashier beyond their limit, or not staff).
    #[error("line {line}: {by} may not sell at {unit_price} what the catalog prices at {catalog_price}")]
    OverrideNotAllowed { line: usize, by: String, unit_price: Money, catalog_price: Money },
}

impl HoldReason {
    pub fn code(&self) -> &'static str {
        match self {
            HoldReason::IdTaken { .. } => "id_taken",
            HoldReason::KeyTaken { .. } => "key_taken",
            HoldReason::OtherDevice { .. } => "other_device",
            HoldReason::UnknownRegister { .. } => "unknown_register",
            HoldReason::WrongOutlet { .. } => "wrong_outlet",
            HoldReason::ReceiptMismatch { .. } => "receipt_mismatch",
            HoldReason::Invalid { .. } => "invalid",
            HoldReason::UnknownProduct { .. } => "unknown_product",
            HoldReason::CatalogMismatch { .. } => "catalog_mismatch",
            HoldReason::PriceWithoutOverride { .. } => "price_without_override",
            HoldReason::RefundMismatch { .. } => "refund_mismatch",
            HoldReason::UnknownCashier { .. } => "unknown_cashier",
            HoldReason::OtherOutlet { .. } => "other_outlet",
            HoldReason::OverrideNotAllowed { .. } => "override_not_allowed",
        }
    }
}

/// What the server holds that bears on one pushed sale.
#[derive(Clone, Copy, Debug)]
pub struct Holdings<'a> {
    /// The device that pushed (known to the server: an unknown one is refused before this).
    pub device: &'a Device,
    /// The register the sale names and its outlet's tax rates; `None` when the server has no such register.
    pub register: Option<(&'a Register, TaxRates)>,
    /// The sale stored under this sale's id, if any.
    pub same_id: Option<&'a Sale>,
    /// The sale stored under this sale's key (its device and sequence), if any.
    pub same_key: Option<&'a Sale>,
    /// Sales held for review under this sale's id, with their reasons.
    pub held_same_id: &'a [(Sale, HoldReason)],
    /// What the catalog said of each product the sale names (the price in force when the sale was
    /// made); a product absent here is unknown to the server.
    pub catalog: &'a BTreeMap<String, CatalogTerms>,
    /// The sales its returned lines name, and the stored returns of those sales.
    pub originals: &'a [Sale],
    pub earlier_returns: &'a [Sale],
    /// The outlet the pushing device is enrolled at; `None` for a device enrolled before outlets
    /// bound devices (then any outlet its register names).
    pub device_outlet: Option<&'a str>,
    /// Every staff member the sale names (its cashier, its overrides' authors) with their role and
    /// outlets; a name absent here is not staff.
    pub staff: &'a BTreeMap<String, StaffTerms>,
}

/// What a sale must agree with about a staff member it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffTerms {
    pub role: Role,
    pub outlets: Vec<String>,
}

impl StaffTerms {
    pub(crate) fn works_at(&self, outlet: &str) -> bool {
        self.role == Role::Admin || self.outlets.iter().any(|o| o == outlet)
    }
}

/// What a sale's line must agree with in the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogTerms {
    pub price: Money,
    pub tax_class: TaxClass,
    /// Loyalty points one unit earns now. A line may carry fewer (copied before the catalog raised
    /// them), never more.
    pub loyalty_points: u32,
}

/// The key a sale is idempotent under: its device, or for a sale recorded before devices existed (no
/// device), its register — as the server keyed such sales then.
pub fn key_device(sale: &Sale) -> String {
    if sale.device_id.is_empty() {
        format!("register:{}", sale.register_id)
    } else {
        sale.device_id.clone()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// New and right: store it with its effects (lines, stock, serials, account, loyalty).
    Store,
    /// Already stored, identical: write nothing, acknowledge.
    Duplicate,
    /// Well-formed but not acceptable as it stands: keep it, held for review, with no effect on stock
    /// or accounts until a manager resolves it.
    Hold(HoldReason),
    /// Already held, identical: write nothing, acknowledge with the reason it was held for.
    AlreadyHeld(HoldReason),
}

/// The decision on one pushed sale (see the module doc). `sale` has passed `limits::check_sale`.
pub fn accept_sale(sale: &Sale, h: Holdings<'_>) -> Verdict {
    if h.same_id == Some(sale) {
        return Verdict::Duplicate;
    }
    // Before any new hold: a held sale pushed again (a lost answer) is the same held sale, once.
    if let Some((_, reason)) = h.held_same_id.iter().find(|(held, _)| held == sale) {
        return Verdict::AlreadyHeld(reason.clone());
    }
    if h.same_id.is_some() {
        return Verdict::Hold(HoldReason::IdTaken { sale_id: sale.id.clone() });
    }
    match hold_reason(sale, &h) {
        Some(reason) => Verdict::Hold(reason),
        None => Verdict::Store,
    }
}

fn hold_reason(sale: &Sale, h: &Holdings<'_>) -> Option<HoldReason> {
    if let Some(other) = h.same_key {
        return Some(HoldReason::KeyTaken { seq: sale.seq, existing_sale_id: other.id.clone(), existing_receipt: other.receipt.clone() });
    }
    let legacy = sale.device_id.is_empty();
    if !legacy && sale.device_id != h.device.id {
        return Some(HoldReason::OtherDevice { sale_device: sale.device_id.clone(), pushed_by: h.device.id.clone() });
    }
    // Even a sale from before devices is pushed by an enrolled device now: it is bound to that device's
    // outlet like any other, or an empty `device_id` would carry any sale anywhere.
    if let Some(device_outlet) = h.device_outlet.filter(|o| *o != sale.outlet_id) {
        return Some(HoldReason::OtherOutlet { outlet_id: sale.outlet_id.clone(), device_outlet: device_outlet.to_string() });
    }
    // Sales recorded before staff accounts (and devices) existed name no cashier; one that names
    // somebody is checked like any other.
    let anonymous_legacy = legacy && sale.cashier_id.is_empty();
    if !anonymous_legacy && !h.staff.get(&sale.cashier_id).is_some_and(|s| s.works_at(&sale.outlet_id)) {
        return Some(HoldReason::UnknownCashier { cashier_id: sale.cashier_id.clone(), outlet_id: sale.outlet_id.clone() });
    }
    let Some((register, rates)) = h.register else {
        return Some(HoldReason::UnknownRegister { register_id: sale.register_id.clone() });
    };
    if sale.outlet_id != register.outlet_id {
        return Some(HoldReason::WrongOutlet {
            register_id: register.id.clone(),
            outlet_id: sale.outlet_id.clone(),
            expected: register.outlet_id.clone(),
        });
    }
    let expected = if legacy {
        format!("{}-{:06}", register.code, sale.seq)
    } else {
        receipt_number(&register.code, h.device.number, sale.seq)
    };
    if sale.receipt != expected {
        return Some(HoldReason::ReceiptMismatch { receipt: sale.receipt.clone(), expected });
    }
    if let Err(e) = sale.verify(&rates) {
        return Some(HoldReason::Invalid { error: e.code().into(), message: e.to_string() });
    }
    for (i, line) in sale.lines.iter().enumerate() {
        let Some(terms) = h.catalog.get(&line.product_id) else {
            return Some(HoldReason::UnknownProduct { line: i + 1, product_id: line.product_id.clone() });
        };
        let mismatch = |field: &str| Some(HoldReason::CatalogMismatch { line: i + 1, product_id: line.product_id.clone(), field: field.into() });
        if line.tax_class != terms.tax_class {
            return mismatch("tax class");
        }
        if line.loyalty_points > terms.loyalty_points {
            return mismatch("loyalty points");
        }
        let catalog_price = terms.price;
        // A returned line that names its sale is priced by that sale (checked with the refunds below).
        if line.return_of.is_none() && line.unit_price != catalog_price && line.price_override.is_none() {
            return Some(HoldReason::PriceWithoutOverride {
                line: i + 1,
                product_id: line.product_id.clone(),
                unit_price: line.unit_price,
                catalog_price,
            });
        }
        // No exemption for sales from before devices: overrides came after them, so one naming an
        // override is checked like any other.
        if let Some(o) = line.price_override.as_ref().filter(|_| line.unit_price != catalog_price) {
            let allowed = h.staff.get(&o.by).is_some_and(|s| s.works_at(&sale.outlet_id) && override_allowed(s.role, catalog_price, line.unit_price));
            if !allowed {
                return Some(HoldReason::OverrideNotAllowed { line: i + 1, by: o.by.clone(), unit_price: line.unit_price, catalog_price });
            }
        }
    }
    refund_hold(sale, h)
}

/// A return must refund exactly what its original charged, given the returns made before it. A
/// device that was offline may not have known of a return made elsewhere, but it knows its own: the
/// return passes if its figures are right given every stored return, or given only its device's.
fn refund_hold(sale: &Sale, h: &Holdings<'_>) -> Option<HoldReason> {
    if sale.lines.iter().all(|l| l.return_of.is_none()) {
        return None;
    }
    let Err(e) = verify_refunds(sale, h.originals, h.earlier_returns) else {
        return None;
    };
    // A return made by a connected store (an order cancelled on the platform) counts for every device:
    // its units went back to stock and its money back to the customer at once, so a register refund of
    // the same units would give them twice.
    let own: Vec<Sale> = h
        .earlier_returns
        .iter()
        .filter(|s| s.device_id == sale.device_id || crate::online::intake::is_online_device(&s.device_id))
        .cloned()
        .collect();
    if own.len() < h.earlier_returns.len() && verify_refunds(sale, h.originals, &own).is_ok() {
        return None;
    }
    Some(HoldReason::RefundMismatch { error: e.code().into(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::tests::{paid_sale, product};
    use crate::sale::{Cart, PriceOverride};
    use crate::tax::TaxClass;

    fn device() -> Device {
        Device { id: "dev-a".into(), number: 3 }
    }
    fn register() -> Register {
        Register { id: "r1".into(), outlet_id: "o1".into(), code: "MTL1".into(), name: "Caisse 1".into() }
    }
    fn sale() -> Sale {
        let mut cart = Cart::default();
        cart.add(&product("hat", 1500, TaxClass::Taxable));
        let mut s = paid_sale(&cart, Money(2000));
        s.device_id = "dev-a".into();
        s.receipt = receipt_number("MTL1", 3, 1);
        s.cashier_id = "julie".into();
        s
    }
    fn staff() -> BTreeMap<String, StaffTerms> {
        BTreeMap::from([
            ("julie".to_string(), StaffTerms { role: Role::Cashier, outlets: vec!["o1".into()] }),
            ("marc".to_string(), StaffTerms { role: Role::Cashier, outlets: vec!["o2".into()] }),
            ("gerante".to_string(), StaffTerms { role: Role::Manager, outlets: vec!["o1".into()] }),
        ])
    }
    fn prices() -> BTreeMap<String, CatalogTerms> {
        BTreeMap::from([("hat".to_string(), CatalogTerms { price: Money(1500), tax_class: TaxClass::Taxable, loyalty_points: 0 })])
    }
    fn decide(s: &Sale, same_id: Option<&Sale>, same_key: Option<&Sale>, held: &[(Sale, HoldReason)], prices: &BTreeMap<String, CatalogTerms>) -> Verdict {
        decide_at(s, same_id, same_key, held, prices, Some("o1"))
    }
    fn decide_at(s: &Sale, same_id: Option<&Sale>, same_key: Option<&Sale>, held: &[(Sale, HoldReason)], prices: &BTreeMap<String, CatalogTerms>, device_outlet: Option<&str>) -> Verdict {
        let (d, r, staff) = (device(), register(), staff());
        accept_sale(
            s,
            Holdings {
                device: &d,
                register: Some((&r, TaxRates::QUEBEC)),
                same_id,
                same_key,
                held_same_id: held,
                catalog: prices,
                originals: &[],
                earlier_returns: &[],
                device_outlet,
                staff: &staff,
            },
        )
    }

    #[test]
    fn a_right_new_sale_is_stored_and_the_same_sale_again_is_a_duplicate() {
        let s = sale();
        assert_eq!(decide(&s, None, None, &[], &prices()), Verdict::Store);
        assert_eq!(decide(&s, Some(&s), Some(&s), &[], &prices()), Verdict::Duplicate);
    }

    #[test]
    fn another_sale_under_a_taken_key_is_held_never_refused() {
        let s = sale();
        let mut thief = s.clone();
        thief.id = "stolen".into();
        let v = decide(&s, None, Some(&thief), &[], &prices());
        assert!(matches!(v, Verdict::Hold(HoldReason::KeyTaken { seq: 1, .. })), "{v:?}");
        let mut changed = s.clone();
        changed.created_at_ms += 1;
        assert_eq!(decide(&changed, Some(&s), Some(&s), &[], &prices()), Verdict::Hold(HoldReason::IdTaken { sale_id: s.id.clone() }));
    }

    #[test]
    fn a_held_sale_pushed_again_is_acknowledged_with_its_reason() {
        let s = sale();
        let reason = HoldReason::UnknownProduct { line: 1, product_id: "hat".into() };
        assert_eq!(decide(&s, None, None, &[(s.clone(), reason.clone())], &BTreeMap::new()), Verdict::AlreadyHeld(reason));
    }

    #[test]
    fn a_price_other_than_the_catalogs_needs_an_override() {
        let mut cheap = prices();
        cheap.get_mut("hat").unwrap().price = Money(1);
        let v = decide(&sale(), None, None, &[], &cheap);
        assert_eq!(v.clone(), Verdict::Hold(HoldReason::PriceWithoutOverride { line: 1, product_id: "hat".into(), unit_price: Money(1500), catalog_price: Money(1) }));
        let mut s = sale();
        s.lines[0].price_override = Some(PriceOverride { catalog_price: Money(1), by: "gerante".into(), at_ms: 5, reason: "prix affiché".into() });
        assert_eq!(decide(&s, None, None, &[], &cheap), Verdict::Store);
    }

    #[test]
    fn unknown_products_wrong_receipts_tampered_totals_and_other_devices_are_held() {
        assert!(matches!(decide(&sale(), None, None, &[], &BTreeMap::new()), Verdict::Hold(HoldReason::UnknownProduct { .. })));
        let mut s = sale();
        s.receipt = "MTL1-000001".into();
        assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::ReceiptMismatch { .. })));
        let mut s = sale();
        s.totals.total = Money(1);
        assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::Invalid { .. })));
        let mut s = sale();
        s.device_id = "dev-b".into();
        assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::OtherDevice { .. })));
        let mut s = sale();
        s.outlet_id = "o2".into();
        s.cashier_id = "marc".into();
        assert!(matches!(decide_at(&s, None, None, &[], &prices(), None), Verdict::Hold(HoldReason::WrongOutlet { .. })));
    }

    #[test]
    fn a_sale_by_nobody_or_by_staff_of_another_outlet_is_held() {
        for who in ["", "stranger", "marc"] {
            let mut s = sale();
            s.cashier_id = who.into();
            assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::UnknownCashier { .. })), "{who:?}");
        }
    }

    #[test]
    fn a_device_selling_for_another_outlet_than_its_own_is_held() {
        let v = decide_at(&sale(), None, None, &[], &prices(), Some("o2"));
        assert!(matches!(v, Verdict::Hold(HoldReason::OtherOutlet { .. })), "{v:?}");
    }

    #[test]
    fn a_cashier_override_beyond_the_limit_is_held_a_managers_is_stored() {
        let mut dear = prices();
        dear.get_mut("hat").unwrap().price = Money(3000);
        let mut s = sale();
        s.lines[0].price_override = Some(PriceOverride { catalog_price: Money(3000), by: "julie".into(), at_ms: 5, reason: "soldé".into() });
        assert!(matches!(decide(&s, None, None, &[], &dear), Verdict::Hold(HoldReason::OverrideNotAllowed { line: 1, .. })));
        s.lines[0].price_override.as_mut().unwrap().by = "gerante".into();
        assert_eq!(decide(&s, None, None, &[], &dear), Verdict::Store);
        let mut near = prices();
        near.get_mut("hat").unwrap().price = Money(1600);
        s.lines[0].price_override.as_mut().unwrap().by = "julie".into();
        assert_eq!(decide(&s, None, None, &[], &near), Verdict::Store);
    }

    #[test]
    fn a_tax_class_or_points_the_catalog_does_not_give_are_held() {
        let mut s = sale();
        s.lines[0].loyalty_points = 1_000_000;
        assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::CatalogMismatch { .. })));
        let mut exempt = prices();
        exempt.get_mut("hat").unwrap().tax_class = TaxClass::Exempt;
        assert!(matches!(decide(&sale(), None, None, &[], &exempt), Verdict::Hold(HoldReason::CatalogMismatch { .. })));
    }

    #[test]
    fn a_sale_held_for_its_id_and_pushed_again_is_held_once() {
        let s = sale();
        let mut other = s.clone();
        other.created_at_ms += 1;
        let reason = HoldReason::IdTaken { sale_id: s.id.clone() };
        assert_eq!(decide(&other, Some(&s), Some(&s), &[], &prices()), Verdict::Hold(reason.clone()));
        assert_eq!(decide(&other, Some(&s), Some(&s), &[(other.clone(), reason.clone())], &prices()), Verdict::AlreadyHeld(reason));
    }

    #[test]
    fn a_sale_recorded_before_devices_is_keyed_by_its_register_with_the_old_receipt() {
        let mut s = sale();
        s.device_id = String::new();
        s.receipt = "MTL1-000001".into();
        assert_eq!(key_device(&s), "register:r1");
        assert_eq!(decide(&s, None, None, &[], &prices()), Verdict::Store);
    }

    #[test]
    fn a_sale_without_a_device_cannot_skip_the_outlet_cashier_or_override_rules() {
        let legacy = || {
            let mut s = sale();
            s.device_id = String::new();
            s.receipt = "MTL1-000001".into();
            s.cashier_id = String::new();
            s
        };
        assert_eq!(decide(&legacy(), None, None, &[], &prices()), Verdict::Store, "an honest sale from before devices");
        let v = decide_at(&legacy(), None, None, &[], &prices(), Some("o2"));
        assert!(matches!(v, Verdict::Hold(HoldReason::OtherOutlet { .. })), "another outlet's device: {v:?}");
        let mut s = legacy();
        s.cashier_id = "marc".into();
        assert!(matches!(decide(&s, None, None, &[], &prices()), Verdict::Hold(HoldReason::UnknownCashier { .. })));
        let mut dear = prices();
        dear.get_mut("hat").unwrap().price = Money(3000);
        let mut s = legacy();
        s.lines[0].price_override = Some(PriceOverride { catalog_price: Money(3000), by: "julie".into(), at_ms: 5, reason: "".into() });
        assert!(matches!(decide(&s, None, None, &[], &dear), Verdict::Hold(HoldReason::OverrideNotAllowed { .. })));
    }

    #[test]
    fn hold_reasons_travel_as_json_with_their_code() {
        let r = HoldReason::KeyTaken { seq: 4, existing_sale_id: "x".into(), existing_receipt: "MTL1-1-000004".into() };
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"code\":\"key_taken\""), "{json}");
        assert_eq!(serde_json::from_str::<HoldReason>(&json).unwrap(), r);
        assert_eq!(r.code(), "key_taken");
    }
}
