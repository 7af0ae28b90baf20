//! One screen per file.

pub mod customers;
pub mod enrol;
pub mod register;
pub mod sales;
pub mod serials;
pub mod sign_in;
