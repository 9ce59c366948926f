//! What the API serves: one immutable model version at a time, swapped
//! atomically when another version is activated.
//!
//! A [`Snapshot`] is everything an answer is computed from — the version's
//! catalogue, its vectors (all in memory, searched in process or in the
//! version's own Milvus collection by name) and its record (the version
//! name returned as `model_version`). A request takes the current snapshot
//! once ([`Serving::current`]) and uses only it, so an answer never mixes
//! two versions, and requests in flight during a swap finish on the
//! snapshot they started with.
//!
//! A [`VersionSource`] says which version should be served — the metadata
//! store's active version ([`ServicesSource`]), or the model root's `latest`
//! pointer or a pinned version ([`BundleSource`], self-contained functions)
//! — and builds and verifies a snapshot of it. [`Serving::refresh`] compares
//! the two and, when they differ, builds the new snapshot in the background
//! and swaps it in one step; a version that fails to build or verify is not
//! swapped in (the old one keeps serving; the failure is logged and shown in
//! `/ready` and `/api/v1/stats`). `reelgraph serve` refreshes every
//! `refresh_interval` ([`Serving::spawn_watch`]); a Lambda container, frozen
//! between invocations, refreshes when a request finds the last check older
//! than the interval ([`Serving::refresh_if_due`]).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use async_trait::async_trait;
use serde::Serialize;

use crate::Catalog;
use reelgraph_core::artifact;
use reelgraph_core::error::{Error, Result};
use reelgraph_core::object::{self, ObjectStore};
use reelgraph_core::types::MovieId;
use reelgraph_stores::embedded::EmbeddedIndex;
use reelgraph_stores::metadata::{MetadataReader, ModelVersionRow};
use reelgraph_stores::milvus::{MilvusStore, MilvusVersion, same_hits};
use reelgraph_stores::served::ServedVectors;
use reelgraph_stores::sql;
use reelgraph_stores::vector::{ItemAttrs, SearchFilter, VectorReader};

/// How often a server looks for a newly activated version (default).
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// Longest wait for the source to name the active version.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest build (read and verify) of a new version.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

/// One model version as served.
pub struct Snapshot {
    /// The version's record (number, dimension, metrics, when loaded).
    pub model: ModelVersionRow,
    /// The version's movies.
    pub catalog: Catalog,
    /// The version's vectors.
    pub vectors: Arc<ServedVectors>,
}

impl Snapshot {
    pub fn version(&self) -> u64 {
        self.model.version
    }

    /// A snapshot of `movies` and `index` (the same version).
    pub fn new(
        mut model: ModelVersionRow,
        movies: Vec<reelgraph_core::types::Movie>,
        vectors: ServedVectors,
    ) -> Result<Self> {
        model.active = true;
        let catalog = Catalog::new(movies, Some(model.clone()));
        check_same_ids(&catalog, vectors.index())?;
        Ok(Snapshot {
            model,
            catalog,
            vectors: Arc::new(vectors),
        })
    }
}

/// Every movie of the catalogue has a vector and every vector a movie.
fn check_same_ids(catalog: &Catalog, index: &EmbeddedIndex) -> Result<()> {
    if catalog.is_empty() {
        return Err(Error::Corrupt(format!(
            "version {} has no movies",
            index.version()
        )));
    }
    let with_vector: HashSet<MovieId> = index.ids().iter().copied().collect();
    let missing = catalog
        .movies()
        .iter()
        .filter(|m| !with_vector.contains(&m.id))
        .count();
    if missing > 0 || with_vector.len() != catalog.len() {
        return Err(Error::Corrupt(format!(
            "version {}: {} movies, {} vectors, {missing} movies without a vector",
            index.version(),
            catalog.len(),
            with_vector.len()
        )));
    }
    Ok(())
}

/// Which version should be served, and how to build it.
#[async_trait]
pub trait VersionSource: Send + Sync {
    /// The version to serve now (`None`: nothing is published or active yet).
    async fn wanted(&self) -> Result<Option<u64>>;
    /// Read, build and verify the snapshot of `version`.
    async fn build(&self, version: u64) -> Result<Snapshot>;
    /// Where versions come from, for messages.
    fn describe(&self) -> String;
    /// The store asked by [`wanted`](Self::wanted) (`sql`, `s3`), as logs and
    /// metrics name it ([`reelgraph_stores::timing`]).
    fn kind(&self) -> &'static str {
        "source"
    }
}

/// Where a services-mode server's vectors are searched.
pub enum ServicesVectors {
    /// The in-process index, opened from the model root the version was
    /// loaded from (recorded by `load`).
    Embedded,
    /// The version's Milvus collection.
    Milvus(Arc<MilvusStore>),
}

/// Services mode: the metadata store (SQLite / MySQL) names the active
/// version and holds its movies; vectors in Milvus or the embedded index.
pub struct ServicesSource {
    pub meta: Arc<dyn MetadataReader>,
    pub vectors: ServicesVectors,
    pub describe: String,
}

