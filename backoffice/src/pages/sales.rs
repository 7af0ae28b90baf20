//! Sales history: the newest sales the server has stored (in this device's or manager's outlets), newest
//! first — the pulled copy (`AppCtx::recent_sales`), so a sale stored by another register appears
//! while the page is open.

use crate::pages::orders::online_sale::{is_online_receipt, OnlineSaleBadge};
use frontend::i18n::{date_time, tr};
use frontend::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn SalesPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    // A link to one sale (`/ventes#sale-ID`, from the serial numbers page) scrolls to it once listed.
    Effect::new(move |_| {
        if ctx.recent_sales.with(|s| !s.is_empty()) {
            request_animation_frame(|| {
                let hash = window().location().hash().unwrap_or_default();
                if let Some(row) = hash.strip_prefix('#').and_then(|id| document().get_element_by_id(id)) {
                    row.scroll_into_view();
                }
            });
        }
    });
    view! {
        <section class="sales-page">
            <h1>{tr(lang, |t| t.server_sales)}</h1>
            {move || {
                let l = lang.get();
                let t = l.t();
                ctx.recent_sales.with(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty">{t.no_sales}</p> }.into_any();
                    }
                    view! {
                        <table class="sales" data-testid="server-sales">
                            <thead><tr>
                                <th>{t.receipt}</th><th>{t.date}</th><th>{t.register}</th>
                                <th class="num">{t.lines}</th><th class="num">{t.total}</th>
                            </tr></thead>
                            <tbody>
                                {list.iter().map(|s| view! {
                                    <tr id=format!("sale-{}", s.id) data-receipt=s.receipt.clone()>
                                        <td>{s.receipt.clone()}
                                            {is_online_receipt(&s.receipt).then(|| view! { " " <OnlineSaleBadge sale_id=s.id.clone()/> })}
                                        </td>
                                        <td>{date_time(l, s.created_at_ms)}</td>
                                        <td>{s.register_id.clone()}</td>
                                        <td class="num">{s.lines}</td>
                                        <td class="num">{l.money(s.total)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                })
            }}
        </section>
    }
}
