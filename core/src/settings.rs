//! The one configuration of reelgraph.
//!
//! Every setting is declared once, in [`ALL`]: its `reelgraph.toml` key, its
//! flag, its environment variable, its default and what it does. The CLI's
//! flags name these declarations (clap `long = …`, `env = …`), the Lambda
//! functions read the same variables through [`Sources::env_only`], and the
//! README's configuration table is checked against [`markdown_table`].
//!
//! A value is resolved in this order:
//! **flag > environment > `reelgraph.toml` > default** ([`Sources::resolve`]). Values are parsed once, into the typed
//! specs of this module ([`ModelsSpec`], [`VectorSpec`], [`DbSpec`],
//! [`Secret`], [`Origins`], [`Mode`]); a bad value is an error naming where it
//! came from (the flag, the variable or the file's key).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, Result};

/// One setting: where it is read from and its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Key in `reelgraph.toml`.
    pub key: &'static str,
    /// Long flag of the CLI (without `--`); `None`: not a flag.
    pub flag: Option<&'static str>,
    /// Environment variable.
    pub env: &'static str,
    /// Default value, parsed like any other (`None`: unset by default).
    pub default: Option<&'static str>,
    /// What it does (the flag's help and the README's table).
    pub help: &'static str,
    /// Who reads it (the README's table).
    pub used_by: &'static str,
}

impl Setting {
    /// The long flag (without `--`): the declared one, else the key.
    pub const fn long(&self) -> &'static str {
        match self.flag {
            Some(f) => f,
            None => self.key,
        }
    }

    /// How an error names this setting's value from `origin`.
    fn name(&self, origin: Origin) -> String {
        match origin {
            Origin::Flag => format!("--{}", self.flag.unwrap_or(self.key)),
            Origin::Env => self.env.to_string(),
            Origin::File => format!("reelgraph.toml: {}", self.key),
            Origin::Default => format!("the default of {}", self.key),
        }
    }

    /// Parse `value` as this setting's type, naming `origin` in the error.
    pub fn parse<T: FromStr>(&self, value: &str, origin: Origin) -> Result<T>
    where
        T::Err: fmt::Display,
    {
        value
            .parse()
            .map_err(|e| Error::Invalid(format!("{}: {e}", self.name(origin))))
    }
}

/// Where a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    File,
    Default,
}

macro_rules! settings {
    ($($name:ident = { $($field:ident : $value:expr),* $(,)? };)*) => {
        $(pub const $name: Setting = Setting { $($field: $value),* };)*
        /// Every setting, in the order of the README's table.
        pub const ALL: &[Setting] = &[$($name),*];
    };
}

