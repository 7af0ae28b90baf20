//! Administration (issue 12 item 7): outlets with their registers, time zone and allocation order
//! (`/outlets`), registers (`/registers`), the time zones an outlet may take (`/time-zones`), and the
//! staff as administrators manage them (`/staff/accounts`, `PATCH /staff/{id}`). Reads are for
//! managers (their outlets) and admins; writes for admins (the route table). The rules are
//! `shared::outlets` and `shared::auth::staff`; each write is one transaction with its audit entry.

use crate::auth::Authenticated;
use crate::error::{parse_json, AppError, AppPath};
use crate::routes::auth::staff_secrets;
use crate::store::admin::{AdminRefusal, StaffUpdateRefusal};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use shared::auth::staff::{StaffAccount, StaffPatch};
use shared::auth::Caller;
use shared::catalog::edit::FieldError;
use shared::catalog::Register;
use shared::outlets::{check_new_outlet, check_new_register, NewOutlet, NewRegister, OutletPatch, OutletView, PriorityOrder};
use std::collections::BTreeMap;

/// A refused outlet or register: the usual error body plus every field at fault (422).
#[derive(Serialize, schemars::JsonSchema)]
pub struct AdminRefused {
    pub error: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

fn invalid(code: &str, fields: Vec<FieldError>) -> Response {
    let message = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
    (StatusCode::UNPROCESSABLE_ENTITY, Json(AdminRefused { error: code.into(), message, fields })).into_response()
}

fn refused(r: AdminRefusal, what: &str, code: &str) -> Response {
    match r {
        AdminRefusal::NotFound => AppError::NotFound(what.to_string()).into_response(),
        AdminRefusal::Invalid(fields) => invalid(code, fields),
        AdminRefusal::IdTaken(id) => AppError::refused(StatusCode::CONFLICT, "id_taken", format!("'{id}' exists already")).into_response(),
        AdminRefusal::CodeTaken(other) => AppError::refused(StatusCode::CONFLICT, "code_taken", format!("register '{other}' prints this code already")).into_response(),
        AdminRefusal::UnknownOutlet(o) => invalid(code, vec![FieldError::new("outlet_id", "unknown_outlet", format!("no outlet '{o}'"))]),
    }
}

/// The outlets the caller may see, in allocation order, each with its rank, registers and online stores.
async fn views(state: &AppState, caller: &Caller) -> Result<Vec<OutletView>, AppError> {
    let setup = state.store.setup().await?;
    let mut offers: BTreeMap<String, Vec<shared::outlets::OnlineOffer>> = BTreeMap::new();
    for (outlet, offer) in state.store.online_offers().await? {
        offers.entry(outlet).or_default().push(offer);
    }
    Ok(setup
        .outlets
        .into_iter()
        .enumerate()
        .filter(|(_, o)| caller.may_see_outlet(&o.id))
        .map(|(i, o)| OutletView {
            priority: i as u32 + 1,
            registers: setup.registers.iter().filter(|r| r.outlet_id == o.id).cloned().collect(),
            online: offers.remove(&o.id).unwrap_or_default(),
            outlet: o,
        })
        .collect())
}

async fn view_of(state: &AppState, caller: &Caller, id: &str) -> Result<OutletView, AppError> {
    views(state, caller).await?.into_iter().find(|v| v.outlet.id == id).ok_or_else(|| AppError::NotFound(format!("outlet '{id}'")))
}

/// `GET /outlets`: a manager's outlets (an admin's: all), in allocation order.
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<OutletView>>, AppError> {
    Ok(Json(views(&state, &caller).await?))
}

/// `POST /outlets` (admin): 201 with the outlet, last in allocation order; 422 naming every field at
/// fault (a time zone the IANA database does not know); 409 `id_taken`.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let new: NewOutlet = parse_json(&body)?;
    let outlet = match check_new_outlet(&new, &crate::time_zone::known) {
        Ok(o) => o,
        Err(fields) => return Ok(invalid("invalid_outlet", fields)),
    };
    Ok(match state.store.create_outlet(&outlet, &caller.actor()).await? {
        Ok(o) => (StatusCode::CREATED, Json(view_of(&state, &caller, &o.id).await?)).into_response(),
        Err(r) => refused(r, "", "invalid_outlet"),
    })
}

