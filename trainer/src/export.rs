//! Export a trained model as a version of a model root (a local directory or
//! `s3://bucket/prefix`, through [`ObjectStore`]), and read it back.
//!
//! A version holds `vectors.npy` (little-endian f32, `items × dim`),
//! `items.jsonl` (one movie per vector row), `model.bpk` (the burn
//! checkpoint) with `model.json` (its [`ModelConfig`], so it can be loaded
//! for inductive inference), any report files, and `manifest.json` with the
//! SHA-256 of every file. `latest` is written last
//! ([`reelgraph_core::artifact::publish_version`]).

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use reelgraph_core::artifact::{
    self, DatasetInfo, FORMAT, ITEMS, Manifest, VECTORS, VersionBundle,
};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::Movie;

use crate::model::ModelConfig;

pub const CHECKPOINT: &str = "model.bpk";
pub const MODEL_CONFIG: &str = "model.json";

/// What to export.
#[derive(Clone, Debug)]
pub struct Export<'a> {
    /// Model name for the manifest (e.g. `"pinsage"`).
    pub model: &'a str,
    /// Row-major `movies.len() × dim`.
    pub vectors: &'a [f32],
    pub dim: usize,
    pub movies: &'a [Movie],
    pub model_config: &'a ModelConfig,
    /// Burnpack bytes of the model.
    pub checkpoint: &'a [u8],
    /// Further files (report, pictures), by file name.
    pub extra: Vec<(String, Bytes)>,
    pub dataset: DatasetInfo,
    /// Evaluation figures for the manifest.
    pub metrics: serde_json::Value,
}

/// `(version number YYYYMMDDHHMMSS, RFC 3339 time)` of a Unix time.
pub fn version_at(unix: u64) -> (u64, String) {
    let t = i64::try_from(unix)
        .ok()
        .and_then(|u| time::OffsetDateTime::from_unix_timestamp(u).ok())
        .expect("a Unix time of this era");
    let (y, m, d) = (t.year(), t.month() as u8, t.day());
    let (hh, mm, ss) = (t.hour(), t.minute(), t.second());
    (
        format!("{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}")
            .parse()
            .expect("digits"),
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z"),
    )
}

/// The number and time of a new version: the current UTC time, raised
/// above the current `latest` when needed.
pub async fn next_version(store: &dyn ObjectStore) -> anyhow::Result<(u64, String)> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let (mut version, created_at) = version_at(now);
    match artifact::latest_version(store).await {
        Ok(latest) if latest >= version => version = latest + 1,
        _ => {}
    }
    Ok((version, created_at))
}

/// Publish a new version; returns its manifest. The version number is the
/// current UTC time, raised above the current `latest` when needed.
pub async fn export(store: &dyn ObjectStore, e: Export<'_>) -> anyhow::Result<Manifest> {
    anyhow::ensure!(
        e.vectors.len() == e.movies.len() * e.dim,
        "{} values are not {} items × {}",
        e.vectors.len(),
        e.movies.len(),
        e.dim
    );
    let (version, created_at) = next_version(store).await?;
    let mut files = vec![
        (
            VECTORS.to_string(),
            Bytes::from(artifact::encode_npy(e.vectors, e.movies.len(), e.dim)?),
        ),
        (
            ITEMS.to_string(),
            Bytes::from(artifact::encode_items(e.movies)?),
        ),
        (CHECKPOINT.to_string(), Bytes::copy_from_slice(e.checkpoint)),
        (
            MODEL_CONFIG.to_string(),
            Bytes::from(serde_json::to_vec_pretty(e.model_config)?),
        ),
    ];
    for (name, body) in e.extra {
        anyhow::ensure!(
            !files.iter().any(|(n, _)| *n == name) && name != artifact::MANIFEST,
            "export file name {name:?} is reserved"
        );
        files.push((name, body));
    }
    let manifest = Manifest {
        format: FORMAT,
        version,
        created_at,
        model: e.model.to_string(),
        dimension: e.dim,
        count: e.movies.len(),
        metric: "IP".into(),
        dataset: e.dataset,
        metrics: e.metrics,
        files: Default::default(),
    };
    Ok(artifact::publish_version(store, manifest, files).await?)
}

/// Read and verify a version (`None`: the latest), including the model config.
pub async fn import(
    store: &dyn ObjectStore,
    version: Option<u64>,
) -> anyhow::Result<(VersionBundle, ModelConfig)> {
    let bundle = artifact::read_version(store, version).await?;
    let cfg = bundle.files.get(MODEL_CONFIG).ok_or_else(|| {
        anyhow::anyhow!("version {} has no {MODEL_CONFIG}", bundle.manifest.version)
    })?;
    let cfg: ModelConfig =
        serde_json::from_slice(cfg).map_err(|e| anyhow::anyhow!("{MODEL_CONFIG}: {e}"))?;
    Ok((bundle, cfg))
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_from_unix_time() {
        assert_eq!(
            super::version_at(1_795_856_400),
            (20261128090000, "2026-11-28T09:00:00Z".to_string())
        );
        assert_eq!(super::version_at(0).1, "1970-01-01T00:00:00Z");
        assert_eq!(super::version_at(951_782_400).1, "2000-02-29T00:00:00Z");
    }
}
