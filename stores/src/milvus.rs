//! [`VectorReader`] on Milvus via `milvus-sdk-rust`'s `ClientV2`.
//!
//! Each model version lives in its own collection `movies_v{N}`:
//!
//! | field | type | |
//! |---|---|---|
//! | `id` | Int64 | primary key (the movie id) |
//! | `vector` | FloatVector(dim) | metric IP |
//! | `year` | Int32 | `0` when unknown |
//! | `genres` | `Array<VarChar>` | for `array_contains_any` filters |
//!
//! Activation ([`MilvusStore::activate_verified`]) flushes the collection,
//! builds the index (FLAT below [`HNSW_FROM`] rows, HNSW above), loads it,
//! checks the row count and that probe searches equal the embedded index's
//! results, and only then moves the alias `movies` onto it with
//! `alter_alias` (or creates it). `load` prepares a collection the same way
//! without moving the alias ([`MilvusStore::prepare_verified`]); servers
//! search the collection of the version they serve by name
//! ([`MilvusVersion`]), and the alias follows after activation for other
//! tools. [`MilvusStore::drop_versions_except`] drops older versions
//! (`load::cleanup` keeps the active one and the two before it).
//!
//! Milvus Lite compatibility (the same code runs on Lite and on a real
//! server): indexes are created with `sync(false)` and polled with
//! `describe_index`; vectors are read with `query` and a literal
//! `id in [..]` filter and deleted with a literal filter (Lite rejects the
//! filter templates that `get`/`delete(ids)` send); `list_indexes` and
//! `list_collections` are not used.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use milvus::v2::prelude::*;

use crate::embedded::EmbeddedIndex;
use crate::vector::{Hit, ItemAttrs, SearchFilter, VectorReader, VectorWriter};
use reelgraph_core::error::{Error, Result};
use reelgraph_core::settings::{Secret, VectorSpec};
use reelgraph_core::types::MovieId;

/// Retries of a search through the alias (see [`MilvusStore::search`]).
const SEARCH_RETRIES: u32 = 4;

/// The alias searches go through.
pub const ALIAS: &str = "movies";
/// Row count from which HNSW replaces FLAT.
pub const HNSW_FROM: usize = 100_000;
/// Rows per insert request.
const INSERT_BATCH: usize = 5_000;
/// Ids per literal `id in [..]` filter.
const FILTER_BATCH: usize = 1_000;
const MAX_GENRES: u32 = 32;
const MAX_GENRE_LEN: u32 = 64;

/// Collection name of a version (without namespace).
pub fn collection(version: u64) -> String {
    format!("movies_v{version}")
}

/// `milvus://HOST:PORT` → `http://HOST:PORT`; `http(s)://…` kept.
pub fn endpoint(spec: &VectorSpec) -> Result<String> {
    match spec {
        VectorSpec::Milvus { url } => Ok(url.clone()),
        VectorSpec::Embedded => Err(Error::Invalid(
            "vectors: `embedded` is not a Milvus server".into(),
        )),
    }
}

fn err(what: impl std::fmt::Display) -> impl FnOnce(milvus::v2::error::Error) -> Error {
    move |e| Error::Unavailable(format!("milvus: {what}: {e}"))
}

/// A string literal for a Milvus boolean expression.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn id_list(ids: &[MovieId]) -> String {
    let mut s = String::from("[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&id.to_string());
    }
    s.push(']');
    s
}

/// The Milvus filter expression of a [`SearchFilter`] (empty: no filter).
pub fn filter_expr(f: &SearchFilter) -> String {
    let mut parts = Vec::new();
    if let Some(ids) = &f.ids {
        parts.push(format!("id in {}", id_list(ids)));
    }
    if !f.exclude.is_empty() {
        parts.push(format!("id not in {}", id_list(&f.exclude)));
    }
    if !f.genres.is_empty() {
        let list: Vec<String> = f.genres.iter().map(|g| quote(g)).collect();
        parts.push(format!("array_contains_any(genres, [{}])", list.join(",")));
    }
    if f.year_min.is_some() || f.year_max.is_some() {
        parts.push("year > 0".into());
    }
    if let Some(y) = f.year_min {
        parts.push(format!("year >= {y}"));
    }
    if let Some(y) = f.year_max {
        parts.push(format!("year <= {y}"));
    }
    parts.join(" && ")
}

