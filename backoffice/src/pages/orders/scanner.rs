//! Scanner mode (seed 001, « l'application Scanner »): a tablet or phone on the floor — an enrolled
//! device — picks an order part, assigns it to whoever is signed in at it, scans its items (a wrong item
//! or one already picked in full is refused with a beep and a message; a pick never exceeds what was
//! ordered), adds order notes (only here: damaged, unavailable, free text) and marks it packed. Every
//! action is an operation in the device's outbox, so all of it works while the connection drops.
//! While scanner mode is open the wedge scanner's codes come here (the sell screen is not mounted).

use crate::i18n_orders::{order_texts, status_label, type_label};
use frontend::scanner::use_wedge_scanner;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::fulfilment::{FulfilmentAction, PartStatus};
use shared::online::OrderPartView;
use shared::sync::{OpBody, Operation};
use super::OrdersCtx;
use super::actions::actor;
use super::data::{is_paid, replay};
use super::detail::{run_action, Outcome};

/// A short low beep (Web Audio) for a refused scan; tests count them in `window.__comptoirBeeps`.
fn beep() {
    use wasm_bindgen::JsValue;
    let key = JsValue::from_str("__comptoirBeeps");
    let n = js_sys::Reflect::get(&window(), &key).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&window(), &key, &(n + 1.0).into());
    thread_local! {
        static AUDIO: Option<web_sys::AudioContext> = web_sys::AudioContext::new().ok();
    }
    AUDIO.with(|audio| {
        let Some(audio) = audio else { return };
        let _ = audio.resume();
        let (Ok(osc), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else { return };
        osc.set_type(web_sys::OscillatorType::Square);
        osc.frequency().set_value(220.0);
        gain.gain().set_value(0.2);
        let now = audio.current_time();
        let _ = osc.connect_with_audio_node(&gain).and_then(|_| gain.connect_with_audio_node(&audio.destination()));
        let _ = osc.start_with_when(now);
        let _ = osc.stop_with_when(now + 0.25);
    });
}

