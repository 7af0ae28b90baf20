//! The back office's shell: the same context, start-up and header as the register, and which page the
//! path shows. The server serves this app only at the back-office paths (`shared::apps`); its links to
//! the sell screen and to *Connexion* load the register's page.

use crate::components::menu::Menu;
use crate::pages::catalog::import::ImportPage;
use crate::pages::catalog::product_form::ProductFormPage;
use crate::pages::catalog::products::ProductsPage;
use crate::pages::admin::devices_page::DevicesPage;
use crate::pages::admin::journal_page::JournalPage;
use crate::pages::admin::outlets_page::OutletsPage;
use crate::pages::admin::staff_page::StaffPage;
use crate::pages::customers::CustomersPage;
use crate::pages::inbox::InboxPage;
use crate::pages::orders::OrdersPage;
use crate::pages::sales::SalesPage;
use crate::pages::serials::SerialsPage;
use crate::pages::stores::StoresPage;
use crate::pages::z_report::ZReportPage;
use frontend::components::device_banner::DeviceBanner;
use frontend::components::topbar::TopBar;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use leptos::prelude::*;
use shared::apps::WebApp;

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    ctx.set_lang(ctx.lang.get_untracked());
    ctx.boot();
    let nav = Nav::provide(WebApp::BackOffice);
    view! {
        <TopBar/>
        <DeviceBanner/>
        <Menu/>
        <main>
            {move || match nav.path.get().as_str() {
                // Until the device record is read, requests would go without its credential.
                _ if ctx.auth.enrolment.get().is_none() => view! { <p class="hint">"…"</p> }.into_any(),
                p if p.starts_with("/numeros-de-serie") => view! { <SerialsPage/> }.into_any(),
                p if p.starts_with("/clients") => view! { <CustomersPage/> }.into_any(),
                p if p.starts_with("/commandes") => view! { <OrdersPage/> }.into_any(),
                p if p.starts_with("/boutiques") => view! { <StoresPage/> }.into_any(),
                p if p.starts_with("/produits/nouveau") => view! { <ProductFormPage id=None/> }.into_any(),
                p if p.starts_with("/produits/") && p.len() > "/produits/".len() => {
                    let id = p["/produits/".len()..].trim_end_matches('/').to_string();
                    view! { <ProductFormPage id=Some(id)/> }.into_any()
                }
                p if p.starts_with("/produits") => view! { <ProductsPage/> }.into_any(),
                p if p.starts_with("/import") => view! { <ImportPage/> }.into_any(),
                p if p.starts_with("/a-traiter") => view! { <InboxPage/> }.into_any(),
                p if p.starts_with("/rapport-z") => view! { <ZReportPage/> }.into_any(),
                p if p.starts_with("/points-de-vente") => view! { <OutletsPage/> }.into_any(),
                p if p.starts_with("/appareils") => view! { <DevicesPage/> }.into_any(),
                p if p.starts_with("/personnel") => view! { <StaffPage/> }.into_any(),
                p if p.starts_with("/journal") => view! { <JournalPage/> }.into_any(),
                _ => view! { <SalesPage/> }.into_any(),
            }}
        </main>
    }
}
