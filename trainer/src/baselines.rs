//! Baselines on the same split and protocol as PinSAGE ([`crate::evaluate`]):
//! popularity, ItemKNN, EASE, and ItemKNN / EASE with a recency-weighted
//! history. They keep the quality claim honest: it is a comparison.
//!
//! All are fitted on the **train** split only; the test queries use the
//! protocol's history (train + val item) with the same fitted model.
//!
//! - **popularity**: train interaction count per item.
//! - **ItemKNN**: cosine similarity of the items' train user sets,
//!   `sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| |U_j|)`, zero diagonal, no
//!   neighbourhood truncation; score = Σ over the history of `w_h sim(h, ·)`.
//! - **EASE** (Steck 2019): `P = (XᵀX + λI)⁻¹`, `B = I − P diag(1/diag P)`
//!   (so `B_jj = 0`); score = `x_u B` with `x_u` the (weighted) history.
//!   λ is chosen on validation from [`BaselineConfig::ease_lambdas`].
//! - **recency** variants: history weights `decay^k` for the k-th most
//!   recent item, decay chosen on validation from
//!   [`BaselineConfig::decays`]; plain ("history") variants use weight 1.
//!
//! Selection on validation maximises HR@10; on a tie the candidate earlier in
//! the grid wins (grids are listed from the weakest recency weighting,
//! decay 1.0, downwards; λ ascending), as an `argmax` over the grid would.

use std::time::Instant;

use rayon::prelude::*;

use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics, Scorer, evaluate, recency_weights};

/// Grids searched on validation.
#[derive(Clone, Debug)]
pub struct BaselineConfig {
    /// EASE L2 regularisation candidates.
    pub ease_lambdas: Vec<f64>,
    /// Recency decay candidates (1.0 = no recency weighting).
    pub decays: Vec<f32>,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            ease_lambdas: vec![10.0, 30.0, 100.0, 200.0, 500.0, 1000.0, 3000.0],
            decays: vec![1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
        }
    }
}

/// One fitted, selected baseline with its val and test metrics.
#[derive(Clone, Debug)]
pub struct BaselineRun {
    /// `"popularity"`, `"itemknn"` or `"ease"`.
    pub model: &'static str,
    /// `"-"` (popularity), `"history"` (plain) or `"recency"`.
    pub recommender: &'static str,
    /// Chosen hyper-parameters, human readable (e.g. `"λ=100, decay=0.9"`).
    pub params: String,
    pub val: Metrics,
    pub test: Metrics,
    /// Wall time of fitting, selection and evaluation of this baseline
    /// (shared work such as the co-occurrence matrix is counted once).
    pub seconds: f64,
}

