//! The app's shared state (typed context) and its start-up: local data first, then the server.

use crate::auth::Auth;
use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::store::Db;
use crate::sync::{api, pusher};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::{Outlet, Product, Register};
use shared::sale::Sale;
use shared::account::sale_entries;
use shared::loyalty::LoyaltyBalance;
use shared::stock::{ReturnedOn, SerialRegistry, SoldOn};
use shared::sync::CustomerSummary;
use shared::tax::TaxRates;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Boot {
    /// Opening the local database.
    Starting,
    /// No catalog yet; waiting for the server.
    NeedCatalog,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct AppCtx {
    pub lang: RwSignal<Lang>,
    pub boot: RwSignal<Boot>,
    pub db: StoredValue<Option<Db>, LocalStorage>,
    pub catalog: StoredValue<Catalog>,
    /// Bumped whenever `catalog` is replaced, so views that read it re-render.
    pub catalog_size: RwSignal<usize>,
    pub register: RwSignal<Option<Register>>,
    pub outlet: RwSignal<Option<Outlet>>,
    pub online: RwSignal<bool>,
    /// Sales in the outbox (not yet acknowledged by the server).
    pub pending: RwSignal<u32>,
    /// Sales the server holds for review (it has them; a manager decides).
    pub held: RwSignal<u32>,
    /// Sales the server refused as not a sale (kept here, exportable).
    pub refused: RwSignal<u32>,
    /// Operations (payments, serials, stock adjustments, customers) not yet acknowledged by the server.
    pub pending_ops: RwSignal<Vec<shared::sync::Operation>>,
    /// Operations the server holds for review, with the reason.
    pub held_ops: RwSignal<Vec<sync_client::HeldOpLocally>>,
    pub wake_pusher: RwSignal<bool>,
    /// Stock level per product at this register's outlet: the server's ledger, less the sales still in
    /// the outbox, less each sale as it completes (so low-stock keys count down live, offline too).
    pub stock: RwSignal<HashMap<String, i64>>,
    /// Serial numbers on file, checked at Payer (a copy from the server, updated by our own sales).
    pub serials: StoredValue<SerialRegistry>,
    /// Customers with their account, loyalty and history, for attaching to a sale offline.
    pub customers: RwSignal<Vec<CustomerSummary>>,
    /// `Some(false)` when the browser refused persistent storage (it may then evict our data under pressure).
    pub persistent: RwSignal<Option<bool>>,
    /// Who this browser is: enrolment, cashier, signed-in staff.
    pub auth: Auth,
    /// Whether the pusher and the server refresh run (they start once the device is enrolled).
    syncing: StoredValue<bool>,
    refreshing: StoredValue<bool>,
}

const LANG_KEY: &str = "comptoir.lang";

impl AppCtx {
    pub fn new() -> AppCtx {
        AppCtx {
            lang: RwSignal::new(stored_lang()),
            boot: RwSignal::new(Boot::Starting),
            db: StoredValue::new_local(None),
            catalog: StoredValue::new(Catalog::default()),
            catalog_size: RwSignal::new(0),
            register: RwSignal::new(None),
            outlet: RwSignal::new(None),
            online: RwSignal::new(true),
            pending: RwSignal::new(0),
            held: RwSignal::new(0),
            refused: RwSignal::new(0),
            pending_ops: RwSignal::new(Vec::new()),
            held_ops: RwSignal::new(Vec::new()),
            wake_pusher: RwSignal::new(false),
            persistent: RwSignal::new(None),
            stock: RwSignal::new(HashMap::new()),
            serials: StoredValue::new(SerialRegistry::new()),
            customers: RwSignal::new(Vec::new()),
            auth: Auth::new(),
            syncing: StoredValue::new(false),
            refreshing: StoredValue::new(false),
        }
    }

    pub fn rates(&self) -> TaxRates {
        self.outlet.with(|o| o.as_ref().map(|o| o.tax_rates).unwrap_or_default())
    }

    /// Switches FR/EN and remembers the choice in this browser.
    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(LANG_KEY, lang.code());
        }
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", &format!("{}-CA", lang.code()));
        }
    }

    fn set_catalog(&self, products: Vec<Product>) {
        let n = products.len();
        self.catalog.set_value(Catalog::new(products));
        self.catalog_size.set(n);
    }

    /// Opens local data, starts selling if a catalog is there, then refreshes from the server.
    pub fn boot(self) {
        spawn_local(async move {
            let db = match Db::open("comptoir").await {
                Ok(db) => db,
                Err(e) => {
                    self.boot.set(Boot::Failed(e.0));
                    // Show the screens (they say what failed) rather than wait for a record never read.
                    self.auth.set_enrolment(None);
                    return;
                }
            };
            self.db.set_value(Some(db.clone()));
            self.ask_persistent_storage();
            let enrolled = db.enrolment().await.unwrap_or_default();
            self.auth.set_enrolment(enrolled.clone());
            self.auth.load_staff(&db).await;
            // Sell for the register the device is enrolled to (a register kept from before enrolment is not it).
            if let (Ok(Some(register)), Ok(Some(outlet)), Some(e)) =
                (db.get_meta::<Register>("register").await, db.get_meta::<Outlet>("outlet").await, &enrolled)
            {
                if register.id == e.register_id {
                    self.register.set(Some(register));
                    self.outlet.set(Some(outlet));
                }
            }
            if let Ok(Some(stock)) = db.get_cache::<HashMap<String, i64>>("stock").await {
                self.stock.set(stock);
            }
            if let Ok(Some(serials)) = db.get_cache::<SerialRegistry>("serials").await {
                self.serials.set_value(serials);
            }
            if let Ok(Some(customers)) = db.get_cache::<Vec<CustomerSummary>>("customers").await {
                self.customers.set(customers);
            }
            let products = db.load_catalog().await.unwrap_or_default();
            // A device sells only once enrolled and given its number (printed in receipts).
            let known = db.local_device().await.ok().and_then(|d| d.known()).is_some() && enrolled.is_some();
            if !products.is_empty() && self.register.get_untracked().is_some() && known {
                self.set_catalog(products);
                self.mark_ready();
            } else {
                self.boot.set(Boot::NeedCatalog);
            }
            pusher::refresh_counts(&self, &db).await;
            let auth = self.auth;
            spawn_local(async move { auth.check_session().await });
            if enrolled.is_some() {
                self.start_sync(db);
            } else if self.auth.session.get_untracked().is_some() {
                self.start_refresh(db);
            }
        });
    }

    /// Starts the pusher (once) and refreshes from the server until it answers once: at start for an
    /// enrolled device, right after an enrolment otherwise.
    pub fn start_sync(self, db: Db) {
        if !self.syncing.get_value() {
            self.syncing.set_value(true);
            spawn_local(pusher::run(self, db.clone()));
        }
        self.start_refresh(db);
    }

    /// Refreshes setup, catalog and the cached copies until the server answers once (one loop at a time).
    pub fn start_refresh(self, db: Db) {
        if self.refreshing.get_value() {
            return;
        }
        self.refreshing.set_value(true);
        spawn_local(async move {
            while let Err(e) = self.refresh_from_server(&db).await {
                leptos::logging::warn!("server refresh: {e}");
                // A device the server refuses waits longer: the banner says so, the server is not hammered.
                let wait = if self.auth.device_refused.get_untracked().is_some() { 30_000 } else { 2000 };
                gloo_timers::future::TimeoutFuture::new(wait).await;
            }
            self.refreshing.set_value(false);
        });
    }

    /// Asks the browser not to evict our data (unsent sales live there) and remembers its answer.
    fn ask_persistent_storage(&self) {
        let persistent = self.persistent;
        let Ok(promise) = window().navigator().storage().persist() else { return };
        spawn_local(async move {
            let granted = wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_bool());
            persistent.set(Some(granted.unwrap_or(false)));
        });
    }

    fn mark_ready(&self) {
        self.boot.set(Boot::Ready);
        // Benchmarks and tests read this: the moment the register can take a scan.
        let _ = js_sys::Reflect::set(
            &window(),
            &"__comptoirReadyMs".into(),
            &window().performance().map(|p| p.now()).unwrap_or(0.0).into(),
        );
    }

    async fn refresh_from_server(&self, db: &Db) -> Result<(), String> {
        let enrolled = self.auth.enrolled();
        if enrolled.is_some() {
            // Introduce the device first: a device that has a catalog has a number.
            sync_client::ensure_known(db, &api::HttpTransport).await.map_err(|e| e.to_string())?;
            // Who may switch in, first: a freshly enrolled register asks for a PIN before anything else.
            if let Err(e) = self.auth.refresh_staff(db).await {
                leptos::logging::warn!("staff refresh: {e}");
            }
        }
        let setup = api::setup().await.map_err(|e| e.to_string())?;
        // A browser signed in but not enrolled (a manager at home) needs the catalog for the back office.
        if let Some(enrolled) = enrolled {
            self.set_register(db, &setup, &enrolled).await?;
        }
        self.refresh_catalog(db, &setup).await?;
        if self.boot.get_untracked() != Boot::Ready && self.register.get_untracked().is_some() {
            self.mark_ready();
        }
        self.refresh_cached(db).await;
        Ok(())
    }

    /// The register the device is enrolled to (a manager enrols it again to change it), and its outlet.
    async fn set_register(&self, db: &Db, setup: &shared::sync::Setup, enrolled: &crate::store::Enrolled) -> Result<(), String> {
        let register = setup
            .registers
            .iter()
            .find(|r| r.id == enrolled.register_id)
            .cloned()
            .ok_or("the device's register is unknown to the server")?;
        let outlet = setup
            .outlets
            .iter()
            .find(|o| o.id == register.outlet_id)
            .cloned()
            .ok_or("the register's outlet is unknown")?;
        db.set_meta("register", &register).await.map_err(|e| e.0)?;
        db.set_meta("outlet", &outlet).await.map_err(|e| e.0)?;
        self.register.set(Some(register));
        self.outlet.set(Some(outlet));
        Ok(())
    }

    async fn refresh_catalog(&self, db: &Db, setup: &shared::sync::Setup) -> Result<(), String> {
        let stored_version: Option<i64> = db.get_meta("catalog_version").await.map_err(|e| e.0)?;
        if stored_version != Some(setup.catalog_version) || self.catalog_size.get_untracked() == 0 {
            let mut pages = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = api::catalog_page(after.as_deref()).await.map_err(|e| e.to_string())?;
                after = page.next_after.clone();
                pages.push(page.products);
                if after.is_none() {
                    break;
                }
            }
            db.replace_catalog(&pages, setup.catalog_version).await.map_err(|e| e.0)?;
            self.set_catalog(pages.into_iter().flatten().collect());
        }
        Ok(())
    }

    /// Stock, serials and customers: copies for offline use, refreshed when the server answers.
    pub(crate) async fn refresh_cached(&self, db: &Db) {
        // Stock and serials help the cashier but never block selling: failures are only logged.
        if let Err(e) = self.refresh_stock(db).await {
            leptos::logging::warn!("stock refresh: {e}");
        }
        match api::serials().await {
            Ok(mut serials) => {
                for op in db.pending_op_list(u32::MAX).await.unwrap_or_default() {
                    if let shared::sync::OpBody::SerialRegistration { product_id, outlet_id, serials: list } = &op.body {
                        let _ = serials.register_list(product_id, outlet_id, list);
                    }
                }
                let _ = db.set_cache("serials", &serials).await;
                self.serials.set_value(serials);
            }
            Err(e) => leptos::logging::warn!("serials refresh: {e}"),
        }
        match api::customer_summaries().await {
            Ok(mut customers) => {
                // Customers created and payments taken here that the server has not applied yet stay visible.
                for op in db.pending_op_list(u32::MAX).await.unwrap_or_default() {
                    crate::ops::apply_customer(&mut customers, &op);
                }
                let _ = db.set_cache("customers", &customers).await;
                self.customers.set(customers);
            }
            Err(e) => leptos::logging::warn!("customers refresh: {e}"),
        }
    }

    /// Server levels for our outlet, less what our unsent sales took, with our unsent stock adjustments,
    /// in the order they were made (a count sets the level the sales after it start from).
    pub async fn refresh_stock(&self, db: &Db) -> Result<(), String> {
        let Some(outlet) = self.outlet.get_untracked() else { return Ok(()) };
        let mut levels = api::stock(&outlet.id).await.map_err(|e| e.to_string())?;
        let sales = db.pending_sales(10_000).await.map_err(|e| e.0)?;
        let ops = db.pending_op_list(10_000).await.map_err(|e| e.0)?;
        let mut events: Vec<(i64, Result<&Sale, &shared::sync::Operation>)> =
            sales.iter().map(|s| (s.created_at_ms, Ok(s))).chain(ops.iter().map(|o| (o.made_at_ms, Err(o)))).collect();
        events.sort_by_key(|(at, e)| (*at, e.is_ok()));
        for (_, e) in events {
            match e {
                Ok(sale) => subtract(&mut levels, sale),
                Err(op) => crate::ops::apply_stock(&mut levels, op),
            }
        }
        let _ = db.set_cache("stock", &levels).await;
        self.stock.set(levels);
        Ok(())
    }

    /// What a completed sale changes locally before the server hears of it: stock and serials.
    pub async fn apply_sale(&self, db: &Db, sale: &Sale) {
        self.stock.update(|levels| subtract(levels, sale));
        let sold_on = SoldOn { sale_id: sale.id.clone(), at_ms: sale.created_at_ms };
        let catalog = self.catalog;
        self.serials.update_value(|registry| {
            // Units coming back: in stock again, from the sale they were sold in.
            for line in sale.lines.iter().filter(|l| l.qty < 0) {
                let Some(product) = catalog.with_value(|c| c.get(&line.product_id).cloned()) else { continue };
                for serial in &line.serials {
                    let Some(original) = registry.get(&line.product_id, serial).and_then(|s| s.sold_on.clone()) else { continue };
                    let returned_on = ReturnedOn {
                        return_sale_id: sale.id.clone(),
                        original_sale_id: original.sale_id,
                        at_ms: sale.created_at_ms,
                    };
                    let _ = registry.record_return(&product, &sale.outlet_id, Some(serial), returned_on);
                }
            }
            for line in sale.lines.iter().filter(|l| l.qty > 0) {
                for serial in &line.serials {
                    // Not on file means the cashier chose "add as a new serial".
                    if registry.get(&line.product_id, serial).is_some() {
                        let _ = registry.record_sale(&line.product_id, &sale.outlet_id, serial, sold_on.clone());
                    } else {
                        let _ = registry.add_and_sell(&line.product_id, &sale.outlet_id, serial, sold_on.clone());
                    }
                }
            }
        });
        if let Some(customer_id) = &sale.customer_id {
            self.customers.update(|list| {
                if let Some(c) = list.iter_mut().find(|c| &c.customer.id == customer_id) {
                    apply_to_customer(c, sale);
                }
            });
            let _ = db.set_cache("customers", &self.customers.get_untracked()).await;
        }
        let _ = db.set_cache("stock", &self.stock.get_untracked()).await;
        if sale.lines.iter().any(|l| !l.serials.is_empty()) {
            let _ = db.set_cache("serials", &self.serials.get_value()).await;
        }
    }
}

impl Default for AppCtx {
    fn default() -> Self {
        Self::new()
    }
}

fn stored_lang() -> Lang {
    window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .map(|c| Lang::from_code(&c))
        .unwrap_or_default()
}

fn subtract(levels: &mut HashMap<String, i64>, sale: &Sale) {
    for line in &sale.lines {
        *levels.entry(line.product_id.clone()).or_insert(0) -= line.qty;
    }
}

/// A customer's figures after one of our sales, by the shared rules, until the server's copy arrives.
fn apply_to_customer(c: &mut CustomerSummary, sale: &Sale) {
    if let Ok(entries) = sale_entries(sale) {
        for e in entries {
            c.balance = c.balance.checked_add(e.amount).unwrap_or(c.balance);
        }
    }
    c.available = c.account.available(c.balance);
    c.loyalty = LoyaltyBalance::after(c.loyalty, sale);
    c.rewards_due = c.program.rewards_due(&c.loyalty);
    c.history.insert(0, sale.clone());
    c.history.truncate(20);
}
