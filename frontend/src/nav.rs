//! Client-side navigation: the current path as a signal, links that push history, Back/Forward.
//! A few screens need no more than this; it keeps the router's weight out of the wasm.
//!
//! Two apps share these links (the register and the back office, see `shared::apps`): a link to a page
//! of the app showing it navigates in place; a link to the other app's page is a plain full-page link.

use leptos::ev;
use leptos::prelude::*;
use shared::apps::{web_app_for, WebApp};

#[derive(Clone, Copy)]
pub struct Nav {
    pub path: RwSignal<String>,
    /// The app this page is: its own paths navigate in place.
    pub app: WebApp,
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".into())
}

impl Nav {
    /// Provides navigation to the app and follows the browser's Back/Forward buttons.
    pub fn provide(app: WebApp) -> Nav {
        let nav = Nav { path: RwSignal::new(current_path()), app };
        let handle = window_event_listener(ev::popstate, move |_| nav.path.set(current_path()));
        on_cleanup(move || handle.remove());
        provide_context(nav);
        nav
    }

    /// Whether `href` is a page of this app (else the other app's page loads in its place).
    pub fn owns(&self, href: &str) -> bool {
        web_app_for(href) == self.app
    }

    pub fn go(&self, href: &str) {
        if !self.owns(href) {
            let _ = window().location().assign(href);
            return;
        }
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

/// A link: a real `<a>` (middle-click, copy link) that navigates without reloading within this app, and
/// loads the other app's page like any link.
#[component]
pub fn Link(href: &'static str, children: Children) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let in_app = nav.owns(href);
    view! {
        <a
            href=href
            aria-current=move || (nav.path.get() == href).then_some("page")
            on:click=move |e: web_sys::MouseEvent| {
                if in_app && e.button() == 0 && !e.ctrl_key() && !e.meta_key() && !e.shift_key() {
                    e.prevent_default();
                    nav.go(href);
                }
            }
        >
            {children()}
        </a>
    }
}
