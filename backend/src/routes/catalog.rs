//! What a register downloads to sell offline: setup (outlets, registers) and the catalog in pages.

use crate::auth::Authenticated;
use crate::error::{AppError, AppQuery};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use shared::catalog::Customer;
use shared::sync::{CatalogPage, Setup};

/// `GET /setup`: the outlets and registers the caller may see.
pub async fn setup(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Setup>, AppError> {
    let mut setup = state.store.setup().await?;
    setup.outlets.retain(|o| caller.may_see_outlet(&o.id));
    setup.registers.retain(|r| caller.may_see_outlet(&r.outlet_id));
    Ok(Json(setup))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct PageQuery {
    /// The `next_after` of the previous page (products with a greater id).
    #[schemars(length(max = shared::limits::MAX_ID_LEN))]
    after: Option<String>,
    /// Products per page (default 1000; a value outside the range is brought into it).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    limit: Option<u32>,
}

pub const MAX_PAGE: u32 = 5000;

pub async fn catalog(State(state): State<AppState>, AppQuery(q): AppQuery<PageQuery>) -> Result<Json<CatalogPage>, AppError> {
    let limit = q.limit.unwrap_or(1000).clamp(1, MAX_PAGE);
    Ok(Json(state.store.catalog_page(q.after.as_deref(), limit).await?))
}

pub async fn customers(State(state): State<AppState>) -> Result<Json<Vec<Customer>>, AppError> {
    Ok(Json(state.store.customers().await?))
}
