//! The main job end to end through the binary: `train` → `load` → `serve`
//! on a synthetic dataset, `demo` (train if needed, load, serve), and
//! Ctrl-C during `train` followed by `--resume`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reelgraph_testkit::cli::{Cli, output};
use reelgraph_trainer::data::synthetic::{self, SynthConfig};

/// The commands of one test: their own current directory, no
/// `REELGRAPH_*` variables of the test process.
fn bin(cli: &Cli) -> Command {
    cli.command(std::iter::empty::<&str>())
}

fn run(cli: &Cli, args: &[&str]) -> (bool, String, String) {
    let r = output(bin(cli).args(args));
    (r.ok(), r.stdout, r.stderr)
}

fn dataset(dir: &Path, users: usize) {
    let cfg = SynthConfig {
        users,
        items: 120,
        per_user: 12,
        clusters: 4,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    synthetic::write_generic(dir, &movies, &xs).unwrap();
}

/// A running `serve`/`demo`; killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    /// Start and wait for the "serving … on http://ADDR/" line.
    fn start(cli: &Cli, args: &[&str]) -> Server {
        let mut child = bin(cli)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start server");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("server exited before serving").unwrap();
            eprintln!("server: {line}");
            if let Some(rest) = line.split("on http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let body = body.unwrap_or("");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(rest)
        } else {
            rest.to_string()
        };
        (status, head.to_string(), body)
    }

    /// SIGTERM, then the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn train_load_serve() {
    let cli = super::reelgraph();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data, 200);
    let models = tmp.path().join("models");
    let report = tmp.path().join("report.json");
    let p = |x: &Path| x.display().to_string();

    // train
    let (ok, out, err) = run(
        &cli,
        &[
            "train",
            "--data",
            &p(&data),
            "--out",
            &p(&models),
            "--report",
            &p(&report),
            "--epochs",
            "2",
            "--dim",
            "16",
            "--no-baselines",
            "--quiet",
        ],
    );
    assert!(ok, "train failed:\n{out}\n{err}");
    assert!(
        out.contains("| pinsage"),
        "the summary table is printed: {out}"
    );
    assert!(out.contains("exported version"), "{out}");
    let rep = json(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(rep["dataset"]["users"], 200);
    assert_eq!(rep["results"].as_array().unwrap().len(), 4);
    assert!(report.with_extension("md").is_file());
    assert!(report.with_extension("curve.svg").is_file());
    assert!(report.with_extension("embeddings.svg").is_file());
    assert!(models.join("checkpoint/state.json").is_file());

    // bad flags are clear errors before any work
    let (ok, _, err) = run(
        &cli,
        &[
            "train",
            "--data",
            &p(&data),
            "--out",
            &p(&models),
            "--epochs",
            "0",
        ],
    );
    assert!(!ok && err.contains("--epochs"), "{err}");
    let (ok, _, err) = run(
        &cli,
        &[
            "train",
            "--data",
            &p(&tmp.path().join("nope")),
            "--out",
            &p(&models),
        ],
    );
    assert!(!ok && err.contains("nope"), "{err}");

    // load
    let db = format!("sqlite://{}", p(&tmp.path().join("meta.db")));
    let (ok, out, err) = run(
        &cli,
        &[
            "load",
            "--from",
            &p(&models),
            "--db",
            &db,
            "--vectors",
            "embedded",
            "--quiet",
        ],
    );
    assert!(ok, "load failed:\n{out}\n{err}");

    // serve (free port), API + web UI (the copy built into the binary) + docs
    let server = Server::start(
        &cli,
        &[
            "serve",
            "--port",
            "0",
            "--from",
            &p(&models),
            "--db",
            &db,
            "--vectors",
            "embedded",
            "--refresh-secs",
            "1",
        ],
    );
    let (status, _, body) = server.request("GET", "/health", None);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = server.request("GET", "/ready", None);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = server.request("GET", "/api/v1/movies/random?n=5", None);
    assert_eq!(status, 200, "{body}");
    let random = json(&body);
    let (status, _, body) = server.request(
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [1, 5, 9], "disliked": [2], "k": 10}"#),
    );
    assert_eq!(status, 200, "{body}");
    let rec = json(&body);
    let items = rec["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    for it in items {
        let id = it["id"].as_u64().unwrap();
        assert!(![1, 5, 9, 2].contains(&id), "a rated movie came back: {id}");
    }
    // Items 1, 5, 9 are all in planted cluster 0 (item index i % 4): most
    // recommendations come from it too.
    let same = items
        .iter()
        .filter(|it| (it["id"].as_u64().unwrap() - 1) % 4 == 0)
        .count();
    assert!(
        same >= 6,
        "only {same} of 10 recommendations from the liked cluster: {rec}"
    );
    let (status, head, body) = server.request("GET", "/", None);
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("text/html"), "{head}");
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    assert_eq!(
        body,
        std::fs::read_to_string(web.join("index.html")).unwrap(),
        "GET / is web/index.html"
    );
    let (status, head, body) = server.request("GET", "/js/app.js", None);
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_ascii_lowercase().contains("text/javascript"),
        "{head}"
    );
    assert_eq!(
        body,
        std::fs::read_to_string(web.join("js/app.js")).unwrap()
    );
    // Only the UI's files: not its tests, scripts or package files.
    for path in [
        "/run-tests.sh",
        "/tests/ui.test.mjs",
        "/package.json",
        "/README.md",
    ] {
        let (status, _, body) = server.request("GET", path, None);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(json(&body)["error"]["code"].is_string(), "{path}: {body}");
    }
    let (status, _, _) = server.request("GET", "/docs", None);
    assert_eq!(status, 200);
    let (status, _, body) = server.request("GET", "/api/v1/movies/999999", None);
    assert_eq!(status, 404, "{body}");
    assert!(json(&body)["error"]["code"].is_string());
    assert!(random.is_object() || random.is_array());

    // catalog add: two new movies, embedded by the trained model, in a new
    // version; `load` activates it and the running server swaps it in.
    let new = tmp.path().join("new.jsonl");
    std::fs::write(
        &new,
        concat!(
            r#"{"id": 1001, "title": "Action Story 99", "year": 1990, "genres": ["Action"]}"#,
            "\n",
            r#"{"id": 1002, "title": "Comedy Story 99", "year": 1991, "genres": ["Comedy"], "#,
            r#""director": "Ann Example", "poster": "https://m.media-amazon.com/images/M/p.jpg"}"#,
            "\n"
        ),
    )
    .unwrap();
    let (ok, out, err) = run(
        &cli,
        &["catalog", "add", "--from", &p(&models), "--file", &p(&new)],
    );
    assert!(ok, "catalog add failed:\n{out}\n{err}");
    assert!(out.contains("122 movies (2 new from"), "{out}");
    // An id the catalogue now holds: refused, naming the line.
    let (ok, _, err) = run(
        &cli,
        &["catalog", "add", "--from", &p(&models), "--file", &p(&new)],
    );
    assert!(
        !ok && err.contains("line 1: id: 1001 is already in version"),
        "{err}"
    );
    let (ok, out, err) = run(
        &cli,
        &[
            "load",
            "--from",
            &p(&models),
            "--db",
            &db,
            "--vectors",
            "embedded",
            "--quiet",
        ],
    );
    assert!(
        ok && out.contains("122 items"),
        "load failed:\n{out}\n{err}"
    );
    let since = std::time::Instant::now();
    let movie = loop {
        let (status, _, body) = server.request("GET", "/api/v1/movies/1001", None);
        if status == 200 {
            break json(&body);
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(20),
            "the new movie is not served: {status} {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(movie["title"], "Action Story 99", "{movie}");
    // Its neighbours come mostly from its genre's planted cluster (items
    // 1, 5, 9, …: index i % 4 == 0, all "Action").
    let (status, _, body) = server.request("GET", "/api/v1/movies/1001/similar?k=10", None);
    assert_eq!(status, 200, "{body}");
    let similar = json(&body);
    let items = similar["items"].as_array().unwrap();
    let action = items
        .iter()
        .filter(|it| it["genres"][0] == "Action")
        .count();
    assert!(
        action >= 6,
        "{action} of 10 neighbours are Action movies: {similar}"
    );
    let (status, _, body) = server.request(
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [1002], "k": 5}"#),
    );
    assert_eq!(status, 200, "a new movie can be liked: {body}");

    // Two visitors mark movies on the site: the server keeps them in the
    // `feedback` table of the metadata store.
    const V1: &str = "3d0f4b1e-9a55-4c2e-8f11-0a0b0c0d0e01";
    const V2: &str = "3d0f4b1e-9a55-4c2e-8f11-0a0b0c0d0e02";
    for (visitor, movie, signal) in [
        (V1, 1, "like"),
        (V1, 5, "like"),
        (V1, 9, "dislike"),
        (V2, 2, "skip"),
        (V2, 1001, "like"),
    ] {
        let (status, _, body) = server.request(
            "POST",
            "/api/v1/feedback",
            Some(&format!(
                r#"{{"visitor": "{visitor}", "movie": {movie}, "signal": "{signal}"}}"#
            )),
        );
        assert_eq!(status, 202, "{body}");
    }

    let status = server.stop();
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {status:?}"
    );

    // train --feedback: the visitors' marks join the training data; the
    // report says what was used and still counts the dataset's own users.
    let models2 = tmp.path().join("models2");
    let report2 = tmp.path().join("report2.json");
    let train_with = |feedback: &str| {
        run(
            &cli,
            &[
                "train",
                "--data",
                &p(&data),
                "--out",
                &p(&models2),
                "--report",
                &p(&report2),
                "--epochs",
                "1",
                "--dim",
                "16",
                "--no-baselines",
                "--quiet",
                "--feedback",
                feedback,
            ],
        )
    };
    let (ok, out, err) = train_with(&db);
    assert!(ok, "train --feedback failed:\n{out}\n{err}");
    assert!(err.contains("feedback: 5 signals of 2 visitors"), "{err}");
    let rep = json(&std::fs::read_to_string(&report2).unwrap());
    assert_eq!(
        rep["feedback"],
        serde_json::json!({"visitors": 2, "visitors_used": 1, "signals": 5, "likes": 2,
                           "dislikes": 1, "skips": 1, "unknown_movies": 1}),
        "V1's two likes and dislike are used; V2 skipped one movie and liked one the dataset lacks"
    );
    assert_eq!(
        rep["dataset"]["users"], 200,
        "the evaluation's users: the dataset's"
    );
    let md = std::fs::read_to_string(report2.with_extension("md")).unwrap();
    assert!(
        md.contains("feedback: 2 visitors (1 added as train-only users)"),
        "{md}"
    );
    let snapshot = std::fs::read_to_string(models2.join("checkpoint/feedback.json")).unwrap();
    assert!(
        !snapshot.contains(V1) && !snapshot.contains("3d0f4b1e"),
        "no visitor id kept: {snapshot}"
    );
    // an object-store prefix with no feedback yet: nothing added
    let (ok, out, err) = train_with(&p(&tmp.path().join("no-feedback-yet")));
    assert!(ok, "train --feedback DIR failed:\n{out}\n{err}");
    let rep = json(&std::fs::read_to_string(&report2).unwrap());
    assert_eq!(rep["feedback"]["signals"], 0, "{rep}");
    assert_eq!(
        std::fs::read_to_string(models2.join("checkpoint/feedback.json")).unwrap(),
        r#"{"visitors":[]}"#
    );
    // a database that cannot be opened: an error naming the flag, nothing trained
    let missing = format!("sqlite://{}", p(&tmp.path().join("missing.db")));
    let (ok, _, err) = train_with(&missing);
    assert!(!ok && err.contains("--feedback"), "{err}");

    // serve --from another root is refused with a message
    let (ok, _, err) = run(
        &cli,
        &["serve", "--port", "0", "--from", &p(&data), "--db", &db],
    );
    assert!(!ok && err.contains("was loaded from"), "{err}");
}

