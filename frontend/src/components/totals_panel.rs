//! Subtotal, each tax (named with the outlet's rate) and total, as `shared` computes them.

use crate::state::AppCtx;
use crate::i18n::tr;
use leptos::prelude::*;
use shared::sale::Totals;
use shared::tax::TaxCode;

#[component]
pub fn TotalsPanel(totals: Memo<Option<Totals>>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let row = move |label: fn(&crate::i18n::Texts) -> &'static str, pick: fn(&Totals) -> shared::Money, id: &'static str| {
        view! {
            <div class="total-row" data-testid=id>
                <span>{move || label(lang.get().t())}</span>
                <span class="num">{move || totals.get().map(|t| lang.get().money(pick(&t))).unwrap_or_default()}</span>
            </div>
        }
    };
    view! {
        <section class="totals">
            {row(|t| t.subtotal, |t| t.subtotal, "subtotal")}
            <Show when=move || totals.get().is_some_and(|t| t.discount != shared::Money::ZERO)>
                {row(|t| t.discounts_total, |t| shared::Money(-t.discount.as_cents()), "discounts")}
            </Show>
            {TaxCode::ALL.map(|code| view! {
                <div class="total-row" data-testid=if code == TaxCode::Gst { "gst" } else { "qst" }>
                    <span>{move || lang.get().tax_label(code, ctx.rates().ppm(code))}</span>
                    <span class="num">{move || totals.get().map(|t| lang.get().money(t.tax(code))).unwrap_or_default()}</span>
                </div>
            }).collect_view()}
            <div class="total-row grand">
                <span>{tr(lang, |t| t.total)}</span>
                <span class="num" data-testid="total">
                    {move || totals.get().map(|t| lang.get().money(t.total)).unwrap_or_default()}
                </span>
            </div>
        </section>
    }
}
