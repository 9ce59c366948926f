//! The training loop on a synthetic dataset with planted clusters, under both
//! losses (softmax, the default, and max-margin): the loss
//! falls, the same seed gives the same vectors, an interrupted run resumed
//! from its checkpoint ends exactly where an uninterrupted run ends, and the
//! learned vectors recover the planted clusters.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reelgraph_core::types::Movie;
use reelgraph_trainer::data::synthetic::{self, SynthConfig, cluster_of};
use reelgraph_trainer::data::{self, Split};
use reelgraph_trainer::evaluate::{EvalSplit, HistoryVectors, ItemVectors, evaluate};
use reelgraph_trainer::graph::Graph;
use reelgraph_trainer::train::{self, Loss, Outcome, RunOptions, TrainConfig, Trained};

fn setup() -> (SynthConfig, Vec<Movie>, Split) {
    let cfg = SynthConfig {
        users: 300,
        items: 120,
        per_user: 14,
        clusters: 4,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    let dir = tempfile::tempdir().unwrap();
    synthetic::write_generic(dir.path(), &movies, &xs).unwrap();
    let (ds, _) = data::load(dir.path(), &Default::default()).unwrap();
    let split = data::split(&ds).unwrap();
    (cfg, ds.movies, split)
}

fn config() -> TrainConfig {
    let mut c = TrainConfig {
        dim: 16,
        epochs: 4,
        patience: 10,
        seed: 11,
        ..TrainConfig::default()
    };
    c.sampler.batch_size = 64;
    c
}

fn val_hr(split: &Split) -> impl FnMut(&[f32], usize) -> f64 + '_ {
    move |v: &[f32], dim: usize| {
        evaluate(
            split,
            &HistoryVectors::new(ItemVectors::new(v, dim), 0.9),
            EvalSplit::Val,
        )
        .hr10
    }
}

fn finished(o: Outcome) -> Box<Trained> {
    match o {
        Outcome::Finished(t) => t,
        Outcome::Interrupted { .. } => panic!("interrupted"),
    }
}

/// 8 epochs of 6 steps: the first epoch's mean loss is that of a model
/// close to its initialisation (a whole epoch here is ~56 steps, most of the
/// fall happens in the first one).
fn short_epochs(c: TrainConfig) -> TrainConfig {
    TrainConfig {
        epochs: 8,
        steps_per_epoch: Some(6),
        ..c
    }
}

/// Trains `cfg` twice: the loss falls by 5% from the first epoch to the
/// last and the same seed gives the same vectors.
fn check_loss_falls_and_same_seed_same_vectors(cfg: &TrainConfig) {
    let (_, movies, split) = setup();
    let graph = Arc::new(Graph::from_split(&split));
    let a = finished(
        train::train(
            graph.clone(),
            &movies,
            cfg,
            &RunOptions::default(),
            &mut val_hr(&split),
        )
        .unwrap(),
    );
    assert_eq!(a.history.len(), cfg.epochs);
    let first = a.history[0].loss;
    let last = a.history[cfg.epochs - 1].loss;
    let curve: Vec<f64> = a.history.iter().map(|e| e.loss).collect();
    assert!(
        last < first * 0.95,
        "{:?} (in_batch {}): loss {curve:?}",
        cfg.loss,
        cfg.in_batch
    );
    let b = finished(
        train::train(
            graph,
            &movies,
            cfg,
            &RunOptions::default(),
            &mut val_hr(&split),
        )
        .unwrap(),
    );
    assert_eq!(a.vectors, b.vectors, "same seed, same vectors");
    assert_eq!(a.best_epoch, b.best_epoch);
}

#[test]
fn loss_falls_and_same_seed_same_vectors() {
    let _rng = crate::training();
    let cfg = short_epochs(config());
    assert_eq!(cfg.loss, Loss::Softmax, "the default loss");
    check_loss_falls_and_same_seed_same_vectors(&cfg);
}

