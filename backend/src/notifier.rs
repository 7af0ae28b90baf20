//! The newest committed version, shared with every open event stream (`GET /events`).
//!
//! A `watch` channel holds only the latest value, so a burst of writes wakes each stream once with the
//! last version (coalesced), and a slow client never makes the server queue anything for it.
//!
//! Who publishes: on SQLite, the `api` router's `publish_after_writes` layer reads the head after every
//! state-changing request (SQLite has one process; every write of it goes through a request or
//! runs before serving). On PostgreSQL with several instances, a task `LISTEN`s on the `changes`
//! channel that the port's triggers `pg_notify` and calls [`Notifier::publish`] with each payload: the
//! seam is this one method, and `publish` ignoring an older version makes the two sources safe together.

use shared::sync::changes::Version;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Latest {
    pub version: Version,
    /// The server is shutting down: streams end (graceful shutdown waits for open connections).
    pub closed: bool,
}

#[derive(Clone)]
pub struct Notifier {
    tx: Arc<watch::Sender<Latest>>,
}

impl Default for Notifier {
    fn default() -> Self {
        Notifier { tx: Arc::new(watch::Sender::new(Latest::default())) }
    }
}

impl Notifier {
    /// A newer version was committed; an older or equal one is ignored (several publishers may race).
    pub fn publish(&self, version: Version) {
        self.tx.send_if_modified(|l| {
            if version > l.version {
                l.version = version;
                true
            } else {
                false
            }
        });
    }

    pub fn latest(&self) -> Version {
        self.tx.borrow().version
    }

    pub fn subscribe(&self) -> watch::Receiver<Latest> {
        self.tx.subscribe()
    }

    /// Ends every open stream.
    pub fn close(&self) {
        self.tx.send_modify(|l| l.closed = true);
    }

    /// How many streams are open.
    pub fn listeners(&self) -> usize {
        self.tx.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let n = Notifier::default();
        let mut rx = n.subscribe();
        n.publish(5);
        n.publish(3);
        assert_eq!(n.latest(), 5);
        assert!(rx.has_changed().unwrap());
        assert_eq!(rx.borrow_and_update().version, 5);
        n.publish(5);
        assert!(!rx.has_changed().unwrap());
    }
}
