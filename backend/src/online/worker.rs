//! The platform worker: tells each connected store what it must hear, and never loses it.
//!
//! - **Statuses**: rows of `platform_outbox`, written by the transaction that made them owed (an order
//!   operation), are claimed when due (leased, their attempt counted: two instances never send one row
//!   at once), sent through the platform's bridge, then marked done; a 429 or 5xx waits per
//!   `shared::online::retry` (a larger `Retry-After` wins); a refusal (other 4xx) is marked failed and
//!   shown to managers (`GET /connections/{id}/outbox`). A crash between the call and its mark sends the
//!   call again after the lease: the idempotency key makes that harmless.
//! - **Stock**: the change log is the outbox. For each active connection, the products whose stock moved
//!   at one of its online outlets since `stock_pushed_version` get their online quantity recomputed
//!   (`shared::stock::online`: Σ max(level, 0)) and sent as absolute levels in one batch (the bridge
//!   splits it per the platform's limits), with a key derived from (connection, version range); the
//!   cursor moves only after the platform took it. A failure leaves the cursor: the next run sends the
//!   same range again (same key), with what moved since.
//!
//! `serve` runs [`spawn`]; tests call [`run_once`] with the time they choose.

use crate::bridges::{bridge_for, BridgeError, Connection, StockLevel};
use crate::store::online_out::{ConnectionRow, Outcome};
use crate::AppState;
use shared::online::retry;
use shared::stock::online::online_quantity;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::Duration;

/// How long a claimed call or stock push is ours before another run may take it (longer than any call).
pub const LEASE_MS: i64 = 120_000;
/// Status calls claimed per run.
pub const STATUS_BATCH: i64 = 50;
/// Products per stock batch (each bridge cuts it further to its platform's documented limit).
pub const STOCK_BATCH: i64 = 250;
/// Pause between runs of the spawned worker.
pub const PERIOD: Duration = Duration::from_secs(1);

/// What one run did (printed by tests, logged by the task).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub statuses_sent: usize,
    pub statuses_retried: usize,
    pub statuses_failed: usize,
    pub stock_batches_sent: usize,
    pub stock_levels_sent: usize,
    pub stock_batches_retried: usize,
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client with default TLS")
    })
}

fn connection(c: &ConnectionRow) -> Connection {
    Connection { id: c.id.clone(), base_url: c.base_url.clone(), credentials: c.credentials.clone() }
}

/// What to do after a failed call, from the error and the attempts made so far.
pub fn outcome_of(error: &BridgeError, attempts: u32, now_ms: i64) -> Outcome {
    let retry_after = match error {
        BridgeError::RateLimited { retry_after_ms } => *retry_after_ms,
        _ => None,
    };
    if error.is_retryable() {
        Outcome::Retry { at_ms: retry::next_attempt_at_ms(now_ms, attempts, retry_after), error: error.to_string() }
    } else {
        Outcome::Failed { error: error.to_string() }
    }
}

/// One pass: every due status call, then every connection's stock changes.
pub async fn run_once(state: &AppState, now_ms: i64) -> anyhow::Result<RunReport> {
    let mut report = RunReport::default();
    let connections: HashMap<String, ConnectionRow> = state.store.active_connections().await?.into_iter().map(|c| (c.id.clone(), c)).collect();
    send_statuses(state, &connections, now_ms, &mut report).await?;
    for c in connections.values() {
        push_stock(state, c, now_ms, &mut report).await?;
    }
    Ok(report)
}

async fn send_statuses(state: &AppState, connections: &HashMap<String, ConnectionRow>, now_ms: i64, report: &mut RunReport) -> anyhow::Result<()> {
    loop {
        let rows = state.store.claim_due_outbox(now_ms, now_ms.saturating_add(LEASE_MS), STATUS_BATCH).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            let outcome = match connections.get(&row.connection_id) {
                // An inactive (disconnected) store: the call waits, it is not dropped.
                None => Outcome::Retry { at_ms: retry::next_attempt_at_ms(now_ms, row.attempts, None), error: "the store is not connected".into() },
                Some(c) => match bridge_for(c.platform, http()).send_status(&connection(c), &row.update).await {
                    Ok(()) => Outcome::Done,
                    Err(e) => outcome_of(&e, row.attempts, now_ms),
                },
            };
            match &outcome {
                Outcome::Done => report.statuses_sent += 1,
                Outcome::Retry { error, .. } => {
                    tracing::info!(row = row.id, attempts = row.attempts, %error, "status call to retry");
                    report.statuses_retried += 1
                }
                Outcome::Failed { error } => {
                    tracing::warn!(row = row.id, %error, "status call refused by the platform");
                    report.statuses_failed += 1
                }
            }
            state.store.settle_outbox(row.id, &outcome, now_ms).await?;
        }
    }
}

