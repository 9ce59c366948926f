//! The PinSAGE model (burn): item input features, two weighted SAGE
//! convolutions over DGL-style blocks, and the losses (in-batch sampled softmax, max-margin).
//!
//! Item input = id embedding (dropped for unknown items: the inductive,
//! feature-only path) + genres (multi-hot → linear) + year (bucketed
//! embedding) + title words (hashed bag) + director/actors (hashed bag, when
//! the metadata names them). Each convolution: messages `relu(Q h_src)`,
//! their importance-weighted mean over the neighbourhood, concatenated with
//! the node's own vector, `relu(W ·)`, L2-normalised. Final item vector =
//! projected input + last convolution output.

use burn::module::Param;
use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use reelgraph_core::types::Movie;
use serde::{Deserialize, Serialize};

use crate::sampler::Block;

/// Shape of the model and of its inputs (saved with every checkpoint).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Vector dimension.
    pub dim: usize,
    /// Items with a learned id embedding (the train catalogue).
    pub num_items: usize,
    /// Genre vocabulary (multi-hot order).
    pub genres: Vec<String>,
    /// Hash buckets for title words.
    pub title_buckets: usize,
    /// Title words kept per item.
    pub title_len: usize,
    /// Hash buckets for director and actor names.
    pub people_buckets: usize,
    /// Names kept per item.
    pub people_len: usize,
    /// Convolution layers.
    pub layers: usize,
}

/// Year buckets: unknown, then 5-year spans from 1900 (earlier and later clamp).
pub const YEAR_BUCKETS: usize = 27;

impl ModelConfig {
    /// Defaults for a catalogue: the genre vocabulary is taken from `movies`.
    pub fn for_catalogue(movies: &[Movie], dim: usize) -> Self {
        let mut genres: Vec<String> = movies.iter().flat_map(|m| m.genres.clone()).collect();
        genres.sort();
        genres.dedup();
        ModelConfig {
            dim,
            num_items: movies.len(),
            genres,
            title_buckets: 4096,
            title_len: 8,
            people_buckets: 8192,
            people_len: 6,
            layers: 2,
        }
    }

    pub fn init(&self, device: &Device) -> PinSage {
        let d = self.dim;
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.1,
        };
        let emb = |n: usize| {
            EmbeddingConfig::new(n, d)
                .with_initializer(small.clone())
                .init(device)
        };
        PinSage {
            id: emb(self.num_items.max(1)),
            genre: LinearConfig::new(self.genres.len().max(1), d)
                .with_bias(false)
                .init(device),
            year: emb(YEAR_BUCKETS),
            title: emb(self.title_buckets),
            people: emb(self.people_buckets),
            convs: (0..self.layers)
                .map(|_| SageConv {
                    q: LinearConfig::new(d, d).init(device),
                    w: LinearConfig::new(2 * d, d).init(device),
                })
                .collect(),
        }
    }
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Lower-cased alphanumeric words of a title.
pub fn title_words(title: &str) -> Vec<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Year bucket of a movie (0 = unknown).
pub fn year_bucket(year: Option<u16>) -> usize {
    match year {
        None => 0,
        Some(y) => 1 + ((y as i64 - 1900).max(0) / 5).min(YEAR_BUCKETS as i64 - 2) as usize,
    }
}

/// Model inputs of a list of items, as plain arrays (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct ItemFeatures {
    pub count: usize,
    /// `count × genres` multi-hot.
    pub genres: Vec<f32>,
    pub year: Vec<i64>,
    /// `count × title_len` bucket indices and weights (1/words, 0 = padding).
    pub title: Vec<i64>,
    pub title_w: Vec<f32>,
    /// `count × people_len` bucket indices and weights.
    pub people: Vec<i64>,
    pub people_w: Vec<f32>,
}

