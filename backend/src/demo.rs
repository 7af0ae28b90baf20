//! The demo shop loaded on first start: three Québec outlets with seed 002's stock table, about fifty
//! more products with valid EAN-13 barcodes, one serial-tracked product, a register per outlet, two customers
//! (Marie Tremblay buys on account with 5 % off; Jean Gagnon pays as he goes) and a loyalty card.

use shared::account::CustomerAccount;
use shared::barcode::ean13;
use shared::catalog::{Customer, Outlet, Product, Register};
use shared::loyalty::LoyaltyProgram;
use shared::tax::{TaxClass, TaxRates};
use shared::Money;
use crate::store::auth::NewStaffRecord;
use shared::auth::Role;

pub struct Shop {
    /// In priority order (allocation of online orders).
    pub outlets: Vec<Outlet>,
    pub registers: Vec<Register>,
    pub products: Vec<Product>,
    pub customers: Vec<Customer>,
    /// (product id, outlet id, quantity)
    pub opening_stock: Vec<(String, String, i64)>,
    /// Account terms (credit limit, automatic discount) of the customers that have some.
    pub accounts: Vec<CustomerAccount>,
    /// The loyalty card: points and visits that earn a reward.
    pub loyalty: LoyaltyProgram,
    /// Staff, their secrets already hashed.
    pub staff: Vec<NewStaffRecord>,
}

/// A demo account: id, name, e-mail, role, outlets, password, PIN. Printed at every demo start.
pub struct DemoAccount {
    pub id: &'static str,
    pub name: &'static str,
    pub email: Option<&'static str>,
    pub role: Role,
    pub outlets: &'static [&'static str],
    pub password: Option<&'static str>,
    pub pin: &'static str,
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount { id: "admin", name: "Administratrice", email: Some("admin@demo.comptoir"), role: Role::Admin, outlets: &[], password: Some("demo-admin-2026"), pin: "9999" },
    DemoAccount { id: "gerante-mtl", name: "Gérante Montréal", email: Some("gerante@demo.comptoir"), role: Role::Manager, outlets: &["montreal"], password: Some("demo-gerante-2026"), pin: "8888" },
    DemoAccount { id: "julie", name: "Julie", email: None, role: Role::Cashier, outlets: &["montreal"], password: None, pin: "1111" },
    DemoAccount { id: "marc", name: "Marc", email: None, role: Role::Cashier, outlets: &["laval"], password: None, pin: "2222" },
    DemoAccount { id: "sophie", name: "Sophie", email: None, role: Role::Cashier, outlets: &["montreal"], password: None, pin: "3333" },
];

/// The demo accounts with their hashes and verifiers, made once per process (argon2 and PBKDF2 are
/// slow on purpose; tests and the simulation load the demo shop many times).
pub fn demo_staff() -> Vec<NewStaffRecord> {
    static STAFF: std::sync::OnceLock<Vec<NewStaffRecord>> = std::sync::OnceLock::new();
    STAFF
        .get_or_init(|| {
            DEMO_ACCOUNTS
                .iter()
                .map(|a| {
                    let outlets: Vec<String> = a.outlets.iter().map(|o| o.to_string()).collect();
                    crate::routes::auth::staff_record(a.id, a.name, a.email, a.role, &outlets, a.password, Some(a.pin)).expect("demo staff hash")
                })
                .collect()
        })
        .clone()
}

/// At a demo start: the demo accounts (when this is the demo shop) and a fresh enrolment code per register.
pub async fn print_demo_access(store: &dyn crate::store::Store) -> anyhow::Result<()> {
    let demo = store.staff_by_id("admin").await?.is_some_and(|s| s.member.email.as_deref() == Some("admin@demo.comptoir"));
    let mut out = String::new();
    if demo {
        out.push_str("Demo accounts — these are demo accounts, for trying Comptoir; COMPTOIR_DEMO=0 starts a real shop with none:\n");
        for a in DEMO_ACCOUNTS {
            let sign_in = match (a.email, a.password) {
                (Some(e), Some(p)) => format!("{e} / {p}, "),
                _ => String::new(),
            };
            out.push_str(&format!("  {:<12} {:<8} {}PIN {} ({})\n", a.id, a.role.to_string(), sign_in, a.pin, if a.outlets.is_empty() { "every outlet".to_string() } else { a.outlets.join(", ") }));
        }
    }
    out.push_str("Enrolment codes (one device each, valid 24 h):\n");
    for r in store.setup().await?.registers {
        let code = crate::routes::devices::issue_code(store, &r.id, "").await.map_err(|e| anyhow::anyhow!("{e}"))?;
        out.push_str(&format!("  {:<14} {}  ({})\n", r.id, code.code, r.name));
    }
    print!("{out}");
    Ok(())
}

