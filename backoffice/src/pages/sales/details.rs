//! `/ventes/{id}`: one sale in full — lines with their price overrides and serial numbers, taxes per
//! rate, tenders and the cash rounding, customer, notes, the returns already made and the online order
//! it comes from — every figure as the server computed it with `shared` (`sales_history::details`).
//! Reprints its receipt (the register's `Receipt`, 80 mm print style), prepares a return at the
//! register, adds a note, and for an online order still owed records a payment.

use super::list::{badges, failure_text};
use super::notes::SaleNotesPanel;
use super::payment::OnlinePayment;
use super::return_picker::ReturnPicker;
use super::Names;
use crate::api::history_api;
use crate::i18n_history::history_texts;
use crate::pages::orders::date_time_in;
use frontend::components::pay_dialog::kind_label;
use frontend::components::receipt::Receipt;
use frontend::nav::Nav;
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use shared::sales_history::SaleDetails;
use shared::sale::TenderKind;
use shared::tax::TaxCode;

/// A link to another sale's page, in place.
fn sale_link(nav: Nav, id: String, label: String) -> impl IntoView {
    let href = format!("/ventes/{}", frontend::sync::http::seg(&id));
    view! { <a href=href data-testid="sale-link" on:click=move |e| super::list::open_sale(e, nav, &id)>{label}</a> }
}

#[component]
pub fn SaleDetailsPage(id: String) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let nav = expect_context::<Nav>();
    let names = expect_context::<RwSignal<Names>>();
    let lang = ctx.lang;
    // Bumped after a note or a payment: the details are read again.
    let reload = RwSignal::new(0u32);
    let id = StoredValue::new(id);
    let details = LocalResource::new(move || {
        reload.track();
        let id = id.get_value();
        async move { history_api::details(&id).await }
    });
    let back = move |e: web_sys::MouseEvent| {
        if e.button() == 0 && !e.ctrl_key() && !e.meta_key() && !e.shift_key() {
            e.prevent_default();
            nav.go("/ventes");
        }
    };
    let back_href = format!("/ventes{}", window().location().search().unwrap_or_default());
    view! {
        <section class="sale-details" data-testid="sale-details">
            <a class="back" href=back_href data-testid="back-to-history" on:click=back>{move || history_texts(lang.get()).back}</a>
            {move || {
                let t = history_texts(lang.get());
                match details.get() {
                    None => view! { <p class="hint" data-testid="details-loading">{t.loading}</p> }.into_any(),
                    Some(Err(ApiFailure::Refused { status: 404, .. })) => view! { <p class="notice bad" role="alert" data-testid="details-error">{t.not_found}</p> }.into_any(),
                    Some(Err(f)) => view! { <p class="notice bad" role="alert" data-testid="details-error">{failure_text(t, &f)}</p> }.into_any(),
                    Some(Ok(d)) => sale_view(ctx, nav, names, d, reload).into_any(),
                }
            }}
        </section>
    }
}

