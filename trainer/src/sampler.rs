//! PinSAGE sampling: importance neighbourhoods from random walks with restart,
//! training triples (query, positive, negative), and DGL-style blocks.
//!
//! Everything here is deterministic for a given seed: every random choice
//! draws from a small counter-based generator keyed by (seed, purpose, index),
//! so results do not depend on thread scheduling.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::graph::Graph;

/// SplitMix64: tiny, fast, good enough for sampling, and stable forever
/// (unlike library generators whose streams may change between versions).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose state is `state` (its first output is the
    /// SplitMix64 output after `state`).
    pub fn from_state(state: u64) -> Self {
        Rng(state)
    }
    /// A generator keyed by several values (seed, purpose, indices).
    pub fn keyed(keys: &[u64]) -> Self {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        for &k in keys {
            r.0 ^= k.wrapping_mul(0xD1B5_4A32_D192_ED03);
            r.next_u64();
        }
        r
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const KEY_NEIGHBOURS: u64 = 1;
const KEY_TRIPLES: u64 = 2;
const KEY_DROPOUT: u64 = 3;
const KEY_EXTRA_NEGATIVES: u64 = 4;

/// Random walks with restart over item → user → item hops.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalkConfig {
    /// Walks started from each item.
    pub num_walks: usize,
    /// Item → user → item hops per walk at most.
    pub walk_length: usize,
    /// Probability of ending a walk (restarting at the item) after each hop.
    pub restart: f64,
    /// Neighbours kept per item (the most visited).
    pub top_t: usize,
}

impl Default for WalkConfig {
    fn default() -> Self {
        // As the original PinSAGE example: 10 walks, 2 hops, restart 0.5, 3 neighbours.
        WalkConfig {
            num_walks: 10,
            walk_length: 2,
            restart: 0.5,
            top_t: 3,
        }
    }
}

/// Visit counts of walks with restart from `start` (the start itself is never counted).
fn walk_counts(
    graph: &Graph,
    start: u32,
    num_walks: usize,
    walk_length: usize,
    restart: f64,
    rng: &mut Rng,
) -> HashMap<u32, u32> {
    let mut counts = HashMap::new();
    if graph.item_degree(start) == 0 {
        return counts;
    }
    for _ in 0..num_walks {
        let mut cur = start;
        for _ in 0..walk_length {
            let users = graph.users_of(cur);
            if users.is_empty() {
                break;
            }
            let u = users[rng.below(users.len())];
            let items = graph.items_of(u);
            let next = items[rng.below(items.len())];
            if next != start {
                *counts.entry(next).or_insert(0) += 1;
            }
            cur = next;
            if rng.unit() < restart {
                break;
            }
        }
    }
    counts
}

/// Visited items sorted by visit count (descending), ties by item index.
fn ranked(counts: HashMap<u32, u32>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = counts.into_iter().collect();
    v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Importance neighbourhoods of every item: up to `top_t` neighbours each,
/// with weights (visit shares) summing to 1; items without train users have
/// none.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbourhoods {
    offsets: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
    top_t: usize,
}

impl Neighbourhoods {
    /// Compute for every item of the graph (in parallel; deterministic per seed).
    pub fn compute(graph: &Graph, cfg: &WalkConfig, seed: u64) -> Self {
        let per_item: Vec<Vec<(u32, f32)>> = (0..graph.num_items() as u32)
            .into_par_iter()
            .map(|i| {
                let mut rng = Rng::keyed(&[seed, KEY_NEIGHBOURS, i as u64]);
                let counts = walk_counts(
                    graph,
                    i,
                    cfg.num_walks,
                    cfg.walk_length,
                    cfg.restart,
                    &mut rng,
                );
                let mut top = ranked(counts);
                top.truncate(cfg.top_t);
                let total: u32 = top.iter().map(|x| x.1).sum();
                top.into_iter()
                    .map(|(j, c)| (j, c as f32 / total as f32))
                    .collect()
            })
            .collect();
        Self::from_lists(per_item, cfg.top_t)
    }

    /// Build from explicit lists (weights are used as given).
    pub fn from_lists(per_item: Vec<Vec<(u32, f32)>>, top_t: usize) -> Self {
        let mut offsets = vec![0];
        let mut items = Vec::new();
        let mut weights = Vec::new();
        for list in per_item {
            for (j, w) in list {
                items.push(j);
                weights.push(w);
            }
            offsets.push(items.len());
        }
        Neighbourhoods {
            offsets,
            items,
            weights,
            top_t,
        }
    }

