//! The reconciliation pull: every few minutes, for each active connection, the orders modified since
//! the last pull (minus a margin for clocks and late commits) are read over the platform's API and
//! ingested like webhook deliveries, keyed `reconcile:<external id>:<modified>` — so an order a missed
//! webhook did not bring arrives, and one already applied is a duplicate (WooCommerce never retries).

use crate::bridges::bridge_for;
use crate::store::now_ms;
use crate::AppState;
use std::time::Duration;

/// How often the pull runs.
pub const EVERY: Duration = Duration::from_secs(5 * 60);
/// How far back before the last pull each pull looks.
pub const MARGIN_MS: i64 = 10 * 60 * 1000;
/// Pages read per connection per run (a backlog continues at the next run).
const MAX_PAGES: usize = 50;

/// What one run did, per connection (for tests and logs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub connection_id: String,
    pub orders: usize,
    pub created: usize,
    pub error: Option<String>,
}

/// One pull of every active connection. A connection whose platform fails keeps its mark, so the
/// next run reads the same window again.
pub async fn reconcile_once(state: &AppState) -> anyhow::Result<Vec<Reconciled>> {
    let mut out = Vec::new();
    for view in state.store.connections(None).await?.into_iter().filter(|c| c.active) {
        let Some(record) = state.store.connection(&view.id).await? else { continue };
        let bridge = bridge_for(view.platform, &state.http);
        let started = now_ms();
        let since = view.reconciled_until_ms.saturating_sub(MARGIN_MS).max(0);
        let mut r = Reconciled { connection_id: view.id.clone(), ..Reconciled::default() };
        let mut page: Option<String> = None;
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            match bridge.orders_modified_since(&record.bridge, since, page.as_deref()).await {
                Ok(p) => {
                    for order in &p.orders {
                        let key = format!("reconcile:{}:{}", order.external_id, order.modified);
                        // One order the store cannot take must not stop the pull of the others, nor of
                        // the other stores; the window is read again next run (the mark stays).
                        match state.store.ingest_order(&view.id, &key, Some(order)).await {
                            Ok(outcome) => {
                                r.orders += 1;
                                r.created += usize::from(matches!(outcome, super::IngestOutcome::Created { .. }));
                            }
                            Err(e) => {
                                tracing::warn!(connection = %view.id, order = %order.external_id, "reconciliation: {e:#}");
                                r.error = Some(format!("order {}: {e}", order.external_id));
                            }
                        }
                    }
                    page = p.next;
                    if page.is_none() {
                        complete = true;
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(connection = %view.id, "reconciliation: {e}");
                    r.error = Some(e.to_string());
                    break;
                }
            }
        }
        if complete && r.error.is_none() {
            state.store.set_reconciled_until(&view.id, started).await?;
        }
        out.push(r);
    }
    // Writes made outside a request: tell the event streams (SQLite; PostgreSQL notifies by itself).
    state.notifier.publish(state.store.change_head().await?);
    Ok(out)
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
