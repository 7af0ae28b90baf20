//! Pulls the server's change log into IndexedDB and the in-memory copy, forever: at start, whenever the
//! live stream announces a newer version or our own push changed the server (`AppCtx::wake_puller`),
//! every minute in case a notification was missed, and per `Backoff` after a failure. The page loop
//! and its rules are `sync_client::catch_up`'s; this decides when, shows progress and checks the stock
//! digest once caught up.

use super::api::{self, HttpChanges, HttpTransport};
use crate::pulled::{Agreement, Touched};
use crate::state::AppCtx;
use crate::store::{Db, PageOutcome, StoreError, STALE_PAGE};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use shared::limits::MAX_CHANGES_PAGE;
use shared::sync::changes::{ChangePage, Replica, Version};
use std::cell::{Cell, RefCell};
use sync_client::{catch_up, Backoff, ChangeStore, PullProgress};

/// The puller's `ChangeStore`: each page into IndexedDB (with its cursor, one transaction), then into
/// the in-memory copy the screens read.
struct Absorbing<'a> {
    ctx: &'a AppCtx,
    db: &'a Db,
    touched: RefCell<Touched>,
    /// The in-memory copy missed pages another tab stored: reload it from IndexedDB afterwards.
    reload: Cell<bool>,
}

impl ChangeStore for Absorbing<'_> {
    type Error = StoreError;

    async fn cursor(&self) -> Result<Version, StoreError> {
        Ok(self.db.pull_cursor().await?.version)
    }

    async fn apply_page(&self, page: &ChangePage) -> Result<(), StoreError> {
        match self.db.apply_page(page).await? {
            PageOutcome::Stale => Err(StoreError(STALE_PAGE.into())),
            PageOutcome::Applied { from } => {
                if !self.reload.get() && !self.ctx.absorb(from, page, &mut self.touched.borrow_mut()) {
                    self.reload.set(true);
                }
                Ok(())
            }
        }
    }

    async fn reset(&self) -> Result<(), StoreError> {
        ChangeStore::reset(self.db).await?;
        self.ctx.install(Replica::default());
        *self.touched.borrow_mut() = Touched::ALL;
        Ok(())
    }
}

/// How a pull ended (`AppCtx::pulls`), for views that take the pulled state at chosen moments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PullDone {
    /// This pull's number: pulls are numbered as they begin ([`started`]).
    pub seq: u64,
    /// It caught up with the server.
    pub ok: bool,
    /// A push of ours was answered while it ran: the state it brought may carry operations our outbox
    /// listed meanwhile (`pusher::PushWindow`). Another pull follows at once.
    pub overlapped: bool,
    /// Some pull has caught up since the app started.
    pub ever_ok: bool,
}

