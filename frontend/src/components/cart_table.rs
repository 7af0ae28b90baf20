//! The lines of the cart: name, quantity (with touch buttons), unit price, line total. The unit price
//! is a button (touch, or Tab then Enter) that opens *Modifier le prix*; an overridden price shows the
//! catalog price struck through and a *prix modifié* marker.

use crate::state::AppCtx;
use crate::i18n::tr;
use crate::i18n_price::price_texts;
use leptos::prelude::*;
use shared::sale::Cart;

#[component]
pub fn CartTable(
    cart: RwSignal<Cart>,
    on_discount: impl Fn(usize) + Copy + Send + Sync + 'static,
    on_price: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
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
                    <th class="name">{tr(lang, |t| t.item)}</th>
                    <th class="qty">{tr(lang, |t| t.qty)}</th>
                    <th class="num">{tr(lang, |t| t.unit_price)}</th>
                    <th class="num">{tr(lang, |t| t.line_total)}</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>
                <For
                    each=rows
                    key=|(i, line, l)| {
                        // Everything a row shows: a change re-renders that row only.
                        format!(
                            "{i}|{}|{}|{:?}|{}|{}|{:?}|{}",
                            line.product_id,
                            line.qty,
                            line.discount,
                            line.serials.len(),
                            line.unit_price.as_cents(),
                            line.price_override.as_ref().map(|o| (o.catalog_price.as_cents(), &o.by, &o.reason)),
                            l.code()
                        )
                    }
                    children=move |(i, line, l)| {
                        let amount = line.amount().map(|m| l.money(m)).unwrap_or_default();
                        // A returned item keeps the price its refund was planned at.
                        let fixed = line.return_of.is_some() || line.is_return();
                        let pt = price_texts(l);
                        view! {
                            <tr class="line" data-sku=line.sku.clone()>
                                <td class="name">
                                    {line.name.clone()}
                                    {line.discount.map(|d| view! { <small class="line-discount">" − " {match d.rule {
                                        shared::sale::DiscountRule::Percent { bp } => format!("{}\u{a0}%", shared::sale::percent_text(bp)),
                                        shared::sale::DiscountRule::Amount { amount } => l.money(amount),
                                    }}</small> })}
                                    {(!line.serials.is_empty()).then(|| view! { <small class="serials">" " {line.serials.join(", ")}</small> })}
                                </td>
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
                                <td class="num unit-price">
                                    {line.price_override.as_ref().map(|o| view! {
                                        <s class="catalog-price" data-testid="line-catalog-price">{l.money(o.catalog_price)}</s>
                                    })}
                                    <button class="price-button" class:overridden=line.price_override.is_some() data-testid="line-price"
                                        title=pt.change_price disabled=fixed on:click=move |_| on_price(i)>{l.money(line.unit_price)}</button>
                                    {line.price_override.as_ref().map(|_| view! {
                                        <small class="override-mark" data-testid="override-mark">{pt.overridden}</small>
                                    })}
                                </td>
                                <td class="num line-total">{amount}</td>
                                <td class="line-actions">
                                    <button class="step" title=l.t().line_discount data-testid="line-discount" on:click=move |_| on_discount(i)>"%"</button>
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
