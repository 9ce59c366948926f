//! The embedded vector store: exact inner-product search in process.
//!
//! An [`EmbeddedIndex`] holds one model version as a contiguous row-major
//! `f32` matrix (row `i` is the vector of `ids[i]`) beside the scalar
//! attributes used by filters. A search scores every row with a dot product
//! and keeps the best `k` in a bounded min-heap, so it costs `O(n·d + n·log k)`
//! and no allocation proportional to `n`. The scan reads a second copy of the
//! matrix interleaved by blocks of eight rows, so that eight scores accumulate
//! side by side in SIMD lanes (safe code; the compiler vectorises it), and
//! filters are only evaluated for rows whose score could enter the top `k`.
//!
//! [`EmbeddedStore`] implements [`VectorReader`] and [`VectorWriter`]: versions
//! are staged by [`upsert`](VectorWriter::upsert) and become searchable with
//! [`activate`](VectorWriter::activate), which swaps one `Arc` under a lock.
//! A reader clones the active `Arc` and searches without holding the lock, so
//! it always sees exactly one whole version, even while another is activated.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::vector::{Hit, ItemAttrs, SearchFilter, VectorReader, VectorWriter};
use reelgraph_core::artifact::{self, VersionBundle};
use reelgraph_core::error::{Error, Result};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::types::MovieId;
use reelgraph_core::vector::dot;

/// One model version, searchable by exact inner product.
#[derive(Debug)]
pub struct EmbeddedIndex {
    version: u64,
    dim: usize,
    ids: Vec<MovieId>,
    /// `ids.len() * dim` values, row-major.
    matrix: Vec<f32>,
    /// The first `ids.len() / LANES * LANES` rows again, interleaved by
    /// blocks of `LANES` rows: value `j` of row `b * LANES + r` is at
    /// `(b * dim + j) * LANES + r`. What a search scans.
    blocks: Vec<f32>,
    years: Vec<Option<u16>>,
    /// Genre numbers of each row (indices into `genre_names`).
    genres: Vec<Vec<u16>>,
    /// Bit `g` set when the row has genre number `g < 64`.
    genre_mask: Vec<u64>,
    genre_names: HashMap<String, u16>,
    rows: HashMap<MovieId, usize>,
}

impl EmbeddedIndex {
    /// Build an index from row-major vectors and the attributes of each row.
    /// A repeated id keeps its last row.
    pub fn new(
        version: u64,
        ids: &[MovieId],
        vectors: &[f32],
        dim: usize,
        attrs: &[ItemAttrs],
    ) -> Result<Self> {
        check_shape(ids, vectors, dim, attrs)?;
        let mut index = EmbeddedIndex {
            version,
            dim,
            ids: Vec::with_capacity(ids.len()),
            matrix: Vec::with_capacity(vectors.len()),
            blocks: Vec::new(),
            years: Vec::with_capacity(ids.len()),
            genres: Vec::with_capacity(ids.len()),
            genre_mask: Vec::with_capacity(ids.len()),
            genre_names: HashMap::new(),
            rows: HashMap::with_capacity(ids.len()),
        };
        for (i, &id) in ids.iter().enumerate() {
            index.put(id, &vectors[i * dim..(i + 1) * dim], &attrs[i]);
        }
        index.interleave();
        Ok(index)
    }

    /// Build the index of a verified exported version (row `i` of
    /// `vectors.npy` is the movie on line `i` of `items.jsonl`).
    pub fn from_bundle(bundle: &VersionBundle) -> Result<Self> {
        let ids: Vec<MovieId> = bundle.items.iter().map(|m| m.id).collect();
        let attrs: Vec<ItemAttrs> = bundle
            .items
            .iter()
            .map(|m| ItemAttrs {
                year: m.year,
                genres: m.genres.clone(),
            })
            .collect();
        Self::new(
            bundle.manifest.version,
            &ids,
            &bundle.vectors,
            bundle.manifest.dimension,
            &attrs,
        )
    }

