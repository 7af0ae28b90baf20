//! The app's shared state (typed context) and its start-up: local data first, then the server.

use crate::auth::Auth;
use crate::catalog::Catalog;
use crate::i18n::Lang;
use crate::pulled::Touched;
use crate::store::{worth_compacting, Db};
use crate::sync::{events, puller, pusher};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::{Outlet, Register};
use shared::stock::SerialRegistry;
use shared::sync::changes::{RecentSale, Replica};
use shared::sync::CustomerSummary;
use shared::tax::TaxRates;
use std::collections::HashMap;
use crate::pulled::Agreement;
use sync_client::PullProgress;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Boot {
    /// Opening the local database.
    Starting,
    /// No catalog yet: downloading it from the server (`AppCtx::progress`).
    NeedCatalog,
    Ready,
    Failed(String),
}

#[derive(Clone, Copy)]
pub struct AppCtx {
    pub lang: RwSignal<Lang>,
    pub boot: RwSignal<Boot>,
    pub db: StoredValue<Option<Db>, LocalStorage>,
    /// The products pulled, indexed by code.
    pub catalog: StoredValue<Catalog>,
    /// Set whenever `catalog` changes, so views that read it re-render.
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
    /// Everything else pulled from the server's change log (products are in `catalog`), at its cursor.
    pub pulled: StoredValue<Replica>,
    /// Stock level per product at this register's outlet: the pulled levels, less the sales still in
    /// the outbox, less each sale as it completes (so low-stock keys count down live, offline too).
    pub stock: RwSignal<HashMap<String, i64>>,
    /// Serial numbers on file, checked at Payer (pulled, with our unsent sales' effects).
    pub serials: StoredValue<SerialRegistry>,
    /// Customers with their account, loyalty and history, for attaching to a sale offline.
    pub customers: RwSignal<Vec<CustomerSummary>>,
    /// The newest sales the server has stored (in our scope), newest first: the sales page.
    pub recent_sales: RwSignal<Vec<RecentSale>>,
    /// While a register without a catalog downloads it: how far it is.
    pub progress: RwSignal<Option<PullProgress>>,
    /// Once caught up: whether our stock levels agree with the server's at our cursor.
    pub agreement: RwSignal<Option<Agreement>>,
    /// The live stream of change notifications is open.
    pub live: RwSignal<bool>,
    /// Set to pull now (a notification, our own push).
    pub wake_puller: RwSignal<bool>,
    /// The newest version the live stream announced: pages that read the server directly (the orders
    /// page) read it again when it moves.
    pub announced: RwSignal<u64>,
    /// How the last pull ended (`None` before the first): the orders page takes the pulled parts then.
    pub pulls: RwSignal<Option<puller::PullDone>>,
    /// Views to recompute after the next successful pull: items of ours left the outbox (the server
    /// acknowledged them), and the pull brings the state that carries them.
    pub left_outbox: StoredValue<Touched>,
    /// `Some(false)` when the browser refused persistent storage (it may then evict our data under pressure).
    pub persistent: RwSignal<Option<bool>>,
    /// Who this browser is: enrolment, cashier, signed-in staff.
    pub auth: Auth,
    /// Whether the pusher (once the device is enrolled) and the puller run.
    syncing: StoredValue<bool>,
    pulling: StoredValue<bool>,
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
            pulled: StoredValue::new(Replica::default()),
            stock: RwSignal::new(HashMap::new()),
            serials: StoredValue::new(SerialRegistry::new()),
            customers: RwSignal::new(Vec::new()),
            recent_sales: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            agreement: RwSignal::new(None),
            live: RwSignal::new(false),
            wake_puller: RwSignal::new(false),
            announced: RwSignal::new(0),
            pulls: RwSignal::new(None),
            left_outbox: StoredValue::new(Touched::default()),
            auth: Auth::new(),
            syncing: StoredValue::new(false),
            pulling: StoredValue::new(false),
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

    /// Opens local data, starts selling if a catalog is there, then pulls from the server.
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
            match db.load_pulled().await {
                Ok(loaded) => {
                    let entities = loaded.replica.products.len() + loaded.replica.stock.len() + loaded.replica.serials.len()
                        + loaded.replica.customers.len() + loaded.replica.sales.len();
                    self.install(loaded.replica);
                    if worth_compacting(loaded.pages, entities) {
                        if let Err(e) = db.compact_pulled().await {
                            leptos::logging::warn!("compacting pulled pages: {e}");
                        }
                    }
                }
                Err(e) => {
                    // Unreadable pulled data is only a copy: pull it again.
                    leptos::logging::warn!("pulled data: {e}");
                    let _ = db.forget_pulled_for("").await;
                }
            }
            self.refresh_views(&db, Touched::ALL).await;
            if !self.ready_if_can(&db).await {
                self.boot.set(Boot::NeedCatalog);
            }
            pusher::refresh_counts(&self, &db).await;
            let auth = self.auth;
            spawn_local(async move { auth.check_session().await });
            if enrolled.is_some() {
                self.start_sync(db);
            } else if self.auth.session.get_untracked().is_some() {
                self.start_pull(db);
            }
        });
    }

    /// Starts the pusher and the puller (once each): at start for an enrolled device, right after an
    /// enrolment otherwise.
    pub fn start_sync(self, db: Db) {
        if !self.syncing.get_value() {
            self.syncing.set_value(true);
            spawn_local(pusher::run(self, db.clone()));
        }
        self.start_pull(db);
    }

    /// Starts pulling the server's changes and listening for new ones (once; a signed-in manager's
    /// browser that is not a register pulls too, for the back office).
    pub fn start_pull(self, db: Db) {
        if self.pulling.get_value() {
            self.wake_puller.set(true);
            return;
        }
        self.pulling.set_value(true);
        spawn_local(puller::run(self, db));
        spawn_local(events::run(self));
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

    /// Ready to sell once there is a catalog, the register is known and the server has numbered the
    /// device (its number is in receipts). `true` when ready.
    pub async fn ready_if_can(&self, db: &Db) -> bool {
        if self.boot.get_untracked() == Boot::Ready {
            return true;
        }
        let known = db.local_device().await.ok().and_then(|d| d.known()).is_some() && self.auth.enrolled().is_some();
        if self.catalog.with_value(Catalog::is_empty) || self.register.get_untracked().is_none() || !known {
            return false;
        }
        self.boot.set(Boot::Ready);
        // Benchmarks and tests read this: the moment the register can take a scan.
        let _ = js_sys::Reflect::set(
            &window(),
            &"__comptoirReadyMs".into(),
            &window().performance().map(|p| p.now()).unwrap_or(0.0).into(),
        );
        true
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
