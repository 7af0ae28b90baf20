//! Talking to the server: the HTTP client and the outbox pusher.

pub mod api;
pub mod auth_api;
pub mod customers_api;
pub mod export;
pub mod http;
pub mod pusher;
pub mod serials_api;
