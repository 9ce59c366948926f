//! `reelgraph demo [--data DIR] [--metadata FILE] [--dir STATE] [--port 8000]`
//!
//! The main job on embedded defaults, in one command:
//! 1. data: `--data DIR`, or MovieLens ml-1m downloaded into `STATE/data`
//!    (checksummed) with its OMDb information (`movie_info.dat`, checksummed);
//!    the metadata joined is `--metadata FILE`, else the dataset directory's
//!    `movie_info.dat` when it is there (so the first run has plots, cast and
//!    posters);
//! 2. train: when `STATE/models` holds no version yet (or `--retrain`);
//! 3. load: the latest version into SQLite (`STATE/reelgraph.db`) and the
//!    embedded vector index (a no-op when it is already active);
//! 4. serve the API and the web UI on `http://127.0.0.1:8000`.

use std::path::PathBuf;

use anyhow::Context;
use reelgraph_core::artifact;
use reelgraph_core::object;
use reelgraph_core::settings::{self as s, Sources};
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::sql;
use reelgraph_trainer::data::fetch;

use super::args::{ServerArgs, StoreArgs};
use super::data::OmdbArgs;
use super::serve::{self, ServeArgs};
use super::train::TrainArgs;

/// Dataset downloaded when no `--data` is given.
pub const DEMO_DATASET: &str = "ml-1m";

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Dataset directory (default: ml-1m, downloaded into STATE/data).
    #[arg(long = s::DATA.long(), env = s::DATA.env)]
    pub data: Option<PathBuf>,
    /// OMDb metadata file joined into the catalogue (plots, posters, cast;
    /// default: `movie_info.dat` in the dataset directory when it is there).
    #[arg(long)]
    pub metadata: Option<PathBuf>,
    #[command(flatten)]
    pub omdb: OmdbArgs,
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
    #[arg(long = s::DATA_BASE_URL.long(), env = s::DATA_BASE_URL.env, help = s::DATA_BASE_URL.help)]
    pub base_url: Option<String>,
    /// Train and load, then exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
    #[command(flatten)]
    pub server: ServerArgs,
}

pub fn run(args: DemoArgs, config: &Sources) -> anyhow::Result<()> {
    let state = &args.dir;
    std::fs::create_dir_all(state).with_context(|| format!("creating {}", state.display()))?;
    let base_url: String = config.require(&s::DATA_BASE_URL, args.base_url.clone())?;
    let data: Option<PathBuf> = config.resolve(&s::DATA, args.data.clone())?;
    let (data, downloaded) = match data {
        Some(d) => (d, false),
        None => {
            println!(
                "demo: no --data given; using MovieLens {DEMO_DATASET} in {}",
                state.join("data").display()
            );
            fetch::fetch(
                DEMO_DATASET,
                &state.join("data"),
                &fetch::FetchOptions {
                    base_url: Some(base_url),
                    sha256: None,
                    force: false,
                    progress: true,
                },
            )
            .with_context(|| format!("downloading {DEMO_DATASET} (or pass --data DIR)"))
            .map(|d| (d, true))?
        }
    };
    let metadata = match &args.metadata {
        Some(m) => Some(m.clone()),
        None if args.omdb.no_metadata => None,
        // Without plots and posters the demo still works: a failed download is a warning.
        None if downloaded => args
            .omdb
            .fetch(DEMO_DATASET, &data, false, config)
            .unwrap_or_else(|e| {
                eprintln!("demo: warning: {e:#}; continuing without plots, cast and posters");
                None
            }),
        None => Some(data.join(fetch::METADATA_FILE)).filter(|f| f.is_file()),
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
            match &metadata {
                Some(m) => println!(
                    "demo: training on {} with the metadata of {}",
                    data.display(),
                    m.display()
                ),
                None => println!("demo: training on {} (no metadata file)", data.display()),
            }
            let train = TrainArgs {
                data: Some(data.clone()),
                metadata,
                out: Some(models.parse().map_err(anyhow::Error::msg)?),
                report: Some(state.join("report/")),
                settings: super::train::TrainSettings {
                    epochs: args.epochs,
                    no_baselines: !args.baselines,
                    ..Default::default()
                },
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
        let meta = sql::open(&db.parse().map_err(anyhow::Error::msg)?).await?;
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
        models: None,
        stores: StoreArgs {
            vectors: Some(reelgraph_core::settings::VectorSpec::Embedded),
            db: Some(db.parse().map_err(anyhow::Error::msg)?),
            milvus_token: None,
        },
        server: args.server.clone(),
        no_web: false,
    };
    let settings = serve_args.settings(config)?;
    rt.block_on(serve::serve(settings))
}