fn sale_view(ctx: AppCtx, nav: Nav, names: RwSignal<Names>, d: SaleDetails, reload: RwSignal<u32>) -> impl IntoView {
    let l = ctx.lang.get();
    let t = history_texts(l);
    let ft = l.t();
    let n = names.get();
    let s = &d.summary;
    let sale = d.sale.clone();
    let outlet_name = n.outlet(&s.outlet_id);
    let outlet = n.outlet_of(&s.outlet_id);
    let rates = outlet.as_ref().map(|o| o.tax_rates).unwrap_or_default();
    let owed = d.owed();
    let cash = d.tenders.iter().find(|x| x.kind == TenderKind::Cash).cloned();
    view! {
        <h1>{t.sale} " " <span data-testid="details-receipt">{s.receipt.clone()}</span></h1>
        <p class="sale-meta">
            <span data-testid="details-date">{date_time_in(l, s.created_at_ms, &n.time_zone(&s.outlet_id))}</span>
            " — " {outlet_name.clone()} " / " {n.register(&s.register_id)}
            {(!s.cashier_id.is_empty()).then(|| view! { " — " {t.cashier} " : " <span data-testid="details-cashier">{n.staff(&s.cashier_id)}</span> })}
            {badges(t, s).into_iter().map(|(code, label)| view! { " " <span class=format!("badge {code}") data-testid=format!("badge-{code}")>{label}</span> }).collect_view()}
        </p>
        {d.customer.clone().map(|c| view! { <p>{t.customer} " : " <strong data-testid="details-customer">{c.name}</strong></p> })}
        {d.online_order.clone().map(|o| view! {
            <p data-testid="details-online-order">{t.online_order} " " <strong>{o.number}</strong> " — " {o.status}
                " — " {l.money(o.paid)} " / " {l.money(o.total)} " " <a href="/commandes">{t.open_orders}</a></p>
        })}
        {(!d.returns_of.is_empty()).then(|| view! {
            <p data-testid="details-return-of">{t.return_of} " "
                {d.returns_of.iter().map(|id| sale_link(nav, id.clone(), id.clone())).collect_view()}</p>
        })}
        <h2>{t.items}</h2>
        <table class="sales details-lines" data-testid="details-lines">
            <thead><tr><th class="num">{t.qty}</th><th>{ft.item}</th><th class="num">{t.unit_price}</th><th class="num">{t.amount}</th></tr></thead>
            <tbody>
                {d.sale.lines.iter().enumerate().map(|(i, line)| {
                    let o = d.overrides.iter().find(|o| o.line == i).cloned();
                    let serials: Vec<String> = d.serials.iter().filter(|x| x.line == i).map(|x| x.serial.clone()).collect();
                    view! {
                        <tr data-testid="details-line">
                            <td class="num">{line.qty}</td>
                            <td>{line.name.clone()}</td>
                            <td class="num">{l.money(line.unit_price)}</td>
                            <td class="num">{line.amount().map(|m| l.money(m)).unwrap_or_default()}</td>
                        </tr>
                        {o.map(|o| view! {
                            <tr class="override" data-testid="details-override"><td></td><td colspan="3"><small>
                                {t.price_changed} " — " {t.catalog_price} " " {l.money(o.set.catalog_price)} " — " {t.by} " " {n.staff(&o.set.by)}
                                " — " {o.set.reason.clone()}
                            </small></td></tr>
                        })}
                        {(!serials.is_empty()).then(|| view! {
                            <tr class="serials" data-testid="details-serials"><td></td><td colspan="3"><small>{t.serials} " : " {serials.join(", ")}</small></td></tr>
                        })}
                    }
                }).collect_view()}
            </tbody>
        </table>
        <div class="details-totals">
            <p class="total-row"><span>{t.subtotal}</span><span class="num">{l.money(d.sale.totals.subtotal)}</span></p>
            {(!d.sale.totals.discount.is_zero()).then(|| view! {
                <p class="total-row"><span>{t.discount}</span><span class="num">{l.money(d.sale.totals.discount)}</span></p>
            })}
            {d.taxes.iter().map(|x| {
                let (label, code) = (l.tax_label(x.code, rates.ppm(x.code)), if x.code == TaxCode::Gst { "gst" } else { "qst" });
                view! { <p class="total-row" data-testid=format!("details-tax-{code}")><span>{label}</span><span class="num">{l.money(x.amount)}</span></p> }
            }).collect_view()}
            <p class="total-row grand"><span>{t.total}</span><span class="num" data-testid="details-total">{l.money(d.sale.totals.total)}</span></p>
            <h2>{t.tenders}</h2>
            {d.tenders.iter().map(|x| {
                let processor = x.processor.clone().map(|p| format!(" ({p})")).unwrap_or_default();
                view! { <p class="total-row" data-testid="details-tender"><span>{kind_label(ft, x.kind)} {processor}</span><span class="num">{l.money(x.amount)}</span></p> }
            }).collect_view()}
            {cash.filter(|c| c.change.is_positive()).map(|c| view! {
                <p class="total-row"><span>{t.change}</span><span class="num">{l.money(c.change)}</span></p>
            })}
            {(!d.cash_rounding.is_zero()).then(|| view! {
                <p class="total-row" data-testid="details-rounding"><span>{t.rounding}</span><span class="num">{l.money(d.cash_rounding)}</span></p>
            })}
            {owed.is_positive().then(|| view! {
                <p class="total-row grand" data-testid="details-owed"><span>{t.owed}</span><span class="num">{l.money(owed)}</span></p>
            })}
        </div>
        {(!d.returns.is_empty()).then(|| view! {
            <h2>{t.returns_made}</h2>
            <ul class="returns-made" data-testid="returns-made">
                {d.returns.iter().map(|r| view! {
                    <li data-testid="return-made">
                        {sale_link(nav, r.sale_id.clone(), r.receipt.clone())} " — "
                        {date_time_in(l, r.created_at_ms, &n.time_zone(&s.outlet_id))} " — " {l.money(r.total)}
                    </li>
                }).collect_view()}
            </ul>
        })}
        <ReturnPicker sale_id=s.id.clone() returnable=d.returnable.clone()/>
        <SaleNotesPanel details=d.clone() reload=reload/>
        {(owed.is_positive() && d.online_order.is_some()).then(|| view! { <OnlinePayment details=d.clone() reload=reload/> })}
        <div class="reprint">
            <button class="secondary" data-testid="reprint" on:click=move |_| { let _ = window().print(); }>{t.reprint}</button>
            <Receipt sale=sale outlet=outlet/>
        </div>
    }
}
