//! *Stock*: receiving, a count or damage for one product at the register's outlet, offline too. The
//! adjustment becomes an operation in the outbox (`crate::ops`); the quick keys' levels move at once.

use crate::i18n_ops::{ops_texts, reason_label};
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sync::ops::{AdjustmentLine, AdjustmentReason};
use shared::sync::OpBody;

#[component]
pub fn StockDialog(
    /// The product's code as typed, or as scanned while the dialog is open (the register routes scans here).
    code: RwSignal<String>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || ops_texts(lang.get());
    let reason = RwSignal::new(AdjustmentReason::Receiving);
    let qty = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    // Made at the first confirm and kept until recorded: pressing again records one adjustment.
    let op_id = StoredValue::new(None::<String>);
    let busy = StoredValue::new(false);
    let product = move || ctx.catalog.with_value(|c| c.find(code.get().trim()).cloned());

    let confirm = move || {
        if busy.get_value() {
            return;
        }
        let t = ops_texts(lang.get_untracked());
        let (Some(p), Some(outlet)) = (product(), ctx.outlet.get_untracked()) else {
            return error.set(Some(t.unknown_product.into()));
        };
        let min = if reason.get_untracked() == AdjustmentReason::Count { 0 } else { 1 };
        let n = match qty.get_untracked().trim().parse::<i64>() {
            Ok(n) if n >= min && n <= shared::limits::MAX_STOCK_LEVEL => n,
            _ => return error.set(Some(t.bad_qty.into())),
        };
        let id = op_id.get_value().unwrap_or_else(crate::ops::new_id);
        op_id.set_value(Some(id.clone()));
        busy.set_value(true);
        let body = OpBody::StockAdjustment {
            outlet_id: outlet.id,
            reason: reason.get_untracked(),
            lines: vec![AdjustmentLine { product_id: p.id.clone(), qty: n }],
        };
        spawn_local(async move {
            let result = crate::ops::record(&ctx, id, body).await;
            busy.set_value(false);
            match result {
                Ok(_) => {
                    op_id.set_value(None);
                    error.set(None);
                    done.set(Some(format!("{} — {} : {}", ops_texts(lang.get_untracked()).stock_recorded, p.name, n)));
                    code.set(String::new());
                    qty.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let qty_label = move || match reason.get() {
        AdjustmentReason::Receiving => t().qty_received,
        AdjustmentReason::Count => t().qty_counted,
        AdjustmentReason::Damage => t().qty_damaged,
    };

    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { on_close.run(()) }>
            <form class="dialog" role="dialog" aria-modal="true" data-testid="stock-dialog"
                on:submit=move |e| { e.prevent_default(); confirm(); }>
                <h2>{move || t().stock_title}</h2>
                <label class="field">
                    <span>{move || t().product}</span>
                    <input data-testid="stock-product" autocomplete="off" placeholder=move || t().product_hint
                        prop:value=move || code.get() on:input=move |e| { code.set(event_target_value(&e)); done.set(None); }/>
                </label>
                <p class="hint" data-testid="stock-product-name">
                    {move || product().map(|p| {
                        let level = ctx.stock.with(|s| s.get(&p.id).copied());
                        match level {
                            Some(l) => format!("{} ({l})", p.name),
                            None => p.name,
                        }
                    })}
                </p>
                <div class="tender-buttons" role="radiogroup">
                    {[AdjustmentReason::Receiving, AdjustmentReason::Count, AdjustmentReason::Damage].into_iter().map(|r| {
                        let code: &'static str = r.into();
                        view! {
                            <button type="button" role="radio" data-testid=format!("stock-{code}")
                                class:primary=move || reason.get() == r aria-checked=move || (reason.get() == r).to_string()
                                on:click=move |_| reason.set(r)>{move || reason_label(lang.get(), r)}</button>
                        }
                    }).collect_view()}
                </div>
                <label class="field">
                    <span>{qty_label}</span>
                    <input data-testid="stock-qty" inputmode="numeric" autocomplete="off"
                        prop:value=move || qty.get() on:input=move |e| qty.set(event_target_value(&e))/>
                </label>
                {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="stock-error">{e}</p> })}
                {move || done.get().map(|d| view! { <p class="notice success" role="status" data-testid="stock-done">{d}</p> })}
                <div class="actions">
                    <button type="button" class="secondary" data-testid="stock-close" on:click=move |_| on_close.run(())>{move || t().cancel}</button>
                    <button type="submit" class="primary" data-testid="stock-confirm">{move || t().confirm}</button>
                </div>
            </form>
        </div>
    }
}