#[test]
fn demo_trains_once_then_reuses() {
    let cli = super::reelgraph();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data, 150);
    let state = tmp.path().join("state");
    let p = |x: &Path| x.display().to_string();
    let server = Server::start(
        &cli,
        &[
            "demo",
            "--data",
            &p(&data),
            "--dir",
            &p(&state),
            "--epochs",
            "1",
            "--port",
            "0",
        ],
    );
    let (status, _, body) = server.request("GET", "/api/v1/stats", None);
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = server.request("POST", "/getRandom?num=3", None);
    assert_eq!(status, 200, "{body}");
    let legacy = json(&body);
    assert_eq!(legacy[1], 200);
    assert_eq!(legacy[0].as_object().unwrap().len(), 3);
    assert!(server.stop().success());
    assert!(state.join("report/report.json").is_file());
    assert!(state.join("reelgraph.db").is_file());

    let (ok, out, err) = run(
        &cli,
        &[
            "demo",
            "--data",
            &p(&data),
            "--dir",
            &p(&state),
            "--no-serve",
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("exists"),
        "the second demo reuses the version: {out}"
    );
    assert!(!out.contains("training on"), "{out}");
}

/// The synthetic dataset in ml-1m's `.dat` format (`movies.dat`,
/// `ratings.dat`, `users.dat`) in `dir`.
fn ml1m_dataset(dir: &Path, users: usize) {
    let cfg = SynthConfig {
        users,
        items: 120,
        per_user: 12,
        clusters: 4,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    std::fs::create_dir_all(dir).unwrap();
    let mut m = String::new();
    for x in &movies {
        m.push_str(&format!(
            "{}::{} ({})::{}\n",
            x.id,
            x.title,
            x.year.unwrap(),
            x.genres.join("|")
        ));
    }
    std::fs::write(dir.join("movies.dat"), m).unwrap();
    let mut r = String::new();
    for x in &xs {
        r.push_str(&format!("{}::{}::4::{}\n", x.user, x.item, x.timestamp));
    }
    std::fs::write(dir.join("ratings.dat"), r).unwrap();
    let u: String = (1..=users)
        .map(|u| format!("{u}::F::25::1::48067\n"))
        .collect();
    std::fs::write(dir.join("users.dat"), u).unwrap();
}

/// `demo` on a state directory whose ml-1m is already downloaded gets ml-1m's
/// OMDb information (here from a mirror, with its checksum), joins it without
/// being told, and the original client's routes show it with absolute poster
/// links; `--metadata FILE` still overrides it.
#[test]
fn demo_joins_the_omdb_information_by_default() {
    let cli = super::reelgraph();
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    ml1m_dataset(&state.join("data/ml-1m"), 150);
    let omdb = concat!(
        r#"1::{"Title":"Action Story 1","Year":"1960","Released":"22 Nov 1995","Runtime":"81 min","Plot":"The plot of one.","Director":"A. Director","Actors":"X, Y","Poster":"https://img.example/1.jpg","imdbRating":"8.3","imdbVotes":"860,790","imdbID":"tt0114709"}"#,
        "\n",
        r#"2::{"Title":"Comedy Story 1","Year":"1961","Plot":"The plot of two.","Poster":"N/A","imdbRating":"N/A"}"#,
        "\n"
    );
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(omdb.as_bytes()))
    };
    let base = reelgraph_testkit::http::serve([("/movie_info.dat", omdb.as_bytes().to_vec())]);
    let p = |x: &Path| x.display().to_string();
    fn demo<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["demo", "--epochs", "1", "--port", "0"];
        args.extend_from_slice(extra);
        args
    }
    let dir = p(&state);
    let url = format!("{base}/movie_info.dat");
    let server = Server::start(
        &cli,
        &demo(&["--dir", &dir, "--omdb-url", &url, "--omdb-sha256", &sha]),
    );
    assert_eq!(
        std::fs::read_to_string(state.join("data/ml-1m/movie_info.dat")).unwrap(),
        omdb
    );
    let (status, head, body) = server.request("GET", "/getInfo?ids=1", None);
    assert_eq!(status, 200, "{body}");
    let j = json(&body);
    let info = &j[0][0];
    for (field, want) in [
        ("Plot", "The plot of one."),
        ("Released", "22 Nov 1995"),
        ("Runtime", "81 min"),
        ("imdbRating", "8.3"),
        ("imdbVotes", "860,790"),
        ("Director", "A. Director"),
        ("Poster", "https://img.example/1.jpg"),
    ] {
        assert_eq!(info[field], want, "{field}: {body}");
    }
    assert_eq!(j[0][1], "https://img.example/1.jpg");
    assert!(head.to_ascii_lowercase().contains("vary: host"), "{head}");
    // No poster: an absolute link to this API's /getImage, built from Host.
    let (_, _, body) = server.request("GET", "/getInfo?ids=2", None);
    let j = json(&body);
    assert_eq!(j[0][0]["Plot"], "The plot of two.");
    assert_eq!(j[0][0]["imdbRating"], "N/A");
    let link = format!("http://{}/getImage?img=2", server.addr);
    assert_eq!(j[0][1], link.as_str());
    let (status, head, _) = server.request("GET", "/getImage?img=2", None);
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase().contains("image/svg+xml"),
        "{head}"
    );
    assert!(server.stop().success());

    // --metadata FILE wins over the dataset's movie_info.dat.
    let other = tmp.path().join("other.dat");
    std::fs::write(
        &other,
        "1::{\"Title\":\"Action Story 1\",\"Plot\":\"Another plot.\"}\n",
    )
    .unwrap();
    let server = Server::start(
        &cli,
        &demo(&[
            "--dir",
            &dir,
            "--retrain",
            "--metadata",
            &p(&other),
            "--public-url",
            "https://movies.example/api/",
        ]),
    );
    let (_, head, body) = server.request("GET", "/getInfo?ids=1", None);
    let j = json(&body);
    assert_eq!(j[0][0]["Plot"], "Another plot.", "{body}");
    assert_eq!(j[0][0]["Released"], "N/A", "{body}");
    // The configured public URL, not Host, and nothing for caches to vary on.
    assert_eq!(j[0][1], "https://movies.example/api/getImage?img=1");
    assert!(!head.to_ascii_lowercase().contains("vary: host"), "{head}");
    assert!(server.stop().success());
}

