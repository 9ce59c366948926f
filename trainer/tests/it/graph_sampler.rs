//! Graph and sampler properties: weights sum to 1, no self loops, determinism,
//! positives are co-interacted, blocks are consistent.

use std::collections::HashSet;

use reelgraph_trainer::data::Split;
use reelgraph_trainer::graph::Graph;
use reelgraph_trainer::sampler::{
    Blocks, HardNegatives, Neighbourhoods, Rng, SamplerConfig, WalkConfig, make_batch,
    sample_triples,
};

/// 60 users over 40 items (items 38 and 39 never interacted with).
fn graph() -> Graph {
    Graph::from_train(&train_lists(), 40)
}

fn train_lists() -> Vec<Vec<u32>> {
    let mut rng = Rng::keyed(&[7]);
    (0..60)
        .map(|_| {
            let len = 3 + rng.below(10);
            let mut seen = HashSet::new();
            (0..len)
                .map(|_| rng.below(38) as u32)
                .filter(|i| seen.insert(*i))
                .collect()
        })
        .collect()
}

#[test]
fn neighbourhood_weights_sum_to_one_without_self_loops() {
    let g = graph();
    for top_t in [1, 3, 10] {
        let cfg = WalkConfig {
            top_t,
            ..WalkConfig::default()
        };
        let n = Neighbourhoods::compute(&g, &cfg, 42);
        assert_eq!(n.num_items(), 40);
        for i in 0..40u32 {
            let (items, w) = n.of(i);
            assert!(items.len() <= top_t);
            assert!(!items.contains(&i), "self loop at {i}");
            let unique: HashSet<_> = items.iter().collect();
            assert_eq!(unique.len(), items.len());
            if g.item_degree(i) == 0 {
                assert!(items.is_empty(), "isolated item {i} has neighbours");
            } else if !items.is_empty() {
                let s: f32 = w.iter().sum();
                assert!((s - 1.0).abs() < 1e-5, "weights of {i} sum to {s}");
                assert!(w.windows(2).all(|p| p[0] >= p[1]), "not sorted by weight");
            }
        }
    }
}

#[test]
fn neighbours_are_reachable_through_a_shared_user() {
    let g = graph();
    let n = Neighbourhoods::compute(
        &g,
        &WalkConfig {
            walk_length: 1,
            restart: 0.0,
            ..WalkConfig::default()
        },
        1,
    );
    for i in 0..40u32 {
        for &j in n.of(i).0 {
            assert!(
                g.users_of(i).iter().any(|&u| g.items_of(u).contains(&j)),
                "{j} is not one hop from {i}"
            );
        }
    }
}

#[test]
fn same_seed_same_output_other_seed_differs() {
    let g = graph();
    let cfg = WalkConfig::default();
    let a = Neighbourhoods::compute(&g, &cfg, 5);
    assert_eq!(a, Neighbourhoods::compute(&g, &cfg, 5));
    assert_ne!(a, Neighbourhoods::compute(&g, &cfg, 6));
    let s = SamplerConfig::default();
    let t = sample_triples(&g, &s, 9, 0, 3, 0.0);
    assert_eq!(t, sample_triples(&g, &s, 9, 0, 3, 0.0));
    assert_ne!(t, sample_triples(&g, &s, 9, 0, 4, 0.0));
}

#[test]
fn positives_are_co_interacted_within_the_window() {
    let g = graph();
    for window in [0usize, 1, 3] {
        let s = SamplerConfig {
            window,
            batch_size: 300,
            ..SamplerConfig::default()
        };
        let t = sample_triples(&g, &s, 3, 1, 0, 0.0);
        assert_eq!(t.len(), 300);
        for [q, p, n] in t {
            let ok = (0..g.num_users() as u32).any(|u| {
                let items = g.items_of(u);
                let (Some(a), Some(b)) = (
                    items.iter().position(|&x| x == q),
                    items.iter().position(|&x| x == p),
                ) else {
                    return false;
                };
                a != b && (window == 0 || a.abs_diff(b) <= window)
            });
            assert!(ok, "({q}, {p}) not co-interacted within {window}");
            assert!(n != q && (n as usize) < 40);
        }
    }
}

#[test]
fn hard_negatives_phase_in_and_come_from_walks() {
    let h = HardNegatives {
        max_fraction: 0.5,
        phase_epochs: 4,
        rank_lo: 2,
        rank_hi: 10,
        walks: 50,
    };
    assert_eq!(h.fraction(0), 0.0);
    assert!((h.fraction(2) - 0.25).abs() < 1e-9);
    assert!((h.fraction(9) - 0.5).abs() < 1e-9);
    let g = graph();
    let s = SamplerConfig {
        hard: h,
        batch_size: 200,
        ..SamplerConfig::default()
    };
    // all hard: every negative is reachable from its query within the walk length
    for [q, _, n] in sample_triples(&g, &s, 1, 5, 0, 1.0) {
        let two_hops: HashSet<u32> = g
            .users_of(q)
            .iter()
            .flat_map(|&u| g.items_of(u))
            .flat_map(|&i| g.users_of(i))
            .flat_map(|&u| g.items_of(u))
            .copied()
            .collect();
        assert!(
            two_hops.contains(&n),
            "hard negative {n} unreachable from {q}"
        );
    }
}

