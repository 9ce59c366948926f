//! SASRec (Kang & McAuley, ICDM 2018), trained as Klenitskiy & Vasilev
//! (RecSys 2023, "Turning Dross Into Gold Loss") train it: with a **full
//! softmax cross-entropy over the catalogue** at every position of each
//! user's sequence, not with sampled negatives. On the leave-last-out,
//! full-ranking protocol it is the strongest sequential baseline of its
//! size.
//!
//! The model: item embeddings (row 0 = padding; scaled by `√d`) plus learned
//! position embeddings (counted from the right end of the window, so the
//! latest item always has the last position), dropout, `blocks` causal
//! transformer blocks (pre-norm, one attention head by default, GELU
//! feed-forward of width `d`), a final layer norm. The hidden state at
//! position `t` predicts the item at `t + 1`; logits are the dot products
//! with the (tied) item embeddings. Trained with Adam on each user's last
//! `max_len + 1` train items, validated on the val split every
//! `eval_every` epochs (HR@10 of the same protocol as every other row),
//! early stopping after `patience` evaluations without improvement; the
//! best model is kept.
//!
//! Scoring runs the model over the last `max_len` items of the history:
//! [`SasRec::scorer`] computes every query of the protocol in batches up
//! front (val: the train items; test: the train items and the val item).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{
    Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer, LayerNorm, LayerNormConfig,
};
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;

use crate::data::Split;
use crate::evaluate::{EvalSplit, Metrics, Scorer, evaluate};
use crate::sampler::Rng;

/// Hyper-parameters (defaults: the paper's MovieLens recipe).
#[derive(Clone, Debug, PartialEq)]
pub struct SasRecConfig {
    /// Items of a sequence seen at once.
    pub max_len: usize,
    pub dim: usize,
    pub blocks: usize,
    pub heads: usize,
    pub dropout: f64,
    pub lr: f64,
    /// Sequences per step.
    pub batch_size: usize,
    pub max_epochs: usize,
    /// Validate every this many epochs.
    pub eval_every: usize,
    /// Stop after this many validations without a better val HR@10.
    pub patience: usize,
    pub seed: u64,
}

impl Default for SasRecConfig {
    fn default() -> Self {
        SasRecConfig {
            max_len: 200,
            dim: 64,
            blocks: 2,
            heads: 1,
            dropout: 0.2,
            lr: 1e-3,
            batch_size: 128,
            max_epochs: 200,
            eval_every: 2,
            patience: 5,
            seed: 42,
        }
    }
}

#[derive(Module, Debug)]
pub struct SasRecModel {
    items: Embedding,
    positions: Embedding,
    dropout: Dropout,
    encoder: TransformerEncoder,
    norm: LayerNorm,
}

impl SasRecModel {
    fn new(num_items: usize, cfg: &SasRecConfig, device: &Device) -> Self {
        let normal = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        SasRecModel {
            items: EmbeddingConfig::new(num_items + 1, cfg.dim)
                .with_initializer(normal.clone())
                .init(device),
            positions: EmbeddingConfig::new(cfg.max_len, cfg.dim)
                .with_initializer(normal)
                .init(device),
            dropout: DropoutConfig::new(cfg.dropout).init(),
            encoder: TransformerEncoderConfig::new(cfg.dim, cfg.dim, cfg.heads, cfg.blocks)
                .with_dropout(cfg.dropout)
                .with_norm_first(true)
                .init(device),
            norm: LayerNormConfig::new(cfg.dim).init(device),
        }
    }

