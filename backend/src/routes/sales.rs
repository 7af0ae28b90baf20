//! Read side: the sales the server holds, and stock levels from the ledger.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::routes::paging::{cursor, Paged, MAX_CURSOR_LEN};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::stock::StockLevel;
use shared::sync::StoredSale;


/// Most sales in one answer.
pub const MAX_SALES_PAGE: u32 = 1000;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SalesQuery {
    /// Sales in the answer, newest first (default 200; a value outside the range is brought into it).
    #[schemars(range(min = 1, max = MAX_SALES_PAGE))]
    limit: Option<u32>,
    #[schemars(length(max = shared::limits::MAX_ID_LEN))]
    register_id: Option<String>,
    /// The next page's cursor (older sales), from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    before: Option<String>,
}

/// `GET /sales?register_id=&limit=&before=`: the caller's outlets' sales only, newest first, a page at
/// a time (see `routes::paging`).
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<SalesQuery>) -> Result<Paged<StoredSale>, AppError> {
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_SALES_PAGE);
    let before = cursor(q.before.as_deref())?;
    Ok(Paged(state.store.list_sales(limit, q.register_id.as_deref(), caller.outlets().as_deref(), before.as_ref()).await?))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct StockQuery {
    #[schemars(length(max = shared::limits::MAX_ID_LEN))]
    outlet: String,
}

/// Levels at an outlet: `{product_id, outlet_id, level, negative}` — a negative level is flagged for a
/// manager (selling never stops for it).
pub async fn stock(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<StockQuery>) -> Result<Json<Vec<StockLevel>>, AppError> {
    require_outlet(&caller, &q.outlet)?;
    let levels = state.store.stock_levels(&q.outlet).await?;
    Ok(Json(levels.into_iter().map(|(product, level)| StockLevel::new(&product, &q.outlet, level)).collect()))
}
