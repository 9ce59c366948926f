//! Start-up shared by the AWS Lambda functions (`functions/{random,recommend,info}`).
//!
//! Each function is `main` over [`start`]: read the configuration from the
//! environment, open the stores and build the router of its endpoint
//! [`Group`] **once per container**, before `lambda_http::run` serves
//! invocations with it. This module has no Lambda dependency itself, so the
//! same start-up is testable in process and reusable by any runner.
//!
//! ## Two configurations
//!
//! | mode | variables | stores |
//! |---|---|---|
//! | `self-contained` | `REELGRAPH_MODELS` (`s3://bucket/prefix` or a directory), optional `REELGRAPH_VERSION` | the version (`latest`, or `REELGRAPH_VERSION`) is read and verified at cold start into a served snapshot (embedded index, movies from `items.jsonl`: [`BundleSource`]); no database |
//! | `services` | `REELGRAPH_VECTORS` (`milvus://HOST:PORT`, `https://…`; or `embedded`), `REELGRAPH_MILVUS_TOKEN` (optional), `REELGRAPH_MILVUS_NAMESPACE` (optional), `REELGRAPH_DB` (`mysql://…`) | Milvus (the active version's collection) and MySQL/MariaDB, as loaded by `reelgraph load` ([`ServicesSource`]) |
//!
//! `REELGRAPH_MODE=services|self-contained` chooses; without it the mode is
//! `services` when `REELGRAPH_DB` is set or `REELGRAPH_VECTORS` names a
//! server, otherwise `self-contained` when `REELGRAPH_MODELS` is set. A
//! missing or contradictory variable fails the cold start with a message
//! naming it. `REELGRAPH_CORS_ORIGINS` sets the CORS allow-list in both modes,
//! `REELGRAPH_PUBLIC_URL` the base of the original client's links, `REELGRAPH_POSTER_HOSTS`
//! the hosts the poster routes may redirect to.
//! `REELGRAPH_MILVUS_NAMESPACE` prefixes the Milvus alias and collection
//! names (see [`MilvusStore::with_namespace`]), for a Milvus shared with
//! other deployments or tests.
//!
//! ## Feedback
//!
//! The `recommend` function also keeps visitors' feedback
//! (`/api/v1/feedback`, [`crate::feedback`]): in services mode in the
//! `feedback` table of `REELGRAPH_DB` ([`sql::open_feedback`]: the
//! credential needs `SELECT`, `INSERT` and `DELETE` on that table), in
//! self-contained mode as batched append-only objects under
//! `REELGRAPH_FEEDBACK` (default: `feedback/` under `REELGRAPH_MODELS`;
//! [`ObjectFeedback`]). Buffered signals are written when enough are
//! waiting, when the oldest is old enough (checked on each request), and on
//! `SIGTERM` ([`flush_on_sigterm`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;

use crate::serving::{BundleSource, ServicesSource, ServicesVectors, VersionSource};
use crate::{ApiConfig, AppState, Group, State};
use reelgraph_core::error::{Error, Result};
use reelgraph_core::object;
use reelgraph_core::secrets;
use reelgraph_core::settings::{
    self, DbSpec, Hosts, ModelsSpec, Origins, PublicUrl, Secret, Sources, VectorSpec,
};
use reelgraph_stores::feedback::{FeedbackStore, FlushPolicy, ObjectFeedback};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql;

pub use reelgraph_core::settings::Mode;

