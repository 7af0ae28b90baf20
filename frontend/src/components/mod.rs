//! Pieces of screens, one per file.

pub mod cart_table;
pub mod pay_dialog;
pub mod receipt;
pub mod status_bar;
pub mod totals_panel;
