//! **Transitions**: what the order of each user's train items says about
//! the next one, as a baseline (the `transitions / recency` row).
//!
//! For every pair of a user's train items `a` then `b`, at most `window`
//! steps apart (`b` later), the directed edge `a → b` gains weight
//! `GAP_DECAY^(gap − 1)`; each item's out-edges are then normalised to sum
//! to 1 (a first-order Markov chain over a widened step, the "skip"
//! transitions of sequential recommenders). Score of item `j` for a history
//! = `Σ_k decay^k T[h_k, j]`, `h_0` the latest item. Kept in CSR form:
//! memory grows with interactions × window, never items².
//!
//! The window and the decay are chosen on validation HR@10
//! ([`choose_transitions`]), like every other row's settings.

use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics, Scorer, evaluate};

/// Weight of a transition `gap` steps ahead: `GAP_DECAY^(gap − 1)`.
pub const GAP_DECAY: f32 = 0.8;
/// Window candidates (steps ahead), chosen on validation.
pub const WINDOW_GRID: [usize; 5] = [1, 3, 5, 8, 12];
/// History decay candidates of the transitions, chosen on validation.
pub const DECAY_GRID: [f32; 4] = [0.9, 0.8, 0.7, 0.6];

/// Row-normalised skip transitions between items, CSR.
#[derive(Clone, Debug)]
pub struct Transitions {
    window: usize,
    /// `offsets[a]..offsets[a + 1]` indexes `targets` and `weights`.
    offsets: Vec<usize>,
    /// Targets of each item's out-edges, ascending.
    targets: Vec<u32>,
    weights: Vec<f32>,
}

impl Transitions {
    /// Count the transitions of every train sequence of `split`.
    pub fn from_split(split: &Split, window: usize, gap_decay: f32) -> Transitions {
        let n = split.num_items();
        let window = window.max(1);
        // Counting sort by source: edges per source first, then fill.
        let mut count = vec![0usize; n + 1];
        for s in &split.train {
            for (i, &a) in s.iter().enumerate() {
                count[a as usize] += window.min(s.len() - 1 - i);
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for c in &count[..n] {
            offsets.push(offsets.last().unwrap() + c);
        }
        let total = offsets[n];
        let mut raw: Vec<(u32, f32)> = vec![(0, 0.0); total];
        let mut fill = offsets[..n].to_vec();
        let gap_weights: Vec<f32> = (0..window).map(|g| gap_decay.powi(g as i32)).collect();
        for s in &split.train {
            for (i, &a) in s.iter().enumerate() {
                for (g, &b) in s[i + 1..].iter().take(window).enumerate() {
                    raw[fill[a as usize]] = (b, gap_weights[g]);
                    fill[a as usize] += 1;
                }
            }
        }
        // Per source: merge repeated targets, normalise to sum 1.
        let mut out_offsets = Vec::with_capacity(n + 1);
        out_offsets.push(0);
        let mut targets = Vec::new();
        let mut weights = Vec::new();
        for a in 0..n {
            let row = &mut raw[offsets[a]..offsets[a + 1]];
            row.sort_unstable_by_key(|&(b, _)| b);
            let start = targets.len();
            for &(b, w) in row.iter() {
                if targets.len() > start && *targets.last().unwrap() == b {
                    *weights.last_mut().unwrap() += w;
                } else {
                    targets.push(b);
                    weights.push(w);
                }
            }
            let sum: f32 = weights[start..].iter().sum();
            if sum > 0.0 {
                for w in &mut weights[start..] {
                    *w /= sum;
                }
            }
            out_offsets.push(targets.len());
        }
        Transitions {
            window,
            offsets: out_offsets,
            targets,
            weights,
        }
    }

    pub fn window(&self) -> usize {
        self.window
    }

    pub fn num_items(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Stored edges (distinct item pairs).
    pub fn num_edges(&self) -> usize {
        self.targets.len()
    }

    /// The out-edges of `item`: (target, normalised weight), targets ascending.
    pub fn row(&self, item: u32) -> impl Iterator<Item = (u32, f32)> + '_ {
        let r = self.offsets[item as usize]..self.offsets[item as usize + 1];
        self.targets[r.clone()]
            .iter()
            .copied()
            .zip(self.weights[r].iter().copied())
    }

    /// `out = Σ_k decay^k T[h_k, ·]` (`h_0` the latest item of `history`).
    pub fn scores(&self, history: &[u32], decay: f32, out: &mut [f32]) {
        out.fill(0.0);
        let mut w = 1.0f32;
        for &h in history.iter().rev() {
            if w < 1e-4 {
                break; // further terms cannot change the ranking measurably
            }
            for (b, t) in self.row(h) {
                out[b as usize] += w * t;
            }
            w *= decay;
        }
    }
}

/// The transitions as a recommender.
#[derive(Clone, Copy, Debug)]
pub struct TransitionScorer<'a> {
    pub transitions: &'a Transitions,
    pub decay: f32,
}

impl Scorer for TransitionScorer<'_> {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        self.transitions.scores(history, self.decay, out);
    }
}

