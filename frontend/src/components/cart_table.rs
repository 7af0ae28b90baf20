//! The lines of the cart: name, quantity (with touch buttons), unit price, line total.

use crate::state::AppCtx;
use leptos::prelude::*;
use shared::sale::Cart;

#[component]
pub fn CartTable(cart: RwSignal<Cart>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    // The language is part of each row so rows re-render when it (and so the money format) changes.
    let rows = move || {
        let l = lang.get();
        cart.with(|c| c.lines.iter().enumerate().map(|(i, line)| (i, line.clone(), l)).collect::<Vec<_>>())
    };
    view! {
        <table class="cart" data-testid="cart">
            <thead>
                <tr>
                    <th class="name">{move || lang.get().t().item}</th>
                    <th class="qty">{move || lang.get().t().qty}</th>
                    <th class="num">{move || lang.get().t().unit_price}</th>
                    <th class="num">{move || lang.get().t().line_total}</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=rows
                    key=|(i, line, l)| (*i, line.product_id.clone(), line.qty, *l)
                    children=move |(i, line, l)| {
                        let amount = line.amount().map(|m| l.money(m)).unwrap_or_default();
                        view! {
                            <tr class="line" data-sku=line.sku.clone()>
                                <td class="name">{line.name.clone()}</td>
                                <td class="qty">
                                    <button class="step" aria-label="-" on:click=move |_| cart.update(|c| {
                                        let q = c.lines.get(i).map_or(0, |l| l.qty);
                                        c.set_qty(i, q - 1);
                                    })>"−"</button>
                                    <span class="qty-value">{line.qty}</span>
                                    <button class="step" aria-label="+" on:click=move |_| cart.update(|c| {
                                        let q = c.lines.get(i).map_or(0, |l| l.qty);
                                        c.set_qty(i, q + 1);
                                    })>"+"</button>
                                </td>
                                <td class="num">{l.money(line.unit_price)}</td>
                                <td class="num line-total">{amount}</td>
                                <td>
                                    <button class="remove" title=l.t().remove on:click=move |_| cart.update(|c| c.set_qty(i, 0))>"×"</button>
                                </td>
                            </tr>
                        }
                    }
                />
            </tbody>
        </table>
    }
}
