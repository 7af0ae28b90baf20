//! Comptoir's domain: every business rule, once, with no I/O.
//! Builds for `wasm32-unknown-unknown` (the register) and native (the server), which both call it.

pub mod barcode;
pub mod catalog;
pub mod money;
pub mod sale;
pub mod sync;
pub mod tax;

pub use money::Money;
