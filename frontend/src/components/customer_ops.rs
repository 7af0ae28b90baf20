//! At the register, offline too: *Nouveau client* (the customer exists here at once and can be attached
//! to the sale), *Modifier* (the attached customer's name and e-mail; the server writes the fields the
//! cashier changed, `shared::sync::ops::customer_edit`) and *Paiement au compte* for the attached customer. Both are operations in the outbox
//! (`crate::ops`); the screen says "en attente d'envoi" until the server has acknowledged them.

use crate::i18n_ops::{op_hold_text, ops_texts};
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::account::AccountPayment;
use shared::catalog::Customer;
use shared::online::customer_match::normalise_email;
use shared::sale::{round_cash, settle_cash, Tender, TenderKind};
use shared::sync::{CustomerSummary, OpBody};
use shared::Money;

/// Where operation `id` stands with the server, in words: waiting, received, or held with the reason.
pub fn op_state(ctx: &AppCtx, id: &str) -> (&'static str, String) {
    let l = ctx.lang.get();
    let t = ops_texts(l);
    if crate::ops::is_pending(ctx, id) {
        return ("pending", t.waiting.into());
    }
    match ctx.held_ops.with(|h| h.iter().find(|h| h.op.id == id).map(|h| h.reason.clone())) {
        Some(reason) => ("held", format!("{} : {}", t.held, op_hold_text(l, &reason))),
        None => ("sent", t.sent.into()),
    }
}

/// Another customer than `me` already has e-mail `email`, compared as the server compares them
/// (`normalise_email`: trimmed, without case). The server checks again; this spares the cashier a hold.
fn email_taken(ctx: &AppCtx, email: &str, me: Option<&str>) -> bool {
    let Some(key) = normalise_email(Some(email)) else { return false };
    ctx.customers.with_untracked(|l| {
        l.iter().any(|c| Some(c.customer.id.as_str()) != me && normalise_email(c.customer.email.as_deref()).as_deref() == Some(key.as_str()))
    })
}

/// The tender of a payment on account of `amount`: cash is rounded to 0,05 $ (the account is still
/// credited exactly `amount`), a card pays it exactly.
pub fn payment_tender(amount: Money, kind: TenderKind) -> Option<Tender> {
    match kind {
        TenderKind::Cash => settle_cash(amount, round_cash(amount)).ok().map(|s| s.tender()),
        _ => Some(Tender::exact(TenderKind::Card, amount)),
    }
}

