//! Comptoir's server: a thin adapter around `shared`. It stores, it checks with the shared rules, it serves.

pub mod allocate_cmd;
pub mod config;
pub mod demo;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod store;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{delete, get, post};
use axum::Router;
use std::path::Path;
use store::SqliteStore;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    pub store: SqliteStore,
}

/// The API alone (tests call it with `oneshot`).
pub fn api(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(|| async { "ok" }))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/setup", get(routes::catalog::setup))
        .route("/api/v1/catalog", get(routes::catalog::catalog))
        .route("/api/v1/customers", get(routes::catalog::customers))
        .route("/api/v1/devices", post(routes::sync::hello))
        .route("/api/v1/sync/push", post(routes::sync::push))
        .route("/api/v1/held", get(routes::sync::held))
        .route("/api/v1/sales", get(routes::sales::list))
        .route("/api/v1/stock", get(routes::sales::stock))
        .route("/api/v1/serials", get(routes::serials::list).post(routes::serials::add))
        .route("/api/v1/serials/{product_id}/{serial}", delete(routes::serials::delete))
        .route("/api/v1/conflicts", get(routes::serials::conflicts))
        .merge(routes::customers::routes())
        .route("/api/v1/reports/z", get(routes::reports::z_report))
        .fallback_service(Router::new().fallback(|| async { error::AppError::NotFound("no such API route".into()) }))
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(DefaultBodyLimit::max(shared::limits::MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(state)
}

/// The API plus the built register app; unknown paths get `index.html` so client-side routes reload.
pub fn app(state: AppState, dist: &Path) -> Router {
    let static_files = ServeDir::new(dist)
        .precompressed_gzip()
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .nest("/api/v1", Router::new().fallback(|| async { error::AppError::NotFound("no such API route".into()) }))
        .merge(api(state))
        .fallback_service(static_files)
        .layer(tower_http::compression::CompressionLayer::new())
}

/// Opens the store, loads the demo shop into an empty one, and serves until `shutdown` resolves.
pub async fn serve(config: config::Config, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let store = SqliteStore::connect(&config.database_url).await?;
    if config.demo && store.is_empty().await? {
        store.load_shop(&demo::demo_shop_with_extra(config.demo_extra_products)).await?;
        tracing::info!("loaded the demo shop");
    }
    if !config.dist.join("index.html").exists() {
        tracing::warn!("no built frontend at {} (run the README's run command)", config.dist.display());
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    tracing::info!("Comptoir listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(AppState { store }, &config.dist))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
