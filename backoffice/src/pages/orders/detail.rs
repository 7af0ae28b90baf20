//! One order part in detail (seed 001): its items with what is picked, the sale note and order notes, why
//! these outlets (the allocation plan's explanation), the other parts of a split order, and the actions
//! exactly as the seed names them — Marquer comme emballé; Marquer comme expédié (delivery) or Marquer
//! comme ramassé (pickup), refused while the order is unpaid, with the due amount and « Ajouter le
//! paiement » (recorded, not charged); tracking details appended to the sale note; print.

use crate::i18n_orders::{order_texts, status_label, type_label};
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Money;
use shared::fulfilment::{next_status, FulfilmentAction, FulfilmentError, OrderType, PartStatus};
use shared::online::OrderPartView;
use shared::sale::TenderKind;
use shared::sync::OpBody;
use super::actions::{act, Sent};
use super::data::{finish_action, is_paid};
use super::slip::Slip;
use super::{date_time_in, OrdersCtx};

/// What the detail says after an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    Unpaid(Money),
    Refused(String),
}

/// The due amount of an order (never negative).
fn due(p: &OrderPartView) -> Money {
    p.total.checked_sub(p.paid).map(|d| if d.is_negative() { Money::ZERO } else { d }).unwrap_or(Money::ZERO)
}

/// The message for a refusal the server or the local check gave.
pub(super) fn refusal_text(lang: Lang, code: &str, message: &str) -> String {
    let t = order_texts(lang);
    match code {
        "unauthenticated" => t.need_someone.to_string(),
        _ if message.is_empty() => format!("{} ({code})", t.refused),
        _ => format!("{} : {message}", t.refused),
    }
}

/// Runs a status action: checked here first by the fulfilment rule (an unpaid ship/pickup never leaves
/// the device), then sent.
pub(super) fn run_action(ctx: AppCtx, orders: OrdersCtx, part: OrderPartView, action: FulfilmentAction, outcome: RwSignal<Option<Outcome>>) {
    match next_status(part.status, action, part.order_type, is_paid(&part)) {
        Err(FulfilmentError::Unpaid { .. }) => {
            outcome.set(Some(Outcome::Unpaid(due(&part))));
            return;
        }
        Err(e) => {
            outcome.set(Some(Outcome::Refused(refusal_text(ctx.lang.get_untracked(), e.code(), &e.to_string()))));
            return;
        }
        Ok(_) => {}
    }
    let body = OpBody::OrderAction { order_id: part.order_id.clone(), outlet_id: part.outlet_id.clone(), action };
    send(ctx, orders, body, outcome);
}

/// Sends `body` as a new operation and reports what became of it.
pub(super) fn send(ctx: AppCtx, orders: OrdersCtx, body: OpBody, outcome: RwSignal<Option<Outcome>>) {
    if orders.busy.get_untracked() {
        return;
    }
    orders.busy.set(true);
    let id = frontend::ops::new_id();
    spawn_local(async move {
        let sent = act(&ctx, id, body).await;
        orders.busy.set(false);
        let lang = ctx.lang.get_untracked();
        outcome.set(Some(match sent {
            Sent::Queued | Sent::Applied => Outcome::Done,
            Sent::Refused { code, message } if code == "order_unpaid" => {
                let _ = message;
                Outcome::Unpaid(Money::ZERO)
            }
            Sent::Refused { code, message } => Outcome::Refused(refusal_text(lang, &code, &message)),
            Sent::Unreachable(e) => Outcome::Refused(format!("{} ({e})", order_texts(lang).unreachable)),
        }));
        // A manager's action is on the server now: read the rows again (a device's is in the view already).
        orders.reload.update(|n| *n += 1);
    });
}

