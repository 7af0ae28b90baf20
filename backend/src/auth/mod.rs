//! Who is calling: every API request's credentials resolved into one `shared::auth::Caller`, checked
//! against its route's `Access` (`shared::auth::Caller::check`) before the handler runs, plus the
//! browser-grade checks — the `Host` it is served under, a JSON content type, the `Origin` of unsafe
//! requests and the CSRF token of cookie sessions.
//!
//! Credentials: `Authorization: Device <device_id>.<secret>` (an enrolled device, with an optional
//! `X-Comptoir-Cashier: <staff id>`), `Authorization: Bearer <token>` (a staff session for API clients),
//! or the `comptoir_session` cookie (a staff session in a browser; unsafe requests also send
//! `X-CSRF-Token`).

pub mod secrets;

use crate::error::AppError;
use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrets::{constant_time_eq, sha256_hex};
use shared::auth::{Access, Caller, Denied, DeviceCaller, Role};
use std::net::IpAddr;

pub const SESSION_COOKIE: &str = "comptoir_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CASHIER_HEADER: &str = "x-comptoir-cashier";
/// How long a staff session lasts: a shift and then some.
pub const SESSION_MS: i64 = 12 * 60 * 60 * 1000;
/// How long an enrolment code may be used.
pub const CODE_MS: i64 = 24 * 60 * 60 * 1000;

/// The names the server answers under (DNS-rebinding protection).
#[derive(Clone, Debug)]
pub enum HostPolicy {
    /// Exactly these `host[:port]` (a name without a port matches any port).
    Listed(Vec<String>),
    /// The loopback names, any port, plus these IPs (the bound address).
    Loopback(Vec<IpAddr>),
}

impl HostPolicy {
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        // A malformed Host (`localhost:80@evil.example`, `[::1]evil`) matches nothing.
        let Some(name) = host_name(&host) else { return false };
        match self {
            HostPolicy::Listed(list) => list.iter().any(|h| *h == host || (!h.contains(':') || h.ends_with(']')) && *h == name),
            HostPolicy::Loopback(ips) => {
                matches!(name, "localhost" | "127.0.0.1" | "[::1]")
                    || ips.iter().any(|ip| match ip {
                        IpAddr::V4(v4) => name == v4.to_string(),
                        IpAddr::V6(v6) => name == format!("[{v6}]"),
                    })
            }
        }
    }
}

/// `host:port` → `host` (`[::1]:80` → `[::1]`); `None` unless the port, if any, is digits.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let rest = &host[end + 1..];
        (&host[..=end], if rest.is_empty() { None } else { Some(rest.strip_prefix(':')?) })
    } else {
        host.split_once(':').map_or((host, None), |(h, p)| (h, Some(p)))
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some(name)
}

/// Settings of the checks.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub hosts: HostPolicy,
    /// Session cookies carry `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { hosts: HostPolicy::Loopback(Vec::new()), secure_cookies: false }
    }
}

/// The caller, as the route's guard resolved it. Handlers take it as an extractor.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Caller);

/// The SHA-256 of the session token the request was authenticated by (for signing out).
#[derive(Clone, Debug)]
pub struct SessionHash(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, AppError> {
        // Only a route built from the table has a guard; without one there is no caller to trust.
        parts.extensions.get::<Authenticated>().cloned().ok_or_else(|| AppError::Internal(anyhow::anyhow!("route without an access rule")))
    }
}

/// Every request, API and static: its `Host` must be one the server is served under. A request with
/// no `Host` (HTTP/1.0, in-process tests) cannot come from a rebinding browser, which always sends one.
pub async fn check_host(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(host) = req.headers().get(header::HOST) {
        let ok = host.to_str().is_ok_and(|h| state.auth.hosts.allows(h));
        if !ok {
            return AppError::refused(StatusCode::MISDIRECTED_REQUEST, "unknown_host", "this server is not served under that host name (see COMPTOIR_HOSTS)").into_response();
        }
    }
    next.run(req).await
}

fn is_unsafe(m: &Method) -> bool {
    matches!(*m, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

/// A body that is not declared JSON (a cross-site form or `text/plain` POST) is refused before anything else.
fn check_content_type(method: &Method, h: &HeaderMap) -> Result<(), AppError> {
    if !matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        return Ok(());
    }
    let content_type = h.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    let has_body = h.get(header::TRANSFER_ENCODING).is_some()
        || h.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0");
    let json = content_type.as_deref().is_some_and(|c| c == "application/json" || c.starts_with("application/json;"));
    if (content_type.is_some() || has_body) && !json {
        return Err(AppError::refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "the body must be `Content-Type: application/json`"));
    }
    Ok(())
}

