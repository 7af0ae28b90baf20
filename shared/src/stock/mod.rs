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
pub mod serial_history;
pub mod serials;

pub use allocation::{
    allocate, allocate_with_budget, AllocationError, AllocationPlan, AllocationRequest, Assignment, Backorder,
    OrderLine, OutletStock, PlanCost,
};
pub use digest::{levels_digest, Digest, LedgerDigest};
pub use ledger::{
    movements_for_lines, movements_for_sale, transfer, Ledger, LedgerError, Movement, MovementReason, Recorded,
    StockLevel,
};
pub use low_stock::{quick_key_for, quick_key_stock, QuickKeyStock};
pub use online::{online_stock, online_stock_updates, OnlineStockLevel, OnlineStockSettings};
pub use serial_history::{history_outlet, SerialEvent, SerialEventKind};
pub use serials::{
    parse_serial_list, NotOnFileChoice, ReturnedOn, ReturnedSerial, SerialCheck, SerialError, SerialNumber,
    SerialRegistry, SoldOn, SyncedSerial,
};
