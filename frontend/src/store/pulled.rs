//! What the register pulled from the server's change log (`shared::sync::changes`): each page as it
//! came, one record keyed by its cursor, and the cursor itself — written in one transaction, so a page
//! is there with its cursor or neither is. A 100 000-product catalog is a few hundred records, not
//! 100 000 (one record per product is 12–15 s of IndexedDB writes on its own).
//!
//! The state is what applying the stored pages in order gives (`Replica::apply`, the shared rule):
//! tombstones delete, a later state replaces an earlier one. Pages accumulate with live updates, so at
//! start `compact_pulled` rewrites them as the entities' latest states when they have grown (in one
//! transaction that reads what it rewrites, so a tab pulling meanwhile loses nothing).

use super::{Db, Result, StoreError};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::{Deserialize, Serialize};
use shared::sync::changes::{check_page, ChangePage, Replica, Version};
use std::cell::Cell;
use sync_client::{compact, ChangeStore};

/// Applied pages, by cursor (`{next:020}`: text order is version order).
pub const PULLED: &str = "pulled";
/// The cursor (one record), apart from `meta` so that a large page never holds up a sale's transaction.
pub const PULL_CURSOR: &str = "pull_cursor";
const CURSOR_KEY: &str = "cursor";
/// Changes per page once compacted.
const COMPACT_PAGE: usize = 2000;

/// Where this device is in the change log, and for whom it pulled (the scope: a device sees its
/// outlet, a manager theirs — pulled data of another scope is forgotten, not mixed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullCursor {
    pub version: Version,
    pub scope: String,
}

/// What storing a page did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageOutcome {
    /// Stored, with its cursor, on top of cursor `from`.
    Applied { from: Version },
    /// It does not follow the stored cursor (another tab of this device stored pages meanwhile, or it
    /// was stored already): nothing was written.
    Stale,
}

/// What a load found: the state, and how many pages hold it (to decide on compaction).
pub struct Loaded {
    pub replica: Replica,
    pub pages: usize,
}

thread_local! {
    static FAIL_BEFORE_CURSOR: Cell<bool> = const { Cell::new(false) };
}

/// Tests only: the next `apply_page` fails after writing its page, before its cursor.
#[doc(hidden)]
pub fn fail_next_cursor_write() {
    FAIL_BEFORE_CURSOR.with(|f| f.set(true));
}

fn page_key(next: Version) -> String {
    format!("{next:020}")
}

impl Db {
    pub async fn pull_cursor(&self) -> Result<PullCursor> {
        let tx = self.raw().transaction(PULL_CURSOR).build()?;
        let raw: Option<String> = tx.object_store(PULL_CURSOR)?.get(CURSOR_KEY).primitive()?.await?;
        Ok(raw.map(|r| serde_json::from_str(&r)).transpose()?.unwrap_or_default())
    }

    /// Stores `page` and moves the cursor to `page.next`, in one transaction; nothing when the page
    /// does not follow the stored cursor (`check_page`).
    pub async fn apply_page(&self, page: &ChangePage) -> Result<PageOutcome> {
        let tx = self.raw().transaction([PULLED, PULL_CURSOR]).with_mode(TransactionMode::Readwrite).build()?;
        let cursors = tx.object_store(PULL_CURSOR)?;
        let raw: Option<String> = cursors.get(CURSOR_KEY).primitive()?.await?;
        let mut cursor: PullCursor = raw.map(|r| serde_json::from_str(&r)).transpose()?.unwrap_or_default();
        if check_page(cursor.version, page).is_err() {
            return Ok(PageOutcome::Stale);
        }
        let from = cursor.version;
        if !page.changes.is_empty() {
            tx.object_store(PULLED)?.put(serde_json::to_string(page)?).with_key(page_key(page.next)).primitive()?;
        }
        if FAIL_BEFORE_CURSOR.with(|f| f.replace(false)) {
            // Dropped without a commit: IndexedDB aborts the transaction, the page's write with it.
            return Err(StoreError("injected failure before the cursor was written".into()));
        }
        cursor.version = page.next;
        cursors.put(serde_json::to_string(&cursor)?).with_key(CURSOR_KEY).primitive()?;
        tx.commit().await?;
        Ok(PageOutcome::Applied { from })
    }

