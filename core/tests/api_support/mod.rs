//! Test fixture for the API tests: a small catalogue with clustered vectors.
//!
//! The stores here are test-only exact implementations of the store traits,
//! used until the embedded index and SQLite stores land on main.
#![allow(dead_code)]

use std::sync::Arc;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use reelgraph_core::Result;
use reelgraph_core::api::{self, ApiConfig, AppState};
use reelgraph_core::store::metadata::{MetadataStore, ModelVersionRow};
use reelgraph_core::store::vector::{Hit, ItemAttrs, SearchFilter, VectorStore};
use reelgraph_core::types::{Movie, MovieId};
use tower::ServiceExt;

pub struct TestVectors {
    pub ids: Vec<MovieId>,
    pub vectors: Vec<Vec<f32>>,
    pub attrs: Vec<ItemAttrs>,
    pub version: u64,
}

#[async_trait]
impl VectorStore for TestVectors {
    async fn upsert(
        &self,
        _: u64,
        _: &[MovieId],
        _: &[f32],
        _: usize,
        _: &[ItemAttrs],
    ) -> Result<()> {
        unimplemented!("read-only test store")
    }
    async fn activate(&self, _: u64) -> Result<()> {
        unimplemented!("read-only test store")
    }
    async fn active_version(&self) -> Result<Option<u64>> {
        Ok(Some(self.version))
    }
    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        let mut hits: Vec<Hit> = (0..self.ids.len())
            .filter(|&i| {
                let a = &self.attrs[i];
                let id = self.ids[i];
                !filter.exclude.contains(&id)
                    && filter.ids.as_ref().is_none_or(|ids| ids.contains(&id))
                    && (filter.genres.is_empty()
                        || a.genres.iter().any(|g| filter.genres.contains(g)))
                    && filter
                        .year_min
                        .is_none_or(|lo| a.year.is_some_and(|y| y >= lo))
                    && filter
                        .year_max
                        .is_none_or(|hi| a.year.is_some_and(|y| y <= hi))
            })
            .map(|i| Hit {
                id: self.ids[i],
                score: self.vectors[i].iter().zip(query).map(|(a, b)| a * b).sum(),
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        hits.truncate(k);
        Ok(hits)
    }
    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        Ok(ids
            .iter()
            .filter_map(|id| {
                let i = self.ids.iter().position(|x| x == id)?;
                Some((*id, self.vectors[i].clone()))
            })
            .collect())
    }
    async fn count(&self) -> Result<usize> {
        Ok(self.ids.len())
    }
}

pub struct TestMeta {
    pub movies: Vec<Movie>,
    pub row: ModelVersionRow,
}

#[async_trait]
impl MetadataStore for TestMeta {
    async fn migrate(&self) -> Result<()> {
        Ok(())
    }
    async fn upsert_movies(&self, _: &[Movie]) -> Result<()> {
        unimplemented!("read-only test store")
    }
    async fn movies(&self, ids: &[MovieId]) -> Result<Vec<Movie>> {
        Ok(ids
            .iter()
            .filter_map(|id| self.movies.iter().find(|m| m.id == *id).cloned())
            .collect())
    }
    async fn all_movies(&self) -> Result<Vec<Movie>> {
        Ok(self.movies.clone())
    }
    async fn count_movies(&self) -> Result<u64> {
        Ok(self.movies.len() as u64)
    }
    async fn record_version(&self, _: &ModelVersionRow) -> Result<()> {
        unimplemented!("read-only test store")
    }
    async fn activate_version(&self, _: u64) -> Result<()> {
        unimplemented!("read-only test store")
    }
    async fn active_version(&self) -> Result<Option<ModelVersionRow>> {
        Ok(Some(self.row.clone()))
    }
}

pub const VERSION: u64 = 20261128120000;

/// 40 movies in 4 clusters of 10 (ids 1–10 "Action" around axis 0, 11–20
/// "Comedy" axis 1, 21–30 "Drama" axis 2, 31–40 "Horror" axis 3); years
/// 1980 + id; popularity 100 − id; movie 3 has an OMDb poster; 12 is "Amélie".
pub fn fixture() -> (Vec<Movie>, Vec<Vec<f32>>) {
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
            poster: (id == 3).then(|| "https://img.example/poster3.jpg".to_string()),
            plot: (id == 3).then(|| "Three things happen.".to_string()),
            director: (id == 3).then(|| "A. Director".to_string()),
            actors: if id == 3 {
                vec!["X".into(), "Y".into()]
            } else {
                vec![]
            },
            runtime: (id == 3).then_some(101),
            popularity: 100 - id,
            ..Movie::default()
        });
        // Unit vector: mostly the cluster axis, with a within-cluster offset
        // on axis 4+j%4 so distances inside a cluster differ.
        let mut v = vec![0.0f32; 8];
        v[c] = 1.0;
        v[4 + (j as usize % 4)] = 0.1 * (j as f32 + 1.0) / 10.0;
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= n);
        vectors.push(v);
    }
    (movies, vectors)
}

pub async fn state_with(config: ApiConfig) -> api::State {
    let (movies, vectors) = fixture();
    let attrs = movies
        .iter()
        .map(|m| ItemAttrs {
            year: m.year,
            genres: m.genres.clone(),
        })
        .collect();
    let vs = TestVectors {
        ids: movies.iter().map(|m| m.id).collect(),
        vectors,
        attrs,
        version: VERSION,
    };
    let meta = TestMeta {
        movies,
        row: ModelVersionRow {
            version: VERSION,
            dimension: 8,
            metrics: serde_json::json!({"hr@10": 0.5}),
            loaded_at: "2026-11-28T12:00:00Z".into(),
            active: true,
        },
    };
    Arc::new(
        AppState::load(Arc::new(vs), Arc::new(meta), config)
            .await
            .unwrap(),
    )
}

pub async fn router() -> Router {
    api::router(state_with(ApiConfig::default()).await)
}

pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
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

pub async fn answer(resp: Response<Body>) -> Answer {
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

pub async fn call(router: &Router, method: &str, uri: &str, body: Option<&str>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
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

/// Assert a v1 error answer: status, code and field.
pub fn assert_error(a: &Answer, status: u16, field: Option<&str>) {
    assert_eq!(a.status, status, "body: {}", a.text());
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/json")
    );
    let j = a.json();
    let e = &j["error"];
    assert!(e["code"].is_string() && e["message"].is_string(), "{j}");
    assert_eq!(e["field"].as_str(), field, "{j}");
}
