//! Administration › Points de vente (issue 12 item 7): what an admin may set on an outlet and a
//! register, checked here once for the server (the gate) and the back office (which shows why).
//! An outlet's *priority* is its rank in the chain's allocation order: online orders are allocated to
//! a store's online outlets in this order (`stock::allocation`), so reordering the outlets reorders
//! every store's online outlets the same way.

use crate::catalog::edit::{check_id, check_text, FieldError};
use crate::catalog::{Outlet, Register};
use crate::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use crate::tax::{registration_number, TaxCode, TaxRates, MAX_REGISTRATION_NUMBER_LEN};
use serde::{Deserialize, Serialize};

/// A register's code is printed in every receipt number (`MTL1-3-000042`): short, upper-case.
pub const MAX_REGISTER_CODE_LEN: usize = 8;

/// The most outlets a chain has (a bound on the allocation order a request may send).
pub const MAX_OUTLETS: usize = 1000;

/// An outlet as the back office lists it (`GET /outlets`): its rank, its registers, and the connected
/// stores it offers its stock to online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutletView {
    #[serde(flatten)]
    pub outlet: Outlet,
    /// 1 for the first in allocation order.
    pub priority: u32,
    pub registers: Vec<Register>,
    /// The connected stores that sell this outlet's stock online (`/boutiques`).
    #[serde(default)]
    pub online: Vec<OnlineOffer>,
}

/// One connected store offering an outlet's stock online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OnlineOffer {
    pub connection_id: String,
    pub name: String,
    pub active: bool,
}

/// `POST /outlets` (admin). The id is made from the name when omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewOutlet {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: String,
    /// An IANA zone the server's database knows (`America/Toronto` for Québec).
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub time_zone: String,
    /// Québec's TPS and TVQ when omitted.
    #[serde(default)]
    pub tax_rates: Option<TaxRates>,
    /// TPS/GST registration number printed on receipts (`123456789 RT0001`); empty when not registered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_REGISTRATION_NUMBER_LEN)))]
    pub gst_number: String,
    /// TVQ/QST registration number (`1234567890 TQ0001`); empty when not registered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_REGISTRATION_NUMBER_LEN)))]
    pub qst_number: String,
}

/// `PATCH /outlets/{id}` (admin): the fields present change. Tax rates are not edited here: a
/// register offline with the old rates would have every sale held.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OutletPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub time_zone: Option<String>,
    /// Empty clears it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_REGISTRATION_NUMBER_LEN)))]
    pub gst_number: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_REGISTRATION_NUMBER_LEN)))]
    pub qst_number: Option<String>,
}

/// `PUT /outlets/priority` (admin): every outlet, once, first in allocation order first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PriorityOrder {
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_OUTLETS)))]
    pub outlets: Vec<String>,
}

/// `POST /registers` (admin): a register at an outlet. The id is made from the code when omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewRegister {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_ID_LEN)))]
    pub outlet_id: String,
    /// Printed in receipt numbers: 1 to 8 upper-case letters and digits (`MTL2`).
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_REGISTER_CODE_LEN)))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub name: String,
}

/// `name` as an id: lower-case ASCII letters and digits, accents dropped, other runs become `-`
/// (`Trois-Rivières Centre` → `trois-rivieres-centre`). Empty when nothing is left.
pub fn id_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed.chars().take(MAX_ID_LEN).collect::<String>().trim_end_matches('-').to_string()
}

/// The French letters a name may hold, without their accents.
fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
        'ç' | 'Ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'Î' | 'Ï' => 'i',
        'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
        'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ÿ' | 'Ÿ' => 'y',
        'œ' | 'Œ' => return vec!['o', 'e'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        c => c,
    };
    vec![plain]
}

/// `typed` as the receipt prints it, or the field's error.
fn check_registration(code: TaxCode, typed: &str, errors: &mut Vec<FieldError>) -> String {
    let field = match code {
        TaxCode::Gst => "gst_number",
        TaxCode::Qst => "qst_number",
    };
    registration_number(code, typed).unwrap_or_else(|error| {
        let message = match error {
            "too_long" => format!("a registration number is at most {MAX_REGISTRATION_NUMBER_LEN} characters"),
            _ if code == TaxCode::Gst => "a TPS/GST number is 9 digits, RT and 4 digits (123456789 RT0001)".to_string(),
            _ => "a TVQ/QST number is 10 digits, TQ and 4 digits (1234567890 TQ0001)".to_string(),
        };
        errors.push(FieldError::new(field, error, message));
        String::new()
    })
}