/// The window and decay of the transitions with the best validation HR@10
/// (earlier grid entries keep a tie): the transitions, their decay, and
/// their val metrics.
pub fn choose_transitions(split: &Split) -> (Transitions, f32, Metrics) {
    // One window's transitions at a time (the evaluations are parallel):
    // only the best so far is kept, so memory stays one window's. The first
    // strict maximum of each window's decays, then the first strict maximum
    // over the windows, is the first strict maximum of the whole grid.
    let mut best: Option<(Transitions, f32, Metrics)> = None;
    for &window in &WINDOW_GRID {
        let t = Transitions::from_split(split, window, GAP_DECAY);
        let mut here: Option<(f32, Metrics)> = None;
        for &decay in &DECAY_GRID {
            let scorer = TransitionScorer {
                transitions: &t,
                decay,
            };
            let m = evaluate(split, &scorer, EvalSplit::Val);
            if here.as_ref().is_none_or(|(_, b)| m.hr10 > b.hr10) {
                here = Some((decay, m));
            }
        }
        let (decay, m) = here.expect("non-empty decay grid");
        if best.as_ref().is_none_or(|(_, _, b)| m.hr10 > b.hr10) {
            best = Some((t, decay, m));
        }
    }
    best.expect("non-empty grids")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(train: Vec<Vec<u32>>, n: u32) -> Split {
        let users = train.len();
        Split {
            item_ids: (1..=n).collect(),
            user_ids: (1..=users as u32).collect(),
            train_times: train
                .iter()
                .map(|s| (0..s.len() as i64).collect())
                .collect(),
            train,
            val: vec![None; users],
            test: vec![None; users],
            disliked: vec![],
        }
    }

    #[test]
    fn transitions_by_hand() {
        // 0 → 1 → 2 and 0 → 2; window 2, gap decay 0.5:
        // user 1: 0→1 (1), 0→2 (0.5), 1→2 (1); user 2: 0→2 (1).
        // Row 0: 1 → 1, 2 → 1.5, normalised 0.4 / 0.6; row 1: 2 → 1.
        let s = split(vec![vec![0, 1, 2], vec![0, 2]], 4);
        let t = Transitions::from_split(&s, 2, 0.5);
        assert_eq!(t.num_items(), 4);
        assert_eq!(t.num_edges(), 3);
        let row0: Vec<(u32, f32)> = t.row(0).collect();
        assert_eq!(row0.len(), 2);
        assert_eq!(row0[0].0, 1);
        assert!((row0[0].1 - 0.4).abs() < 1e-6);
        assert_eq!(row0[1].0, 2);
        assert!((row0[1].1 - 0.6).abs() < 1e-6);
        assert_eq!(t.row(1).collect::<Vec<_>>(), vec![(2, 1.0)]);
        assert_eq!(t.row(2).count(), 0);
        assert_eq!(t.row(3).count(), 0);
        // History [0, 1] (1 latest), decay 0.5: 1·T[1] + 0.5·T[0].
        let mut out = vec![0.0; 4];
        t.scores(&[0, 1], 0.5, &mut out);
        let want = [0.0, 0.2, 1.0 + 0.3, 0.0];
        for (o, w) in out.iter().zip(want) {
            assert!((o - w).abs() < 1e-6, "{out:?}");
        }
        // Window 1 keeps only the next step.
        let t1 = Transitions::from_split(&s, 1, 0.5);
        assert_eq!(t1.row(0).collect::<Vec<_>>(), vec![(1, 0.5), (2, 0.5)]);
    }

    #[test]
    fn the_next_step_of_a_walk_ranks_first() {
        // 240 users walk upwards around a ring of 40 items from their own
        // start, 15 steps: 13 train, then val, then test. The last item's
        // successor is the target of every query.
        let (n, steps) = (40u32, 15u32);
        let walks: Vec<Vec<u32>> = (0..240u32)
            .map(|u| (0..steps).map(|k| (u * 7 + k) % n).collect())
            .collect();
        let mut s = split(walks.iter().map(|w| w[..13].to_vec()).collect(), n);
        s.val = walks.iter().map(|w| Some(w[13])).collect();
        s.test = walks.iter().map(|w| Some(w[14])).collect();
        let (t, decay, val) = choose_transitions(&s);
        // Every candidate ranks the target first on val; the first window
        // and decay of the grids keep the tie.
        assert_eq!(val.hr10, 1.0);
        assert_eq!(val.mrr, 1.0);
        assert_eq!((t.window(), decay), (WINDOW_GRID[0], DECAY_GRID[0]));
        let test = evaluate(
            &s,
            &TransitionScorer {
                transitions: &t,
                decay,
            },
            EvalSplit::Test,
        );
        assert_eq!(test.mrr, 1.0);
    }
}