const OUTLETS: [(&str, &str, &str); 3] = [("montreal", "Montréal", "MTL"), ("sherbrooke", "Sherbrooke", "SHE"), ("laval", "Laval", "LAV")];

/// name, price in cents, tax class
const MORE: &[(&str, i64, TaxClass)] = &[
    ("Tuque en laine", 2499, TaxClass::Taxable),
    ("Foulard", 3499, TaxClass::Taxable),
    ("Mitaines", 2799, TaxClass::Taxable),
    ("Bas de laine (paire)", 1299, TaxClass::Taxable),
    ("Ceinture en cuir", 4599, TaxClass::Taxable),
    ("Chandail à capuchon", 5999, TaxClass::Taxable),
    ("T-shirt coton bio", 2299, TaxClass::Taxable),
    ("Jean coupe droite", 7999, TaxClass::Taxable),
    ("Manteau d'hiver", 24999, TaxClass::Taxable),
    ("Imperméable", 12999, TaxClass::Taxable),
    ("Bottes d'hiver", 15999, TaxClass::Taxable),
    ("Espadrilles", 8999, TaxClass::Taxable),
    ("Sandales", 3999, TaxClass::Taxable),
    ("Casquette", 1999, TaxClass::Taxable),
    ("Parapluie", 1799, TaxClass::Taxable),
    ("Sac à dos", 6499, TaxClass::Taxable),
    ("Portefeuille", 3299, TaxClass::Taxable),
    ("Lunettes de soleil", 2999, TaxClass::Taxable),
    ("Gourde isotherme", 2499, TaxClass::Taxable),
    ("Tasse de voyage", 1599, TaxClass::Taxable),
    ("Carnet de notes", 899, TaxClass::Taxable),
    ("Stylo-bille (paquet de 3)", 499, TaxClass::Taxable),
    ("Crayons de couleur", 1199, TaxClass::Taxable),
    ("Agenda 2027", 1999, TaxClass::Taxable),
    ("Roman : Les Belles-Sœurs", 1895, TaxClass::GstOnly),
    ("Guide des sentiers du Québec", 2995, TaxClass::GstOnly),
    ("Livre de recettes", 3495, TaxClass::GstOnly),
    ("Dictionnaire de poche", 1495, TaxClass::GstOnly),
    ("Sirop d'érable 540 ml", 1299, TaxClass::ZeroRated),
    ("Café moulu 340 g", 1099, TaxClass::ZeroRated),
    ("Thé du Labrador", 899, TaxClass::ZeroRated),
    ("Miel de trèfle 500 g", 999, TaxClass::ZeroRated),
    ("Fromage en grains 200 g", 549, TaxClass::ZeroRated),
    ("Chocolat noir 70 %", 449, TaxClass::Taxable),
    ("Bonbons à l'érable", 699, TaxClass::Taxable),
    ("Chandelle parfumée", 2199, TaxClass::Taxable),
    ("Savon artisanal", 799, TaxClass::Taxable),
    ("Baume à lèvres", 599, TaxClass::Taxable),
    ("Crème pour les mains", 1499, TaxClass::Taxable),
    ("Couverture polaire", 4999, TaxClass::Taxable),
    ("Coussin décoratif", 2999, TaxClass::Taxable),
    ("Cadre photo 5x7", 1499, TaxClass::Taxable),
    ("Plante en pot", 1999, TaxClass::Taxable),
    ("Ampoule DEL", 699, TaxClass::Taxable),
    ("Piles AA (paquet de 8)", 1099, TaxClass::Taxable),
    ("Câble USB-C", 1499, TaxClass::Taxable),
    ("Écouteurs", 3999, TaxClass::Taxable),
    ("Chargeur portatif", 4499, TaxClass::Taxable),
    ("Carte-cadeau imprimée", 500, TaxClass::Exempt),
    ("Sac réutilisable", 199, TaxClass::Taxable),
];

fn product(id: &str, sku: &str, n: u32, name: &str, cents: i64, class: TaxClass) -> Product {
    Product {
        id: id.into(),
        sku: sku.into(),
        // 0 + "77" (a test prefix) + a running number: valid EAN-13s that no real product uses.
        barcode: ean13(&format!("077{n:09}")),
        name: name.into(),
        price: Money(cents),
        tax_class: class,
        tracks_serials: false,
        low_stock_threshold: None,
        quick_key: false,
        quick_key_position: None,
        // One point per whole dollar.
        loyalty_points: (cents / 100) as u32,
    }
}

/// The demo shop plus `extra` generated products (for benchmarks at catalog scale).
pub fn demo_shop_with_extra(extra: usize) -> Shop {
    let mut shop = demo_shop();
    for i in 0..extra {
        let n = 1_000_000 + i as u32;
        let mut p = product(&format!("x{i:07}"), &format!("GEN-{i:07}"), n, &format!("Article généré {i}"), 100 + (i as i64 * 37) % 20_000, TaxClass::Taxable);
        p.barcode = ean13(&format!("078{n:09}"));
        shop.products.push(p);
    }
    shop
}

