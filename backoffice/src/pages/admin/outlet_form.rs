//! *Ajouter un établissement* (administrators): a name and a time zone from the zone list; the new
//! outlet comes last in allocation order, with Québec's taxes.

use super::{failure_text, notice_view};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::DEFAULT_TIME_ZONE;
use shared::outlets::NewOutlet;

#[component]
pub fn OutletForm(on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let name = RwSignal::new(String::new());
    let zone = RwSignal::new(DEFAULT_TIME_ZONE.to_string());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let new = NewOutlet { name: name.get_untracked(), time_zone: zone.get_untracked().trim().to_string(), ..Default::default() };
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::create_outlet(&new).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    name.set(String::new());
                    on_changed.run(());
                }
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    view! {
        <form class="admin-form" data-testid="outlet-form" on:submit=submit>
            <h2>{move || t().add_outlet}</h2>
            <label>{move || t().name} " "
                <input data-testid="new-outlet-name" required prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>{move || t().time_zone} " "
                <input list="time-zones" data-testid="new-outlet-time-zone" required autocomplete="off" prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="primary" data-testid="new-outlet-save" disabled=move || busy.get()>{move || t().add_outlet}</button>
            {notice_view(notice, "outlet-form-notice")}
        </form>
    }
}