    pub fn num_items(&self) -> usize {
        self.offsets.len() - 1
    }
    /// Largest neighbourhood size (the padded fan-out of blocks).
    pub fn top_t(&self) -> usize {
        self.top_t
    }
    /// Neighbours of an item and their weights.
    pub fn of(&self, item: u32) -> (&[u32], &[f32]) {
        let r = self.offsets[item as usize]..self.offsets[item as usize + 1];
        (&self.items[r.clone()], &self.weights[r])
    }
}

/// One message-passing layer over unique nodes.
///
/// Destination nodes are the first `num_dst` source nodes; `nbr_idx` /
/// `nbr_w` hold `fanout` entries per destination (indices into the source
/// nodes; padding has weight 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub num_dst: usize,
    pub num_src: usize,
    pub fanout: usize,
    pub nbr_idx: Vec<i64>,
    pub nbr_w: Vec<f32>,
}

/// The blocks of a set of seed items, outermost first: `nodes` are the input
/// nodes of the first block; each block's destinations are a prefix of its
/// sources, and the last block's destinations are the seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocks {
    pub nodes: Vec<u32>,
    pub blocks: Vec<Block>,
    pub num_seeds: usize,
}

impl Blocks {
    /// Build `layers` blocks for unique `seeds`.
    pub fn build(seeds: &[u32], nbrs: &Neighbourhoods, layers: usize) -> Self {
        let fanout = nbrs.top_t().max(1);
        // levels[0] = seeds, levels[k+1] = levels[k] + new neighbours.
        let mut pos: HashMap<u32, usize> = HashMap::with_capacity(seeds.len() * 4);
        let mut nodes: Vec<u32> = Vec::with_capacity(seeds.len() * 4);
        for &s in seeds {
            pos.entry(s).or_insert_with(|| {
                nodes.push(s);
                nodes.len() - 1
            });
        }
        let num_seeds = nodes.len();
        let mut blocks = Vec::with_capacity(layers);
        let mut num_dst = num_seeds;
        for _ in 0..layers {
            let mut nbr_idx = Vec::with_capacity(num_dst * fanout);
            let mut nbr_w = Vec::with_capacity(num_dst * fanout);
            for d in 0..num_dst {
                let (items, weights) = nbrs.of(nodes[d]);
                for k in 0..fanout {
                    if k < items.len() {
                        let j = items[k];
                        let p = *pos.entry(j).or_insert_with(|| {
                            nodes.push(j);
                            nodes.len() - 1
                        });
                        nbr_idx.push(p as i64);
                        nbr_w.push(weights[k]);
                    } else {
                        nbr_idx.push(0);
                        nbr_w.push(0.0);
                    }
                }
            }
            blocks.push(Block {
                num_dst,
                num_src: nodes.len(),
                fanout,
                nbr_idx,
                nbr_w,
            });
            num_dst = nodes.len();
        }
        blocks.reverse();
        Blocks {
            nodes,
            blocks,
            num_seeds,
        }
    }

    /// Blocks over every item (full-graph inference): each block maps all
    /// `n` items to all `n` items.
    pub fn full(nbrs: &Neighbourhoods, layers: usize) -> Self {
        let n = nbrs.num_items();
        let fanout = nbrs.top_t().max(1);
        let mut nbr_idx = Vec::with_capacity(n * fanout);
        let mut nbr_w = Vec::with_capacity(n * fanout);
        for i in 0..n as u32 {
            let (items, weights) = nbrs.of(i);
            for k in 0..fanout {
                nbr_idx.push(items.get(k).map_or(0, |&j| j as i64));
                nbr_w.push(weights.get(k).copied().unwrap_or(0.0));
            }
        }
        let block = Block {
            num_dst: n,
            num_src: n,
            fanout,
            nbr_idx,
            nbr_w,
        };
        Blocks {
            nodes: (0..n as u32).collect(),
            blocks: vec![block; layers],
            num_seeds: n,
        }
    }
}

/// Hard negatives: items ranked mid-range by visit count from the query,
/// phased in over epochs (PinSAGE's curriculum).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HardNegatives {
    /// Share of examples with a hard negative once fully phased in (0 = off).
    pub max_fraction: f64,
    /// The share grows linearly from 0 after epoch 1 to `max_fraction` at this epoch.
    pub phase_epochs: usize,
    /// Visit-count rank range `[rank_lo, rank_hi)` to draw from.
    pub rank_lo: usize,
    pub rank_hi: usize,
    /// Walks run from the query to rank candidates.
    pub walks: usize,
}

