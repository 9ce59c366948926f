//! Inference: embed every item (layer by layer over the whole catalogue, in
//! chunks of destination rows), and the inductive path for an item the model
//! never saw (features and, when known, neighbours; no retraining). Such an
//! item has no id embedding of its own: with neighbours among the trained
//! items it takes the importance-weighted mean of theirs, scaled to their
//! mean length; without, its input is its features alone (the
//! feature-only vector). Measured by `trainer/benches/inductive.rs`.

use burn::prelude::*;
use reelgraph_core::types::Movie;

use crate::model::{FeatureTensors, ItemFeatures, ModelConfig, PinSage};
use crate::sampler::Neighbourhoods;

/// Destination rows per inference chunk.
pub const CHUNK: usize = 4096;

/// Vectors of every item of `feats` (row-major `count × dim`). `nbrs` must
/// cover the same items. The model should be a plain (non-autodiff) one,
/// e.g. `model.valid()`.
pub fn embed_all(model: &PinSage, feats: &FeatureTensors, nbrs: &Neighbourhoods) -> Vec<f32> {
    assert_eq!(
        nbrs.num_items(),
        feats.count,
        "neighbourhoods and features cover different item counts"
    );
    let n = feats.count;
    let device = model.id.weight.device();
    let nodes: Vec<u32> = (0..n as u32).collect();
    let mut x = model.project(feats, &nodes, None);
    // An item the model never saw has no id embedding of its own; when it
    // has neighbours among the trained items, it takes the importance-weighted
    // mean of theirs (what the graph says about it), so its input vector is
    // on the same footing as a trained item's.
    if n > feats.known {
        let new = n - feats.known;
        let fanout = nbrs.top_t().max(1);
        let mut idx = Vec::with_capacity(new * fanout);
        let mut w = Vec::with_capacity(new * fanout);
        let mut any = false;
        for i in feats.known..n {
            let (items, weights) = nbrs.of(i as u32);
            let known: Vec<(u32, f32)> = items
                .iter()
                .zip(weights)
                .filter(|(j, _)| (**j as usize) < feats.known)
                .map(|(j, w)| (*j, *w))
                .take(fanout)
                .collect();
            let total: f32 = known.iter().map(|(_, w)| w).sum();
            for k in 0..fanout {
                match known.get(k) {
                    Some(&(j, wj)) if total > 0.0 => {
                        idx.push(j as i64);
                        w.push(wj / total);
                        any = true;
                    }
                    _ => {
                        idx.push(0);
                        w.push(0.0);
                    }
                }
            }
        }
        if any {
            let d = model.dim();
            let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [new * fanout]), &device);
            let w = Tensor::<2>::from_data(TensorData::new(w, [new, fanout]), &device);
            let ids = model
                .id
                .weight
                .val()
                .select(0, idx)
                .reshape([new, fanout, d]);
            let w3 = w.reshape([new, fanout, 1]);
            // The mean's length shrinks as the neighbours disagree; it is
            // scaled back to their mean length, as long as a trained id.
            let lengths = (ids.clone().powi_scalar(2).sum_dim(2).sqrt() * w3.clone())
                .sum_dim(1)
                .reshape([new, 1]);
            let mixed = (ids * w3).sum_dim(1).reshape([new, d]);
            let norm = mixed
                .clone()
                .powi_scalar(2)
                .sum_dim(1)
                .sqrt()
                .clamp_min(1e-6);
            let mixed = mixed * lengths / norm;
            let head = x.clone().narrow(0, 0, feats.known);
            let tail = x.narrow(0, feats.known, new) + mixed;
            x = Tensor::cat(vec![head, tail], 0);
        }
    }
    let fanout = nbrs.top_t().max(1);
    let mut h = x.clone();
    for conv in &model.convs {
        let msgs = conv.messages(h.clone());
        let mut parts = Vec::with_capacity(n.div_ceil(CHUNK));
        for start in (0..n).step_by(CHUNK) {
            let len = CHUNK.min(n - start);
            let mut idx = Vec::with_capacity(len * fanout);
            let mut w = Vec::with_capacity(len * fanout);
            for i in start..start + len {
                let (items, weights) = nbrs.of(i as u32);
                for k in 0..fanout {
                    idx.push(items.get(k).map_or(0, |&j| j as i64));
                    w.push(weights.get(k).copied().unwrap_or(0.0));
                }
            }
            let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [len * fanout]), &device);
            let w = Tensor::<2>::from_data(TensorData::new(w, [len, fanout]), &device);
            parts.push(conv.combine(h.clone().narrow(0, start, len), msgs.clone(), idx, w));
        }
        h = Tensor::cat(parts, 0);
    }
    (x + h)
        .into_data()
        .try_into_vec::<f32>()
        .expect("f32 item vectors")
}

/// Vector of a new item (not in the trained catalogue) from its features
/// and neighbours (catalogue items with importance weights; empty for an
/// item without interactions: a feature-only vector).
pub fn embed_new(
    model: &PinSage,
    cfg: &ModelConfig,
    catalogue: &[Movie],
    nbrs: &Neighbourhoods,
    new: &Movie,
    neighbours: &[(u32, f32)],
) -> Vec<f32> {
    let device = model.id.weight.device();
    let mut movies = catalogue.to_vec();
    movies.push(new.clone());
    let feats = FeatureTensors::new(cfg, &ItemFeatures::new(cfg, &movies), &device);
    let mut lists: Vec<Vec<(u32, f32)>> = (0..nbrs.num_items() as u32)
        .map(|i| {
            let (items, w) = nbrs.of(i);
            items.iter().copied().zip(w.iter().copied()).collect()
        })
        .collect();
    lists.push(neighbours.to_vec());
    let top_t = nbrs.top_t().max(neighbours.len());
    let all = embed_all(model, &feats, &Neighbourhoods::from_lists(lists, top_t));
    let d = model.dim();
    all[catalogue.len() * d..].to_vec()
}

/// Vectors of the items the model never saw (rows `known..`) from their
/// trained neighbours' final vectors: the importance-weighted mean of
/// theirs, scaled to their weighted mean length (a fold-in over the random
/// walks' neighbourhood). Rows of items without trained neighbours, and
/// every trained row, are `vectors`' own.
pub fn fold_in(vectors: &[f32], dim: usize, known: usize, nbrs: &Neighbourhoods) -> Vec<f32> {
    let mut out = vectors.to_vec();
    let n = vectors.len() / dim;
    for i in known..n {
        let (items, weights) = nbrs.of(i as u32);
        let mut mean = vec![0.0f32; dim];
        let (mut total, mut length) = (0.0f32, 0.0f32);
        for (&j, &w) in items.iter().zip(weights) {
            let j = j as usize;
            if j >= known || w <= 0.0 {
                continue;
            }
            let row = &vectors[j * dim..(j + 1) * dim];
            for (m, x) in mean.iter_mut().zip(row) {
                *m += w * x;
            }
            length += w * row.iter().map(|x| x * x).sum::<f32>().sqrt();
            total += w;
        }
        if total <= 0.0 {
            continue;
        }
        let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        let scale = (length / total) / norm;
        for (o, m) in out[i * dim..(i + 1) * dim].iter_mut().zip(&mean) {
            *o = m * scale;
        }
    }
    out
}
