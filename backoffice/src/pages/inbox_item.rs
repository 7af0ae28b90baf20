//! One item of the inbox: what happened (in the manager's language, from the server), when and where,
//! the sale it concerns (a link to `/ventes/{id}`), its notes, and — while open — the suggested
//! resolution and a button per action it allows, with a note and, for a stock level, the units counted.
//! Each resolution is sent once under an id made here when first pressed: a double press or a retry
//! after a lost answer sends the same id again, so the server records it once; a refusal (409
//! `still_held`, …) is shown and the item stays.

use crate::api::inbox_api;
use crate::i18n_inbox::{action_label, inbox_texts, kind_label};
use frontend::i18n::{date_time, Lang};
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::inbox::{Action, InboxItem, ItemState, ResolveRequest, Text};
use std::collections::HashMap;

fn in_lang(lang: Lang, t: &Text) -> String {
    if lang == Lang::Fr {
        t.fr.clone()
    } else {
        t.en.clone()
    }
}

/// A refusal in the manager's words; the server's own sentence when we have none better.
fn refusal_text(lang: Lang, code: &str, message: &str) -> String {
    let t = inbox_texts(lang);
    match code {
        "still_held" => format!("{} ({message})", t.still_held),
        "note_required" => t.note_required.to_string(),
        "already_resolved" => t.already_resolved.to_string(),
        "unauthenticated" | "forbidden" => t.refused.to_string(),
        _ => message.to_string(),
    }
}

