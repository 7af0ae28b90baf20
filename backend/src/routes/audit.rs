//! `GET /audit?outlet=&before=&limit=`: the audit log, newest first, paged by id — a manager's
//! outlets' entries, an admin's everything.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::auth::AuditEntry;
use shared::limits::MAX_ID_LEN;

pub const MAX_AUDIT_PAGE: u32 = 500;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct AuditQuery {
    /// Only this outlet's entries.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    /// Entries with a smaller id (the last id of the previous page).
    #[schemars(range(min = 0, max = shared::limits::MAX_SEQ as i64))]
    before: Option<i64>,
    /// Entries in the answer (default 100; a value outside the range is brought into it).
    #[schemars(range(min = 1, max = MAX_AUDIT_PAGE))]
    limit: Option<u32>,
}

pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<AuditQuery>) -> Result<Json<Vec<AuditEntry>>, AppError> {
    if let Some(o) = &q.outlet {
        require_outlet(&caller, o)?;
    }
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_AUDIT_PAGE);
    Ok(Json(state.store.list_audit(caller.outlets().as_deref(), q.outlet.as_deref(), q.before, limit).await?))
}
