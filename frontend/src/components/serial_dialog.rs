//! "Enregistrer un numéro de série" at Payer (seed 000): one serial per unit of a serial-tracked
//! product. A serial not on file → add it as new, or re-enter; one already sold → refused, naming the sale.

use crate::i18n::{date_time, tr};
use crate::state::AppCtx;
use leptos::html;
use leptos::prelude::*;
use shared::sale::Cart;
use shared::stock::SerialCheck;

/// The next unit that still needs a serial: (line index, unit number from 1, units to name).
pub fn next_missing(ctx: &AppCtx, cart: &Cart) -> Option<(usize, usize, usize)> {
    let outlet = ctx.outlet.get_untracked()?.id;
    cart.lines.iter().enumerate().find_map(|(i, line)| {
        let product = ctx.catalog.with_value(|c| c.get(&line.product_id).cloned())?;
        let needed = ctx.serials.with_value(|r| r.serials_to_name(&product, &outlet, line.qty));
        (line.serials.len() < needed).then_some((i, line.serials.len() + 1, needed))
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Problem {
    Empty,
    Repeated,
    NotOnFile(String),
    AlreadySold { sale_id: String, at_ms: i64 },
    /// A return must name a unit that was sold.
    NotSold,
}

#[component]
pub fn SerialDialog(
    cart: RwSignal<Cart>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let typed = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let input: NodeRef<html::Input> = NodeRef::new();
    let pending = Memo::new(move |_| cart.with(|c| next_missing(&ctx, c)));
    Effect::new(move |_| {
        if pending.get().is_none() {
            on_done();
        } else if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });

    let accept = move |serial: String| {
        if let Some((i, _, _)) = pending.get_untracked() {
            cart.update(|c| c.lines[i].serials.push(serial));
        }
        typed.set(String::new());
        problem.set(None);
    };
    let submit = move |raw: String| {
        let serial = raw.trim().to_string();
        let Some((i, _, _)) = pending.get_untracked() else { return };
        let line = cart.with_untracked(|c| c.lines[i].clone());
        if serial.is_empty() {
            return problem.set(Some(Problem::Empty));
        }
        let in_cart = cart.with_untracked(|c| {
            c.lines.iter().any(|l| l.product_id == line.product_id && l.serials.iter().any(|s| *s == serial))
        });
        if in_cart {
            return problem.set(Some(Problem::Repeated));
        }
        let outlet = ctx.outlet.get_untracked().map(|o| o.id).unwrap_or_default();
        let check = ctx.serials.with_value(|r| r.check(&line.product_id, &outlet, &serial));
        if line.qty < 0 {
            // A return names the exact unit coming back: one that was sold.
            return match check {
                SerialCheck::AlreadySold { .. } => accept(serial),
                _ => problem.set(Some(Problem::NotSold)),
            };
        }
        match check {
            SerialCheck::Available | SerialCheck::AtAnotherOutlet { .. } => accept(serial),
            SerialCheck::NotOnFile => problem.set(Some(Problem::NotOnFile(serial))),
            SerialCheck::AlreadySold { sale_id, at_ms } => problem.set(Some(Problem::AlreadySold { sale_id, at_ms })),
        }
    };
    // While this prompt is open a scanned code (any scanner) is a serial, not a product.
    crate::scanner::use_scan_claim(move |code| {
        typed.set(code.clone());
        submit(code);
    });

    let heading = move || {
        let t = lang.get().t();
        pending.get().map(|(i, unit, of)| {
            let (name, returning) = cart.with(|c| c.lines.get(i).map(|l| (l.name.clone(), l.qty < 0)).unwrap_or_default());
            let what = if returning { format!("{} : {name}", t.return_mode) } else { name };
            format!("{what} — {} {unit} {} {of}", t.unit, t.of)
        })
    };
    let message = move || {
        let l = lang.get();
        let t = l.t();
        problem.get().map(|p| match p {
            Problem::Empty => t.serial_empty.to_string(),
            Problem::Repeated => t.serial_repeated.to_string(),
            Problem::NotOnFile(_) => t.serial_not_on_file.to_string(),
            Problem::NotSold => t.serial_not_sold.to_string(),
            Problem::AlreadySold { sale_id, at_ms } => {
                format!("{} {} ({} {})", t.serial_already_sold, date_time(l, at_ms), t.in_sale, sale_id)
            }
        })
    };
    let not_on_file = move || match problem.get() {
        Some(Problem::NotOnFile(serial)) => Some(serial),
        _ => None,
    };

    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { on_cancel() }>
            <div class="dialog" role="dialog" aria-modal="true" data-testid="serial-dialog">
                <h2>{tr(lang, |t| t.serial_title)}</h2>
                <p class="serial-unit" data-testid="serial-unit">{heading}</p>
                <label class="field">
                    <span>{tr(lang, |t| t.serial_label)}</span>
                    <input
                        node_ref=input
                        data-testid="serial-input"
                        autocomplete="off"
                        prop:value=move || typed.get()
                        on:input=move |e| { typed.set(event_target_value(&e)); problem.set(None); }
                        on:keydown=move |e| if e.key() == "Enter" { e.prevent_default(); submit(typed.get_untracked()) }
                    />
                </label>
                {move || message().map(|m| view! { <p class="error" role="alert" data-testid="serial-error">{m}</p> })}
                {move || not_on_file().map(|serial| view! {
                    <div class="actions">
                        <button class="secondary" data-testid="serial-reenter" on:click=move |_| {
                            typed.set(String::new());
                            problem.set(None);
                            if let Some(el) = input.get_untracked() { let _ = el.focus(); }
                        }>{tr(lang, |t| t.re_enter)}</button>
                        <button class="primary" data-testid="serial-add-new" on:click=move |_| accept(serial.clone())>
                            {tr(lang, |t| t.add_as_new)}
                        </button>
                    </div>
                })}
                <div class="actions">
                    <button class="secondary" on:click=move |_| on_cancel()>{tr(lang, |t| t.cancel)}</button>
                    <button class="primary" data-testid="serial-continue" on:click=move |_| submit(typed.get_untracked())>
                        {tr(lang, |t| t.continue_)}
                    </button>
                </div>
            </div>
        </div>
    }
}