impl Default for HardNegatives {
    fn default() -> Self {
        HardNegatives {
            max_fraction: 0.0,
            phase_epochs: 4,
            rank_lo: 20,
            rank_hi: 200,
            walks: 100,
        }
    }
}

impl HardNegatives {
    /// Share of hard negatives in (0-based) `epoch`.
    pub fn fraction(&self, epoch: usize) -> f64 {
        if self.max_fraction <= 0.0 || epoch == 0 {
            return 0.0;
        }
        self.max_fraction * (epoch as f64 / self.phase_epochs.max(1) as f64).min(1.0)
    }
}

/// How training examples are drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerConfig {
    pub walk: WalkConfig,
    /// Triples per batch.
    pub batch_size: usize,
    /// Positive = an item of the same user within this many positions of the
    /// query in the user's timeline (0 = anywhere in the user's history).
    pub window: usize,
    pub hard: HardNegatives,
    /// Probability of dropping an input node's id embedding (feature-only input).
    pub id_dropout: f64,
    /// Negatives per (query, positive) pair (the loss averages their hinges).
    pub negatives: usize,
    /// Share of the random negatives drawn in proportion to popularity (the
    /// item of a uniformly drawn train interaction) instead of uniformly.
    pub pop_negatives: f64,
    /// Batches prepared ahead of the training step.
    pub prefetch: usize,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        SamplerConfig {
            walk: WalkConfig::default(),
            batch_size: 512,
            window: 3,
            hard: HardNegatives::default(),
            id_dropout: 0.1,
            negatives: 1,
            pop_negatives: 0.0,
            prefetch: 4,
        }
    }
}

/// Share of a visitor's training pairs whose negative is one of the
/// movies that visitor disliked (see [`crate::feedback`]).
pub const DISLIKE_NEGATIVES: f64 = 0.5;

/// A (query, positive, negative) item triple.
pub type Triple = [u32; 3];

/// Draw the triples of one batch.
pub fn sample_triples(
    graph: &Graph,
    cfg: &SamplerConfig,
    seed: u64,
    epoch: usize,
    batch: usize,
    hard_fraction: f64,
) -> Vec<Triple> {
    const CHUNK: usize = 64;
    let n = cfg.batch_size;
    if graph.num_interactions() == 0 || graph.num_items() < 2 {
        return Vec::new();
    }
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut rng = Rng::keyed(&[seed, KEY_TRIPLES, epoch as u64, batch as u64, c as u64]);
            let len = CHUNK.min(n - c * CHUNK);
            (0..len)
                .filter_map(|_| sample_one(graph, cfg, hard_fraction, &mut rng))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn sample_one(
    graph: &Graph,
    cfg: &SamplerConfig,
    hard_fraction: f64,
    rng: &mut Rng,
) -> Option<Triple> {
    for _ in 0..16 {
        let (u, at, q) = graph.interaction(rng.below(graph.num_interactions()));
        let items = graph.items_of(u);
        if items.len() < 2 {
            continue;
        }
        let (lo, hi) = if cfg.window == 0 {
            (0, items.len() - 1)
        } else {
            (
                at.saturating_sub(cfg.window),
                (at + cfg.window).min(items.len() - 1),
            )
        };
        // uniform over [lo, hi] without `at`
        let mut j = lo + rng.below(hi - lo);
        if j >= at {
            j += 1;
        }
        let p = items[j];
        let mut neg = None;
        // A site visitor who liked q and p and disliked d: d is this pair's
        // negative half of the time (no draw for users without dislikes, so
        // training without feedback is unchanged).
        let disliked = graph.disliked_of(u);
        if !disliked.is_empty() && rng.unit() < DISLIKE_NEGATIVES {
            neg = Some(disliked[rng.below(disliked.len())]);
        }
        if neg.is_none() && hard_fraction > 0.0 && rng.unit() < hard_fraction {
            let h = &cfg.hard;
            let ranks = ranked(walk_counts(
                graph,
                q,
                h.walks,
                cfg.walk.walk_length.max(2),
                cfg.walk.restart,
                rng,
            ));
            // mid-range ranks; on a small neighbourhood, its least visited items
            let hi = h.rank_hi.min(ranks.len());
            let lo = h.rank_lo.min(hi.saturating_sub(1));
            if hi > lo {
                for _ in 0..4 {
                    let c = ranks[lo + rng.below(hi - lo)].0;
                    if c != p {
                        neg = Some(c);
                        break;
                    }
                }
            }
        }
        let neg = neg.unwrap_or_else(|| random_negative(graph, cfg, q, p, rng));
        return Some([q, p, neg]);
    }
    None
}

/// A random negative for (q, p): uniform over the items, or (with
/// probability `cfg.pop_negatives`) proportional to train popularity.
fn random_negative(graph: &Graph, cfg: &SamplerConfig, q: u32, p: u32, rng: &mut Rng) -> u32 {
    let draw = |rng: &mut Rng| {
        if cfg.pop_negatives > 0.0 && rng.unit() < cfg.pop_negatives {
            graph.interaction(rng.below(graph.num_interactions())).2
        } else {
            rng.below(graph.num_items()) as u32
        }
    };
    let mut c = draw(rng);
    for _ in 0..8 {
        if c != q && c != p {
            break;
        }
        c = draw(rng);
    }
    c
}

/// Everything one training step needs, prepared off the training thread.
#[derive(Clone, Debug)]
pub struct Batch {
    pub epoch: usize,
    pub index: usize,
    pub blocks: Blocks,
    /// Positions of the triples' items among the seeds (`blocks.nodes[..num_seeds]`).
    pub query: Vec<i64>,
    pub positive: Vec<i64>,
    /// `negatives` per triple, triple-major (the first is the triple's own).
    pub negative: Vec<i64>,
    /// Per input node: 1 keeps its id embedding, 0 drops it.
    pub id_keep: Vec<f32>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.query.len()
    }
    pub fn is_empty(&self) -> bool {
        self.query.is_empty()
    }
}

