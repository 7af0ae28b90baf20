//! Customer accounts (seed 003), a back-office page at `/clients`: every customer's balance, credit
//! limit, credit still available, loyalty points and visits with the "Récompense due" badge; for the
//! selected customer, the month-end statement ("Relevé mensuel") of a chosen month and a form to record
//! a payment on account. A manager adds a customer ("Nouveau client") and edits one's name, e-mail and
//! account terms ("Modifier", `customer_form`). Every figure comes from the server, which computes it
//! with `shared`'s rules.

use super::customer_form::CustomerFormPanel;
use crate::api::customers_api;
use crate::i18n_clients::client_texts;
use frontend::components::customer_ops::payment_tender;
use frontend::i18n::{date_time, Lang};
use frontend::i18n_customers::{customer_texts, entry_kind_label, percent_label};
use frontend::state::AppCtx;
use frontend::sync::api::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Money;
use shared::account::{AccountPayment, EntryKind};
use shared::loyalty::RewardKind;
use shared::sale::{round_cash, TenderKind};
use shared::sync::CustomerSummary;

/// This month in the browser's time zone, as `<input type="month">` writes it: `2026-11`.
fn this_month() -> String {
    let d = js_sys::Date::new_0();
    format!("{:04}-{:02}", d.get_full_year(), d.get_month() + 1)
}

/// `2026-11` → (2026, 11).
fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y, m))
}

/// `EntryKind`'s wire name (`charge`, `store_credit`, `payment`), for tests and styles.
fn kind_code(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Charge => "charge",
        EntryKind::StoreCredit => "store_credit",
        EntryKind::Payment => "payment",
    }
}

/// The signed balance as the screen says it: "Solde dû 12,34 $", "Avoir 5,00 $" or "0,00 $".
fn balance_text(lang: Lang, balance: Money) -> String {
    let t = customer_texts(lang);
    if balance.is_negative() {
        format!("{} {}", t.owed, lang.money(Money(balance.as_cents().saturating_neg())))
    } else if balance.is_positive() {
        format!("{} {}", t.store_credit, lang.money(balance))
    } else {
        lang.money(balance)
    }
}

