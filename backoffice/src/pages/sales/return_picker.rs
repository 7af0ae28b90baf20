//! « Retourner à la caisse »: the manager chooses how many units of each line come back (capped by what
//! the line can still give back, `shared::sales_history::cap_pick`), and the link opens the register
//! with them (`shared::sales_history::return_link`): returns are made at the register, as negative lines
//! paid out there to the original tender (seed 004).

use crate::i18n_history::history_texts;
use frontend::state::AppCtx;
use leptos::prelude::*;
use shared::sale::ReturnPick;
use shared::sales_history::{cap_pick, return_link, ReturnableLine};

#[component]
pub fn ReturnPicker(sale_id: String, returnable: Vec<ReturnableLine>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let open: Vec<ReturnableLine> = returnable.iter().filter(|r| r.left > 0).cloned().collect();
    // Units chosen per returnable line (by line index), none at first.
    let picks = RwSignal::new(open.iter().map(|r| ReturnPick { line: r.line, qty: 0 }).collect::<Vec<_>>());
    let returnable = StoredValue::new(returnable);
    let set = move |line: usize, typed: String| {
        let asked = typed.trim().parse::<i64>().unwrap_or(0);
        let qty = returnable.with_value(|r| cap_pick(r, line, asked));
        picks.update(|p| {
            if let Some(p) = p.iter_mut().find(|p| p.line == line) {
                p.qty = qty;
            }
        });
    };
    let href = move || picks.with(|p| return_link(&sale_id, p));
    let none_chosen = move || picks.with(|p| p.iter().all(|p| p.qty == 0));
    view! {
        <section class="return-picker" data-testid="return-picker">
            <h2>{move || history_texts(lang.get()).to_return}</h2>
            {if open.is_empty() {
                view! { <p class="hint" data-testid="all-returned">{move || history_texts(lang.get()).all_returned}</p> }.into_any()
            } else {
                view! {
                    <p class="hint">{move || history_texts(lang.get()).choose_units}</p>
                    <table class="sales">
                        <thead><tr>
                            <th>{move || lang.get().t().item}</th>
                            <th class="num">{move || history_texts(lang.get()).sold}</th>
                            <th class="num">{move || history_texts(lang.get()).left}</th>
                            <th class="num">{move || history_texts(lang.get()).to_return}</th>
                        </tr></thead>
                        <tbody>
                            {open.into_iter().map(|r| {
                                let line = r.line;
                                view! {
                                    <tr data-testid="returnable-line" data-line=line.to_string()>
                                        <td>{r.name.clone()}</td>
                                        <td class="num">{r.sold}</td>
                                        <td class="num" data-testid="returnable-left">{r.left}</td>
                                        <td class="num">
                                            <input class="short" type="number" min="0" max=r.left.to_string() inputmode="numeric"
                                                data-testid="return-qty"
                                                prop:value=move || picks.with(|p| p.iter().find(|p| p.line == line).map_or(0, |p| p.qty).to_string())
                                                on:change=move |e| set(line, event_target_value(&e))/>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    // A full-page link: the register is the other app.
                    <a class="button primary" data-testid="return-at-register" href=href
                        aria-disabled=move || none_chosen().to_string() class:disabled=none_chosen
                        on:click=move |e| if none_chosen() { e.prevent_default(); }>
                        {move || history_texts(lang.get()).return_at_register}
                    </a>
                }.into_any()
            }}
        </section>
    }
}
