//! New movies without retraining (`reelgraph catalog add`): PinSAGE is
//! inductive, so a movie the model never saw is embedded from its features
//! (genres, year, title words, director and actors) by the trained weights
//! of a published version, and a new version is published that holds the
//! old catalogue, unchanged, plus the new movies.
//!
//! 1. [`parse_new_movies`] reads the new movies, one JSON object per line
//!    (`id`, `title`, `year`, `genres`; optional `plot`, `director`,
//!    `actors`, `poster`, …: the fields of a catalogue entry); an error names
//!    the line.
//! 2. [`add`] reads and verifies the version (every checksum), refuses an id
//!    the version already holds (naming the line), loads the version's model
//!    (`model.bpk` with `model.json`), computes the new movies' vectors, and
//!    publishes a new version: the same weights and model files, the old
//!    vectors bit for bit, the new rows after them. Files first, then the
//!    manifest ([`artifact::stage_version`]); the version is read back and
//!    checked (every checksum, the old rows, the weights), and only then does
//!    `latest` name it ([`artifact::set_latest`]). Nothing is written before
//!    every input check has passed, and a reader following `latest` never
//!    sees the new version unless it is whole.
//!
//! A new movie has no interactions here, so its vector is the feature-only
//! one ([`infer::embed_new`] without neighbours): the model's projection of
//! its features through the convolution layers, with no id embedding (which
//! exists only for trained items). Once visitors rate it, retraining gives it
//! a learned one.

use std::collections::HashMap;

use burn::prelude::*;
use bytes::Bytes;
use reelgraph_core::artifact::{self, ITEMS, MANIFEST, Manifest, VECTORS};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::Movie;
use serde::{Deserialize, Serialize};

use crate::data::title::display_title;
use crate::export::{self, CHECKPOINT, MODEL_CONFIG};
use crate::infer;
use crate::model::{FeatureTensors, ItemFeatures};
use crate::sampler::Neighbourhoods;

/// The file a version made by [`add`] carries: where it came from and what
/// was added.
pub const CATALOG_ADDED: &str = "catalog-added.json";

/// One line of the new movies' file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewMovie {
    id: i64,
    title: String,
    year: Option<u16>,
    genres: Vec<String>,
    #[serde(default)]
    plot: Option<String>,
    #[serde(default)]
    director: Option<String>,
    #[serde(default)]
    actors: Vec<String>,
    #[serde(default)]
    runtime: Option<u16>,
    #[serde(default)]
    rated: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    poster: Option<String>,
    #[serde(default)]
    imdb_id: Option<String>,
    #[serde(default)]
    released: Option<String>,
}

/// The new movies of `text` (JSON lines; blank lines are skipped), each with
/// its line number. Errors name the line and the field.
pub fn parse_new_movies(text: &str) -> anyhow::Result<Vec<(usize, Movie)>> {
    let mut out = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let m: NewMovie = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                anyhow::anyhow!("line {n}: {}", e.inner())
            } else {
                anyhow::anyhow!("line {n}: {path}: {}", e.inner())
            }
        })?;
        de.end()
            .map_err(|e| anyhow::anyhow!("line {n}: one JSON object per line: {e}"))?;
        let id = u32::try_from(m.id)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                anyhow::anyhow!("line {n}: id: {} is not a movie id (1 to 2^32 − 1)", m.id)
            })?;
        if let Some(first) = seen.insert(m.id, n) {
            anyhow::bail!("line {n}: id: {id} is also on line {first}");
        }
        let title = m.title.trim().to_string();
        anyhow::ensure!(!title.is_empty(), "line {n}: title: empty");
        anyhow::ensure!(
            m.genres.iter().all(|g| !g.trim().is_empty()),
            "line {n}: genres: an empty genre"
        );
        if let Some(p) = &m.poster {
            anyhow::ensure!(
                p.starts_with("https://"),
                "line {n}: poster: {p:?} is not an https:// URL"
            );
        }
        out.push((
            n,
            Movie {
                id,
                display_title: display_title(&title),
                title,
                year: m.year,
                genres: m.genres.iter().map(|g| g.trim().to_string()).collect(),
                plot: m.plot,
                director: m.director,
                actors: m.actors,
                runtime: m.runtime,
                rated: m.rated,
                language: m.language,
                poster: m.poster,
                imdb_id: m.imdb_id,
                released: m.released,
                ..Movie::default()
            },
        ));
    }
    anyhow::ensure!(!out.is_empty(), "no movies (one JSON object per line)");
    Ok(out)
}

