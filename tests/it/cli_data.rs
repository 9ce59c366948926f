//! The `reelgraph data inspect|fetch` commands, run as a user would.

use std::io::Write;
use std::path::Path;

use reelgraph_testkit::cli::Run;
use reelgraph_testkit::http;

fn reelgraph(args: &[&str], env: &[(&str, &str)]) -> Run {
    super::reelgraph().run_with(args, env)
}

fn fixture(dir: &Path) {
    std::fs::write(dir.join("movies.dat"), b"1::Toy Story (1995)::Animation\n2::Mis\xe9rables, Les (1995)::Drama\n3::Heat (1995)::Action\n").unwrap();
    std::fs::write(
        dir.join("users.dat"),
        "1::F::1::10::48067\n2::M::56::16::70072\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ratings.dat"),
        "1::1::5::978300760\n1::2::3::978302109\n1::3::4::978301968\n2::1::4::978300275\n2::1::2::978300276\n",
    )
    .unwrap();
}

#[test]
fn inspect_json_and_text() {
    let t = tempfile::tempdir().unwrap();
    fixture(t.path());
    let d = t.path().to_str().unwrap();
    let o = reelgraph(&["data", "inspect", "--data", d, "--json"], &[]);
    assert!(o.ok(), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["users"], 2);
    assert_eq!(v["items"], 3);
    assert_eq!(v["interactions"], 5);
    assert_eq!(
        (v["train"].as_u64(), v["val"].as_u64(), v["test"].as_u64()),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(v["ratings"]["4"], 2);
    assert_eq!(v["report"]["duplicates"], 1);
    assert!((v["density"].as_f64().unwrap() - 5.0 / 6.0).abs() < 1e-9);

    // Text form, with the data directory from the environment.
    let o = reelgraph(&["data", "inspect"], &[("REELGRAPH_DATA", d)]);
    assert!(o.ok(), "{}", o.stderr);
    let s = o.stdout;
    for want in [
        "users         2",
        "items         3",
        "interactions  5",
        "time range    2000-12-31 .. 2000-12-31",
        "split         train 3  val 1  test 1",
        "duplicates    1",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

#[test]
fn inspect_bad_input_messages() {
    let t = tempfile::tempdir().unwrap();
    fixture(t.path());
    std::fs::write(
        t.path().join("ratings.dat"),
        "1::1::5::978300760\n1::2::3\n",
    )
    .unwrap();
    let d = t.path().to_str().unwrap();
    let o = reelgraph(&["data", "inspect", "--data", d], &[]);
    assert!(!o.ok());
    assert!(
        o.stderr.contains("ratings.dat:2: expected 4"),
        "{}",
        o.stderr
    );

    let o = reelgraph(&["data", "inspect", "--data", d, "--skip-bad-lines"], &[]);
    assert!(o.ok(), "{}", o.stderr);
    assert!(
        o.stdout.contains("skipped       1 malformed lines"),
        "{}",
        o.stdout
    );

    let empty = tempfile::tempdir().unwrap();
    let o = reelgraph(
        &["data", "inspect", "--data", empty.path().to_str().unwrap()],
        &[],
    );
    assert!(!o.ok());
    assert!(o.stderr.contains("unknown dataset format"), "{}", o.stderr);

    let o = reelgraph(&["data", "inspect"], &[]);
    assert!(!o.ok());
    assert!(o.stderr.contains("--data"), "{}", o.stderr);
}

#[test]
fn inspect_shared_ml100k() {
    let Some(dir) = reelgraph_testkit::data::shared_dataset(
        env!("CARGO_MANIFEST_DIR"),
        "ml-100k",
        "inspect_shared_ml100k",
    ) else {
        return;
    };
    let o = reelgraph(
        &["data", "inspect", "--data", dir.to_str().unwrap(), "--json"],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        [
            &v["users"],
            &v["items"],
            &v["interactions"],
            &v["train"],
            &v["val"],
            &v["test"]
        ]
        .map(|x| x.as_u64().unwrap()),
        [943, 1682, 100_000, 98_114, 943, 943]
    );
}

#[test]
fn fetch_from_a_local_server() {
    let src = tempfile::tempdir().unwrap();
    fixture(src.path());
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default();
        for f in ["movies.dat", "users.dat", "ratings.dat"] {
            z.start_file(format!("ml-10M100K/{f}"), o).unwrap();
            z.write_all(&std::fs::read(src.path().join(f)).unwrap())
                .unwrap();
        }
        z.finish().unwrap();
    }
    let zip = buf.into_inner();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&zip))
    };
    let base = http::serve([("/ml-10m.zip", zip)]);
    let out = tempfile::tempdir().unwrap();
    let d = out.path().to_str().unwrap();

    // ml-10m has no pinned checksum: refused without --sha256.
    let o = reelgraph(
        &["data", "fetch", "ml-10m", "--dir", d],
        &[("REELGRAPH_DATA_BASE_URL", &base)],
    );
    assert!(!o.ok());
    assert!(o.stderr.contains("no pinned SHA-256"), "{}", o.stderr);

    let o = reelgraph(
        &["data", "fetch", "ml-10m", "--dir", d, "--sha256", &sha],
        &[("REELGRAPH_DATA_BASE_URL", &base)],
    );
    assert!(o.ok(), "{}", o.stderr);
    assert!(o.stdout.contains("ml-10m is ready"), "{}", o.stdout);
    let o = reelgraph(
        &[
            "data",
            "inspect",
            "--data",
            out.path().join("ml-10m").to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["interactions"], 5);

    // A 404 from the mirror (flag instead of env).
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", d, "--base-url", &base],
        &[],
    );
    assert!(!o.ok());
    assert!(o.stderr.contains("HTTP 404"), "{}", o.stderr);
}

