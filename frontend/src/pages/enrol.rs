//! *Enrôler cet appareil*: what the sell screen shows on a device that has no credential. A manager's
//! one-time code enrols it to a register; the device then sells for that register.

use crate::i18n_auth::{auth_texts, tra};
use crate::state::AppCtx;
use crate::store::Enrolled;
use crate::sync::auth_api;
use crate::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::EnrolRequest;

#[component]
pub fn EnrolPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move || {
        // One enrolment per press: the code is single-use.
        if busy.get_untracked() || code.with_untracked(|c| c.trim().is_empty()) {
            return;
        }
        let Some(db) = ctx.db.get_value() else { return };
        busy.set(true);
        error.set(None);
        let typed = code.get_untracked().trim().to_string();
        spawn_local(async move {
            let result = async {
                let device = db.local_device().await.map_err(|e| e.0)?;
                let answer = auth_api::enrol(&EnrolRequest { device_id: device.id, code: typed }).await.map_err(|f| {
                    let l = lang.get_untracked();
                    match f {
                        ApiFailure::Unreachable(_) => auth_texts(l).enrol_offline.to_string(),
                        ApiFailure::Refused { error, .. } if error.error == "bad_code" => auth_texts(l).enrol_bad_code.to_string(),
                        ApiFailure::Refused { error, .. } => error.message,
                    }
                })?;
                let enrolled = Enrolled { credential: answer.credential, register_id: answer.register_id, outlet_id: answer.outlet_id };
                db.save_enrolment(answer.device.number, &enrolled).await.map_err(|e| e.0)?;
                Ok::<_, String>(enrolled)
            }
            .await;
            busy.set(false);
            match result {
                Ok(enrolled) => {
                    // A new enrolment starts with nobody switched in (the outlet may be another).
                    ctx.auth.set_cashier(None);
                    ctx.auth.set_enrolment(Some(enrolled));
                    ctx.start_sync(db);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="enrol" data-testid="enrol">
            <h1>{tra(lang, |t| t.enrol_title)}</h1>
            <p>{tra(lang, |t| t.enrol_help)}</p>
            <form on:submit=move |e| { e.prevent_default(); submit(); }>
                <label class="field">
                    <span>{tra(lang, |t| t.enrol_code)}</span>
                    <input data-testid="enrol-code" autocomplete="off" autocapitalize="characters" spellcheck="false"
                        data-wedge="off" placeholder="XXXX-XXXX"
                        prop:value=move || code.get() on:input=move |e| code.set(event_target_value(&e))/>
                </label>
                <button class="primary wide" type="submit" data-testid="enrol-submit" disabled=move || busy.get()>
                    {move || { let t = auth_texts(lang.get()); if busy.get() { t.enrolling } else { t.enrol } }}
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert" data-testid="enrol-error">{e}</p> })}
        </section>
    }
}