/// What to show for a refused payment: the shared rule's code in the screen's language, or the
/// server's sentence.
fn refusal_text(lang: Lang, failure: &ApiFailure) -> String {
    let t = customer_texts(lang);
    match failure {
        ApiFailure::Unreachable(m) => format!("{} ({m})", t.unreachable),
        ApiFailure::Refused { error, .. } => match error.error.as_str() {
            "payment_not_positive" => t.amount_not_positive.to_string(),
            "unauthenticated" => frontend::i18n_auth::auth_texts(lang).need_access.to_string(),
            _ => format!("{} : {}", t.refused, error.message),
        },
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let ct = move || customer_texts(lang.get());
    let summaries = LocalResource::new(customers_api::summaries);
    let selected = RwSignal::new(None::<String>);
    let month = RwSignal::new(this_month());
    // The customer form: `Some(None)` a new customer, `Some(Some(c))` editing `c`.
    let editing = RwSignal::new(None::<Option<CustomerSummary>>);
    let saved = RwSignal::new(None::<&'static str>);
    let on_saved = Callback::new(move |c: CustomerSummary| {
        let l = client_texts(lang.get_untracked());
        saved.set(Some(if editing.get_untracked().flatten().is_some() { l.saved } else { l.created }));
        editing.set(None);
        selected.set(Some(c.customer.id));
        summaries.refetch();
    });
    let on_edit = Callback::new(move |c: CustomerSummary| {
        saved.set(None);
        editing.set(Some(Some(c)));
    });

    view! {
        <section class="customers-page" data-testid="customers-page">
            <h1>{move || ct().title}</h1>
            <div class="page-actions">
                <button class="secondary" on:click=move |_| summaries.refetch()>{move || ct().refresh}</button>
                {move || ctx.auth.is_manager().then(|| view! {
                    <button class="primary" data-testid="new-customer" on:click=move |_| { saved.set(None); editing.set(Some(None)); }>
                        {move || client_texts(lang.get()).new_customer}
                    </button>
                })}
            </div>
            {move || saved.get().map(|m| view! { <p class="notice success" role="status" data-testid="customer-saved">{m}</p> })}
            {move || editing.get().map(|c| view! {
                <CustomerFormPanel editing=c on_saved=on_saved on_cancel=Callback::new(move |_| editing.set(None))/>
            })}
            <Transition fallback=move || view! { <p>{move || ct().loading}</p> }>
                {move || {
                    // The table is drawn in the language of the moment: draw it again when it changes.
                    lang.track();
                    summaries.get().map(|r| match r {
                        Err(e) => view! { <p class="notice error">{ct().unreachable} " (" {e.to_string()} ")"</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">{ct().none}</p> }.into_any(),
                        Ok(list) => view! { <CustomerTable list=list selected=selected/> }.into_any(),
                    })
                }}
            </Transition>
            {move || selected.get().map(|id| view! {
                <CustomerAccountPanel customer_id=id summaries=summaries month=month on_edit=on_edit/>
            })}
        </section>
    }
}

#[component]
fn CustomerTable(list: Vec<CustomerSummary>, selected: RwSignal<Option<String>>) -> impl IntoView {
    let lang = expect_context::<AppCtx>().lang;
    let l = lang.get_untracked();
    let t = customer_texts(l);
    view! {
        <table class="customers" data-testid="customers">
            <thead><tr>
                <th>{t.customer}</th>
                <th class="num">{t.balance}</th>
                <th class="num">{t.credit_limit}</th>
                <th class="num">{t.available}</th>
                <th class="num">{t.loyalty_points}</th>
                <th class="num">{t.visits}</th>
                <th></th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|c| {
                    let id = c.customer.id.clone();
                    let row_id = id.clone();
                    let data_id = id.clone();
                    let reward_title = c
                        .rewards_due
                        .iter()
                        .map(|r| {
                            let unit = if r.kind == RewardKind::Points { t.reward_points } else { t.reward_visits };
                            format!("{} / {} {unit}", r.balance, r.threshold)
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let reward_due = !c.rewards_due.is_empty();
                    view! {
                        <tr data-customer=data_id class:selected=move || selected.get().as_deref() == Some(row_id.as_str())>
                            <td>
                                <strong>{c.customer.name.clone()}</strong>
                                {c.customer.email.clone().map(|e| view! { <br/><span class="hint email">{e}</span> })}
                                {reward_due.then(|| view! {
                                    <span class="reward-due badge" data-testid="reward-due" title=reward_title>{t.reward_due}</span>
                                })}
                            </td>
                            <td class="num" data-testid="balance" class:owed=c.balance.is_negative()>{balance_text(l, c.balance)}</td>
                            <td class="num" data-testid="credit-limit">
                                {if c.account.credit_limit.is_positive() { l.money(c.account.credit_limit) } else { t.no_credit.to_string() }}
                            </td>
                            <td class="num" data-testid="available">{l.money(c.available)}</td>
                            <td class="num" data-testid="points">{c.loyalty.points}</td>
                            <td class="num" data-testid="visits">{c.loyalty.visits}</td>
                            <td><button class="secondary" data-testid="open-account" on:click=move |_| selected.set(Some(id.clone()))>{t.open}</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

type Summaries = LocalResource<Result<Vec<CustomerSummary>, ApiFailure>>;

/// The selected customer: account terms, the month-end statement of `month`, the payment form.
/// Kept while the summaries reload, so a payment's confirmation stays on screen.
#[component]
fn CustomerAccountPanel(customer_id: String, summaries: Summaries, month: RwSignal<String>, on_edit: Callback<CustomerSummary>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let ct = move || customer_texts(lang.get());
    let summary = {
        let id = customer_id.clone();
        Memo::new(move |_| summaries.get().and_then(|r| r.ok()).and_then(|l| l.into_iter().find(|c| c.customer.id == id)))
    };
    let panel_id = customer_id.clone();
    // The chosen month's statement as a file (`GET /customers/{id}/statement.csv`), by the session.
    let csv_href = {
        let id = frontend::sync::http::seg(&customer_id);
        move || parse_month(&month.get()).map(|(y, m)| format!("/api/v1/customers/{id}/statement.csv?year={y}&month={m}"))
    };
    let statement = {
        let customer_id = customer_id.clone();
        LocalResource::new(move || {
            let id = customer_id.clone();
            let chosen = parse_month(&month.get());
            async move {
                let (year, m) = chosen?;
                Some(customers_api::statement(&id, year, m).await)
            }
        })
    };

    let terms = move || {
        let summary = summary.get()?;
        let l = lang.get();
        let t = customer_texts(l);
        let manager = ctx.auth.is_manager();
        let to_edit = summary.clone();
        Some(view! {
            <h2>{t.account_of} " — " {summary.customer.name.clone()}</h2>
            {manager.then(|| view! {
                <button class="secondary" data-testid="edit-customer" on:click=move |_| on_edit.run(to_edit.clone())>{client_texts(l).edit}</button>
            })}
            <p class="total-row"><span>{t.balance}</span><strong data-testid="account-balance">{balance_text(l, summary.balance)}</strong></p>
            <p class="total-row"><span>{t.credit_limit}</span><span class="num">
                {if summary.account.credit_limit.is_positive() { l.money(summary.account.credit_limit) } else { t.no_credit.to_string() }}
            </span></p>
            <p class="total-row"><span>{t.available}</span><span class="num" data-testid="account-available">{l.money(summary.available)}</span></p>
            {(summary.account.automatic_discount_bp > 0).then(|| view! {
                <p class="total-row"><span>{t.automatic_discount}</span><span class="num">{percent_label(l, summary.account.automatic_discount_bp)}</span></p>
            })}
        })
    };

    view! {
        <section class="account-panel" data-testid="account-panel" data-customer=panel_id>
            {terms}
            <div class="statement" data-testid="statement">
                <h3>{move || ct().statement}</h3>
                <label class="field month-field">
                    <span>{move || ct().month}</span>
                    <input type="month" data-testid="statement-month" prop:value=move || month.get()
                        on:change=move |e| month.set(event_target_value(&e))/>
                </label>
                {move || csv_href().map(|href| view! {
                    <a class="button secondary no-print" data-testid="statement-csv" href=href download="">{ct().export_csv}</a>
                })}
                <Transition fallback=move || view! { <p>{move || ct().loading}</p> }>
                    {move || statement.get().flatten().map(|r| match r {
                        Err(e) => view! { <p class="notice error">{ct().unreachable} " (" {e.to_string()} ")"</p> }.into_any(),
                        Ok(s) => {
                            let l = lang.get();
                            let t = customer_texts(l);
                            let empty = s.lines.is_empty();
                            view! {
                                <table class="statement-lines">
                                    <thead><tr>
                                        <th>{t.date}</th><th>{t.kind}</th><th>{t.reference}</th>
                                        <th class="num">{t.amount}</th><th class="num">{t.balance_after}</th>
                                    </tr></thead>
                                    <tbody>
                                        <tr class="opening">
                                            <td colspan="4">{t.opening_balance}</td>
                                            <td class="num" data-testid="opening-balance">{l.money(s.opening_balance)}</td>
                                        </tr>
                                        {s.lines.iter().map(|line| view! {
                                            <tr data-testid="statement-line" data-kind=kind_code(line.kind)>
                                                <td>{date_time(l, line.at_ms)}</td>
                                                <td>{entry_kind_label(l, line.kind)}</td>
                                                <td>{line.reference.clone()}</td>
                                                <td class="num">{l.money(line.amount)}</td>
                                                <td class="num">{l.money(line.balance)}</td>
                                            </tr>
                                        }).collect_view()}
                                        {empty.then(|| view! { <tr><td colspan="5" class="empty">{t.no_entries}</td></tr> })}
                                    </tbody>
                                    <tfoot>
                                        <tr><td colspan="4">{t.charges}</td><td class="num" data-testid="statement-charges">{l.money(s.charges)}</td></tr>
                                        <tr><td colspan="4">{t.payments}</td><td class="num" data-testid="statement-payments">{l.money(s.payments)}</td></tr>
                                        <tr><td colspan="4">{t.store_credit_total}</td><td class="num">{l.money(s.store_credit)}</td></tr>
                                        <tr class="closing"><th colspan="4">{t.closing_balance}</th><th class="num" data-testid="closing-balance">{l.money(s.closing_balance)}</th></tr>
                                    </tfoot>
                                </table>
                            }.into_any()
                        }
                    })}
                </Transition>
            </div>
            <PaymentForm customer_id=customer_id on_paid=Callback::new(move |_| { statement.refetch(); summaries.refetch(); })/>
        </section>
    }
}

/// "Enregistrer un paiement au compte": the amount as typed (`Money::parse`), cash or card.
#[component]
fn PaymentForm(customer_id: String, on_paid: Callback<()>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let ct = move || customer_texts(lang.get());
    let amount = RwSignal::new(String::new());
    let kind = RwSignal::new(TenderKind::Cash);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<Result<String, String>>);
    // A payment sent but not answered keeps its id, so that sending it again cannot record it twice.
    let unanswered = StoredValue::new(None::<AccountPayment>);
    // A payment in the outbox: its id, amount, and whether the page has refreshed since the server took it.
    let queued = RwSignal::new(None::<(String, Money, bool)>);
    Effect::new(move |_| {
        ctx.pending_ops.track();
        if let Some((id, value, false)) = queued.get_untracked() {
            if !frontend::ops::is_pending(&ctx, &id) {
                queued.set(Some((id, value, true)));
                on_paid.run(());
            }
        }
    });
    let queued_view = move || {
        queued.get().map(|(id, value, _)| {
            let (state, text) = frontend::components::customer_ops::op_state(&ctx, &id);
            let l = lang.get();
            let t = frontend::i18n_ops::ops_texts(l);
            let head = if state == "pending" { t.payment_waiting } else { t.payment_sent };
            let text = if state == "held" { text } else { format!("{head} : {}", l.money(value)) };
            view! { <p class="notice" data-state=state role="status" data-testid="payment-message">{text}</p> }
        })
    };

    let parsed = move || Money::parse(&amount.get());
    let cash_hint = move || {
        let l = lang.get();
        let t = customer_texts(l);
        let a = parsed().ok().filter(|a| a.is_positive())?;
        (kind.get() == TenderKind::Cash).then(|| {
            let due = round_cash(a);
            let rounding = Money(due.as_cents() - a.as_cents());
            let sign = if rounding.is_positive() { "+" } else { "" };
            format!("{} : {} ({} : {sign}{})", t.cash_to_receive, l.money(due), t.rounding, l.money(rounding))
        })
    };

    let submit = move || {
        // One action, one effect: a second press (or Enter) while the payment is sent does nothing.
        if busy.get_untracked() {
            return;
        }
        let l = lang.get_untracked();
        let t = customer_texts(l);
        message.set(None);
        queued.set(None);
        let value = match Money::parse(&amount.get_untracked()) {
            Ok(v) if v.is_positive() => v,
            Ok(_) => return message.set(Some(Err(t.amount_not_positive.into()))),
            Err(e) if e.code() == "amount_too_large" => return message.set(Some(Err(t.amount_too_large.into()))),
            Err(_) => return message.set(Some(Err(t.bad_amount.into()))),
        };
        let Some(tender) = payment_tender(value, kind.get_untracked()) else {
            return message.set(Some(Err(t.amount_too_large.into())));
        };
        let payment = match unanswered.get_value() {
            Some(p) if p.customer_id == customer_id && p.amount == value && p.tenders == vec![tender.clone()] => p,
            _ => {
                let id = uuid::Uuid::now_v7().to_string();
                let register = ctx.register.get_untracked();
                AccountPayment {
                    reference: format!("PAI-{}", id[id.len() - 8..].to_uppercase()),
                    id,
                    customer_id: customer_id.clone(),
                    register_id: register.as_ref().map(|r| r.id.clone()).unwrap_or_default(),
                    outlet_id: register.map(|r| r.outlet_id).unwrap_or_default(),
                    created_at_ms: js_sys::Date::now() as i64,
                    amount: value,
                    tenders: vec![tender],
                }
            }
        };
        unanswered.set_value(Some(payment.clone()));
        busy.set(true);
        if frontend::ops::via_outbox(&ctx) {
            // At an enrolled register: the payment goes through the outbox like a sale, offline too.
            spawn_local(async move {
                let value = payment.amount;
                let result = frontend::ops::record(&ctx, payment.id.clone(), shared::sync::OpBody::AccountPayment { payment: payment.clone() }).await;
                busy.set(false);
                match result {
                    Ok(_) => {
                        unanswered.set_value(None);
                        amount.set(String::new());
                        message.set(None);
                        queued.set(Some((payment.id, value, false)));
                    }
                    Err(e) => message.set(Some(Err(e))),
                }
            });
            return;
        }
        spawn_local(async move {
            let result = customers_api::pay(&payment).await;
            busy.set(false);
            let l = lang.get_untracked();
            let t = customer_texts(l);
            match result {
                Ok(answer) => {
                    unanswered.set_value(None);
                    amount.set(String::new());
                    let said = if answer.status == "duplicate" { t.payment_already_recorded } else { t.payment_recorded };
                    message.set(Some(Ok(format!("{said} : {} — {}", l.money(answer.payment.amount), balance_text(l, answer.summary.balance)))));
                    on_paid.run(());
                }
                Err(e) => {
                    if matches!(e, ApiFailure::Refused { .. }) {
                        unanswered.set_value(None);
                    }
                    message.set(Some(Err(refusal_text(l, &e))));
                }
            }
        });
    };

    view! {
        <form class="payment-form" data-testid="payment-form" on:submit=move |e| { e.prevent_default(); submit(); }>
            <h3>{move || ct().payment_title}</h3>
            <label class="field">
                <span>{move || ct().payment_amount}</span>
                <input data-testid="payment-amount" inputmode="decimal" autocomplete="off" placeholder=move || ct().payment_hint
                    prop:value=move || amount.get() on:input=move |e| amount.set(event_target_value(&e))/>
            </label>
            <div class="tender-buttons" role="radiogroup">
                <button type="button" data-testid="pay-cash" role="radio"
                    class:primary=move || kind.get() == TenderKind::Cash aria-checked=move || (kind.get() == TenderKind::Cash).to_string()
                    on:click=move |_| kind.set(TenderKind::Cash)>{move || ct().cash}</button>
                <button type="button" data-testid="pay-card" role="radio"
                    class:primary=move || kind.get() == TenderKind::Card aria-checked=move || (kind.get() == TenderKind::Card).to_string()
                    on:click=move |_| kind.set(TenderKind::Card)>{move || ct().card}</button>
            </div>
            <p class="hint" data-testid="cash-hint">{cash_hint}</p>
            <button type="submit" class="primary wide" data-testid="record-payment" disabled=move || busy.get()>{move || ct().record_payment}</button>
            {queued_view}
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="notice success" role="status" data-testid="payment-message">{text}</p> }.into_any(),
                Err(text) => view! { <p class="notice error" role="alert" data-testid="payment-message">{text}</p> }.into_any(),
            })}
        </form>
    }
}
