//! The JSON API under `/api/v1`, one module per area.

pub mod catalog;
pub mod customers;
pub mod reports;
pub mod sales;
pub mod serials;
pub mod sync;
