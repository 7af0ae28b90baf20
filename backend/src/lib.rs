//! Comptoir's server: a thin adapter around `shared`. It stores, it checks with the shared rules, it serves.

pub mod admin_cmd;
pub mod allocate_cmd;
pub mod auth;
pub mod bridges;
pub mod config;
pub mod demo;
pub mod error;
pub mod notifier;
pub mod online;
pub mod openapi;
pub mod routes;
pub mod secrets;
pub mod store;
pub mod time_zone;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn_with_state, Next};
use axum::Router;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use store::Store;
use shared::apps::{web_app_for, WebApp, BACK_OFFICE_DIR};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub auth: Arc<auth::AuthConfig>,
    /// The newest committed version, for the event streams (`GET /events`).
    pub notifier: notifier::Notifier,
    /// The client platform bridges call e-commerce platforms with (`online`, `bridges`).
    pub http: reqwest::Client,
}

impl AppState {
    /// Default checks: loopback host names, cookies without `Secure` (tests, a shop on one PC).
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState { store, auth: Arc::new(auth::AuthConfig::default()), notifier: Default::default(), http: platform_client() }
    }

    pub fn with_auth(store: Arc<dyn Store>, auth: auth::AuthConfig) -> AppState {
        AppState { store, auth: Arc::new(auth), notifier: Default::default(), http: platform_client() }
    }
}

