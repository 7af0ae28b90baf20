//! Staff: signing in (cookie or bearer token), signing out, who am I, PIN switch-in at a device, the
//! PIN verifiers a device keeps for offline switch-in, the staff list and new staff members.
//! The lock-out rules are `shared::auth::lockout`'s; failures are counted per account (`email:…`,
//! `pin:…`) and per client address (`client:…`), each attempt before its secret is checked.

use crate::auth::secrets::{dummy_hash, hash_secret, random_bytes, random_token, sha256_hex, verify_secret};
use crate::auth::{client_address, session_cookie, Authenticated, SessionHash, SESSION_MS};
use crate::error::{parse_json, AppError};
use crate::store::auth::{Attempt, Audit, NewStaffRecord, StaffRecord, StaffRefusal};
use crate::store::now_ms;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Extensions;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use shared::auth::{
    AuditAction, LockoutRule, LoginRequest, Lockout, Me, NewStaff, OfflineStaff, PinRequest, PinVerifier, Role, SessionInfo,
    StaffMember, PIN_ITERATIONS,
};
use shared::auth::lockout::{ACCOUNT, CLIENT};
use shared::auth::staff::{check_staff, normalise_email, StaffFields};
use shared::limits::{MAX_ID_LEN, MAX_TEXT_LEN};

/// 429 with the time the lock-out ends (UTC) and `Retry-After`.
pub fn locked_out(until_ms: i64) -> Response {
    let now = now_ms();
    let mut resp = AppError::refused(
        StatusCode::TOO_MANY_REQUESTS,
        "locked_out",
        format!("too many failed attempts: locked until {} UTC", utc_time(until_ms)),
    )
    .into_response();
    let secs = ((until_ms - now).max(0) + 999) / 1000;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// `2026-12-02 14:05:09` (UTC).
pub fn utc_time(ms: i64) -> String {
    match cookie::time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) {
        Ok(t) => format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second()),
        Err(_) => format!("{ms} ms after 1970"),
    }
}

/// Hashing and verifying (argon2) off the async workers, a bounded number at once (see `secrets::bounded`).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    crate::auth::secrets::bounded(f).await.map_err(AppError::Internal)
}

struct SignedIn {
    staff: StaffRecord,
    token: String,
    csrf: String,
    expires_at_ms: i64,
}

/// Counts an attempt on an account (`key`) and its client address before its secret is checked
/// (`Store::begin_attempt`): the rows to forget if it matches, and each key's earlier failures.
async fn count_attempt(state: &AppState, key: &str, client: &str, now: i64) -> Result<(Vec<i64>, Vec<Vec<i64>>), Response> {
    let client_key = format!("client:{client}");
    match state.store.begin_attempt(&[(key, &ACCOUNT), (&client_key, &CLIENT)], now).await {
        Ok(Attempt::Counted { ids, before }) => Ok((ids, before)),
        Ok(Attempt::Locked(until)) => {
            tracing::warn!(%client, until_ms = until, "attempt refused: locked out");
            Err(locked_out(until))
        }
        Err(e) => Err(AppError::from(e).into_response()),
    }
}

/// The lock-out audit entries a failure causes: the account's (`account`) and the client address's
/// (subject `client:<address>`), each written once, by the failure that starts it.
fn lockout_audits(before: &[Vec<i64>], now: i64, account: impl Fn(i64) -> Audit, client: &str) -> Vec<Audit> {
    let starts = |rule: &LockoutRule, times: Option<&Vec<i64>>| {
        let times = times.map_or(&[][..], Vec::as_slice);
        let after: Vec<i64> = times.iter().copied().chain([now]).collect();
        match (rule.check(times, now), rule.check(&after, now)) {
            (Lockout::Open { .. }, Lockout::LockedUntil(until)) => Some(until),
            _ => None,
        }
    };
    let mut out: Vec<Audit> = starts(&ACCOUNT, before.first()).map(account).into_iter().collect();
    if let Some(until) = starts(&CLIENT, before.get(1)) {
        tracing::warn!(%client, until_ms = until, "client address locked out");
        out.push(Audit::new(AuditAction::LockedOut, "", &format!("client:{client}"), format!("client address locked until {} UTC: too many failed sign-ins or PINs", utc_time(until))));
    }
    out
}

