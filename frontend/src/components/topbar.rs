//! The header both apps show: the links to every page (each app navigates in place to its own pages and
//! loads the other app's), who is signed in, the cashier and the sync status.

use crate::components::cashier_badge::CashierBadge;
use crate::components::status_bar::StatusBar;
use crate::i18n_auth::auth_texts;
use crate::i18n_nav::nav_texts;
use crate::nav::Link;
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn TopBar() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let t = move || nav_texts(ctx.lang.get());
    view! {
        <header class="topbar">
            <span class="brand">"Comptoir"</span>
            <nav>
                <Link href="/">{move || t().sell}</Link>
                <Link href="/ventes">{move || t().sales_history}</Link>
                <Link href="/numeros-de-serie">{move || t().serials}</Link>
                <Link href="/clients">{move || t().customers}</Link>
                <Link href="/commandes">{move || t().orders}</Link>
                <Link href="/boutiques">{move || t().stores}</Link>
                <Link href="/reglages-lecteur">{move || crate::scanner::texts::scanner_texts(ctx.lang.get()).nav}</Link>
                <Link href="/connexion">
                    <span data-testid="nav-sign-in">{move || ctx.auth.session.with(|s| s.as_ref().map(|s| s.staff.name.clone()))
                        .unwrap_or_else(|| auth_texts(ctx.lang.get()).sign_in_title.to_string())}</span>
                </Link>
            </nav>
            <CashierBadge/>
            <StatusBar/>
        </header>
    }
}
