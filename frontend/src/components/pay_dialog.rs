//! *Payer*: cash tendered → change due, on the total rounded to 0,05 $.

use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;
use shared::sale::{round_cash, settle_cash, CashSettlement};
use shared::Money;

#[component]
pub fn PayDialog(
    total: Money,
    on_confirm: impl Fn(CashSettlement) + Copy + 'static,
    on_cancel: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let due = round_cash(total);
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input: NodeRef<html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    // What the typed amount gives: change, or what is missing.
    let settlement = move || {
        let text = typed.get();
        if text.trim().is_empty() {
            return None;
        }
        Some(Money::parse(&text).map(|tendered| settle_cash(total, tendered)))
    };
    let confirm = move || {
        let l = lang.get_untracked();
        let text = typed.get_untracked();
        let tendered = if text.trim().is_empty() { Ok(due) } else { Money::parse(&text) };
        match tendered {
            Err(_) => error.set(Some(l.t().bad_amount.to_string())),
            Ok(tendered) => match settle_cash(total, tendered) {
                Ok(s) => on_confirm(s),
                Err(_) => error.set(Some(format!("{} {}", l.t().not_enough_cash, l.money(due)))),
            },
        }
    };
    let quick = move |cents: i64| {
        typed.set(Money(cents).format_fr_ca().replace(['\u{a0}', '$'], ""));
        error.set(None);
    };
    let quick_amounts: Vec<i64> = [2000, 5000, 10000].into_iter().filter(|c| *c >= due.as_cents()).collect();
    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { on_cancel() }>
            <div class="dialog" role="dialog" aria-modal="true" data-testid="pay-dialog">
                <h2>{move || lang.get().t().pay}</h2>
                <div class="total-row"><span>{move || lang.get().t().total}</span><span class="num">{move || lang.get().money(total)}</span></div>
                <div class="total-row grand">
                    <span>{move || lang.get().t().cash_due}</span>
                    <span class="num" data-testid="cash-due">{move || lang.get().money(due)}</span>
                </div>
                <Show when=move || due != total>
                    <div class="total-row small"><span>{move || lang.get().t().rounding}</span><span class="num">{move || lang.get().money(Money(due.as_cents() - total.as_cents()))}</span></div>
                </Show>
                <label class="field">
                    <span>{move || lang.get().t().cash_tendered}</span>
                    <input
                        node_ref=input
                        data-testid="tendered"
                        inputmode="decimal"
                        autocomplete="off"
                        prop:value=move || typed.get()
                        on:input=move |e| { typed.set(event_target_value(&e)); error.set(None); }
                        on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); confirm() }
                    />
                </label>
                <div class="quick">
                    <button on:click=move |_| quick(due.as_cents())>{move || lang.get().t().exact_amount}</button>
                    {quick_amounts.into_iter().map(|c| view! {
                        <button on:click=move |_| quick(c)>{move || lang.get().money(Money(c))}</button>
                    }).collect_view()}
                </div>
                <div class="total-row grand change">
                    <span>{move || lang.get().t().change_due}</span>
                    <span class="num" data-testid="change">
                        {move || match settlement() {
                            Some(Ok(Ok(s))) => lang.get().money(s.change),
                            _ => String::new(),
                        }}
                    </span>
                </div>
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="pay-error">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button class="secondary" on:click=move |_| on_cancel()>{move || lang.get().t().cancel}</button>
                    <button class="primary" data-testid="confirm-pay" on:click=move |_| confirm()>{move || lang.get().t().confirm}</button>
                </div>
            </div>
        </div>
    }
}
