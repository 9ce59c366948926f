//! `reelgraph data fetch NAME --dir DIR`: download an official GroupLens
//! MovieLens zip over HTTPS, verify its pinned SHA-256, unzip it into a
//! temporary directory beside the target and move it into place with one
//! rename, so nothing half-downloaded or half-extracted is ever left behind.
//!
//! The pinned checksums are those TensorFlow Datasets publishes for the same
//! URLs (`tensorflow_datasets/url_checksums/movielens.txt`). Releases without
//! a pinned checksum are refused unless the caller passes one (`--sha256`).
//!
//! ml-1m also has public OMDb information (plot, director, actors, poster,
//! IMDb id, rating, release date per movie): the original project's
//! `movie_info.dat` ([`OMDB_ML1M`]). [`fetch_metadata`] downloads it into the
//! dataset directory as [`METADATA_FILE`], checked against its pinned SHA-256
//! and moved into place with one rename like the zips; `train --metadata` and
//! `demo` (by default) join it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};

use reelgraph_core::settings::{DATA_BASE_URL, OMDB_URL, Setting};

/// One downloadable release.
#[derive(Clone, Copy, Debug)]
pub struct Release {
    /// Name on the command line and of the dataset directory.
    pub name: &'static str,
    /// File name under the base URL.
    pub zip: &'static str,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// Pinned SHA-256 of the zip (hex), when known.
    pub sha256: Option<&'static str>,
}

/// The releases `fetch` knows.
pub const RELEASES: &[Release] = &[
    Release {
        name: "ml-100k",
        zip: "ml-100k.zip",
        size: Some(4_924_029),
        sha256: Some("50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229"),
    },
    Release {
        name: "ml-1m",
        zip: "ml-1m.zip",
        size: Some(5_917_549),
        sha256: Some("a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20"),
    },
    Release {
        name: "ml-10m",
        zip: "ml-10m.zip",
        size: None,
        sha256: None,
    },
    Release {
        name: "ml-latest-small",
        zip: "ml-latest-small.zip",
        size: Some(978_202),
        sha256: Some("696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436"),
    },
    Release {
        name: "ml-20m",
        zip: "ml-20m.zip",
        size: Some(198_702_078),
        sha256: Some("96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3"),
    },
    Release {
        name: "ml-25m",
        zip: "ml-25m.zip",
        size: Some(261_978_986),
        sha256: Some("8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa"),
    },
    Release {
        name: "ml-32m",
        zip: "ml-32m.zip",
        size: None,
        sha256: None,
    },
];

/// A metadata file published for one release.
#[derive(Clone, Copy, Debug)]
pub struct MetadataSource {
    /// The release it describes.
    pub dataset: &'static str,
    /// Size in bytes.
    pub size: u64,
    /// Pinned SHA-256 (hex).
    pub sha256: &'static str,
}

/// ml-1m's OMDb information: `movie_info.dat` of the original project
/// (`ID::{OMDb JSON}` lines, one per ml-1m movie). Its URL is the setting
/// [`OMDB_URL`]'s default.
pub const OMDB_ML1M: MetadataSource = MetadataSource {
    dataset: "ml-1m",
    size: 3_259_486,
    sha256: "c136c717065cbb6678ed393a028b50b1348c184ade40a769f6be99e4f5780f63",
};

/// Name of the metadata file inside a dataset directory; `demo` joins it
/// when it is there.
pub const METADATA_FILE: &str = "movie_info.dat";

/// The metadata file published for a release, if any.
pub fn metadata_source(name: &str) -> Option<&'static MetadataSource> {
    [&OMDB_ML1M].into_iter().find(|m| m.dataset == name)
}

