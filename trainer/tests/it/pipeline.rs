//! The whole training job on a synthetic dataset with planted clusters:
//! report rows and files, quality above popularity, and the export to a
//! local model root and to S3 (the test kit's in-process s3s-fs server).

use std::path::Path;

use reelgraph_core::artifact;
use reelgraph_core::object::LocalDir;
use reelgraph_core::object::s3::S3Store;
use reelgraph_testkit::s3;
use reelgraph_trainer::baselines::BaselineConfig;
use reelgraph_trainer::data::synthetic::{self, SynthConfig};
use reelgraph_trainer::evaluate::EvalSplit;
use reelgraph_trainer::pipeline::{self, Finished, PipelineOptions, PipelineOutcome, REPORT_FILES};

fn dataset(dir: &Path) {
    let cfg = SynthConfig {
        users: 400,
        items: 150,
        per_user: 15,
        clusters: 6,
        ..SynthConfig::default()
    };
    let (movies, xs) = synthetic::generate(&cfg);
    synthetic::write_generic(dir, &movies, &xs).unwrap();
}

fn options(data: &Path, report: &Path) -> PipelineOptions {
    let mut o = PipelineOptions::new(data);
    o.train.epochs = 3;
    o.train.dim = 16;
    o.train.seed = 3;
    o.train.sampler.batch_size = 128;
    o.report = Some(report.to_path_buf());
    o.baselines = Some(BaselineConfig {
        ease_lambdas: vec![10.0, 100.0],
        decays: vec![1.0, 0.8, 0.5],
        sasrec: None,
    });
    o
}

fn finished(o: &PipelineOptions) -> Box<Finished> {
    match pipeline::train_and_evaluate(o).unwrap() {
        PipelineOutcome::Finished(f) => f,
        PipelineOutcome::Interrupted { .. } => panic!("not interrupted"),
    }
}

#[test]
fn trains_reports_and_exports() {
    let _rng = crate::training();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data);
    let report_path = tmp.path().join("out/report.json");
    let f = finished(&options(&data, &report_path));

    // Report rows: pinsage history + latest-item, 6 baselines; val and test each.
    let rows: Vec<(String, String, EvalSplit)> = f
        .report
        .results
        .iter()
        .map(|r| (r.model.clone(), r.recommender.clone(), r.split))
        .collect();
    let expected = [
        ("pinsage", "history"),
        ("pinsage", "latest-item"),
        ("popularity", "-"),
        ("itemknn", "history"),
        ("itemknn", "recency"),
        ("ease", "history"),
        ("ease", "recency"),
        ("transitions", "recency"),
    ];
    assert_eq!(rows.len(), expected.len() * 2, "{rows:?}");
    for (m, r) in expected {
        for s in [EvalSplit::Val, EvalSplit::Test] {
            assert!(
                f.report.get(m, r, s).is_some(),
                "missing row {m}/{r}/{s}: {rows:?}"
            );
        }
    }
    assert_eq!(f.report.dataset.users, 400);
    assert_eq!(f.report.dataset.items, 150);
    assert_eq!(f.report.dataset.interactions, 6000);
    assert_eq!(f.report.split.val, 400);
    assert_eq!(f.report.split.test, 400);
    assert_eq!(f.report.split.train, 5200);
    assert!(f.report.train_seconds > 0.0);

    // Files written where asked; the JSON has the schema.
    for p in [
        &f.report_files.json,
        &f.report_files.markdown,
        &f.report_files.curve_svg,
        &f.report_files.map_svg,
    ] {
        assert!(p.is_file(), "{} missing", p.display());
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let row = &json["results"][0];
    for key in [
        "model",
        "recommender",
        "split",
        "hr@10",
        "ndcg@10",
        "mrr",
        "recall@20",
        "coverage@10",
    ] {
        assert!(row.get(key).is_some(), "row lacks {key}: {row}");
    }
    assert_eq!(json["dataset"]["name"], "data");

    // Planted clusters: PinSAGE's history recommender must beat popularity clearly.
    let pin = f.pinsage(EvalSplit::Test).unwrap();
    let pop = f.report.get("popularity", "-", EvalSplit::Test).unwrap();
    assert!(
        pin.hr10 > pop.hr10 * 1.3,
        "PinSAGE HR@10 {} vs popularity {}",
        pin.hr10,
        pop.hr10
    );
    // Popularity counts on the exported movies are train counts.
    let total: u32 = f.movies.iter().map(|m| m.popularity).sum();
    assert_eq!(total as usize, 5200);

    // Export to a local model root, twice: two versions, `latest` the newer.
    let models = tmp.path().join("models");
    let root = LocalDir::new(&models);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m1 = rt.block_on(pipeline::export(&root, &f)).unwrap();
    let m2 = rt.block_on(pipeline::export(&root, &f)).unwrap();
    assert!(m2.version > m1.version);
    let bundle = rt.block_on(artifact::read_version(&root, None)).unwrap();
    assert_eq!(bundle.manifest.version, m2.version);
    assert_eq!(bundle.manifest.model, "pinsage");
    assert_eq!(bundle.manifest.metric, "IP");
    assert_eq!(bundle.manifest.count, 150);
    assert_eq!(bundle.manifest.dimension, 16);
    assert_eq!(bundle.manifest.dataset.interactions, 6000);
    assert_eq!(
        bundle.manifest.metrics["test"]["hr@10"],
        serde_json::json!(pin.hr10)
    );
    for name in REPORT_FILES {
        assert!(
            bundle.manifest.files.contains_key(name),
            "{name} not exported"
        );
    }
    let (vectors, rows, dim) = artifact::decode_npy(&bundle.files[artifact::VECTORS]).unwrap();
    assert_eq!((rows, dim), (150, 16));
    assert_eq!(vectors, f.vectors);
}

#[test]
fn exports_to_s3() {
    let _rng = crate::training();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    dataset(&data);
    let mut o = options(&data, &tmp.path().join("report/"));
    o.train.epochs = 1;
    o.baselines = None;
    let f = finished(&o);
    assert_eq!(
        f.report.results.len(),
        4,
        "no baseline rows with baselines off"
    );

    let s3root = tmp.path().join("s3");
    std::fs::create_dir_all(&s3root).unwrap();
    let client = s3::in_process_client(&s3root);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        client
            .create_bucket()
            .bucket("models")
            .send()
            .await
            .unwrap();
        let store = S3Store::new(client, "s3://models/reelgraph").unwrap();
        let m = pipeline::export(&store, &f).await.unwrap();
        let bundle = artifact::read_version(&store, None).await.unwrap();
        assert_eq!(bundle.manifest.version, m.version);
        assert_eq!(bundle.manifest.files.len(), m.files.len());
        assert!(bundle.manifest.files.contains_key("report.json"));
    });
    // The objects are really in the bucket's directory, under the prefix.
    assert!(s3root.join("models/reelgraph/latest").is_file());
}