#[component]
pub fn NewCustomerForm(#[prop(into)] on_created: Callback<CustomerSummary>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || ops_texts(lang.get());
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let op_id = StoredValue::new(None::<String>);
    let busy = StoredValue::new(false);
    let create = move || {
        if busy.get_value() {
            return;
        }
        let t = ops_texts(lang.get_untracked());
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            return error.set(Some(t.name_required.into()));
        }
        let e = email.get_untracked().trim().to_string();
        if email_taken(&ctx, &e, None) {
            return error.set(Some(t.email_taken.into()));
        }
        let id = op_id.get_value().unwrap_or_else(crate::ops::new_id);
        op_id.set_value(Some(id.clone()));
        let customer = Customer { id: format!("c-{id}"), name: n, email: (!e.is_empty()).then_some(e) };
        busy.set_value(true);
        spawn_local(async move {
            let result = crate::ops::record(&ctx, id, OpBody::NewCustomer { customer: customer.clone() }).await;
            busy.set_value(false);
            match result {
                Ok(_) => {
                    op_id.set_value(None);
                    let made = ctx.customers.with_untracked(|l| l.iter().find(|c| c.customer.id == customer.id).cloned());
                    if let Some(c) = made {
                        on_created.run(c);
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="new-customer" data-testid="new-customer-form" on:submit=move |e| { e.prevent_default(); create(); }>
            <h3>{move || t().new_customer_title}</h3>
            <label class="field">
                <span>{move || t().name}</span>
                <input data-testid="new-customer-name" autocomplete="off" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
            </label>
            <label class="field">
                <span>{move || t().email}</span>
                <input data-testid="new-customer-email" type="email" autocomplete="off" prop:value=move || email.get() on:input=move |e| email.set(event_target_value(&e))/>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="new-customer-error">{e}</p> })}
            <button type="submit" class="primary wide" data-testid="new-customer-create">{move || t().create}</button>
        </form>
    }
}

/// The attached customer's name and e-mail, corrected here; `open` is the panel's, closed when done (the
/// form itself is drawn again when the recorded edit changes the customer list, so no callback of its
/// own would outlive it). What the register knew goes with what was
/// typed, so the server keeps a change someone else made meanwhile to a field the cashier left alone.
#[component]
pub fn EditCustomerForm(customer: Customer, open: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || ops_texts(lang.get());
    let name = RwSignal::new(customer.name.clone());
    let email = RwSignal::new(customer.email.clone().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let op_id = StoredValue::new(None::<String>);
    let busy = StoredValue::new(false);
    let before = StoredValue::new(customer);
    let save = move || {
        if busy.get_value() {
            return;
        }
        let t = ops_texts(lang.get_untracked());
        let before = before.get_value();
        let n = name.get_untracked().trim().to_string();
        if n.is_empty() {
            return error.set(Some(t.name_required.into()));
        }
        let e = email.get_untracked().trim().to_string();
        if email_taken(&ctx, &e, Some(&before.id)) {
            return error.set(Some(t.email_taken.into()));
        }
        let after = Customer { id: before.id.clone(), name: n, email: (!e.is_empty()).then_some(e) };
        if after == before {
            return open.set(false);
        }
        let id = op_id.get_value().unwrap_or_else(crate::ops::new_id);
        op_id.set_value(Some(id.clone()));
        busy.set_value(true);
        spawn_local(async move {
            let result = crate::ops::record(&ctx, id, OpBody::EditCustomer { before, after }).await;
            busy.set_value(false);
            match result {
                Ok(_) => {
                    op_id.set_value(None);
                    open.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="edit-customer" data-testid="edit-customer-form" on:submit=move |e| { e.prevent_default(); save(); }>
            <h3>{move || t().edit_customer_title}</h3>
            <label class="field">
                <span>{move || t().name}</span>
                <input data-testid="edit-customer-name" autocomplete="off" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
            </label>
            <label class="field">
                <span>{move || t().email}</span>
                <input data-testid="edit-customer-email" type="email" autocomplete="off" prop:value=move || email.get() on:input=move |e| email.set(event_target_value(&e))/>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="edit-customer-error">{e}</p> })}
            <button type="submit" class="primary wide" data-testid="edit-customer-save">{move || t().save}</button>
        </form>
    }
}

/// A payment on account for `customer` at this register.
#[component]
pub fn AccountPaymentForm(customer_id: String) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || ops_texts(lang.get());
    let amount = RwSignal::new(String::new());
    let kind = RwSignal::new(TenderKind::Cash);
    let error = RwSignal::new(None::<String>);
    // The last payment recorded here, whose state with the server is shown.
    let last = RwSignal::new(None::<(String, Money)>);
    let op_id = StoredValue::new(None::<String>);
    let busy = StoredValue::new(false);
    let customer = StoredValue::new(customer_id);
    let pay = move || {
        if busy.get_value() {
            return;
        }
        let l = lang.get_untracked();
        let ct = crate::i18n_customers::customer_texts(l);
        let value = match Money::parse(&amount.get_untracked()) {
            Ok(v) if v.is_positive() => v,
            Ok(_) => return error.set(Some(ct.amount_not_positive.into())),
            Err(_) => return error.set(Some(ct.bad_amount.into())),
        };
        let Some(tender) = payment_tender(value, kind.get_untracked()) else {
            return error.set(Some(ct.amount_too_large.into()));
        };
        let Some(register) = ctx.register.get_untracked() else { return };
        let id = op_id.get_value().unwrap_or_else(crate::ops::new_id);
        op_id.set_value(Some(id.clone()));
        let payment = AccountPayment {
            reference: format!("PAI-{}", id[id.len() - 8..].to_uppercase()),
            id: id.clone(),
            customer_id: customer.get_value(),
            register_id: register.id,
            outlet_id: register.outlet_id,
            created_at_ms: js_sys::Date::now() as i64,
            amount: value,
            tenders: vec![tender],
        };
        busy.set_value(true);
        spawn_local(async move {
            let result = crate::ops::record(&ctx, id.clone(), OpBody::AccountPayment { payment }).await;
            busy.set_value(false);
            match result {
                Ok(_) => {
                    op_id.set_value(None);
                    error.set(None);
                    amount.set(String::new());
                    last.set(Some((id, value)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="payment-form" data-testid="account-payment-form" on:submit=move |e| { e.prevent_default(); pay(); }>
            <h3>{move || t().pay_on_account}</h3>
            <input data-testid="account-payment-amount" inputmode="decimal" autocomplete="off"
                prop:value=move || amount.get() on:input=move |e| amount.set(event_target_value(&e))/>
            <div class="tender-buttons" role="radiogroup">
                <button type="button" data-testid="account-payment-cash" role="radio" class:primary=move || kind.get() == TenderKind::Cash
                    on:click=move |_| kind.set(TenderKind::Cash)>{move || crate::i18n_customers::customer_texts(lang.get()).cash}</button>
                <button type="button" data-testid="account-payment-card" role="radio" class:primary=move || kind.get() == TenderKind::Card
                    on:click=move |_| kind.set(TenderKind::Card)>{move || crate::i18n_customers::customer_texts(lang.get()).card}</button>
            </div>
            <button type="submit" class="primary wide" data-testid="account-payment-record">{move || crate::i18n_customers::customer_texts(lang.get()).record_payment}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="account-payment-error">{e}</p> })}
            {move || last.get().map(|(id, value)| {
                let (state, text) = op_state(&ctx, &id);
                let l = lang.get();
                let head = if state == "pending" { ops_texts(l).payment_waiting } else { ops_texts(l).payment_sent };
                let text = if state == "held" { text } else { format!("{head} : {}", l.money(value)) };
                view! { <p class="notice" data-state=state role="status" data-testid="account-payment-state">{text}</p> }
            })}
        </form>
    }
}
