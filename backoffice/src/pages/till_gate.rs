//! What the till's manager pages (`/a-traiter`, `/rapport-z`) show anyone else: a refusal, with the way
//! to sign in. The server refuses them too (`Staff(Manager)`); this only says so plainly.

use crate::i18n_inbox::inbox_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn TillRefusal() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let t = move || inbox_texts(ctx.lang.get());
    view! {
        <section class="till-refusal" data-testid="refused" role="alert">
            <h1>{move || t().refused_title}</h1>
            <p>{move || t().refused}</p>
            <p><a class="button-link" href="/connexion">{move || t().sign_in}</a></p>
        </section>
    }
}
