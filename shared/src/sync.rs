//! The wire format between registers and the server (`/api/v1`). Versioned by the route prefix.

use crate::account::CustomerAccount;
use crate::catalog::{Customer, Outlet, Product, Register};
use crate::loyalty::{LoyaltyBalance, LoyaltyProgram, RewardDue};
use crate::money::Money;
use crate::sale::Sale;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A batch of completed sales from one register's outbox, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub register_id: String,
    pub sales: Vec<Sale>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushStatus {
    /// Stored now.
    Stored,
    /// Already stored by an earlier push (same register and sequence): nothing written again.
    Duplicate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub seq: u64,
    pub status: PushStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

/// Everything a register needs to start selling, except the catalog (paged separately).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    pub outlets: Vec<Outlet>,
    pub registers: Vec<Register>,
    /// Bumped whenever the catalog changes, so a register knows to reload it.
    pub catalog_version: i64,
    /// Per register id: the sequence after the highest one the server holds. A browser that takes
    /// over a register starts there, so it never reuses a number another browser already pushed.
    #[serde(default)]
    pub next_seq: BTreeMap<String, u64>,
}

/// One page of the catalog, ordered by product id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    pub products: Vec<Product>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// A sale as the server lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSale {
    #[serde(flatten)]
    pub sale: Sale,
    /// When the server stored it (ms since epoch).
    pub received_at_ms: i64,
}

/// The JSON body of every 4xx/5xx answer: a stable code and an English sentence saying what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub message: String,
    /// For a push: which sale (by sequence) was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// What the register shows when a customer is attached to a sale (and keeps for offline use):
/// their account, loyalty and recent purchases, as the server's ledger has them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