impl ItemFeatures {
    pub fn new(cfg: &ModelConfig, movies: &[Movie]) -> Self {
        let g = cfg.genres.len().max(1);
        let mut f = ItemFeatures {
            count: movies.len(),
            genres: vec![0.0; movies.len() * g],
            year: Vec::with_capacity(movies.len()),
            title: Vec::with_capacity(movies.len() * cfg.title_len),
            title_w: Vec::with_capacity(movies.len() * cfg.title_len),
            people: Vec::with_capacity(movies.len() * cfg.people_len),
            people_w: Vec::with_capacity(movies.len() * cfg.people_len),
        };
        for (r, m) in movies.iter().enumerate() {
            for genre in &m.genres {
                if let Ok(k) = cfg.genres.binary_search(genre) {
                    f.genres[r * g + k] = 1.0;
                }
            }
            f.year.push(year_bucket(m.year) as i64);
            let words: Vec<String> = title_words(&m.title)
                .into_iter()
                .take(cfg.title_len)
                .collect();
            bag(
                &words,
                cfg.title_buckets,
                cfg.title_len,
                &mut f.title,
                &mut f.title_w,
            );
            let people: Vec<String> = m
                .director
                .iter()
                .flat_map(|d| {
                    d.split(',')
                        .map(|s| format!("d:{}", s.trim().to_lowercase()))
                })
                .chain(
                    m.actors
                        .iter()
                        .map(|a| format!("a:{}", a.trim().to_lowercase())),
                )
                .filter(|s| s.len() > 2)
                .take(cfg.people_len)
                .collect();
            bag(
                &people,
                cfg.people_buckets,
                cfg.people_len,
                &mut f.people,
                &mut f.people_w,
            );
        }
        f
    }
}

fn bag(words: &[String], buckets: usize, len: usize, idx: &mut Vec<i64>, w: &mut Vec<f32>) {
    for k in 0..len {
        match words.get(k) {
            Some(word) => {
                idx.push((fnv1a(word) % buckets as u64) as i64);
                w.push(1.0 / words.len() as f32);
            }
            None => {
                idx.push(0);
                w.push(0.0);
            }
        }
    }
}

/// [`ItemFeatures`] as tensors on a device.
#[derive(Clone, Debug)]
pub struct FeatureTensors {
    pub count: usize,
    /// Items `>= known` have no id embedding (inductive items).
    pub known: usize,
    genres: Tensor<2>,
    year: Tensor<1, Int>,
    title: Tensor<2, Int>,
    title_w: Tensor<2>,
    people: Tensor<2, Int>,
    people_w: Tensor<2>,
}

impl FeatureTensors {
    pub fn new(cfg: &ModelConfig, f: &ItemFeatures, device: &Device) -> Self {
        let n = f.count;
        let g = cfg.genres.len().max(1);
        FeatureTensors {
            count: n,
            known: cfg.num_items,
            genres: Tensor::from_data(TensorData::new(f.genres.clone(), [n, g]), device),
            year: Tensor::from_data(TensorData::new(f.year.clone(), [n]), device),
            title: Tensor::from_data(TensorData::new(f.title.clone(), [n, cfg.title_len]), device),
            title_w: Tensor::from_data(
                TensorData::new(f.title_w.clone(), [n, cfg.title_len]),
                device,
            ),
            people: Tensor::from_data(
                TensorData::new(f.people.clone(), [n, cfg.people_len]),
                device,
            ),
            people_w: Tensor::from_data(
                TensorData::new(f.people_w.clone(), [n, cfg.people_len]),
                device,
            ),
        }
    }
}

/// A weighted SAGE convolution.
#[derive(Module, Debug)]
pub struct SageConv {
    pub q: Linear,
    pub w: Linear,
}

impl SageConv {
    /// Build from explicit weights (`q_w`: d×d, `w_w`: 2d×d, row layout `y = xW + b`).
    pub fn from_weights(q_w: Tensor<2>, q_b: Tensor<1>, w_w: Tensor<2>, w_b: Tensor<1>) -> Self {
        let lin = |w: Tensor<2>, b: Tensor<1>| {
            let [d_in, d_out] = w.dims();
            let device = w.device();
            let mut l = LinearConfig::new(d_in, d_out).init(&device);
            l.weight = Param::from_tensor(w);
            l.bias = Some(Param::from_tensor(b));
            l
        };
        SageConv {
            q: lin(q_w, q_b),
            w: lin(w_w, w_b),
        }
    }

    /// Messages of source nodes: `relu(Q h)`.
    pub fn messages(&self, h_src: Tensor<2>) -> Tensor<2> {
        relu(self.q.forward(h_src))
    }

