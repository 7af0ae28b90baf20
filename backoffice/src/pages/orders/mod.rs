//! The orders page, `/commandes` (Stocks › Commandes, seed 001): every unfinished part of the chosen
//! outlet's online orders — receipt, date and time in the outlet's time zone, status (Nouveau, En cours,
//! Emballé), type (Livraison / Ramassage), customer, items with quantities ordered and picked, sale note,
//! order notes, assigned user — filtered by outlet, status and type, searched by receipt or customer, with
//! a detail view (`detail.rs`) and scanner mode (`scanner.rs`) for an enrolled device on the floor.
//! For managers (a staff session, anywhere) and enrolled devices (their outlet). The rows are the order
//! parts this browser pulled through the change log, our unsent operations replayed over them (`data`):
//! the same page online and offline, live as the puller follows the server's event stream, so a new
//! order, a pick or a status change shows without reloading. A manager's browser with no local replica
//! reads `GET /orders` again on each version the stream announces. A module of its own so the
//! back-office app can take it (issue 13).

pub mod actions;
pub mod data;
pub mod detail;
pub mod online_sale;
pub mod scanner;
pub mod slip;

use crate::i18n_orders::{order_texts, status_label, type_label};
use data::Local;
use detail::OrderDetail;
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use frontend::sync::api;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use scanner::ScannerMode;
use shared::fulfilment::{OrderType, PartStatus};
use shared::online::{OrderLineView, OrderPartView, OrdersQuery};

/// What the page's pieces share.
#[derive(Clone, Copy)]
pub struct OrdersCtx {
    /// The selected part: (order id, outlet id).
    pub selected: RwSignal<Option<(String, String)>>,
    /// Bumped to read the rows again now (after a manager's action).
    pub reload: RwSignal<u32>,
    /// An action is on its way (its buttons are disabled meanwhile: a double press sends one).
    pub busy: RwSignal<bool>,
    pub scanner: RwSignal<bool>,
    /// (id, name) of the outlets the caller may see.
    pub outlet_names: RwSignal<Vec<(String, String)>>,
    /// The chosen outlet's IANA time zone.
    pub time_zone: RwSignal<String>,
}

/// Date and time in an outlet's time zone, in the screen's language.
pub fn date_time_in(lang: Lang, ms: i64, time_zone: &str) -> String {
    use wasm_bindgen::JsValue;
    let locale = js_sys::Array::of1(&JsValue::from_str(if lang == Lang::Fr { "fr-CA" } else { "en-CA" }));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"short".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    if !time_zone.is_empty() {
        let _ = js_sys::Reflect::set(&options, &"timeZone".into(), &time_zone.into());
    }
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let format = js_sys::Intl::DateTimeFormat::new(&locale, &options).format();
    format.call1(&JsValue::NULL, &date).ok().and_then(|s| s.as_string()).unwrap_or_else(|| frontend::i18n::date_time(lang, ms))
}

