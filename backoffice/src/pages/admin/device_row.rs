//! One device on `/appareils`: number, id, register, outlet, enrolled and last seen, its state, and
//! for an administrator *Révoquer* behind an inline confirmation (what a revoked device keeps is said).

use super::{failure_text, notice_view};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::i18n::date_time;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::EnrolledDevice;

#[component]
pub fn DeviceRow(device: EnrolledDevice, register: String, outlet: String, admin: bool, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let id = StoredValue::new(device.id.clone());
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let revoked = device.revoked_at_ms.is_some();
    let enrolled = device.enrolled_at_ms.is_some() && device.register_id.is_some();
    let (state, class) = match (revoked, enrolled) {
        (true, _) => ("revoked", "badge bad"),
        (false, true) => ("enrolled", "badge ok"),
        (false, false) => ("not_enrolled", "badge"),
    };
    let revoke = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::revoke(&id.get_value()).await;
            busy.set(false);
            confirming.set(false);
            match answer {
                Ok(_) => on_changed.run(()),
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    let when = move |ms: Option<i64>| ms.map(|ms| date_time(lang.get(), ms)).unwrap_or_default();
    let (enrolled_at, last_seen) = (device.enrolled_at_ms, device.last_seen_ms);
    view! {
        <tr data-testid="device" data-id=device.id.clone() data-state=state>
            <td>{device.number}</td>
            <td><code>{device.id.clone()}</code></td>
            <td data-testid="device-register">{register}</td>
            <td>{outlet}</td>
            <td>{move || when(enrolled_at)}</td>
            <td data-testid="device-last-seen">{move || when(last_seen)}</td>
            <td><span class=class data-testid="device-state">{move || match state {
                "revoked" => t().revoked,
                "enrolled" => t().enrolled,
                _ => t().not_enrolled,
            }}</span></td>
            <td>
                {(admin && !revoked).then(|| view! {
                    <button type="button" class="secondary danger" data-testid="device-revoke" on:click=move |_| confirming.set(true)>{move || t().revoke}</button>
                })}
                {move || confirming.get().then(|| view! {
                    <div class="confirm" role="alertdialog" data-testid="device-confirm">
                        <p>{t().confirm_revoke}</p>
                        <button type="button" class="primary danger" data-testid="device-confirm-yes" disabled=move || busy.get() on:click=revoke>{t().confirm}</button>
                        " "
                        <button type="button" class="secondary" data-testid="device-confirm-no" on:click=move |_| confirming.set(false)>{t().cancel}</button>
                    </div>
                })}
                {notice_view(notice, "device-notice")}
            </td>
        </tr>
    }
}
