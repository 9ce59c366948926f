//! Handlers of `/api/v1/feedback`: what a visitor marked (like, dislike,
//! skip), kept in the [`FeedbackStore`] the server was given
//! ([`crate::AppState::with_feedback`]).
//!
//! The visitor id is a random UUID the UI keeps in local storage: it is the
//! visitor's only key, so it is a secret. It is never logged (the request
//! log names the route, not the query), never echoed in an answer or an
//! error, and no route lists visitors. Each visitor's requests are rate
//! limited by a token bucket ([`Limiter`]); past it, a JSON 429 with
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::json::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::docs::Unavailable;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::input::{self, Params};
use reelgraph_core::types::MovieId;
use reelgraph_stores::feedback::{self, FeedbackStore, Mark, Signal, Visitor};

/// Largest body of `POST /api/v1/feedback` (bytes): one small object.
pub const BODY_LIMIT: usize = 1024;

/// A UUID as the API reads a visitor id (either case).
pub const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// How many feedback requests a visitor may make: a bucket of `burst`
/// tokens, refilled at `per_minute`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for RateLimit {
    /// 60 at once, then one a second: far more than a person marks.
    fn default() -> Self {
        RateLimit {
            burst: 60,
            per_minute: 60,
        }
    }
}

/// Visitors' token buckets (in memory, per process). Buckets that have
/// refilled are dropped once there are many, so the map stays small.
#[derive(Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<Visitor, (f64, Instant)>>,
}

/// Buckets kept before full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl Limiter {
    /// Take a token of `visitor`'s bucket; `Err(seconds)` until one is back.
    pub fn take(&self, visitor: &Visitor, limit: RateLimit) -> Result<(), u64> {
        let burst = f64::from(limit.burst.max(1));
        let rate = f64::from(limit.per_minute.max(1)) / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("lock poisoned");
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(visitor.clone()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// A signal's name in the API.
#[derive(Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignalName {
    Like,
    Dislike,
    Skip,
}

impl From<Signal> for SignalName {
    fn from(s: Signal) -> Self {
        match s {
            Signal::Like => SignalName::Like,
            Signal::Dislike => SignalName::Dislike,
            Signal::Skip => SignalName::Skip,
        }
    }
}

/// Body of `POST /api/v1/feedback`.
// Read field by field by `request` (errors name the field); this type
// describes it in the OpenAPI document.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FeedbackRequest {
    /// The visitor's id: a UUID the UI made and keeps. It is the visitor's
    /// only key: keep it secret.
    #[schema(value_type = String, pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    visitor: String,
    /// The movie marked (a movie of the catalogue).
    #[schema(value_type = u64, minimum = 1, maximum = 4294967295u64)]
    movie: u64,
    #[schema(value_type = SignalName)]
    signal: String,
}

/// One signal of a visitor.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedbackMark {
    pub movie: MovieId,
    pub signal: SignalName,
    /// When it was marked (RFC 3339, UTC, milliseconds).
    pub at: String,
}

impl FeedbackMark {
    fn of(m: &Mark) -> Self {
        FeedbackMark {
            movie: m.movie,
            signal: m.signal.into(),
            at: feedback::rfc3339_ms(m.at_ms),
        }
    }
}

/// A visitor's signals, newest first (one per movie: a movie marked again
/// keeps only its newest signal).
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedbackList {
    pub items: Vec<FeedbackMark>,
}

/// The visitor of a value (query parameter or body field), 422 naming
/// `visitor` otherwise. The message never repeats the value.
fn visitor_of(raw: Option<&str>) -> ApiResult<Visitor> {
    let raw = raw
        .ok_or_else(|| ApiError::invalid("visitor", "visitor (the visitor's UUID) is required"))?;
    raw.trim()
        .parse::<Visitor>()
        .map_err(|e| ApiError::invalid("visitor", format!("visitor {e}")))
}

