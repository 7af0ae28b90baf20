//! `/journal`: the audit log, newest first — who did what, when, where — filtered by action, staff
//! member, outlet and days, fifty entries at a time (*Entrées plus anciennes* reads the next page).
//! Managers see their outlets' entries; administrators everything.

use super::denied::Denied;
use super::{failure_text, is_denied};
use crate::api::admin_api;
use crate::i18n_admin::{action_label, admin_texts, ACTIONS};
use frontend::i18n::{date_time, Lang};
use frontend::state::AppCtx;
use frontend::sync::api;
use frontend::sync::http::{seg, ApiFailure};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::auth::AuditEntry;

const PAGE: usize = 50;

#[component]
pub fn JournalPage() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || admin_texts(lang.get());
    let staff = LocalResource::new(admin_api::staff);
    let setup = LocalResource::new(api::setup);
    let (action, who, outlet, from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let entries = RwSignal::new(None::<Result<Vec<AuditEntry>, ApiFailure>>);
    let more = RwSignal::new(false);
    let busy = RwSignal::new(false);

    // Reads a page: the first of the filters (`append` false) or the one after the last entry shown.
    let load = move |append: bool| {
        if busy.get_untracked() {
            return;
        }
        let mut query = format!("limit={PAGE}");
        for (key, s) in [("action", action), ("staff", who), ("outlet", outlet), ("from", from), ("to", to)] {
            let v = s.get_untracked();
            if !v.is_empty() {
                query.push_str(&format!("&{key}={}", seg(&v)));
            }
        }
        let last = entries.with_untracked(|e| e.as_ref().and_then(|e| e.as_ref().ok()).and_then(|e| e.last().map(|x| x.id)));
        if let (true, Some(id)) = (append, last) {
            query.push_str(&format!("&before={id}"));
        }
        busy.set(true);
        spawn_local(async move {
            let answer = admin_api::audit(&query).await;
            busy.set(false);
            match answer {
                Ok(page) => {
                    more.set(page.len() == PAGE);
                    entries.update(|e| match (append, e) {
                        (true, Some(Ok(list))) => list.extend(page),
                        (_, e) => *e = Some(Ok(page)),
                    });
                }
                Err(e) => entries.set(Some(Err(e))),
            }
        });
    };
    load(false);

    let staff_name = move |id: &str| -> String {
        staff.with(|s| s.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| s.iter().find(|a| a.id == id).map(|a| a.name.clone()))).unwrap_or_else(|| id.to_string())
    };
    let outlet_name = move |id: &str| -> String {
        setup.with(|s| s.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| s.outlets.iter().find(|o| o.id == id).map(|o| o.name.clone()))).unwrap_or_else(|| id.to_string())
    };
    let select = |testid: &'static str, signal: RwSignal<String>, options: Vec<(String, String)>, all: &'static str| {
        view! {
            <select data-testid=testid on:change=move |ev| signal.set(event_target_value(&ev))>
                <option value="" selected=move || signal.get().is_empty()>{all}</option>
                {options.into_iter().map(|(v, label)| { let w = v.clone(); view! { <option value=v selected=move || signal.get() == w>{label}</option> } }).collect_view()}
            </select>
        }
    };

    view! {
        <section class="admin-page journal-page" data-testid="journal-page">
            <h1>{move || t().audit_title}</h1>
            <form class="filters" data-testid="journal-filters" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); entries.set(None); load(false); }>
                <label>{move || t().action} " "
                    {move || select("filter-action", action, ACTIONS.iter().map(|(c, _, _)| (c.to_string(), action_label(lang.get(), c))).collect(), t().all)}
                </label>
                <label>{move || t().staff} " "
                    {move || select("filter-staff", who, staff.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|a| (a.id, a.name)).collect(), t().all)}
                </label>
                <label>{move || t().outlet} " "
                    {move || select("filter-outlet", outlet, setup.get().and_then(Result::ok).map(|s| s.outlets).unwrap_or_default().into_iter().map(|o| (o.id, o.name)).collect(), t().all)}
                </label>
                <label>{move || t().from} " "
                    <input type="date" data-testid="filter-from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label>{move || t().to} " "
                    <input type="date" data-testid="filter-to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="primary" data-testid="filter-apply" disabled=move || busy.get()>{move || t().filter}</button>
            </form>
            {move || match entries.get() {
                None => view! { <p class="hint">{t().loading}</p> }.into_any(),
                Some(Err(e)) if is_denied(&e) => view! { <Denied/> }.into_any(),
                Some(Err(e)) => view! { <p class="notice bad" role="alert">{failure_text(lang.get(), &e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty" data-testid="journal-empty">{t().no_entries}</p> }.into_any(),
                Some(Ok(list)) => {
                    let l: Lang = lang.get();
                    view! {
                        <table class="journal" data-testid="journal">
                            <thead><tr>
                                <th>{t().when}</th><th>{t().action}</th><th>{t().staff}</th><th>{t().outlet}</th><th>{t().subject}</th><th>{t().detail}</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr data-testid="audit-entry" data-action=e.action.to_string()>
                                        <td>{date_time(l, e.at_ms)}</td>
                                        <td data-testid="audit-action">{action_label(l, &e.action.to_string())}</td>
                                        <td data-testid="audit-staff">{staff_name(&e.staff_id)}</td>
                                        <td>{e.outlet_id.as_deref().map(outlet_name).unwrap_or_default()}</td>
                                        <td><code>{e.subject}</code></td>
                                        <td data-testid="audit-detail">{e.detail}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            {move || more.get().then(|| view! {
                <button type="button" class="secondary" data-testid="journal-more" disabled=move || busy.get() on:click=move |_| load(true)>{t().more}</button>
            })}
        </section>
    }
}
