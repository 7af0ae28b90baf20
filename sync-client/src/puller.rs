//! Sync down, the device's side: [`catch_up`] pulls the change log from the device's cursor page by
//! page (`GET /sync/changes`), checks each page follows the cursor (`shared::sync::changes::check_page`)
//! and hands it to the store, which applies it and stores its `next` cursor in one local transaction.
//! Call it at start, on each `change` event of `GET /events`, and after coming back online.
//! [`compact`] rewrites what a device stored page by page as the entities' latest states.

use crate::Failure;
use shared::sync::changes::{check_page, Change, ChangePage, EntityRef, PageError, Replica, Version};
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Where pages come from (the browser: `fetch`; natively: the in-process server).
pub trait ChangeSource {
    async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, Failure>;
}

/// What a device keeps of what it pulled.
pub trait ChangeStore {
    type Error: std::fmt::Display;

    async fn cursor(&self) -> Result<Version, Self::Error>;
    /// Applies every change of `page` (put its entity, or delete its key for a tombstone) and stores
    /// `page.next` as the cursor — all in one transaction, so a crash never leaves half a page.
    async fn apply_page(&self, page: &ChangePage) -> Result<(), Self::Error>;
    /// Forgets what was pulled and sets the cursor to 0: the server does not know the cursor any more
    /// (restored from a backup, another server).
    async fn reset(&self) -> Result<(), Self::Error>;
}

/// How far a catch-up got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PullProgress {
    pub pages: usize,
    pub changes: usize,
    /// What the server said was left after the last page: the progress bar's remainder.
    pub remaining: u64,
    pub cursor: Version,
    /// The store holds the server's state at `cursor` (the last page had `more == false`).
    pub caught_up: bool,
}

impl PullProgress {
    /// Done, in thousandths of what this catch-up has to bring (0 before the first page is in).
    pub fn permille(&self) -> u64 {
        let done = self.changes as u64;
        let total = done.saturating_add(self.remaining);
        if total == 0 {
            return 0;
        }
        done.saturating_mul(1000) / total
    }
}

#[derive(Debug)]
pub enum PullError<E> {
    Store(E),
    Transport(Failure),
    /// The server answered a page that does not follow the cursor: nothing of it was applied.
    BadPage(PageError),
}

impl<E: std::fmt::Display> std::fmt::Display for PullError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PullError::Store(e) => write!(f, "local store: {e}"),
            PullError::Transport(e) => write!(f, "{e}"),
            PullError::BadPage(e) => write!(f, "page refused: {e}"),
        }
    }
}

