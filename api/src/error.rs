//! API errors: `{"error": {"code", "message", "field"}}` with a real HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::recommend::RecommendError;
use reelgraph_core::types::MovieId;

/// `Retry-After` of every 503 answer (seconds).
pub const RETRY_AFTER_SECS: &str = "2";

/// An error answer of the v1 API.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The request field at fault (`"liked"`, `"k"`, `"filters.year_min"`…).
    pub field: Option<String>,
    /// `Retry-After` of a 429 (seconds).
    pub retry_after: Option<u64>,
}

/// The JSON body of an error (documented in the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code: `bad_request`, `invalid_field`, `not_found`,
    /// `payload_too_large`, `method_not_allowed`, `too_many_requests`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The request field at fault, when one is.
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 400: the request cannot be read (malformed JSON, bad query string).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 422: a field is readable but wrong (type, range, duplicates).
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).with_field(field)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 404 naming every unknown id.
    pub fn unknown_ids(field: &str, ids: &[MovieId]) -> Self {
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let noun = if ids.len() == 1 {
            "movie id"
        } else {
            "movie ids"
        };
        Self::not_found(format!("unknown {noun}: {list}")).with_field(field)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    }

    /// 429: the client made too many requests; retry after `seconds`.
    pub fn rate_limited(seconds: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("too many requests; retry in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

impl From<reelgraph_core::error::Error> for ApiError {
    /// A store's error: the client gets a stable 503 (the request was
    /// valid: its fields are checked before any store is asked); the
    /// store's own text (hosts, collection names) stays in the logs.
    fn from(e: reelgraph_core::error::Error) -> Self {
        tracing::error!("store error: {e}");
        ApiError::unavailable("a backing store failed; retry later")
    }
}

impl From<RecommendError> for ApiError {
    fn from(e: RecommendError) -> Self {
        match e {
            RecommendError::UnknownIds(ids) => ApiError::unknown_ids("liked", &ids),
            RecommendError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
        }
        response
    }
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;