    /// Read, verify (manifest, and the checksums of the vectors and items)
    /// and index a version of a model root (`None`: the one `latest` names).
    pub async fn open(store: &dyn ObjectStore, version: Option<u64>) -> Result<Self> {
        let bundle = artifact::read_serving(store, version).await?;
        Self::from_bundle(&bundle)
    }

    /// Fill `blocks` from `matrix`.
    fn interleave(&mut self) {
        let dim = self.dim;
        let full = self.ids.len() / LANES * LANES;
        self.blocks = vec![0.0; full * dim];
        for (rows, block) in self.matrix[..full * dim]
            .chunks_exact(LANES * dim)
            .zip(self.blocks.chunks_exact_mut(LANES * dim))
        {
            for (r, row) in rows.chunks_exact(dim).enumerate() {
                for (j, &x) in row.iter().enumerate() {
                    block[j * LANES + r] = x;
                }
            }
        }
    }

    fn put(&mut self, id: MovieId, vector: &[f32], attrs: &ItemAttrs) {
        let genres: Vec<u16> = attrs
            .genres
            .iter()
            .map(|g| {
                let next = self.genre_names.len() as u16;
                *self.genre_names.entry(g.clone()).or_insert(next)
            })
            .collect();
        let mask = genres
            .iter()
            .filter(|&&g| g < 64)
            .fold(0u64, |m, &g| m | 1 << g);
        match self.rows.get(&id) {
            Some(&row) => {
                self.matrix[row * self.dim..(row + 1) * self.dim].copy_from_slice(vector);
                self.years[row] = attrs.year;
                self.genres[row] = genres;
                self.genre_mask[row] = mask;
            }
            None => {
                self.rows.insert(id, self.ids.len());
                self.ids.push(id);
                self.matrix.extend_from_slice(vector);
                self.years.push(attrs.year);
                self.genres.push(genres);
                self.genre_mask.push(mask);
            }
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Ids in row order.
    pub fn ids(&self) -> &[MovieId] {
        &self.ids
    }

    /// The vector of `id`, if present.
    pub fn vector(&self, id: MovieId) -> Option<&[f32]> {
        self.rows
            .get(&id)
            .map(|&r| &self.matrix[r * self.dim..(r + 1) * self.dim])
    }

    /// Top-`k` rows by inner product with `query`, best first (ties: smaller
    /// id first), restricted by `filter`.
    pub fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        if query.len() != self.dim {
            return Err(Error::Invalid(format!(
                "query has dimension {}, the index has {}",
                query.len(),
                self.dim
            )));
        }
        if k == 0 {
            return Ok(Vec::new());
        }
        let exclude: HashSet<MovieId> = filter.exclude.iter().copied().collect();
        let wanted_genres: Vec<u16> = filter
            .genres
            .iter()
            .filter_map(|g| self.genre_names.get(g).copied())
            .collect();
        if !filter.genres.is_empty() && wanted_genres.is_empty() {
            return Ok(Vec::new());
        }
        // Genres below 64 are tested as one bitmask AND; others (a catalogue
        // with more than 64 genres) by the row's genre list.
        let wanted_mask = wanted_genres
            .iter()
            .filter(|&&g| g < 64)
            .fold(0u64, |m, &g| m | 1 << g);
        let wanted_rest: Vec<u16> = wanted_genres.iter().copied().filter(|&g| g >= 64).collect();
        let keep = |row: usize| -> bool {
            if !exclude.is_empty() && exclude.contains(&self.ids[row]) {
                return false;
            }
            if filter.year_min.is_some() || filter.year_max.is_some() {
                let Some(y) = self.years[row] else {
                    return false;
                };
                if filter.year_min.is_some_and(|m| y < m) || filter.year_max.is_some_and(|m| y > m)
                {
                    return false;
                }
            }
            if !wanted_genres.is_empty()
                && self.genre_mask[row] & wanted_mask == 0
                && (wanted_rest.is_empty()
                    || !self.genres[row].iter().any(|g| wanted_rest.contains(g)))
            {
                return false;
            }
            true
        };
        let mut heap = TopK::new(k);
        match &filter.ids {
            Some(only) => {
                let mut seen = HashSet::with_capacity(only.len());
                for id in only {
                    if let Some(&row) = self.rows.get(id)
                        && seen.insert(row)
                        && keep(row)
                    {
                        heap.push(self.score(row, query), self.ids[row]);
                    }
                }
            }
            None => {
                // Score every row, LANES rows at a time from the interleaved
                // copy. The filter is only consulted for a row whose score
                // could enter the top k, which after the first rows is rare:
                // scoring dominates.
                let mut consider = |row: usize, score: f32| {
                    if heap.admits(score) && keep(row) {
                        heap.push(score, self.ids[row]);
                    }
                };
                for (b, block) in self.blocks.chunks_exact(LANES * self.dim).enumerate() {
                    for (r, s) in block_scores(block, query).into_iter().enumerate() {
                        consider(b * LANES + r, s);
                    }
                }
                for row in self.blocks.len() / self.dim..self.ids.len() {
                    consider(row, self.score(row, query));
                }
            }
        }
        Ok(heap.into_sorted())
    }

    fn score(&self, row: usize, query: &[f32]) -> f32 {
        dot(&self.matrix[row * self.dim..(row + 1) * self.dim], query)
    }
}

fn check_shape(ids: &[MovieId], vectors: &[f32], dim: usize, attrs: &[ItemAttrs]) -> Result<()> {
    if dim == 0 {
        return Err(Error::Invalid("vector dimension must be positive".into()));
    }
    if vectors.len() != ids.len() * dim {
        return Err(Error::Invalid(format!(
            "{} vector values for {} ids of dimension {dim}",
            vectors.len(),
            ids.len()
        )));
    }
    if attrs.len() != ids.len() {
        return Err(Error::Invalid(format!(
            "{} attribute rows for {} ids",
            attrs.len(),
            ids.len()
        )));
    }
    Ok(())
}

/// Rows per interleaved block of [`EmbeddedIndex::search`].
const LANES: usize = 8;

/// The inner products of the `LANES` rows of an interleaved block
/// (`block[j * LANES + r]` is value `j` of row `r`) with `q`: one multiply-add
/// of `LANES` independent sums per dimension, which the compiler turns into
/// SIMD on any target. Each row is summed in index order, exactly like
/// [`dot`], so the scores are bit-identical to it.
#[inline]
fn block_scores(block: &[f32], q: &[f32]) -> [f32; LANES] {
    let mut acc = [-0.0f32; LANES];
    let (cols, _) = block.as_chunks::<LANES>();
    for (col, &qj) in cols.iter().zip(q) {
        for (a, x) in acc.iter_mut().zip(col) {
            *a += x * qj;
        }
    }
    acc
}

/// A candidate in the bounded heap. Ordered so that the heap's top is the
/// worst kept hit (lowest score; among equal scores, the larger id).
#[derive(Clone, Copy)]
struct Cand {
    score: f32,
    id: MovieId,
}

impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    /// "Greater" means "worse": lower score, then larger id.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.id.cmp(&other.id))
    }
}

