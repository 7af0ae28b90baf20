//! The serial numbers page's calls to `/api/v1/serials` (a back-office page: it needs the server).

use frontend::sync::http::{request, send, seg, Method, TIMEOUT_MS};
use gloo_net::http::Response;
use serde::{Deserialize, Serialize};
use shared::stock::SerialNumber;

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

/// Every serial, by product then serial: every page (`X-Next-Cursor`).
pub async fn list() -> Result<Vec<SerialNumber>, SerialsFailure> {
    let mut out = Vec::new();
    let mut url = "/api/v1/serials".to_string();
    loop {
        let resp = send(request(Method::Get, &url), None, TIMEOUT_MS).await;
        let next = resp.as_ref().ok().and_then(|r| r.headers().get(frontend::sync::http::NEXT_CURSOR));
        out.extend(rows(resp).await?);
        match next {
            Some(c) => url = format!("/api/v1/serials?after={}", seg(&c)),
            None => return Ok(out),
        }
    }
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
