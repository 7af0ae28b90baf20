//! The end-of-day (Z) report page's words (`/rapport-z`, issue 12 item 5), French (Canada, the
//! default) and English.

use frontend::i18n::Lang;
use shared::sale::TenderKind;
use shared::tax::TaxCode;

pub struct ZTexts {
    pub title: &'static str,
    pub scope: &'static str,
    pub outlets: &'static str,
    pub registers: &'static str,
    pub day: &'static str,
    pub opening_float: &'static str,
    pub bad_amount: &'static str,
    pub loading: &'static str,
    pub sales: &'static str,
    pub sale_count: &'static str,
    pub return_count: &'static str,
    pub gross: &'static str,
    pub discounts: &'static str,
    pub returns: &'static str,
    pub overrides: &'static str,
    pub override_count: &'static str,
    pub taxes: &'static str,
    pub base: &'static str,
    pub total: &'static str,
    pub tenders: &'static str,
    pub count: &'static str,
    pub amount: &'static str,
    pub cash_rounding: &'static str,
    pub account_payments: &'static str,
    pub drawer: &'static str,
    pub expected_cash: &'static str,
    pub counted_cash: &'static str,
    pub record_count: &'static str,
    pub record_failed: &'static str,
    pub recorded_counts: &'static str,
    pub recorded_at: &'static str,
    pub counted_by: &'static str,
    pub difference: &'static str,
    pub even: &'static str,
    pub over: &'static str,
    pub short: &'static str,
    pub print: &'static str,
    pub print_80: &'static str,
    pub print_letter: &'static str,
    pub period: &'static str,
    pub printed_at: &'static str,
}

pub const FR: ZTexts = ZTexts {
    title: "Rapport de fin de journée (Z)",
    scope: "Établissement ou caisse",
    outlets: "Établissements",
    registers: "Caisses",
    day: "Journée",
    opening_float: "Fonds de caisse",
    bad_amount: "Montant invalide",
    loading: "Chargement…",
    sales: "Ventes",
    sale_count: "Nombre de ventes",
    return_count: "Ventes avec retours",
    gross: "Ventes brutes",
    discounts: "Remises",
    returns: "Retours",
    overrides: "Prix modifiés",
    override_count: "Lignes à prix modifié",
    taxes: "Taxes",
    base: "Base",
    total: "Total",
    tenders: "Modes de paiement",
    count: "Nombre",
    amount: "Montant",
    cash_rounding: "Arrondi de l'argent comptant",
    account_payments: "Paiements au compte",
    drawer: "Tiroir-caisse",
    expected_cash: "Comptant attendu",
    counted_cash: "Comptant compté",
    record_count: "Enregistrer le comptage",
    record_failed: "Comptage non enregistré",
    recorded_counts: "Comptages enregistrés",
    recorded_at: "Compté le",
    counted_by: "Par",
    difference: "Écart",
    even: "Juste",
    over: "Excédent",
    short: "Manque",
    print: "Imprimer",
    print_80: "Ticket 80 mm",
    print_letter: "Lettre",
    period: "Période",
    printed_at: "Imprimé le",
};

pub const EN: ZTexts = ZTexts {
    title: "End-of-day (Z) report",
    scope: "Outlet or register",
    outlets: "Outlets",
    registers: "Registers",
    day: "Day",
    opening_float: "Opening float",
    bad_amount: "Invalid amount",
    loading: "Loading…",
    sales: "Sales",
    sale_count: "Number of sales",
    return_count: "Sales with returns",
    gross: "Gross sales",
    discounts: "Discounts",
    returns: "Returns",
    overrides: "Price overrides",
    override_count: "Lines at an overridden price",
    taxes: "Taxes",
    base: "Base",
    total: "Total",
    tenders: "Tenders",
    count: "Count",
    amount: "Amount",
    cash_rounding: "Cash rounding",
    account_payments: "Payments on account",
    drawer: "Cash drawer",
    expected_cash: "Expected cash",
    counted_cash: "Counted cash",
    record_count: "Record the count",
    record_failed: "Count not recorded",
    recorded_counts: "Recorded counts",
    recorded_at: "Counted at",
    counted_by: "By",
    difference: "Difference",
    even: "Even",
    over: "Over",
    short: "Short",
    print: "Print",
    print_80: "80 mm receipt",
    print_letter: "Letter",
    period: "Period",
    printed_at: "Printed",
};

pub fn z_texts(lang: Lang) -> &'static ZTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

pub fn tender_label(lang: Lang, kind: TenderKind) -> &'static str {
    let fr = lang == Lang::Fr;
    match kind {
        TenderKind::Cash => {
            if fr {
                "Comptant"
            } else {
                "Cash"
            }
        }
        TenderKind::Card => {
            if fr {
                "Carte"
            } else {
                "Card"
            }
        }
        TenderKind::Account => {
            if fr {
                "Au compte"
            } else {
                "On account"
            }
        }
        TenderKind::StoreCredit => {
            if fr {
                "Crédit en magasin"
            } else {
                "Store credit"
            }
        }
        TenderKind::Online => {
            if fr {
                "En ligne"
            } else {
                "Online"
            }
        }
    }
}

pub fn tax_label(lang: Lang, code: TaxCode) -> &'static str {
    match (lang, code) {
        (Lang::Fr, TaxCode::Gst) => "TPS",
        (Lang::Fr, TaxCode::Qst) => "TVQ",
        (Lang::En, TaxCode::Gst) => "GST",
        (Lang::En, TaxCode::Qst) => "QST",
    }
}