/// The sale an item names: the held or conflicting sale, or the one an acceptance stored.
fn sale_of(item: &InboxItem) -> Option<String> {
    item.sale_id.clone().or_else(|| {
        item.resolution
            .as_ref()
            .and_then(|r| r.outcome.get("sale_id"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    })
}

#[component]
pub fn InboxItemCard(
    item: InboxItem,
    /// The page's list: a closing resolution takes the item out, a note replaces it.
    items: RwSignal<Vec<InboxItem>>,
    notice: RwSignal<Option<String>>,
    /// Outlet and staff names by id (an id is shown until its name is known).
    outlet_names: Memo<HashMap<String, String>>,
    staff_names: Memo<HashMap<String, String>>,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || inbox_texts(lang.get());
    let note = RwSignal::new(String::new());
    let counted = RwSignal::new(String::new());
    let pending = RwSignal::new(None::<Action>);
    let message = RwSignal::new(None::<String>);
    // The request last sent and its id: sent again unchanged (a retry), it keeps the id.
    let attempt = StoredValue::new(None::<(Action, String, Option<i64>, String)>);
    let item_id = StoredValue::new(item.id.clone());

    let press = move |action: Action| {
        if pending.get_untracked().is_some() {
            return;
        }
        let l = lang.get_untracked();
        let typed_count = counted.get_untracked();
        let count = if action == Action::StockCorrection {
            match typed_count.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    message.set(Some(inbox_texts(l).counted_required.to_string()));
                    return;
                }
            }
        } else {
            None
        };
        let text = note.get_untracked().trim().to_string();
        let id = match attempt.get_value() {
            Some((a, n, c, id)) if a == action && n == text && c == count => id,
            _ => frontend::ops::new_id(),
        };
        attempt.set_value(Some((action, text.clone(), count, id.clone())));
        let request = ResolveRequest {
            resolution_id: id,
            action,
            note: text,
            counted: count,
        };
        let item_id = item_id.get_value();
        pending.set(Some(action));
        message.set(None);
        spawn_local(async move {
            let answer = inbox_api::resolve(&item_id, &request).await;
            pending.set(None);
            let l = lang.get_untracked();
            match answer {
                Ok(done) => {
                    attempt.set_value(None);
                    notice.set(Some(format!(
                        "{} — {}",
                        inbox_texts(l).done,
                        in_lang(l, &done.item.what)
                    )));
                    if done.item.state == ItemState::Resolved {
                        items.update(|list| list.retain(|i| i.id != item_id));
                    } else {
                        items.update(|list| {
                            if let Some(i) = list.iter_mut().find(|i| i.id == item_id) {
                                *i = done.item.clone();
                            }
                        });
                    }
                }
                // No answer: the same press again sends the same id (nothing can be done twice).
                Err(ApiFailure::Unreachable(m)) => {
                    message.set(Some(format!(
                        "{} ({m}). {}",
                        l.t().server_unreachable,
                        inbox_texts(l).retry_hint
                    )));
                }
                Err(ApiFailure::Refused { error, .. }) => {
                    // Refused: nothing was written; a new press is a new resolution.
                    attempt.set_value(None);
                    message.set(Some(refusal_text(l, &error.error, &error.message)));
                }
            }
        });
    };

    let open = item.state == ItemState::Open;
    let kind = item.kind;
    let code: &'static str = kind.into();
    let what = item.what.clone();
    let suggestion = item.suggestion.clone();
    let suggested = item.suggested;
    let at = item.at_ms;
    let sale = sale_of(&item);
    let receipt = item.receipt.clone().unwrap_or_default();
    let notes = item.notes.clone();
    let resolution = item.resolution.clone();
    let allowed = item.allowed.clone();
    let counts_stock = allowed.contains(&Action::StockCorrection);
    let level = item.level;
    let state: &'static str = item.state.into();
    let outlet_id = item.outlet_id.clone().unwrap_or_default();
    let outlet_name = move || {
        outlet_names.with(|m| {
            m.get(&outlet_id)
                .cloned()
                .unwrap_or_else(|| outlet_id.clone())
        })
    };

    view! {
        <article class="inbox-item" data-testid="inbox-item" data-item=item.id.clone() data-kind=code data-state=state>
            <header>
                <span class="badge">{move || kind_label(lang.get(), kind)}</span>
                {(at > 0).then(|| view! { <span class="when">{move || date_time(lang.get(), at)}</span> })}
                <span class="where">{outlet_name}</span>
            </header>
            <p class="what" data-testid="item-what">{move || in_lang(lang.get(), &what)}</p>
            {sale.map(|id| {
                let href = format!("/ventes/{id}");
                view! { <p><a class="sale-link" href=href data-testid="sale-link">{move || t().sale_link} " " {receipt.clone()}</a></p> }
            })}
            {(!notes.is_empty()).then(|| view! {
                <div class="inbox-notes">
                    <h3>{move || t().notes}</h3>
                    <ul>
                        {notes.into_iter().map(|n| view! {
                            <li data-testid="item-note-line">{move || date_time(lang.get(), n.at_ms)} " — " {n.note.clone()}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {resolution.map(|r| {
                let staff_id = r.staff_id.clone();
                let who = move || staff_names.with(|m| m.get(&staff_id).cloned().unwrap_or_else(|| staff_id.clone()));
                let (action, note, at) = (r.action, r.note.clone(), r.at_ms);
                view! {
                    <p class="resolution" data-testid="item-resolution">
                        {move || t().resolved_by} " " <strong data-testid="resolved-by">{who}</strong>
                        " — " <span data-testid="resolved-at">{move || date_time(lang.get(), at)}</span>
                        " — " {move || action_label(lang.get(), action)}
                        {(!note.is_empty()).then(|| format!(" : {note}"))}
                    </p>
                }
            })}
            {open.then(|| view! {
                <div class="inbox-resolve">
                    <p class="suggestion" data-testid="item-suggestion">
                        <strong>{move || t().suggested} " : " {move || action_label(lang.get(), suggested)}</strong>
                        " — " {move || in_lang(lang.get(), &suggestion)}
                    </p>
                    <label class="field">
                        <span>{move || t().note}</span>
                        <input
                            type="text"
                            data-testid="item-note"
                            autocomplete="off"
                            placeholder=move || t().note_hint
                            prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))
                        />
                    </label>
                    {counts_stock.then(|| view! {
                        <label class="field">
                            <span>{move || t().counted} {level.map(|l| format!(" ({l})"))}</span>
                            <input
                                type="number"
                                min="0"
                                inputmode="numeric"
                                data-testid="item-counted"
                                prop:value=move || counted.get()
                                on:input=move |ev| counted.set(event_target_value(&ev))
                            />
                        </label>
                    })}
                    <div class="inbox-actions">
                        {allowed.into_iter().map(|a| {
                            let name: &'static str = a.into();
                            view! {
                                <button
                                    type="button"
                                    class:primary=a == suggested
                                    data-testid=format!("action-{name}")
                                    disabled=move || pending.get().is_some()
                                    aria-busy=move || (pending.get() == Some(a)).to_string()
                                    on:click=move |_| press(a)
                                >
                                    {move || if pending.get() == Some(a) { t().sending } else { action_label(lang.get(), a) }}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                    {move || message.get().map(|m| view! { <p class="notice error" role="alert" data-testid="item-message">{m}</p> })}
                </div>
            })}
        </article>
    }
}
