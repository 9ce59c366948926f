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
//!   λ is chosen on validation from [`BaselineConfig::ease_lambdas`]; the
//!   weights of every λ come from one eigendecomposition of the users' `XXᵀ`
//!   when there are fewer users than items, else from one Cholesky
//!   factorisation per λ ([`EaseSolver`]).
//! - **transitions** ([`transitions`]): skip transitions between the items
//!   of each train sequence (window and decay chosen on validation), a
//!   first-order sequential baseline.
//! - **SASRec** (opt-in, [`BaselineConfig::sasrec`]; [`sasrec`]): a causal
//!   transformer over each user's sequence trained with full softmax
//!   cross-entropy, the strongest sequential baseline of its size.
//! - **recency** variants: history weights `decay^k` for the k-th most
//!   recent item, decay chosen on validation from
//!   [`BaselineConfig::decays`]; plain ("history") variants use weight 1.
//!
//! Selection on validation maximises HR@10; on a tie the candidate earlier in
//! the grid wins (grids are listed from the weakest recency weighting,
//! decay 1.0, downwards; λ ascending), as an `argmax` over the grid would.

use std::time::Instant;

use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics, evaluate};

mod ease;
mod models;
pub mod sasrec;
pub mod transitions;

pub use ease::{EaseSolver, ease_matrix, regularised_inverse};
pub use models::{
    ItemItem, ItemItemRef, Popularity, cooccurrence, cooccurrence_of, itemknn_matrix, train_sets,
};
pub use sasrec::{SasRec, SasRecConfig};
pub use transitions::{TransitionScorer, Transitions, choose_transitions};

/// Grids searched on validation.
#[derive(Clone, Debug)]
pub struct BaselineConfig {
    /// EASE L2 regularisation candidates.
    pub ease_lambdas: Vec<f64>,
    /// Recency decay candidates (1.0 = no recency weighting).
    pub decays: Vec<f32>,
    /// Train SASRec too (`None`: not).
    pub sasrec: Option<SasRecConfig>,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            ease_lambdas: vec![10.0, 30.0, 100.0, 200.0, 500.0, 1000.0, 3000.0],
            decays: vec![1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],
            sasrec: None,
        }
    }
}

