//! Loading an exported model version into the stores (`reelgraph load`),
//! and opening the active version for serving.
//!
//! [`load_version`] ([`Step`] names each step):
//! 1. resolves the version (`latest` when none is given); if it is already
//!    active and its vectors are whole, nothing is done (loading twice is a
//!    no-op);
//! 2. reads the version and verifies the manifest and every checksum
//!    ([`artifact::read_version`]) **before writing anything**; a corrupt or
//!    incomplete version is refused with an error naming the file;
//! 3. writes the version's movies as rows of their own (the `movies` table
//!    is keyed by version and id: the served catalogue is never written;
//!    leftovers of an interrupted load of the same version are removed
//!    first), then records the version, inactive, with its model root;
//! 4. vectors: with Milvus, writes the version's own `movies_v{N}`
//!    collection, builds its index, loads it and verifies the row count and
//!    probe searches against the embedded index; with the embedded index
//!    there is nothing to copy;
//! 5. **activates** the version in the metadata store — one transaction, the
//!    only step that changes what servers serve (they search the collection
//!    of the version they serve by name, and read its rows);
//! 6. best-effort, after activation: points the Milvus alias `movies` at
//!    the new collection (for other tools), and removes versions older than
//!    the active one and the [`KEEP_PREVIOUS`] before it.
//!
//! An interruption (an error, a crash, `kill -9`) anywhere before step 5
//! leaves the previously active version serving, unchanged; running the same
//! load again finishes the job.
//!
//! ## Where the embedded index's active version is kept
//!
//! The embedded vector store lives in the serving process, so "loading" it
//! means recording durably which version is active and where it came from:
//! the `model_versions` table of the metadata database holds the active flag
//! and the model root URI (`source`, a canonical local path or
//! `s3://bucket/prefix`). [`open_vectors`] (used by `reelgraph serve` with
//! the same `--vectors`/`--db` flags) reads both and opens that version from
//! its model root, verifying its checksums again.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::embedded::{EmbeddedIndex, EmbeddedStore};
use crate::metadata::{MetadataReader, MetadataStore, ModelVersionRow};
use crate::milvus::MilvusStore;
use crate::sql;
use crate::vector::{ItemAttrs, VectorReader, VectorWriter};
use reelgraph_core::artifact;
use reelgraph_core::error::{Error, Result};
use reelgraph_core::object::{self, ObjectStore};
use reelgraph_core::settings::{Secret, VectorSpec};

/// Rows per vector upsert (one progress step).
const UPSERT_BATCH: usize = 2_000;

/// Where vectors go.
pub enum VectorTarget {
    /// The in-process index (the version is opened from its model root by the server).
    Embedded,
    Milvus(MilvusStore),
}

impl VectorTarget {
    /// The store `spec` names (Milvus: connected).
    pub async fn open(spec: &VectorSpec, token: Option<&Secret>) -> Result<Self> {
        match spec {
            VectorSpec::Embedded => Ok(VectorTarget::Embedded),
            VectorSpec::Milvus { .. } => Ok(VectorTarget::Milvus(
                MilvusStore::connect(spec, token).await?,
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            VectorTarget::Embedded => "embedded".into(),
            VectorTarget::Milvus(m) => m.url().to_string(),
        }
    }
}

/// Phase and position, reported while loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Verify,
    Metadata,
    Vectors,
    Activate,
}

/// What a load did.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadReport {
    pub version: u64,
    pub items: usize,
    pub dimension: usize,
    /// `false` when the version was already active (nothing written).
    pub changed: bool,
    pub vectors: String,
    pub elapsed: Duration,
}

/// A model root URI as recorded: local paths are made absolute.
pub fn canonical_source(uri: &str) -> String {
    if uri.starts_with("s3://") {
        return uri.trim_end_matches('/').to_string();
    }
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    std::fs::canonicalize(Path::new(path))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

/// The steps of [`load_from_store_with`], in order. A hook runs before each
/// one (tests inject failures there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// Read the version and verify its manifest and checksums.
    Verify,
    /// Write the version's movies (beside those of the served versions).
    Movies,
    /// Record the version, inactive, with its model root.
    Record,
    /// Write the version's Milvus collection.
    Vectors,
    /// Index, load and verify the collection (row count, probe searches).
    Prepare,
    /// Activate the version in the metadata store: the one step that
    /// changes what servers serve.
    Activate,
    /// Point the Milvus alias at the new collection (best-effort).
    Alias,
    /// Remove versions older than the ones kept (best-effort).
    Cleanup,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Verify,
        Step::Movies,
        Step::Record,
        Step::Vectors,
        Step::Prepare,
        Step::Activate,
        Step::Alias,
        Step::Cleanup,
    ];
}

