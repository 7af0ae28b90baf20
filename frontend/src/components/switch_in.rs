//! Cashier switch-in: who is at the register (big name buttons), then their PIN on the pad. Checked by
//! the server when it answers, else on this device against the verifier the server sent (offline).
//! Nothing can be sold until someone is switched in.

use crate::auth::{check_pin, PinOutcome};
use crate::components::pin_pad::PinPad;
use crate::components::staff_buttons::StaffButtons;
use crate::i18n_auth::{auth_texts, tra};
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::{check_pin_format, OfflineStaff};

#[component]
pub fn SwitchIn() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let auth = ctx.auth;
    let chosen = RwSignal::new(None::<OfflineStaff>);
    let busy = RwSignal::new(false);
    // (text, is an error)
    let message = RwSignal::new(None::<(String, bool)>);
    let submit = move |pin: String| {
        let (Some(staff), Some(db)) = (chosen.get_untracked(), ctx.db.get_value()) else { return };
        if busy.get_untracked() {
            return;
        }
        let l = lang.get_untracked();
        if check_pin_format(&pin).is_err() {
            message.set(Some((auth_texts(l).pin_format.to_string(), true)));
            return;
        }
        busy.set(true);
        message.set(Some((auth_texts(l).checking.to_string(), false)));
        spawn_local(async move {
            let outcome = check_pin(&db, &staff, &pin).await;
            let l = lang.get_untracked();
            let text = match outcome {
                PinOutcome::In(cashier) => {
                    auth.set_cashier(Some(cashier));
                    None
                }
                refused => refused.refusal(l),
            };
            message.set(text.map(|m| (m, true)));
            // Keys pressed while PBKDF2 held the thread are handled now, while still busy: dropped.
            gloo_timers::future::TimeoutFuture::new(0).await;
            busy.set(false);
        });
    };
    view! {
        <div class="overlay">
            <div class="dialog switch-in" role="dialog" aria-modal="true" data-testid="switch-in"
                on:keydown=move |e| if e.key() == "Escape" && !busy.get_untracked() { message.set(None); chosen.set(None); }>
                {move || match chosen.get() {
                    None => view! {
                        <h2>{tra(lang, |t| t.who)}</h2>
                        <Show when=move || auth.staff.with(|s| !s.is_empty())
                            fallback=move || view! { <p class="notice info" data-testid="no-staff">{tra(lang, |t| t.no_staff)}</p> }>
                            {move || view! {
                                <StaffButtons staff=auth.staff.get() kind="staff"
                                    on_pick=move |s| { message.set(None); chosen.set(Some(s)); }/>
                            }}
                        </Show>
                    }.into_any(),
                    Some(staff) => view! {
                        <h2>{tra(lang, |t| t.pin_for)} " " <span data-testid="pin-name">{staff.name.clone()}</span></h2>
                        <PinPad busy=busy.into() on_submit=submit/>
                        <button class="secondary wide" data-testid="pin-back" disabled=move || busy.get()
                            on:click=move |_| { message.set(None); chosen.set(None); }>{tra(lang, |t| t.back)}</button>
                    }.into_any(),
                }}
                {move || message.get().map(|(m, err)| view! {
                    <p class=if err { "notice error" } else { "notice info" } role="alert" aria-live="polite" data-testid="pin-message">{m}</p>
                })}
            </div>
        </div>
    }
}