/// Checks an e-mail and password against the lock-out rule and the argon2 hash; opens a session.
async fn sign_in(state: &AppState, client: &str, body: &[u8]) -> Result<SignedIn, Response> {
    let req: LoginRequest = parse_json(body).map_err(IntoResponse::into_response)?;
    // Bounded before anything is stored or hashed: a megabyte e-mail would be a megabyte failure key.
    if req.email.chars().count() > MAX_TEXT_LEN || req.password.chars().count() > MAX_TEXT_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body: e-mail and password have at most {MAX_TEXT_LEN} characters")).into_response());
    }
    let email = req.email.trim().to_lowercase();
    let key = format!("email:{email}");
    let now = now_ms();
    let (attempt, before) = count_attempt(state, &key, client, now).await?;
    let record = state.store.staff_by_email(&email).await.map_err(|e| AppError::from(e).into_response())?.filter(|s| s.active);
    // An unknown e-mail is checked against a dummy hash: the same time and the same answer as a wrong password.
    let hash = record.as_ref().and_then(|s| s.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let password = req.password.clone();
    let matches = blocking(move || verify_secret(&password, &hash)).await.map_err(IntoResponse::into_response)?;
    let staff = match record {
        Some(s) if matches && s.password_hash.is_some() => s,
        other => {
            let staff_id = other.as_ref().map(|s| s.member.id.clone()).unwrap_or_default();
            let mut audits = vec![Audit::new(AuditAction::SignInFailed, &staff_id, &staff_id, if other.is_some() { "wrong password" } else { "unknown e-mail" })];
            let locked = |until| {
                tracing::warn!(staff = %staff_id, until_ms = until, "sign-in locked out");
                Audit::new(AuditAction::LockedOut, &staff_id, &staff_id, format!("password sign-in locked until {} UTC", utc_time(until)))
            };
            audits.extend(lockout_audits(&before, now, locked, client));
            tracing::info!(staff = %staff_id, "sign-in failed");
            state.store.audit(&audits).await.map_err(|e| AppError::from(e).into_response())?;
            return Err(AppError::refused(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong e-mail or password").into_response());
        }
    };
    let (token, csrf, expires_at_ms) = (random_token(), random_token(), now + SESSION_MS);
    let audit = Audit::new(AuditAction::SignIn, &staff.member.id, &staff.member.id, "signed in with a password");
    state
        .store
        .create_session(&staff.member.id, &sha256_hex(&token), &csrf, expires_at_ms, (&attempt, &key), &audit)
        .await
        .map_err(|e| AppError::from(e).into_response())?;
    tracing::info!(staff = %staff.member.id, role = %staff.member.role, "signed in");
    Ok(SignedIn { staff, token, csrf, expires_at_ms })
}

/// `POST /auth/login`: the session in an HttpOnly cookie; the answer carries the CSRF token, never the session token.
pub async fn login(State(state): State<AppState>, extensions: Extensions, body: Bytes) -> Response {
    let s = match sign_in(&state, &client_address(&extensions), &body).await {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let cookie = session_cookie(&s.token, SESSION_MS / 1000, state.auth.secure_cookies);
    let info = SessionInfo { staff: s.staff.member, csrf_token: s.csrf, expires_at_ms: s.expires_at_ms, token: None };
    ([(header::SET_COOKIE, cookie)], Json(info)).into_response()
}

/// `POST /auth/token`: the session as a bearer token, for API clients.
pub async fn token(State(state): State<AppState>, extensions: Extensions, body: Bytes) -> Response {
    match sign_in(&state, &client_address(&extensions), &body).await {
        Ok(s) => Json(SessionInfo { staff: s.staff.member, csrf_token: s.csrf, expires_at_ms: s.expires_at_ms, token: Some(s.token) }).into_response(),
        Err(resp) => resp,
    }
}

/// `POST /auth/logout`: the session is deleted and the cookie cleared.
pub async fn logout(State(state): State<AppState>, Authenticated(caller): Authenticated, session: Option<Extension<SessionHash>>) -> Result<Response, AppError> {
    if let Some(Extension(SessionHash(hash))) = session {
        let who = caller.actor();
        state.store.delete_session(&hash, &Audit::new(AuditAction::SignOut, &who, &who, "signed out")).await?;
        tracing::info!(staff = %who, "signed out");
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie("", 0, state.auth.secure_cookies))]).into_response())
}

