//! The trainer function's time and memory, run as Lambda runs it: the built
//! `train` binary against an in-process Lambda Runtime API (the test's
//! harness, `tests/it/runtime.rs`), its dataset and model root on a local S3
//! server, invoked with the scheduled event and then `{"job": ID}` (what the
//! state machine does) until it publishes. Each invocation gets the same
//! budget (its deadline), so a long job checkpoints to S3 and continues.
//! Prints a table: invocations and their wall times, CPU time and the peak
//! resident memory of the function's process.
//!
//! ```text
//! scripts/bench-train-function.sh              # builds the release binary, runs both
//! cargo bench --profile dev --workspace --bench train_function -- ml100k 1m
//! ```
//!
//! - `ml100k`: ml-100k from `../shared/data`, the defaults (baselines included).
//! - `1m`: the training benchmark's generated graph (6,000 users, 4,000
//!   items, 1,000,000 interactions), the defaults without baselines.
//!
//! Environment: `REELGRAPH_TRAIN_FUNCTION` (the binary; default: the one
//! cargo built for this bench, in the bench's profile),
//! `REELGRAPH_BENCH_BUDGET_S` (each invocation's time, default 900, Lambda's
//! most), `REELGRAPH_BENCH_MARGIN_S` (the function's margin before its
//! deadline, default 60, the template's default).

#[allow(dead_code)]
#[path = "../tests/it/runtime.rs"]
mod runtime;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::object::s3::S3Store;
use reelgraph_testkit::data as testdata;
use reelgraph_testkit::s3;
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::job::Response;
use runtime::{TrainFunction, event};

fn env_secs(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One run of the job to a published version; prints its table row.
async fn run(name: &str, dir: &Path, settings: &str) {
    let budget = Duration::from_secs_f64(env_secs("REELGRAPH_BENCH_BUDGET_S", 900.0));
    let margin = env_secs("REELGRAPH_BENCH_MARGIN_S", 60.0);
    let s3_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(s3_root.path().join("bucket")).unwrap();
    let endpoint = s3::serve(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        s3_root.path(),
    );
    let data = S3Store::new(s3::client(&endpoint), "s3://bucket/data").unwrap();
    let mut bytes = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let body = std::fs::read(&p).unwrap();
            bytes += body.len();
            data.put(p.file_name().unwrap().to_str().unwrap(), Bytes::from(body))
                .await
                .unwrap();
        }
    }
    let mut function = TrainFunction::start(
        &[
            s3::env(&endpoint),
            vec![
                ("REELGRAPH_MODE", "self-contained".into()),
                ("REELGRAPH_VECTORS", "embedded".into()),
                ("REELGRAPH_MODELS", "s3://bucket/models".into()),
                ("REELGRAPH_DATA", "s3://bucket/data".into()),
                ("REELGRAPH_TRAIN_SETTINGS", settings.into()),
                ("REELGRAPH_TRAIN_MARGIN_S", margin.to_string()),
            ],
        ]
        .concat(),
    )
    .await;
    let mut walls = Vec::new();
    let started = Instant::now();
    let mut payload = event("scheduled");
    let version = loop {
        let t = Instant::now();
        function.invoke(payload, budget);
        // An invocation that overruns its budget would be killed by Lambda.
        let answer = function.answer(budget + Duration::from_secs(60)).await;
        walls.push(t.elapsed().as_secs_f64());
        match answer {
            Response::Continue { job } => payload = serde_json::json!({ "job": job }),
            Response::Published { version, .. } => break version,
        }
    };
    let total = started.elapsed().as_secs_f64();
    let usage = function.usage();
    function.stop();
    let models = s3_root
        .path()
        .join("bucket/models")
        .join(format!("v{version}"));
    let artifact: u64 = std::fs::read_dir(&models)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let walls: Vec<String> = walls.iter().map(|w| format!("{w:.0}")).collect();
    println!(
        "| {name} ({:.1} MB) | {:.0} s, margin {margin:.0} s | {} ({} s) | {total:.0} s | {:.0} s | {:.0} MB | {:.1} MB |",
        bytes as f64 / 1e6,
        budget.as_secs_f64(),
        walls.len(),
        walls.join(" + "),
        usage.cpu_s,
        usage.peak_mb,
        artifact as f64 / 1e6,
    );
}

fn generated_1m(dir: &Path) {
    // The training benchmark's graph (trainer/benches/train.rs).
    let cfg = SynthConfig {
        users: 6_000,
        items: 4_000,
        per_user: 1_000_000 / 6_000,
        clusters: 20,
        focus: 0.8,
        drift: 0.05,
        seed: 1,
    };
    let (movies, xs) = synthetic::generate(&cfg);
    synthetic::write_generic(dir, &movies, &xs).unwrap();
}

#[tokio::main]
async fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let bin = std::env::var("REELGRAPH_TRAIN_FUNCTION")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_train").to_string());
    println!(
        "function: {bin}; machine: {} CPUs\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "| dataset | budget per invocation | invocations (wall each) | wall | CPU | peak RSS | version's artifacts |"
    );
    println!("|---|---|---|---:|---:|---:|---:|");
    if want("ml100k")
        && let Some(dir) =
            testdata::shared_dataset(env!("CARGO_MANIFEST_DIR"), "ml-100k", "bench ml100k")
    {
        run("ml-100k, defaults", &dir, "{}").await;
    }
    if want("1m") {
        let tmp = tempfile::tempdir().unwrap();
        generated_1m(tmp.path());
        let dir: PathBuf = tmp.path().into();
        run(
            "generated 1M, defaults, no baselines",
            &dir,
            r#"{"no_baselines": true}"#,
        )
        .await;
    }
}
