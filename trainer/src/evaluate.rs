//! Offline evaluation: the ranking metrics, the leave-last-out protocol over a
//! [`Split`], and the two ways to recommend from item vectors.
//!
//! # Protocol
//!
//! Every user with a held-out item is one query (users with fewer than three
//! interactions have none and are skipped):
//!
//! - **val**: history = the user's train items, target = the val item;
//! - **test**: history = train items followed by the val item, target = the
//!   test item.
//!
//! A [`Scorer`] scores **every** item of the catalogue for the history; items
//! of the history are excluded from the ranking (the target itself is never
//! excluded, so a re-consumed item can still be hit); the rest is ranked by
//! score, higher first, ties broken by the lower item index. NaN scores rank
//! below every number.
//!
//! # Metrics (one target per query, averaged over queries)
//!
//! With `r` the 0-based rank of the target:
//!
//! - `hr@10` = 1 if `r < 10`;
//! - `ndcg@10` = `1 / log2(r + 2)` if `r < 10`, else 0 (the ideal DCG of a
//!   single relevant item is 1);
//! - `mrr` = `1 / (r + 1)` (full ranking, no cut-off);
//! - `recall@20` = 1 if `r < 20` (one relevant item, so recall = hit rate);
//! - `coverage@10` = distinct items appearing in any query's top 10, divided
//!   by the catalogue size.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::Split;
use reelgraph_core::vector::dot;

/// Scores every item of the catalogue for one user.
///
/// Implementations must be deterministic and thread-safe: the protocol calls
/// them from many threads at once, each with its own output buffer.
pub trait Scorer: Sync {
    /// Fill `out` (one slot per item, `out.len()` = catalogue size) with a
    /// score per item, higher = more recommended.
    ///
    /// `history` holds the user's item indices **in time order, oldest
    /// first** (so `history.last()` is the latest item and the k-th most
    /// recent is `history[history.len() - 1 - k]`). It may be empty. Items of
    /// the history are excluded from the ranking afterwards, so their scores
    /// do not matter.
    fn score(&self, user: u32, history: &[u32], out: &mut [f32]);
}

impl<S: Scorer + ?Sized> Scorer for &S {
    fn score(&self, user: u32, history: &[u32], out: &mut [f32]) {
        (**self).score(user, history, out)
    }
}

impl<S: Scorer + ?Sized> Scorer for Box<S> {
    fn score(&self, user: u32, history: &[u32], out: &mut [f32]) {
        (**self).score(user, history, out)
    }
}

/// Which held-out item is the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvalSplit {
    /// History = train, target = val item.
    Val,
    /// History = train + val item, target = test item.
    Test,
}

impl EvalSplit {
    pub fn name(self) -> &'static str {
        match self {
            EvalSplit::Val => "val",
            EvalSplit::Test => "test",
        }
    }
}

impl std::fmt::Display for EvalSplit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Averaged metrics of one evaluation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(rename = "hr@10")]
    pub hr10: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg10: f64,
    pub mrr: f64,
    #[serde(rename = "recall@20")]
    pub recall20: f64,
    #[serde(rename = "coverage@10")]
    pub coverage10: f64,
    /// Number of queries (users with a target).
    #[serde(skip)]
    pub users: usize,
}

impl std::fmt::Display for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HR@10 {:.4}  NDCG@10 {:.4}  MRR {:.4}  Recall@20 {:.4}  Coverage@10 {:.4}  ({} users)",
            self.hr10, self.ndcg10, self.mrr, self.recall20, self.coverage10, self.users
        )
    }
}

// ---------------------------------------------------------------------------
// Metric functions
// ---------------------------------------------------------------------------

/// `true` when item `a` (score `sa`) ranks before item `b` (score `sb`):
/// higher score first, NaN last, ties by lower index.
#[inline]
fn ranks_before(sa: f32, a: usize, sb: f32, b: usize) -> bool {
    match (sa.is_nan(), sb.is_nan()) {
        (false, false) => sa > sb || (sa == sb && a < b),
        (false, true) => true,
        (true, false) => false,
        (true, true) => a < b,
    }
}

/// 0-based rank of `target` among the items not `excluded`, by `scores`
/// (higher first, ties by lower index, NaN last). The target itself counts
/// as not excluded.
pub fn rank_of(scores: &[f32], target: usize, excluded: impl Fn(usize) -> bool) -> usize {
    let st = scores[target];
    scores
        .iter()
        .enumerate()
        .filter(|&(j, &s)| j != target && ranks_before(s, j, st, target) && !excluded(j))
        .count()
}

