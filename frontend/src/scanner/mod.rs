//! Scanner input. A keyboard-wedge scanner "types" its code very fast and ends with Enter; we catch
//! that burst at the window, wherever focus is, and keep it out of any input it landed in.

pub mod wedge;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, KeyboardEvent};
use wedge::{Action, Wedge};

/// Calls `on_scan` with each scanned code for as long as the owner lives.
pub fn use_wedge_scanner(on_scan: impl Fn(String) + 'static) {
    let wedge = StoredValue::new_local(Wedge::default());
    // The input the burst's first character may have been typed into, and its value before that.
    let leaked: StoredValue<Option<(HtmlInputElement, String)>, LocalStorage> = StoredValue::new_local(None);
    // Capture phase at the window: we see every key before any input or delegated handler does, so a
    // burst's keys (and its Enter) never reach the focused field's own handlers.
    let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
        if e.ctrl_key() || e.alt_key() || e.meta_key() {
            wedge.update_value(Wedge::reset);
            return;
        }
        // A field marked `data-wedge="off"` (a PIN, a code, a password) takes fast typing as typing.
        let opted_out = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.get_attribute("data-wedge").as_deref() == Some("off"));
        if opted_out {
            wedge.update_value(Wedge::reset);
            return;
        }
        let now = e.time_stamp();
        let key = e.key();
        let action = wedge.try_update_value(|w| w.key(&key, now)).unwrap_or(Action::Pass);
        match action {
            Action::Pass => {}
            Action::Start => {
                // Remember the focused input's value before this key lands in it.
                let input = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
                leaked.set_value(input.map(|i| {
                    let v = i.value();
                    (i, v)
                }));
            }
            Action::Swallow => {
                e.prevent_default();
                e.stop_immediate_propagation();
            }
            Action::Scan(code) => {
                e.prevent_default();
                e.stop_immediate_propagation();
                if let Some((input, before)) = leaked.try_update_value(Option::take).flatten() {
                    input.set_value(&before);
                    // Let the input's own bindings see the restored value.
                    if let Ok(ev) = web_sys::Event::new("input") {
                        let _ = input.dispatch_event(&ev);
                    }
                }
                on_scan(code);
            }
        }
    });
    let win = window();
    let _ = win.add_event_listener_with_callback_and_bool("keydown", listener.as_ref().unchecked_ref(), true);
    let listener = SendWrapper::new(listener);
    on_cleanup(move || {
        let _ = window().remove_event_listener_with_callback_and_bool("keydown", listener.as_ref().unchecked_ref(), true);
    });
}
