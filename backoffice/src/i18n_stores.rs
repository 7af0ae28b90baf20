//! The words of editing, deactivating and reactivating a connected store (`/boutiques`), FR/EN. The
//! connect form's words are in `i18n_orders` (`StoreTexts`).

use frontend::i18n::Lang;

pub struct StoreEditTexts {
    pub active: &'static str,
    pub inactive: &'static str,
    pub edit: &'static str,
    pub edit_title: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub replace_credentials: &'static str,
    pub replace_help: &'static str,
    pub all_or_none: &'static str,
    pub options: &'static str,
    pub opt_bigcommerce_shipment: &'static str,
    pub opt_shopify_pickup: &'static str,
    pub opt_ecwid_pickup: &'static str,
    pub register_help: &'static str,
    pub deactivate: &'static str,
    pub activate: &'static str,
    pub confirm_deactivate: &'static str,
    pub confirm_activate: &'static str,
    pub confirm: &'static str,
    pub deactivated: &'static str,
    pub activated: &'static str,
    pub inactive_help: &'static str,
    pub unreadable: &'static str,
}

pub const FR: StoreEditTexts = StoreEditTexts {
    active: "Active",
    inactive: "Désactivée",
    edit: "Modifier",
    edit_title: "Modifier la boutique",
    cancel: "Annuler",
    save: "Enregistrer",
    saved: "Boutique modifiée",
    replace_credentials: "Remplacer les identifiants",
    replace_help: "Laissez vide pour garder les identifiants actuels. Pour les remplacer (nouvelle clé), remplissez tous les champs : les anciens ne sont jamais réaffichés.",
    all_or_none: "Remplissez tous les identifiants, ou aucun",
    options: "Options",
    opt_bigcommerce_shipment: "BigCommerce : à l'expédition, créer un envoi (statut Expédiée, courriel au client)",
    opt_shopify_pickup: "Shopify : à l'emballage d'un ramassage, marquer « prêt pour le ramassage » (courriel au client)",
    opt_ecwid_pickup: "Ecwid : à l'emballage d'un ramassage, statut READY_FOR_PICKUP",
    register_help: "Les prochaines commandes seront des ventes de cette caisse ; celles déjà reçues restent où elles sont.",
    deactivate: "Désactiver",
    activate: "Réactiver",
    confirm_deactivate: "Désactiver cette boutique ? Ses commandes déjà reçues restent. Tant qu'elle est désactivée, ses webhooks sont ignorés et rien ne lui est envoyé ; à la réactivation, les commandes passées entre-temps sont récupérées.",
    confirm_activate: "Réactiver cette boutique ? Les commandes passées pendant la désactivation seront récupérées.",
    confirm: "Confirmer",
    deactivated: "Boutique désactivée",
    activated: "Boutique réactivée",
    inactive_help: "Désactivée : webhooks ignorés, ni récupération ni envoi de statut ou de stock.",
    unreadable: "Le serveur ne peut plus lire les identifiants de cette boutique (clé changée ou donnée abîmée) : rien ne lui est envoyé et ses webhooks attendent. Modifiez la boutique et saisissez-les de nouveau.",
};

pub const EN: StoreEditTexts = StoreEditTexts {
    active: "Active",
    inactive: "Deactivated",
    edit: "Edit",
    edit_title: "Edit the store",
    cancel: "Cancel",
    save: "Save",
    saved: "Store updated",
    replace_credentials: "Replace the credentials",
    replace_help: "Leave empty to keep the current credentials. To replace them (a new key), fill in every field: the old ones are never shown again.",
    all_or_none: "Fill in every credential, or none",
    options: "Options",
    opt_bigcommerce_shipment: "BigCommerce: when shipped, create a shipment (Shipped status, e-mails the customer)",
    opt_shopify_pickup: "Shopify: when a pickup is packed, mark it \"ready for pickup\" (e-mails the customer)",
    opt_ecwid_pickup: "Ecwid: when a pickup is packed, status READY_FOR_PICKUP",
    register_help: "The next orders will be sales of this register; those already received stay where they are.",
    deactivate: "Deactivate",
    activate: "Reactivate",
    confirm_deactivate: "Deactivate this store? Its orders already received stay. While it is deactivated its webhooks are ignored and nothing is sent to it; on reactivation, the orders placed meanwhile are pulled in.",
    confirm_activate: "Reactivate this store? The orders placed while it was deactivated will be pulled in.",
    confirm: "Confirm",
    deactivated: "Store deactivated",
    activated: "Store reactivated",
    inactive_help: "Deactivated: webhooks ignored, no pull, no status or stock sent.",
    unreadable: "The server can no longer read this store's credentials (key changed or damaged data): nothing is sent to it and its webhooks wait. Edit the store and enter them again.",
};

pub fn store_edit_texts(lang: Lang) -> &'static StoreEditTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