/// The demo company's tax registration numbers, printed on its receipts.
pub const DEMO_GST_NUMBER: &str = "123456789 RT0001";
pub const DEMO_QST_NUMBER: &str = "1234567890 TQ0001";

pub fn demo_shop() -> Shop {
    let outlets = OUTLETS
        .iter()
        .map(|(id, name, _)| Outlet {
            id: (*id).into(),
            name: (*name).into(),
            tax_rates: TaxRates::QUEBEC,
            time_zone: shared::catalog::DEFAULT_TIME_ZONE.into(),
            // One company, one registration per tax for all its outlets (sample numbers).
            gst_number: DEMO_GST_NUMBER.into(),
            qst_number: DEMO_QST_NUMBER.into(),
        })
        .collect();
    let registers = OUTLETS
        .iter()
        .map(|(id, name, code)| Register {
            id: format!("{id}-1"),
            outlet_id: (*id).into(),
            code: format!("{code}1"),
            name: format!("Caisse 1 — {name}"),
        })
        .collect();

    let mut products = vec![
        product("shirt", "SHIRT", 1, "Chemise", 2999, TaxClass::Taxable),
        product("hat", "HAT", 2, "Chapeau", 1500, TaxClass::Taxable),
        product("shoes", "SHOES", 3, "Chaussures", 8999, TaxClass::Taxable),
    ];
    // Seed 002's table: Montréal 10/3/5, Sherbrooke 0/10/10, Laval 15/10/10.
    let mut opening_stock: Vec<(String, String, i64)> = [
        ("shirt", [10, 0, 15]),
        ("hat", [3, 10, 10]),
        ("shoes", [5, 10, 10]),
    ]
    .iter()
    .flat_map(|(p, qtys)| OUTLETS.iter().zip(qtys).map(|((o, _, _), q)| ((*p).into(), (*o).into(), *q)))
    .collect();

    let mut drill = product("drill", "DRILL", 4, "Perceuse sans fil", 12999, TaxClass::Taxable);
    drill.tracks_serials = true;
    products.push(drill);
    // The first four keys of the pad, in this order; the other keys follow by name.
    for (i, p) in products.iter_mut().enumerate() {
        p.quick_key = true;
        p.quick_key_position = Some(i as u16 + 1);
    }

    for (i, (name, cents, class)) in MORE.iter().enumerate() {
        let n = 10 + i as u32;
        let mut p = product(&format!("p{n:03}"), &format!("SKU-{n:03}"), n, name, *cents, *class);
        if i % 7 == 0 {
            // On the touch pad, with a low-stock threshold: the key turns red at 5 or fewer.
            p.low_stock_threshold = Some(5);
            p.quick_key = true;
        }
        products.push(p);
    }
    for (i, p) in products.iter().enumerate().skip(3) {
        for (j, (o, _, _)) in OUTLETS.iter().enumerate() {
            opening_stock.push((p.id.clone(), (*o).into(), ((i * 7 + j * 5) % 20 + 2) as i64));
        }
    }

    let customers = vec![
        Customer { id: "c-tremblay".into(), name: "Marie Tremblay".into(), email: Some("marie.tremblay@example.com".into()) },
        Customer { id: "c-gagnon".into(), name: "Jean Gagnon".into(), email: Some("jean.gagnon@example.com".into()) },
    ];
    // Marie buys on account (500,00 $ of credit, 5 % off every sale); Jean pays as he goes.
    let accounts = vec![
        CustomerAccount { customer_id: "c-tremblay".into(), credit_limit: Money(50_000), automatic_discount_bp: 500 },
        CustomerAccount { customer_id: "c-gagnon".into(), credit_limit: Money::ZERO, automatic_discount_bp: 0 },
    ];
    let loyalty = LoyaltyProgram { points_threshold: 100, visit_threshold: 10 };
    Shop { outlets, registers, products, customers, opening_stock, accounts, loyalty, staff: demo_staff() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::barcode::is_valid_gtin;
    use std::collections::HashSet;

    #[test]
    fn demo_barcodes_are_valid_and_unique() {
        let shop = demo_shop();
        assert!(shop.products.len() >= 50);
        let codes: HashSet<_> = shop.products.iter().map(|p| p.barcode.clone().unwrap()).collect();
        assert_eq!(codes.len(), shop.products.len());
        assert!(codes.iter().all(|c| is_valid_gtin(c)));
        assert_eq!(shop.products.iter().filter(|p| p.tracks_serials).count(), 1);
    }
}
