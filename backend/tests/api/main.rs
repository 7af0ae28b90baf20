//! The server's HTTP API, called in-process with `oneshot` on a real database: a SQLite file, or with
//! `COMPTOIR_TEST_DATABASE=postgres` a PostgreSQL database of its own per test.

mod access;
mod admin;
mod attacks;
mod auth;
mod changes;
mod connections;
mod csv_io;
mod customer_edit;
mod customers;
mod events;
#[path = "../fakes/mod.rs"]
mod fakes;
mod helpers;
mod history;
mod inbox;
mod openapi;
mod paging;
mod products;
mod ops;
mod online_intake;
mod online_orders;
mod online_lifecycle;
mod orders_out;
mod orders_out_worker;
mod orders_page;
mod push;
mod reads;
mod serials;
#[path = "../common/test_db.rs"]
mod test_db;
mod time_zones;
