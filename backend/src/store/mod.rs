//! The system of record: the [`Store`] trait (`database.rs`) and one implementation per database.
//! SQLite is the default (a shop on one PC); PostgreSQL (`postgres/`) serves several instances.

pub mod admin;
pub mod auth;
mod change_page;
mod changes;
pub mod customers;
mod database;
pub mod history;
pub mod inbox;
pub mod page;
mod ops;
pub mod products;
pub mod online_out;
pub(crate) mod online_in;
mod online_receipts;
pub mod postgres;
pub(crate) mod push;
mod reports;
mod serials;
pub mod sqlite;
mod sqlite_impl;

pub use database::Store;
pub use postgres::PgStore;
pub use changes::{CursorAhead, DigestRefusal, MAX_DIGEST_SPAN};
pub use serials::{Conflict, SerialFilter, SerialRefusal};
pub use sqlite::SqliteStore;

use std::sync::Arc;

/// Opens (creating and migrating it if needed) the database `url` names: `sqlite:…` or
/// `postgres:…` / `postgresql:…`.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    connect_with_key(url, || crate::secrets::load_key(url)).await
}

/// `connect` with the key that seals connected stores' credentials (`crate::secrets`), asked only once
/// the URL is known to be a database's.
pub async fn connect_with_key(url: &str, key: impl FnOnce() -> anyhow::Result<crate::secrets::SecretKey>) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect_with_key(url, key()?).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::connect_with_key(url, key()?).await?))
    } else {
        // Only the scheme is shown: the rest may hold a password.
        anyhow::bail!("DATABASE_URL must start with sqlite: or postgres: (got '{}:…')", url.split(':').next().unwrap_or(""))
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
