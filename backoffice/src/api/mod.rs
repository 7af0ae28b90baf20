//! The back-office pages' own calls to the server (the shared client is `frontend::sync`).

pub mod admin_api;
pub mod customers_api;
pub mod products_api;
pub mod history_api;
pub mod inbox_api;
pub mod reports_api;
pub mod serials_api;
