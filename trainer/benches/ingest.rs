//! Ingest benchmark: a generated 1,000,000-line ml-1m-format `ratings.dat`
//! (6,040 users, 3,952 movies, latin-1 catalogue) through `data::load`, then
//! the per-user time split. Goal: load under 2 s on 2 cores.
//!
//! `cargo bench -p reelgraph-trainer --bench ingest` (env INGEST_LINES and
//! INGEST_RUNS change the size and the number of runs).

use std::io::Write;
use std::time::{Duration, Instant};

use reelgraph_trainer::data::{self, LoadOptions};

fn main() -> anyhow::Result<()> {
    let lines: usize = std::env::var("INGEST_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("INGEST_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir()?;
    let (users, movies) = (6040u32, 3952u32);

    let mut m = std::io::BufWriter::new(std::fs::File::create(dir.path().join("movies.dat"))?);
    for id in 1..=movies {
        // every 7th title latin-1 with a moved article, like the real file
        if id % 7 == 0 {
            m.write_all(format!("{id}::Mis").as_bytes())?;
            m.write_all(b"\xe9rables")?;
            writeln!(m, " {id}, Les (1995)::Drama|Musical")?;
        } else {
            writeln!(m, "{id}::Movie {id} ({})::Comedy|Drama", 1920 + id % 80)?;
        }
    }
    m.flush()?;
    let mut u = std::io::BufWriter::new(std::fs::File::create(dir.path().join("users.dat"))?);
    for id in 1..=users {
        writeln!(
            u,
            "{id}::{}::25::{}::55117",
            if id % 2 == 0 { "M" } else { "F" },
            id % 21
        )?;
    }
    u.flush()?;
    // Deterministic pseudo-random ratings (xorshift), grouped by user like ml-1m.
    let mut r = std::io::BufWriter::new(std::fs::File::create(dir.path().join("ratings.dat"))?);
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for i in 0..lines {
        let user = 1 + (i as u64 * users as u64 / lines as u64) as u32;
        let x = next();
        let movie = 1 + (x % movies as u64) as u32;
        let rating = 1 + (x >> 20) % 5;
        let ts = 956_703_932 + (x >> 32) % 90_000_000;
        writeln!(r, "{user}::{movie}::{rating}::{ts}")?;
    }
    r.flush()?;
    let bytes = std::fs::metadata(dir.path().join("ratings.dat"))?.len();

    println!(
        "ingest benchmark: {lines} lines, {:.1} MB ratings.dat (ml-1m format)",
        bytes as f64 / 1e6
    );
    println!(
        "{:>4} {:>10} {:>10} {:>14}",
        "run", "load ms", "split ms", "lines/s"
    );
    let mut loads = Vec::new();
    let mut splits = Vec::new();
    for run in 1..=runs {
        let t = Instant::now();
        let (ds, report) = data::load(dir.path(), &LoadOptions::default())?;
        let load = t.elapsed();
        assert_eq!(report.interactions, lines);
        let t = Instant::now();
        let split = data::split(&ds)?;
        let sp = t.elapsed();
        assert_eq!(
            split.train_len() + split.val_len() + split.test_len(),
            lines
        );
        println!(
            "{run:>4} {:>10.1} {:>10.1} {:>14.0}",
            ms(load),
            ms(sp),
            lines as f64 / load.as_secs_f64()
        );
        loads.push(load);
        splits.push(sp);
    }
    loads.sort();
    splits.sort();
    let median = loads[loads.len() / 2];
    println!(
        "median load {:.1} ms, median split {:.1} ms; goal < 2000 ms: {}",
        ms(median),
        ms(splits[splits.len() / 2]),
        if median < Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
