//! What a page for managers shows anyone else (a cashier at a register, nobody signed in): a refusal
//! and the way to sign in. The server refuses them too; this only spares them a page of errors.

use crate::i18n_catalog::catalog_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn ManagersOnly(children: ChildrenFn) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    move || {
        if ctx.auth.is_manager() {
            children().into_any()
        } else {
            let t = catalog_texts(ctx.lang.get());
            view! {
                <section class="managers-only" data-testid="managers-only" role="alert">
                    <p class="notice error">{t.managers_only}</p>
                    // The register's page: a full-page link (the other app).
                    <a class="button" href="/connexion">{t.sign_in}</a>
                </section>
            }
            .into_any()
        }
    }
}
