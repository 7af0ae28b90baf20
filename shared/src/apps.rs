//! Which of the two web apps answers a path: the register (sell screen and its dialogs, installable,
//! reloads offline) or the back office (history, serials, customers, orders, stores). The server serves
//! each app's `index.html` by it, the register's service worker leaves back-office pages to the network
//! (`scripts/pwa-precache.mjs` copies [`BACK_OFFICE_PATHS`] into it from this file), and each app's
//! links navigate in place within it and load the other app's page otherwise.

/// The back office's pages; anything under them (`/commandes/…`) is the back office's too.
/// Kept as one array of string literals: `scripts/pwa-precache.mjs` reads it from this source.
pub const BACK_OFFICE_PATHS: [&str; 13] = [
    "/ventes",
    "/numeros-de-serie",
    "/clients",
    "/commandes",
    "/boutiques",
    "/produits",
    "/import",
    "/a-traiter",
    "/rapport-z",
    "/points-de-vente",
    "/appareils",
    "/personnel",
    "/journal",
];

/// Where the back office's build lives in the served directory (Trunk's `public_url`): its files never
/// clash with the register's, and the register's service worker never precaches them.
pub const BACK_OFFICE_DIR: &str = "gestion";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebApp {
    Register,
    BackOffice,
}

/// The app whose `index.html` answers a navigation to `path` (a URL path, without query).
pub fn web_app_for(path: &str) -> WebApp {
    let under = |page: &str| path.strip_prefix(page).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if BACK_OFFICE_PATHS.iter().any(|page| under(page)) {
        WebApp::BackOffice
    } else {
        WebApp::Register
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_office_pages_and_anything_under_them_are_the_back_offices() {
        for path in ["/ventes", "/numeros-de-serie", "/clients", "/commandes", "/boutiques", "/commandes/", "/commandes/42", "/clients/c-1/releve", "/produits", "/produits/p-1", "/import", "/a-traiter", "/rapport-z", "/points-de-vente", "/appareils", "/personnel", "/journal", "/ventes/s-1"] {
            assert_eq!(web_app_for(path), WebApp::BackOffice, "{path}");
        }
    }

    #[test]
    fn every_other_path_is_the_registers() {
        for path in ["/", "/connexion", "/index.html", "/sw.js", "/gestion/index.html", "/commandesx", "/ventes-du-jour", "/client", ""] {
            assert_eq!(web_app_for(path), WebApp::Register, "{path}");
        }
    }
}
