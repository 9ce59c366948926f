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