/// `GET /auth/me`.
pub async fn me(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Me>, AppError> {
    let staff = match &caller.staff {
        Some(s) => state.store.staff_by_id(&s.id).await?.map(|r| r.member),
        None => None,
    };
    let (device, cashier) = match &caller.device {
        Some(d) => {
            let device = state.store.device_record(&d.id).await?.map(|r| r.device);
            let cashier = match &d.cashier {
                Some(c) => state.store.staff_by_id(c).await?.map(|r| r.member),
                None => None,
            };
            (device, cashier)
        }
        None => (None, None),
    };
    Ok(Json(Me { staff, device, cashier }))
}

/// The answer to a PIN switch-in.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PinAnswer {
    pub staff: StaffMember,
}

/// `POST /auth/pin`: a cashier switches in at an enrolled device, online.
pub async fn pin(State(state): State<AppState>, Authenticated(caller): Authenticated, extensions: Extensions, body: Bytes) -> Result<Response, AppError> {
    let req: PinRequest = parse_json(&body)?;
    if req.staff_id.len() > MAX_ID_LEN || req.pin.len() > 16 {
        return Err(AppError::BadRequest(format!("invalid JSON body: a staff id has at most {MAX_ID_LEN} characters, a PIN at most 16")));
    }
    let device = caller.device.as_ref().ok_or_else(AppError::unauthenticated)?;
    let record = state.store.staff_by_id(&req.staff_id).await?.filter(|s| s.active);
    if let Some(s) = record.as_ref().filter(|s| !s.works_at(&device.outlet_id)) {
        return Err(AppError::refused(StatusCode::FORBIDDEN, "other_outlet", format!("{} does not work at this device's outlet", s.member.name)));
    }
    let key = format!("pin:{}", req.staff_id);
    let client = client_address(&extensions);
    let now = now_ms();
    let (attempt, before) = match count_attempt(&state, &key, &client, now).await {
        Ok(counted) => counted,
        Err(locked) => return Ok(locked),
    };
    let hash = record.as_ref().and_then(|s| s.pin_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let typed = req.pin.clone();
    let matches = blocking(move || verify_secret(&typed, &hash)).await?;
    let audit = |action, detail: String| Audit::new(action, &req.staff_id, &req.staff_id, detail).device(Some(&device.id)).outlet(Some(&device.outlet_id));
    match record {
        Some(s) if matches && s.pin_hash.is_some() => {
            state.store.forget_attempt(&attempt, &key, &audit(AuditAction::PinSwitchIn, format!("switched in at device {}", device.number))).await?;
            tracing::info!(staff = %s.member.id, device = %device.id, "PIN switch-in");
            Ok(Json(PinAnswer { staff: s.member }).into_response())
        }
        _ => {
            let mut audits = vec![audit(AuditAction::PinFailed, format!("wrong PIN at device {}", device.number))];
            let locked = |until| {
                tracing::warn!(staff = %req.staff_id, until_ms = until, "PIN locked out");
                audit(AuditAction::LockedOut, format!("PIN locked until {} UTC", utc_time(until)))
            };
            audits.extend(lockout_audits(&before, now, locked, &client));
            state.store.audit(&audits).await?;
            Err(AppError::refused(StatusCode::UNAUTHORIZED, "wrong_pin", "wrong PIN"))
        }
    }
}

/// `GET /staff/offline`: the device's outlet's staff with their PIN verifiers.
pub async fn offline(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<OfflineStaff>>, AppError> {
    let device = caller.device.as_ref().ok_or_else(AppError::unauthenticated)?;
    Ok(Json(state.store.offline_staff(&device.outlet_id).await?))
}

/// `GET /staff`: staff of the caller's outlets (an admin: everyone).
pub async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Vec<StaffMember>>, AppError> {
    Ok(Json(state.store.list_staff(caller.outlets().as_deref()).await?))
}

/// A new staff member's record with its secrets hashed (argon2) and its offline PIN verifier (PBKDF2
/// with a fresh salt). Costly: run it off the async workers.
pub fn staff_record(id: &str, name: &str, email: Option<&str>, role: Role, outlets: &[String], password: Option<&str>, pin: Option<&str>) -> anyhow::Result<NewStaffRecord> {
    Ok(NewStaffRecord {
        id: id.into(),
        name: name.into(),
        email: email.map(|e| e.trim().to_lowercase()),
        role,
        outlets: outlets.to_vec(),
        password_hash: password.map(hash_secret).transpose()?,
        pin_hash: pin.map(hash_secret).transpose()?,
        pin_verifier: pin.map(|p| PinVerifier::new(p, &random_bytes::<16>(), PIN_ITERATIONS)),
    })
}

/// A staff edit's new secrets, hashed (argon2) with a new offline PIN verifier, off the async workers.
pub async fn staff_secrets(password: Option<String>, pin: Option<String>) -> Result<crate::store::admin::NewSecrets, AppError> {
    if password.is_none() && pin.is_none() {
        return Ok(Default::default());
    }
    blocking(move || -> anyhow::Result<crate::store::admin::NewSecrets> {
        Ok(crate::store::admin::NewSecrets {
            password_hash: password.as_deref().map(hash_secret).transpose()?,
            pin_hash: pin.as_deref().map(hash_secret).transpose()?,
            pin_verifier: pin.as_deref().map(|p| PinVerifier::new(p, &random_bytes::<16>(), PIN_ITERATIONS)),
        })
    })
    .await?
    .map_err(AppError::Internal)
}

/// `POST /staff` (admin): 201 with the new member.
pub async fn create(State(state): State<AppState>, Authenticated(caller): Authenticated, body: Bytes) -> Result<Response, AppError> {
    let new: NewStaff = parse_json(&body)?;
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_TEXT_LEN {
        return Err(AppError::BadRequest(format!("invalid JSON body at name: 1 to {MAX_TEXT_LEN} characters")));
    }
    let email = new.email.as_deref().and_then(normalise_email);
    let mut outlets = new.outlets.clone();
    outlets.sort();
    outlets.dedup();
    if outlets.iter().any(|o| o.is_empty() || o.len() > MAX_ID_LEN) {
        return Err(AppError::BadRequest(format!("invalid JSON body at outlets: ids of 1 to {MAX_ID_LEN} characters")));
    }
    let fields = StaffFields {
        name: &name,
        email: email.as_deref(),
        role: new.role,
        outlets: &outlets,
        has_password: new.password.is_some(),
        new_password: new.password.as_deref(),
        new_pin: new.pin.as_deref(),
    };
    check_staff(&fields).map_err(|p| AppError::unprocessable(p.code, p.message))?;
    let id = format!("s-{}", &random_token()[..12]);
    let (rid, rname, remail, role, routlets, password, pin) = (id.clone(), name.clone(), email.clone(), new.role, outlets.clone(), new.password.clone(), new.pin.clone());
    let record = blocking(move || staff_record(&rid, &rname, remail.as_deref(), role, &routlets, password.as_deref(), pin.as_deref())).await??;
    let who = caller.actor();
    let audit = Audit::new(AuditAction::StaffCreated, &who, &id, format!("{name} ({role})"));
    match state.store.create_staff(&record, Some(audit)).await? {
        Ok(member) => Ok((StatusCode::CREATED, Json(member)).into_response()),
        Err(StaffRefusal::EmailTaken) => Err(AppError::refused(StatusCode::CONFLICT, "email_taken", "another staff member has this e-mail")),
        Err(StaffRefusal::UnknownOutlet(o)) => Err(AppError::unprocessable("unknown_outlet", format!("unknown outlet '{o}'"))),
    }
}
