//! The model against hand-computed numbers, inference paths, and the loss.

use burn::prelude::*;
use reelgraph_core::types::Movie;
use reelgraph_trainer::infer;
use reelgraph_trainer::model::{
    FeatureTensors, ItemFeatures, ModelConfig, SageConv, max_margin_loss, max_margin_loss_in_batch,
    softmax_loss_in_batch,
};
use reelgraph_trainer::sampler::{Block, Neighbourhoods};

fn t2(v: &[f32], shape: [usize; 2], d: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), d)
}

fn close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-4, "got {got:?}, want {want:?}");
    }
}

#[test]
fn one_conv_layer_matches_hand_computed_numbers() {
    let d = Device::flex();
    // Q = identity, q_b = (0, -1); W = [I; I], w_b = (0.5, -0.5)
    let conv = SageConv::from_weights(
        t2(&[1.0, 0.0, 0.0, 1.0], [2, 2], &d),
        Tensor::from_data(TensorData::new(vec![0.0f32, -1.0], [2]), &d),
        t2(&[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0], [4, 2], &d),
        Tensor::from_data(TensorData::new(vec![0.5f32, -0.5], [2]), &d),
    );
    // sources: h0 = (1,0), h1 = (0,2), h2 = (4,-1); destinations: nodes 0 and 1
    // node 0: neighbours 1 (0.75), 2 (0.25); node 1: neighbour 0 (1.0) + padding
    let h = t2(&[1.0, 0.0, 0.0, 2.0, 4.0, -1.0], [3, 2], &d);
    let block = Block {
        num_dst: 2,
        num_src: 3,
        fanout: 2,
        nbr_idx: vec![1, 2, 0, 0],
        nbr_w: vec![0.75, 0.25, 1.0, 0.0],
    };
    let out = conv
        .forward(&block, h)
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    // messages relu(h + q_b): m0 = (1,0), m1 = (0,1), m2 = (4,0)
    // node 0: agg = .75 m1 + .25 m2 = (1, .75); z = h0 + agg + w_b = (2.5, .25); /|z|
    // node 1: agg = m0 = (1,0); z = h1 + agg + w_b = (1.5, 1.5); /|z|
    let n0 = (2.5f32 * 2.5 + 0.25 * 0.25).sqrt();
    close(&out, &[2.5 / n0, 0.25 / n0, 0.5f32.sqrt(), 0.5f32.sqrt()]);
}

#[test]
fn max_margin_loss_by_hand() {
    let d = Device::flex();
    let h = t2(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], [3, 2], &d);
    // (q=0,p=2,n=1): pos 1, neg 0 -> max(0, 0-1+1) = 0
    // (q=1,p=0,n=2): pos 0, neg 1 -> max(0, 1-0+1) = 2
    let loss: f32 = max_margin_loss(h, &[0, 1], &[2, 0], &[1, 2], 1.0).into_scalar();
    assert!((loss - 1.0).abs() < 1e-6, "{loss}");
}

#[test]
fn max_margin_loss_with_several_negatives_by_hand() {
    let d = Device::flex();
    let h = t2(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 0.0], [4, 2], &d);
    // (q=0,p=2): pos 1; negatives 1 (score 0 -> 0) and 3 (score 2 -> 2)
    // (q=1,p=0): pos 0; negatives 2 (score 1 -> 2) and 3 (score 0 -> 1)
    let loss: f32 = max_margin_loss(h, &[0, 1], &[2, 0], &[1, 3, 2, 3], 1.0).into_scalar();
    assert!((loss - 5.0 / 4.0).abs() < 1e-6, "{loss}");
}

#[test]
fn in_batch_max_margin_loss_by_hand() {
    let d = Device::flex();
    let h = t2(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 0.0], [4, 2], &d);
    // (q=0,p=2): pos 1; negatives are rows 1 (score 0 -> 0) and 3 (score 2 -> 2)
    // (q=1,p=0): pos 0; negatives are rows 2 (score 1 -> 2) and 3 (score 0 -> 1)
    let loss: f32 = max_margin_loss_in_batch(h, &[0, 1], &[2, 0], 1.0).into_scalar();
    assert!((loss - 5.0 / 4.0).abs() < 1e-6, "{loss}");
}

#[test]
fn in_batch_softmax_loss_by_hand() {
    let d = Device::flex();
    let h = || t2(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 0.0], [4, 2], &d);
    let e = std::f64::consts::E;
    // (q=0,p=2): candidates rows 1, 2, 3 (not the query's own row 0), scores
    // 0, 1, 2: -log(e^1 / (e^0 + e^1 + e^2)).
    // (q=1,p=0): candidates rows 0, 2, 3, scores 0, 1, 0: -log(e^0 / (2 + e)).
    let want = ((1.0 + e + e * e).ln() - 1.0 + (2.0 + e).ln()) / 2.0;
    let loss: f32 = softmax_loss_in_batch(h(), &[0, 1], &[2, 0], 1.0).into_scalar();
    assert!((loss as f64 - want).abs() < 1e-5, "{loss} vs {want}");
    // Temperature 0.5 doubles every score.
    let e2 = e * e;
    let want = ((1.0 + e2 + e2 * e2).ln() - 2.0 + (2.0 + e2).ln()) / 2.0;
    let loss: f32 = softmax_loss_in_batch(h(), &[0, 1], &[2, 0], 0.5).into_scalar();
    assert!((loss as f64 - want).abs() < 1e-5, "{loss} vs {want}");
}

fn movie(id: u32, title: &str, genres: &[&str], year: u16) -> Movie {
    Movie {
        id,
        title: title.into(),
        display_title: title.into(),
        year: Some(year),
        genres: genres.iter().map(|g| g.to_string()).collect(),
        ..Movie::default()
    }
}

