//! The app shell: context, start-up, navigation, routes.

use crate::components::status_bar::StatusBar;
use crate::pages::register::RegisterPage;
use crate::pages::sales::SalesPage;
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    ctx.set_lang(ctx.lang.get_untracked());
    ctx.boot();
    let t = move || ctx.lang.get().t();
    view! {
        <Router>
            <header class="topbar">
                <span class="brand">"Comptoir"</span>
                <nav>
                    <A href="/">{move || t().sell}</A>
                    <A href="/ventes">{move || t().sales_history}</A>
                </nav>
                <StatusBar/>
            </header>
            <main>
                <Routes fallback=|| view! { <p>"404"</p> }>
                    <Route path=path!("/") view=RegisterPage/>
                    <Route path=path!("/ventes") view=SalesPage/>
                </Routes>
            </main>
        </Router>
    }
}
