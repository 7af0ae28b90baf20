//! Administration's calls (issue 12 item 7): outlets, registers, time zones, devices, staff and the
//! audit log. Reads through the shared client; writes with our credentials and the session's CSRF
//! token, as JSON (`PATCH` and `PUT` too, which the shared client does not build).

use frontend::sync::http::{self, ApiFailure};
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared::auth::staff::{StaffAccount, StaffPatch};
use shared::auth::{AuditEntry, EnrolledDevice, EnrolmentCode, EnrolmentCodeRequest, NewStaff, StaffMember};
use shared::catalog::Register;
use shared::outlets::{NewOutlet, NewRegister, OutletPatch, OutletView, PriorityOrder};

/// `method` (`PATCH`, `PUT`, `POST`) `url` with a JSON body, as this browser's caller.
async fn send<B: Serialize, T: DeserializeOwned>(method: &str, url: &str, body: &B) -> Result<T, ApiFailure> {
    let json = serde_json::to_string(body).map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let creds = http::credentials();
    let mut b = match method {
        "PATCH" => gloo_net::http::Request::patch(url),
        "PUT" => gloo_net::http::Request::put(url),
        _ => gloo_net::http::Request::post(url),
    };
    if let Some(c) = &creds.device {
        b = b.header("Authorization", &format!("Device {c}"));
    }
    if let Some(t) = &creds.csrf {
        b = b.header("X-CSRF-Token", t);
    }
    read(http::send(b, Some(json), http::TIMEOUT_MS).await).await
}

/// [`http::read`], except that a refusal naming fields at fault (422 `invalid_outlet`, …) is reported
/// by its first field's code (`unknown_time_zone`, `bad_code`), which the page words.
async fn read<T: DeserializeOwned>(resp: Result<gloo_net::http::Response, gloo_net::Error>) -> Result<T, ApiFailure> {
    let resp = resp.map_err(|e| ApiFailure::Unreachable(e.to_string()))?;
    let status = resp.status();
    if !(400..500).contains(&status) {
        return http::read(Ok(resp)).await;
    }
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let code = body["fields"].get(0).map(|f| text(&f["code"])).filter(|c| !c.is_empty()).unwrap_or_else(|| text(&body["error"]));
    Err(ApiFailure::Refused { status, error: shared::sync::ApiError { error: code, message: text(&body["message"]), seq: None, sale_id: None } })
}

pub async fn outlets() -> Result<Vec<OutletView>, ApiFailure> {
    http::get("/api/v1/outlets").await
}

pub async fn time_zones() -> Result<Vec<String>, ApiFailure> {
    http::get("/api/v1/time-zones").await
}

pub async fn create_outlet(new: &NewOutlet) -> Result<OutletView, ApiFailure> {
    send("POST", "/api/v1/outlets", new).await
}

pub async fn update_outlet(id: &str, patch: &OutletPatch) -> Result<OutletView, ApiFailure> {
    send("PATCH", &format!("/api/v1/outlets/{}", http::seg(id)), patch).await
}

pub async fn reorder(order: &PriorityOrder) -> Result<Vec<OutletView>, ApiFailure> {
    send("PUT", "/api/v1/outlets/priority", order).await
}

pub async fn create_register(new: &NewRegister) -> Result<Register, ApiFailure> {
    send("POST", "/api/v1/registers", new).await
}

pub async fn devices() -> Result<Vec<EnrolledDevice>, ApiFailure> {
    http::get("/api/v1/devices").await
}

pub async fn enrolment_code(register_id: &str) -> Result<EnrolmentCode, ApiFailure> {
    http::post("/api/v1/devices/codes", &EnrolmentCodeRequest { register_id: register_id.into() }).await
}

pub async fn revoke(device_id: &str) -> Result<EnrolledDevice, ApiFailure> {
    send("POST", &format!("/api/v1/devices/{}/revoke", http::seg(device_id)), &serde_json::json!({})).await
}

pub async fn staff() -> Result<Vec<StaffAccount>, ApiFailure> {
    http::get("/api/v1/staff/accounts").await
}

pub async fn create_staff(new: &NewStaff) -> Result<StaffMember, ApiFailure> {
    http::post("/api/v1/staff", new).await
}

pub async fn update_staff(id: &str, patch: &StaffPatch) -> Result<StaffAccount, ApiFailure> {
    send("PATCH", &format!("/api/v1/staff/{}", http::seg(id)), patch).await
}

/// One page of the audit log: `query` is the filters' query string (`action=…&staff=…`).
pub async fn audit(query: &str) -> Result<Vec<AuditEntry>, ApiFailure> {
    http::get(&format!("/api/v1/audit?{query}")).await
}
