//! Customer accounts and loyalty (seed 003): the summaries registers keep for attaching a customer
//! offline, payments on account, and the month-end statement ("relevé mensuel").
//!
//! | route | |
//! |---|---|
//! | `POST /api/v1/customers` | body `CustomerForm` → 201 `CustomerSummary`; 422 naming every field at fault; 409 id or e-mail taken |
//! | `PUT /api/v1/customers/{id}` | body `CustomerForm` → 200 `CustomerSummary` (the balance is never a field) |
//! | `GET /api/v1/customers/summaries` | every customer's `CustomerSummary`, by name |
//! | `GET /api/v1/customers/{id}/summary` | one `CustomerSummary` |
//! | `POST /api/v1/customers/{id}/payments` | body `AccountPayment` → 201 `PaymentAnswer` (200 when repeated) |
//! | `GET /api/v1/customers/{id}/statement?year=2026&month=11` | `Statement` of that month in the outlet's time zone (`&outlet=`, default the first outlet) |

use crate::error::{parse_json, AppError, AppPath, AppQuery};
use crate::routes::paging::{cursor, limit, PageQuery, Paged};
use crate::store::page::MAX_PAGE;
use crate::store::customers::{CustomerRefusal, PaymentRefusal, PaymentStatus};
use crate::store::products::new_id;
use axum::response::{IntoResponse, Response};
use shared::catalog::customer_edit::CustomerForm;
use shared::catalog::edit::FieldError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use crate::auth::{require_outlet, Authenticated};
use crate::store::auth::Audit;
use shared::auth::{AuditAction, Role};
use serde::{Deserialize, Serialize};
use shared::account::{AccountPayment, Statement};
use shared::report::Period;
use shared::sync::CustomerSummary;

fn unknown_customer(id: &str) -> AppError {
    AppError::NotFound(format!("customer '{id}'"))
}

fn unprocessable(code: &'static str, message: String) -> AppError {
    AppError::Unprocessable { code, message, seq: None }
}

/// `GET /customers/summaries`: balance, what is still available, loyalty, rewards due and the last
/// 20 sales of every customer, for the register's offline cache.
pub async fn summaries(State(state): State<AppState>, AppQuery(q): AppQuery<PageQuery>) -> Result<Paged<CustomerSummary>, AppError> {
    let after = cursor(q.after.as_deref())?;
    Ok(Paged(state.store.customer_summaries(after.as_ref(), limit(q.limit, MAX_PAGE)).await?))
}

/// `GET /customers/{id}/summary`.
pub async fn summary(State(state): State<AppState>, AppPath(id): AppPath<String>) -> Result<Json<CustomerSummary>, AppError> {
    state.store.customer_summary(&id).await?.map(Json).ok_or_else(|| unknown_customer(&id))
}

/// The answer to a payment on account: what was stored and the customer's summary after it.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PaymentAnswer {
    /// `stored`, or `duplicate` when this payment (same id) was recorded before.
    #[schemars(extend("enum" = ["stored", "duplicate"]))]
    pub status: &'static str,
    pub payment: AccountPayment,
    pub summary: CustomerSummary,
}

