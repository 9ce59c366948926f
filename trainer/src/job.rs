//! The training job, as `reelgraph train` + `reelgraph load` and the trainer
//! function (`functions/train`) run it.
//!
//! **Shared by both**: [`train_and_export`] (train, evaluate, publish a
//! version to a model root) and [`load_into`] (open the stores, load a
//! version into them and activate it, through
//! [`reelgraph_stores::load`]). The CLI adds its flags and progress bars;
//! the function adds what an invocation of bounded length needs:
//!
//! **One invocation** ([`run`]) of job `ID` on model root `MODELS`:
//! 1. reads `MODELS/jobs/ID/job.json` (dataset, settings, progress), or
//!    records a new job there from the payload and the defaults;
//! 2. downloads the dataset (`s3://BUCKET/PREFIX/`: every object under it,
//!    into the work directory; a local directory is read in place) and the
//!    job's latest checkpoint, if any;
//! 3. trains (resuming from that checkpoint) until done or until the
//!    invocation's deadline minus a margin (`REELGRAPH_TRAIN_MARGIN_S`,
//!    default 60 s): then the trainer stops after the current step, as on
//!    Ctrl-C, and the checkpoint is uploaded to
//!    `MODELS/jobs/ID/checkpoint/NNNN/` (`job.json` names it last, so a cut
//!    upload is never read) and the answer is `{"status": "continue", "job": ID}`;
//! 4. once training is done: evaluates, exports the new version to
//!    `MODELS` and, in services mode, loads and activates it; the answer is
//!    `{"status": "published", "job": ID, "version": N, "loaded": BOOL}`.
//!    Invoking a published job again answers the same without work.
//!
//! The run continued from a checkpoint is the same computation as an uncut
//! one (batches are drawn per epoch and step from the seed; model and
//! optimiser state are saved exactly), so the published vectors are the same
//! bit for bit.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use reelgraph_core::artifact::Manifest;
use reelgraph_core::error::Error;
use reelgraph_core::object::{self, ObjectStore};
use reelgraph_core::settings::{self as s, DbSpec, ModelsSpec, Secret, Sources, VectorSpec};
use reelgraph_stores::load::{self, LoadReport, Phase, VectorTarget};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql;
use serde::{Deserialize, Serialize};

use crate::pipeline::{self, Finished, PipelineOptions, PipelineOutcome};
use crate::settings::TrainSettings;
use crate::train::RunOptions;

// ---------------------------------------------------------------------------
// Shared with the CLI.

/// What [`train_and_export`] did.
pub enum RunOutcome {
    /// Trained, evaluated and published.
    Published {
        finished: Box<Finished>,
        manifest: Box<Manifest>,
    },
    /// Stopped on request (`RunOptions::stop`); the checkpoint, if any, lets
    /// a run with `resume` continue.
    Interrupted { checkpoint_dir: Option<PathBuf> },
}

/// Train and evaluate as `opts` says, then publish the new version to the
/// model root `store`. Blocking: the training runs on this thread; `rt`
/// runs the export (call it outside the runtime, e.g. in `spawn_blocking`).
pub fn train_and_export(
    rt: &tokio::runtime::Handle,
    store: &dyn ObjectStore,
    opts: &PipelineOptions,
) -> anyhow::Result<RunOutcome> {
    let finished = match pipeline::train_and_evaluate(opts)? {
        PipelineOutcome::Finished(f) => f,
        PipelineOutcome::Interrupted { checkpoint_dir } => {
            return Ok(RunOutcome::Interrupted { checkpoint_dir });
        }
    };
    let manifest = rt
        .block_on(pipeline::export(store, &finished))
        .with_context(|| format!("exporting to {}", store.describe()))?;
    Ok(RunOutcome::Published {
        finished,
        manifest: Box::new(manifest),
    })
}

/// The stores a version is loaded into (services mode; `reelgraph load`'s
/// `--vectors`, `--db`, `--milvus-token`).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadTarget {
    pub vectors: VectorSpec,
    pub db: DbSpec,
    pub token: Option<Secret>,
    /// Prefix of the Milvus alias and collections (`REELGRAPH_MILVUS_NAMESPACE`).
    pub namespace: Option<String>,
}

