//! The held-sales-and-conflicts inbox (issue 12, item 4): every sale held for review, every operation
//! or online order held, every conflict sync recorded and every stock level below zero, as one kind of
//! item — what happened, the resolution we suggest, the resolutions allowed — and what a manager's
//! resolution does. Pure: the server loads the item, calls [`decide`], and writes what it says.
//!
//! A resolution never deletes or silently edits a sale: accepting a held sale stores it as pushed, with
//! the manager's price override recorded on the lines the catalog priced otherwise; closing a held sale
//! keeps it on file, resolved, with the note saying why; a stock correction is a movement of its own.

use crate::limits::{MAX_ID_LEN, MAX_STOCK_LEVEL, MAX_TEXT_LEN};
use crate::money::Money;
use crate::sale::{PriceOverride, Sale};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum ItemKind {
    /// A paid sale the server could not accept as it stands (`shared::sync::HoldReason`).
    HeldSale,
    /// A register's operation (payment on account, serials, stock, customer) held (`OpHold`).
    HeldOperation,
    /// A platform order that could not be taken in.
    HeldOnlineOrder,
    /// Something sync found wrong in a stored sale (`shared::sync::effects::Conflict`): serial sold
    /// twice, credit limit overrun, reward redeemed twice, …
    Conflict,
    /// A stock level below zero (selling never stops for it).
    StockBelowZero,
}

/// An item's key, as text in paths: `held_sale:12`, `held_operation:3`, `held_online_order:7`,
/// `conflict:4`, `stock_below_zero:<outlet id>:<product id>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemId {
    HeldSale(i64),
    HeldOperation(i64),
    HeldOnlineOrder(i64),
    Conflict(i64),
    StockBelowZero { outlet_id: String, product_id: String },
}

impl ItemId {
    pub fn kind(&self) -> ItemKind {
        match self {
            ItemId::HeldSale(_) => ItemKind::HeldSale,
            ItemId::HeldOperation(_) => ItemKind::HeldOperation,
            ItemId::HeldOnlineOrder(_) => ItemKind::HeldOnlineOrder,
            ItemId::Conflict(_) => ItemKind::Conflict,
            ItemId::StockBelowZero { .. } => ItemKind::StockBelowZero,
        }
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemId::HeldSale(n) | ItemId::HeldOperation(n) | ItemId::HeldOnlineOrder(n) | ItemId::Conflict(n) => {
                write!(f, "{}:{n}", self.kind())
            }
            ItemId::StockBelowZero { outlet_id, product_id } => write!(f, "stock_below_zero:{outlet_id}:{product_id}"),
        }
    }
}

impl FromStr for ItemId {
    type Err = String;
    fn from_str(s: &str) -> Result<ItemId, String> {
        let bad = || format!("'{s}' is not an inbox item id (kind:number, or stock_below_zero:outlet:product)");
        if s.len() > 3 * MAX_ID_LEN {
            return Err(bad());
        }
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        let kind = ItemKind::from_str(kind).map_err(|_| bad())?;
        let number = || rest.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad);
        Ok(match kind {
            ItemKind::HeldSale => ItemId::HeldSale(number()?),
            ItemKind::HeldOperation => ItemId::HeldOperation(number()?),
            ItemKind::HeldOnlineOrder => ItemId::HeldOnlineOrder(number()?),
            ItemKind::Conflict => ItemId::Conflict(number()?),
            ItemKind::StockBelowZero => {
                let (outlet_id, product_id) = rest.split_once(':').ok_or_else(bad)?;
                if outlet_id.is_empty() || product_id.is_empty() {
                    return Err(bad());
                }
                ItemId::StockBelowZero { outlet_id: outlet_id.into(), product_id: product_id.into() }
            }
        })
    }
}

