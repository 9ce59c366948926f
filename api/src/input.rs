//! Reading request input field by field, so that every error names its field.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use crate::recommend::{self, Filters, Strategy};
use reelgraph_core::types::MovieId;

/// Query-string pairs in order (duplicates kept, so they can be refused).
pub type Params = Vec<(String, String)>;

/// Unwrap the query extractor, turning its rejection into a JSON 400.
pub fn params(q: Result<Query<Params>, QueryRejection>) -> ApiResult<Params> {
    q.map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("the query string cannot be read: {e}")))
}

/// Unwrap a path-segment extractor: a segment that cannot be decoded (its
/// percent-escapes are not UTF-8) is a JSON 422 naming `field`, not axum's
/// plain-text 400.
pub fn segment(p: Result<Path<String>, PathRejection>, field: &str) -> ApiResult<String> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::invalid(field, format!("{field} cannot be read: {e}")))
}

/// Unwrap the body extractor: 413 over the limit, 400 otherwise.
pub fn body(b: Result<Bytes, BytesRejection>, limit: usize) -> ApiResult<Bytes> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(limit)
        } else {
            ApiError::bad_request(format!("the request body cannot be read: {e}"))
        }
    })
}

/// The single value of query parameter `name` (an error when given twice).
pub fn single<'a>(params: &'a Params, name: &str) -> ApiResult<Option<&'a str>> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let first = found.next().map(|(_, v)| v.as_str());
    if found.next().is_some() {
        return Err(ApiError::invalid(
            name,
            format!("{name} is given more than once"),
        ));
    }
    Ok(first)
}

/// Refuse parameters other than `known`.
pub fn only(params: &Params, known: &[&str]) -> ApiResult<()> {
    match params.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(ApiError::invalid(
            k.clone(),
            format!(
                "unknown query parameter {k:?} (expected {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        )),
        None => Ok(()),
    }
}

/// A count parameter: a positive integer, `default` when absent, capped at `max`.
pub fn count(params: &Params, name: &str, default: usize, max: usize) -> ApiResult<usize> {
    match single(params, name)? {
        None => Ok(default),
        Some(raw) => parse_count(raw.trim(), name, max),
    }
}

fn parse_count(raw: &str, name: &str, max: usize) -> ApiResult<usize> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            name,
            format!("{name} must be a positive integer, got {raw:?}"),
        ));
    }
    match raw.parse::<u64>() {
        Ok(0) => Err(ApiError::invalid(
            name,
            format!("{name} must be at least 1"),
        )),
        Ok(n) => Ok((n.min(max as u64)) as usize),
        Err(_) => Err(ApiError::invalid(
            name,
            format!("{name} is too large (at most {max} are served)"),
        )),
    }
}

/// A movie id given as text (path segment or query value).
pub fn id_text(raw: &str, field: &str) -> ApiResult<MovieId> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be a positive integer movie id, got {raw:?}"),
        ));
    }
    match raw.parse::<u64>() {
        Ok(n) if n >= 1 && n <= MovieId::MAX as u64 => Ok(n as MovieId),
        _ => Err(ApiError::invalid(
            field,
            format!("{field} must be a movie id between 1 and {}", MovieId::MAX),
        )),
    }
}

/// A movie id as a JSON value: an integer in `1..=u32::MAX`
/// (`lenient` also accepts a string of digits, as the original client may send).
pub fn id_json(v: &Value, field: &str, lenient: bool) -> ApiResult<MovieId> {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x >= 1 && x <= MovieId::MAX as u64 => Ok(x as MovieId),
            _ => Err(ApiError::invalid(
                field,
                format!(
                    "{field} must hold movie ids (integers between 1 and {}), got {n}",
                    MovieId::MAX
                ),
            )),
        },
        Value::String(s) if lenient => id_text(s, field),
        other => Err(ApiError::invalid(
            field,
            format!(
                "{field} must hold movie ids (integers), got {}",
                kind(other)
            ),
        )),
    }
}

/// A JSON list of distinct movie ids, at most [`recommend::MAX_IDS`].
pub fn id_list(v: &Value, field: &str, lenient: bool) -> ApiResult<Vec<MovieId>> {
    let Value::Array(items) = v else {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be a list of movie ids, got {}", kind(v)),
        ));
    };
    if items.len() > recommend::MAX_IDS {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} has {} ids; at most {} are accepted",
                items.len(),
                recommend::MAX_IDS
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut seen = HashSet::with_capacity(items.len());
    for item in items {
        let id = id_json(item, field, lenient)?;
        if !seen.insert(id) {
            return Err(ApiError::invalid(
                field,
                format!("{field} lists movie {id} more than once"),
            ));
        }
        out.push(id);
    }
    Ok(out)
}

