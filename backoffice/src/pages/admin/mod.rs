//! Administration (issue 12 item 7): `/points-de-vente` (outlets, their time zone and allocation order,
//! registers, the stores their stock is offered to online), `/appareils` (enrolled devices, enrolment
//! codes, revocation), `/personnel` (staff, roles, outlets, deactivation) and `/journal` (the audit
//! log). Managers read what concerns their outlets; administrators change it; a cashier, or nobody,
//! gets the refusal page. The server decides every change (`routes::admin`); these pages show its
//! answers, refusals included.

pub mod code_form;
pub mod denied;
pub mod device_row;
pub mod devices_page;
pub mod journal_page;
pub mod outlet_card;
pub mod outlet_form;
pub mod outlets_page;
pub mod register_form;
pub mod staff_form;
pub mod staff_page;
pub mod staff_row;

use crate::i18n_admin::{admin_texts, refusal_text};
use frontend::i18n::Lang;
use frontend::state::AppCtx;
use frontend::sync::http::ApiFailure;
use leptos::prelude::*;
use shared::auth::Role;

/// The roles a form offers, with their API codes.
pub const ROLES: [(Role, &str); 3] = [(Role::Cashier, "cashier"), (Role::Manager, "manager"), (Role::Admin, "admin")];

/// The signed-in staff member's role (`None`: nobody signed in here).
pub fn signed_in_role(ctx: &AppCtx) -> Option<Role> {
    ctx.auth.session.with(|s| s.as_ref().map(|s| s.staff.role))
}

/// Whether the signed-in staff member is an administrator (what the pages offer; the server decides).
pub fn is_admin(ctx: &AppCtx) -> bool {
    signed_in_role(ctx) == Some(Role::Admin)
}

/// A failed call in the page's language.
pub fn failure_text(lang: Lang, f: &ApiFailure) -> String {
    match f {
        ApiFailure::Refused { error, .. } => refusal_text(lang, &error.error, &error.message),
        ApiFailure::Unreachable(m) => format!("{} ({m})", lang.t().server_unreachable),
    }
}

/// Whether a failure is the server's refusal of this caller (the refusal page, not an error).
pub fn is_denied(f: &ApiFailure) -> bool {
    matches!(f, ApiFailure::Refused { status: 401 | 403, .. })
}

/// A notice under a form: an error (`bad`) or a confirmation.
pub fn notice_view(notice: RwSignal<Option<(bool, String)>>, testid: &'static str) -> impl IntoView {
    move || notice.get().map(|(bad, m)| view! { <p class="notice" class:bad=bad class:info=!bad role="status" data-testid=testid>{m}</p> })
}

/// "Chargement…" in the page's language.
pub fn loading(lang: Lang) -> impl IntoView {
    view! { <p class="hint" data-testid="admin-loading">{admin_texts(lang).loading}</p> }
}
