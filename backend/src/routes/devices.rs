//! Devices: one-time enrolment codes (managers), enrolment with a code (the device), the list,
//! revocation (admins), and a device's hello (its number). Failed codes are rate-limited per client
//! address with `shared::auth::lockout`.

use crate::auth::secrets::{new_enrolment_code, normalise_code, random_token, sha256_hex};
use crate::auth::{Authenticated, CODE_MS};
use crate::error::{parse_json, AppError, AppPath};
use crate::routes::auth::{locked_out, utc_time};
use crate::store::auth::Audit;
use crate::store::auth::EnrolRefusal;
use crate::store::now_ms;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::auth::{lockout, AuditAction, EnrolRequest, Enrolment, EnrolmentCode, EnrolmentCodeRequest, EnrolledDevice, Lockout, Role};
use shared::limits::MAX_ID_LEN;
use shared::sync::{Device, DeviceHello};

fn check_device_id(id: &str) -> Result<(), AppError> {
    let well_formed = !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(AppError::BadRequest(format!("invalid JSON body at device_id: 1 to {MAX_ID_LEN} letters, digits, '-' or '_'")));
    }
    Ok(())
}

/// `POST /devices/codes`: a code for a register of one of the manager's outlets, valid 24 h, once.
pub async fn create_code(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Json<EnrolmentCode>, AppError> {
    let req: EnrolmentCodeRequest = parse_json(&body)?;
    let Some((register, _)) = state.store.register(&req.register_id).await? else {
        return Err(AppError::unprocessable("unknown_register", format!("unknown register '{}'", req.register_id)));
    };
    if !caller.is_staff_at(Role::Manager, &register.outlet_id) {
        return Err(AppError::forbidden(format!("register '{}' is not at one of your outlets", register.id)));
    }
    Ok(Json(issue_code(&*state.store, &register.id, &caller.actor()).await?))
}

/// Makes and stores a code (the route, the command line and the demo start).
pub async fn issue_code(store: &dyn crate::store::Store, register_id: &str, by: &str) -> Result<EnrolmentCode, AppError> {
    let code = new_enrolment_code();
    let hash = sha256_hex(&normalise_code(&code).expect("a new code is well-formed"));
    let expires_at_ms = now_ms() + CODE_MS;
    match store.create_enrolment_code(register_id, &hash, by, expires_at_ms).await? {
        Some(_) => Ok(EnrolmentCode { code, register_id: register_id.into(), expires_at_ms }),
        None => Err(AppError::unprocessable("unknown_register", format!("unknown register '{register_id}'"))),
    }
}

/// `POST /devices/enrol`: a device presents a code; it gets its credential (shown this once).
pub async fn enrol(State(state): State<AppState>, extensions: Extensions, body: Bytes) -> Result<Response, AppError> {
    let req: EnrolRequest = parse_json(&body)?;
    check_device_id(&req.device_id)?;
    let client = crate::auth::client_address(&extensions);
    let key = format!("code:{client}");
    let now = now_ms();
    let failures = state.store.failures(&key).await?;
    if let Lockout::LockedUntil(until) = lockout(&failures, now) {
        tracing::warn!(%client, "enrolment refused: locked out");
        return Ok(locked_out(until));
    }
    let secret = random_token();
    let result = match normalise_code(&req.code) {
        Some(code) => state.store.enrol(&req.device_id, &sha256_hex(&code), &sha256_hex(&secret)).await?,
        None => Err(EnrolRefusal::BadCode),
    };
    let (device, register_id, outlet_id) = match result {
        Ok(done) => done,
        Err(EnrolRefusal::BadCode) => {
            // Every lock-out is in the audit log, this one too (who: the client address; never the code).
            let mut all = failures.clone();
            all.push(now);
            let audits: Vec<Audit> = match lockout(&all, now) {
                Lockout::LockedUntil(until) => vec![Audit::new(AuditAction::LockedOut, "", &key, format!("enrolment codes locked until {} UTC", utc_time(until)))],
                Lockout::Open { .. } => Vec::new(),
            };
            state.store.record_failure(&key, now, &audits).await?;
            tracing::warn!(%client, device = %req.device_id, "enrolment with a bad code");
            return Err(AppError::refused(StatusCode::UNAUTHORIZED, "bad_code", "this code is wrong, used or expired: ask a manager for a new one"));
        }
        Err(EnrolRefusal::DeviceElsewhere(outlet)) => {
            tracing::warn!(%client, device = %req.device_id, %outlet, "enrolment of another outlet's device refused");
            return Err(AppError::refused(
                StatusCode::FORBIDDEN,
                "device_elsewhere",
                format!("device '{}' is enrolled at outlet '{outlet}': a manager of that outlet or an administrator makes its code", req.device_id),
            ));
        }
    };
    state.store.clear_failures(&key).await?;
    tracing::info!(device = %device.id, number = device.number, register = %register_id, "device enrolled");
    let credential = format!("{}.{secret}", device.id);
    Ok(Json(Enrolment { device, register_id, outlet_id, credential }).into_response())
}

/// `GET /devices`: devices at the manager's outlets (an admin: every device, enrolled or not).
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<EnrolledDevice>>, AppError> {
    Ok(Json(state.store.list_devices(caller.outlets().as_deref()).await?))
}

/// `POST /devices/{id}/revoke` (admin).
pub async fn revoke(State(state): State<AppState>, Authenticated(caller): Authenticated, AppPath(id): AppPath<String>) -> Result<Json<EnrolledDevice>, AppError> {
    let device = state.store.revoke_device(&id, &caller.actor()).await?.ok_or_else(|| AppError::NotFound(format!("device '{id}'")))?;
    tracing::warn!(device = %id, by = %caller.actor(), "device revoked");
    Ok(Json(device))
}

/// `POST /devices`: the calling device's number (its own id only).
pub async fn hello(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Json<Device>, AppError> {
    let hello: DeviceHello = parse_json(&body)?;
    let device = caller.device.as_ref().ok_or_else(AppError::unauthenticated)?;
    if hello.device_id != device.id {
        return Err(AppError::forbidden(format!("this credential is device '{}', not '{}'", device.id, hello.device_id)));
    }
    state.store.touch_device(&device.id).await?;
    Ok(Json(Device { id: device.id.clone(), number: device.number }))
}
