//! The on-storage format of an exported model version.
//!
//! A model root (a local directory or `s3://bucket/prefix`) holds one folder per
//! version and a `latest` pointer:
//!
//! ```text
//! ROOT/
//!   latest                 # "20261128102000\n", written last
//!   v20261128102000/
//!     manifest.json        # Manifest: version, dimension, metric, dataset, metrics, sha256 of every file
//!     vectors.npy          # little-endian f32, shape (count, dimension), row i <-> items.jsonl line i
//!     items.jsonl          # one Movie (JSON) per line, in vector row order
//!     ...                  # checkpoint, report, pictures: any further files listed in the manifest
//! ```
//!
//! Writers put every file first, then `manifest.json`, then `latest`; so a
//! reader that follows `latest` never sees a half-written version. Readers
//! verify the manifest and every checksum before using anything.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::object::ObjectStore;
use crate::types::Movie;

/// Current manifest format number.
pub const FORMAT: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const VECTORS: &str = "vectors.npy";
pub const ITEMS: &str = "items.jsonl";
pub const LATEST: &str = "latest";

/// Size and checksum of one file of a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub sha256: String,
    pub bytes: u64,
}

/// What the data set was.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub name: String,
    /// SHA-256 over the ingested input files.
    pub fingerprint: String,
    pub users: usize,
    pub items: usize,
    pub interactions: usize,
}

/// `manifest.json` of a model version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub version: u64,
    /// RFC 3339 UTC time of the export.
    pub created_at: String,
    pub model: String,
    pub dimension: usize,
    pub count: usize,
    /// Similarity metric of the vectors: always `"IP"` (inner product).
    pub metric: String,
    pub dataset: DatasetInfo,
    /// Evaluation figures (free-form JSON, usually the report's test rows).
    pub metrics: serde_json::Value,
    /// Every file of the version except the manifest itself.
    pub files: BTreeMap<String, FileEntry>,
}

/// Folder name of a version inside a model root.
pub fn version_dir(version: u64) -> String {
    format!("v{version}")
}

/// Hex SHA-256 of a byte slice.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Encode a row-major f32 matrix as a `.npy` (format 1.0, `<f4`, C order).
pub fn encode_npy(data: &[f32], rows: usize, dim: usize) -> Result<Vec<u8>> {
    if data.len() != rows * dim {
        return Err(Error::Invalid(format!(
            "matrix has {} values, expected {rows} x {dim}",
            data.len()
        )));
    }
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}");
    // magic(6) + version(2) + len(2) + header + '\n' must be a multiple of 64.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in data {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Decode a `.npy` written by [`encode_npy`] (2-D little-endian f32, C order).
/// Returns `(data, rows, dim)`.
pub fn decode_npy(bytes: &[u8]) -> Result<(Vec<f32>, usize, usize)> {
    let bad = |why: &str| Error::Corrupt(format!("{VECTORS}: {why}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy file"));
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unsupported .npy version")),
    };
    let header = bytes
        .get(start..start + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    if !header.contains("'descr': '<f4'") {
        return Err(bad("dtype is not little-endian float32"));
    }
    if header.contains("'fortran_order': True") {
        return Err(bad("fortran order is not supported"));
    }
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let dims: Vec<usize> = shape
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    let [rows, dim] = dims[..] else {
        return Err(bad("matrix is not 2-D"));
    };
    let body = &bytes[start + hlen..];
    if body.len() != rows * dim * 4 {
        return Err(bad(&format!(
            "expected {} bytes of data for {rows} x {dim}, found {}",
            rows * dim * 4,
            body.len()
        )));
    }
    let data = body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((data, rows, dim))
}

/// Encode movies as JSONL, one per line.
pub fn encode_items(items: &[Movie]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for m in items {
        serde_json::to_writer(&mut out, m).map_err(|e| Error::Invalid(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// Decode `items.jsonl`.
pub fn decode_items(bytes: &[u8]) -> Result<Vec<Movie>> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| Error::Corrupt(format!("{ITEMS}: not UTF-8")))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| Error::Corrupt(format!("{ITEMS} line {}: {e}", i + 1)))
        })
        .collect()
}

/// A version read back from a model root, every checksum verified.
#[derive(Clone, Debug)]
pub struct VersionBundle {
    pub manifest: Manifest,
    pub vectors: Vec<f32>,
    pub items: Vec<Movie>,
    /// Raw bytes of the files read: every file of the manifest
    /// ([`read_version`]), or only the vectors and items ([`read_serving`]).
    pub files: BTreeMap<String, Bytes>,
}

/// Write a version: every file, then the manifest (with the checksums filled
/// in), then the `latest` pointer. `manifest.files` is overwritten.
pub async fn publish_version(
    store: &dyn ObjectStore,
    manifest: Manifest,
    files: Vec<(String, Bytes)>,
) -> Result<Manifest> {
    let manifest = stage_version(store, manifest, files).await?;
    set_latest(store, manifest.version).await?;
    Ok(manifest)
}

