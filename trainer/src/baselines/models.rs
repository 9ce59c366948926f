//! The baseline models: popularity, and the linear item-to-item model that
//! ItemKNN and EASE share, with the co-occurrence and cosine matrices.

use rayon::prelude::*;

use crate::data::Split;
use crate::evaluate::{Scorer, recency_weights};

/// Scores items by their train popularity.
#[derive(Clone, Debug)]
pub struct Popularity {
    counts: Vec<f32>,
}

impl Popularity {
    pub fn fit(split: &Split) -> Self {
        Self {
            counts: split
                .item_train_counts()
                .into_iter()
                .map(|c| c as f32)
                .collect(),
        }
    }
}

impl Scorer for Popularity {
    fn score(&self, _user: u32, _history: &[u32], out: &mut [f32]) {
        out.copy_from_slice(&self.counts);
    }
}

/// A linear item-to-item model: `score = Σ_h w_h M[h, ·]` over the history,
/// with `w_h = decay^k` for the k-th most recent item. ItemKNN and EASE are
/// both this with different matrices.
#[derive(Clone, Debug)]
pub struct ItemItem {
    /// Row-major n × n.
    matrix: Vec<f32>,
    n: usize,
    pub decay: f32,
}

impl ItemItem {
    pub fn new(matrix: Vec<f32>, n: usize, decay: f32) -> Self {
        assert_eq!(matrix.len(), n * n, "item-item matrix must be n × n");
        Self { matrix, n, decay }
    }
    pub fn num_items(&self) -> usize {
        self.n
    }
    /// Row `i` of the matrix.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.matrix[i * self.n..(i + 1) * self.n]
    }
    /// Same matrix, another decay.
    pub fn with_decay(&self, decay: f32) -> ItemItemRef<'_> {
        ItemItemRef {
            matrix: &self.matrix,
            n: self.n,
            decay,
        }
    }
}

/// A borrowed [`ItemItem`] with its own decay (for the decay search).
#[derive(Clone, Copy, Debug)]
pub struct ItemItemRef<'a> {
    matrix: &'a [f32],
    n: usize,
    decay: f32,
}

fn score_item_item(matrix: &[f32], n: usize, decay: f32, history: &[u32], out: &mut [f32]) {
    score_item_item_decays(
        matrix,
        n,
        &[decay],
        history,
        std::slice::from_mut(&mut &mut *out),
    )
}

/// Item-item scores under several decays at once ([`score_item_item`] is
/// the one-decay case): each matrix row of the history is read once for all
/// of them (`outs[k]` for `decays[k]`, the same sums in the same order as one
/// decay alone).
pub(crate) fn score_item_item_decays<O: AsMut<[f32]>>(
    matrix: &[f32],
    n: usize,
    decays: &[f32],
    history: &[u32],
    outs: &mut [O],
) {
    let weights: Vec<Vec<f32>> = decays
        .iter()
        .map(|&d| recency_weights(history.len(), d))
        .collect();
    for out in outs.iter_mut() {
        out.as_mut().fill(0.0);
    }
    for (pos, &h) in history.iter().enumerate() {
        let row = &matrix[h as usize * n..(h as usize + 1) * n];
        for (out, w) in outs.iter_mut().zip(&weights) {
            let w = w[pos];
            if w == 0.0 {
                continue;
            }
            for (o, &m) in out.as_mut().iter_mut().zip(row) {
                *o += w * m;
            }
        }
    }
}

impl ItemItem {
    /// Val (or test) metrics of this matrix under each decay of `decays`, in
    /// one pass over the users.
    pub fn evaluate_decays(
        &self,
        split: &crate::data::Split,
        which: crate::evaluate::EvalSplit,
        decays: &[f32],
    ) -> Vec<crate::evaluate::Metrics> {
        crate::evaluate::evaluate_many(split, which, decays.len(), |_, history, outs| {
            score_item_item_decays(&self.matrix, self.n, decays, history, outs)
        })
    }
}

impl Scorer for ItemItem {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        score_item_item(&self.matrix, self.n, self.decay, history, out)
    }
}

impl Scorer for ItemItemRef<'_> {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        score_item_item(self.matrix, self.n, self.decay, history, out)
    }
}

/// Train co-occurrence matrix `XᵀX` (n × n, f64) of the binary user × item
/// matrix: entry (i, j) = number of users with both items in train; the
/// diagonal is the item's user count.
pub fn cooccurrence(split: &Split) -> Vec<f64> {
    cooccurrence_of(&train_sets(split), split.num_items())
}

/// Each user's train items, sorted, without repeats (the rows of the binary
/// user × item matrix `X`).
pub fn train_sets(split: &Split) -> Vec<Vec<u32>> {
    split
        .train
        .iter()
        .map(|items| {
            let mut v = items.clone();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect()
}

/// [`cooccurrence`] of given item sets over `n` items.
pub fn cooccurrence_of(user_items: &[Vec<u32>], n: usize) -> Vec<f64> {
    let mut item_users: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (u, items) in user_items.iter().enumerate() {
        for &i in items {
            item_users[i as usize].push(u as u32);
        }
    }
    let mut g = vec![0.0f64; n * n];
    g.par_chunks_mut(n.max(1))
        .zip(item_users.par_iter())
        .for_each(|(row, users)| {
            for &u in users {
                for &j in &user_items[u as usize] {
                    row[j as usize] += 1.0;
                }
            }
        });
    g
}

/// ItemKNN cosine similarity from a co-occurrence matrix (zero diagonal).
pub fn itemknn_matrix(gram: &[f64], n: usize) -> Vec<f32> {
    let norms: Vec<f64> = (0..n).map(|i| gram[i * n + i].sqrt()).collect();
    let mut sim = vec![0.0f32; n * n];
    sim.par_chunks_mut(n.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            if norms[i] == 0.0 {
                return;
            }
            for (j, s) in row.iter_mut().enumerate() {
                if j != i && norms[j] > 0.0 {
                    *s = (gram[i * n + j] / (norms[i] * norms[j])) as f32;
                }
            }
        });
    sim
}
