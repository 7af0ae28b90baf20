//! Sync down, with no browser in it: pull the server's change log from the device's cursor, page after
//! page, each page stored atomically with its new cursor ([`ReplicaStore::apply_page`]); compact what a
//! device has stored; compare its stock digest with the server's once caught up.
//!
//! The rules are `shared::sync::changes`'s: [`check_page`] decides whether a page follows the stored
//! cursor, [`Replica`] is the reference state. The browser stores pages in IndexedDB; natively,
//! [`MemoryReplica`] runs the same loop in tests.

use crate::Failure;
use shared::sync::changes::{check_page, Change, ChangePage, EntityRef, Replica, StockDigest, Version};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// What applying one page did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageOutcome {
    /// Written with its cursor.
    Applied,
    /// It does not follow the stored cursor (another tab of this device moved it meanwhile): nothing
    /// was written; pull again from the stored cursor.
    Stale,
}

/// What the device keeps of the change log. Each method is one atomic step.
pub trait ReplicaStore {
    type Error: std::fmt::Display;

    /// The version applied up to (0: nothing pulled).
    async fn cursor(&self) -> Result<Version, Self::Error>;
    /// Stores `page` and `page.next` as the cursor together — or nothing, when [`check_page`] refuses
    /// the page against the stored cursor ([`PageOutcome::Stale`]).
    async fn apply_page(&self, page: &ChangePage) -> Result<PageOutcome, Self::Error>;
    /// Forgets everything pulled and the cursor (the server has no memory of our cursor: restored from a
    /// backup, or another server).
    async fn forget_pulled(&self) -> Result<(), Self::Error>;
}

/// Where pages come from (`GET /sync/changes?since=&limit=`).
pub trait ChangeSource {
    async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, Failure>;
}

/// How far a pull has gone: the progress bar's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Changes applied since this pull began.
    pub done: u64,
    /// Changes the server said were still to come after the last page.
    pub remaining: u64,
}

impl Progress {
    /// Done, in thousandths of the whole (0 before the first page is in).
    pub fn permille(&self) -> u64 {
        let total = self.done.saturating_add(self.remaining);
        if total == 0 {
            return 0;
        }
        self.done.saturating_mul(1000) / total
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PullReport {
    pub pages: u32,
    pub progress: Progress,
    /// The cursor reached: the server's state for our scope at this version (the last page had
    /// `more == false`).
    pub cursor: Version,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PullError<E> {
    /// No answer, or the server refused the request: try again later; nothing pulled is lost.
    Server(Failure),
    Store(E),
    /// The stored cursor kept moving under us (another tab pulling): that tab is doing the work.
    Busy,
}

impl<E: std::fmt::Display> std::fmt::Display for PullError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PullError::Server(e) => write!(f, "server: {e}"),
            PullError::Store(e) => write!(f, "local store: {e}"),
            PullError::Busy => f.write_str("another tab is pulling"),
        }
    }
}

/// The server's code for a cursor beyond its newest version.
pub const CURSOR_AHEAD: &str = "cursor_ahead";

/// Pulls until caught up: asks for the changes after the stored cursor, applies each page atomically
/// with its cursor, then calls `on_page` with the cursor it was asked from, the page and the progress
/// (the in-memory copy follows what was stored), and asks again
/// while `more` is true. A cursor the server does not know (409 `cursor_ahead`) makes the device forget
/// what it pulled and start again from 0, once.
pub async fn pull<S: ReplicaStore, C: ChangeSource>(
    store: &S,
    source: &C,
    limit: u32,
    mut on_page: impl FnMut(Version, &ChangePage, Progress),
) -> Result<PullReport, PullError<S::Error>> {
    let mut report = PullReport::default();
    let (mut restarted, mut stale) = (false, 0);
    loop {
        let cursor = store.cursor().await.map_err(PullError::Store)?;
        let page = match source.changes(cursor, limit).await {
            Ok(page) => page,
            Err(Failure::Refused { status: 409, error }) if error.error == CURSOR_AHEAD && !restarted => {
                restarted = true;
                store.forget_pulled().await.map_err(PullError::Store)?;
                continue;
            }
            Err(e) => return Err(PullError::Server(e)),
        };
        match store.apply_page(&page).await.map_err(PullError::Store)? {
            PageOutcome::Stale => {
                stale += 1;
                if stale > 3 {
                    return Err(PullError::Busy);
                }
                continue;
            }
            PageOutcome::Applied => {}
        }
        report.pages += 1;
        report.progress = Progress { done: report.progress.done + page.changes.len() as u64, remaining: page.remaining };
        report.cursor = page.next;
        on_page(cursor, &page, report.progress);
        if !page.more {
            return Ok(report);
        }
    }
}

