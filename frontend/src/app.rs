//! The register app's shell: context, start-up, header, and which of its screens the path shows. The
//! back-office pages are another app (`backoffice/`): the server never serves this one at their paths.

use crate::components::device_banner::DeviceBanner;
use crate::components::topbar::TopBar;
use crate::nav::Nav;
use crate::pages::enrol::EnrolPage;
use crate::pages::register::RegisterPage;
use crate::pages::sign_in::SignInPage;
use crate::state::AppCtx;
use leptos::prelude::*;
use shared::apps::WebApp;

#[component]
pub fn App() -> impl IntoView {
    let ctx = AppCtx::new();
    provide_context(ctx);
    ctx.set_lang(ctx.lang.get_untracked());
    ctx.boot();
    let nav = Nav::provide(WebApp::Register);
    view! {
        <TopBar/>
        <DeviceBanner/>
        <main>
            {move || match nav.path.get().as_str() {
                // Until the device record is read, requests would go without its credential.
                _ if ctx.auth.enrolment.get().is_none() => view! { <p class="hint">"…"</p> }.into_any(),
                "/reglages-lecteur" => view! { <crate::pages::scanner_settings::ScannerSettingsPage/> }.into_any(),
                "/connexion" => view! { <SignInPage/> }.into_any(),
                // A device without a credential enrols before it sells.
                _ if ctx.auth.enrolment.get() == Some(None) => view! { <EnrolPage/> }.into_any(),
                _ => view! { <RegisterPage/> }.into_any(),
            }}
        </main>
    }
}
