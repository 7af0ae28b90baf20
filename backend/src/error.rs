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
    /// The same idempotency key was used for a different document.
    #[error("{message}")]
    Conflict { message: String, seq: Option<u64> },
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, seq) = match &self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", None),
            AppError::Unprocessable { code, seq, .. } => (StatusCode::UNPROCESSABLE_ENTITY, *code, *seq),
            AppError::Conflict { seq, .. } => (StatusCode::CONFLICT, "conflict", *seq),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        };
        let message = match &self {
            AppError::Internal(_) => "internal server error".to_string(),
            other => other.to_string(),
        };
        (status, Json(ApiError { error: code.to_string(), message, seq })).into_response()
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
