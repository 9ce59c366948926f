//! The trainer function's job ([`reelgraph_trainer::job::run`]) in process,
//! on a generated dataset in the test kit's in-process S3: it publishes a
//! version the artifact reader verifies and, in services mode, loads and
//! activates it; a run cut by its deadline and continued by later
//! invocations publishes the same vectors, bit for bit, as an uncut run.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use reelgraph_core::artifact::{self, VECTORS};
use reelgraph_core::object::ObjectStore;
use reelgraph_core::object::s3::S3Store;
use reelgraph_core::settings::VectorSpec;
use reelgraph_stores::feedback::{FeedbackStore, FlushPolicy, ObjectFeedback, Signal};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql::MySqlStore;
use reelgraph_stores::vector::VectorReader;
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::s3;
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::job::{
    self, Invocation, JobConfig, JobRecord, LoadTarget, Opener, Opening, Request, Response,
};
use reelgraph_trainer::settings::TrainSettings;
use serde_json::json;
use sqlx::Executor;

const DATASET: &str = "s3://bucket/data/synth";
const MODELS: &str = "s3://bucket/models";

struct Env {
    _tmp: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    open: Opener,
    work: std::path::PathBuf,
    tmp: std::path::PathBuf,
}

impl Env {
    /// An in-process S3 with bucket `bucket` holding a generated dataset
    /// (400 users × 15 interactions over 150 items) under `data/synth/`.
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("s3");
        std::fs::create_dir_all(root.join("bucket")).unwrap();
        let client = s3::in_process_client(&root);
        let open: Opener = Arc::new(move |uri: String| -> Opening {
            let client = client.clone();
            Box::pin(async move {
                Ok::<_, anyhow::Error>(Arc::new(S3Store::new(client, &uri)?) as Arc<dyn ObjectStore>)
            })
        });
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let local = tmp.path().join("synth");
        let cfg = SynthConfig {
            users: 400,
            items: 150,
            per_user: 15,
            clusters: 6,
            ..SynthConfig::default()
        };
        let (movies, xs) = synthetic::generate(&cfg);
        synthetic::write_generic(&local, &movies, &xs).unwrap();
        rt.block_on(async {
            let data = open(DATASET.into()).await.unwrap();
            for e in std::fs::read_dir(&local).unwrap() {
                let e = e.unwrap();
                let body = Bytes::from(std::fs::read(e.path()).unwrap());
                data.put(e.file_name().to_str().unwrap(), body)
                    .await
                    .unwrap();
            }
        });
        Env {
            work: tmp.path().join("work"),
            tmp: tmp.path().to_path_buf(),
            _tmp: tmp,
            rt,
            open,
        }
    }

    fn config(&self) -> JobConfig {
        JobConfig {
            models: MODELS.parse().unwrap(),
            dataset: None,
            settings: TrainSettings::default(),
            margin: Duration::ZERO,
            load: None,
            feedback: None,
            work_dir: self.work.clone(),
            open: self.open.clone(),
        }
    }

    fn models(&self) -> Arc<dyn ObjectStore> {
        self.rt.block_on((self.open)(MODELS.into())).unwrap()
    }

    fn run(
        &self,
        config: &JobConfig,
        inv: Invocation,
        budget: Duration,
    ) -> anyhow::Result<Response> {
        self.rt
            .block_on(job::run(config, inv, SystemTime::now() + budget))
    }

    fn record(&self, job: &str) -> JobRecord {
        let b = self
            .rt
            .block_on(self.models().get(&job::record_key(job)))
            .unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    fn vectors(&self, version: u64) -> Bytes {
        let bundle = self
            .rt
            .block_on(artifact::read_version(
                self.models().as_ref(),
                Some(version),
            ))
            .unwrap();
        bundle.files[VECTORS].clone()
    }
}

/// The report a version was published with.
fn report(env: &Env, version: u64) -> serde_json::Value {
    let bundle = env
        .rt
        .block_on(artifact::read_version(env.models().as_ref(), Some(version)))
        .unwrap();
    serde_json::from_slice(&bundle.files["report.json"]).unwrap()
}

/// Marks of visitors `(uuid, [(movie, signal)])`, one millisecond apart.
type Visits<'a> = &'a [(&'a str, &'a [(u32, Signal)])];

