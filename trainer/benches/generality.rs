//! Generality benchmark: the trainer's defaults on every MovieLens dataset at
//! hand, PinSAGE (history recommender) against every baseline of the same
//! report, test split. Prints a table per dataset and a summary.
//!
//! ```text
//! cargo bench --workspace --bench generality                 # every dataset found
//! cargo bench --workspace --bench generality -- ml100k-r4    # some of them
//! REELGRAPH_BENCH_SASREC=1 cargo bench --workspace --bench generality   # + the SASRec baseline
//! ```
//!
//! Datasets (the same defaults, no per-dataset setting):
//! - `ml100k`: ml-100k from `../shared/data`;
//! - `ml100k-r4`: the same with only ratings ≥ 4 kept (`--min-rating 4`);
//! - `mlls2015`: ml-latest-small as published in April 2015 (706 users,
//!   8,570 movies, 100,023 ratings), taken from the PyPI archive of
//!   scikit-fusion 0.2.1 by `scripts/skfusion-movielens.sh DIR`; read from
//!   `$REELGRAPH_MLLS2015` or `~/.cache/reelgraph/data/ml-latest-small-2015`;
//! - `mlls2016`: ml-latest-small as published in 2016 (671 users, 9,066
//!   movies, 100,004 ratings), built by `scripts/dslabs-movielens.sh DIR`
//!   from Debian's r-cran-dslabs; read from `$REELGRAPH_MLLS2016` or
//!   `~/.cache/reelgraph/data/ml-latest-small-2016`.
//!
//! The trainer issue's goal, per dataset: PinSAGE above every baseline row
//! (HR@10 and NDCG@10), and on ml-100k also HR@10 ≥ 0.200 / NDCG@10 ≥ 0.100.

use std::path::PathBuf;
use std::time::Instant;

use reelgraph_testkit::data as testdata;
use reelgraph_trainer::baselines::SasRecConfig;
use reelgraph_trainer::data::LoadOptions;
use reelgraph_trainer::evaluate::{EvalSplit, Metrics};
use reelgraph_trainer::pipeline::{self, PipelineOptions, PipelineOutcome};

struct Summary {
    name: &'static str,
    users: usize,
    items: usize,
    interactions: usize,
    pin: Metrics,
    pin_val: Metrics,
    best: (String, Metrics),
    best_val: (String, Metrics),
    above_all: bool,
    train_seconds: f64,
}

/// A dataset built by one of the scripts (outside the repository): from
/// `$VAR`, else `~/.cache/reelgraph/data/NAME`.
fn built_dir(var: &str, name: &str, script: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/reelgraph/data").join(name))
    })?;
    if dir.join("ratings.csv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP {name}: {} has no ratings.csv (build it with scripts/{script} {})",
            dir.display(),
            dir.display()
        );
        None
    }
}

fn run(name: &'static str, dir: PathBuf, load: LoadOptions) -> anyhow::Result<Summary> {
    let tmp = tempfile::tempdir()?;
    let mut opts = PipelineOptions::new(&dir);
    opts.load = load;
    opts.report = Some(tmp.path().join("report.json"));
    if std::env::var_os("REELGRAPH_BENCH_SASREC").is_some()
        && let Some(b) = opts.baselines.as_mut()
    {
        b.sasrec = Some(SasRecConfig {
            seed: opts.train.seed,
            ..SasRecConfig::default()
        });
    }
    let started = Instant::now();
    let f = match pipeline::train_and_evaluate(&opts)? {
        PipelineOutcome::Finished(f) => f,
        PipelineOutcome::Interrupted { .. } => anyhow::bail!("interrupted"),
    };
    let total = started.elapsed().as_secs_f64();
    println!(
        "\n## {name}: {} users, {} items, {} interactions (test split)\n",
        f.dataset.users, f.dataset.items, f.dataset.interactions
    );
    print!("{}", f.report.table(&[EvalSplit::Test]));
    let pin = f.pinsage(EvalSplit::Test).copied().unwrap_or_default();
    let pin_val = f.pinsage(EvalSplit::Val).copied().unwrap_or_default();
    let above_all = f.report.pinsage_above_every_baseline(EvalSplit::Test);
    // Each row's chosen settings and seconds (the report's notes).
    println!();
    for note in &f.report.notes {
        println!("- {note}");
    }
    println!(
        "\ntrain_seconds {:.1}, whole job incl. baselines {total:.1} s, epochs run {}, best epoch {}, decay {}",
        f.report.train_seconds, f.epochs_run, f.best_epoch, f.decay
    );
    Ok(Summary {
        name,
        users: f.dataset.users,
        items: f.dataset.items,
        interactions: f.dataset.interactions,
        pin,
        pin_val,
        best: f.report.best_baseline(EvalSplit::Test).unwrap_or_default(),
        best_val: f.report.best_baseline(EvalSplit::Val).unwrap_or_default(),
        above_all,
        train_seconds: f.report.train_seconds,
    })
}

fn main() -> anyhow::Result<()> {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let shared = |test| testdata::shared_dataset(env!("CARGO_MANIFEST_DIR"), "ml-100k", test);
    let mut done = Vec::new();
    if want("ml100k")
        && let Some(dir) = shared("bench generality ml100k")
    {
        done.push(run("ml-100k", dir, LoadOptions::default())?);
    }
    if want("ml100k-r4")
        && let Some(dir) = shared("bench generality ml100k-r4")
    {
        let load = LoadOptions {
            min_rating: Some(4.0),
            ..LoadOptions::default()
        };
        done.push(run("ml-100k, ratings ≥ 4", dir, load)?);
    }
    // Datasets built by the scripts: (bench name, label, variable, folder, script).
    for (key, label, var, folder, script) in [
        (
            "mlls2015",
            "ml-latest-small (2015)",
            "REELGRAPH_MLLS2015",
            "ml-latest-small-2015",
            "skfusion-movielens.sh",
        ),
        (
            "mlls2016",
            "ml-latest-small (2016)",
            "REELGRAPH_MLLS2016",
            "ml-latest-small-2016",
            "dslabs-movielens.sh",
        ),
    ] {
        if want(key)
            && let Some(dir) = built_dir(var, folder, script)
        {
            done.push(run(label, dir, LoadOptions::default())?);
        }
    }
    println!("\n## Summary: defaults, PinSAGE history vs the best baseline row\n");
    println!(
        "| dataset | users | items | interactions | split | PinSAGE HR@10 / NDCG@10 | best baseline | its HR@10 / NDCG@10 | PinSAGE above every baseline (test) | train s |"
    );
    println!("|---|---:|---:|---:|---|---:|---|---:|---|---:|");
    for s in &done {
        for (split, pin, (bn, bm)) in [("val", s.pin_val, &s.best_val), ("test", s.pin, &s.best)] {
            println!(
                "| {} | {} | {} | {} | {split} | {:.4} / {:.4} | {bn} | {:.4} / {:.4} | {} | {:.1} |",
                s.name,
                s.users,
                s.items,
                s.interactions,
                pin.hr10,
                pin.ndcg10,
                bm.hr10,
                bm.ndcg10,
                if split == "test" {
                    if s.above_all { "yes" } else { "no" }
                } else {
                    "-"
                },
                s.train_seconds
            );
        }
    }
    Ok(())
}
