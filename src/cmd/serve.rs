//! `reelgraph serve --port P [--from URI] [--vectors embedded|milvus://HOST:PORT] [--db URL] [--web DIR]`
//!
//! Serves the HTTP API, its docs and the static web UI from the version last
//! activated by `reelgraph load` with the same `--vectors`/`--db` settings.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use reelgraph_core::api::{self, ApiConfig, AppState};
use reelgraph_core::config::Config;
use reelgraph_core::store::{load, sql};

/// Default port of the local server (and of the UI origin CORS allows).
pub const DEFAULT_PORT: u16 = 8000;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// TCP port (env REELGRAPH_PORT; default 8000; 0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Model root the version was loaded from (checked against the active version).
    #[arg(long)]
    pub from: Option<String>,
    /// Vector store: `embedded` or `milvus://HOST:PORT` / `https://…` (env REELGRAPH_VECTORS).
    #[arg(long)]
    pub vectors: Option<String>,
    /// Metadata store: `sqlite://PATH` or `mysql://…` (env REELGRAPH_DB).
    #[arg(long)]
    pub db: Option<String>,
    /// Milvus token (env REELGRAPH_MILVUS_TOKEN).
    #[arg(long)]
    pub milvus_token: Option<String>,
    /// Static web UI directory (default: ./web when present).
    #[arg(long)]
    pub web: Option<PathBuf>,
    /// Serve the API only, no web UI.
    #[arg(long)]
    pub no_web: bool,
}

/// The resolved settings of a server.
#[derive(Clone, Debug)]
pub struct ServeSettings {
    pub addr: SocketAddr,
    pub vectors: String,
    pub db: String,
    pub token: Option<String>,
    pub web: Option<PathBuf>,
    pub api: ApiConfig,
}

/// The web UI directory: the one given, else `./web`, else the one in the
/// source tree this binary was built from.
pub fn find_web(given: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    if let Some(p) = given {
        anyhow::ensure!(
            p.join("index.html").is_file(),
            "--web {}: no index.html there",
            p.display()
        );
        return Ok(Some(p.to_path_buf()));
    }
    let candidates = [
        PathBuf::from("web"),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web")),
    ];
    Ok(candidates
        .into_iter()
        .find(|p| p.join("index.html").is_file()))
}

impl ServeArgs {
    pub fn settings(&self, config: &Config) -> anyhow::Result<ServeSettings> {
        let port = self.port.or(config.port).unwrap_or(DEFAULT_PORT);
        let ip: std::net::IpAddr = self
            .host
            .parse()
            .with_context(|| format!("--host {:?} is not an IP address", self.host))?;
        let web = if self.no_web {
            None
        } else {
            find_web(self.web.as_deref())?
        };
        Ok(ServeSettings {
            addr: SocketAddr::new(ip, port),
            vectors: self
                .vectors
                .clone()
                .or_else(|| config.vectors.clone())
                .unwrap_or_else(|| "embedded".into()),
            db: self
                .db
                .clone()
                .or_else(|| config.db.clone())
                .unwrap_or_else(|| "sqlite://reelgraph.db".into()),
            token: self
                .milvus_token
                .clone()
                .or_else(|| config.milvus_token.clone()),
            web,
            api: ApiConfig::from_config(config),
        })
    }
}

pub fn run(args: ServeArgs, config: &Config) -> anyhow::Result<()> {
    let settings = args.settings(config)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        if let Some(from) = &args.from {
            check_from(from, &settings.db).await?;
        }
        serve(settings).await
    })
}

/// Refuse to serve when `--from` names a model root other than the one the
/// active version was loaded from.
async fn check_from(from: &str, db: &str) -> anyhow::Result<()> {
    let meta = sql::open(db)
        .await
        .with_context(|| format!("--db {}", sql::redact(db)))?;
    let Some(active) = meta.active_version().await? else {
        anyhow::bail!(
            "no model version is active in {}; run `reelgraph load --from {from} --db {}` first",
            sql::redact(db),
            sql::redact(db)
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

/// Open the stores and build the application state.
pub async fn open_state(s: &ServeSettings) -> anyhow::Result<api::State> {
    let meta = sql::open(&s.db)
        .await
        .with_context(|| format!("--db {}", sql::redact(&s.db)))?;
    let vectors = load::open_vectors(&s.vectors, s.token.as_deref(), meta.as_ref())
        .await
        .with_context(|| format!("--vectors {}", s.vectors))?;
    let state = AppState::load(vectors, meta, s.api.clone())
        .await
        .context("reading the catalogue")?;
    Ok(Arc::new(state))
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(s: ServeSettings) -> anyhow::Result<()> {
    let state = open_state(&s).await?;
    let app = match &s.web {
        Some(dir) => api::router_with_web(state.clone(), dir),
        None => api::router(state.clone()),
    };
    let listener = tokio::net::TcpListener::bind(s.addr)
        .await
        .with_context(|| format!("cannot listen on {}", s.addr))?;
    let addr = listener.local_addr()?;
    let version = state
        .model_version()
        .map_or("none".to_string(), |v| v.to_string());
    println!(
        "reelgraph serving model version {version} ({} movies) on http://{addr}/{}",
        state.catalog.len(),
        if s.web.is_some() {
            "  (API docs: /docs)"
        } else {
            "  (API only; docs: /docs)"
        }
    );
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
