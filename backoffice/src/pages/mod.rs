//! One screen per file.

pub mod customers;
pub mod orders;
pub mod sales;
pub mod serials;
pub mod stores;
