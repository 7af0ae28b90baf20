//! The JSON API under `/api/v1`, one module per area; `table` lists every route with its access rule.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod csv;
pub mod customers;
pub mod devices;
pub mod history;
pub mod inbox;
pub mod paging;
pub mod events;
pub mod orders_out;
pub mod products;
pub mod reports;
pub mod sales;
pub mod serials;
pub mod sync;
pub mod table;
