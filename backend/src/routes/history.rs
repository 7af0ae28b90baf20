//! Sales history (issue 12, item 3): `GET /sales/history` — every sale, in store and online, newest
//! made first, filtered and keyset-paged — and `GET /sales/{id}`, one sale's details. The old `GET
//! /sales` (newest received first, the register's list) is unchanged. `POST /sales/{id}/notes`: a
//! manager's note on a sale, added once by its id.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{parse_json, AppError, AppPath, AppQuery};
use crate::routes::paging::{cursor, Paged, MAX_CURSOR_LEN};
use crate::store::history::{HistoryFilter, HistoryKey};
use crate::store::page::MAX_PAGE;
use crate::time_zone;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::limits::{MAX_ID_LEN, MAX_TIME_MS};
use shared::report::Period;
use shared::sales_history::{Channel, NewSaleNote, NoteRefusal, SaleDetails, SaleNote, SaleStatus, SaleSummary};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// From this day (`YYYY-MM-DD`: a local day in the time zone of `outlet`, or of the first outlet
    /// when none is named) or this instant (RFC 3339, `2026-11-23T09:00:00-05:00`), inclusive. Sales
    /// are dated by when they were made (the register's clock).
    #[schemars(length(min = 10, max = 40))]
    from: Option<String>,
    /// Up to this day, inclusive (`YYYY-MM-DD`), or this instant, exclusive (RFC 3339).
    #[schemars(length(min = 10, max = 40))]
    to: Option<String>,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    register: Option<String>,
    /// A staff id.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    cashier: Option<String>,
    /// A customer id.
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    customer: Option<String>,
    /// The exact receipt number (`MTL1-1-000042`).
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    receipt: Option<String>,
    status: Option<SaleStatus>,
    channel: Option<Channel>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    cursor: Option<String>,
    /// Sales in the answer, 1 to 1000 (default 50).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    limit: Option<u32>,
}

/// A filter's text: trimmed, non-empty, within the id length.
fn text(name: &str, value: Option<String>) -> Result<Option<String>, AppError> {
    match value.map(|v| v.trim().to_string()) {
        None => Ok(None),
        Some(v) if v.is_empty() || v.chars().count() > MAX_ID_LEN => Err(AppError::BadRequest(format!("`{name}` must be 1 to {MAX_ID_LEN} characters"))),
        Some(v) => Ok(Some(v)),
    }
}

/// `from`/`to` as ms: a local day's start (for `to`, the next day's start) or an RFC 3339 instant.
fn bound(name: &str, value: &str, tz: &jiff::tz::TimeZone, end: bool) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest(format!("`{name}` must be a day YYYY-MM-DD (1970 to 9999) or an RFC 3339 instant, not '{value}'"));
    let value = value.trim();
    if let Some(date) = time_zone::parse_date(value) {
        let day = Period::day(date, tz).ok_or_else(bad)?;
        return Ok(if end { day.to_ms } else { day.from_ms });
    }
    let at: jiff::Timestamp = value.parse().map_err(|_| bad())?;
    let ms = at.as_millisecond();
    if !(0..=MAX_TIME_MS).contains(&ms) {
        return Err(bad());
    }
    Ok(ms)
}

/// `GET /sales/history`: the caller's outlets' sales (an admin's: all), newest made first. 400 for a
/// filter that is not one (a bad day, an unknown status, a cursor from elsewhere); 403 for another
/// outlet named in `outlet`.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<HistoryQuery>) -> Result<Paged<SaleSummary>, AppError> {
    if !shared::sales_history::may_browse(&caller) {
        return Err(AppError::forbidden("the sales history is for managers and admins"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(format!("`limit` must be 1 to {MAX_PAGE}")));
    }
    let after: Option<HistoryKey> = cursor(q.cursor.as_deref())?;
    let outlet = text("outlet", q.outlet)?;
    if let Some(o) = &outlet {
        require_outlet(&caller, o)?;
    }
    let (from_ms, to_ms) = if q.from.is_some() || q.to.is_some() {
        let tz = time_zone::of_outlet(state.store.outlet_time_zone(outlet.as_deref()).await?, &format!("outlet '{}'", outlet.as_deref().unwrap_or("")))?;
        let from = q.from.as_deref().map(|v| bound("from", v, &tz, false)).transpose()?;
        let to = q.to.as_deref().map(|v| bound("to", v, &tz, true)).transpose()?;
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                return Err(AppError::BadRequest("`from` must come before `to`".into()));
            }
        }
        (from, to)
    } else {
        (None, None)
    };
    let filter = HistoryFilter {
        from_ms,
        to_ms,
        outlet,
        register: text("register", q.register)?,
        cashier: text("cashier", q.cashier)?,
        customer: text("customer", q.customer)?,
        receipt: text("receipt", q.receipt)?,
        status: q.status,
        channel: q.channel,
    };
    Ok(Paged(state.store.sales_history(&filter, caller.outlets().as_deref(), after.as_ref(), limit).await?))
}

/// `GET /sales/{id}`: one sale's details (404 unknown; 403 at an outlet that is not the caller's).
pub async fn details(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<SaleDetails>, AppError> {
    if id.is_empty() || id.chars().count() > MAX_ID_LEN {
        return Err(AppError::BadRequest(format!("a sale id is 1 to {MAX_ID_LEN} characters")));
    }
    if !shared::sales_history::may_browse(&caller) {
        return Err(AppError::forbidden("the sales history is for managers and admins"));
    }
    let details = state.store.sale_details(&id).await?.ok_or_else(|| AppError::NotFound(format!("no sale '{id}'")))?;
    require_outlet(&caller, &details.summary.outlet_id)?;
    Ok(Json(details))
}

/// The answer of `POST /sales/{id}/notes`: the note as on file, and whether this request added it (a
/// repeat of its id adds nothing and answers `added: false`).
#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct NoteAdded {
    pub note: SaleNote,
    pub added: bool,
}

/// `POST /sales/{id}/notes` (a manager of the sale's outlet, an admin): adds a note — tracking details,
/// a remark — once by its client-made id, audited. 404 unknown sale, 403 another outlet's, 400 a bad
/// body, 422 an empty or too long note, 409 an id already used for another note.
pub async fn add_note(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>, body: Bytes) -> Result<Json<NoteAdded>, AppError> {
    let staff = caller.staff.as_ref().ok_or_else(AppError::unauthenticated)?;
    if id.is_empty() || id.chars().count() > MAX_ID_LEN {
        return Err(AppError::BadRequest(format!("a sale id is 1 to {MAX_ID_LEN} characters")));
    }
    let note: NewSaleNote = parse_json(&body)?;
    let sale = state.store.sale_details(&id).await?.ok_or_else(|| AppError::NotFound(format!("no sale '{id}'")))?;
    require_outlet(&caller, &sale.summary.outlet_id)?;
    match state.store.add_sale_note(&id, &sale.summary.outlet_id, &note, &staff.id).await? {
        Ok((note, added)) => Ok(Json(NoteAdded { note, added })),
        Err(e @ NoteRefusal::IdReused(_)) => Err(AppError::refused(StatusCode::CONFLICT, e.code(), e.to_string())),
        Err(NoteRefusal::BadId) => Err(AppError::BadRequest(NoteRefusal::BadId.to_string())),
        Err(e) => Err(AppError::unprocessable(e.code(), e.to_string())),
    }
}