settings! {
    CONFIG = {
        key: "config", flag: Some("config"), env: "REELGRAPH_CONFIG",
        default: Some("reelgraph.toml"),
        help: "Configuration file; the default is read only when it exists",
        used_by: "all commands",
    };
    LOG = {
        key: "log", flag: Some("log"), env: "RUST_LOG", default: Some("info"),
        help: "Log filter, e.g. `info` or `reelgraph=debug,sqlx=warn`",
        used_by: "all commands, functions (environment)",
    };
    LOG_FORMAT = {
        key: "log_format", flag: Some("log-format"), env: "REELGRAPH_LOG_FORMAT",
        default: Some("text"),
        help: "`text` or `json` (one JSON object per line; the functions always log JSON)",
        used_by: "all commands",
    };
    DATA = {
        key: "data", flag: Some("data"), env: "REELGRAPH_DATA", default: None,
        help: "Dataset directory (any format `data inspect` reads; `demo` without one: ml-1m in `reelgraph-demo/data`; the trainer function: also `s3://bucket/prefix`)",
        used_by: "train, demo, data inspect, functions (train)",
    };
    DATA_BASE_URL = {
        key: "data_base_url", flag: Some("base-url"), env: "REELGRAPH_DATA_BASE_URL",
        default: Some("https://files.grouplens.org/datasets/movielens"),
        help: "Base URL of the MovieLens zips (a mirror)",
        used_by: "data fetch, demo",
    };
    OMDB_URL = {
        key: "omdb_url", flag: Some("omdb-url"), env: "REELGRAPH_OMDB_URL",
        default: Some("https://raw.githubusercontent.com/shiyu22/user_base_recommend/master/webserver/src/movie_info.dat"),
        help: "Where ml-1m's OMDb information (`movie_info.dat`: plots, cast, posters; SHA-256 pinned) is downloaded from",
        used_by: "data fetch, demo",
    };
    MODELS = {
        key: "models", flag: Some("models"), env: "REELGRAPH_MODELS", default: None,
        help: "Model root: a directory or `s3://bucket/prefix` (`--out` of train, `--from` of load and serve; `demo` uses `reelgraph-demo/models`)",
        used_by: "train, load, serve, functions (self-contained, train)",
    };
    VERSION = {
        key: "version", flag: Some("version"), env: "REELGRAPH_VERSION", default: None,
        help: "Model version to load or to serve (default: the one `latest` names)",
        used_by: "load, functions (self-contained)",
    };
    VECTORS = {
        key: "vectors", flag: Some("vectors"), env: "REELGRAPH_VECTORS",
        default: Some("embedded"),
        help: "Vector store: `embedded`, `milvus://HOST:PORT`, `http(s)://…` (Milvus / Zilliz Cloud)",
        used_by: "load, serve, functions (services)",
    };
    MILVUS_TOKEN = {
        key: "milvus_token", flag: Some("milvus-token"), env: "REELGRAPH_MILVUS_TOKEN",
        default: None,
        help: "Milvus token (`user:password` or an API key); never printed",
        used_by: "load, serve, functions (services)",
    };
    SECRET_ARN = {
        key: "secret_arn", flag: None, env: "REELGRAPH_SECRET_ARN", default: None,
        help: "ARN of a Secrets Manager secret (JSON: `mysql_url`, optional `milvus_token`) read at start in place of REELGRAPH_DB and REELGRAPH_MILVUS_TOKEN, so no credential is in the environment",
        used_by: "functions (services, train)",
    };
    MILVUS_NAMESPACE = {
        key: "milvus_namespace", flag: None,
        env: "REELGRAPH_MILVUS_NAMESPACE", default: None,
        help: "Prefix of the Milvus alias and collections (letters, digits, `_`), for a shared Milvus",
        used_by: "functions (services)",
    };
    DB = {
        key: "db", flag: Some("db"), env: "REELGRAPH_DB", default: Some("sqlite://reelgraph.db"),
        help: "Metadata store: `sqlite://PATH` or `mysql://USER[:PASS]@HOST[:PORT]/DB` (`demo` uses `reelgraph-demo/reelgraph.db`)",
        used_by: "load, serve, functions (services)",
    };
    HOST = {
        key: "host", flag: Some("host"), env: "REELGRAPH_HOST", default: Some("127.0.0.1"),
        help: "Address `serve` binds",
        used_by: "serve, demo",
    };
    PORT = {
        key: "port", flag: Some("port"), env: "REELGRAPH_PORT", default: Some("8000"),
        help: "TCP port of `serve` (0 picks a free one)",
        used_by: "serve, demo",
    };
    CORS_ORIGINS = {
        key: "cors_origins", flag: Some("cors-origins"), env: "REELGRAPH_CORS_ORIGINS",
        default: Some("http://127.0.0.1:8000,http://localhost:8000"),
        help: "Origins allowed by CORS, comma-separated (exact matches)",
        used_by: "serve, functions",
    };
    PUBLIC_URL = {
        key: "public_url", flag: Some("public-url"), env: "REELGRAPH_PUBLIC_URL", default: None,
        help: "Absolute base URL of the API for the links the original client's routes return (default: built from the request's `Host`)",
        used_by: "serve, demo, functions",
    };
    POSTER_HOSTS = {
        key: "poster_hosts", flag: Some("poster-hosts"), env: "REELGRAPH_POSTER_HOSTS",
        default: Some("m.media-amazon.com,ia.media-imdb.com,images-na.ssl-images-amazon.com,img.omdbapi.com"),
        help: "Hosts the poster routes may redirect to, comma-separated (`*.example.com`: its subdomains); only `https://` posters on these hosts are redirected to, others get the placeholder",
        used_by: "serve, functions",
    };
    WEB = {
        key: "web", flag: Some("web"), env: "REELGRAPH_WEB", default: None,
        help: "Serve the web UI from this directory (read at start; only its `.html`, `.css`, `.js` and image files outside `tests/`) instead of the copy built into the binary",
        used_by: "serve, demo",
    };
    DEADLINE_MS = {
        key: "deadline_ms", flag: Some("deadline-ms"), env: "REELGRAPH_DEADLINE_MS",
        default: Some("2000"),
        help: "Per-request deadline (ms): a request not answered in time gets a JSON 503 with `Retry-After`",
        used_by: "serve, functions",
    };
    REFRESH_SECS = {
        key: "refresh_secs", flag: Some("refresh-secs"), env: "REELGRAPH_REFRESH_SECS",
        default: Some("30"),
        help: "How often (s) the served model version is compared with the active one; a newly activated one is swapped in without a restart",
        used_by: "serve, functions",
    };
    MAX_CONCURRENCY = {
        key: "max_concurrency", flag: Some("max-concurrency"), env: "REELGRAPH_MAX_CONCURRENCY",
        default: Some("512"),
        help: "Requests handled at once; more wait within their deadline",
        used_by: "serve, functions",
    };
    METRICS_ADDR = {
        key: "metrics_addr", flag: Some("metrics-addr"), env: "REELGRAPH_METRICS_ADDR",
        default: None,
        help: "Address of a second listener serving Prometheus metrics at `/metrics` (not served otherwise)",
        used_by: "serve",
    };
    FEEDBACK = {
        key: "feedback", flag: None, env: "REELGRAPH_FEEDBACK", default: None,
        help: "Where the recommend function keeps visitors' feedback in self-contained mode (no database): a directory or `s3://bucket/prefix`, written as batched append-only objects (default: `feedback/` under REELGRAPH_MODELS), and where the trainer function reads it to train on; `serve` and services mode use the `feedback` table of the metadata store",
        used_by: "functions (self-contained), train function",
    };
    MODE = {
        key: "mode", flag: None, env: "REELGRAPH_MODE", default: None,
        help: "`services` (Milvus + MySQL) or `self-contained` (the model root); default: services when REELGRAPH_DB or a Milvus is set",
        used_by: "functions",
    };
    S3_PATH_STYLE = {
        key: "s3_path_style", flag: None, env: "REELGRAPH_S3_PATH_STYLE", default: None,
        help: "`true`: path-style S3 addressing (local S3 servers); default: on when `AWS_ENDPOINT_URL` is set",
        used_by: "everything that reads or writes `s3://`",
    };
}