/// The configuration of a function, from `REELGRAPH_*` variables (the
/// settings of [`reelgraph_core::settings`], read from the environment only).
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionConfig {
    pub mode: Mode,
    /// The version to serve in self-contained mode (`None`: `latest`).
    pub version: Option<u64>,
    /// The model root (`REELGRAPH_MODELS`; required in self-contained mode).
    pub models: Option<ModelsSpec>,
    /// The vector store (`REELGRAPH_VECTORS`; services mode).
    pub vectors: VectorSpec,
    /// The metadata store (`REELGRAPH_DB`; required in services mode).
    pub db: Option<DbSpec>,
    /// The Milvus token (`REELGRAPH_MILVUS_TOKEN`).
    pub milvus_token: Option<Secret>,
    /// Prefix of the Milvus alias and collections in services mode
    /// (`REELGRAPH_MILVUS_NAMESPACE`; `None`: no prefix).
    pub milvus_namespace: Option<String>,
    /// CORS allow-list (`REELGRAPH_CORS_ORIGINS`).
    pub cors_origins: Origins,
    /// Per-request deadline (`REELGRAPH_DEADLINE_MS`).
    pub deadline: Duration,
    /// How often the served version is compared with the active one
    /// (`REELGRAPH_REFRESH_SECS`).
    pub refresh_interval: Duration,
    /// Requests handled at once (`REELGRAPH_MAX_CONCURRENCY`).
    pub max_concurrency: usize,
    /// The Lambda function's name (`AWS_LAMBDA_FUNCTION_NAME`, set by
    /// Lambda): requests are also printed as CloudWatch EMF records.
    pub lambda_function: Option<String>,
    /// Base of the original client's links (`REELGRAPH_PUBLIC_URL`; `None`:
    /// from the request's `Host`).
    pub public_url: Option<PublicUrl>,
    /// Hosts the poster routes redirect to (`REELGRAPH_POSTER_HOSTS`).
    pub poster_hosts: Hosts,
    /// Where feedback objects go in self-contained mode
    /// (`REELGRAPH_FEEDBACK`; `None`: `feedback/` under the model root).
    pub feedback: Option<ModelsSpec>,
}

