//! Settings from the environment, with defaults that run a shop on one small PC.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `COMPTOIR_ADDR`, default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// `DATABASE_URL`, default `sqlite://data/comptoir.sqlite` (created and migrated on first start);
    /// `postgres://user@host/db` for PostgreSQL, where several instances may serve one shop.
    pub database_url: String,
    /// `COMPTOIR_DIST`: the built frontend, default `dist`.
    pub dist: PathBuf,
    /// `COMPTOIR_DEMO=0` starts with an empty shop and no account instead of the demo shop.
    pub demo: bool,
    /// `COMPTOIR_DEMO_EXTRA_PRODUCTS`: generated products added to the demo shop (benchmarks at scale).
    pub demo_extra_products: usize,
    /// `COMPTOIR_HOSTS`: the `host[:port]` names the server answers under, comma-separated. Unset: the
    /// loopback names (any port) and the bound address. Any other `Host` is refused (DNS rebinding).
    pub hosts: Option<Vec<String>>,
    /// `COMPTOIR_PUBLIC_URL`: the address people use (`https://…` makes session cookies `Secure`).
    pub public_url: Option<String>,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let addr = std::env::var("COMPTOIR_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let hosts = std::env::var("COMPTOIR_HOSTS").ok().map(|v| parse_hosts(&v)).filter(|h| !h.is_empty());
        Ok(Config {
            addr: addr.parse().map_err(|e| anyhow::anyhow!("COMPTOIR_ADDR={addr}: {e}"))?,
            database_url: database_url(),
            dist: std::env::var("COMPTOIR_DIST").unwrap_or_else(|_| "dist".into()).into(),
            demo: std::env::var("COMPTOIR_DEMO").map(|v| v != "0").unwrap_or(true),
            demo_extra_products: match std::env::var("COMPTOIR_DEMO_EXTRA_PRODUCTS") {
                Ok(v) => v.parse().map_err(|e| anyhow::anyhow!("COMPTOIR_DEMO_EXTRA_PRODUCTS={v}: {e}"))?,
                Err(_) => 0,
            },
            hosts,
            public_url: std::env::var("COMPTOIR_PUBLIC_URL").ok().filter(|u| !u.trim().is_empty()),
        })
    }

    /// Whether people reach the server over HTTPS (then cookies are `Secure`).
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://"))
    }
}

/// `DATABASE_URL`, default `sqlite://data/comptoir.sqlite`; `sqlite:…` or `postgres:…` picks the store.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://data/comptoir.sqlite".into())
}

/// `a.example, b.example:8443` → lower-cased names, blanks dropped.
pub fn parse_hosts(v: &str) -> Vec<String> {
    v.split(',').map(|h| h.trim().to_ascii_lowercase()).filter(|h| !h.is_empty()).collect()
}
