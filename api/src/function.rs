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
//! | `self-contained` | `REELGRAPH_MODELS` (`s3://bucket/prefix` or a directory), optional `REELGRAPH_VERSION` | the version (`latest`, or `REELGRAPH_VERSION`) is read and verified at cold start into the embedded index and a read-only in-memory metadata store ([`BundleStore`]); no database |
//! | `services` | `REELGRAPH_VECTORS` (`milvus://HOST:PORT`, `https://…`; or `embedded`), `REELGRAPH_MILVUS_TOKEN` (optional), `REELGRAPH_MILVUS_NAMESPACE` (optional), `REELGRAPH_DB` (`mysql://…`) | Milvus (through its alias) and MySQL/MariaDB, as loaded by `reelgraph load` |
//!
//! `REELGRAPH_MODE=services|self-contained` chooses; without it the mode is
//! `services` when `REELGRAPH_DB` is set or `REELGRAPH_VECTORS` names a
//! server, otherwise `self-contained` when `REELGRAPH_MODELS` is set. A
//! missing or contradictory variable fails the cold start with a message
//! naming it. `REELGRAPH_CORS_ORIGINS` sets the CORS allow-list in both modes,
//! `REELGRAPH_PUBLIC_URL` the base of the original client's links.
//! `REELGRAPH_MILVUS_NAMESPACE` prefixes the Milvus alias and collection
//! names (see [`MilvusStore::with_namespace`]), for a Milvus shared with
//! other deployments or tests.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;

use crate::{ApiConfig, AppState, Group, State};
use reelgraph_core::artifact;
use reelgraph_core::error::{Error, Result};
use reelgraph_core::object::{self, ObjectStore};
use reelgraph_core::settings::{
    self, DbSpec, ModelsSpec, Origins, PublicUrl, Secret, Sources, VectorSpec,
};
use reelgraph_stores::bundle::BundleStore;
use reelgraph_stores::embedded::{EmbeddedIndex, EmbeddedStore};
use reelgraph_stores::load;
use reelgraph_stores::metadata::MetadataReader;
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql;
use reelgraph_stores::vector::VectorReader;

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
    /// Base of the original client's links (`REELGRAPH_PUBLIC_URL`; `None`:
    /// from the request's `Host`).
    pub public_url: Option<PublicUrl>,
}

impl FunctionConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// From variables read through `get` (empty values count as unset).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
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
                         (mysql://user:pass@host/db)"
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
            public_url: src.resolve(&settings::PUBLIC_URL, None)?,
        })
    }

    /// Settings of the API (CORS origins from `REELGRAPH_CORS_ORIGINS`).
    pub fn api(&self) -> ApiConfig {
        ApiConfig {
            cors_origins: self.cors_origins.0.clone(),
            public_url: self
                .public_url
                .as_ref()
                .map(|u| u.0.clone())
                .unwrap_or_default(),
            ..ApiConfig::default()
        }
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Open the stores the configuration names and read the catalogue.
pub async fn open_state(config: &FunctionConfig) -> Result<State> {
    match config.mode {
        Mode::SelfContained => {
            let models = config.models.as_ref().expect("checked by from_vars");
            let t = Instant::now();
            let objects = object::open_spec(models).await?;
            tracing::debug!(elapsed_ms = ms(t), "object store client ready");
            self_contained(
                objects.as_ref(),
                &load::canonical_source(&models.to_string()),
                config.version,
                config.api(),
            )
            .await
        }
        Mode::Services => {
            let db = config.db.as_ref().expect("checked by from_vars");
            let meta = sql::open(db).await?;
            let token = config.milvus_token.as_ref();
            let vectors = match &config.milvus_namespace {
                Some(ns) => MilvusStore::connect(&config.vectors, token)
                    .await
                    .and_then(|m| m.with_namespace(ns))
                    .map(|m| Arc::new(m) as Arc<dyn VectorReader>),
                None => load::open_vectors(&config.vectors, token, meta.as_ref()).await,
            }
            .map_err(|e| match e {
                Error::Invalid(m) => Error::Invalid(format!("REELGRAPH_VECTORS: {m}")),
                other => other,
            })?;
            services(vectors, meta, config.api()).await
        }
    }
}

/// Self-contained state: read and verify a version of the model root
/// `objects` (`None`: the one `latest` names), index its vectors in process
/// and serve its movies from memory. `source` is recorded as where it came from.
pub async fn self_contained(
    objects: &dyn ObjectStore,
    source: &str,
    version: Option<u64>,
    api: ApiConfig,
) -> Result<State> {
    let t = Instant::now();
    let bundle = artifact::read_serving(objects, version)
        .await
        .map_err(|e| match (e, version) {
            (Error::NotFound(what), None) => Error::NotFound(format!(
                "{what}: no `latest` pointer in {}; publish a version there or set REELGRAPH_VERSION",
                objects.describe()
            )),
            (e, _) => e,
        })?;
    tracing::debug!(elapsed_ms = ms(t), "version read and verified");
    let t = Instant::now();
    let index = EmbeddedIndex::from_bundle(&bundle)?;
    let meta = BundleStore::from_bundle(&bundle, Some(source));
    drop(bundle);
    tracing::debug!(elapsed_ms = ms(t), "index and catalogue built");
    let state = AppState::load(
        Arc::new(EmbeddedStore::with_index(index)),
        Arc::new(meta),
        api,
    )
    .await?;
    Ok(Arc::new(state))
}

/// Services state: the catalogue of the version the metadata store marks
/// active. Refused when none is active (nothing was loaded).
pub async fn services(
    vectors: Arc<dyn VectorReader>,
    meta: Arc<dyn MetadataReader>,
    api: ApiConfig,
) -> Result<State> {
    let Some(active) = meta.active_version().await? else {
        return Err(Error::NotFound(
            "no model version is active in REELGRAPH_DB; run `reelgraph load` first".into(),
        ));
    };
    match vectors.active_version().await? {
        Some(v) if v == active.version => {}
        other => tracing::warn!(
            "the vector store serves version {other:?} but the database has {} active; \
             /ready answers 503 until they agree",
            active.version
        ),
    }
    Ok(Arc::new(AppState::load(vectors, meta, api).await?))
}

/// Everything a function does before serving: configuration from the
/// environment, stores opened, catalogue read, the router of `group`.
/// Errors name the variable or the store at fault.
pub async fn start(group: Group) -> Result<Router> {
    let started = Instant::now();
    let result = async {
        let config = FunctionConfig::from_env()?;
        let state = open_state(&config).await?;
        Ok::<_, Error>((config, state))
    }
    .await;
    match result {
        Ok((config, state)) => {
            tracing::info!(
                function = group.name(),
                mode = config.mode.name(),
                model_version = ?state.model_version(),
                movies = state.catalog.len(),
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
