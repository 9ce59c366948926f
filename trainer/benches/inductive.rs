//! The inductive path, measured: movies the model never saw, and visitors
//! with only a few marks. Prints two tables.
//!
//! ```text
//! cargo bench --profile dev --workspace --bench inductive      # ml-100k from ../shared/data
//! REELGRAPH_BENCH_SEED=2 cargo bench --profile dev --workspace --bench inductive
//! ```
//!
//! **New movies.** A random 10 % of the movies (seeded) is hidden from
//! training entirely: their interactions are removed from the train part
//! and the model is trained on the other movies only (they have no id
//! embedding, no neighbourhood, no gradient). Afterwards they are embedded
//! inductively by that model — from their features alone (what `reelgraph
//! catalog add` does for a movie nobody rated yet), and from their features
//! and graph neighbourhood (the random-walk neighbours of the full train
//! graph: a movie that has been rated since, without retraining). On the
//! test interactions that fall on those movies (the same leave-last-out
//! split and history recommender as the report; ranking over the full
//! catalogue, the user's history excluded) the table compares HR@10 and
//! NDCG@10 against (a) the model trained normally with those movies (warm),
//! (b) a content-only baseline (genre, year and title similarity to the
//! user's history) and (c) popularity (counts of the full train part, so it
//! knows the hidden movies' counts: a strong popularity). Goal: the
//! inductive embeddings recover at least half of the warm model's HR@10 on
//! those movies and beat both baselines.
//!
//! **New visitors.** HR@10 of the warm model's recommendations from only the
//! first 1, 3, 5 and 10 of a user's train marks, for the movie they marked
//! next (the users with more than 10), against popularity: what a visitor
//! of the site gets after marking a few movies.

use std::time::Instant;

use reelgraph_core::types::Movie;
use reelgraph_testkit::data as testdata;
use reelgraph_trainer::baselines::Popularity;
use reelgraph_trainer::data::{self, Split};
use reelgraph_trainer::evaluate::{
    EvalSplit, HistoryVectors, ItemVectors, Metrics, Scorer, evaluate,
};
use reelgraph_trainer::graph::Graph;
use reelgraph_trainer::infer;
use reelgraph_trainer::model::{FeatureTensors, ItemFeatures, title_words, year_bucket};
use reelgraph_trainer::pipeline::{DECAY_GRID, choose_decay};
use reelgraph_trainer::sampler::{Neighbourhoods, Rng, WalkConfig};
use reelgraph_trainer::train::{self, Outcome, RunOptions, TrainConfig, Trained};

/// `split` with its items renumbered: old index `i` becomes `pos[i]`.
fn renumber(split: &Split, order: &[usize], pos: &[u32]) -> Split {
    let map = |i: &u32| pos[*i as usize];
    Split {
        item_ids: order.iter().map(|&o| split.item_ids[o]).collect(),
        user_ids: split.user_ids.clone(),
        train: split
            .train
            .iter()
            .map(|t| t.iter().map(map).collect())
            .collect(),
        train_times: split.train_times.clone(),
        val: split.val.iter().map(|v| v.as_ref().map(map)).collect(),
        test: split.test.iter().map(|v| v.as_ref().map(map)).collect(),
        disliked: split
            .disliked
            .iter()
            .map(|d| d.iter().map(map).collect())
            .collect(),
    }
}

/// Train on `train` (items `0..movies.len()`), early stopping on `val_split`.
fn fit(
    train: &[Vec<u32>],
    movies: &[Movie],
    cfg: &TrainConfig,
    val_split: &Split,
) -> anyhow::Result<Trained> {
    let graph = std::sync::Arc::new(Graph::from_train(train, movies.len()));
    let mut validate = |v: &[f32], dim: usize| choose_decay(val_split, v, dim, &DECAY_GRID).1.hr10;
    match train::train(graph, movies, cfg, &RunOptions::default(), &mut validate)? {
        Outcome::Finished(t) => Ok(*t),
        Outcome::Interrupted { .. } => anyhow::bail!("interrupted"),
    }
}

/// Content-only scores: the user's history's mean content vector against
/// each movie's (genres, year bucket and title words, each block of unit
/// length).
struct Content {
    feats: Vec<f32>,
    dim: usize,
}

const TITLE_BUCKETS: usize = 1024;