/// Write a version's files, then its manifest (with the checksums filled
/// in), without moving `latest`: a reader of `latest` does not see it until
/// [`set_latest`] names it. `manifest.files` is overwritten.
pub async fn stage_version(
    store: &dyn ObjectStore,
    mut manifest: Manifest,
    files: Vec<(String, Bytes)>,
) -> Result<Manifest> {
    let dir = version_dir(manifest.version);
    manifest.files.clear();
    for (name, body) in &files {
        manifest.files.insert(
            name.clone(),
            FileEntry {
                sha256: sha256_hex(body),
                bytes: body.len() as u64,
            },
        );
    }
    for (name, body) in files {
        store.put(&format!("{dir}/{name}"), body).await?;
    }
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Invalid(e.to_string()))?;
    store
        .put(&format!("{dir}/{MANIFEST}"), Bytes::from(json))
        .await?;
    Ok(manifest)
}

/// Point `latest` at `version` (one object written whole).
pub async fn set_latest(store: &dyn ObjectStore, version: u64) -> Result<()> {
    store.put(LATEST, Bytes::from(format!("{version}\n"))).await
}

/// The version the `latest` pointer names.
pub async fn latest_version(store: &dyn ObjectStore) -> Result<u64> {
    let raw = store.get(LATEST).await?;
    let text = String::from_utf8_lossy(&raw);
    text.trim().parse().map_err(|_| {
        Error::Corrupt(format!(
            "{LATEST}: {:?} is not a version number",
            text.trim()
        ))
    })
}

/// Read and verify a version (the `latest` one when `version` is `None`).
///
/// Every file of the manifest is fetched and checked (size and SHA-256)
/// before anything is decoded; the first failure names the file.
pub async fn read_version(store: &dyn ObjectStore, version: Option<u64>) -> Result<VersionBundle> {
    let (dir, manifest) = read_manifest(store, version).await?;
    let mut files = BTreeMap::new();
    for name in manifest.files.keys() {
        let body = fetch_verified(store, &dir, &manifest, name).await?;
        files.insert(name.clone(), body);
    }
    decode_bundle(&dir, manifest, files)
}

/// Read and verify only what serving needs from a version: the manifest,
/// the vectors and the items (fetched concurrently, each checked for size
/// and SHA-256 like [`read_version`] does). What a cold start reads; the
/// other files (checkpoint, report) are left where they are.
pub async fn read_serving(store: &dyn ObjectStore, version: Option<u64>) -> Result<VersionBundle> {
    let (dir, manifest) = read_manifest(store, version).await?;
    let (vectors, items) = tokio::join!(
        fetch_verified(store, &dir, &manifest, VECTORS),
        fetch_verified(store, &dir, &manifest, ITEMS)
    );
    let files = BTreeMap::from([(VECTORS.to_string(), vectors?), (ITEMS.to_string(), items?)]);
    decode_bundle(&dir, manifest, files)
}

/// The version's folder and its checked manifest.
async fn read_manifest(
    store: &dyn ObjectStore,
    version: Option<u64>,
) -> Result<(String, Manifest)> {
    let version = match version {
        Some(v) => v,
        None => latest_version(store).await?,
    };
    let dir = version_dir(version);
    let raw = store.get(&format!("{dir}/{MANIFEST}")).await?;
    let manifest: Manifest = serde_json::from_slice(&raw)
        .map_err(|e| Error::Corrupt(format!("{dir}/{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(Error::Corrupt(format!(
            "{dir}/{MANIFEST}: format {} is not supported (expected {FORMAT})",
            manifest.format
        )));
    }
    if manifest.version != version {
        return Err(Error::Corrupt(format!(
            "{dir}/{MANIFEST}: names version {}, expected {version}",
            manifest.version
        )));
    }
    for required in [VECTORS, ITEMS] {
        if !manifest.files.contains_key(required) {
            return Err(Error::Corrupt(format!(
                "{dir}/{MANIFEST}: does not list {required}"
            )));
        }
    }
    Ok((dir, manifest))
}

/// One file of the manifest, checked for size and SHA-256.
async fn fetch_verified(
    store: &dyn ObjectStore,
    dir: &str,
    manifest: &Manifest,
    name: &str,
) -> Result<Bytes> {
    let key = format!("{dir}/{name}");
    let entry = manifest
        .files
        .get(name)
        .ok_or_else(|| Error::Corrupt(format!("{dir}/{MANIFEST}: does not list {name}")))?;
    let body = store.get(&key).await.map_err(|e| match e {
        Error::NotFound(_) => Error::Corrupt(format!("{key}: missing (listed in the manifest)")),
        other => other,
    })?;
    if body.len() as u64 != entry.bytes {
        return Err(Error::Corrupt(format!(
            "{key}: size {} does not match the manifest ({})",
            body.len(),
            entry.bytes
        )));
    }
    if sha256_hex(&body) != entry.sha256 {
        return Err(Error::Corrupt(format!(
            "{key}: SHA-256 does not match the manifest"
        )));
    }
    Ok(body)
}

