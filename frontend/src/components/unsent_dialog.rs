//! The list behind the header's counts: every sale still in the outbox, held for review by the server,
//! or refused — receipt, total, state and reason — with *Exporter*.

use crate::i18n_sync::{hold_reason_text, sync_texts};
use crate::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sale::Sale;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    Held,
    Refused,
}

#[derive(Clone)]
struct Row {
    sale: Sale,
    state: State,
    /// Held: the server's reason (shown in the screen's language); refused: its message.
    held: Option<shared::sync::HoldReason>,
    refused: Option<String>,
}

#[component]
pub fn UnsentDialog(on_close: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let rows = RwSignal::new(Vec::<Row>::new());
    // Reloaded whenever a count changes (the pusher settled or refused something meanwhile).
    Effect::new(move |_| {
        let _ = (ctx.pending.get(), ctx.held.get(), ctx.refused.get());
        let Some(db) = ctx.db.get_value() else { return };
        spawn_local(async move {
            let mut all: Vec<Row> = db
                .pending_sales(u32::MAX)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|sale| Row { sale, state: State::Pending, held: None, refused: None })
                .collect();
            all.extend(db.held_sales().await.unwrap_or_default().into_iter().map(|h| Row {
                sale: h.sale,
                state: State::Held,
                held: Some(h.reason),
                refused: None,
            }));
            all.extend(db.refused_sales().await.unwrap_or_default().into_iter().map(|r| Row {
                sale: r.sale,
                state: State::Refused,
                held: None,
                refused: Some(r.reason),
            }));
            rows.set(all);
        });
    });
    let st = move || sync_texts(lang.get());
    view! {
        <div class="overlay" on:keydown=move |e| if e.key() == "Escape" { on_close() }>
            <div class="dialog wide" role="dialog" aria-modal="true" data-testid="unsent-dialog">
                <h2>{move || st().list_title}</h2>
                <Show when=move || rows.with(|r| !r.is_empty()) fallback=move || view! { <p class="empty">{move || st().nothing}</p> }>
                    <table class="unsent">
                        <thead><tr>
                            <th>{move || st().receipt}</th><th class="num">{move || st().total}</th>
                            <th>{move || st().state}</th><th>{move || st().reason}</th>
                        </tr></thead>
                        <tbody>
                            {move || {
                                let l = lang.get();
                                let t = sync_texts(l);
                                rows.get().into_iter().map(|r| {
                                    let (state, code) = match r.state {
                                        State::Pending => (t.pending, "pending"),
                                        State::Held => (t.held, "held"),
                                        State::Refused => (t.refused, "refused"),
                                    };
                                    let reason = r.held.as_ref().map(|h| hold_reason_text(l, h)).or(r.refused).unwrap_or_default();
                                    view! {
                                        <tr data-receipt=r.sale.receipt.clone() data-state=code>
                                            <td>{r.sale.receipt.clone()}</td>
                                            <td class="num">{l.money(r.sale.totals.total)}</td>
                                            <td>{state}</td>
                                            <td data-testid="unsent-reason">{reason}</td>
                                        </tr>
                                    }
                                }).collect_view()
                            }}
                        </tbody>
                    </table>
                </Show>
                <div class="actions">
                    <button class="secondary" data-testid="close-unsent" on:click=move |_| on_close()>{move || st().close}</button>
                </div>
            </div>
        </div>
    }
}
