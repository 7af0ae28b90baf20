//! Who may do what: staff and their roles, enrolled devices, the access each API route needs, the
//! lock-out rule for failed sign-ins and the offline PIN check — pure, shared by the server (which is
//! the gate) and the register (which hides what a role cannot do and checks PINs offline).

pub mod lockout;
pub mod pin;
pub mod policy;
pub mod staff;

pub use lockout::{lockout, lockout_of_all, Lockout, Rule as LockoutRule, LOCKOUT_MS, MAX_FAILURES, WINDOW_MS};
pub use pin::{check_pin_format, PinVerifier, PIN_ITERATIONS};
pub use policy::{may_enrol, override_allowed, price_change_bp, Access, Caller, CodeIssuer, DeviceCaller, Denied, StaffCaller, CASHIER_OVERRIDE_LIMIT_BP};

use crate::sync::Device;
use serde::{Deserialize, Serialize};

/// A staff member's role. Ordered: each role may do what the roles below it may.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum Role {
    /// Sells at the registers of their outlets.
    Cashier,
    /// Runs their outlets: reports, serial numbers, devices, held sales.
    Manager,
    /// Runs the chain: every outlet, staff, device revocation.
    Admin,
}

/// A staff member as the API shows them (never a hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StaffMember {
    pub id: String,
    pub name: String,
    /// For signing in with a password (managers and admins); cashiers may have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    /// The outlets they work at (an admin works at all of them).
    pub outlets: Vec<String>,
}

/// `POST /auth/login` and `POST /auth/token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
    pub password: String,
}

/// A signed-in staff member's session. The session itself travels in an HttpOnly cookie (`/auth/login`)
/// or, for API clients, as a bearer token (`/auth/token`, the only time `token` is set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub staff: StaffMember,
    /// Sent back as `X-CSRF-Token` with every state-changing request made with the cookie.
    pub csrf_token: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub expires_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `POST /auth/pin`: a cashier switches in at an enrolled device, online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PinRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub staff_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 16)))]
    pub pin: String,
}

/// A staff member who may switch in at a device's outlet, with what the device needs to check their
/// PIN offline (`GET /staff/offline`). Never the PIN, never the server's own hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct OfflineStaff {
    pub staff_id: String,
    pub name: String,
    pub role: Role,
    pub verifier: PinVerifier,
}

/// `POST /devices/codes`: a manager asks for a one-time code to enrol a device to a register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrolmentCodeRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub register_id: String,
}

/// A one-time enrolment code, shown once to the manager who asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrolmentCode {
    pub code: String,
    pub register_id: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub expires_at_ms: i64,
}

/// `POST /devices/enrol`: a device presents a code to be enrolled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrolRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[A-Za-z0-9_-]+$")))]
    pub device_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 32)))]
    pub code: String,
}

/// The answer to an enrolment: the device's number, its register, and its credential — shown this
/// once; the server keeps only a hash. Every sync request carries it as `Authorization: Device …`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Enrolment {
    pub device: Device,
    pub register_id: String,
    pub outlet_id: String,
    pub credential: String,
}

/// An enrolled device as managers list it (`GET /devices`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct EnrolledDevice {
    pub id: String,
    pub number: u32,
    pub register_id: Option<String>,
    pub outlet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at_ms: Option<i64>,
    /// When it last introduced itself (enrolment, each start of the app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_ms: Option<i64>,
}

/// `POST /staff` (admin): a new staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct NewStaff {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_TEXT_LEN)))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 3, max = crate::limits::MAX_TEXT_LEN)))]
    pub email: Option<String>,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_PARTS)))]
    pub outlets: Vec<String>,
    /// At least [`MIN_PASSWORD_LEN`] characters; needed to sign in by e-mail.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 10, max = crate::limits::MAX_TEXT_LEN)))]
    pub password: Option<String>,
    /// 4 to 8 digits; needed to switch in at a register.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schemars(length(min = 4, max = 8)))]
    pub pin: Option<String>,
}

pub const MIN_PASSWORD_LEN: usize = 10;

/// What the audit log records. Stable snake_case codes in the API and the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[derive(strum::EnumString, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    LockedOut,
    SignOut,
    PinSwitchIn,
    PinFailed,
    Sale,
    Refund,
    PriceOverride,
    SaleHeld,
    Payment,
    SerialAdded,
    SerialDeleted,
    CreditLimitChanged,
    EnrolmentCodeCreated,
    DeviceEnrolled,
    DeviceRevoked,
    StaffCreated,
    /// A connected store edited, deactivated or reactivated (never its credentials' values).
    ConnectionChanged,
    /// Receiving, a count or damage recorded at a register.
    StockAdjusted,
    /// A customer created at a register or in the back office.
    CustomerCreated,
    /// A customer's name, e-mail or account terms (credit limit, automatic discount) edited in the back office.
    CustomerChanged,
    /// An operation from a register's outbox held for review.
    OpHeld,
    /// A manager sent again a status call or stock level a platform had refused.
    PlatformCallRetried,
    /// A manager's resolution of an inbox item (held sale, held operation or order, conflict, stock below zero).
    InboxResolved,
    /// A product created in the back office (Catalogue › Produits).
    ProductCreated,
    /// A product edited: the fields that changed, a price change with its old and new price.
    ProductChanged,
    /// A CSV file of products, customers or serial numbers imported.
    FileImported,
    /// A note added to a sale in sales history (its text in the detail).
    SaleNoteAdded,
    /// Administration (issue 12 item 7): an outlet created, edited (name, time zone), the outlets'
    /// allocation order changed, a register added, a staff member edited or deactivated.
    OutletCreated,
    OutletChanged,
    OutletsReordered,
    RegisterCreated,
    StaffChanged,
    StaffDeactivated,
    /// A drawer counted on the Z report (issue 12 item 5): expected, counted, over or short.
    CashCounted,
}

/// One audit log entry: who (a staff member, and the device they acted through), did what, to what,
/// when. `detail` is a short human-readable text, never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at_ms: i64,
    pub action: AuditAction,
    /// The staff member who acted ("" when none: an unknown e-mail's failed sign-in, an enrolment code).
    pub staff_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet_id: Option<String>,
    /// What it was done to: a sale id, a customer id, `product/serial`, a device id…
    pub subject: String,
    pub detail: String,
}

/// `GET /auth/me`: who the server takes the caller for — the signed-in staff member, the enrolled
/// device, and the cashier that device says is switched in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Me {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffMember>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<EnrolledDevice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cashier: Option<StaffMember>,
}