thread_local! {
    static STARTED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many pulls have begun: an operation acknowledged now is carried by the pulled state once pull
/// `started() + 1` or a later one ends caught up and not overlapped.
pub fn started() -> u64 {
    STARTED.with(std::cell::Cell::get)
}

const TICK_MS: u32 = 100;
/// A pull even without a notification (one may be lost while the stream reconnects).
const FALLBACK_MS: f64 = 60_000.0;

pub async fn run(ctx: AppCtx, db: Db) {
    let wake = ctx.wake_puller;
    let mut backoff = Backoff::default();
    let mut next_attempt = 0.0;
    let mut introduced = false;
    loop {
        let refused = ctx.auth.device_refused.get_untracked().is_some();
        if (wake.get_untracked() && !refused) || js_sys::Date::now() >= next_attempt {
            wake.set(false);
            let seq = STARTED.with(|n| {
                n.set(n.get() + 1);
                n.get()
            });
            let before = super::pusher::window();
            let pulled = once(&ctx, &db, &mut introduced).await;
            let after = super::pusher::window();
            let overlapped = before.open || after.open || before.closed != after.closed;
            let ever_ok = pulled.is_ok() || ctx.pulls.with_untracked(|p| p.is_some_and(|p| p.ever_ok));
            ctx.pulls.set(Some(PullDone { seq, ok: pulled.is_ok(), overlapped, ever_ok }));
            if overlapped && !after.open {
                // The window closed during this pull: the next one is clean (an open one wakes us on closing).
                wake.set(true);
            }
            let delay = match pulled {
                Ok(()) => {
                    backoff = backoff.succeeded();
                    FALLBACK_MS
                }
                Err(e) => {
                    leptos::logging::warn!("pull: {e}");
                    backoff = backoff.failed();
                    backoff.delay_ms(js_sys::Math::random()) as f64
                }
            };
            next_attempt = js_sys::Date::now() + delay;
        }
        TimeoutFuture::new(TICK_MS).await;
    }
}

/// For whom this browser pulls: data pulled for someone else is forgotten, not mixed.
fn scope(ctx: &AppCtx) -> Option<String> {
    if let Some(e) = ctx.auth.enrolled() {
        return Some(format!("register:{}", e.register_id));
    }
    ctx.auth.session.with_untracked(|s| s.as_ref().map(|s| format!("staff:{}", s.staff.id)))
}

async fn once(ctx: &AppCtx, db: &Db, introduced: &mut bool) -> Result<(), String> {
    let Some(scope) = scope(ctx) else { return Ok(()) };
    if ctx.auth.enrolled().is_some() && !*introduced {
        // The device's number first (printed in receipts), then who may switch in: a freshly enrolled
        // register asks for a PIN before anything else.
        sync_client::ensure_known(db, &HttpTransport).await.map_err(|e| e.to_string())?;
        if let Err(e) = ctx.auth.refresh_staff(db).await {
            leptos::logging::warn!("staff refresh: {e}");
        }
        *introduced = true;
    }
    if db.pull_cursor().await.map_err(|e| e.0)?.scope != scope {
        db.forget_pulled_for(&scope).await.map_err(|e| e.0)?;
        ctx.install(Default::default());
    }
    // A register without a catalog shows how far its download is.
    let downloading = ctx.catalog.with_value(|c| c.is_empty());
    if downloading {
        ctx.progress.set(Some(PullProgress::default()));
    }
    // Items acknowledged before this pull began: its result carries them.
    let left_outbox = ctx.left_outbox.get_value();
    ctx.left_outbox.set_value(Touched::default());
    let store = Absorbing { ctx, db, touched: RefCell::new(Touched::default()), reload: Cell::new(false) };
    let result = catch_up(&store, &HttpChanges, MAX_CHANGES_PAGE, |p| {
        if downloading {
            ctx.progress.set(Some(*p));
        }
    })
    .await;
    let mut touched = store.touched.into_inner();
    if result.is_ok() {
        touched = touched.or(left_outbox);
    } else {
        ctx.left_outbox.update_value(|t| *t = t.or(left_outbox));
    }
    if store.reload.get() {
        // Another tab of this device stored pages meanwhile: take the stored state whole.
        let loaded = db.load_pulled().await.map_err(|e| e.0)?;
        ctx.install(loaded.replica);
        touched = Touched::ALL;
    }
    ctx.refresh_views(db, touched).await;
    if downloading {
        ctx.progress.set(None);
    }
    let report = result.map_err(|e| e.to_string())?;
    ctx.ready_if_can(db).await;
    check_digest(ctx, report.cursor).await;
    Ok(())
}

/// Caught up at `cursor`: our outlet's pulled levels against the server's at the same version.
async fn check_digest(ctx: &AppCtx, cursor: u64) {
    if ctx.auth.enrolled().is_none() {
        return;
    }
    let Some(outlet) = ctx.outlet.get_untracked() else { return };
    let device = ctx.pulled.with_value(|r| r.stock_digest(&outlet.id));
    if device.version != cursor {
        // The in-memory copy moved on meanwhile (another pull): the next one checks.
        return;
    }
    match api::stock_digest(&outlet.id, cursor).await {
        Ok(server) => ctx.agreement.set(Some(Agreement::of(&device, &server))),
        // 409: the server answering is behind (another instance) or the version too old: next time.
        Err(e) => leptos::logging::warn!("stock digest: {e}"),
    }
}