#[component]
pub fn ScannerMode(rows: Memo<Vec<OrderPartView>>, part: Memo<Option<OrderPartView>>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let orders = expect_context::<OrdersCtx>();
    let lang = ctx.lang;
    // (refused?, text) of the last scan.
    let message = RwSignal::new(None::<(bool, String)>);
    let outcome = RwSignal::new(None::<Outcome>);
    let typed = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let t = move || order_texts(lang.get());

    // Operations recorded here whose recording has not finished: not in the outbox's list yet, so not in
    // `part` either. A scan is judged with them (two fast scans of the last unit: the second is refused).
    let recording = StoredValue::new(Vec::<Operation>::new());
    // Records an operation straight into the outbox (scans come fast: no waiting on the one before).
    let record = move |body: OpBody| {
        let id = frontend::ops::new_id();
        let op = Operation { id: id.clone(), device_id: String::new(), made_at_ms: js_sys::Date::now() as i64, cashier_id: actor(&ctx).unwrap_or_default(), body: body.clone() };
        recording.update_value(|ops| ops.push(op));
        spawn_local(async move {
            let recorded = frontend::ops::record(&ctx, id.clone(), body).await;
            // Recorded: `pending_ops` lists it now, and so does `part`.
            recording.update_value(|ops| ops.retain(|o| o.id != id));
            if let Err(e) = recorded {
                message.set(Some((true, e)));
            }
        });
    };
    // The part as the next scan must see it.
    let current = move || {
        part.get_untracked().map(|mut p| {
            recording.with_value(|ops| ops.iter().for_each(|op| replay(&mut p, op)));
            p
        })
    };

    let scan = move |code: String| {
        let code = code.trim().to_string();
        if code.is_empty() {
            return;
        }
        let tt = order_texts(lang.get_untracked());
        let Some(p) = current() else {
            beep();
            message.set(Some((true, tt.choose.to_string())));
            return;
        };
        let Some(product) = ctx.catalog.with_value(|c| c.find(&code).map(|p| (p.id.clone(), p.name.clone()))) else {
            beep();
            message.set(Some((true, format!("{} : {code}", tt.unknown_code))));
            return;
        };
        let Some(line) = p.lines.iter().find(|l| l.product_id == product.0) else {
            beep();
            message.set(Some((true, format!("{} : {}", tt.not_in_order, product.1))));
            return;
        };
        if line.picked >= line.ordered {
            beep();
            message.set(Some((true, format!("{} : {}", tt.already_picked, product.1))));
            return;
        }
        if p.status == PartStatus::New {
            record(OpBody::OrderAction { order_id: p.order_id.clone(), outlet_id: p.outlet_id.clone(), action: FulfilmentAction::Start });
        }
        record(OpBody::OrderPick { order_id: p.order_id.clone(), outlet_id: p.outlet_id.clone(), product_id: product.0, qty: 1 });
        message.set(Some((false, format!("{} : {}/{} {}", product.1, line.picked + 1, line.ordered, tt.picked))));
    };
    use_wedge_scanner(move |code| scan(code));

    let assign_me = move |_| {
        let (Some(p), Some(me)) = (current(), actor(&ctx)) else { return };
        if p.status == PartStatus::New {
            record(OpBody::OrderAction { order_id: p.order_id.clone(), outlet_id: p.outlet_id.clone(), action: FulfilmentAction::Start });
        }
        record(OpBody::OrderAssign { order_id: p.order_id, outlet_id: p.outlet_id, staff_id: me });
    };

    let add_note = move |text: String| {
        let Some(p) = part.get_untracked() else { return };
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        note.set(String::new());
        record(OpBody::OrderNote { order_id: p.order_id, outlet_id: p.outlet_id, text });
    };
    let quick_note = move |label: &'static str| {
        let extra = note.get_untracked();
        add_note(if extra.trim().is_empty() { label.to_string() } else { format!("{label} : {}", extra.trim()) });
    };

    view! {
        <section class="scanner-mode" data-testid="scanner-mode">
            <header>
                <h2>{move || t().scanner_title}</h2>
                <button class="secondary" data-testid="leave-scanner" on:click=move |_| orders.scanner.set(false)>{move || t().leave_scanner}</button>
            </header>
            {move || {
                let l = lang.get();
                let tt = order_texts(l);
                match part.get() {
                    None => view! {
                        <h3>{tt.choose}</h3>
                        <ul class="scanner-choices">
                            {rows.get().into_iter().map(|p| {
                                let key = (p.order_id.clone(), p.outlet_id.clone());
                                view! {
                                    <li><button class="choice" data-testid="scanner-choose" data-receipt=p.receipt.clone()
                                        on:click=move |_| orders.selected.set(Some(key.clone()))>
                                        <strong>{p.receipt.clone()}</strong> " " {p.customer_name.clone()} " · "
                                        {type_label(l, p.order_type)} " · " {status_label(l, p.status)}
                                    </button></li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Some(p) => {
                        let me = actor(&ctx);
                        let mine = me.is_some() && p.assigned_to == me;
                        let all = p.lines.iter().all(|l| l.picked >= l.ordered);
                        view! {
                            <p>
                                <strong data-testid="scanner-receipt">{p.receipt.clone()}</strong> " " {p.customer_name.clone()} " · "
                                {type_label(l, p.order_type)} " · " <span data-testid="scanner-status">{status_label(l, p.status)}</span>
                                {(!is_paid(&p)).then(|| view! { " · " <span class="badge bad">{tt.unpaid}</span> })}
                            </p>
                            {if mine {
                                view! { <p data-testid="scanner-assigned">{tt.assigned_to_you} " " {super::data::assigned_label(&ctx, &p)}</p> }.into_any()
                            } else {
                                view! { <button class="primary" data-testid="assign-me" on:click=assign_me>{tt.assign_me}</button> }.into_any()
                            }}
                            <h3>{tt.scan_items}</h3>
                            <table class="order-lines">
                                <tbody>
                                    {p.lines.iter().map(|line| view! {
                                        <tr data-product=line.product_id.clone() data-testid="scanner-line"
                                            class:partial={line.picked < line.ordered} class:done={line.picked >= line.ordered}>
                                            <td>{line.name.clone()} " " <small>{line.sku.clone()}</small></td>
                                            <td class="num" data-testid="scanner-qty">{super::qty_text(l, line)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <p data-testid="scanner-progress">{if all { tt.complete } else { tt.partial }}</p>
                        }.into_any()
                    }
                }
            }}
            <Show when=move || part.with(Option::is_some)>
                <form class="scan-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    scan(typed.get_untracked());
                    typed.set(String::new());
                }>
                    <input data-testid="scan-input" placeholder=move || t().scan_hint prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))/>
                    <button class="secondary" type="submit">{move || t().add_one}</button>
                </form>
                {move || message.get().map(|(bad, text)| view! {
                    <p class="notice" class:bad=bad class:info=!bad data-testid=if bad { "scan-refused" } else { "scan-ok" }>{text}</p>
                })}
                <div class="scanner-notes">
                    <h3>{move || t().order_notes}</h3>
                    <button class="secondary" data-testid="note-damaged" on:click=move |_| quick_note(order_texts(lang.get_untracked()).damaged)>{move || t().damaged}</button>
                    <button class="secondary" data-testid="note-unavailable" on:click=move |_| quick_note(order_texts(lang.get_untracked()).unavailable)>{move || t().unavailable}</button>
                    <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); add_note(note.get_untracked()); }>
                        <input data-testid="note-text" placeholder=move || t().note prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))/>
                        <button class="secondary" type="submit" data-testid="add-note">{move || t().add_note}</button>
                    </form>
                    <ul data-testid="scanner-notes">
                        {move || part.get().map(|p| p.order_notes.iter().map(|n| view! { <li>{n.text.clone()}</li> }).collect_view())}
                    </ul>
                </div>
                <div class="order-actions">
                    {move || part.get().filter(|p| p.status < PartStatus::Packed).map(|p| view! {
                        <button class="primary" data-testid="scanner-packed"
                            on:click=move |_| run_action(ctx, orders, p.clone(), FulfilmentAction::MarkPacked, outcome)>{t().mark_packed}</button>
                    })}
                    <button class="secondary" data-testid="scanner-back" on:click=move |_| { orders.selected.set(None); message.set(None); }>{move || t().choose}</button>
                </div>
                {move || match outcome.get() {
                    Some(Outcome::Refused(m)) => Some(view! { <p class="notice bad">{m}</p> }.into_any()),
                    _ => None,
                }}
            </Show>
        </section>
    }
}