/// The values of `reelgraph.toml` and, for the functions, the environment:
/// what [`Sources::resolve`] consults after the flag.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `reelgraph.toml`'s values by key, as strings.
    file: BTreeMap<String, String>,
    /// Environment values by variable (only when the environment is read
    /// here rather than by clap: the functions).
    env: BTreeMap<String, String>,
}

impl Sources {
    /// Read the configuration file: `path`, or `./reelgraph.toml` when it
    /// exists. The environment is left to clap (`env = …` on each flag).
    pub fn load(path: Option<&Path>) -> Result<Sources> {
        let default = PathBuf::from(CONFIG.default.unwrap_or_default());
        let path = match path {
            Some(p) => Some(p.to_path_buf()),
            None if default.is_file() => Some(default),
            None => None,
        };
        let file = match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(p.display(), e))?;
                parse_file(&text).map_err(|e| Error::Invalid(format!("{}: {e}", p.display())))?
            }
            None => BTreeMap::new(),
        };
        Ok(Sources {
            file,
            env: BTreeMap::new(),
        })
    }

    /// The file's values from TOML text.
    pub fn from_toml(text: &str) -> Result<Sources> {
        Ok(Sources {
            file: parse_file(text).map_err(Error::Invalid)?,
            env: BTreeMap::new(),
        })
    }

    /// The environment only, read through `get` for every setting (the
    /// Lambda functions, which have no flags and no file). Empty values
    /// count as unset.
    pub fn env_only(get: impl Fn(&str) -> Option<String>) -> Sources {
        let env = ALL
            .iter()
            .filter_map(|s| {
                get(s.env)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .map(|v| (s.env.to_string(), v))
            })
            .collect();
        Sources {
            file: BTreeMap::new(),
            env,
        }
    }

    /// The value of `setting`: `given` (the flag, or the environment when
    /// clap read it), else the environment read here, else the file, else
    /// the default; `None` when none of them has one.
    pub fn resolve<T: FromStr>(&self, setting: &Setting, given: Option<T>) -> Result<Option<T>>
    where
        T::Err: fmt::Display,
    {
        if given.is_some() {
            return Ok(given);
        }
        if let Some(v) = self.env.get(setting.env) {
            return setting.parse(v, Origin::Env).map(Some);
        }
        if let Some(v) = self.file.get(setting.key) {
            return setting.parse(v, Origin::File).map(Some);
        }
        setting
            .default
            .map(|d| setting.parse(d, Origin::Default))
            .transpose()
    }

    /// The value the environment (read here) or the file gives `setting`,
    /// ignoring its default.
    pub fn given<T: FromStr>(&self, setting: &Setting) -> Result<Option<T>>
    where
        T::Err: fmt::Display,
    {
        if let Some(v) = self.env.get(setting.env) {
            return setting.parse(v, Origin::Env).map(Some);
        }
        self.file
            .get(setting.key)
            .map(|v| setting.parse(v, Origin::File))
            .transpose()
    }

    /// Like [`resolve`](Self::resolve) for a setting that must have a value;
    /// the error says how to give one.
    pub fn require<T: FromStr>(&self, setting: &Setting, given: Option<T>) -> Result<T>
    where
        T::Err: fmt::Display,
    {
        self.resolve(setting, given)?.ok_or_else(|| {
            Error::Invalid(match setting.flag {
                Some(flag) => format!(
                    "--{flag}: no value given (or set {} or `{}` in reelgraph.toml)",
                    setting.env, setting.key
                ),
                None => format!("{} is not set", setting.env),
            })
        })
    }

    /// The text the environment (read here) gives `setting`, unparsed: for
    /// messages that quote what the user wrote.
    pub fn env_text(&self, setting: &Setting) -> Option<&str> {
        self.env.get(setting.env).map(String::as_str)
    }

    /// Whether the environment read here sets `setting`.
    pub fn env_has(&self, setting: &Setting) -> bool {
        self.env.contains_key(setting.env)
    }
}

