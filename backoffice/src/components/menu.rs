//! The back office's menu, by section (Caisse, Catalogue, Stocks, Clients, Administration): every page
//! of the back office, one tap or one Tab away. Shown under the header the register shares.

use crate::i18n_menu::{menu_texts, MenuTexts};
use frontend::nav::Link;
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn Menu() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let t = move |f: fn(&MenuTexts) -> &'static str| move || f(menu_texts(ctx.lang.get()));
    view! {
        <nav class="menu" aria-label=t(|t| t.label) data-testid="menu">
            <section>
                <h2>{t(|t| t.till)}</h2>
                <Link href="/ventes">{t(|t| t.sales_history)}</Link>
                <Link href="/a-traiter">{t(|t| t.inbox)}</Link>
                <Link href="/rapport-z">{t(|t| t.z_report)}</Link>
            </section>
            <section>
                <h2>{t(|t| t.catalog)}</h2>
                <Link href="/produits">{t(|t| t.products)}</Link>
                <Link href="/import">{t(|t| t.import)}</Link>
            </section>
            <section>
                <h2>{t(|t| t.stock)}</h2>
                <Link href="/commandes">{t(|t| t.orders)}</Link>
                <Link href="/numeros-de-serie">{t(|t| t.serials)}</Link>
            </section>
            <section>
                <h2>{t(|t| t.customers)}</h2>
                <Link href="/clients">{t(|t| t.customers)}</Link>
            </section>
            <section>
                <h2>{t(|t| t.admin)}</h2>
                <Link href="/points-de-vente">{t(|t| t.outlets)}</Link>
                <Link href="/appareils">{t(|t| t.devices)}</Link>
                <Link href="/personnel">{t(|t| t.staff)}</Link>
                <Link href="/journal">{t(|t| t.audit)}</Link>
                <Link href="/boutiques">{t(|t| t.stores)}</Link>
            </section>
        </nav>
    }
}
