//! The receipt of the last sale: shown after payment, and the only thing printed (80 mm paper). It
//! names the outlet with its tax registration numbers and each tax with its rate. A line sold at
//! another price than the catalog's says so, with the catalog price and the reason. The back office
//! reprints a past sale with it, giving the sale's outlet (`outlet`); the register prints its own.

use crate::i18n::date_time;
use crate::state::AppCtx;
use leptos::prelude::*;
use shared::catalog::Outlet;
use shared::sale::{Sale, TenderKind};
use shared::tax::TaxCode;

#[component]
pub fn Receipt(sale: Sale, #[prop(optional_no_strip)] outlet: Option<Outlet>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let l = ctx.lang.get_untracked();
    let t = l.t();
    let pt = crate::i18n_price::price_texts(l);
    let outlet = outlet.or_else(|| ctx.outlet.get_untracked());
    let rates = outlet.as_ref().map(|o| o.tax_rates).unwrap_or_default();
    let numbers: Vec<(TaxCode, String)> = outlet
        .as_ref()
        .map(|o| [(TaxCode::Gst, o.gst_number.clone()), (TaxCode::Qst, o.qst_number.clone())].into_iter().filter(|(_, n)| !n.is_empty()).collect())
        .unwrap_or_default();
    let cash = sale.tenders.iter().find(|x| x.kind == TenderKind::Cash).cloned();
    // The cashier by name when this device knows them (it made the sale, so it does), else by id.
    let cashier = (!sale.cashier_id.is_empty()).then(|| {
        ctx.auth.staff.with_untracked(|s| s.iter().find(|m| m.staff_id == sale.cashier_id).map(|m| m.name.clone())).unwrap_or_else(|| sale.cashier_id.clone())
    });
    view! {
        <section class="receipt" data-testid="receipt">
            <h3>"Comptoir — " {outlet.map(|o| o.name).unwrap_or_default()}</h3>
            {numbers.into_iter().map(|(code, number)| view! {
                <p class="tax-number" data-testid=if code == TaxCode::Gst { "receipt-gst-number" } else { "receipt-qst-number" }>
                    {l.tax_number_label(code)} " : " {number}
                </p>
            }).collect_view()}
            <p>{t.receipt} " " <strong data-testid="receipt-number">{sale.receipt.clone()}</strong></p>
            <p>{date_time(l, sale.created_at_ms)}</p>
            {cashier.map(|c| view! { <p>{crate::i18n_auth::auth_texts(l).cashier} " : " <span data-testid="receipt-cashier">{c}</span></p> })}
            <table>
                {sale.lines.iter().map(|line| view! {
                    <tr>
                        <td>{line.qty} " × " {line.name.clone()}</td>
                        <td class="num">{line.amount().map(|m| l.money(m)).unwrap_or_default()}</td>
                    </tr>
                    {line.price_override.as_ref().map(|o| view! {
                        <tr class="override" data-testid="receipt-override">
                            <td colspan="2"><small>
                                {pt.receipt_label} " " {l.money(line.unit_price)} " — " {pt.catalog_price} " " {l.money(o.catalog_price)}
                                " — " {o.reason.clone()}
                            </small></td>
                        </tr>
                    })}
                }).collect_view()}
            </table>
            <p class="total-row"><span>{t.subtotal}</span><span class="num">{l.money(sale.totals.subtotal)}</span></p>
            {TaxCode::ALL.map(|code| view! {
                <p class="total-row" data-testid=if code == TaxCode::Gst { "receipt-gst" } else { "receipt-qst" }>
                    <span>{l.tax_label(code, rates.ppm(code))}</span><span class="num">{l.money(sale.totals.tax(code))}</span>
                </p>
            }).collect_view()}
            <p class="total-row grand"><span>{t.total}</span><span class="num">{l.money(sale.totals.total)}</span></p>
            {cash.map(|c| view! {
                <p class="total-row"><span>{t.cash_tendered}</span><span class="num">{l.money(c.tendered)}</span></p>
                <p class="total-row grand"><span>{t.change_due}</span><span class="num" data-testid="receipt-change">{l.money(c.change)}</span></p>
            })}
            {sale.processor_refunds().into_iter().map(|(name, amount)| view! {
                <p class="total-row" data-testid="receipt-processor-refund">
                    <span>{t.refund_at_processor} " (" {name.unwrap_or_default().to_string()} ")"</span>
                    <span class="num">{l.money(amount)}</span>
                </p>
            }).collect_view()}
            <p class="thanks">{t.thanks}</p>
        </section>
    }
}