/// The `k` best items among those not `excluded`, best first (ties by lower
/// index, NaN last).
pub fn top_k(scores: &[f32], k: usize, excluded: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut best: Vec<u32> = Vec::with_capacity(k + 1);
    if k == 0 {
        return best;
    }
    for (j, &s) in scores.iter().enumerate() {
        if excluded(j) {
            continue;
        }
        if best.len() == k {
            let &last = best.last().expect("k > 0");
            if !ranks_before(s, j, scores[last as usize], last as usize) {
                continue;
            }
            best.pop();
        }
        // insertion into the sorted list (k is small)
        let pos = best
            .iter()
            .position(|&b| ranks_before(s, j, scores[b as usize], b as usize))
            .unwrap_or(best.len());
        best.insert(pos, j as u32);
    }
    best
}

/// Hit rate for one query: 1 if the 0-based `rank` is within the top `k`.
pub fn hit_at(rank: usize, k: usize) -> f64 {
    if rank < k { 1.0 } else { 0.0 }
}

/// NDCG@k for one query with a single relevant item at 0-based `rank`.
pub fn ndcg_at(rank: usize, k: usize) -> f64 {
    if rank < k {
        1.0 / ((rank as f64) + 2.0).log2()
    } else {
        0.0
    }
}

/// Reciprocal rank for one query (0-based `rank`).
pub fn reciprocal_rank(rank: usize) -> f64 {
    1.0 / (rank as f64 + 1.0)
}

/// Recall@k with a single relevant item (= hit rate at k).
pub fn recall_at(rank: usize, k: usize) -> f64 {
    hit_at(rank, k)
}

/// Aggregates per-query ranks and top-10 lists into [`Metrics`].
#[derive(Clone, Debug)]
pub struct MetricsAccumulator {
    hr10: f64,
    ndcg10: f64,
    mrr: f64,
    recall20: f64,
    users: usize,
    recommended: Vec<bool>,
}

impl MetricsAccumulator {
    pub fn new(num_items: usize) -> Self {
        Self {
            hr10: 0.0,
            ndcg10: 0.0,
            mrr: 0.0,
            recall20: 0.0,
            users: 0,
            recommended: vec![false; num_items],
        }
    }

    /// Add one query: the target's 0-based rank and the query's top 10.
    pub fn add(&mut self, rank: usize, top10: &[u32]) {
        self.hr10 += hit_at(rank, 10);
        self.ndcg10 += ndcg_at(rank, 10);
        self.mrr += reciprocal_rank(rank);
        self.recall20 += recall_at(rank, 20);
        self.users += 1;
        for &i in top10 {
            self.recommended[i as usize] = true;
        }
    }

    /// Merge another accumulator over the same catalogue.
    pub fn merge(mut self, other: Self) -> Self {
        self.hr10 += other.hr10;
        self.ndcg10 += other.ndcg10;
        self.mrr += other.mrr;
        self.recall20 += other.recall20;
        self.users += other.users;
        for (a, b) in self.recommended.iter_mut().zip(other.recommended) {
            *a |= b;
        }
        self
    }

    pub fn finish(&self) -> Metrics {
        let n = self.users.max(1) as f64;
        let items = self.recommended.len();
        let covered = self.recommended.iter().filter(|&&b| b).count();
        Metrics {
            hr10: self.hr10 / n,
            ndcg10: self.ndcg10 / n,
            mrr: self.mrr / n,
            recall20: self.recall20 / n,
            coverage10: if items == 0 {
                0.0
            } else {
                covered as f64 / items as f64
            },
            users: self.users,
        }
    }
}

// ---------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------

/// One query of the protocol: user, history (time order) and target.
pub fn query(split: &Split, which: EvalSplit, user: usize, buf: &mut Vec<u32>) -> Option<u32> {
    buf.clear();
    buf.extend_from_slice(&split.train[user]);
    match which {
        EvalSplit::Val => split.val[user],
        EvalSplit::Test => {
            buf.extend(split.val[user]);
            split.test[user]
        }
    }
}