/// What a manager may do with an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display, strum::EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum Action {
    /// A held sale priced otherwise than the catalog: stored as pushed, the manager's price override
    /// recorded (who, when, the note as why) on each line the catalog priced otherwise.
    AcceptWithOverride,
    /// A note on the item, which stays open (a held sale kept held while someone calls the customer).
    AddNote,
    /// A held sale, operation or online order set aside: kept on file, resolved, the note saying why
    /// (a duplicate copy, an operation made again at the register, an order handled on the platform).
    Close,
    /// A conflict seen and dealt with outside Comptoir (the customer called, the serial checked): the
    /// note says how.
    Acknowledge,
    /// A stock level set to what was counted: a count movement at the outlet.
    StockCorrection,
    /// A held online order taken in again (the orders' existing retry).
    Retry,
}

/// Open: waiting for a manager; resolved: a closing resolution is on file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum ItemState {
    #[default]
    Open,
    Resolved,
}

/// What the server holds of an item, as loaded: enough to describe it and decide on a resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub id: ItemId,
    /// The hold reason's or conflict's code (`price_without_override`, `serial_sold_twice`…);
    /// `below_zero` for a stock level.
    pub code: String,
    pub outlet_id: Option<String>,
    pub at_ms: i64,
    /// The stored reason or detail (JSON), as recorded.
    pub detail: serde_json::Value,
    /// The sale concerned (a held sale's, a conflict's).
    pub sale_id: Option<String>,
    pub receipt: Option<String>,
    /// A stock level's value now.
    pub level: Option<i64>,
    /// Resolved on its own row (a held order retried from the orders page, say).
    pub resolved: bool,
}

/// Both languages of a visible text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Text {
    pub fr: String,
    pub en: String,
}

fn text(fr: impl Into<String>, en: impl Into<String>) -> Text {
    Text { fr: fr.into(), en: en.into() }
}

/// One row of `GET /inbox`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct InboxItem {
    /// [`ItemId`] as text: what `POST /inbox/{item_id}/resolve` names.
    pub id: String,
    pub kind: ItemKind,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet_id: Option<String>,
    /// When it happened (held, recorded); 0 for a stock level (a state, not an event).
    pub at_ms: i64,
    /// What happened, in French and English (the fields of `detail` say it structurally).
    pub what: Text,
    /// The stored reason or detail (JSON), as recorded.
    pub detail: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<i64>,
    pub suggested: Action,
    /// Why we suggest it, in French and English.
    pub suggestion: Text,
    pub allowed: Vec<Action>,
    pub state: ItemState,
    /// The resolution that closed it, when resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Notes and other resolutions that left it open, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Resolution>,
}

/// `POST /inbox/{item_id}/resolve`'s body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ResolveRequest {
    /// Chosen by the client (a UUID): the same id twice is one resolution.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = MAX_ID_LEN)))]
    pub resolution_id: String,
    pub action: Action,
    /// Why, or what was done; required for every action but `retry` and `stock_correction`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(max = MAX_TEXT_LEN)))]
    pub note: String,
    /// `stock_correction`: the units counted on the shelf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = MAX_STOCK_LEVEL)))]
    pub counted: Option<i64>,
}

/// A resolution on file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Resolution {
    pub resolution_id: String,
    pub item_id: String,
    pub action: Action,
    pub note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counted: Option<i64>,
    /// Whether it resolved the item (an added note leaves it open; a retry held again too).
    pub closes: bool,
    pub staff_id: String,
    pub at_ms: i64,
    /// What it did, e.g. `{"sale_id": …}`, `{"delta": -3, "level": 0}`, `{"outcome": "created"}`.
    pub outcome: serde_json::Value,
}

/// Why a resolution was refused; nothing was written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("`{action}` is not a resolution of this item; allowed: {allowed}")]
    NotAllowed { action: Action, allowed: String },
    #[error("this item is already resolved (resolution {by})")]
    AlreadyResolved { by: String },
    #[error("a note saying why is required for `{action}`")]
    NoteRequired { action: Action },
    #[error("{field}: {problem}")]
    OutOfRange { field: &'static str, problem: String },
    #[error("resolution id {resolution_id} was already used for another resolution")]
    IdReused { resolution_id: String },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowed { .. } => "not_allowed",
            Refusal::AlreadyResolved { .. } => "already_resolved",
            Refusal::NoteRequired { .. } => "note_required",
            Refusal::OutOfRange { .. } => "out_of_range",
            Refusal::IdReused { .. } => "resolution_id_reused",
        }
    }
}

