//! Who this browser is (typed context): the device's enrolment, the cashier switched in at it, the
//! staff member signed in (managers, admins), and whether the server still accepts the device. Setting
//! any of them also sets what [`crate::sync::http`] sends with every request.
//!
//! The cashier is kept in `sessionStorage`: a reload keeps them (a register reloads after an update or a
//! crash), a closed browser or a new tab asks for a PIN again. The session's CSRF token is kept in
//! `localStorage` beside its HttpOnly cookie (readable by our page only, which is the point of it).

use crate::store::{Db, Enrolled};
use crate::sync::auth_api;
use crate::sync::http::{self, ApiFailure};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::auth::{lockout, Lockout, OfflineStaff, PinRequest, Role, SessionInfo, StaffMember, LOCKOUT_MS, WINDOW_MS};
use std::collections::HashMap;

const CASHIER_KEY: &str = "comptoir.cashier";
const SESSION_KEY: &str = "comptoir.session";
const STAFF_CACHE: &str = "staff_offline";
const FAILURES_CACHE: &str = "pin_failures";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cashier {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Switched in with the PIN checked here, the server unreachable.
    pub offline: bool,
}

/// A signed-in staff member (the cookie itself is HttpOnly: we keep what the page needs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub staff: StaffMember,
    pub csrf_token: String,
    pub expires_at_ms: i64,
}

#[derive(Clone, Copy)]
pub struct Auth {
    /// `None` until the device record is read; then whether and where the device is enrolled.
    pub enrolment: RwSignal<Option<Option<Enrolled>>>,
    pub cashier: RwSignal<Option<Cashier>>,
    pub session: RwSignal<Option<Session>>,
    /// The server's code when it stopped accepting the device's credential (`device_revoked`,
    /// `unauthenticated`): the banner shows, the pusher backs off, nothing is deleted.
    pub device_refused: RwSignal<Option<String>>,
    /// Who may switch in here, with their offline PIN verifiers (a copy of `/staff/offline`).
    pub staff: RwSignal<Vec<OfflineStaff>>,
}

impl Auth {
    pub fn new() -> Auth {
        let auth = Auth {
            enrolment: RwSignal::new(None),
            cashier: RwSignal::new(None),
            session: RwSignal::new(None),
            device_refused: RwSignal::new(None),
            staff: RwSignal::new(Vec::new()),
        };
        http::on_device_refused(auth.device_refused);
        auth.set_cashier(read_json(session_storage(), CASHIER_KEY));
        let session = read_json::<Session>(local_storage(), SESSION_KEY).filter(|s| s.expires_at_ms > js_sys::Date::now() as i64);
        auth.put_session(session);
        auth
    }

    pub fn enrolled(&self) -> Option<Enrolled> {
        self.enrolment.get_untracked().flatten()
    }

    pub fn set_enrolment(&self, enrolled: Option<Enrolled>) {
        http::update_credentials(|c| c.device = enrolled.as_ref().map(|e| e.credential.clone()));
        if enrolled.is_some() {
            self.device_refused.set(None);
        }
        self.enrolment.set(Some(enrolled));
    }

    pub fn set_cashier(&self, cashier: Option<Cashier>) {
        http::update_credentials(|c| c.cashier = cashier.as_ref().map(|c| c.id.clone()));
        write_json(session_storage(), CASHIER_KEY, cashier.as_ref());
        self.cashier.set(cashier);
    }

    pub fn set_session(&self, info: Option<SessionInfo>) {
        let session = info.map(|i| Session { staff: i.staff, csrf_token: i.csrf_token, expires_at_ms: i.expires_at_ms });
        write_json(local_storage(), SESSION_KEY, session.as_ref());
        self.put_session(session);
    }

    fn put_session(&self, session: Option<Session>) {
        http::update_credentials(|c| c.csrf = session.as_ref().map(|s| s.csrf_token.clone()));
        self.session.set(session);
    }

    /// Whether the signed-in staff member is at least a manager (what the UI offers; the server decides).
    pub fn is_manager(&self) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(|s| s.staff.role >= Role::Manager))
    }

    /// Checks the stored session with the server once it answers: a session that expired or was signed
    /// out elsewhere is forgotten here.
    pub async fn check_session(&self) {
        if self.session.get_untracked().is_none() {
            return;
        }
        match auth_api::me().await {
            Ok(me) if me.staff.is_none() => self.set_session(None),
            // Nothing else identified us: the cookie is gone or stale.
            Err(ApiFailure::Refused { status: 401, .. }) => self.set_session(None),
            _ => {}
        }
    }

    /// The staff list from the last sync, at start.
    pub async fn load_staff(&self, db: &Db) {
        if let Ok(Some(list)) = db.get_cache::<Vec<OfflineStaff>>(STAFF_CACHE).await {
            self.staff.set(list);
        }
    }

    /// The staff list from the server (at each start and sync); kept for switching in offline.
    pub async fn refresh_staff(&self, db: &Db) -> Result<(), ApiFailure> {
        let list = auth_api::staff_offline().await?;
        let _ = db.set_cache(STAFF_CACHE, &list).await;
        self.staff.set(list);
        Ok(())
    }
}

