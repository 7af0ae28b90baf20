//! *Modifier le prix* of a cart line: the catalog price, the new unit price, a required reason (quick
//! choices or free text). The override's author is the cashier switched in; a price beyond what they
//! may do (`shared::auth::override_allowed`: a cashier moves a price by at most 20 %) needs a manager
//! of the outlet, who touches their name and types their PIN here — checked as switch-in checks it
//! ([`crate::auth::check_pin`]: the server when it answers, else the offline verifier, with the shared
//! lock-out) — and is then the override's author. So the register never makes a sale the server would
//! hold for an override its author may not make.

use crate::auth::{check_pin, PinOutcome};
use crate::components::pin_pad::PinPad;
use crate::components::staff_buttons::StaffButtons;
use crate::i18n_auth::auth_texts;
use crate::i18n_price::{change_text, price_texts, trp, PriceTexts};
use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::{check_pin_format, override_allowed, OfflineStaff, Role};
use shared::sale::{Cart, PriceOverrideError};
use shared::Money;

fn explain(t: &PriceTexts, e: PriceOverrideError) -> String {
    match e {
        PriceOverrideError::Discount(_) => t.discount_too_large.to_string(),
        PriceOverrideError::MissingReason => t.need_reason.to_string(),
        PriceOverrideError::PriceOutOfRange { .. } => t.bad_price.to_string(),
        e => e.to_string(),
    }
}