/// The HTTP client for e-commerce platforms: bounded waits, so a slow platform never holds a webhook.
pub fn platform_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// The API alone (tests call it with `oneshot`), built from the route table: each route behind its guard.
pub fn api(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes::table::table() {
        let access = route.access;
        let guard = from_fn_with_state(state.clone(), move |State(s): State<AppState>, req: Request, next: Next| auth::guard(s, access, req, next));
        router = router.route(route.path, route.handler.route_layer(guard));
    }
    router
        .fallback_service(Router::new().fallback(|| async { error::AppError::NotFound("no such API route".into()) }))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(from_fn_with_state(state.clone(), publish_after_writes))
        .layer(DefaultBodyLimit::max(shared::limits::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(from_fn_with_state(state.clone(), auth::check_host))
        .with_state(state)
}

/// After a state-changing request, tells the event streams the newest version (SQLite: every write of
/// this process goes through a request; a failed one leaves the version as it was, and publishing the
/// same version again wakes nobody).
async fn publish_after_writes(State(state): State<AppState>, req: Request, next: Next) -> axum::response::Response {
    let writes = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    let res = next.run(req).await;
    if writes {
        match state.store.change_head().await {
            Ok(v) => state.notifier.publish(v),
            Err(e) => tracing::warn!("reading the change log's version: {e:#}"),
        }
    }
    res
}

/// The API plus the two built apps ([`static_files`]).
pub fn app(state: AppState, dist: &Path) -> Router {
    Router::new()
        .nest("/api/v1", Router::new().fallback(|| async { error::AppError::NotFound("no such API route".into()) }))
        .merge(api(state.clone()))
        .fallback_service(static_files(dist))
        .layer(from_fn_with_state(state, auth::check_host))
        .layer(tower_http::compression::CompressionLayer::new())
}

/// The two web apps' builds (`shared::apps`): the register's in `dist/`, the back office's in
/// `dist/gestion/` (its files are asked for under `/gestion/`). A back-office page (`/commandes`, and
/// anything under it) gets the back office's `index.html`; every other path that is no file gets the
/// register's, so each app's client-side routes reload.
pub fn static_files(dist: &Path) -> Router {
    let files = ServeDir::new(dist).precompressed_gzip().fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(back_office_pages))
        .layer(axum::middleware::from_fn(static_cache))
}

/// Serves the back office's `index.html` at its pages' paths (the query string is the page's).
async fn back_office_pages(mut req: Request, next: Next) -> axum::response::Response {
    if web_app_for(req.uri().path()) == WebApp::BackOffice {
        let index = format!("/{BACK_OFFICE_DIR}/index.html");
        if let Ok(uri) = index.parse() {
            *req.uri_mut() = uri;
        }
    }
    next.run(req).await
}

/// `Cache-Control` of the app's files. Trunk's hashed names (`main-2503386e73a397c1.css`,
/// `…-4f264bab6e01a9b_bg.wasm`) never change content: a year, `immutable`. Everything else — `index.html`
/// and the client routes it answers, `/sw.js` (so the browser's update check always reaches the
/// server), the manifest, the icons — is `no-cache`: used only after revalidation. An unknown hashed
/// name falls back to `index.html`, which is never marked immutable.
async fn static_cache(req: Request, next: Next) -> axum::response::Response {
    let hashed = is_hashed_name(req.uri().path());
    let mut res = next.run(req).await;
    let html = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    let value = if hashed && res.status().is_success() && !html { "public, max-age=31536000, immutable" } else { "no-cache" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// `name-<8 to 16 hex digits>[_bg].ext`, as Trunk's `filehash` names its outputs.
fn is_hashed_name(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| (8..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Opens the store, loads the demo shop into an empty one (and prints its accounts and enrolment
/// codes), and serves until `shutdown` resolves.
pub async fn serve(config: config::Config, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let store = store::connect(&config.database_url).await?;
    if config.demo && store.is_empty().await? && store.load_shop_if_empty(&demo::demo_shop_with_extra(config.demo_extra_products)).await? {
        tracing::info!("loaded the demo shop");
    }
    if config.demo {
        demo::print_demo_access(&*store).await?;
    }
    for index in [config.dist.join("index.html"), config.dist.join(BACK_OFFICE_DIR).join("index.html")] {
        if !index.exists() {
            tracing::warn!("no built app at {} (run the README's run command)", index.display());
        }
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let bound = listener.local_addr()?;
    let hosts = match &config.hosts {
        Some(list) => auth::HostPolicy::Listed(list.clone()),
        None => auth::HostPolicy::Loopback(vec![bound.ip()]),
    };
    let state = AppState::with_auth(store, auth::AuthConfig { hosts, secure_cookies: config.https() });
    // Versions other processes commit (PostgreSQL): the event streams hear of them too.
    state.store.watch_changes(state.notifier.clone());
    online::worker::spawn(state.clone());
    // Online orders a missed webhook did not bring (issue 11).
    online::spawn_reconciliation(state.clone());
    tracing::info!("Comptoir listening on http://{bound}");
    // Open event streams end when shutdown starts: graceful shutdown waits for every connection.
    let notifier = state.notifier.clone();
    let shutdown = async move {
        shutdown.await;
        notifier.close();
    };
    axum::serve(listener, app(state, &config.dist).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names_are_trunks_outputs() {
        assert!(super::is_hashed_name("/main-2503386e73a397c1.css"));
        assert!(super::is_hashed_name("/comptoir-frontend-4f264bab6e01a9b_bg.wasm"));
        assert!(super::is_hashed_name("/comptoir-frontend-4f264bab6e01a9b.js"));
        for path in ["/", "/index.html", "/sw.js", "/manifest.webmanifest", "/icons/icon-192.png", "/numeros-de-serie", "/clients"] {
            assert!(!super::is_hashed_name(path), "{path}");
        }
        assert!(super::is_hashed_name("/gestion/comptoir-backoffice-4f264bab6e01a9b_bg.wasm"));
    }

    /// A `dist/` as the two Trunk builds leave it, each file saying which it is.
    fn two_builds() -> tempfile::TempDir {
        let dist = tempfile::tempdir().unwrap();
        let write = |path: &str, body: &str| {
            let file = dist.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, body).unwrap();
        };
        write("index.html", "<html>register</html>");
        write("comptoir-frontend-4f264bab6e01a9b.js", "register js");
        write("sw.js", "worker");
        write("gestion/index.html", "<html>back office</html>");
        write("gestion/comptoir-backoffice-0123456789abcdef_bg.wasm", "back office wasm");
        dist
    }

    async fn get(dist: &std::path::Path, path: &str) -> (axum::http::StatusCode, String, String) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let req = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
        let res = super::static_files(dist).oneshot(req).await.unwrap();
        let cache = res.headers().get(axum::http::header::CACHE_CONTROL).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let status = res.status();
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        (status, body, cache)
    }

    #[tokio::test]
    async fn back_office_pages_get_the_back_offices_index_and_every_other_page_the_registers() {
        let dist = two_builds();
        for path in ["/ventes", "/numeros-de-serie", "/clients", "/commandes", "/boutiques", "/commandes/42", "/clients?x=1"] {
            assert_eq!(get(dist.path(), path).await, (axum::http::StatusCode::OK, "<html>back office</html>".into(), "no-cache".into()), "{path}");
        }
        for path in ["/", "/connexion", "/?register=montreal-1", "/commandesx", "/anything/else"] {
            assert_eq!(get(dist.path(), path).await, (axum::http::StatusCode::OK, "<html>register</html>".into(), "no-cache".into()), "{path}");
        }
    }

    #[tokio::test]
    async fn each_builds_hashed_files_are_immutable_and_the_rest_revalidated() {
        let dist = two_builds();
        let immutable = "public, max-age=31536000, immutable".to_string();
        assert_eq!(get(dist.path(), "/comptoir-frontend-4f264bab6e01a9b.js").await.2, immutable);
        let (status, body, cache) = get(dist.path(), "/gestion/comptoir-backoffice-0123456789abcdef_bg.wasm").await;
        assert_eq!((status, body.as_str(), cache), (axum::http::StatusCode::OK, "back office wasm", immutable));
        assert_eq!(get(dist.path(), "/sw.js").await.2, "no-cache");
        // A hashed name that is no file: the register's index.html, never immutable.
        let (_, body, cache) = get(dist.path(), "/gestion/comptoir-backoffice-ffffffffffffffff.js").await;
        assert_eq!((body.as_str(), cache.as_str()), ("<html>register</html>", "no-cache"));
    }
}
