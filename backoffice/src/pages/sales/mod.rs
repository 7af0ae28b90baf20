//! Caisse › Historique des ventes (issue 12, item 3): `/ventes` lists every sale, in store and online,
//! filtered (kept in the address, so a link reopens the same view) and paged by the server's cursor;
//! `/ventes/{id}` shows one sale whatever its age — lines, overrides, serials, taxes per rate, tenders,
//! notes, returns — and reprints its receipt, prepares a return at the register, adds a note or (an
//! online order still owed) a payment. Managers (their outlets) and admins; anyone else is refused.

pub mod details;
pub mod filters;
pub mod list;
pub mod notes;
pub mod payment;
pub mod return_picker;

use crate::i18n_history::history_texts;
use details::SaleDetailsPage;
use frontend::state::AppCtx;
use frontend::nav::Nav;
use leptos::prelude::*;
use list::SalesList;
use shared::auth::StaffMember;
use shared::sync::Setup;

/// Outlets, registers and staff by name (ids when the server did not say).
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub setup: Option<Setup>,
    pub staff: Vec<StaffMember>,
}

impl Names {
    pub fn outlet(&self, id: &str) -> String {
        self.setup.as_ref().and_then(|s| s.outlets.iter().find(|o| o.id == id)).map_or_else(|| id.to_string(), |o| o.name.clone())
    }
    /// The outlet as `/setup` gives it (its rates and tax registration numbers, for reprints).
    pub fn outlet_of(&self, id: &str) -> Option<shared::catalog::Outlet> {
        self.setup.as_ref().and_then(|s| s.outlets.iter().find(|o| o.id == id)).cloned()
    }
    pub fn time_zone(&self, outlet: &str) -> String {
        self.setup.as_ref().and_then(|s| s.outlets.iter().find(|o| o.id == outlet)).map(|o| o.time_zone.clone()).unwrap_or_default()
    }
    pub fn register(&self, id: &str) -> String {
        self.setup.as_ref().and_then(|s| s.registers.iter().find(|r| r.id == id)).map_or_else(|| id.to_string(), |r| r.name.clone())
    }
    pub fn staff(&self, id: &str) -> String {
        self.staff.iter().find(|s| s.id == id).map_or_else(|| id.to_string(), |s| s.name.clone())
    }
}

/// The sale a path names: `/ventes/{id}`.
fn sale_in(path: &str) -> Option<String> {
    let id = path.strip_prefix("/ventes/")?.trim_end_matches('/');
    (!id.is_empty()).then(|| js_sys::decode_uri_component(id).map(String::from).unwrap_or_else(|_| id.to_string()))
}

#[component]
pub fn SalesPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let names = RwSignal::new(Names::default());
    let setup = LocalResource::new(frontend::sync::api::setup);
    let staff = LocalResource::new(|| frontend::sync::http::get::<Vec<StaffMember>>("/api/v1/staff"));
    Effect::new(move |_| {
        let setup = setup.get().and_then(Result::ok);
        let staff = staff.get().and_then(Result::ok).unwrap_or_default();
        names.set(Names { setup, staff });
    });
    provide_context(names);
    let sale = Memo::new(move |_| sale_in(&nav.path.get()));
    view! {
        {move || {
            let t = history_texts(lang.get());
            if !ctx.auth.is_manager() {
                // The server refuses a cashier too; this says why before anything is asked.
                return view! {
                    <section class="sales-page">
                        <h1>{t.title}</h1>
                        <p class="notice bad" role="alert" data-testid="history-denied">{t.managers_only}</p>
                        <a class="button" href="/connexion">{t.sign_in}</a>
                    </section>
                }.into_any();
            }
            match sale.get() {
                Some(id) => view! { <SaleDetailsPage id=id/> }.into_any(),
                None => view! { <SalesList/> }.into_any(),
            }
        }}
    }
}
