//! What the bridges do with every platform call: a 10 s timeout, and the answer's HTTP status turned
//! into a [`BridgeError`] the caller knows how to handle (429 → wait as told, 5xx and network failures →
//! retry later, other 4xx → a manager must look).

use super::BridgeError;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// Every platform call gives up after this long (then it is retried like a 5xx).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How much of a refusal's body is kept for the manager to read.
const BODY_EXCERPT: usize = 500;

/// Sends the request and reads a JSON answer; `None` for an empty answer (204, or no body).
pub async fn json(request: RequestBuilder) -> Result<Option<Value>, BridgeError> {
    let response = request.timeout(TIMEOUT).send().await.map_err(network)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(network)?;
    if !status.is_success() {
        return Err(error_for(status, &headers, &body));
    }
    if status == StatusCode::NO_CONTENT || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| BridgeError::Malformed(format!("not JSON ({e})")))
}

fn network(e: reqwest::Error) -> BridgeError {
    if e.is_decode() {
        BridgeError::Malformed(e.to_string())
    } else {
        BridgeError::Unavailable(e.to_string())
    }
}

/// The error for a non-success answer.
pub fn error_for(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> BridgeError {
    let excerpt = || {
        let text = String::from_utf8_lossy(body);
        text.chars().take(BODY_EXCERPT).collect::<String>()
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        BridgeError::RateLimited { retry_after_ms: retry_after_ms(headers) }
    } else if status.is_server_error() {
        BridgeError::Unavailable(format!("HTTP {}: {}", status.as_u16(), excerpt()))
    } else if status.is_client_error() {
        BridgeError::Refused { status: status.as_u16(), body: excerpt() }
    } else {
        // A redirect the client did not follow, or an informational status: not an answer we can use.
        BridgeError::Unavailable(format!("unexpected HTTP {}", status.as_u16()))
    }
}

/// `Retry-After` in seconds (the standard header), else BigCommerce's `X-Rate-Limit-Time-Reset-Ms`.
pub fn retry_after_ms(headers: &HeaderMap) -> Option<u64> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    number("retry-after")
        .and_then(|s| s.checked_mul(1000))
        .or_else(|| number("x-rate-limit-time-reset-ms"))
}

/// `base` followed by `segments`, each percent-encoded: an id from a webhook cannot reach another path.
pub fn url(base: &str, segments: &[&str]) -> Result<reqwest::Url, BridgeError> {
    let mut url = reqwest::Url::parse(base).map_err(|e| BridgeError::Malformed(format!("base URL {base:?}: {e}")))?;
    url.path_segments_mut()
        .map_err(|_| BridgeError::Malformed(format!("base URL {base:?} cannot take a path")))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_encoded_and_cannot_climb_out() {
        let u = url("https://api.example.com/", &["stores", "abc", "v2", "orders", "../../x?y"]).unwrap();
        assert_eq!(u.as_str(), "https://api.example.com/stores/abc/v2/orders/..%2F..%2Fx%3Fy");
    }

    #[test]
    fn statuses_become_the_errors_the_outbox_retries_or_shows() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(error_for(StatusCode::TOO_MANY_REQUESTS, &h, b""), BridgeError::RateLimited { retry_after_ms: Some(3000) });
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-time-reset-ms", "1500".parse().unwrap());
        assert_eq!(error_for(StatusCode::TOO_MANY_REQUESTS, &h, b""), BridgeError::RateLimited { retry_after_ms: Some(1500) });
        assert_eq!(
            error_for(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b""),
            BridgeError::RateLimited { retry_after_ms: None }
        );
        assert!(error_for(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"down").is_retryable());
        assert_eq!(
            error_for(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), b"no such sku"),
            BridgeError::Refused { status: 422, body: "no such sku".into() }
        );
    }
}
