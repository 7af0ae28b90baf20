//! One screen per file.

pub mod customers;
pub mod register;
pub mod sales;
pub mod serials;
