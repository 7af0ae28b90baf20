//! Talking to the server: the HTTP client and the outbox pusher.

pub mod api;
pub mod export;
pub mod customers_api;
pub mod pusher;
pub mod serials_api;
