//! Serial numbers (seed 000): the back-office page's list and its filters, "Ajouter des numéros de
//! série" (a comma list), the trash icon, a serial's history; and the conflicts sync recorded instead of
//! refusing a paid sale.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{parse_json, AppError, AppPath, AppQuery};
use crate::store::auth::Audit;
use shared::auth::AuditAction;
use crate::routes::paging::{cursor, limit, PageQuery, Paged, MAX_CURSOR_LEN};
use crate::store::page::MAX_PAGE;
use crate::store::{Conflict, SerialFilter, SerialRefusal};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::limits::{MAX_ID_LEN, MAX_QTY};
use shared::stock::{history_outlet, SerialError, SerialEvent, SerialNumber};

/// Longest list of serials one `POST /serials` takes: as many serials as a line may sell, each with its comma and space.
pub const MAX_SERIALS_TEXT: usize = MAX_QTY as usize * (MAX_ID_LEN + 2);

#[derive(Deserialize, schemars::JsonSchema)]
pub struct SerialsQuery {
    #[schemars(length(max = MAX_ID_LEN))]
    product_id: Option<String>,
    #[schemars(length(max = MAX_ID_LEN))]
    outlet_id: Option<String>,
    /// `true`: sold only; `false`: in stock only; absent: both.
    sold: Option<bool>,
    /// Part of the serial number, any case (`%` and `_` are plain characters).
    #[schemars(length(max = MAX_ID_LEN))]
    q: Option<String>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    after: Option<String>,
    /// Serials in the answer (default and most: 1000).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    limit: Option<u32>,
}

/// `GET /serials?product_id=&outlet_id=&sold=&q=`: the serials matching every filter given, by product
/// then serial, at the caller's outlets. An empty or blank filter filters nothing.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<SerialsQuery>) -> Result<Paged<SerialNumber>, AppError> {
    let some = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let filter = SerialFilter { product_id: some(&q.product_id), outlet_id: some(&q.outlet_id), sold: q.sold, q: some(&q.q) };
    if let Some(q) = &filter.q {
        let n = q.chars().count();
        if n > MAX_ID_LEN {
            return Err(AppError::BadRequest(format!("invalid query: q: {n} characters, at most {MAX_ID_LEN}")));
        }
        if !plain(q) {
            return Err(AppError::BadRequest("invalid query: q: a control character".into()));
        }
    }
    if let Some(o) = &filter.outlet_id {
        require_outlet(&caller, o)?;
    }
    let after = cursor(q.after.as_deref())?;
    let outlets = caller.outlets();
    let page = state.store.list_serials(&filter, outlets.as_deref(), after.as_ref(), limit(q.limit, MAX_PAGE)).await?;
    Ok(Paged(page))
}

/// `GET /serials/{product_id}/{serial}/history`: what happened to the unit, oldest first — kept after
/// it is deleted. 404 when it was never on file; 403 when it is (or was last) at another outlet.
pub async fn history(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((product_id, serial)): AppPath<(String, String)>,
) -> Result<Json<Vec<SerialEvent>>, AppError> {
    let never = || AppError::NotFound(format!("serial number {serial} was never on file for product '{product_id}'"));
    if !(plain(&product_id) && plain(&serial)) {
        return Err(never());
    }
    let events = state.store.serial_history(&product_id, &serial).await?;
    let Some(outlet) = history_outlet(&events) else {
        return Err(never());
    };
    if !caller.may_see_outlet(outlet) {
        return Err(AppError::forbidden("this serial number is at another outlet than yours"));
    }
    Ok(Json(events))
}

/// The body of `POST /serials`.
#[derive(Deserialize, schemars::JsonSchema)]
pub struct NewSerials {
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    pub product_id: String,
    #[schemars(length(min = 1, max = MAX_ID_LEN))]
    pub outlet_id: String,
    /// As typed: comma-separated, spaces trimmed, empty entries ignored; each serial at most
    /// `MAX_ID_LEN` characters.
    #[schemars(length(max = MAX_SERIALS_TEXT))]
    pub serials: String,
}

/// A refused list: the usual error body plus the duplicates by kind, so a screen can name them in its
/// own language.
#[derive(Serialize)]
struct DuplicatesBody {
    error: &'static str,
    message: String,
    repeated_in_list: Vec<String>,
    already_registered: Vec<String>,
}

/// `POST /serials`: 201 with the rows added (in the order typed), or 422 naming every duplicate and
/// adding none.
pub async fn add(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let req: NewSerials = parse_json(&body)?;
    let n = req.serials.chars().count();
    if n > MAX_SERIALS_TEXT {
        return Err(AppError::BadRequest(format!("invalid JSON body at serials: {n} characters, at most {MAX_SERIALS_TEXT}")));
    }
    require_outlet(&caller, &req.outlet_id)?;
    let audit = Audit::new(AuditAction::SerialAdded, &caller.actor(), "", "").device(caller.device.as_ref().map(|d| d.id.as_str()));
    match state.store.register_serials(&req.product_id, &req.outlet_id, &req.serials, &audit).await? {
        Ok(rows) => Ok((StatusCode::CREATED, Json(rows)).into_response()),
        Err(SerialRefusal::UnknownProduct(id)) => Err(unprocessable("unknown_product", format!("unknown product '{id}'"))),
        Err(SerialRefusal::UnknownOutlet(id)) => Err(unprocessable("unknown_outlet", format!("unknown outlet '{id}'"))),
        Err(SerialRefusal::Rule(e)) => match e {
            SerialError::Duplicates { ref repeated_in_list, ref already_registered } => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(DuplicatesBody {
                    error: e.code(),
                    message: e.to_string(),
                    repeated_in_list: repeated_in_list.clone(),
                    already_registered: already_registered.clone(),
                }),
            )
                .into_response()),
            other => Err(unprocessable(other.code(), other.to_string())),
        },
    }
}

/// `DELETE /serials/{product_id}/{serial}`: 204, 404 when it is not on file, 403 at another outlet.
pub async fn delete(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath((product_id, serial)): AppPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    let audit = Audit::new(AuditAction::SerialDeleted, &caller.actor(), "", "");
    match state.store.delete_serial(&product_id, &serial, caller.outlets().as_deref(), &audit).await? {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        Err(Some(_)) => Err(AppError::NotFound(format!("serial number {serial} is not on file for product '{product_id}'"))),
        Err(None) => Err(AppError::forbidden("this serial number is at another outlet than yours")),
    }
}

/// `GET /conflicts`: what sync found wrong but kept (a serial sold twice, a return of a unit that
/// sale did not sell), oldest first, at the caller's outlets.
pub async fn conflicts(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<PageQuery>) -> Result<Paged<Conflict>, AppError> {
    let after = cursor(q.after.as_deref())?;
    Ok(Paged(state.store.list_conflicts(caller.outlets().as_deref(), after, limit(q.limit, MAX_PAGE)).await?))
}

/// No product id or serial holds a control character (`catalog::edit`'s checks), and PostgreSQL would
/// refuse a NUL outright: such a text matches nothing and is never sent to the database.
fn plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

fn unprocessable(code: &'static str, message: String) -> AppError {
    AppError::Unprocessable { code, message, seq: None }
}
