//! The reconciliation pull: every few minutes, for each active connection, the orders modified since
//! the last pull (minus a margin for clocks and late commits) are read over the platform's API and
//! ingested like webhook deliveries, keyed `reconcile:<external id>:<modified>` — so an order a missed
//! webhook did not bring arrives, and one already applied is a duplicate (WooCommerce never retries).
//!
//! It always advances. A sweep reads at most `MAX_PAGES` pages per run and saves, after each page fully
//! taken in, where the next page starts (`reconcile_progress`): the next run continues there, with the
//! same `since`, so a backlog of N pages ends in ceil(N / MAX_PAGES) runs. Only a finished sweep moves
//! the connection's mark, to the time the sweep started. An order the store cannot take is held
//! (`store_error`), not retried for ever; webhook orders whose fetch failed (`platform_unreachable`) are
//! fetched again first.

use super::held::{synthetic_id, NewHold};
use super::routes::{retry, take_in};
use sha2::{Digest, Sha256};
use super::IngestOutcome;
use crate::bridges::{bridge_for, BridgeError};
use crate::store::now_ms;
use crate::AppState;
use shared::online::held as codes;
use shared::online::ConnectionView;
use std::time::Duration;

/// How often the pull runs.
pub const EVERY: Duration = Duration::from_secs(5 * 60);
/// How far back before the last pull each pull looks.
pub const MARGIN_MS: i64 = 10 * 60 * 1000;
/// Pages read per connection per run (a backlog continues at the next run).
pub const MAX_PAGES: i64 = 50;
/// Pending fetches tried per connection per run.
const MAX_REFETCH: u32 = 100;

/// A sweep under way: the window's start, when the sweep started (the mark it sets when it ends), the
/// page after the last one taken in, and how many pages it read so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconcileProgress {
    pub since_ms: i64,
    pub started_ms: i64,
    pub next: String,
    pub pages: i64,
}

/// What one run did, per connection (for tests and logs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub connection_id: String,
    /// Orders read and taken in (created, updated, duplicate or held).
    pub orders: usize,
    pub created: usize,
    /// Orders held by this run (a store error, a hold of the intake).
    pub held: usize,
    /// Held webhook orders fetched again and taken in.
    pub refetched: usize,
    /// Pages read by this run.
    pub pages: i64,
    /// The sweep ended this run: the mark moved.
    pub complete: bool,
    pub error: Option<String>,
}

/// One pull of every active connection. A connection whose platform fails keeps its progress, so the
/// next run reads from the same page again.
pub async fn reconcile_once(state: &AppState) -> anyhow::Result<Vec<Reconciled>> {
    let mut out = Vec::new();
    for view in state.store.connections(None).await?.into_iter().filter(|c| c.active) {
        let mut r = Reconciled { connection_id: view.id.clone(), ..Reconciled::default() };
        if let Err(e) = reconcile_connection(state, &view, &mut r).await {
            tracing::warn!(connection = %view.id, "reconciliation: {e:#}");
            r.error = Some(format!("{e:#}"));
        }
        out.push(r);
    }
    // Writes made outside a request: tell the event streams (SQLite; PostgreSQL notifies by itself).
    state.notifier.publish(state.store.change_head().await?);
    Ok(out)
}

async fn reconcile_connection(state: &AppState, view: &ConnectionView, r: &mut Reconciled) -> anyhow::Result<()> {
    let Some(record) = state.store.connection(&view.id).await? else { return Ok(()) };
    let bridge = bridge_for(view.platform, &state.http);

    // Webhook orders the platform did not give when they came.
    for h in state.store.pending_fetches(&view.id, MAX_REFETCH).await? {
        match retry(state, &h, false).await.map_err(|e| anyhow::anyhow!("{e}"))? {
            IngestOutcome::Held { code } if code == codes::PLATFORM_UNREACHABLE => break, // still down: next run
            IngestOutcome::Held { .. } => {}
            _ => r.refetched += 1,
        }
    }

    let saved = state.store.reconcile_progress(&view.id).await?;
    let resumed = saved.is_some();
    let mut sweep = saved.unwrap_or_else(|| ReconcileProgress {
        since_ms: view.reconciled_until_ms.saturating_sub(MARGIN_MS).max(0),
        started_ms: now_ms(),
        next: String::new(),
        pages: 0,
    });
    for _ in 0..MAX_PAGES {
        let page = (!sweep.next.is_empty()).then_some(sweep.next.as_str());
        let p = match bridge.orders_modified_since(&record.bridge, sweep.since_ms, page).await {
            Ok(p) => p,
            Err(e) => {
                // A saved cursor the platform no longer takes (an expired page token): the sweep starts
                // again from its window's start next run, rather than failing on it for ever.
                if resumed && page.is_some() && matches!(e, BridgeError::Refused { .. } | BridgeError::Malformed(_)) {
                    state.store.save_reconcile_progress(&view.id, None, None).await?;
                }
                r.error = Some(e.to_string());
                return Ok(());
            }
        };
        for order in &p.orders {
            let key = format!("reconcile:{}:{}", order.external_id, order.modified);
            // One order the store cannot take is held (`store_error`), so the sweep moves on; if even
            // the hold fails, the run stops here and the page is read again next run.
            let outcome = take_in(state, &view.id, &key, order, Default::default()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            r.orders += 1;
            match outcome {
                IngestOutcome::Created { .. } => r.created += 1,
                IngestOutcome::Held { .. } => r.held += 1,
                _ => {}
            }
        }
        for u in &p.unreadable {
            // Held with its JSON (one row per order: a later sweep rewrites it); a store that cannot even
            // hold it stops the run here, and the page is read again next run.
            let external_id = u.external_id.clone().unwrap_or_else(|| synthetic_id(&format!("reconcile:{:x}", Sha256::digest(u.raw.as_bytes()))));
            let reason = format!("the platform's order cannot be read: {}", u.why);
            let h = NewHold { connection_id: &view.id, external_id: &external_id, order: None, raw: Some(&u.raw), delivery_key: None, code: codes::UNREADABLE, reason: &reason };
            state.store.hold_online_order(&h).await?;
            r.held += 1;
        }
        r.pages += 1;
        sweep.pages += 1;
        match p.next {
            None => {
                state.store.save_reconcile_progress(&view.id, None, Some(sweep.started_ms)).await?;
                r.complete = true;
                return Ok(());
            }
            Some(next) => {
                sweep.next = next;
                state.store.save_reconcile_progress(&view.id, Some(&sweep), None).await?;
            }
        }
    }
    tracing::info!(connection = %view.id, pages = sweep.pages, "reconciliation: a backlog, continued at the next run");
    Ok(())
}

/// The periodic task `serve` starts.
pub fn spawn_reconciliation(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = reconcile_once(&state).await {
                tracing::warn!("reconciliation: {e:#}");
            }
        }
    });
}
