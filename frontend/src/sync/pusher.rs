//! Drains the outbox through the shared `sync_client::drain`, forever: at once after each sale (or when
//! the browser says it is back online), every few seconds while all is well, and after a growing,
//! jittered delay (`Backoff`) while the server cannot be reached. What a drain does with each answer
//! (settle, hold, refuse, hello again) is the sync-client's; this loop only decides when, and shows counts.

use super::api::{self, HttpTransport};
use crate::pulled::Touched;
use crate::state::AppCtx;
use crate::store::Db;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use std::cell::Cell;
use sync_client::{drain, Backoff, DrainError};

/// While a drain that sent something runs, the server may have applied operations our outbox (and
/// `AppCtx::pending_ops`) still lists: a pull meanwhile may bring state that carries them. Views that
/// replay the outbox over the pulled state (the orders page) skip such a pull's state ([`PushWindow`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushWindow {
    /// A drain has sent a push and its answers have not reached `pending_ops` yet.
    pub open: bool,
    /// How many such windows have closed.
    pub closed: u64,
}

thread_local! {
    static WINDOW: Cell<PushWindow> = Cell::new(PushWindow::default());
}

pub fn window() -> PushWindow {
    WINDOW.with(Cell::get)
}

/// A push is being sent (`api::HttpTransport`).
pub(super) fn push_sent() {
    WINDOW.with(|w| w.set(PushWindow { open: true, ..w.get() }));
}

/// The drain's answers are in `pending_ops`: `true` if a window closed.
fn close_window() -> bool {
    WINDOW.with(|w| {
        let now = w.get();
        w.set(PushWindow { open: false, closed: now.closed + u64::from(now.open) });
        now.open
    })
}

const TICK_MS: u32 = 200;
const HEARTBEAT_MS: f64 = 3000.0;
/// How often a register that is syncing fetches who may switch in at it again.
const STAFF_EVERY_MS: f64 = 60_000.0;

pub async fn run(ctx: AppCtx, db: Db) {
    let wake = ctx.wake_pusher;
    // Kept for the app's lifetime: the register never stops syncing.
    std::mem::forget(window_event_listener(leptos::ev::online, move |_| wake.set(true)));
    let mut backoff = Backoff::default();
    let mut next_attempt = 0.0;
    let mut staff_at = js_sys::Date::now();
    loop {
        // A device the server refuses is woken by nothing but its backoff: no hammering after each sale.
        let refused = ctx.auth.device_refused.get_untracked().is_some();
        if ctx.auth.enrolled().is_none() {
            // Being enrolled again: nothing to send with until then.
        } else if (wake.get_untracked() && !refused) || js_sys::Date::now() >= next_attempt {
            wake.set(false);
            backoff = if once(&ctx, &db).await { backoff.succeeded() } else { backoff.failed() };
            let delay = if backoff.failures == 0 { HEARTBEAT_MS } else { backoff.delay_ms(js_sys::Math::random()) as f64 };
            next_attempt = js_sys::Date::now() + delay;
            if backoff.failures == 0 && js_sys::Date::now() - staff_at > STAFF_EVERY_MS {
                staff_at = js_sys::Date::now();
                let _ = ctx.auth.refresh_staff(&db).await;
            }
        }
        TimeoutFuture::new(TICK_MS).await;
    }
}

/// One drain; `true` when the server answered and nothing is stuck.
async fn once(ctx: &AppCtx, db: &Db) -> bool {
    let ok = match drain(db, &HttpTransport).await {
        Ok(report) => {
            // An empty outbox sends nothing: ask the server whether it is there, and still takes us.
            let status = if report.pushes > 0 { Some(200) } else { api::heartbeat().await };
            let up = status.is_some();
            ctx.online.set(up);
            match status {
                // The server took a push or knows us: it accepts this device (again).
                Some(200) => ctx.auth.device_refused.set(None),
                // `/auth/me` takes a device alone: a 401 means its credential is refused.
                Some(401) => crate::sync::http::note_device_refused("unauthenticated"),
                _ => {}
            }
            if report.pushes > 0 {
                // Sales or operations left the outbox: the server has them, so the views stop counting
                // them as ours once the pulled state carries them — after the pull this wakes, not
                // before (a quick key would count back up meanwhile).
                ctx.left_outbox.update_value(|t| *t = t.or(Touched::OUTBOX));
                ctx.wake_puller.set(true);
            }
            up
        }
        Err(DrainError::Unreachable(e)) => {
            leptos::logging::warn!("push: {e}");
            ctx.online.set(false);
            false
        }
        Err(DrainError::Stuck(e)) => {
            // Refused without naming a sale: nothing is dropped, we try again later.
            leptos::logging::error!("push refused: {e}");
            ctx.online.set(true);
            false
        }
        Err(DrainError::Unauthorized { error, .. }) if error.error == "unknown_cashier" => {
            // The cashier switched in no longer works here (deactivated, moved): someone else switches in.
            ctx.online.set(true);
            ctx.auth.set_cashier(None);
            false
        }
        Err(DrainError::Unauthorized { status, error }) => {
            // Revoked or not accepted: nothing leaves the outbox; the banner says what to do.
            leptos::logging::error!("push refused ({status}): {}", error.error);
            ctx.online.set(true);
            ctx.auth.device_refused.set(Some(error.error));
            false
        }
        Err(DrainError::Store(e)) => {
            leptos::logging::error!("outbox: {e}");
            false
        }
    };
    refresh_counts(ctx, db).await;
    if close_window() {
        // The pull that carries what we pushed, now that `pending_ops` no longer lists it.
        ctx.wake_puller.set(true);
    }
    ok
}

pub async fn refresh_counts(ctx: &AppCtx, db: &Db) {
    if let Ok(n) = db.pending_count().await {
        ctx.pending.set(n);
    }
    if let Ok(n) = db.held_count().await {
        ctx.held.set(n);
    }
    if let Ok(n) = db.refused_count().await {
        ctx.refused.set(n);
    }
    if let Ok(ops) = db.pending_op_list(u32::MAX).await {
        ctx.pending_ops.set(ops);
    }
    if let Ok(held) = db.held_op_list().await {
        ctx.held_ops.set(held);
    }
}