/// Held-sale reasons a manager may accept by recording their own price override: the sale's only fault
/// is a price without an (allowed) override.
const PRICE_HOLDS: [&str; 2] = ["price_without_override", "override_not_allowed"];
/// Held-sale reasons that are copies of something already on file: closing them loses nothing.
const COPY_HOLDS: [&str; 2] = ["id_taken", "key_taken"];

/// The suggested resolution and the allowed ones, with why the suggestion.
pub fn options(s: &Source) -> (Action, Text, Vec<Action>) {
    use Action::*;
    let code = s.code.as_str();
    match s.id.kind() {
        ItemKind::HeldSale if PRICE_HOLDS.contains(&code) => (
            AcceptWithOverride,
            text(
                "Accepter la vente : votre dérogation de prix est enregistrée sur les lignes concernées.",
                "Accept the sale: your price override is recorded on the lines concerned.",
            ),
            vec![AcceptWithOverride, AddNote, Close],
        ),
        ItemKind::HeldSale if COPY_HOLDS.contains(&code) => (
            Close,
            text(
                "Une autre vente occupe déjà cet identifiant : vérifiez-la, puis fermez cette copie.",
                "Another sale already holds this key: check it, then close this copy.",
            ),
            vec![Close, AddNote],
        ),
        ItemKind::HeldSale => (
            AddNote,
            text(
                "Corrigez la cause (produit, caisse, caissière), notez ce qui a été fait, puis fermez.",
                "Fix the cause (product, register, cashier), note what was done, then close.",
            ),
            vec![AddNote, Close],
        ),
        ItemKind::HeldOperation => (
            Close,
            text(
                "L'opération n'a rien changé : refaites-la à la caisse si elle est due, puis fermez.",
                "The operation changed nothing: make it again at the register if it is due, then close.",
            ),
            vec![Close, AddNote],
        ),
        ItemKind::HeldOnlineOrder => (
            Retry,
            text(
                "Réessayez une fois la cause corrigée (SKU au catalogue, succursale en ligne, plateforme joignable).",
                "Retry once the cause is fixed (SKU in the catalog, outlet online, platform reachable).",
            ),
            vec![Retry, AddNote, Close],
        ),
        ItemKind::Conflict => {
            let why = match code {
                "serial_sold_twice" => text(
                    "Retrouvez l'unité : l'une des deux ventes porte le mauvais numéro de série ; notez la correction.",
                    "Find the unit: one of the two sales carries the wrong serial number; note the correction.",
                ),
                "credit_limit_exceeded" | "not_enough_store_credit" => text(
                    "Communiquez avec le client pour le dépassement, puis notez l'entente.",
                    "Contact the customer about the overrun, then note the arrangement.",
                ),
                "loyalty_overdrawn" => text(
                    "La récompense a été remise deux fois : notez la décision (la conserver ou la reprendre).",
                    "The reward was given twice: note the decision (let it stand or take it back).",
                ),
                _ => text("Vérifiez la vente, puis notez ce qui a été fait.", "Check the sale, then note what was done."),
            };
            (Acknowledge, why, vec![Acknowledge, AddNote])
        }
        ItemKind::StockBelowZero => (
            StockCorrection,
            text("Comptez les unités en tablette et corrigez le niveau.", "Count the units on the shelf and correct the level."),
            vec![StockCorrection, AddNote],
        ),
    }
}

/// A text field of a recorded detail.
fn field<'a>(detail: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    detail.get(key).and_then(|v| v.as_str()).filter(|v| !v.is_empty())
}

/// An amount of a recorded detail (cents), in both languages' formats.
fn amount(detail: &serde_json::Value, key: &str) -> (String, String) {
    let m = Money(detail.get(key).and_then(|v| v.as_i64()).unwrap_or(0));
    (m.format_fr_ca(), m.format_en_ca())
}

