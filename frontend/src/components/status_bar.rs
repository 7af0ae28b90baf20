//! Where the cashier sees the register, the connection, the sales waiting to be sent, and the language.

use crate::i18n::{pending_label, tr};
use crate::state::AppCtx;
use leptos::prelude::*;

#[component]
pub fn StatusBar() -> impl IntoView {
    let ctx = expect_context::<AppCtx>();
    let lang = ctx.lang;
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
    view! {
        <div class="status">
            <span class="register-name" data-testid="register">
                {move || ctx.register.get().map(|r| r.name).unwrap_or_default()}
            </span>
            <span class=sync_class data-testid="sync-status" role="status">{sync_text}</span>
            <Show when=move || { ctx.pending.get() > 0 }>
                <button class="lang" data-testid="export-pending" title=tr(lang, |t| t.export_pending_help)
                    on:click=move |_| {
                        if let Some(db) = ctx.db.get_value() {
                            leptos::task::spawn_local(async move {
                                if let Err(e) = crate::sync::export::export_pending(&db).await {
                                    leptos::logging::error!("export: {e}");
                                }
                            });
                        }
                    }>{tr(lang, |t| t.export_pending)}</button>
            </Show>
            <Show when=move || { ctx.rejected.get() > 0 }>
                <span class="sync rejected" data-testid="rejected">
                    {move || format!("{} {}", ctx.rejected.get(), lang.get().t().refused_sales)}
                </span>
            </Show>
            <Show when=move || ctx.persistent.get() == Some(false)>
                <span class="sync warn" data-testid="storage-warning" title=tr(lang, |t| t.storage_not_persistent_help)>
                    {tr(lang, |t| t.storage_not_persistent)}
                </span>
            </Show>
            <button class="lang" data-testid="lang-switch" on:click=move |_| ctx.set_lang(lang.get_untracked().other())>
                {move || lang.get().other().code().to_uppercase()}
            </button>
        </div>
    }
}
