//! Talking to the server: the HTTP client, the outbox pusher, the change-log puller and the live stream.

pub mod api;
pub mod auth_api;
pub mod events;
pub mod export;
pub mod http;
pub mod puller;
pub mod pusher;
