//! The words of a price override (*Prix modifié*) and its manager approval, French (Canada, the
//! default) and English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;
use shared::Money;

pub struct PriceTexts {
    pub change_price: &'static str,
    pub catalog_price: &'static str,
    pub new_price: &'static str,
    pub reason: &'static str,
    /// Quick reasons, one touch each.
    pub reasons: [&'static str; 3],
    pub other_reason: &'static str,
    pub validate: &'static str,
    pub cancel: &'static str,
    pub restore: &'static str,
    pub bad_price: &'static str,
    pub need_reason: &'static str,
    pub discount_too_large: &'static str,
    /// The marker on a cart line, and the receipt's label.
    pub overridden: &'static str,
    pub receipt_label: &'static str,
    pub approval_title: &'static str,
    pub approval_limit: &'static str,
    pub approval_ask: &'static str,
    pub no_manager: &'static str,
    pub cannot_approve: &'static str,
    pub approver_pin: &'static str,
    pub back: &'static str,
}

pub const FR: PriceTexts = PriceTexts {
    change_price: "Modifier le prix",
    catalog_price: "Prix du catalogue",
    new_price: "Nouveau prix unitaire",
    reason: "Raison",
    reasons: ["Article en démonstration", "Prix affiché", "Dommage"],
    other_reason: "Autre raison…",
    validate: "Valider",
    cancel: "Annuler",
    restore: "Remettre le prix du catalogue",
    bad_price: "Prix invalide : tapez un montant, par exemple 24,99.",
    need_reason: "Choisissez ou tapez la raison du changement de prix.",
    discount_too_large: "La remise de cette ligne dépasserait ce prix : retirez-la d'abord.",
    overridden: "prix modifié",
    receipt_label: "Prix modifié :",
    approval_title: "Approbation d'un gérant",
    approval_limit: "Un caissier peut modifier un prix d'au plus 20\u{a0}%.",
    approval_ask: "Un gérant doit approuver ce prix : touchez votre nom, puis tapez votre NIP.",
    no_manager: "Aucun gérant de cet établissement n'est connu de cette caisse : le prix ne peut pas être modifié ici.",
    cannot_approve: "Cette personne ne peut pas approuver ce prix.",
    approver_pin: "NIP de",
    back: "Retour",
};

pub const EN: PriceTexts = PriceTexts {
    change_price: "Change the price",
    catalog_price: "Catalog price",
    new_price: "New unit price",
    reason: "Reason",
    reasons: ["Demo item", "Price on display", "Damaged"],
    other_reason: "Other reason…",
    validate: "Confirm",
    cancel: "Cancel",
    restore: "Restore the catalog price",
    bad_price: "Invalid price: type an amount, e.g. 24.99.",
    need_reason: "Pick or type the reason for the price change.",
    discount_too_large: "This line's discount would exceed that price: remove it first.",
    overridden: "price override",
    receipt_label: "Price override:",
    approval_title: "Manager approval",
    approval_limit: "A cashier may change a price by at most 20\u{a0}%.",
    approval_ask: "A manager must approve this price: touch your name, then type your PIN.",
    no_manager: "This register knows no manager of this outlet: the price cannot be changed here.",
    cannot_approve: "This person may not approve this price.",
    approver_pin: "PIN of",
    back: "Back",
};

pub fn price_texts(lang: Lang) -> &'static PriceTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// "29,99 $ → 14,99 $ (−50 %)": the change asked for, in the cashier's language.
pub fn change_text(lang: Lang, catalog: Money, price: Money) -> String {
    let arrow = format!("{} → {}", lang.money(catalog), lang.money(price));
    match shared::auth::price_change_bp(catalog, price) {
        Some(bp) => {
            let sign = if bp < 0 { "−" } else { "+" };
            format!("{arrow} ({sign}{}\u{a0}%)", shared::sale::percent_text(bp.unsigned_abs().min(u32::MAX as u64) as u32))
        }
        None => arrow,
    }
}

/// A reactive text in the screen's language, like [`crate::i18n::tr`].
pub fn trp(
    lang: leptos::prelude::RwSignal<Lang>,
    pick: fn(&'static PriceTexts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    use leptos::prelude::Get;
    move || pick(price_texts(lang.get()))
}
