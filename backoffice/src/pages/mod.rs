//! One screen per file.

pub mod admin;
pub mod customers;
pub mod orders;
pub mod sales;
pub mod serials;
pub mod stores;
