//! The wire format between registers and the server (`/api/v1`). Versioned by the route prefix.

mod accept;
pub mod effects;
pub mod payment;
pub mod changes;
pub mod events;
pub mod ops;

pub use accept::{accept_sale, key_device, CatalogTerms, HoldReason, Holdings, StaffTerms, Verdict};
pub use effects::{effects_of_sale, sale_audit, AccountOverrun, Bearing, Conflict, ConflictKind, CustomerBearing, CustomerChange, CustomerFigures, Effects};
pub use payment::{decide_payment, PaymentBearing, PaymentDecision, PaymentRefusal};
pub use ops::{Operation, OpBody, OpHold, OpResult, OpStatus};

use crate::account::CustomerAccount;
use crate::catalog::{Customer, Outlet, Product, Register};
use crate::loyalty::{LoyaltyBalance, LoyaltyProgram, RewardDue};
use crate::money::Money;
use crate::sale::Sale;
use serde::{Deserialize, Serialize};

/// A device: one browser profile that sells (a tablet, a PC's browser). Its id is made on the device at
/// first start; its number is given by the server when the device first connects, unique, and printed
/// in its receipt numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Device {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub id: String,
    pub number: u32,
}

/// `POST /devices`: a device introduces itself (idempotent: the same id always gets the same number).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DeviceHello {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    #[cfg_attr(feature = "openapi", schemars(regex(pattern = r"^[A-Za-z0-9_-]+$")))]
    pub device_id: String,
}

/// A batch from one device's outbox: completed sales and other operations, each oldest first. The sales
/// may come from several registers (the device may have been switched with sales still queued). The
/// server applies the operations before the sales; the device puts in one push only operations made
/// before every sale of that push (see `sync_client::drain`), so this order is the order they were made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PushRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = crate::limits::MAX_ID_LEN)))]
    pub device_id: String,
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_SALES_PER_PUSH)))]
    pub sales: Vec<Sale>,
    /// Absent from registers older than operations: they push sales only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schemars(length(max = crate::limits::MAX_OPS_PER_PUSH)))]
    pub ops: Vec<Operation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub enum PushStatus {
    /// Stored now.
    Stored,
    /// Already stored by an earlier push: nothing written again.
    Duplicate,
    /// Kept by the server, held for review (see `hold`): the device may forget it from its outbox.
    Held,
}

/// The server's answer for one sale. Every status means the server has the sale durably: the device
/// removes it from its outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PushResult {
    pub sale_id: String,
    #[cfg_attr(feature = "openapi", schemars(range(min = 1, max = crate::limits::MAX_SEQ)))]
    pub seq: u64,
    pub status: PushStatus,
    /// Why a held sale is held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<HoldReason>,
}

/// A sale the server keeps held for review, as managers list it (`GET /held`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct HeldSale {
    pub sale: Sale,
    /// The device that pushed it.
    pub pushed_by: String,
    pub reason: HoldReason,
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub received_at_ms: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// One per operation pushed.
    #[serde(default)]
    pub ops: Vec<OpResult>,
}

/// Everything a register needs to start selling, except the catalog (paged separately).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Setup {
    pub outlets: Vec<Outlet>,
    pub registers: Vec<Register>,
    /// Bumped whenever the catalog changes, so a register knows to reload it.
    pub catalog_version: i64,
}

/// One page of the catalog, ordered by product id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CatalogPage {
    pub products: Vec<Product>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// A sale as the server lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StoredSale {
    #[serde(flatten)]
    pub sale: Sale,
    /// When the server stored it (ms since epoch).
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = crate::limits::MAX_TIME_MS)))]
    pub received_at_ms: i64,
}

/// The JSON body of every 4xx/5xx answer: a stable code and an English sentence saying what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub error: String,
    pub message: String,
    /// For a push: which sale (by sequence) was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schemars(range(min = 0, max = u64::MAX)))]
    pub seq: Option<u64>,
    /// For a push: which sale (by id) was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_id: Option<String>,
}

/// What the register shows when a customer is attached to a sale (and keeps for offline use):
/// their account, loyalty and recent purchases, as the server's ledger has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CustomerSummary {
    pub customer: Customer,
    /// Credit limit and automatic discount (all zero when the customer has no account terms).
    pub account: CustomerAccount,
    /// Positive: store credit the customer holds; negative: what they owe on account.
    pub balance: Money,
    /// What a sale on account may still charge (`credit_limit + balance`, never below zero).
    pub available: Money,
    pub program: LoyaltyProgram,
    pub loyalty: LoyaltyBalance,
    /// "Récompense due": non-empty when a threshold is reached.
    pub rewards_due: Vec<RewardDue>,
    /// Purchase history, newest first (the last 20 sales).
    pub history: Vec<Sale>,
}
