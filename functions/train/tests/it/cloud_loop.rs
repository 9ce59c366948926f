//! The cloud loop, emulated: what `infra/deploy.sh all` sets up in AWS, on
//! this machine's services and without AWS.
//!
//! - A local S3 (the test kit's server over HTTP) holds the dataset
//!   (ml-100k from `../shared/data`, or a generated one when it is absent),
//!   the model root and the website bucket; Milvus Lite (a namespace of the
//!   test's own) and MariaDB (a scratch database) are the stores.
//! - The trainer function, the built `train` binary run as Lambda runs it
//!   (the runtime API) in services mode as `template.yaml` configures it,
//!   gets the scheduled event: it trains, publishes version A to S3, loads
//!   it into Milvus and MySQL and activates it.
//! - The three serving functions open their state as their containers do
//!   (services mode, the template's variables) and answer from A: they are
//!   warm from here on. A visitor of the site likes a movie through the
//!   recommend function (kept in the database).
//! - An on-demand invocation (another seed), due at once, checkpoints to S3
//!   and answers `continue`; the state machine's `{"job": ID}` resumes it,
//!   publishes version B, trained on the visitor's like too (its report
//!   counts it), loads and activates it.
//! - The warm functions answer from B without a restart: the version they
//!   name, and answers equal to B's answers served self-contained from the
//!   model root (so B's vectors, not A's); version-keyed answers carry B's
//!   `ETag`.
//! - `infra/deploy.sh web` publishes the UI to the website bucket of the
//!   local S3: every object's Content-Type and Cache-Control, and the
//!   same-origin `env-config.js` naming the API.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reelgraph_api::function::{self, FunctionConfig, Mode};
use reelgraph_api::{self as api, Group, State};
use reelgraph_core::artifact;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::object::s3::S3Store;
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_testkit::answer::{Answer, answer, assert_same_answer};
use reelgraph_testkit::data::{service_url, shared_data};
use reelgraph_testkit::s3;
use reelgraph_testkit::scratch::{ScratchDb, unique};
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::job::Response;
use tower::ServiceExt;

use crate::runtime::{TrainFunction, event};

const TEST: &str = "cloud_loop::the_cloud_loop_emulated";

/// How long one training invocation may take here.
const WITHIN: Duration = Duration::from_secs(600);

/// Small settings: the loop is under test, not the model.
const SETTINGS: &str = r#"{"epochs": 1, "dim": 16, "no_baselines": true, "seed": 1}"#;