/// Vectors of model versions in Milvus collections behind the alias `movies`.
pub struct MilvusStore {
    client: ClientV2,
    url: String,
    /// Rows upserted per version by this process (checked at activation).
    expected: Mutex<HashMap<u64, usize>>,
    /// Poll limit for index builds.
    index_timeout: Duration,
    /// Prefix of the alias and collection names (empty by default; tests
    /// use a unique one so they can share a server).
    namespace: String,
}

impl MilvusStore {
    /// Connect to `milvus://HOST:PORT`, `http://HOST:PORT` or `https://…`
    /// (Zilliz Cloud / TLS) with an optional token (`user:password` or an
    /// API key). Retries for up to `connect_timeout` while the server starts.
    pub async fn connect(spec: &VectorSpec, token: Option<&Secret>) -> Result<Self> {
        let url = endpoint(spec)?;
        let mut config = ConnectConfig::new().uri(url.clone());
        if let Some(t) = token.map(Secret::expose).filter(|t| !t.is_empty()) {
            if !url.starts_with("https://") {
                return Err(Error::Invalid(format!(
                    "a Milvus token is sent over TLS only: use https://… instead of {url}"
                )));
            }
            config = config.token(t);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = loop {
            match ClientV2::new(&config).await {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    tracing::debug!("milvus {url} not ready: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(Error::Unavailable(format!("milvus {url}: {e}"))),
            }
        };
        Ok(MilvusStore {
            client,
            url,
            expected: Mutex::new(HashMap::new()),
            index_timeout: Duration::from_secs(300),
            namespace: String::new(),
        })
    }

    /// Prefix every alias and collection name with `namespace` (letters,
    /// digits and `_` only), e.g. to share one server between tests.
    pub fn with_namespace(mut self, namespace: &str) -> Result<Self> {
        if !namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::Invalid(format!(
                "milvus namespace {namespace:?} must be letters, digits and _"
            )));
        }
        self.namespace = namespace.to_string();
        Ok(self)
    }

    /// The alias searches go through (`movies`, after any namespace).
    pub fn alias(&self) -> String {
        format!("{}{ALIAS}", self.namespace)
    }

    /// The collection of `version` (`movies_v{N}`, after any namespace).
    pub fn collection(&self, version: u64) -> String {
        format!("{}{}", self.namespace, collection(version))
    }

