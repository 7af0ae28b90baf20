//! The banner a device the server no longer accepts shows until it is accepted again: its unsent sales
//! stay on it, listed and exportable from the header (nothing is deleted). *Enrôler de nouveau* takes a
//! new code from a manager: the device keeps its id, number and queue, which then goes out.

use crate::i18n_auth::{refused_banner, tra};
use crate::nav::Nav;
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn DeviceBanner() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let nav = expect_context::<Nav>();
    let enrol_again = move |_| {
        let Some(db) = ctx.db.get_value() else { return };
        spawn_local(async move {
            if db.forget_enrolment().await.is_ok() {
                ctx.auth.set_cashier(None);
                ctx.auth.set_enrolment(None);
                nav.go("/");
            }
        });
    };
    view! {
        {move || ctx.auth.device_refused.get().map(|code| {
            let attr = code.clone();
            view! {
            <div class="banner" role="alert" data-testid="device-refused" data-code=attr>
                <span>{move || refused_banner(lang.get(), &code).to_string()}</span>
                <Show when=move || ctx.auth.enrolment.with(|e| matches!(e, Some(Some(_))))>
                    <button class="secondary" data-testid="enrol-again" on:click=enrol_again>{tra(lang, |t| t.enrol_again)}</button>
                </Show>
            </div>
        }})}
    }
}
