//! The customer attached to the sale (seed 003): account balance and credit still available, loyalty
//! points and visits with the "récompense due" alert, purchase history with "Refaire cette vente".

use crate::components::customer_ops::{AccountPaymentForm, EditCustomerForm, NewCustomerForm};
use crate::i18n::{date_time, tr};
use crate::i18n_ops::ops_texts;
use crate::state::AppCtx;
use leptos::prelude::*;
use shared::loyalty::{Reward, RewardKind};
use shared::sale::{plan_return, returnable, Cart, DiscountRule, ReturnPick, Sale};
use shared::sync::CustomerSummary;

/// The summary of the customer attached to `cart`, if any.
pub fn attached(ctx: &AppCtx, cart: &Cart) -> Option<CustomerSummary> {
    let id = cart.customer_id.as_ref()?;
    ctx.customers.with(|list| list.iter().find(|c| &c.customer.id == id).cloned())
}

pub fn attach(cart: RwSignal<Cart>, c: &CustomerSummary) {
    let mut account = c.account.clone();
    account.customer_id = c.customer.id.clone();
    cart.update(|cart| cart.attach_customer(&account));
}

#[component]
pub fn CustomerPanel(cart: RwSignal<Cart>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let picking = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let reward_percent = RwSignal::new("10".to_string());
    let current = Memo::new(move |_| cart.with(|c| attached(&ctx, c)));
    // Changes only with the customer: the payment form (and the state of its last payment) outlives
    // the figures it moves.
    let current_id = Memo::new(move |_| cart.with(|c| c.customer_id.clone()));
    let creating = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let matches = move || {
        let q = query.get().to_lowercase();
        ctx.customers.with(|list| {
            list.iter()
                .filter(|c| q.is_empty() || c.customer.name.to_lowercase().contains(&q) || c.customer.email.as_deref().unwrap_or("").contains(&q))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let redeem = move |kind: RewardKind, reward: Reward| {
        let Some(c) = current.get_untracked() else { return };
        let result = c
            .program
            .redeem(&c.loyalty, kind)
            .map_err(|e| e.to_string())
            .and_then(|r| cart.try_update(|cart| cart.apply_reward(r, reward)).unwrap().map_err(|e| e.to_string()));
        if let Err(e) = result {
            notice.set(Some(e));
        }
    };
    // Takes back every unit of a past sale still returnable, refunding exactly what it charged for them.
    let return_sale = move |sale: Sale| {
        let earlier: Vec<Sale> = current.get_untracked().map_or_else(Vec::new, |c| {
            c.history
                .iter()
                .filter(|s| s.lines.iter().any(|l| l.return_of.as_ref().is_some_and(|r| r.sale_id == sale.id)))
                .cloned()
                .collect()
        });
        let picks: Vec<ReturnPick> = returnable(&sale, &earlier)
            .into_iter()
            .filter(|r| r.left() > 0)
            .map(|r| ReturnPick { line: r.line, qty: r.left() })
            .collect();
        match plan_return(&sale, &earlier, &picks) {
            Ok(lines) => cart.update(|c| c.add_returns(lines)),
            Err(e) => notice.set(Some(e.to_string())),
        }
    };
    let repeat = move |sale: shared::sale::Sale| {
        let customer = current.get_untracked();
        let dup = ctx.catalog.with_value(|cat| shared::history::duplicate_sale(&sale, |id| cat.get(id)));
        cart.set(dup.cart);
        if let Some(c) = customer {
            attach(cart, &c);
        }
        if !dup.unavailable.is_empty() {
            let names: Vec<String> = dup.unavailable.iter().map(|l| l.name.clone()).collect();
            notice.set(Some(format!("{} : {}", lang.get_untracked().t().unavailable_items, names.join(", "))));
        }
    };

    view! {
        <section class="customer" data-testid="customer-panel">
            {move || match current.get() {
                None => view! {
                    <button class="secondary wide" data-testid="attach-customer" on:click=move |_| picking.update(|p| *p = !*p)>
                        {tr(lang, |t| t.attach_customer)}
                    </button>
                    <Show when=move || picking.get()>
                        <button class="secondary wide" data-testid="new-customer" on:click=move |_| creating.update(|c| *c = !*c)>
                            {move || ops_texts(lang.get()).new_customer}
                        </button>
                        <Show when=move || creating.get()>
                            <NewCustomerForm on_created=move |c: CustomerSummary| { attach(cart, &c); creating.set(false); picking.set(false); }/>
                        </Show>
                        <input data-testid="customer-search" placeholder=tr(lang, |t| t.search_customer)
                            prop:value=move || query.get() on:input=move |e| query.set(event_target_value(&e))/>
                        <ul class="customer-list">
                            {move || {
                                let list = matches();
                                if list.is_empty() {
                                    return view! { <li class="empty">{lang.get().t().no_customers}</li> }.into_any();
                                }
                                list.into_iter().map(|c| {
                                    let name = c.customer.name.clone();
                                    view! { <li><button class="pick" on:click=move |_| { attach(cart, &c); picking.set(false); }>{name}</button></li> }
                                }).collect_view().into_any()
                            }}
                        </ul>
                    </Show>
                }.into_any(),
                Some(c) => {
                    let l = lang.get();
                    let t = l.t();
                    let (balance_label, balance) = if c.balance.is_negative() {
                        (t.balance_owed, shared::Money(-c.balance.as_cents()))
                    } else {
                        (t.store_credit_label, c.balance)
                    };
                    let rewards = c.rewards_due.clone();
                    let history = c.history.iter().take(5).cloned().collect::<Vec<_>>();
                    view! {
                        <div class="customer-head">
                            <strong data-testid="customer-name">{c.customer.name.clone()}</strong>
                            <button class="secondary" data-testid="edit-customer" aria-expanded=move || editing.get().to_string()
                                on:click=move |_| editing.update(|e| *e = !*e)>{ops_texts(l).edit_customer}</button>
                            <button class="secondary" on:click=move |_| { editing.set(false); cart.update(Cart::detach_customer) }>{t.detach}</button>
                        </div>
                        <p class="total-row"><span>{balance_label}</span><span class="num" data-testid="customer-balance">{l.money(balance)}</span></p>
                        {c.account.credit_limit.is_positive().then(|| view! {
                            <p class="total-row"><span>{t.available_credit}</span><span class="num" data-testid="customer-available">{l.money(c.available)}</span></p>
                        })}
                        <p class="total-row"><span>{t.loyalty_points}</span><span class="num" data-testid="customer-points">{c.loyalty.points}</span></p>
                        <p class="total-row"><span>{t.visits}</span><span class="num">{c.loyalty.visits}</span></p>
                        {(!rewards.is_empty()).then(|| view! {
                            <div class="reward-due" role="alert" data-testid="reward-due">
                                <strong>{t.reward_due}</strong>
                                {rewards.iter().map(|r| {
                                    let unit = if r.kind == RewardKind::Points { t.reward_points } else { t.reward_visits };
                                    view! { <span>" — " {r.balance} " " {unit}</span> }
                                }).collect_view()}
                                {rewards.into_iter().map(|r| {
                                    let kind = r.kind;
                                    view! {
                                        <div class="reward-actions">
                                            <button data-testid="reward-free-item" on:click=move |_| {
                                                let last = cart.with_untracked(|c| c.lines.len().saturating_sub(1));
                                                redeem(kind, Reward::FreeItem { line: last });
                                            }>{t.apply_free_item}</button>
                                            <input class="short" inputmode="decimal" prop:value=move || reward_percent.get()
                                                on:input=move |e| reward_percent.set(event_target_value(&e))/>
                                            <button data-testid="reward-discount" on:click=move |_| {
                                                if let Ok(m) = shared::Money::parse(&reward_percent.get_untracked()) {
                                                    redeem(kind, Reward::Discount(DiscountRule::Percent { bp: m.as_cents().clamp(0, 10_000) as u32 }));
                                                }
                                            }>{t.apply_reward_discount} " %"</button>
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                        })}
                        <details class="history" data-testid="customer-history">
                            <summary>{t.history}</summary>
                            <ul>
                                {history.into_iter().map(|sale| {
                                    let label = format!("{} — {} — {}", sale.receipt, date_time(l, sale.created_at_ms), l.money(sale.totals.total));
                                    let items = sale.lines.iter().map(|x| format!("{} × {}", x.qty, x.name)).collect::<Vec<_>>().join(", ");
                                    view! {
                                        <li>
                                            <span>{label}</span><br/><small>{items}</small>
                                            <button class="secondary" data-testid="repeat-sale" on:click={
                                                let sale = sale.clone();
                                                move |_| repeat(sale.clone())
                                            }>{t.repeat_sale}</button>
                                            <button class="secondary" data-testid="return-sale" on:click=move |_| return_sale(sale.clone())>{t.return_sale}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </details>
                    }.into_any()
                }
            }}
            // Outside the customer's block, which is drawn again whenever a pull changes her figures:
            // the form follows only who is attached, so what the cashier types is never lost.
            {move || (editing.get() && current_id.get().is_some()).then(|| current.get_untracked().map(|c| view! {
                <EditCustomerForm customer=c.customer open=editing/>
            }))}
            {move || current_id.get().map(|id| view! {
                <details class="account-payment" data-testid="account-payment">
                    <summary>{move || ops_texts(lang.get()).pay_on_account}</summary>
                    <AccountPaymentForm customer_id=id/>
                </details>
            })}
        </section>
    }
}