impl Content {
    fn new(movies: &[Movie]) -> Content {
        let mut genres: Vec<&str> = movies
            .iter()
            .flat_map(|m| m.genres.iter().map(String::as_str))
            .collect();
        genres.sort_unstable();
        genres.dedup();
        let years = 27;
        let dim = genres.len() + years + TITLE_BUCKETS;
        let mut feats = vec![0.0f32; movies.len() * dim];
        for (r, m) in movies.iter().enumerate() {
            let row = &mut feats[r * dim..(r + 1) * dim];
            let g = m.genres.len().max(1) as f32;
            for genre in &m.genres {
                let k = genres
                    .binary_search(&genre.as_str())
                    .expect("in the vocabulary");
                row[k] = 1.0 / g.sqrt();
            }
            row[genres.len() + year_bucket(m.year).min(years - 1)] = 0.5;
            let words = title_words(&m.title);
            let w = 0.5 / (words.len().max(1) as f32).sqrt();
            for word in &words {
                let h = word.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
                });
                row[genres.len() + years + (h as usize % TITLE_BUCKETS)] += w;
            }
        }
        Content { feats, dim }
    }
}

impl Scorer for Content {
    fn score(&self, _user: u32, history: &[u32], out: &mut [f32]) {
        let mut q = vec![0.0f32; self.dim];
        for &h in history {
            let row = &self.feats[h as usize * self.dim..(h as usize + 1) * self.dim];
            for (a, b) in q.iter_mut().zip(row) {
                *a += b;
            }
        }
        for (i, o) in out.iter_mut().enumerate() {
            let row = &self.feats[i * self.dim..(i + 1) * self.dim];
            *o = q.iter().zip(row).map(|(a, b)| a * b).sum();
        }
    }
}

fn row(name: &str, m: &Metrics, warm_hr: f64) {
    println!(
        "| {name} | {:.4} | {:.4} | {:.0} % |",
        m.hr10,
        m.ndcg10,
        100.0 * m.hr10 / warm_hr.max(1e-12)
    );
}

