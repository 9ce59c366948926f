//! One model version per answer, and hot swaps without a restart, served as
//! `reelgraph serve` serves (SQLite read-only + the embedded index of the
//! active version, [`ServicesSource`]): while clients send mixed traffic,
//! two new versions are loaded and activated; every answer is a 200 and the
//! ids of every answer belong to the version it names. A version that fails
//! verification is not swapped in (the old one keeps serving, `/ready` and
//! `/api/v1/stats` say why), and a server started before anything was loaded
//! serves the first version once it is activated.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use reelgraph_api::serving::{ServicesSource, ServicesVectors};
use reelgraph_api::{self as api, ApiConfig, AppState};
use reelgraph_core::artifact;
use reelgraph_core::object::LocalDir;
use reelgraph_core::types::MovieId;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::sql;
use reelgraph_testkit::fixture;
use serde_json::Value;

use crate::support::api::{Answer, assert_error, call};

const DIM: usize = 16;
const N: usize = 300;

/// Version `v` holds movies `100 (v − 1) + 1 ..= 100 (v − 1) + N`: versions
/// 1, 2 and 3 share ids 201–300 only.
fn first_id(v: u64) -> MovieId {
    (100 * (v - 1) + 1) as MovieId
}

fn in_version(v: u64, id: MovieId) -> bool {
    (first_id(v)..first_id(v) + N as MovieId).contains(&id)
}

struct Site {
    dir: tempfile::TempDir,
    root: LocalDir,
    db_url: String,
}

impl Site {
    async fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = LocalDir::new(dir.path().join("models"));
        let db_url = format!("sqlite://{}", dir.path().join("meta.db").display());
        // The schema exists (what `reelgraph migrate` does), nothing loaded.
        sql::open(&db_url.parse().unwrap()).await.unwrap();
        Site { dir, root, db_url }
    }

    /// Publish version `v` and `reelgraph load` it (activating it).
    async fn publish_and_load(&self, v: u64) {
        fixture::publish(&self.root, v, first_id(v), N, DIM, v)
            .await
            .unwrap();
        let db = sql::open(&self.db_url.parse().unwrap()).await.unwrap();
        let from = self.dir.path().join("models").display().to_string();
        load::load_version(
            &from,
            Some(v),
            &VectorTarget::Embedded,
            db.as_ref(),
            &|_, _, _| {},
        )
        .await
        .unwrap();
    }

    async fn state(&self, refresh: Duration) -> api::State {
        let source = ServicesSource {
            meta: sql::open_reader(&self.db_url.parse().unwrap())
                .await
                .unwrap(),
            vectors: ServicesVectors::Embedded,
            describe: "the test site".into(),
        };
        let config = ApiConfig {
            refresh_interval: refresh,
            ..ApiConfig::default()
        };
        Arc::new(AppState::open(Arc::new(source), config).await)
    }
}