/// What happened, in both languages, from the item's structured fields: the sale's receipt, the
/// product, the amounts, the serial number, the customer — whatever the record names.
pub fn what(s: &Source) -> Text {
    let receipt = s.receipt.as_deref().unwrap_or("?");
    let d = &s.detail;
    let message = field(d, "message").unwrap_or("");
    let product = field(d, "product_name").or(field(d, "product_id")).unwrap_or("?");
    let customer = field(d, "customer_name").or(field(d, "customer_id")).unwrap_or("?");
    match s.id.kind() {
        ItemKind::HeldSale => {
            let held_fr = format!("Vente {receipt} retenue pour révision");
            let held_en = format!("Sale {receipt} held for review");
            let (unit_fr, unit_en) = amount(d, "unit_price");
            let (cat_fr, cat_en) = amount(d, "catalog_price");
            match s.code.as_str() {
                "price_without_override" => text(
                    format!("{held_fr} : {product} vendu {unit_fr} au lieu de {cat_fr} (prix du catalogue), sans dérogation de prix."),
                    format!("{held_en}: {product} sold at {unit_en} instead of {cat_en} (catalog price), with no price override."),
                ),
                "override_not_allowed" => {
                    let by = field(d, "by").unwrap_or("?");
                    text(
                        format!("{held_fr} : {by} ne peut pas vendre {product} à {unit_fr} (catalogue : {cat_fr})."),
                        format!("{held_en}: {by} may not sell {product} at {unit_en} (catalog: {cat_en})."),
                    )
                }
                "unknown_cashier" => {
                    let who = field(d, "cashier_id").unwrap_or("?");
                    text(
                        format!("{held_fr} : la caissière « {who} » ne travaille pas à cet établissement."),
                        format!("{held_en}: cashier '{who}' does not work at this outlet."),
                    )
                }
                "unknown_product" => text(
                    format!("{held_fr} : produit inconnu « {product} »."),
                    format!("{held_en}: unknown product '{product}'."),
                ),
                "key_taken" => {
                    let other = field(d, "existing_receipt").unwrap_or("?");
                    text(
                        format!("{held_fr} : son numéro de séquence porte déjà la vente {other}."),
                        format!("{held_en}: its sequence number already holds sale {other}."),
                    )
                }
                "id_taken" => text(
                    format!("{held_fr} : une autre vente porte déjà son identifiant."),
                    format!("{held_en}: another sale already has its id."),
                ),
                code if message.is_empty() => text(format!("{held_fr} ({code})."), format!("{held_en} ({code}).")),
                code => text(format!("{held_fr} ({code}) : {message}"), format!("{held_en} ({code}): {message}")),
            }
        }
        ItemKind::HeldOperation => {
            let (op_fr, op_en) = match s.detail.pointer("/operation/body/kind").and_then(|k| k.as_str()) {
                Some("account_payment") => ("Paiement au compte", "Payment on account"),
                Some("serial_registration") => ("Enregistrement de numéros de série", "Serial number registration"),
                Some("stock_adjustment") => ("Ajustement de stock", "Stock adjustment"),
                Some("new_customer") => ("Nouveau client", "New customer"),
                Some("edit_customer") => ("Modification d'un client", "Customer edit"),
                _ => ("Opération", "Operation"),
            };
            let reason = s.detail.get("reason").cloned().unwrap_or_default();
            let customer = field(&reason, "customer_id").unwrap_or("?");
            let product = field(&reason, "product_id").unwrap_or("?");
            match s.code.as_str() {
                "unknown_customer" => text(
                    format!("{op_fr} retenu : client inconnu « {customer} »."),
                    format!("{op_en} held: unknown customer '{customer}'."),
                ),
                "unknown_product" => text(
                    format!("{op_fr} retenu : produit inconnu « {product} »."),
                    format!("{op_en} held: unknown product '{product}'."),
                ),
                "customer_changed" => {
                    let (f, now, typed) = (field(&reason, "field").unwrap_or("?"), field(&reason, "now").unwrap_or(""), field(&reason, "typed").unwrap_or(""));
                    let f_fr = if f == "email" { "courriel" } else { "nom" };
                    text(
                        format!("{op_fr} retenue : le {f_fr} a été changé entre-temps en « {now} » ; la caisse a saisi « {typed} ». Corrigez la fiche du client au besoin, puis fermez."),
                        format!("{op_en} held: the {f} was changed meanwhile to '{now}'; the register typed '{typed}'. Correct the customer's record if needed, then close."),
                    )
                }
                code => text(format!("{op_fr} retenu ({code})."), format!("{op_en} held ({code}).")),
            }
        }
        ItemKind::HeldOnlineOrder => {
            let order = field(d, "external_id").unwrap_or("?");
            text(
                format!("Commande en ligne {order} retenue ({}). {message}", s.code),
                format!("Online order {order} held ({}). {message}", s.code),
            )
        }
        ItemKind::Conflict => match s.code.as_str() {
            "serial_sold_twice" => {
                let serial = field(d, "serial").unwrap_or("?");
                text(
                    format!("Numéro de série vendu deux fois : {serial} ({product}), vendu de nouveau par la vente {receipt}."),
                    format!("Serial number sold twice: {serial} ({product}), sold again by sale {receipt}."),
                )
            }
            "credit_limit_exceeded" => {
                let (after_fr, after_en) = amount(d, "balance_after");
                let (limit_fr, limit_en) = amount(d, "credit_limit");
                let (req_fr, req_en) = amount(d, "requested");
                text(
                    format!("Limite de crédit dépassée : {customer}, vente {receipt} de {req_fr} au compte ; solde {after_fr} pour une limite de {limit_fr}."),
                    format!("Credit limit exceeded: {customer}, sale {receipt} of {req_en} on account; balance {after_en} against a limit of {limit_en}."),
                )
            }
            "not_enough_store_credit" => {
                let (req_fr, req_en) = amount(d, "requested");
                let (av_fr, av_en) = amount(d, "available");
                text(
                    format!("Crédit en magasin insuffisant : {customer}, vente {receipt} : {req_fr} utilisés, {av_fr} disponibles."),
                    format!("Not enough store credit: {customer}, sale {receipt}: {req_en} used, {av_en} available."),
                )
            }
            "loyalty_overdrawn" => {
                let points = d.get("points").and_then(|v| v.as_i64()).unwrap_or(0);
                let visits = d.get("visits").and_then(|v| v.as_i64()).unwrap_or(0);
                text(
                    format!("Récompense remise deux fois : {customer}, vente {receipt} ; il reste {points} points et {visits} passages."),
                    format!("Reward redeemed twice: {customer}, sale {receipt}; {points} points and {visits} visits left."),
                )
            }
            "unknown_customer" => text(
                format!("Client inconnu « {customer} » (vente {receipt})."),
                format!("Unknown customer '{customer}' (sale {receipt})."),
            ),
            _ => text(format!("Conflit de synchronisation (vente {receipt}). {message}"), format!("Sync conflict (sale {receipt}). {message}")),
        },
        ItemKind::StockBelowZero => {
            let (outlet, product) = match &s.id {
                ItemId::StockBelowZero { outlet_id, product_id } => (outlet_id.as_str(), product_id.as_str()),
                _ => ("?", "?"),
            };
            let level = s.level.unwrap_or(0);
            text(format!("Stock sous zéro : {product} à {outlet} ({level})."), format!("Stock below zero: {product} at {outlet} ({level})."))
        }
    }
}

