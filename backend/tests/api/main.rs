//! The server's HTTP API, called in-process with `oneshot` on a real SQLite file.

mod access;
mod attacks;
mod auth;
mod changes;
mod customers;
mod events;
mod helpers;
mod openapi;
mod push;
mod reads;
mod serials;
mod time_zones;
