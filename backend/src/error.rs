//! Every failure a client can see, as one type that renders a JSON [`ApiError`] body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::sync::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body is not JSON of the expected shape.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed, but inconsistent with our data or rules; nothing was written.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String, seq: Option<u64> },
    /// One sale of a push is not a sale at all (out of range): the device sets it aside, kept.
    #[error("{message}")]
    SaleRefused { code: &'static str, message: String, seq: u64, sale_id: String },
    /// The same idempotency key was used for a different document.
    #[error("{message}")]
    Conflict { message: String, seq: Option<u64> },
    #[error("not found: {0}")]
    NotFound(String),
    /// Any other refusal with its status and stable code: 401, 403, 409, 415, 421, 429…
    #[error("{message}")]
    Refused { status: StatusCode, code: &'static str, message: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn refused(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Refused { status, code, message: message.into() }
    }
    pub fn unauthenticated() -> AppError {
        AppError::refused(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in, or use an enrolled device's credential")
    }
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::refused(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Unprocessable { code, message: message.into(), seq: None }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let sale_id = match &self {
            AppError::SaleRefused { sale_id, .. } => Some(sale_id.clone()),
            _ => None,
        };
        let (status, code, seq) = match &self {
            AppError::SaleRefused { code, seq, .. } => (StatusCode::UNPROCESSABLE_ENTITY, *code, Some(*seq)),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", None),
            AppError::Unprocessable { code, seq, .. } => (StatusCode::UNPROCESSABLE_ENTITY, *code, *seq),
            AppError::Conflict { seq, .. } => (StatusCode::CONFLICT, "conflict", *seq),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::Refused { status, code, .. } => (*status, *code, None),
            AppError::Internal(e) if e.downcast_ref::<crate::secrets::CredentialsUnreadable>().is_some() => {
                // A store whose credentials this server cannot open: platforms retry a 503 later; a
                // manager is told to enter them again.
                tracing::error!("{e:#}");
                (StatusCode::SERVICE_UNAVAILABLE, "credentials_unreadable", None)
            }
            AppError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        };
        let message = match &self {
            AppError::Internal(e) => match e.downcast_ref::<crate::secrets::CredentialsUnreadable>() {
                Some(u) => u.to_string(),
                None => "internal server error".to_string(),
            },
            other => other.to_string(),
        };
        (status, Json(ApiError { error: code.to_string(), message, seq, sale_id })).into_response()
    }
}

/// Parses a JSON body ourselves so that a malformed one gets our JSON error, not a plain-text
/// rejection, and the message names the field at fault (`sales[0].lines: …`).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        AppError::BadRequest(if path.is_empty() || path == "." {
            format!("invalid JSON body: {inner}")
        } else {
            format!("invalid JSON body at {path}: {inner}")
        })
    })
}

/// `Query<T>` whose rejection is our JSON error (400 naming the parameter), not axum's plain text.
pub struct AppQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(AppQuery(v)),
            Err(e) => Err(AppError::BadRequest(format!("invalid query: {}", e.body_text()))),
        }
    }
}

/// `Path<T>` whose rejection is our JSON error, not axum's plain text.
pub struct AppPath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for AppPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(AppPath(v)),
            Err(e) if e.status().is_client_error() => Err(AppError::BadRequest(format!("invalid path: {}", e.body_text()))),
            Err(e) => Err(AppError::Internal(anyhow::anyhow!("path extraction: {}", e.body_text()))),
        }
    }
}

/// Rejections made before a handler runs (405 for a wrong method, 413 for a body over the limit, a
/// body that cannot be read) come from axum as plain text: every error the API answers is JSON.
pub async fn json_errors(resp: axum::response::Response) -> axum::response::Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let code = match status.as_u16() {
        401 => "unauthenticated",
        403 => "forbidden",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        400..=499 => "bad_request",
        _ => "internal",
    };
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if text.is_empty() || status.is_server_error() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let mut out = (status, Json(ApiError { error: code.into(), message, seq: None, sale_id: None })).into_response();
    if let Some(allow) = parts.headers.get(axum::http::header::ALLOW) {
        out.headers_mut().insert(axum::http::header::ALLOW, allow.clone());
    }
    out
}