/// `reelgraph.toml` as key → value strings: numbers and booleans as written,
/// arrays of strings joined by commas. Unknown keys are errors.
fn parse_file(text: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if !ALL.iter().any(|s| s.key == key && s.key != CONFIG.key) {
            return Err(format!(
                "unknown key `{key}` (known: {})",
                ALL.iter()
                    .filter(|s| s.key != CONFIG.key)
                    .map(|s| s.key)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(format!("{key}: {other} is not a string")),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?
                .join(","),
            other => return Err(format!("{key}: {other} is not a value")),
        };
        out.insert(key, text);
    }
    Ok(out)
}

/// The README's configuration table (checked by a test against README.md).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| `reelgraph.toml` key | flag | environment | default | used by | meaning |\n\
         |---|---|---|---|---|---|\n",
    );
    for s in ALL {
        let flag = s.flag.map_or("—".to_string(), |f| format!("`--{f}`"));
        let default = s.default.map_or("—".to_string(), |d| format!("`{d}`"));
        let key = if s.key == CONFIG.key {
            "—".to_string()
        } else {
            format!("`{}`", s.key)
        };
        out.push_str(&format!(
            "| {key} | {flag} | `{}` | {default} | {} | {} |\n",
            s.env, s.used_by, s.help
        ));
    }
    out
}

// ---------------------------------------------------------------------------
// Typed specs
// ---------------------------------------------------------------------------

