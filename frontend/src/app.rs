//! The app shell: context, start-up, header, and which screen the path shows.

use crate::components::cashier_badge::CashierBadge;
use crate::components::device_banner::DeviceBanner;
use crate::components::status_bar::StatusBar;
use crate::i18n_auth::auth_texts;
use crate::nav::{Link, Nav};
use crate::pages::customers::CustomersPage;
use crate::pages::enrol::EnrolPage;
use crate::pages::orders::OrdersPage;
use crate::pages::register::RegisterPage;
use crate::pages::sales::SalesPage;
use crate::pages::serials::SerialsPage;
use crate::pages::sign_in::SignInPage;
use crate::pages::stores::StoresPage;
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    ctx.set_lang(ctx.lang.get_untracked());
    ctx.boot();
    let nav = Nav::provide();
    let t = move || ctx.lang.get().t();
    view! {
        <header class="topbar">
            <span class="brand">"Comptoir"</span>
            <nav>
                <Link href="/">{move || t().sell}</Link>
                <Link href="/ventes">{move || t().sales_history}</Link>
                <Link href="/numeros-de-serie">{move || crate::i18n_serials::serial_texts(ctx.lang.get()).title}</Link>
                <Link href="/clients">{move || crate::i18n_customers::customer_texts(ctx.lang.get()).nav}</Link>
                <Link href="/commandes">{move || crate::i18n_orders::order_texts(ctx.lang.get()).nav}</Link>
                <Link href="/reglages-lecteur">{move || crate::scanner::texts::scanner_texts(ctx.lang.get()).nav}</Link>
                <Link href="/boutiques">{move || crate::i18n_orders::store_texts(ctx.lang.get()).nav}</Link>
                <Link href="/connexion">
                    <span data-testid="nav-sign-in">{move || ctx.auth.session.with(|s| s.as_ref().map(|s| s.staff.name.clone()))
                        .unwrap_or_else(|| auth_texts(ctx.lang.get()).sign_in_title.to_string())}</span>
                </Link>
            </nav>
            <CashierBadge/>
            <StatusBar/>
        </header>
        <DeviceBanner/>
        <main>
            {move || match nav.path.get().as_str() {
                // Until the device record is read, requests would go without its credential.
                _ if ctx.auth.enrolment.get().is_none() => view! { <p class="hint">"…"</p> }.into_any(),
                "/ventes" => view! { <SalesPage/> }.into_any(),
                "/numeros-de-serie" => view! { <SerialsPage/> }.into_any(),
                "/clients" => view! { <CustomersPage/> }.into_any(),
                "/commandes" => view! { <OrdersPage/> }.into_any(),
                "/boutiques" => view! { <StoresPage/> }.into_any(),
                "/reglages-lecteur" => view! { <crate::pages::scanner_settings::ScannerSettingsPage/> }.into_any(),
                "/connexion" => view! { <SignInPage/> }.into_any(),
                // A device without a credential enrols before it sells.
                _ if ctx.auth.enrolment.get() == Some(None) => view! { <EnrolPage/> }.into_any(),
                _ => view! { <RegisterPage/> }.into_any(),
            }}
        </main>
    }
}
