//! Catalogue › Produits (issue 12): the back office's product list with its search and filters, and
//! creating and editing a product. The rules are `shared::catalog::edit`; the registers hear of a
//! created or edited product through the change log (`GET /sync/changes`), like any other change.

use crate::auth::{require_outlet, Authenticated};
use crate::error::{parse_json, AppError, AppPath, AppQuery};
use crate::routes::paging::{cursor, limit, Paged, MAX_CURSOR_LEN};
use crate::store::auth::Audit;
use crate::store::page::MAX_PAGE;
use crate::store::products::{new_id, ProductKey, ProductRefusal, ProductSearch};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::auth::AuditAction;
use shared::catalog::edit::{Collision, FieldError, NewProduct, ProductPatch};
use shared::catalog::Product;
use shared::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use shared::tax::TaxClass;

#[derive(Deserialize, schemars::JsonSchema)]
pub struct ProductsQuery {
    /// Part of the name (any case), the start of a SKU, or a whole barcode.
    #[schemars(length(max = MAX_TEXT_LEN))]
    pub q: Option<String>,
    pub tax_class: Option<TaxClass>,
    /// Only products that have (or have not) "Possède des numéros de série" on.
    pub has_serials: Option<bool>,
    /// Only products at or below their low-stock threshold at `outlet` (required with it).
    pub low_stock: Option<bool>,
    #[schemars(length(max = MAX_ID_LEN))]
    pub outlet: Option<String>,
    /// The next page's cursor, from the previous answer's `X-Next-Cursor` header.
    #[schemars(length(max = MAX_CURSOR_LEN))]
    pub cursor: Option<String>,
    /// Products in the answer (default 100, most 1000).
    #[schemars(range(min = 1, max = MAX_PAGE))]
    pub limit: Option<u32>,
}

/// `GET /products`: products by name, filtered, one page.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated, AppQuery(q): AppQuery<ProductsQuery>) -> Result<Paged<Product>, AppError> {
    if q.q.as_ref().is_some_and(|s| s.chars().count() > MAX_TEXT_LEN) {
        return Err(AppError::BadRequest(format!("invalid query: q: at most {MAX_TEXT_LEN} characters")));
    }
    // No name, SKU, barcode or outlet holds a control character (`catalog::edit::check_text`); PostgreSQL
    // would refuse a NUL outright.
    for (name, value) in [("q", &q.q), ("outlet", &q.outlet)] {
        if value.as_ref().is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(AppError::BadRequest(format!("invalid query: {name}: a control character")));
        }
    }
    let outlet = q.outlet.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let low_stock_at = match (q.low_stock.unwrap_or(false), outlet) {
        (false, _) => None,
        (true, None) => return Err(AppError::BadRequest("invalid query: low_stock: say at which outlet (outlet=…)".into())),
        (true, Some(o)) => {
            require_outlet(&caller, o)?;
            Some(o.to_string())
        }
    };
    let search = ProductSearch { q: q.q.clone(), tax_class: q.tax_class, has_serials: q.has_serials, low_stock_at };
    let after: Option<ProductKey> = cursor(q.cursor.as_deref())?;
    Ok(Paged(state.store.search_products(&search, after.as_ref(), limit(q.limit, 100)).await?))
}

/// `GET /products/{id}`.
pub async fn get(State(state): State<AppState>, AppPath(id): AppPath<String>) -> Result<Json<Product>, AppError> {
    if !is_product_id(&id) {
        return Err(AppError::NotFound(format!("no product '{id}'")));
    }
    state.store.product(&id).await?.map(Json).ok_or_else(|| AppError::NotFound(format!("no product '{id}'")))
}

/// A refused product: the usual error body plus what is wrong, field by field.
#[derive(Serialize, schemars::JsonSchema)]
pub struct ProductRefused {
    pub error: String,
    pub message: String,
    /// 422: every field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// 409: the SKU or barcode another product already has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collisions: Vec<Collision>,
}

fn invalid(fields: Vec<FieldError>) -> Response {
    let message = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
    (StatusCode::UNPROCESSABLE_ENTITY, Json(ProductRefused { error: "invalid_product".into(), message, fields, collisions: vec![] })).into_response()
}

fn refused(r: ProductRefusal, id: &str) -> Response {
    match r {
        ProductRefusal::NotFound => AppError::NotFound(format!("no product '{id}'")).into_response(),
        ProductRefusal::IdTaken(id) => AppError::refused(StatusCode::CONFLICT, "id_taken", format!("product '{id}' exists already")).into_response(),
        ProductRefusal::Invalid(fields) => invalid(fields),
        ProductRefusal::Collisions(collisions) => {
            let code = if collisions.iter().all(|c| c.field == "barcode") { "barcode_taken" } else { "sku_taken" };
            let message = collisions.iter().map(Collision::message).collect::<Vec<_>>().join("; ");
            (StatusCode::CONFLICT, Json(ProductRefused { error: code.into(), message, fields: vec![], collisions })).into_response()
        }
    }
}

/// `POST /products`: 201 with the product; 422 naming every field at fault; 409 when the id, SKU or
/// barcode is taken. Nothing is written when refused.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let req: NewProduct = parse_json(&body)?;
    let product = match req.into_product(new_id("p")) {
        Ok(p) => p,
        Err(fields) => return Ok(invalid(fields)),
    };
    let audit = Audit::new(AuditAction::ProductCreated, &caller.actor(), "", "");
    Ok(match state.store.create_product(&product, &audit).await? {
        Ok(p) => (StatusCode::CREATED, Json(p)).into_response(),
        Err(r) => refused(r, &product.id),
    })
}

/// `PATCH /products/{id}`: 200 with the product as it now is. Turning serial numbers off keeps every
/// serial on file (seed 000); a price change is in force for sales made from now on.
pub async fn edit(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>, body: Bytes) -> Result<Response, AppError> {
    let patch: ProductPatch = parse_json(&body)?;
    if !is_product_id(&id) {
        return Err(AppError::NotFound(format!("no product '{id}'")));
    }
    let audit = Audit::new(AuditAction::ProductChanged, &caller.actor(), "", "");
    Ok(match state.store.update_product(&id, &patch, &audit).await? {
        Ok(edit) => Json(edit.product).into_response(),
        Err(r) => refused(r, &id),
    })
}

/// An id a product can have (`catalog::edit::check_id`): anything else is no product, without asking the store.
fn is_product_id(id: &str) -> bool {
    let mut errors = Vec::new();
    shared::catalog::edit::check_id("id", id, &mut errors);
    errors.is_empty()
}