/// A model root: where versions are published and read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelsSpec {
    /// A local directory (`PATH` or `file://PATH`).
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
}

impl FromStr for ModelsSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let prefix = prefix.trim_matches('/');
            if bucket.is_empty() {
                return Err(format!("{s:?} names no bucket (s3://BUCKET/PREFIX)"));
            }
            return Ok(ModelsSpec::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            });
        }
        if let Some((scheme, _)) = s.split_once("://")
            && scheme != "file"
        {
            return Err(format!(
                "{s:?}: `{scheme}://` is not a model root (a directory or s3://BUCKET/PREFIX)"
            ));
        }
        let path = s.strip_prefix("file://").unwrap_or(s);
        if path.is_empty() {
            return Err("an empty model root (a directory or s3://BUCKET/PREFIX)".into());
        }
        Ok(ModelsSpec::Local(PathBuf::from(path)))
    }
}

impl ModelsSpec {
    /// The folder `name` inside this root (`s3://b/p` → `s3://b/p/name`).
    pub fn join(&self, name: &str) -> ModelsSpec {
        match self {
            ModelsSpec::Local(p) => ModelsSpec::Local(p.join(name)),
            ModelsSpec::S3 { bucket, prefix } => ModelsSpec::S3 {
                bucket: bucket.clone(),
                prefix: if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}/{name}")
                },
            },
        }
    }
}

impl fmt::Display for ModelsSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelsSpec::Local(p) => write!(f, "{}", p.display()),
            ModelsSpec::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            ModelsSpec::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// The vector store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VectorSpec {
    /// The in-process exact index, opened from the model root.
    Embedded,
    /// Milvus (or Zilliz Cloud) at this `http://` or `https://` URL.
    Milvus { url: String },
}

impl FromStr for VectorSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if s == "embedded" {
            return Ok(VectorSpec::Embedded);
        }
        if let Some(rest) = s.strip_prefix("milvus://") {
            if rest.is_empty() {
                return Err(format!("{s:?} names no host"));
            }
            return Ok(VectorSpec::Milvus {
                url: format!("http://{rest}"),
            });
        }
        if let Some(rest) = s
            .strip_prefix("http://")
            .or_else(|| s.strip_prefix("https://"))
        {
            if rest.is_empty() {
                return Err(format!("{s:?} names no host"));
            }
            return Ok(VectorSpec::Milvus { url: s.to_string() });
        }
        Err(format!(
            "{s:?} is not `embedded`, milvus://HOST:PORT, http://… or https://…"
        ))
    }
}

impl fmt::Display for VectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VectorSpec::Embedded => f.write_str("embedded"),
            VectorSpec::Milvus { url } => f.write_str(url),
        }
    }
}

impl VectorSpec {
    /// Whether this names a Milvus server.
    pub fn is_server(&self) -> bool {
        matches!(self, VectorSpec::Milvus { .. })
    }
}

/// The metadata store: a database URL. `Debug` and [`DbSpec::redacted`]
/// hide the password; [`DbSpec::url`] is for connecting only.
#[derive(Clone, PartialEq, Eq)]
pub struct DbSpec {
    kind: DbKind,
    url: String,
}

/// The database behind a [`DbSpec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    MySql,
}

impl DbSpec {
    pub fn kind(&self) -> DbKind {
        self.kind
    }
    /// The URL to connect with (it may hold a password: never log it).
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact_url(&self.url)
    }
}

impl FromStr for DbSpec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        let kind = if s.starts_with("sqlite:") {
            DbKind::Sqlite
        } else if s.starts_with("mysql://") || s.starts_with("mariadb://") {
            DbKind::MySql
        } else {
            return Err(format!(
                "{:?} is neither sqlite://PATH nor mysql://…",
                redact_url(s)
            ));
        };
        Ok(DbSpec {
            kind,
            url: s.to_string(),
        })
    }
}

impl fmt::Debug for DbSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DbSpec").field(&self.redacted()).finish()
    }
}