fn check_zone(zone: &str, known_zone: &dyn Fn(&str) -> bool, errors: &mut Vec<FieldError>) {
    if zone.is_empty() {
        errors.push(FieldError::new("time_zone", "required", "time_zone is required"));
    } else if zone.len() > MAX_ID_LEN || !known_zone(zone) {
        errors.push(FieldError::new("time_zone", "unknown_time_zone", format!("'{zone}' is not a time zone of the IANA database")));
    }
}

/// A new outlet with its id (given, or made from its name) and rates, or every field at fault.
/// `known_zone` says whether the server's time-zone database has a zone.
pub fn check_new_outlet(new: &NewOutlet, known_zone: &dyn Fn(&str) -> bool) -> Result<Outlet, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = new.name.trim().to_string();
    check_text("name", &name, MAX_TEXT_LEN, &mut errors);
    let id = match new.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(id) => id.to_string(),
        None => id_from_name(&name),
    };
    if !name.is_empty() {
        check_id("id", &id, &mut errors);
    }
    let time_zone = new.time_zone.trim().to_string();
    check_zone(&time_zone, known_zone, &mut errors);
    let tax_rates = new.tax_rates.unwrap_or(TaxRates::QUEBEC);
    // A rate is parts per million of the price: more than 100 % is a typing mistake.
    if tax_rates.gst_ppm > 1_000_000 || tax_rates.qst_ppm > 1_000_000 {
        errors.push(FieldError::new("tax_rates", "out_of_range", "a tax rate is at most 1 000 000 ppm (100 %)"));
    }
    let gst_number = check_registration(TaxCode::Gst, &new.gst_number, &mut errors);
    let qst_number = check_registration(TaxCode::Qst, &new.qst_number, &mut errors);
    if errors.is_empty() {
        Ok(Outlet { id, name, tax_rates, time_zone, gst_number, qst_number })
    } else {
        Err(errors)
    }
}

/// What a patch changes on an outlet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutletEdit {
    pub after: Outlet,
    /// `name`, `time_zone`, `gst_number`, `qst_number`: what differs from before (empty: nothing to
    /// write).
    pub changed: Vec<&'static str>,
}