impl FunctionConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// From the process environment, with the store credentials read from
    /// the secret `REELGRAPH_SECRET_ARN` names, when set
    /// ([`reelgraph_core::secrets`]): what a deployed function does.
    pub async fn from_env_with_secrets() -> Result<Self> {
        let get = secrets::overlay(|k| std::env::var(k).ok(), secrets::fetch).await?;
        Self::from_vars(get)
    }

    /// From variables read through `get` (empty values count as unset).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let lambda_function = get("AWS_LAMBDA_FUNCTION_NAME").filter(|v| !v.is_empty());
        let src = Sources::env_only(get);
        let models: Option<ModelsSpec> = src.resolve(&settings::MODELS, None)?;
        let vectors: VectorSpec = src.require(&settings::VECTORS, None)?;
        let db: Option<DbSpec> = src.given(&settings::DB)?;
        let vectors_server = vectors.is_server();
        let mode = match src.resolve::<Mode>(&settings::MODE, None)? {
            Some(m) => m,
            None if db.is_some() || vectors_server => Mode::Services,
            None if models.is_some() => Mode::SelfContained,
            None => {
                return Err(Error::Invalid(
                    "no store is configured: set REELGRAPH_MODELS (self-contained: \
                     s3://bucket/prefix or a directory of model versions), or \
                     REELGRAPH_VECTORS and REELGRAPH_DB (services: Milvus and MySQL)"
                        .into(),
                ));
            }
        };
        let version: Option<u64> = src.resolve(&settings::VERSION, None)?;
        let feedback: Option<ModelsSpec> = src.resolve(&settings::FEEDBACK, None)?;
        if feedback.is_some() && mode == Mode::Services {
            return Err(Error::Invalid(
                "REELGRAPH_FEEDBACK is for self-contained mode only: in services mode \
                 feedback is kept in the feedback table of REELGRAPH_DB"
                    .into(),
            ));
        }
        let milvus_namespace: Option<String> = src.resolve(&settings::MILVUS_NAMESPACE, None)?;
        if let Some(ns) = &milvus_namespace {
            if !ns.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::Invalid(format!(
                    "REELGRAPH_MILVUS_NAMESPACE: {ns:?} must be letters, digits and _"
                )));
            }
            if mode == Mode::SelfContained || !vectors_server {
                return Err(Error::Invalid(
                    "REELGRAPH_MILVUS_NAMESPACE is for services mode with Milvus only \
                     (REELGRAPH_VECTORS=milvus://… or https://…)"
                        .into(),
                ));
            }
        }
        match mode {
            Mode::SelfContained => {
                if models.is_none() {
                    return Err(Error::Invalid(
                        "REELGRAPH_MODELS is not set: self-contained mode reads the model \
                         version from it (s3://bucket/prefix or a directory)"
                            .into(),
                    ));
                }
                if vectors_server {
                    return Err(Error::Invalid(format!(
                        "REELGRAPH_VECTORS={} is not used in self-contained mode (the embedded \
                         index is); unset it, or set REELGRAPH_MODE=services",
                        src.env_text(&settings::VECTORS).unwrap_or_default()
                    )));
                }
                if db.is_some() {
                    return Err(Error::Invalid(
                        "REELGRAPH_DB is not used in self-contained mode (the movies come from \
                         the model version); unset it, or set REELGRAPH_MODE=services"
                            .into(),
                    ));
                }
            }
            Mode::Services => {
                if db.is_none() {
                    return Err(Error::Invalid(
                        "REELGRAPH_DB is not set: services mode reads the movies from MySQL \
                         (mysql://user:pass@host/db; deployed: the secret named by \
                         REELGRAPH_SECRET_ARN)"
                            .into(),
                    ));
                }
                if !src.env_has(&settings::VECTORS) {
                    return Err(Error::Invalid(
                        "REELGRAPH_VECTORS is not set: services mode searches Milvus \
                         (milvus://HOST:PORT, or https://… with REELGRAPH_MILVUS_TOKEN)"
                            .into(),
                    ));
                }
                if version.is_some() {
                    return Err(Error::Invalid(
                        "REELGRAPH_VERSION is for self-contained mode only: in services mode \
                         the database names the active version (`reelgraph load`)"
                            .into(),
                    ));
                }
            }
        }
        Ok(FunctionConfig {
            mode,
            version,
            models,
            vectors,
            db,
            milvus_token: src.resolve(&settings::MILVUS_TOKEN, None)?,
            milvus_namespace,
            cors_origins: src.require(&settings::CORS_ORIGINS, None)?,
            deadline: Duration::from_millis(
                src.require::<u64>(&settings::DEADLINE_MS, None)?.max(1),
            ),
            refresh_interval: Duration::from_secs(
                src.require::<u64>(&settings::REFRESH_SECS, None)?.max(1),
            ),
            max_concurrency: src.require(&settings::MAX_CONCURRENCY, None)?,
            lambda_function,
            public_url: src.resolve(&settings::PUBLIC_URL, None)?,
            poster_hosts: src.require(&settings::POSTER_HOSTS, None)?,
            feedback,
        })
    }

    /// Where feedback objects go in self-contained mode:
    /// `REELGRAPH_FEEDBACK`, else `feedback/` under the model root.
    pub fn feedback_root(&self) -> Option<ModelsSpec> {
        if let Some(f) = &self.feedback {
            return Some(f.clone());
        }
        Some(self.models.as_ref()?.join("feedback"))
    }

    /// Settings of the API (CORS origins from `REELGRAPH_CORS_ORIGINS`).
    pub fn api(&self) -> ApiConfig {
        ApiConfig {
            cors_origins: self.cors_origins.0.clone(),
            deadline: self.deadline,
            refresh_interval: self.refresh_interval,
            max_concurrency: self.max_concurrency,
            emf_function: self.lambda_function.clone(),
            public_url: self
                .public_url
                .as_ref()
                .map(|u| u.0.clone())
                .unwrap_or_default(),
            poster_hosts: self.poster_hosts.clone(),
            ..ApiConfig::default()
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Logging of a function: JSON lines (CloudWatch Logs Insights reads their
/// fields), filtered by `RUST_LOG` (default `info`), no colours, no
/// timestamps (CloudWatch adds them). Each line carries the fields of the
/// current span: inside an invocation, the Lambda runtime's span with the
/// invocation's `requestId`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_ansi(false)
        .without_time()
        .with_current_span(true)
        .with_span_list(false)
        .init();
}

/// How long a cold start may take to open its stores and build the served
/// version: well inside the functions' 10 s timeout, so an outage answers a
/// JSON 503 from the degraded router ([`start`]) instead of timing out.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(6);

/// Least time between two start-up attempts of a degraded function.
pub const STARTUP_RETRY: Duration = Duration::from_secs(5);

/// Where the configuration's versions come from: the model root
/// (self-contained) or the metadata store and Milvus / the embedded index
/// (services). Serving opens SQL read-only and never migrates.
pub async fn open_source(config: &FunctionConfig) -> Result<Arc<dyn VersionSource>> {
    match config.mode {
        Mode::SelfContained => {
            let models = config.models.as_ref().expect("checked by from_vars");
            let t = Instant::now();
            let objects = object::open_spec(models).await?;
            tracing::debug!(elapsed_ms = ms(t), "object store client ready");
            Ok(Arc::new(BundleSource {
                objects,
                pinned: config.version,
            }))
        }
        Mode::Services => {
            let db = config.db.as_ref().expect("checked by from_vars");
            let meta = sql::open_reader(db).await?;
            let token = config.milvus_token.as_ref();
            let vectors = if config.vectors.is_server() {
                let mut m =
                    MilvusStore::connect(&config.vectors, token)
                        .await
                        .map_err(|e| match e {
                            Error::Invalid(m) => Error::Invalid(format!("REELGRAPH_VECTORS: {m}")),
                            other => other,
                        })?;
                if let Some(ns) = &config.milvus_namespace {
                    m = m.with_namespace(ns)?;
                }
                ServicesVectors::Milvus(Arc::new(m))
            } else {
                ServicesVectors::Embedded
            };
            Ok(Arc::new(ServicesSource {
                meta,
                vectors,
                describe: format!("{} + {}", db.redacted(), config.vectors),
            }))
        }
    }
}

/// Where the configuration keeps visitors' feedback: the `feedback` table
/// of `REELGRAPH_DB` (services; a writable handle beside the read-only
/// one, never migrating) or batched objects under
/// [`FunctionConfig::feedback_root`] (self-contained).
pub async fn open_feedback(config: &FunctionConfig) -> Result<Arc<dyn FeedbackStore>> {
    match config.mode {
        Mode::SelfContained => {
            let root = config
                .feedback_root()
                .expect("self-contained mode has a model root (checked by from_vars)");
            let objects = object::open_spec(&root).await?;
            Ok(ObjectFeedback::new(objects, FlushPolicy::default()))
        }
        Mode::Services => {
            let db = config.db.as_ref().expect("checked by from_vars");
            sql::open_feedback(db).await
        }
    }
}

/// The feedback store of this process's function, flushed on `SIGTERM`.
static FEEDBACK: std::sync::Mutex<Option<Arc<dyn FeedbackStore>>> = std::sync::Mutex::new(None);

/// Write the buffered feedback of this process's function (a no-op when
/// it keeps none or writes at once): what a function does on shutdown.
pub async fn flush_feedback() {
    let store = FEEDBACK.lock().expect("lock poisoned").clone();
    if let Some(store) = store {
        crate::feedback::flush(store.as_ref(), Duration::from_secs(1)).await;
    }
}

/// On `SIGTERM` (Lambda's shutdown, when the runtime receives it), write
/// the buffered feedback and exit. Call from `main`, inside the runtime.
pub fn flush_on_sigterm() {
    #[cfg(unix)]
    tokio::spawn(async {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            term.recv().await;
            flush_feedback().await;
            std::process::exit(0);
        }
    });
}

/// Open the stores the configuration names and build the served version,
/// with the feedback store ([`open_feedback`]). Fails when no version can
/// be served (none published or active, or it does not verify), naming
/// what is missing.
pub async fn open_state(config: &FunctionConfig) -> Result<State> {
    open_state_with(config, true).await
}

/// [`open_state`]; `feedback`: with the feedback store (only the
/// `recommend` function serves the feedback routes).
async fn open_state_with(config: &FunctionConfig, feedback: bool) -> Result<State> {
    let source = open_source(config).await?;
    let mut state = AppState::open(source, config.api()).await;
    if feedback {
        let store = open_feedback(config).await?;
        *FEEDBACK.lock().expect("lock poisoned") = Some(store.clone());
        state = state.with_feedback(store);
    }
    if state.serving.current().is_none() {
        let status = state.serving.status();
        let why = status
            .failure
            .or(status.check_error)
            .unwrap_or_else(|| match config.mode {
                Mode::SelfContained => format!(
                    "no `latest` pointer in {}; publish a version there or set REELGRAPH_VERSION",
                    state.serving.source().describe()
                ),
                Mode::Services => {
                    "no model version is active in REELGRAPH_DB; run `reelgraph load` first".into()
                }
            });
        return Err(Error::NotFound(why));
    }
    Ok(Arc::new(state))
}

/// Everything a function does before serving: configuration from the
/// environment, stores opened, the served version built, the router of
/// `group`. Errors name the variable or the store at fault.
pub async fn try_start(group: Group) -> Result<Router> {
    let started = Instant::now();
    let result = tokio::time::timeout(STARTUP_TIMEOUT, async {
        let config = FunctionConfig::from_env_with_secrets().await?;
        let state = open_state_with(&config, group == Group::Recommend).await?;
        Ok::<_, Error>((config, state))
    })
    .await
    .unwrap_or_else(|_| {
        Err(Error::Unavailable(format!(
            "the stores did not answer within {} s",
            STARTUP_TIMEOUT.as_secs()
        )))
    });
    match result {
        Ok((config, state)) => {
            tracing::info!(
                function = group.name(),
                mode = config.mode.name(),
                model_version = ?state.model_version(),
                elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                "ready"
            );
            Ok(crate::router_for(group, state))
        }
        Err(e) => {
            tracing::error!(function = group.name(), "cold start failed: {e}");
            Err(e)
        }
    }
}

/// [`try_start`], never failing: when the start-up fails (a store is down,
/// nothing is loaded yet, a variable is wrong) the function still serves —
/// every request gets a JSON 503 with `Retry-After` — and retries the
/// start-up on a request at most every [`STARTUP_RETRY`], serving normally
/// from the first success. API Gateway's generic error never reaches
/// clients.
pub async fn start(group: Group) -> Router {
    match try_start(group).await {
        Ok(router) => router,
        Err(e) => degraded(group, e),
    }
}

struct Degraded {
    group: Group,
    router: tokio::sync::OnceCell<Router>,
    last_attempt: tokio::sync::Mutex<Instant>,
    last_error: std::sync::Mutex<String>,
}

fn degraded(group: Group, error: Error) -> Router {
    let state = Arc::new(Degraded {
        group,
        router: tokio::sync::OnceCell::new(),
        last_attempt: tokio::sync::Mutex::new(Instant::now()),
        last_error: std::sync::Mutex::new(error.to_string()),
    });
    Router::new().fallback(degraded_answer).with_state(state)
}

async fn degraded_answer(
    axum::extract::State(d): axum::extract::State<Arc<Degraded>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower::ServiceExt;
    if d.router.get().is_none()
        && let Ok(mut last) = d.last_attempt.try_lock()
        && last.elapsed() >= STARTUP_RETRY
    {
        *last = Instant::now();
        match try_start(d.group).await {
            Ok(router) => {
                let _ = d.router.set(router);
                tracing::info!(
                    function = d.group.name(),
                    "recovered from a failed start-up"
                );
            }
            Err(e) => *d.last_error.lock().expect("lock poisoned") = e.to_string(),
        }
    }
    match d.router.get() {
        Some(router) => match router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => crate::ApiError::unavailable(
            "the service is starting or a backing store is unavailable; retry later",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<FunctionConfig> {
        FunctionConfig::from_vars(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
    }

    fn error(vars: &[(&str, &str)]) -> String {
        config(vars).unwrap_err().to_string()
    }

    #[test]
    fn picks_the_mode() {
        let c = config(&[("REELGRAPH_MODELS", "s3://b/models")]).unwrap();
        assert_eq!((c.mode, c.version), (Mode::SelfContained, None));
        assert_eq!(
            c.models.map(|m| m.to_string()).as_deref(),
            Some("s3://b/models")
        );
        // The SAM template's self-contained environment.
        let c = config(&[
            ("REELGRAPH_MODELS", "s3://b/models"),
            ("REELGRAPH_VECTORS", "embedded"),
            ("REELGRAPH_VERSION", "20261128102000"),
            (
                "REELGRAPH_CORS_ORIGINS",
                "https://a.example, https://b.example",
            ),
        ])
        .unwrap();
        assert_eq!(
            (c.mode, c.version),
            (Mode::SelfContained, Some(20261128102000))
        );
        assert_eq!(
            c.api().cors_origins,
            vec!["https://a.example", "https://b.example"]
        );
        // The template's services environment (REELGRAPH_MODELS is set too).
        let c = config(&[
            ("REELGRAPH_MODELS", "s3://b/models"),
            ("REELGRAPH_VECTORS", "https://x.zillizcloud.com"),
            ("REELGRAPH_MILVUS_TOKEN", "secret"),
            ("REELGRAPH_DB", "mysql://u:p@h/db"),
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Services);
        assert_eq!(c.milvus_token.as_ref().map(Secret::expose), Some("secret"));
        assert_eq!(c.milvus_namespace, None);
        // A namespace for a shared Milvus.
        let c = config(&[
            ("REELGRAPH_VECTORS", "milvus://127.0.0.1:19531"),
            ("REELGRAPH_MILVUS_NAMESPACE", "t42_"),
            ("REELGRAPH_DB", "mysql://u:p@h/db"),
        ])
        .unwrap();
        assert_eq!(
            (c.mode, c.milvus_namespace.as_deref()),
            (Mode::Services, Some("t42_"))
        );
        // Embedded vectors with a database: services (the database names the version).
        let c = config(&[
            ("REELGRAPH_VECTORS", "embedded"),
            ("REELGRAPH_DB", "sqlite:///tmp/x.db"),
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Services);
        // The override.
        let c = config(&[
            ("REELGRAPH_MODE", "self-contained"),
            ("REELGRAPH_MODELS", "/models"),
            ("REELGRAPH_VECTORS", ""),
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::SelfContained);
    }

    #[test]
    fn errors_name_the_variable() {
        let e = error(&[]);
        assert!(
            e.contains("REELGRAPH_MODELS") && e.contains("REELGRAPH_DB"),
            "{e}"
        );
        assert!(error(&[("REELGRAPH_MODE", "lambda")]).contains("REELGRAPH_MODE"));
        assert!(error(&[("REELGRAPH_MODE", "self-contained")]).contains("REELGRAPH_MODELS"));
        let e = error(&[("REELGRAPH_VECTORS", "milvus://h:19530")]);
        assert!(e.contains("REELGRAPH_DB is not set"), "{e}");
        let e = error(&[("REELGRAPH_DB", "mysql://u@h/db")]);
        assert!(e.contains("REELGRAPH_VECTORS is not set"), "{e}");
        let e = error(&[("REELGRAPH_MODE", "services"), ("REELGRAPH_MODELS", "/m")]);
        assert!(e.contains("REELGRAPH_DB"), "{e}");
        let e = error(&[
            ("REELGRAPH_MODE", "self-contained"),
            ("REELGRAPH_MODELS", "/m"),
            ("REELGRAPH_VECTORS", "milvus://h:19530"),
        ]);
        assert!(e.contains("REELGRAPH_VECTORS=milvus://h:19530"), "{e}");
        let e = error(&[
            ("REELGRAPH_MODE", "self-contained"),
            ("REELGRAPH_MODELS", "/m"),
            ("REELGRAPH_DB", "mysql://u@h/db"),
        ]);
        assert!(e.contains("REELGRAPH_DB"), "{e}");
        let e = error(&[("REELGRAPH_MODELS", "/m"), ("REELGRAPH_VERSION", "latest")]);
        assert!(e.contains("REELGRAPH_VERSION"), "{e}");
        let e = error(&[
            ("REELGRAPH_VECTORS", "milvus://h:19530"),
            ("REELGRAPH_DB", "mysql://u@h/db"),
            ("REELGRAPH_VERSION", "3"),
        ]);
        assert!(e.contains("REELGRAPH_VERSION"), "{e}");
        let e = error(&[
            ("REELGRAPH_VECTORS", "milvus://h:19530"),
            ("REELGRAPH_DB", "mysql://u@h/db"),
            ("REELGRAPH_MILVUS_NAMESPACE", "a-b"),
        ]);
        assert!(e.contains("REELGRAPH_MILVUS_NAMESPACE"), "{e}");
        let e = error(&[
            ("REELGRAPH_MODELS", "/m"),
            ("REELGRAPH_MILVUS_NAMESPACE", "t1_"),
        ]);
        assert!(e.contains("REELGRAPH_MILVUS_NAMESPACE"), "{e}");
        let e = error(&[
            ("REELGRAPH_VECTORS", "embedded"),
            ("REELGRAPH_DB", "sqlite:///tmp/x.db"),
            ("REELGRAPH_MILVUS_NAMESPACE", "t1_"),
        ]);
        assert!(e.contains("REELGRAPH_MILVUS_NAMESPACE"), "{e}");
    }
}
