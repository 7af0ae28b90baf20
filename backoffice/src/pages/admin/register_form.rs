//! *Ajouter une caisse* under an outlet (administrators): its code, printed in receipt numbers, and its
//! name. A manager then makes an enrolment code for it on `/appareils`.

use super::{failure_text, notice_view};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::outlets::NewRegister;

#[component]
pub fn RegisterForm(outlet_id: String, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let outlet_id = StoredValue::new(outlet_id);
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let new = NewRegister { id: None, outlet_id: outlet_id.get_value(), code: code.get_untracked().trim().to_uppercase(), name: name.get_untracked() };
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::create_register(&new).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    code.set(String::new());
                    name.set(String::new());
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    view! {
        <form class="inline-form register-form" data-testid="register-form" on:submit=submit>
            <fieldset>
                <legend>{move || t().add_register}</legend>
                <label>{move || t().register_code} " "
                    <input data-testid="register-code" required maxlength="8" autocomplete="off" prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                </label>
                " "
                <label>{move || t().name} " "
                    <input data-testid="register-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                " "
                <button type="submit" class="primary" data-testid="register-add" disabled=move || busy.get()>{move || t().add_register}</button>
                <p class="hint">{move || t().register_code_help}</p>
            </fieldset>
            {notice_view(notice, "register-notice")}
        </form>
    }
}