    /// Forgets every pulled page and sets the cursor to 0 for `scope`.
    pub async fn forget_pulled_for(&self, scope: &str) -> Result<()> {
        let tx = self.raw().transaction([PULLED, PULL_CURSOR]).with_mode(TransactionMode::Readwrite).build()?;
        tx.object_store(PULLED)?.clear()?;
        let cursor = PullCursor { version: 0, scope: scope.to_string() };
        tx.object_store(PULL_CURSOR)?.put(serde_json::to_string(&cursor)?).with_key(CURSOR_KEY).primitive()?;
        tx.commit().await?;
        Ok(())
    }

    /// The pulled state: the stored pages applied in order, at the stored cursor.
    pub async fn load_pulled(&self) -> Result<Loaded> {
        let tx = self.raw().transaction([PULLED, PULL_CURSOR]).build()?;
        let raw: Option<String> = tx.object_store(PULL_CURSOR)?.get(CURSOR_KEY).primitive()?.await?;
        let cursor: PullCursor = raw.map(|r| serde_json::from_str(&r)).transpose()?.unwrap_or_default();
        let pages: Vec<String> = tx.object_store(PULLED)?.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        let mut replica = Replica::default();
        for raw in &pages {
            let page: ChangePage = serde_json::from_str(raw)?;
            replica.apply(&page).map_err(|e| StoreError(format!("stored pages: {e}")))?;
        }
        replica.cursor = cursor.version;
        Ok(Loaded { replica, pages: pages.len() })
    }

    /// Rewrites the stored pages as the entities' latest states (same state, fewer records).
    pub async fn compact_pulled(&self) -> Result<()> {
        let tx = self.raw().transaction([PULLED, PULL_CURSOR]).with_mode(TransactionMode::Readwrite).build()?;
        let raw: Option<String> = tx.object_store(PULL_CURSOR)?.get(CURSOR_KEY).primitive()?.await?;
        let cursor: PullCursor = raw.map(|r| serde_json::from_str(&r)).transpose()?.unwrap_or_default();
        let store = tx.object_store(PULLED)?;
        let raw: Vec<String> = store.get_all().primitive()?.await?.collect::<std::result::Result<_, _>>()?;
        let pages = raw.iter().map(|r| serde_json::from_str(r)).collect::<std::result::Result<Vec<ChangePage>, _>>()?;
        store.clear()?;
        for page in compact(&pages, cursor.version, COMPACT_PAGE) {
            store.put(serde_json::to_string(&page)?).with_key(page_key(page.next)).primitive()?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many pages are stored.
    pub async fn pulled_pages(&self) -> Result<u32> {
        let tx = self.raw().transaction(PULLED).build()?;
        Ok(tx.object_store(PULLED)?.count().await?)
    }
}

/// Whether `pages` stored records are worth compacting for a state of `entities` entities.
pub fn worth_compacting(pages: usize, entities: usize) -> bool {
    pages > 64 && pages > 2 * entities.div_ceil(COMPACT_PAGE)
}

/// The message of a page that did not follow the stored cursor.
pub const STALE_PAGE: &str = "the stored cursor moved (another tab pulled): pull again";

impl ChangeStore for Db {
    type Error = StoreError;

    async fn cursor(&self) -> Result<Version> {
        Ok(self.pull_cursor().await?.version)
    }

    async fn apply_page(&self, page: &ChangePage) -> Result<()> {
        match Db::apply_page(self, page).await? {
            PageOutcome::Applied { .. } => Ok(()),
            PageOutcome::Stale => Err(StoreError(STALE_PAGE.into())),
        }
    }

    async fn reset(&self) -> Result<()> {
        let scope = self.pull_cursor().await?.scope;
        self.forget_pulled_for(&scope).await
    }
}