/// Open the stores of `target`, load `version` (`None`: `latest`) of the
/// model root `objects` (recorded as coming from `models_uri`) and activate
/// it; see [`reelgraph_stores::load`] for the guarantees.
pub async fn load_into(
    objects: &dyn ObjectStore,
    models_uri: &str,
    version: Option<u64>,
    target: &LoadTarget,
    progress: &(dyn Fn(Phase, u64, u64) + Send + Sync),
) -> anyhow::Result<LoadReport> {
    let db = &target.db;
    let meta = sql::open(db).await.with_context(|| format!("--db {db}"))?;
    let token = target.token.as_ref();
    let vectors = match &target.namespace {
        Some(ns) if target.vectors.is_server() => MilvusStore::connect(&target.vectors, token)
            .await
            .and_then(|m| m.with_namespace(ns))
            .map(VectorTarget::Milvus),
        Some(_) => Err(Error::Invalid(
            "a Milvus namespace needs a Milvus server (milvus://… or https://…)".into(),
        )),
        None => VectorTarget::open(&target.vectors, token).await,
    }
    .with_context(|| format!("--vectors {}", target.vectors))?;
    let source = load::canonical_source(models_uri);
    load::load_from_store(objects, &source, version, &vectors, meta.as_ref(), progress)
        .await
        .with_context(|| format!("loading from {models_uri}"))
}

// ---------------------------------------------------------------------------
// The trainer function's invocations.

/// Default training settings of the function (JSON, as the payload's `settings`).
pub const SETTINGS_ENV: &str = "REELGRAPH_TRAIN_SETTINGS";
/// Seconds before the invocation's deadline at which training stops and
/// the checkpoint is uploaded.
pub const MARGIN_ENV: &str = "REELGRAPH_TRAIN_MARGIN_S";
/// Default of [`MARGIN_ENV`].
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(60);

/// An object store being opened.
pub type Opening = Pin<Box<dyn Future<Output = anyhow::Result<Arc<dyn ObjectStore>>> + Send>>;

/// Opens an object store from a URI (a directory or `s3://bucket/prefix`).
pub type Opener = Arc<dyn Fn(String) -> Opening + Send + Sync>;

/// The opener of the deployed function: [`object::open`] (S3 configured
/// from the environment).
pub fn env_opener() -> Opener {
    Arc::new(|uri: String| -> Opening {
        Box::pin(async move { Ok::<_, anyhow::Error>(object::open(&uri).await?) })
    })
}

/// The function's configuration, from its environment.
#[derive(Clone)]
pub struct JobConfig {
    /// The model root (`REELGRAPH_MODELS`, required): versions are
    /// published there, jobs keep their state under `jobs/`.
    pub models: ModelsSpec,
    /// Default dataset (`REELGRAPH_DATA`): a directory or `s3://bucket/prefix`.
    pub dataset: Option<String>,
    /// Default settings (`REELGRAPH_TRAIN_SETTINGS`, JSON).
    pub settings: TrainSettings,
    /// How long before the deadline training stops (`REELGRAPH_TRAIN_MARGIN_S`).
    pub margin: Duration,
    /// Services mode: where a published version is loaded and activated.
    pub load: Option<LoadTarget>,
    /// Self-contained mode: the prefix where the recommend function keeps
    /// visitors' feedback (`REELGRAPH_FEEDBACK`, else `feedback/` under the
    /// model root), added to the training data ([`crate::feedback`]). In
    /// services mode the feedback is read from the `feedback` table of the
    /// load target's database. `None`: no feedback.
    pub feedback: Option<ModelsSpec>,
    /// Where datasets and checkpoints are downloaded (the system's
    /// temporary directory: `/tmp` on Lambda).
    pub work_dir: PathBuf,
    /// How object stores are opened.
    pub open: Opener,
}

impl std::fmt::Debug for JobConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobConfig")
            .field("models", &self.models)
            .field("dataset", &self.dataset)
            .field("settings", &self.settings)
            .field("margin", &self.margin)
            .field("load", &self.load)
            .field("feedback", &self.feedback)
            .field("work_dir", &self.work_dir)
            .finish_non_exhaustive()
    }
}

impl JobConfig {
    /// From the process environment.
    pub fn from_env() -> anyhow::Result<JobConfig> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// From the process environment, with the store credentials read from
    /// the secret `REELGRAPH_SECRET_ARN` names, when set
    /// ([`reelgraph_core::secrets`]): what the deployed function does.
    pub async fn from_env_with_secrets() -> anyhow::Result<JobConfig> {
        let get = reelgraph_core::secrets::overlay(
            |k| std::env::var(k).ok(),
            reelgraph_core::secrets::fetch,
        )
        .await?;
        Self::from_vars(get)
    }

