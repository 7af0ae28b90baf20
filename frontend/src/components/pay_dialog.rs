//! *Payer*: one or several tenders — card, on account, store credit — then cash for the rest, rounded
//! to 0,05 $ with change. A negative total is a refund: in cash, to the card, or as store credit.
//!
//! One action, one effect: once a tender settles the sale the dialog is spent (`done`, checked and set
//! synchronously before anything else), so a second click, a dblclick or Enter during the commit does
//! nothing; and a button that added part of the payment, pressed again within [`REPEAT_MS`], is the
//! same press (it would otherwise pay the rest).

use crate::i18n::{Lang, Texts, tr};
use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;
use shared::sale::{amount_due, round_cash, settle_cash, Tender, TenderKind};
use shared::sync::CustomerSummary;
use shared::Money;

pub fn kind_label(t: &Texts, kind: TenderKind) -> &'static str {
    match kind {
        TenderKind::Cash => t.cash,
        TenderKind::Card => t.card,
        TenderKind::Account => t.on_account,
        TenderKind::StoreCredit => t.store_credit_label,
        TenderKind::Online => t.online_tender,
    }
}

/// Two presses of one tender button closer than this are one press (a double click, a bouncing key).
const REPEAT_MS: f64 = 500.0;
/// How long a commit may take before the spent dialog's buttons show as disabled.
const SPENT_SHOWN_MS: u64 = 50;

