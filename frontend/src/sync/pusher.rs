//! Drains the outbox to the server, forever: after each sale, and every few seconds while anything is
//! pending or the server is unreachable. Pushes are idempotent on the server, so a lost answer is
//! simply pushed again.

use super::api::{self, ApiFailure};
use crate::state::AppCtx;
use crate::store::Db;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use shared::sync::PushRequest;

const BATCH: u32 = 100;
const TICK_MS: u32 = 200;
const RETRY_MS: f64 = 2000.0;
const HEARTBEAT_MS: f64 = 3000.0;

pub async fn run(ctx: AppCtx, db: Db) {
    let mut next_attempt = 0.0;
    loop {
        let now = js_sys::Date::now();
        let woken = ctx.wake_pusher.get_untracked();
        if woken || now >= next_attempt {
            ctx.wake_pusher.set(false);
            let delay = match drain(&ctx, &db).await {
                Ok(()) => HEARTBEAT_MS,
                Err(()) => RETRY_MS,
            };
            next_attempt = js_sys::Date::now() + delay;
        }
        TimeoutFuture::new(TICK_MS).await;
    }
}

/// Pushes until the outbox is empty; `Err` when the server could not be reached.
async fn drain(ctx: &AppCtx, db: &Db) -> Result<(), ()> {
    loop {
        refresh_counts(ctx, db).await;
        let batch = db.outbox(BATCH).await.unwrap_or_default();
        let Some(first) = batch.first() else {
            let up = api::health().await;
            ctx.online.set(up);
            return if up { Ok(()) } else { Err(()) };
        };
        // One register per push (the register may have been switched with sales still queued).
        let register_id = first.register_id.clone();
        let sales: Vec<_> = batch.into_iter().filter(|s| s.register_id == register_id).collect();
        let req = PushRequest { register_id, sales };
        match api::push(&req).await {
            Ok(resp) => {
                ctx.online.set(true);
                let seqs: Vec<u64> = resp.results.iter().map(|r| r.seq).collect();
                if db.acknowledge(&seqs).await.is_err() {
                    return Err(());
                }
                // The server's ledger now holds these sales: take its levels (and other registers' sales).
                let _ = ctx.refresh_stock(db).await;
            }
            Err(ApiFailure::Unreachable(e)) => {
                leptos::logging::warn!("push failed: {e}");
                ctx.online.set(false);
                refresh_counts(ctx, db).await;
                return Err(());
            }
            Err(ApiFailure::Refused { error, .. }) => {
                ctx.online.set(true);
                // A refused sale is set aside with the server's reason so the others still flow;
                // a refusal we cannot pin on one sale is retried later, never dropped.
                let Some(sale) = error.seq.and_then(|seq| req.sales.iter().find(|s| s.seq == seq)) else {
                    leptos::logging::error!("push refused: {}", error.message);
                    return Err(());
                };
                leptos::logging::error!("sale {} refused: {}", sale.receipt, error.message);
                if db.reject(sale, &error.message).await.is_err() {
                    return Err(());
                }
            }
        }
    }
}

pub async fn refresh_counts(ctx: &AppCtx, db: &Db) {
    if let Ok(n) = db.pending_count().await {
        ctx.pending.set(n);
    }
    if let Ok(n) = db.rejected_count().await {
        ctx.rejected.set(n);
    }
}
