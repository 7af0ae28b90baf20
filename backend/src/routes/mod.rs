//! The JSON API under `/api/v1`, one module per area.

pub mod catalog;
pub mod sales;
pub mod sync;
