//! One serial on the serial numbers page: product, serial, outlet, "Vendu le" (date, time, the sale's
//! link); "Historique" opens its history below it (received, sold, returned, moved, deleted, with the
//! sale's link); and, for a manager, the trash icon behind an inline confirmation ("Supprimer ce numéro ?
//! Oui / Non") whose Oui sends one request however often it is pressed.

use crate::api::serials_api::{self, SerialsFailure};
use crate::i18n_serials::{event_label, serial_texts};
use frontend::i18n::date_time;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::stock::{SerialEvent, SerialNumber};

/// Opens the sale's page in sales history (`/ventes/{id}`) without reloading the app.
fn open_sale(e: web_sys::MouseEvent, nav: Nav, sale_id: &str) {
    if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() {
        return;
    }
    e.prevent_default();
    nav.go(&sale_href(sale_id));
}

fn sale_href(sale_id: &str) -> String {
    format!("/ventes/{}", frontend::sync::http::seg(sale_id))
}

/// The link to a sale, its text given.
fn sale_link(nav: Nav, sale_id: String, testid: &'static str, text: String) -> impl IntoView {
    view! { <a href=sale_href(&sale_id) data-testid=testid on:click=move |e| open_sale(e, nav, &sale_id)>{text}</a> }
}

#[component]
pub fn SerialRow(
    serial: SerialNumber,
    /// An outlet's name from its id.
    outlet_name: Callback<String, String>,
    /// Ran once the server deleted it (or had no such serial any more): the page drops the row.
    on_gone: Callback<(String, String)>,
    on_failed: Callback<SerialsFailure>,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let lang = ctx.lang;
    let t = move || serial_texts(lang.get());
    let key = StoredValue::new((serial.product_id.clone(), serial.serial.clone()));
    let confirming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let expanded = RwSignal::new(false);
    let history = RwSignal::new(None::<Result<Vec<SerialEvent>, SerialsFailure>>);
    let trash_ref = NodeRef::<leptos::html::Button>::new();
    let no_ref = NodeRef::<leptos::html::Button>::new();
    // The keyboard follows the confirmation: onto its safe answer, back to the trash icon after.
    Effect::new(move |was_confirming: Option<bool>| {
        let now = confirming.get();
        if now {
            if let Some(b) = no_ref.get() {
                let _ = b.focus();
            }
        } else if was_confirming == Some(true) {
            if let Some(b) = trash_ref.get_untracked() {
                let _ = b.focus();
            }
        }
        now
    });

    let delete = move |_| {
        // Checked and set before anything is sent: a second press, however quick, finds it set.
        if deleting.get_untracked() {
            return;
        }
        deleting.set(true);
        spawn_local(async move {
            let (product_id, serial) = key.get_value();
            match serials_api::delete(&product_id, &serial).await {
                Ok(()) => on_gone.run(key.get_value()),
                Err(SerialsFailure::Refused(r)) if r.error == "not_found" => on_gone.run(key.get_value()),
                Err(f) => {
                    deleting.set(false);
                    confirming.set(false);
                    on_failed.run(f);
                }
            }
        });
    };
    let toggle_history = move |_| {
        let open = !expanded.get_untracked();
        expanded.set(open);
        if open {
            // Read again at each opening: a sale or a return may have come since.
            history.set(None);
            spawn_local(async move {
                let (product_id, serial) = key.get_value();
                let answer = serials_api::history(&product_id, &serial).await;
                history.set(Some(answer));
            });
        }
    };

    let product_name = {
        let id = serial.product_id.clone();
        move || {
            ctx.catalog_size.get();
            ctx.catalog.with_value(|c| c.get(&id).map(|p| p.name.clone())).unwrap_or_else(|| id.clone())
        }
    };
    let outlet = {
        let id = serial.outlet_id.clone();
        move || outlet_name.run(id.clone())
    };
    let sold_on = serial.sold_on.clone();
    let sold_view = move || match sold_on.clone() {
        Some(sold) => sale_link(nav, sold.sale_id, "sold-on", date_time(lang.get(), sold.at_ms)).into_any(),
        None => view! { <span class="in-stock">{t().in_stock}</span> }.into_any(),
    };
    let history_id = format!("history-{}-{}", serial.product_id, serial.serial).replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_");
    let history_id2 = history_id.clone();
    let label = serial.serial.clone();

    let actions = move || {
        let t = t();
        let label = label.clone();
        let history_id = history_id.clone();
        let history_button = view! {
            <button
                type="button"
                class="secondary"
                data-testid="serial-history-toggle"
                aria-expanded=move || expanded.get().to_string()
                aria-controls=history_id
                aria-label=format!("{} {label}", t.history)
                on:click=toggle_history
            >
                {t.history}
            </button>
        };
        // Deleting needs a manager's session: not offered to anyone else.
        let trash = ctx.auth.is_manager().then(|| {
            if confirming.get() {
                view! {
                    <div
                        class="confirm inline"
                        role="alertdialog"
                        aria-label=t.confirm_delete
                        data-testid="serial-confirm"
                        on:keydown=move |e: leptos::ev::KeyboardEvent| if e.key() == "Escape" { confirming.set(false) }
                    >
                        <span>{t.confirm_delete}</span>
                        " "
                        <button type="button" class="primary danger" data-testid="serial-confirm-yes" disabled=move || deleting.get() on:click=delete>
                            {t.yes}
                        </button>
                        " "
                        <button type="button" class="secondary" data-testid="serial-confirm-no" node_ref=no_ref disabled=move || deleting.get() on:click=move |_| confirming.set(false)>
                            {t.no}
                        </button>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <button type="button" class="remove" node_ref=trash_ref aria-label=format!("{} {label}", t.delete) title=t.delete on:click=move |_| confirming.set(true)>
                        "🗑"
                    </button>
                }
                .into_any()
            }
        });
        view! { <div class="row-actions">{history_button}{trash}</div> }
    };

    let history_view = move || {
        expanded.get().then(|| {
            let l = lang.get();
            let t = serial_texts(l);
            let body = match history.get() {
                None => view! { <p class="hint" role="status">{t.loading}</p> }.into_any(),
                Some(Err(f)) => view! { <p class="notice error" role="alert">{super::failure_text(l, &f)}</p> }.into_any(),
                Some(Ok(events)) => view! {
                    <table class="serial-events">
                        <thead>
                            <tr><th>{t.event}</th><th>{t.outlet}</th><th>{t.when}</th><th>{t.sale}</th></tr>
                        </thead>
                        <tbody>
                            {events.into_iter().map(|e| {
                                let sale = e.sale().map(|id| sale_link(nav, id.to_owned(), "event-sale", id.to_owned()));
                                let kind: &'static str = e.kind.into();
                                view! {
                                    <tr class="serial-event" data-kind=kind>
                                        <td>{event_label(l, e.kind)}</td>
                                        <td>{outlet_name.run(e.outlet_id.clone())}</td>
                                        <td>{date_time(l, e.at_ms)}</td>
                                        <td>{sale}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            };
            view! {
                <tr class="serial-history-row">
                    <td colspan="5" id=history_id2.clone() data-testid="serial-history">{body}</td>
                </tr>
            }
        })
    };

    view! {
        <tr class="serial-row" data-serial=serial.serial.clone() data-product=serial.product_id.clone()>
            <td>{product_name}</td>
            <td class="serial">{serial.serial.clone()}</td>
            <td>{outlet}</td>
            <td>{sold_view}</td>
            <td class="num">{actions}</td>
        </tr>
        {history_view}
    }
}