/// Options of [`fetch_metadata`].
#[derive(Clone, Debug, Default)]
pub struct MetadataOptions {
    /// Where to download it (default: the setting [`OMDB_URL`]'s default).
    pub url: Option<String>,
    /// Expected SHA-256 (hex) of a file served from another URL; must agree
    /// with the pinned one when the URL is the default.
    pub sha256: Option<String>,
    /// Download again even when the file is already there.
    pub force: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// Download the metadata file of release `name` into `dataset_dir` as
/// [`METADATA_FILE`], verified against its SHA-256; returns its path, or
/// `None` when the release has no published metadata. A file already there
/// is kept (unless `force`). Nothing is left behind on failure.
pub fn fetch_metadata(
    name: &str,
    dataset_dir: &Path,
    opts: &MetadataOptions,
) -> anyhow::Result<Option<PathBuf>> {
    let Some(src) = metadata_source(name) else {
        return Ok(None);
    };
    let target = dataset_dir.join(METADATA_FILE);
    if !opts.force && target.is_file() {
        tracing::info!(file = %target.display(), "{METADATA_FILE} is already present (use --force to download again)");
        return Ok(Some(target));
    }
    let default_url = OMDB_URL.default.unwrap_or_default();
    let url = opts.url.clone().unwrap_or_else(|| default_url.to_string());
    let expected = match opts.sha256.as_deref() {
        None => src.sha256.to_string(),
        Some(given) => {
            let given = parse_sha256(given, "--omdb-sha256")?;
            if given != src.sha256 && url == default_url {
                anyhow::bail!(
                    "--omdb-sha256 {given} disagrees with the pinned SHA-256 of {url} ({}); \
                     refusing to download",
                    src.sha256
                );
            }
            given
        }
    };
    std::fs::create_dir_all(dataset_dir)
        .with_context(|| format!("creating {}", dataset_dir.display()))?;
    let part = tempfile::Builder::new()
        .prefix(&format!(".{METADATA_FILE}-fetch-"))
        .tempfile_in(dataset_dir)
        .with_context(|| format!("creating a temporary file in {}", dataset_dir.display()))?;
    let got = download(
        &url,
        part.path(),
        (METADATA_FILE, &OMDB_URL),
        Some(src.size),
        opts.progress,
    )?;
    if got != expected {
        anyhow::bail!(
            "checksum mismatch for {METADATA_FILE}: expected SHA-256 {expected}, got {got}. The \
             download from {url} is corrupt or the file changed upstream; nothing was installed."
        );
    }
    tracing::info!(sha256 = %got, "checksum verified");
    part.persist(&target)
        .with_context(|| format!("moving {METADATA_FILE} into {}", target.display()))?;
    tracing::info!(file = %target.display(), "{METADATA_FILE} installed");
    Ok(Some(target))
}

/// Look a release up by name.
pub fn release(name: &str) -> anyhow::Result<&'static Release> {
    RELEASES.iter().find(|r| r.name == name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown dataset {name:?}; known: {}",
            RELEASES
                .iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Options of [`fetch`].
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    /// Base URL (default: the setting's default, where GroupLens publishes the zips;
    /// the CLI resolves `--base-url` / `REELGRAPH_DATA_BASE_URL` / reelgraph.toml).
    pub base_url: Option<String>,
    /// Expected SHA-256 (hex); required for releases without a pinned one,
    /// and must then agree with the pinned one where there is one.
    pub sha256: Option<String>,
    /// Download again even when the dataset directory already holds data.
    pub force: bool,
    /// Show a progress bar on stderr (hidden anyway when it is not a terminal).
    pub progress: bool,
}

/// Download, verify and unzip `name` into `dir/name`; returns that directory.
pub fn fetch(name: &str, dir: &Path, opts: &FetchOptions) -> anyhow::Result<PathBuf> {
    let rel = release(name)?;
    let target = dir.join(rel.name);
    if !opts.force && target.is_dir() && super::detect_format(&target).is_ok() {
        tracing::info!(dir = %target.display(), "{name} is already present (use --force to download again)");
        return Ok(target);
    }
    let expected = expected_sha256(rel, opts.sha256.as_deref())?;
    let base = opts
        .base_url
        .clone()
        .or_else(|| DATA_BASE_URL.default.map(str::to_string))
        .unwrap_or_default();
    let url = format!("{}/{}", base.trim_end_matches('/'), rel.zip);

    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // Everything happens in here; dropped (removed) on every exit path.
    let work = tempfile::Builder::new()
        .prefix(&format!(".{}-fetch-", rel.name))
        .tempdir_in(dir)
        .with_context(|| format!("creating a temporary directory in {}", dir.display()))?;
    let zip_path = work.path().join(rel.zip);
    let got = download(
        &url,
        &zip_path,
        (rel.zip, &DATA_BASE_URL),
        rel.size,
        opts.progress,
    )?;
    if got != expected {
        anyhow::bail!(
            "checksum mismatch for {}: expected SHA-256 {expected}, got {got}. The download from {url} \
             is corrupt or the file changed upstream; nothing was extracted.",
            rel.zip
        );
    }
    tracing::info!(sha256 = %got, "checksum verified");

    let unpacked = work.path().join("unpacked");
    let file = std::fs::File::open(&zip_path)?;
    let mut archive = zip::ZipArchive::new(file).with_context(|| {
        format!(
            "{} is not a valid zip archive; nothing was extracted",
            rel.zip
        )
    })?;
    archive
        .extract(&unpacked)
        .with_context(|| format!("unzipping {} failed; nothing was extracted", rel.zip))?;
    // GroupLens zips hold one top folder (e.g. `ml-100k/`, `ml-10M100K/`).
    let entries: Vec<PathBuf> = std::fs::read_dir(&unpacked)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let root = match entries.as_slice() {
        [only] if only.is_dir() => only.clone(),
        _ => unpacked.clone(),
    };
    super::detect_format(&root).with_context(|| {
        format!(
            "{} holds no recognised dataset; nothing was installed",
            rel.zip
        )
    })?;

    if target.exists() {
        // --force (or a directory without data): move the old one aside first.
        let old = work.path().join("previous");
        std::fs::rename(&target, &old)
            .with_context(|| format!("moving the old {} aside", target.display()))?;
    }
    std::fs::rename(&root, &target)
        .with_context(|| format!("moving the dataset into {}", target.display()))?;
    tracing::info!(dir = %target.display(), "{name} installed");
    Ok(target)
}

fn parse_sha256(given: &str, flag: &str) -> anyhow::Result<String> {
    let g = given.trim().to_ascii_lowercase();
    if g.len() != 64 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("{flag} {g:?} is not a SHA-256 (64 hex digits)");
    }
    Ok(g)
}