/// The visitor of a `?visitor=` query (no other parameter).
fn visitor_param(q: Result<Query<Params>, QueryRejection>) -> ApiResult<Visitor> {
    let p = input::params(q)?;
    input::only(&p, &["visitor"])?;
    visitor_of(input::single(&p, "visitor")?)
}

/// The body of `POST /api/v1/feedback`, each fault naming its field, in the
/// order visitor, movie, signal.
fn request(body: &Value) -> ApiResult<(Visitor, MovieId, Signal)> {
    let Value::Object(map) = body else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("body must be a JSON object, got {}", input::kind(body)),
        ));
    };
    const FIELDS: [&str; 3] = ["visitor", "movie", "signal"];
    if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            k.clone(),
            format!("unknown field {k} (expected one of {})", FIELDS.join(", ")),
        ));
    }
    let visitor = match map.get("visitor") {
        None | Some(Value::Null) => visitor_of(None)?,
        Some(Value::String(s)) => visitor_of(Some(s))?,
        Some(other) => {
            return Err(ApiError::invalid(
                "visitor",
                format!("visitor must be a UUID string, got {}", input::kind(other)),
            ));
        }
    };
    let movie = match map.get("movie") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "movie",
                "movie (the movie id) is required",
            ));
        }
        Some(Value::Number(n)) => match input::whole(n) {
            Some(id) if id >= 1 && id <= u64::from(MovieId::MAX) => id as MovieId,
            _ => {
                return Err(ApiError::invalid(
                    "movie",
                    format!("movie must be a movie id between 1 and {}", MovieId::MAX),
                ));
            }
        },
        Some(other) => {
            return Err(ApiError::invalid(
                "movie",
                format!(
                    "movie must be a movie id (integer), got {}",
                    input::kind(other)
                ),
            ));
        }
    };
    let signal = match map.get("signal") {
        Some(Value::String(s)) => s
            .parse::<Signal>()
            .map_err(|e| ApiError::invalid("signal", format!("signal {e}")))?,
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "signal",
                "signal (\"like\", \"dislike\" or \"skip\") is required",
            ));
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "signal",
                format!(
                    "signal must be \"like\", \"dislike\" or \"skip\", got {}",
                    input::kind(other)
                ),
            ));
        }
    };
    Ok((visitor, movie, signal))
}

/// The store and a token of the visitor's bucket: 503 when this server
/// keeps no feedback, 429 past the visitor's rate.
fn admit<'a>(s: &'a super::AppState, visitor: &Visitor) -> ApiResult<&'a dyn FeedbackStore> {
    let store = s
        .feedback
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("feedback is not kept by this server"))?;
    s.limiter
        .take(visitor, s.config.feedback_rate)
        .map_err(ApiError::rate_limited)?;
    Ok(store)
}

/// A store's failure as the client sees it: a JSON 503 (the store's own
/// message goes to the log; it never names the visitor).
fn store_failed(
    what: &str,
    store: &dyn FeedbackStore,
    e: reelgraph_core::error::Error,
) -> ApiError {
    tracing::error!(store = store.kind(), "{what}: {e}");
    ApiError::unavailable("the feedback store failed; retry later")
}

/// Record a visitor's signal for a movie (like, dislike or skip). Marking a
/// movie again replaces the earlier signal.
#[utoipa::path(post, path = "/api/v1/feedback", tag = "recommendations",
    request_body = FeedbackRequest,
    responses((status = 202, description = "recorded", body = FeedbackMark),
              (status = 400, description = "the body is empty or not JSON", body = ErrorBody),
              (status = 404, description = "`movie` is not a movie of the catalogue", body = ErrorBody),
              (status = 413, description = "body too large (over 1 KiB)", body = ErrorBody),
              (status = 422, description = "a field is missing, wrong or unknown (`field` names it), or a query parameter is given", body = ErrorBody),
              (status = 429, description = "this visitor made too many requests; retry after `Retry-After` seconds", body = ErrorBody,
               headers(("Retry-After" = String, description = "seconds to wait before retrying"))),
              (status = 503, response = Unavailable)))]