/// Versions kept after a load besides the active one, so that servers still
/// on an older version finish on it and a roll-back finds its rows.
pub const KEEP_PREVIOUS: usize = 2;

/// Load `version` (or `latest`) from the model root `from` into `db` and
/// `vectors`, then activate it. `progress(phase, done, total)` is called as
/// work proceeds.
pub async fn load_version(
    from: &str,
    version: Option<u64>,
    vectors: &VectorTarget,
    db: &dyn MetadataStore,
    progress: &(dyn Fn(Phase, u64, u64) + Send + Sync),
) -> Result<LoadReport> {
    let started = Instant::now();
    let source = canonical_source(from);
    let store = object::open(from).await?;
    load_from_store(store.as_ref(), &source, version, vectors, db, progress)
        .await
        .map(|mut r| {
            r.elapsed = started.elapsed();
            r
        })
}

/// [`load_version`] on an opened object store; `source` is recorded as the
/// version's model root.
pub async fn load_from_store(
    store: &dyn ObjectStore,
    source: &str,
    version: Option<u64>,
    vectors: &VectorTarget,
    db: &dyn MetadataStore,
    progress: &(dyn Fn(Phase, u64, u64) + Send + Sync),
) -> Result<LoadReport> {
    load_from_store_with(store, source, version, vectors, db, progress, &|_| Ok(())).await
}