    /// From variables read through `get` (empty values count as unset).
    /// Services mode as for the serving functions: `REELGRAPH_MODE`, else
    /// services when `REELGRAPH_DB` is set or `REELGRAPH_VECTORS` names a
    /// Milvus server.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<JobConfig> {
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let src = Sources::env_only(&get);
        let models: ModelsSpec = src.resolve(&s::MODELS, None)?.ok_or_else(|| {
            anyhow::anyhow!(
                "REELGRAPH_MODELS is not set: the trainer publishes versions to that model \
                 root (s3://bucket/prefix or a directory)"
            )
        })?;
        let dataset: Option<PathBuf> = src.resolve(&s::DATA, None)?;
        let dataset = dataset
            .map(|d| {
                d.display()
                    .to_string()
                    .parse::<ModelsSpec>()
                    .map(|spec| spec.to_string())
                    .map_err(|e| anyhow::anyhow!("REELGRAPH_DATA: {e}"))
            })
            .transpose()?;
        let settings = match text(SETTINGS_ENV) {
            Some(json) => {
                let v: serde_json::Value = serde_json::from_str(&json)
                    .map_err(|e| anyhow::anyhow!("{SETTINGS_ENV}: not JSON: {e}"))?;
                let st = TrainSettings::from_json(&v, SETTINGS_ENV)?;
                st.validate()
                    .map_err(|e| anyhow::anyhow!("{SETTINGS_ENV}: {e}"))?;
                st
            }
            None => TrainSettings::default(),
        };
        let margin = match text(MARGIN_ENV) {
            Some(v) => Duration::from_secs_f64(
                v.parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite() && *m >= 0.0)
                    .ok_or_else(|| {
                        anyhow::anyhow!("{MARGIN_ENV}: {v:?} is not a number of seconds")
                    })?,
            ),
            None => DEFAULT_MARGIN,
        };
        let vectors: VectorSpec = src.require(&s::VECTORS, None)?;
        let db: Option<DbSpec> = src.given(&s::DB)?;
        let services = match src.resolve::<s::Mode>(&s::MODE, None)? {
            Some(m) => m == s::Mode::Services,
            None => db.is_some() || vectors.is_server(),
        };
        let load = if services {
            let db = db.ok_or_else(|| {
                anyhow::anyhow!(
                    "REELGRAPH_DB is not set: in services mode the trainer loads the new \
                     version into MySQL (mysql://user:pass@host/db)"
                )
            })?;
            let namespace: Option<String> = src.resolve(&s::MILVUS_NAMESPACE, None)?;
            if let Some(ns) = &namespace
                && !ns.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                bail!("REELGRAPH_MILVUS_NAMESPACE: {ns:?} must be letters, digits and _");
            }
            Some(LoadTarget {
                vectors,
                db,
                token: src.resolve(&s::MILVUS_TOKEN, None)?,
                namespace,
            })
        } else {
            None
        };
        let feedback = if load.is_some() {
            None
        } else {
            Some(
                src.resolve::<ModelsSpec>(&s::FEEDBACK, None)?
                    .unwrap_or_else(|| models.join("feedback")),
            )
        };
        Ok(JobConfig {
            models,
            dataset,
            settings,
            margin,
            load,
            feedback,
            work_dir: std::env::temp_dir().join("reelgraph-train"),
            open: env_opener(),
        })
    }
}

/// The payload of an on-demand invocation (every field optional).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Dataset to train on: `s3://bucket/prefix` or a directory (default:
    /// `REELGRAPH_DATA`).
    pub dataset: Option<String>,
    /// Training settings (default: `REELGRAPH_TRAIN_SETTINGS`): the
    /// `reelgraph train` flags in snake_case.
    pub settings: Option<serde_json::Value>,
    /// The job to start or continue (default: a new job).
    pub job: Option<String>,
}

/// What an invocation was asked.
#[derive(Clone, Debug, PartialEq)]
pub enum Invocation {
    /// An EventBridge scheduled event: a new job with the defaults, named
    /// after the event's id.
    Scheduled {
        event_id: Option<String>,
    },
    Request(Request),
}

