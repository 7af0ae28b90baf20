//! The platform worker: tells each connected store what it must hear, and never loses it.
//!
//! - **Statuses**: rows of `platform_outbox`, written by the transaction that made them owed (an order
//!   operation), are claimed when due (leased to a random token, their attempt counted: two instances
//!   never send one row at once), sent through the platform's bridge, then settled — done; to retry
//!   after a 429 or 5xx per `shared::online::retry` (a larger `Retry-After` wins); or failed, when the
//!   platform refused it (other 4xx), shown to managers (`GET /connections/{id}/outbox`) until one sends
//!   it again (`POST …/outbox/{call}/retry`, or `…/outbox/retry` for all). A crash between the call and
//!   its settle sends the call again after the lease: the idempotency key makes that harmless.
//! - **Stock**: the change log is the outbox. For each active connection, the products whose stock moved
//!   at one of its online outlets since `stock_pushed_version` get their online quantity recomputed
//!   (`shared::stock::online`: Σ max(level, 0)) and sent as absolute levels, a batch at a time (the
//!   bridge splits it per the platform's limits), with a key derived from (connection, version range);
//!   the cursor moves only after the platform took the batch. A level the platform refused inside a batch
//!   it otherwise took (WooCommerce's per-item errors) is recorded in the same transaction that moves
//!   the cursor, shown to managers, and sent again when the cursor next moves or a manager asks. A failed
//!   push leaves the cursor and waits its back-off (kept in the database: every instance waits the same).
//! - **Leases**: a claim writes a token; every settle, cursor move and release is conditional on it, so a
//!   run whose lease expired (a long batch, a paused process) cannot overwrite the state written by the
//!   run that took over — it logs and stops. While a call is in flight the lease is renewed every quarter
//!   lease (a heartbeat), and between calls; each HTTP request is bounded (`bridges::http_calls::TIMEOUT`)
//!   and a status call as a whole by [`STATUS_CALL_BUDGET`], both well below the lease.
//!
//! `serve` runs [`spawn`]; tests call [`run_once`] (or [`run_with`]) with the time they choose.

use crate::bridges::{bridge_for, Bridge, BridgeError, Connection, StockLevel};
use crate::store::online_out::{ConnectionRow, Outcome, RefusedLevel, TouchedProduct};
use crate::AppState;
use shared::fulfilment::Platform;
use shared::online::retry;
use shared::stock::online::online_quantity;
use std::collections::HashMap;
use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a claimed call or stock push is ours without a renewal before another run may take it.
pub const LEASE_MS: i64 = 120_000;
/// Status calls claimed per run.
pub const STATUS_BATCH: i64 = 50;
/// Products per stock batch (each bridge cuts it further to its platform's documented limit).
pub const STOCK_BATCH: i64 = 250;
/// The longest one status call may take, all its requests together (then it is retried like a 5xx).
pub const STATUS_CALL_BUDGET: Duration = Duration::from_secs(60);
/// Pause between runs of the spawned worker.
pub const PERIOD: Duration = Duration::from_secs(1);

/// The worker's sizes (tests shorten the lease to watch a long batch outlive it).
#[derive(Clone, Debug)]
pub struct Settings {
    pub lease_ms: i64,
    pub status_batch: i64,
    pub stock_batch: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { lease_ms: LEASE_MS, status_batch: STATUS_BATCH, stock_batch: STOCK_BATCH }
    }
}

/// What one run did (printed by tests, logged by the task).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    pub statuses_sent: usize,
    pub statuses_retried: usize,
    pub statuses_failed: usize,
    pub stock_batches_sent: usize,
    pub stock_levels_sent: usize,
    pub stock_batches_retried: usize,
    /// Levels the platform refused one by one (recorded for managers).
    pub stock_levels_refused: usize,
    /// Calls or pushes another run took over while this one held them (nothing recorded by this one).
    pub leases_lost: usize,
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

/// One bridge per platform for the process: what a bridge learns (WooCommerce and Shopify SKU → product
/// ids, Ecwid's progress through a batch) serves every run, instead of being looked up again each time.
fn bridge(platform: Platform) -> &'static dyn Bridge {
    static BRIDGES: OnceLock<HashMap<Platform, Box<dyn Bridge>>> = OnceLock::new();
    let all = BRIDGES.get_or_init(|| {
        [Platform::Shopify, Platform::WooCommerce, Platform::BigCommerce, Platform::LightspeedEcom].into_iter().map(|p| (p, bridge_for(p, http()))).collect()
    });
    all[&platform].as_ref()
}

fn connection(c: &ConnectionRow) -> Connection {
    Connection { id: c.id.clone(), base_url: c.base_url.clone(), credentials: c.credentials.clone() }
}

/// A fresh lease token.
fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The run's time: the time it was given, moving on with the real clock (leases are renewed from it;
/// retry times are computed from the time given, so tests see the schedule they expect).
struct Clock {
    start_ms: i64,
    started: Instant,
}