async fn record_all(store: &dyn FeedbackStore, visits: Visits<'_>, from_ms: i64) {
    let mut at = from_ms;
    for (visitor, marks) in visits {
        for &(movie, signal) in *marks {
            at += 1;
            store
                .record(&visitor.parse().unwrap(), movie, signal, at)
                .await
                .unwrap();
        }
    }
    store.flush().await.unwrap();
}

/// Feedback under `prefix` of the in-process S3, written as the
/// self-contained recommend function writes it.
fn put_feedback(env: &Env, prefix: &str, visits: Visits<'_>, from_ms: i64) {
    env.rt.block_on(async {
        let objects = (env.open)(prefix.into()).await.unwrap();
        let store = ObjectFeedback::new(objects, FlushPolicy::default());
        record_all(store.as_ref(), visits, from_ms).await;
    });
}

const V1: &str = "6f1c0a52-3b1e-4c55-9a0e-1d2b3c4d5e01";
const V2: &str = "6f1c0a52-3b1e-4c55-9a0e-1d2b3c4d5e02";
const V3: &str = "6f1c0a52-3b1e-4c55-9a0e-1d2b3c4d5e03";

fn settings() -> serde_json::Value {
    json!({"epochs": 3, "dim": 16, "seed": 5, "batch_size": 128, "no_baselines": true})
}

fn request(job: &str, with_settings: bool) -> Invocation {
    Invocation::Request(Request {
        dataset: with_settings.then(|| DATASET.to_string()),
        settings: with_settings.then(settings),
        job: Some(job.into()),
    })
}

const LONG: Duration = Duration::from_secs(3600);

#[test]
fn job_publishes_a_version_from_a_dataset_in_s3_and_loads_it() {
    let _rng = crate::training();
    let env = Env::new();
    let db = format!("sqlite://{}", env.tmp.join("meta.db").display());
    let config = JobConfig {
        load: Some(LoadTarget {
            vectors: VectorSpec::Embedded,
            db: db.parse().unwrap(),
            token: None,
            namespace: None,
        }),
        ..env.config()
    };
    // Two visitors marked movies on the site (the feedback table of the
    // database the job loads into; the job migrates it first).
    env.rt.block_on(async {
        let spec = db.parse().unwrap();
        reelgraph_stores::sql::open(&spec).await.unwrap();
        let store = reelgraph_stores::sql::open_feedback(&spec).await.unwrap();
        record_all(
            store.as_ref(),
            &[
                (
                    V1,
                    &[(3, Signal::Like), (4, Signal::Like), (9, Signal::Dislike)],
                ),
                (V2, &[(5, Signal::Skip), (100_000, Signal::Like)]),
            ],
            1_700_000_000_000,
        )
        .await;
    });
    let r = env.run(&config, request("first", true), LONG).unwrap();
    let Response::Published {
        job,
        version,
        loaded,
    } = r
    else {
        panic!("not published in one long invocation: {r:?}")
    };
    assert_eq!(
        report(&env, version)["feedback"],
        json!({"visitors": 2, "visitors_used": 1, "signals": 5, "likes": 2, "dislikes": 1,
               "skips": 1, "unknown_movies": 1}),
        "the report counts the feedback the job trained on"
    );
    assert_eq!((job.as_str(), loaded), ("first", true));

    // The version, read and verified by the artifact reader.
    let models = env.models();
    let bundle = env
        .rt
        .block_on(artifact::read_version(models.as_ref(), None))
        .unwrap();
    assert_eq!(bundle.manifest.version, version, "`latest` names it");
    assert_eq!(bundle.manifest.count, 150);
    assert_eq!(bundle.manifest.dimension, 16);
    assert_eq!(bundle.manifest.dataset.name, "synth");
    assert_eq!(bundle.manifest.dataset.interactions, 6000);
    assert!(bundle.manifest.metrics["test"]["hr@10"].as_f64().unwrap() > 0.0);

    // Services mode: loaded and active in the metadata store.
    let active = env.rt.block_on(async {
        let meta = reelgraph_stores::sql::open(&db.parse().unwrap())
            .await
            .unwrap();
        meta.active_version().await.unwrap()
    });
    assert_eq!(active.map(|a| a.version), Some(version));

    // The record; invoking a published job again does nothing new.
    let rec = env.record("first");
    assert_eq!(
        (rec.version, rec.loaded, rec.invocations),
        (Some(version), true, 1)
    );
    assert_eq!(rec.settings.epochs, Some(3));
    let again = env.run(&config, request("first", false), LONG).unwrap();
    assert_eq!(
        again,
        Response::Published {
            job: "first".into(),
            version,
            loaded: true
        }
    );
    assert_eq!(
        env.rt
            .block_on(artifact::latest_version(models.as_ref()))
            .unwrap(),
        version
    );

    // A job keeps its dataset and settings: other ones are refused, naming the field.
    let e = env
        .run(
            &config,
            Invocation::Request(Request {
                job: Some("first".into()),
                settings: Some(json!({"epochs": 4})),
                dataset: None,
            }),
            LONG,
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("settings: job first was started with"), "{e}");
    let e = env
        .run(
            &config,
            Invocation::Request(Request {
                job: Some("new".into()),
                settings: Some(json!({"epochs": "many"})),
                dataset: None,
            }),
            LONG,
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("settings.epochs: invalid type"), "{e}");
    // A scheduled event with no default dataset configured.
    let e = env
        .run(
            &config,
            Invocation::Scheduled {
                event_id: Some("ev-1".into()),
            },
            LONG,
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("dataset: none given"), "{e}");
}

