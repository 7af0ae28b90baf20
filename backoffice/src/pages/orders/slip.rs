//! The packing slip (a delivery) and the pickup receipt (a pickup) of one order part, printed on 80 mm
//! paper: the receipt's print styles (`.receipt` is what `@media print` shows), FR/EN. Hidden on screen.

use crate::i18n_orders::{order_texts, type_label};
use frontend::state::AppCtx;
use leptos::prelude::*;
use shared::fulfilment::OrderType;
use shared::online::OrderPartView;
use super::{date_time_in, OrdersCtx};

#[component]
pub fn Slip(part: OrderPartView) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let orders = expect_context::<OrdersCtx>();
    let l = ctx.lang.get_untracked();
    let t = order_texts(l);
    let outlet = orders.outlet_names.with_untracked(|n| n.iter().find(|(id, _)| *id == part.outlet_id).map(|(_, n)| n.clone())).unwrap_or_default();
    let delivery = part.order_type == OrderType::Delivery;
    let due = part.total.checked_sub(part.paid).ok().filter(|d| d.is_positive());
    view! {
        <section class="receipt packing-slip" data-testid="packing-slip" data-kind=if delivery { "delivery" } else { "pickup" }>
            <h3>{if delivery { t.slip_title } else { t.pickup_title }}</h3>
            <p>"Comptoir — " {outlet}</p>
            <p>{t.receipt} " " <strong>{part.receipt.clone()}</strong> " · " {t.platform_number} " " {part.number.clone()}</p>
            <p>{date_time_in(l, part.created_at_ms, &orders.time_zone.get_untracked())} " · " {type_label(l, part.order_type)}</p>
            <p>{if delivery { t.ship_to } else { t.pickup_by }} " : " <strong>{part.customer_name.clone()}</strong></p>
            <p class="sale-note">{part.sale_note.clone()}</p>
            <table>
                {part.lines.iter().map(|line| view! {
                    <tr>
                        <td>{line.ordered} " × " {line.name.clone()} <br/><small>{line.sku.clone()}</small></td>
                        <td class="num">"☐"</td>
                    </tr>
                }).collect_view()}
            </table>
            <p class="total-row grand"><span>{t.total}</span><span class="num">{l.money(part.total)}</span></p>
            {due.map(|d| view! { <p class="total-row"><span>{t.unpaid}</span><span class="num">{l.money(d)} " " {t.due}</span></p> })}
        </section>
    }
}