#[component]
pub fn PayDialog(
    total: Money,
    customer: Option<CustomerSummary>,
    on_confirm: impl Fn(Vec<Tender>) + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
    /// The online sale (paid through a processor) the cart's returns come from: its refund may go back
    /// to that payment, which the processor must then be asked for by hand (seed 004).
    online_original: Option<shared::sale::Sale>,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let refund = total.is_negative();
    let tenders = RwSignal::new(Vec::<Tender>::new());
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input: NodeRef<html::Input> = NodeRef::new();
    let customer = StoredValue::new(customer);
    // The guard, checked and set synchronously; the buttons show as disabled only if the commit takes
    // longer than a glance (`SPENT_SHOWN_MS`): a DOM change right at the click would make the browser
    // render a frame before it hands the commit's first reads back (measured by scripts/bench).
    let done = StoredValue::new(false);
    let spent = RwSignal::new(false);
    let spend = move || {
        done.set_value(true);
        set_timeout(move || { let _ = spent.try_set(true); }, std::time::Duration::from_millis(SPENT_SHOWN_MS));
    };
    // The last partial tender added (kind, when): the same button again within REPEAT_MS is the same press.
    let last_partial = StoredValue::new((None::<TenderKind>, 0.0f64));
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });

    let due = move || tenders.with(|t| amount_due(total, t)).unwrap_or(Money::ZERO);
    let cash_due = move || round_cash(due());
    let fail = move |f: fn(&Texts) -> &'static str, extra: Option<Money>| {
        let l: Lang = lang.get_untracked();
        error.set(Some(match extra {
            Some(m) => format!("{} {}", f(l.t()), l.money(m)),
            None => f(l.t()).to_string(),
        }));
    };
    // The amount typed, or `default` when nothing is typed.
    let typed_or = move |default: Money| -> Option<Money> {
        let text = typed.get_untracked();
        if text.trim().is_empty() {
            return Some(default);
        }
        match Money::parse(&text) {
            Ok(m) => Some(m),
            Err(_) => {
                fail(|t| t.bad_amount, None);
                None
            }
        }
    };
    let finish = move |last: Option<Tender>| {
        if done.get_value() {
            return;
        }
        spend();
        let mut all = tenders.get_untracked();
        all.extend(last);
        on_confirm(all);
    };
    let pay_cash = move || {
        if done.get_value() {
            return;
        }
        let Some(tendered) = typed_or(cash_due()) else { return };
        match settle_cash(due(), tendered) {
            Ok(s) => finish(Some(s.tender())),
            Err(_) => fail(|t| t.not_enough_cash, Some(cash_due())),
        }
    };
    // Card, account or store credit: an exact amount, at most what remains.
    let pay_exact = move |kind: TenderKind| {
        let (last, at) = last_partial.get_value();
        if done.get_value() || (last == Some(kind) && js_sys::Date::now() - at < REPEAT_MS) {
            return;
        }
        let Some(amount) = typed_or(due()) else { return };
        if !amount.is_positive() || amount > due() {
            return fail(|t| t.amount_too_large, None);
        }
        let tender = Tender::exact(kind, amount);
        if let Some(c) = customer.get_value() {
            let mut all = tenders.get_untracked();
            all.push(tender.clone());
            if let Err(e) = c.account.check_tenders(c.balance, &all) {
                let available = match e {
                    shared::account::AccountError::CreditLimitExceeded { available, .. } => Some((true, available)),
                    shared::account::AccountError::NotEnoughStoreCredit { available, .. } => Some((false, available)),
                    _ => None,
                };
                return match available {
                    Some((true, a)) => fail(|t| t.credit_exceeded, Some(a)),
                    Some((false, a)) => fail(|t| t.not_enough_store_credit, Some(a)),
                    None => error.set(Some(e.to_string())),
                };
            }
        }
        tenders.update(|t| t.push(tender));
        last_partial.set_value((Some(kind), js_sys::Date::now()));
        typed.set(String::new());
        error.set(None);
        if due() == Money::ZERO {
            finish(None);
        }
    };
    let refund_with = move |kind: TenderKind| {
        match kind {
            TenderKind::Cash => finish(settle_cash(total, Money::ZERO).ok().map(|s| s.tender())),
            other => finish(Some(Tender::exact(other, total))),
        }
    };
    let quick = move |cents: i64| {
        typed.set(Money(cents).format_fr_ca().replace(['\u{a0}', '\u{202f}', '$'], ""));
        error.set(None);
    };
    let quick_amounts: Vec<i64> = [2000, 5000, 10000].into_iter().filter(|c| *c >= round_cash(total).as_cents()).collect();
    let has_customer = customer.with_value(Option::is_some);
    let has_credit = customer.with_value(|c| c.as_ref().is_some_and(|c| c.balance.is_positive()));

    // Back to the online payment: `refund_tenders` gives it the processor's name; the receipt then says
    // « Remboursement à faire chez le processeur ».
    let processor = online_original.as_ref().and_then(|o| {
        o.tenders.iter().find(|t| t.kind == TenderKind::Online).map(|t| t.processor.clone().unwrap_or_default())
    });
    let online_original = StoredValue::new(online_original);
    let refund_online = move || {
        if done.get_value() {
            return;
        }
        let back = online_original.with_value(|o| shared::sale::refund_tenders(total, shared::sale::RefundMethod::OriginalTender, o.as_ref()));
        match back {
            Ok(back) => {
                spend();
                on_confirm(back);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let refund_view = move || view! {
        <div class="total-row grand">
            <span>{tr(lang, |t| t.refund_due)}</span>
            <span class="num" data-testid="refund-due">{move || lang.get().money(Money(-round_cash(total).as_cents()))}</span>
        </div>
        <div class="tender-buttons">
            <button class="primary" data-testid="refund-cash" disabled=move || spent.get() on:click=move |_| refund_with(TenderKind::Cash)>{tr(lang, |t| t.refund_cash)}</button>
            <button data-testid="refund-card" disabled=move || spent.get() on:click=move |_| refund_with(TenderKind::Card)>{tr(lang, |t| t.refund_card)}</button>
            <Show when=move || has_customer>
                <button data-testid="refund-store-credit" disabled=move || spent.get() on:click=move |_| refund_with(TenderKind::StoreCredit)>{tr(lang, |t| t.refund_store_credit)}</button>
            </Show>
            {processor.clone().map(|name| view! {
                <button data-testid="refund-online" disabled=move || spent.get() on:click=move |_| refund_online()>
                    {tr(lang, |t| t.online_tender)} " (" {name.clone()} ") — "
                    {tr(lang, |t| t.refund_at_processor)}
                </button>
            })}
        </div>
    };

    let pay_view = move || view! {
        <ul class="tenders" data-testid="tenders">
            {move || tenders.get().into_iter().map(|t| {
                let l = lang.get();
                view! { <li>{kind_label(l.t(), t.kind)} " " {l.money(t.amount)}</li> }
            }).collect_view()}
        </ul>
        <Show when=move || tenders.with(|t| !t.is_empty())>
            <div class="total-row"><span>{tr(lang, |t| t.remaining)}</span><span class="num" data-testid="remaining">{move || lang.get().money(due())}</span></div>
        </Show>
        <div class="total-row grand">
            <span>{tr(lang, |t| t.cash_due)}</span>
            <span class="num" data-testid="cash-due">{move || lang.get().money(cash_due())}</span>
        </div>
        <Show when=move || cash_due() != due()>
            <div class="total-row small"><span>{tr(lang, |t| t.rounding)}</span><span class="num">{move || lang.get().money(Money(cash_due().as_cents() - due().as_cents()))}</span></div>
        </Show>
        <label class="field">
            <span>{tr(lang, |t| t.cash_tendered)}</span>
            <input
                node_ref=input
                data-testid="tendered"
                inputmode="decimal"
                autocomplete="off"
                prop:value=move || typed.get()
                on:input=move |e| { typed.set(event_target_value(&e)); error.set(None); }
                on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); pay_cash() }
            />
        </label>
        <div class="quick">
            <button on:click=move |_| quick(cash_due().as_cents())>{tr(lang, |t| t.exact_amount)}</button>
            {quick_amounts.clone().into_iter().map(|c| view! {
                <button on:click=move |_| quick(c)>{move || lang.get().money(Money(c))}</button>
            }).collect_view()}
        </div>
        <div class="total-row grand change">
            <span>{tr(lang, |t| t.change_due)}</span>
            <span class="num" data-testid="change">
                {move || {
                    let text = typed.get();
                    match Money::parse(&text).ok().map(|m| settle_cash(due(), m)) {
                        Some(Ok(s)) if !text.trim().is_empty() => lang.get().money(s.change),
                        _ => String::new(),
                    }
                }}
            </span>
        </div>
        <div class="tender-buttons">
            <button data-testid="pay-card" disabled=move || spent.get() on:click=move |_| pay_exact(TenderKind::Card)>{tr(lang, |t| t.card)}</button>
            <Show when=move || has_customer>
                <button data-testid="pay-account" disabled=move || spent.get() on:click=move |_| pay_exact(TenderKind::Account)>{tr(lang, |t| t.on_account)}</button>
            </Show>
            <Show when=move || has_credit>
                <button data-testid="pay-store-credit" disabled=move || spent.get() on:click=move |_| pay_exact(TenderKind::StoreCredit)>{tr(lang, |t| t.store_credit_label)}</button>
            </Show>
        </div>
    };

    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" && !done.get_value() { on_cancel() }>
            <div class="dialog" role="dialog" aria-modal="true" data-testid="pay-dialog">
                <h2>{tr(lang, |t| t.pay)}</h2>
                <div class="total-row"><span>{tr(lang, |t| t.total)}</span><span class="num">{move || lang.get().money(total)}</span></div>
                {if refund { refund_view().into_any() } else { pay_view().into_any() }}
                <Show when=move || error.get().is_some()>
                    <p class="error" role="alert" data-testid="pay-error">{move || error.get()}</p>
                </Show>
                <div class="actions">
                    <button class="secondary" disabled=move || spent.get() on:click=move |_| on_cancel()>{tr(lang, |t| t.cancel)}</button>
                    <Show when=move || !refund>
                        <button class="primary" data-testid="confirm-pay" disabled=move || spent.get() on:click=move |_| pay_cash()>{tr(lang, |t| t.cash)}</button>
                    </Show>
                </div>
            </div>
        </div>
    }
}
