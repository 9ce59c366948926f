//! Shared by the Lambda function tests: the model version the events of
//! `events/` are written against, the events themselves, and how to feed
//! one through `lambda_http::request::from_str` into a router.
#![allow(dead_code)]

use std::path::PathBuf;

use axum::Router;
use reelgraph_api::Group;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::Movie;
use reelgraph_testkit::fixture;
use tower::ServiceExt;

pub const VERSION: u64 = 20261128120000;
pub const MOVIES: usize = 60;
pub const DIM: usize = 16;
pub const POSTER_3: &str = "https://img.example/poster3.jpg";

/// Movies 1..=60 of the store fixture; movie 3 has an OMDb poster and
/// plot, movie 12 is "Amélie" (the search event looks for "amelie").
pub fn movies() -> Vec<Movie> {
    let mut movies = fixture::movies(1, MOVIES);
    movies[2].poster = Some(POSTER_3.into());
    movies[2].plot = Some("Three things happen.".into());
    movies[11].title = "Amélie".into();
    movies[11].display_title = "Amélie".into();
    movies
}

/// Publish [`VERSION`] of [`movies`] (a real exported version: manifest,
/// checksums, `latest`) into `store`.
pub async fn publish(store: &dyn ObjectStore) {
    fixture::publish_movies(store, VERSION, movies(), DIM, 5)
        .await
        .unwrap();
}

pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The names of the events of a group's folder, sorted.
pub fn event_names(group: Group) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(events_dir().join(group.name()))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.trim_end_matches(".json").to_string()
        })
        .collect();
    names.sort();
    names
}

