//! `/api/v1/feedback` in process through the axum router, on the fixture's
//! SQLite database (the `feedback` table, as `reelgraph serve` keeps it).

use crate::support::api::*;
use reelgraph_api::ApiConfig;
use reelgraph_api::feedback::RateLimit;
use serde_json::json;

const VISITOR: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const OTHER: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn mark(visitor: &str, movie: u64, signal: &str) -> String {
    json!({"visitor": visitor, "movie": movie, "signal": signal}).to_string()
}

fn listed(a: &Answer) -> Vec<(u64, String)> {
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["movie"].as_u64().unwrap(),
                m["signal"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn record_list_forget() {
    let r = router().await;
    let url = format!("/api/v1/feedback?visitor={VISITOR}");
    let a = call(&r, "GET", &url, None).await;
    assert_eq!((a.status, a.json()), (200, json!({"items": []})));

    for (movie, signal) in [(3, "like"), (12, "dislike"), (25, "skip")] {
        let a = call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, movie, signal)),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.text());
        let j = a.json();
        assert_eq!(
            (j["movie"].as_u64(), j["signal"].as_str()),
            (Some(movie), Some(signal))
        );
        assert!(j["at"].as_str().unwrap().ends_with('Z'));
        assert!(!a.text().contains(VISITOR), "the visitor is not echoed");
        assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    }
    call(
        &r,
        "POST",
        "/api/v1/feedback",
        Some(&mark(OTHER, 3, "dislike")),
    )
    .await;

    let a = call(&r, "GET", &url, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        listed(&a),
        vec![
            (25, "skip".into()),
            (12, "dislike".into()),
            (3, "like".into())
        ],
        "newest first"
    );
    let times: Vec<String> = a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["at"].as_str().unwrap().to_string())
        .collect();
    assert!(times.windows(2).all(|w| w[0] > w[1]), "{times:?}");

    // Marking a movie again replaces its signal; it becomes the newest.
    let a = call(
        &r,
        "POST",
        "/api/v1/feedback",
        Some(&mark(VISITOR, 3, "skip")),
    )
    .await;
    assert_eq!(a.status, 202);
    // The id is read in either case.
    let upper = format!("/api/v1/feedback?visitor={}", VISITOR.to_uppercase());
    let a = call(&r, "GET", &upper, None).await;
    assert_eq!(
        listed(&a),
        vec![
            (3, "skip".into()),
            (25, "skip".into()),
            (12, "dislike".into())
        ]
    );

    let a = call(&r, "DELETE", &url, None).await;
    assert_eq!(a.status, 204, "{}", a.text());
    assert!(a.body.is_empty());
    let a = call(&r, "GET", &url, None).await;
    assert_eq!(a.json(), json!({"items": []}));
    // Another visitor's signals stay.
    let a = call(
        &r,
        "GET",
        &format!("/api/v1/feedback?visitor={OTHER}"),
        None,
    )
    .await;
    assert_eq!(listed(&a), vec![(3, "dislike".into())]);
    // Forgetting again is fine.
    assert_eq!(call(&r, "DELETE", &url, None).await.status, 204);
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let r = router().await;
    let post = |body: String| {
        let r = r.clone();
        async move { call(&r, "POST", "/api/v1/feedback", Some(&body)).await }
    };
    // Unknown movie: 404 naming movie.
    let a = post(mark(VISITOR, 999, "like")).await;
    assert_error(&a, 404, Some("movie"));
    // Not a UUID: 422 naming visitor, never repeating the value.
    for bad in [
        json!("not-a-uuid"),
        json!("0f8fad5b-d9cb-469f-a165-70867728950"),
        json!("0f8fad5bxd9cb-469f-a165-70867728950e"),
        json!(42),
        json!(null),
    ] {
        let body = json!({"visitor": bad, "movie": 3, "signal": "like"}).to_string();
        let a = post(body).await;
        assert_error(&a, 422, Some("visitor"));
        if let Some(s) = bad.as_str() {
            assert!(!a.text().contains(s), "{}", a.text());
        }
    }
    let a = post(json!({"movie": 3, "signal": "like"}).to_string()).await;
    assert_error(&a, 422, Some("visitor"));
    // Unknown or missing signal: 422 naming signal.
    for bad in [json!("love"), json!("LIKE"), json!(1), json!(null)] {
        let body = json!({"visitor": VISITOR, "movie": 3, "signal": bad}).to_string();
        assert_error(&post(body).await, 422, Some("signal"));
    }
    // Movie ids: integers in 1..=u32::MAX.
    for bad in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!("3"),
        json!(4294967296u64),
    ] {
        let body = json!({"visitor": VISITOR, "movie": bad, "signal": "like"}).to_string();
        assert_error(&post(body).await, 422, Some("movie"));
    }
    // A whole number written with a fraction is an integer (JSON Schema's
    // `integer`): 3.0 is movie 3 (recorded for another visitor: VISITOR's
    // list stays empty), 31419554.0 an unknown movie.
    let other = "6f1c2b1e-8d3a-4c2b-9a7e-3d2f1e0c9b8a";
    let body = json!({"visitor": other, "movie": 3.0, "signal": "like"}).to_string();
    assert_eq!(post(body).await.status, 202);
    let body = json!({"visitor": VISITOR, "movie": 31419554.0, "signal": "like"}).to_string();
    assert_error(&post(body).await, 404, Some("movie"));
    // Unknown fields, a body that is not an object, not JSON, empty, too big.
    let a =
        post(json!({"visitor": VISITOR, "movie": 3, "signal": "like", "x": 1}).to_string()).await;
    assert_error(&a, 422, Some("x"));
    let a = post("[1, 2]".into()).await;
    assert_error(&a, 422, None);
    assert_error(&post("{".into()).await, 400, None);
    assert_error(&post(String::new()).await, 400, None);
    let big = json!({"visitor": VISITOR, "movie": 3, "signal": "like", "pad": "x".repeat(2000)});
    assert_error(&post(big.to_string()).await, 413, None);
    // Query strings: visitor is required and a UUID; nothing else.
    for url in [
        "/api/v1/feedback",
        "/api/v1/feedback?visitor=",
        "/api/v1/feedback?visitor=abc",
        &format!("/api/v1/feedback?visitor={VISITOR}&visitor={VISITOR}"),
    ] {
        assert_error(&call(&r, "GET", url, None).await, 422, Some("visitor"));
        assert_error(&call(&r, "DELETE", url, None).await, 422, Some("visitor"));
    }
    let a = call(
        &r,
        "GET",
        &format!("/api/v1/feedback?visitor={VISITOR}&all=1"),
        None,
    )
    .await;
    assert_error(&a, 422, Some("all"));
    let a = call(
        &r,
        "POST",
        &format!("/api/v1/feedback?visitor={VISITOR}"),
        Some(&mark(VISITOR, 3, "like")),
    )
    .await;
    assert_error(&a, 422, Some("visitor"));
    // Other methods.
    assert_error(&call(&r, "PUT", "/api/v1/feedback", None).await, 405, None);
    // Nothing of the above was recorded.
    let a = call(
        &r,
        "GET",
        &format!("/api/v1/feedback?visitor={VISITOR}"),
        None,
    )
    .await;
    assert_eq!(a.json(), json!({"items": []}));
}