fn main() -> anyhow::Result<()> {
    let Some(dir) =
        testdata::shared_dataset(env!("CARGO_MANIFEST_DIR"), "ml-100k", "bench inductive")
    else {
        return Ok(());
    };
    let seed: u64 = std::env::var("REELGRAPH_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let started = Instant::now();
    let (ds, _) = data::load(&dir, &Default::default())?;
    let original = data::split(&ds)?;
    let n = original.num_items();

    // The hidden movies: a seeded 10 %, put after the others.
    let mut rng = Rng::from_state(seed);
    let mut shuffled: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        shuffled.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    let mut hidden = vec![false; n];
    for &i in &shuffled[..n / 10] {
        hidden[i] = true;
    }
    let order: Vec<usize> = (0..n)
        .filter(|&i| !hidden[i])
        .chain((0..n).filter(|&i| hidden[i]))
        .collect();
    let kept = n - n / 10;
    let mut pos = vec![0u32; n];
    for (new, &old) in order.iter().enumerate() {
        pos[old] = new as u32;
    }
    let full = renumber(&original, &order, &pos);
    let counts = full.item_train_counts();
    let movies: Vec<Movie> = order
        .iter()
        .zip(&counts)
        .map(|(&o, &c)| Movie {
            popularity: c,
            ..ds.movies[o].clone()
        })
        .collect();

    // The train part without the hidden movies, and a split over the kept
    // movies only for the cold model's early stopping.
    let cold_train: Vec<Vec<u32>> = full
        .train
        .iter()
        .map(|t| t.iter().copied().filter(|&i| (i as usize) < kept).collect())
        .collect();
    let cold_val = Split {
        item_ids: full.item_ids[..kept].to_vec(),
        user_ids: full.user_ids.clone(),
        train: cold_train.clone(),
        train_times: full.train_times.clone(),
        val: full
            .val
            .iter()
            .map(|v| v.filter(|&i| (i as usize) < kept))
            .collect(),
        test: vec![None; full.num_users()],
        disliked: vec![],
    };
    let mut cfg = TrainConfig {
        seed,
        ..TrainConfig::default()
    };
    if let Some(e) = std::env::var("REELGRAPH_BENCH_EPOCHS")
        .ok()
        .and_then(|e| e.parse().ok())
    {
        cfg.epochs = e;
    }
    let t = Instant::now();
    let warm = fit(&full.train, &movies, &cfg, &full)?;
    let warm_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cold = fit(&cold_train, &movies[..kept], &cfg, &cold_val)?;
    let cold_s = t.elapsed().as_secs_f64();
    let dim = warm.config.dim;

    // The hidden movies embedded by the cold model: features only, and
    // features with their neighbourhood in the full train graph.
    let device = warm.model.id.weight.device();
    let feats = FeatureTensors::new(
        &cold.config,
        &ItemFeatures::new(&cold.config, &movies),
        &device,
    );
    // A new movie's neighbourhood is computed once, when it is embedded:
    // more walks and neighbours than the training's (10 walks, 3 kept)
    // cost nothing worth counting for a few movies.
    let inductive_walk = WalkConfig {
        num_walks: 200,
        top_t: 20,
        ..cfg.sampler.walk.clone()
    };
    let full_nbrs = Neighbourhoods::compute(
        &Graph::from_train(&full.train, n),
        &inductive_walk,
        cfg.seed ^ 0xA5A5_5A5A,
    );
    let lists = |with_graph: bool| -> Neighbourhoods {
        let per_item: Vec<Vec<(u32, f32)>> = (0..n as u32)
            .map(|i| {
                let (items, w) = if (i as usize) < kept {
                    cold.neighbourhoods.of(i)
                } else if with_graph {
                    full_nbrs.of(i)
                } else {
                    (&[][..], &[][..])
                };
                items.iter().copied().zip(w.iter().copied()).collect()
            })
            .collect();
        Neighbourhoods::from_lists(per_item, cold.neighbourhoods.top_t().max(full_nbrs.top_t()))
    };
    let t = Instant::now();
    let feature_only = infer::embed_all(&cold.model, &feats, &lists(false));
    let with_graph = infer::embed_all(&cold.model, &feats, &lists(true));
    let embed_s = t.elapsed().as_secs_f64();
    let hidden_nbrs: usize = (kept..n).map(|i| full_nbrs.of(i as u32).0.len()).sum();
    let moved: f32 = feature_only[kept * dim..]
        .iter()
        .zip(&with_graph[kept * dim..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    eprintln!(
        "hidden movies: {:.1} graph neighbours each; the neighbourhood moves their vectors by up to {moved:.4}",
        hidden_nbrs as f64 / (n - kept) as f64
    );
    assert_eq!(
        feature_only[..kept * dim],
        cold.vectors[..],
        "the kept movies' vectors are the cold model's"
    );

    // The held-out items that are hidden movies (others: none).
    let hidden_only = |held: &[Option<u32>]| -> Vec<Option<u32>> {
        held.iter()
            .map(|t| t.filter(|&i| (i as usize) >= kept))
            .collect()
    };
    // The test interactions on hidden movies.
    let on_hidden = Split {
        test: hidden_only(&full.test),
        ..full.clone()
    };
    let cases = on_hidden.test_len();
    let (warm_decay, _) = choose_decay(&full, &warm.vectors, dim, &DECAY_GRID);
    let (cold_decay, _) = choose_decay(&cold_val, &cold.vectors, dim, &DECAY_GRID);
    let history = |v: &[f32], decay: f32| -> Metrics {
        evaluate(
            &on_hidden,
            &HistoryVectors::new(ItemVectors::new(v, dim), decay),
            EvalSplit::Test,
        )
    };
    let warm_m = history(&warm.vectors, warm_decay);
    let feat_m = history(&feature_only, cold_decay);
    let graph_m = history(&with_graph, cold_decay);
    // The neighbours' final vectors (fold-in), and blends of the model's
    // inductive vector with them: the share chosen on the validation
    // interactions that fall on the hidden movies (never on test).
    let folded = infer::fold_in(&with_graph, dim, kept, &full_nbrs);
    let fold_m = history(&folded, cold_decay);
    let val_hidden = Split {
        val: hidden_only(&full.val),
        ..full.clone()
    };
    let blend = |alpha: f32| -> Vec<f32> {
        let mut v = with_graph.clone();
        for (o, f) in v[kept * dim..].iter_mut().zip(&folded[kept * dim..]) {
            *o = alpha * *o + (1.0 - alpha) * f;
        }
        v
    };
    let mut best_alpha = (1.0f32, -1.0f64);
    for alpha in [1.0f32, 0.75, 0.5, 0.25, 0.0] {
        let m = evaluate(
            &val_hidden,
            &HistoryVectors::new(ItemVectors::new(&blend(alpha)[..], dim), cold_decay),
            EvalSplit::Val,
        );
        eprintln!(
            "blend α={alpha}: val HR@10 on hidden movies {:.4} ({} cases)",
            m.hr10,
            val_hidden.val_len()
        );
        if m.hr10 > best_alpha.1 {
            best_alpha = (alpha, m.hr10);
        }
    }
    let blend_m = history(&blend(best_alpha.0), cold_decay);
    let content_m = evaluate(&on_hidden, &Content::new(&movies), EvalSplit::Test);
    let pop = Popularity::fit(&full);
    let pop_m = evaluate(&on_hidden, &pop, EvalSplit::Test);

    println!(
        "\n## New movies: ml-100k, {} of {n} movies hidden from training (seed {seed}); \
         {cases} test interactions fall on them\n",
        n - kept
    );
    println!("| model | HR@10 | NDCG@10 | of warm HR@10 |\n|---|---:|---:|---:|");
    row("warm: trained with those movies", &warm_m, warm_m.hr10);
    row(
        "inductive: features + graph neighbourhood",
        &graph_m,
        warm_m.hr10,
    );
    row(
        "inductive: neighbours' vectors (fold-in)",
        &fold_m,
        warm_m.hr10,
    );
    row(
        &format!("inductive: blend of the two (α = {} on val)", best_alpha.0),
        &blend_m,
        warm_m.hr10,
    );
    row("inductive: features only", &feat_m, warm_m.hr10);
    row("content only (genre, year, title)", &content_m, warm_m.hr10);
    row("popularity (full train counts)", &pop_m, warm_m.hr10);
    let all_warm = evaluate(
        &full,
        &HistoryVectors::new(ItemVectors::new(&warm.vectors[..], dim), warm_decay),
        EvalSplit::Test,
    );
    let all_graph = evaluate(
        &full,
        &HistoryVectors::new(ItemVectors::new(&with_graph[..], dim), cold_decay),
        EvalSplit::Test,
    );
    println!(
        "\nAll {} test interactions: warm HR@10 {:.4}, inductive (graph) {:.4}. \
         Training: warm {warm_s:.1} s, cold {cold_s:.1} s; embedding both ways {embed_s:.2} s.",
        full.test_len(),
        all_warm.hr10,
        all_graph.hr10
    );
    for (name, m) in [
        ("features + graph", &graph_m),
        ("fold-in", &fold_m),
        ("blend", &blend_m),
        ("features only", &feat_m),
    ] {
        let half = m.hr10 >= 0.5 * warm_m.hr10;
        let beats = m.hr10 > content_m.hr10 && m.hr10 > pop_m.hr10;
        println!(
            "goal (inductive, {name}): ≥ half of warm HR@10: {}; above content and popularity: {}",
            if half { "met" } else { "NOT met" },
            if beats { "yes" } else { "no" }
        );
    }

    // New visitors: the first marks only.
    println!(
        "\n## New visitors: the warm model from a user's first marks (ml-100k, users with more than \
         10 train marks: is the movie they marked next in the top 10 of the full catalogue?)\n"
    );
    println!(
        "| marks | users | model HR@10 | NDCG@10 | popularity HR@10 |\n|---:|---:|---:|---:|---:|"
    );
    let warm_scorer = HistoryVectors::new(ItemVectors::new(&warm.vectors[..], dim), warm_decay);
    for marks in [1usize, 3, 5, 10] {
        let first = Split {
            train: full
                .train
                .iter()
                .map(|t| t[..marks.min(t.len())].to_vec())
                .collect(),
            val: vec![None; full.num_users()],
            // The movie they marked next (users with more than 10 marks, so
            // every row has the same users).
            test: full
                .train
                .iter()
                .map(|tr| (tr.len() > 10).then(|| tr[marks]))
                .collect(),
            ..full.clone()
        };
        let m = evaluate(&first, &warm_scorer, EvalSplit::Test);
        let p = evaluate(&first, &pop, EvalSplit::Test);
        println!(
            "| {marks} | {} | {:.4} | {:.4} | {:.4} |",
            first.test_len(),
            m.hr10,
            m.ndcg10,
            p.hr10
        );
    }
    println!("\n(whole bench {:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}