/// OMDb lines (`ID::{json}`) for the fixture's movies 1 and 3, written the
/// way the original project's `movie_info.dat` writes them (`\s` for an
/// apostrophe included).
fn omdb_lines() -> Vec<u8> {
    concat!(
        r#"1::{"Title":"Toy Story","Year":"1995","Released":"22 Nov 1995","Runtime":"81 min","Plot":"A cowboy doll\s rival.","Director":"John Lasseter","Actors":"Tom Hanks, Tim Allen","Poster":"https://img.example/1.jpg","imdbRating":"8.3","imdbVotes":"860,790","imdbID":"tt0114709","Response":"True"}"#,
        "\n",
        r#"3::{"Title":"Heat","Year":"1995","Released":"15 Dec 1995","Plot":"A heist.","imdbRating":"8.2","imdbVotes":"N/A","imdbID":"tt0113277","Response":"True"}"#,
        "\n"
    )
    .as_bytes()
    .to_vec()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `DIR/ml-1m` already holding a (small) ml-1m, so `data fetch ml-1m` keeps
/// it and only gets the OMDb information.
fn ml1m_in(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("ml-1m")).unwrap();
    fixture(&dir.join("ml-1m"));
    dir.to_str().unwrap().to_string()
}

/// Files in a dataset directory, sorted (nothing half-downloaded may stay).
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn fetch_ml1m_gets_its_omdb_information() {
    let omdb = omdb_lines();
    let sha = sha256(&omdb);
    let base = http::serve([("/src/movie_info.dat", omdb.clone())]);
    let url = format!("{base}/src/movie_info.dat");
    let t = tempfile::tempdir().unwrap();
    let d = ml1m_in(t.path());
    let ml1m = t.path().join("ml-1m");
    let dataset_files = listing(&ml1m);

    // Served a file other than the pinned original: refused, nothing installed.
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", &d, "--omdb-url", &url],
        &[],
    );
    assert!(!o.ok());
    assert!(
        o.stderr.contains("checksum mismatch for movie_info.dat")
            && o.stderr.contains(fetch_pinned()),
        "{}",
        o.stderr
    );
    assert!(o.stdout.contains("ml-1m is ready"), "{}", o.stdout);
    assert_eq!(listing(&ml1m), dataset_files);

    // A 404 names the setting to fix.
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", &d],
        &[("REELGRAPH_OMDB_URL", &format!("{base}/nothing"))],
    );
    assert!(!o.ok());
    assert!(
        o.stderr.contains("HTTP 404") && o.stderr.contains("--omdb-url / REELGRAPH_OMDB_URL"),
        "{}",
        o.stderr
    );
    assert_eq!(listing(&ml1m), dataset_files);

    // The pinned URL with another checksum is refused before any download.
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", &d, "--omdb-sha256", &sha],
        &[],
    );
    assert!(!o.ok());
    assert!(
        o.stderr.contains("disagrees with the pinned SHA-256"),
        "{}",
        o.stderr
    );

    // --no-metadata: the dataset only.
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", &d, "--no-metadata"],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);
    assert_eq!(listing(&ml1m), dataset_files);

    // A mirror of another file, with its checksum: installed beside the dataset.
    let o = reelgraph(
        &[
            "data",
            "fetch",
            "ml-1m",
            "--dir",
            &d,
            "--omdb-url",
            &url,
            "--omdb-sha256",
            &sha.to_uppercase(),
        ],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);
    assert!(o.stdout.contains("movie_info.dat"), "{}", o.stdout);
    let file = ml1m.join("movie_info.dat");
    assert_eq!(std::fs::read(&file).unwrap(), omdb);
    let mut want = dataset_files.clone();
    want.push("movie_info.dat".into());
    want.sort();
    assert_eq!(listing(&ml1m), want);

    // It joins: 2 of the 3 movies matched by id, one of them repaired.
    let o = reelgraph(
        &[
            "data",
            "inspect",
            "--data",
            ml1m.to_str().unwrap(),
            "--metadata",
            file.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let m = &v["report"]["metadata"];
    assert_eq!(
        (m["matched_by_id"].as_u64(), m["repaired"].as_u64()),
        (Some(2), Some(1)),
        "{m}"
    );

    // Already there: kept, no download (the server no longer has it).
    let o = reelgraph(
        &[
            "data",
            "fetch",
            "ml-1m",
            "--dir",
            &d,
            "--omdb-url",
            &format!("{base}/gone"),
        ],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);

    // Releases without published metadata get none.
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join("ml-10m")).unwrap();
    fixture(&other.path().join("ml-10m"));
    let o = reelgraph(
        &[
            "data",
            "fetch",
            "ml-10m",
            "--sha256",
            &"0".repeat(64),
            "--dir",
            other.path().to_str().unwrap(),
            "--omdb-url",
            &url,
        ],
        &[],
    );
    assert!(o.ok(), "{}", o.stderr);
    assert!(!other.path().join("ml-10m/movie_info.dat").exists());
}

