//! The Z report page's calls: `GET /api/v1/reports/z` for a register or an outlet and one local day,
//! `POST /api/v1/reports/z/count` to record a drawer count against it.

use frontend::sync::http::{self, seg, ApiFailure};
use shared::report::{CountRequest, RecordedCount, ReportScope, ZReport};
use shared::Money;

/// The report of `scope` for `date` (`YYYY-MM-DD`, the outlet's day) with `opening_float` in the drawer.
pub async fn z_report(
    scope: &ReportScope,
    date: &str,
    opening_float: Money,
) -> Result<ZReport, ApiFailure> {
    let who = match scope {
        ReportScope::Register(id) => format!("register={}", seg(id)),
        ReportScope::Outlet(id) => format!("outlet={}", seg(id)),
    };
    http::get(&format!(
        "/api/v1/reports/z?{who}&date={}&opening_float={}",
        seg(date),
        opening_float.0
    ))
    .await
}

/// Records a drawer count; the server answers it as kept (expected, counted, difference).
pub async fn record_count(req: &CountRequest) -> Result<RecordedCount, ApiFailure> {
    http::post("/api/v1/reports/z/count", req).await
}
