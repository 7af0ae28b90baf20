//! The one place every scanner's codes go (keyboard wedge, WebHID, Web Serial), and the claims that say
//! where they go next (see [`super::routing`] for the rules).
//!
//! The scanners belong to the whole app, not to a screen: one wedge listener at the window, one open HID
//! device, one open serial port, kept across screens. So the router is one per page load, made on first
//! use ([`ScanRouter::get`]), which also starts the sources and reconnects the scanners paired before.

use super::routing::{Kind, Route, Routing, Source};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Taker = Rc<dyn Fn(String)>;

#[derive(Default)]
struct Inner {
    routing: Routing,
    takers: Vec<(u64, Taker)>,
}

/// A scan as the settings screen's test shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Scanned {
    pub code: String,
    pub source: Source,
}

/// A handle on the router (cheap to clone).
#[derive(Clone)]
pub struct ScanRouter {
    inner: Rc<RefCell<Inner>>,
    /// Codes held while a dialog that does not expect scans is open.
    pub held: ArcRwSignal<Vec<String>>,
    /// The last code read, whoever got it.
    pub last: ArcRwSignal<Option<Scanned>>,
}

thread_local! {
    static ROUTER: ScanRouter = ScanRouter {
        inner: Rc::default(),
        held: ArcRwSignal::new(Vec::new()),
        last: ArcRwSignal::new(None),
    };
    static STARTED: Cell<bool> = const { Cell::new(false) };
}

impl ScanRouter {
    /// The page's router; the first call starts the scanner sources.
    pub fn get() -> ScanRouter {
        let router = ROUTER.with(Clone::clone);
        if !STARTED.with(|s| s.replace(true)) {
            super::wedge_source::start(router.clone());
            super::hid::start();
            super::serial::start();
            crate::printer::start();
        }
        router
    }

    /// Gives a code read by `source` to whoever claims scans now.
    pub fn deliver(&self, code: String, source: Source) {
        let route = self.inner.borrow_mut().routing.route(&code, source, js_sys::Date::now());
        if route == Route::Echo {
            return;
        }
        self.last.set(Some(Scanned { code: code.clone(), source }));
        match route {
            Route::To(id) => {
                if let Some(take) = self.taker(id) {
                    take(code);
                }
            }
            Route::Held => self.sync_held(),
            Route::Dropped | Route::Echo => {}
        }
    }

    /// Whether a screen or dialog claims scans now.
    pub fn claimed(&self) -> bool {
        self.inner.borrow().routing.claimed()
    }

    fn taker(&self, id: u64) -> Option<Taker> {
        self.inner.borrow().takers.iter().find(|(t, _)| *t == id).map(|(_, f)| f.clone())
    }

    fn sync_held(&self) {
        let held = self.inner.borrow().routing.held().to_vec();
        self.held.set(held);
    }

    fn claim(&self, kind: Kind, take: Option<Taker>) -> u64 {
        let mut inner = self.inner.borrow_mut();
        let id = inner.routing.claim(kind);
        if let Some(take) = take {
            inner.takers.push((id, take));
        }
        id
    }

    fn release(&self, id: u64) {
        let give = {
            let mut inner = self.inner.borrow_mut();
            inner.takers.retain(|(t, _)| *t != id);
            inner.routing.release(id)
        };
        self.sync_held();
        if let Some((to, codes)) = give {
            let router = self.clone();
            // Released while the dialog is being taken down: hand the codes over once that is done.
            leptos::task::spawn_local(async move {
                if let Some(take) = router.taker(to) {
                    codes.into_iter().for_each(|c| take(c));
                }
            });
        }
    }
}

/// Takes every scan, whatever the scanner, for as long as the calling component lives (unless a later
/// claim covers it). The sell screen, the serial-number prompt and scanner mode call this.
pub fn use_scan_claim(on_scan: impl Fn(String) + 'static) {
    let router = ScanRouter::get();
    let id = router.claim(Kind::Take, Some(Rc::new(on_scan)));
    let router = SendWrapper::new(router);
    on_cleanup(move || router.release(id));
}

/// Holds every scan for as long as the calling component lives: for dialogs that do not expect scans.
pub fn use_scan_hold() -> ArcRwSignal<Vec<String>> {
    let router = ScanRouter::get();
    let id = router.claim(Kind::Hold, None);
    let held = router.held.clone();
    let router = SendWrapper::new(router);
    on_cleanup(move || router.release(id));
    held
}
