//! Read side: the sales the server holds, and stock levels from the ledger.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use shared::stock::StockLevel;
use shared::sync::StoredSale;

#[derive(Deserialize)]
pub struct SalesQuery {
    limit: Option<u32>,
    register_id: Option<String>,
}

pub async fn list(State(state): State<AppState>, Query(q): Query<SalesQuery>) -> Result<Json<Vec<StoredSale>>, AppError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    Ok(Json(state.store.list_sales(limit, q.register_id.as_deref()).await?))
}

#[derive(Deserialize)]
pub struct StockQuery {
    outlet: String,
}

/// Levels at an outlet: `{product_id, outlet_id, level, negative}` — a negative level is flagged for a
/// manager (selling never stops for it).
pub async fn stock(State(state): State<AppState>, Query(q): Query<StockQuery>) -> Result<Json<Vec<StockLevel>>, AppError> {
    let levels = state.store.stock_levels(&q.outlet).await?;
    Ok(Json(levels.into_iter().map(|(product, level)| StockLevel::new(&product, &q.outlet, level)).collect()))
}
