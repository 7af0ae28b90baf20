//! The header's links to every page of both apps (the register's and the back office's), French
//! (Canada, the default) and English, in the same one-struct-per-language style as [`crate::i18n`].

use crate::i18n::Lang;

pub struct NavTexts {
    pub sell: &'static str,
    pub sales_history: &'static str,
    pub serials: &'static str,
    pub customers: &'static str,
    pub orders: &'static str,
    pub stores: &'static str,
}

pub const FR: NavTexts = NavTexts {
    sell: "Vente",
    sales_history: "Historique des ventes",
    serials: "Numéros de série",
    customers: "Clients",
    orders: "Commandes",
    stores: "Boutiques",
};

pub const EN: NavTexts = NavTexts {
    sell: "Sell",
    sales_history: "Sales history",
    serials: "Serial numbers",
    customers: "Customers",
    orders: "Orders",
    stores: "Stores",
};

pub fn nav_texts(lang: Lang) -> &'static NavTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