impl OutletEdit {
    /// The audit log's words: `time_zone: America/Toronto → America/Vancouver`.
    pub fn detail(&self, before: &Outlet) -> String {
        self.changed
            .iter()
            .map(|f| {
                let (was, now) = match *f {
                    "name" => (&before.name, &self.after.name),
                    "gst_number" => (&before.gst_number, &self.after.gst_number),
                    "qst_number" => (&before.qst_number, &self.after.qst_number),
                    _ => (&before.time_zone, &self.after.time_zone),
                };
                let shown = |v: &String| if v.is_empty() { "—".to_string() } else { v.clone() };
                format!("{f}: {} → {}", shown(was), shown(now))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

pub fn apply_outlet_patch(before: &Outlet, patch: &OutletPatch, known_zone: &dyn Fn(&str) -> bool) -> Result<OutletEdit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut after = before.clone();
    let mut changed = Vec::new();
    if let Some(name) = &patch.name {
        let name = name.trim().to_string();
        check_text("name", &name, MAX_TEXT_LEN, &mut errors);
        if name != before.name {
            changed.push("name");
        }
        after.name = name;
    }
    if let Some(zone) = &patch.time_zone {
        let zone = zone.trim().to_string();
        check_zone(&zone, known_zone, &mut errors);
        if zone != before.time_zone {
            changed.push("time_zone");
        }
        after.time_zone = zone;
    }
    for (code, typed) in [(TaxCode::Gst, &patch.gst_number), (TaxCode::Qst, &patch.qst_number)] {
        let Some(typed) = typed else { continue };
        let number = check_registration(code, typed, &mut errors);
        let (field, slot, was) = match code {
            TaxCode::Gst => ("gst_number", &mut after.gst_number, &before.gst_number),
            TaxCode::Qst => ("qst_number", &mut after.qst_number, &before.qst_number),
        };
        if number != *was {
            changed.push(field);
        }
        *slot = number;
    }
    if errors.is_empty() {
        Ok(OutletEdit { after, changed })
    } else {
        Err(errors)
    }
}

/// A whole allocation order checked against the outlets on file (`current`, in today's order): each
/// once, none missing, none unknown. Returns the outlets whose rank changes, with their new rank
/// (0-based), so only those rows are written (and logged for the registers).
pub fn reorder(current: &[String], order: &[String]) -> Result<Vec<(String, u32)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, id) in order.iter().enumerate() {
        if !current.contains(id) {
            errors.push(FieldError::new("outlets", "unknown_outlet", format!("no outlet '{id}'")));
        } else if order[..i].contains(id) {
            errors.push(FieldError::new("outlets", "repeated", format!("outlet '{id}' is listed twice")));
        }
    }
    for id in current {
        if !order.contains(id) {
            errors.push(FieldError::new("outlets", "missing", format!("outlet '{id}' is missing: give every outlet, in order")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(order
        .iter()
        .enumerate()
        .filter(|(i, id)| current.get(*i) != Some(*id))
        .map(|(i, id)| (id.clone(), i as u32))
        .collect())
}

/// A new register with its id (given, or made from its code), or every field at fault. The outlet's
/// existence and the code's uniqueness are the store's to check.
pub fn check_new_register(new: &NewRegister) -> Result<Register, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = new.code.trim().to_string();
    if code.is_empty() {
        errors.push(FieldError::new("code", "required", "code is required"));
    } else if code.len() > MAX_REGISTER_CODE_LEN || !code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        errors.push(FieldError::new("code", "bad_code", format!("a register code is 1 to {MAX_REGISTER_CODE_LEN} upper-case letters and digits (MTL2)")));
    }
    let name = new.name.trim().to_string();
    check_text("name", &name, MAX_TEXT_LEN, &mut errors);
    let outlet_id = new.outlet_id.trim().to_string();
    check_id("outlet_id", &outlet_id, &mut errors);
    let id = match new.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(id) => id.to_string(),
        None => code.to_ascii_lowercase(),
    };
    if !code.is_empty() {
        check_id("id", &id, &mut errors);
    }
    if errors.is_empty() {
        Ok(Register { id, outlet_id, code, name })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones(z: &str) -> bool {
        ["America/Toronto", "America/Vancouver", "America/Halifax"].contains(&z)
    }

    fn outlet(id: &str) -> Outlet {
        Outlet { id: id.into(), name: "Montréal".into(), tax_rates: TaxRates::QUEBEC, time_zone: "America/Toronto".into(), gst_number: String::new(), qst_number: String::new() }
    }

    #[test]
    fn an_id_is_made_from_the_name_without_accents() {
        assert_eq!(id_from_name("Trois-Rivières Centre"), "trois-rivieres-centre");
        assert_eq!(id_from_name("  Œuvre  d'art!! "), "oeuvre-d-art");
        assert_eq!(id_from_name("???"), "");
    }

    #[test]
    fn a_new_outlet_needs_a_name_and_a_known_zone() {
        let new = NewOutlet { name: " Québec ".into(), time_zone: "America/Toronto".into(), ..Default::default() };
        let o = check_new_outlet(&new, &zones).unwrap();
        assert_eq!((o.id.as_str(), o.name.as_str(), o.tax_rates), ("quebec", "Québec", TaxRates::QUEBEC));
        let bad = NewOutlet { name: "".into(), time_zone: "Mars/Olympus".into(), ..Default::default() };
        let errors = check_new_outlet(&bad, &zones).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(codes, [("name", "required"), ("time_zone", "unknown_time_zone")]);
        let bad_id = NewOutlet { id: Some("a b".into()), name: "X".into(), time_zone: "America/Toronto".into(), ..Default::default() };
        assert_eq!(check_new_outlet(&bad_id, &zones).unwrap_err()[0].code, "bad_characters");
        let rates = NewOutlet { name: "X".into(), time_zone: "America/Toronto".into(), tax_rates: Some(TaxRates { gst_ppm: 2_000_000, qst_ppm: 0 }), ..Default::default() };
        assert_eq!(check_new_outlet(&rates, &zones).unwrap_err()[0].field, "tax_rates");
    }

    #[test]
    fn a_patch_changes_the_fields_given_and_names_them() {
        let before = outlet("montreal");
        let edit = apply_outlet_patch(&before, &OutletPatch { time_zone: Some("America/Vancouver".into()), ..Default::default() }, &zones).unwrap();
        assert_eq!(edit.changed, ["time_zone"]);
        assert_eq!(edit.after.time_zone, "America/Vancouver");
        assert_eq!(edit.detail(&before), "time_zone: America/Toronto → America/Vancouver");
        let same = apply_outlet_patch(&before, &OutletPatch { name: Some("Montréal ".into()), ..Default::default() }, &zones).unwrap();
        assert!(same.changed.is_empty());
        let bad = apply_outlet_patch(&before, &OutletPatch { name: Some(" ".into()), time_zone: Some("Toronto".into()), ..Default::default() }, &zones).unwrap_err();
        assert_eq!(bad.len(), 2);
    }

    #[test]
    fn registration_numbers_are_set_normalised_cleared_and_refused_by_field() {
        let before = outlet("montreal");
        let set = OutletPatch { gst_number: Some("123456789rt0001".into()), qst_number: Some("1234567890-TQ-0001".into()), ..Default::default() };
        let edit = apply_outlet_patch(&before, &set, &zones).unwrap();
        assert_eq!((edit.after.gst_number.as_str(), edit.after.qst_number.as_str()), ("123456789 RT0001", "1234567890 TQ0001"));
        assert_eq!(edit.changed, ["gst_number", "qst_number"]);
        assert_eq!(edit.detail(&before), "gst_number: — → 123456789 RT0001; qst_number: — → 1234567890 TQ0001");
        let cleared = apply_outlet_patch(&edit.after, &OutletPatch { gst_number: Some(" ".into()), ..Default::default() }, &zones).unwrap();
        assert_eq!((cleared.after.gst_number.as_str(), cleared.changed.as_slice()), ("", ["gst_number"].as_slice()));
        let swapped = OutletPatch { gst_number: Some("1234567890 TQ0001".into()), qst_number: Some("123456789 RT0001".into()), ..Default::default() };
        let errors = apply_outlet_patch(&before, &swapped, &zones).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(codes, [("gst_number", "bad_gst_number"), ("qst_number", "bad_qst_number")]);
        let new = NewOutlet { name: "Laval".into(), time_zone: "America/Toronto".into(), gst_number: "123456789 RT 0001".into(), ..Default::default() };
        let o = check_new_outlet(&new, &zones).unwrap();
        assert_eq!((o.gst_number.as_str(), o.qst_number.as_str()), ("123456789 RT0001", ""));
    }

    #[test]
    fn a_new_order_names_every_outlet_once() {
        let current: Vec<String> = ["montreal", "laval", "sherbrooke"].map(String::from).to_vec();
        let order = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(reorder(&current, &order(&["laval", "montreal", "sherbrooke"])).unwrap(), [("laval".to_string(), 0), ("montreal".to_string(), 1)]);
        assert!(reorder(&current, &current).unwrap().is_empty());
        let codes = |r: Result<_, Vec<FieldError>>| r.unwrap_err().into_iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(codes(reorder(&current, &order(&["laval", "montreal"]))), ["missing"]);
        assert_eq!(codes(reorder(&current, &order(&["laval", "laval", "montreal", "sherbrooke"]))), ["repeated"]);
        assert_eq!(codes(reorder(&current, &order(&["laval", "montreal", "sherbrooke", "quebec"]))), ["unknown_outlet"]);
    }

    #[test]
    fn a_register_code_is_short_and_upper_case() {
        let r = check_new_register(&NewRegister { id: None, outlet_id: "laval".into(), code: "LAV2".into(), name: "Caisse 2".into() }).unwrap();
        assert_eq!((r.id.as_str(), r.code.as_str()), ("lav2", "LAV2"));
        for bad in ["lav2", "LAVAL-2", "TOOLONGCODE", ""] {
            let e = check_new_register(&NewRegister { id: None, outlet_id: "laval".into(), code: bad.into(), name: "C".into() }).unwrap_err();
            assert_eq!(e[0].field, "code", "{bad}");
        }
    }
}