/// An unsafe request sent from a page of another origin is refused.
fn check_origin(headers: &HeaderMap) -> Result<(), AppError> {
    let Some(origin) = headers.get(header::ORIGIN) else { return Ok(()) };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase);
    let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
    match (origin_host, host) {
        (Some(o), Some(h)) if o == h => Ok(()),
        _ => Err(AppError::refused(StatusCode::FORBIDDEN, "cross_origin", "a state-changing request from another origin")),
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The caller a request's credentials identify (see the module doc), or the refusal.
pub async fn resolve(state: &AppState, access: Access, method: &Method, headers: &HeaderMap) -> Result<(Caller, Option<String>), AppError> {
    let mut caller = Caller::default();
    let mut session_hash = None;
    let authorization = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap_or("").trim().to_string());
    let mut device_credential = false;
    if let Some(value) = &authorization {
        let (scheme, credential) = value.split_once(' ').map_or((value.as_str(), ""), |(s, c)| (s, c.trim()));
        if scheme.eq_ignore_ascii_case("device") {
            // A device's own routes (push, hello, PINs) stand on the device alone: a cashier switched in
            // offline and since removed from the outlet must not block the outbox with a 403.
            let cashier = if access == Access::Device { None } else { headers.get(CASHIER_HEADER) };
            caller.device = Some(resolve_device(state, credential, cashier).await?);
            device_credential = true;
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let hash = sha256_hex(credential);
            let (staff, _) = state.store.session(&hash).await?.ok_or_else(AppError::unauthenticated)?;
            caller.staff = Some(staff.caller());
            session_hash = Some(hash);
        } else {
            return Err(AppError::unauthenticated());
        }
    }
    if caller.staff.is_none() {
        // A stale cookie (signed out, expired) is no credential at all, not an error.
        if let Some(token) = cookie_value(headers, SESSION_COOKIE) {
            let hash = sha256_hex(&token);
            if let Some((staff, csrf)) = state.store.session(&hash).await? {
                let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                if !is_unsafe(method) || constant_time_eq(sent, &csrf) {
                    caller.staff = Some(staff.caller());
                    session_hash = Some(hash);
                } else if !device_credential {
                    return Err(AppError::refused(StatusCode::FORBIDDEN, "csrf", "missing or wrong X-CSRF-Token for a signed-in session"));
                }
                // With a device credential (which no other site can send) the request stands on the
                // device alone: a register's push never fails for a manager's session in the same browser.
            }
        }
    }
    Ok((caller, session_hash))
}

async fn resolve_device(state: &AppState, credential: &str, cashier: Option<&axum::http::HeaderValue>) -> Result<DeviceCaller, AppError> {
    let (id, secret) = credential.split_once('.').ok_or_else(AppError::unauthenticated)?;
    let record = state.store.device_record(id).await?.ok_or_else(AppError::unauthenticated)?;
    let stored = record.credential_hash.as_deref().ok_or_else(AppError::unauthenticated)?;
    if !constant_time_eq(&sha256_hex(secret), stored) {
        return Err(AppError::unauthenticated());
    }
    let d = record.device;
    if d.revoked_at_ms.is_some() {
        return Err(AppError::refused(
            StatusCode::UNAUTHORIZED,
            "device_revoked",
            "this device was revoked by an administrator: its unsent sales stay on it; export them and ask a manager to enrol it again",
        ));
    }
    let (Some(register_id), Some(outlet_id)) = (d.register_id, d.outlet_id) else { return Err(AppError::unauthenticated()) };
    let mut device = DeviceCaller { id: d.id, number: d.number, register_id, outlet_id, cashier: None };
    if let Some(cashier) = cashier {
        let id = cashier.to_str().unwrap_or("").trim();
        let staff = state.store.staff_by_id(id).await?.filter(|s| s.active && s.works_at(&device.outlet_id));
        let Some(staff) = staff else {
            return Err(AppError::refused(StatusCode::FORBIDDEN, "unknown_cashier", format!("'{id}' is not staff at this device's outlet")));
        };
        device.cashier = Some(staff.member.id);
    }
    Ok(device)
}

