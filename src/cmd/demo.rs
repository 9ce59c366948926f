//! `reelgraph demo [--data DIR] [--metadata FILE] [--dir STATE] [--port 8000]`
//!
//! The main job on embedded defaults, in one command:
//! 1. data: `--data DIR`, or MovieLens ml-1m downloaded into `STATE/data`
//!    (checksummed);
//! 2. train: when `STATE/models` holds no version yet (or `--retrain`);
//! 3. load: the latest version into SQLite (`STATE/reelgraph.db`) and the
//!    embedded vector index (a no-op when it is already active);
//! 4. serve the API and the web UI on `http://127.0.0.1:8000`.

use std::path::PathBuf;

use anyhow::Context;
use reelgraph_core::artifact;
use reelgraph_core::config::Config;
use reelgraph_core::store::load::{self, VectorTarget};
use reelgraph_core::store::{object, sql};
use reelgraph_trainer::data::fetch;

use super::serve::{self, ServeArgs};
use super::train::TrainArgs;

/// Dataset downloaded when no `--data` is given.
pub const DEMO_DATASET: &str = "ml-1m";

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Dataset directory (default: ml-1m, downloaded into STATE/data).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// OMDb metadata file joined into the catalogue (plots, posters, cast).
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    /// Where the demo keeps its data, models, report and database.
    #[arg(long, default_value = "reelgraph-demo")]
    pub dir: PathBuf,
    /// Train a new version even when one exists.
    #[arg(long)]
    pub retrain: bool,
    /// Also compute the baselines for the report (slower).
    #[arg(long)]
    pub baselines: bool,
    /// Maximum training epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Base URL of the MovieLens zips (a mirror).
    #[arg(long, env = fetch::BASE_URL_ENV)]
    pub base_url: Option<String>,
    /// Train and load, then exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
    /// TCP port of the server (default 8000).
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Static web UI directory (default: ./web when present).
    #[arg(long)]
    pub web: Option<PathBuf>,
}

pub fn run(args: DemoArgs, config: &Config) -> anyhow::Result<()> {
    let state = &args.dir;
    std::fs::create_dir_all(state).with_context(|| format!("creating {}", state.display()))?;
    let data = match args
        .data
        .clone()
        .or_else(|| config.data.as_ref().map(PathBuf::from))
    {
        Some(d) => d,
        None => {
            println!(
                "demo: no --data given; using MovieLens {DEMO_DATASET} in {}",
                state.join("data").display()
            );
            fetch::fetch(
                DEMO_DATASET,
                &state.join("data"),
                &fetch::FetchOptions {
                    base_url: args.base_url.clone(),
                    sha256: None,
                    force: false,
                    progress: true,
                },
            )
            .with_context(|| format!("downloading {DEMO_DATASET} (or pass --data DIR)"))?
        }
    };
    let models = state.join("models").display().to_string();
    let db = format!("sqlite://{}", state.join("reelgraph.db").display());
    let rt = tokio::runtime::Runtime::new()?;

    let root = rt.block_on(object::open(&models))?;
    let existing = rt.block_on(artifact::latest_version(root.as_ref())).ok();
    match existing {
        Some(v) if !args.retrain => {
            println!("demo: model version {v} exists in {models} (use --retrain for a new one)")
        }
        _ => {
            println!("demo: training on {}", data.display());
            let train = TrainArgs {
                data: Some(data.clone()),
                metadata: args.metadata.clone(),
                out: Some(models.clone()),
                report: Some(state.join("report/")),
                epochs: args.epochs,
                no_baselines: !args.baselines,
                ..TrainArgs::default()
            };
            match super::train::train_and_export(&rt, &train, &data, &models)? {
                Some(v) => println!(
                    "demo: exported version {v}; report in {}",
                    state.join("report").display()
                ),
                None => std::process::exit(130),
            }
        }
    }

    rt.block_on(async {
        let meta = sql::open(&db).await?;
        let report = load::load_version(
            &models,
            None,
            &VectorTarget::Embedded,
            meta.as_ref(),
            &|_, _, _| {},
        )
        .await
        .with_context(|| format!("loading the latest version of {models}"))?;
        if report.changed {
            println!(
                "demo: loaded version {} ({} movies)",
                report.version, report.items
            );
        }
        anyhow::Ok(())
    })?;
    if args.no_serve {
        return Ok(());
    }
    let serve_args = ServeArgs {
        port: args.port,
        host: args.host.clone(),
        from: None,
        vectors: Some("embedded".into()),
        db: Some(db),
        milvus_token: None,
        web: args.web.clone(),
        no_web: false,
    };
    let settings = serve_args.settings(config)?;
    rt.block_on(serve::serve(settings))
}
