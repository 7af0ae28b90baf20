//! The server's HTTP API, called in-process with `oneshot` on a real SQLite file.

mod access;
mod attacks;
mod auth;
mod customers;
mod helpers;
mod openapi;
mod paging;
mod push;
mod reads;
mod serials;
mod time_zones;
