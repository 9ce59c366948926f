//! Every event of `events/` (API Gateway HTTP API v2, from `sam local
//! generate-event apigateway http-api-proxy`) through
//! `lambda_http::request::from_str` and the shared router.

use std::path::PathBuf;

use crate::support::api::*;
use tower::ServiceExt;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

async fn invoke(group: &str, name: &str) -> Answer {
    invoke_on(&router().await, group, name).await
}

/// One event through a given router (its state kept between events).
async fn invoke_on(r: &axum::Router, group: &str, name: &str) -> Answer {
    let path = events_dir().join(group).join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let req = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let r = r.clone();
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::from(body.to_vec());
    answer(
        r.oneshot(axum::http::Request::from_parts(parts, body))
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn every_event_file_is_tested() {
    let mut found = Vec::new();
    for group in ["random", "recommend", "info"] {
        for e in std::fs::read_dir(events_dir().join(group)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            found.push(format!("{group}/{}", name.trim_end_matches(".json")));
        }
    }
    found.sort();
    let mut tested: Vec<String> = TESTED.iter().map(|s| s.to_string()).collect();
    tested.sort();
    assert_eq!(found, tested);
}

const TESTED: &[&str] = &[
    "random/v1-random",
    "random/v1-genres",
    "random/getRandom",
    "recommend/v1-recommendations",
    "recommend/v1-recommendations-bad",
    "recommend/getSimilarUser",
    "recommend/v1-feedback-post",
    "recommend/v1-feedback-get",
    "recommend/v1-feedback-delete",
    "info/v1-movie",
    "info/v1-similar",
    "info/v1-poster",
    "info/v1-poster-placeholder",
    "info/v1-search",
    "info/v1-stats",
    "info/health",
    "info/ready",
    "info/openapi",
    "info/docs",
    "info/getInfo",
    "info/getImage",
    "info/countTable",
];

#[tokio::test]
async fn random_group() {
    let a = invoke("random", "v1-random").await;
    assert_eq!(a.status, 200);
    let items = a.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 8);
    assert!(items.iter().all(|m| m["genres"][0] == "Comedy"));
    let a = invoke("random", "v1-genres").await;
    assert_eq!(a.json()["genres"].as_array().unwrap().len(), 4);
    let a = invoke("random", "getRandom").await;
    assert_eq!(a.json()[0].as_object().unwrap().len(), 4);
    assert_eq!(a.json()[1], 200);
}

#[tokio::test]
async fn recommend_group() {
    let a = invoke("recommend", "v1-recommendations").await;
    assert_eq!(a.status, 200, "{}", a.text());
    let j = a.json();
    let items = j["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for m in items {
        let id = m["id"].as_u64().unwrap();
        assert!(![1, 2, 21, 11].contains(&id));
        assert!(m["because"]["id"].is_u64());
    }
    assert_eq!(j["model_version"], VERSION);
    let a = invoke("recommend", "v1-recommendations-bad").await;
    assert_error(&a, 422, Some("liked"));
    let a = invoke("recommend", "getSimilarUser").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()[0].as_object().unwrap().len(), 5);
}

#[tokio::test]
async fn feedback_events() {
    // One router: the mark is stored, listed, then forgotten.
    let r = router().await;
    let a = invoke_on(&r, "recommend", "v1-feedback-post").await;
    assert_eq!(a.status, 202, "{}", a.text());
    assert_eq!(
        (&a.json()["movie"], &a.json()["signal"]),
        (&3.into(), &"like".into())
    );
    let a = invoke_on(&r, "recommend", "v1-feedback-get").await;
    assert_eq!(a.status, 200, "{}", a.text());
    let items = a.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", a.text());
    assert_eq!(
        (&items[0]["movie"], &items[0]["signal"]),
        (&3.into(), &"like".into())
    );
    let a = invoke_on(&r, "recommend", "v1-feedback-delete").await;
    assert_eq!(a.status, 204, "{}", a.text());
    let a = invoke_on(&r, "recommend", "v1-feedback-get").await;
    assert_eq!(a.json()["items"], serde_json::json!([]));
}

#[tokio::test]
async fn info_group() {
    let a = invoke("info", "v1-movie").await;
    assert_eq!((a.status, a.json()["id"].as_u64()), (200, Some(3)));
    let a = invoke("info", "v1-similar").await;
    let items = a.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|m| m["because"]["id"] == 12));
    let a = invoke("info", "v1-poster").await;
    assert_eq!(a.status, 302);
    let a = invoke("info", "v1-poster-placeholder").await;
    assert_eq!(a.header("content-type").as_deref(), Some("image/svg+xml"));
    let a = invoke("info", "v1-search").await;
    assert_eq!(a.json()["items"][0]["id"], 12);
    let a = invoke("info", "v1-stats").await;
    assert_eq!(a.json()["movies"], 40);
    assert_eq!(invoke("info", "health").await.status, 200);
    assert_eq!(invoke("info", "ready").await.json()["status"], "ready");
    assert!(invoke("info", "openapi").await.json()["paths"].is_object());
    assert!(
        invoke("info", "docs")
            .await
            .text()
            .contains("swagger-ui-bundle.js")
    );
    let a = invoke("info", "getInfo").await;
    assert_eq!(a.json()[0][0]["Title"], "Movie 3");
    assert_eq!(invoke("info", "getImage").await.status, 200);
    assert_eq!(
        invoke("info", "countTable").await.text(),
        r#"["40,40",200]"#
    );
}
