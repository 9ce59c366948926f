//! Test fixture for the API tests: a small catalogue with clustered
//! vectors, served by the real embedded defaults.
//!
//! Every call publishes the catalogue as an exported model version
//! (manifest and checksums, [`artifact::publish_version`]) into a temporary
//! model root, loads it with [`load::load_version`] into a SQLite metadata
//! store in the same temporary directory, and serves it the way `reelgraph
//! serve` does (SQLite read-only, the embedded index of the active version
//! opened from its model root: [`ServicesSource`]; feedback in the same
//! database's `feedback` table). Nothing here stands in for a store.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::middleware::{self, Next};
use bytes::Bytes;
use reelgraph_api::serving::{ServicesSource, ServicesVectors};
use reelgraph_api::{self as api, ApiConfig, AppState};
use reelgraph_core::artifact::{self, DatasetInfo, Manifest};
use reelgraph_core::object::LocalDir;
use reelgraph_core::types::Movie;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::sql;
pub use reelgraph_testkit::answer::{Answer, answer, assert_error};
use tempfile::TempDir;
use tower::ServiceExt;

pub const VERSION: u64 = 20261128120000;
pub const DIM: usize = 8;

/// 40 movies in 4 clusters of 10 (ids 1–10 "Action" around axis 0, 11–20
/// "Comedy" axis 1, 21–30 "Drama" axis 2, 31–40 "Horror" axis 3); years
/// 1980 + id; popularity 100 − id; movie 3 has an OMDb poster, plot, cast,
/// release date and IMDb rating; 12 is "Amélie".
/// Vectors are row-major, `DIM` values per movie.
pub fn fixture() -> (Vec<Movie>, Vec<f32>) {
    let genres = ["Action", "Comedy", "Drama", "Horror"];
    let mut movies = Vec::new();
    let mut vectors = Vec::new();
    for id in 1..=40u32 {
        let c = ((id - 1) / 10) as usize;
        let j = (id - 1) % 10;
        let title = if id == 12 {
            "Amélie".to_string()
        } else {
            format!("Movie {id}")
        };
        movies.push(Movie {
            id,
            title: title.clone(),
            display_title: title,
            year: Some(1980 + id as u16),
            genres: vec![genres[c].to_string()],
            poster: (id == 3)
                .then(|| "https://m.media-amazon.com/images/M/poster3.jpg".to_string()),
            plot: (id == 3).then(|| "Three things happen.".to_string()),
            director: (id == 3).then(|| "A. Director".to_string()),
            actors: if id == 3 {
                vec!["X".into(), "Y".into()]
            } else {
                vec![]
            },
            runtime: (id == 3).then_some(101),
            released: (id == 3).then(|| "1995-11-22".to_string()),
            imdb_rating: (id == 3).then_some(8.3),
            imdb_votes: (id == 3).then_some(860_790),
            popularity: 100 - id,
            ..Movie::default()
        });
        // Unit vector: mostly the cluster axis, with a within-cluster offset
        // on axis 4+j%4 so distances inside a cluster differ.
        let mut v = [0.0f32; DIM];
        v[c] = 1.0;
        v[4 + (j as usize % 4)] = 0.1 * (j as f32 + 1.0) / 10.0;
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        vectors.extend(v.iter().map(|x| x / n));
    }
    (movies, vectors)
}

/// The stores behind a test router, and the directory they live in.
pub struct Fixture {
    pub state: api::State,
    pub dir: Arc<TempDir>,
}

impl Fixture {
    /// The API router over this fixture. The directory (SQLite database and
    /// model root) is removed once the router is dropped and no request is
    /// running: every request holds it until its handler has answered,
    /// because `oneshot` drops the router before the handler runs.
    pub fn router(self) -> Router {
        let dir = self.dir;
        api::router(self.state).layer(middleware::from_fn(
            move |req: Request<Body>, next: Next| {
                let keep = dir.clone();
                async move {
                    let answer = next.run(req).await;
                    drop(keep);
                    answer
                }
            },
        ))
    }
}

/// Publish the fixture as model version [`VERSION`], `reelgraph load` it into
/// SQLite + the embedded index, and open the stores for serving.
pub async fn fixture_with(config: ApiConfig) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let models = dir.path().join("models");
    let (movies, vectors) = fixture();
    let manifest = Manifest {
        format: artifact::FORMAT,
        version: VERSION,
        created_at: "2026-11-28T12:00:00Z".into(),
        model: "api-test-fixture".into(),
        dimension: DIM,
        count: movies.len(),
        metric: "IP".into(),
        dataset: DatasetInfo {
            name: "api-test-fixture".into(),
            items: movies.len(),
            ..Default::default()
        },
        metrics: serde_json::json!({"hr@10": 0.5}),
        files: Default::default(),
    };
    artifact::publish_version(
        &LocalDir::new(&models),
        manifest,
        vec![
            (
                artifact::VECTORS.to_string(),
                Bytes::from(artifact::encode_npy(&vectors, movies.len(), DIM).unwrap()),
            ),
            (
                artifact::ITEMS.to_string(),
                Bytes::from(artifact::encode_items(&movies).unwrap()),
            ),
        ],
    )
    .await
    .expect("publish the fixture version");

    let db_url = format!("sqlite://{}", dir.path().join("meta.db").display());
    let meta = sql::open(&db_url.parse().unwrap())
        .await
        .expect("open SQLite");
    let report = load::load_version(
        models.to_str().unwrap(),
        None,
        &VectorTarget::Embedded,
        meta.as_ref(),
        &|_, _, _| {},
    )
    .await
    .expect("load the fixture version");
    assert_eq!((report.version, report.items), (VERSION, 40));
    drop(meta);
    // Served as `reelgraph serve` serves it: SQL read-only, the embedded
    // index of the active version opened from its recorded model root.
    let source = ServicesSource {
        meta: sql::open_reader(&db_url.parse().unwrap())
            .await
            .expect("open SQLite read-only"),
        vectors: ServicesVectors::Embedded,
        describe: "the fixture".into(),
    };
    // Visitors' feedback in the same database, as `serve` keeps it.
    let feedback = sql::open_feedback(&db_url.parse().unwrap())
        .await
        .expect("open the feedback table");
    let state = AppState::open(Arc::new(source), config)
        .await
        .with_feedback(feedback);
    assert_eq!(
        state.model_version(),
        Some(VERSION),
        "{:?}",
        state.serving.status()
    );
    Fixture {
        state: Arc::new(state),
        dir: Arc::new(dir),
    }
}

pub async fn router() -> Router {
    fixture_with(ApiConfig::default()).await.router()
}

pub async fn call(router: &Router, method: &str, uri: &str, body: Option<&str>) -> Answer {
    call_with(router, method, uri, &[], body).await
}

/// [`call`] with extra request headers (`Host`, …).
pub async fn call_with(
    router: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(
            body.map(|b| Body::from(b.to_string()))
                .unwrap_or_else(Body::empty),
        )
        .unwrap();
    answer(router.clone().oneshot(req).await.unwrap()).await
}