/// What the register shows once caught up: its stock digest equals the server's at the same version, or
/// where they differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreement {
    Agree { version: Version },
    Mismatch { device: StockDigest, server: StockDigest },
}

/// Compares the device's digest of its pulled levels with the server's for the same outlet and version.
pub fn compare_digests(device: &StockDigest, server: &StockDigest) -> Agreement {
    if device == server {
        Agreement::Agree { version: device.version }
    } else {
        Agreement::Mismatch { device: device.clone(), server: server.clone() }
    }
}

/// Stored pages rewritten as few pages holding the same state: each entity's latest change only, and
/// no tombstones (the stored pages go back to cursor 0, so nothing older remains for a tombstone to
/// delete). Pages of at most `per_page` changes, by version; the last one ends at `cursor`. Applying
/// them to an empty [`Replica`] gives what applying the originals gives.
pub fn compact(pages: &[ChangePage], cursor: Version, per_page: usize) -> Vec<ChangePage> {
    let mut latest: BTreeMap<EntityRef, &Change> = BTreeMap::new();
    for c in pages.iter().flat_map(|p| &p.changes) {
        latest.insert(c.key(), c);
    }
    let mut live: Vec<Change> = latest.into_values().filter(|c| !c.entity.is_deletion()).cloned().collect();
    live.sort_by_key(|c| c.version);
    let per_page = per_page.max(1);
    let count = live.len().div_ceil(per_page);
    let mut out = Vec::with_capacity(count);
    let mut rest = live.into_iter().peekable();
    while rest.peek().is_some() {
        let changes: Vec<Change> = rest.by_ref().take(per_page).collect();
        let next = if rest.peek().is_some() { changes.last().map_or(0, |c| c.version) } else { cursor };
        out.push(ChangePage { changes, next, more: false, remaining: 0 });
    }
    out
}

/// The reference [`ReplicaStore`]: a [`Replica`] in memory.
#[derive(Debug, Default)]
pub struct MemoryReplica {
    pub replica: RefCell<Replica>,
}

impl ReplicaStore for MemoryReplica {
    type Error = std::convert::Infallible;

    async fn cursor(&self) -> Result<Version, Self::Error> {
        Ok(self.replica.borrow().cursor)
    }

    async fn apply_page(&self, page: &ChangePage) -> Result<PageOutcome, Self::Error> {
        Ok(match self.replica.borrow_mut().apply(page) {
            Ok(_) => PageOutcome::Applied,
            Err(_) => PageOutcome::Stale,
        })
    }

    async fn forget_pulled(&self) -> Result<(), Self::Error> {
        *self.replica.borrow_mut() = Replica::default();
        Ok(())
    }
}

