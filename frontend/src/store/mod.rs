//! The register's durable state in IndexedDB. Values are JSON strings of `shared` types; keys are strings.
//!
//! Stores: `meta` (settings, this device's id and number, its one next sequence), `pulled` and
//! `pull_cursor` (the server's change log as pulled: catalog, stock, serials, customers, recent sales,
//! outlets and registers — see `pulled.rs`), `sales` (every sale made here,
//! by id), `outbox` (sales not yet acknowledged by the server, keyed by sale id: UUID v7 sorts by time),
//! `held` (sales the server holds for review, with the reason), `rejected` (sales the server refused as
//! not a sale: `sync_client::Refused`, kept for a manager, never deleted), `ops`, `op_outbox`, `held_ops`
//! (operations other than sales, the same way: see `ops.rs`), `cache` (staff and PIN failures).

mod device;
mod ops;
mod outbox;
mod pulled;
mod sales;

pub use device::Enrolled;
pub use pulled::{fail_next_cursor_write, worth_compacting, Loaded, PageOutcome, PullCursor, PULLED, PULL_CURSOR, STALE_PAGE};
pub use sales::NOT_INTRODUCED;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::rc::Rc;

pub const META: &str = "meta";
pub const SALES: &str = "sales";
pub const OUTBOX: &str = "outbox";
pub const REJECTED: &str = "rejected";
/// Sales the server acknowledged as held for review (`sync_client::HeldLocally`), by sale id.
pub const HELD: &str = "held";
/// Copies of server data kept for offline use (the outlet's staff and PIN verifiers, offline PIN
/// failures): apart from `meta` so that refreshing them never queues behind — or holds up — a sale's
/// transaction.
pub const CACHE: &str = "cache";
/// Every operation made here (payments, serials, stock adjustments, customers), by id.
pub const OPS: &str = "ops";
/// Operations not yet acknowledged by the server, by made time then id.
pub const OP_OUTBOX: &str = "op_outbox";
/// Operations the server holds for review (`sync_client::HeldOpLocally`), by id.
pub const HELD_OPS: &str = "held_ops";
/// Version 3's catalog copy, replaced by `pulled`: dropped at upgrade.
const OLD_CATALOG: &str = "catalog";

/// 3: devices (outbox by sale id, `held`) — the last released version. Two branches then both took 4:
/// one for operations (`ops`, `op_outbox`, `held_ops`), one for the pull (`pulled`, `pull_cursor`). 5 is
/// both: its upgrade creates whichever stores are missing, so a database at 3, or at either 4, arrives
/// with every store (an upgrade runs once per version jump, whatever the old version). Upgrades only add
/// stores, except version 3's `catalog`, a copy of the server's that the pull replaced: it is dropped.
/// Old data stays and is re-keyed when the device record is first made (see `device.rs`); unsent sales
/// and operations are never touched.
const VERSION: u32 = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(format!("IndexedDB: {e}"))
    }
}
impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError(format!("IndexedDB open: {e}"))
    }
}
impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(format!("stored data: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A handle on the register's database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    db: Rc<Database>,
}

impl Db {
    pub async fn open(name: &str) -> Result<Db> {
        let db = Database::open(name)
            .with_version(VERSION)
            .with_on_upgrade_needed(|_event, db| {
                for store in [META, SALES, OUTBOX, REJECTED, CACHE, HELD, OPS, OP_OUTBOX, HELD_OPS, PULLED, PULL_CURSOR] {
                    if !db.object_store_names().any(|n| n == store) {
                        db.create_object_store(store).build()?;
                    }
                }
                if db.object_store_names().any(|n| n == OLD_CATALOG) {
                    db.delete_object_store(OLD_CATALOG)?;
                }
                Ok(())
            })
            .await?;
        Ok(Db { db: Rc::new(db) })
    }

    pub(crate) fn raw(&self) -> &Database {
        &self.db
    }

    pub async fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.get_in(META, key).await
    }

    pub async fn set_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.set_in(META, key, value).await
    }

    pub async fn get_cache<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.get_in(CACHE, key).await
    }

    pub async fn set_cache<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.set_in(CACHE, key, value).await
    }

    async fn get_in<T: DeserializeOwned>(&self, store: &str, key: &str) -> Result<Option<T>> {
        let tx = self.db.transaction(store).build()?;
        let raw: Option<String> = tx.object_store(store)?.get(key).primitive()?.await?;
        raw.map(|s| serde_json::from_str(&s).map_err(StoreError::from)).transpose()
    }

    async fn set_in<T: Serialize>(&self, store: &str, key: &str, value: &T) -> Result<()> {
        let tx = self.db.transaction(store).with_mode(TransactionMode::Readwrite).build()?;
        tx.object_store(store)?.put(serde_json::to_string(value)?).with_key(key).primitive()?;
        tx.commit().await?;
        Ok(())
    }
}

