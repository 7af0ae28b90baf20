//! The serial numbers page's calls to `/api/v1/serials` (a back-office page: it needs the server): a
//! filtered page at a time, add, delete, a serial's history.

use frontend::sync::http::{request, send, seg, Method, NEXT_CURSOR, TIMEOUT_MS};
use gloo_net::http::Response;
use serde::{Deserialize, Serialize};
use shared::stock::{SerialEvent, SerialNumber};

/// The body of `POST /api/v1/serials`.
#[derive(Serialize)]
pub struct NewSerials<'a> {
    pub product_id: &'a str,
    pub outlet_id: &'a str,
    /// As typed: the server splits it with the shared rules.
    pub serials: &'a str,
}

/// A refusal of `POST /api/v1/serials`: the error body, plus the duplicates by kind when that is why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    pub error: String,
    pub message: String,
    #[serde(default)]
    pub repeated_in_list: Vec<String>,
    #[serde(default)]
    pub already_registered: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SerialsFailure {
    Unreachable(String),
    Refused(Refusal),
}

/// A 2xx answer, or the refusal a 4xx body explains; anything else is "unreachable" (try again).
async fn answer(resp: Result<Response, gloo_net::Error>) -> Result<Response, SerialsFailure> {
    let resp = resp.map_err(|e| SerialsFailure::Unreachable(e.to_string()))?;
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
        return Err(SerialsFailure::Refused(refusal));
    }
    Err(SerialsFailure::Unreachable(format!("HTTP {status}")))
}

async fn rows(resp: Result<Response, gloo_net::Error>) -> Result<Vec<SerialNumber>, SerialsFailure> {
    answer(resp)
        .await?
        .json()
        .await
        .map_err(|e| SerialsFailure::Unreachable(format!("bad answer: {e}")))
}

/// Serials a page asks for: enough to fill a screen or two, never the whole file.
pub const PAGE: u32 = 100;

/// The list's filters, sent as `GET /serials`' `product_id`, `outlet_id`, `sold`, `q` (empty: not filtered).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SerialQuery {
    pub product_id: String,
    pub outlet_id: String,
    /// `Some(true)`: sold only; `Some(false)`: in stock only.
    pub sold: Option<bool>,
    /// Part of the serial number.
    pub q: String,
}

impl SerialQuery {
    pub fn url(&self, after: Option<&str>) -> String {
        let mut parts = vec![format!("limit={PAGE}")];
        for (key, value) in [("product_id", &self.product_id), ("outlet_id", &self.outlet_id), ("q", &self.q)] {
            if !value.trim().is_empty() {
                parts.push(format!("{key}={}", seg(value.trim())));
            }
        }
        if let Some(sold) = self.sold {
            parts.push(format!("sold={sold}"));
        }
        if let Some(c) = after {
            parts.push(format!("after={}", seg(c)));
        }
        format!("/api/v1/serials?{}", parts.join("&"))
    }
}

/// One page of serials by product then serial, and the next page's cursor (`X-Next-Cursor`).
pub async fn page(query: &SerialQuery, after: Option<&str>) -> Result<(Vec<SerialNumber>, Option<String>), SerialsFailure> {
    let resp = send(request(Method::Get, &query.url(after)), None, TIMEOUT_MS).await;
    let next = resp.as_ref().ok().and_then(|r| r.headers().get(NEXT_CURSOR));
    Ok((rows(resp).await?, next))
}

/// A serial's history, oldest first (also after it was deleted).
pub async fn history(product_id: &str, serial: &str) -> Result<Vec<SerialEvent>, SerialsFailure> {
    let url = format!("/api/v1/serials/{}/{}/history", seg(product_id), seg(serial));
    answer(send(request(Method::Get, &url), None, TIMEOUT_MS).await)
        .await?
        .json()
        .await
        .map_err(|e| SerialsFailure::Unreachable(format!("bad answer: {e}")))
}

/// Registers a comma list: the rows added, or a refusal naming every duplicate (nothing added).
pub async fn add(req: &NewSerials<'_>) -> Result<Vec<SerialNumber>, SerialsFailure> {
    let json = serde_json::to_string(req).map_err(|e| SerialsFailure::Unreachable(e.to_string()))?;
    rows(send(request(Method::Post, "/api/v1/serials"), Some(json), TIMEOUT_MS).await).await
}

/// The trash icon.
pub async fn delete(product_id: &str, serial: &str) -> Result<(), SerialsFailure> {
    let url = format!("/api/v1/serials/{}/{}", seg(product_id), seg(serial));
    answer(send(request(Method::Delete, &url), None, TIMEOUT_MS).await).await.map(|_| ())
}
