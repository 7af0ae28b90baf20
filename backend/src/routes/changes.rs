//! Sync down: `GET /sync/changes` (the change log a device pulls, `shared::sync::changes`) and
//! `GET /stock/digest` (the server's stock digest at a version, to compare with the device's).

use crate::auth::{require_outlet, Authenticated};
use crate::error::{AppError, AppQuery};
use crate::store::{CursorAhead, DigestRefusal};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::limits::{DEFAULT_CHANGES_PAGE, MAX_CHANGES_PAGE, MAX_ID_LEN, MAX_VERSION};
use shared::sync::changes::{ChangePage, StockDigest};

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ChangesQuery {
    /// The device's cursor: changes after this version (0, or absent: everything).
    #[schemars(range(min = 0, max = MAX_VERSION))]
    pub since: Option<u64>,
    /// Most changes in the page (default `DEFAULT_CHANGES_PAGE`).
    #[schemars(range(min = 1, max = MAX_CHANGES_PAGE))]
    pub limit: Option<u32>,
}

fn check_version(name: &str, v: u64) -> Result<(), AppError> {
    if v > MAX_VERSION {
        return Err(AppError::BadRequest(format!("invalid query: {name}: {v} is outside 0..={MAX_VERSION}")));
    }
    Ok(())
}

/// `GET /sync/changes?since=V&limit=N`: the caller's changes after `V`, by version. A cursor beyond
/// the server's newest version is 409 `cursor_ahead` (the server was restored from a backup, or this is
/// another server): the device pulls again from 0.
pub async fn pull(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ChangesQuery>) -> Result<Json<ChangePage>, AppError> {
    let since = q.since.unwrap_or(0);
    check_version("since", since)?;
    let limit = q.limit.unwrap_or(DEFAULT_CHANGES_PAGE);
    if !(1..=MAX_CHANGES_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(format!("invalid query: limit: {limit} is outside 1..={MAX_CHANGES_PAGE}")));
    }
    match state.store.changes_page(since, limit, caller.outlets().as_deref()).await? {
        Ok(page) => Ok(Json(page)),
        Err(CursorAhead { head }) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "cursor_ahead",
            format!("the server's newest version is {head}, before {since}: pull again from 0"),
        )),
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct DigestQuery {
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    pub outlet: String,
    /// The version the device's pulled levels are at (its cursor once caught up).
    #[schemars(range(min = 0, max = MAX_VERSION))]
    pub version: u64,
    /// Also answer the non-zero levels at that version (`detail`), to name a mismatch.
    pub detail: Option<bool>,
}

/// `GET /stock/digest?outlet=O&version=N`: the digest of `O`'s levels as of `N`
/// (`shared::stock::levels_digest`). 409 `version_ahead` when the server has not reached `N`; 409
/// `not_available` when `N` is so old that going back to it would subtract more than
/// `store::MAX_DIGEST_SPAN` movements: pull, then ask at the new cursor.
pub async fn digest(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<DigestQuery>) -> Result<Json<StockDigest>, AppError> {
    check_version("version", q.version)?;
    require_outlet(&caller, &q.outlet)?;
    match state.store.stock_digest_at(&q.outlet, q.version, q.detail.unwrap_or(false)).await? {
        Ok(d) => Ok(Json(d)),
        Err(DigestRefusal::Ahead { head }) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "version_ahead",
            format!("the server's newest version is {head}, before {}", q.version),
        )),
        Err(DigestRefusal::TooOld { head, movements_after }) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "not_available",
            format!(
                "version {} is too old to answer cheaply ({movements_after}+ stock movements since, the server is at {head}): pull, then ask at your new cursor",
                q.version
            ),
        )),
    }
}