#[tokio::test]
async fn each_visitor_is_rate_limited() {
    let config = ApiConfig {
        feedback_rate: RateLimit {
            burst: 3,
            per_minute: 1,
        },
        ..ApiConfig::default()
    };
    let r = fixture_with(config).await.router();
    for movie in [1, 2] {
        let a = call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, movie, "like")),
        )
        .await;
        assert_eq!(a.status, 202);
    }
    let url = format!("/api/v1/feedback?visitor={VISITOR}");
    assert_eq!(call(&r, "GET", &url, None).await.status, 200);
    // The fourth request of the visitor within the minute: 429.
    for a in [
        call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, 4, "like")),
        )
        .await,
        call(&r, "GET", &url, None).await,
        call(&r, "DELETE", &url, None).await,
    ] {
        assert_error(&a, 429, None);
        assert_eq!(a.json()["error"]["code"], "too_many_requests");
        let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
    }
    // Refused requests change nothing.
    let mut fresh_check = call(
        &r,
        "GET",
        &format!("/api/v1/feedback?visitor={OTHER}"),
        None,
    )
    .await;
    assert_eq!(
        fresh_check.status, 200,
        "another visitor has a bucket of its own"
    );
    fresh_check = call(
        &r,
        "POST",
        "/api/v1/feedback",
        Some(&mark(OTHER, 4, "like")),
    )
    .await;
    assert_eq!(fresh_check.status, 202);
}

