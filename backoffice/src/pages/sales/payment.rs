//! « Ajouter le paiement » on an online order still owed (seed 001: paid at pickup, recorded, not
//! charged): the orders' own operation (`order_payment`, `shared::online::actions` decides it). Shown
//! only when something is owed.

use crate::i18n_history::history_texts;
use crate::pages::orders::actions::{act, Sent};
use frontend::components::customer_ops::payment_tender;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sale::TenderKind;
use shared::sales_history::SaleDetails;
use shared::sync::OpBody;
use shared::Money;

#[component]
pub fn OnlinePayment(details: SaleDetails, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let owed = details.owed();
    let order_id = details.summary.id.clone();
    let outlet = details.online_order.as_ref().and_then(|o| o.outlets.first().cloned()).unwrap_or_else(|| details.summary.outlet_id.clone());
    let method = RwSignal::new("card".to_string());
    let amount = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    // Made when the payment is confirmed and kept until recorded: a second press sends the same operation.
    let pending = StoredValue::new(None::<String>);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let t = history_texts(lang.get_untracked());
        let typed = amount.get_untracked();
        let value = if typed.trim().is_empty() { Some(owed) } else { Money::parse(&typed).ok() };
        let kind = if method.get_untracked() == "cash" { TenderKind::Cash } else { TenderKind::Card };
        let Some(tender) = value.filter(|m| m.is_positive()).and_then(|v| payment_tender(v, kind)) else {
            message.set(Some((true, t.bad_amount.to_string())));
            return;
        };
        busy.set(true);
        let id = pending.get_value().unwrap_or_else(frontend::ops::new_id);
        pending.set_value(Some(id.clone()));
        let body = OpBody::OrderPayment { order_id: order_id.clone(), outlet_id: outlet.clone(), tender };
        spawn_local(async move {
            let sent = act(&ctx, id, body).await;
            busy.set(false);
            let t = history_texts(lang.get_untracked());
            match sent {
                Sent::Queued | Sent::Applied => {
                    pending.set_value(None);
                    message.set(Some((false, t.payment_recorded.to_string())));
                    reload.update(|n| *n += 1);
                }
                Sent::Refused { message: m, .. } => {
                    pending.set_value(None);
                    message.set(Some((true, format!("{} : {m}", t.refused))));
                }
                Sent::Unreachable(e) => message.set(Some((true, format!("{} ({e})", t.unreachable)))),
            }
        });
    };
    view! {
        <form class="payment-form" data-testid="history-payment" on:submit=submit>
            <h2>{move || history_texts(lang.get()).add_payment}</h2>
            <p class="total-row"><span>{move || history_texts(lang.get()).owed}</span><span class="num">{move || lang.get().money(owed)}</span></p>
            <label>{move || history_texts(lang.get()).payment_method} " "
                <select data-testid="history-payment-method" on:change=move |e| method.set(event_target_value(&e))>
                    <option value="card">{move || history_texts(lang.get()).card}</option>
                    <option value="cash">{move || history_texts(lang.get()).cash}</option>
                </select>
            </label>
            <input data-testid="history-payment-amount" inputmode="decimal" placeholder=move || lang.get().money(owed)
                prop:value=move || amount.get() on:input=move |e| amount.set(event_target_value(&e))/>
            <button class="primary" type="submit" data-testid="history-record-payment" disabled=move || busy.get()>{move || history_texts(lang.get()).record_payment}</button>
            {move || message.get().map(|(bad, m)| view! { <p class="notice" class:bad=bad class:info=!bad role="status">{m}</p> })}
        </form>
    }
}
