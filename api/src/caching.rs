//! HTTP caching of the API's answers, which browsers and the CDN follow
//! (the template's CloudFront cache policy keeps an answer exactly as long
//! as its `Cache-Control` says, keyed on the path and query).
//!
//! - A GET whose answer depends only on the model version
//!   ([`VERSIONED`]: a movie, its similar movies, search, the genres,
//!   `/getInfo`, `/countTable`) answers 200 with
//!   `Cache-Control: public, max-age=60` and `ETag: W/"v{VERSION}"`; a
//!   request whose `If-None-Match` names the served version's tag gets
//!   `304 Not Modified` without the answer being computed. A newly
//!   swapped-in version changes the tag, so within a minute every cache
//!   follows the swap.
//! - Posters (`/api/v1/movies/{id}/poster`, `/getImage`) and the docs'
//!   assets set their own, longer, `Cache-Control`.
//! - Random draws, recommendations, feedback, health, readiness and statistics
//!   ([`NEVER`]), and every 5xx answer, say `Cache-Control: no-store`.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Routes whose GET answers depend only on the served model version.
pub const VERSIONED: [&str; 6] = [
    "/api/v1/movies/{id}",
    "/api/v1/movies/{id}/similar",
    "/api/v1/movies/search",
    "/api/v1/genres",
    "/getInfo",
    "/countTable",
];

/// Routes whose answers are never stored by a cache.
pub const NEVER: [&str; 8] = [
    "/api/v1/movies/random",
    "/api/v1/recommendations",
    "/api/v1/feedback",
    "/getRandom",
    "/getSimilarUser",
    "/health",
    "/ready",
    "/api/v1/stats",
];

/// `Cache-Control` of the [`VERSIONED`] answers.
pub const VERSIONED_CACHE: &str = "public, max-age=60";

/// The entity tag of every [`VERSIONED`] answer of `version`.
pub fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"v{version}\"")).expect("digits are a valid header value")
}

/// Whether `If-None-Match` in `headers` names `tag` (weak comparison, as
/// RFC 9110 prescribes for `If-None-Match`), or is `*`.
pub fn none_match(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let want = bare(tag.to_str().unwrap_or_default());
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || bare(t) == want)
}

/// The caching headers of every answer (see the module documentation).
pub async fn cache_headers(
    State(state): State<crate::State>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let versioned = read && route.as_deref().is_some_and(|r| VERSIONED.contains(&r));
    let before = state.model_version();
    if versioned
        && let Some(v) = before
        && none_match(request.headers(), &etag(v))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut().insert(header::ETAG, etag(v));
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(VERSIONED_CACHE),
        );
        return r;
    }
    let mut response = next.run(request).await;
    let status = response.status();
    let h = response.headers_mut();
    if status.is_server_error() || route.as_deref().is_some_and(|r| NEVER.contains(&r)) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else if versioned && status == StatusCode::OK && !h.contains_key(header::CACHE_CONTROL) {
        // Only when one version answered throughout (a swap in between
        // leaves the answer uncached rather than mislabelled).
        match (before, state.model_version()) {
            (Some(v), Some(after)) if v == after => {
                h.insert(header::ETAG, etag(v));
                h.insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(VERSIONED_CACHE),
                );
            }
            _ => {
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
    }
    response
}