#[component]
pub fn OrderDetail(part: Memo<Option<OrderPartView>>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let orders = expect_context::<OrdersCtx>();
    let lang = ctx.lang;
    let outcome = RwSignal::new(None::<Outcome>);
    let paying = RwSignal::new(false);
    let method = RwSignal::new("card".to_string());
    let amount = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let t = move || order_texts(lang.get());

    let action_button = move |action: FulfilmentAction, label: &'static str, testid: &'static str| {
        view! {
            <button class="primary" data-testid=testid disabled=move || orders.busy.get()
                on:click=move |_| if let Some(p) = part.get_untracked() { run_action(ctx, orders, p, action, outcome) }>
                {label}
            </button>
        }
    };

    let record_payment = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = part.get_untracked() else { return };
        let l = lang.get_untracked();
        let typed = amount.get_untracked();
        let value = if typed.trim().is_empty() { Some(due(&p)) } else { Money::parse(&typed).ok() };
        let Some(value) = value.filter(|m| m.is_positive()) else {
            outcome.set(Some(Outcome::Refused(order_texts(l).bad_amount.into())));
            return;
        };
        let kind = if method.get_untracked() == "cash" { TenderKind::Cash } else { TenderKind::Card };
        // Cash is rounded to 0,05 $ as at the register; a card pays the exact amount.
        let Some(tender) = frontend::components::customer_ops::payment_tender(value, kind) else {
            outcome.set(Some(Outcome::Refused(order_texts(l).bad_amount.into())));
            return;
        };
        let body = OpBody::OrderPayment { order_id: p.order_id.clone(), outlet_id: p.outlet_id.clone(), tender };
        paying.set(false);
        amount.set(String::new());
        send(ctx, orders, body, outcome);
    };

    let add_tracking = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = part.get_untracked() else { return };
        let text = tracking.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let label = order_texts(lang.get_untracked()).tracking;
        tracking.set(String::new());
        send(ctx, orders, OpBody::SaleNote { sale_id: p.order_id.clone(), outlet_id: p.outlet_id.clone(), text: format!("{label} : {text}") }, outcome);
    };

    let print = move |_| {
        let _ = window().print();
    };

    view! {
        {move || part.get().map(|p| {
            let l = lang.get();
            let tt = order_texts(l);
            let tz = orders.time_zone.get();
            let paid = is_paid(&p);
            let pending = ctx.pending_ops.with(|ops| ops.iter().any(|o| super::data::concerns(o, &p)));
            let held: Vec<String> = ctx.held_ops.with(|h| h.iter().filter(|h| super::data::concerns(&h.op, &p)).map(|h| frontend::i18n_ops::op_hold_text(l, &h.reason)).collect());
            let finish = finish_action(p.order_type);
            let finish_label = if p.order_type == OrderType::Delivery { tt.mark_shipped } else { tt.mark_picked_up };
            let finish_id = if p.order_type == OrderType::Delivery { "mark-shipped" } else { "mark-picked-up" };
            let names = orders.outlet_names.get();
            let name_of = move |id: &str| names.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone()).unwrap_or_else(|| id.to_string());
            view! {
                <section class="order-detail" data-testid="order-detail" data-status=p.status.as_str() data-order=p.order_id.clone()>
                    <header>
                        <h2>{tt.receipt} " " <span data-testid="detail-receipt">{p.receipt.clone()}</span></h2>
                        <button class="secondary" data-testid="detail-close" on:click=move |_| orders.selected.set(None)>{tt.close}</button>
                    </header>
                    <p>
                        {tt.platform_number} " " {p.number.clone()} " · " {crate::i18n_orders::platform_label(p.platform)} " · "
                        {date_time_in(l, p.created_at_ms, &tz)}
                    </p>
                    <p>
                        <span class="badge" data-testid="detail-status">{status_label(l, p.status)}</span> " "
                        <span class="badge">{type_label(l, p.order_type)}</span> " "
                        {if paid {
                            view! { <span class="badge ok" data-testid="detail-paid">{tt.paid}</span> }.into_any()
                        } else {
                            view! { <span class="badge bad" data-testid="detail-unpaid">{tt.unpaid} " — " {l.money(due(&p))} " " {tt.due}</span> }.into_any()
                        }}
                        {pending.then(|| view! { " " <span class="badge" data-testid="detail-pending">{tt.waiting}</span> })}
                    </p>
                    {(!held.is_empty()).then(|| view! { <p class="notice bad" data-testid="detail-held">{tt.held} " : " {held.join(" ; ")}</p> })}
                    <p>{tt.customer} " : " <strong data-testid="detail-customer">{p.customer_name.clone()}</strong>
                        " · " {tt.total} " " {l.money(p.total)}
                        {p.processor.clone().map(|pr| view! { " · " {tt.processor} " : " <span data-testid="detail-processor">{pr}</span> })}
                    </p>
                    <table class="order-lines">
                        <thead><tr><th>{tt.items}</th><th class="num">{tt.qty}</th></tr></thead>
                        <tbody>
                            {p.lines.iter().map(|line| view! {
                                <tr data-product=line.product_id.clone() class:partial={line.picked > 0 && line.picked < line.ordered}>
                                    <td>{line.name.clone()} " " <small>{line.sku.clone()}</small></td>
                                    <td class="num" data-testid="detail-qty">{super::qty_text(l, line)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h3>{tt.sale_note}</h3>
                    <p class="sale-note" data-testid="detail-sale-note">{p.sale_note.clone()}</p>
                    <h3>{tt.order_notes}</h3>
                    <ul data-testid="detail-order-notes">
                        {p.order_notes.iter().map(|n| view! { <li>{n.text.clone()} " — " <small>{super::data::staff_name(&ctx, &n.by)}</small></li> }).collect_view()}
                    </ul>
                    <p>{tt.assigned} " : " <span data-testid="detail-assigned">{super::data::assigned_label(&ctx, &p)}</span></p>
                    <h3>{tt.allocation}</h3>
                    <ul class="explanation" data-testid="detail-explanation">
                        {p.explanation.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}
                    </ul>
                    {(!p.explanation.is_empty()).then(|| view! { <p><small>{if p.optimal { tt.optimal } else { tt.not_proven }}</small></p> })}
                    {(!p.other_parts.is_empty()).then(|| view! {
                        <h3>{tt.other_parts}</h3>
                        <ul data-testid="detail-other-parts">
                            {p.other_parts.iter().map(|(o, s)| view! { <li data-outlet=o.clone()>{name_of(o)} " : " {status_label(l, *s)}</li> }).collect_view()}
                        </ul>
                    })}
                    <div class="order-actions">
                        {(p.status < PartStatus::Packed).then(|| action_button(FulfilmentAction::MarkPacked, tt.mark_packed, "mark-packed"))}
                        {(p.status == PartStatus::Packed).then(|| action_button(finish, finish_label, finish_id))}
                        {(!paid).then(|| view! {
                            <button class="secondary" data-testid="add-payment" on:click=move |_| paying.update(|v| *v = !*v)>{tt.add_payment}</button>
                        })}
                        <button class="secondary" data-testid="print-slip" on:click=print>
                            {if p.order_type == OrderType::Delivery { tt.print_slip } else { tt.print_pickup }}
                        </button>
                    </div>
                </section>
            }
        })}
        {move || match outcome.get() {
            Some(Outcome::Unpaid(m)) => {
                let tt = t();
                let l = lang.get();
                let m = if m == Money::ZERO { part.with(|p| p.as_ref().map(due)).unwrap_or(m) } else { m };
                view! {
                    <p class="notice bad" data-testid="unpaid-refusal">
                        {tt.unpaid_refusal} " " {l.money(m)} " " {tt.due}". " {tt.unpaid_help}
                    </p>
                }.into_any()
            }
            Some(Outcome::Refused(msg)) => view! { <p class="notice bad" data-testid="order-refused">{msg}</p> }.into_any(),
            Some(Outcome::Done) | None => ().into_any(),
        }}
        {move || {
            let unpaid = part.with(|p| p.as_ref().is_some_and(|p| !is_paid(p)));
            let show = unpaid && (paying.get() || matches!(outcome.get(), Some(Outcome::Unpaid(_))));
            show.then(|| {
                let tt = t();
                view! {
                    <form class="payment-form" data-testid="payment-form" on:submit=record_payment>
                        <h3>{tt.add_payment}</h3>
                        <p class="notice info" data-testid="not-charged">{tt.not_charged}</p>
                        <label>{tt.payment_method} " "
                            <select data-testid="payment-method" on:change=move |ev| method.set(event_target_value(&ev))>
                                <option value="card" selected=move || method.get() == "card">{tt.card}</option>
                                <option value="cash" selected=move || method.get() == "cash">{tt.cash}</option>
                            </select>
                        </label>
                        <label>{tt.amount} " "
                            <input data-testid="payment-amount" inputmode="decimal"
                                placeholder=move || part.with(|p| p.as_ref().map(|p| lang.get().money(due(p)))).unwrap_or_default()
                                prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
                        </label>
                        <button class="primary" type="submit" data-testid="record-payment" disabled=move || orders.busy.get()>{tt.record_payment}</button>
                    </form>
                }
            })
        }}
        {move || part.get().map(|_| {
            let tt = t();
            view! {
                <form class="tracking-form" on:submit=add_tracking>
                    <label>{tt.tracking} " "
                        <input data-testid="tracking" placeholder=tt.tracking_hint prop:value=move || tracking.get()
                            on:input=move |ev| tracking.set(event_target_value(&ev))/>
                    </label>
                    <button class="secondary" type="submit" data-testid="add-tracking" disabled=move || orders.busy.get()>{tt.add_to_note}</button>
                </form>
            }
        })}
        {move || part.get().map(|p| view! { <div class="print-only"><Slip part=p/></div> })}
    }
}