/// The dataset's files and its name: ml-100k when the shared data has it,
/// else a generated catalogue (its files as `reelgraph data` reads them).
fn dataset(tmp: &Path) -> (String, Vec<PathBuf>) {
    let files = |dir: &Path| -> Vec<PathBuf> {
        let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        f.sort();
        f
    };
    if let Some(dir) = shared_data(env!("CARGO_MANIFEST_DIR")).map(|d| d.join("ml-100k"))
        && dir.join("u.data").is_file()
    {
        return ("ml-100k".into(), files(&dir));
    }
    eprintln!("{TEST}: ../shared/data/ml-100k is absent; a generated dataset stands in");
    let cfg = SynthConfig {
        users: 600,
        items: 300,
        per_user: 20,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    synthetic::write_generic(tmp, &movies, &xs).unwrap();
    ("synth".into(), files(tmp))
}

/// One API Gateway event of `events/<group>/` through `lambda_http`'s
/// parser into a function's router.
async fn invoke(router: &axum::Router, group: Group, name: &str) -> Answer {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(group.name())
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let req = lambda_http::request::from_str(&text).expect("an API Gateway event");
    let (parts, body) = req.into_parts();
    let req = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    answer(router.clone().oneshot(req).await.unwrap()).await
}

/// The version a function names in `/api/v1/stats`.
async fn stats_version(info: &axum::Router) -> u64 {
    let a = invoke(info, Group::Info, "v1-stats").await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["model_version"]
        .as_u64()
        .unwrap_or_else(|| panic!("{}", a.text()))
}

fn config(vars: &[(&str, String)]) -> FunctionConfig {
    FunctionConfig::from_vars(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

/// The events whose answers depend only on the served version (and the
/// function that answers them).
const COMPARED: [(Group, &str); 5] = [
    (Group::Recommend, "v1-recommendations"),
    (Group::Recommend, "getSimilarUser"),
    (Group::Info, "v1-similar"),
    (Group::Info, "v1-movie"),
    (Group::Info, "getInfo"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cloud_loop_emulated() {
    let milvus = service_url("REELGRAPH_TEST_MILVUS_LITE", TEST);
    let mysql = service_url("REELGRAPH_TEST_MYSQL", TEST);
    let aws = service_url("REELGRAPH_TEST_AWS_CLI", TEST);
    let (Some(milvus), Some(mysql), Some(aws)) = (milvus, mysql, aws) else {
        return;
    };
    let namespace = format!("t{}_loop_", unique());
    let db = ScratchDb::create(&mysql, "loop").await;
    let s3_root = tempfile::tempdir().unwrap();
    let (m, ns, url, root) = (
        milvus.clone(),
        namespace.clone(),
        db.url.clone(),
        s3_root.path().to_path_buf(),
    );
    let result = tokio::spawn(async move { the_loop(&root, &m, &ns, &url, &aws).await }).await;

    // Clean up whatever happened: the collections of every version the
    // model root holds, the database.
    let published: Vec<u64> = std::fs::read_dir(s3_root.path().join("models/models"))
        .into_iter()
        .flatten()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix('v')?
                .parse()
                .ok()
        })
        .collect();
    if let Ok(store) = MilvusStore::connect(&milvus.parse().unwrap(), None).await
        && let Ok(store) = store.with_namespace(&namespace)
    {
        store.drop_versions_except(&published, &[]).await.unwrap();
    }
    db.drop().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn the_loop(s3_root: &Path, milvus: &str, namespace: &str, db_url: &str, aws: &str) {
    // The local S3 (serving the directory `s3_root`) and its buckets.
    for bucket in ["data", "models", "site"] {
        std::fs::create_dir(s3_root.join(bucket)).unwrap();
    }
    let endpoint = s3::serve(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), s3_root);
    let client = s3::client(&endpoint);
    // What `infra/deploy.sh data` does: the dataset's files under data/NAME/.
    let tmp = tempfile::tempdir().unwrap();
    let (name, files) = dataset(tmp.path());
    let data_prefix = format!("s3://data/{name}");
    let data = S3Store::new(client.clone(), &data_prefix).unwrap();
    for f in &files {
        let key = f.file_name().unwrap().to_str().unwrap();
        data.put(key, Bytes::from(std::fs::read(f).unwrap()))
            .await
            .unwrap();
    }

    // The trainer function in services mode, as the template configures it.
    let mut trainer = TrainFunction::start(
        &[
            s3::env(&endpoint),
            vec![
                ("REELGRAPH_MODE", "services".into()),
                ("REELGRAPH_MODELS", "s3://models/models".into()),
                ("REELGRAPH_DATA", data_prefix.clone()),
                ("REELGRAPH_VECTORS", milvus.into()),
                ("REELGRAPH_MILVUS_TOKEN", String::new()),
                ("REELGRAPH_MILVUS_NAMESPACE", namespace.into()),
                ("REELGRAPH_DB", db_url.into()),
                ("REELGRAPH_TRAIN_SETTINGS", SETTINGS.into()),
                ("REELGRAPH_TRAIN_MARGIN_S", "0".into()),
            ],
        ]
        .concat(),
    )
    .await;

    // 1. The schedule fires: version A, loaded and active.
    let t = Instant::now();
    trainer.invoke(event("scheduled"), WITHIN);
    let first = trainer.answer(WITHIN).await;
    let Response::Published {
        version: a,
        loaded: true,
        ..
    } = first
    else {
        panic!("the scheduled run must publish and load: {first:?}")
    };
    eprintln!(
        "{TEST}: version {a} trained on {name} and loaded in {:?}",
        t.elapsed()
    );

    // 2. The serving functions start on it (their containers' cold start).
    // Services mode reads no model root; the template sets one anyway.
    let models_dir = s3_root.join("models/models");
    let services = config(&[
        ("REELGRAPH_MODE", "services".into()),
        ("REELGRAPH_MODELS", models_dir.display().to_string()),
        ("REELGRAPH_VECTORS", milvus.into()),
        ("REELGRAPH_MILVUS_TOKEN", String::new()),
        ("REELGRAPH_MILVUS_NAMESPACE", namespace.into()),
        ("REELGRAPH_DB", db_url.into()),
        ("REELGRAPH_REFRESH_SECS", "1".into()),
    ]);
    assert_eq!(services.mode, Mode::Services);
    let state = function::open_state(&services).await.unwrap();
    let functions: Vec<(Group, axum::Router)> = Group::ALL
        .into_iter()
        .map(|g| (g, api::router_for(g, state.clone())))
        .collect();
    let router = |g: Group| &functions.iter().find(|(x, _)| *x == g).unwrap().1;
    assert_eq!(stats_version(router(Group::Info)).await, a);
    compare(&router, &reference(&models_dir, a).await, a).await;
    let models = S3Store::new(client.clone(), "s3://models/models").unwrap();
    assert_eq!(
        feedback_used(&models, a).await["visitors"],
        0,
        "no visitor had marked anything before A"
    );

    // A visitor of the site likes a movie (the recommend function keeps it
    // in the database): the next job trains on it.
    let marked = invoke(
        router(Group::Recommend),
        Group::Recommend,
        "v1-feedback-post",
    )
    .await;
    assert_eq!(marked.status, 202, "{}", marked.text());

    // 3. An on-demand run with another seed (a payload's settings replace
    // the defaults), cut at once by its deadline,
    // then continued by the state machine's next invocation: version B.
    trainer.invoke(
        serde_json::json!({
            "job": "loop-b",
            "settings": {"epochs": 1, "dim": 16, "no_baselines": true, "seed": 2}
        }),
        Duration::ZERO,
    );
    let Response::Continue { job } = trainer.answer(WITHIN).await else {
        panic!("an invocation due at once must continue")
    };
    assert_eq!(job, "loop-b");
    trainer.invoke(serde_json::json!({"job": job}), WITHIN);
    let second = trainer.answer(WITHIN).await;
    let Response::Published {
        version: b,
        loaded: true,
        ..
    } = second
    else {
        panic!("the continued run must publish and load: {second:?}")
    };
    assert!(b > a, "{b} after {a}");
    assert_eq!(
        feedback_used(&models, b).await,
        serde_json::json!({"visitors": 1, "visitors_used": 1, "signals": 1, "likes": 1,
                           "dislikes": 0, "skips": 0, "unknown_movies": 0}),
        "B was trained on the visitor's like"
    );
    let log = trainer.stop();
    assert!(log.contains("trainer ready"), "{log}");

    // 4. The warm functions follow without a restart: a request finds the
    // last check older than the refresh interval and the swap happens in
    // the background; within a few seconds every answer is B's.
    let since = Instant::now();
    while stats_version(router(Group::Info)).await != b {
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "the warm functions still serve {a}, not {b}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{TEST}: the warm functions swapped to {b} in {:?}",
        since.elapsed()
    );
    compare(&router, &reference(&models_dir, b).await, b).await;
    let movie = invoke(router(Group::Info), Group::Info, "v1-movie").await;
    assert_eq!(
        (
            movie.header("etag").as_deref(),
            movie.header("cache-control").as_deref()
        ),
        (
            Some(format!("W/\"v{b}\"").as_str()),
            Some("public, max-age=60")
        )
    );

    // 5. The web step publishes the UI to the website bucket.
    publish_site(&endpoint, &client, aws).await;
}

/// The `feedback` section of version `v`'s report.
async fn feedback_used(models: &S3Store, v: u64) -> serde_json::Value {
    let bundle = artifact::read_version(models, Some(v)).await.unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bundle.files["report.json"]).unwrap();
    report["feedback"].clone()
}

/// The functions of version `v` served self-contained from the model root
/// (the reference: what `v`'s own vectors answer).
async fn reference(models_dir: &Path, v: u64) -> State {
    let c = config(&[
        ("REELGRAPH_MODELS", models_dir.display().to_string()),
        ("REELGRAPH_VERSION", v.to_string()),
    ]);
    assert_eq!(c.mode, Mode::SelfContained);
    function::open_state(&c).await.unwrap()
}

/// The warm functions' answers equal the reference's; recommendations
/// name `v`.
async fn compare<'r>(warm: &impl Fn(Group) -> &'r axum::Router, reference: &State, v: u64) {
    for (group, name) in COMPARED {
        let got = invoke(warm(group), group, name).await;
        assert_eq!(got.status, 200, "{name}: {}", got.text());
        let want = invoke(&api::router_for(group, reference.clone()), group, name).await;
        assert_same_answer(&got, &want, name);
        if ["v1-recommendations", "v1-similar"].contains(&name) {
            assert_eq!(got.json()["model_version"], v, "{name}: {}", got.text());
        }
    }
}

/// `infra/deploy.sh web` against the local S3: the website bucket holds the
/// UI with the right headers and a same-origin `env-config.js`.
async fn publish_site(endpoint: &str, client: &aws_sdk_s3::Client, aws: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let aws_dir = Path::new(aws).parent().unwrap();
    let out = tokio::process::Command::new("bash")
        .arg(repo.join("infra/deploy.sh"))
        .args(["--no-invalidation", "web"])
        .current_dir(&repo)
        .env(
            "PATH",
            format!("{}:{}", aws_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("REELGRAPH_OUTPUT_WebsiteBucketName", "site")
        .envs(s3::env(endpoint))
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let head = |key: &'static str| async move {
        let o = client
            .head_object()
            .bucket("site")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        (
            o.content_type().unwrap_or_default().to_string(),
            o.cache_control().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(
        head("index.html").await,
        ("text/html; charset=utf-8".into(), "no-cache".into())
    );
    assert_eq!(
        head("env-config.js").await,
        ("text/javascript; charset=utf-8".into(), "no-cache".into())
    );
    let env = client
        .get_object()
        .bucket("site")
        .key("env-config.js")
        .send()
        .await
        .unwrap();
    let env = env.body.collect().await.unwrap().into_bytes();
    let env = String::from_utf8_lossy(&env);
    assert!(env.contains(r#"API_BASE_URL: """#), "{env}");
    // Every other object is a file of the content-addressed release,
    // cached for a year.
    let listed = client
        .list_objects_v2()
        .bucket("site")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert!(keys.iter().any(|k| k.ends_with("/js/app.js")), "{keys:?}");
    for key in keys {
        if ["index.html", "env-config.js"].contains(&key) {
            continue;
        }
        let o = client
            .head_object()
            .bucket("site")
            .key(key)
            .send()
            .await
            .unwrap();
        assert_eq!(
            o.cache_control(),
            Some("public, max-age=31536000, immutable"),
            "{key}"
        );
    }
}