#[test]
fn max_margin_loss_falls_and_same_seed_same_vectors() {
    let _rng = crate::training();
    for in_batch in [true, false] {
        let cfg = short_epochs(TrainConfig {
            loss: Loss::MaxMargin,
            in_batch,
            ..config()
        });
        check_loss_falls_and_same_seed_same_vectors(&cfg);
    }
}

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let _rng = crate::training();
    let (_, movies, split) = setup();
    let graph = Arc::new(Graph::from_split(&split));
    let cfg = config();
    let whole = finished(
        train::train(
            graph.clone(),
            &movies,
            &cfg,
            &RunOptions::default(),
            &mut val_hr(&split),
        )
        .unwrap(),
    );

    // Stop after epoch 2 (the flag is raised during its validation).
    let dir = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let opts = RunOptions {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        resume: false,
        progress: false,
        stop: Some(stop.clone()),
    };
    let mut epochs_seen = 0;
    let mut hr = val_hr(&split);
    let mut validate = |v: &[f32], d: usize| {
        epochs_seen += 1;
        if epochs_seen == 2 {
            stop.store(true, Ordering::SeqCst);
        }
        hr(v, d)
    };
    match train::train(graph.clone(), &movies, &cfg, &opts, &mut validate).unwrap() {
        Outcome::Interrupted { checkpoint_dir } => {
            assert_eq!(checkpoint_dir.as_deref(), Some(dir.path()))
        }
        Outcome::Finished(_) => panic!("not interrupted"),
    }
    let resumed = finished(
        train::train(
            graph,
            &movies,
            &cfg,
            &RunOptions {
                resume: true,
                stop: None,
                ..opts
            },
            &mut val_hr(&split),
        )
        .unwrap(),
    );
    assert_eq!(resumed.history.len(), 4);
    for (a, b) in whole.history.iter().zip(&resumed.history) {
        assert_eq!((a.epoch, a.steps), (b.epoch, b.steps));
        assert!(
            (a.loss - b.loss).abs() < 1e-9,
            "epoch {} loss {} vs {}",
            a.epoch,
            a.loss,
            b.loss
        );
        assert_eq!(a.val, b.val, "epoch {} val", a.epoch);
    }
    assert_eq!(whole.best_epoch, resumed.best_epoch);
    assert_eq!(
        whole.vectors, resumed.vectors,
        "resumed vectors equal the uninterrupted run's"
    );
}

#[test]
fn vectors_recover_the_planted_clusters() {
    let _rng = crate::training();
    recover_planted_clusters(Loss::Softmax);
}

#[test]
fn max_margin_vectors_recover_the_planted_clusters() {
    let _rng = crate::training();
    recover_planted_clusters(Loss::MaxMargin);
}

fn recover_planted_clusters(loss: Loss) {
    let (scfg, movies, split) = setup();
    let graph = Arc::new(Graph::from_split(&split));
    let mut cfg = config();
    cfg.epochs = 6;
    cfg.loss = loss;
    let t = finished(
        train::train(
            graph,
            &movies,
            &cfg,
            &RunOptions::default(),
            &mut val_hr(&split),
        )
        .unwrap(),
    );
    let v = ItemVectors::new(&t.vectors[..], t.config.dim);
    // Precision@5 of each item's nearest items (cosine) being in its cluster;
    // a random ranking gives 1/4.
    let n = v.num_items();
    let norm: Vec<f32> = (0..n)
        .map(|i| v.row(i).iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9))
        .collect();
    let mut hits = 0;
    for i in 0..n {
        let mut sims: Vec<(f32, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                let d: f32 = v.row(i).iter().zip(v.row(j)).map(|(a, b)| a * b).sum();
                (d / (norm[i] * norm[j]), j)
            })
            .collect();
        sims.sort_by(|a, b| b.0.total_cmp(&a.0));
        let ci = cluster_of(&scfg, movies[i].id as usize - 1);
        hits += sims[..5]
            .iter()
            .filter(|(_, j)| cluster_of(&scfg, movies[*j].id as usize - 1) == ci)
            .count();
    }
    let p5 = hits as f64 / (5 * n) as f64;
    assert!(
        p5 > 0.6,
        "{loss:?}: precision@5 of same-cluster neighbours {p5:.3} (random: 0.25)"
    );
}