async fn wait_for(state: &api::State, v: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while state.model_version() != Some(v) {
        assert!(
            Instant::now() < deadline,
            "version {v} was not swapped in: {:?}",
            state.serving.status()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The version an answer names, after checking every id in it belongs to it.
fn check_answer(what: &str, a: &Answer) -> Result<u64, String> {
    if a.status != 200 {
        return Err(format!("{what}: {} {}", a.status, a.text()));
    }
    let json = a.json();
    let v = json["model_version"]
        .as_u64()
        .ok_or_else(|| format!("{what}: no model_version in {}", a.text()))?;
    for item in json["items"].as_array().into_iter().flatten() {
        for id in [&item["id"], &item["because"]["id"]] {
            if let Some(id) = id.as_u64()
                && !in_version(v, id as MovieId)
            {
                return Err(format!("{what}: movie {id} is not in version {v}"));
            }
        }
    }
    Ok(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_swaps_under_mixed_traffic_answer_from_one_version_each() {
    let site = Site::new().await;
    site.publish_and_load(1).await;
    let state = site.state(Duration::from_millis(100)).await;
    assert_eq!(state.model_version(), Some(1));
    let watch = state.serving.spawn_watch();
    let router: Router = api::router(state.clone());

    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<BTreeMap<u64, usize>>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..6u32 {
        let (router, stop, seen, errors) =
            (router.clone(), stop.clone(), seen.clone(), errors.clone());
        clients.push(tokio::spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // In-process calls complete without touching a socket: yield
                // so the watch (and the runtime's timers) run as they would
                // between real network requests.
                tokio::task::yield_now().await;
                i += 1;
                // Ids every version holds.
                let a = 201 + (c * 7 + i) % 100;
                let b = 201 + (c * 13 + i * 3) % 100;
                let (what, answer, versioned) = match i % 4 {
                    0 => {
                        let d = 201 + (a + 50 - 201) % 100;
                        let body = format!(r#"{{"liked":[{a}],"disliked":[{d}],"k":20}}"#);
                        (
                            "recommendations",
                            call(&router, "POST", "/api/v1/recommendations", Some(&body)).await,
                            true,
                        )
                    }
                    1 => (
                        "similar",
                        call(
                            &router,
                            "GET",
                            &format!("/api/v1/movies/{b}/similar?k=15"),
                            None,
                        )
                        .await,
                        true,
                    ),
                    2 => (
                        "best_score",
                        call(
                            &router,
                            "POST",
                            "/api/v1/recommendations",
                            Some(&if a == b {
                                format!(r#"{{"liked":[{a}],"strategy":"best_score","k":10}}"#)
                            } else {
                                format!(r#"{{"liked":[{a},{b}],"strategy":"best_score","k":10}}"#)
                            }),
                        )
                        .await,
                        true,
                    ),
                    _ => (
                        "getSimilarUser",
                        call(&router, "POST", "/getSimilarUser", Some(&format!("[{a}]"))).await,
                        false,
                    ),
                };
                if versioned {
                    match check_answer(what, &answer) {
                        Ok(v) => *seen.lock().unwrap().entry(v).or_default() += 1,
                        Err(e) => errors.lock().unwrap().push(e),
                    }
                } else if answer.status != 200 {
                    errors.lock().unwrap().push(format!(
                        "{what}: {} {}",
                        answer.status,
                        answer.text()
                    ));
                }
            }
        }));
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    site.publish_and_load(2).await;
    wait_for(&state, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    site.publish_and_load(3).await;
    wait_for(&state, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    watch.abort();

    let errors = errors.lock().unwrap().clone();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    let seen = seen.lock().unwrap().clone();
    for v in 1..=3 {
        assert!(
            seen.get(&v).copied().unwrap_or(0) > 0,
            "no answer from version {v}: {seen:?}"
        );
    }
    let ready = call(&router, "GET", "/ready", None).await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["model_version"], 3);
    let stats = call(&router, "GET", "/api/v1/stats", None).await;
    assert_eq!(stats.json()["serving"]["swaps"], 3);
}

#[tokio::test]
async fn a_version_that_fails_verification_is_not_swapped_in() {
    let site = Site::new().await;
    site.publish_and_load(1).await;
    let state = site.state(Duration::from_secs(3600)).await;
    let router = api::router(state.clone());

    // Version 2 is loaded and activated, then its vectors are damaged in the
    // model root before this server reads them.
    site.publish_and_load(2).await;
    let file = site
        .dir
        .path()
        .join("models")
        .join(artifact::version_dir(2))
        .join(artifact::VECTORS);
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x55;
    std::fs::write(&file, &bad).unwrap();

    let e = state.serving.refresh().await.unwrap_err().to_string();
    assert!(e.contains(artifact::VECTORS), "{e}");
    assert_eq!(state.model_version(), Some(1));
    // Still answering, from version 1.
    let a = call(
        &router,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked":[5]}"#),
    )
    .await;
    assert_eq!(check_answer("recommendations", &a), Ok(1));
    // /ready says why; /api/v1/stats too.
    let ready = call(&router, "GET", "/ready", None).await;
    assert_error(&ready, 503, None);
    let json = ready.json();
    let msg = json["error"]["message"].as_str().unwrap();
    assert!(msg.contains("version 2") && msg.contains("failed"), "{msg}");
    assert_eq!(ready.header("retry-after").as_deref(), Some("2"));
    let stats = call(&router, "GET", "/api/v1/stats", None).await;
    assert_eq!(stats.status, 200);
    assert_eq!(stats.json()["model_version"], 1);
    assert_eq!(stats.json()["serving"]["failed_version"], 2);
    assert_eq!(stats.json()["serving"]["wanted"], 2);

    // Repaired: the next refresh swaps it in.
    std::fs::write(&file, &good).unwrap();
    assert_eq!(state.serving.refresh().await.unwrap(), Some(2));
    let ready = call(&router, "GET", "/ready", None).await;
    assert_eq!(
        (ready.status, &ready.json()["model_version"]),
        (200, &Value::from(2))
    );
    let stats = call(&router, "GET", "/api/v1/stats", None).await;
    assert_eq!(stats.json()["serving"]["failed_version"], Value::Null);
}

#[tokio::test]
async fn a_server_started_before_any_load_serves_the_first_version() {
    let site = Site::new().await;
    let state = site.state(Duration::from_millis(50)).await;
    let router = api::router(state.clone());
    assert_eq!(state.model_version(), None);
    let a = call(&router, "GET", "/api/v1/movies/random?n=3", None).await;
    assert_error(&a, 503, None);
    assert_eq!(a.header("retry-after").as_deref(), Some("2"));

    site.publish_and_load(1).await;
    // A request finds the last check older than the interval and starts
    // one (what a Lambda container does; `serve` also has its watch).
    tokio::time::sleep(Duration::from_millis(60)).await;
    let _ = call(&router, "GET", "/api/v1/movies/random?n=3", None).await;
    wait_for(&state, 1).await;
    let a = call(&router, "GET", "/api/v1/movies/random?n=3", None).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["items"].as_array().unwrap().len(), 3);
}
