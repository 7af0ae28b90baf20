//! Client-side navigation: the current path as a signal, links that push history, Back/Forward.
//! A few screens need no more than this; it keeps the router's weight out of the wasm.

use leptos::ev;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Nav {
    pub path: RwSignal<String>,
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".into())
}

impl Nav {
    /// Provides navigation to the app and follows the browser's Back/Forward buttons.
    pub fn provide() -> Nav {
        let nav = Nav { path: RwSignal::new(current_path()) };
        let handle = window_event_listener(ev::popstate, move |_| nav.path.set(current_path()));
        on_cleanup(move || handle.remove());
        provide_context(nav);
        nav
    }

    pub fn go(&self, href: &str) {
        if self.path.get_untracked() != href {
            // Keep the query string (it carries `?register=`).
            let search = window().location().search().unwrap_or_default();
            let _ = window()
                .history()
                .and_then(|h| h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{href}{search}"))));
            self.path.set(href.to_string());
        }
    }
}

/// An in-app link: a real `<a>` (middle-click, copy link) that navigates without reloading.
#[component]
pub fn Link(href: &'static str, children: Children) -> impl IntoView {
    let nav = expect_context::<Nav>();
    view! {
        <a
            href=href
            aria-current=move || (nav.path.get() == href).then_some("page")
            on:click=move |e: web_sys::MouseEvent| {
                if e.button() == 0 && !e.ctrl_key() && !e.meta_key() && !e.shift_key() {
                    e.prevent_default();
                    nav.go(href);
                }
            }
        >
            {children()}
        </a>
    }
}
