//! Configuration: flags > environment variables > `reelgraph.toml` > defaults.
//!
//! Each setting has a flag (given by the CLI), an environment variable
//! `REELGRAPH_<NAME>` and a key in `reelgraph.toml`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// Settings read from the environment and the optional config file.
/// CLI flags override these field by field.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Dataset directory (`REELGRAPH_DATA`).
    pub data: Option<String>,
    /// Model root: local dir or `s3://bucket/prefix` (`REELGRAPH_MODELS`).
    pub models: Option<String>,
    /// Vector store: `embedded` or `milvus://HOST:PORT` (`REELGRAPH_VECTORS`).
    pub vectors: Option<String>,
    /// Metadata store URL: `sqlite://PATH` or `mysql://…` (`REELGRAPH_DB`).
    pub db: Option<String>,
    /// Milvus token for Zilliz Cloud / TLS (`REELGRAPH_MILVUS_TOKEN`).
    pub milvus_token: Option<String>,
    /// HTTP port of `serve` (`REELGRAPH_PORT`).
    pub port: Option<u16>,
    /// Allowed CORS origins (`REELGRAPH_CORS_ORIGINS`, comma-separated).
    pub cors_origins: Option<Vec<String>>,
}

impl Config {
    /// Read `path` (or `./reelgraph.toml` when present), then let environment
    /// variables override it.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let mut config = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("reelgraph.toml").exists() => {
                Self::from_file(Path::new("reelgraph.toml"))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path.display(), e))?;
        toml::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
    }

    /// Override fields from `REELGRAPH_*` variables, read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        let set = |slot: &mut Option<String>, key: &str| {
            if let Some(v) = get(key).filter(|v| !v.is_empty()) {
                *slot = Some(v);
            }
        };
        set(&mut self.data, "REELGRAPH_DATA");
        set(&mut self.models, "REELGRAPH_MODELS");
        set(&mut self.vectors, "REELGRAPH_VECTORS");
        set(&mut self.db, "REELGRAPH_DB");
        set(&mut self.milvus_token, "REELGRAPH_MILVUS_TOKEN");
        if let Some(p) = get("REELGRAPH_PORT").filter(|v| !v.is_empty()) {
            self.port = Some(p.parse().map_err(|_| {
                Error::Invalid(format!("REELGRAPH_PORT: {p:?} is not a port number"))
            })?);
        }
        if let Some(o) = get("REELGRAPH_CORS_ORIGINS").filter(|v| !v.is_empty()) {
            self.cors_origins = Some(o.split(',').map(|s| s.trim().to_string()).collect());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file() {
        let mut c: Config = toml::from_str("db = \"sqlite://a.db\"\nport = 9000\n").unwrap();
        c.apply_env(|k| match k {
            "REELGRAPH_DB" => Some("mysql://root@127.0.0.1/test".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.db.as_deref(), Some("mysql://root@127.0.0.1/test"));
        assert_eq!(c.port, Some(9000));
        assert!(
            c.apply_env(|k| (k == "REELGRAPH_PORT").then(|| "x".into()))
                .is_err()
        );
    }

    #[test]
    fn unknown_key_is_an_error() {
        assert!(toml::from_str::<Config>("colour = 1").is_err());
    }
}