/// The item as `GET /inbox` shows it, with the resolutions on file for it (oldest first).
pub fn item(s: &Source, resolutions: Vec<Resolution>) -> InboxItem {
    let (suggested, suggestion, allowed) = options(s);
    let (mut closing, mut notes): (Vec<_>, Vec<_>) = resolutions.into_iter().partition(|r| r.closes);
    let state = match s.id.kind() {
        // A level is a state: below zero again after a correction, it is open again.
        ItemKind::StockBelowZero if s.level.is_some_and(|l| l < 0) => ItemState::Open,
        ItemKind::StockBelowZero => ItemState::Resolved,
        _ if !closing.is_empty() || s.resolved => ItemState::Resolved,
        _ => ItemState::Open,
    };
    let resolution = if state == ItemState::Resolved { closing.pop() } else { None };
    // Earlier corrections of a level open again are its history.
    notes.extend(closing);
    notes.sort_by(|a, b| (a.at_ms, &a.resolution_id).cmp(&(b.at_ms, &b.resolution_id)));
    InboxItem {
        id: s.id.to_string(),
        kind: s.id.kind(),
        code: s.code.clone(),
        outlet_id: s.outlet_id.clone(),
        at_ms: s.at_ms,
        what: what(s),
        detail: s.detail.clone(),
        sale_id: s.sale_id.clone(),
        receipt: s.receipt.clone(),
        level: s.level,
        suggested,
        suggestion,
        allowed,
        state,
        resolution,
        notes,
    }
}

