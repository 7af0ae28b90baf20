//! Sales history's calls: `GET /api/v1/sales/history` page by page (`X-Next-Cursor`), `GET
//! /api/v1/sales/{id}`, `POST /api/v1/sales/{id}/notes`.

use frontend::sync::http::{self, read, request, send, seg, ApiFailure, Method, NEXT_CURSOR, TIMEOUT_MS};
use serde::Deserialize;
use shared::sales_history::{NewSaleNote, SaleDetails, SaleNote, SaleSummary};

/// One page of the list and the next page's cursor (none on the last page).
pub struct HistoryPage {
    pub items: Vec<SaleSummary>,
    pub next: Option<String>,
}

/// The page after `cursor` (none: the first) of the sales `query` filters (`outlet=…&status=…`).
pub async fn page(query: &str, cursor: Option<&str>) -> Result<HistoryPage, ApiFailure> {
    let mut url = format!("/api/v1/sales/history?limit=50{}{query}", if query.is_empty() { "" } else { "&" });
    if let Some(c) = cursor {
        url.push_str(&format!("&cursor={}", seg(c)));
    }
    let resp = send(request(Method::Get, &url), None, TIMEOUT_MS).await;
    let next = resp.as_ref().ok().and_then(|r| r.headers().get(NEXT_CURSOR));
    let items = read(resp).await?;
    Ok(HistoryPage { items, next })
}

pub async fn details(id: &str) -> Result<SaleDetails, ApiFailure> {
    http::get(&format!("/api/v1/sales/{}", seg(id))).await
}

/// The answer of `POST /sales/{id}/notes`.
#[derive(Clone, Debug, Deserialize)]
pub struct NoteAdded {
    pub note: SaleNote,
    pub added: bool,
}

pub async fn add_note(sale_id: &str, note: &NewSaleNote) -> Result<NoteAdded, ApiFailure> {
    http::post(&format!("/api/v1/sales/{}/notes", seg(sale_id)), note).await
}
