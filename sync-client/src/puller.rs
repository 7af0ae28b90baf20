//! Sync down, the device's side: [`catch_up`] pulls the change log from the device's cursor page by
//! page (`GET /sync/changes`), checks each page follows the cursor (`shared::sync::changes::check_page`)
//! and hands it to the store, which applies it and stores its `next` cursor in one local transaction.
//! Call it at start, on each `change` event of `GET /events`, and after coming back online.

use crate::Failure;
use shared::sync::changes::{check_page, ChangePage, PageError, Replica, Version};
use std::cell::RefCell;

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
}
