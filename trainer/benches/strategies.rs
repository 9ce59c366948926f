//! Offline comparison of the serving strategies of `reelgraph_api::recommend`
//! (average vector vs best score), which chooses the API's default.
//!
//! ```text
//! cargo bench --bench strategies
//! ```
//!
//! PinSAGE is trained with the defaults on ml-100k (`../shared/data`); its
//! vectors go into the embedded index, and every test user is answered
//! through the real `recommend()` exactly as the API answers a request:
//! `liked` = the user's most recent `n` items (train + val, as the UI's
//! ratings would be), `exclude` = the rest of the history, `k` = 10. The
//! test item is the target (HR@10, NDCG@10 over the users with a test item).

use std::collections::HashMap;
use std::time::Instant;

use reelgraph_api::recommend::{self, Query, Strategy};
use reelgraph_core::types::{Movie, MovieId};
use reelgraph_stores::embedded::{EmbeddedIndex, EmbeddedStore};
use reelgraph_stores::vector::ItemAttrs;
use reelgraph_testkit::data as testdata;
use reelgraph_trainer::data::Split;
use reelgraph_trainer::evaluate::{EvalSplit, query};
use reelgraph_trainer::pipeline::{self, PipelineOptions, PipelineOutcome};

fn main() -> anyhow::Result<()> {
    let Some(dir) =
        testdata::shared_dataset(env!("CARGO_MANIFEST_DIR"), "ml-100k", "bench strategies")
    else {
        return Ok(());
    };
    let mut opts = PipelineOptions::new(&dir);
    opts.baselines = None;
    let f = match pipeline::train_and_evaluate(&opts)? {
        PipelineOutcome::Finished(f) => f,
        PipelineOutcome::Interrupted { .. } => anyhow::bail!("interrupted"),
    };
    let (ds, _) = reelgraph_trainer::data::load(&dir, &Default::default())?;
    let split = reelgraph_trainer::data::split(&ds)?;
    let ids: Vec<MovieId> = f.movies.iter().map(|m| m.id).collect();
    let attrs: Vec<ItemAttrs> = f
        .movies
        .iter()
        .map(|m| ItemAttrs {
            year: m.year,
            genres: m.genres.clone(),
        })
        .collect();
    let index = EmbeddedIndex::new(1, &ids, &f.vectors, f.dim, &attrs)?;
    let store = EmbeddedStore::with_index(index);
    let rt = tokio::runtime::Builder::new_current_thread().build()?;

    println!("## Serving strategies on ml-100k (PinSAGE defaults, test item as target, k = 10)\n");
    println!("| liked (most recent) | strategy | HR@10 | NDCG@10 | ms/request |");
    println!("|---|---|---:|---:|---:|");
    for n in [5usize, 16, usize::MAX] {
        for strategy in [Strategy::AverageVector, Strategy::BestScore] {
            let t = Instant::now();
            let (hr, ndcg, users) = rt.block_on(run(&store, &split, &f.movies, n, strategy))?;
            let ms = t.elapsed().as_secs_f64() * 1000.0 / users as f64;
            let label = if n == usize::MAX {
                "all".to_string()
            } else {
                n.to_string()
            };
            println!(
                "| {label} | {} | {hr:.4} | {ndcg:.4} | {ms:.3} |",
                strategy.name()
            );
        }
    }
    Ok(())
}

async fn run(
    store: &EmbeddedStore,
    split: &Split,
    movies: &[Movie],
    n: usize,
    strategy: Strategy,
) -> anyhow::Result<(f64, f64, usize)> {
    let mut by_pop: Vec<&Movie> = movies.iter().collect();
    by_pop.sort_by(|a, b| b.popularity.cmp(&a.popularity).then(a.id.cmp(&b.id)));
    let id_of: HashMap<u32, MovieId> = split
        .item_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (i as u32, id))
        .collect();
    let (mut hr, mut ndcg, mut users) = (0.0, 0.0, 0usize);
    let mut history = Vec::new();
    for u in 0..split.num_users() {
        let Some(target) = query(split, EvalSplit::Test, u, &mut history) else {
            continue;
        };
        let cut = history.len().saturating_sub(n);
        let q = Query {
            liked: history[cut..].iter().map(|i| id_of[i]).collect(),
            exclude: history[..cut].iter().map(|i| id_of[i]).collect(),
            k: 10,
            strategy,
            ..Query::default()
        };
        let got = recommend::recommend(store, by_pop.iter().copied(), &q)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        users += 1;
        if let Some(rank) = got.iter().position(|s| s.id == id_of[&target]) {
            hr += 1.0;
            ndcg += 1.0 / ((rank + 2) as f64).log2();
        }
    }
    Ok((hr / users as f64, ndcg / users as f64, users))
}