/// `POST /customers/{id}/payments`: 201 when recorded, 200 when the same payment was recorded before;
/// 404 for an unknown customer; 422 when the shared rules refuse it or its id holds another payment.
pub async fn pay(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    AppPath(id): AppPath<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<PaymentAnswer>), AppError> {
    let payment: AccountPayment = parse_json(&body)?;
    if payment.id.trim().is_empty() {
        return Err(AppError::BadRequest("invalid JSON body at id: a payment needs an id".into()));
    }
    if let Err(e) = shared::limits::check_payment(&payment) {
        // A zero or negative amount is the rules' refusal (422 `payment_not_positive`), not a range error.
        if !(e.field == "amount" && !payment.amount.is_positive()) {
            return Err(AppError::BadRequest(format!("invalid JSON body at {e}")));
        }
    }
    // The payment's outlet (its register's, when it names one) must be the caller's; one made in the
    // back office (no register, no outlet) is a manager's.
    let outlet = match (payment.register_id.as_str(), payment.outlet_id.as_str()) {
        ("", "") => None,
        ("", o) => Some(o.to_string()),
        (r, o) => Some(state.store.register(r).await?.map_or_else(|| o.to_string(), |(reg, _)| reg.outlet_id)),
    };
    match outlet.as_deref() {
        Some(o) if !o.is_empty() => require_outlet(&caller, o)?,
        _ if caller.staff.as_ref().is_some_and(|s| s.role >= Role::Manager) => {}
        _ => return Err(AppError::forbidden("a payment at no outlet is a manager's")),
    }
    let audit = Audit::new(AuditAction::Payment, &caller.actor(), &id, "").device(caller.device.as_ref().map(|d| d.id.as_str()));
    let (status, payment) = match state.store.record_payment(&id, payment, &audit).await? {
        Ok(done) => done,
        Err(refusal) => {
            return Err(match refusal {
                PaymentRefusal::UnknownCustomer(id) => unknown_customer(&id),
                PaymentRefusal::Rule(e) => unprocessable(e.code(), format!("payment on account: {e}")),
                PaymentRefusal::WrongCustomer { path, body } => unprocessable(
                    "wrong_customer",
                    format!("the payment is for customer '{body}' but was sent to customer '{path}'"),
                ),
                PaymentRefusal::UnknownRegister(r) => unprocessable("unknown_register", format!("unknown register '{r}'")),
                PaymentRefusal::UnknownOutlet(o) => unprocessable("unknown_outlet", format!("unknown outlet '{o}'")),
                PaymentRefusal::WrongOutlet { register_id, outlet_id, register_outlet } => unprocessable(
                    "wrong_outlet",
                    format!("the payment names outlet '{outlet_id}' but register '{register_id}' is at '{register_outlet}'"),
                ),
                PaymentRefusal::BalanceOutOfRange => unprocessable(
                    "balance_out_of_range",
                    format!("payment on account: the balance would leave ±{} cents", shared::limits::MAX_AMOUNT.as_cents()),
                ),
                PaymentRefusal::IdTaken(pid) => AppError::Conflict {
                    message: format!("another payment on account already has the id '{pid}'"),
                    seq: None,
                },
            })
        }
    };
    let summary = state.store.customer_summary(&id).await?.ok_or_else(|| unknown_customer(&id))?;
    let (code, status) = match status {
        PaymentStatus::Stored => (StatusCode::CREATED, "stored"),
        PaymentStatus::Duplicate => (StatusCode::OK, "duplicate"),
    };
    Ok((code, Json(PaymentAnswer { status, payment, summary })))
}

#[derive(Deserialize, schemars::JsonSchema)]
pub struct MonthQuery {
    #[schemars(with = "i32", range(min = 1970, max = 9999))]
    year: Option<String>,
    #[schemars(with = "u32", range(min = 1, max = 12))]
    month: Option<String>,
    /// Whose time zone the month is in; default the shop's first outlet.
    #[schemars(length(min = 1, max = shared::limits::MAX_ID_LEN))]
    outlet: Option<String>,
}

/// `GET /customers/{id}/statement?year=&month=`: opening balance, each charge, payment and store
/// credit of that month (in the outlet's time zone), closing balance.
pub async fn statement(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<MonthQuery>,
) -> Result<Json<Statement>, AppError> {
    Ok(Json(month_statement(&state, &id, &q).await?.0))
}