impl Clock {
    fn new(start_ms: i64) -> Clock {
        Clock { start_ms, started: Instant::now() }
    }
    fn now(&self) -> i64 {
        self.start_ms.saturating_add(i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX))
    }
}

/// What a run holds while a call is in flight.
enum Lease<'a> {
    /// One status call, claimed with the run's token.
    Call { token: &'a str, id: i64 },
    Stock { connection_id: &'a str, token: &'a str },
}

impl Lease<'_> {
    async fn renew(&self, state: &AppState, until_ms: i64) -> anyhow::Result<bool> {
        match self {
            Lease::Call { token, id } => Ok(state.store.renew_outbox(token, until_ms).await?.contains(id)),
            Lease::Stock { connection_id, token } => state.store.renew_stock_push(connection_id, token, until_ms).await,
        }
    }
}

/// Runs `work` while renewing `lease` every quarter lease: its output, or `None` when another run took
/// the lease over (the work is dropped then: an in-flight request is abandoned).
async fn holding<T>(state: &AppState, lease: Lease<'_>, clock: &Clock, s: &Settings, work: impl Future<Output = T>) -> Option<T> {
    let every = Duration::from_millis(u64::try_from(s.lease_ms / 4).unwrap_or(1).max(1));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return Some(out),
            _ = tick.tick() => match lease.renew(state, clock.now().saturating_add(s.lease_ms)).await {
                Ok(true) => {}
                Ok(false) => return None,
                // The database did not answer: keep going; the conditional settle tells whether it held.
                Err(e) => tracing::warn!("renewing a platform worker lease: {e:#}"),
            },
        }
    }
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
    run_with(state, now_ms, &Settings::default()).await
}

/// [`run_once`] with other sizes.
pub async fn run_with(state: &AppState, now_ms: i64, s: &Settings) -> anyhow::Result<RunReport> {
    let clock = Clock::new(now_ms);
    let mut report = RunReport::default();
    let connections: HashMap<String, ConnectionRow> = state.store.active_connections().await?.into_iter().map(|c| (c.id.clone(), c)).collect();
    send_statuses(state, &connections, now_ms, &clock, s, &mut report).await?;
    let mut ids: Vec<&String> = connections.keys().collect();
    ids.sort();
    for id in ids {
        push_stock(state, &connections[id], now_ms, &clock, s, &mut report).await?;
    }
    Ok(report)
}

async fn send_statuses(
    state: &AppState,
    connections: &HashMap<String, ConnectionRow>,
    now_ms: i64,
    clock: &Clock,
    s: &Settings,
    report: &mut RunReport,
) -> anyhow::Result<()> {
    loop {
        let token = new_token();
        let rows = state.store.claim_due_outbox(now_ms, clock.now().saturating_add(s.lease_ms), s.status_batch, &token).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for row in rows {
            // Between calls: the calls still ours (the ones before may have taken longer than the lease).
            let held = state.store.renew_outbox(&token, clock.now().saturating_add(s.lease_ms)).await?;
            if !held.contains(&row.id) {
                tracing::warn!(row = row.id, "status call taken over by another run before it was sent");
                report.leases_lost += 1;
                continue;
            }
            let outcome = match connections.get(&row.connection_id) {
                // An inactive (disconnected) store: the call waits, it is not dropped.
                None => Outcome::Retry { at_ms: retry::next_attempt_at_ms(now_ms, row.attempts, None), error: "the store is not connected".into() },
                Some(c) => {
                    let conn = connection(c);
                    let call = tokio::time::timeout(STATUS_CALL_BUDGET, bridge(c.platform).send_status(&conn, &row.update));
                    match holding(state, Lease::Call { token: &token, id: row.id }, clock, s, call).await {
                        None => {
                            tracing::warn!(row = row.id, "status call taken over by another run while in flight");
                            report.leases_lost += 1;
                            continue;
                        }
                        Some(Err(_)) => outcome_of(&BridgeError::Unavailable(format!("no answer within {STATUS_CALL_BUDGET:?}")), row.attempts, now_ms),
                        Some(Ok(Ok(()))) => Outcome::Done,
                        Some(Ok(Err(e))) => outcome_of(&e, row.attempts, now_ms),
                    }
                }
            };
            if !state.store.settle_outbox(row.id, &token, &outcome, now_ms).await? {
                // Another run took it over after our call: its outcome is the one kept.
                tracing::warn!(row = row.id, "status call taken over by another run; this run's outcome is dropped");
                report.leases_lost += 1;
                continue;
            }
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
        }
    }
}

/// How a stock push ended.
enum Pushed {
    Done,
    Failed,
    Lost,
}