/// What the store does for an accepted resolution (in the resolution's transaction, except `Retry`,
/// which is the orders' retry and then records the resolution).
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Nothing but the resolution itself (a note, a close, an acknowledgement).
    Record { closes: bool },
    /// Store the held sale, amended by [`accept_with_override`], through the push's own decision.
    AcceptSale,
    /// Move the level at (outlet, product) to `counted` (`shared::sync::ops::stock_deltas`, Count).
    CountStock { outlet_id: String, product_id: String, counted: i64 },
    Retry,
}

/// The decision on one resolution request for `item` (as [`item`] described it with what is on file).
/// `same_id`: the resolution already on file under the request's id, if any.
pub fn decide(item: &InboxItem, request: &ResolveRequest, same_id: Option<&Resolution>) -> Result<Decision, Refusal> {
    if let Some(done) = same_id {
        // A lost answer asked again: the same resolution, once.
        let same = done.item_id == item.id && done.action == request.action && done.note == request.note.trim() && done.counted == request.counted;
        return if same { Ok(Decision::Duplicate(done.clone())) } else { Err(Refusal::IdReused { resolution_id: request.resolution_id.clone() }) };
    }
    check_request(request)?;
    if !item.allowed.contains(&request.action) {
        let allowed = item.allowed.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
        return Err(Refusal::NotAllowed { action: request.action, allowed });
    }
    if item.state == ItemState::Resolved {
        let by = item.resolution.as_ref().map_or_else(|| "made elsewhere".to_string(), |r| r.resolution_id.clone());
        return Err(Refusal::AlreadyResolved { by });
    }
    let needs_note = !matches!(request.action, Action::Retry | Action::StockCorrection);
    if needs_note && request.note.trim().is_empty() {
        return Err(Refusal::NoteRequired { action: request.action });
    }
    let effect = match request.action {
        Action::AddNote => Effect::Record { closes: false },
        Action::Close | Action::Acknowledge => Effect::Record { closes: true },
        Action::AcceptWithOverride => Effect::AcceptSale,
        Action::Retry => Effect::Retry,
        Action::StockCorrection => {
            let (Some(counted), ItemId::StockBelowZero { outlet_id, product_id }) = (request.counted, item.id.parse::<ItemId>().map_err(|p| Refusal::OutOfRange { field: "item_id", problem: p })?) else {
                return Err(Refusal::OutOfRange { field: "counted", problem: "the units counted are required".into() });
            };
            Effect::CountStock { outlet_id, product_id, counted }
        }
    };
    Ok(Decision::Apply(effect))
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Apply(Effect),
    /// Already on file under this id: answer it again, write nothing.
    Duplicate(Resolution),
}

fn check_request(r: &ResolveRequest) -> Result<(), Refusal> {
    let id = r.resolution_id.trim();
    if id.is_empty() || r.resolution_id.len() > MAX_ID_LEN {
        return Err(Refusal::OutOfRange { field: "resolution_id", problem: format!("1 to {MAX_ID_LEN} characters") });
    }
    if r.note.chars().count() > MAX_TEXT_LEN {
        return Err(Refusal::OutOfRange { field: "note", problem: format!("at most {MAX_TEXT_LEN} characters") });
    }
    if let Some(c) = r.counted {
        if !(0..=MAX_STOCK_LEVEL).contains(&c) {
            return Err(Refusal::OutOfRange { field: "counted", problem: format!("0 to {MAX_STOCK_LEVEL}") });
        }
    }
    Ok(())
}

