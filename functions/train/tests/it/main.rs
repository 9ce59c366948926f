//! The trainer function as Lambda runs it: the built `train` binary is
//! started with the variables Lambda sets, against a Lambda Runtime API
//! served in process (as `api/benches/cold_start.rs` does for the serving
//! functions), with its model root and a generated dataset on a local S3
//! server (the test kit's s3s-fs over HTTP). It gets the scheduled event of
//! `events/train/` with a deadline already due (it trains one step,
//! checkpoints to S3 and answers `continue`), then the state machine's
//! `{"job": ID}` (it resumes and publishes a version the artifact reader
//! verifies). Also: every event of `events/train/` is a payload the function
//! reads, and `template.yaml`'s trainer entries agree with the function.
//!
//! `REELGRAPH_TRAIN_FUNCTION=PATH` runs another build of the function (the
//! `bootstrap` of `sam build`, as `infra/sam-build.sh` does).

mod cloud_loop;
mod runtime;

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use reelgraph_core::artifact;
use reelgraph_core::object::ObjectStore;
use reelgraph_core::object::s3::S3Store;
use reelgraph_testkit::s3;
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::job::{Invocation, Response};
use runtime::{TrainFunction, event, events_dir};

/// How long the function has to answer.
const WITHIN: Duration = Duration::from_secs(300);

/// A generated dataset (300 users × 12 interactions over 120 items) as files.
fn dataset() -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        users: 300,
        items: 120,
        per_user: 12,
        clusters: 5,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    synthetic::write_generic(dir.path(), &movies, &xs).unwrap();
    std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_function_continues_a_scheduled_job_to_a_published_version() {
    let s3_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(s3_root.path().join("bucket")).unwrap();
    let endpoint = s3::serve(
        std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
        s3_root.path(),
    );
    let client = s3::client(&endpoint);
    let data = S3Store::new(client.clone(), "s3://bucket/data/synth").unwrap();
    for (name, body) in dataset() {
        data.put(&name, Bytes::from(body)).await.unwrap();
    }
    let models = S3Store::new(client, "s3://bucket/models").unwrap();

    let mut function = TrainFunction::start(
        &[
            s3::env(&endpoint),
            vec![
                // As template.yaml sets them in self-contained mode.
                ("REELGRAPH_MODE", "self-contained".into()),
                ("REELGRAPH_VECTORS", "embedded".into()),
                ("REELGRAPH_MODELS", "s3://bucket/models".into()),
                ("REELGRAPH_DATA", "s3://bucket/data/synth".into()),
                (
                    "REELGRAPH_TRAIN_SETTINGS",
                    r#"{"epochs": 2, "dim": 16, "batch_size": 128, "no_baselines": true}"#.into(),
                ),
                ("REELGRAPH_TRAIN_MARGIN_S", "0".into()),
            ],
        ]
        .concat(),
    )
    .await;
    function.invoke(event("scheduled"), Duration::ZERO);

    // The scheduled event, due at once: one step, a checkpoint, `continue`.
    let Response::Continue { job } = function.answer(WITHIN).await else {
        panic!("a due invocation must continue")
    };
    assert_eq!(job, "scheduled-53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa");
    let keys = models
        .list(&format!("jobs/{job}/checkpoint/0001/"))
        .await
        .unwrap();
    assert!(
        keys.iter().any(|k| k.ends_with("/state.json")),
        "checkpoint in S3: {keys:?}"
    );
    // The state machine's next invocation: resumes and publishes.
    function.invoke(serde_json::json!({"job": job}), Duration::from_secs(600));
    let published = function.answer(WITHIN).await;
    let Response::Published {
        job: j2,
        version,
        loaded,
    } = published
    else {
        panic!("{published:?}")
    };
    assert_eq!((j2.as_str(), loaded), (job.as_str(), false));
    let log = function.stop();
    assert!(log.contains("trainer ready"), "{log}");

    let bundle = artifact::read_version(&models, None).await.unwrap();
    assert_eq!(bundle.manifest.version, version);
    assert_eq!(
        (bundle.manifest.count, bundle.manifest.dimension),
        (120, 16)
    );
    assert_eq!(bundle.manifest.dataset.name, "synth");
    let record: serde_json::Value =
        serde_json::from_slice(&models.get(&format!("jobs/{job}/job.json")).await.unwrap())
            .unwrap();
    assert_eq!(record["invocations"], 2);
    assert_eq!(record["version"], version);
    assert_eq!(record["dataset"], "s3://bucket/data/synth");
}

#[test]
fn every_event_is_a_payload_the_function_reads() {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["continue.json", "on-demand.json", "scheduled.json"]);
    assert!(matches!(
        Invocation::parse(&event("scheduled")).unwrap(),
        Invocation::Scheduled { event_id: Some(_) }
    ));
    for name in ["on-demand", "continue"] {
        let Invocation::Request(r) = Invocation::parse(&event(name)).unwrap() else {
            panic!("{name}")
        };
        assert_eq!(r.job.as_deref(), Some("on-demand-1"), "{name}");
    }
}

#[test]
fn the_template_builds_and_loops_this_function() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    let t = std::fs::read_to_string(path).unwrap();
    // A resource's lines: its name, then everything indented below it.
    let section = |start: &str| -> String {
        let from = t.find(start).unwrap_or_else(|| panic!("{start} missing")) + 1;
        t[from..]
            .lines()
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.is_empty() || l.starts_with("   "))
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let f = section("\n  TrainFunction:");
    assert!(f.contains("Binary: train"), "{f}");
    assert!(f.contains("MemorySize: !Ref TrainMemorySize"), "{f}");
    assert!(f.contains("Timeout: !Ref TrainTimeout"), "{f}");
    assert!(f.contains("REELGRAPH_TRAIN_MARGIN_S"), "{f}");
    // The loop's Choice matches the answers' serialisation.
    let sm = section("\n  TrainStateMachine:");
    let cont = serde_json::to_value(Response::Continue { job: "j".into() }).unwrap();
    let published = serde_json::to_value(Response::Published {
        job: "j".into(),
        version: 1,
        loaded: false,
    })
    .unwrap();
    for status in [&cont["status"], &published["status"]] {
        let status = status.as_str().unwrap();
        assert!(sm.contains(&format!("StringEquals: {status}")), "{sm}");
    }
    assert!(sm.contains("job.$: $.job"), "{sm}");
    for output in ["TrainFunctionName:", "TrainStateMachineArn:"] {
        assert!(t.contains(&format!("\n  {output}")), "output {output}");
    }
}
