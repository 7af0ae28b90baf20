//! `GET /api/v1/reports/z?register=ID&date=2026-11-23` (or `outlet=ID`): the end-of-day report of one
//! local day in its outlet's time zone, computed by `shared::report::ZReport` from the stored sales,
//! with the drawer counts recorded for it. `POST /api/v1/reports/z/count` records a count against that
//! same report (`shared::report::RecordedCount`), audited.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{parse_json, AppError, AppQuery};
use crate::store::now_ms;
use crate::time_zone;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::auth::Caller;
use shared::limits::{MAX_AMOUNT, MAX_ID_LEN};
use shared::report::{CountRequest, Period, RecordedCount, ReportScope, ZReport};
use shared::Money;

/// Give exactly one of `register` or `outlet`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ZQuery {
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    register: Option<String>,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    /// The local day in the outlet's time zone, `YYYY-MM-DD`, years 1970 to 9999.
    #[schemars(required, regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), extend("format" = "date"))]
    date: Option<String>,
    /// Cash in the drawer at opening, in cents (default 0).
    #[schemars(range(min = -MAX_AMOUNT.as_cents(), max = MAX_AMOUNT.as_cents()))]
    opening_float: Option<i64>,
}

/// An amount a person typed for the drawer, within the wire's range.
fn drawer_amount(name: &str, cents: i64) -> Result<Money, AppError> {
    if cents.checked_abs().is_none_or(|a| a > MAX_AMOUNT.as_cents()) {
        return Err(AppError::BadRequest(format!("`{name}` must be within ±{} cents", MAX_AMOUNT.as_cents())));
    }
    Ok(Money(cents))
}

/// The day's report of `register` or `outlet` (exactly one) for a caller who may see its outlet, that
/// outlet's id, and the day as `YYYY-MM-DD` (how counts are kept).
async fn day_report(
    state: &AppState,
    caller: &Caller,
    register: Option<String>,
    outlet: Option<String>,
    date: &str,
    opening_float: Money,
) -> Result<(ZReport, String, String), AppError> {
    let scope = match (register, outlet) {
        (Some(r), None) => ReportScope::Register(r),
        (None, Some(o)) => ReportScope::Outlet(o),
        _ => return Err(AppError::BadRequest("give exactly one of `register` or `outlet`".into())),
    };
    // A register's report is its outlet's business, and its day is its outlet's.
    let outlet_id = match &scope {
        ReportScope::Register(r) => match state.store.register(r).await? {
            Some((reg, _)) => reg.outlet_id,
            None => return Err(AppError::NotFound(format!("register '{r}'"))),
        },
        ReportScope::Outlet(o) => o.clone(),
    };
    require_outlet(caller, &outlet_id)?;
    let tz = time_zone::of_outlet(state.store.outlet_time_zone(Some(&outlet_id)).await?, &format!("outlet '{outlet_id}'"))?;
    let bad_date = || AppError::BadRequest(format!("`date` must be YYYY-MM-DD (1970 to 9999), not '{date}'"));
    let day = time_zone::parse_date(date).ok_or_else(bad_date)?;
    let period = Period::day(day, &tz).ok_or_else(bad_date)?;
    let (sales, payments) = state.store.sales_and_payments_in(&scope, period).await?;
    let report = ZReport::build(scope, period, &sales, &payments, opening_float).map_err(|_| overflow())?;
    Ok((report, outlet_id, day.to_string()))
}

fn overflow() -> AppError {
    AppError::Unprocessable { code: "overflow", message: "amounts out of range".into(), seq: None }
}

pub async fn z_report(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ZQuery>) -> Result<Json<ZReport>, AppError> {
    let opening_float = drawer_amount("opening_float", q.opening_float.unwrap_or(0))?;
    let date = q.date.ok_or_else(|| AppError::BadRequest("`date` is required, as YYYY-MM-DD".into()))?;
    let (mut report, _, day) = day_report(&state, &caller, q.register, q.outlet, &date, opening_float).await?;
    report.counts = state.store.cash_counts(&report.scope, &day).await?;
    Ok(Json(report))
}

/// `POST /reports/z/count` (managers and admins of the outlet): 201 with the count as recorded — what
/// the report expected at that moment, the count, the difference. A recount is recorded beside it.
pub async fn record_count(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<(StatusCode, Json<RecordedCount>), AppError> {
    let req: CountRequest = parse_json(&body)?;
    let opening_float = drawer_amount("opening_float", req.opening_float.0)?;
    let counted = drawer_amount("counted", req.counted.0)?;
    let (report, outlet_id, day) = day_report(&state, &caller, req.register, req.outlet, &req.date, opening_float).await?;
    let count = RecordedCount::of(&report, &day, counted, &caller.actor(), now_ms()).map_err(|_| overflow())?;
    state.store.record_cash_count(&count, &outlet_id).await?;
    Ok((StatusCode::CREATED, Json(count)))
}
