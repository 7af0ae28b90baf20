//! The history's filters: kept in the page's address (French keys, `/ventes?du=2026-11-01&caissier=julie`)
//! so a link reopens the same view, and sent to the server under the API's names.

use super::Names;
use crate::i18n_history::{channel_label, history_texts, status_label};
use frontend::state::AppCtx;
use leptos::prelude::*;
use shared::sales_history::{Channel, SaleStatus};

/// (key in the page's address, key of `GET /sales/history`), in the form's order.
const KEYS: [(&str, &str); 9] = [
    ("du", "from"),
    ("au", "to"),
    ("etablissement", "outlet"),
    ("caisse", "register"),
    ("caissier", "cashier"),
    ("client", "customer"),
    ("recu", "receipt"),
    ("statut", "status"),
    ("canal", "channel"),
];

/// Each filter's value (empty: not filtered), in [`KEYS`]' order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters(pub [String; 9]);

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

impl Filters {
    /// From the page's query string (`?du=…`); unknown keys are ignored.
    pub fn from_search(search: &str) -> Filters {
        let mut f = Filters::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let Some(i) = KEYS.iter().position(|(page, _)| *page == k) {
                let v = v.replace('+', " ");
                f.0[i] = js_sys::decode_uri_component(&v).map(String::from).unwrap_or(v).trim().to_string();
            }
        }
        f
    }

    fn query(&self, api: bool) -> String {
        KEYS.iter()
            .zip(&self.0)
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|((page, server), v)| format!("{}={}", if api { server } else { page }, encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The page's query (without `?`).
    pub fn page_query(&self) -> String {
        self.query(false)
    }

    /// The server's query (without `?`).
    pub fn api_query(&self) -> String {
        self.query(true)
    }
}

/// The filter form. Filtering writes the address (a new history entry) and sets `filters`.
#[component]
pub fn FilterBar(filters: RwSignal<Filters>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let names = expect_context::<RwSignal<Names>>();
    let lang = ctx.lang;
    let draft = RwSignal::new(filters.get_untracked());
    // Back/Forward (or a link) changed the filters: the form follows.
    Effect::new(move |_| draft.set(filters.get()));
    let apply = move |f: Filters| {
        let q = f.page_query();
        let url = if q.is_empty() { "/ventes".to_string() } else { format!("/ventes?{q}") };
        let _ = window().history().and_then(|h| h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url)));
        filters.set(f);
    };
    let field = move |i: usize| {
        view! {
            <input data-testid=format!("filter-{}", KEYS[i].0) prop:value=move || draft.with(|d| d.0[i].clone())
                on:input=move |e| draft.update(|d| d.0[i] = event_target_value(&e))/>
        }
    };
    let date = move |i: usize| {
        view! {
            <input type="date" data-testid=format!("filter-{}", KEYS[i].0) prop:value=move || draft.with(|d| d.0[i].clone())
                on:input=move |e| draft.update(|d| d.0[i] = event_target_value(&e))/>
        }
    };
    // A select of (value, label) with « Tous » first.
    let select = move |i: usize, options: Signal<Vec<(String, String)>>| {
        view! {
            <select data-testid=format!("filter-{}", KEYS[i].0) on:change=move |e| draft.update(|d| d.0[i] = event_target_value(&e))>
                <option value="" prop:selected=move || draft.with(|d| d.0[i].is_empty())>{move || history_texts(lang.get()).any}</option>
                {move || options.get().into_iter().map(|(v, label)| {
                    let chosen = v.clone();
                    view! { <option value=v prop:selected=move || draft.with(|d| d.0[i] == chosen)>{label}</option> }
                }).collect_view()}
            </select>
        }
    };
    let outlets = Signal::derive(move || names.with(|n| n.setup.as_ref().map(|s| s.outlets.iter().map(|o| (o.id.clone(), o.name.clone())).collect()).unwrap_or_default()));
    let registers = Signal::derive(move || names.with(|n| n.setup.as_ref().map(|s| s.registers.iter().map(|r| (r.id.clone(), r.name.clone())).collect()).unwrap_or_default()));
    let staff = Signal::derive(move || names.with(|n| n.staff.iter().map(|s| (s.id.clone(), s.name.clone())).collect()));
    let customers = Signal::derive(move || ctx.customers.with(|l| l.iter().map(|c| (c.customer.id.clone(), c.customer.name.clone())).collect()));
    let statuses = Signal::derive(move || {
        let t = history_texts(lang.get());
        [SaleStatus::Completed, SaleStatus::Return, SaleStatus::Returned, SaleStatus::Unpaid].into_iter().map(|s| (s.to_string(), status_label(t, s).to_string())).collect()
    });
    let channels = Signal::derive(move || {
        let t = history_texts(lang.get());
        [Channel::Store, Channel::Online].into_iter().map(|c| (c.to_string(), channel_label(t, c).to_string())).collect()
    });
    let label = move |f: fn(&crate::i18n_history::HistoryTexts) -> &'static str| move || f(history_texts(lang.get()));
    view! {
        <form class="history-filters" data-testid="history-filters" on:submit=move |e| { e.prevent_default(); apply(draft.get_untracked()); }>
            <label>{label(|t| t.from)} {date(0)}</label>
            <label>{label(|t| t.to)} {date(1)}</label>
            <label>{label(|t| t.outlet)} {select(2, outlets)}</label>
            <label>{label(|t| t.register)} {select(3, registers)}</label>
            <label>{label(|t| t.cashier)} {select(4, staff)}</label>
            <label>{label(|t| t.customer)} {select(5, customers)}</label>
            <label>{label(|t| t.receipt)} {field(6)}</label>
            <label>{label(|t| t.status)} {select(7, statuses)}</label>
            <label>{label(|t| t.channel)} {select(8, channels)}</label>
            <div class="filter-actions">
                <button class="primary" type="submit" data-testid="apply-filters">{label(|t| t.apply)}</button>
                <button class="secondary" type="button" data-testid="reset-filters" on:click=move |_| apply(Filters::default())>{label(|t| t.reset)}</button>
            </div>
        </form>
    }
}
