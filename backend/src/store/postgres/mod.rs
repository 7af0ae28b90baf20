//! PostgreSQL store: several `comptoir` processes on one database. Same methods and behaviour as the
//! SQLite store (one module per concern, mirroring `store/*.rs`), with its own migrations
//! (`migrations/postgres`).
//!
//! Concurrency across processes: SQLite serialises writers with one file lock and an in-process
//! queue; here each write is a READ COMMITTED transaction that first takes transaction-scoped
//! advisory locks on what its decision reads ([`Lock`]: the pushed sale's id and device key, its
//! customer, the sales it returns, the products whose serials it touches, a lock-out key, …), always
//! in one global order so two transactions never wait on each other in a cycle. After the locks every
//! read sees what the previous holder committed. Unique constraints stay the last line; a transaction
//! that fails with a serialization failure, a deadlock (row locks taken by inserts into the same unique
//! index) or a unique violation from a race is run again from the start ([`PgStore::transaction`]).
//!
//! Live notifications across instances: the change log's triggers `pg_notify('comptoir_changes',
//! version)` in the writing transaction (delivered at commit), and [`PgStore::watch_changes`] `LISTEN`s
//! on a connection of its own and feeds the server's `Notifier`.

mod admin;
mod auth;
mod changes;
mod customers;
mod history;
mod inbox;
mod ops;
mod products;
mod online_out;
pub(crate) mod online_in;
mod online_receipts;
mod push;
mod reports;
mod serials;
mod shop;
mod store_impl;

use crate::notifier::Notifier;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::BTreeSet;
use std::str::FromStr;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Seals connected stores' credentials (`crate::secrets`); the same on every instance.
    secrets: crate::secrets::SecretKey,
}

/// What a write locks before it reads (`pg_advisory_xact_lock(class, hashtext(key))`). The class keeps
/// kinds apart; a hash collision inside a class only serialises two writes that need not be.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lock {
    /// A pushed sale's id.
    Sale(String),
    /// A pushed sale's key: (device, sequence).
    DeviceKey(String, u64),
    /// A customer's account and loyalty (balance checks, payments).
    Customer(String),
    /// A sale whose items a return brings back (refund checks).
    Original(String),
    /// A product's serial numbers.
    Serials(String),
    /// A lock-out key (`email:…`, `pin:…`, `code:…`).
    Attempts(String),
    /// Device enrolment (codes, numbers): rare, one at a time shop-wide.
    Enrolment,
    /// A staff e-mail being given.
    StaffEmail(String),
    /// Loading the shop into an empty database.
    Shop,
    /// A pushed operation's id.
    Op(String),
    /// A platform order: (connection id, external id). Two deliveries of one order are decided one
    /// after the other, whatever their delivery keys.
    OnlineOrder(String, String),
    /// An inbox item being resolved (`shared::inbox::ItemId` as text).
    InboxItem(String),
    /// The catalog's unique SKUs and barcodes (a product created or edited, an import).
    Catalog,
    /// Administration: the outlets' allocation order, register codes, the count of active
    /// administrators (issue 12 item 7).
    Admin,
}

impl Lock {
    fn class_and_key(&self) -> (i32, String) {
        match self {
            Lock::Sale(id) => (1, id.clone()),
            Lock::DeviceKey(d, seq) => (2, format!("{d}\u{1f}{seq}")),
            Lock::Customer(id) => (3, id.clone()),
            Lock::Original(id) => (4, id.clone()),
            Lock::Serials(p) => (5, p.clone()),
            Lock::Attempts(k) => (6, k.clone()),
            Lock::Enrolment => (7, String::new()),
            Lock::StaffEmail(e) => (8, e.clone()),
            Lock::Shop => (9, String::new()),
            Lock::Op(id) => (10, id.clone()),
            Lock::OnlineOrder(c, e) => (11, format!("{c}\u{1f}{e}")),
            Lock::InboxItem(id) => (12, id.clone()),
            Lock::Catalog => (13, String::new()),
            Lock::Admin => (16, String::new()),
        }
    }
}

/// Takes `locks` for the rest of the transaction, each once, in one global order (no deadlock
/// between two writes that both take advisory locks).
pub(crate) async fn lock(tx: &mut Transaction<'_, Postgres>, locks: impl IntoIterator<Item = Lock>) -> anyhow::Result<()> {
    let ordered: BTreeSet<(i32, String)> = locks.into_iter().map(|l| l.class_and_key()).collect();
    for (class, key) in ordered {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))").bind(class).bind(key).execute(&mut **tx).await?;
    }
    Ok(())
}

/// How many times a write is tried when it races another (see the module doc).
const ATTEMPTS: u32 = 20;

