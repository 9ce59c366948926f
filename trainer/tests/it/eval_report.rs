//! The report: JSON schema, Markdown table, and the two SVGs (validated by
//! parsing them as XML).

use quick_xml::Reader;
use quick_xml::events::Event;
use reelgraph_trainer::data::Split;
use reelgraph_trainer::evaluate::{EvalSplit, Metrics};
use reelgraph_trainer::report::{
    EmbeddingMap, EpochPoint, Report, ReportFiles, pca_2d, training_curve_svg, write_all,
};

fn split() -> Split {
    Split {
        item_ids: vec![1, 2, 3, 4],
        user_ids: vec![7, 8],
        train: vec![vec![0, 1], vec![2]],
        train_times: vec![vec![1, 2], vec![1]],
        val: vec![Some(2), Some(3)],
        test: vec![Some(3), Some(0)],
        disliked: vec![],
    }
}

fn metrics(x: f64) -> Metrics {
    Metrics {
        hr10: x,
        ndcg10: x / 2.0,
        mrr: x / 3.0,
        recall20: x * 1.5,
        coverage10: 0.25,
        users: 2,
    }
}

/// Element names (with counts) and all text of an XML document; panics if
/// it does not parse or is not well-formed.
fn parse_xml(xml: &str) -> (std::collections::BTreeMap<String, usize>, String) {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut names = std::collections::BTreeMap::new();
    let mut text = String::new();
    let mut depth = 0i32;
    let mut root = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let n = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if depth == 0 {
                    root.get_or_insert(n.clone());
                }
                depth += 1;
                *names.entry(n).or_insert(0) += 1;
            }
            Event::Empty(e) => {
                let n = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                *names.entry(n).or_insert(0) += 1;
            }
            Event::End(_) => depth -= 1,
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => {
                text.push_str(&format!("&{};", String::from_utf8_lossy(&r)));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(root.as_deref(), Some("svg"));
    (names, text)
}

#[test]
fn json_has_exactly_the_schema() {
    let mut r = Report::new("tiny", &split());
    r.train_seconds = 1.5;
    r.push_pair("pinsage", "history", metrics(0.2), metrics(0.4));
    r.push("popularity", "-", EvalSplit::Test, metrics(0.1));
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["dataset", "results", "split", "train_seconds"]);
    assert_eq!(
        v["dataset"],
        serde_json::json!({"name": "tiny", "users": 2, "items": 4, "interactions": 7})
    );
    assert_eq!(
        v["split"],
        serde_json::json!({"train": 3, "val": 2, "test": 2})
    );
    assert_eq!(v["train_seconds"], 1.5);
    let rows = v["results"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        keys(&rows[0]),
        [
            "coverage@10",
            "hr@10",
            "model",
            "mrr",
            "ndcg@10",
            "recall@20",
            "recommender",
            "split"
        ]
    );
    assert_eq!(rows[1]["model"], "pinsage");
    assert_eq!(rows[1]["recommender"], "history");
    assert_eq!(rows[1]["split"], "test");
    assert_eq!(rows[1]["hr@10"], 0.4);
    assert_eq!(rows[1]["recall@20"], 0.4 * 1.5);
    assert_eq!(rows[2]["recommender"], "-");
    // round trip
    let back: Report = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back.results[1].metrics.hr10, 0.4);
    assert_eq!(
        back.get("pinsage", "history", EvalSplit::Val).unwrap().hr10,
        0.2
    );
}

#[test]
fn markdown_table_lists_every_row() {
    let mut r = Report::new("tiny", &split());
    r.push_pair("ease", "recency", metrics(0.2), metrics(0.4));
    r.notes
        .push("ease / recency (λ=100, decay=0.9): 1.00 s".into());
    let md = r.to_markdown();
    assert!(md.contains(
        "| model | recommender | split | HR@10 | NDCG@10 | MRR | Recall@20 | Coverage@10 |"
    ));
    assert!(
        md.contains("| ease | recency | test | 0.4000 | 0.2000 | 0.1333 | 0.6000 | 0.2500 |"),
        "{md}"
    );
    assert!(md.contains("| ease | recency | val | 0.2000 |"));
    let test_only = r.table(&[EvalSplit::Test]);
    assert_eq!(
        test_only,
        "| model | recommender | split | HR@10 | NDCG@10 | MRR | Recall@20 | Coverage@10 |\n\
         |---|---|---|---:|---:|---:|---:|---:|\n\
         | ease | recency | test | 0.4000 | 0.2000 | 0.1333 | 0.6000 | 0.2500 |\n"
    );
    assert!(md.contains(&r.table(&[EvalSplit::Test, EvalSplit::Val])));
    assert!(md.contains("λ=100"));
}

#[test]
fn training_curve_svg_parses_and_has_both_series() {
    let epochs: Vec<EpochPoint> = (1..=5)
        .map(|e| EpochPoint {
            epoch: e,
            loss: 1.0 / e as f64,
            val_hr10: 0.05 * e as f64,
        })
        .collect();
    let svg = training_curve_svg("run <1> & co", &epochs);
    let (names, text) = parse_xml(&svg);
    assert_eq!(names["polyline"], 2);
    assert_eq!(names["circle"], 10);
    assert!(text.contains("training loss") && text.contains("validation HR@10"));
    assert!(text.contains("&lt;1&gt;") || text.contains("<1>"), "{text}");
    // empty and single-epoch curves are still valid documents
    parse_xml(&training_curve_svg("empty", &[]));
    let (names, _) = parse_xml(&training_curve_svg("one", &epochs[..1]));
    assert_eq!(names["circle"], 2);
}