/// Build the batch `index` of `epoch` (deterministic).
pub fn make_batch(
    graph: &Graph,
    nbrs: &Neighbourhoods,
    cfg: &SamplerConfig,
    seed: u64,
    epoch: usize,
    index: usize,
    layers: usize,
) -> Batch {
    let triples = sample_triples(graph, cfg, seed, epoch, index, cfg.hard.fraction(epoch));
    let mut seeds = Vec::with_capacity(triples.len() * 3);
    let mut pos: HashMap<u32, i64> = HashMap::with_capacity(triples.len() * 3);
    let mut at = |i: u32, seeds: &mut Vec<u32>| -> i64 {
        *pos.entry(i).or_insert_with(|| {
            seeds.push(i);
            seeds.len() as i64 - 1
        })
    };
    let (mut query, mut positive, mut negative) = (vec![], vec![], vec![]);
    let extra = cfg.negatives.max(1) - 1;
    let mut neg_rng = Rng::keyed(&[seed, KEY_EXTRA_NEGATIVES, epoch as u64, index as u64]);
    for [q, p, n] in &triples {
        query.push(at(*q, &mut seeds));
        positive.push(at(*p, &mut seeds));
        negative.push(at(*n, &mut seeds));
        for _ in 0..extra {
            let c = random_negative(graph, cfg, *q, *p, &mut neg_rng);
            negative.push(at(c, &mut seeds));
        }
    }
    let blocks = Blocks::build(&seeds, nbrs, layers);
    let mut rng = Rng::keyed(&[seed, KEY_DROPOUT, epoch as u64, index as u64]);
    let id_keep = blocks
        .nodes
        .iter()
        .map(|_| {
            if rng.unit() < cfg.id_dropout {
                0.0
            } else {
                1.0
            }
        })
        .collect();
    Batch {
        epoch,
        index,
        blocks,
        query,
        positive,
        negative,
        id_keep,
    }
}

/// The neighbourhoods used during `epoch` (resampled every epoch).
pub fn epoch_neighbourhoods(
    graph: &Graph,
    cfg: &WalkConfig,
    seed: u64,
    epoch: usize,
) -> Neighbourhoods {
    Neighbourhoods::compute(graph, cfg, seed ^ ((epoch as u64 + 1) << 32))
}

/// Produce batches `start..end` of `epoch` on a worker thread, `prefetch`
/// ahead of the consumer. Dropping the receiver stops the producer.
pub fn spawn_batches(
    graph: Arc<Graph>,
    cfg: SamplerConfig,
    seed: u64,
    epoch: usize,
    range: std::ops::Range<usize>,
    layers: usize,
) -> Receiver<Batch> {
    let (tx, rx) = sync_channel(cfg.prefetch.max(1));
    std::thread::Builder::new()
        .name(format!("sampler-epoch-{epoch}"))
        .spawn(move || {
            let nbrs = epoch_neighbourhoods(&graph, &cfg.walk, seed, epoch);
            for index in range {
                let b = make_batch(&graph, &nbrs, &cfg, seed, epoch, index, layers);
                if tx.send(b).is_err() {
                    return;
                }
            }
        })
        .expect("spawn sampler thread");
    rx
}