#[test]
fn a_run_cut_by_its_deadline_continues_to_the_same_vectors() {
    let _rng = crate::training();
    let env = Env::new();
    // Self-contained: the visitors' feedback under the model root, as the
    // recommend function keeps it. Marks that arrive while the cut job runs
    // are not part of it: its later invocations train on the copy the
    // checkpoint holds.
    let prefix = format!("{MODELS}/feedback");
    let config = JobConfig {
        feedback: Some(prefix.parse().unwrap()),
        ..env.config()
    };
    put_feedback(
        &env,
        &prefix,
        &[
            (
                V1,
                &[
                    (1, Signal::Like),
                    (2, Signal::Like),
                    (7, Signal::Dislike),
                    (8, Signal::Dislike),
                ],
            ),
            (
                V2,
                &[
                    (2, Signal::Like),
                    (3, Signal::Like),
                    (4, Signal::Like),
                    (1, Signal::Dislike),
                ],
            ),
        ],
        1_700_000_000_000,
    );

    let t = Instant::now();
    let uncut = env.run(&config, request("uncut", true), LONG).unwrap();
    let whole = t.elapsed();
    let Response::Published {
        version: uncut_version,
        ..
    } = uncut
    else {
        panic!("{uncut:?}")
    };

    // Invocations of a quarter of the uncut run's time: the deadline
    // (margin 0 here) stops each one part way, the next continues.
    let budget = whole / 4;
    let mut continues = 0;
    let mut inv = request("cut", true);
    let cut_version = loop {
        match env.run(&config, inv, budget).unwrap() {
            Response::Continue { job } => {
                assert_eq!(job, "cut");
                continues += 1;
                let rec = env.record("cut");
                assert_eq!(rec.invocations, continues);
                assert_eq!(
                    rec.checkpoint.as_deref(),
                    Some(format!("jobs/cut/checkpoint/{continues:04}/").as_str())
                );
                assert!(continues < 200, "no progress in {budget:?} invocations");
                if continues == 1 {
                    put_feedback(
                        &env,
                        &prefix,
                        &[(
                            V3,
                            &[(5, Signal::Like), (6, Signal::Like), (1, Signal::Dislike)],
                        )],
                        1_800_000_000_000,
                    );
                }
                inv = request("cut", false);
            }
            Response::Published { version, .. } => break version,
        }
    };
    assert!(
        continues >= 1,
        "invocations of {budget:?} (the uncut run took {whole:?}) were never cut"
    );
    assert_ne!(cut_version, uncut_version);
    let used = json!({"visitors": 2, "visitors_used": 2, "signals": 8, "likes": 5,
                      "dislikes": 3, "skips": 0, "unknown_movies": 0});
    assert_eq!(report(&env, uncut_version)["feedback"], used);
    assert_eq!(
        report(&env, cut_version)["feedback"],
        used,
        "the cut job trains on the feedback of its start"
    );
    assert_eq!(env.record("cut").invocations, continues + 1);
    assert!(
        env.vectors(cut_version) == env.vectors(uncut_version),
        "a run cut {continues} times published other vectors than the uncut run"
    );
}