/// The best `k` hits seen so far.
struct TopK {
    k: usize,
    heap: BinaryHeap<Cand>,
    /// The worst kept score once `k` hits are kept.
    worst: f32,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
            worst: f32::NEG_INFINITY,
        }
    }

    /// Whether a hit with `score` could enter (a tie with the worst kept
    /// score may, by id): a cheap test before filters and the heap.
    #[inline]
    fn admits(&self, score: f32) -> bool {
        self.heap.len() < self.k || score.total_cmp(&self.worst).is_ge()
    }

    #[inline]
    fn push(&mut self, score: f32, id: MovieId) {
        let c = Cand { score, id };
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && c < *worst
        {
            *worst = c;
        }
        if self.heap.len() == self.k {
            self.worst = self.heap.peek().map_or(f32::NEG_INFINITY, |c| c.score);
        }
    }

    fn into_sorted(self) -> Vec<Hit> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|c| Hit {
                id: c.id,
                score: c.score,
            })
            .collect()
    }
}

/// Staged rows of a version not activated yet.
#[derive(Default)]
struct Staged {
    dim: usize,
    ids: Vec<MovieId>,
    vectors: Vec<f32>,
    attrs: Vec<ItemAttrs>,
}

/// [`VectorReader`] over in-process [`EmbeddedIndex`]es.
///
/// Versions are staged by `upsert`, frozen into an index by `activate` and
/// swapped in atomically. The active version and the one before it are kept
/// (the previous one to fall back to); older indexes are dropped.
#[derive(Default)]
pub struct EmbeddedStore {
    active: RwLock<Option<Arc<EmbeddedIndex>>>,
    ready: RwLock<BTreeMap<u64, Arc<EmbeddedIndex>>>,
    staged: RwLock<BTreeMap<u64, Staged>>,
}