struct Worker {
    /// One score buffer per scorer.
    scores: Vec<Vec<f32>>,
    history: Vec<u32>,
    /// `mark[i] == stamp` ⇔ item `i` is in the current history.
    mark: Vec<u32>,
    stamp: u32,
}

impl Worker {
    fn new(num_items: usize, scorers: usize) -> Self {
        Self {
            scores: vec![vec![0.0; num_items]; scorers],
            history: Vec::new(),
            mark: vec![0; num_items],
            stamp: 0,
        }
    }
}

/// Evaluate `scorer` on `split` with the protocol of this module, in parallel
/// over users.
pub fn evaluate<S: Scorer + ?Sized>(split: &Split, scorer: &S, which: EvalSplit) -> Metrics {
    evaluate_many(split, which, 1, |user, history, outs| {
        scorer.score(user, history, &mut outs[0])
    })[0]
}

/// Evaluate `scorers` scorers that share their work (one model under several
/// recency decays, say) in one pass over the users: `score(user, history,
/// outs)` fills `outs[i]` (zeroed, one slot per item) for scorer `i`, as
/// [`Scorer::score`] would. Each scorer's metrics are those [`evaluate`]
/// gives it alone.
pub fn evaluate_many<F>(split: &Split, which: EvalSplit, scorers: usize, score: F) -> Vec<Metrics>
where
    F: Fn(u32, &[u32], &mut [Vec<f32>]) + Sync,
{
    let n = split.num_items();
    let fresh = || {
        (
            Worker::new(n, scorers),
            (0..scorers)
                .map(|_| MetricsAccumulator::new(n))
                .collect::<Vec<_>>(),
        )
    };
    (0..split.num_users())
        .into_par_iter()
        .fold(fresh, |(mut w, mut accs), u| {
            let Some(target) = query(split, which, u, &mut w.history) else {
                return (w, accs);
            };
            w.stamp = w.stamp.wrapping_add(1);
            if w.stamp == 0 {
                w.mark.fill(0);
                w.stamp = 1;
            }
            for &h in &w.history {
                w.mark[h as usize] = w.stamp;
            }
            let target = target as usize;
            let stamp = w.stamp;
            for out in &mut w.scores {
                out.fill(0.0);
            }
            score(u as u32, &w.history, &mut w.scores);
            let mark = &w.mark;
            let excluded = |j: usize| j != target && mark[j] == stamp;
            for (out, acc) in w.scores.iter().zip(&mut accs) {
                let rank = rank_of(out, target, excluded);
                let top = top_k(out, 10, excluded);
                acc.add(rank, &top);
            }
            (w, accs)
        })
        .map(|(_, accs)| accs)
        .reduce(
            || fresh().1,
            |a, b| a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect(),
        )
        .iter()
        .map(MetricsAccumulator::finish)
        .collect()
}

/// [`evaluate`] on val and on test.
pub fn evaluate_both<S: Scorer + ?Sized>(split: &Split, scorer: &S) -> (Metrics, Metrics) {
    (
        evaluate(split, scorer, EvalSplit::Val),
        evaluate(split, scorer, EvalSplit::Test),
    )
}

// ---------------------------------------------------------------------------
// Recommenders from item vectors
// ---------------------------------------------------------------------------

/// A dense row-major item × dim matrix of f32 vectors, borrowed or owned
/// (`M` is `Vec<f32>`, `&[f32]`, `Arc<[f32]>`, …).
#[derive(Clone, Debug)]
pub struct ItemVectors<M> {
    data: M,
    dim: usize,
}

impl<M: AsRef<[f32]>> ItemVectors<M> {
    /// Panics unless `data.len()` is a multiple of `dim` (and `dim > 0`).
    pub fn new(data: M, dim: usize) -> Self {
        assert!(dim > 0, "item vectors need dim > 0");
        assert_eq!(
            data.as_ref().len() % dim,
            0,
            "item vector data length {} is not a multiple of dim {dim}",
            data.as_ref().len()
        );
        Self { data, dim }
    }
    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn num_items(&self) -> usize {
        self.data.as_ref().len() / self.dim
    }
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data.as_ref()[i * self.dim..(i + 1) * self.dim]
    }
    pub fn as_slice(&self) -> &[f32] {
        self.data.as_ref()
    }
    /// `out[j] = <query, v_j>` for every item.
    pub fn dot_all(&self, query: &[f32], out: &mut [f32]) {
        debug_assert_eq!(query.len(), self.dim);
        for (o, row) in out
            .iter_mut()
            .zip(self.data.as_ref().chunks_exact(self.dim))
        {
            *o = dot(query, row);
        }
    }
}