#[test]
fn checkpoints_are_kept_under_the_job_in_the_model_root() {
    // What the cut run leaves: every file of the trainer's checkpoint.
    let _rng = crate::training();
    let env = Env::new();
    let config = env.config();
    let r = env
        .run(&config, request("tiny", true), Duration::ZERO)
        .unwrap();
    assert_eq!(r, Response::Continue { job: "tiny".into() });
    let keys = env.rt.block_on(env.models().list("jobs/tiny/")).unwrap();
    let names: Vec<&str> = keys.iter().map(|k| k.rsplit('/').next().unwrap()).collect();
    for f in [
        "best.bpk",
        "job.json",
        "model.bpk",
        "optim.bpk",
        "state.json",
    ] {
        assert!(names.contains(&f), "{f} missing from {keys:?}");
    }
    let state: serde_json::Value = serde_json::from_slice(
        &env.rt
            .block_on(env.models().get("jobs/tiny/checkpoint/0001/state.json"))
            .unwrap(),
    )
    .unwrap();
    // A deadline already passed: one step, then the checkpoint.
    assert_eq!(
        (state["epoch"].as_u64(), state["step"].as_u64()),
        (Some(0), Some(1))
    );
}

const SERVICES_TEST: &str = "job::job_loads_into_milvus_and_mysql";

#[test]
fn job_loads_into_milvus_and_mysql() {
    // Services mode on real services: Milvus Lite under a unique namespace,
    // a uniquely named MariaDB database (created and dropped here).
    let milvus = service_url("REELGRAPH_TEST_MILVUS_LITE", SERVICES_TEST);
    let mysql = service_url("REELGRAPH_TEST_MYSQL", SERVICES_TEST);
    let (Some(milvus), Some(mysql)) = (milvus, mysql) else {
        return;
    };
    let _rng = crate::training();
    let env = Env::new();
    let unique = format!(
        "{}_{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000_000
    );
    let namespace = format!("t{unique}_job_");
    let db_name = format!("reelgraph_test_job_{unique}");
    let admin = env.rt.block_on(MySqlStore::connect(&mysql)).unwrap();
    // A database name cannot be a bound parameter; it is generated above.
    env.rt
        .block_on(
            admin
                .pool()
                .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{db_name}`"))),
        )
        .unwrap();
    let db_url = format!("{}/{db_name}", mysql.trim_end_matches('/'));
    let config = JobConfig {
        load: Some(LoadTarget {
            vectors: milvus.parse().unwrap(),
            db: db_url.parse().unwrap(),
            token: None,
            namespace: Some(namespace.clone()),
        }),
        ..env.config()
    };
    let result = env.run(&config, request("services", true), LONG);
    let milvus_store = env.rt.block_on(async {
        MilvusStore::connect(&milvus.parse().unwrap(), None)
            .await
            .unwrap()
            .with_namespace(&namespace)
            .unwrap()
    });
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let Response::Published {
            version, loaded, ..
        } = result.as_ref().unwrap()
        else {
            panic!("{result:?}")
        };
        assert!(*loaded);
        assert_eq!(
            env.rt.block_on(milvus_store.active_version()).unwrap(),
            Some(*version)
        );
        let active = env.rt.block_on(async {
            let meta = reelgraph_stores::sql::open(&db_url.parse().unwrap())
                .await
                .unwrap();
            meta.active_version().await.unwrap()
        });
        assert_eq!(active.map(|a| a.version), Some(*version));
        *version
    }));
    // Clean up whatever happened.
    if let Ok(Response::Published { version, .. }) = &result {
        env.rt
            .block_on(milvus_store.drop_version(*version))
            .unwrap();
    }
    env.rt
        .block_on(
            admin
                .pool()
                .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{db_name}`"))),
        )
        .unwrap();
    if let Err(e) = checked {
        std::panic::resume_unwind(e);
    }
}