impl EmbeddedStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose active version is `index`.
    pub fn with_index(index: EmbeddedIndex) -> Self {
        let store = Self::new();
        store.install(Arc::new(index));
        store
    }

    /// Open a verified version of a model root and make it active.
    pub async fn open(store: &dyn ObjectStore, version: Option<u64>) -> Result<Self> {
        Ok(Self::with_index(EmbeddedIndex::open(store, version).await?))
    }

    /// Make a prepared index available and active (atomically for readers).
    pub fn install(&self, index: Arc<EmbeddedIndex>) {
        let v = index.version();
        {
            let mut ready = self.ready.write().expect("lock poisoned");
            ready.insert(v, index.clone());
        }
        *self.active.write().expect("lock poisoned") = Some(index);
        self.prune();
    }

    /// Add a prepared index without activating it.
    pub fn add(&self, index: Arc<EmbeddedIndex>) {
        self.ready
            .write()
            .expect("lock poisoned")
            .insert(index.version(), index);
    }

    /// The active index (a snapshot: later activations do not change it).
    pub fn current(&self) -> Option<Arc<EmbeddedIndex>> {
        self.active.read().expect("lock poisoned").clone()
    }

    /// Versions held in memory (active and previous).
    pub fn versions(&self) -> Vec<u64> {
        self.ready
            .read()
            .expect("lock poisoned")
            .keys()
            .copied()
            .collect()
    }

    fn prune(&self) {
        let active = self.current().map(|i| i.version());
        let mut ready = self.ready.write().expect("lock poisoned");
        while ready.len() > 2 {
            let oldest = *ready.keys().find(|v| Some(**v) != active).expect("len > 2");
            ready.remove(&oldest);
        }
    }

    fn active_or_err(&self) -> Result<Arc<EmbeddedIndex>> {
        self.current()
            .ok_or_else(|| Error::NotFound("no model version is active".into()))
    }
}

#[async_trait]
impl VectorWriter for EmbeddedStore {
    async fn upsert(
        &self,
        version: u64,
        ids: &[MovieId],
        vectors: &[f32],
        dim: usize,
        attrs: &[ItemAttrs],
    ) -> Result<()> {
        check_shape(ids, vectors, dim, attrs)?;
        let mut staged = self.staged.write().expect("lock poisoned");
        let s = staged.entry(version).or_default();
        if s.ids.is_empty() {
            s.dim = dim;
        } else if s.dim != dim {
            return Err(Error::Invalid(format!(
                "version {version} has dimension {}, upsert gave {dim}",
                s.dim
            )));
        }
        s.ids.extend_from_slice(ids);
        s.vectors.extend_from_slice(vectors);
        s.attrs.extend_from_slice(attrs);
        Ok(())
    }

    async fn activate(&self, version: u64) -> Result<()> {
        let staged = self.staged.write().expect("lock poisoned").remove(&version);
        let index = match staged {
            Some(s) => Arc::new(EmbeddedIndex::new(
                version, &s.ids, &s.vectors, s.dim, &s.attrs,
            )?),
            None => self
                .ready
                .read()
                .expect("lock poisoned")
                .get(&version)
                .cloned()
                .ok_or_else(|| {
                    Error::NotFound(format!("version {version} has no vectors in this store"))
                })?,
        };
        self.install(index);
        Ok(())
    }
}

