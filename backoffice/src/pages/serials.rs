//! Serial numbers (seed 000), a back-office page: every serial with its product, outlet and "Vendu le"
//! (date, time and a link to the sale), a trash icon per row, and "Ajouter des numéros de série" from a
//! comma list. The server decides with the shared rules; this page needs it.

use crate::api::serials_api::{self, NewSerials, SerialsFailure};
use crate::i18n_serials::{added_label, duplicates_label, serial_texts};
use frontend::i18n::{date_time, Lang};
use frontend::nav::Nav;
use frontend::state::AppCtx;
use frontend::sync::api;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Added(usize),
    /// Registered at this register and put in its outbox (operation id): the server has it once acknowledged.
    Queued(usize, String),
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

/// Opens the sale's page in sales history (`/ventes/{id}`) without reloading the app.
fn open_sale(e: web_sys::MouseEvent, nav: Nav, sale_id: &str) {
    if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() {
        return;
    }
    e.prevent_default();
    nav.go(&format!("/ventes/{}", frontend::sync::http::seg(sale_id)));
}

#[component]
pub fn SerialsPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let serials = LocalResource::new(serials_api::list);
    let setup = LocalResource::new(api::setup);
    // Empty until the manager picks one: the first serial-tracked product, the register's outlet.
    let product = RwSignal::new(String::new());
    let outlet = RwSignal::new(String::new());
    let typed = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    // The list is the server's: read it again once it has our queued registration.
    let refetched = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        ctx.pending_ops.track();
        if let Some(Notice::Queued(_, id)) = notice.get_untracked() {
            if !frontend::ops::is_pending(&ctx, &id) && refetched.get_value().as_ref() != Some(&id) {
                refetched.set_value(Some(id));
                serials.refetch();
            }
        }
    });

    let chosen_product = move || {
        let p = product.get_untracked();
        if !p.is_empty() {
            return p;
        }
        ctx.catalog
            .with_value(|c| c.products().find(|p| p.tracks_serials).or(c.products().next()).map(|p| p.id.clone()))
            .unwrap_or_default()
    };
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

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (p, o, list) = (chosen_product(), chosen_outlet(), typed.get_untracked());
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
                Ok(rows) => {
                    typed.set(String::new());
                    notice.set(Some(Notice::Added(rows.len())));
                    serials.refetch();
                }
                Err(f) => notice.set(Some(Notice::Failed(f))),
            }
        });
    };
    let remove = move |product_id: String, serial: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = serials_api::delete(&product_id, &serial).await;
            busy.set(false);
            notice.set(result.err().map(Notice::Failed));
            serials.refetch();
        });
    };

    let product_options = move || {
        ctx.catalog_size.get();
        let t = serial_texts(lang.get());
        let current = chosen_product();
        let (tracked, others): (Vec<_>, Vec<_>) = ctx.catalog.with_value(|c| {
            let mut all: Vec<_> = c.products().map(|p| (p.tracks_serials, p.name.clone(), p.id.clone())).collect();
            all.sort();
            all.into_iter().partition(|p| p.0)
        });
        let options = |list: Vec<(bool, String, String)>| {
            list.into_iter()
                .map(|(_, name, id)| {
                    let selected = id == current;
                    view! { <option value=id selected=selected>{name}</option> }
                })
                .collect_view()
        };
        view! {
            <optgroup label=t.tracked_products>{options(tracked)}</optgroup>
            <optgroup label=t.other_products>{options(others)}</optgroup>
        }
    };
    let outlet_options = move || {
        let current = chosen_outlet();
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
                <label class="field">
                    <span>{t.product}</span>
                    <select data-testid="serial-product" on:change=move |ev| product.set(event_target_value(&ev))>
                        {product_options}
                    </select>
                </label>
                <label class="field">
                    <span>{t.outlet}</span>
                    <select data-testid="serial-outlet" on:change=move |ev| outlet.set(event_target_value(&ev))>
                        {outlet_options}
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
            Notice::Failed(f) => {
                view! { <p class="notice error" role="alert" data-testid="serial-notice">{failure_text(l, &f)}</p> }
            }
        })
    };

    let table = move || {
        let l = lang.get();
        let t = serial_texts(l);
        ctx.catalog_size.get();
        let manager = ctx.auth.is_manager();
        serials.get().map(|result| match result {
            Err(f) => view! { <p class="notice error">{failure_text(l, &f)}</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="empty">{t.none}</p> }.into_any(),
            Ok(list) => {
                let outlets = setup.get().and_then(Result::ok).map(|s| s.outlets).unwrap_or_default();
                let rows = list
                    .into_iter()
                    .map(|s| {
                        let product_name = ctx
                            .catalog
                            .with_value(|c| c.get(&s.product_id).map(|p| p.name.clone()))
                            .unwrap_or_else(|| s.product_id.clone());
                        let outlet_name = outlets
                            .iter()
                            .find(|o| o.id == s.outlet_id)
                            .map_or_else(|| s.outlet_id.clone(), |o| o.name.clone());
                        let sold_on = match s.sold_on {
                            Some(sold) => {
                                let href = format!("/ventes/{}", frontend::sync::http::seg(&sold.sale_id));
                                view! {
                                    <a href=href data-testid="sold-on" on:click=move |e| open_sale(e, nav, &sold.sale_id)>
                                        {date_time(l, sold.at_ms)}
                                    </a>
                                }
                                .into_any()
                            }
                            None => view! { <span class="in-stock">{t.in_stock}</span> }.into_any(),
                        };
                        let label = format!("{} {}", t.delete, s.serial);
                        let (product_id, serial) = (s.product_id.clone(), s.serial.clone());
                        let data_serial = s.serial.clone();
                        view! {
                            <tr class="serial-row" data-serial=data_serial data-product=s.product_id>
                                <td>{product_name}</td>
                                <td class="serial">{s.serial}</td>
                                <td>{outlet_name}</td>
                                <td>{sold_on}</td>
                                <td class="num">
                                    // Deleting needs a manager's session: not offered to anyone else.
                                    {manager.then(|| view! {
                                        <button
                                            class="remove"
                                            aria-label=label
                                            title=t.delete
                                            on:click=move |_| remove(product_id.clone(), serial.clone())
                                        >
                                            "🗑"
                                        </button>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <table class="serial-numbers" data-testid="serials">
                        <thead>
                            <tr>
                                <th>{t.product}</th>
                                <th>{t.serial}</th>
                                <th>{t.outlet}</th>
                                <th>{t.sold_on}</th>
                                <th class="num"><span class="visually-hidden">{t.delete}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                .into_any()
            }
        })
    };

    view! {
        <section class="serials-page">
            <h1>{move || serial_texts(lang.get()).title}</h1>
            {form}
            {notice_view}
            <Transition fallback=move || view! { <p>"…"</p> }>{table}</Transition>
        </section>
    }
}