/// **latest-item**: the items nearest (inner product) to the user's latest
/// item — the original system's method. An empty history scores all zero.
#[derive(Clone, Debug)]
pub struct LatestItem<M> {
    pub vectors: ItemVectors<M>,
}

impl<M: AsRef<[f32]>> LatestItem<M> {
    pub fn new(vectors: ItemVectors<M>) -> Self {
        Self { vectors }
    }
}

impl<M: AsRef<[f32]> + Sync> Scorer for LatestItem<M> {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        match history.last() {
            Some(&last) => self.vectors.dot_all(self.vectors.row(last as usize), out),
            None => out.fill(0.0),
        }
    }
}

/// **history**: inner product with the recency-weighted sum of the history's
/// vectors, weight `decay^k` for the k-th most recent item (k = 0 latest).
/// `decay = 1` is a plain sum; `decay = 0` is [`LatestItem`].
#[derive(Clone, Debug)]
pub struct HistoryVectors<M> {
    pub vectors: ItemVectors<M>,
    pub decay: f32,
}

/// Default decay of the history recommender.
pub const DEFAULT_HISTORY_DECAY: f32 = 0.9;

impl<M: AsRef<[f32]>> HistoryVectors<M> {
    pub fn new(vectors: ItemVectors<M>, decay: f32) -> Self {
        Self { vectors, decay }
    }

    /// The query vector of a history.
    pub fn query(&self, history: &[u32]) -> Vec<f32> {
        let mut q = vec![0.0f32; self.vectors.dim()];
        let mut w = 1.0f32;
        for &h in history.iter().rev() {
            if w < 1e-6 {
                break; // further terms cannot change the ranking measurably
            }
            for (a, b) in q.iter_mut().zip(self.vectors.row(h as usize)) {
                *a += w * b;
            }
            w *= self.decay;
        }
        q
    }
}

impl<M: AsRef<[f32]> + Sync> Scorer for HistoryVectors<M> {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        let q = self.query(history);
        self.vectors.dot_all(&q, out);
    }
}

/// Recency weights `decay^k` for a history in time order (oldest first):
/// `weights[i]` for `history[i]`, so the last weight is 1.
///
/// A weight below f32's smallest normal number (`decay^k` < 1.2e-38: k ≥ 829
/// at decay .9, k ≥ 73 at .3) is 0: it cannot move a score to which the
/// latest item (weight 1) contributes, and subnormal arithmetic is tens of
/// times slower on x86 (it made a long history's scoring 80 × slower).
pub fn recency_weights(len: usize, decay: f32) -> Vec<f32> {
    let mut w = vec![0.0f32; len];
    let mut x = 1.0f32;
    for slot in w.iter_mut().rev() {
        if x < f32::MIN_POSITIVE {
            break;
        }
        *slot = x;
        x *= decay;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_ties() {
        let s = [0.5, 0.9, 0.5, f32::NAN, 0.1];
        assert_eq!(rank_of(&s, 1, |_| false), 0);
        assert_eq!(rank_of(&s, 0, |_| false), 1);
        assert_eq!(rank_of(&s, 2, |_| false), 2); // tie with 0, lower index first
        assert_eq!(rank_of(&s, 4, |_| false), 3);
        assert_eq!(rank_of(&s, 3, |_| false), 4); // NaN last
        assert_eq!(rank_of(&s, 2, |j| j == 1), 1);
        assert_eq!(top_k(&s, 3, |_| false), vec![1, 0, 2]);
        assert_eq!(top_k(&s, 10, |j| j == 0), vec![1, 2, 4, 3]);
        assert!(top_k(&s, 0, |_| false).is_empty());
    }

    #[test]
    fn recency_weights_latest_is_one() {
        assert_eq!(recency_weights(3, 0.5), vec![0.25, 0.5, 1.0]);
        // 0.5^126 is the smallest normal f32 (2^-126); 0.5^127 is subnormal.
        let w = recency_weights(130, 0.5);
        assert_eq!(w[129 - 126], f32::MIN_POSITIVE);
        assert_eq!(&w[..3], &[0.0, 0.0, 0.0]);
        assert!(w.iter().all(|&x| x == 0.0 || x.is_normal()));
    }
}
