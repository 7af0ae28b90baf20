//! CSV import and export (`/import`, issue 12 item 8): pick what the file holds (products, serial
//! numbers, customers) and the file; "Aperçu" asks the server to check every row (`dry_run=true`:
//! rows to create, change, unchanged, and every error by row and column); "Importer" writes the whole
//! file or nothing (the server refuses a file with any wrong row, 422, and writes nothing). Export
//! buttons are links to the export routes: the session cookie goes with a plain link.

use super::managers_only::ManagersOnly;
use super::products::failure_text;
use crate::api::products_api::{self, Imported};
use crate::i18n_catalog::{catalog_texts, error_text, field_label, imported_text, CatalogTexts};
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::catalog::import::{Action, FileKind, ImportReport, RowError};
use wasm_bindgen::JsCast;

const KINDS: [FileKind; 3] = [FileKind::Products, FileKind::Serials, FileKind::Customers];

fn kind_label(t: &CatalogTexts, kind: FileKind) -> &'static str {
    match kind {
        FileKind::Products => t.products,
        FileKind::Serials => t.serial_numbers,
        FileKind::Customers => t.customers,
    }
}

/// A row error in the screen's language (the server's sentence when the code is not one we know).
fn row_error_text(lang: Lang, e: &RowError) -> String {
    if e.code.ends_with("_taken") {
        // The server names whose it is; the words around it are ours.
        return format!("{} ({})", catalog_texts(lang).e_taken, e.message);
    }
    error_text(lang, &e.code, &e.message)
}

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// A preview (nothing written) or the import done (`applied`), or refused with its errors.
    Report(ImportReport),
    Failed(String),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    view! { <ManagersOnly><ImportExport/></ManagersOnly> }
}