#[test]
fn interrupt_saves_a_checkpoint_and_resume_finishes() {
    let cli = super::reelgraph();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data, 300);
    let models = tmp.path().join("models");
    let p = |x: &Path| x.display().to_string();
    let (d, m) = (p(&data), p(&models));
    let args = [
        "train",
        "--data",
        &d,
        "--out",
        &m,
        "--epochs",
        "4",
        "--patience",
        "4",
        "--steps-per-epoch",
        "150",
        "--dim",
        "16",
        "--no-baselines",
        "--quiet",
        "--seed",
        "5",
    ];
    let mut child = bin(&cli)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state = models.join("checkpoint/state.json");
    let start = Instant::now();
    while !state.is_file() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no checkpoint after 120 s"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "train ended before its first checkpoint was seen"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert!(
        !models.join("latest").exists(),
        "nothing exported on interrupt"
    );
    let saved = json(&std::fs::read_to_string(&state).unwrap());
    let epochs_done = saved["history"].as_array().unwrap().len();
    assert!(epochs_done < 4, "interrupted before the end: {saved}");

    // Resuming with other settings is refused …
    let mut other = args.to_vec();
    other[6] = "5";
    other.push("--resume");
    let (ok, _, err) = run(&cli, &other);
    assert!(!ok && err.contains("other training settings"), "{err}");
    // … with the same flags it continues where it stopped and exports.
    let same = [&args[..], &["--resume"]].concat();
    let out = bin(&cli).args(&same).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("resuming from"), "{err}");
    assert!(models.join("latest").is_file());
    let saved = json(&std::fs::read_to_string(&state).unwrap());
    assert_eq!(saved["history"].as_array().unwrap().len(), 4);
}

