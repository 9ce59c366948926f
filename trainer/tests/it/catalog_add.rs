//! `catalog add`: new movies embedded by a published version's model and
//! published as a new version (the same weights, the old rows bit for bit,
//! the new rows equal to the inductive path's feature-only vectors), and
//! every refusal — an id the version holds, a repeated id, a line that
//! cannot be read — names the line and writes nothing.

use burn::prelude::*;
use bytes::Bytes;
use reelgraph_core::artifact::{self, DatasetInfo};
use reelgraph_core::object::{LocalDir, ObjectStore};
use reelgraph_core::types::Movie;
use reelgraph_trainer::catalog::{self, Added, CATALOG_ADDED};
use reelgraph_trainer::export::{self, CHECKPOINT, Export};
use reelgraph_trainer::infer::{embed_all, embed_new};
use reelgraph_trainer::model::{FeatureTensors, ItemFeatures, ModelConfig, PinSage};
use reelgraph_trainer::sampler::Neighbourhoods;

const DIM: usize = 8;

fn movie(id: u32, title: &str, genres: &[&str], year: u16) -> Movie {
    Movie {
        id,
        title: title.into(),
        display_title: title.into(),
        year: Some(year),
        genres: genres.iter().map(|g| g.to_string()).collect(),
        popularity: 10 - id,
        ..Movie::default()
    }
}

fn catalogue() -> Vec<Movie> {
    vec![
        movie(1, "Toy Story", &["Animation", "Comedy"], 1995),
        movie(2, "Heat", &["Action", "Crime"], 1995),
        movie(3, "Casino", &["Crime", "Drama"], 1995),
        movie(4, "Sabrina", &["Comedy", "Romance"], 1995),
        movie(5, "GoldenEye", &["Action", "Thriller"], 1995),
    ]
}

/// A version of [`catalogue`] with a model of its own, published to `store`.
struct Base {
    model: PinSage,
    cfg: ModelConfig,
    nbrs: Neighbourhoods,
    vectors: Vec<f32>,
    checkpoint: Vec<u8>,
    version: u64,
}

async fn publish_base(store: &dyn ObjectStore) -> Base {
    let device = Device::flex();
    device.seed(7);
    let movies = catalogue();
    let cfg = ModelConfig::for_catalogue(&movies, DIM);
    let model = cfg.init(&device);
    let nbrs = Neighbourhoods::from_lists(
        vec![
            vec![(3, 1.0)],
            vec![(2, 0.6), (4, 0.4)],
            vec![(1, 1.0)],
            vec![(0, 1.0)],
            vec![(1, 1.0)],
        ],
        2,
    );
    let feats = FeatureTensors::new(&cfg, &ItemFeatures::new(&cfg, &movies), &device);
    let vectors = embed_all(&model, &feats, &nbrs);
    let checkpoint = model.clone().into_record().into_bytes().unwrap().to_vec();
    let m = export::export(
        store,
        Export {
            model: "pinsage",
            vectors: &vectors,
            dim: DIM,
            movies: &movies,
            model_config: &cfg,
            checkpoint: &checkpoint,
            extra: vec![("report.json".into(), Bytes::from_static(b"{\"rows\": []}"))],
            dataset: DatasetInfo {
                name: "tiny".into(),
                fingerprint: "f00d".into(),
                users: 4,
                items: 5,
                interactions: 12,
            },
            metrics: serde_json::json!({"hr@10": 0.5}),
        },
    )
    .await
    .unwrap();
    Base {
        model,
        cfg,
        nbrs,
        vectors,
        checkpoint,
        version: m.version,
    }
}

const NEW: &str = r#"{"id": 10, "title": "Arrival", "year": 2016, "genres": ["Drama", "Sci-Fi"], "director": "Denis Villeneuve", "actors": ["Amy Adams"], "poster": "https://m.media-amazon.com/images/M/arrival.jpg"}

{"id": 11, "title": "Heat, The", "year": 1996, "genres": ["Action", "Crime"]}
"#;

/// The version dirs and `latest` of a model root.
async fn state(store: &dyn ObjectStore) -> (Vec<String>, u64) {
    let mut keys = store.list("").await.unwrap();
    keys.sort();
    (keys, artifact::latest_version(store).await.unwrap())
}

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * x.abs().max(1.0), "{a:?}\n{b:?}");
    }
}