/// What [`CATALOG_ADDED`] records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Added {
    /// The version the catalogue and the weights come from.
    pub from_version: u64,
    /// The movies added, in vector row order after the old catalogue.
    pub added: Vec<u32>,
}

/// Publish a version holding `from` (the latest when `None`) and the new
/// movies, embedded by `from`'s model. Returns the new version's manifest.
pub async fn add(
    store: &dyn ObjectStore,
    from: Option<u64>,
    new: &[(usize, Movie)],
) -> anyhow::Result<Manifest> {
    let (bundle, cfg) = export::import(store, from).await?;
    let v = bundle.manifest.version;
    let checkpoint = bundle.files.get(CHECKPOINT).ok_or_else(|| {
        anyhow::anyhow!("version {v} has no {CHECKPOINT}: it cannot embed new movies")
    })?;
    let known: HashMap<u32, &Movie> = bundle.items.iter().map(|m| (m.id, m)).collect();
    for (line, m) in new {
        if let Some(old) = known.get(&m.id) {
            anyhow::bail!(
                "line {line}: id: {} is already in version {v} ({:?}); a new movie needs a new id",
                m.id,
                old.display_title
            );
        }
    }

    let device = Device::flex();
    let model = crate::train::load_model(&cfg, checkpoint, &device)?;
    let mut movies = bundle.items.clone();
    movies.extend(new.iter().map(|(_, m)| m.clone()));
    let feats = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &device);
    // No neighbours anywhere: only the new rows are kept, and a new row
    // depends on its own features only (the feature-only vector of
    // `infer::embed_new`).
    let nbrs = Neighbourhoods::from_lists(vec![Vec::new(); movies.len()], 1);
    let all = infer::embed_all(&model, &feats, &nbrs);
    let d = bundle.manifest.dimension;
    let fresh = &all[bundle.items.len() * d..];
    for (row, (line, _)) in fresh.chunks(d).zip(new) {
        anyhow::ensure!(
            row.iter().all(|x| x.is_finite()) && row.iter().any(|x| *x != 0.0),
            "line {line}: the model gave no usable vector"
        );
    }
    let mut vectors = bundle.vectors.clone();
    vectors.extend_from_slice(fresh);

    let (version, created_at) = export::next_version(store).await?;
    let added = Added {
        from_version: v,
        added: new.iter().map(|(_, m)| m.id).collect(),
    };
    let mut files: Vec<(String, Bytes)> = vec![
        (
            VECTORS.into(),
            Bytes::from(artifact::encode_npy(&vectors, movies.len(), d)?),
        ),
        (ITEMS.into(), Bytes::from(artifact::encode_items(&movies)?)),
        (
            CATALOG_ADDED.into(),
            Bytes::from(serde_json::to_vec_pretty(&added)?),
        ),
    ];
    // The weights, the model's configuration and the report, as they are.
    for (name, body) in &bundle.files {
        if ![VECTORS, ITEMS, MANIFEST, CATALOG_ADDED].contains(&name.as_str()) {
            files.push((name.clone(), body.clone()));
        }
    }
    let manifest = Manifest {
        version,
        created_at,
        count: movies.len(),
        files: Default::default(),
        ..bundle.manifest.clone()
    };
    let staged = artifact::stage_version(store, manifest, files).await?;

    // Read back and check before `latest` moves: every checksum, the old
    // rows unchanged, the same weights.
    let (check, _) = export::import(store, Some(version)).await?;
    anyhow::ensure!(
        check.vectors[..bundle.vectors.len()] == bundle.vectors[..]
            && check.vectors[bundle.vectors.len()..] == *fresh
            && check.items == movies
            && check.files.get(CHECKPOINT) == Some(checkpoint)
            && check.files.get(MODEL_CONFIG) == bundle.files.get(MODEL_CONFIG),
        "version {version} does not read back as written; `latest` still names {}",
        artifact::latest_version(store)
            .await
            .map_or("nothing".into(), |l| l.to_string())
    );
    artifact::set_latest(store, version).await?;
    Ok(staged)
}
