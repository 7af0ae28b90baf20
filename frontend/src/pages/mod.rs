//! One screen per file.

pub mod customers;
pub mod enrol;
pub mod orders;
pub mod register;
pub mod sales;
pub mod scanner_settings;
pub mod serials;
pub mod sign_in;
pub mod stores;