/// One fitted, selected baseline with its val and test metrics.
#[derive(Clone, Debug)]
pub struct BaselineRun {
    /// `"popularity"`, `"itemknn"`, `"ease"`, `"transitions"` or `"sasrec"`.
    pub model: &'static str,
    /// `"-"` (popularity), `"history"` (plain), `"recency"` or `"sequence"` (SASRec).
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

/// For a fitted matrix: the best decay among `decays` on validation, and the
/// val metrics of decay 1.0 (the plain history) when 1.0 is in the grid.
fn best_decay(split: &Split, model: &ItemItem, decays: &[f32]) -> (f32, Metrics, Option<Metrics>) {
    let mut best: Option<(f32, Metrics)> = None;
    let mut plain = None;
    // Every decay in one pass: each matrix row is read once per user.
    let all = model.evaluate_decays(split, EvalSplit::Val, decays);
    for (&d, m) in decays.iter().zip(all) {
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
/// popularity, itemknn/history, itemknn/recency, ease/history, ease/recency,
/// transitions/recency (then sasrec). `progress`: draw a progress bar on stderr.
pub fn run_baselines(
    split: &Split,
    config: &BaselineConfig,
    progress: bool,
) -> anyhow::Result<Vec<BaselineRun>> {
    anyhow::ensure!(!config.decays.is_empty(), "decay grid is empty");
    anyhow::ensure!(!config.ease_lambdas.is_empty(), "EASE λ grid is empty");
    let n = split.num_items();
    let mut runs = Vec::new();
    // One step per model fitted: popularity, ItemKNN, each EASE λ,
    // transitions, SASRec; the message names the step (and SASRec's epoch).
    let steps = 3 + config.ease_lambdas.len() + usize::from(config.sasrec.is_some());
    let bar = crate::train::progress_bar(progress, steps, "baselines");

    bar.set_message("popularity");
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

    bar.inc(1);
    bar.set_message("itemknn");
    let t = Instant::now();
    let sets = train_sets(split);
    let gram = cooccurrence_of(&sets, n);
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
    bar.inc(1);

    // EASE: the weights of every λ (from one decomposition on the user
    // side), every decay evaluated on each.
    let t = Instant::now();
    bar.set_message("ease: decomposing");
    let solver = EaseSolver::new(&gram, n, &sets)?;
    drop(sets);
    tracing::debug!(
        route = solver.route(),
        seconds = t.elapsed().as_secs_f64(),
        "EASE solver"
    );
    let mut best_plain: Option<(f64, Metrics, ItemItem)> = None;
    let mut best_recency: Option<(f64, f32, Metrics, ItemItem)> = None;
    for &lambda in &config.ease_lambdas {
        bar.set_message(format!("ease λ={lambda}"));
        let tl = Instant::now();
        let model = ItemItem::new(solver.weights(lambda)?, n, 1.0);
        let weights_seconds = tl.elapsed().as_secs_f64();
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
            weights_seconds,
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
        bar.inc(1);
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

    bar.set_message("transitions");
    let t = Instant::now();
    let (trans, decay, val) = choose_transitions(split);
    let test = evaluate(
        split,
        &TransitionScorer {
            transitions: &trans,
            decay,
        },
        EvalSplit::Test,
    );
    runs.push(BaselineRun {
        model: "transitions",
        recommender: "recency",
        params: format!("window={}, {}", trans.window(), fmt_decay(decay)),
        val,
        test,
        seconds: t.elapsed().as_secs_f64(),
    });
    drop(trans);
    bar.inc(1);

    if let Some(cfg) = &config.sasrec {
        let t = Instant::now();
        bar.set_message("sasrec");
        let model = SasRec::fit_with(split, cfg, &mut |epoch, max| {
            bar.set_message(format!("sasrec epoch {epoch}/{max}"));
        })?;
        bar.inc(1);
        let scorer = model.scorer(split);
        let (val, test) = crate::evaluate::evaluate_both(split, &scorer);
        runs.push(BaselineRun {
            model: "sasrec",
            recommender: "sequence",
            params: format!(
                "d={}, blocks={}, len={}, dropout={}, best epoch {} of {}",
                cfg.dim, cfg.blocks, cfg.max_len, cfg.dropout, model.best_epoch, model.epochs
            ),
            val,
            test,
            seconds: t.elapsed().as_secs_f64(),
        });
    }
    bar.finish_and_clear();
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Scorer;

    fn split() -> Split {
        // 4 items, 3 users
        Split {
            item_ids: vec![1, 2, 3, 4],
            user_ids: vec![1, 2, 3],
            train: vec![vec![0, 1], vec![0, 1, 2], vec![2, 3]],
            train_times: vec![vec![0, 1], vec![0, 1, 2], vec![0, 1]],
            val: vec![None; 3],
            test: vec![None; 3],
            disliked: vec![],
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
        let p = regularised_inverse(&g, 4, lambda).unwrap();
        let p: Vec<f64> = (0..16).map(|k| p[(k / 4, k % 4)]).collect();
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

    #[test]
    fn every_decay_in_one_pass_matches_one_decay_at_a_time() {
        // 40 users over 15 items: seeded sequences with repeats, a val and a
        // test item each.
        let mut x = 11u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (users, n) = (40u32, 15u64);
        let train: Vec<Vec<u32>> = (0..users)
            .map(|_| (0..3 + next() % 9).map(|_| (next() % n) as u32).collect())
            .collect();
        let split = Split {
            item_ids: (1..=n as u32).collect(),
            user_ids: (1..=users).collect(),
            train_times: train
                .iter()
                .map(|t| (0..t.len() as i64).collect())
                .collect(),
            train,
            val: (0..users).map(|_| Some((next() % n) as u32)).collect(),
            test: (0..users).map(|_| Some((next() % n) as u32)).collect(),
            disliked: vec![],
        };
        let n = n as usize;
        let knn = ItemItem::new(itemknn_matrix(&cooccurrence(&split), n), n, 1.0);
        let decays = [1.0, 0.8, 0.5, 0.1];
        for which in [EvalSplit::Val, EvalSplit::Test] {
            let all = knn.evaluate_decays(&split, which, &decays);
            assert_eq!(all.len(), decays.len());
            for (&d, m) in decays.iter().zip(&all) {
                let one = evaluate(&split, &knn.with_decay(d), which);
                assert_eq!(m.users, one.users);
                assert_eq!(m.coverage10, one.coverage10);
                for (a, b) in [
                    (m.hr10, one.hr10),
                    (m.ndcg10, one.ndcg10),
                    (m.mrr, one.mrr),
                    (m.recall20, one.recall20),
                ] {
                    assert!((a - b).abs() < 1e-12, "decay {d}: {m:?} vs {one:?}");
                }
            }
            // The decays do change the ranking here, so the test compares
            // different figures, not one figure four times.
            assert!(all.iter().any(|m| m.mrr != all[0].mrr), "{all:?}");
        }
    }
}