/// `PATCH /outlets/{id}` (admin): its name, time zone and tax registration numbers; registers pull
/// the change.
pub async fn update(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>, body: Bytes) -> Result<Response, AppError> {
    let patch: OutletPatch = parse_json(&body)?;
    Ok(match state.store.update_outlet(&id, &patch, &caller.actor()).await? {
        Ok(o) => Json(view_of(&state, &caller, &o.id).await?).into_response(),
        Err(r) => refused(r, &format!("outlet '{id}'"), "invalid_outlet"),
    })
}

/// `PUT /outlets/priority` (admin): every outlet once, in the new allocation order — applied whole or
/// not at all; each store's online outlets follow it.
pub async fn priority(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let order: PriorityOrder = parse_json(&body)?;
    if order.outlets.len() > shared::outlets::MAX_OUTLETS {
        return Err(AppError::BadRequest(format!("invalid JSON body at outlets: at most {} outlets", shared::outlets::MAX_OUTLETS)));
    }
    Ok(match state.store.reorder_outlets(&order.outlets, &caller.actor()).await? {
        Ok(()) => Json(views(&state, &caller).await?).into_response(),
        Err(r) => refused(r, "", "invalid_order"),
    })
}

/// `POST /registers` (admin): 201 with the register; its outlet's devices pull it, and a manager can
/// then make an enrolment code for it.
pub async fn create_register(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let new: NewRegister = parse_json(&body)?;
    let register: Register = match check_new_register(&new) {
        Ok(r) => r,
        Err(fields) => return Ok(invalid("invalid_register", fields)),
    };
    Ok(match state.store.create_register(&register, &caller.actor()).await? {
        Ok(r) => (StatusCode::CREATED, Json(r)).into_response(),
        Err(r) => refused(r, "", "invalid_register"),
    })
}

/// `GET /time-zones`: every zone name of the bundled IANA database, sorted (the outlet form's list).
pub async fn time_zones() -> Json<Vec<String>> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_string()).collect();
    names.sort();
    names.dedup();
    Json(names)
}

/// `GET /staff/accounts`: staff of the caller's outlets (an admin: everyone), active or not, with
/// whether each has a password and a PIN.
pub async fn accounts(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<StaffAccount>>, AppError> {
    Ok(Json(state.store.staff_accounts(caller.outlets().as_deref()).await?))
}

/// `PATCH /staff/{id}` (admin): name, e-mail, role, outlets, active, a new password or PIN. 409
/// `last_admin` when the chain's last active administrator would be demoted or deactivated.
pub async fn update_staff(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>, body: Bytes) -> Result<Response, AppError> {
    let patch: StaffPatch = parse_json(&body)?;
    // The secrets' own checks come first: hashing is slow, and a bad PIN must not be hashed.
    shared::auth::staff::check_secrets(patch.password.as_deref(), patch.pin.as_deref()).map_err(|p| AppError::unprocessable(p.code, p.message))?;
    let secrets = staff_secrets(patch.password.clone(), patch.pin.clone()).await?;
    match state.store.update_staff(&id, &patch, &secrets, &caller.actor()).await? {
        Ok(a) => Ok(Json(a).into_response()),
        Err(StaffUpdateRefusal::NotFound) => Err(AppError::NotFound(format!("staff member '{id}'"))),
        Err(StaffUpdateRefusal::Invalid(p)) => Err(AppError::unprocessable(p.code, p.message)),
        Err(StaffUpdateRefusal::LastAdmin) => Err(AppError::refused(
            StatusCode::CONFLICT,
            "last_admin",
            "this is the last active administrator: make someone else an administrator first",
        )),
        Err(StaffUpdateRefusal::EmailTaken) => Err(AppError::refused(StatusCode::CONFLICT, "email_taken", "another staff member has this e-mail")),
        Err(StaffUpdateRefusal::UnknownOutlet(o)) => Err(AppError::unprocessable("unknown_outlet", format!("unknown outlet '{o}'"))),
    }
}