pub fn event(group: Group, name: &str) -> String {
    let path = events_dir().join(group.name()).join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

/// Feed an API Gateway HTTP API v2 event through `lambda_http`'s parser into `router`.
pub async fn invoke(router: &Router, event_json: &str) -> Answer {
    let req = lambda_http::request::from_str(event_json).expect("a valid API Gateway event");
    let (parts, body) = req.into_parts();
    let req = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// Assert a v1 JSON error: status, code present, field.
pub fn assert_error(a: &Answer, status: u16, field: Option<&str>) {
    assert_eq!(a.status, status, "body: {}", a.text());
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/json")
    );
    let j = a.json();
    assert!(j["error"]["code"].is_string(), "{j}");
    assert!(j["error"]["message"].is_string(), "{j}");
    assert_eq!(j["error"]["field"].as_str(), field, "{j}");
}

/// Check a group's answer to one of its own events (statuses and body
/// shapes against [`movies`] and [`VERSION`]).
pub fn check_event(group: Group, name: &str, a: &Answer) {
    let ctx = format!("{}/{name}: {} {}", group.name(), a.status, a.text());
    let ok = |a: &Answer| assert_eq!(a.status, 200, "{ctx}");
    match (group, name) {
        (Group::Random, "v1-random") => {
            ok(a);
            let items = a.json()["items"].as_array().unwrap().clone();
            assert_eq!(items.len(), 8, "{ctx}");
            assert!(
                items
                    .iter()
                    .all(|m| m["genres"].as_array().unwrap().contains(&"Comedy".into())),
                "{ctx}"
            );
            let mut ids: Vec<u64> = items.iter().map(|m| m["id"].as_u64().unwrap()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 8, "{ctx}");
        }
        (Group::Random, "v1-genres") => {
            ok(a);
            let mut want: Vec<&str> = fixture::GENRES.to_vec();
            want.sort();
            assert_eq!(a.json()["genres"], serde_json::json!(want), "{ctx}");
        }
        (Group::Random, "getRandom") => {
            ok(a);
            let j = a.json();
            let map = j[0].as_object().unwrap();
            assert_eq!(map.len(), 4, "{ctx}");
            for (id, v) in map {
                let id: u32 = id.parse().unwrap();
                assert!((1..=MOVIES as u32).contains(&id), "{ctx}");
                assert_eq!(v[0], movies()[id as usize - 1].title, "{ctx}");
                assert_eq!(v.as_array().unwrap().len(), 3, "{ctx}");
            }
            assert_eq!(j[1], 200);
        }
        (Group::Recommend, "v1-recommendations") => {
            ok(a);
            let j = a.json();
            let items = j["items"].as_array().unwrap();
            assert_eq!(items.len(), 5, "{ctx}");
            let mut last = f64::INFINITY;
            for m in items {
                let id = m["id"].as_u64().unwrap();
                assert!(![1, 2, 21, 11].contains(&id), "{ctx}");
                assert!(
                    [1, 2, 21].contains(&m["because"]["id"].as_u64().unwrap()),
                    "{ctx}"
                );
                assert!(m["title"].is_string() && m["genres"].is_array(), "{ctx}");
                let score = m["score"].as_f64().unwrap();
                assert!(score <= last, "{ctx}");
                last = score;
            }
            assert_eq!(j["model_version"], VERSION, "{ctx}");
        }
        (Group::Recommend, "v1-recommendations-bad") => assert_error(a, 422, Some("liked")),
        (Group::Recommend, "getSimilarUser") => {
            ok(a);
            let j = a.json();
            let map = j[0].as_object().unwrap();
            assert_eq!(map.len(), 5, "{ctx}");
            assert!(!map.contains_key("21") && !map.contains_key("22"), "{ctx}");
            assert_eq!(j[1], 200);
        }
        (Group::Info, "v1-movie") => {
            ok(a);
            let j = a.json();
            assert_eq!(
                (j["id"].as_u64(), j["title"].as_str()),
                (Some(3), Some("Movie 3"))
            );
        }
        (Group::Info, "v1-similar") => {
            ok(a);
            let items = a.json()["items"].as_array().unwrap().clone();
            assert_eq!(items.len(), 5, "{ctx}");
            assert!(
                items
                    .iter()
                    .all(|m| m["id"] != 12 && m["because"]["id"] == 12),
                "{ctx}"
            );
        }
        (Group::Info, "v1-poster") => {
            assert_eq!(a.status, 302, "{ctx}");
            assert_eq!(a.header("location").as_deref(), Some(POSTER_3));
        }
        (Group::Info, "v1-poster-placeholder") | (Group::Info, "getImage") => {
            ok(a);
            assert_eq!(
                a.header("content-type").as_deref(),
                Some("image/svg+xml"),
                "{ctx}"
            );
            assert!(a.text().contains("Amélie"), "{ctx}");
        }
        (Group::Info, "v1-search") => {
            ok(a);
            assert_eq!(a.json()["items"][0]["id"], 12, "{ctx}");
        }
        (Group::Info, "v1-stats") => {
            ok(a);
            let j = a.json();
            assert_eq!(
                (j["movies"].as_u64(), j["vectors"].as_u64()),
                (Some(60), Some(60))
            );
            assert_eq!(j["model_version"], VERSION, "{ctx}");
            assert_eq!(j["model"]["dimension"], DIM, "{ctx}");
        }
        (Group::Info, "health") => {
            ok(a);
            assert_eq!(a.json()["status"], "ok");
        }
        (Group::Info, "ready") => {
            ok(a);
            let j = a.json();
            assert_eq!(j["status"], "ready", "{ctx}");
            assert_eq!(j["model_version"], VERSION, "{ctx}");
            assert_eq!(
                (j["movies"].as_u64(), j["vectors"].as_u64()),
                (Some(60), Some(60))
            );
        }
        (Group::Info, "openapi") => {
            ok(a);
            assert!(
                a.json()["paths"]["/api/v1/recommendations"].is_object(),
                "{ctx}"
            );
        }
        (Group::Info, "docs") => {
            ok(a);
            assert!(a.text().contains("swagger-ui-bundle.js"), "{ctx}");
        }
        (Group::Info, "getInfo") => {
            ok(a);
            let j = a.json();
            assert_eq!(j[0][0]["Title"], "Movie 3", "{ctx}");
            assert_eq!(j[0][0]["Plot"], "Three things happen.", "{ctx}");
            assert!(j[0][1].is_string(), "{ctx}");
            assert_eq!(j[1], 200);
        }
        (Group::Info, "countTable") => {
            ok(a);
            assert_eq!(a.text(), r#"["60,60",200]"#, "{ctx}");
        }
        _ => panic!("no check for event {}/{name}; add one", group.name()),
    }
}

/// Assert that two answers to the same request are the same: status,
/// content type and body (JSON bodies compared value by value, numbers to
/// a relative 1e-4, so scores computed by another vector store compare).
/// The one field allowed to differ is `loaded_at`, the moment each process
/// loaded the model: both must be RFC 3339 UTC timestamps at most a minute
/// apart.
pub fn assert_same_answer(a: &Answer, b: &Answer, ctx: &str) {
    assert_eq!(a.status, b.status, "{ctx}: {} vs {}", a.text(), b.text());
    assert_eq!(a.header("content-type"), b.header("content-type"), "{ctx}");
    assert_eq!(a.header("location"), b.header("location"), "{ctx}");
    let json = |x: &Answer| serde_json::from_slice::<serde_json::Value>(&x.body).ok();
    match (json(a), json(b)) {
        (Some(x), Some(y)) => {
            if let Err(path) = same_json(&x, &y, String::new()) {
                panic!("{ctx}: the answers differ at {path}:\n{x}\n{y}");
            }
        }
        _ => assert_eq!(a.text(), b.text(), "{ctx}"),
    }
}

fn same_json(x: &serde_json::Value, y: &serde_json::Value, path: String) -> Result<(), String> {
    use serde_json::Value;
    match (x, y) {
        (Value::Number(p), Value::Number(q)) => {
            let (p, q) = (p.as_f64().unwrap(), q.as_f64().unwrap());
            if (p - q).abs() <= 1e-4 * p.abs().max(q.abs()).max(1.0) {
                Ok(())
            } else {
                Err(path)
            }
        }
        (Value::Array(p), Value::Array(q)) if p.len() == q.len() => p
            .iter()
            .zip(q)
            .enumerate()
            .try_for_each(|(i, (p, q))| same_json(p, q, format!("{path}[{i}]"))),
        (Value::Object(p), Value::Object(q)) if p.len() == q.len() => {
            p.iter().try_for_each(|(k, v)| match q.get(k) {
                Some(w) => same_json(v, w, format!("{path}.{k}")),
                None => Err(format!("{path}.{k}")),
            })
        }
        (Value::String(p), Value::String(q)) if path.ends_with(".loaded_at") => {
            match (epoch_seconds(p), epoch_seconds(q)) {
                (Some(p), Some(q)) if p.abs_diff(q) <= 60 => Ok(()),
                _ => Err(path),
            }
        }
        _ if x == y => Ok(()),
        _ => Err(path),
    }
}

/// Seconds since 1970 of a `YYYY-MM-DDTHH:MM:SSZ` timestamp, or `None` when
/// the string is not one.
fn epoch_seconds(t: &str) -> Option<u64> {
    let b = t.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let n = |r: std::ops::Range<usize>| t[r].parse::<u64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm), for years from 1970.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[test]
fn loaded_at_may_differ_by_seconds_but_not_in_shape() {
    use serde_json::json;
    let a = json!({"model": {"loaded_at": "2026-11-29T11:10:37Z", "version": 1}});
    let b = json!({"model": {"loaded_at": "2026-11-29T11:10:38Z", "version": 1}});
    assert_eq!(same_json(&a, &b, String::new()), Ok(()));
    // Across midnight and a month end: 2026-11-30T23:59:59Z -> 2026-12-01T00:00:30Z.
    assert_eq!(
        epoch_seconds("2026-12-01T00:00:30Z").unwrap()
            - epoch_seconds("2026-11-30T23:59:59Z").unwrap(),
        31
    );
    assert_eq!(epoch_seconds("1970-01-02T00:00:00Z"), Some(86_400));
    assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
    let late = json!({"model": {"loaded_at": "2026-11-29T11:12:38Z", "version": 1}});
    assert_eq!(
        same_json(&a, &late, String::new()),
        Err(".model.loaded_at".into())
    );
    let bad = json!({"model": {"loaded_at": "yesterday", "version": 1}});
    assert_eq!(
        same_json(&a, &bad, String::new()),
        Err(".model.loaded_at".into())
    );
    let other = json!({"model": {"loaded_at": "2026-11-29T11:10:37Z", "version": 2}});
    assert_eq!(
        same_json(&a, &other, String::new()),
        Err(".model.version".into())
    );
}
