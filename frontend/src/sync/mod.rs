//! Talking to the server: the HTTP client and the outbox pusher.

pub mod api;
pub mod pusher;
