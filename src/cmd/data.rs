//! `reelgraph data fetch|inspect`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use reelgraph_core::settings::{self as s, Sources};
use reelgraph_trainer::data::{self, IngestReport, LoadOptions, fetch};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum DataCommand {
    /// Download an official MovieLens zip from GroupLens, verify its pinned
    /// SHA-256 and unzip it into DIR/NAME; for ml-1m also its OMDb
    /// information (DIR/ml-1m/movie_info.dat, SHA-256 pinned).
    Fetch(FetchArgs),
    /// Print users, items, interactions, density, rating histogram, time
    /// range and split sizes of a dataset directory.
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
pub struct FetchArgs {
    /// ml-100k, ml-1m, ml-10m, ml-latest-small, ml-20m, ml-25m or ml-32m.
    pub name: String,
    /// Directory that receives the dataset folder.
    #[arg(long, default_value = "data")]
    pub dir: PathBuf,
    /// Expected SHA-256 of the zip (needed for releases without a pinned one).
    #[arg(long)]
    pub sha256: Option<String>,
    #[arg(long = s::DATA_BASE_URL.long(), env = s::DATA_BASE_URL.env, help = s::DATA_BASE_URL.help)]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub omdb: OmdbArgs,
    /// Download again even when the dataset is already there.
    #[arg(long)]
    pub force: bool,
}

/// Where ml-1m's OMDb information comes from (`data fetch`, `demo`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OmdbArgs {
    #[arg(long = s::OMDB_URL.long(), env = s::OMDB_URL.env, help = s::OMDB_URL.help)]
    pub omdb_url: Option<String>,
    /// Expected SHA-256 of the file at --omdb-url when it is not the pinned
    /// original (a mirror of another file).
    #[arg(long)]
    pub omdb_sha256: Option<String>,
    /// Do not download the OMDb information.
    #[arg(long)]
    pub no_metadata: bool,
}

impl OmdbArgs {
    /// Download the metadata of `name` into `dataset_dir` (unless
    /// `--no-metadata`); `None` when there is none to get.
    pub fn fetch(
        &self,
        name: &str,
        dataset_dir: &std::path::Path,
        force: bool,
        config: &Sources,
    ) -> anyhow::Result<Option<PathBuf>> {
        if self.no_metadata {
            return Ok(None);
        }
        let opts = fetch::MetadataOptions {
            url: Some(config.require(&s::OMDB_URL, self.omdb_url.clone())?),
            sha256: self.omdb_sha256.clone(),
            force,
            progress: true,
        };
        fetch::fetch_metadata(name, dataset_dir, &opts)
            .with_context(|| format!("data fetch {name}: the OMDb information"))
    }
}

#[derive(clap::Args)]
pub struct InspectArgs {
    #[arg(long = s::DATA.long(), env = s::DATA.env, help = s::DATA.help)]
    pub data: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// OMDb metadata file (`ID::{json}` lines) to join and report on.
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    /// Drop ratings below this before splitting.
    #[arg(long)]
    pub min_rating: Option<f32>,
    /// Count malformed lines instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_lines: bool,
}

pub fn run(cmd: DataCommand, config: &Sources) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Fetch(a) => {
            let opts = fetch::FetchOptions {
                base_url: Some(config.require(&s::DATA_BASE_URL, a.base_url)?),
                sha256: a.sha256,
                force: a.force,
                progress: true,
            };
            let dir = fetch::fetch(&a.name, &a.dir, &opts)
                .with_context(|| format!("data fetch {}", a.name))?;
            println!("{} is ready in {}", a.name, dir.display());
            if let Some(file) = a.omdb.fetch(&a.name, &dir, a.force, config)? {
                println!(
                    "its OMDb information (plots, cast, posters) is in {}; `demo` joins it, \
                     `train` with --metadata {}",
                    file.display(),
                    file.display()
                );
            }
            Ok(())
        }
        DataCommand::Inspect(a) => inspect(a, config),
    }
}