/// The held sale as the manager accepts it: each line whose price is not the catalog's (`catalog`:
/// product → the price in force when the sale was made) carries the manager's override — the catalog
/// price, `staff_id`, `at_ms`, and the note as why (the cashier's own reason kept after it). Nothing
/// else changes: the figures are the ones the customer paid.
pub fn accept_with_override(sale: &Sale, catalog: &BTreeMap<String, Money>, staff_id: &str, at_ms: i64, note: &str) -> Sale {
    let mut sale = sale.clone();
    for line in &mut sale.lines {
        let Some(price) = catalog.get(&line.product_id) else { continue };
        // A returned line is priced by its original sale, not the catalog.
        if line.return_of.is_some() || line.unit_price == *price {
            continue;
        }
        let reason = match &line.price_override {
            Some(o) if !o.reason.trim().is_empty() => format!("{} — {} ({})", note.trim(), o.reason, o.by),
            _ => note.trim().to_string(),
        };
        let reason: String = reason.chars().take(MAX_TEXT_LEN).collect();
        line.price_override = Some(PriceOverride { catalog_price: *price, by: staff_id.to_string(), at_ms, reason });
    }
    sale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::SaleLine;

    fn source(id: ItemId, code: &str) -> Source {
        Source { id, code: code.into(), outlet_id: Some("mtl".into()), at_ms: 1, detail: serde_json::json!({}), sale_id: None, receipt: None, level: None, resolved: false }
    }

    fn request(id: &str, action: Action, note: &str) -> ResolveRequest {
        ResolveRequest { resolution_id: id.into(), action, note: note.into(), counted: None }
    }

    #[test]
    fn item_ids_read_back_as_written_and_anything_else_is_refused() {
        for id in [ItemId::HeldSale(12), ItemId::Conflict(4), ItemId::StockBelowZero { outlet_id: "mtl".into(), product_id: "a:b".into() }] {
            assert_eq!(id.to_string().parse::<ItemId>(), Ok(id));
        }
        for bad in ["", "held_sale", "held_sale:0", "held_sale:-1", "sale:3", "stock_below_zero:mtl", "conflict:x"] {
            assert!(bad.parse::<ItemId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_price_hold_suggests_accepting_with_an_override_and_a_copy_suggests_closing() {
        assert_eq!(options(&source(ItemId::HeldSale(1), "price_without_override")).0, Action::AcceptWithOverride);
        assert_eq!(options(&source(ItemId::HeldSale(1), "key_taken")).0, Action::Close);
        assert!(!options(&source(ItemId::HeldSale(1), "invalid")).2.contains(&Action::AcceptWithOverride));
        assert_eq!(options(&source(ItemId::HeldOnlineOrder(1), "unknown_sku")).0, Action::Retry);
        assert_eq!(options(&source(ItemId::Conflict(1), "serial_sold_twice")).0, Action::Acknowledge);
    }

    #[test]
    fn a_resolution_needs_a_note_an_allowed_action_and_an_open_item() {
        let open = item(&source(ItemId::Conflict(1), "serial_sold_twice"), vec![]);
        assert_eq!(decide(&open, &request("r1", Action::Acknowledge, " "), None), Err(Refusal::NoteRequired { action: Action::Acknowledge }));
        assert!(matches!(decide(&open, &request("r1", Action::Retry, ""), None), Err(Refusal::NotAllowed { .. })));
        assert_eq!(decide(&open, &request("r1", Action::Acknowledge, "vu"), None), Ok(Decision::Apply(Effect::Record { closes: true })));
        let done = Resolution {
            resolution_id: "r1".into(),
            item_id: open.id.clone(),
            action: Action::Acknowledge,
            note: "vu".into(),
            counted: None,
            closes: true,
            staff_id: "admin".into(),
            at_ms: 5,
            outcome: serde_json::Value::Null,
        };
        let closed = item(&source(ItemId::Conflict(1), "serial_sold_twice"), vec![done.clone()]);
        assert_eq!(closed.state, ItemState::Resolved);
        assert_eq!(decide(&closed, &request("r1", Action::Acknowledge, "vu"), Some(&done)), Ok(Decision::Duplicate(done.clone())));
        assert!(matches!(decide(&closed, &request("r1", Action::Acknowledge, "autre"), Some(&done)), Err(Refusal::IdReused { .. })));
        assert!(matches!(decide(&closed, &request("r2", Action::Acknowledge, "encore"), None), Err(Refusal::AlreadyResolved { .. })));
    }

    #[test]
    fn a_stock_below_zero_is_corrected_to_what_was_counted() {
        let id = ItemId::StockBelowZero { outlet_id: "mtl".into(), product_id: "hat".into() };
        let s = Source { level: Some(-2), ..source(id, "below_zero") };
        let open = item(&s, vec![]);
        assert_eq!(open.state, ItemState::Open);
        let mut r = request("r1", Action::StockCorrection, "");
        assert!(decide(&open, &r, None).is_err(), "the count is required");
        r.counted = Some(3);
        assert_eq!(decide(&open, &r, None), Ok(Decision::Apply(Effect::CountStock { outlet_id: "mtl".into(), product_id: "hat".into(), counted: 3 })));
        r.counted = Some(-1);
        assert!(decide(&open, &r, None).is_err());
    }

    #[test]
    fn what_happened_names_the_sale_the_amounts_the_serial_and_the_customer() {
        let held = Source {
            receipt: Some("MTL1-1-000004".into()),
            detail: serde_json::json!({"code": "price_without_override", "line": 0, "product_id": "shoes", "unit_price": 1000, "catalog_price": 8999}),
            ..source(ItemId::HeldSale(1), "price_without_override")
        };
        let w = what(&held);
        assert_eq!(w.fr, "Vente MTL1-1-000004 retenue pour révision : shoes vendu 10,00\u{a0}$ au lieu de 89,99\u{a0}$ (prix du catalogue), sans dérogation de prix.");
        assert!(w.en.contains("sold at $10.00 instead of $89.99"), "{}", w.en);
        let serial = Source {
            receipt: Some("MTL1-1-000002".into()),
            detail: serde_json::json!({"serial": "A1", "product_name": "Perceuse", "message": "x"}),
            ..source(ItemId::Conflict(2), "serial_sold_twice")
        };
        assert_eq!(what(&serial).en, "Serial number sold twice: A1 (Perceuse), sold again by sale MTL1-1-000002.");
        let credit = Source {
            receipt: Some("R-9".into()),
            detail: serde_json::json!({"customer_name": "Jean Gagnon", "balance_after": 52000, "credit_limit": 50000, "requested": 4000}),
            ..source(ItemId::Conflict(3), "credit_limit_exceeded")
        };
        assert!(what(&credit).fr.starts_with("Limite de crédit dépassée : Jean Gagnon, vente R-9 de 40,00"), "{}", what(&credit).fr);
    }

    #[test]
    fn accepting_records_the_managers_override_only_on_lines_priced_otherwise() {
        let line = |id: &str, cents| SaleLine { product_id: id.into(), qty: 1, unit_price: Money(cents), ..SaleLine::default() };
        let sale = Sale { lines: vec![line("hat", 800), line("cap", 500)], ..Sale::default() };
        let catalog = BTreeMap::from([("hat".to_string(), Money(1000)), ("cap".to_string(), Money(500))]);
        let accepted = accept_with_override(&sale, &catalog, "gerante", 42, "client fidèle");
        let o = accepted.lines[0].price_override.as_ref().unwrap();
        assert_eq!((o.catalog_price, o.by.as_str(), o.at_ms, o.reason.as_str()), (Money(1000), "gerante", 42, "client fidèle"));
        assert_eq!(accepted.lines[0].unit_price, Money(800), "the price paid stays");
        assert!(accepted.lines[1].price_override.is_none());
    }
}