#[test]
fn pca_finds_the_main_axis() {
    // points along (1, 1, 0), each twice with z = ±0.1 (uncorrelated with t):
    // PC1 = (1, 1, 0)/√2 with projection ±t√2, PC2 = (0, 0, 1) with ±0.1
    let mut v = Vec::new();
    for t in -25..=25 {
        let t = t as f32;
        v.extend_from_slice(&[t, t, 0.1, t, t, -0.1]);
    }
    let p = pca_2d(&v, 3);
    assert_eq!(p.len(), 102);
    for (i, q) in p.iter().enumerate() {
        let t = (i / 2) as f64 - 25.0;
        assert!(
            (q[0].abs() - t.abs() * 2f64.sqrt()).abs() < 1e-4,
            "{i}: {q:?}"
        );
        assert!((q[1].abs() - 0.1).abs() < 1e-6, "{i}: {q:?}");
    }
    // the sign convention makes the result deterministic
    assert_eq!(p, pca_2d(&v, 3));
}

#[test]
fn write_all_writes_four_valid_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Report::new("tiny", &split());
    r.push_pair("pinsage", "history", metrics(0.2), metrics(0.4));
    let epochs = [EpochPoint {
        epoch: 1,
        loss: 0.5,
        val_hr10: 0.1,
    }];
    let vectors = [1.0f32, 0.0, 0.0, 1.0, 0.5, 0.5, -1.0, 0.2];
    let labels: Vec<String> = ["Drama", "Comedy", "Drama", "Children's"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let map = EmbeddingMap {
        vectors: &vectors,
        dim: 2,
        labels: &labels,
    };
    let files = write_all(&dir.path().join("out/run.json"), &r, &epochs, &map).unwrap();
    assert_eq!(
        files,
        ReportFiles::for_path(&dir.path().join("out/run.json"))
    );
    assert!(files.markdown.ends_with("out/run.md"));
    assert!(files.curve_svg.ends_with("out/run.curve.svg"));
    assert!(files.map_svg.ends_with("out/run.embeddings.svg"));
    let json: Report =
        serde_json::from_str(&std::fs::read_to_string(&files.json).unwrap()).unwrap();
    assert_eq!(json.results.len(), 2);
    assert!(
        std::fs::read_to_string(&files.markdown)
            .unwrap()
            .contains("| pinsage |")
    );
    parse_xml(&std::fs::read_to_string(&files.curve_svg).unwrap());
    let (names, text) = parse_xml(&std::fs::read_to_string(&files.map_svg).unwrap());
    // 4 points + 3 legend markers
    assert_eq!(names["circle"], 7);
    assert!(text.contains("Drama (2)"), "{text}");
    assert!(
        text.contains("Children&apos;s (1)") || text.contains("Children's (1)"),
        "{text}"
    );

    // a directory gets the fixed names
    let d2 = dir.path().join("dir");
    std::fs::create_dir(&d2).unwrap();
    let files = write_all(&d2, &r, &[], &map).unwrap();
    assert_eq!(files.json, d2.join("report.json"));
    for p in [
        &files.json,
        &files.markdown,
        &files.curve_svg,
        &files.map_svg,
    ] {
        assert!(p.is_file(), "{}", p.display());
    }
}

#[test]
fn best_baseline_and_the_comparison_with_pinsage() {
    let m = |hr: f64, ndcg: f64| Metrics {
        hr10: hr,
        ndcg10: ndcg,
        ..metrics(0.0)
    };
    let mut r = Report::new("tiny", &split());
    assert_eq!(r.best_baseline(EvalSplit::Test), None);
    assert!(
        !r.pinsage_above_every_baseline(EvalSplit::Test),
        "no PinSAGE row"
    );
    r.push_pair("pinsage", "history", m(0.15, 0.09), m(0.20, 0.10));
    // PinSAGE rows other than history are not baselines.
    r.push_pair("pinsage", "latest-item", m(0.50, 0.50), m(0.50, 0.50));
    assert_eq!(r.best_baseline(EvalSplit::Test), None);
    assert!(
        r.pinsage_above_every_baseline(EvalSplit::Test),
        "no baseline to beat"
    );
    r.push_pair("popularity", "-", m(0.08, 0.04), m(0.09, 0.05));
    r.push_pair("ease", "history", m(0.12, 0.06), m(0.15, 0.07));
    // Equal HR@10: the higher NDCG@10 wins; a full tie keeps the earlier row.
    r.push_pair("ease", "recency", m(0.16, 0.08), m(0.18, 0.09));
    r.push_pair("itemknn", "recency", m(0.16, 0.085), m(0.18, 0.09));
    assert_eq!(
        r.best_baseline(EvalSplit::Test),
        Some(("ease / recency".to_string(), m(0.18, 0.09)))
    );
    assert_eq!(
        r.best_baseline(EvalSplit::Val),
        Some(("itemknn / recency".to_string(), m(0.16, 0.085)))
    );
    // Test: .20/.10 beats .18/.09 and every other row. Val: .15 < .16.
    assert!(r.pinsage_above_every_baseline(EvalSplit::Test));
    assert!(!r.pinsage_above_every_baseline(EvalSplit::Val));
    // Higher HR@10 but lower NDCG@10 than one baseline is not "above".
    r.push("itemknn", "history", EvalSplit::Test, m(0.10, 0.11));
    assert!(!r.pinsage_above_every_baseline(EvalSplit::Test));
}
