//! Comptoir's register: a Leptos client-side app. Business rules come from `shared`; this crate is the
//! browser adapter: screens, IndexedDB, the outbox pusher and scanner input. As a library it is also what
//! the back office (`backoffice/`, a second app) builds on: state, auth, sync, local data, i18n core,
//! navigation and the header.

pub mod app;
pub mod auth;
pub mod catalog;
pub mod components;
pub mod i18n;
pub mod i18n_auth;
pub mod i18n_customers;
pub mod i18n_nav;
pub mod i18n_ops;
pub mod i18n_price;
pub mod i18n_pull;
pub mod i18n_sync;
pub mod nav;
pub mod ops;
pub mod pages;
pub mod printer;
pub mod pulled;
pub mod scanner;
pub mod state;
pub mod store;
pub mod sync;

/// Mounts the app on `<body>`.
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
