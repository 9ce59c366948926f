//! `data fetch` against a local HTTP server serving zips made here: a good
//! zip, a corrupted one, a non-zip with a matching checksum, a 404 and a
//! closed port (offline).

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;

use reelgraph_testkit::http;
use reelgraph_trainer::data::{self, LoadOptions, fetch};
use sha2::{Digest, Sha256};

/// Serve `files` (path → body) over HTTP on 127.0.0.1; returns the base
/// URL of the mirror, `http://ADDR/datasets`.
fn serve<const N: usize>(files: [(&str, Vec<u8>); N]) -> String {
    format!("{}/datasets", http::serve(files))
}

/// A small ml-100k-format zip with the usual top folder.
fn dataset_zip() -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        z.add_directory("ml-100k/", o).unwrap();
        let flags = |g: usize| {
            (0..19)
                .map(|i| if i == g { "1" } else { "0" })
                .collect::<Vec<_>>()
                .join("|")
        };
        z.start_file("ml-100k/u.item", o).unwrap();
        write!(
            z,
            "1|Toy Story (1995)|01-Jan-1995||u|{}\n2|Heat (1995)|01-Jan-1995||u|{}\n",
            flags(3),
            flags(1)
        )
        .unwrap();
        z.start_file("ml-100k/u.data", o).unwrap();
        z.write_all(b"1\t1\t5\t10\n1\t2\t4\t20\n2\t1\t3\t30\n")
            .unwrap();
        z.start_file("ml-100k/u.user", o).unwrap();
        z.write_all(b"1|24|M|technician|85711\n2|53|F|other|94043\n")
            .unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn opts(base: &str, sha256: &str) -> fetch::FetchOptions {
    fetch::FetchOptions {
        base_url: Some(base.to_string()),
        sha256: Some(sha256.to_string()),
        force: false,
        progress: false,
    }
}

/// Only the dataset folder (or nothing) may be left in `dir`.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn fetch_good_corrupt_notzip_404_offline() {
    let good = dataset_zip();
    let mut corrupt = good.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid] ^= 0xff;
    let notzip = b"<html>this is not a zip</html>".to_vec();
    // ml-32m has no pinned checksum, so the test passes the one of what it serves.
    let base_good = serve([("/datasets/ml-32m.zip", good.clone())]);
    let base_corrupt = serve([("/datasets/ml-32m.zip", corrupt)]);
    let base_notzip = serve([("/datasets/ml-32m.zip", notzip.clone())]);
    let base_empty = serve([]);

    // Good zip: verified, unzipped into DIR/ml-32m, loadable.
    let t = tempfile::tempdir().unwrap();
    let dir = fetch::fetch("ml-32m", t.path(), &opts(&base_good, &sha(&good))).unwrap();
    assert_eq!(dir, t.path().join("ml-32m"));
    assert_eq!(entries(t.path()), vec!["ml-32m"]);
    let (ds, _) = data::load(&dir, &LoadOptions::default()).unwrap();
    assert_eq!((ds.movies.len(), ds.interactions.len()), (2, 3));
    // Second call: already present, no download (the 404 server would fail).
    fetch::fetch("ml-32m", t.path(), &opts(&base_empty, &sha(&good))).unwrap();
    // --force replaces it atomically.
    let mut o = opts(&base_good, &sha(&good));
    o.force = true;
    fetch::fetch("ml-32m", t.path(), &o).unwrap();
    assert_eq!(entries(t.path()), vec!["ml-32m"]);

    // Corrupted zip: checksum mismatch, nothing left behind.
    let t = tempfile::tempdir().unwrap();
    let err = format!(
        "{:#}",
        fetch::fetch("ml-32m", t.path(), &opts(&base_corrupt, &sha(&good))).unwrap_err()
    );
    assert!(
        err.contains("checksum mismatch") && err.contains("nothing was extracted"),
        "{err}"
    );
    assert!(entries(t.path()).is_empty(), "{:?}", entries(t.path()));

    // A body whose checksum matches but is not a zip: clear message, nothing left.
    let err = format!(
        "{:#}",
        fetch::fetch("ml-32m", t.path(), &opts(&base_notzip, &sha(&notzip))).unwrap_err()
    );
    assert!(err.contains("not a valid zip archive"), "{err}");
    assert!(entries(t.path()).is_empty());

    // 404.
    let err = format!(
        "{:#}",
        fetch::fetch("ml-32m", t.path(), &opts(&base_empty, &sha(&good))).unwrap_err()
    );
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(entries(t.path()).is_empty());

    // Offline: nothing listens on the port.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = format!(
        "{:#}",
        fetch::fetch(
            "ml-32m",
            t.path(),
            &opts(&format!("http://127.0.0.1:{port}"), &sha(&good))
        )
        .unwrap_err()
    );
    assert!(err.contains("Are you offline?"), "{err}");
    assert!(entries(t.path()).is_empty());

    // The pinned checksum of ml-100k is used: the test zip does not match it.
    let base_100k = serve([("/datasets/ml-100k.zip", good.clone())]);
    let o = fetch::FetchOptions {
        base_url: Some(base_100k),
        ..Default::default()
    };
    let err = format!("{:#}", fetch::fetch("ml-100k", t.path(), &o).unwrap_err());
    assert!(
        err.contains("checksum mismatch") && err.contains("50d2a982"),
        "{err}"
    );

    // No pinned checksum and none given: refused before any download.
    let o = fetch::FetchOptions {
        base_url: Some(base_good),
        ..Default::default()
    };
    let err = format!("{:#}", fetch::fetch("ml-32m", t.path(), &o).unwrap_err());
    assert!(err.contains("no pinned SHA-256"), "{err}");
    assert!(entries(t.path()).is_empty());
}
