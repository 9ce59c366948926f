//! Training benchmark: prints a table of wall times and quality.
//!
//! ```text
//! cargo bench --bench train               # both parts
//! cargo bench --bench train -- ml100k     # ml-100k from ../shared/data, with baselines
//! cargo bench --bench train -- 1m         # a generated 1,000,000-interaction graph
//! ```
//!
//! Goals (trainer issue): ml-100k trained to HR@10 ≥ 0.200 / NDCG@10 ≥ 0.100
//! (test, history recommender) above every baseline within 60 s; the
//! generated graph (6,000 users, 4,000 items, 1,000,000 interactions) in
//! under 10 minutes. `train_seconds` is PinSAGE wall time (sampling,
//! training, final embedding; validation and baselines excluded).

use std::time::Instant;

use reelgraph_testkit::data as testdata;
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::evaluate::EvalSplit;
use reelgraph_trainer::graph::Graph;
use reelgraph_trainer::pipeline::{self, PipelineOptions, PipelineOutcome};
use reelgraph_trainer::sampler::{Neighbourhoods, spawn_batches};
use reelgraph_trainer::train::TrainConfig;

fn run(opts: &PipelineOptions) -> anyhow::Result<Box<pipeline::Finished>> {
    match pipeline::train_and_evaluate(opts)? {
        PipelineOutcome::Finished(f) => Ok(f),
        PipelineOutcome::Interrupted { .. } => anyhow::bail!("interrupted"),
    }
}

fn ml100k() -> anyhow::Result<()> {
    let Some(dir) = testdata::shared_dataset(env!("CARGO_MANIFEST_DIR"), "ml-100k", "bench ml100k")
    else {
        return Ok(());
    };
    let tmp = tempfile::tempdir()?;
    let mut opts = PipelineOptions::new(&dir);
    opts.report = Some(tmp.path().join("report.json"));
    let started = Instant::now();
    let f = run(&opts)?;
    let total = started.elapsed().as_secs_f64();
    println!("\n## ml-100k, defaults (test split)\n");
    print!("{}", f.report.table(&[EvalSplit::Test]));
    let pin = f.pinsage(EvalSplit::Test).copied().unwrap_or_default();
    let beats_all = f.report.pinsage_above_every_baseline(EvalSplit::Test);
    let best_baseline = f.report.best_baseline(EvalSplit::Test);
    println!(
        "\ntrain_seconds {:.1} (goal ≤ 60), whole job incl. baselines {total:.1} s, best epoch {}, decay {}",
        f.report.train_seconds, f.best_epoch, f.decay
    );
    println!(
        "goal HR@10 ≥ 0.200 and NDCG@10 ≥ 0.100: {}; above every baseline (HR and NDCG): {} (best baseline {})",
        if pin.hr10 >= 0.2 && pin.ndcg10 >= 0.1 {
            "met"
        } else {
            "NOT met"
        },
        if beats_all { "yes" } else { "no" },
        best_baseline.map(|(n, _)| n).unwrap_or_default()
    );
    Ok(())
}

fn one_million() -> anyhow::Result<()> {
    let cfg = SynthConfig {
        users: 6_000,
        items: 4_000,
        per_user: 1_000_000 / 6_000,
        clusters: 20,
        focus: 0.8,
        drift: 0.05,
        seed: 1,
    };
    let t = Instant::now();
    let (movies, xs) = synthetic::generate(&cfg);
    let tmp = tempfile::tempdir()?;
    synthetic::write_generic(tmp.path(), &movies, &xs)?;
    println!(
        "\n## generated graph: {} users, {} items, {} interactions (generated in {:.1} s)\n",
        cfg.users,
        cfg.items,
        xs.len(),
        t.elapsed().as_secs_f64()
    );
    // Parts: neighbourhoods and sampling throughput, then the whole job.
    let (ds, _) = reelgraph_trainer::data::load(tmp.path(), &Default::default())?;
    let split = reelgraph_trainer::data::split(&ds)?;
    let graph = std::sync::Arc::new(Graph::from_split(&split));
    let train = TrainConfig::default();
    let t = Instant::now();
    let n = Neighbourhoods::compute(&graph, &train.sampler.walk, 1);
    let nbr_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let batches = 200;
    let rx = spawn_batches(graph.clone(), train.sampler.clone(), 1, 0, 0..batches, 2);
    let got = rx.into_iter().count();
    let sample_s = t.elapsed().as_secs_f64();
    println!("| part | figure |\n|---|---:|");
    println!(
        "| importance neighbourhoods of {} items | {nbr_s:.2} s |",
        n.num_items()
    );
    println!(
        "| sampling ({} triples per batch, blocks of 2 layers) | {:.0} batches/s |",
        train.sampler.batch_size,
        got as f64 / sample_s
    );
    let mut opts = PipelineOptions::new(tmp.path());
    opts.baselines = None;
    opts.report = Some(tmp.path().join("report/"));
    let started = Instant::now();
    let f = run(&opts)?;
    let total = started.elapsed().as_secs_f64();
    println!(
        "| PinSAGE train_seconds (defaults, {} epochs run, best {}) | {:.1} s (goal < 600) |",
        f.epochs_run, f.best_epoch, f.report.train_seconds
    );
    println!("| whole job (load, split, train, evaluate, report) | {total:.1} s |");
    let pin = f.pinsage(EvalSplit::Test).copied().unwrap_or_default();
    println!(
        "| test HR@10 / NDCG@10 (history) | {:.4} / {:.4} |",
        pin.hr10, pin.ndcg10
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    println!(
        "machine: {} CPUs",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if want("ml100k") {
        ml100k()?;
    }
    if want("1m") {
        one_million()?;
    }
    Ok(())
}