/// [`load_from_store`] with `before(step)` called before each [`Step`]: an
/// error stops the load there (after [`Step::Activate`] the remaining steps
/// are best-effort: they are skipped with a warning).
///
/// What servers serve changes only at [`Step::Activate`]: a version's movies
/// are rows of their own (never the served ones), its Milvus collection is
/// its own (never the one a server searches), and activation is one
/// transaction. Leftovers of an interrupted load are removed by the rerun.
pub async fn load_from_store_with(
    store: &dyn ObjectStore,
    source: &str,
    version: Option<u64>,
    vectors: &VectorTarget,
    db: &dyn MetadataStore,
    progress: &(dyn Fn(Phase, u64, u64) + Send + Sync),
    before: &(dyn Fn(Step) -> Result<()> + Send + Sync),
) -> Result<LoadReport> {
    let started = Instant::now();
    let version = match version {
        Some(v) => v,
        None => artifact::latest_version(store).await.map_err(|e| match e {
            Error::NotFound(what) => Error::NotFound(format!(
                "{what}: no `latest` pointer in {}; pass --version",
                store.describe()
            )),
            other => other,
        })?,
    };

    // Loading the active version again is a no-op (when its vectors are whole).
    let active = db.active_version().await?.map(|r| r.version);
    if active == Some(version) {
        let movies = db.count_movies(version).await? as usize;
        let vectors_whole = match vectors {
            VectorTarget::Embedded => true,
            VectorTarget::Milvus(m) => {
                m.has_version(version).await? && m.count_version(version).await.ok() == Some(movies)
            }
        };
        if vectors_whole {
            let dimension = db.version(version).await?.map_or(0, |r| r.dimension);
            return Ok(LoadReport {
                version,
                items: movies,
                dimension,
                changed: false,
                vectors: vectors.describe(),
                elapsed: started.elapsed(),
            });
        }
    }

    // Verify everything before writing anything.
    before(Step::Verify)?;
    progress(Phase::Verify, 0, 1);
    let bundle = artifact::read_version(store, Some(version)).await?;
    let index = EmbeddedIndex::from_bundle(&bundle)?;
    progress(Phase::Verify, 1, 1);
    let n = bundle.items.len();
    let dim = bundle.manifest.dimension;

    // The movies of a version that is not served: leftovers of an
    // interrupted load are removed first. (An active version reaches this
    // point only when its Milvus collection is missing: its rows stay.)
    if active != Some(version) {
        before(Step::Movies)?;
        db.forget_version(version).await?;
        let batches = n.div_ceil(sql::BATCH).max(1) as u64;
        progress(Phase::Metadata, 0, batches);
        for (i, chunk) in bundle.items.chunks(sql::BATCH).enumerate() {
            db.upsert_movies(version, chunk).await?;
            progress(Phase::Metadata, i as u64 + 1, batches);
        }
        before(Step::Record)?;
        db.record_version(&ModelVersionRow {
            version,
            dimension: dim,
            metrics: bundle.manifest.metrics.clone(),
            loaded_at: sql::now_rfc3339(),
            active: false,
        })
        .await?;
        db.set_version_source(version, source).await?;
    }

    match vectors {
        VectorTarget::Embedded => progress(Phase::Vectors, 1, 1),
        VectorTarget::Milvus(m) => {
            before(Step::Vectors)?;
            // A partial collection from an interrupted load is rebuilt; no
            // server searches it (servers search their version's collection).
            m.drop_version(version).await?;
            let ids: Vec<_> = bundle.items.iter().map(|m| m.id).collect();
            let attrs: Vec<ItemAttrs> = bundle
                .items
                .iter()
                .map(|m| ItemAttrs {
                    year: m.year,
                    genres: m.genres.clone(),
                })
                .collect();
            let steps = n.div_ceil(UPSERT_BATCH).max(1) as u64;
            progress(Phase::Vectors, 0, steps);
            for (i, start) in (0..n).step_by(UPSERT_BATCH).enumerate() {
                let end = (start + UPSERT_BATCH).min(n);
                m.upsert(
                    version,
                    &ids[start..end],
                    &bundle.vectors[start * dim..end * dim],
                    dim,
                    &attrs[start..end],
                )
                .await?;
                progress(Phase::Vectors, i as u64 + 1, steps);
            }
            before(Step::Prepare)?;
            m.prepare_verified(version, Some(n), Some(&index)).await?;
        }
    }

    // The one step that changes what is served.
    before(Step::Activate)?;
    progress(Phase::Activate, 0, 2);
    db.activate_version(version).await?;
    progress(Phase::Activate, 1, 2);

    // Best-effort from here: the version is active whatever happens.
    if let VectorTarget::Milvus(m) = vectors {
        let alias = match before(Step::Alias) {
            Ok(()) => m.point_alias_to(version).await,
            Err(e) => Err(e),
        };
        if let Err(e) = alias {
            tracing::warn!("version {version} is active; moving the Milvus alias failed: {e}");
        }
    }
    let cleanup = match before(Step::Cleanup) {
        Ok(()) => cleanup(vectors, db, version).await,
        Err(e) => Err(e),
    };
    match cleanup {
        Ok(dropped) if !dropped.is_empty() => {
            tracing::info!("removed old versions {dropped:?}")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("version {version} is active; removing old versions failed: {e}"),
    }
    progress(Phase::Activate, 2, 2);
    Ok(LoadReport {
        version,
        items: n,
        dimension: dim,
        changed: true,
        vectors: vectors.describe(),
        elapsed: started.elapsed(),
    })
}

/// Remove every version but `active` and the [`KEEP_PREVIOUS`] newest others
/// (their rows and their Milvus collections). Returns the versions removed.
pub async fn cleanup(
    vectors: &VectorTarget,
    db: &dyn MetadataStore,
    active: u64,
) -> Result<Vec<u64>> {
    let mut others: Vec<u64> = db
        .versions()
        .await?
        .iter()
        .map(|r| r.version)
        .filter(|v| *v != active)
        .collect();
    others.sort_unstable_by(|a, b| b.cmp(a));
    let old: Vec<u64> = others.split_off(others.len().min(KEEP_PREVIOUS));
    let mut keep = others;
    keep.push(active);
    if let VectorTarget::Milvus(m) = vectors {
        m.drop_versions_except(&old, &keep).await?;
    }
    for v in &old {
        db.forget_version(*v).await?;
    }
    Ok(old)
}

/// The vector store a server should search, with the same `--vectors` /
/// `--db` settings `reelgraph load` was given: Milvus (searched through its
/// alias), or the embedded index of the version the metadata store marks
/// active, opened (and verified) from the model root it was loaded from.
pub async fn open_vectors(
    spec: &VectorSpec,
    token: Option<&Secret>,
    db: &dyn MetadataReader,
) -> Result<Arc<dyn VectorReader>> {
    match VectorTarget::open(spec, token).await? {
        VectorTarget::Milvus(m) => Ok(Arc::new(m)),
        VectorTarget::Embedded => {
            let store = EmbeddedStore::new();
            refresh_embedded(&store, db).await?;
            Ok(Arc::new(store))
        }
    }
}

/// Make `store` serve the version the metadata store marks active, if it
/// does not already. Returns the newly installed version, if any. The swap
/// is atomic for readers; on any error the current version keeps serving.
pub async fn refresh_embedded(
    store: &EmbeddedStore,
    db: &dyn MetadataReader,
) -> Result<Option<u64>> {
    let active = db.active_version().await?.ok_or_else(|| {
        Error::NotFound("no model version is active; run `reelgraph load` first".into())
    })?;
    if store.current().map(|i| i.version()) == Some(active.version) {
        return Ok(None);
    }
    let source = db.version_source(active.version).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "model version {} has no recorded source; load it again",
            active.version
        ))
    })?;
    let objects = object::open(&source).await?;
    let index = EmbeddedIndex::open(objects.as_ref(), Some(active.version)).await?;
    store.install(Arc::new(index));
    Ok(Some(active.version))
}