/// `GET /customers/{id}/statement.csv?year=&month=`: the same statement as a CSV file
/// (`shared::account::statement_records`), times in the outlet's zone.
pub async fn statement_csv(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<MonthQuery>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let (s, tz) = month_statement(&state, &id, &q).await?;
    let local = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let written = w
        .write_record(shared::account::STATEMENT_COLUMNS)
        .and_then(|_| shared::account::statement_records(&s, local).iter().try_for_each(|r| w.write_record(r)));
    let bytes = written.map_err(anyhow::Error::from).and_then(|_| w.into_inner().map_err(|e| anyhow::anyhow!("{e}")))?;
    let month = jiff::Timestamp::from_millisecond(s.period.from_ms).map(|t| t.to_zoned(tz).strftime("%Y-%m").to_string()).unwrap_or_default();
    // The file is named for its customer and month; an id holds only letters, digits, `-`, `_` and `.`.
    let name: String = format!("releve-{id}-{month}.csv").chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// The month `q` names, in its outlet's time zone, of customer `id`'s statement, and that zone.
async fn month_statement(state: &AppState, id: &str, q: &MonthQuery) -> Result<(Statement, jiff::tz::TimeZone), AppError> {
    let year: i32 = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .filter(|y| (1970..=9999).contains(y))
        .ok_or_else(|| AppError::BadRequest("year must be given as a number from 1970 to 9999, e.g. ?year=2026&month=11".into()))?;
    let month: u32 = q
        .month
        .as_deref()
        .and_then(|m| m.trim().parse().ok())
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| AppError::BadRequest("month must be given as a number from 1 to 12, e.g. ?year=2026&month=11".into()))?;
    let outlet = q.outlet.as_deref();
    let tz = crate::time_zone::of_outlet(state.store.outlet_time_zone(outlet).await?, &format!("outlet '{}'", outlet.unwrap_or("")))?;
    let period = Period::month(year as i16, month as i8, &tz).ok_or_else(|| AppError::BadRequest(format!("no such month: {year}-{month}")))?;
    let s = state.store.statement(id, period).await?.ok_or_else(|| unknown_customer(id))?;
    Ok((s, tz))
}

/// A customer form refused: 422 names every field at fault; 409 the id or e-mail another customer has.
#[derive(Serialize, schemars::JsonSchema)]
pub struct CustomerRefused {
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

fn invalid_customer(fields: Vec<FieldError>) -> Response {
    let message = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
    (StatusCode::UNPROCESSABLE_ENTITY, Json(CustomerRefused { error: "invalid_customer".into(), message, fields })).into_response()
}

fn customer_refused(r: CustomerRefusal, id: &str) -> Response {
    let taken = |error: &str, field: &str, message: String| {
        let fields = vec![FieldError::new(field, error, message.clone())];
        (StatusCode::CONFLICT, Json(CustomerRefused { error: error.into(), message, fields })).into_response()
    };
    match r {
        CustomerRefusal::NotFound => unknown_customer(id).into_response(),
        CustomerRefusal::IdTaken(id) => taken("id_taken", "id", format!("customer '{id}' exists already")),
        CustomerRefusal::EmailTaken { email, owner } => taken("email_taken", "email", format!("e-mail '{email}' is already customer '{owner}'s")),
    }
}

/// `POST /customers` (Clients › Nouveau client): 201 with the new customer's summary. The registers
/// hear of it through the change log.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let form: CustomerForm = parse_json(&body)?;
    let checked = match form.checked(new_id("c")) {
        Ok(c) => c,
        Err(fields) => return Ok(invalid_customer(fields)),
    };
    let audit = Audit::new(AuditAction::CustomerCreated, &caller.actor(), "", "");
    Ok(match state.store.save_customer(&checked, true, &audit).await? {
        Ok(summary) => (StatusCode::CREATED, Json(summary)).into_response(),
        Err(r) => customer_refused(r, &checked.customer.id),
    })
}

/// `PUT /customers/{id}`: the customer's name, e-mail and account terms as the form states them;
/// 200 with the summary after. A sale already made keeps the terms it was made with; a lower credit
/// limit than what is owed only stops new sales on account.
pub async fn edit(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>, body: Bytes) -> Result<Response, AppError> {
    let mut form: CustomerForm = parse_json(&body)?;
    let mut errors = Vec::new();
    shared::catalog::edit::check_id("id", &id, &mut errors);
    if !errors.is_empty() {
        return Err(unknown_customer(&id));
    }
    if form.id.as_deref().is_some_and(|given| given.trim() != id) {
        return Ok(invalid_customer(vec![FieldError::new("id", "id_mismatch", format!("the body names another customer than '{id}'"))]));
    }
    form.id = None;
    let checked = match form.checked(id.clone()) {
        Ok(c) => c,
        Err(fields) => return Ok(invalid_customer(fields)),
    };
    let audit = Audit::new(AuditAction::CustomerChanged, &caller.actor(), "", "");
    Ok(match state.store.save_customer(&checked, false, &audit).await? {
        Ok(summary) => Json(summary).into_response(),
        Err(r) => customer_refused(r, &id),
    })
}