/// « 1 / 2 prélevé » — what is picked of what was ordered (and what waits for stock).
pub fn qty_text(lang: Lang, line: &OrderLineView) -> String {
    let t = order_texts(lang);
    let mut s = format!("{} / {} {}", line.picked, line.ordered, t.picked);
    if line.backordered > 0 {
        s.push_str(&format!(" (+{} {})", line.backordered, t.backordered));
    }
    s
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Load {
    Loading,
    /// `offline`: the device's own copy, the server unreachable.
    Ready { offline: bool },
    Failed(String),
}

#[component]
pub fn OrdersPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let orders = OrdersCtx {
        selected: RwSignal::new(None),
        reload: RwSignal::new(0),
        busy: RwSignal::new(false),
        scanner: RwSignal::new(false),
        outlet_names: RwSignal::new(Vec::new()),
        time_zone: RwSignal::new(String::new()),
    };
    provide_context(orders);
    let enrolled = ctx.auth.enrolled();
    let device_outlet = enrolled.as_ref().map(|e| e.outlet_id.clone()).filter(|o| !o.is_empty());
    let outlet = RwSignal::new(device_outlet.clone().unwrap_or_default());
    // Status, type and search; the outlet is `outlet`.
    let filters = RwSignal::new(OrdersQuery::default());

    // The outlets this caller may see (names, time zones); a manager without a device picks one.
    let setup = LocalResource::new(api::setup);
    Effect::new(move |_| {
        let Some(Ok(s)) = setup.get() else { return };
        orders.outlet_names.set(s.outlets.iter().map(|o| (o.id.clone(), o.name.clone())).collect());
        if outlet.get_untracked().is_empty() {
            if let Some(first) = s.outlets.first() {
                outlet.set(first.id.clone());
            }
        }
        let o = outlet.get_untracked();
        if let Some(z) = s.outlets.iter().find(|x| x.id == o).map(|x| x.time_zone.clone()) {
            orders.time_zone.set(z);
        }
    });
    Effect::new(move |_| {
        let o = outlet.get();
        if let Some(Ok(s)) = setup.get_untracked() {
            if let Some(z) = s.outlets.iter().find(|x| x.id == o).map(|x| x.time_zone.clone()) {
                orders.time_zone.set(z);
            }
        }
    });

    // The source (see `data`): the pulled parts, or `GET /orders` for a manager's browser without them;
    // our operations replayed over it.
    let replica = Memo::new(move |_| data::reads_replica(&ctx));
    let local = RwSignal::new(Local::default());
    let answered = RwSignal::new(Load::Loading);
    Effect::new(move |was: Option<bool>| {
        let now = replica.get();
        if now && was != Some(true) {
            local.set(Local::new(data::pulled_parts(&ctx), &ctx.pending_ops.get_untracked()));
        }
        now
    });
    // Our outbox moved: what the server acknowledged stays shown until a pull carries it.
    Effect::new(move |_| {
        let pending = ctx.pending_ops.get();
        let held = ctx.held_ops.get();
        let held: Vec<&str> = held.iter().map(|h| h.op.id.as_str()).collect();
        let next_pull = frontend::sync::puller::started() + 1;
        local.update(|l| l.outbox(&pending, &held, next_pull));
    });
    // A pull ended: its parts, when they cannot double an operation we replay.
    Effect::new(move |_| {
        let Some(done) = ctx.pulls.get() else { return };
        if replica.get_untracked() {
            let mut next = local.get_untracked();
            if next.pulled(done, || data::pulled_parts(&ctx)) {
                local.set(next);
            }
        }
    });
    // Without a replica: read the server's list at start, on another outlet, on every version the live
    // stream announces and after a manager's action; only the newest request's answer is kept.
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        if replica.get() {
            // A manager's action is on the server: pull it now rather than wait for the stream's word.
            orders.reload.track();
            ctx.wake_puller.set(true);
            return;
        }
        let o = outlet.get();
        ctx.announced.track();
        orders.reload.track();
        if o.is_empty() {
            return;
        }
        let g = generation.get_value() + 1;
        generation.set_value(g);
        spawn_local(async move {
            let result = data::fetch_parts(&o).await;
            if generation.get_value() != g || replica.get_untracked() {
                return;
            }
            match result {
                Ok(parts) => {
                    local.update(|l| l.answered(parts));
                    answered.set(Load::Ready { offline: false });
                }
                Err(e) => {
                    let l = ctx.lang.get_untracked();
                    answered.set(Load::Failed(match e {
                        ApiFailure::Refused { status: 401, .. } => frontend::i18n_auth::auth_texts(l).need_access.to_string(),
                        ApiFailure::Refused { error, .. } => format!("{} : {}", order_texts(l).refused, error.message),
                        ApiFailure::Unreachable(m) => format!("{} ({m})", order_texts(l).unreachable),
                    }));
                }
            }
        });
    });
    let load_state = Memo::new(move |_| {
        if !replica.get() {
            return answered.get();
        }
        match ctx.pulls.get() {
            Some(done) => Load::Ready { offline: !done.ok },
            None if ctx.pulled.with_value(|r| r.cursor) > 0 => Load::Ready { offline: false },
            None => Load::Loading,
        }
    });

    // Every unfinished part of the outlet (the detail and scanner mode find theirs here), then the ones
    // the filters keep: one rule for both (`OrdersQuery::keeps`).
    let rows = Memo::new(move |_| {
        let query = OrdersQuery { outlet: Some(outlet.get()), ..OrdersQuery::default() };
        local.with(|l| l.rows(&query))
    });
    let visible = Memo::new(move |_| {
        let query = OrdersQuery { outlet: Some(outlet.get()), ..filters.get() };
        rows.with(|r| r.iter().filter(|p| query.keeps(p)).cloned().collect::<Vec<_>>())
    });
    let selected_part = Memo::new(move |_| {
        let key = orders.selected.get()?;
        rows.with(|r| r.iter().find(|p| p.order_id == key.0 && p.outlet_id == key.1).cloned())
    });
    // A finished part leaves the page: so does its detail.
    Effect::new(move |_| {
        if orders.selected.with(Option::is_some) && selected_part.with(Option::is_none) && load_state.with(|s| matches!(s, Load::Ready { .. })) {
            orders.selected.set(None);
        }
    });

    let t = move || order_texts(lang.get());
    let can_scan = device_outlet.is_some();
    let status_filter = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        let s = [PartStatus::New, PartStatus::InProgress, PartStatus::Packed].into_iter().find(|s| s.as_str() == v);
        filters.update(|f| f.status = s);
    };
    let type_filter = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        filters.update(|f| {
            f.order_type = match v.as_str() {
                "delivery" => Some(OrderType::Delivery),
                "pickup" => Some(OrderType::Pickup),
                _ => None,
            }
        });
    };

    view! {
        <section class="orders-page" data-testid="orders-page">
            <h1>{move || t().title}</h1>
            <div class="orders-filters">
                <label>{move || t().outlet} " "
                    <select data-testid="orders-outlet" disabled=device_outlet.is_some()
                        on:change=move |ev| { outlet.set(event_target_value(&ev)); orders.selected.set(None); }>
                        {move || orders.outlet_names.get().into_iter().map(|(id, name)| {
                            let sel = id == outlet.get();
                            view! { <option value=id selected=sel>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().status} " "
                    <select data-testid="orders-status" on:change=status_filter>
                        <option value="">{move || t().all}</option>
                        {move || [PartStatus::New, PartStatus::InProgress, PartStatus::Packed].into_iter().map(|s| view! {
                            <option value=s.as_str()>{status_label(lang.get(), s)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().order_type} " "
                    <select data-testid="orders-type" on:change=type_filter>
                        <option value="">{move || t().all}</option>
                        <option value="delivery">{move || type_label(lang.get(), OrderType::Delivery)}</option>
                        <option value="pickup">{move || type_label(lang.get(), OrderType::Pickup)}</option>
                    </select>
                </label>
                <label>{move || t().search} " "
                    <input type="search" data-testid="orders-search" placeholder=move || t().search_hint
                        on:input=move |ev| { let q = event_target_value(&ev); filters.update(|f| f.q = Some(q)); }/>
                </label>
                {can_scan.then(|| view! {
                    <button class="primary" data-testid="open-scanner" on:click=move |_| orders.scanner.update(|s| *s = !*s)>
                        {move || t().scanner}
                    </button>
                })}
            </div>
            {move || match load_state.get() {
                Load::Loading => view! { <p class="hint">{t().loading}</p> }.into_any(),
                Load::Failed(m) => view! { <p class="notice bad" data-testid="orders-failed">{m}</p> }.into_any(),
                Load::Ready { offline } => offline.then(|| view! { <p class="notice info" data-testid="orders-offline">{t().offline_copy}</p> }).into_any(),
            }}
            <Show when=move || orders.scanner.get() && can_scan
                fallback=move || view! {
                    <OrdersTable rows=visible/>
                    <OrderDetail part=selected_part/>
                }>
                <ScannerMode rows=visible part=selected_part/>
            </Show>
        </section>
    }
}

#[component]
fn OrdersTable(rows: Memo<Vec<OrderPartView>>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let orders = expect_context::<OrdersCtx>();
    let lang = ctx.lang;
    move || {
        let l = lang.get();
        let t = order_texts(l);
        let tz = orders.time_zone.get();
        rows.with(|list| {
            if list.is_empty() {
                return view! { <p class="empty" data-testid="orders-empty">{t.empty}</p> }.into_any();
            }
            view! {
                <table class="orders" data-testid="orders-table">
                    <thead><tr>
                        <th>{t.receipt}</th><th>{t.status}</th><th>{t.order_type}</th><th>{t.customer}</th>
                        <th>{t.items}</th><th>{t.qty}</th><th>{t.sale_note}</th><th>{t.order_notes}</th><th>{t.assigned}</th>
                    </tr></thead>
                    <tbody>
                        {list.iter().map(|p| {
                            let key = (p.order_id.clone(), p.outlet_id.clone());
                            let pending = ctx.pending_ops.with(|ops| ops.iter().any(|o| data::concerns(o, p)));
                            view! {
                                <tr class="order-row" data-testid="order-row" data-receipt=p.receipt.clone() data-order=p.order_id.clone()
                                    data-status=p.status.as_str() class:pending=pending
                                    on:click=move |_| orders.selected.set(Some(key.clone()))>
                                    <td><a href="#" on:click=|e: web_sys::MouseEvent| e.prevent_default()>{p.receipt.clone()}</a><br/><small>{date_time_in(l, p.created_at_ms, &tz)}</small></td>
                                    <td data-testid="row-status">{status_label(l, p.status)}</td>
                                    <td data-testid="row-type">{type_label(l, p.order_type)}</td>
                                    <td data-testid="row-customer">{p.customer_name.clone()}</td>
                                    <td><ul>{p.lines.iter().map(|line| view! { <li>{line.name.clone()}</li> }).collect_view()}</ul></td>
                                    <td><ul>{p.lines.iter().map(|line| view! {
                                        <li data-testid="row-qty" data-product=line.product_id.clone() class:partial={line.picked > 0 && line.picked < line.ordered}>
                                            {qty_text(l, line)}
                                        </li>
                                    }).collect_view()}</ul></td>
                                    <td class="sale-note">{p.sale_note.clone()}</td>
                                    <td><ul data-testid="row-notes">{p.order_notes.iter().map(|n| view! { <li>{n.text.clone()}</li> }).collect_view()}</ul></td>
                                    <td data-testid="row-assigned" data-staff=p.assigned_to.clone().unwrap_or_default()>{data::assigned_label(&ctx, p)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })
    }
}
