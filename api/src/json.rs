//! JSON answers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;

/// Bytes reserved for an answer before serialising it: a list of 20
/// recommendations is about 4 KB, most other answers fit in 1 KB.
const CAPACITY: usize = 4096;

/// A JSON answer (`200`, `Content-Type: application/json`), serialised
/// straight into one buffer reserved up front.
///
/// axum's `Json` writes through a `BytesMut` writer grown from 128 bytes;
/// for the answers that dominate traffic (lists of movies) its per-write
/// overhead and regrowth cost about a third of the serialisation. A value
/// that cannot be serialised (not expected: every answer is plain data)
/// answers the API's JSON 500, not text.
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(CAPACITY);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "answer not serialisable");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the answer could not be written",
                )
                .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_the_value_as_json() {
        let r = Json(serde_json::json!({"a": [1, 2], "b": "é\""})).into_response();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"a":[1,2],"b":"é\""}"#
        );
    }

    #[tokio::test]
    async fn an_unserialisable_value_is_a_json_500() {
        // a map with non-string keys cannot be JSON
        let mut m = std::collections::BTreeMap::new();
        m.insert((1, 2), 3);
        let r = Json(m).into_response();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal");
    }
}