/// `true` if `a` is a strictly better validation result than `b` (the
/// earlier candidate keeps a tie).
fn better(a: &Metrics, b: &Metrics) -> bool {
    a.hr10 > b.hr10
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

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
    out.fill(0.0);
    let weights = recency_weights(history.len(), decay);
    for (&h, &w) in history.iter().zip(&weights) {
        if w == 0.0 {
            continue;
        }
        let row = &matrix[h as usize * n..(h as usize + 1) * n];
        for (o, &m) in out.iter_mut().zip(row) {
            *o += w * m;
        }
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
    let n = split.num_items();
    let user_items: Vec<Vec<u32>> = split
        .train
        .iter()
        .map(|items| {
            let mut v = items.clone();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
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

/// EASE weights `B` for one λ from a co-occurrence matrix.
pub fn ease_matrix(gram: &[f64], n: usize, lambda: f64) -> anyhow::Result<Vec<f32>> {
    anyhow::ensure!(lambda > 0.0, "EASE λ must be > 0, got {lambda}");
    let mut g = gram.to_vec();
    for i in 0..n {
        g[i * n + i] += lambda;
    }
    let p = linalg::spd_inverse(&g, n)?;
    drop(g);
    let diag: Vec<f64> = (0..n).map(|j| p[j * n + j]).collect();
    let mut b = vec![0.0f32; n * n];
    b.par_chunks_mut(n.max(1)).enumerate().for_each(|(i, row)| {
        for (j, x) in row.iter_mut().enumerate() {
            if j != i {
                *x = (-p[i * n + j] / diag[j]) as f32;
            }
        }
    });
    Ok(b)
}

// ---------------------------------------------------------------------------
// Selection and the full run
// ---------------------------------------------------------------------------

/// For a fitted matrix: the best decay among `decays` on validation, and the
/// val metrics of decay 1.0 (the plain history) when 1.0 is in the grid.
fn best_decay(split: &Split, model: &ItemItem, decays: &[f32]) -> (f32, Metrics, Option<Metrics>) {
    let mut best: Option<(f32, Metrics)> = None;
    let mut plain = None;
    for &d in decays {
        let m = evaluate(split, &model.with_decay(d), EvalSplit::Val);
        if d == 1.0 {
            plain = Some(m);
        }
        if best.as_ref().is_none_or(|(_, b)| better(&m, b)) {
            best = Some((d, m));
        }
    }
    let (d, m) = best.expect("decay grid must not be empty");
    (d, m, plain)
}

fn fmt_decay(d: f32) -> String {
    format!("decay={d}")
}

/// Fit, select on validation and evaluate every baseline. Rows in the order
/// popularity, itemknn/history, itemknn/recency, ease/history, ease/recency.
pub fn run_baselines(split: &Split, config: &BaselineConfig) -> anyhow::Result<Vec<BaselineRun>> {
    anyhow::ensure!(!config.decays.is_empty(), "decay grid is empty");
    anyhow::ensure!(!config.ease_lambdas.is_empty(), "EASE λ grid is empty");
    let n = split.num_items();
    let mut runs = Vec::new();

    let t = Instant::now();
    let pop = Popularity::fit(split);
    let (val, test) = crate::evaluate::evaluate_both(split, &pop);
    runs.push(BaselineRun {
        model: "popularity",
        recommender: "-",
        params: String::new(),
        val,
        test,
        seconds: t.elapsed().as_secs_f64(),
    });

    let t = Instant::now();
    let gram = cooccurrence(split);
    let gram_seconds = t.elapsed().as_secs_f64();

    // ItemKNN
    let t = Instant::now();
    let knn = ItemItem::new(itemknn_matrix(&gram, n), n, 1.0);
    let (decay, val_r, _) = best_decay(split, &knn, &config.decays);
    let val_h = evaluate(split, &knn.with_decay(1.0), EvalSplit::Val);
    let test_h = evaluate(split, &knn.with_decay(1.0), EvalSplit::Test);
    let test_r = evaluate(split, &knn.with_decay(decay), EvalSplit::Test);
    let knn_seconds = gram_seconds + t.elapsed().as_secs_f64();
    runs.push(BaselineRun {
        model: "itemknn",
        recommender: "history",
        params: String::new(),
        val: val_h,
        test: test_h,
        seconds: knn_seconds,
    });
    runs.push(BaselineRun {
        model: "itemknn",
        recommender: "recency",
        params: fmt_decay(decay),
        val: val_r,
        test: test_r,
        seconds: knn_seconds,
    });
    drop(knn);

    // EASE: one inverse per λ, every decay evaluated on it.
    let t = Instant::now();
    let mut best_plain: Option<(f64, Metrics, ItemItem)> = None;
    let mut best_recency: Option<(f64, f32, Metrics, ItemItem)> = None;
    for &lambda in &config.ease_lambdas {
        let tl = Instant::now();
        let model = ItemItem::new(ease_matrix(&gram, n, lambda)?, n, 1.0);
        let (decay, m, plain) = best_decay(split, &model, &config.decays);
        let plain = match plain {
            Some(p) => p,
            None => evaluate(split, &model.with_decay(1.0), EvalSplit::Val),
        };
        tracing::debug!(
            lambda,
            decay,
            plain_hr = plain.hr10,
            recency_hr = m.hr10,
            seconds = tl.elapsed().as_secs_f64(),
            "EASE λ candidate"
        );
        let new_plain = best_plain.as_ref().is_none_or(|b| better(&plain, &b.1));
        let new_recency = best_recency.as_ref().is_none_or(|b| better(&m, &b.2));
        match (new_plain, new_recency) {
            (true, true) => {
                best_plain = Some((lambda, plain, model.clone()));
                best_recency = Some((lambda, decay, m, model));
            }
            (true, false) => best_plain = Some((lambda, plain, model)),
            (false, true) => best_recency = Some((lambda, decay, m, model)),
            (false, false) => {}
        }
    }
    let (lambda_p, val_p, model_p) = best_plain.expect("λ grid is not empty");
    let (lambda_r, decay_r, val_r, model_r) = best_recency.expect("λ grid is not empty");
    let test_p = evaluate(split, &model_p.with_decay(1.0), EvalSplit::Test);
    let test_r = evaluate(split, &model_r.with_decay(decay_r), EvalSplit::Test);
    let ease_seconds = gram_seconds + t.elapsed().as_secs_f64();
    runs.push(BaselineRun {
        model: "ease",
        recommender: "history",
        params: format!("λ={lambda_p}"),
        val: val_p,
        test: test_p,
        seconds: ease_seconds,
    });
    runs.push(BaselineRun {
        model: "ease",
        recommender: "recency",
        params: format!("λ={lambda_r}, {}", fmt_decay(decay_r)),
        val: val_r,
        test: test_r,
        seconds: ease_seconds,
    });
    Ok(runs)
}

// ---------------------------------------------------------------------------
// Dense linear algebra for EASE
// ---------------------------------------------------------------------------

/// Dense f64 linear algebra: an inverse of a symmetric positive-definite
/// matrix by a blocked Cholesky factorisation, parallel with rayon.
///
/// `A = L Lᵀ` (right-looking, blocked: the trailing update is a cache-tiled
/// rank-b update), `W = L⁻¹` by forward substitution on blocks of identity
/// columns, then `A⁻¹ = Wᵀ W` by a tiled symmetric product. About `n³/2`
/// multiply-adds in all.
pub mod linalg {
    use rayon::prelude::*;

    /// Cholesky panel width.
    const NB: usize = 64;
    /// Right-hand sides per block in the triangular inverse.
    const RHS: usize = 32;
    /// Tile size and k-chunk of the symmetric product.
    const TILE: usize = 32;
    const KC: usize = 256;

    #[inline]
    fn dot(a: &[f64], b: &[f64]) -> f64 {
        let mut acc = [0.0f64; 4];
        let ca = a.chunks_exact(4);
        let cb = b.chunks_exact(4);
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for k in 0..4 {
                acc[k] += x[k] * y[k];
            }
        }
        let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for (x, y) in ra.iter().zip(rb) {
            s += x * y;
        }
        s
    }

    /// Four dot products `a0·b0, a0·b1, a1·b0, a1·b1` (equal lengths).
    #[inline]
    fn dot2x2(a0: &[f64], a1: &[f64], b0: &[f64], b1: &[f64]) -> [f64; 4] {
        let len = a0.len();
        let (a0, a1, b0, b1) = (&a0[..len], &a1[..len], &b0[..len], &b1[..len]);
        let mut acc = [[0.0f64; 4]; 4];
        let chunks = len / 4;
        for c in 0..chunks {
            let o = c * 4;
            for k in 0..4 {
                let (x0, x1, y0, y1) = (a0[o + k], a1[o + k], b0[o + k], b1[o + k]);
                acc[0][k] += x0 * y0;
                acc[1][k] += x0 * y1;
                acc[2][k] += x1 * y0;
                acc[3][k] += x1 * y1;
            }
        }
        let mut out = [0.0f64; 4];
        for (o, a) in out.iter_mut().zip(&acc) {
            *o = (a[0] + a[1]) + (a[2] + a[3]);
        }
        for o in chunks * 4..len {
            out[0] += a0[o] * b0[o];
            out[1] += a0[o] * b1[o];
            out[2] += a1[o] * b0[o];
            out[3] += a1[o] * b1[o];
        }
        out
    }

    /// In-place Cholesky factorisation of the row-major n × n matrix `a`:
    /// on return its lower triangle (with diagonal) holds `L`; the strict
    /// upper triangle is left unspecified. Only the lower triangle of the
    /// input is read. Fails if `a` is not positive definite.
    pub fn cholesky_in_place(a: &mut [f64], n: usize) -> anyhow::Result<()> {
        anyhow::ensure!(a.len() == n * n, "matrix must be n × n");
        let mut panel: Vec<f64> = Vec::new();
        let mut k0 = 0;
        while k0 < n {
            let k1 = (k0 + NB).min(n);
            let b = k1 - k0;
            // 1. the diagonal block (already updated by earlier panels)
            for j in k0..k1 {
                let rj = j * n;
                let d = a[rj + j] - dot(&a[rj + k0..rj + j], &a[rj + k0..rj + j]);
                if d.is_nan() || d <= 0.0 {
                    anyhow::bail!("matrix is not positive definite (pivot {j} = {d})");
                }
                let d = d.sqrt();
                a[rj + j] = d;
                for i in j + 1..k1 {
                    let ri = i * n;
                    let s = a[ri + j] - dot(&a[ri + k0..ri + j], &a[rj + k0..rj + j]);
                    a[ri + j] = s / d;
                }
            }
            if k1 == n {
                break;
            }
            let (top, bottom) = a.split_at_mut(k1 * n);
            let mut diag = vec![0.0f64; b * b];
            for jj in 0..b {
                let r = (k0 + jj) * n + k0;
                diag[jj * b..jj * b + b].copy_from_slice(&top[r..r + b]);
            }
            // 2. the panel below it: rows k1.. solve against L_kkᵀ
            bottom.par_chunks_mut(n).for_each(|row| {
                let seg = &mut row[k0..k1];
                for jj in 0..b {
                    let s = seg[jj] - dot(&seg[..jj], &diag[jj * b..jj * b + jj]);
                    seg[jj] = s / diag[jj * b + jj];
                }
            });
            // contiguous copy of the panel
            let rows = n - k1;
            panel.clear();
            panel.reserve(rows * b);
            for r in 0..rows {
                panel.extend_from_slice(&bottom[r * n + k0..r * n + k1]);
            }
            // 3. trailing update A[i, j] -= L[i, panel]·L[j, panel], j ≤ i
            let panel = &panel;
            bottom
                .par_chunks_mut(2 * n)
                .enumerate()
                .for_each(|(c, chunk)| {
                    let i0 = 2 * c;
                    let nr = chunk.len() / n;
                    let pi0 = &panel[i0 * b..(i0 + 1) * b];
                    let pi1 = if nr == 2 {
                        &panel[(i0 + 1) * b..(i0 + 2) * b]
                    } else {
                        pi0
                    };
                    let mut j = 0;
                    while j < i0 + nr {
                        let pj0 = &panel[j * b..(j + 1) * b];
                        let pj1 = if j + 1 < rows {
                            &panel[(j + 1) * b..(j + 2) * b]
                        } else {
                            pj0
                        };
                        let d = dot2x2(pi0, pi1, pj0, pj1);
                        // row i0 gets j (and j+1) where j ≤ i0
                        if j <= i0 {
                            chunk[k1 + j] -= d[0];
                        }
                        if j < i0 {
                            chunk[k1 + j + 1] -= d[1];
                        }
                        if nr == 2 {
                            if j <= i0 + 1 {
                                chunk[n + k1 + j] -= d[2];
                            }
                            if j < i0 + 1 && j + 1 < rows {
                                chunk[n + k1 + j + 1] -= d[3];
                            }
                        }
                        j += 2;
                    }
                });
            k0 = k1;
        }
        Ok(())
    }

    /// `Wᵀ` where `W = L⁻¹`, for the lower triangle `L` of `l` (row-major,
    /// n × n; the upper triangle is ignored). `Wᵀ` is upper triangular.
    fn lower_inverse_transposed(l: &[f64], n: usize) -> Vec<f64> {
        let mut wt = vec![0.0f64; n * n];
        wt.par_chunks_mut(RHS * n)
            .enumerate()
            .for_each(|(blk, out)| {
                let j0 = blk * RHS;
                let m = out.len() / n;
                // y[(i - j0) * m + c] = W[i, j0 + c]; rows above j0 are zero
                let mut y = vec![0.0f64; (n - j0) * m];
                for i in j0..n {
                    let li = &l[i * n..i * n + i + 1];
                    let (prev, cur) = y.split_at_mut((i - j0) * m);
                    let cur = &mut cur[..m];
                    if i - j0 < m {
                        cur[i - j0] = 1.0;
                    }
                    for p in j0..i {
                        let lp = li[p];
                        let yp = &prev[(p - j0) * m..(p - j0 + 1) * m];
                        for (c, &v) in cur.iter_mut().zip(yp) {
                            *c -= lp * v;
                        }
                    }
                    let d = li[i];
                    for c in cur.iter_mut() {
                        *c /= d;
                    }
                }
                for i in j0..n {
                    for c in 0..m {
                        out[c * n + i] = y[(i - j0) * m + c];
                    }
                }
            });
        wt
    }

    /// `U Uᵀ` for an upper-triangular row-major `u` (full symmetric result).
    fn upper_times_transpose(u: &[f64], n: usize) -> Vec<f64> {
        let mut p = vec![0.0f64; n * n];
        let nb = n.div_ceil(TILE);
        p.par_chunks_mut(TILE * n)
            .enumerate()
            .for_each(|(bi, prow)| {
                let i0 = bi * TILE;
                let ti = prow.len() / n;
                for bj in bi..nb {
                    let j0 = bj * TILE;
                    let tj = TILE.min(n - j0);
                    // rows of block bj are zero before column j0 (≥ i0)
                    let mut k0 = j0;
                    while k0 < n {
                        let k1 = (k0 + KC).min(n);
                        let mut r = 0;
                        while r < ti {
                            let a0 = &u[(i0 + r) * n + k0..(i0 + r) * n + k1];
                            let a1 = if r + 1 < ti {
                                &u[(i0 + r + 1) * n + k0..(i0 + r + 1) * n + k1]
                            } else {
                                a0
                            };
                            let mut c = 0;
                            while c < tj {
                                let b0 = &u[(j0 + c) * n + k0..(j0 + c) * n + k1];
                                let b1 = if c + 1 < tj {
                                    &u[(j0 + c + 1) * n + k0..(j0 + c + 1) * n + k1]
                                } else {
                                    b0
                                };
                                let d = dot2x2(a0, a1, b0, b1);
                                prow[r * n + j0 + c] += d[0];
                                if c + 1 < tj {
                                    prow[r * n + j0 + c + 1] += d[1];
                                }
                                if r + 1 < ti {
                                    prow[(r + 1) * n + j0 + c] += d[2];
                                    if c + 1 < tj {
                                        prow[(r + 1) * n + j0 + c + 1] += d[3];
                                    }
                                }
                                c += 2;
                            }
                            r += 2;
                        }
                        k0 = k1;
                    }
                }
            });
        // mirror the upper triangle (row blocks computed j ≥ block start)
        for i in 0..n {
            for j in 0..i {
                p[i * n + j] = p[j * n + i];
            }
        }
        p
    }

    /// Inverse of a symmetric positive-definite n × n matrix (row-major;
    /// only the lower triangle is read). Fails if it is not positive
    /// definite.
    pub fn spd_inverse(a: &[f64], n: usize) -> anyhow::Result<Vec<f64>> {
        anyhow::ensure!(a.len() == n * n, "matrix must be n × n");
        let mut l = a.to_vec();
        cholesky_in_place(&mut l, n)?;
        let wt = lower_inverse_transposed(&l, n);
        drop(l);
        Ok(upper_times_transpose(&wt, n))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn random_spd(n: usize, seed: u64) -> Vec<f64> {
            // A = M Mᵀ + n I with a deterministic pseudo-random M
            let mut s = seed;
            let mut next = || {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
            };
            let m: Vec<f64> = (0..n * n).map(|_| next()).collect();
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    a[i * n + j] = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum::<f64>()
                        + if i == j { n as f64 * 0.1 } else { 0.0 };
                }
            }
            a
        }

        #[test]
        fn inverse_times_matrix_is_identity() {
            for n in [1, 2, 3, 7, 33, 64, 65, 130, 200] {
                let a = random_spd(n, n as u64);
                let p = spd_inverse(&a, n).unwrap();
                for i in 0..n {
                    for j in 0..n {
                        let x: f64 = (0..n).map(|k| a[i * n + k] * p[k * n + j]).sum();
                        let e = if i == j { 1.0 } else { 0.0 };
                        assert!((x - e).abs() < 1e-8, "n={n} ({i},{j}) = {x}");
                        assert_eq!(p[i * n + j], p[j * n + i]);
                    }
                }
            }
        }

        #[test]
        fn cholesky_of_a_known_matrix() {
            // [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]]
            let mut a = vec![4.0, 2.0, 2.0, 5.0];
            cholesky_in_place(&mut a, 2).unwrap();
            assert_eq!((a[0], a[2], a[3]), (2.0, 1.0, 2.0));
            let p = spd_inverse(&[4.0, 2.0, 2.0, 5.0], 2).unwrap();
            let expected = [5.0 / 16.0, -2.0 / 16.0, -2.0 / 16.0, 4.0 / 16.0];
            for (x, e) in p.iter().zip(expected) {
                assert!((x - e).abs() < 1e-15);
            }
        }

        #[test]
        fn not_positive_definite_is_an_error() {
            let err = spd_inverse(&[1.0, 2.0, 2.0, 1.0], 2).unwrap_err();
            assert!(err.to_string().contains("positive definite"), "{err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split() -> Split {
        // 4 items, 3 users
        Split {
            item_ids: vec![1, 2, 3, 4],
            user_ids: vec![1, 2, 3],
            train: vec![vec![0, 1], vec![0, 1, 2], vec![2, 3]],
            train_times: vec![vec![0, 1], vec![0, 1, 2], vec![0, 1]],
            val: vec![None; 3],
            test: vec![None; 3],
        }
    }

    #[test]
    fn cooccurrence_and_cosine() {
        let s = split();
        let g = cooccurrence(&s);
        #[rustfmt::skip]
        assert_eq!(g, vec![
            2.0, 2.0, 1.0, 0.0,
            2.0, 2.0, 1.0, 0.0,
            1.0, 1.0, 2.0, 1.0,
            0.0, 0.0, 1.0, 1.0,
        ]);
        let sim = itemknn_matrix(&g, 4);
        assert_eq!(sim[0], 0.0);
        assert!((sim[1] - 1.0).abs() < 1e-7);
        assert!((sim[2] - 0.5).abs() < 1e-7); // 1 / sqrt(2 * 2)
        assert!((sim[2 * 4 + 3] - 1.0 / 2f32.sqrt()).abs() < 1e-7);
    }

    #[test]
    fn ease_has_zero_diagonal_and_matches_closed_form() {
        let s = split();
        let g = cooccurrence(&s);
        let lambda = 1.0;
        let b = ease_matrix(&g, 4, lambda).unwrap();
        // B_jj = 0 and B_ij = -P_ij / P_jj with P = (G + λI)⁻¹; and the EASE
        // optimality condition: (G + λI)(B - I) is diagonal (= -diag(1/P_jj)).
        let mut gl = g.clone();
        for i in 0..4 {
            gl[i * 4 + i] += lambda;
        }
        let p = linalg::spd_inverse(&gl, 4).unwrap();
        for i in 0..4 {
            assert_eq!(b[i * 4 + i], 0.0);
            for j in 0..4 {
                if i != j {
                    let e = -p[i * 4 + j] / p[j * 4 + j];
                    assert!((b[i * 4 + j] as f64 - e).abs() < 1e-6);
                }
            }
        }
        for i in 0..4 {
            for j in 0..4 {
                let x: f64 = (0..4)
                    .map(|k| {
                        let bkj = b[k * 4 + j] as f64 - if k == j { 1.0 } else { 0.0 };
                        gl[i * 4 + k] * bkj
                    })
                    .sum();
                if i == j {
                    assert!((x + 1.0 / p[j * 4 + j]).abs() < 1e-5, "{x}");
                } else {
                    assert!(x.abs() < 1e-5, "({i},{j}) = {x}");
                }
            }
        }
    }

    #[test]
    fn item_item_recency_weights() {
        let m = ItemItem::new(vec![1.0, 0.0, 0.0, 1.0], 2, 0.5);
        let mut out = vec![0.0; 2];
        m.score(0, &[0, 1], &mut out); // weights 0.5 (item 0), 1.0 (item 1)
        assert_eq!(out, vec![0.5, 1.0]);
        m.with_decay(1.0).score(0, &[0, 1], &mut out);
        assert_eq!(out, vec![1.0, 1.0]);
    }
}