    /// Hidden states `[b, l, d]` of left-padded windows `seq` (`[b, l]`:
    /// item index + 1, 0 = padding); `max_len` fixes the positions.
    fn hidden(&self, seq: Tensor<2, Int>, max_len: usize) -> Tensor<3> {
        let [b, l] = seq.dims();
        let device = seq.device();
        let d = self.items.weight.dims()[1];
        let pad = seq.clone().equal_elem(0);
        let x = self.items.forward(seq) * (d as f64).sqrt();
        let first = (max_len - l) as i64;
        let pos = Tensor::<1, Int>::arange(first..max_len as i64, &device)
            .reshape([1, l])
            .repeat_dim(0, b);
        let x = self.dropout.forward(x + self.positions.forward(pos));
        let x = x * pad.clone().bool_not().float().reshape([b, l, 1]);
        let mask = generate_autoregressive_mask(b, l, &device);
        let h = self.encoder.forward(
            TransformerEncoderInput::new(x)
                .mask_attn(mask)
                .mask_pad(pad),
        );
        self.norm.forward(h)
    }

    /// Scores of every item (`[m, n]`) for hidden states `h` (`[m, d]`).
    fn logits(&self, h: Tensor<2>) -> Tensor<2> {
        let rows = self.items.weight.dims()[0];
        let table = self.items.weight.val().narrow(0, 1, rows - 1);
        h.matmul(table.transpose())
    }
}

/// A trained SASRec.
pub struct SasRec {
    model: SasRecModel,
    cfg: SasRecConfig,
    num_items: usize,
    /// Epochs trained, the best epoch and its val HR@10.
    pub epochs: usize,
    pub best_epoch: usize,
    pub best_val_hr10: f64,
}