fn expected_sha256(rel: &Release, given: Option<&str>) -> anyhow::Result<String> {
    let given = given.map(|g| parse_sha256(g, "--sha256")).transpose()?;
    match (rel.sha256, given) {
        (Some(pinned), None) => Ok(pinned.to_string()),
        (Some(pinned), Some(g)) if g == pinned => Ok(g),
        (Some(pinned), Some(g)) => anyhow::bail!(
            "--sha256 {g} disagrees with the pinned SHA-256 of {} ({pinned}); refusing to download",
            rel.zip
        ),
        (None, Some(g)) => Ok(g),
        (None, None) => anyhow::bail!(
            "no pinned SHA-256 is known for {} (reelgraph only pins checksums published by a \
             second source); refusing to download it unverified. Pass --sha256 HEX with a checksum \
             you trust, or download and unzip it by hand.",
            rel.zip
        ),
    }
}

/// Stream `url` into `path`, hashing as it goes; returns the SHA-256 (hex).
/// `file` names the download in messages, `setting` the URL's setting; `size`
/// is its expected size, when known.
fn download(
    url: &str,
    path: &Path,
    (file, setting): (&str, &Setting),
    size: Option<u64>,
    progress: bool,
) -> anyhow::Result<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .build()
        .into();
    tracing::info!(%url, "downloading");
    let resp = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(404) => anyhow::anyhow!(
            "download failed: {url} answered HTTP 404 Not Found (no such file on the server; check the \
             dataset name and the URL, --{} / {})",
            setting.long(),
            setting.env
        ),
        ureq::Error::StatusCode(code) => {
            anyhow::anyhow!("download failed: {url} answered HTTP {code}")
        }
        e => anyhow::anyhow!(
            "could not download {url}: {e}. Are you offline? Without a network, download {} by hand \
             elsewhere, check its SHA-256 and put it into the data directory.",
            file
        ),
    })?;
    let len = resp.body().content_length().or(size);
    let bar = if progress {
        let bar = match len {
            Some(n) => indicatif::ProgressBar::new(n).with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )?
                .progress_chars("=> "),
            ),
            None => indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template("{msg} {spinner} {bytes} {bytes_per_sec}")?,
            ),
        };
        bar.with_message(file.to_string())
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut reader = resp.into_body().into_reader();
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .with_context(|| format!("the download of {url} was interrupted (network lost?)"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .with_context(|| format!("writing {}", path.display()))?;
        bar.inc(n as u64);
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_or_given_checksums() {
        let ml100k = release("ml-100k").unwrap();
        assert_eq!(
            expected_sha256(ml100k, None).unwrap(),
            ml100k.sha256.unwrap()
        );
        assert!(
            expected_sha256(ml100k, Some(&"0".repeat(64)))
                .unwrap_err()
                .to_string()
                .contains("disagrees")
        );
        let ml32m = release("ml-32m").unwrap();
        let err = expected_sha256(ml32m, None).unwrap_err().to_string();
        assert!(
            err.contains("no pinned SHA-256") && err.contains("--sha256"),
            "{err}"
        );
        assert_eq!(
            expected_sha256(ml32m, Some(&"AB".repeat(32))).unwrap(),
            "ab".repeat(32)
        );
        assert!(expected_sha256(ml32m, Some("xyz")).is_err());
        assert!(
            release("ml-5k")
                .unwrap_err()
                .to_string()
                .contains("ml-100k")
        );
    }
}
