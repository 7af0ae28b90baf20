//! `/ventes`: the filter form and the sales it selects, newest made first, 50 at a time (« Charger plus »
//! asks the server for the page after its cursor).

use super::filters::{FilterBar, Filters};
use super::Names;
use crate::api::history_api;
use crate::i18n_history::{history_texts, HistoryTexts};
use crate::pages::orders::date_time_in;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sales_history::{Channel, SaleSummary};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Load {
    Loading,
    Ready,
    Failed(String),
}

/// What a failed call says.
pub fn failure_text(t: &HistoryTexts, f: &ApiFailure) -> String {
    match f {
        ApiFailure::Unreachable(e) => format!("{} ({e})", t.unreachable),
        ApiFailure::Refused { status: 401 | 403, .. } => t.managers_only.to_string(),
        ApiFailure::Refused { error, .. } => format!("{} : {}", t.refused, error.message),
    }
}

/// A sale's badges: return, returned, online, unpaid.
pub fn badges(t: &HistoryTexts, s: &SaleSummary) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if s.is_return {
        out.push(("return", t.return_sale));
    }
    if s.returned {
        out.push(("returned", t.returned));
    }
    if s.channel == Channel::Online {
        out.push(("online", t.online));
    }
    if s.unpaid {
        out.push(("unpaid", t.unpaid));
    }
    out
}

/// Opens a sale's page in place (the filters stay in the address for the way back).
pub fn open_sale(e: web_sys::MouseEvent, nav: Nav, id: &str) {
    if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() {
        return;
    }
    e.prevent_default();
    nav.go(&format!("/ventes/{}", frontend::sync::http::seg(id)));
}

#[component]
pub fn SalesList() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let names = expect_context::<RwSignal<Names>>();
    let lang = ctx.lang;
    let filters = RwSignal::new(Filters::from_search(&window().location().search().unwrap_or_default()));
    let handle = window_event_listener(leptos::ev::popstate, move |_| filters.set(Filters::from_search(&window().location().search().unwrap_or_default())));
    on_cleanup(move || handle.remove());
    let rows = RwSignal::new(Vec::<SaleSummary>::new());
    let next = RwSignal::new(None::<String>);
    let state = RwSignal::new(Load::Loading);
    // Each reading of the first page counts: an answer for older filters is dropped.
    let generation = StoredValue::new(0u32);
    // Pages shown: the live refresh re-reads the first page only while no more were asked for.
    let pages = StoredValue::new(0u32);
    // `replace`: the answer is the first page again (a refresh), else it extends the list.
    let load = move |cursor: Option<String>, replace: bool| {
        let query = filters.get_untracked().api_query();
        let gen = generation.get_value();
        if !replace {
            state.set(Load::Loading);
        }
        spawn_local(async move {
            let page = history_api::page(&query, cursor.as_deref()).await;
            if generation.get_value() != gen {
                return;
            }
            match page {
                Ok(p) if replace => {
                    rows.set(p.items);
                    next.set(p.next);
                    state.set(Load::Ready);
                }
                Ok(p) => {
                    rows.update(|r| r.extend(p.items));
                    next.set(p.next);
                    pages.update_value(|n| *n += 1);
                    state.set(Load::Ready);
                }
                Err(f) if replace => leptos::logging::warn!("sales history refresh: {f:?}"),
                Err(f) => state.set(Load::Failed(failure_text(history_texts(lang.get_untracked()), &f))),
            }
        });
    };
    Effect::new(move |_| {
        filters.track();
        generation.update_value(|g| *g = g.wrapping_add(1));
        pages.set_value(0);
        rows.set(Vec::new());
        next.set(None);
        load(None, false);
    });
    // Live: a sale stored anywhere in scope moves the change log; the first page is read again.
    Effect::new(move |prev: Option<u64>| {
        let v = ctx.announced.get();
        if prev.is_some_and(|p| p != v) && pages.get_value() <= 1 && state.get_untracked() == Load::Ready {
            generation.update_value(|g| *g = g.wrapping_add(1));
            load(None, true);
        }
        v
    });

    view! {
        <section class="sales-page" data-testid="sales-history">
            <h1>{move || history_texts(lang.get()).title}</h1>
            <FilterBar filters=filters/>
            {move || {
                let l = lang.get();
                let t = history_texts(l);
                let list = rows.get();
                if list.is_empty() {
                    return match state.get() {
                        Load::Loading => view! { <p class="hint" data-testid="history-loading">{t.loading}</p> }.into_any(),
                        Load::Failed(e) => view! { <p class="notice bad" role="alert" data-testid="history-error">{e}</p> }.into_any(),
                        Load::Ready => view! { <p class="empty" data-testid="history-empty">{t.empty}</p> }.into_any(),
                    };
                }
                let n = names.get();
                view! {
                    <table class="sales history" data-testid="history-rows">
                        <thead><tr>
                            <th>{t.receipt}</th><th>{t.date}</th><th>{t.place}</th><th>{t.cashier}</th>
                            <th>{t.customer}</th><th class="num">{t.total}</th><th>{t.status}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|s| {
                                let href = format!("/ventes/{}", frontend::sync::http::seg(&s.id));
                                let id = s.id.clone();
                                let customer = s.customer_id.as_ref().map(|c| ctx.customers.with_untracked(|l| l.iter().find(|x| &x.customer.id == c).map(|x| x.customer.name.clone())).unwrap_or_else(|| c.clone()));
                                view! {
                                    <tr data-testid="history-row" data-sale=s.id.clone() data-receipt=s.receipt.clone()>
                                        <td><a href=href data-testid="open-sale" on:click=move |e| open_sale(e, nav, &id)>{s.receipt.clone()}</a></td>
                                        <td>{date_time_in(l, s.created_at_ms, &n.time_zone(&s.outlet_id))}</td>
                                        <td>{n.outlet(&s.outlet_id)} " / " {n.register(&s.register_id)}</td>
                                        <td data-testid="row-cashier">{if s.cashier_id.is_empty() { String::new() } else { n.staff(&s.cashier_id) }}</td>
                                        <td>{customer}</td>
                                        <td class="num" data-testid="row-total">{l.money(s.total)}</td>
                                        <td>{badges(t, &s).into_iter().map(|(code, label)| view! {
                                            <span class=format!("badge {code}") data-testid=format!("badge-{code}")>{label}</span>
                                        }).collect_view()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {move || {
                let t = history_texts(lang.get());
                match (next.get(), state.get()) {
                    (Some(c), Load::Ready) => view! {
                        <button class="secondary wide" data-testid="load-more" on:click=move |_| load(Some(c.clone()), false)>{t.load_more}</button>
                    }.into_any(),
                    (_, Load::Loading) if rows.with(|r| !r.is_empty()) => view! { <p class="hint">{t.loading}</p> }.into_any(),
                    (_, Load::Failed(e)) if rows.with(|r| !r.is_empty()) => view! { <p class="notice bad" role="alert">{e}</p> }.into_any(),
                    _ => ().into_any(),
                }
            }}
        </section>
    }
}