#[component]
pub fn PriceDialog(cart: RwSignal<Cart>, index: usize, on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let auth = ctx.auth;
    let (catalog, overridden, name) = cart.with_untracked(|c| {
        let line = c.lines.get(index);
        (
            c.catalog_price(index).unwrap_or(Money::ZERO),
            line.and_then(|l| l.price_override.clone()),
            line.map(|l| l.name.clone()).unwrap_or_default(),
        )
    });
    let price = RwSignal::new(String::new());
    let reason = RwSignal::new(overridden.as_ref().map(|o| o.reason.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    // A price the switched-in cashier may not set alone, with its reason: waiting for a manager.
    let pending = RwSignal::new(None::<(Money, String)>);
    let approver = RwSignal::new(None::<OfflineStaff>);
    let busy = RwSignal::new(false);
    // (text, is an error) under the PIN pad.
    let message = RwSignal::new(None::<(String, bool)>);
    let price_input: NodeRef<html::Input> = NodeRef::new();
    let reason_input: NodeRef<html::Input> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(el) = price_input.get() {
            let _ = el.focus();
        }
    });

    let apply = move |p: Money, by: &str, why: &str| -> Result<(), PriceOverrideError> {
        let at = js_sys::Date::now() as i64;
        cart.try_update(|c| c.override_price(index, p, by, why, at)).unwrap_or(Ok(()))
    };
    let restore = move || {
        let _ = apply(catalog, "", "");
        on_close();
    };
    let validate = move || {
        let t = price_texts(lang.get_untracked());
        let Some(cashier) = auth.cashier.get_untracked() else { return };
        let Ok(p) = Money::parse(&price.get_untracked()) else {
            return error.set(Some(t.bad_price.to_string()));
        };
        if p == catalog {
            return restore();
        }
        let why = reason.get_untracked().trim().to_string();
        // Tried on a copy first: a price that cannot be set is explained before anyone is asked to approve it.
        let mut trial = cart.get_untracked();
        if let Err(e) = trial.override_price(index, p, &cashier.id, &why, js_sys::Date::now() as i64) {
            return error.set(Some(explain(t, e)));
        }
        if override_allowed(cashier.role, catalog, p) {
            match apply(p, &cashier.id, &why) {
                Ok(()) => on_close(),
                Err(e) => error.set(Some(explain(t, e))),
            }
        } else {
            error.set(None);
            pending.set(Some((p, why)));
        }
    };
    let submit_pin = move |pin: String| {
        let (Some(staff), Some(db), Some((p, why))) = (approver.get_untracked(), ctx.db.get_value(), pending.get_untracked()) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let l = lang.get_untracked();
        if check_pin_format(&pin).is_err() {
            return message.set(Some((auth_texts(l).pin_format.to_string(), true)));
        }
        busy.set(true);
        message.set(Some((auth_texts(l).checking.to_string(), false)));
        spawn_local(async move {
            let outcome = check_pin(&db, &staff, &pin).await;
            let l = lang.get_untracked();
            let text = match outcome {
                // The role the server (or the cached staff list) gives, checked again: a cashier's PIN approves nothing.
                PinOutcome::In(who) if override_allowed(who.role, catalog, p) => match apply(p, &who.id, &why) {
                    Ok(()) => return on_close(),
                    Err(e) => explain(price_texts(l), e),
                },
                PinOutcome::In(_) => price_texts(l).cannot_approve.to_string(),
                refused => refused.refusal(l).unwrap_or_default(),
            };
            message.set(Some((text, true)));
            // Keys pressed while PBKDF2 held the thread are handled now, while still busy: dropped.
            gloo_timers::future::TimeoutFuture::new(0).await;
            busy.set(false);
        });
    };
    let back = move || {
        if busy.get_untracked() {
            return;
        }
        message.set(None);
        if approver.get_untracked().is_some() {
            approver.set(None);
        } else if pending.get_untracked().is_some() {
            pending.set(None);
        } else {
            on_close();
        }
    };
    let on_price_key = move |e: web_sys::KeyboardEvent| {
        if e.key() == "Enter" {
            e.prevent_default();
            match reason_input.get_untracked() {
                Some(el) if reason.with_untracked(|r| r.trim().is_empty()) && price.with_untracked(|p| Money::parse(p) != Ok(catalog)) => {
                    let _ = el.focus();
                }
                _ => validate(),
            }
        }
    };

    let edit = move || {
        view! {
            <label class="field">
                <span>{trp(lang, |t| t.new_price)} " ($)"</span>
                <input node_ref=price_input data-testid="price-input" inputmode="decimal" autocomplete="off"
                    placeholder=move || lang.get().money(cart.with(|c| c.lines.get(index).map_or(catalog, |l| l.unit_price)))
                    prop:value=move || price.get()
                    on:input=move |e| { price.set(event_target_value(&e)); error.set(None); }
                    on:keydown=on_price_key/>
            </label>
            <div class="field">
                <span>{trp(lang, |t| t.reason)}</span>
                <div class="reason-choices">
                    {(0..3).map(|k| {
                        let pick = move || price_texts(lang.get()).reasons[k];
                        view! {
                            <button type="button" class="secondary choice" data-testid=format!("price-reason-{k}")
                                class:on=move || reason.with(|r| r == pick())
                                on:click=move |_| { reason.set(pick().to_string()); error.set(None); }>{pick}</button>
                        }
                    }).collect_view()}
                </div>
                <input node_ref=reason_input data-testid="price-reason" autocomplete="off" maxlength="200"
                    placeholder=trp(lang, |t| t.other_reason)
                    prop:value=move || reason.get()
                    on:input=move |e| { reason.set(event_target_value(&e)); error.set(None); }
                    on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); validate(); }/>
            </div>
            <div class="actions">
                {overridden.is_some().then(|| view! {
                    <button class="secondary" data-testid="price-restore" on:click=move |_| restore()>{trp(lang, |t| t.restore)}</button>
                })}
                <button class="secondary" data-testid="price-cancel" on:click=move |_| on_close()>{trp(lang, |t| t.cancel)}</button>
                <button class="primary" data-testid="price-apply" on:click=move |_| validate()>{trp(lang, |t| t.validate)}</button>
            </div>
        }
    };
    let approve = move |p: Money| {
        let managers = move || auth.staff.with(|s| s.iter().filter(|m| m.role >= Role::Manager).cloned().collect::<Vec<_>>());
        view! {
            <h3>{trp(lang, |t| t.approval_title)}</h3>
            <p class="notice info" role="alert" data-testid="approval-why">
                {trp(lang, |t| t.approval_limit)} " " <strong>{move || change_text(lang.get(), catalog, p)}</strong>
            </p>
            {move || match approver.get() {
                None if managers().is_empty() => view! {
                    <p class="notice error" data-testid="no-manager">{trp(lang, |t| t.no_manager)}</p>
                }.into_any(),
                None => view! {
                    <p>{trp(lang, |t| t.approval_ask)}</p>
                    <StaffButtons staff=managers() kind="approver"
                        on_pick=move |m| { message.set(None); approver.set(Some(m)); }/>
                }.into_any(),
                Some(m) => view! {
                    <p>{trp(lang, |t| t.approver_pin)} " " <strong data-testid="approver-name">{m.name.clone()}</strong></p>
                    <PinPad busy=busy.into() on_submit=submit_pin/>
                }.into_any(),
            }}
            {move || message.get().map(|(m, err)| view! {
                <p class=if err { "notice error" } else { "notice info" } role="alert" aria-live="polite" data-testid="approval-message">{m}</p>
            })}
            <div class="actions">
                <button class="secondary" data-testid="approval-back" disabled=move || busy.get() on:click=move |_| back()>{trp(lang, |t| t.back)}</button>
            </div>
        }
    };

    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { back() }>
            <div class="dialog price-dialog" role="dialog" aria-modal="true" data-testid="price-dialog">
                <h2>{trp(lang, |t| t.change_price)} " — " {name}</h2>
                <p class="total-row"><span>{trp(lang, |t| t.catalog_price)}</span>
                    <span class="num" data-testid="price-catalog">{move || lang.get().money(catalog)}</span></p>
                {move || match pending.get() {
                    None => edit().into_any(),
                    Some((p, _)) => approve(p).into_any(),
                }}
                <Show when=move || error.get().is_some()>
                    <p class="notice error" role="alert" data-testid="price-error">{move || error.get()}</p>
                </Show>
            </div>
        </div>
    }
}