async fn push_stock(state: &AppState, c: &ConnectionRow, now_ms: i64, clock: &Clock, s: &Settings, report: &mut RunReport) -> anyhow::Result<()> {
    let token = new_token();
    let Some(lease) = state.store.claim_stock_push(&c.id, now_ms, clock.now().saturating_add(s.lease_ms), &token).await? else {
        return Ok(());
    };
    let result = push_batches(state, c, lease.since, lease.attempts, &token, now_ms, clock, s, report).await;
    match result {
        Ok(Pushed::Done) => state.store.release_stock_push(&c.id, &token).await,
        Ok(Pushed::Failed) => Ok(()),
        Ok(Pushed::Lost) => {
            tracing::warn!(connection = %c.id, "stock push taken over by another run; this one stops");
            report.leases_lost += 1;
            Ok(())
        }
        Err(e) => {
            state.store.release_stock_push(&c.id, &token).await.ok();
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn push_batches(
    state: &AppState,
    c: &ConnectionRow,
    mut since: i64,
    attempts: u32,
    token: &str,
    now_ms: i64,
    clock: &Clock,
    s: &Settings,
    report: &mut RunReport,
) -> anyhow::Result<Pushed> {
    // Products touched at the online outlets, and at those that left since the push last reached the
    // head; each is published as the sum over the online outlets only.
    let mut outlets = c.online.outlet_ids().to_vec();
    outlets.extend(c.repush_outlets.iter().filter(|o| !c.online.includes(o)).cloned());
    let mut first = true;
    loop {
        let touch = state.store.stock_touched_since(since, &outlets, s.stock_batch).await?;
        let moves = touch.upto > since;
        // Levels refused before go again with the first batch of a push that moves the cursor; without
        // a move, only those a manager asked for.
        let again = if first { state.store.refused_stock(&c.id, &outlets, !moves, s.stock_batch).await? } else { Vec::new() };
        first = false;
        if !moves && again.is_empty() {
            return Ok(Pushed::Done);
        }
        let mut products: Vec<TouchedProduct> = touch.products;
        for p in again {
            if !products.iter().any(|x| x.0 == p.0) {
                products.push(p);
            }
        }
        let levels: Vec<StockLevel> = products
            .iter()
            .map(|(_, sku, at)| StockLevel {
                sku: sku.clone(),
                external_product_id: None,
                quantity: online_quantity(&c.online, |o| at.iter().find(|(outlet, _)| outlet == o).map_or(0, |(_, q)| *q)),
            })
            .collect();
        let mut refused = Vec::new();
        if !levels.is_empty() {
            // A range's key is reused when it is sent again after a failure; levels a manager asked to
            // send again without any stock movement get a key of their own (Shopify would take a reused
            // key for a repeat and apply nothing).
            let key = if moves { format!("stock:{}:{}-{}", c.id, since, touch.upto) } else { format!("stock:{}:{}:again:{}", c.id, since, now_ms) };
            let conn = connection(c);
            let call = bridge(c.platform).send_stock(&conn, &levels, &key);
            match holding(state, Lease::Stock { connection_id: &c.id, token }, clock, s, call).await {
                None => return Ok(Pushed::Lost),
                Some(Err(e)) => {
                    let attempts = attempts.saturating_add(1);
                    let at = match outcome_of(&e, attempts, now_ms) {
                        Outcome::Retry { at_ms, .. } => at_ms,
                        // A refused batch is retried too, slowly: stock must reach the platform.
                        _ => retry::next_attempt_at_ms(now_ms, u32::MAX, None),
                    };
                    tracing::warn!(connection = %c.id, error = %e, attempts, "stock push failed; the same range is sent again later");
                    report.stock_batches_retried += 1;
                    return Ok(if state.store.fail_stock_push(&c.id, token, at, &e.to_string()).await? { Pushed::Failed } else { Pushed::Lost });
                }
                Some(Ok(r)) => refused = r,
            }
            report.stock_batches_sent += 1;
            report.stock_levels_sent += levels.len() - refused.len().min(levels.len());
        }
        // Refusals name a SKU: every product of the batch with it is refused.
        let mut refused_levels = Vec::new();
        for r in &refused {
            for ((product_id, sku, _), level) in products.iter().zip(&levels) {
                if sku.trim() == r.sku.trim() {
                    refused_levels.push(RefusedLevel { product_id: product_id.clone(), sku: sku.clone(), quantity: level.quantity, error: r.error.clone() });
                }
            }
        }
        report.stock_levels_refused += refused_levels.len();
        let taken: Vec<String> = products.iter().map(|p| p.0.clone()).filter(|id| !refused_levels.iter().any(|r| &r.product_id == id)).collect();
        let upto = touch.upto.max(since);
        if !state.store.finish_stock_batch(&c.id, token, upto, &taken, &refused_levels, now_ms, clock.now().saturating_add(s.lease_ms)).await? {
            return Ok(Pushed::Lost);
        }
        since = upto;
        if !moves {
            return Ok(Pushed::Done);
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