/// `true` when `page` may be stored on top of `cursor` (the check a store makes inside its transaction).
pub fn follows(cursor: Version, page: &ChangePage) -> bool {
    check_page(cursor, page).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;
    use shared::catalog::Product;
    use shared::stock::StockLevel;
    use shared::sync::changes::Entity;
    use shared::sync::ApiError;
    use shared::Money;

    fn product(id: &str, price: i64) -> Entity {
        Entity::Product(Product { id: id.into(), sku: id.into(), name: id.into(), price: Money(price), ..Product::default() })
    }

    /// A server's compacted log: one change per entity, at its latest version.
    #[derive(Default)]
    struct Log {
        head: Version,
        changes: RefCell<BTreeMap<EntityRef, Change>>,
        requests: RefCell<Vec<Version>>,
    }

    impl Log {
        fn write(&mut self, entity: Entity) {
            self.head += 1;
            let key = entity.key();
            self.changes.get_mut().insert(key, Change { version: self.head, entity });
        }
    }

    impl ChangeSource for Log {
        async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, Failure> {
            self.requests.borrow_mut().push(since);
            if since > self.head {
                let error = ApiError { error: CURSOR_AHEAD.into(), message: String::new(), seq: None, sale_id: None };
                return Err(Failure::Refused { status: 409, error });
            }
            let mut after: Vec<Change> = self.changes.borrow().values().filter(|c| c.version > since).cloned().collect();
            after.sort_by_key(|c| c.version);
            let more = after.len() > limit as usize;
            let remaining = after.len().saturating_sub(limit as usize) as u64;
            after.truncate(limit as usize);
            let next = if more { after.last().map_or(since, |c| c.version) } else { self.head };
            Ok(ChangePage { changes: after, next, more, remaining })
        }
    }

    fn server_state(log: &Log) -> Replica {
        let mut r = Replica::default();
        let mut all: Vec<Change> = log.changes.borrow().values().cloned().collect();
        all.sort_by_key(|c| c.version);
        r.apply(&ChangePage { changes: all, next: log.head, more: false, remaining: 0 }).unwrap();
        r
    }

    #[test]
    fn a_fresh_device_pulls_in_pages_with_progress_until_it_equals_the_server() {
        let mut log = Log::default();
        for i in 0..7 {
            log.write(product(&format!("p{i}"), 100 + i));
        }
        log.write(Entity::Stock(StockLevel::new("p1", "mtl", 4)));
        let device = MemoryReplica::default();
        let mut seen = Vec::new();
        let report = block_on(pull(&device, &log, 3, |_, page, progress| seen.push((page.changes.len(), progress)))).unwrap();
        assert_eq!(report.pages, 3);
        assert_eq!(report.cursor, 8);
        assert_eq!(seen.iter().map(|(_, p)| p.permille()).collect::<Vec<_>>(), vec![375, 750, 1000]);
        assert_eq!(Progress::default().permille(), 0, "nothing known yet");
        assert_eq!(*device.replica.borrow(), server_state(&log));
        assert_eq!(*log.requests.borrow(), vec![0, 3, 6]);
    }

    #[test]
    fn a_later_pull_brings_only_what_changed_and_deletions_travel() {
        let mut log = Log::default();
        log.write(product("a", 1));
        log.write(product("b", 2));
        let device = MemoryReplica::default();
        block_on(pull(&device, &log, 10, |_, _, _| {})).unwrap();
        log.write(product("a", 5));
        log.write(Entity::Deleted { of: EntityRef::Product { id: "b".into() } });
        let mut changes = 0;
        block_on(pull(&device, &log, 10, |_, page, _| changes += page.changes.len())).unwrap();
        assert_eq!(changes, 2);
        let r = device.replica.borrow();
        assert_eq!(r.products.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(r.products["a"].price, Money(5));
    }

    #[test]
    fn a_cursor_the_server_does_not_know_starts_the_pull_again_from_zero() {
        let mut log = Log::default();
        log.write(product("a", 1));
        let device = MemoryReplica::default();
        // Pulled from a server that had gone further (restored from a backup since).
        device.replica.borrow_mut().cursor = 40;
        device.replica.borrow_mut().products.insert("ghost".into(), Product::default());
        let report = block_on(pull(&device, &log, 10, |_, _, _| {})).unwrap();
        assert_eq!(report.cursor, 1);
        assert_eq!(*device.replica.borrow(), server_state(&log));
    }

    #[test]
    fn a_page_that_does_not_follow_the_stored_cursor_is_not_written() {
        let device = MemoryReplica::default();
        device.replica.borrow_mut().cursor = 5;
        let old = ChangePage { changes: vec![Change { version: 3, entity: product("a", 1) }], next: 3, more: false, remaining: 0 };
        assert_eq!(block_on(device.apply_page(&old)).unwrap(), PageOutcome::Stale);
        assert!(device.replica.borrow().products.is_empty());
        assert!(!follows(5, &old));
    }

    #[test]
    fn compacted_pages_give_the_same_state_in_fewer_changes() {
        let mut log = Log::default();
        for round in 0..3 {
            for i in 0..5 {
                log.write(product(&format!("p{i}"), round * 10 + i));
            }
        }
        log.write(Entity::Deleted { of: EntityRef::Product { id: "p2".into() } });
        log.write(Entity::Stock(StockLevel::new("p1", "mtl", 2)));
        // As a device stored them: small pages, overwrites and a tombstone included.
        let device = MemoryReplica::default();
        let mut stored = Vec::new();
        block_on(pull(&device, &log, 2, |_, page, _| stored.push(page.clone()))).unwrap();
        let compacted = compact(&stored, device.replica.borrow().cursor, 2);
        assert_eq!(compacted.iter().map(|p| p.changes.len()).sum::<usize>(), 5);
        let mut again = Replica::default();
        for page in &compacted {
            again.apply(page).unwrap();
        }
        assert_eq!(again, *device.replica.borrow());
    }

    #[test]
    fn digests_agree_only_on_the_same_levels_at_the_same_version() {
        let device = StockDigest::of("mtl", 9, [("p1", 3)]);
        assert_eq!(compare_digests(&device, &StockDigest::of("mtl", 9, [("p1", 3)])), Agreement::Agree { version: 9 });
        let server = StockDigest::of("mtl", 9, [("p1", 2)]);
        assert_eq!(compare_digests(&device, &server), Agreement::Mismatch { device: device.clone(), server });
    }
}
