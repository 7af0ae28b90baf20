//! Held sales and conflicts, `/a-traiter` (issue 12 item 4): the open items of the manager's outlets,
//! oldest first, a page at a time (`GET /inbox`), filtered by outlet (when there is more than one) and by
//! kind; each item says what happened, the suggested resolution and the actions it allows
//! (`inbox_item.rs`). The *Résolus* tab lists the resolved ones with who and when. Managers and admins
//! only; anyone else gets the refusal page (the server refuses them as well).

use crate::api::inbox_api::{self, InboxQuery};
use crate::i18n_inbox::{inbox_texts, kind_label};
use crate::pages::inbox_item::InboxItemCard;
use crate::pages::till_gate::TillRefusal;
use frontend::state::AppCtx;
use frontend::sync::api;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::inbox::{InboxItem, ItemKind, ItemState};
use std::collections::HashMap;

const KINDS: [ItemKind; 5] = [
    ItemKind::HeldSale,
    ItemKind::Conflict,
    ItemKind::StockBelowZero,
    ItemKind::HeldOperation,
    ItemKind::HeldOnlineOrder,
];

#[component]
pub fn InboxPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || inbox_texts(lang.get());
    let tab = RwSignal::new(ItemState::Open);
    let outlet = RwSignal::new(None::<String>);
    let kind = RwSignal::new(None::<ItemKind>);
    let items = RwSignal::new(Vec::<InboxItem>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiFailure>);
    // A page-level notice: a resolved item leaves the list, its confirmation stays here.
    let notice = RwSignal::new(None::<String>);
    // Answers to an older filter are dropped.
    let generation = StoredValue::new(0u32);
    let setup = LocalResource::new(api::setup);
    let staff = LocalResource::new(inbox_api::staff);

    let load = move |reset: bool| {
        let query = InboxQuery {
            state: tab.get_untracked(),
            outlet: outlet.get_untracked(),
            kind: kind.get_untracked(),
        };
        let cursor = if reset { None } else { next.get_untracked() };
        if reset {
            generation.update_value(|g| *g += 1);
        }
        let mine = generation.get_value();
        loading.set(true);
        spawn_local(async move {
            let answer = inbox_api::page(&query, cursor.as_deref()).await;
            if generation.get_value() != mine {
                return;
            }
            loading.set(false);
            match answer {
                Ok((list, cursor)) => {
                    if reset {
                        items.set(list);
                    } else {
                        items.update(|i| i.extend(list));
                    }
                    next.set(cursor);
                    failure.set(None);
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        tab.track();
        outlet.track();
        kind.track();
        if ctx.auth.is_manager() {
            load(true);
        }
    });

    // Names as they arrive: a card shows the id until then.
    let outlet_names = Memo::new(move |_| -> HashMap<String, String> {
        setup
            .get()
            .and_then(Result::ok)
            .map(|s| s.outlets.into_iter().map(|o| (o.id, o.name)).collect())
            .unwrap_or_default()
    });
    let staff_names = Memo::new(move |_| -> HashMap<String, String> {
        staff
            .get()
            .and_then(Result::ok)
            .map(|s| s.into_iter().map(|m| (m.id, m.name)).collect())
            .unwrap_or_default()
    });

    let filters = move || {
        let l = lang.get();
        let tt = inbox_texts(l);
        let outlets = setup
            .get()
            .and_then(Result::ok)
            .map(|s| s.outlets)
            .unwrap_or_default();
        let outlet_filter = (outlets.len() > 1).then(|| {
            let current = outlet.get_untracked().unwrap_or_default();
            view! {
                <label class="field">
                    <span>{tt.outlet}</span>
                    <select data-testid="inbox-outlet" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        outlet.set((!v.is_empty()).then_some(v));
                    }>
                        <option value="" selected=current.is_empty()>{tt.all_outlets}</option>
                        {outlets.into_iter().map(|o| {
                            let selected = o.id == current;
                            view! { <option value=o.id selected=selected>{o.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        });
        let current_kind = kind.get_untracked();
        view! {
            <div class="inbox-filters">
                {outlet_filter}
                <label class="field">
                    <span>{tt.kind}</span>
                    <select data-testid="inbox-kind" on:change=move |ev| kind.set(event_target_value(&ev).parse().ok())>
                        <option value="" selected=current_kind.is_none()>{tt.all_kinds}</option>
                        {KINDS.iter().map(|k| {
                            let code: &'static str = (*k).into();
                            view! { <option value=code selected=current_kind == Some(*k)>{kind_label(l, *k)}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </div>
        }
    };

    let tab_button = move |state: ItemState, testid: &'static str| {
        view! {
            <button
                role="tab"
                data-testid=testid
                class:on=move || tab.get() == state
                aria-selected=move || (tab.get() == state).to_string()
                on:click=move |_| {
                    notice.set(None);
                    tab.set(state);
                }
            >
                {move || if state == ItemState::Open { t().open_tab } else { t().resolved_tab }}
            </button>
        }
    };

    let list = move || {
        let l = lang.get();
        let tt = inbox_texts(l);
        if let Some(f) = failure.get() {
            let text = match &f {
                ApiFailure::Unreachable(m) => format!("{} ({m})", l.t().server_unreachable),
                ApiFailure::Refused {
                    status: 401 | 403, ..
                } => tt.refused.to_string(),
                ApiFailure::Refused { error, .. } => error.message.clone(),
            };
            return view! { <p class="notice error" role="alert" data-testid="inbox-error">{text}</p> }.into_any();
        }
        if items.with(Vec::is_empty) {
            if loading.get() {
                return view! { <p class="hint" data-testid="inbox-loading">{tt.loading}</p> }
                    .into_any();
            }
            let empty = if tab.get() == ItemState::Open {
                tt.none_open
            } else {
                tt.none_resolved
            };
            return view! { <p class="empty" data-testid="inbox-empty">{empty}</p> }.into_any();
        }
        view! {
            <div class="inbox-list" data-testid="inbox-list">
                <For
                    each=move || items.get()
                    key=|i| (i.id.clone(), i.state == ItemState::Open, i.notes.len())
                    children=move |item| view! { <InboxItemCard item=item items=items notice=notice outlet_names=outlet_names staff_names=staff_names/> }
                />
            </div>
        }
        .into_any()
    };

    let page = move || {
        if !ctx.auth.is_manager() {
            return view! { <TillRefusal/> }.into_any();
        }
        view! {
            <section class="inbox-page">
                <h1>{move || t().title}</h1>
                <div class="tabs" role="tablist">
                    {tab_button(ItemState::Open, "tab-open")}
                    {tab_button(ItemState::Resolved, "tab-resolved")}
                </div>
                {filters}
                {move || notice.get().map(|n| view! { <p class="notice success" role="status" data-testid="inbox-notice">{n}</p> })}
                {list}
                {move || next.get().map(|_| view! {
                    <button class="wide" data-testid="inbox-more" disabled=move || loading.get() on:click=move |_| load(false)>
                        {move || if loading.get() { t().loading } else { t().more }}
                    </button>
                })}
            </section>
        }
        .into_any()
    };
    view! { {page} }
}
