//! A list read page by page from a route that answers a page and the next page's cursor (`X-Next-Cursor`):
//! a new search replaces the rows, and an answer to an older search is dropped (each search gets a
//! number; only the latest is taken); « Charger plus » appends the next page, one request however fast
//! it is pressed. Catalogue › Produits and the serial numbers page use it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

#[derive(Clone, Debug, PartialEq)]
pub enum Load<E> {
    Loading,
    Ready,
    Failed(E),
}

/// The list's state; `Copy`, for the view's closures.
pub struct PagedList<T: Send + Sync + 'static, E: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub state: RwSignal<Load<E>>,
    pub more_pending: RwSignal<bool>,
    generation: StoredValue<u64>,
}

impl<T: Send + Sync + 'static, E: Send + Sync + 'static> Clone for PagedList<T, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static, E: Send + Sync + 'static> Copy for PagedList<T, E> {}

type Page<T, E> = Result<(Vec<T>, Option<String>), E>;

impl<T: Send + Sync + 'static, E: Send + Sync + 'static> PagedList<T, E> {
    pub fn new() -> Self {
        PagedList {
            rows: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            state: RwSignal::new(Load::Loading),
            more_pending: RwSignal::new(false),
            generation: StoredValue::new(0),
        }
    }

    /// The first page of a new search (`fetch(None)`), replacing the rows.
    pub fn search<Fut: Future<Output = Page<T, E>> + 'static>(self, fetch: impl FnOnce(Option<String>) -> Fut + 'static) {
        self.generation.update_value(|g| *g += 1);
        let mine = self.generation.get_value();
        self.state.set(Load::Loading);
        self.more_pending.set(false);
        spawn_local(async move {
            let answer = fetch(None).await;
            if self.generation.get_value() != mine {
                return; // a newer search was sent meanwhile
            }
            match answer {
                Ok((list, cursor)) => {
                    self.rows.set(list);
                    self.next.set(cursor);
                    self.state.set(Load::Ready);
                }
                Err(e) => self.state.set(Load::Failed(e)),
            }
        });
    }

    /// The next page of the same search (`fetch(Some(cursor))`), appended; nothing while one is out.
    pub fn more<Fut: Future<Output = Page<T, E>> + 'static>(self, fetch: impl FnOnce(Option<String>) -> Fut + 'static) {
        let Some(cursor) = self.next.get_untracked() else { return };
        if self.more_pending.get_untracked() {
            return;
        }
        self.more_pending.set(true);
        let mine = self.generation.get_value();
        spawn_local(async move {
            let answer = fetch(Some(cursor)).await;
            if self.generation.get_value() != mine {
                return;
            }
            self.more_pending.set(false);
            match answer {
                Ok((list, cursor)) => {
                    self.rows.update(|r| r.extend(list));
                    self.next.set(cursor);
                }
                Err(e) => self.state.set(Load::Failed(e)),
            }
        });
    }
}
