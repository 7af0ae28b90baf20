//! The screen's words in French (Canada, the default) and English. One struct per language keeps every
//! key checked at compile time and costs nothing at run time; money formats come from `shared`.

use shared::Money;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Fr }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
    pub fn money(self, m: Money) -> String {
        match self {
            Lang::Fr => m.format_fr_ca(),
            Lang::En => m.format_en_ca(),
        }
    }
    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }
}

pub struct Texts {
    pub sell: &'static str,
    pub sales_history: &'static str,
    pub register: &'static str,
    pub scan_hint: &'static str,
    pub code_placeholder: &'static str,
    pub add: &'static str,
    pub item: &'static str,
    pub qty: &'static str,
    pub unit_price: &'static str,
    pub line_total: &'static str,
    pub empty_cart: &'static str,
    pub subtotal: &'static str,
    pub gst: &'static str,
    pub qst: &'static str,
    pub total: &'static str,
    pub pay: &'static str,
    pub clear_cart: &'static str,
    pub cash_tendered: &'static str,
    pub cash_due: &'static str,
    pub rounding: &'static str,
    pub change_due: &'static str,
    pub exact_amount: &'static str,
    pub confirm: &'static str,
    pub cancel: &'static str,
    pub unknown_code: &'static str,
    pub not_enough_cash: &'static str,
    pub bad_amount: &'static str,
    pub sale_completed: &'static str,
    pub receipt: &'static str,
    pub print_receipt: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub syncing: &'static str,
    pub pending_sales: &'static str,
    pub refused_sales: &'static str,
    pub loading_catalog: &'static str,
    pub no_catalog: &'static str,
    pub save_failed: &'static str,
    pub date: &'static str,
    pub lines: &'static str,
    pub server_sales: &'static str,
    pub no_sales: &'static str,
    pub refresh: &'static str,
    pub server_unreachable: &'static str,
    pub thanks: &'static str,
    pub products_loaded: &'static str,
    pub remove: &'static str,
    pub storage_not_persistent: &'static str,
    pub storage_not_persistent_help: &'static str,
}

pub const FR: Texts = Texts {
    sell: "Vente",
    sales_history: "Historique des ventes",
    register: "Caisse",
    scan_hint: "Scannez un article ou tapez son code puis Entrée",
    code_placeholder: "Code-barres ou SKU",
    add: "Ajouter",
    item: "Article",
    qty: "Qté",
    unit_price: "Prix unitaire",
    line_total: "Total",
    empty_cart: "Aucun article. Scannez pour commencer.",
    subtotal: "Sous-total",
    gst: "TPS (5 %)",
    qst: "TVQ (9,975 %)",
    total: "Total",
    pay: "Payer",
    clear_cart: "Vider",
    cash_tendered: "Montant reçu",
    cash_due: "À payer en espèces",
    rounding: "Arrondi",
    change_due: "Monnaie à rendre",
    exact_amount: "Montant exact",
    confirm: "Confirmer",
    cancel: "Annuler",
    unknown_code: "Code inconnu",
    not_enough_cash: "Montant insuffisant : il faut au moins",
    bad_amount: "Montant invalide : tapez par exemple 20 ou 12,34",
    sale_completed: "Vente complétée",
    receipt: "Reçu",
    print_receipt: "Imprimer le reçu",
    online: "en ligne",
    offline: "hors ligne",
    syncing: "synchronisation",
    pending_sales: "ventes en attente",
    refused_sales: "ventes refusées par le serveur",
    loading_catalog: "Chargement du catalogue…",
    no_catalog: "Catalogue absent : le serveur est injoignable. Réessai automatique…",
    save_failed: "La vente n'a pas pu être enregistrée dans ce navigateur",
    date: "Date",
    lines: "Articles",
    server_sales: "Ventes reçues par le serveur",
    no_sales: "Aucune vente pour l'instant.",
    refresh: "Actualiser",
    server_unreachable: "Serveur injoignable",
    thanks: "Merci de votre visite !",
    products_loaded: "produits",
    remove: "Retirer",
    storage_not_persistent: "stockage non garanti",
    storage_not_persistent_help: "Le navigateur peut effacer les données de la caisse s'il manque d'espace. Installez l'application ou autorisez le stockage persistant, et ne laissez pas de ventes en attente longtemps.",
};

pub const EN: Texts = Texts {
    sell: "Sell",
    sales_history: "Sales history",
    register: "Register",
    scan_hint: "Scan an item or type its code, then Enter",
    code_placeholder: "Barcode or SKU",
    add: "Add",
    item: "Item",
    qty: "Qty",
    unit_price: "Unit price",
    line_total: "Total",
    empty_cart: "No items. Scan to start.",
    subtotal: "Subtotal",
    gst: "GST (5%)",
    qst: "QST (9.975%)",
    total: "Total",
    pay: "Pay",
    clear_cart: "Clear",
    cash_tendered: "Cash received",
    cash_due: "Due in cash",
    rounding: "Rounding",
    change_due: "Change due",
    exact_amount: "Exact amount",
    confirm: "Confirm",
    cancel: "Cancel",
    unknown_code: "Unknown code",
    not_enough_cash: "Not enough: at least",
    bad_amount: "Invalid amount: type e.g. 20 or 12.34",
    sale_completed: "Sale completed",
    receipt: "Receipt",
    print_receipt: "Print receipt",
    online: "online",
    offline: "offline",
    syncing: "syncing",
    pending_sales: "sales pending",
    refused_sales: "sales refused by the server",
    loading_catalog: "Loading the catalog…",
    no_catalog: "No catalog: the server is unreachable. Retrying…",
    save_failed: "The sale could not be saved in this browser",
    date: "Date",
    lines: "Items",
    server_sales: "Sales received by the server",
    no_sales: "No sales yet.",
    refresh: "Refresh",
    server_unreachable: "Server unreachable",
    thanks: "Thank you!",
    products_loaded: "products",
    remove: "Remove",
    storage_not_persistent: "storage not guaranteed",
    storage_not_persistent_help: "The browser may erase the register's data when space runs low. Install the app or allow persistent storage, and do not leave sales pending for long.",
};

/// "2 ventes en attente" / "1 vente en attente" / "2 sales pending".
pub fn pending_label(lang: Lang, n: u32) -> String {
    match (lang, n) {
        (Lang::Fr, 0 | 1) => format!("{n} vente en attente"),
        (Lang::Fr, _) => format!("{n} ventes en attente"),
        (Lang::En, 1) => "1 sale pending".to_string(),
        (Lang::En, _) => format!("{n} sales pending"),
    }
}

/// Date and time of a sale in the screen's language.
pub fn date_time(lang: Lang, ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    String::from(d.to_locale_string(if lang == Lang::Fr { "fr-CA" } else { "en-CA" }, &wasm_bindgen::JsValue::UNDEFINED))
}
