//! `GET /api/v1/reports/z?register=ID&date=2026-11-23` (or `outlet=ID`): the end-of-day report of one
//! local day in Montréal, computed by `shared::report::ZReport` from the stored sales.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::report::{local_midnight_ms, Period, ReportScope, ZReport};
use shared::limits::{MAX_AMOUNT, MAX_ID_LEN};
use shared::Money;

/// Give exactly one of `register` or `outlet`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct ZQuery {
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    register: Option<String>,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    /// The local day in Montréal, `YYYY-MM-DD`, years 1970 to 9999.
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
    // A register's report is its outlet's business.
    match &scope {
        ReportScope::Register(r) => match state.store.register(r).await? {
            Some((reg, _)) => require_outlet(&caller, &reg.outlet_id)?,
            None => return Err(AppError::NotFound(format!("register '{r}'"))),
        },
        ReportScope::Outlet(o) => require_outlet(&caller, o)?,
    }
    let opening_float = q.opening_float.unwrap_or(0);
    if opening_float.checked_abs().is_none_or(|a| a > MAX_AMOUNT.as_cents()) {
        return Err(AppError::BadRequest(format!("`opening_float` must be within ±{} cents", MAX_AMOUNT.as_cents())));
    }
    let date = q.date.ok_or_else(|| AppError::BadRequest("`date` is required, as YYYY-MM-DD".into()))?;
    let period = montreal_day(&date).ok_or_else(|| AppError::BadRequest(format!("`date` must be YYYY-MM-DD, not '{date}'")))?;
    let (sales, payments) = state.store.sales_and_payments_in(&scope, period).await?;
    let report = ZReport::build(scope, period, &sales, &payments, Money(opening_float))
        .map_err(|_| AppError::Unprocessable { code: "overflow", message: "amounts out of range".into(), seq: None })?;
    Ok(Json(report))
}

/// One local day in Montréal, midnight to midnight, each with the UTC offset in force then.
pub fn montreal_day(date: &str) -> Option<Period> {
    let mut parts = date.splitn(3, '-');
    let (y, m, d): (i32, u32, u32) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if !(1970..=9999).contains(&y) {
        return None;
    }
    let from_ms = local_midnight_ms(y, m, d, montreal_offset_at_midnight(y, m, d)?)?;
    // The next day: add a day to the civil date through the epoch-day count, then take its own offset.
    let next_utc = local_midnight_ms(y, m, d, 0)? + 86_400_000;
    let (ny, nm, nd) = civil_from_ms(next_utc);
    let to_ms = local_midnight_ms(ny, nm, nd, montreal_offset_at_midnight(ny, nm, nd)?)?;
    Some(Period { from_ms, to_ms })
}

/// Eastern time: −4 h from the second Sunday of March to the first Sunday of November (the change is
/// at 2 a.m., so midnight on those Sundays still has the old offset), −5 h otherwise.
fn montreal_offset_at_midnight(y: i32, m: u32, d: u32) -> Option<i32> {
    let dst_start = nth_sunday(y, 3, 2)?;
    let dst_end = nth_sunday(y, 11, 1)?;
    let after_start = (m, d) > (3, dst_start);
    let before_end = (m, d) <= (11, dst_end);
    Some(if after_start && before_end { -240 } else { -300 })
}

fn nth_sunday(y: i32, m: u32, n: u32) -> Option<u32> {
    let first = local_midnight_ms(y, m, 1, 0)? / 86_400_000;
    // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
    let weekday = (first + 4).rem_euclid(7) as u32;
    Some(1 + (7 - weekday) % 7 + 7 * (n - 1))
}

pub fn civil_from_ms(ms: i64) -> (i32, u32, u32) {
    // Howard Hinnant's civil_from_days.
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_montreal_day_is_24_hours_except_when_the_clocks_change() {
        let h = |p: Period| (p.to_ms - p.from_ms) / 3_600_000;
        assert_eq!(h(montreal_day("2026-11-23").unwrap()), 24);
        assert_eq!(h(montreal_day("2026-03-08").unwrap()), 23, "spring forward: second Sunday of March 2026");
        assert_eq!(h(montreal_day("2026-11-01").unwrap()), 25, "fall back: first Sunday of November 2026");
        // 2026-11-23 00:00 EST is 05:00 UTC.
        assert_eq!(montreal_day("2026-11-23").unwrap().from_ms, local_midnight_ms(2026, 11, 23, 0).unwrap() + 5 * 3_600_000);
        assert!(montreal_day("2026-13-01").is_none());
        assert!(montreal_day("hier").is_none());
        assert!(montreal_day("2147483647-01-01").is_none(), "a year far out of range is refused, not overflowed");
    }
}
