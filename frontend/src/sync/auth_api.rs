//! Enrolment, switch-in and sign-in calls (`/api/v1/devices/enrol`, `/auth/…`, `/staff/offline`).

use super::http::{get, post, post_within, request, send, ApiFailure, Method, TIMEOUT_MS};
use serde::Deserialize;
use shared::auth::{EnrolRequest, Enrolment, LoginRequest, OfflineStaff, PinRequest, SessionInfo, StaffMember};

/// A PIN check online waits this long before the register checks it itself (offline switch-in).
const PIN_TIMEOUT_MS: u32 = 5_000;

pub async fn enrol(req: &EnrolRequest) -> Result<Enrolment, ApiFailure> {
    post("/api/v1/devices/enrol", req).await
}

/// The staff who may switch in at this device, with their offline PIN verifiers.
pub async fn staff_offline() -> Result<Vec<OfflineStaff>, ApiFailure> {
    get("/api/v1/staff/offline").await
}

#[derive(Deserialize)]
struct PinAnswer {
    staff: StaffMember,
}

pub async fn pin(req: &PinRequest) -> Result<StaffMember, ApiFailure> {
    post_within::<_, PinAnswer>("/api/v1/auth/pin", req, PIN_TIMEOUT_MS).await.map(|a| a.staff)
}

pub async fn login(req: &LoginRequest) -> Result<SessionInfo, ApiFailure> {
    post("/api/v1/auth/login", req).await
}

/// Ends the session (the server answers 204 and clears the cookie).
pub async fn logout() -> bool {
    let req = request(Method::Post, "/api/v1/auth/logout");
    matches!(send(req, Some("{}".into()), TIMEOUT_MS).await, Ok(r) if r.ok())
}

/// What the register needs of `GET /auth/me` (`shared::auth::Me`): whether a staff session is signed
/// in. Read as little as that, to keep the device record's parser out of the wasm.
#[derive(Deserialize)]
pub struct MeStaff {
    #[serde(default)]
    pub staff: Option<serde::de::IgnoredAny>,
}

pub async fn me() -> Result<MeStaff, ApiFailure> {
    get("/api/v1/auth/me").await
}