#[tokio::test]
async fn feedback_routes_are_documented() {
    let r = router().await;
    let doc = call(&r, "GET", "/openapi.json", None).await.json();
    let path = &doc["paths"]["/api/v1/feedback"];
    for (method, codes) in [
        (
            "post",
            vec!["202", "400", "404", "413", "422", "429", "503"],
        ),
        ("get", vec!["200", "422", "429", "503"]),
        ("delete", vec!["204", "422", "429", "503"]),
    ] {
        let op = &path[method];
        assert!(op.is_object(), "{method} /api/v1/feedback");
        let responses = op["responses"].as_object().unwrap();
        let mut got: Vec<&str> = responses.keys().map(String::as_str).collect();
        got.sort();
        assert_eq!(got, codes, "{method}");
    }
    let signal = &doc["components"]["schemas"]["SignalName"]["enum"];
    assert_eq!(signal, &json!(["like", "dislike", "skip"]));
}

#[tokio::test]
async fn a_failing_store_is_a_json_503() {
    let fixture = fixture_with(ApiConfig::default()).await;
    let db = format!("sqlite://{}", fixture.dir.path().join("meta.db").display());
    let r = fixture.router();
    assert_eq!(
        call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, 3, "like"))
        )
        .await
        .status,
        202
    );
    // The table goes away under the server (a broken or revoked store).
    let admin = reelgraph_stores::sql::SqliteStore::connect(&db)
        .await
        .unwrap();
    sqlx::query("DROP TABLE feedback")
        .execute(admin.pool())
        .await
        .unwrap();
    let url = format!("/api/v1/feedback?visitor={VISITOR}");
    for a in [
        call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, 3, "like")),
        )
        .await,
        call(&r, "GET", &url, None).await,
        call(&r, "DELETE", &url, None).await,
    ] {
        assert_error(&a, 503, None);
        assert_eq!(a.header("retry-after").as_deref(), Some("2"));
        assert!(!a.text().contains(VISITOR), "{}", a.text());
    }
    // Validation still comes first.
    assert_error(
        &call(
            &r,
            "POST",
            "/api/v1/feedback",
            Some(&mark(VISITOR, 999, "like")),
        )
        .await,
        404,
        Some("movie"),
    );
}

#[tokio::test]
async fn without_a_feedback_store_the_routes_answer_503() {
    let fixture = fixture_with(ApiConfig::default()).await;
    // The fixture's stores, without feedback (a server that keeps none).
    let state = std::sync::Arc::new(reelgraph_api::AppState::new(
        fixture.state.serving.clone(),
        ApiConfig::default(),
    ));
    let r = reelgraph_api::router(state);
    let a = call(
        &r,
        "POST",
        "/api/v1/feedback",
        Some(&mark(VISITOR, 3, "like")),
    )
    .await;
    assert_error(&a, 503, None);
    let a = call(
        &r,
        "GET",
        &format!("/api/v1/feedback?visitor={VISITOR}"),
        None,
    )
    .await;
    assert_error(&a, 503, None);
    drop(fixture);
}