/// Parse a JSON body: 400 when it is not JSON at all.
pub fn json(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; JSON expected",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, field: &str) -> ApiResult<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| {
        let msg = format!("{field} must be a JSON object, got {}", kind(v));
        if field == "body" {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", msg)
        } else {
            ApiError::invalid(field, msg)
        }
    })
}

fn unknown_keys(map: &Map<String, Value>, known: &[&str], prefix: &str) -> ApiResult<()> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::invalid(
            format!("{prefix}{k}"),
            format!(
                "unknown field {prefix}{k} (expected one of {})",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn year(v: &Value, field: &str) -> ApiResult<Option<u16>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_u64() {
            Some(y) if y <= 9999 => Ok(Some(y as u16)),
            _ => Err(ApiError::invalid(
                field,
                format!("{field} must be a year between 0 and 9999, got {n}"),
            )),
        },
        other => Err(ApiError::invalid(
            field,
            format!("{field} must be a year (integer), got {}", kind(other)),
        )),
    }
}

/// `genres` must name genres of the catalogue; returns them as it spells them.
pub type GenreLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The body of `POST /api/v1/recommendations`.
pub fn recommendation_query(
    body: &Value,
    genre: GenreLookup<'_>,
    default_strategy: Strategy,
) -> ApiResult<recommend::Query> {
    let map = object(body, "body")?;
    unknown_keys(
        map,
        &["liked", "disliked", "k", "filters", "exclude", "strategy"],
        "",
    )?;
    let list = |name: &str| -> ApiResult<Vec<MovieId>> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => id_list(v, name, false),
        }
    };
    let liked = list("liked")?;
    let disliked = list("disliked")?;
    let exclude = list("exclude")?;
    if let Some(both) = disliked.iter().find(|d| liked.contains(d)) {
        return Err(ApiError::invalid(
            "disliked",
            format!("movie {both} is both liked and disliked"),
        ));
    }
    let k = match map.get("k") {
        None | Some(Value::Null) => recommend::DEFAULT_K,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) => return Err(ApiError::invalid("k", "k must be at least 1")),
            Some(k) => k.min(recommend::MAX_K as u64) as usize,
            None => {
                return Err(ApiError::invalid(
                    "k",
                    format!(
                        "k must be a positive integer (at most {} are served), got {n}",
                        recommend::MAX_K
                    ),
                ));
            }
        },
        Some(other) => {
            return Err(ApiError::invalid(
                "k",
                format!("k must be a positive integer, got {}", kind(other)),
            ));
        }
    };
    let strategy = match map.get("strategy") {
        None | Some(Value::Null) => default_strategy,
        Some(Value::String(s)) if s == "average_vector" => Strategy::AverageVector,
        Some(Value::String(s)) if s == "best_score" => Strategy::BestScore,
        Some(other) => {
            return Err(ApiError::invalid(
                "strategy",
                format!("strategy must be \"average_vector\" or \"best_score\", got {other}"),
            ));
        }
    };
    let mut filters = Filters::default();
    if let Some(f) = map.get("filters").filter(|v| !v.is_null()) {
        let f = object(f, "filters")?;
        unknown_keys(f, &["genres", "year_min", "year_max"], "filters.")?;
        if let Some(g) = f.get("genres").filter(|v| !v.is_null()) {
            let Value::Array(items) = g else {
                return Err(ApiError::invalid(
                    "filters.genres",
                    format!(
                        "filters.genres must be a list of genre names, got {}",
                        kind(g)
                    ),
                ));
            };
            for item in items {
                let Value::String(name) = item else {
                    return Err(ApiError::invalid(
                        "filters.genres",
                        format!("filters.genres must hold strings, got {}", kind(item)),
                    ));
                };
                let Some(known) = genre(name) else {
                    return Err(ApiError::invalid(
                        "filters.genres",
                        format!("unknown genre {name:?} (GET /api/v1/genres lists them)"),
                    ));
                };
                if !filters.genres.contains(&known) {
                    filters.genres.push(known);
                }
            }
        }
        if let Some(v) = f.get("year_min") {
            filters.year_min = year(v, "filters.year_min")?;
        }
        if let Some(v) = f.get("year_max") {
            filters.year_max = year(v, "filters.year_max")?;
        }
        if let (Some(lo), Some(hi)) = (filters.year_min, filters.year_max)
            && lo > hi
        {
            return Err(ApiError::invalid(
                "filters.year_min",
                format!("filters.year_min ({lo}) is after filters.year_max ({hi})"),
            ));
        }
    }
    Ok(recommend::Query {
        liked,
        disliked,
        k,
        filters,
        exclude,
        strategy,
    })
}
