//! Training benchmark: prints a table of wall times and quality.
//!
//! ```text
//! cargo bench --bench train               # both parts
//! cargo bench --bench train -- ml100k     # ml-100k from ../shared/data, with baselines
//! cargo bench --bench train -- 1m         # a generated 1,000,000-interaction graph
//! cargo bench --bench train -- scaling    # time and peak memory, 0.1M to 10M interactions
//! ```
//!
//! `scaling` runs each size in a child process of its own (so each peak
//! resident set is that size's), one epoch each by default
//! (`REELGRAPH_SCALING_EPOCHS=N` for more; `REELGRAPH_SCALING_MAX=N` stops
//! after the sizes up to N interactions), plus the 1M size pinned to one
//! CPU (`taskset`) for the parallel share, and prints what the figures
//! predict for ml-25m and ml-32m on 2 and 32 cores.
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
        "pinsage / history HR@10 {:.4} / NDCG@10 {:.4}: goal ≥ 0.250 / ≥ 0.135: {}; above every baseline (HR and NDCG): {} (best baseline {})",
        pin.hr10,
        pin.ndcg10,
        if pin.hr10 >= 0.25 && pin.ndcg10 >= 0.135 {
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
    if let [cmd, k] = &which[..]
        && cmd == "scale-one"
    {
        return scale_one(k.parse()?);
    }
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
    if which.iter().any(|w| w == "scaling") {
        scaling()?;
    }
    Ok(())
}

/// Sizes of the scaling table: (nominal interactions, users, items); every
/// user has 166 interactions, as in the 1M graph above.
const SCALES: [(usize, usize, usize); 4] = [
    (100_000, 600, 1_000),
    (1_000_000, 6_000, 4_000),
    (4_000_000, 24_000, 8_000),
    (10_000_000, 60_000, 16_000),
];

/// What one size's child process reports (one line, `SCALE` + JSON).
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct ScaleRun {
    interactions: usize,
    users: usize,
    items: usize,
    epochs: usize,
    /// PinSAGE training (sampling, steps, final embedding).
    train_seconds: f64,
    /// Load, split, graph, training, every validation, the recommenders'
    /// choices on validation, test evaluation, report.
    job_seconds: f64,
    peak_rss_mb: f64,
    test_hr10: f64,
}

/// Peak resident set of this process (`VmHWM`), MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The child's part: train one size (no baselines) and report.
fn scale_one(k: usize) -> anyhow::Result<()> {
    let (_, users, items) = SCALES[k];
    let cfg = SynthConfig {
        users,
        items,
        per_user: 166,
        clusters: 20,
        focus: 0.8,
        drift: 0.05,
        seed: 1,
    };
    let (movies, xs) = synthetic::generate(&cfg);
    let tmp = tempfile::tempdir()?;
    synthetic::write_generic(tmp.path(), &movies, &xs)?;
    let interactions = xs.len();
    drop((movies, xs));
    let mut opts = PipelineOptions::new(tmp.path());
    opts.baselines = None;
    opts.report = Some(tmp.path().join("report/"));
    if let Some(e) = std::env::var("REELGRAPH_SCALING_EPOCHS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        opts.train.epochs = e;
    } else {
        opts.train.epochs = 1;
    }
    let started = Instant::now();
    let f = run(&opts)?;
    let run = ScaleRun {
        interactions,
        users,
        items,
        epochs: f.epochs_run,
        train_seconds: f.report.train_seconds,
        job_seconds: started.elapsed().as_secs_f64(),
        peak_rss_mb: peak_rss_mb(),
        test_hr10: f.pinsage(EvalSplit::Test).map_or(f64::NAN, |m| m.hr10),
    };
    println!("SCALE {}", serde_json::to_string(&run)?);
    Ok(())
}

fn child(k: usize, one_cpu: bool) -> anyhow::Result<ScaleRun> {
    let exe = std::env::current_exe()?;
    let mut cmd = if one_cpu {
        let mut c = std::process::Command::new("taskset");
        c.arg("-c").arg("0").arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let out = cmd
        .arg("scale-one")
        .arg(k.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "size {k}: {}", out.status);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("SCALE "))
        .ok_or_else(|| anyhow::anyhow!("size {k}: no SCALE line in {text}"))?;
    Ok(serde_json::from_str(line)?)
}