    fn version_of(&self, name: &str) -> Option<u64> {
        name.strip_prefix(&self.namespace)?
            .strip_prefix("movies_v")?
            .parse()
            .ok()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn client(&self) -> &ClientV2 {
        &self.client
    }

    /// Whether the collection of `version` exists.
    pub async fn has_version(&self, version: u64) -> Result<bool> {
        self.has(&self.collection(version)).await
    }

    async fn has(&self, name: &str) -> Result<bool> {
        let req = HasCollectionRequest::builder()
            .collection_name(name)
            .build()
            .map_err(err("has_collection request"))?;
        Ok(self
            .client
            .has_collection(req)
            .await
            .map_err(err(format!("has_collection {name}")))?
            .exists())
    }

    async fn create(&self, name: &str, dim: usize) -> Result<()> {
        let schema = CollectionSchema::new()
            .enable_dynamic_field(false)
            .add_field(
                FieldSchema::new()
                    .name("id")
                    .data_type(DataType::Int64)
                    .primary_key(true)
                    .auto_id(false),
            )
            .add_field(
                FieldSchema::new()
                    .name("vector")
                    .data_type(DataType::FloatVector)
                    .dimension(dim as u32),
            )
            .add_field(FieldSchema::new().name("year").data_type(DataType::Int32))
            .add_field(
                FieldSchema::new()
                    .name("genres")
                    .data_type(DataType::Array)
                    .element_type(DataType::VarChar)
                    .max_capacity(MAX_GENRES)
                    .max_length(MAX_GENRE_LEN),
            );
        let req = CreateCollectionRequest::builder()
            .collection_name(name)
            .schema(schema)
            .build()
            .map_err(err("create_collection request"))?;
        self.client
            .create_collection(req)
            .await
            .map_err(err(format!("create_collection {name}")))
    }

    /// Drop the collection of `version` (if it exists).
    pub async fn drop_version(&self, version: u64) -> Result<()> {
        let name = self.collection(version);
        if !self.has(&name).await? {
            return Ok(());
        }
        let req = DropCollectionRequest::builder()
            .collection_name(&name)
            .build()
            .map_err(err("drop_collection request"))?;
        self.client
            .drop_collection(req)
            .await
            .map_err(err(format!("drop_collection {name}")))
    }

    async fn delete_ids(&self, name: &str, ids: &[MovieId]) -> Result<()> {
        for chunk in ids.chunks(FILTER_BATCH) {
            let req = DeleteRequest::builder()
                .collection_name(name)
                .filter(format!("id in {}", id_list(chunk)))
                .build()
                .map_err(err("delete request"))?;
            self.client
                .delete(req)
                .await
                .map_err(err(format!("delete from {name}")))?;
        }
        Ok(())
    }

    async fn wait_index(&self, name: &str) -> Result<()> {
        let deadline = Instant::now() + self.index_timeout;
        loop {
            let req = DescribeIndexRequest::builder()
                .collection_name(name)
                .field_name("vector")
                .build()
                .map_err(err("describe_index request"))?;
            let resp = self
                .client
                .describe_index(req)
                .await
                .map_err(err(format!("describe_index {name}")))?;
            if let Some(ix) = resp.indexes().first() {
                match ix.get_state() {
                    IndexStateCode::Finished => return Ok(()),
                    IndexStateCode::Failed => {
                        return Err(Error::Unavailable(format!(
                            "milvus: index of {name} failed: {}",
                            ix.get_failure_reason()
                        )));
                    }
                    _ => {}
                }
            }
            if Instant::now() > deadline {
                return Err(Error::Unavailable(format!(
                    "milvus: index of {name} not built after {:?}",
                    self.index_timeout
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn count_in(&self, name: &str) -> Result<usize> {
        let req = QueryRequest::builder()
            .collection_name(name)
            .filter("")
            .output_fields(["count(*)"])
            .consistency_level(ConsistencyLevel::Strong)
            .build()
            .map_err(err("count request"))?;
        let resp = self
            .client
            .query(req)
            .await
            .map_err(err(format!("count {name}")))?;
        let row = resp
            .results()
            .rows()
            .map_err(err("count rows"))?
            .next()
            .ok_or_else(|| {
                Error::Unavailable(format!("milvus: count of {name} returned no row"))
            })?;
        let n = row.get_i64("count(*)").map_err(err("count(*)"))?;
        Ok(n.max(0) as usize)
    }

    async fn search_in(
        &self,
        name: &str,
        query: &[f32],
        k: usize,
        filter: &SearchFilter,
        strong: bool,
    ) -> Result<Vec<Hit>> {
        Ok(self
            .search_in_many(name, &[query.to_vec()], k, filter, strong)
            .await?
            .pop()
            .unwrap_or_default())
    }

    /// One search request for every query (`nq` of them); the hits of each.
    async fn search_in_many(
        &self,
        name: &str,
        queries: &[Vec<f32>],
        k: usize,
        filter: &SearchFilter,
        strong: bool,
    ) -> Result<Vec<Vec<Hit>>> {
        if k == 0 || queries.is_empty() {
            return Ok(vec![Vec::new(); queries.len()]);
        }
        let mut b = SearchRequest::builder()
            .collection_name(name)
            .vector_field("vector")
            .vectors(SearchVectors::Float(queries.to_vec()))
            .metric_type(MetricType::Ip)
            .output_fields(["id"])
            .limit(k as i64);
        let expr = filter_expr(filter);
        if !expr.is_empty() {
            b = b.filter(expr);
        }
        if strong {
            b = b.consistency_level(ConsistencyLevel::Strong);
        }
        let req = b.build().map_err(err("search request"))?;
        let resp = self
            .client
            .search(req)
            .await
            .map_err(err(format!("search {name}")))?;
        let mut all = Vec::with_capacity(queries.len());
        // Read ids and scores directly: Milvus 2.3 does not name the primary
        // key field in search results, which the SDK's row view requires.
        for result in resp.results() {
            let mut hits = Vec::with_capacity(k);
            let Ids::Int64(ids) = result.get_ids() else {
                return Err(Error::Unavailable(format!(
                    "milvus: search {name} returned non-integer ids"
                )));
            };
            let scores = result.get_scores();
            if scores.len() != ids.len() {
                return Err(Error::Unavailable(format!(
                    "milvus: search {name} returned {} ids and {} scores",
                    ids.len(),
                    scores.len()
                )));
            }
            for (id, score) in ids.iter().zip(scores) {
                hits.push(Hit {
                    id: *id as MovieId,
                    score: *score,
                });
            }
            // Milvus orders by score; make ties deterministic like the embedded index.
            hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
            all.push(hits);
        }
        if all.len() != queries.len() {
            return Err(Error::Unavailable(format!(
                "milvus: search {name} answered {} of {} queries",
                all.len(),
                queries.len()
            )));
        }
        Ok(all)
    }

    /// Build the index, load, verify and move the alias to `version`.
    ///
    /// Verification: the row count equals `expected_rows` (when given), and
    /// when `probe` is given, top-10 searches for a few of its own vectors
    /// return the same ids in the same order as the embedded index, with
    /// scores within 1e-4. Nothing changes for readers unless all checks pass.
    pub async fn activate_verified(
        &self,
        version: u64,
        expected_rows: Option<usize>,
        probe: Option<&EmbeddedIndex>,
    ) -> Result<()> {
        self.prepare_verified(version, expected_rows, probe).await?;
        self.point_alias(&self.collection(version)).await
    }

    /// Everything [`activate_verified`](Self::activate_verified) does but
    /// moving the alias: flush, build the index, load the collection, check
    /// the row count and the probe searches. Servers search a version's
    /// collection by name ([`MilvusVersion`]), so a prepared collection is
    /// served from the moment the metadata store activates its version.
    pub async fn prepare_verified(
        &self,
        version: u64,
        expected_rows: Option<usize>,
        probe: Option<&EmbeddedIndex>,
    ) -> Result<()> {
        let name = self.collection(version);
        if !self.has(&name).await? {
            return Err(Error::NotFound(format!(
                "milvus: version {version} has no collection {name}"
            )));
        }
        let flush = FlushRequest::builder()
            .collection_names([name.clone()])
            .wait_flushed_ms(120_000)
            .build()
            .map_err(err("flush request"))?;
        self.client
            .flush(flush)
            .await
            .map_err(err(format!("flush {name}")))?;

        let rows = expected_rows.or(probe.map(|p| p.len()));
        let describe = DescribeIndexRequest::builder()
            .collection_name(&name)
            .field_name("vector")
            .build()
            .map_err(err("describe_index request"))?;
        let has_index = match self.client.describe_index(describe).await {
            Ok(r) => !r.indexes().is_empty(),
            Err(_) => false,
        };
        if !has_index {
            let mut param = IndexParam::new()
                .field_name("vector")
                .metric_type(MetricType::Ip);
            if rows.unwrap_or(0) >= HNSW_FROM {
                param = param
                    .index_type(IndexType::Hnsw)
                    .extra_params(HashMap::from([
                        ("M".to_string(), "16".to_string()),
                        ("efConstruction".to_string(), "200".to_string()),
                    ]));
            } else {
                param = param.index_type(IndexType::Flat);
            }
            let req = CreateIndexRequest::builder()
                .collection_name(&name)
                .index_param(param)
                .sync(false)
                .build()
                .map_err(err("create_index request"))?;
            self.client
                .create_index(req)
                .await
                .map_err(err(format!("create_index {name}")))?;
        }
        self.wait_index(&name).await?;

        let load = LoadCollectionRequest::builder()
            .collection_name(&name)
            .build()
            .map_err(err("load request"))?;
        self.client
            .load_collection(load)
            .await
            .map_err(err(format!("load {name}")))?;

        let count = self.count_in(&name).await?;
        if let Some(want) = rows
            && count != want
        {
            return Err(Error::Corrupt(format!(
                "milvus: {name} holds {count} rows, expected {want}; alias not moved"
            )));
        }
        if count == 0 {
            return Err(Error::Corrupt(format!(
                "milvus: {name} is empty; alias not moved"
            )));
        }
        if let Some(index) = probe {
            self.probe(&name, index).await?;
        }
        Ok(())
    }

    /// Point the alias `movies` at `version`'s collection (for tools that
    /// read through the alias; serving does not).
    pub async fn point_alias_to(&self, version: u64) -> Result<()> {
        self.point_alias(&self.collection(version)).await
    }

    /// Rows in `version`'s collection.
    pub async fn count_version(&self, version: u64) -> Result<usize> {
        self.count_in(&self.collection(version)).await
    }

    /// Top-`k` in `version`'s collection (by name, never through the alias).
    pub async fn search_version(
        &self,
        version: u64,
        query: &[f32],
        k: usize,
        filter: &SearchFilter,
    ) -> Result<Vec<Hit>> {
        self.search_in(&self.collection(version), query, k, filter, false)
            .await
    }

    /// Vectors of `ids` in `version`'s collection (unknown ids left out).
    pub async fn fetch_version(
        &self,
        version: u64,
        ids: &[MovieId],
    ) -> Result<Vec<(MovieId, Vec<f32>)>> {
        self.fetch_from(&self.collection(version), ids).await
    }

    /// Drop the collections of `candidates` that are not in `keep`.
    /// Returns the versions dropped.
    pub async fn drop_versions_except(&self, candidates: &[u64], keep: &[u64]) -> Result<Vec<u64>> {
        let mut dropped = Vec::new();
        for &v in candidates {
            if !keep.contains(&v) && self.has_version(v).await? {
                self.drop_version(v).await?;
                dropped.push(v);
            }
        }
        Ok(dropped)
    }

    async fn fetch_from(&self, name: &str, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        let mut found: HashMap<MovieId, Vec<f32>> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(FILTER_BATCH) {
            let req = QueryRequest::builder()
                .collection_name(name)
                .filter(format!("id in {}", id_list(chunk)))
                .output_fields(["id", "vector"])
                .limit(chunk.len() as i64)
                .build()
                .map_err(err("query request"))?;
            let resp = self.client.query(req).await.map_err(err("query by id"))?;
            for row in resp.results().rows().map_err(err("query rows"))? {
                let id = row.get_i64("id").map_err(err("query id"))?;
                let v = row
                    .get_float_vector("vector")
                    .map_err(err("query vector"))?;
                found.insert(id as MovieId, v.to_vec());
            }
        }
        Ok(ids
            .iter()
            .filter_map(|id| found.get(id).map(|v| (*id, v.clone())))
            .collect())
    }

    /// Top-10 of a few stored vectors must equal the embedded results.
    async fn probe(&self, name: &str, index: &EmbeddedIndex) -> Result<()> {
        let n = index.len();
        let picks = [0, n / 3, n / 2, n.saturating_sub(1)];
        for &row in &picks {
            let id = index.ids()[row];
            let q = index.vector(id).expect("row of the index").to_vec();
            let want = index.search(&q, 10, &SearchFilter::default())?;
            let got = self
                .search_in(name, &q, 10, &SearchFilter::default(), true)
                .await?;
            same_hits(&want, &got).map_err(|why| {
                Error::Corrupt(format!(
                    "milvus: probe search on {name} differs from the embedded index ({why}); alias not moved"
                ))
            })?;
        }
        Ok(())
    }

    async fn point_alias(&self, name: &str) -> Result<()> {
        let current = self.alias_target().await?;
        if current.as_deref() == Some(name) {
            return Ok(());
        }
        if current.is_some() {
            let req = AlterAliasRequest::builder()
                .collection_name(name)
                .alias(self.alias())
                .build()
                .map_err(err("alter_alias request"))?;
            self.client
                .alter_alias(req)
                .await
                .map_err(err(format!("alter_alias {} -> {name}", self.alias())))
        } else {
            let req = CreateAliasRequest::builder()
                .collection_name(name)
                .alias(self.alias())
                .build()
                .map_err(err("create_alias request"))?;
            self.client
                .create_alias(req)
                .await
                .map_err(err(format!("create_alias {} -> {name}", self.alias())))
        }
    }

    /// The collection the alias points at, if the alias exists.
    async fn alias_target(&self) -> Result<Option<String>> {
        let req = DescribeAliasRequest::builder()
            .alias(self.alias())
            .build()
            .map_err(err("describe_alias request"))?;
        match self.client.describe_alias(req).await {
            Ok(r) if !r.collection_name().is_empty() => Ok(Some(r.collection_name().to_string())),
            Ok(_) => Ok(None),
            Err(e) => {
                let msg = e.to_string().to_lowercase();
                if msg.contains("not exist")
                    || msg.contains("not found")
                    || msg.contains("doesn't exist")
                {
                    Ok(None)
                } else {
                    Err(Error::Unavailable(format!(
                        "milvus: describe_alias {}: {e}",
                        self.alias()
                    )))
                }
            }
        }
    }
}

/// One version's collection, searched by its name: what a server holds for
/// the version it serves (a later activation never changes what it searches).
pub struct MilvusVersion {
    store: Arc<MilvusStore>,
    version: u64,
}

impl MilvusVersion {
    pub fn new(store: Arc<MilvusStore>, version: u64) -> Self {
        MilvusVersion { store, version }
    }
}

#[async_trait]
impl VectorReader for MilvusVersion {
    fn kind(&self) -> &'static str {
        "milvus"
    }

    async fn active_version(&self) -> Result<Option<u64>> {
        Ok(Some(self.version))
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        self.store
            .search_version(self.version, query, k, filter)
            .await
    }

    async fn search_many(
        &self,
        queries: &[Vec<f32>],
        k: usize,
        filter: &SearchFilter,
    ) -> Result<Vec<Vec<Hit>>> {
        self.store
            .search_in_many(
                &self.store.collection(self.version),
                queries,
                k,
                filter,
                false,
            )
            .await
    }

    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        self.store.fetch_version(self.version, ids).await
    }

    async fn count(&self) -> Result<usize> {
        self.store.count_version(self.version).await
    }
}

/// Same ids in the same order and scores within 1e-4.
pub fn same_hits(want: &[Hit], got: &[Hit]) -> std::result::Result<(), String> {
    if want.len() != got.len() {
        return Err(format!("{} hits, expected {}", got.len(), want.len()));
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w.id != g.id {
            // Equal scores may come in either order.
            let tie = want
                .iter()
                .any(|o| o.id == g.id && (o.score - w.score).abs() <= 1e-5);
            if !tie {
                return Err(format!("rank {i}: id {} expected {}", g.id, w.id));
            }
        }
        if (w.score - g.score).abs() > 1e-4 {
            return Err(format!("rank {i}: score {} expected {}", g.score, w.score));
        }
    }
    Ok(())
}

#[async_trait]
impl VectorWriter for MilvusStore {
    async fn upsert(
        &self,
        version: u64,
        ids: &[MovieId],
        vectors: &[f32],
        dim: usize,
        attrs: &[ItemAttrs],
    ) -> Result<()> {
        if dim == 0 || vectors.len() != ids.len() * dim || attrs.len() != ids.len() {
            return Err(Error::Invalid(format!(
                "upsert: {} ids, {} values, dimension {dim}, {} attribute rows",
                ids.len(),
                vectors.len(),
                attrs.len()
            )));
        }
        let name = self.collection(version);
        if self.has(&name).await? {
            // Idempotent: replace rows that may exist already.
            self.delete_ids(&name, ids).await?;
        } else {
            self.create(&name, dim).await?;
        }
        for (start, chunk) in ids.chunks(INSERT_BATCH).enumerate() {
            let base = start * INSERT_BATCH;
            let rows = base..base + chunk.len();
            let vecs: Vec<Vec<f32>> = rows
                .clone()
                .map(|r| vectors[r * dim..(r + 1) * dim].to_vec())
                .collect();
            let years: Vec<i32> = rows
                .clone()
                .map(|r| attrs[r].year.map_or(0, i32::from))
                .collect();
            let genres: Vec<Vec<String>> = rows
                .map(|r| {
                    attrs[r]
                        .genres
                        .iter()
                        .take(MAX_GENRES as usize)
                        .map(|g| g.chars().take(MAX_GENRE_LEN as usize).collect())
                        .collect()
                })
                .collect();
            let req = InsertRequest::builder()
                .collection_name(&name)
                .columns(vec![
                    FieldData::int64("id", chunk.iter().map(|&i| i64::from(i)).collect()),
                    FieldData::float_vector("vector", vecs),
                    FieldData::int32("year", years),
                    FieldData::array_varchar("genres", genres),
                ])
                .build()
                .map_err(err("insert request"))?;
            self.client
                .insert(req)
                .await
                .map_err(err(format!("insert into {name}")))?;
        }
        *self
            .expected
            .lock()
            .expect("lock poisoned")
            .entry(version)
            .or_default() += ids.len();
        Ok(())
    }

    async fn activate(&self, version: u64) -> Result<()> {
        let expected = self
            .expected
            .lock()
            .expect("lock poisoned")
            .get(&version)
            .copied();
        self.activate_verified(version, expected, None).await
    }
}

#[async_trait]
impl VectorReader for MilvusStore {
    fn kind(&self) -> &'static str {
        "milvus"
    }

    async fn active_version(&self) -> Result<Option<u64>> {
        Ok(self
            .alias_target()
            .await?
            .as_deref()
            .and_then(|n| self.version_of(n)))
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        // Milvus 2.3 can briefly refuse a search through the alias while
        // `alter_alias` moves it to a new collection; readers retry a few
        // times (up to ~0.5 s) before reporting the store unavailable.
        let mut attempt = 0;
        loop {
            match self.search_in(&self.alias(), query, k, filter, false).await {
                Ok(hits) => return Ok(hits),
                Err(e) if attempt < SEARCH_RETRIES => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "milvus search failed, retrying");
                    tokio::time::sleep(Duration::from_millis(50 * attempt as u64)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        self.fetch_from(&self.alias(), ids).await
    }

    async fn count(&self) -> Result<usize> {
        if self.alias_target().await?.is_none() {
            return Ok(0);
        }
        self.count_in(&self.alias()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_is_refused_over_plain_http() {
        for url in ["milvus://127.0.0.1:1", "http://127.0.0.1:1"] {
            let e = MilvusStore::connect(&url.parse().unwrap(), Some(&Secret::new("root:Milvus")))
                .await
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("TLS only") && !e.contains("root:Milvus"), "{e}");
        }
    }

    #[test]
    fn filter_expressions() {
        assert_eq!(filter_expr(&SearchFilter::default()), "");
        let f = SearchFilter {
            ids: Some(vec![1, 2]),
            exclude: vec![3],
            genres: vec!["Sci-Fi".into(), "Kid\"s".into()],
            year_min: Some(1990),
            year_max: None,
        };
        assert_eq!(
            filter_expr(&f),
            "id in [1,2] && id not in [3] && array_contains_any(genres, [\"Sci-Fi\",\"Kid\\\"s\"]) && year > 0 && year >= 1990"
        );
    }

    #[test]
    fn endpoints() {
        let endpoint = |s: &str| endpoint(&s.parse().unwrap());
        assert_eq!(endpoint("milvus://h:19530").unwrap(), "http://h:19530");
        assert_eq!(
            endpoint("https://x.zillizcloud.com").unwrap(),
            "https://x.zillizcloud.com"
        );
        assert!(endpoint("embedded").is_err());
    }
}
