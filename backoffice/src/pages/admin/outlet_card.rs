//! One outlet on `/points-de-vente`: its rank with *Monter* / *Descendre* (the whole new order is sent
//! at once), its time zone (typed or picked from the zone list), its tax registration numbers (printed
//! on its receipts), its registers, and which online stores sell its stock (managed on `/boutiques`).

use super::register_form::RegisterForm;
use super::{failure_text, notice_view};
use crate::api::admin_api;
use crate::i18n_admin::admin_texts;
use frontend::nav::Link;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::outlets::{OutletPatch, OutletView, PriorityOrder};

#[component]
pub fn OutletCard(item: OutletView, order: Vec<String>, admin: bool, on_changed: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let id = StoredValue::new(item.outlet.id.clone());
    let zone = RwSignal::new(item.outlet.time_zone.clone());
    let gst = RwSignal::new(item.outlet.gst_number.clone());
    let qst = RwSignal::new(item.outlet.qst_number.clone());
    let notice = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let rank = order.iter().position(|o| *o == item.outlet.id).unwrap_or(0);
    let last = order.len().saturating_sub(1);
    let order = StoredValue::new(order);

    // Moves this outlet by one place: the whole order goes to the server, applied whole or not at all.
    let shift = move |up: bool| {
        if busy.get_untracked() {
            return;
        }
        let mut new = order.get_value();
        let other = if up { rank.checked_sub(1) } else { Some(rank + 1).filter(|r| *r <= last) };
        let Some(other) = other else { return };
        new.swap(rank, other);
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::reorder(&PriorityOrder { outlets: new }).await;
            busy.set(false);
            match answer {
                Ok(_) => on_changed.run(()),
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };

    // One patch at a time; the fields show what the server stored (numbers as receipts print them).
    let save = move |patch: OutletPatch| {
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::update_outlet(&id.get_value(), &patch).await;
            busy.set(false);
            match answer {
                Ok(v) => {
                    zone.set(v.outlet.time_zone);
                    gst.set(v.outlet.gst_number);
                    qst.set(v.outlet.qst_number);
                    notice.set(Some((false, admin_texts(lang.get_untracked()).saved.to_string())));
                }
                Err(e) => notice.set(Some((true, failure_text(lang.get_untracked(), &e)))),
            }
        });
    };
    let save_zone = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        save(OutletPatch { time_zone: Some(zone.get_untracked().trim().to_string()), ..Default::default() });
    };
    let save_numbers = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        save(OutletPatch { gst_number: Some(gst.get_untracked()), qst_number: Some(qst.get_untracked()), ..Default::default() });
    };

    let registers = item.registers.clone();
    let online = item.online.clone();
    let zone_label = format!("time-zone-{}", item.outlet.id);
    view! {
        <li class="outlet-card" data-testid="outlet" data-id=item.outlet.id.clone()>
            <h2>{item.outlet.name.clone()}</h2>
            <p>
                {move || t().priority} " : " <strong data-testid="outlet-priority">{item.priority}</strong>
                {admin.then(|| view! {
                    " "
                    <button type="button" class="secondary" data-testid="outlet-up" disabled=move || busy.get() || rank == 0 on:click=move |_| shift(true)>
                        "▲ " {move || t().up}
                    </button>
                    " "
                    <button type="button" class="secondary" data-testid="outlet-down" disabled=move || busy.get() || rank == last on:click=move |_| shift(false)>
                        "▼ " {move || t().down}
                    </button>
                })}
            </p>
            {if admin {
                view! {
                    <form class="inline-form" on:submit=save_zone>
                        <label for=zone_label.clone()>{move || t().time_zone}</label> " "
                        <input id=zone_label.clone() list="time-zones" data-testid="outlet-time-zone" autocomplete="off" required
                            prop:value=move || zone.get() on:input=move |ev| zone.set(event_target_value(&ev))/>
                        " "
                        <button type="submit" class="primary" data-testid="outlet-time-zone-save" disabled=move || busy.get()>{move || t().save}</button>
                        <p class="hint">{move || t().time_zone_help}</p>
                    </form>
                }.into_any()
            } else {
                view! { <p>{move || t().time_zone} " : " <span data-testid="outlet-time-zone-text">{move || zone.get()}</span></p> }.into_any()
            }}
            {if admin {
                let gst_id = format!("gst-{}", item.outlet.id);
                let qst_id = format!("qst-{}", item.outlet.id);
                view! {
                    <form class="inline-form" data-testid="outlet-tax-numbers" on:submit=save_numbers>
                        <label for=gst_id.clone()>{move || t().gst_number}</label> " "
                        <input id=gst_id data-testid="outlet-gst-number" autocomplete="off" maxlength="32" placeholder="123456789 RT0001"
                            prop:value=move || gst.get() on:input=move |ev| gst.set(event_target_value(&ev))/>
                        " "
                        <label for=qst_id.clone()>{move || t().qst_number}</label> " "
                        <input id=qst_id data-testid="outlet-qst-number" autocomplete="off" maxlength="32" placeholder="1234567890 TQ0001"
                            prop:value=move || qst.get() on:input=move |ev| qst.set(event_target_value(&ev))/>
                        " "
                        <button type="submit" class="primary" data-testid="outlet-tax-numbers-save" disabled=move || busy.get()>{move || t().save}</button>
                        <p class="hint">{move || t().tax_numbers_help}</p>
                    </form>
                }.into_any()
            } else {
                let shown = move |n: String| if n.is_empty() { admin_texts(lang.get()).not_registered.to_string() } else { n };
                view! {
                    <p data-testid="outlet-tax-numbers-text">
                        {move || t().gst_number} " : " {move || shown(gst.get())} " — " {move || t().qst_number} " : " {move || shown(qst.get())}
                    </p>
                }.into_any()
            }}
            {notice_view(notice, "outlet-notice")}
            <h3>{move || t().registers}</h3>
            {if registers.is_empty() {
                view! { <p class="empty">{move || t().no_registers}</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="outlet-registers">
                        {registers.into_iter().map(|r| view! { <li data-testid="register" data-id=r.id.clone()>{r.name} " (" {r.code} ")"</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {admin.then(|| view! { <RegisterForm outlet_id=item.outlet.id.clone() on_changed=on_changed/> })}
            <h3>{move || t().online}</h3>
            {if online.is_empty() {
                view! { <p class="empty" data-testid="outlet-online-none">{move || t().online_none}</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="outlet-online">
                        {online.into_iter().map(|s| {
                            let active = s.active;
                            view! { <li>{s.name} {(!active).then(|| view! { " (" {move || t().inactive_store} ")" })}</li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Link href="/boutiques">{move || t().manage_stores}</Link>
        </li>
    }
}