pub async fn record(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    input::only(&input::params(q)?, &[])?;
    let body = input::body(body, s.config.body_limit)?;
    if body.len() > BODY_LIMIT {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    let (visitor, movie, signal) = request(&input::json(&body)?)?;
    let store = admit(&s, &visitor)?;
    let snap = s.served()?;
    if snap.catalog.get(movie).is_none() {
        return Err(ApiError::unknown_ids("movie", &[movie]));
    }
    let at_ms = feedback::now_ms();
    store
        .record(&visitor, movie, signal, at_ms)
        .await
        .map_err(|e| store_failed("record feedback", store, e))?;
    let mark = Mark {
        visitor,
        movie,
        signal,
        at_ms,
    };
    Ok((StatusCode::ACCEPTED, Json(FeedbackMark::of(&mark))).into_response())
}

/// A visitor's signals, newest first.
#[utoipa::path(get, path = "/api/v1/feedback", tag = "recommendations",
    params(("visitor" = String, Query,
            pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description = "the visitor's id (a UUID)")),
    responses((status = 200, body = FeedbackList),
              (status = 422, description = "`visitor` is missing or not a UUID, or another query parameter is given", body = ErrorBody),
              (status = 429, description = "this visitor made too many requests; retry after `Retry-After` seconds", body = ErrorBody,
               headers(("Retry-After" = String, description = "seconds to wait before retrying"))),
              (status = 503, response = Unavailable)))]
pub async fn list(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<Json<FeedbackList>> {
    let visitor = visitor_param(q)?;
    let store = admit(&s, &visitor)?;
    let marks = store
        .list(&visitor)
        .await
        .map_err(|e| store_failed("list feedback", store, e))?;
    Ok(Json(FeedbackList {
        items: marks.iter().map(FeedbackMark::of).collect(),
    }))
}

/// Forget every signal of a visitor.
#[utoipa::path(delete, path = "/api/v1/feedback", tag = "recommendations",
    params(("visitor" = String, Query,
            pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description = "the visitor's id (a UUID)")),
    responses((status = 204, description = "forgotten"),
              (status = 422, description = "`visitor` is missing or not a UUID, or another query parameter is given", body = ErrorBody),
              (status = 429, description = "this visitor made too many requests; retry after `Retry-After` seconds", body = ErrorBody,
               headers(("Retry-After" = String, description = "seconds to wait before retrying"))),
              (status = 503, response = Unavailable)))]
pub async fn forget(
    State(s): State<super::State>,
    q: Result<Query<Params>, QueryRejection>,
) -> ApiResult<StatusCode> {
    let visitor = visitor_param(q)?;
    let store = admit(&s, &visitor)?;
    store
        .forget(&visitor)
        .await
        .map_err(|e| store_failed("forget feedback", store, e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give the store's buffered signals a last chance to be written (on
/// shutdown), within `timeout`.
pub async fn flush(store: &dyn FeedbackStore, timeout: Duration) {
    match tokio::time::timeout(timeout, store.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(store = store.kind(), "feedback flush failed: {e}"),
        Err(_) => tracing::error!(store = store.kind(), "feedback flush timed out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_past_the_burst_then_refills() {
        let l = Limiter::default();
        let v: Visitor = "00000000-0000-4000-8000-000000000001".parse().unwrap();
        let w: Visitor = "00000000-0000-4000-8000-000000000002".parse().unwrap();
        let limit = RateLimit {
            burst: 3,
            per_minute: 60,
        };
        for _ in 0..3 {
            assert_eq!(l.take(&v, limit), Ok(()));
        }
        assert_eq!(l.take(&v, limit), Err(1));
        // Another visitor has a bucket of its own.
        assert_eq!(l.take(&w, limit), Ok(()));
        let slow = RateLimit {
            burst: 1,
            per_minute: 2,
        };
        let x: Visitor = "00000000-0000-4000-8000-000000000003".parse().unwrap();
        assert_eq!(l.take(&x, slow), Ok(()));
        assert_eq!(l.take(&x, slow), Err(30));
    }
}
