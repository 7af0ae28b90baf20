//! The words of operations made at the register other than sales — stock adjustments, new customers,
//! payments on account, serials — and of their state with the server, French (Canada, the default) and
//! English, in the one-struct-per-language style of [`crate::i18n`].

use crate::i18n::Lang;
use shared::sync::ops::AdjustmentReason;
use shared::sync::OpHold;

pub struct OpsTexts {
    pub stock_button: &'static str,
    pub stock_title: &'static str,
    pub product: &'static str,
    pub product_hint: &'static str,
    pub receiving: &'static str,
    pub count: &'static str,
    pub damage: &'static str,
    pub qty_received: &'static str,
    pub qty_counted: &'static str,
    pub qty_damaged: &'static str,
    pub confirm: &'static str,
    pub cancel: &'static str,
    pub unknown_product: &'static str,
    pub bad_qty: &'static str,
    pub stock_recorded: &'static str,
    pub new_customer: &'static str,
    pub new_customer_title: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub name_required: &'static str,
    pub email_taken: &'static str,
    pub create: &'static str,
    pub edit_customer: &'static str,
    pub edit_customer_title: &'static str,
    pub save: &'static str,
    pub waiting: &'static str,
    pub sent: &'static str,
    pub held: &'static str,
    pub need_cashier: &'static str,
    pub pay_on_account: &'static str,
    pub payment_waiting: &'static str,
    pub payment_sent: &'static str,
    pub held_ops_title: &'static str,
}

const FR: OpsTexts = OpsTexts {
    stock_button: "Stock",
    stock_title: "Ajuster le stock",
    product: "Produit",
    product_hint: "Code-barres ou SKU",
    receiving: "Réception",
    count: "Inventaire",
    damage: "Casse",
    qty_received: "Quantité reçue",
    qty_counted: "Quantité comptée",
    qty_damaged: "Quantité abîmée",
    confirm: "Confirmer",
    cancel: "Annuler",
    unknown_product: "Produit inconnu",
    bad_qty: "Quantité invalide",
    stock_recorded: "Stock ajusté",
    new_customer: "Nouveau client",
    new_customer_title: "Nouveau client",
    name: "Nom",
    email: "Courriel (facultatif)",
    name_required: "Le nom est obligatoire",
    email_taken: "Un client a déjà ce courriel",
    create: "Créer",
    edit_customer: "Modifier",
    edit_customer_title: "Modifier le client",
    save: "Enregistrer",
    waiting: "en attente d'envoi",
    sent: "reçu par le serveur",
    held: "retenu pour vérification",
    need_cashier: "Un caissier doit être connecté",
    pay_on_account: "Paiement au compte",
    payment_waiting: "Paiement en attente d'envoi",
    payment_sent: "Paiement reçu par le serveur",
    held_ops_title: "Opérations retenues pour vérification",
};

const EN: OpsTexts = OpsTexts {
    stock_button: "Stock",
    stock_title: "Adjust stock",
    product: "Product",
    product_hint: "Barcode or SKU",
    receiving: "Receiving",
    count: "Count",
    damage: "Damage",
    qty_received: "Quantity received",
    qty_counted: "Quantity counted",
    qty_damaged: "Quantity damaged",
    confirm: "Confirm",
    cancel: "Cancel",
    unknown_product: "Unknown product",
    bad_qty: "Invalid quantity",
    stock_recorded: "Stock adjusted",
    new_customer: "New customer",
    new_customer_title: "New customer",
    name: "Name",
    email: "E-mail (optional)",
    name_required: "A name is required",
    email_taken: "A customer already has this e-mail",
    create: "Create",
    edit_customer: "Edit",
    edit_customer_title: "Edit customer",
    save: "Save",
    waiting: "waiting to be sent",
    sent: "received by the server",
    held: "held for review",
    need_cashier: "A cashier must be switched in",
    pay_on_account: "Payment on account",
    payment_waiting: "Payment waiting to be sent",
    payment_sent: "Payment received by the server",
    held_ops_title: "Operations held for review",
};

pub fn ops_texts(lang: Lang) -> &'static OpsTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

pub fn reason_label(lang: Lang, r: AdjustmentReason) -> &'static str {
    let t = ops_texts(lang);
    match r {
        AdjustmentReason::Receiving => t.receiving,
        AdjustmentReason::Count => t.count,
        AdjustmentReason::Damage => t.damage,
    }
}

/// "2 opérations en attente d'envoi" / "2 operations waiting to be sent".
pub fn pending_ops_label(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Fr, 0 | 1) => format!("{n} opération en attente d'envoi"),
        (Lang::Fr, _) => format!("{n} opérations en attente d'envoi"),
        (Lang::En, 1) => "1 operation waiting to be sent".into(),
        (Lang::En, _) => format!("{n} operations waiting to be sent"),
    }
}

/// "1 opération retenue pour vérification" / "1 operation held for review".
pub fn held_ops_label(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Fr, 0 | 1) => format!("{n} opération retenue pour vérification"),
        (Lang::Fr, _) => format!("{n} opérations retenues pour vérification"),
        (Lang::En, 1) => "1 operation held for review".into(),
        (Lang::En, _) => format!("{n} operations held for review"),
    }
}

/// Why the server holds an operation, for the cashier. English is the server's own sentence.
pub fn op_hold_text(lang: Lang, reason: &OpHold) -> String {
    if lang == Lang::En {
        return reason.to_string();
    }
    match reason {
        OpHold::OutOfRange { field, .. } => format!("valeur hors limites ({field})"),
        OpHold::IdTaken { .. } => "une autre opération porte déjà cet identifiant".into(),
        OpHold::OtherDevice { .. } => "opération faite sur un autre appareil".into(),
        OpHold::OtherOutlet { outlet_id, device_outlet } => format!("l'appareil travaille pour l'établissement {device_outlet}, pas {outlet_id}"),
        OpHold::UnknownCashier { cashier_id, outlet_id } => format!("caissier « {cashier_id} » inconnu à l'établissement {outlet_id}"),
        OpHold::UnknownCustomer { customer_id } => format!("client inconnu du serveur ({customer_id})"),
        OpHold::UnknownProduct { product_id } => format!("produit inconnu du serveur ({product_id})"),
        OpHold::UnknownOutlet { outlet_id } => format!("établissement inconnu ({outlet_id})"),
        OpHold::UnknownRegister { register_id } => format!("caisse inconnue du serveur ({register_id})"),
        OpHold::WrongOutlet { .. } => "la caisse n'appartient pas à ce magasin".into(),
        OpHold::Rule { message, .. } => format!("refusé par les règles ({message})"),
        OpHold::Overflow { message } => format!("montant ou quantité hors limites ({message})"),
        OpHold::CustomerTaken { message, .. } => format!("client déjà au dossier ({message})"),
        OpHold::CustomerChanged { field, now, typed, .. } => {
            let field = if field == "email" { "courriel" } else { "nom" };
            format!("{field} modifié entre-temps en « {now} » (saisi : « {typed} ») : un gérant décidera")
        }
        OpHold::UnknownOrder { order_id } => format!("commande en ligne inconnue du serveur ({order_id})"),
        OpHold::NotOrderOutlet { outlet_id, .. } => format!("la commande n'a pas de partie à l'établissement {outlet_id}"),
        OpHold::NotInOrder { product_id, .. } => format!("article absent de la commande ({product_id})"),
        OpHold::OrderUnpaid { due, .. } => format!("commande non payée ({} dû) : ajoutez le paiement d'abord", due.format_fr_ca()),
    }
}
