//! `GET /audit?outlet=&action=&staff=&from=&to=&before=&limit=`: the audit log, newest first, paged by
//! id — a manager's outlets' entries, an admin's everything — filtered by action, staff member, outlet
//! and days (`from`/`to`, `YYYY-MM-DD`, both included, in the outlet's time zone or the shop's).

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::store::auth::AuditFilter;
use crate::time_zone;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::auth::{AuditAction, AuditEntry};
use shared::limits::MAX_ID_LEN;
use shared::report::Period;
use std::str::FromStr;

pub const MAX_AUDIT_PAGE: u32 = 500;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct AuditQuery {
    /// Only this outlet's entries.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    /// Only this action (`sign_in`, `device_revoked`, `outlet_changed`, …).
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    action: Option<String>,
    /// Only what this staff member did.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    staff: Option<String>,
    /// From this day (`YYYY-MM-DD`, the outlet's time zone), included.
    #[schemars(length(min = 10, max = 10))]
    from: Option<String>,
    /// To this day (`YYYY-MM-DD`), included.
    #[schemars(length(min = 10, max = 10))]
    to: Option<String>,
    /// Entries with a smaller id (the last id of the previous page).
    #[schemars(range(min = 0, max = shared::limits::MAX_SEQ as i64))]
    before: Option<i64>,
    /// Entries in the answer (default 100; a value outside the range is brought into it).
    #[schemars(range(min = 1, max = MAX_AUDIT_PAGE))]
    limit: Option<u32>,
}

/// A day's start (or, for `to`, the next day's start) in `tz`.
fn day_bound(name: &str, value: &str, tz: &jiff::tz::TimeZone, end: bool) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest(format!("`{name}` must be a day YYYY-MM-DD (1970 to 9999), not '{value}'"));
    let date = time_zone::parse_date(value.trim()).ok_or_else(bad)?;
    let day = Period::day(date, tz).ok_or_else(bad)?;
    Ok(if end { day.to_ms } else { day.from_ms })
}

pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<AuditQuery>) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let text = |name: &str, v: &Option<String>| -> Result<Option<String>, AppError> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) if v.len() > MAX_ID_LEN => Err(AppError::BadRequest(format!("`{name}` has at most {MAX_ID_LEN} characters"))),
            Some(v) => Ok(Some(v.to_string())),
        }
    };
    let outlet = text("outlet", &q.outlet)?;
    if let Some(o) = &outlet {
        require_outlet(&caller, o)?;
    }
    let action = text("action", &q.action)?
        .map(|a| AuditAction::from_str(&a).map_err(|_| AppError::BadRequest(format!("`action` '{a}' is no audit action"))))
        .transpose()?;
    let (from, to) = (text("from", &q.from)?, text("to", &q.to)?);
    let (mut from_ms, mut to_ms) = (None, None);
    if from.is_some() || to.is_some() {
        let tz = time_zone::of_outlet(state.store.outlet_time_zone(outlet.as_deref()).await?, &format!("outlet '{}'", outlet.as_deref().unwrap_or("")))?;
        from_ms = from.as_deref().map(|v| day_bound("from", v, &tz, false)).transpose()?;
        to_ms = to.as_deref().map(|v| day_bound("to", v, &tz, true)).transpose()?;
    }
    let filter = AuditFilter { outlet, action, staff: text("staff", &q.staff)?, from_ms, to_ms };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_AUDIT_PAGE);
    Ok(Json(state.store.list_audit(caller.outlets().as_deref(), &filter, q.before, limit).await?))
}