/// `train --out s3://…`, `load --from s3://…` and `serve --from s3://…`
/// through a real S3 endpoint over HTTP: the local S3 server that
/// `infra/s3.sh` starts (`REELGRAPH_TEST_S3`), reached by the AWS SDK's
/// standard variables as a user would configure it.
#[test]
fn train_load_serve_through_a_local_s3_server() {
    let Some(endpoint) =
        reelgraph_testkit::data::service_url("REELGRAPH_TEST_S3", "cli_e2e::s3_train_load_serve")
    else {
        return;
    };
    let key = |v: &str| std::env::var(v).unwrap_or_else(|_| panic!("{v} is not set"));
    let (ak, sk) = (
        key("REELGRAPH_TEST_S3_ACCESS_KEY"),
        key("REELGRAPH_TEST_S3_SECRET_KEY"),
    );
    let cli = super::reelgraph();
    let s3 = |args: &[&str]| {
        let mut c = bin(&cli);
        c.args(args)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ACCESS_KEY_ID", &ak)
            .env("AWS_SECRET_ACCESS_KEY", &sk)
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_S3_FORCE_PATH_STYLE");
        c
    };
    let run_s3 = |args: &[&str]| {
        let r = output(&mut s3(args));
        (r.ok(), r.stdout, r.stderr)
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data, 150);
    let p = |x: &Path| x.display().to_string();
    // A prefix of its own in the shared bucket, so reruns never collide.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let models = format!("s3://reelgraph/cli-{}-{nanos}/models", std::process::id());

    let (ok, out, err) = run_s3(&[
        "train",
        "--data",
        &p(&data),
        "--out",
        &models,
        "--checkpoint-dir",
        &p(&tmp.path().join("ckpt")),
        "--epochs",
        "1",
        "--dim",
        "16",
        "--no-baselines",
        "--quiet",
    ]);
    assert!(ok, "train --out s3 failed:\n{out}\n{err}");
    let version: u64 = out
        .split("exported version ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no exported version in: {out}"));

    let db = format!("sqlite://{}", p(&tmp.path().join("meta.db")));
    let load = [
        "load",
        "--from",
        &models,
        "--db",
        &db,
        "--vectors",
        "embedded",
        "--quiet",
    ];
    let (ok, out, err) = run_s3(&load);
    assert!(ok, "load --from s3 failed:\n{out}\n{err}");
    // Loading the same version again changes nothing.
    let (ok, out2, err) = run_s3(&load);
    assert!(ok, "{out2}\n{err}");
    assert!(
        out2.contains("already"),
        "the second load is a no-op: {out2}"
    );

    // A prefix without a model is refused with a message naming what is missing.
    let (ok, _, err) = run_s3(&[
        "load",
        "--from",
        "s3://reelgraph/no-such-model",
        "--db",
        &db,
        "--vectors",
        "embedded",
        "--quiet",
    ]);
    assert!(!ok && err.contains("latest"), "{err}");

    // Serve the version read back from S3.
    let mut child = s3(&[
        "serve",
        "--port",
        "0",
        "--from",
        &models,
        "--db",
        &db,
        "--vectors",
        "embedded",
        "--no-web",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("serve exited before serving").unwrap();
        if let Some(rest) = line.split("on http://").nth(1) {
            break rest.split('/').next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let server = Server { child, addr };
    let (status, _, body) = server.request(
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [1, 5], "k": 5}"#),
    );
    assert_eq!(status, 200, "{body}");
    let rec = json(&body);
    assert_eq!(rec["model_version"], version, "{rec}");
    let ids: Vec<u64> = rec["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    assert!(!ids.contains(&1) && !ids.contains(&5), "{ids:?}");
    assert!(server.stop().success());
}
