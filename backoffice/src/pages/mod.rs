//! One screen per file.

pub mod catalog;
pub mod customers;
pub mod orders;
pub mod sales;
pub mod serials;
pub mod stores;