    /// Combine destination vectors with the weighted mean of their
    /// neighbours' messages. `nbr_idx`: `n_dst × fanout` flattened indices
    /// into `msgs`; `nbr_w`: `n_dst × fanout` weights.
    pub fn combine(
        &self,
        h_dst: Tensor<2>,
        msgs: Tensor<2>,
        nbr_idx: Tensor<1, Int>,
        nbr_w: Tensor<2>,
    ) -> Tensor<2> {
        let [n_dst, fanout] = nbr_w.dims();
        let d = msgs.dims()[1];
        let gathered = msgs.select(0, nbr_idx).reshape([n_dst, fanout, d]);
        let agg = (gathered * nbr_w.reshape([n_dst, fanout, 1]))
            .sum_dim(1)
            .reshape([n_dst, d]);
        let z = relu(self.w.forward(Tensor::cat(vec![h_dst, agg], 1)));
        let norm = z.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-6);
        z / norm
    }

    /// Apply over a block: `h_src` holds the block's source nodes (the
    /// destinations first).
    pub fn forward(&self, block: &Block, h_src: Tensor<2>) -> Tensor<2> {
        let device = h_src.device();
        let (idx, w) = block_tensors(block, &device);
        let h_dst = h_src.clone().narrow(0, 0, block.num_dst);
        self.combine(h_dst, self.messages(h_src), idx, w)
    }
}

/// A block's neighbour indices and weights as tensors.
pub fn block_tensors(block: &Block, device: &Device) -> (Tensor<1, Int>, Tensor<2>) {
    (
        Tensor::from_data(
            TensorData::new(block.nbr_idx.clone(), [block.nbr_idx.len()]),
            device,
        ),
        Tensor::from_data(
            TensorData::new(block.nbr_w.clone(), [block.num_dst, block.fanout]),
            device,
        ),
    )
}

/// The PinSAGE item tower.
#[derive(Module, Debug)]
pub struct PinSage {
    pub id: Embedding,
    pub genre: Linear,
    pub year: Embedding,
    pub title: Embedding,
    pub people: Embedding,
    pub convs: Vec<SageConv>,
}

fn bag_sum(table: &Embedding, idx: Tensor<2, Int>, w: Tensor<2>) -> Tensor<2> {
    let [n, len] = idx.dims();
    let d = table.weight.dims()[1];
    let rows = table
        .weight
        .val()
        .select(0, idx.reshape([n * len]))
        .reshape([n, len, d]);
    (rows * w.reshape([n, len, 1])).sum_dim(1).reshape([n, d])
}

impl PinSage {
    pub fn dim(&self) -> usize {
        self.id.weight.dims()[1]
    }

    /// Input vectors of `nodes` (item indices into `feats`); `id_keep` (one
    /// per node, 0 or 1) masks the id embedding. Unknown items (`>= known`)
    /// never use it.
    pub fn project(
        &self,
        feats: &FeatureTensors,
        nodes: &[u32],
        id_keep: Option<&[f32]>,
    ) -> Tensor<2> {
        let device = self.id.weight.device();
        let n = nodes.len();
        let idx: Tensor<1, Int> = Tensor::from_data(
            TensorData::new(nodes.iter().map(|&i| i as i64).collect::<Vec<_>>(), [n]),
            &device,
        );
        let keep: Vec<f32> = nodes
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                if (i as usize) < feats.known {
                    id_keep.map_or(1.0, |m| m[k])
                } else {
                    0.0
                }
            })
            .collect();
        let id_idx: Vec<i64> = nodes
            .iter()
            .map(|&i| {
                if (i as usize) < feats.known {
                    i as i64
                } else {
                    0
                }
            })
            .collect();
        let id_idx: Tensor<1, Int> = Tensor::from_data(TensorData::new(id_idx, [n]), &device);
        let keep: Tensor<2> = Tensor::from_data(TensorData::new(keep, [n, 1]), &device);
        let id = self.id.weight.val().select(0, id_idx) * keep;
        let genre = self
            .genre
            .forward(feats.genres.clone().select(0, idx.clone()));
        let year = self
            .year
            .weight
            .val()
            .select(0, feats.year.clone().select(0, idx.clone()));
        let title = bag_sum(
            &self.title,
            feats.title.clone().select(0, idx.clone()),
            feats.title_w.clone().select(0, idx.clone()),
        );
        let people = bag_sum(
            &self.people,
            feats.people.clone().select(0, idx.clone()),
            feats.people_w.clone().select(0, idx),
        );
        id + genre + year + title + people
    }

    /// Final vectors of the seeds of `blocks`.
    pub fn forward(
        &self,
        feats: &FeatureTensors,
        blocks: &crate::sampler::Blocks,
        id_keep: Option<&[f32]>,
    ) -> Tensor<2> {
        let x = self.project(feats, &blocks.nodes, id_keep);
        let mut h = x.clone();
        for (conv, block) in self.convs.iter().zip(&blocks.blocks) {
            h = conv.forward(block, h);
        }
        x.narrow(0, 0, blocks.num_seeds) + h
    }
}

