//! *Nouveau code d'inscription*: a one-time code for a register of the caller's outlets, shown once
//! with its expiry, to type on the device to enrol.

use super::{failure_text, notice_view};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::i18n::date_time;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::EnrolmentCode;
use shared::catalog::Register;

#[component]
pub fn CodeForm(registers: Vec<Register>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let register = RwSignal::new(registers.first().map(|r| r.id.clone()).unwrap_or_default());
    let code = RwSignal::new(None::<EnrolmentCode>);
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        notice.set(None);
        spawn_local(async move {
            let answer = admin_api::enrolment_code(&register.get_untracked()).await;
            busy.set(false);
            match answer {
                Ok(c) => code.set(Some(c)),
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    view! {
        <form class="admin-form code-form" data-testid="code-form" on:submit=submit>
            <label>{move || t().register} " "
                <select data-testid="code-register" on:change=move |ev| register.set(event_target_value(&ev))>
                    {registers.into_iter().map(|r| {
                        let id = r.id.clone();
                        view! { <option value=r.id.clone() selected=move || register.get() == id>{r.name} " (" {r.code} ")"</option> }
                    }).collect_view()}
                </select>
            </label>
            " "
            <button type="submit" class="primary" data-testid="new-code" disabled=move || busy.get()>{move || t().new_code}</button>
            {move || code.get().map(|c| view! {
                <p class="code-shown" role="status">
                    {t().code} " : " <strong data-testid="enrolment-code">{c.code}</strong>
                    " — " {t().expires} " " <span data-testid="enrolment-code-expiry">{date_time(lang.get(), c.expires_at_ms)}</span>
                    <br/><span class="hint">{t().code_help}</span>
                </p>
            })}
            {notice_view(notice, "code-notice")}
        </form>
    }
}
