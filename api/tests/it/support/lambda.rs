//! Shared by the Lambda function tests: the model version the events of
//! `events/` are written against, the events themselves, and how to feed
//! one through `lambda_http::request::from_str` into a router.
#![allow(dead_code)]

use std::path::PathBuf;

use axum::Router;
use reelgraph_api::Group;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::Movie;
pub use reelgraph_testkit::answer::{Answer, answer, assert_error};
use reelgraph_testkit::fixture;
use tower::ServiceExt;

pub const VERSION: u64 = 20261128120000;
pub const MOVIES: usize = 60;
pub const DIM: usize = 16;
pub const POSTER_3: &str = "https://m.media-amazon.com/images/M/poster3.jpg";

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

/// Feed an API Gateway HTTP API v2 event through `lambda_http`'s parser into `router`.
pub async fn invoke(router: &Router, event_json: &str) -> Answer {
    let req = lambda_http::request::from_str(event_json).expect("a valid API Gateway event");
    let (parts, body) = req.into_parts();
    let req = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    answer(router.clone().oneshot(req).await.unwrap()).await
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
        (Group::Recommend, "v1-feedback-post") => {
            assert_eq!(a.status, 202, "{ctx}");
            let j = a.json();
            assert_eq!(
                (j["movie"].as_u64(), j["signal"].as_str()),
                (Some(3), Some("like")),
                "{ctx}"
            );
            assert!(j["at"].as_str().unwrap().ends_with('Z'), "{ctx}");
            assert!(
                !a.text().contains("0f8fad5b"),
                "the visitor is never echoed: {ctx}"
            );
        }
        (Group::Recommend, "v1-feedback-get") => {
            ok(a);
            // The events run in name order: the delete came first, so the
            // visitor has no signal yet (or, run again, the event's one).
            let items = a.json()["items"].as_array().unwrap().clone();
            assert!(items.len() <= 1, "{ctx}");
            assert!(
                items
                    .iter()
                    .all(|m| m["movie"] == 3 && m["signal"] == "like"),
                "{ctx}"
            );
        }
        (Group::Recommend, "v1-feedback-delete") => {
            assert_eq!(a.status, 204, "{ctx}");
            assert!(a.body.is_empty(), "{ctx}");
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
