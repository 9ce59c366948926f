//! Object storage: where model versions are written and read.

pub mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::{Error, Result};
use crate::settings::ModelsSpec;

/// A flat key → bytes store rooted at a prefix. Keys use `/` separators.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Read a whole object. A missing key is [`Error::NotFound`].
    async fn get(&self, key: &str) -> Result<Bytes>;
    /// Write a whole object, replacing any previous one atomically.
    async fn put(&self, key: &str, body: Bytes) -> Result<()>;
    /// Keys under `prefix` (relative to the root), sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// Where this store points, for messages (`/path/to/models`, `s3://bucket/prefix`).
    fn describe(&self) -> String;
}

/// Open a store from a URI: a local path (or `file://path`) or `s3://bucket/prefix`.
pub async fn open(uri: &str) -> Result<Arc<dyn ObjectStore>> {
    let spec: ModelsSpec = uri.parse().map_err(Error::Invalid)?;
    open_spec(&spec).await
}

/// Open the store a [`ModelsSpec`] names.
pub async fn open_spec(spec: &ModelsSpec) -> Result<Arc<dyn ObjectStore>> {
    Ok(match spec {
        ModelsSpec::S3 { .. } => Arc::new(s3::S3Store::from_env(&spec.to_string()).await?),
        ModelsSpec::Local(path) => Arc::new(LocalDir::new(path)),
    })
}

/// Refuse an object key that is not a plain relative path (an empty segment,
/// a leading or trailing `/`, or `..`): the one check both stores apply, so a
/// key means the same file in a directory and the same object in a bucket.
pub fn check_key(key: &str) -> Result<()> {
    if key.split('/').any(|part| part == ".." || part.is_empty()) {
        return Err(Error::Invalid(format!(
            "object key {key:?} is not a plain relative path"
        )));
    }
    Ok(())
}

/// A directory on the local file system. Writes go to a temporary file that
/// is renamed into place, so a reader never sees a partial object.
#[derive(Clone, Debug)]
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl ObjectStore for LocalDir {
    async fn get(&self, key: &str) -> Result<Bytes> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Bytes::from(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NotFound(path.display().to_string()))
            }
            Err(e) => Err(Error::io(path.display(), e)),
        }
    }

    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| Error::io(parent.display(), e))?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        tokio::fs::write(&tmp, &body)
            .await
            .map_err(|e| Error::io(tmp.display(), e))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| Error::io(path.display(), e))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let mut rd = match tokio::fs::read_dir(&dir).await {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(dir.display(), e)),
            };
            while let Some(entry) = rd
                .next_entry()
                .await
                .map_err(|e| Error::io(dir.display(), e))?
            {
                let p = entry.path();
                if entry
                    .file_type()
                    .await
                    .map_err(|e| Error::io(p.display(), e))?
                    .is_dir()
                {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) {
                        out.push(key);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_plain_relative_paths() {
        for ok in ["latest", "v/20260101000000/manifest.json", "a..b/c"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/abs", "a//b", "a/", "../x", "a/../b", ".."] {
            let err = check_key(bad).unwrap_err().to_string();
            assert!(err.contains("not a plain relative path"), "{bad}: {err}");
        }
    }

    #[tokio::test]
    async fn local_dir_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path().join("root"));
        let err = store.put("../outside", Bytes::from_static(b"x")).await;
        assert!(matches!(err, Err(Error::Invalid(_))), "{err:?}");
        assert!(!dir.path().join("outside").exists());
        store
            .put("in/side", Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(&store.get("in/side").await.unwrap()[..], b"x");
    }
}