impl Invocation {
    /// Read an invoke payload: a scheduled event (`"source": "aws.events"`)
    /// or a [`Request`]. Errors name the field.
    pub fn parse(payload: &serde_json::Value) -> anyhow::Result<Invocation> {
        if payload.is_null() {
            return Ok(Invocation::Request(Request::default()));
        }
        if payload.get("source").and_then(|v| v.as_str()) == Some("aws.events") {
            return Ok(Invocation::Scheduled {
                event_id: payload.get("id").and_then(|v| v.as_str()).map(String::from),
            });
        }
        anyhow::ensure!(
            payload.is_object(),
            "the payload must be a JSON object ({{\"dataset\", \"settings\", \"job\"}}), not {payload}"
        );
        let r: Request = serde_path_to_error::deserialize(payload).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                anyhow::anyhow!("{}", e.inner())
            } else {
                anyhow::anyhow!("{path}: {}", e.inner())
            }
        })?;
        if let Some(j) = &r.job {
            check_job_id(j)?;
        }
        Ok(Invocation::Request(r))
    }
}

/// The answer of an invocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Response {
    /// Stopped before the deadline; invoke again with `{"job": job}`.
    Continue { job: String },
    /// The version is published (and, when `loaded`, active in the stores).
    Published {
        job: String,
        version: u64,
        loaded: bool,
    },
}

/// `MODELS/jobs/ID/job.json`: what the job trains and how far it got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub job: String,
    pub dataset: String,
    pub settings: TrainSettings,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// Invocations that trained (each continues from the previous one's checkpoint).
    pub invocations: u32,
    /// Key prefix of the latest complete checkpoint under the model root.
    pub checkpoint: Option<String>,
    /// The published version, once there is one.
    pub version: Option<u64>,
    /// Whether the version was loaded and activated (services mode).
    #[serde(default)]
    pub loaded: bool,
}

/// The key of a job's record.
pub fn record_key(job: &str) -> String {
    format!("jobs/{job}/job.json")
}

fn check_job_id(id: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !id.is_empty()
            && id.len() <= 80
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "job: {id:?} must be 1 to 80 letters, digits, `-` and `_`"
    );
    Ok(())
}

fn new_job_id(prefix: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (stamp, _) = crate::export::version_at(now);
    format!("{prefix}{stamp}-{:08x}", rand::random::<u32>())
}