impl fmt::Display for DbSpec {
    /// Redacted: a `DbSpec` is safe to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A URL with the password of its `user:password@` part replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A secret value (a token): never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself, for the one call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A comma-separated list of CORS origins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins(pub Vec<String>);

impl FromStr for Origins {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let list: Vec<String> = s
            .split(',')
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if let Some(bad) = list.iter().find(|o| o.as_str() == "*") {
            return Err(format!(
                "{bad:?}: a wildcard is not allowed; list the origins"
            ));
        }
        Ok(Origins(list))
    }
}

/// Host names, comma-separated: `host`, or `*.domain` for every subdomain
/// of `domain` (not `domain` itself). Lower-cased; letters, digits, `-` and
/// dots only, so a list can never match more than its operator meant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hosts(pub Vec<String>);

impl Hosts {
    /// Whether `url` is an `https://` URL whose host (the authority without
    /// a port; no user info) is on the list.
    pub fn allows_https(&self, url: &str) -> bool {
        let Some(rest) = url.strip_prefix("https://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') || authority.is_empty() {
            return false;
        }
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => authority,
        }
        .to_ascii_lowercase();
        self.0
            .iter()
            .any(|allowed| match allowed.strip_prefix("*.") {
                Some(domain) => host
                    .strip_suffix(domain)
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
                None => *allowed == host,
            })
    }
}

impl FromStr for Hosts {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let mut list = Vec::new();
        for h in s.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            let name = h.strip_prefix("*.").unwrap_or(h);
            let ok = !name.is_empty()
                && name.len() <= 253
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !ok {
                return Err(format!(
                    "{h:?} is not a host name (`images.example.com` or `*.example.com`)"
                ));
            }
            list.push(h.to_ascii_lowercase());
        }
        Ok(Hosts(list))
    }
}

/// An absolute `http(s)://` base URL (no query or fragment), without its
/// trailing `/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicUrl(pub String);

impl FromStr for PublicUrl {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let url = s.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("{s:?} is not an absolute http:// or https:// URL"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty()
            || host.contains('@')
            || !url
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"\"'<>\\^`{|}?#".contains(&b))
        {
            return Err(format!(
                "{s:?} is not a base URL (`https://HOST[:PORT][/PATH]`, no user, query or fragment)"
            ));
        }
        Ok(PublicUrl(url.to_string()))
    }
}

/// Where a Lambda function's stores are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Milvus + MySQL (`REELGRAPH_VECTORS`, `REELGRAPH_DB`).
    Services,
    /// The active version's files, read at cold start (`REELGRAPH_MODELS`).
    SelfContained,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Services => "services",
            Mode::SelfContained => "self-contained",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "services" => Ok(Mode::Services),
            "self-contained" => Ok(Mode::SelfContained),
            other => Err(format!(
                "{other:?} is neither `services` nor `self-contained`"
            )),
        }
    }
}

/// A boolean written `true`/`false` (also `1`/`0`, `yes`/`no`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag(pub bool);

impl FromStr for Flag {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Flag(true)),
            "false" | "0" | "no" | "off" => Ok(Flag(false)),
            other => Err(format!("{other:?} is not true or false")),
        }
    }
}

