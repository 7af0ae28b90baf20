//! Rapport Z: « Enregistrer le comptage » records the drawer count typed on the report
//! (`POST /reports/z/count`: the server reads the day's report again and keeps what it expected, the
//! count and the difference, audited), and the counts recorded for the day, newest first — a recount
//! is kept beside the first, never over it.

use super::z_report::count_text;
use crate::api::reports_api;
use crate::i18n_zreport::z_texts;
use frontend::i18n::date_time;
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::StaffMember;
use shared::report::{CountRequest, RecordedCount};

#[component]
pub fn ZCounts(counts: Vec<RecordedCount>, request: Signal<Option<CountRequest>>, reload: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || z_texts(lang.get());
    let staff = LocalResource::new(|| frontend::sync::http::get::<Vec<StaffMember>>("/api/v1/staff"));
    let name = move |id: &str| {
        staff.get().and_then(Result::ok).and_then(|s| s.into_iter().find(|m| m.id == id).map(|m| m.name)).unwrap_or_else(|| id.to_string())
    };
    let busy = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let record = move |_| {
        // One count per press, however fast it is pressed.
        let Some(req) = request.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failed.set(None);
        spawn_local(async move {
            let answer = reports_api::record_count(&req).await;
            busy.set(false);
            match answer {
                Ok(_) => reload.update(|n| *n += 1),
                Err(ApiFailure::Refused { error, .. }) => failed.set(Some(error.message)),
                Err(ApiFailure::Unreachable(m)) => failed.set(Some(format!("{} ({m})", lang.get_untracked().t().server_unreachable))),
            }
        });
    };
    let rows = counts
        .into_iter()
        .map(|c| {
            let l = lang.get_untracked();
            let outcome = c.outcome().map(|o| count_text(l, o)).unwrap_or_default();
            let by = c.counted_by.clone();
            view! {
                <tr data-testid="z-recorded-count">
                    <td>{date_time(l, c.at_ms)}</td>
                    <td>{move || name(&by)}</td>
                    <td class="num">{l.money(c.counted)}</td>
                    <td class="num">{l.money(c.expected)}</td>
                    <td class="num" data-testid="z-recorded-outcome">{outcome}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="no-print">
            <button
                type="button"
                class="primary"
                data-testid="z-record-count"
                disabled=move || busy.get() || request.get().is_none()
                aria-busy=move || busy.get().then_some("true")
                on:click=record
            >
                {move || t().record_count}
            </button>
            {move || failed.get().map(|m| view! { <span class="error" role="alert" data-testid="z-record-error">{t().record_failed} " : " {m}</span> })}
        </p>
        <h3>{move || t().recorded_counts}</h3>
        <table class="z-table" data-testid="z-recorded-counts">
            <thead><tr>
                <th>{move || t().recorded_at}</th>
                <th>{move || t().counted_by}</th>
                <th class="num">{move || t().counted_cash}</th>
                <th class="num">{move || t().expected_cash}</th>
                <th class="num">{move || t().difference}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