/// One epoch's batches: `order` is sorted by each user's window length
/// times a random tilt (±25 %, drawn again each epoch) and cut into
/// `batch_size` ranges, returned in random order. A batch then holds windows
/// of about one length, so its padding (its width is its longest window)
/// stays small — on ml-100k half the cells of random batches — while the
/// users that share a batch still change from epoch to epoch.
fn length_batches(
    order: &mut [usize],
    lens: &[usize],
    batch_size: usize,
    rng: &mut Rng,
) -> Vec<std::ops::Range<usize>> {
    let mut keyed: Vec<(f64, usize)> = order
        .iter()
        .map(|&u| {
            let tilt = 1.0 + 0.5 * (rng.unit() - 0.5);
            (lens[u].max(1) as f64 * tilt, u)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (o, (_, u)) in order.iter_mut().zip(keyed) {
        *o = u;
    }
    let mut batches: Vec<_> = (0..order.len())
        .step_by(batch_size)
        .map(|s| s..(s + batch_size).min(order.len()))
        .collect();
    for i in (1..batches.len()).rev() {
        batches.swap(i, rng.below(i + 1));
    }
    batches
}

/// Left-padded windows of the last `len` items of each sequence
/// (item index + 1; 0 = padding), `[rows.len(), width]` row-major, width =
/// the longest window.
fn windows(rows: &[&[u32]], len: usize) -> (Vec<i64>, usize) {
    let width = rows
        .iter()
        .map(|r| r.len().min(len))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = vec![0i64; rows.len() * width];
    for (k, r) in rows.iter().enumerate() {
        let tail = &r[r.len().saturating_sub(len)..];
        let start = k * width + width - tail.len();
        for (o, &i) in out[start..start + tail.len()].iter_mut().zip(tail) {
            *o = i as i64 + 1;
        }
    }
    (out, width)
}

impl SasRec {
    /// Train on the train split, early stopping on val HR@10.
    pub fn fit(split: &Split, cfg: &SasRecConfig) -> anyhow::Result<SasRec> {
        Self::fit_with(split, cfg, &mut |_, _| {})
    }

    /// [`SasRec::fit`], calling `on_epoch(epoch, max_epochs)` after each
    /// epoch's training pass (for a progress bar).
    pub fn fit_with(
        split: &Split,
        cfg: &SasRecConfig,
        on_epoch: &mut dyn FnMut(usize, usize),
    ) -> anyhow::Result<SasRec> {
        anyhow::ensure!(cfg.max_len >= 2, "SASRec: max_len must be at least 2");
        anyhow::ensure!(
            cfg.dim.is_multiple_of(cfg.heads.max(1)),
            "SASRec: dim must be a multiple of heads"
        );
        let started = Instant::now();
        let n = split.num_items();
        let device = Device::flex();
        let ad = device.clone().autodiff();
        let mut model = {
            // burn draws initial parameters from the device's generator:
            // seeded under the same lock as the PinSAGE training.
            let _guard = crate::train::INIT_LOCK
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            device.seed(cfg.seed);
            SasRecModel::new(n, cfg, &ad)
        };
        let mut optim = AdamConfig::new().init();
        // Training sequences: users with at least two train items.
        let users: Vec<usize> = (0..split.num_users())
            .filter(|&u| split.train[u].len() >= 2)
            .collect();
        anyhow::ensure!(!users.is_empty(), "SASRec: no user has two train items");
        // the batches' makeup and order
        let mut rng = Rng::from_state(cfg.seed ^ 0x5A5_12EC);
        let mut order = users.clone();
        // each user's window length (the inputs: train items but the last)
        let lens: Vec<usize> = (0..split.num_users())
            .map(|u| split.train[u].len().saturating_sub(1).min(cfg.max_len))
            .collect();
        // mean predicted positions per batch
        let per_batch = users.iter().map(|&u| lens[u]).sum::<usize>() as f64
            / users.len().div_ceil(cfg.batch_size.max(1)) as f64;
        let mut best: Option<(f64, usize, SasRecModel)> = None;
        let mut bad = 0;
        let mut epochs = 0;
        for epoch in 1..=cfg.max_epochs {
            let batches = length_batches(&mut order, &lens, cfg.batch_size.max(1), &mut rng);
            let mut loss_sum = 0.0f64;
            let mut steps = 0usize;
            for chunk in batches.iter().map(|r| &order[r.clone()]) {
                let seqs: Vec<&[u32]> = chunk.iter().map(|&u| &split.train[u][..]).collect();
                // inputs: the window without its last item; targets: shifted by one
                let inputs: Vec<&[u32]> = seqs.iter().map(|s| &s[..s.len() - 1]).collect();
                let targets: Vec<&[u32]> = seqs.iter().map(|s| &s[1..]).collect();
                let (inp, width) = windows(&inputs, cfg.max_len);
                let (tgt, _) = windows(&targets, cfg.max_len);
                let b = chunk.len();
                let mut at = Vec::new();
                let mut want = Vec::new();
                for (k, &t) in tgt.iter().enumerate() {
                    if t > 0 {
                        at.push(k as i64);
                        want.push(t - 1);
                    }
                }
                let m = at.len();
                let seq = Tensor::<2, Int>::from_data(TensorData::new(inp, [b, width]), &ad);
                let h = model
                    .hidden(seq, cfg.max_len)
                    .reshape([b * width, cfg.dim])
                    .select(
                        0,
                        Tensor::<1, Int>::from_data(TensorData::new(at, [m]), &ad),
                    );
                let log_p = burn::tensor::activation::log_softmax(model.logits(h), 1);
                let want = Tensor::<2, Int>::from_data(TensorData::new(want, [m, 1]), &ad);
                // Each position weighs the same whatever its batch: batches
                // of short windows hold fewer positions, so the sum is divided
                // by an epoch's mean positions per batch, not by this batch's.
                let loss = log_p.gather(1, want).sum().neg() / per_batch;
                let loss_mean = loss.clone().into_scalar::<f32>() as f64 * per_batch / m as f64;
                loss_sum += loss_mean;
                steps += 1;
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                model = optim.step(cfg.lr, model, grads);
            }
            epochs = epoch;
            on_epoch(epoch, cfg.max_epochs);
            if epoch % cfg.eval_every.max(1) != 0 && epoch != cfg.max_epochs {
                continue;
            }
            let plain = model.valid();
            let val = SasRec::evaluate_model(&plain, cfg, n, split, EvalSplit::Val);
            tracing::info!(
                "SASRec epoch {epoch}: loss {:.4}, val HR@10 {:.4} ({:.0} s)",
                loss_sum / steps.max(1) as f64,
                val.hr10,
                started.elapsed().as_secs_f64()
            );
            if best.as_ref().is_none_or(|(b, _, _)| val.hr10 > *b) {
                best = Some((val.hr10, epoch, plain));
                bad = 0;
            } else {
                bad += 1;
                if bad >= cfg.patience {
                    break;
                }
            }
        }
        let (best_val_hr10, best_epoch, model) = best.expect("at least one validation");
        Ok(SasRec {
            model,
            cfg: cfg.clone(),
            num_items: n,
            epochs,
            best_epoch,
            best_val_hr10,
        })
    }

    fn evaluate_model(
        model: &SasRecModel,
        cfg: &SasRecConfig,
        n: usize,
        split: &Split,
        which: EvalSplit,
    ) -> Metrics {
        let scorer = Queries::compute(model, cfg, n, split, &[which]);
        evaluate(split, &scorer, which)
    }

    /// A scorer of the protocol's val and test queries (computed here, in batches).
    pub fn scorer(&self, split: &Split) -> impl Scorer + '_ {
        let mut q = Queries::compute(
            &self.model,
            &self.cfg,
            self.num_items,
            split,
            &[EvalSplit::Val, EvalSplit::Test],
        );
        q.model = Some((Mutex::new(self.model.clone()), self.cfg.clone()));
        q
    }
}

/// Hidden states of the protocol's queries, keyed by (user, history
/// length), and the item table; other histories are run on demand.
struct Queries {
    rows: HashMap<(u32, usize), usize>,
    states: Vec<f32>,
    table: Vec<f32>,
    dim: usize,
    model: Option<(Mutex<SasRecModel>, SasRecConfig)>,
}

/// The last hidden state of each history (`[histories.len() × d]`).
fn last_states(model: &SasRecModel, cfg: &SasRecConfig, histories: &[&[u32]]) -> Vec<f32> {
    let device = model.items.weight.device();
    let d = cfg.dim;
    // in order of length, so that each chunk's padding stays small
    let mut by_len: Vec<usize> = (0..histories.len()).collect();
    by_len.sort_by_key(|&k| histories[k].len().min(cfg.max_len));
    let mut out = vec![0.0f32; histories.len() * d];
    for ks in by_len.chunks(256) {
        let chunk: Vec<&[u32]> = ks.iter().map(|&k| histories[k]).collect();
        let (inp, width) = windows(&chunk, cfg.max_len);
        let b = chunk.len();
        let seq = Tensor::<2, Int>::from_data(TensorData::new(inp, [b, width]), &device);
        let h = model
            .hidden(seq, cfg.max_len)
            .narrow(1, width - 1, 1)
            .reshape([b, d]);
        let h = h.into_data().try_into_vec::<f32>().expect("f32 states");
        for (&k, row) in ks.iter().zip(h.chunks_exact(d)) {
            out[k * d..(k + 1) * d].copy_from_slice(row);
        }
    }
    out
}

impl Queries {
    fn compute(
        model: &SasRecModel,
        cfg: &SasRecConfig,
        n: usize,
        split: &Split,
        which: &[EvalSplit],
    ) -> Queries {
        let mut keys = Vec::new();
        let mut histories: Vec<Vec<u32>> = Vec::new();
        for u in 0..split.num_users() {
            for w in which {
                let history: Vec<u32> = match w {
                    EvalSplit::Val if split.val[u].is_some() => split.train[u].clone(),
                    EvalSplit::Test if split.test[u].is_some() => {
                        split.train[u].iter().copied().chain(split.val[u]).collect()
                    }
                    _ => continue,
                };
                if history.is_empty() {
                    continue;
                }
                keys.push((u as u32, history.len()));
                histories.push(history);
            }
        }
        let refs: Vec<&[u32]> = histories.iter().map(Vec::as_slice).collect();
        let states = last_states(model, cfg, &refs);
        let rows = keys.into_iter().enumerate().map(|(r, k)| (k, r)).collect();
        let table = model
            .items
            .weight
            .val()
            .narrow(0, 1, n)
            .into_data()
            .try_into_vec::<f32>()
            .expect("f32 item table");
        Queries {
            rows,
            states,
            table,
            dim: cfg.dim,
            model: None,
        }
    }
}

impl Scorer for Queries {
    fn score(&self, user: u32, history: &[u32], out: &mut [f32]) {
        if history.is_empty() {
            out.fill(0.0);
            return;
        }
        let d = self.dim;
        let own;
        let state: &[f32] = match self.rows.get(&(user, history.len())) {
            Some(&r) => &self.states[r * d..(r + 1) * d],
            None => {
                let (model, cfg) = self.model.as_ref().expect("a query of the protocol");
                let model = model.lock().unwrap_or_else(|e| e.into_inner());
                own = last_states(&model, cfg, &[history]);
                &own
            }
        };
        for (o, row) in out.iter_mut().zip(self.table.chunks_exact(d)) {
            *o = reelgraph_core::vector::dot(state, row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baselines::{ItemItem, cooccurrence, itemknn_matrix};

    /// 40 items in a ring; each user walks 15 steps from their own start,
    /// half of them upwards (i, i+1, …), half downwards (i, i−1, …): the
    /// next item is known only from the order of the history.
    fn ring() -> Split {
        let (n, users, steps) = (40u32, 240usize, 15u32);
        let mut s = Split {
            item_ids: (1..=n).collect(),
            ..Split::default()
        };
        for u in 0..users {
            let start = (u as u32 * 7) % n;
            let up = u % 2 == 0;
            let seq: Vec<u32> = (0..steps)
                .map(|k| {
                    if up {
                        (start + k) % n
                    } else {
                        (start + n * steps - k) % n
                    }
                })
                .collect();
            s.user_ids.push(u as u32 + 1);
            s.train.push(seq[..13].to_vec());
            s.train_times.push((0..13).collect());
            s.val.push(Some(seq[13]));
            s.test.push(Some(seq[14]));
        }
        s
    }

    #[test]
    fn learns_the_order_of_sequences_that_cooccurrence_cannot_see() {
        let split = ring();
        let cfg = SasRecConfig {
            max_len: 20,
            dim: 32,
            blocks: 2,
            heads: 2,
            dropout: 0.1,
            lr: 3e-3,
            batch_size: 64,
            max_epochs: 60,
            eval_every: 5,
            patience: 3,
            seed: 1,
        };
        let model = SasRec::fit(&split, &cfg).unwrap();
        let scorer = model.scorer(&split);
        let sas = evaluate(&split, &scorer, EvalSplit::Test);
        // The next item is the one after the last, in the walk's direction:
        // rank 1 for (nearly) every user.
        assert!(sas.mrr > 0.9, "SASRec {sas:?}");
        assert!(sas.hr10 > 0.99, "SASRec {sas:?}");
        // Co-occurrence is symmetric: it cannot tell the walk's direction,
        // so the neighbour on the far side of the history ties with the target.
        let knn = ItemItem::new(itemknn_matrix(&cooccurrence(&split), 40), 40, 1.0);
        let knn = evaluate(&split, &knn, EvalSplit::Test);
        assert!(
            knn.mrr < sas.mrr - 0.1,
            "ItemKNN {knn:?} against SASRec {sas:?}"
        );
        assert!(model.best_val_hr10 > 0.99 && model.best_epoch <= model.epochs);
        // A history the protocol does not ask for is run on demand, the same way.
        let mut a = vec![0.0; 40];
        let mut b = vec![0.0; 40];
        scorer.score(0, &split.train[0], &mut a);
        scorer.score(0, &split.train[0][..12], &mut b);
        // (the best item outside the history, as the protocol ranks them)
        let top = |v: &[f32], history: &[u32]| {
            (0..40u32)
                .filter(|i| !history.contains(i))
                .max_by(|&i, &j| v[i as usize].total_cmp(&v[j as usize]))
                .unwrap()
        };
        assert_eq!(top(&a, &split.train[0]), split.val[0].unwrap());
        assert_eq!(top(&b, &split.train[0][..12]), split.train[0][12]);
    }

    #[test]
    fn batches_hold_windows_of_about_one_length_and_change_each_epoch() {
        // 600 users of lengths 1..=200 in a scrambled order
        let lens: Vec<usize> = (0..600).map(|u| 1 + (u * 37) % 200).collect();
        let mut rng = Rng::from_state(7);
        let mut order: Vec<usize> = (0..600).collect();
        let first = length_batches(&mut order, &lens, 64, &mut rng);
        let first_order = order.clone();
        // every user once, in ranges of 64 (the last one shorter)
        let mut seen = order.clone();
        seen.sort_unstable();
        assert_eq!(seen, (0..600).collect::<Vec<_>>());
        let mut sizes: Vec<usize> = first.iter().map(|r| r.len()).collect();
        sizes.sort_unstable();
        assert_eq!(sizes[0], 600 % 64);
        assert!(sizes[1..].iter().all(|&s| s == 64));
        // padded area: the width of a batch is its longest window
        let area = |order: &[usize], batches: &[std::ops::Range<usize>]| -> usize {
            batches
                .iter()
                .map(|r| r.len() * order[r.clone()].iter().map(|&u| lens[u]).max().unwrap())
                .sum()
        };
        let cells: usize = lens.iter().sum();
        let unsorted: Vec<std::ops::Range<usize>> =
            (0..600).step_by(64).map(|s| s..(s + 64).min(600)).collect();
        let scrambled: Vec<usize> = (0..600).collect();
        assert!(
            area(&order, &first) < cells * 13 / 10,
            "{}",
            area(&order, &first)
        );
        assert!(area(&scrambled, &unsorted) > cells * 17 / 10);
        // the next epoch groups users differently, and batches come in another order
        let second = length_batches(&mut order, &lens, 64, &mut rng);
        assert_ne!(order, first_order);
        assert_ne!(second, first);
        // and the same seed gives the same epochs
        let mut again: Vec<usize> = (0..600).collect();
        let mut rng = Rng::from_state(7);
        assert_eq!(length_batches(&mut again, &lens, 64, &mut rng), first);
        assert_eq!(again, first_order);
    }

    #[test]
    fn states_of_histories_of_many_lengths_come_back_in_their_order() {
        let cfg = SasRecConfig {
            max_len: 6,
            dim: 8,
            heads: 2,
            ..SasRecConfig::default()
        };
        let device = Device::flex();
        let model = SasRecModel::new(30, &cfg, &device);
        let histories: Vec<Vec<u32>> = (0..40u32)
            .map(|k| (0..1 + (k * 7) % 11).map(|i| (k + i * 3) % 30).collect())
            .collect();
        let refs: Vec<&[u32]> = histories.iter().map(Vec::as_slice).collect();
        let all = last_states(&model, &cfg, &refs);
        for (k, h) in refs.iter().enumerate() {
            let one = last_states(&model, &cfg, &[h]);
            for (a, b) in all[k * 8..(k + 1) * 8].iter().zip(&one) {
                assert!((a - b).abs() < 1e-5, "history {k}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn windows_are_left_padded_and_keep_the_latest_items() {
        let a: &[u32] = &[4, 5, 6, 7];
        let b: &[u32] = &[9];
        let (w, width) = windows(&[a, b], 3);
        assert_eq!(width, 3);
        assert_eq!(w, vec![6, 7, 8, 0, 0, 10]);
    }
}