// The guard is held across awaits on purpose: this test is the only task of
// its single-threaded runtime, and its model draws from burn's generator
// (see `crate::DEVICE_RNG`).
#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn new_movies_are_embedded_and_published_as_a_new_version() {
    let _rng = crate::own_model_init();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDir::new(dir.path());
    let base = publish_base(&store).await;

    let new = catalog::parse_new_movies(NEW).unwrap();
    assert_eq!(
        new.iter()
            .map(|(line, m)| (*line, m.id))
            .collect::<Vec<_>>(),
        [(1, 10), (3, 11)]
    );
    assert_eq!(new[1].1.display_title, "The Heat");
    let m = catalog::add(&store, None, &new).await.unwrap();
    assert!(m.version > base.version);
    assert_eq!(artifact::latest_version(&store).await.unwrap(), m.version);
    assert_eq!((m.count, m.dimension), (7, DIM));

    let (bundle, cfg) = export::import(&store, None).await.unwrap();
    assert_eq!(cfg, base.cfg, "the same model configuration");
    assert_eq!(bundle.files[CHECKPOINT].as_ref(), &base.checkpoint[..]);
    assert_eq!(bundle.files["report.json"].as_ref(), b"{\"rows\": []}");
    assert_eq!(bundle.manifest.dataset.name, "tiny");
    let added: Added = serde_json::from_slice(&bundle.files[CATALOG_ADDED]).unwrap();
    assert_eq!(
        added,
        Added {
            from_version: base.version,
            added: vec![10, 11]
        }
    );
    // The old rows, bit for bit; the new ones after them, in file order.
    assert_eq!(bundle.vectors[..5 * DIM], base.vectors[..]);
    let ids: Vec<u32> = bundle.items.iter().map(|m| m.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 10, 11]);
    assert_eq!(
        bundle.items[5].director.as_deref(),
        Some("Denis Villeneuve")
    );
    // Each new row is the inductive path's feature-only vector.
    for (k, (_, m)) in new.iter().enumerate() {
        let want = embed_new(&base.model, &base.cfg, &catalogue(), &base.nbrs, m, &[]);
        close(&bundle.vectors[(5 + k) * DIM..(6 + k) * DIM], &want);
    }
    // Adding again, on top of the added version: the seven rows stay.
    let more = catalog::parse_new_movies(
        r#"{"id": 12, "title": "Dune", "year": 2021, "genres": ["Sci-Fi"]}"#,
    )
    .unwrap();
    let m2 = catalog::add(&store, None, &more).await.unwrap();
    let (b2, _) = export::import(&store, Some(m2.version)).await.unwrap();
    assert_eq!(b2.vectors[..7 * DIM], bundle.vectors[..]);
    assert_eq!(b2.items.len(), 8);
    let want = embed_new(
        &base.model,
        &base.cfg,
        &catalogue(),
        &base.nbrs,
        &more[0].1,
        &[],
    );
    close(&b2.vectors[7 * DIM..], &want);
    // From a named older version: its catalogue, not the latest one.
    let m3 = catalog::add(&store, Some(base.version), &more)
        .await
        .unwrap();
    let (b3, _) = export::import(&store, Some(m3.version)).await.unwrap();
    assert_eq!(b3.items.len(), 6);
    assert_eq!(b3.vectors[..5 * DIM], base.vectors[..]);
}

#[allow(clippy::await_holding_lock)]
#[tokio::test]
async fn refusals_name_the_line_and_write_nothing() {
    let _rng = crate::own_model_init();
    let dir = tempfile::tempdir().unwrap();
    let store = LocalDir::new(dir.path());
    publish_base(&store).await;
    let before = state(&store).await;

    let err = |text: &str| catalog::parse_new_movies(text).unwrap_err().to_string();
    let ok = r#"{"id": 20, "title": "A", "year": 2000, "genres": []}"#;
    assert_eq!(
        err(&format!(
            "{ok}\n{{\"id\": 20, \"title\": \"B\", \"year\": null, \"genres\": []}}"
        )),
        "line 2: id: 20 is also on line 1"
    );
    assert!(err(&format!("{ok}\n{{\"id\": 21,")).starts_with("line 2: "));
    assert_eq!(
        err(r#"{"id": 21, "year": 2000, "genres": []}"#),
        "line 1: missing field `title` at line 1 column 38"
    );
    assert!(
        err(r#"{"id": 21, "title": "A", "year": 2000, "gneres": []}"#)
            .starts_with("line 1: gneres: unknown field `gneres`"),
    );
    assert!(
        err(r#"{"id": "x", "title": "A", "year": 2000, "genres": []}"#).starts_with("line 1: id: ")
    );
    assert_eq!(
        err(r#"{"id": 0, "title": "A", "year": 2000, "genres": []}"#),
        "line 1: id: 0 is not a movie id (1 to 2^32 − 1)"
    );
    assert_eq!(
        err(r#"{"id": 21, "title": " ", "year": 2000, "genres": []}"#),
        "line 1: title: empty"
    );
    assert_eq!(
        err(r#"{"id": 21, "title": "A", "year": 2000, "genres": [], "poster": "http://x/p.jpg"}"#),
        "line 1: poster: \"http://x/p.jpg\" is not an https:// URL"
    );
    assert_eq!(
        err(&format!("{ok} {ok}")),
        format!(
            "line 1: one JSON object per line: trailing characters at line 1 column {}",
            ok.len() + 2
        )
    );
    assert_eq!(err("\n\n"), "no movies (one JSON object per line)");

    // An id the version already holds: the line, the id and the movie.
    let new = catalog::parse_new_movies(&format!(
        "{ok}\n{}",
        r#"{"id": 3, "title": "Casino Royale", "year": 2006, "genres": ["Action"]}"#
    ))
    .unwrap();
    let e = catalog::add(&store, None, &new)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("line 2: id: 3 is already in version ") && e.contains("\"Casino\""),
        "{e}"
    );
    // A version that does not exist.
    let e = catalog::add(&store, Some(1), &new[..1])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("v1/manifest.json"), "{e}");
    assert_eq!(state(&store).await, before, "nothing was written");
}
