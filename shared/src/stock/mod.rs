//! Stock: a ledger of signed movements per product and outlet, and the rules read from it —
//! low-stock quick keys, serial numbers, the stock published online, and where an online order is fulfilled.
//!
//! Everything here is pure: the register (wasm) and the server (native) run the same code on the same
//! movements and therefore reach the same figures.

pub mod allocation;
pub mod digest;
pub mod ledger;
pub mod low_stock;
pub mod online;
pub mod serials;

pub use allocation::{allocate, AllocationError, AllocationPlan, AllocationRequest, OrderLine, OutletStock};
pub use digest::{Digest, LedgerDigest};
pub use ledger::{Ledger, LedgerError, Movement, MovementReason, Recorded, StockLevel};
pub use low_stock::{quick_key_stock, QuickKeyStock};
pub use online::{online_stock, online_stock_updates, OnlineStockLevel, OnlineStockSettings};
pub use serials::{NotOnFileChoice, SerialCheck, SerialError, SerialNumber, SerialRegistry, SoldOn};
