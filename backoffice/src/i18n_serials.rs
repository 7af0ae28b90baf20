//! The serial numbers page's words (seed 000), French (Canada, the default) and English, in the same
//! one-struct-per-language style as [`frontend::i18n`]. Labels follow the glossary.

use frontend::i18n::Lang;
use shared::stock::SerialEventKind;

pub struct SerialTexts {
    pub title: &'static str,
    pub product: &'static str,
    pub serial: &'static str,
    pub outlet: &'static str,
    pub sold_on: &'static str,
    pub in_stock: &'static str,
    pub delete: &'static str,
    pub add_title: &'static str,
    pub serials_field: &'static str,
    pub serials_hint: &'static str,
    pub none: &'static str,
    pub loading: &'static str,
    pub empty_list: &'static str,
    pub unknown_product: &'static str,
    pub unknown_outlet: &'static str,
    pub not_on_file: &'static str,
    /// Before the list of serials typed more than once.
    pub repeated_in_list: &'static str,
    /// Before the list of serials already registered for the product.
    pub already_registered: &'static str,
    pub duplicates: &'static str,
    /// "1 numéro de série ajouté" / "3 numéros de série ajoutés".
    pub added_one: &'static str,
    pub added_many: &'static str,
    /// The trash icon's inline confirmation.
    pub confirm_delete: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// The list's filters.
    pub filters: &'static str,
    pub all_outlets: &'static str,
    pub status: &'static str,
    pub all: &'static str,
    pub sold: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    /// The product picker: a search over the catalog, a few matches offered.
    pub product_hint: &'static str,
    pub no_product_match: &'static str,
    pub clear_product: &'static str,
    pub choose_product: &'static str,
    pub none_match: &'static str,
    pub load_more: &'static str,
    /// A serial's history.
    pub history: &'static str,
    pub event: &'static str,
    pub when: &'static str,
    pub sale: &'static str,
    pub received: &'static str,
    pub sold_event: &'static str,
    pub returned: &'static str,
    pub moved: &'static str,
    pub deleted: &'static str,
}

pub const FR: SerialTexts = SerialTexts {
    title: "Numéros de série",
    product: "Produit",
    serial: "Numéro de série",
    outlet: "Établissement",
    sold_on: "Vendu le",
    in_stock: "En stock",
    delete: "Supprimer",
    add_title: "Ajouter des numéros de série",
    serials_field: "Numéros de série",
    serials_hint: "Séparés par des virgules, par exemple : SN-1, SN-2, SN-3",
    none: "Aucun numéro de série pour l'instant.",
    loading: "Chargement…",
    empty_list: "Aucun numéro de série saisi.",
    unknown_product: "Produit inconnu du serveur.",
    unknown_outlet: "Établissement inconnu du serveur.",
    not_on_file: "Ce numéro de série n'est plus enregistré.",
    repeated_in_list: "saisis plus d'une fois",
    already_registered: "déjà enregistrés pour ce produit",
    duplicates: "Numéros de série en double, aucun n'a été ajouté",
    added_one: "numéro de série ajouté",
    added_many: "numéros de série ajoutés",
    confirm_delete: "Supprimer ce numéro ?",
    yes: "Oui",
    no: "Non",
    filters: "Filtres",
    all_outlets: "Tous les établissements",
    status: "État",
    all: "Tous",
    sold: "Vendus",
    search: "Rechercher un numéro de série",
    search_hint: "Une partie du numéro",
    product_hint: "Nom, SKU ou code-barres",
    no_product_match: "Aucun produit ne correspond.",
    clear_product: "Effacer le produit",
    choose_product: "Choisissez un produit.",
    none_match: "Aucun numéro de série ne correspond à ces filtres.",
    load_more: "Charger plus",
    history: "Historique",
    event: "Événement",
    when: "Date et heure",
    sale: "Vente",
    received: "Entré en stock",
    sold_event: "Vendu",
    returned: "Retourné",
    moved: "Déplacé",
    deleted: "Supprimé",
};

pub const EN: SerialTexts = SerialTexts {
    title: "Serial numbers",
    product: "Product",
    serial: "Serial number",
    outlet: "Outlet",
    sold_on: "Sold on",
    in_stock: "In stock",
    delete: "Delete",
    add_title: "Add serial numbers",
    serials_field: "Serial numbers",
    serials_hint: "Separated by commas, e.g. SN-1, SN-2, SN-3",
    none: "No serial numbers yet.",
    loading: "Loading…",
    empty_list: "No serial number entered.",
    unknown_product: "The server does not know this product.",
    unknown_outlet: "The server does not know this outlet.",
    not_on_file: "This serial number is no longer on file.",
    repeated_in_list: "entered more than once",
    already_registered: "already registered for this product",
    duplicates: "Duplicate serial numbers, none was added",
    added_one: "serial number added",
    added_many: "serial numbers added",
    confirm_delete: "Delete this number?",
    yes: "Yes",
    no: "No",
    filters: "Filters",
    all_outlets: "All outlets",
    status: "Status",
    all: "All",
    sold: "Sold",
    search: "Search a serial number",
    search_hint: "Part of the number",
    product_hint: "Name, SKU or barcode",
    no_product_match: "No product matches.",
    clear_product: "Clear the product",
    choose_product: "Choose a product.",
    none_match: "No serial number matches these filters.",
    load_more: "Load more",
    history: "History",
    event: "Event",
    when: "Date and time",
    sale: "Sale",
    received: "Received",
    sold_event: "Sold",
    returned: "Returned",
    moved: "Moved",
    deleted: "Deleted",
};

pub fn serial_texts(lang: Lang) -> &'static SerialTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// "3 numéros de série ajoutés" / "1 serial number added".
pub fn added_label(lang: Lang, n: usize) -> String {
    let t = serial_texts(lang);
    format!("{n} {}", if n == 1 { t.added_one } else { t.added_many })
}

/// The refusal naming every duplicate: "Numéros de série en double, aucun n'a été ajouté (déjà
/// enregistrés pour ce produit : SN-3)".
pub fn duplicates_label(lang: Lang, repeated_in_list: &[String], already_registered: &[String]) -> String {
    let t = serial_texts(lang);
    let (colon, sep) = if lang == Lang::Fr { (" : ", " ; ") } else { (": ", "; ") };
    let mut parts = Vec::new();
    if !repeated_in_list.is_empty() {
        parts.push(format!("{}{colon}{}", t.repeated_in_list, repeated_in_list.join(", ")));
    }
    if !already_registered.is_empty() {
        parts.push(format!("{}{colon}{}", t.already_registered, already_registered.join(", ")));
    }
    format!("{} ({})", t.duplicates, parts.join(sep))
}

/// What happened, as the history names it.
pub fn event_label(lang: Lang, kind: SerialEventKind) -> &'static str {
    let t = serial_texts(lang);
    match kind {
        SerialEventKind::Received => t.received,
        SerialEventKind::Sold => t.sold_event,
        SerialEventKind::Returned => t.returned,
        SerialEventKind::Moved => t.moved,
        SerialEventKind::Deleted => t.deleted,
    }
}
