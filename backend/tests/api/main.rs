//! The server's HTTP API, called in-process with `oneshot` on a real SQLite file.

mod access;
mod attacks;
mod auth;
mod customers;
mod helpers;
mod openapi;
mod ops;
mod push;
mod reads;
mod serials;
mod time_zones;