#[component]
fn ImportExport() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let t = move || catalog_texts(lang.get());
    let kind = RwSignal::new(FileKind::Products);
    let file = StoredValue::new_local(None::<web_sys::File>);
    let has_file = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    // `Some(true)`: an import is out; `Some(false)`: a preview is out.
    let pending = RwSignal::new(None::<bool>);

    let run = move |dry_run: bool| {
        if pending.get_untracked().is_some() {
            return;
        }
        let Some(f) = file.get_value() else {
            outcome.set(Some(Outcome::Failed(
                catalog_texts(lang.get_untracked()).no_file.into(),
            )));
            return;
        };
        pending.set(Some(!dry_run));
        outcome.set(None);
        let k = kind.get_untracked();
        spawn_local(async move {
            let answer = products_api::import(k, &f, dry_run).await;
            pending.set(None);
            let l = lang.get_untracked();
            outcome.set(Some(match answer {
                Ok(Imported::Report(r)) => Outcome::Report(r),
                Ok(Imported::Refused(r)) => Outcome::Failed(format!(
                    "{} ({})",
                    catalog_texts(l).refused_nothing,
                    r.message
                )),
                Err(f) => Outcome::Failed(failure_text(l, &f)),
            }));
        });
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let chosen = input.and_then(|i| i.files()).and_then(|list| list.get(0));
        has_file.set(chosen.is_some());
        file.set_value(chosen);
        outcome.set(None);
    };

    let report_view = move || {
        let l = lang.get();
        let t = catalog_texts(l);
        outcome.get().map(|o| match o {
            Outcome::Failed(m) => view! { <p class="notice error" role="alert" data-testid="import-failed">{m}</p> }.into_any(),
            Outcome::Report(r) => {
                let status = if r.applied {
                    view! { <p class="notice success" role="status" data-testid="import-done">{imported_text(l, r.creates, r.updates, r.unchanged)}</p> }.into_any()
                } else if r.error_count > 0 {
                    view! { <p class="notice error" role="alert" data-testid="import-errors-notice">{t.fix_then_import}</p> }.into_any()
                } else {
                    view! { <p class="notice info" role="status" data-testid="import-ready">{t.all_or_nothing}</p> }.into_any()
                };
                let hidden = r.error_count.saturating_sub(r.errors.len());
                let errors = (!r.errors.is_empty()).then(|| {
                    let rows = r
                        .errors
                        .iter()
                        .map(|e| {
                            let column = if e.column.is_empty() { "—".to_string() } else { field_label(l, &e.column) };
                            view! {
                                <tr class="import-error" data-row=e.row.to_string() data-column=e.column.clone() data-code=e.code.clone()>
                                    <td class="num">{e.row}</td>
                                    <td>{column}</td>
                                    <td>{row_error_text(l, e)}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <h3>{t.errors}</h3>
                        <table class="import-errors" data-testid="import-errors">
                            <thead><tr><th class="num">{t.row}</th><th>{t.column}</th><th>{t.problem}</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        {(hidden > 0).then(|| view! { <p class="hint">{format!("… {hidden} {}", t.more_errors)}</p> })}
                    }
                });
                let preview = (!r.preview.is_empty() && !r.applied).then(|| {
                    let rows = r
                        .preview
                        .iter()
                        .map(|p| {
                            let action = match p.action {
                                Action::Create => t.create,
                                Action::Update => t.update,
                                Action::Unchanged => t.unchanged,
                            };
                            let changes = p
                                .changes
                                .iter()
                                .map(|c| if c.before.is_empty() { format!("{} : {}", field_label(l, &c.field), c.after) } else { format!("{} : {} → {}", field_label(l, &c.field), c.before, c.after) })
                                .collect::<Vec<_>>()
                                .join(" ; ");
                            view! { <tr class="import-change" data-row=p.row.to_string()><td class="num">{p.row}</td><td>{action}</td><td>{changes}</td></tr> }
                        })
                        .collect_view();
                    view! {
                        <h3>{t.preview}</h3>
                        <table class="import-preview" data-testid="import-preview-rows">
                            <thead><tr><th class="num">{t.row}</th><th>{t.action}</th><th>{t.changes}</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    }
                });
                view! {
                    <div class="import-report" data-testid="import-report" data-applied=r.applied.to_string()>
                        {status}
                        <dl class="import-counts">
                            <div><dt>{t.to_create}</dt><dd data-testid="count-creates">{r.creates}</dd></div>
                            <div><dt>{t.to_update}</dt><dd data-testid="count-updates">{r.updates}</dd></div>
                            <div><dt>{t.unchanged}</dt><dd data-testid="count-unchanged">{r.unchanged}</dd></div>
                            <div><dt>{t.errors}</dt><dd data-testid="count-errors">{r.error_count}</dd></div>
                        </dl>
                        {errors}
                        {preview}
                    </div>
                }
                .into_any()
            }
        })
    };

    view! {
        <section class="import-page" data-testid="import-page">
            <h1>{move || t().io_title}</h1>
            <form class="import-form" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); run(true); }>
                <h2>{move || t().import_title}</h2>
                <label class="field">
                    <span>{move || t().kind}</span>
                    <select
                        data-testid="import-kind"
                        on:change=move |ev| {
                            if let Ok(k) = event_target_value(&ev).parse::<FileKind>() {
                                kind.set(k);
                                outcome.set(None);
                            }
                        }
                    >
                        {move || {
                            let tt = t();
                            KINDS
                                .into_iter()
                                .map(|k| {
                                    let code: &'static str = k.into();
                                    view! { <option value=code selected=move || kind.get_untracked() == k>{kind_label(tt, k)}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label class="field">
                    <span>{move || t().file}</span>
                    <input type="file" accept=".csv,text/csv" data-testid="import-file" on:change=on_file/>
                </label>
                <p class="hint">{move || t().all_or_nothing}</p>
                <div class="actions">
                    <button type="submit" data-testid="import-preview" disabled=move || pending.get().is_some() || !has_file.get()>
                        {move || if pending.get() == Some(false) { t().previewing } else { t().preview }}
                    </button>
                    <button
                        type="button"
                        class="primary"
                        data-testid="import-apply"
                        disabled=move || pending.get().is_some() || !has_file.get()
                        aria-busy=move || (pending.get() == Some(true)).then_some("true")
                        on:click=move |_| run(false)
                    >
                        {move || if pending.get() == Some(true) { t().importing } else { t().import }}
                    </button>
                </div>
            </form>
            <div aria-live="polite">{report_view}</div>
            <section class="export">
                <h2>{move || t().export_title}</h2>
                <div class="actions">
                    <a class="button" href="/api/v1/export/products.csv" download="products.csv" data-testid="export-products">{move || t().export_products}</a>
                    <a class="button" href="/api/v1/export/serials.csv" download="serials.csv" data-testid="export-serials">{move || t().export_serials}</a>
                    <a class="button" href="/api/v1/export/customers.csv" download="customers.csv" data-testid="export-customers">{move || t().export_customers}</a>
                </div>
            </section>
        </section>
    }
}
