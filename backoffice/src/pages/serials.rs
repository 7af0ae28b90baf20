//! Serial numbers (seed 000), a back-office page: serials with their product, outlet and "Vendu le"
//! (date, time and a link to the sale), filtered on the server (product, outlet, sold or in stock, part
//! of the number while typing) a page at a time with "Charger plus"; each row's history and, for a
//! manager, its deletion after a confirmation (`row`); and "Ajouter des numéros de série" from a comma
//! list. Products are picked by a search (`picker`), never from a list of the whole catalogue. The
//! server decides with the shared rules; this page needs it.

pub mod picker;
mod row;

use crate::api::serials_api::{self, NewSerials, SerialQuery, SerialsFailure};
use crate::i18n_serials::{added_label, duplicates_label, serial_texts};
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use frontend::sync::api;
use crate::components::paged_list::{Load, PagedList};
use crate::components::debounce::Debounce;
use leptos::prelude::*;
use leptos::task::spawn_local;
use picker::ProductPicker;
use row::SerialRow;
use shared::stock::SerialNumber;
use std::time::Duration;

/// How long typing in the search pauses before it goes to the server.
const DEBOUNCE: Duration = Duration::from_millis(250);

#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Added(usize),
    /// Registered at this register and put in its outbox (operation id): the server has it once acknowledged.
    Queued(usize, String),
    ChooseProduct,
    Failed(SerialsFailure),
}


/// A refusal in the cashier's language, naming the duplicates.
fn failure_text(lang: Lang, f: &SerialsFailure) -> String {
    let t = serial_texts(lang);
    match f {
        SerialsFailure::Unreachable(m) => format!("{} ({m})", lang.t().server_unreachable),
        SerialsFailure::Refused(r) => match r.error.as_str() {
            "serial_duplicates" => duplicates_label(lang, &r.repeated_in_list, &r.already_registered),
            "serial_empty" => t.empty_list.into(),
            "unknown_product" => t.unknown_product.into(),
            "unknown_outlet" => t.unknown_outlet.into(),
            "not_found" => t.not_on_file.into(),
            "unauthenticated" => frontend::i18n_auth::auth_texts(lang).need_access.into(),
            _ => r.message.clone(),
        },
    }
}

/// A row's key: a row whose state changed is drawn again, an unchanged one (its history open) is kept.
type RowKey = (String, String, String, Option<String>, Option<String>);

fn row_key(s: &SerialNumber) -> RowKey {
    (
        s.product_id.clone(),
        s.serial.clone(),
        s.outlet_id.clone(),
        s.sold_on.as_ref().map(|x| x.sale_id.clone()),
        s.returned_on.as_ref().map(|x| x.return_sale_id.clone()),
    )
}