impl Default for Auth {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of a PIN typed at the pad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinOutcome {
    In(Cashier),
    /// Wrong PIN; this many tries before a lock-out.
    Wrong { remaining: usize },
    /// Locked out until this time (ms), or for a while the server did not say.
    Locked(Option<i64>),
    /// The server no longer accepts this device.
    DeviceRefused,
    Failed(String),
}

impl PinOutcome {
    /// What to tell whoever typed the PIN when it did not let them in; `None` when it did.
    pub fn refusal(self, lang: crate::i18n::Lang) -> Option<String> {
        use crate::i18n_auth::{auth_texts, locked_until, refused_banner, wrong_pin};
        Some(match self {
            PinOutcome::In(_) => return None,
            PinOutcome::Wrong { remaining } => wrong_pin(lang, remaining),
            PinOutcome::Locked(Some(until)) => locked_until(lang, until),
            PinOutcome::Locked(None) => auth_texts(lang).locked.to_string(),
            PinOutcome::DeviceRefused => refused_banner(lang, "device_revoked").to_string(),
            PinOutcome::Failed(m) => m,
        })
    }
}

/// Checks `pin` for `staff`: with the server when it answers, else against the verifier it sent
/// (offline switch-in). Failures count toward the shared lock-out rule, kept in IndexedDB so a reload
/// does not reset them. Runs PBKDF2 on the page's thread: callers show a busy state first.
pub async fn check_pin(db: &Db, staff: &OfflineStaff, pin: &str) -> PinOutcome {
    let now = js_sys::Date::now() as i64;
    let mut all: HashMap<String, Vec<i64>> = db.get_cache(FAILURES_CACHE).await.ok().flatten().unwrap_or_default();
    let failures = all.entry(staff.staff_id.clone()).or_default();
    failures.retain(|t| *t > now - WINDOW_MS - LOCKOUT_MS);
    if let Lockout::LockedUntil(until) = lockout(failures, now) {
        return PinOutcome::Locked(Some(until));
    }
    let cashier = |offline| Cashier { id: staff.staff_id.clone(), name: staff.name.clone(), role: staff.role, offline };
    let outcome = match auth_api::pin(&PinRequest { staff_id: staff.staff_id.clone(), pin: pin.to_string() }).await {
        Ok(member) => PinOutcome::In(Cashier { name: member.name, role: member.role, ..cashier(false) }),
        Err(ApiFailure::Refused { status: 429, .. }) => PinOutcome::Locked(None),
        Err(ApiFailure::Refused { error, .. }) if error.error == "wrong_pin" => PinOutcome::Wrong { remaining: 0 },
        Err(ApiFailure::Refused { error, .. }) if error.error == "device_revoked" || error.error == "unauthenticated" => {
            PinOutcome::DeviceRefused
        }
        Err(ApiFailure::Refused { error, .. }) => PinOutcome::Failed(error.message),
        Err(ApiFailure::Unreachable(_)) => {
            // Let the busy state paint before PBKDF2 holds the thread (~0.1–1 s).
            gloo_timers::future::TimeoutFuture::new(30).await;
            if staff.verifier.matches(pin) { PinOutcome::In(cashier(true)) } else { PinOutcome::Wrong { remaining: 0 } }
        }
    };
    match outcome {
        PinOutcome::In(_) => failures.clear(),
        PinOutcome::Wrong { .. } => failures.push(js_sys::Date::now() as i64),
        _ => return outcome,
    }
    let state = lockout(failures, js_sys::Date::now() as i64);
    all.retain(|_, f| !f.is_empty());
    let _ = db.set_cache(FAILURES_CACHE, &all).await;
    match (outcome, state) {
        (PinOutcome::Wrong { .. }, Lockout::LockedUntil(until)) => PinOutcome::Locked(Some(until)),
        (PinOutcome::Wrong { .. }, Lockout::Open { remaining }) => PinOutcome::Wrong { remaining },
        (other, _) => other,
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn read_json<T: serde::de::DeserializeOwned>(storage: Option<web_sys::Storage>, key: &str) -> Option<T> {
    storage?.get_item(key).ok().flatten().and_then(|s| serde_json::from_str(&s).ok())
}

fn write_json<T: Serialize>(storage: Option<web_sys::Storage>, key: &str, value: Option<&T>) {
    let Some(storage) = storage else { return };
    let _ = match value.and_then(|v| serde_json::to_string(v).ok()) {
        Some(json) => storage.set_item(key, &json),
        None => storage.remove_item(key),
    };
}