/// The rows `ix` of `h` (a batch's query, positive or negative items).
fn rows(h: &Tensor<2>, ix: &[i64]) -> Tensor<2> {
    let idx = Tensor::<1, Int>::from_data(TensorData::new(ix.to_vec(), [ix.len()]), &h.device());
    h.clone().select(0, idx)
}

/// Max-margin loss of (query, positive, negative) rows of `h`:
/// `mean(max(0, <q,n> - <q,p> + margin))`. `negative` may hold `k`
/// negatives per query (query-major); the hinge is averaged over all of them.
pub fn max_margin_loss(
    h: Tensor<2>,
    query: &[i64],
    positive: &[i64],
    negative: &[i64],
    margin: f32,
) -> Tensor<1> {
    let n = query.len();
    let k = (negative.len() / n.max(1)).max(1);
    assert_eq!(negative.len(), n * k, "negatives must be k per query");
    let d = h.dims()[1];
    let (q, p, neg) = (rows(&h, query), rows(&h, positive), rows(&h, negative));
    let pos = (q.clone() * p).sum_dim(1); // [n, 1]
    let neg = (neg.reshape([n, k, d]) * q.reshape([n, 1, d]))
        .sum_dim(2)
        .reshape([n, k]);
    (neg - pos + margin).clamp_min(0.0).mean()
}

/// Max-margin loss with in-batch negatives: every seed row of `h` other than
/// a triple's own query and positive is a negative of that query;
/// `mean(max(0, <q,n> - <q,p> + margin))` over all those (query, negative)
/// pairs.
pub fn max_margin_loss_in_batch(
    h: Tensor<2>,
    query: &[i64],
    positive: &[i64],
    margin: f32,
) -> Tensor<1> {
    let n = query.len();
    let s = h.dims()[0];
    let (q, p) = (rows(&h, query), rows(&h, positive));
    let pos = (q.clone() * p).sum_dim(1); // [n, 1]
    let scores = q.clone().matmul(h.transpose()); // [n, s]
    let all = (scores - pos.clone() + margin).clamp_min(0.0).sum();
    // Take out each row's own query and positive columns (cheaper than a
    // mask): the query's hinge is `max(0, |q|² - <q,p> + m)`, the
    // positive's `max(0, m) = m` (a constant).
    let own_q = (q.clone() * q).sum_dim(1);
    let own_q = (own_q - pos + margin).clamp_min(0.0).sum();
    let distinct = query.iter().zip(positive).filter(|(a, b)| a != b).count();
    let pairs = (n * s - n - distinct).max(1);
    (all - own_q - margin.max(0.0) * distinct as f32) / pairs as f32
}

/// In-batch sampled softmax loss: for each (query, positive) pair, the
/// cross-entropy of the positive among every row of `h` (the batch's items)
/// except the query's own, with scores `<q, h_j> / temperature`:
/// `mean(logsumexp_j(<q,h_j>/t) - <q,p>/t)`. Unlike the max-margin hinge it
/// weighs the pairs the model ranks worst the most (a listwise loss).
pub fn softmax_loss_in_batch(
    h: Tensor<2>,
    query: &[i64],
    positive: &[i64],
    temperature: f32,
) -> Tensor<1> {
    let device = h.device();
    let n = query.len();
    let s = h.dims()[0];
    let q = rows(&h, query);
    let scores = q.matmul(h.transpose()) / temperature; // [n, s]
    // The query's own row is not a candidate (a self pair, query == positive,
    // keeps it: it is the positive).
    let mut mask = vec![0.0f32; n * s];
    for (i, (&a, &b)) in query.iter().zip(positive).enumerate() {
        if a != b {
            mask[i * s + a as usize] = -1e9;
        }
    }
    let logits = scores + Tensor::<2>::from_data(TensorData::new(mask, [n, s]), &device);
    let log_p = burn::tensor::activation::log_softmax(logits, 1);
    let pos = Tensor::<2, Int>::from_data(TensorData::new(positive.to_vec(), [n, 1]), &device);
    log_p.gather(1, pos).mean().neg()
}