#[component]
pub fn SerialsPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let setup = LocalResource::new(api::setup);

    // The list: its filters, the rows loaded so far and the next page's cursor.
    let filter_product = RwSignal::new(String::new());
    let filter_outlet = RwSignal::new(String::new());
    let filter_sold = RwSignal::new(String::new());
    let searched = RwSignal::new(String::new());
    let list = PagedList::<SerialNumber, SerialsFailure>::new();
    let PagedList { rows, next, state, more_pending, .. } = list;
    let typing = Debounce::new(DEBOUNCE);

    // The form: empty until the catalog names the first serial-tracked product, the register's outlet.
    let product = RwSignal::new(String::new());
    let product_touched = StoredValue::new(false);
    let outlet = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);

    let query = move || SerialQuery {
        product_id: filter_product.get_untracked(),
        outlet_id: filter_outlet.get_untracked(),
        sold: match filter_sold.get_untracked().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        q: searched.get_untracked(),
    };
    let fetch = move |cursor: Option<String>| {
        let q = query();
        async move { serials_api::page(&q, cursor.as_deref()).await }
    };
    let search = move || list.search(fetch);
    let load_more = move |_| list.more(fetch);
    search();

    // The list is the server's: read it again once it has our queued registration.
    let refetched = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        ctx.pending_ops.track();
        if let Some(Notice::Queued(_, id)) = notice.get_untracked() {
            if !frontend::ops::is_pending(&ctx, &id) && refetched.get_value().as_ref() != Some(&id) {
                refetched.set_value(Some(id));
                search();
            }
        }
    });
    Effect::new(move |_| {
        ctx.catalog_size.get();
        if product_touched.get_value() || !product.get_untracked().is_empty() {
            return;
        }
        if let Some(id) = ctx.catalog.with_value(|c| c.products().find(|p| p.tracks_serials).map(|p| p.id.clone())) {
            product.set(id);
        }
    });

    let chosen_outlet = move || {
        let o = outlet.get_untracked();
        if !o.is_empty() {
            return o;
        }
        let mine = ctx.outlet.with_untracked(|o| o.as_ref().map(|o| o.id.clone()));
        setup
            .with_untracked(|s| {
                let outlets = &s.as_ref()?.as_ref().ok()?.outlets;
                outlets.iter().find(|o| Some(&o.id) == mine.as_ref()).or(outlets.first()).map(|o| o.id.clone())
            })
            .unwrap_or_default()
    };
    let outlet_name = Callback::new(move |id: String| {
        setup
            .get()
            .and_then(Result::ok)
            .and_then(|s| s.outlets.into_iter().find(|o| o.id == id).map(|o| o.name))
            .unwrap_or(id)
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (p, o, list) = (product.get_untracked(), chosen_outlet(), typed.get_untracked());
        if p.is_empty() {
            notice.set(Some(Notice::ChooseProduct));
            return;
        }
        if frontend::ops::via_outbox(&ctx) {
            // At an enrolled register: the same rule as the server's on the serials this register knows,
            // then the registration goes through the outbox (offline too); the server checks it again.
            let mut registry = ctx.serials.get_value();
            match registry.register_list(&p, &o, &list) {
                Err(e) => {
                    let (repeated_in_list, already_registered) = match &e {
                        shared::stock::SerialError::Duplicates { repeated_in_list, already_registered } => (repeated_in_list.clone(), already_registered.clone()),
                        _ => (Vec::new(), Vec::new()),
                    };
                    let refusal = serials_api::Refusal { error: e.code().into(), message: e.to_string(), repeated_in_list, already_registered };
                    notice.set(Some(Notice::Failed(SerialsFailure::Refused(refusal))));
                }
                Ok(added) => {
                    busy.set(true);
                    let id = frontend::ops::new_id();
                    let body = shared::sync::OpBody::SerialRegistration { product_id: p, outlet_id: o, serials: list };
                    spawn_local(async move {
                        let result = frontend::ops::record(&ctx, id.clone(), body).await;
                        busy.set(false);
                        match result {
                            Ok(_) => {
                                typed.set(String::new());
                                notice.set(Some(Notice::Queued(added.len(), id)));
                            }
                            Err(e) => notice.set(Some(Notice::Failed(SerialsFailure::Unreachable(e)))),
                        }
                    });
                }
            }
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = serials_api::add(&NewSerials { product_id: &p, outlet_id: &o, serials: &list }).await;
            busy.set(false);
            match result {
                Ok(added) => {
                    typed.set(String::new());
                    notice.set(Some(Notice::Added(added.len())));
                    search();
                }
                Err(f) => notice.set(Some(Notice::Failed(f))),
            }
        });
    };
    let on_gone = Callback::new(move |(product_id, serial): (String, String)| {
        notice.set(None);
        rows.update(|r| r.retain(|s| !(s.product_id == product_id && s.serial == serial)));
    });
    let on_failed = Callback::new(move |f: SerialsFailure| notice.set(Some(Notice::Failed(f))));

    let outlet_options = move |current: String| {
        setup.get().and_then(Result::ok).map(|s| {
            s.outlets
                .into_iter()
                .map(|o| {
                    let selected = o.id == current;
                    view! { <option value=o.id selected=selected>{o.name}</option> }
                })
                .collect_view()
        })
    };

    let form = move || {
        let t = serial_texts(lang.get());
        view! {
            <form class="serial-form" data-testid="serial-form" on:submit=submit>
                <h2>{t.add_title}</h2>
                <ProductPicker
                    chosen=product
                    testid="serial-product"
                    label=Signal::derive(move || serial_texts(lang.get()).product)
                    on_change=Callback::new(move |_| product_touched.set_value(true))
                />
                <label class="field">
                    <span>{t.outlet}</span>
                    <select data-testid="serial-outlet" on:change=move |ev| outlet.set(event_target_value(&ev))>
                        {move || outlet_options(chosen_outlet())}
                    </select>
                </label>
                <label class="field">
                    <span>{t.serials_field}</span>
                    <input
                        type="text"
                        data-testid="serial-list"
                        autocomplete="off"
                        placeholder=t.serials_hint
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))
                    />
                </label>
                <button class="primary" type="submit" data-testid="add-serials" disabled=move || busy.get()>
                    {t.add_title}
                </button>
            </form>
        }
    };

    let notice_view = move || {
        let l = lang.get();
        notice.get().map(|n| match n {
            Notice::Added(count) => {
                view! { <p class="notice success" role="status" data-testid="serial-notice">{added_label(l, count)}</p> }
            }
            Notice::Queued(count, id) => {
                let (state, text) = frontend::components::customer_ops::op_state(&ctx, &id);
                view! { <p class="notice" data-state=state role="status" data-testid="serial-notice">{format!("{} — {text}", added_label(l, count))}</p> }
            }
            Notice::ChooseProduct => {
                view! { <p class="notice error" role="alert" data-testid="serial-notice">{serial_texts(l).choose_product}</p> }
            }
            Notice::Failed(f) => {
                view! { <p class="notice error" role="alert" data-testid="serial-notice">{failure_text(l, &f)}</p> }
            }
        })
    };

    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        typing.run(move || {
            searched.set(text);
            search();
        });
    };
    let filters = move || {
        let t = serial_texts(lang.get());
        view! {
            <div class="serial-filters" role="search" aria-label=t.filters data-testid="serial-filters">
                <ProductPicker
                    chosen=filter_product
                    testid="filter-product"
                    label=Signal::derive(move || serial_texts(lang.get()).product)
                    on_change=Callback::new(move |_| search())
                />
                <label class="field">
                    <span>{t.outlet}</span>
                    <select data-testid="filter-outlet" on:change=move |ev| { filter_outlet.set(event_target_value(&ev)); search(); }>
                        <option value="" selected=move || filter_outlet.get_untracked().is_empty()>{t.all_outlets}</option>
                        {move || outlet_options(filter_outlet.get_untracked())}
                    </select>
                </label>
                <label class="field">
                    <span>{t.status}</span>
                    <select data-testid="filter-sold" on:change=move |ev| { filter_sold.set(event_target_value(&ev)); search(); }>
                        <option value="" selected=move || filter_sold.get_untracked().is_empty()>{t.all}</option>
                        <option value="false" selected=move || filter_sold.get_untracked() == "false">{t.in_stock}</option>
                        <option value="true" selected=move || filter_sold.get_untracked() == "true">{t.sold}</option>
                    </select>
                </label>
                <label class="field search">
                    <span>{t.search}</span>
                    <input
                        type="search"
                        data-testid="serial-search"
                        autocomplete="off"
                        placeholder=t.search_hint
                        prop:value=move || searched.get_untracked()
                        on:input=on_search
                    />
                </label>
            </div>
        }
    };

    let filtered = move || {
        let q = query();
        !(q.product_id.is_empty() && q.outlet_id.is_empty() && q.sold.is_none() && q.q.trim().is_empty())
    };
    let table = move || {
        let l = lang.get();
        let t = serial_texts(l);
        match state.get() {
            Load::Loading => view! { <p class="hint" role="status" data-testid="serials-loading">{t.loading}</p> }.into_any(),
            Load::Failed(f) => view! { <p class="notice error" role="alert">{failure_text(l, &f)}</p> }.into_any(),
            Load::Ready if rows.with(Vec::is_empty) => {
                view! { <p class="empty" data-testid="serials-empty">{if filtered() { t.none_match } else { t.none }}</p> }.into_any()
            }
            Load::Ready => view! {
                <table class="serial-numbers" data-testid="serials">
                    <thead>
                        <tr>
                            <th>{t.product}</th>
                            <th>{t.serial}</th>
                            <th>{t.outlet}</th>
                            <th>{t.sold_on}</th>
                            <th class="num"><span class="visually-hidden">{t.history}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=row_key
                            children=move |s| view! { <SerialRow serial=s outlet_name=outlet_name on_gone=on_gone on_failed=on_failed/> }
                        />
                    </tbody>
                </table>
                {move || next.get().map(|_| view! {
                    <button class="wide" data-testid="load-more" on:click=load_more disabled=move || more_pending.get()>
                        {move || if more_pending.get() { serial_texts(lang.get()).loading } else { serial_texts(lang.get()).load_more }}
                    </button>
                })}
            }
            .into_any(),
        }
    };

    view! {
        <section class="serials-page">
            <h1>{move || serial_texts(lang.get()).title}</h1>
            {form}
            {notice_view}
            {filters}
            {table}
        </section>
    }
}
