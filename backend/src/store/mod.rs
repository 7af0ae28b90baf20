//! The system of record. One implementation per database; SQLite is the default (a shop on one PC).
//! PostgreSQL arrives with the multi-instance issue as a second implementation of the same methods.

pub mod auth;
mod changes;
pub mod customers;
mod push;
mod reports;
mod serials;
pub mod sqlite;

pub use changes::{CursorAhead, DigestRefusal, MAX_DIGEST_SPAN};
pub use serials::{Conflict, SerialRefusal};
pub use sqlite::SqliteStore;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