/// Real MovieLens sizes the table predicts: (name, ratings, users, movies).
const PREDICT: [(&str, f64, f64, f64); 2] = [
    ("ml-25m", 25_000_095.0, 162_541.0, 62_423.0),
    ("ml-32m", 32_000_204.0, 200_948.0, 87_585.0),
];

fn scaling() -> anyhow::Result<()> {
    let max: usize = std::env::var("REELGRAPH_SCALING_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX);
    let mut runs = Vec::new();
    for (k, &(nominal, ..)) in SCALES.iter().enumerate() {
        if nominal <= max {
            runs.push(child(k, false)?);
        }
    }
    println!("\n## scaling: generated graphs, defaults, no baselines (2 cores unless noted)\n");
    println!(
        "| interactions | users | items | epochs | train s | per epoch s | job s | peak RSS MB | test HR@10 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let row = |r: &ScaleRun, note: &str| {
        println!(
            "| {}{note} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.0} | {:.4} |",
            r.interactions,
            r.users,
            r.items,
            r.epochs,
            r.train_seconds,
            r.train_seconds / r.epochs.max(1) as f64,
            r.job_seconds,
            r.peak_rss_mb,
            r.test_hr10
        )
    };
    for r in &runs {
        row(r, "");
    }
    let one = if max >= 1_000_000 {
        let r = child(1, true)?;
        row(&r, " (1 CPU)");
        Some(r)
    } else {
        None
    };
    if runs.len() < 2 {
        return Ok(());
    }
    // Models fitted on the two largest sizes measured:
    //   training per epoch = a + b × interactions;
    //   the rest of the job (validation, choices, test) = c + d × users × items
    //   (every evaluation scores every item for every user);
    //   peak memory = e + f × interactions.
    let (p, q) = (&runs[runs.len() - 2], &runs[runs.len() - 1]);
    let per_epoch = |r: &ScaleRun| r.train_seconds / r.epochs.max(1) as f64;
    let rest = |r: &ScaleRun| (r.job_seconds - r.train_seconds).max(0.0);
    let cells = |r: &ScaleRun| r.users as f64 * r.items as f64;
    let b = (per_epoch(q) - per_epoch(p)) / (q.interactions - p.interactions) as f64;
    let a = per_epoch(q) - b * q.interactions as f64;
    let d = (rest(q) - rest(p)) / (cells(q) - cells(p));
    let c = rest(q) - d * cells(q);
    let f = (q.peak_rss_mb - p.peak_rss_mb) / (q.interactions - p.interactions) as f64;
    let e = q.peak_rss_mb - f * q.interactions as f64;
    // Amdahl from the 1M graph on 1 and 2 CPUs: T2 / T1 = (1 − s) + s / 2.
    let share = one.map(|o| {
        let two = &runs[1];
        (2.0 * (1.0 - two.job_seconds / o.job_seconds)).clamp(0.0, 1.0)
    });
    println!(
        "\nfits (two largest sizes): train per epoch {a:.2} s + {:.3} µs × interactions; rest of the job {c:.1} s + {:.3} ns × users × items; peak memory {e:.0} MB + {:.1} bytes × interactions",
        b * 1e6,
        d * 1e9,
        f * 1e6 * 1.048_576
    );
    if let Some(s) = share {
        println!(
            "parallel share of the job (1M graph, 1 vs 2 CPUs, Amdahl): {:.0} %",
            s * 100.0
        );
    }
    let epochs = 12.0; // the default maximum
    println!(
        "\n| prediction | interactions | per epoch s (2 cores) | 12 epochs + rest, 2 cores | 32 cores | peak RSS GB |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, n, users, items) in PREDICT {
        let epoch_s = a + b * n;
        let two = epochs * epoch_s + c + d * users * items;
        let thirty_two = share.map(|s| two / ((1.0 - s) + s / 2.0) * ((1.0 - s) + s / 32.0));
        println!(
            "| {name} | {n:.0} | {epoch_s:.0} | {:.1} h | {} | {:.1} |",
            two / 3600.0,
            thirty_two.map_or("-".into(), |t| format!("{:.1} h", t / 3600.0)),
            (e + f * n) / 1024.0
        );
    }
    Ok(())
}
