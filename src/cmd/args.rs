//! Flags shared by several subcommands, each naming its setting in
//! [`reelgraph_core::settings`] (flag, environment variable, help); the
//! values are resolved there: flag > environment > `reelgraph.toml` > default.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use reelgraph_core::settings::{
    self as s, DbSpec, Hosts, ModelsSpec, Origins, PublicUrl, Secret, Sources, VectorSpec,
};

/// The stores a version is loaded into and served from.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct StoreArgs {
    #[arg(long = s::VECTORS.long(), env = s::VECTORS.env, help = s::VECTORS.help)]
    pub vectors: Option<VectorSpec>,
    #[arg(long = s::DB.long(), env = s::DB.env, help = s::DB.help, hide_env_values = true)]
    pub db: Option<DbSpec>,
    #[arg(long = s::MILVUS_TOKEN.long(), env = s::MILVUS_TOKEN.env, help = s::MILVUS_TOKEN.help, hide_env_values = true)]
    pub milvus_token: Option<Secret>,
}

/// [`StoreArgs`] resolved.
#[derive(Clone, Debug)]
pub struct Stores {
    pub vectors: VectorSpec,
    pub db: DbSpec,
    pub token: Option<Secret>,
}

impl StoreArgs {
    pub fn resolve(&self, src: &Sources) -> anyhow::Result<Stores> {
        Ok(Stores {
            vectors: src.require(&s::VECTORS, self.vectors.clone())?,
            db: src.require(&s::DB, self.db.clone())?,
            token: src.resolve(&s::MILVUS_TOKEN, self.milvus_token.clone())?,
        })
    }
}

/// Where `serve` listens and what it serves besides the API.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ServerArgs {
    #[arg(long = s::HOST.long(), env = s::HOST.env, help = s::HOST.help)]
    pub host: Option<IpAddr>,
    #[arg(long = s::PORT.long(), env = s::PORT.env, help = s::PORT.help)]
    pub port: Option<u16>,
    #[arg(long = s::CORS_ORIGINS.long(), env = s::CORS_ORIGINS.env, help = s::CORS_ORIGINS.help)]
    pub cors_origins: Option<Origins>,
    #[arg(long = s::PUBLIC_URL.long(), env = s::PUBLIC_URL.env, help = s::PUBLIC_URL.help)]
    pub public_url: Option<PublicUrl>,
    #[arg(long = s::WEB.long(), env = s::WEB.env, help = s::WEB.help)]
    pub web: Option<PathBuf>,
    #[arg(long = s::POSTER_HOSTS.long(), env = s::POSTER_HOSTS.env, help = s::POSTER_HOSTS.help)]
    pub poster_hosts: Option<Hosts>,
    #[arg(long = s::DEADLINE_MS.long(), env = s::DEADLINE_MS.env, help = s::DEADLINE_MS.help)]
    pub deadline_ms: Option<u64>,
    #[arg(long = s::REFRESH_SECS.long(), env = s::REFRESH_SECS.env, help = s::REFRESH_SECS.help)]
    pub refresh_secs: Option<u64>,
    #[arg(long = s::MAX_CONCURRENCY.long(), env = s::MAX_CONCURRENCY.env, help = s::MAX_CONCURRENCY.help)]
    pub max_concurrency: Option<usize>,
    #[arg(long = s::METRICS_ADDR.long(), env = s::METRICS_ADDR.env, help = s::METRICS_ADDR.help)]
    pub metrics_addr: Option<SocketAddr>,
}

/// [`ServerArgs`] resolved.
#[derive(Clone, Debug)]
pub struct Server {
    pub addr: SocketAddr,
    pub cors_origins: Origins,
    /// Base of the original client's links (`""`: from the request's `Host`).
    pub public_url: String,
    pub web: Option<PathBuf>,
    pub poster_hosts: Hosts,
    pub deadline: std::time::Duration,
    pub refresh_interval: std::time::Duration,
    pub max_concurrency: usize,
    pub metrics_addr: Option<SocketAddr>,
}

impl ServerArgs {
    pub fn resolve(&self, src: &Sources) -> anyhow::Result<Server> {
        let host: IpAddr = src.require(&s::HOST, self.host)?;
        let port: u16 = src.require(&s::PORT, self.port)?;
        Ok(Server {
            addr: SocketAddr::new(host, port),
            cors_origins: src.require(&s::CORS_ORIGINS, self.cors_origins.clone())?,
            public_url: src
                .resolve::<PublicUrl>(&s::PUBLIC_URL, self.public_url.clone())?
                .map(|u| u.0)
                .unwrap_or_default(),
            web: src.resolve(&s::WEB, self.web.clone())?,
            poster_hosts: src.require(&s::POSTER_HOSTS, self.poster_hosts.clone())?,
            deadline: std::time::Duration::from_millis(
                src.require::<u64>(&s::DEADLINE_MS, self.deadline_ms)?
                    .max(1),
            ),
            refresh_interval: std::time::Duration::from_secs(
                src.require::<u64>(&s::REFRESH_SECS, self.refresh_secs)?
                    .max(1),
            ),
            max_concurrency: src.require(&s::MAX_CONCURRENCY, self.max_concurrency)?,
            metrics_addr: src.resolve(&s::METRICS_ADDR, self.metrics_addr)?,
        })
    }
}

/// The model root, required.
pub fn models(src: &Sources, given: Option<ModelsSpec>) -> anyhow::Result<ModelsSpec> {
    Ok(src.require(&s::MODELS, given)?)
}
