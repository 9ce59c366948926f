//! `reelgraph serve --port P [--from URI] [--vectors embedded|milvus://HOST:PORT] [--db URL] [--web DIR]`
//!
//! Serves the HTTP API, its docs and the static web UI from the version last
//! activated by `reelgraph load` with the same `--vectors`/`--db` settings,
//! and swaps in a newly activated version within `--refresh-secs`, without
//! a restart.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use reelgraph_api::serving::{ServicesSource, ServicesVectors};
use reelgraph_api::ui::Ui;
use reelgraph_api::{self as api, ApiConfig, AppState};
use reelgraph_core::settings::{self as s, DbSpec, ModelsSpec, Secret, Sources, VectorSpec};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::{load, sql};

use super::args::{ServerArgs, StoreArgs};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServeArgs {
    /// Model root the version was loaded from (checked against the active version).
    #[arg(long = s::MODELS.long(), visible_alias = "from", env = s::MODELS.env)]
    pub models: Option<ModelsSpec>,
    #[command(flatten)]
    pub stores: StoreArgs,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Serve the API only, no web UI.
    #[arg(long)]
    pub no_web: bool,
}

/// The resolved settings of a server.
#[derive(Clone, Debug)]
pub struct ServeSettings {
    pub addr: SocketAddr,
    pub models: Option<ModelsSpec>,
    pub vectors: VectorSpec,
    pub db: DbSpec,
    pub token: Option<Secret>,
    /// The web UI's files (`None`: `--no-web`, the API only).
    pub web: Option<Ui>,
    pub api: ApiConfig,
    /// Where `/metrics` is served (a listener of its own), if anywhere.
    pub metrics_addr: Option<SocketAddr>,
}

/// The web UI `serve` publishes: the files of `--web DIR` when given (read
/// at start), else the ones embedded in this binary ([`crate::ui`]).
pub fn web_ui(given: Option<&Path>) -> anyhow::Result<Ui> {
    match given {
        Some(dir) => Ui::from_dir(dir).with_context(|| format!("--web {}", dir.display())),
        None => Ok(crate::ui::embedded()),
    }
}

impl ServeArgs {
    pub fn settings(&self, config: &Sources) -> anyhow::Result<ServeSettings> {
        let stores = self.stores.resolve(config)?;
        let server = self.server.resolve(config)?;
        let web = if self.no_web {
            None
        } else {
            Some(web_ui(server.web.as_deref())?)
        };
        Ok(ServeSettings {
            addr: server.addr,
            models: config.resolve(&s::MODELS, self.models.clone())?,
            vectors: stores.vectors,
            db: stores.db,
            token: stores.token,
            web,
            metrics_addr: server.metrics_addr,
            api: ApiConfig {
                cors_origins: server.cors_origins.0,
                deadline: server.deadline,
                refresh_interval: server.refresh_interval,
                max_concurrency: server.max_concurrency,
                public_url: server.public_url,
                poster_hosts: server.poster_hosts,
                ..ApiConfig::default()
            },
        })
    }
}

pub fn run(args: ServeArgs, config: &Sources) -> anyhow::Result<()> {
    let settings = args.settings(config)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        if let Some(from) = &settings.models {
            check_from(&from.to_string(), &settings.db).await?;
        }
        serve(settings).await
    })
}

/// Refuse to serve when `--from` names a model root other than the one the
/// active version was loaded from.
async fn check_from(from: &str, db: &DbSpec) -> anyhow::Result<()> {
    let meta = sql::open_reader(db)
        .await
        .with_context(|| format!("--db {db}"))?;
    let Some(active) = meta.active_version().await? else {
        anyhow::bail!(
            "no model version is active in {db}; run `reelgraph load --from {from} --db {db}` first"
        );
    };
    if let Some(source) = meta.version_source(active.version).await? {
        let want = load::canonical_source(from);
        anyhow::ensure!(
            source == want,
            "--from {from}: the active version {} was loaded from {source}; load from {from} first",
            active.version
        );
    }
    Ok(())
}

/// Open the stores (SQL read-only: serving never migrates) and build the
/// application state with the active version. With no version active yet
/// the server still starts: it answers 503 until `reelgraph load`
/// activates one, which it then serves within `--refresh-secs`.
///
/// Visitors' feedback (`/api/v1/feedback`) goes to the `feedback` table of
/// the same database through a writable handle of its own that only
/// selects, inserts and deletes its rows ([`sql::open_feedback`]); when it
/// cannot be opened the server still starts and the feedback routes answer
/// 503.
pub async fn open_state(s: &ServeSettings) -> anyhow::Result<api::State> {
    let meta = sql::open_reader(&s.db)
        .await
        .with_context(|| format!("--db {}", s.db))?;
    let vectors = match &s.vectors {
        VectorSpec::Embedded => ServicesVectors::Embedded,
        spec => ServicesVectors::Milvus(Arc::new(
            MilvusStore::connect(spec, s.token.as_ref())
                .await
                .with_context(|| format!("--vectors {spec}"))?,
        )),
    };
    let source = ServicesSource {
        meta,
        vectors,
        describe: format!("{} + {}", s.db.redacted(), s.vectors),
    };
    let mut state = AppState::open(Arc::new(source), s.api.clone()).await;
    match sql::open_feedback(&s.db).await {
        Ok(feedback) => state = state.with_feedback(feedback),
        Err(e) => eprintln!("warning: feedback is not kept (the routes answer 503): {e}"),
    }
    let status = state.serving.status();
    if let Some(why) = status.failure.as_ref().or(status.check_error.as_ref()) {
        eprintln!("warning: no model version is served yet: {why}");
    }
    Ok(Arc::new(state))
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(s: ServeSettings) -> anyhow::Result<()> {
    let state = open_state(&s).await?;
    let _watch = state.serving.spawn_watch();
    let app = match &s.web {
        Some(ui) => api::router_with_ui(state.clone(), ui.clone()),
        None => api::router(state.clone()),
    };
    let listener = tokio::net::TcpListener::bind(s.addr)
        .await
        .with_context(|| format!("cannot listen on {}", s.addr))?;
    let addr = listener.local_addr()?;
    let (version, movies) = state
        .serving
        .current()
        .map_or(("none".to_string(), 0), |v| {
            (v.version().to_string(), v.catalog.len())
        });
    println!(
        "reelgraph serving model version {version} ({movies} movies) on http://{addr}/{}",
        if s.web.is_some() {
            "  (API docs: /docs)"
        } else {
            "  (API only; docs: /docs)"
        }
    );
    if let Some(addr) = s.metrics_addr {
        let metrics = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("--metrics-addr {addr}: cannot listen"))?;
        println!(
            "metrics (Prometheus) on http://{}/metrics",
            metrics.local_addr()?
        );
        let state = state.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let state = state.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4",
                        )],
                        state.metrics_text(),
                    )
                }
            }),
        );
        tokio::spawn(async move { axum::serve(metrics, app).await });
    }
    // TCP_NODELAY: a response is never held back waiting for the client's ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .context("server")?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("shutting down");
}