/// A failure that running the transaction again can cure: serialization failure, deadlock, or a
/// unique violation (another instance inserted the same row between our read and our write).
pub(crate) fn retryable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<sqlx::Error>().and_then(|e| e.as_database_error()).and_then(|d| d.code()).is_some_and(|code| matches!(code.as_ref(), "40001" | "40P01" | "23505"))
    })
}

/// Runs `$body` in a transaction on `$store`'s pool, with `$tx: &mut Transaction`, and commits; runs
/// it again (a fresh transaction, after a short pause) when it fails in a way a retry cures. A body
/// that refuses returns before writing anything, so committing it changes nothing.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:block) => {{
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut tx = $store.pool.begin().await?;
            let result: anyhow::Result<_> = async {
                let $tx = &mut tx;
                $body
            }
            .await;
            let result = match result {
                Ok(value) => tx.commit().await.map(|()| value).map_err(anyhow::Error::from),
                Err(e) => Err(e),
            };
            match result {
                Err(e) if attempt < $crate::store::postgres::ATTEMPTS && $crate::store::postgres::retryable(&e) => {
                    tracing::debug!(attempt, error = %e, "transaction raced another; running it again");
                    $crate::store::postgres::pause(attempt).await;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use transaction;

/// A short, growing, jittered pause before a retry, so two racing writers do not meet again at once.
pub(crate) async fn pause(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6));
    let jitter = rand::random_range(0..=base);
    tokio::time::sleep(std::time::Duration::from_millis(base + jitter)).await;
}

impl PgStore {
    /// Creates the database if it is missing, connects and migrates (the migrator takes its own
    /// advisory lock: several instances starting at once migrate once).
    pub async fn connect(url: &str) -> anyhow::Result<PgStore> {
        Self::connect_with_key(url, crate::secrets::load_key(url)?).await
    }

    /// `connect` with the key that seals credentials; refuses a key other than the database's.
    pub async fn connect_with_key(url: &str, secrets: crate::secrets::SecretKey) -> anyhow::Result<PgStore> {
        use sqlx::migrate::MigrateDatabase;
        // Asking needs the server's maintenance database; a user who may not see it connects to an
        // existing database as before. Another instance may create it at the same moment: what
        // matters is that it exists.
        if let Ok(false) = Postgres::database_exists(url).await {
            if let Err(e) = Postgres::create_database(url).await {
                if !Postgres::database_exists(url).await.unwrap_or(false) {
                    return Err(e.into());
                }
            }
        }
        let options = PgConnectOptions::from_str(url)?;
        let max = std::env::var("COMPTOIR_PG_POOL").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
        let pool = PgPoolOptions::new().max_connections(max).connect_with(options).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let store = PgStore { pool, secrets };
        customers::fill_customer_figures(&store).await?;
        store.seal_credentials().await?;
        Ok(store)
    }

    pub(crate) fn secrets(&self) -> &crate::secrets::SecretKey {
        &self.secrets
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Feeds `notifier` with the versions any instance commits: a task `LISTEN`s on
    /// `comptoir_changes` (the change log's `pg_notify`), and after (re)connecting publishes the head,
    /// so a notification missed while the connection was down is caught up. Runs until the pool closes.
    pub fn watch_changes(&self, notifier: Notifier) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            while !pool.is_closed() {
                if let Err(e) = listen(&pool, &notifier).await {
                    tracing::warn!("listening for changes: {e:#}; reconnecting");
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        });
    }
}

async fn listen(pool: &PgPool, notifier: &Notifier) -> anyhow::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    // The pool closing (the server stopping) ends the wait with an error, and the task with it.
    listener.ignore_pool_close_event(false);
    listener.listen("comptoir_changes").await?;
    let head: i64 = sqlx::query_scalar("SELECT version FROM change_counter WHERE id = 1").fetch_one(pool).await?;
    notifier.publish(u64::try_from(head)?);
    loop {
        // `None`: the connection was lost. Reconnect through the caller, which publishes the head
        // again (what was committed meanwhile was not notified to us).
        let Some(n) = listener.try_recv().await? else {
            anyhow::bail!("the listening connection was closed");
        };
        match n.payload().parse::<u64>() {
            Ok(v) => notifier.publish(v),
            Err(_) => tracing::warn!(payload = n.payload(), "a change notification that is not a version"),
        }
    }
}

/// `Option<&[String]>` as a bindable array (`$n::text[] IS NULL OR x = ANY($n)`).
pub(crate) fn text_array(outlets: Option<&[String]>) -> Option<Vec<String>> {
    outlets.map(<[String]>::to_vec)
}

/// A u32 field stored as BIGINT.
pub(crate) fn u32_of(v: i64) -> anyhow::Result<u32> {
    Ok(u32::try_from(v)?)
}

/// Sets a `meta` value (insert or replace).
pub(crate) async fn set_meta(tx: &mut Transaction<'_, Postgres>, key: &str, value: &str) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        .bind(key)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
