//! What a register downloads to sell offline: setup (outlets, registers) and the catalog in pages.

use crate::error::AppError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use shared::catalog::Customer;
use shared::sync::{CatalogPage, Setup};

pub async fn setup(State(state): State<AppState>) -> Result<Json<Setup>, AppError> {
    Ok(Json(state.store.setup().await?))
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
    limit: Option<u32>,
}

pub const MAX_PAGE: u32 = 5000;

pub async fn catalog(State(state): State<AppState>, Query(q): Query<PageQuery>) -> Result<Json<CatalogPage>, AppError> {
    let limit = q.limit.unwrap_or(1000).clamp(1, MAX_PAGE);
    Ok(Json(state.store.catalog_page(q.after.as_deref(), limit).await?))
}

pub async fn customers(State(state): State<AppState>) -> Result<Json<Vec<Customer>>, AppError> {
    Ok(Json(state.store.customers().await?))
}