#[test]
fn features_hash_words_and_bucket_years() {
    let movies = vec![
        movie(1, "Toy Story", &["Animation", "Comedy"], 1995),
        movie(2, "Heat", &["Action"], 1995),
    ];
    let cfg = ModelConfig::for_catalogue(&movies, 8);
    assert_eq!(cfg.genres, vec!["Action", "Animation", "Comedy"]);
    let f = ItemFeatures::new(&cfg, &movies);
    assert_eq!(&f.genres[..3], &[0.0, 1.0, 1.0]);
    assert_eq!(&f.genres[3..], &[1.0, 0.0, 0.0]);
    assert_eq!(f.year, vec![20, 20]);
    assert_eq!(&f.title_w[..3], &[0.5, 0.5, 0.0]);
    assert_eq!(f.people_w.iter().sum::<f32>(), 0.0);
    let with_people = Movie {
        director: Some("John Lasseter".into()),
        actors: vec!["Tom Hanks".into(), "Tim Allen".into()],
        ..movies[0].clone()
    };
    let f = ItemFeatures::new(&cfg, &[with_people]);
    assert!((f.people_w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
}

#[test]
fn full_inference_and_inductive_item() {
    let _rng = crate::own_model_init();
    let d = Device::flex();
    d.seed(3);
    let movies = vec![
        movie(1, "Toy Story", &["Animation", "Comedy"], 1995),
        movie(2, "Heat", &["Action"], 1995),
        movie(3, "Casino", &["Drama"], 1995),
    ];
    let cfg = ModelConfig::for_catalogue(&movies, 8);
    let model = cfg.init(&d);
    let nbrs =
        Neighbourhoods::from_lists(vec![vec![(1, 0.5), (2, 0.5)], vec![(0, 1.0)], vec![]], 2);
    let feats = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &d);
    let all = infer::embed_all(&model, &feats, &nbrs);
    assert_eq!(all.len(), 3 * 8);
    assert!(all.iter().all(|v| v.is_finite()));

    // The batched path (blocks of a few seeds) gives the same vectors.
    let blocks = reelgraph_trainer::sampler::Blocks::build(&[2, 0], &nbrs, 2);
    let b = model
        .forward(&feats, &blocks, None)
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    close(&b[..8], &all[16..24]);
    close(&b[8..], &all[..8]);

    // A new movie without interactions: a feature-only vector, finite, not
    // equal to any catalogue vector, and identical to the same movie's
    // vector computed with its id embedding masked off.
    let new = movie(99, "Toy Story 2", &["Animation", "Comedy"], 1999);
    let v = infer::embed_new(&model, &cfg, &movies, &nbrs, &new, &[]);
    assert_eq!(v.len(), 8);
    assert!(v.iter().all(|x| x.is_finite()) && v.iter().any(|x| *x != 0.0));
    for row in all.chunks(8) {
        assert_ne!(row, &v[..]);
    }
    // Same features as a catalogue movie, no id and no neighbours: equals
    // that movie's projection without id through the convolutions.
    let twin = Movie {
        id: 100,
        ..movies[2].clone()
    };
    let v3 = infer::embed_new(&model, &cfg, &movies, &nbrs, &twin, &[]);
    let feats_one = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &d);
    let x_no_id = model
        .project(&feats_one, &[2], Some(&[0.0]))
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    let x_id = model
        .project(&feats_one, &[2], None)
        .into_data()
        .try_into_vec::<f32>()
        .unwrap();
    assert_ne!(x_no_id, x_id);
    // item 2 has no neighbours either, so the only difference is the id input
    let diff_in: f32 = x_no_id.iter().zip(&x_id).map(|(a, b)| (a - b).abs()).sum();
    assert!(diff_in > 0.0);
    assert_ne!(&v3[..], &all[16..24]);
    // with neighbours, the inductive vector changes
    let v_n = infer::embed_new(&model, &cfg, &movies, &nbrs, &new, &[(0, 1.0)]);
    assert_ne!(v, v_n);
}

#[test]
fn a_new_item_takes_its_trained_neighbours_id_embedding() {
    let _rng = crate::own_model_init();
    let d = Device::flex();
    d.seed(5);
    let movies = vec![
        movie(1, "Toy Story", &["Animation", "Comedy"], 1995),
        movie(2, "Heat", &["Action"], 1995),
        movie(3, "Casino", &["Drama"], 1995),
    ];
    let cfg = ModelConfig::for_catalogue(&movies, 8);
    let model = cfg.init(&d);
    // Item 0's only neighbour is itself.
    let nbrs = Neighbourhoods::from_lists(vec![vec![(0, 1.0)], vec![(2, 1.0)], vec![(1, 1.0)]], 1);
    let feats = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &d);
    let all = infer::embed_all(&model, &feats, &nbrs);
    // A new movie with item 0's features whose only neighbour is item 0:
    // it takes item 0's id embedding (the weighted mean of one, at its
    // length), so its input and every layer equal item 0's.
    let twin = Movie {
        id: 100,
        ..movies[0].clone()
    };
    let v = infer::embed_new(&model, &cfg, &movies, &nbrs, &twin, &[(0, 1.0)]);
    close(&v, &all[..8]);
    // Two neighbours: the weighted mean of their ids, scaled to their
    // weighted mean length; not either one's vector.
    let v2 = infer::embed_new(&model, &cfg, &movies, &nbrs, &twin, &[(0, 0.5), (1, 0.5)]);
    assert!(v2.iter().all(|x| x.is_finite()));
    assert_ne!(v2, v);
    // Without neighbours: the feature-only vector, another one.
    let v3 = infer::embed_new(&model, &cfg, &movies, &nbrs, &twin, &[]);
    assert_ne!(v3, v);
}
