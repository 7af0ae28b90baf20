//! A sale's notes: an online order's sale note and tracking, the notes managers added, and « Ajouter
//! une note ». An in-store sale's note goes to `POST /sales/{id}/notes` under an id made when the note
//! is confirmed and kept until it is on file, so a double click or a retry adds it once; an online
//! order's goes through the orders' own operation (`sale_note`, tracking details into the sale note).

use super::Names;
use crate::api::history_api;
use crate::i18n_history::history_texts;
use crate::pages::orders::actions::{act, Sent};
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sales_history::{NewSaleNote, SaleDetails};
use shared::sync::OpBody;

#[component]
pub fn SaleNotesPanel(details: SaleDetails, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let names = expect_context::<RwSignal<Names>>();
    let lang = ctx.lang;
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    // The id of the note being sent: made at the first confirm, forgotten once it is on file.
    let pending = StoredValue::new(None::<String>);
    let sale_id = details.summary.id.clone();
    let outlet = details.online_order.as_ref().and_then(|o| o.outlets.first().cloned()).unwrap_or_else(|| details.summary.outlet_id.clone());
    let online = details.online_order.is_some();
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let typed = text.get_untracked().trim().to_string();
        if typed.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let id = pending.get_value().unwrap_or_else(frontend::ops::new_id);
        pending.set_value(Some(id.clone()));
        let (sale_id, outlet) = (sale_id.clone(), outlet.clone());
        spawn_local(async move {
            let t = history_texts(lang.get_untracked());
            let result = if online {
                let label = t.tracking;
                match act(&ctx, id, OpBody::SaleNote { sale_id, outlet_id: outlet, text: format!("{label} : {typed}") }).await {
                    Sent::Queued | Sent::Applied => Ok(()),
                    Sent::Refused { message, .. } => Err(format!("{} : {message}", t.refused)),
                    Sent::Unreachable(e) => Err(format!("{} ({e})", t.unreachable)),
                }
            } else {
                match history_api::add_note(&sale_id, &NewSaleNote { id, text: typed }).await {
                    Ok(_) => Ok(()),
                    Err(f @ ApiFailure::Unreachable(_)) => Err(super::list::failure_text(t, &f)),
                    Err(f) => {
                        // Refused: this note will not be added under that id; a new one gets a new id.
                        pending.set_value(None);
                        Err(super::list::failure_text(t, &f))
                    }
                }
            };
            busy.set(false);
            match result {
                Ok(()) => {
                    pending.set_value(None);
                    text.set(String::new());
                    message.set(Some((false, t.note_added.to_string())));
                    reload.update(|n| *n += 1);
                }
                Err(e) => message.set(Some((true, e))),
            }
        });
    };
    let order_notes = details.notes.clone().filter(|n| !n.sale_note.trim().is_empty() || !n.tracking.trim().is_empty());
    let added = details.sale_notes.clone();
    let tz = names.with_untracked(|n| n.time_zone(&details.summary.outlet_id));
    view! {
        <section class="sale-notes" data-testid="sale-notes">
            <h2>{move || history_texts(lang.get()).notes}</h2>
            {order_notes.map(|n| view! {
                <p class="order-note" data-testid="order-note"><strong>{move || history_texts(lang.get()).order_note}</strong> " : " {n.sale_note.clone()}</p>
                {(!n.tracking.trim().is_empty()).then(|| view! {
                    <p data-testid="order-tracking"><strong>{move || history_texts(lang.get()).tracking}</strong> " : " {n.tracking.clone()}</p>
                })}
            })}
            {if added.is_empty() && !online {
                view! { <p class="empty">{move || history_texts(lang.get()).no_notes}</p> }.into_any()
            } else {
                view! {
                    <ul class="notes">
                        {added.into_iter().map(|n| {
                            let who = names.with_untracked(|x| x.staff(&n.staff_id));
                            let when = crate::pages::orders::date_time_in(lang.get_untracked(), n.at_ms, &tz);
                            view! { <li data-testid="sale-note"><span class="note-text">{n.text}</span> <small>" — " {who} ", " {when}</small></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <form class="note-form" on:submit=submit>
                <label>{move || history_texts(lang.get()).add_note}
                    <textarea data-testid="note-text" placeholder=move || history_texts(lang.get()).note_hint maxlength="2000"
                        prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
                </label>
                <button class="primary" type="submit" data-testid="save-note" disabled=move || busy.get()>{move || history_texts(lang.get()).save_note}</button>
            </form>
            {move || message.get().map(|(bad, m)| view! { <p class="notice" class:bad=bad class:info=!bad role="status" data-testid="note-message">{m}</p> })}
        </section>
    }
}