/// Decode the vectors and items of verified files and check their shapes.
fn decode_bundle(
    dir: &str,
    manifest: Manifest,
    files: BTreeMap<String, Bytes>,
) -> Result<VersionBundle> {
    let (vectors, rows, dim) = decode_npy(&files[VECTORS])?;
    let items = decode_items(&files[ITEMS])?;
    if rows != manifest.count || dim != manifest.dimension || items.len() != rows {
        return Err(Error::Corrupt(format!(
            "{dir}: manifest says {} x {}, {VECTORS} is {rows} x {dim}, {ITEMS} has {} lines",
            manifest.count,
            manifest.dimension,
            items.len()
        )));
    }
    Ok(VersionBundle {
        manifest,
        vectors,
        items,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trip_and_alignment() {
        let data: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 1.0).collect();
        let bytes = encode_npy(&data, 3, 4).unwrap();
        let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        assert_eq!(bytes.len(), 10 + hlen + 48);
        let (back, r, d) = decode_npy(&bytes).unwrap();
        assert_eq!((r, d), (3, 4));
        assert_eq!(back, data);
        assert!(decode_npy(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn npy_bytes_are_little_endian() {
        let bytes = encode_npy(&[1.0], 1, 1).unwrap();
        assert_eq!(&bytes[bytes.len() - 4..], &[0x00, 0x00, 0x80, 0x3f]);
    }

    /// `read_serving` reads and checks the vectors and items only: a
    /// corrupted checkpoint does not stop a cold start (while `read_version`,
    /// used by `load`, refuses it), but a corrupted or missing vector or item
    /// file is refused with its name, exactly as `read_version` does.
    #[tokio::test]
    async fn serving_reads_and_checks_what_it_serves() {
        use crate::object::LocalDir;
        let tmp = tempfile::tempdir().unwrap();
        let root = LocalDir::new(tmp.path());
        let movies: Vec<Movie> = (1..=5)
            .map(|id| Movie {
                id,
                title: format!("Movie {id}"),
                display_title: format!("Movie {id}"),
                genres: vec!["Drama".into()],
                ..Movie::default()
            })
            .collect();
        let manifest = Manifest {
            format: FORMAT,
            version: 3,
            created_at: "2026-11-29T00:00:00Z".into(),
            model: "test".into(),
            dimension: 2,
            count: 5,
            metric: "IP".into(),
            dataset: DatasetInfo::default(),
            metrics: serde_json::json!({}),
            files: Default::default(),
        };
        let vectors: Vec<f32> = (0..10).map(|i| i as f32).collect();
        publish_version(
            &root,
            manifest,
            vec![
                (
                    VECTORS.into(),
                    Bytes::from(encode_npy(&vectors, 5, 2).unwrap()),
                ),
                (ITEMS.into(), Bytes::from(encode_items(&movies).unwrap())),
                (
                    "checkpoint/model.bin".into(),
                    Bytes::from_static(b"weights"),
                ),
            ],
        )
        .await
        .unwrap();
        let full = read_version(&root, None).await.unwrap();
        let serving = read_serving(&root, None).await.unwrap();
        assert_eq!(full.files.len(), 3);
        assert_eq!(
            serving.files.keys().collect::<Vec<_>>(),
            vec![ITEMS, VECTORS]
        );
        assert_eq!(serving.vectors, vectors);
        assert_eq!(serving.items, full.items);
        assert_eq!(serving.manifest.version, 3);

        let path = |name: &str| tmp.path().join(version_dir(3)).join(name);
        std::fs::write(path("checkpoint/model.bin"), b"weightz").unwrap();
        let err = read_version(&root, None).await.unwrap_err().to_string();
        assert!(err.contains("checkpoint/model.bin"), "{err}");
        assert!(read_serving(&root, Some(3)).await.is_ok());

        let mut bytes = std::fs::read(path(VECTORS)).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(path(VECTORS), &bytes).unwrap();
        let err = read_serving(&root, None).await.unwrap_err().to_string();
        assert!(err.contains(VECTORS) && err.contains("SHA-256"), "{err}");
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(path(VECTORS), &bytes).unwrap();
        assert!(read_serving(&root, None).await.is_ok());

        std::fs::remove_file(path(ITEMS)).unwrap();
        let err = read_serving(&root, None).await.unwrap_err().to_string();
        assert!(err.contains(ITEMS) && err.contains("missing"), "{err}");
    }
}
