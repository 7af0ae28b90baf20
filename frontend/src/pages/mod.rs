//! One screen per file.

pub mod register;
pub mod sales;
