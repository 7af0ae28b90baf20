//! The refusal page administration shows a cashier, or a browser nobody signed in to: what is needed,
//! and the way to `/connexion`.

use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn Denied() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    view! {
        <section class="admin-denied" data-testid="admin-denied" role="alert">
            <p class="notice bad">{move || admin_texts(lang.get()).managers_only}</p>
            // The sign-in page is the register's: a plain link loads it.
            <a class="button" href="/connexion">{move || frontend::i18n_auth::auth_texts(lang.get()).sign_in}</a>
        </section>
    }
}
