//! The app's shared state (typed context) and its start-up: local data first, then the server.

use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::store::Db;
use crate::sync::{api, pusher};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::{Outlet, Product, Register};
use shared::tax::TaxRates;

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
    pub pending: RwSignal<u32>,
    pub rejected: RwSignal<u32>,
    pub wake_pusher: RwSignal<bool>,
    /// `Some(false)` when the browser refused persistent storage (it may then evict our data under pressure).
    pub persistent: RwSignal<Option<bool>>,
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
            rejected: RwSignal::new(0),
            wake_pusher: RwSignal::new(false),
            persistent: RwSignal::new(None),
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
                    return;
                }
            };
            self.db.set_value(Some(db.clone()));
            self.ask_persistent_storage();
            if let (Ok(Some(register)), Ok(Some(outlet))) =
                (db.get_meta::<Register>("register").await, db.get_meta::<Outlet>("outlet").await)
            {
                self.register.set(Some(register));
                self.outlet.set(Some(outlet));
            }
            let products = db.load_catalog().await.unwrap_or_default();
            if !products.is_empty() && self.register.get_untracked().is_some() {
                self.set_catalog(products);
                self.mark_ready();
            } else {
                self.boot.set(Boot::NeedCatalog);
            }
            pusher::refresh_counts(&self, &db).await;
            spawn_local(pusher::run(self, db.clone()));
            // Refresh from the server until it answers once.
            while let Err(e) = self.refresh_from_server(&db).await {
                leptos::logging::warn!("server refresh: {e}");
                gloo_timers::future::TimeoutFuture::new(2000).await;
            }
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
        let setup = api::setup().await.map_err(|e| e.to_string())?;
        // Register: `?register=ID` picks one; else keep ours; else the first (until enrolment arrives).
        let wanted = url_param("register");
        let current = self.register.get_untracked();
        let register = setup
            .registers
            .iter()
            .find(|r| Some(&r.id) == wanted.as_ref())
            .or_else(|| setup.registers.iter().find(|r| Some(&r.id) == current.as_ref().map(|c| &c.id)))
            .or(setup.registers.first())
            .cloned()
            .ok_or("the server has no register")?;
        let outlet = setup
            .outlets
            .iter()
            .find(|o| o.id == register.outlet_id)
            .cloned()
            .ok_or("the register's outlet is unknown")?;
        let server_next = setup.next_seq.get(&register.id).copied().unwrap_or(1);
        db.raise_next_seq(&register.id, server_next).await.map_err(|e| e.0)?;
        db.set_meta("register", &register).await.map_err(|e| e.0)?;
        db.set_meta("outlet", &outlet).await.map_err(|e| e.0)?;
        self.register.set(Some(register));
        self.outlet.set(Some(outlet));

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
        if self.boot.get_untracked() != Boot::Ready {
            self.mark_ready();
        }
        Ok(())
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

fn url_param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| js_sys::decode_uri_component(v).ok().map(String::from))
}
