//! Where the cashier sees the register, the connection, the sales not yet settled with the server
//! (pending, held for review, refused — each counted, listed on demand, exportable), and the language.

use crate::components::unsent_dialog::UnsentDialog;
use crate::i18n::{pending_label, tr};
use crate::i18n_ops::{held_ops_label, op_hold_text, pending_ops_label};
use crate::i18n_pull::agreement_label;
use crate::i18n_sync::{held_label, refused_label, sync_texts};
use crate::pulled::Agreement;
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn StatusBar() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
    let listing = RwSignal::new(false);
    let exporting = StoredValue::new(false);
    let sync_text = move || {
        let l = lang.get();
        let t = l.t();
        let n = ctx.pending.get();
        match (ctx.online.get(), n) {
            (true, 0) => t.online.to_string(),
            (true, n) => format!("{} — {}", t.syncing, pending_label(l, n)),
            (false, n) => format!("{} — {}", t.offline, pending_label(l, n)),
        }
    };
    let sync_class = move || match (ctx.online.get(), ctx.pending.get()) {
        (true, 0) => "sync ok",
        (true, _) => "sync busy",
        (false, _) => "sync offline",
    };
    // Operations count too: *Exporter* carries them with the sales.
    let anything = move || ctx.pending.get() + ctx.held.get() + ctx.refused.get() > 0 || ctx.pending_ops.with(|o| !o.is_empty()) || ctx.held_ops.with(|o| !o.is_empty());
    let export = move |_| {
        // One file per press, however fast it is pressed again.
        let Some(db) = ctx.db.get_value() else { return };
        if exporting.get_value() {
            return;
        }
        exporting.set_value(true);
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::sync::export::export_unsent(&db).await {
                leptos::logging::error!("export: {e}");
            }
            exporting.set_value(false);
        });
    };
    view! {
        <div class="status">
            <span class="register-name" data-testid="register">
                {move || ctx.register.get().map(|r| r.name).unwrap_or_default()}
            </span>
            <span class=sync_class data-testid="sync-status" role="status">{sync_text}</span>
            {move || ctx.agreement.get().map(|a| {
                let outlet = ctx.outlet.with(|o| o.as_ref().map(|o| o.name.clone())).unwrap_or_default();
                let (class, state) = match a { Agreement::Agree { .. } => ("sync ok", "agree"), Agreement::Mismatch { .. } => ("sync rejected", "mismatch") };
                view! { <span class=class data-testid="ledger-agreement" data-state=state>{agreement_label(lang.get(), &a, &outlet)}</span> }
            })}
            <Show when=move || { ctx.held.get() > 0 }>
                <span class="sync held" data-testid="held">{move || held_label(lang.get(), ctx.held.get())}</span>
            </Show>
            <Show when=move || ctx.pending_ops.with(|o| !o.is_empty())>
                <span class="sync busy" data-testid="pending-ops">{move || pending_ops_label(lang.get(), ctx.pending_ops.with(Vec::len))}</span>
            </Show>
            <Show when=move || ctx.held_ops.with(|o| !o.is_empty())>
                <details class="sync held" data-testid="held-ops">
                    <summary>{move || held_ops_label(lang.get(), ctx.held_ops.with(Vec::len))}</summary>
                    <ul>
                        {move || ctx.held_ops.get().into_iter().map(|h| {
                            let text = format!("{} — {}", h.op.body.kind(), op_hold_text(lang.get(), &h.reason));
                            view! { <li data-testid="held-op">{text}</li> }
                        }).collect_view()}
                    </ul>
                </details>
            </Show>
            <Show when=move || { ctx.refused.get() > 0 }>
                <span class="sync rejected" data-testid="refused">{move || refused_label(lang.get(), ctx.refused.get())}</span>
            </Show>
            <Show when=anything>
                <button class="lang" data-testid="show-unsent" on:click=move |_| listing.set(true)>
                    {move || sync_texts(lang.get()).show_list}
                </button>
                <button class="lang" data-testid="export-pending" title=move || sync_texts(lang.get()).export_help on:click=export>
                    {tr(lang, |t| t.export_pending)}
                </button>
            </Show>
            <Show when=move || ctx.persistent.get() == Some(false)>
                <span class="sync warn" data-testid="storage-warning" title=tr(lang, |t| t.storage_not_persistent_help)>
                    {tr(lang, |t| t.storage_not_persistent)}
                </span>
            </Show>
            <button class="lang" data-testid="lang-switch" on:click=move |_| ctx.set_lang(lang.get_untracked().other())>
                {move || lang.get().other().code().to_uppercase()}
            </button>
            <Show when=move || listing.get()>
                <UnsentDialog on_close=move || listing.set(false)/>
            </Show>
        </div>
    }
}
