//! The header's "who is selling": the cashier switched in (and whether their PIN was checked offline),
//! and *Changer de caissier*.

use crate::i18n_auth::tra;
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
                {tra(lang, |t| t.cashier)} " : " <strong data-testid="cashier-name">{c.name.clone()}</strong>
                {c.offline.then(|| view! { <span class="cashier-offline" data-testid="cashier-offline">" — " {tra(lang, |t| t.offline_switch_in)}</span> })}
            </span>
            <button class="lang" data-testid="switch-cashier" on:click=move |_| {
                auth.set_cashier(None);
                nav.go("/");
            }>{tra(lang, |t| t.switch_cashier)}</button>
        })}
    }
}