fn inspect(a: InspectArgs, config: &Sources) -> anyhow::Result<()> {
    let dir: PathBuf = config.require(&s::DATA, a.data.clone())?;
    let opts = LoadOptions {
        metadata: a.metadata,
        min_rating: a.min_rating,
        skip_bad_lines: a.skip_bad_lines,
    };
    let (ds, report) = data::load(&dir, &opts)?;
    let split = data::split(&ds)?;
    let users = split.num_users();
    let items = split.num_items();
    let n = ds.interactions.len();
    let density = if users == 0 || items == 0 {
        0.0
    } else {
        n as f64 / (users as f64 * items as f64)
    };
    // Histogram keyed by half stars, so 3.5 and 4 sort numerically.
    let mut hist: BTreeMap<i64, usize> = BTreeMap::new();
    for x in &ds.interactions {
        *hist
            .entry((x.rating as f64 * 2.0).round() as i64)
            .or_default() += 1;
    }
    let label = |k: i64| format!("{}", k as f64 / 2.0);
    if a.json {
        let ratings: serde_json::Map<String, serde_json::Value> =
            hist.iter().map(|(&k, &c)| (label(k), json!(c))).collect();
        let out = json!({
            "dataset": ds.name,
            "format": ds.format,
            "users": users,
            "items": items,
            "interactions": n,
            "density": density,
            "ratings": ratings,
            "first_timestamp": report.first_timestamp,
            "last_timestamp": report.last_timestamp,
            "train": split.train_len(),
            "val": split.val_len(),
            "test": split.test_len(),
            "fingerprint": ds.fingerprint,
            "report": report,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "dataset       {} ({})",
        ds.name,
        serde_json::to_string(&ds.format)?.trim_matches('"')
    );
    println!("users         {users}");
    println!("items         {items}");
    println!("interactions  {n}");
    println!("density       {:.4}%", density * 100.0);
    println!("ratings");
    let max = hist.values().copied().max().unwrap_or(1).max(1);
    for (&k, &c) in &hist {
        let bar = "#".repeat((c * 40).div_ceil(max));
        println!("  {:>4}  {c:>9}  {bar}", label(k));
    }
    if let (Some(first), Some(last)) = (report.first_timestamp, report.last_timestamp) {
        println!("time range    {} .. {}", date(first), date(last));
    }
    println!(
        "split         train {}  val {}  test {}",
        split.train_len(),
        split.val_len(),
        split.test_len()
    );
    print_report(&report);
    Ok(())
}

fn print_report(r: &IngestReport) {
    if let Some(u) = r.users_in_file {
        println!("users file    {u} users listed");
    }
    println!(
        "duplicates    {} repeated (user, item) rows (kept)",
        r.duplicates
    );
    if r.below_min_rating > 0 {
        println!("min rating    {} interactions dropped", r.below_min_rating);
    }
    if r.movies_without_year > 0 {
        println!("no year       {} movies", r.movies_without_year);
    }
    if r.movies_added_from_interactions > 0 {
        println!(
            "no catalogue  {} items added from interactions",
            r.movies_added_from_interactions
        );
    }
    if r.skipped_bad_lines > 0 {
        println!(
            "skipped       {} malformed lines (--skip-bad-lines), e.g.:",
            r.skipped_bad_lines
        );
        for e in &r.bad_line_examples {
            println!("                {e}");
        }
    }
    if let Some(m) = &r.metadata {
        println!(
            "metadata      {}: {} lines, {} parsed as written, {} repaired, {} unparseable",
            m.file, m.lines, m.parsed_as_written, m.repaired, m.unparseable
        );
        println!(
            "              matched {}/{} movies ({:.1}%): {} by id, {} by IMDb id, {} by title+year; {} keep catalogue fields only",
            m.matched,
            r.movies,
            m.match_rate * 100.0,
            m.matched_by_id,
            m.matched_by_imdb_id,
            m.matched_by_title_year,
            m.fallback
        );
        if m.matched_placeholder > 0 {
            println!(
                "              {} matched lines are placeholders without OMDb details (title/year/genre only)",
                m.matched_placeholder
            );
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix timestamp.
fn date(ts: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(ts) {
        Ok(t) => format!("{:04}-{:02}-{:02}", t.year(), t.month() as u8, t.day()),
        Err(_) => format!("(time {ts})"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(874_724_710), "1997-09-20");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