#[async_trait]
impl VersionSource for ServicesSource {
    fn kind(&self) -> &'static str {
        "sql"
    }

    async fn wanted(&self) -> Result<Option<u64>> {
        Ok(self.meta.active_version().await?.map(|r| r.version))
    }

    async fn build(&self, version: u64) -> Result<Snapshot> {
        let model =
            self.meta.version(version).await?.ok_or_else(|| {
                Error::NotFound(format!("model version {version} is not recorded"))
            })?;
        let movies = self.meta.all_movies(version).await?;
        let vectors = match &self.vectors {
            ServicesVectors::Embedded => {
                let source = self.meta.version_source(version).await?.ok_or_else(|| {
                    Error::NotFound(format!(
                        "model version {version} has no recorded source; load it again"
                    ))
                })?;
                let objects = object::open(&source).await?;
                let index = EmbeddedIndex::open(objects.as_ref(), Some(version)).await?;
                ServedVectors::embedded(Arc::new(index))
            }
            ServicesVectors::Milvus(milvus) => {
                let ids: Vec<MovieId> = movies.iter().map(|m| m.id).collect();
                let fetched = milvus.fetch_version(version, &ids).await?;
                if fetched.len() != ids.len() {
                    return Err(Error::Corrupt(format!(
                        "milvus collection {} holds {} of the {} movies of version {version}",
                        milvus.collection(version),
                        fetched.len(),
                        ids.len()
                    )));
                }
                let dim = model.dimension;
                let mut flat = Vec::with_capacity(ids.len() * dim);
                let mut got_ids = Vec::with_capacity(ids.len());
                for (id, v) in fetched {
                    if v.len() != dim {
                        return Err(Error::Corrupt(format!(
                            "milvus: vector of movie {id} has {} values, version {version} has {dim}",
                            v.len()
                        )));
                    }
                    got_ids.push(id);
                    flat.extend_from_slice(&v);
                }
                let by_id: std::collections::HashMap<MovieId, &reelgraph_core::types::Movie> =
                    movies.iter().map(|m| (m.id, m)).collect();
                let attrs: Vec<ItemAttrs> = got_ids
                    .iter()
                    .map(|id| ItemAttrs {
                        year: by_id[id].year,
                        genres: by_id[id].genres.clone(),
                    })
                    .collect();
                let index = Arc::new(EmbeddedIndex::new(version, &got_ids, &flat, dim, &attrs)?);
                let remote = MilvusVersion::new(milvus.clone(), version);
                // The collection answers searches as the vectors it returned say.
                let probe = index.ids()[index.len() / 2];
                let q = index.vector(probe).expect("an id of the index").to_vec();
                let want = index.search(&q, 10, &SearchFilter::default())?;
                let got = remote.search(&q, 10, &SearchFilter::default()).await?;
                same_hits(&want, &got).map_err(|why| {
                    Error::Corrupt(format!(
                        "milvus collection {}: a probe search differs from its vectors ({why})",
                        milvus.collection(version)
                    ))
                })?;
                ServedVectors::with_search(index, Arc::new(remote))
            }
        };
        Snapshot::new(model, movies, vectors)
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

/// Self-contained mode: versions are read from a model root (a directory or
/// `s3://bucket/prefix`): the one `latest` names, or a pinned one.
pub struct BundleSource {
    pub objects: Arc<dyn ObjectStore>,
    /// Serve this version only (`None`: follow `latest`).
    pub pinned: Option<u64>,
}

#[async_trait]
impl VersionSource for BundleSource {
    fn kind(&self) -> &'static str {
        "objects"
    }

    async fn wanted(&self) -> Result<Option<u64>> {
        if let Some(v) = self.pinned {
            return Ok(Some(v));
        }
        match artifact::latest_version(self.objects.as_ref()).await {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn build(&self, version: u64) -> Result<Snapshot> {
        let bundle = artifact::read_serving(self.objects.as_ref(), Some(version)).await?;
        let index = EmbeddedIndex::from_bundle(&bundle)?;
        let model = ModelVersionRow {
            version: bundle.manifest.version,
            dimension: bundle.manifest.dimension,
            metrics: bundle.manifest.metrics.clone(),
            loaded_at: sql::now_rfc3339(),
            active: true,
        };
        Snapshot::new(
            model,
            bundle.items,
            ServedVectors::embedded(Arc::new(index)),
        )
    }

    fn describe(&self) -> String {
        self.objects.describe()
    }
}

/// What the refreshes have seen (shown by `/ready` and `/api/v1/stats`).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SwapStatus {
    /// The version the source names (at the last check).
    pub wanted: Option<u64>,
    /// Versions swapped in since start.
    pub swaps: u64,
    /// The last version that failed to build or verify, and why (cleared
    /// when a version is swapped in).
    pub failed_version: Option<u64>,
    pub failure: Option<String>,
    /// Why the last check could not ask the source (cleared by the next
    /// successful check).
    pub check_error: Option<String>,
}

/// The served snapshot and its refreshes.
pub struct Serving {
    current: ArcSwapOption<Snapshot>,
    source: Arc<dyn VersionSource>,
    interval: Duration,
    status: Mutex<(SwapStatus, Option<Instant>)>,
    refreshing: tokio::sync::Mutex<()>,
}

impl Serving {
    /// A server of `source`'s versions, with nothing served yet.
    pub fn new(source: Arc<dyn VersionSource>, interval: Duration) -> Arc<Self> {
        Arc::new(Serving {
            current: ArcSwapOption::empty(),
            source,
            interval,
            status: Mutex::new((SwapStatus::default(), None)),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// A server whose first version is already built.
    pub fn with_snapshot(
        source: Arc<dyn VersionSource>,
        interval: Duration,
        snapshot: Snapshot,
    ) -> Arc<Self> {
        let s = Self::new(source, interval);
        let v = snapshot.version();
        s.current.store(Some(Arc::new(snapshot)));
        s.status.lock().expect("lock poisoned").0.wanted = Some(v);
        s
    }

    /// The snapshot to answer a request from (`None`: nothing served yet).
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.load_full()
    }

    pub fn source(&self) -> &Arc<dyn VersionSource> {
        &self.source
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn status(&self) -> SwapStatus {
        self.status.lock().expect("lock poisoned").0.clone()
    }

    /// Ask the source which version to serve; build, verify and swap it in
    /// when it is not the one served. Returns the version swapped in, if
    /// any. One refresh runs at a time (a second caller waits for it).
    pub async fn refresh(&self) -> Result<Option<u64>> {
        let _one = self.refreshing.lock().await;
        let wanted = tokio::time::timeout(CHECK_TIMEOUT, self.source.wanted())
            .await
            .unwrap_or_else(|_| {
                Err(Error::Unavailable(format!(
                    "no answer within {} s",
                    CHECK_TIMEOUT.as_secs()
                )))
            });
        let wanted = match wanted {
            Ok(w) => w,
            Err(e) => {
                let mut st = self.status.lock().expect("lock poisoned");
                st.0.check_error = Some(e.to_string());
                st.1 = Some(Instant::now());
                tracing::warn!(source = %self.source.describe(), "cannot read the active version: {e}");
                return Err(e);
            }
        };
        {
            let mut st = self.status.lock().expect("lock poisoned");
            st.0.wanted = wanted;
            st.0.check_error = None;
        }
        let served = self.current().map(|s| s.version());
        let result = match wanted {
            Some(v) if Some(v) != served => {
                let started = Instant::now();
                let built = tokio::time::timeout(BUILD_TIMEOUT, self.source.build(v))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Unavailable(format!(
                            "building it took more than {} s",
                            BUILD_TIMEOUT.as_secs()
                        )))
                    });
                match built {
                    Ok(snapshot) => {
                        let movies = snapshot.catalog.len();
                        self.current.store(Some(Arc::new(snapshot)));
                        let mut st = self.status.lock().expect("lock poisoned");
                        st.0.swaps += 1;
                        st.0.failed_version = None;
                        st.0.failure = None;
                        tracing::info!(
                            model_version = v,
                            previous = ?served,
                            movies,
                            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                            "model version swapped in"
                        );
                        Ok(Some(v))
                    }
                    Err(e) => {
                        let mut st = self.status.lock().expect("lock poisoned");
                        st.0.failed_version = Some(v);
                        st.0.failure = Some(e.to_string());
                        tracing::error!(
                            model_version = v,
                            serving = ?served,
                            "model version not swapped in: {e}"
                        );
                        Err(e)
                    }
                }
            }
            _ => Ok(None),
        };
        self.status.lock().expect("lock poisoned").1 = Some(Instant::now());
        result
    }

    /// Start a refresh in the background when the last check is older than
    /// the interval and none is running (what a request does, so a Lambda
    /// container that was frozen catches up).
    pub fn refresh_if_due(self: &Arc<Self>) {
        let due = {
            let st = self.status.lock().expect("lock poisoned");
            st.1.is_none_or(|t| t.elapsed() >= self.interval)
        };
        if !due || self.refreshing.try_lock().is_err() {
            return;
        }
        // Mark the check as started so concurrent requests do not pile up.
        self.status.lock().expect("lock poisoned").1 = Some(Instant::now());
        let this = self.clone();
        tokio::spawn(async move {
            let _ = this.refresh().await;
        });
    }

    /// Refresh every interval until the returned task is aborted.
    pub fn spawn_watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(this.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let _ = this.refresh().await;
            }
        })
    }
}
