//! A discount typed by the cashier, on a line or on the whole sale: a percent or an amount.

use crate::state::AppCtx;
use leptos::html;
use crate::i18n::tr;
use leptos::prelude::*;
use shared::sale::Discount;
use shared::Money;

#[component]
pub fn DiscountDialog(
    title: &'static str,
    on_apply: impl Fn(Discount) -> Result<(), String> + Copy + Send + Sync + 'static,
    on_remove: impl Fn() + Copy + Send + Sync + 'static,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let percent = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input: NodeRef<html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let apply = move || {
        let t = lang.get_untracked().t();
        let (p, a) = (percent.get_untracked(), amount.get_untracked());
        let discount = if !p.trim().is_empty() {
            match shared::sale::parse_percent(&p) {
                Some(bp) if bp > 0 => Discount::percent(bp),
                _ => return error.set(Some(t.bad_percent.to_string())),
            }
        } else {
            match Money::parse(&a) {
                Ok(m) if m.is_positive() => Discount::amount(m),
                _ => return error.set(Some(t.bad_amount.to_string())),
            }
        };
        match on_apply(discount) {
            Ok(()) => on_close(),
            Err(e) => error.set(Some(e)),
        }
    };
    let enter = move |e: web_sys::KeyboardEvent| {
        if e.key() == "Enter" {
            e.prevent_default();
            apply();
        }
    };
    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { on_close() }>
            <div class="dialog" role="dialog" aria-modal="true" data-testid="discount-dialog">
                <h2>{title}</h2>
                <label class="field">
                    <span>{tr(lang, |t| t.percent)} " (%)"</span>
                    <input node_ref=input data-testid="discount-percent" inputmode="decimal" autocomplete="off"
                        prop:value=move || percent.get()
                        on:input=move |e| { percent.set(event_target_value(&e)); amount.set(String::new()); error.set(None); }
                        on:keydown=enter/>
                </label>
                <label class="field">
                    <span>{tr(lang, |t| t.amount)} " ($)"</span>
                    <input data-testid="discount-amount" inputmode="decimal" autocomplete="off"
                        prop:value=move || amount.get()
                        on:input=move |e| { amount.set(event_target_value(&e)); percent.set(String::new()); error.set(None); }
                        on:keydown=enter/>
                </label>
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="discount-error">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button class="secondary" on:click=move |_| { on_remove(); on_close() }>{tr(lang, |t| t.remove_discount)}</button>
                    <button class="secondary" on:click=move |_| on_close()>{tr(lang, |t| t.cancel)}</button>
                    <button class="primary" data-testid="discount-apply" on:click=move |_| apply()>{tr(lang, |t| t.apply)}</button>
                </div>
            </div>
        </div>
    }
}
