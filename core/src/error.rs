//! Errors shared by the core adapters.

use std::fmt;

/// Result alias used across the core crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from a store, an artifact or the configuration.
///
/// Each variant carries a message meant for a person: it names the file, the
/// service or the field that is at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that does not satisfy the format or the contract (bad file, bad field).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Something asked for does not exist (object key, version, movie id).
    #[error("not found: {0}")]
    NotFound(String),
    /// An artifact failed verification (checksum, size, manifest).
    #[error("corrupt artifact: {0}")]
    Corrupt(String),
    /// A backing service (S3, Milvus, database) could not be reached or failed.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Local I/O failure, with the path involved.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// Wrap an I/O error with the path it happened on.
    pub fn io(path: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_string(),
            source,
        }
    }
}

/// `e` and every error in its source chain, joined by `: ` (the AWS SDK's
/// own `Display` is terse, "service error"; its sources say why).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}
