//! One screen per file.

pub mod catalog;
pub mod admin;
pub mod customer_form;
pub mod customers;
pub mod inbox;
pub mod inbox_item;
pub mod orders;
pub mod sales;
pub mod serials;
pub mod stores;
pub mod till_gate;
pub mod z_counts;
pub mod z_report;
