//! The held-sales-and-conflicts inbox (issue 12, item 4): `GET /inbox` lists every held sale, held
//! operation, held online order, conflict and stock level below zero at the manager's outlets (an
//! admin's: all), with what happened, the suggested resolution and the allowed ones
//! (`shared::inbox`); `POST /inbox/{item_id}/resolve` applies one, once per resolution id. Managers and
//! admins only.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{parse_json, AppError, AppPath, AppQuery};
use crate::online::IngestOutcome;
use crate::routes::paging::{cursor, Paged, MAX_CURSOR_LEN};
use crate::store::inbox::{InboxFilter, InboxKey, InboxRefusal, Resolved};
use crate::store::page::MAX_PAGE;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use shared::inbox::{InboxItem, ItemId, ItemKind, ItemState, Refusal, ResolveRequest};
use shared::limits::MAX_ID_LEN;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    outlet: Option<String>,
    kind: Option<ItemKind>,
    /// `open` (default) or `resolved`.
    state: Option<ItemState>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    cursor: Option<String>,
    /// Items in the answer, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    limit: Option<u32>,
}

/// `GET /inbox?outlet=&kind=&state=&cursor=&limit=`: oldest first.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<InboxQuery>) -> Result<Paged<InboxItem>, AppError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(format!("`limit` must be 1 to {MAX_PAGE}")));
    }
    let after: Option<InboxKey> = cursor(q.cursor.as_deref())?;
    let outlet = q.outlet.map(|o| o.trim().to_string());
    if let Some(o) = &outlet {
        if o.is_empty() || o.chars().count() > MAX_ID_LEN {
            return Err(AppError::BadRequest(format!("`outlet` must be 1 to {MAX_ID_LEN} characters")));
        }
        require_outlet(&caller, o)?;
    }
    let filter = InboxFilter { outlet, kind: q.kind, state: q.state.unwrap_or_default() };
    Ok(Paged(state.store.inbox(&filter, caller.outlets().as_deref(), after.as_ref(), limit).await?))
}

/// `POST /inbox/{item_id}/resolve` with a `ResolveRequest`: 200 with the resolution and the item after
/// it (`duplicate: true` when this resolution id was already applied: nothing done again); 404 for an
/// item not at the caller's outlets; 409 `already_resolved` / `resolution_id_reused` / `still_held`
/// (accepting would hold the sale again, for the reason given); 422 `not_allowed`, `note_required`,
/// `out_of_range`.
pub async fn resolve(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(item_id): AppPath<String>, body: Bytes) -> Result<Json<Resolved>, AppError> {
    let staff = caller.staff.as_ref().ok_or_else(AppError::unauthenticated)?;
    let id: ItemId = item_id.parse().map_err(AppError::BadRequest)?;
    let request: ResolveRequest = parse_json(&body)?;
    let outlets = caller.outlets();
    match state.store.resolve_inbox(&id, &request, &staff.id, outlets.as_deref()).await? {
        Ok(resolved) => Ok(Json(resolved)),
        Err(InboxRefusal::NotFound) => Err(AppError::NotFound(format!("no inbox item '{id}'"))),
        Err(InboxRefusal::Rule(r)) => Err(refusal(r)),
        Err(InboxRefusal::StillHeld(reason)) => Err(AppError::refused(StatusCode::CONFLICT, "still_held", format!("accepting it would hold it again: {reason} ({})", reason.code()))),
        Err(InboxRefusal::Retry(before)) => {
            let ItemId::HeldOnlineOrder(n) = id else { return Err(AppError::Internal(anyhow::anyhow!("a retry of {id}"))) };
            let held = state.store.held_online_orders(outlets.as_deref(), Some(n.saturating_sub(1)), 1).await?;
            let Some(h) = held.items.into_iter().find(|h| h.id == n) else {
                return Err(AppError::NotFound(format!("no inbox item '{id}'")));
            };
            // The orders' own retry; the resolution records what it did (held again: the item stays open).
            let outcome = crate::online::routes::retry(&state, &h, true).await?;
            let closes = !matches!(outcome, IngestOutcome::Held { .. });
            let outcome = serde_json::to_value(&outcome).map_err(anyhow::Error::from)?;
            Ok(Json(state.store.record_retry(&before, &request, &staff.id, closes, outcome).await?))
        }
    }
}

fn refusal(r: Refusal) -> AppError {
    let status = match r {
        Refusal::AlreadyResolved { .. } | Refusal::IdReused { .. } => StatusCode::CONFLICT,
        Refusal::NotAllowed { .. } | Refusal::NoteRequired { .. } | Refusal::OutOfRange { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    AppError::refused(status, r.code(), r.to_string())
}