#[async_trait]
impl VectorReader for EmbeddedStore {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    async fn active_version(&self) -> Result<Option<u64>> {
        Ok(self.current().map(|i| i.version()))
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        self.active_or_err()?.search(query, k, filter)
    }

    async fn fetch(&self, ids: &[MovieId]) -> Result<Vec<(MovieId, Vec<f32>)>> {
        let index = self.active_or_err()?;
        Ok(ids
            .iter()
            .filter_map(|&id| index.vector(id).map(|v| (id, v.to_vec())))
            .collect())
    }

    async fn count(&self) -> Result<usize> {
        Ok(self.current().map_or(0, |i| i.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(year: u16, genres: &[&str]) -> ItemAttrs {
        ItemAttrs {
            year: Some(year),
            genres: genres.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn small() -> EmbeddedIndex {
        // id 1: (1,0)  id 2: (0.5,0.5)  id 3: (0,1)  id 4: (-1,0)
        EmbeddedIndex::new(
            7,
            &[1, 2, 3, 4],
            &[1.0, 0.0, 0.5, 0.5, 0.0, 1.0, -1.0, 0.0],
            2,
            &[
                attrs(1990, &["Drama"]),
                attrs(1995, &["Comedy", "Drama"]),
                attrs(2000, &["Comedy"]),
                ItemAttrs::default(),
            ],
        )
        .unwrap()
    }

    #[test]
    fn exact_top_k_in_order() {
        let idx = small();
        let hits = idx
            .search(&[1.0, 0.2], 3, &SearchFilter::default())
            .unwrap();
        let ids: Vec<_> = hits.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        assert!((hits[0].score - 1.0).abs() < 1e-6);
        assert!((hits[1].score - 0.6).abs() < 1e-6);
        assert_eq!(
            idx.search(&[1.0, 0.2], 10, &SearchFilter::default())
                .unwrap()
                .len(),
            4
        );
        assert!(idx.search(&[1.0], 3, &SearchFilter::default()).is_err());
    }

    #[test]
    fn filters() {
        let idx = small();
        let q = [1.0, 0.2];
        let f = SearchFilter {
            genres: vec!["Comedy".into()],
            ..Default::default()
        };
        let ids: Vec<_> = idx
            .search(&q, 5, &f)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, vec![2, 3]);
        let f = SearchFilter {
            year_min: Some(1991),
            ..Default::default()
        };
        let ids: Vec<_> = idx
            .search(&q, 5, &f)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, vec![2, 3]);
        let f = SearchFilter {
            ids: Some(vec![4, 3, 3, 99]),
            exclude: vec![3],
            ..Default::default()
        };
        let ids: Vec<_> = idx
            .search(&q, 5, &f)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(ids, vec![4]);
        let f = SearchFilter {
            genres: vec!["Horror".into()],
            ..Default::default()
        };
        assert!(idx.search(&q, 5, &f).unwrap().is_empty());
    }

    #[test]
    fn matches_brute_force_on_random_data() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let (n, d) = (500, 13);
        let ids: Vec<MovieId> = (0..n as u32).map(|i| i * 3 + 1).collect();
        let v: Vec<f32> = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let idx = EmbeddedIndex::new(1, &ids, &v, d, &vec![ItemAttrs::default(); n]).unwrap();
        for _ in 0..20 {
            let q: Vec<f32> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut all: Vec<(f32, MovieId)> = (0..n)
                .map(|r| {
                    let s: f32 = (0..d).map(|j| v[r * d + j] * q[j]).sum();
                    (s, ids[r])
                })
                .collect();
            all.sort_by(|a, b| b.0.total_cmp(&a.0));
            let hits = idx.search(&q, 10, &SearchFilter::default()).unwrap();
            for (h, (s, id)) in hits.iter().zip(&all) {
                assert_eq!(h.id, *id);
                assert!((h.score - s).abs() < 1e-4);
            }
        }
    }

    /// The blocked, threshold-cached search against a plain scan that
    /// applies every filter first: same ids in the same order, scores
    /// bit-identical to [`dot`], for row counts that are not a multiple of
    /// the block, odd dimensions, ties, and more than 64 genres (the
    /// bitmask's fallback).
    #[test]
    fn filtered_search_matches_filter_then_scan() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let genre = |g: usize| format!("g{g}");
        for (n, d) in [(1, 3), (7, 8), (203, 13), (1001, 64), (66, 1)] {
            let ids: Vec<MovieId> = (0..n as u32).map(|i| i * 7 + 2).collect();
            // Coarse values so that equal scores (ties broken by id) occur.
            let v: Vec<f32> = (0..n * d)
                .map(|_| rng.random_range(-2i32..=2) as f32 * 0.5)
                .collect();
            let attrs: Vec<ItemAttrs> = (0..n)
                .map(|i| ItemAttrs {
                    year: (i % 5 != 0).then_some(1950 + (i % 60) as u16),
                    genres: (0..rng.random_range(0..4))
                        .map(|_| genre(rng.random_range(0..80)))
                        .collect(),
                })
                .collect();
            let idx = EmbeddedIndex::new(1, &ids, &v, d, &attrs).unwrap();
            for case in 0..40 {
                let q: Vec<f32> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
                let f = SearchFilter {
                    ids: None,
                    exclude: (0..case % 4 * 5)
                        .map(|_| ids[rng.random_range(0..n)])
                        .collect(),
                    genres: (0..case % 3)
                        .map(|_| genre(rng.random_range(0..80)))
                        .collect(),
                    year_min: (case % 5 == 1).then_some(1970),
                    year_max: (case % 7 == 2).then_some(1990),
                };
                let k = 1 + case % 12;
                let mut want: Vec<(f32, MovieId)> = (0..n)
                    .filter(|&r| {
                        let a = &attrs[r];
                        !f.exclude.contains(&ids[r])
                            && (f.genres.is_empty()
                                || a.genres.iter().any(|g| f.genres.contains(g)))
                            && (f.year_min.is_none() && f.year_max.is_none()
                                || a.year.is_some_and(|y| {
                                    f.year_min.is_none_or(|m| y >= m)
                                        && f.year_max.is_none_or(|m| y <= m)
                                }))
                    })
                    .map(|r| (dot(&v[r * d..(r + 1) * d], &q), ids[r]))
                    .collect();
                want.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                want.truncate(k);
                let got: Vec<(f32, MovieId)> = idx
                    .search(&q, k, &f)
                    .unwrap()
                    .iter()
                    .map(|h| (h.score, h.id))
                    .collect();
                assert_eq!(got.len(), want.len(), "n={n} d={d} case={case}");
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.1, w.1, "n={n} d={d} case={case}");
                    assert_eq!(g.0.to_bits(), w.0.to_bits(), "n={n} d={d} case={case}");
                }
            }
        }
    }

    #[tokio::test]
    async fn activation_swaps_and_keeps_two() {
        let store = EmbeddedStore::new();
        assert!(
            store
                .search(&[1.0], 1, &SearchFilter::default())
                .await
                .is_err()
        );
        for v in 1..=3u64 {
            store
                .upsert(v, &[v as u32], &[v as f32], 1, &[ItemAttrs::default()])
                .await
                .unwrap();
            assert_eq!(
                store.active_version().await.unwrap(),
                (v > 1).then(|| v - 1)
            );
            store.activate(v).await.unwrap();
            let hits = store
                .search(&[1.0], 5, &SearchFilter::default())
                .await
                .unwrap();
            assert_eq!(hits[0].id, v as u32);
        }
        assert_eq!(store.versions(), vec![2, 3]);
        // Re-activating a kept version works; a dropped one is refused.
        store.activate(2).await.unwrap();
        assert_eq!(store.count().await.unwrap(), 1);
        assert!(store.activate(1).await.is_err());
        assert_eq!(store.fetch(&[2, 9]).await.unwrap(), vec![(2, vec![2.0])]);
    }
}
