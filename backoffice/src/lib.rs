//! Comptoir's back office: sales history, serial numbers, customer accounts, online orders (with the
//! floor tablets' scanner mode) and online stores. A second Leptos client-side app beside the register,
//! so none of this is loaded at the counter; it runs on the register's library (`frontend`): the same
//! state, local data, outbox and sync, hence the same behaviour offline once loaded.

pub mod api;
pub mod app;
pub mod components;
pub mod i18n_catalog;
pub mod i18n_clients;
pub mod i18n_history;
pub mod i18n_inbox;
pub mod i18n_admin;
pub mod i18n_menu;
pub mod i18n_orders;
pub mod i18n_serials;
pub mod i18n_stores;
pub mod i18n_zreport;
pub mod pages;

/// Mounts the app on `<body>`.
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