/// Stock waits after a failed push: in memory per connection (a restart simply tries at once).
fn stock_backoff() -> &'static std::sync::Mutex<BTreeMap<String, (u32, i64)>> {
    static B: OnceLock<std::sync::Mutex<BTreeMap<String, (u32, i64)>>> = OnceLock::new();
    B.get_or_init(Default::default)
}

async fn push_stock(state: &AppState, c: &ConnectionRow, now_ms: i64, report: &mut RunReport) -> anyhow::Result<()> {
    let waiting = stock_backoff().lock().map(|b| b.get(&c.id).copied()).unwrap_or(None);
    if waiting.is_some_and(|(_, at)| at > now_ms) {
        return Ok(());
    }
    if !state.store.claim_stock_push(&c.id, now_ms, now_ms.saturating_add(LEASE_MS)).await? {
        return Ok(());
    }
    let mut since = state.store.active_connections().await?.into_iter().find(|x| x.id == c.id).map_or(c.stock_pushed_version, |x| x.stock_pushed_version);
    let outlets = c.online.outlet_ids().to_vec();
    let result: anyhow::Result<()> = async {
        loop {
            let touch = state.store.stock_touched_since(since, &outlets, STOCK_BATCH).await?;
            if touch.upto <= since {
                return Ok(());
            }
            let levels: Vec<StockLevel> = touch
                .products
                .iter()
                .map(|(_, sku, at)| StockLevel {
                    sku: sku.clone(),
                    external_product_id: None,
                    quantity: online_quantity(&c.online, |o| at.iter().find(|(outlet, _)| outlet == o).map_or(0, |(_, q)| *q)),
                })
                .collect();
            if !levels.is_empty() {
                let key = format!("stock:{}:{}-{}", c.id, since, touch.upto);
                if let Err(e) = bridge_for(c.platform, http()).send_stock(&connection(c), &levels, &key).await {
                    let attempts = waiting.map_or(0, |w| w.0).saturating_add(1);
                    let at = match outcome_of(&e, attempts, now_ms) {
                        Outcome::Retry { at_ms, .. } => at_ms,
                        // A refused batch is retried too, slowly: stock must reach the platform.
                        _ => retry::next_attempt_at_ms(now_ms, u32::MAX, None),
                    };
                    tracing::warn!(connection = %c.id, error = %e, attempts, "stock push failed; the same range is sent again later");
                    if let Ok(mut b) = stock_backoff().lock() {
                        b.insert(c.id.clone(), (attempts, at));
                    }
                    report.stock_batches_retried += 1;
                    state.store.finish_stock_push(&c.id, None).await?;
                    return Err(anyhow::anyhow!("__stock_failed"));
                }
                report.stock_batches_sent += 1;
                report.stock_levels_sent += levels.len();
            }
            state.store.finish_stock_push(&c.id, Some(touch.upto)).await?;
            if let Ok(mut b) = stock_backoff().lock() {
                b.remove(&c.id);
            }
            since = touch.upto;
            // Keep the lease for the next batch, if there is one.
            if !state.store.claim_stock_push(&c.id, now_ms, now_ms.saturating_add(LEASE_MS)).await? {
                return Ok(());
            }
        }
    }
    .await;
    match result {
        Ok(()) => state.store.finish_stock_push(&c.id, None).await,
        Err(e) if e.to_string() == "__stock_failed" => Ok(()),
        Err(e) => {
            state.store.finish_stock_push(&c.id, None).await?;
            Err(e)
        }
    }
}

/// The worker as a background task of `serve`: a run every [`PERIOD`], errors logged, never fatal.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_once(&state, crate::store::now_ms()).await {
                tracing::warn!("platform worker: {e:#}");
            }
            tokio::time::sleep(PERIOD).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_waits_at_least_what_the_platform_asks_and_a_refusal_fails_for_good() {
        let e = BridgeError::RateLimited { retry_after_ms: Some(7_000) };
        assert!(matches!(outcome_of(&e, 1, 1_000), Outcome::Retry { at_ms: 8_000, .. }));
        assert!(matches!(outcome_of(&BridgeError::Unavailable("503".into()), 2, 1_000), Outcome::Retry { at_ms: 6_000, .. }));
        assert!(matches!(outcome_of(&BridgeError::Refused { status: 404, body: String::new() }, 1, 0), Outcome::Failed { .. }));
    }
}
