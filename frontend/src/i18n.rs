//! The screen's words in French (Canada, the default) and English. One struct per language keeps every
//! key checked at compile time and costs nothing at run time; money formats come from `shared`.

use shared::tax::TaxCode;
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
    /// A tax named with its rate, as totals and receipts show it: `TPS (5 %)`, `QST (9.975%)`.
    pub fn tax_label(self, code: TaxCode, ppm: u32) -> String {
        format!("{} ({})", self.tax_name(code), shared::tax::rate_text(ppm, self == Lang::Fr))
    }
    pub fn tax_name(self, code: TaxCode) -> &'static str {
        match (self, code) {
            (Lang::Fr, TaxCode::Gst) => "TPS",
            (Lang::Fr, TaxCode::Qst) => "TVQ",
            (Lang::En, TaxCode::Gst) => "GST",
            (Lang::En, TaxCode::Qst) => "QST",
        }
    }
    /// The words before an outlet's registration number on its receipts: `No de TPS`, `GST no.`.
    pub fn tax_number_label(self, code: TaxCode) -> String {
        match self {
            Lang::Fr => format!("No de {}", self.tax_name(code)),
            Lang::En => format!("{} no.", self.tax_name(code)),
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
    pub loading_catalog: &'static str,
    pub no_catalog: &'static str,
    pub save_failed: &'static str,
    pub date: &'static str,
    pub lines: &'static str,
    pub server_sales: &'static str,
    pub no_sales: &'static str,
    pub server_unreachable: &'static str,
    pub thanks: &'static str,
    pub products_loaded: &'static str,
    pub remove: &'static str,
    pub storage_not_persistent: &'static str,
    pub storage_not_persistent_help: &'static str,
    pub quick_keys: &'static str,
    pub serial_title: &'static str,
    pub unit: &'static str,
    pub of: &'static str,
    pub serial_label: &'static str,
    pub continue_: &'static str,
    pub serial_not_on_file: &'static str,
    pub add_as_new: &'static str,
    pub re_enter: &'static str,
    pub serial_already_sold: &'static str,
    pub in_sale: &'static str,
    pub serial_repeated: &'static str,
    pub serial_empty: &'static str,
    pub customer: &'static str,
    pub attach_customer: &'static str,
    pub detach: &'static str,
    pub no_customers: &'static str,
    pub search_customer: &'static str,
    pub balance_owed: &'static str,
    pub store_credit_label: &'static str,
    /// An online order's tender (paid on the e-commerce platform); never offered at the pay dialog.
    pub online_tender: &'static str,
    pub available_credit: &'static str,
    pub loyalty_points: &'static str,
    pub visits: &'static str,
    pub reward_due: &'static str,
    pub reward_points: &'static str,
    pub reward_visits: &'static str,
    pub apply_free_item: &'static str,
    pub apply_reward_discount: &'static str,
    pub history: &'static str,
    pub repeat_sale: &'static str,
    pub discount: &'static str,
    pub discounts_total: &'static str,
    pub line_discount: &'static str,
    pub sale_discount: &'static str,
    pub percent: &'static str,
    pub amount: &'static str,
    pub apply: &'static str,
    pub remove_discount: &'static str,
    pub bad_percent: &'static str,
    pub return_mode: &'static str,
    pub return_mode_on: &'static str,
    pub refund_due: &'static str,
    pub refund_cash: &'static str,
    pub refund_card: &'static str,
    pub refund_store_credit: &'static str,
    pub cash: &'static str,
    pub card: &'static str,
    pub on_account: &'static str,
    pub remaining: &'static str,
    pub paid_with: &'static str,
    pub amount_too_large: &'static str,
    pub credit_exceeded: &'static str,
    pub not_enough_store_credit: &'static str,
    pub unavailable_items: &'static str,
    pub export_pending: &'static str,
    pub export_pending_help: &'static str,
    pub serial_not_sold: &'static str,
    pub return_sale: &'static str,
    /// An online sale's refund: the register cannot reverse the processor's charge.
    pub refund_at_processor: &'static str,
}

pub const FR: Texts = Texts {
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
    loading_catalog: "Chargement du catalogue…",
    no_catalog: "Catalogue absent : le serveur est injoignable. Réessai automatique…",
    save_failed: "La vente n'a pas pu être enregistrée dans ce navigateur",
    date: "Date",
    lines: "Lignes",
    server_sales: "Ventes reçues par le serveur",
    no_sales: "Aucune vente pour l'instant.",
    server_unreachable: "Serveur injoignable",
    thanks: "Merci de votre visite !",
    products_loaded: "produits",
    remove: "Retirer",
    storage_not_persistent: "stockage non garanti",
    storage_not_persistent_help: "Le navigateur peut effacer les données de la caisse s'il manque d'espace. Installez l'application ou autorisez le stockage persistant, et ne laissez pas de ventes en attente longtemps.",
    quick_keys: "Touches rapides",
    serial_title: "Enregistrer un numéro de série",
    unit: "unité",
    of: "de",
    serial_label: "Numéro de série",
    continue_: "Continuer",
    serial_not_on_file: "Ce numéro de série n'est pas enregistré pour ce produit.",
    add_as_new: "Ajouter comme nouveau numéro de série",
    re_enter: "Saisir de nouveau",
    serial_already_sold: "Refusé : ce numéro de série a déjà été vendu le",
    in_sale: "vente",
    serial_repeated: "Ce numéro de série est déjà saisi dans cette vente.",
    serial_empty: "Saisissez ou scannez le numéro de série.",
    customer: "Client",
    attach_customer: "Ajouter un client",
    detach: "Retirer le client",
    no_customers: "Aucun client (le serveur n'a pas encore été joint).",
    search_customer: "Nom ou courriel",
    balance_owed: "Solde dû",
    store_credit_label: "Avoir",
    online_tender: "Paiement en ligne",
    available_credit: "Crédit disponible",
    loyalty_points: "Points de fidélité",
    visits: "Visites",
    reward_due: "Récompense due",
    reward_points: "points",
    reward_visits: "visites",
    apply_free_item: "Article offert (dernière ligne)",
    apply_reward_discount: "Remise",
    history: "Historique d'achats",
    repeat_sale: "Refaire cette vente",
    discount: "Remise",
    discounts_total: "Remises",
    line_discount: "Remise sur la ligne",
    sale_discount: "Remise sur la vente",
    percent: "Pourcentage",
    amount: "Montant",
    apply: "Appliquer",
    remove_discount: "Retirer la remise",
    bad_percent: "Pourcentage invalide : tapez par exemple 10 ou 12,5",
    return_mode: "Retour",
    return_mode_on: "Mode retour : les articles scannés sont repris",
    refund_due: "À rembourser",
    refund_cash: "Rembourser en espèces",
    refund_card: "Rembourser sur la carte",
    refund_store_credit: "Porter à l'avoir du client",
    cash: "Espèces",
    card: "Carte",
    on_account: "Compte client",
    remaining: "Reste à payer",
    paid_with: "Payé",
    amount_too_large: "Le montant dépasse ce qui reste à payer",
    credit_exceeded: "Limite de crédit dépassée : disponible",
    not_enough_store_credit: "Avoir insuffisant : disponible",
    unavailable_items: "Produits introuvables, non copiés",
    export_pending: "Exporter",
    export_pending_help: "Enregistre les ventes en attente dans un fichier que le serveur peut importer",
    serial_not_sold: "Refusé : ce numéro de série n'a pas été vendu. Un retour doit nommer l'unité vendue.",
    return_sale: "Retourner les articles",
    refund_at_processor: "Remboursement à faire chez le processeur",
};

pub const EN: Texts = Texts {
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
    loading_catalog: "Loading the catalog…",
    no_catalog: "No catalog: the server is unreachable. Retrying…",
    save_failed: "The sale could not be saved in this browser",
    date: "Date",
    lines: "Lines",
    server_sales: "Sales received by the server",
    no_sales: "No sales yet.",
    server_unreachable: "Server unreachable",
    thanks: "Thank you!",
    products_loaded: "products",
    remove: "Remove",
    storage_not_persistent: "storage not guaranteed",
    storage_not_persistent_help: "The browser may erase the register's data when space runs low. Install the app or allow persistent storage, and do not leave sales pending for long.",
    quick_keys: "Quick keys",
    serial_title: "Record a serial number",
    unit: "unit",
    of: "of",
    serial_label: "Serial number",
    continue_: "Continue",
    serial_not_on_file: "This serial number is not on file for this product.",
    add_as_new: "Add as a new serial number",
    re_enter: "Re-enter",
    serial_already_sold: "Refused: this serial number was already sold on",
    in_sale: "sale",
    serial_repeated: "This serial number is already in this sale.",
    serial_empty: "Type or scan the serial number.",
    customer: "Customer",
    attach_customer: "Add a customer",
    detach: "Remove customer",
    no_customers: "No customers (the server has not been reached yet).",
    search_customer: "Name or e-mail",
    balance_owed: "Balance owed",
    store_credit_label: "Store credit",
    online_tender: "Online payment",
    available_credit: "Credit available",
    loyalty_points: "Loyalty points",
    visits: "Visits",
    reward_due: "Reward due",
    reward_points: "points",
    reward_visits: "visits",
    apply_free_item: "Free item (last line)",
    apply_reward_discount: "Discount",
    history: "Purchase history",
    repeat_sale: "Repeat this sale",
    discount: "Discount",
    discounts_total: "Discounts",
    line_discount: "Line discount",
    sale_discount: "Sale discount",
    percent: "Percent",
    amount: "Amount",
    apply: "Apply",
    remove_discount: "Remove discount",
    bad_percent: "Invalid percent: type e.g. 10 or 12.5",
    return_mode: "Return",
    return_mode_on: "Return mode: scanned items are taken back",
    refund_due: "To refund",
    refund_cash: "Refund in cash",
    refund_card: "Refund to card",
    refund_store_credit: "Put on store credit",
    cash: "Cash",
    card: "Card",
    on_account: "On account",
    remaining: "Remaining",
    paid_with: "Paid",
    amount_too_large: "The amount is more than what remains",
    credit_exceeded: "Credit limit exceeded: available",
    not_enough_store_credit: "Not enough store credit: available",
    unavailable_items: "Products not found, not copied",
    export_pending: "Export",
    export_pending_help: "Saves the pending sales to a file the server can import",
    serial_not_sold: "Refused: this serial number was not sold. A return must name the unit that was sold.",
    return_sale: "Return the items",
    refund_at_processor: "Refund to be made at the processor",
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

/// Date and time of a sale in the screen's language, e.g. `2026-11-23 14 h 05 min 09 s`.
/// One `Intl.DateTimeFormat` per language is kept: building one costs more than a whole sale commit.
pub fn date_time(lang: Lang, ms: i64) -> String {
    use wasm_bindgen::JsValue;
    thread_local! {
        static FORMATS: std::cell::RefCell<Vec<(Lang, js_sys::Function)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let format = FORMATS.with(|f| {
        let mut cache = f.borrow_mut();
        if let Some((_, format)) = cache.iter().find(|(l, _)| *l == lang) {
            return format.clone();
        }
        let locale = js_sys::Array::of1(&JsValue::from_str(if lang == Lang::Fr { "fr-CA" } else { "en-CA" }));
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"short".into());
        let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"medium".into());
        let format = js_sys::Intl::DateTimeFormat::new(&locale, &options).format();
        cache.push((lang, format.clone()));
        format
    });
    format.call1(&JsValue::NULL, &date).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// A reactive text in the screen's language: `{tr(lang, |t| t.pay)}`. Every call returns the same
/// closure type, so the view code for all translated texts is compiled once (a smaller wasm).
pub fn tr(
    lang: leptos::prelude::RwSignal<Lang>,
    pick: fn(&'static Texts) -> &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    use leptos::prelude::Get;
    move || pick(lang.get().t())
}
