//! Settings from the environment, with defaults that run a shop on one small PC.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    /// `COMPTOIR_ADDR`, default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// `DATABASE_URL`, default `sqlite://data/comptoir.sqlite` (created and migrated on first start).
    pub database_url: String,
    /// `COMPTOIR_DIST`: the built frontend, default `dist`.
    pub dist: PathBuf,
    /// `COMPTOIR_DEMO=0` starts with an empty catalog instead of the demo shop.
    pub demo: bool,
    /// `COMPTOIR_DEMO_EXTRA_PRODUCTS`: generated products added to the demo shop (benchmarks at scale).
    pub demo_extra_products: usize,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let addr = std::env::var("COMPTOIR_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        Ok(Config {
            addr: addr.parse().map_err(|e| anyhow::anyhow!("COMPTOIR_ADDR={addr}: {e}"))?,
            database_url: std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://data/comptoir.sqlite".into()),
            dist: std::env::var("COMPTOIR_DIST").unwrap_or_else(|_| "dist".into()).into(),
            demo: std::env::var("COMPTOIR_DEMO").map(|v| v != "0").unwrap_or(true),
            demo_extra_products: match std::env::var("COMPTOIR_DEMO_EXTRA_PRODUCTS") {
                Ok(v) => v.parse().map_err(|e| anyhow::anyhow!("COMPTOIR_DEMO_EXTRA_PRODUCTS={v}: {e}"))?,
                Err(_) => 0,
            },
        })
    }
}
