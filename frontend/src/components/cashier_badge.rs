//! The header's "who is selling": the cashier switched in (and whether their PIN was checked offline),
//! and *Changer de caissier*.

use crate::i18n_auth::auth_texts;
use crate::nav::Nav;
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn CashierBadge() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let auth = ctx.auth;
    view! {
        {move || auth.cashier.get().map(|c| view! {
            <span class="cashier" data-testid="cashier">
                {move || auth_texts(lang.get()).cashier} " : " <strong data-testid="cashier-name">{c.name.clone()}</strong>
                {c.offline.then(|| view! { <span class="cashier-offline" data-testid="cashier-offline">" — " {move || auth_texts(lang.get()).offline_switch_in}</span> })}
            </span>
            <button class="lang" data-testid="switch-cashier" on:click=move |_| {
                auth.set_cashier(None);
                nav.go("/");
            }>{move || auth_texts(lang.get()).switch_cashier}</button>
        })}
    }
}
