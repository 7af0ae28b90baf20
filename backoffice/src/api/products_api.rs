//! Catalogue › Produits' calls: `/api/v1/products` (list with search, filters and cursor; one product;
//! create; edit) and `/api/v1/import/{kind}` (the CSV file as sent, preview or import). The export
//! files are plain links: the session cookie goes with them.

use frontend::sync::http::{request, seg, send, Method, NEXT_CURSOR, TIMEOUT_MS};
use gloo_net::http::Response;
use serde::Deserialize;
use shared::catalog::edit::{
    parse_tax_class, tax_class_name, Collision, FieldError, NewProduct, ProductPatch,
};
use shared::catalog::import::{FileKind, ImportReport};
use shared::catalog::Product;
use shared::tax::TaxClass;

/// An import may take a while on a large file (the server reads and plans every row).
const IMPORT_TIMEOUT_MS: u32 = 300_000;

/// A 4xx body of the product routes: the error, plus every field at fault (422) or what another
/// product already has (409).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    pub error: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
    #[serde(default)]
    pub collisions: Vec<Collision>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer, or not one we can read: try again.
    Unreachable(String),
    Refused {
        status: u16,
        refusal: Refusal,
    },
}

pub(crate) async fn answer(resp: Result<Response, gloo_net::Error>) -> Result<Response, Failure> {
    let resp = resp.map_err(|e| Failure::Unreachable(e.to_string()))?;
    let status = resp.status();
    if (200..300).contains(&status) {
        return Ok(resp);
    }
    if (400..500).contains(&status) {
        let refusal = resp.json::<Refusal>().await.unwrap_or_else(|_| Refusal {
            error: "http".into(),
            message: format!("HTTP {status}"),
            ..Refusal::default()
        });
        return Err(Failure::Refused { status, refusal });
    }
    Err(Failure::Unreachable(format!("HTTP {status}")))
}

async fn product(resp: Result<Response, gloo_net::Error>) -> Result<Product, Failure> {
    answer(resp)
        .await?
        .json()
        .await
        .map_err(|e| Failure::Unreachable(format!("bad answer: {e}")))
}

/// What the list asks for: the server's `q`, `tax_class`, `has_serials`, `low_stock` + `outlet`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductQuery {
    pub q: String,
    pub tax_class: Option<TaxClass>,
    pub has_serials: Option<bool>,
    /// Only products at or below their threshold at this outlet.
    pub low_stock_at: Option<String>,
}

impl ProductQuery {
    pub fn url(&self, cursor: Option<&str>) -> String {
        let mut parts = vec!["limit=50".to_string()];
        let q = self.q.trim();
        if !q.is_empty() {
            parts.push(format!("q={}", seg(q)));
        }
        if let Some(c) = self.tax_class {
            parts.push(format!("tax_class={}", tax_class_name(c)));
        }
        if let Some(s) = self.has_serials {
            parts.push(format!("has_serials={s}"));
        }
        if let Some(o) = &self.low_stock_at {
            parts.push(format!("low_stock=true&outlet={}", seg(o)));
        }
        if let Some(c) = cursor {
            parts.push(format!("cursor={}", seg(c)));
        }
        format!("/api/v1/products?{}", parts.join("&"))
    }
}

/// A tax class from a `<select>`'s value (`""`: any).
pub fn tax_class_from(value: &str) -> Option<TaxClass> {
    parse_tax_class(value)
}

/// One page of products by name, and the next page's cursor.
pub async fn page(
    query: &ProductQuery,
    cursor: Option<&str>,
) -> Result<(Vec<Product>, Option<String>), Failure> {
    let resp =
        answer(send(request(Method::Get, &query.url(cursor)), None, TIMEOUT_MS).await).await?;
    let next = resp.headers().get(NEXT_CURSOR);
    let rows = resp
        .json()
        .await
        .map_err(|e| Failure::Unreachable(format!("bad answer: {e}")))?;
    Ok((rows, next))
}

pub async fn get(id: &str) -> Result<Product, Failure> {
    product(
        send(
            request(Method::Get, &format!("/api/v1/products/{}", seg(id))),
            None,
            TIMEOUT_MS,
        )
        .await,
    )
    .await
}

pub async fn create(new: &NewProduct) -> Result<Product, Failure> {
    let json = serde_json::to_string(new).map_err(|e| Failure::Unreachable(e.to_string()))?;
    product(
        send(
            request(Method::Post, "/api/v1/products"),
            Some(json),
            TIMEOUT_MS,
        )
        .await,
    )
    .await
}

/// `PATCH`: the shared builder with its credentials and CSRF token, the method changed.
pub async fn edit(id: &str, patch: &ProductPatch) -> Result<Product, Failure> {
    let json = serde_json::to_string(patch).map_err(|e| Failure::Unreachable(e.to_string()))?;
    let builder = request(Method::Post, &format!("/api/v1/products/{}", seg(id)))
        .method(gloo_net::http::Method::PATCH);
    product(send(builder, Some(json), TIMEOUT_MS).await).await
}

/// The route name of a kind of file (`products`, `serials`, `customers`).
pub fn kind_path(kind: FileKind) -> &'static str {
    kind.into()
}

/// What an import answered: the report (preview, done, or refused with its errors — nothing written).
pub enum Imported {
    Report(ImportReport),
    Refused(Refusal),
}

/// `POST /import/{kind}?dry_run=`: the file's bytes as `text/csv` (the browser streams the `File`).
pub async fn import(
    kind: FileKind,
    file: &web_sys::File,
    dry_run: bool,
) -> Result<Imported, Failure> {
    let url = format!("/api/v1/import/{}?dry_run={dry_run}", kind_path(kind));
    let controller =
        web_sys::AbortController::new().map_err(|e| Failure::Unreachable(format!("{e:?}")))?;
    let req = request(Method::Post, &url)
        .header("Content-Type", "text/csv")
        .abort_signal(Some(&controller.signal()))
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    let timer = leptos::prelude::set_timeout_with_handle(
        move || controller.abort(),
        std::time::Duration::from_millis(IMPORT_TIMEOUT_MS.into()),
    )
    .ok();
    let resp = req.send().await;
    if let Some(t) = timer {
        t.clear();
    }
    let resp = resp.map_err(|e| Failure::Unreachable(e.to_string()))?;
    let status = resp.status();
    // 200: a preview or the import done; 422: refused with the report of its errors (nothing written).
    if status == 200 || status == 422 {
        let report: ImportReport = resp
            .json()
            .await
            .map_err(|e| Failure::Unreachable(format!("bad answer: {e}")))?;
        return Ok(Imported::Report(report));
    }
    match answer(Ok(resp)).await {
        Ok(_) => Err(Failure::Unreachable(format!("HTTP {status}"))),
        Err(Failure::Refused { refusal, .. }) => Ok(Imported::Refused(refusal)),
        Err(e) => Err(e),
    }
}