/// Pulls until caught up, calling `progress` after each page applied. A `409 cursor_ahead` resets the
/// store and starts again from 0, once.
pub async fn catch_up<S: ChangeStore, T: ChangeSource>(
    store: &S,
    source: &T,
    limit: u32,
    mut progress: impl FnMut(&PullProgress),
) -> Result<PullProgress, PullError<S::Error>> {
    let mut report = PullProgress { cursor: store.cursor().await.map_err(PullError::Store)?, ..PullProgress::default() };
    let mut reset = false;
    loop {
        let page = match source.changes(report.cursor, limit).await {
            Ok(page) => page,
            Err(Failure::Refused { status: 409, error }) if error.error == "cursor_ahead" && !reset => {
                reset = true;
                store.reset().await.map_err(PullError::Store)?;
                report.cursor = 0;
                continue;
            }
            Err(e) => return Err(PullError::Transport(e)),
        };
        check_page(report.cursor, &page).map_err(PullError::BadPage)?;
        store.apply_page(&page).await.map_err(PullError::Store)?;
        report.pages += 1;
        report.changes += page.changes.len();
        report.remaining = page.remaining;
        report.cursor = page.next;
        report.caught_up = !page.more;
        progress(&report);
        if report.caught_up {
            return Ok(report);
        }
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
    let mut out = Vec::with_capacity(live.len().div_ceil(per_page));
    let mut rest = live.into_iter().peekable();
    while rest.peek().is_some() {
        let changes: Vec<Change> = rest.by_ref().take(per_page).collect();
        let next = if rest.peek().is_some() { changes.last().map_or(0, |c| c.version) } else { cursor };
        out.push(ChangePage { changes, next, more: false, remaining: 0 });
    }
    out
}

/// The reference store: a [`Replica`] in memory.
impl ChangeStore for RefCell<Replica> {
    type Error = PageError;

    async fn cursor(&self) -> Result<Version, PageError> {
        Ok(self.borrow().cursor)
    }
    async fn apply_page(&self, page: &ChangePage) -> Result<(), PageError> {
        self.borrow_mut().apply(page).map(|_| ())
    }
    async fn reset(&self) -> Result<(), PageError> {
        *self.borrow_mut() = Replica::default();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::catalog::Product;
    use shared::sync::changes::{Change, Entity};
    use shared::sync::ApiError;

    /// A server whose log is `versions` products; it has been restored to `head` when asked beyond it.
    struct Log {
        versions: Vec<Version>,
    }

    impl ChangeSource for Log {
        async fn changes(&self, since: Version, limit: u32) -> Result<ChangePage, Failure> {
            let head = *self.versions.last().unwrap();
            if since > head {
                return Err(Failure::Refused { status: 409, error: ApiError { error: "cursor_ahead".into(), message: String::new(), seq: None, sale_id: None } });
            }
            let after: Vec<Version> = self.versions.iter().copied().filter(|v| *v > since).collect();
            let page: Vec<Version> = after.iter().copied().take(limit as usize).collect();
            let more = after.len() > page.len();
            let changes = page
                .iter()
                .map(|v| Change { version: *v, entity: Entity::Product(Product { id: format!("p{v}"), ..Product::default() }) })
                .collect();
            Ok(ChangePage { changes, next: if more { *page.last().unwrap() } else { head }, more, remaining: (after.len() - page.len()) as u64 })
        }
    }

    #[test]
    fn a_fresh_device_catches_up_page_by_page_with_progress() {
        let log = Log { versions: (1..=10).map(|v| v * 2).collect() };
        let store = RefCell::new(Replica::default());
        let mut seen = Vec::new();
        let report = futures_executor::block_on(catch_up(&store, &log, 3, |p| seen.push(p.remaining))).unwrap();
        assert_eq!(report.pages, 4);
        assert_eq!(seen, [7, 4, 1, 0]);
        assert!(report.caught_up && report.cursor == 20);
        assert_eq!(store.borrow().products.len(), 10);
    }

    #[test]
    fn a_cursor_the_server_no_longer_knows_starts_again_from_zero() {
        let log = Log { versions: vec![1, 2, 3] };
        let mut stale = Replica { cursor: 50, ..Replica::default() };
        stale.products.insert("gone".into(), Product::default());
        let store = RefCell::new(stale);
        let report = futures_executor::block_on(catch_up(&store, &log, 100, |_| {})).unwrap();
        assert_eq!(report.cursor, 3);
        assert!(!store.borrow().products.contains_key("gone"));
        assert_eq!(store.borrow().products.len(), 3);
    }

    #[test]
    fn progress_is_the_share_of_changes_brought() {
        let p = |changes, remaining| PullProgress { changes, remaining, ..PullProgress::default() };
        assert_eq!([p(0, 0), p(3, 5), p(8, 0)].map(|x| x.permille()), [0, 375, 1000]);
    }

    #[test]
    fn compacted_pages_give_the_same_state_in_fewer_changes() {
        use shared::stock::StockLevel;
        let product = |id: &str, price| Entity::Product(Product { id: id.into(), price: shared::Money(price), ..Product::default() });
        let mut changes = Vec::new();
        for round in 0..3 {
            for i in 0..5 {
                changes.push(product(&format!("p{i}"), round * 10 + i));
            }
        }
        changes.push(Entity::Deleted { of: EntityRef::Product { id: "p2".into() } });
        changes.push(Entity::Stock(StockLevel::new("p1", "mtl", 2)));
        let changes: Vec<Change> = changes.into_iter().zip(1..).map(|(entity, version)| Change { version, entity }).collect();
        // As a device stored them: small pages, overwrites and a tombstone included.
        let stored: Vec<ChangePage> = changes
            .chunks(2)
            .map(|c| ChangePage { changes: c.to_vec(), next: c.last().unwrap().version, more: true, remaining: 0 })
            .collect();
        let mut original = Replica::default();
        for page in &stored {
            original.apply(page).unwrap();
        }
        let compacted = compact(&stored, 20, 2);
        assert_eq!(compacted.iter().map(|p| p.changes.len()).sum::<usize>(), 5);
        let mut again = Replica::default();
        for page in &compacted {
            again.apply(page).unwrap();
        }
        original.cursor = 20;
        assert_eq!(again, original);
    }
}
