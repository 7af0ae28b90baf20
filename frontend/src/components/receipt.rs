//! The receipt of the last sale: shown after payment, and the only thing printed (80 mm paper). A line
//! sold at another price than the catalog's says so, with the catalog price and the reason. The back
//! office reprints a past sale with it, naming the sale's outlet (`outlet_name`).

use crate::i18n::date_time;
use crate::state::AppCtx;
use leptos::prelude::*;
use shared::sale::{Sale, TenderKind};
use shared::tax::TaxCode;

#[component]
pub fn Receipt(sale: Sale, #[prop(optional)] outlet_name: Option<String>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let l = ctx.lang.get_untracked();
    let t = l.t();
    let pt = crate::i18n_price::price_texts(l);
    let outlet = outlet_name.or_else(|| ctx.outlet.get_untracked().map(|o| o.name)).unwrap_or_default();
    let cash = sale.tenders.iter().find(|x| x.kind == TenderKind::Cash).cloned();
    // The cashier by name when this device knows them (it made the sale, so it does), else by id.
    let cashier = (!sale.cashier_id.is_empty()).then(|| {
        ctx.auth.staff.with_untracked(|s| s.iter().find(|m| m.staff_id == sale.cashier_id).map(|m| m.name.clone())).unwrap_or_else(|| sale.cashier_id.clone())
    });
    view! {
        <section class="receipt" data-testid="receipt">
            <h3>"Comptoir — " {outlet}</h3>
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
            <p class="total-row"><span>{t.gst}</span><span class="num">{l.money(sale.totals.tax(TaxCode::Gst))}</span></p>
            <p class="total-row"><span>{t.qst}</span><span class="num">{l.money(sale.totals.tax(TaxCode::Qst))}</span></p>
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
