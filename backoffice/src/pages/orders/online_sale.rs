//! An online sale in sales history (seed 004): marked « En ligne », with the processor that took the
//! payment, and — since a refund at the register cannot reverse a processor's charge — the reminder
//! « Remboursement à faire chez le processeur (<nom>) ». Returning its items is the register's usual
//! return flow.

use crate::i18n_orders::order_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;

/// Receipts of online orders read `<register code>-W-<sequence>` (decision 1 of issue 11).
pub fn is_online_receipt(receipt: &str) -> bool {
    receipt.contains("-W-")
}

#[component]
pub fn OnlineSaleBadge(sale_id: String) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let id = sale_id.clone();
    let parts = LocalResource::new(move || {
        let id = id.clone();
        async move { super::data::fetch_order(&id).await.ok().unwrap_or_default() }
    });
    view! {
        <span class="badge" data-testid="online-sale">{move || order_texts(lang.get()).online_sale}</span>
        {move || parts.get().and_then(|p| p.into_iter().find_map(|p| p.processor)).map(|name| {
            let l = lang.get();
            let t = order_texts(l);
            view! {
                " " <small data-testid="sale-processor">{t.processor} " : " {name.clone()}</small>
                " " <small class="notice info" data-testid="refund-at-processor">{l.t().refund_at_processor} " (" {name} ")"</small>
            }
        })}
    }
}
