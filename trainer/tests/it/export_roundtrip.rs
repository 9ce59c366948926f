//! Export → import round trip through the object store, with checksums; a
//! corrupted or truncated file is refused.

use burn::prelude::*;
use bytes::Bytes;
use reelgraph_core::artifact::{DatasetInfo, read_version};
use reelgraph_core::object::{LocalDir, ObjectStore};
use reelgraph_core::types::Movie;
use reelgraph_trainer::export::{self, Export};
use reelgraph_trainer::infer::embed_all;
use reelgraph_trainer::model::{FeatureTensors, ItemFeatures, ModelConfig};
use reelgraph_trainer::sampler::Neighbourhoods;
use reelgraph_trainer::train::load_model;

fn movies() -> Vec<Movie> {
    (1..=5)
        .map(|id| Movie {
            id,
            title: format!("Movie number {id}"),
            display_title: format!("Movie number {id}"),
            year: Some(1990 + id as u16),
            genres: vec![if id % 2 == 0 { "Drama" } else { "Comedy" }.into()],
            popularity: id * 3,
            ..Movie::default()
        })
        .collect()
}

// The guard is held across awaits on purpose: this test is the only task of
// its single-threaded runtime, and its model may draw from burn's generator
// until the end (see `crate::DEVICE_RNG`).
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn export_import_round_trip_and_corruption_is_refused() {
    let _rng = crate::own_model_init();
    let device = Device::flex();
    device.seed(1);
    let movies = movies();
    let cfg = ModelConfig::for_catalogue(&movies, 8);
    let model = cfg.init(&device);
    let nbrs = Neighbourhoods::from_lists(
        vec![
            vec![(1, 1.0)],
            vec![(0, 0.5), (2, 0.5)],
            vec![],
            vec![(4, 1.0)],
            vec![(3, 1.0)],
        ],
        2,
    );
    let feats = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &device);
    let vectors = embed_all(&model, &feats, &nbrs);
    let checkpoint = model.clone().into_record().into_bytes().unwrap().to_vec();

    let dir = tempfile::tempdir().unwrap();
    let store = LocalDir::new(dir.path());
    let export_once = |extra: Vec<(String, Bytes)>| Export {
        model: "pinsage",
        vectors: &vectors,
        dim: 8,
        movies: &movies,
        model_config: &cfg,
        checkpoint: &checkpoint,
        extra,
        dataset: DatasetInfo {
            name: "tiny".into(),
            fingerprint: "abc".into(),
            users: 3,
            items: 5,
            interactions: 9,
        },
        metrics: serde_json::json!({"hr@10": 0.5}),
    };
    let m1 = export::export(
        &store,
        export_once(vec![("report.json".into(), Bytes::from_static(b"{}"))]),
    )
    .await
    .unwrap();
    assert_eq!((m1.count, m1.dimension, m1.metric.as_str()), (5, 8, "IP"));
    for f in [
        "vectors.npy",
        "items.jsonl",
        "model.bpk",
        "model.json",
        "report.json",
    ] {
        assert!(m1.files.contains_key(f), "{f} missing from the manifest");
    }
    let (bundle, cfg_back) = export::import(&store, None).await.unwrap();
    assert_eq!(bundle.manifest, m1);
    assert_eq!(bundle.vectors, vectors);
    assert_eq!(bundle.items, movies);
    assert_eq!(cfg_back, cfg);
    // the checkpoint reloads into the same model: same vectors again
    let back = load_model(&cfg_back, &bundle.files["model.bpk"], &device).unwrap();
    assert_eq!(embed_all(&back, &feats, &nbrs), vectors);

    // a second export is a newer version and `latest` follows it
    let m2 = export::export(&store, export_once(vec![])).await.unwrap();
    assert!(m2.version > m1.version);
    assert_eq!(
        export::import(&store, None)
            .await
            .unwrap()
            .0
            .manifest
            .version,
        m2.version
    );
    // the older version is still readable
    assert_eq!(
        export::import(&store, Some(m1.version))
            .await
            .unwrap()
            .0
            .manifest
            .version,
        m1.version
    );

    // corrupt one byte of the vectors: refused, naming the file
    let key = format!("v{}/vectors.npy", m2.version);
    let mut raw = store.get(&key).await.unwrap().to_vec();
    let last = raw.len() - 1;
    raw[last] ^= 0x01;
    store.put(&key, Bytes::from(raw.clone())).await.unwrap();
    let err = read_version(&store, None).await.unwrap_err().to_string();
    assert!(
        err.contains("vectors.npy") && err.contains("SHA-256"),
        "{err}"
    );
    // truncated: refused on size
    store
        .put(&key, Bytes::from(raw[..last].to_vec()))
        .await
        .unwrap();
    let err = export::import(&store, None).await.unwrap_err().to_string();
    assert!(err.contains("size"), "{err}");
    // a deleted file listed in the manifest: refused
    std::fs::remove_file(dir.path().join(format!("v{}/items.jsonl", m1.version))).unwrap();
    let err = export::import(&store, Some(m1.version))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing"), "{err}");
}