/// The pinned SHA-256 of ml-1m's `movie_info.dat`.
fn fetch_pinned() -> &'static str {
    "c136c717065cbb6678ed393a028b50b1348c184ade40a769f6be99e4f5780f63"
}

/// The real `movie_info.dat` (from the shared data, when present) matches the
/// pinned checksum and installs without any override.
#[test]
fn fetch_the_real_movie_info_with_its_pinned_checksum() {
    let Some(omdb) = reelgraph_testkit::data::shared_dataset(
        env!("CARGO_MANIFEST_DIR"),
        "omdb",
        "fetch_the_real_movie_info_with_its_pinned_checksum",
    ) else {
        return;
    };
    let real = std::fs::read(omdb.join("ml-1m-movie_info.dat")).unwrap();
    assert_eq!(sha256(&real), fetch_pinned());
    let base = http::serve([("/movie_info.dat", real.clone())]);
    let t = tempfile::tempdir().unwrap();
    let d = ml1m_in(t.path());
    let o = reelgraph(
        &["data", "fetch", "ml-1m", "--dir", &d],
        &[("REELGRAPH_OMDB_URL", &format!("{base}/movie_info.dat"))],
    );
    assert!(o.ok(), "{}", o.stderr);
    assert_eq!(
        std::fs::read(t.path().join("ml-1m/movie_info.dat")).unwrap(),
        real
    );
}