async fn read_record(models: &dyn ObjectStore, job: &str) -> anyhow::Result<Option<JobRecord>> {
    match models.get(&record_key(job)).await {
        Ok(b) => Ok(Some(serde_json::from_slice(&b).with_context(|| {
            format!("{}: not a job record", record_key(job))
        })?)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn write_record(models: &dyn ObjectStore, r: &JobRecord) -> anyhow::Result<()> {
    let body = Bytes::from(serde_json::to_vec_pretty(r)?);
    models.put(&record_key(&r.job), body).await?;
    Ok(())
}

/// The job an invocation works on: the recorded one, or a new one recorded now.
async fn job_record(
    config: &JobConfig,
    models: &dyn ObjectStore,
    invocation: Invocation,
) -> anyhow::Result<JobRecord> {
    let (id, dataset, settings) = match invocation {
        Invocation::Scheduled { event_id } => {
            let id = match event_id {
                Some(e) if check_job_id(&format!("scheduled-{e}")).is_ok() => {
                    format!("scheduled-{e}")
                }
                _ => new_job_id("scheduled-"),
            };
            (id, None, None)
        }
        Invocation::Request(r) => {
            let settings = r
                .settings
                .as_ref()
                .map(|v| TrainSettings::from_json(v, "settings"))
                .transpose()?;
            if let Some(st) = &settings {
                st.validate()
                    .map_err(|e| anyhow::anyhow!("settings: {e}"))?;
            }
            // Recorded in canonical form (`s3://b/p/` is `s3://b/p`).
            let dataset = r
                .dataset
                .as_deref()
                .map(|d| {
                    d.parse::<ModelsSpec>()
                        .map(|spec| spec.to_string())
                        .map_err(|e| anyhow::anyhow!("dataset: {e}"))
                })
                .transpose()?;
            (r.job.unwrap_or_else(|| new_job_id("")), dataset, settings)
        }
    };
    if let Some(rec) = read_record(models, &id).await? {
        if let Some(d) = dataset
            && d != rec.dataset
        {
            bail!(
                "dataset: job {id} trains on {}, not {d} (start a new job for another dataset)",
                rec.dataset
            );
        }
        if let Some(st) = settings
            && st != rec.settings
        {
            bail!(
                "settings: job {id} was started with {} (start a new job for other settings)",
                serde_json::to_string(&rec.settings)?
            );
        }
        return Ok(rec);
    }
    let dataset = dataset.or_else(|| config.dataset.clone()).ok_or_else(|| {
        anyhow::anyhow!("dataset: none given, and REELGRAPH_DATA (the default) is not set")
    })?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let rec = JobRecord {
        job: id,
        dataset,
        settings: settings.unwrap_or_else(|| config.settings.clone()),
        started_at: crate::export::version_at(now).1,
        invocations: 0,
        checkpoint: None,
        version: None,
        loaded: false,
    };
    write_record(models, &rec).await?;
    tracing::info!(job = %rec.job, dataset = %rec.dataset, "new training job");
    Ok(rec)
}

/// The dataset as a local directory: a local one as it is; `s3://…`
/// downloaded once into `work/data/NAME` (NAME: the prefix's last segment,
/// which the dataset is named after).
async fn fetch_dataset(open: &Opener, uri: &str, work: &Path) -> anyhow::Result<PathBuf> {
    let spec: ModelsSpec = uri.parse().map_err(|e| anyhow::anyhow!("dataset: {e}"))?;
    let prefix = match &spec {
        ModelsSpec::Local(p) => return Ok(p.clone()),
        ModelsSpec::S3 { prefix, .. } => prefix.clone(),
    };
    let name = prefix
        .rsplit('/')
        .find(|p| !p.is_empty())
        .unwrap_or("dataset");
    let dir = work.join("data").join(name);
    let done = work.join("data").join(format!("{name}.complete"));
    if done.is_file() {
        return Ok(dir);
    }
    let store = open(uri.to_string()).await?;
    let keys = store.list("").await?;
    anyhow::ensure!(!keys.is_empty(), "dataset: {uri} holds no files");
    let mut bytes = 0usize;
    for key in &keys {
        object::check_key(key)?;
        let body = store.get(key).await?;
        bytes += body.len();
        let path = dir.join(key);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        tokio::fs::write(&path, &body)
            .await
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tokio::fs::write(&done, b"").await?;
    tracing::info!(files = keys.len(), bytes, "dataset {uri} downloaded");
    Ok(dir)
}

async fn download_checkpoint(
    models: &dyn ObjectStore,
    prefix: &str,
    dir: &Path,
) -> anyhow::Result<()> {
    if dir.exists() {
        tokio::fs::remove_dir_all(dir).await?;
    }
    tokio::fs::create_dir_all(dir).await?;
    let keys = models.list(prefix).await?;
    anyhow::ensure!(
        !keys.is_empty(),
        "the job's checkpoint {prefix} in {} is missing",
        models.describe()
    );
    for key in keys {
        let name = key.strip_prefix(prefix).unwrap_or(&key);
        object::check_key(name)?;
        anyhow::ensure!(!name.contains('/'), "unexpected checkpoint file {key}");
        tokio::fs::write(dir.join(name), models.get(&key).await?).await?;
    }
    Ok(())
}

async fn upload_checkpoint(
    models: &dyn ObjectStore,
    dir: &Path,
    prefix: &str,
) -> anyhow::Result<()> {
    let mut names = Vec::new();
    let mut rd = tokio::fs::read_dir(dir)
        .await
        .with_context(|| format!("reading {}", dir.display()))?;
    while let Some(e) = rd.next_entry().await? {
        let name = e.file_name().to_string_lossy().to_string();
        if e.file_type().await?.is_file() && !name.ends_with(".tmp") {
            names.push(name);
        }
    }
    anyhow::ensure!(!names.is_empty(), "no checkpoint in {}", dir.display());
    names.sort();
    for name in names {
        let body = tokio::fs::read(dir.join(&name)).await?;
        models
            .put(&format!("{prefix}{name}"), Bytes::from(body))
            .await?;
    }
    Ok(())
}

/// The visitors' feedback the job trains on: the `feedback` table of the
/// load target's database (migrated first, as the load would) in services
/// mode, the objects under [`JobConfig::feedback`] in self-contained mode.
async fn read_feedback(config: &JobConfig) -> anyhow::Result<Option<crate::feedback::Feedback>> {
    use reelgraph_stores::feedback::{FlushPolicy, ObjectFeedback};
    let fb = match (&config.load, &config.feedback) {
        (Some(target), _) => {
            let db = &target.db;
            sql::open(db).await.with_context(|| format!("--db {db}"))?;
            let store = sql::open_feedback(db)
                .await
                .with_context(|| format!("the feedback of {db}"))?;
            crate::feedback::read_store(store.as_ref()).await?
        }
        (None, Some(prefix)) => {
            let uri = prefix.to_string();
            let objects = (config.open)(uri.clone())
                .await
                .with_context(|| format!("REELGRAPH_FEEDBACK {uri}"))?;
            let store = ObjectFeedback::new(objects, FlushPolicy::default());
            crate::feedback::read_store(store.as_ref()).await?
        }
        (None, None) => return Ok(None),
    };
    tracing::info!(
        visitors = fb.visitors.len(),
        signals = fb.signals(),
        "feedback read"
    );
    Ok(Some(fb))
}

/// One invocation: continue (or start) a job until it is published or
/// `deadline` minus the margin comes. See the module docs.
pub async fn run(
    config: &JobConfig,
    invocation: Invocation,
    deadline: SystemTime,
) -> anyhow::Result<Response> {
    let models_uri = config.models.to_string();
    let models = (config.open)(models_uri.clone())
        .await
        .with_context(|| format!("REELGRAPH_MODELS {models_uri}"))?;
    let mut rec = job_record(config, models.as_ref(), invocation).await?;
    let job = rec.job.clone();
    if let Some(version) = rec.version {
        return Ok(Response::Published {
            job,
            version,
            loaded: rec.loaded,
        });
    }
    let work = config.work_dir.join(&job);
    let data = fetch_dataset(&config.open, &rec.dataset, &work).await?;
    let checkpoint_dir = work.join("checkpoint");
    let resume = match &rec.checkpoint {
        Some(prefix) => {
            download_checkpoint(models.as_ref(), prefix, &checkpoint_dir).await?;
            true
        }
        None => {
            if checkpoint_dir.exists() {
                tokio::fs::remove_dir_all(&checkpoint_dir).await?;
            }
            false
        }
    };

    // The deadline, as the trainer's Ctrl-C: stop after the current step.
    let stop = pipeline::stop_flag();
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(config.margin);
    // (Already due: stop after the first step, which still makes progress.)
    if left.is_zero() {
        stop.store(true, Ordering::SeqCst);
    }
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(left).await;
            stop.store(true, Ordering::SeqCst);
        })
    };
    tracing::info!(
        job = %job,
        invocation = rec.invocations + 1,
        resume,
        seconds_to_stop = left.as_secs_f64(),
        "training"
    );
    // The feedback of the site's visitors so far: read when a job starts; a
    // continued run trains on the copy its checkpoint holds.
    let feedback = if resume {
        None
    } else {
        read_feedback(config).await?
    };
    let mut opts = rec.settings.pipeline_options(
        data,
        None,
        None,
        RunOptions {
            checkpoint_dir: Some(checkpoint_dir.clone()),
            resume,
            progress: false,
            stop: Some(stop),
        },
    );
    opts.feedback = feedback;
    let handle = tokio::runtime::Handle::current();
    let store = models.clone();
    let outcome =
        tokio::task::spawn_blocking(move || train_and_export(&handle, store.as_ref(), &opts))
            .await
            .context("the training thread failed")?;
    watcher.abort();
    rec.invocations += 1;
    match outcome? {
        RunOutcome::Interrupted { .. } => {
            let prefix = format!("jobs/{job}/checkpoint/{:04}/", rec.invocations);
            upload_checkpoint(models.as_ref(), &checkpoint_dir, &prefix).await?;
            rec.checkpoint = Some(prefix);
            write_record(models.as_ref(), &rec).await?;
            tracing::info!(job = %job, checkpoint = ?rec.checkpoint, "deadline: checkpoint saved");
            Ok(Response::Continue { job })
        }
        RunOutcome::Published { manifest, .. } => {
            let version = manifest.version;
            tracing::info!(job = %job, version, "published");
            let loaded = match &config.load {
                Some(target) => {
                    let r = load_into(
                        models.as_ref(),
                        &models_uri,
                        Some(version),
                        target,
                        &|_, _, _| {},
                    )
                    .await?;
                    tracing::info!(version, vectors = %r.vectors, "loaded and active");
                    true
                }
                None => false,
            };
            rec.version = Some(version);
            rec.loaded = loaded;
            write_record(models.as_ref(), &rec).await?;
            // The work directory (dataset, checkpoint) is not needed again.
            let _ = tokio::fs::remove_dir_all(&work).await;
            Ok(Response::Published {
                job,
                version,
                loaded,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads() {
        let scheduled = json!({
            "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event", "source": "aws.events",
            "time": "2026-12-04T03:00:00Z", "detail": {}
        });
        assert_eq!(
            Invocation::parse(&scheduled).unwrap(),
            Invocation::Scheduled {
                event_id: Some("53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa".into())
            }
        );
        let r = Invocation::parse(&json!({"dataset": "s3://b/data/ml-1m/", "job": "j-1"}));
        assert_eq!(
            r.unwrap(),
            Invocation::Request(Request {
                dataset: Some("s3://b/data/ml-1m/".into()),
                settings: None,
                job: Some("j-1".into()),
            })
        );
        assert_eq!(
            Invocation::parse(&serde_json::Value::Null).unwrap(),
            Invocation::Request(Request::default())
        );
        let e = Invocation::parse(&json!({"job": "../x"})).unwrap_err();
        assert!(e.to_string().starts_with("job: "), "{e}");
        let e = Invocation::parse(&json!({"data": "s3://b/d"})).unwrap_err();
        assert!(e.to_string().contains("unknown field `data`"), "{e}");
        let e = Invocation::parse(&json!(["s3://b/d"])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the payload must be a JSON object"),
            "{e}"
        );
        let e = Invocation::parse(&json!({"job": 3})).unwrap_err();
        assert!(e.to_string().starts_with("job: invalid type"), "{e}");
    }

    #[test]
    fn responses() {
        assert_eq!(
            serde_json::to_value(Response::Continue { job: "j".into() }).unwrap(),
            json!({"status": "continue", "job": "j"})
        );
        assert_eq!(
            serde_json::to_value(Response::Published {
                job: "j".into(),
                version: 7,
                loaded: false
            })
            .unwrap(),
            json!({"status": "published", "job": "j", "version": 7, "loaded": false})
        );
    }

    #[test]
    fn config_from_vars() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let e = JobConfig::from_vars(vars(&[])).unwrap_err().to_string();
        assert!(e.contains("REELGRAPH_MODELS"), "{e}");
        let c = JobConfig::from_vars(vars(&[
            ("REELGRAPH_MODELS", "s3://b/models"),
            ("REELGRAPH_DATA", "s3://b/data/ml-1m"),
            ("REELGRAPH_TRAIN_SETTINGS", r#"{"epochs": 3}"#),
            ("REELGRAPH_TRAIN_MARGIN_S", "90"),
        ]))
        .unwrap();
        assert_eq!(c.dataset.as_deref(), Some("s3://b/data/ml-1m"));
        assert_eq!(c.settings.epochs, Some(3));
        assert_eq!(c.margin, Duration::from_secs(90));
        assert_eq!(c.load, None, "self-contained: nothing to load");
        let c = JobConfig::from_vars(vars(&[
            ("REELGRAPH_MODELS", "/m"),
            ("REELGRAPH_DB", "mysql://u@h/db"),
            ("REELGRAPH_VECTORS", "milvus://h:19530"),
            ("REELGRAPH_MILVUS_NAMESPACE", "t1_"),
        ]))
        .unwrap();
        let t = c.load.unwrap();
        assert_eq!(t.namespace.as_deref(), Some("t1_"));
        assert!(t.vectors.is_server());
        for (bad, field) in [
            (
                &[
                    ("REELGRAPH_MODELS", "/m"),
                    ("REELGRAPH_TRAIN_SETTINGS", r#"{"epoch": 3}"#),
                ] as &'static [_],
                "REELGRAPH_TRAIN_SETTINGS.epoch: unknown field `epoch`",
            ),
            (
                &[
                    ("REELGRAPH_MODELS", "/m"),
                    ("REELGRAPH_TRAIN_MARGIN_S", "soon"),
                ],
                "REELGRAPH_TRAIN_MARGIN_S",
            ),
            (
                &[
                    ("REELGRAPH_MODELS", "/m"),
                    ("REELGRAPH_VECTORS", "milvus://h:1"),
                ],
                "REELGRAPH_DB is not set",
            ),
        ] {
            let e = JobConfig::from_vars(vars(bad)).unwrap_err().to_string();
            assert!(e.starts_with(field), "{e}");
        }
    }
}
