//! `GET /api/v1/reports/z?register=ID&date=2026-11-23` (or `outlet=ID`): the end-of-day report of one
//! local day in its outlet's time zone, computed by `shared::report::ZReport` from the stored sales.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::time_zone;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::report::{Period, ReportScope, ZReport};
use shared::limits::{MAX_AMOUNT, MAX_ID_LEN};
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

pub async fn z_report(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ZQuery>) -> Result<Json<ZReport>, AppError> {
    let scope = match (q.register, q.outlet) {
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
    require_outlet(&caller, &outlet_id)?;
    let tz = time_zone::of_outlet(state.store.outlet_time_zone(Some(&outlet_id)).await?, &format!("outlet '{outlet_id}'"))?;
    let opening_float = q.opening_float.unwrap_or(0);
    if opening_float.checked_abs().is_none_or(|a| a > MAX_AMOUNT.as_cents()) {
        return Err(AppError::BadRequest(format!("`opening_float` must be within ±{} cents", MAX_AMOUNT.as_cents())));
    }
    let date = q.date.ok_or_else(|| AppError::BadRequest("`date` is required, as YYYY-MM-DD".into()))?;
    let period = time_zone::parse_date(&date)
        .and_then(|d| Period::day(d, &tz))
        .ok_or_else(|| AppError::BadRequest(format!("`date` must be YYYY-MM-DD (1970 to 9999), not '{date}'")))?;
    let (sales, payments) = state.store.sales_and_payments_in(&scope, period).await?;
    let report = ZReport::build(scope, period, &sales, &payments, Money(opening_float))
        .map_err(|_| AppError::Unprocessable { code: "overflow", message: "amounts out of range".into(), seq: None })?;
    Ok(Json(report))
}
