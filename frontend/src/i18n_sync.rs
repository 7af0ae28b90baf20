//! The words for sales not yet settled with the server (pending, held for review, refused), French
//! (Canada, the default) and English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;
use shared::sync::HoldReason;

pub struct SyncTexts {
    pub show_list: &'static str,
    pub list_title: &'static str,
    pub receipt: &'static str,
    pub total: &'static str,
    pub state: &'static str,
    pub reason: &'static str,
    pub pending: &'static str,
    pub held: &'static str,
    pub refused: &'static str,
    pub close: &'static str,
    pub export_help: &'static str,
    pub nothing: &'static str,
}

const FR: SyncTexts = SyncTexts {
    show_list: "Voir",
    list_title: "Ventes à remettre ou à vérifier",
    receipt: "Reçu",
    total: "Total",
    state: "État",
    reason: "Raison",
    pending: "en attente d'envoi",
    held: "retenue pour vérification",
    refused: "refusée",
    close: "Fermer",
    export_help: "Enregistre les ventes en attente, retenues et refusées dans un fichier que le serveur peut importer",
    nothing: "Aucune vente en attente, retenue ou refusée.",
};

const EN: SyncTexts = SyncTexts {
    show_list: "Show",
    list_title: "Sales to send or review",
    receipt: "Receipt",
    total: "Total",
    state: "Status",
    reason: "Reason",
    pending: "waiting to be sent",
    held: "held for review",
    refused: "refused",
    close: "Close",
    export_help: "Saves the pending, held and refused sales to a file the server can import",
    nothing: "No pending, held or refused sales.",
};

pub fn sync_texts(lang: Lang) -> &'static SyncTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// "1 vente retenue pour vérification" / "3 sales held for review".
pub fn held_label(lang: Lang, n: u32) -> String {
    match (lang, n) {
        (Lang::Fr, 0 | 1) => format!("{n} vente retenue pour vérification"),
        (Lang::Fr, _) => format!("{n} ventes retenues pour vérification"),
        (Lang::En, 1) => "1 sale held for review".to_string(),
        (Lang::En, _) => format!("{n} sales held for review"),
    }
}

/// "1 vente refusée" / "2 sales refused".
pub fn refused_label(lang: Lang, n: u32) -> String {
    match (lang, n) {
        (Lang::Fr, 0 | 1) => format!("{n} vente refusée"),
        (Lang::Fr, _) => format!("{n} ventes refusées"),
        (Lang::En, 1) => "1 sale refused".to_string(),
        (Lang::En, _) => format!("{n} sales refused"),
    }
}

/// Why the server holds a sale, for the cashier. English is the server's own sentence.
pub fn hold_reason_text(lang: Lang, reason: &HoldReason) -> String {
    if lang == Lang::En {
        return reason.to_string();
    }
    match reason {
        HoldReason::IdTaken { .. } => "une autre vente porte déjà cet identifiant".to_string(),
        HoldReason::KeyTaken { existing_receipt, .. } => format!("ce numéro de séquence est déjà celui de la vente {existing_receipt}"),
        HoldReason::OtherDevice { .. } => "vente faite sur un autre appareil".to_string(),
        HoldReason::UnknownRegister { register_id } => format!("caisse inconnue du serveur ({register_id})"),
        HoldReason::WrongOutlet { .. } => "la caisse n'appartient pas à ce magasin".to_string(),
        HoldReason::ReceiptMismatch { expected, .. } => format!("numéro de reçu inattendu (attendu : {expected})"),
        HoldReason::Invalid { message, .. } => format!("montants non reproduits par le serveur ({message})"),
        HoldReason::UnknownProduct { product_id, .. } => format!("produit inconnu du serveur ({product_id})"),
        HoldReason::CatalogMismatch { product_id, field, .. } => format!("{} du produit {product_id} différent du catalogue", if field == "tax class" { "taxes" } else { "points de fidélité" }),
        HoldReason::PriceWithoutOverride { product_id, unit_price, catalog_price, .. } => format!(
            "{product_id} : vendu {} au lieu de {} (prix du catalogue), sans dérogation",
            lang.money(*unit_price),
            lang.money(*catalog_price)
        ),
        HoldReason::RefundMismatch { message, .. } => format!("remboursement différent de la vente d'origine ({message})"),
        HoldReason::UnknownCashier { cashier_id, outlet_id } => format!("caissier « {cashier_id} » inconnu à l'établissement {outlet_id}"),
        HoldReason::OtherOutlet { outlet_id, device_outlet } => format!("l'appareil vend pour l'établissement {device_outlet}, pas {outlet_id}"),
        HoldReason::OverrideNotAllowed { by, unit_price, catalog_price, .. } => format!(
            "{by} ne peut pas vendre {} ce que le catalogue affiche {}",
            lang.money(*unit_price),
            lang.money(*catalog_price)
        ),
    }
}
