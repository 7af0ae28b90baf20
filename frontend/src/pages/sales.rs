//! Sales history: the sales the server has stored, newest first.

use crate::i18n::{date_time, tr};
use crate::state::AppCtx;
use crate::sync::api;
use leptos::prelude::*;

#[component]
pub fn SalesPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let sales = LocalResource::new(api::sales);
    // A link to one sale (`/ventes#sale-ID`, from the serial numbers page) scrolls to it once listed.
    Effect::new(move |_| {
        if sales.with(|s| matches!(s, Some(Ok(_)))) {
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
            <button class="secondary" on:click=move |_| sales.refetch()>{tr(lang, |t| t.refresh)}</button>
            <Transition fallback=move || view! { <p>"…"</p> }>
                {move || sales.get().map(|r| match r {
                    Err(e) => view! { <p class="notice error">{lang.get().t().server_unreachable} " (" {e.to_string()} ")"</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{lang.get().t().no_sales}</p> }.into_any(),
                    Ok(list) => {
                        let l = lang.get();
                        let t = l.t();
                        view! {
                            <table class="sales" data-testid="server-sales">
                                <thead><tr>
                                    <th>{t.receipt}</th><th>{t.date}</th><th>{t.register}</th>
                                    <th class="num">{t.lines}</th><th class="num">{t.total}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! {
                                        <tr id=format!("sale-{}", s.sale.id) data-receipt=s.sale.receipt.clone()>
                                            <td>{s.sale.receipt.clone()}</td>
                                            <td>{date_time(l, s.sale.created_at_ms)}</td>
                                            <td>{s.sale.register_id.clone()}</td>
                                            <td class="num">{s.sale.lines.iter().map(|x| x.qty).sum::<i64>()}</td>
                                            <td class="num">{l.money(s.sale.totals.total)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}
