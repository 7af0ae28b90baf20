//! Comptoir's domain: every business rule, once, with no I/O.
//! Builds for `wasm32-unknown-unknown` (the register) and native (the server), which both call it.

pub mod account;
pub mod apps;
pub mod auth;
pub mod barcode;
pub mod catalog;
pub mod fulfilment;
pub mod history;
pub mod inbox;
pub mod loyalty;
pub mod money;
pub mod online;
pub mod outlets;
pub mod report;
pub mod sale;
pub mod sales_history;
pub mod limits;
pub mod stock;
pub mod sync;
pub mod tax;

pub use money::Money;
