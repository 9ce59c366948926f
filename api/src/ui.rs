//! The web UI's files as `reelgraph serve` publishes them.
//!
//! Only the UI's own files are published ([`is_ui_file`]): its `.html`,
//! `.css` and `.js` files and images, never the test suite, the original
//! client's test tooling, `node_modules`, scripts, package manifests or
//! anything hidden. The files are held in memory: the `reelgraph` binary
//! carries them (embedded at build time, so an installed binary serves its
//! UI with no source tree), or `serve --web DIR` reads them from `DIR` once
//! at start.
//!
//! Every file is answered with its type, a strong `ETag` (a hash of its
//! bytes) and `Cache-Control: no-cache` (a browser revalidates and gets
//! `304 Not Modified` while the file is unchanged): file names carry no
//! version in this mode, so nothing may be cached blindly. `GET /` is
//! `index.html`; any other path is the API's JSON 404.

use std::collections::BTreeMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::ApiError;

/// Directories of `web/` that are never published.
const PRIVATE_DIRS: [&str; 4] = ["tests", "seed-client", "node_modules", "test-artifacts"];

/// The content type of a published file, by extension; `None`: not a UI file.
fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1;
    Some(match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

/// Whether `path` (relative to the UI's directory, `/`-separated) is one of
/// the UI's own files: a known web type, in no private directory, nothing
/// hidden, no `..`.
pub fn is_ui_file(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    content_type(path).is_some()
        && parts.iter().all(|p| !p.is_empty() && !p.starts_with('.'))
        && !PRIVATE_DIRS.contains(&parts[0])
}

/// One published file.
#[derive(Clone, Debug)]
struct File {
    content_type: &'static str,
    etag: HeaderValue,
    body: Bytes,
}

/// The UI's files by path (relative, `/`-separated).
#[derive(Clone, Debug, Default)]
pub struct Ui {
    files: BTreeMap<String, File>,
}

impl Ui {
    /// The UI files among `entries` (path, bytes); the others are left out.
    pub fn from_entries(entries: impl IntoIterator<Item = (String, Bytes)>) -> Ui {
        let files = entries
            .into_iter()
            .filter(|(path, _)| is_ui_file(path))
            .map(|(path, body)| {
                let content_type = content_type(&path).expect("a UI file has a type");
                let hash = reelgraph_core::artifact::sha256_hex(&body);
                let etag = HeaderValue::from_str(&format!("\"{}\"", &hash[..32]))
                    .expect("hex is a valid header value");
                (
                    path,
                    File {
                        content_type,
                        etag,
                        body,
                    },
                )
            })
            .collect();
        Ui { files }
    }

    /// The UI files of directory `dir`, read now. An error when `dir` has
    /// no `index.html`.
    pub fn from_dir(dir: &Path) -> std::io::Result<Ui> {
        fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, Bytes)>) -> std::io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().to_string();
                let path = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    if !path.starts_with('.')
                        && !name.starts_with('.')
                        && !PRIVATE_DIRS.contains(&path.as_str())
                    {
                        walk(&entry.path(), &path, out)?;
                    }
                } else if kind.is_file() && is_ui_file(&path) {
                    out.push((path, Bytes::from(std::fs::read(entry.path())?)));
                }
            }
            Ok(())
        }
        let mut entries = Vec::new();
        walk(dir, "", &mut entries)?;
        let ui = Ui::from_entries(entries);
        if !ui.files.contains_key("index.html") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no index.html there", dir.display()),
            ));
        }
        Ok(ui)
    }

    /// The published paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The bytes published at `path` (relative), if any.
    pub fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path).map(|f| &f.body)
    }

    /// The answer to `method path` (`GET` or `HEAD`; any other method or an
    /// unknown path is the API's JSON 404 / 405).
    pub fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response {
        let rel = path.trim_start_matches('/');
        let rel = if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        };
        let Some(file) = self.files.get(&rel) else {
            return ApiError::not_found(format!("no route for {path}")).into_response();
        };
        if *method != Method::GET && *method != Method::HEAD {
            return ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not allowed on {path}"),
            )
            .into_response();
        }
        let fresh = crate::caching::none_match(headers, &file.etag);
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else if *method == Method::HEAD {
            let mut r = Response::new(Body::empty());
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(file.body.len()));
            r
        } else {
            Response::new(Body::from(file.body.clone()))
        };
        let h = response.headers_mut();
        if !fresh {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
        }
        h.insert(header::ETAG, file.etag.clone());
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ui() -> Ui {
        Ui::from_entries(
            [
                "index.html",
                "env-config.js",
                "style.css",
                "js/app.js",
                "js/views/movie.js",
                "img/logo.svg",
                "run-tests.sh",
                "package.json",
                "package-lock.json",
                "README.md",
                "tests/ui.test.mjs",
                "tests/harness.js",
                "seed-client/x.js",
                "node_modules/a/index.js",
                ".env.js",
                "js/.hidden.js",
            ]
            .map(|p| (p.to_string(), Bytes::from(format!("<{p}>")))),
        )
    }

    #[test]
    fn only_the_ui_files_are_published() {
        assert_eq!(
            ui().paths().collect::<Vec<_>>(),
            [
                "env-config.js",
                "img/logo.svg",
                "index.html",
                "js/app.js",
                "js/views/movie.js",
                "style.css"
            ]
        );
        for bad in ["", "/index.html", "a//b.js", "js/../x.js", "tests/x.js"] {
            assert!(!is_ui_file(bad), "{bad}");
        }
    }

    async fn text(r: Response) -> String {
        let b = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn answers_types_etags_and_revalidation() {
        let ui = ui();
        let none = HeaderMap::new();
        let r = ui.respond(&Method::GET, "/", &none);
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
        let etag = r.headers()[header::ETAG].clone();
        // sha256("<index.html>"), first 128 bits
        assert_eq!(
            etag,
            format!(
                "\"{}\"",
                &reelgraph_core::artifact::sha256_hex(b"<index.html>")[..32]
            )
        );
        assert_eq!(text(r).await, "<index.html>");
        let r = ui.respond(&Method::GET, "/js/views/movie.js", &none);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(text(r).await, "<js/views/movie.js>");
        // Revalidation: the same ETag (strong or weak) is 304 with no body.
        for tag in [
            etag.to_str().unwrap().to_string(),
            format!("W/{}", etag.to_str().unwrap()),
            format!("\"x\", {}", etag.to_str().unwrap()),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
            let r = ui.respond(&Method::GET, "/index.html", &h);
            assert_eq!(r.status(), 304, "{tag}");
            assert_eq!(r.headers()[header::ETAG], etag);
            assert_eq!(text(r).await, "");
        }
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(ui.respond(&Method::GET, "/", &h).status(), 200);
        let r = ui.respond(&Method::HEAD, "/style.css", &none);
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()[header::CONTENT_LENGTH],
            "<style.css>".len().to_string().as_str()
        );
        assert_eq!(text(r).await, "");
        // Everything else is the API's JSON 404; other methods 405.
        for path in [
            "/run-tests.sh",
            "/tests/ui.test.mjs",
            "/package.json",
            "/node_modules/a/index.js",
            "/js/",
            "/nope.js",
        ] {
            let r = ui.respond(&Method::GET, path, &none);
            assert_eq!(r.status(), 404, "{path}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
            assert!(
                text(r).await.contains(&format!("no route for {path}")),
                "{path}"
            );
        }
        assert_eq!(
            ui.respond(&Method::POST, "/index.html", &none).status(),
            405
        );
    }

    #[test]
    fn from_dir_reads_only_the_ui_files() {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in [
            ("index.html", "<html>"),
            ("js/app.js", "app"),
            ("tests/ui.test.mjs", "t"),
            ("tests/h.js", "t"),
            ("run-tests.sh", "#!"),
            (".git/x.js", "x"),
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let ui = Ui::from_dir(dir.path()).unwrap();
        assert_eq!(ui.paths().collect::<Vec<_>>(), ["index.html", "js/app.js"]);
        assert_eq!(ui.get("js/app.js").unwrap().as_ref(), b"app");
        std::fs::remove_file(dir.path().join("index.html")).unwrap();
        let e = Ui::from_dir(dir.path()).unwrap_err();
        assert!(e.to_string().contains("no index.html"), "{e}");
    }
}