#[test]
fn blocks_hold_unique_nodes_with_destinations_as_prefixes() {
    let g = graph();
    let nbrs = Neighbourhoods::compute(&g, &WalkConfig::default(), 2);
    let seeds = [5u32, 9, 5, 12, 38];
    let b = Blocks::build(&seeds, &nbrs, 2);
    assert_eq!(b.num_seeds, 4);
    assert_eq!(&b.nodes[..4], &[5, 9, 12, 38]);
    let unique: HashSet<_> = b.nodes.iter().collect();
    assert_eq!(unique.len(), b.nodes.len());
    assert_eq!(b.blocks.len(), 2);
    assert_eq!(b.blocks[1].num_dst, 4);
    assert_eq!(b.blocks[0].num_dst, b.blocks[1].num_src);
    assert_eq!(b.blocks[0].num_src, b.nodes.len());
    for blk in &b.blocks {
        assert_eq!(blk.nbr_idx.len(), blk.num_dst * blk.fanout);
        for d in 0..blk.num_dst {
            let (items, w) = nbrs.of(b.nodes[d]);
            for k in 0..blk.fanout {
                let idx = blk.nbr_idx[d * blk.fanout + k] as usize;
                assert!(idx < blk.num_src);
                if k < items.len() {
                    assert_eq!(b.nodes[idx], items[k]);
                    assert_eq!(blk.nbr_w[d * blk.fanout + k], w[k]);
                } else {
                    assert_eq!(blk.nbr_w[d * blk.fanout + k], 0.0);
                }
            }
        }
    }
    let batch = make_batch(&g, &nbrs, &SamplerConfig::default(), 4, 0, 0, 2);
    assert_eq!(batch.len(), 512);
    assert_eq!(batch.id_keep.len(), batch.blocks.nodes.len());
    let dropped = batch.id_keep.iter().filter(|&&k| k == 0.0).count();
    assert!(dropped > 0 && dropped < batch.id_keep.len() / 3);
    let three = SamplerConfig {
        negatives: 3,
        ..SamplerConfig::default()
    };
    let b3 = make_batch(&g, &nbrs, &three, 4, 0, 0, 2);
    assert_eq!(b3.negative.len(), 3 * b3.len());
    for (t, negs) in b3.negative.chunks(3).enumerate() {
        for &n in negs {
            let item = b3.blocks.nodes[n as usize];
            assert_ne!(item, b3.blocks.nodes[b3.query[t] as usize]);
        }
    }
    for &i in batch
        .query
        .iter()
        .chain(&batch.positive)
        .chain(&batch.negative)
    {
        assert!((i as usize) < batch.blocks.num_seeds);
    }
}

#[test]
fn a_visitors_dislikes_are_the_negatives_of_their_likes() {
    // The 60 users, and 20 site visitors who liked 38 then 39 (movies no one
    // else has) and disliked 30 and 31.
    let base = train_lists();
    let n = base.len() + 20;
    let mut train = base.clone();
    train.extend((0..20).map(|_| vec![38, 39]));
    let split = Split {
        item_ids: (1..=40).collect(),
        user_ids: (1..=n as u32).collect(),
        train_times: train.iter().map(|t| vec![0; t.len()]).collect(),
        train,
        val: vec![None; n],
        test: vec![None; n],
        disliked: [vec![vec![]; base.len()], vec![vec![30, 31]; 20]].concat(),
    };
    let g = Graph::from_split(&split);
    assert_eq!(g.disliked_of(0), &[] as &[u32]);
    assert_eq!(g.disliked_of(60), &[30, 31]);
    let s = SamplerConfig {
        batch_size: 4000,
        ..SamplerConfig::default()
    };
    let t = sample_triples(&g, &s, 11, 0, 0, 0.0);
    let of_visitors: Vec<_> = t.iter().filter(|[q, _, _]| *q >= 38).collect();
    assert!(
        of_visitors.len() > 200,
        "{} visitor pairs",
        of_visitors.len()
    );
    for [q, p, _] in &of_visitors {
        assert_eq!(q + p, 38 + 39, "a visitor's pair is their two likes");
    }
    // half of them take a dislike; a uniform negative is 30 or 31 one time in 20
    let disliked = of_visitors
        .iter()
        .filter(|[_, _, n]| *n == 30 || *n == 31)
        .count();
    let share = disliked as f64 / of_visitors.len() as f64;
    assert!(
        (0.42..0.63).contains(&share),
        "{share:.3} of the visitors' negatives are their dislikes"
    );
    // the dataset's users draw uniform negatives as before
    let others: Vec<_> = t.iter().filter(|[q, _, _]| *q < 38).collect();
    let hits = others
        .iter()
        .filter(|[_, _, n]| *n == 30 || *n == 31)
        .count();
    assert!((hits as f64 / others.len() as f64) < 0.1);

    // Without dislikes the graph of a split samples exactly what the plain graph does.
    let plain = Split {
        disliked: vec![],
        train: base.clone(),
        train_times: base.iter().map(|t| vec![0; t.len()]).collect(),
        user_ids: (1..=60).collect(),
        val: vec![None; 60],
        test: vec![None; 60],
        item_ids: (1..=40).collect(),
    };
    assert_eq!(
        sample_triples(&Graph::from_split(&plain), &s, 11, 0, 0, 0.0),
        sample_triples(&graph(), &s, 11, 0, 0, 0.0)
    );
}