/// `REELGRAPH_S3_PATH_STYLE` from the process environment (`None`: unset).
pub fn s3_path_style_from_env() -> Result<Option<bool>> {
    Sources::env_only(|k| std::env::var(k).ok())
        .resolve::<Flag>(&S3_PATH_STYLE, None)
        .map(|f| f.map(|f| f.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_flag_env_file_default() {
        let file = Sources::from_toml("db = \"sqlite://a.db\"\nport = 9000\n").unwrap();
        // The file over the default.
        let db: DbSpec = file.require(&DB, None).unwrap();
        assert_eq!(db.url(), "sqlite://a.db");
        assert_eq!(file.require::<u16>(&PORT, None).unwrap(), 9000);
        // The flag (or clap's environment) over the file.
        let given: DbSpec = "mysql://root@127.0.0.1/test".parse().unwrap();
        assert_eq!(
            file.require(&DB, Some(given.clone())).unwrap(),
            given,
            "flag over file"
        );
        // The default when nothing else.
        let none = Sources::default();
        assert_eq!(
            none.require::<DbSpec>(&DB, None).unwrap().url(),
            "sqlite://reelgraph.db"
        );
        assert_eq!(
            none.require::<VectorSpec>(&VECTORS, None).unwrap(),
            VectorSpec::Embedded
        );
        assert_eq!(none.resolve::<ModelsSpec>(&MODELS, None).unwrap(), None);
        // The environment read here over the default.
        let env = Sources::env_only(|k| (k == "REELGRAPH_PORT").then(|| " 9100 ".into()));
        assert_eq!(env.require::<u16>(&PORT, None).unwrap(), 9100);
    }

    #[test]
    fn errors_name_where_the_value_came_from() {
        let env = Sources::env_only(|k| (k == "REELGRAPH_PORT").then(|| "x".into()));
        let e = env.require::<u16>(&PORT, None).unwrap_err().to_string();
        assert!(e.contains("REELGRAPH_PORT: invalid digit"), "{e}");
        let file = Sources::from_toml("vectors = \"redis://x\"").unwrap();
        let e = file
            .require::<VectorSpec>(&VECTORS, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("reelgraph.toml: vectors: \"redis://x\" is not"),
            "{e}"
        );
        let e = Sources::default()
            .require::<ModelsSpec>(&MODELS, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--models") && e.contains("REELGRAPH_MODELS"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = Sources::from_toml("colour = 1").unwrap_err().to_string();
        assert!(e.contains("unknown key `colour`"), "{e}");
        assert!(Sources::from_toml("config = \"x\"").is_err());
    }

    #[test]
    fn file_lists_and_numbers() {
        let s = Sources::from_toml("cors_origins = [\"https://a.example\", \"https://b.example\"]")
            .unwrap();
        let o: Origins = s.require(&CORS_ORIGINS, None).unwrap();
        assert_eq!(o.0, vec!["https://a.example", "https://b.example"]);
        let o: Origins = Sources::default().require(&CORS_ORIGINS, None).unwrap();
        assert_eq!(o.0, vec!["http://127.0.0.1:8000", "http://localhost:8000"]);
        assert!("https://a.example,*".parse::<Origins>().is_err());
        let h: Hosts = Sources::default().require(&POSTER_HOSTS, None).unwrap();
        assert!(h.allows_https("https://m.media-amazon.com/images/M/x.jpg"));
        assert!(!h.allows_https("http://m.media-amazon.com/images/M/x.jpg"));
        assert!(!h.allows_https("https://evil.example/m.media-amazon.com/x.jpg"));
        assert!(!h.allows_https("https://m.media-amazon.com@evil.example/x.jpg"));
        assert!(!h.allows_https("https://m.media-amazon.com.evil.example/x.jpg"));
        let w: Hosts = " *.Example.com, 127.0.0.1 ".parse().unwrap();
        assert_eq!(w.0, ["*.example.com", "127.0.0.1"]);
        assert!(w.allows_https("https://img.example.com/a.jpg"));
        assert!(w.allows_https("https://a.b.EXAMPLE.com:8443/a.jpg"));
        assert!(!w.allows_https("https://example.com/a.jpg"));
        assert!(!w.allows_https("https://badexample.com/a.jpg"));
        assert!(w.allows_https("https://127.0.0.1:9/posters/5.jpg"));
        for bad in ["*", "a/b", "*.", "a..b", "a_b.com", "https://a.com"] {
            assert!(bad.parse::<Hosts>().is_err(), "{bad}");
        }
        assert_eq!("".parse::<Hosts>().unwrap(), Hosts::default());
    }

    #[test]
    fn public_urls() {
        let ok = |s: &str| s.parse::<PublicUrl>().map(|u| u.0);
        assert_eq!(
            ok("https://api.example.com/").unwrap(),
            "https://api.example.com"
        );
        assert_eq!(
            ok(" http://127.0.0.1:8000/api ").unwrap(),
            "http://127.0.0.1:8000/api"
        );
        for bad in [
            "api.example.com",
            "ftp://api.example.com",
            "https://",
            "https:///x",
            "https://user@evil.example",
            "https://a.example/?x=1",
            "https://a.example/#x",
            "https://a.example/\"><script>",
            "https://a b.example",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
        let e = Sources::from_toml("public_url = \"nope\"")
            .unwrap()
            .require::<PublicUrl>(&PUBLIC_URL, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("public_url") && e.contains("nope"), "{e}");
    }

    #[test]
    fn specs_parse_and_print() {
        assert_eq!(
            "milvus://h:19530".parse::<VectorSpec>().unwrap(),
            VectorSpec::Milvus {
                url: "http://h:19530".into()
            }
        );
        assert!(
            "https://x.zillizcloud.com"
                .parse::<VectorSpec>()
                .unwrap()
                .is_server()
        );
        for bad in ["milvus://", "redis://h", "", "https://"] {
            assert!(bad.parse::<VectorSpec>().is_err(), "{bad}");
        }
        let db: DbSpec = "mysql://u:pw@h:3306/db".parse().unwrap();
        assert_eq!(db.kind(), DbKind::MySql);
        assert_eq!(db.redacted(), "mysql://u:***@h:3306/db");
        assert_eq!(format!("{db:?}"), "DbSpec(\"mysql://u:***@h:3306/db\")");
        assert!(!format!("{db}").contains("pw"));
        let e = "postgres://u:pw@h/db".parse::<DbSpec>().unwrap_err();
        assert!(!e.contains("pw"), "{e}");
        assert_eq!(
            "s3://b/models/".parse::<ModelsSpec>().unwrap(),
            ModelsSpec::S3 {
                bucket: "b".into(),
                prefix: "models".into()
            }
        );
        assert_eq!(
            "s3://b/models".parse::<ModelsSpec>().unwrap().to_string(),
            "s3://b/models"
        );
        assert_eq!(
            "file:///tmp/m".parse::<ModelsSpec>().unwrap(),
            ModelsSpec::Local("/tmp/m".into())
        );
        assert!("s3:///x".parse::<ModelsSpec>().is_err());
        assert!("http://h/x".parse::<ModelsSpec>().is_err());
        let t: Secret = "tok".parse().unwrap();
        assert_eq!(
            (format!("{t:?}"), t.to_string()),
            ("Secret(***)".into(), "***".into())
        );
        assert_eq!(
            "self-contained".parse::<Mode>().unwrap(),
            Mode::SelfContained
        );
        assert!("lambda".parse::<Mode>().is_err());
    }

    /// The README's table between `<!-- settings:begin -->` and
    /// `<!-- settings:end -->` is [`markdown_table`]. With
    /// `REELGRAPH_BLESS=1` the test writes it there instead.
    #[test]
    fn readme_lists_every_setting() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md beside the workspace");
        let (begin, end) = ("<!-- settings:begin -->\n", "<!-- settings:end -->");
        let start = readme.find(begin).expect("the begin marker") + begin.len();
        let stop = readme.find(end).expect("the end marker");
        let want = markdown_table();
        if std::env::var("REELGRAPH_BLESS").is_ok_and(|v| v == "1") {
            let text = format!("{}{want}{}", &readme[..start], &readme[stop..]);
            std::fs::write(path, text).unwrap();
            return;
        }
        assert_eq!(
            &readme[start..stop],
            want,
            "README.md's configuration table is out of date \
             (REELGRAPH_BLESS=1 cargo test -p reelgraph-core readme rewrites it)"
        );
    }

    #[test]
    fn every_setting_is_declared_once() {
        let mut keys: Vec<_> = ALL.iter().map(|s| s.key).collect();
        let mut envs: Vec<_> = ALL.iter().map(|s| s.env).collect();
        keys.sort();
        keys.dedup();
        envs.sort();
        envs.dedup();
        assert_eq!((keys.len(), envs.len()), (ALL.len(), ALL.len()));
        // Every default parses as its setting's type.
        for s in ALL {
            if let Some(d) = s.default {
                assert!(!d.is_empty(), "{}", s.key);
            }
        }
        Sources::default().require::<u16>(&PORT, None).unwrap();
        Sources::default()
            .require::<std::net::IpAddr>(&HOST, None)
            .unwrap();
    }
}