/// The per-route guard: checks, resolution, the route's access rule; then the handler, with the
/// [`Authenticated`] caller in the request's extensions.
pub async fn guard(state: AppState, access: Access, mut req: Request, next: Next) -> Response {
    // Headers only: the request's body is not `Sync`, so a borrow of the whole request could not be held across awaits.
    let (method, headers) = (req.method().clone(), req.headers().clone());
    match admit(&state, access, &method, &headers, req.uri().path()).await {
        Ok((caller, session)) => {
            req.extensions_mut().insert(Authenticated(caller));
            if let Some(hash) = session {
                req.extensions_mut().insert(SessionHash(hash));
            }
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

async fn admit(state: &AppState, access: Access, method: &Method, headers: &HeaderMap, path: &str) -> Result<(Caller, Option<String>), AppError> {
    // A platform's webhook is checked by its signature over the raw body, whatever its type
    // (WooCommerce's creation ping is a form, and anything but a 200 stops the merchant saving it).
    // A CSV import's body is `text/csv`, which no cross-site form can send without a preflight; the
    // import route checks the type itself (`routes::csv`).
    if !path.starts_with("/api/v1/webhooks/") && !path.starts_with("/api/v1/import/") {
        check_content_type(method, headers)?;
    }
    if is_unsafe(method) {
        check_origin(headers)?;
    }
    if access == Access::Public {
        // Signing in and enrolling need no caller; a stale credential must not stand in their way.
        return Ok((Caller::default(), None));
    }
    let (caller, session) = resolve(state, access, method, headers).await?;
    match caller.check(access) {
        Ok(()) => {}
        Err(Denied::Unauthenticated) => return Err(AppError::unauthenticated()),
        Err(Denied::Forbidden) => return Err(AppError::forbidden(forbidden_message(access))),
    }
    // A device acts for the cashier switched in at it: a state-changing counter action names them.
    let device_alone = caller.staff.is_none() && caller.device.as_ref().is_some_and(|d| d.cashier.is_none());
    if access == Access::Counter && is_unsafe(method) && device_alone {
        return Err(AppError::refused(StatusCode::FORBIDDEN, "cashier_required", "switch a cashier in (X-Comptoir-Cashier) first"));
    }
    Ok((caller, session))
}

fn forbidden_message(access: Access) -> String {
    match access {
        Access::Staff(Role::Admin) => "an administrator's session is needed".into(),
        Access::Staff(Role::Manager) => "a manager's session is needed".into(),
        Access::Staff(Role::Cashier) => "a staff session is needed".into(),
        Access::Device => "an enrolled device is needed".into(),
        _ => "not allowed".into(),
    }
}

/// The address a request came from (what failures are counted under besides the account), or `local`
/// without one (in-process calls). Behind a reverse proxy every client has the proxy's address: then the
/// per-address limits are shop-wide.
pub fn client_address(extensions: &axum::http::Extensions) -> String {
    extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map_or_else(|| "local".to_string(), |c| c.0.ip().to_string())
}

/// 403 unless the caller may see `outlet`'s data.
pub fn require_outlet(caller: &Caller, outlet: &str) -> Result<(), AppError> {
    if caller.may_see_outlet(outlet) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("outlet '{outlet}' is not yours")))
    }
}

/// The `Set-Cookie` of a session (or, with `max_age_s` 0, its removal).
pub fn session_cookie(token: &str, max_age_s: i64, secure: bool) -> String {
    let mut c = cookie::Cookie::build((SESSION_COOKIE, token.to_string()))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_s));
    if secure {
        c = c.secure(true);
    }
    c.build().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_the_bound_address_are_allowed_any_port_and_a_malformed_host_is_not() {
        let p = HostPolicy::Loopback(vec!["192.0.2.7".parse().unwrap()]);
        for ok in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "[::1]", "192.0.2.7:8080", "LOCALHOST"] {
            assert!(p.allows(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8080", "127.0.0.2", "localhost.evil.example", "", "localhost:8080@evil.example", "[::1]evil", "[::1]:80x", "localhost:", "localhost:1:2"] {
            assert!(!p.allows(bad), "{bad}");
        }
    }

    #[test]
    fn listed_hosts_match_with_their_port_or_any_port_without_one() {
        let p = HostPolicy::Listed(vec!["pos.example".into(), "till.example:8443".into()]);
        assert!(p.allows("pos.example"));
        assert!(p.allows("pos.example:443"));
        assert!(p.allows("till.example:8443"));
        assert!(!p.allows("till.example:80"));
        assert!(!p.allows("localhost"));
        assert!(!p.allows("pos.example:443@evil.example"));
    }

    #[test]
    fn session_cookies_are_httponly_strict_and_secure_only_when_asked() {
        let c = session_cookie("t", 43_200, false);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/") && c.contains("Max-Age=43200"), "{c}");
        assert!(!c.contains("Secure"));
        assert!(session_cookie("t", 1, true).contains("Secure"));
    }
}
