//! Generated model versions for store tests and benchmarks.
//!
//! Writes a real exported version (through [`artifact::publish_version`],
//! so with a manifest and checksums) whose vectors are seeded random unit
//! vectors and whose items are synthetic movies with years and genres; no
//! dataset or trainer is needed.

use bytes::Bytes;
use rand::{Rng, SeedableRng};

use reelgraph_core::artifact::{self, DatasetInfo, Manifest};
use reelgraph_core::error::Result;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::{Movie, MovieId};

pub const GENRES: [&str; 6] = ["Action", "Comedy", "Drama", "Horror", "Sci-Fi", "Romance"];

/// `n` synthetic movies with ids `first_id..first_id + n`.
pub fn movies(first_id: MovieId, n: usize) -> Vec<Movie> {
    (0..n as MovieId)
        .map(|i| {
            let id = first_id + i;
            Movie {
                id,
                title: format!("Movie {id}"),
                display_title: format!("Movie {id}"),
                year: (!id.is_multiple_of(11)).then_some(1940 + (id % 80) as u16),
                genres: vec![
                    GENRES[id as usize % GENRES.len()].to_string(),
                    GENRES[(id as usize / 7) % GENRES.len()].to_string(),
                ],
                popularity: id % 500,
                ..Default::default()
            }
        })
        .collect()
}

/// `n * dim` values: seeded random unit vectors, row-major.
pub fn vectors(n: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let row: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        out.extend(row.iter().map(|x| x / norm));
    }
    out
}

/// Publish version `version` with `n` items of dimension `dim` (ids from
/// `first_id`) into `store`, and move `latest` to it.
pub async fn publish(
    store: &dyn ObjectStore,
    version: u64,
    first_id: MovieId,
    n: usize,
    dim: usize,
    seed: u64,
) -> Result<Manifest> {
    publish_movies(store, version, movies(first_id, n), dim, seed).await
}

/// Publish version `version` of the given movies (in row order) with seeded
/// random unit vectors of dimension `dim`, and move `latest` to it.
pub async fn publish_movies(
    store: &dyn ObjectStore,
    version: u64,
    items: Vec<Movie>,
    dim: usize,
    seed: u64,
) -> Result<Manifest> {
    let n = items.len();
    let v = vectors(n, dim, seed);
    let manifest = Manifest {
        format: artifact::FORMAT,
        version,
        created_at: "2026-11-28T00:00:00Z".into(),
        model: "fixture".into(),
        dimension: dim,
        count: n,
        metric: "IP".into(),
        dataset: DatasetInfo {
            name: "synthetic".into(),
            items: n,
            ..Default::default()
        },
        metrics: serde_json::json!({"note": "generated fixture", "seed": seed}),
        files: Default::default(),
    };
    artifact::publish_version(
        store,
        manifest,
        vec![
            (
                artifact::VECTORS.to_string(),
                Bytes::from(artifact::encode_npy(&v, n, dim)?),
            ),
            (
                artifact::ITEMS.to_string(),
                Bytes::from(artifact::encode_items(&items)?),
            ),
        ],
    )
    .await
}
