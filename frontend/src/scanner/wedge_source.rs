//! The keyboard-wedge source: a scanner that "types" its code very fast and ends with Enter. We catch
//! that burst at the window, wherever focus is, and keep it out of any input it landed in.

use super::router::ScanRouter;
use super::routing::Source;
use super::wedge::{Action, Wedge};
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, KeyboardEvent};

/// Listens for the page's life (the router is made once per page load).
pub fn start(router: ScanRouter) {
    let wedge = RefCell::new(Wedge::default());
    // The input the burst's first character may have been typed into, and its value before that.
    let leaked: RefCell<Option<(HtmlInputElement, String)>> = RefCell::new(None);
    // Capture phase at the window: we see every key before any input or delegated handler does, so a
    // burst's keys (and its Enter) never reach the focused field's own handlers.
    let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
        // No screen expects scans (sign-in, back-office forms): typing is typing, however fast.
        if !router.claimed() || e.ctrl_key() || e.alt_key() || e.meta_key() {
            wedge.borrow_mut().reset();
            return;
        }
        // A field marked `data-wedge="off"` (a PIN, a code, a password) takes fast typing as typing.
        let opted_out = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.get_attribute("data-wedge").as_deref() == Some("off"));
        if opted_out {
            wedge.borrow_mut().reset();
            return;
        }
        let action = wedge.borrow_mut().key(&e.key(), e.time_stamp());
        match action {
            Action::Pass => {}
            Action::Start => {
                // Remember the focused input's value before this key lands in it.
                let input = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
                *leaked.borrow_mut() = input.map(|i| {
                    let v = i.value();
                    (i, v)
                });
            }
            Action::Swallow => {
                e.prevent_default();
                e.stop_immediate_propagation();
            }
            Action::Scan(code) => {
                e.prevent_default();
                e.stop_immediate_propagation();
                if let Some((input, before)) = leaked.borrow_mut().take() {
                    input.set_value(&before);
                    // Let the input's own bindings see the restored value.
                    if let Ok(ev) = web_sys::Event::new("input") {
                        let _ = input.dispatch_event(&ev);
                    }
                }
                router.deliver(code, Source::Wedge);
            }
        }
    });
    let _ = leptos::prelude::window().add_event_listener_with_callback_and_bool(
        "keydown",
        listener.as_ref().unchecked_ref(),
        true,
    );
    listener.forget();
}
