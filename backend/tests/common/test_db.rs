//! A fresh database per test, on the database the run is for: `COMPTOIR_TEST_DATABASE=postgres` puts
//! each test in a database of its own on the machine's PostgreSQL (`COMPTOIR_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends; otherwise (`sqlite`,
//! the default) a SQLite file in a temporary folder. Tests look into it (counts, a row changed by hand)
//! with `inspect`, in SQL both databases read alike.

#![allow(dead_code)] // each test binary uses a part of it

use std::sync::atomic::{AtomicU32, Ordering};

/// Which database the tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub fn kind() -> Kind {
    match std::env::var("COMPTOIR_TEST_DATABASE").as_deref() {
        Ok("postgres") | Ok("postgresql") | Ok("pg") => Kind::Postgres,
        Ok("sqlite") | Ok("") | Err(_) => Kind::Sqlite,
        Ok(other) => panic!("COMPTOIR_TEST_DATABASE={other}: sqlite or postgres"),
    }
}

/// The server PostgreSQL test databases are made on (its maintenance database).
pub fn pg_admin_url() -> String {
    std::env::var("COMPTOIR_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Test databases are named `comptoir_test_<pid>_<n>`: a run that was killed leaves some behind, and
/// the next run drops those whose process is gone.
const PREFIX: &str = "comptoir_test_";

pub struct TestDb {
    pub url: String,
    pub kind: Kind,
    /// The SQLite file's folder (also handy as an empty folder for a test).
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    /// A new, empty database (on PostgreSQL already migrated, copied from this process's template).
    pub async fn new() -> TestDb {
        Self::of(kind()).await
    }

    pub async fn of(kind: Kind) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match kind {
            Kind::Sqlite => TestDb { url: format!("sqlite://{}", dir.path().join("test.sqlite").display()), kind, dir, pg_name: None },
            Kind::Postgres => {
                static N: AtomicU32 = AtomicU32::new(0);
                let name = format!("{PREFIX}{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
                pg_create(&name, Some(migrated_template().await)).await;
                TestDb { url: pg_url(&name), kind, dir, pg_name: Some(name) }
            }
        }
    }

    /// A copy of `self` (a database that nothing is connected to any more): SQLite copies the file,
    /// PostgreSQL makes a database with `self` as its template.
    pub async fn copy(&self) -> TestDb {
        match &self.pg_name {
            None => {
                let copy = Self::of(Kind::Sqlite).await;
                std::fs::copy(self.url.strip_prefix("sqlite://").unwrap(), copy.url.strip_prefix("sqlite://").unwrap()).unwrap();
                copy
            }
            Some(template) => {
                static N: AtomicU32 = AtomicU32::new(0);
                let name = format!("{PREFIX}{}_copy_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
                pg_create(&name, Some(template)).await;
                TestDb { url: pg_url(&name), kind: Kind::Postgres, dir: tempfile::tempdir().unwrap(), pg_name: Some(name) }
            }
        }
    }

    /// A connection pool to look into the database with plain SQL (no `?` placeholders: values inline).
    pub async fn inspect(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::pool::PoolOptions::new().max_connections(2).connect(&self.url).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs inside the test's runtime, which cannot be blocked on: drop the database from a
        // thread of its own, with a runtime of its own, and wait for it.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                if let Ok(mut admin) = admin_conn().await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await;
                }
            })
        })
        .join();
    }
}

fn pg_url(name: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

async fn admin_conn() -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&pg_admin_url()).await
}

/// A database migrated once per test process, that each test's database copies: migrating a fresh
/// PostgreSQL database costs a second, copying a template a fraction of it.
async fn migrated_template() -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("{PREFIX}{}_template", std::process::id());
            pg_create(&name, None).await;
            let store = backend::store::connect(&pg_url(&name)).await.unwrap();
            store.close().await;
            name
        })
        .await
}

async fn pg_create(name: &str, template: Option<&str>) {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let mut admin = admin_conn()
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is not reachable ({e}); scripts/setup --test installs and starts it", pg_admin_url()));
    SWEPT.get_or_init(sweep).await;
    let sql = match template {
        None => format!("CREATE DATABASE \"{name}\""),
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
    };
    // The names are made here (prefix, pid, counter): nothing outside goes into the statement. A
    // template just closed may still show its last connections for a moment ("being accessed").
    for attempt in 1.. {
        match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut admin).await {
            Ok(_) => break,
            Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(e) => panic!("{sql}: {e}"),
        }
    }
}

/// Drops the test databases of runs whose process is gone.
async fn sweep() {
    let Ok(mut admin) = admin_conn().await else { return };
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'comptoir\\_test\\_%'")
        .fetch_all(&mut admin)
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await;
        }
    }
}
