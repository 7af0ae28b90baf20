//! The back office's menu: its sections and pages, French (Canada, the default) and English.

use frontend::i18n::Lang;

pub struct MenuTexts {
    pub label: &'static str,
    pub till: &'static str,
    pub sales_history: &'static str,
    pub inbox: &'static str,
    pub z_report: &'static str,
    pub catalog: &'static str,
    pub products: &'static str,
    pub import: &'static str,
    pub stock: &'static str,
    pub orders: &'static str,
    pub serials: &'static str,
    pub customers: &'static str,
    pub admin: &'static str,
    pub outlets: &'static str,
    pub devices: &'static str,
    pub staff: &'static str,
    pub audit: &'static str,
    pub stores: &'static str,
}

pub const FR: MenuTexts = MenuTexts {
    label: "Gestion",
    till: "Caisse",
    sales_history: "Historique des ventes",
    inbox: "À traiter",
    z_report: "Rapport de fin de journée",
    catalog: "Catalogue",
    products: "Produits",
    import: "Importer et exporter",
    stock: "Stocks",
    orders: "Commandes",
    serials: "Numéros de série",
    customers: "Clients",
    admin: "Administration",
    outlets: "Points de vente et caisses",
    devices: "Appareils",
    staff: "Personnel",
    audit: "Journal",
    stores: "Boutiques en ligne",
};

pub const EN: MenuTexts = MenuTexts {
    label: "Back office",
    till: "Till",
    sales_history: "Sales history",
    inbox: "To review",
    z_report: "End-of-day report",
    catalog: "Catalog",
    products: "Products",
    import: "Import and export",
    stock: "Stock",
    orders: "Orders",
    serials: "Serial numbers",
    customers: "Customers",
    admin: "Administration",
    outlets: "Outlets and registers",
    devices: "Devices",
    staff: "Staff",
    audit: "Audit log",
    stores: "Online stores",
};

pub fn menu_texts(lang: Lang) -> &'static MenuTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}
