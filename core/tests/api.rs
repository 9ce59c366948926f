//! Every route of the API, in process through the axum router.

mod api_support;

use api_support::*;
use reelgraph_core::api::ApiConfig;
use serde_json::json;

fn ids(v: &serde_json::Value) -> Vec<u64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn health_ready_stats_genres() {
    let r = router().await;
    let a = call(&r, "GET", "/health", None).await;
    assert_eq!((a.status, a.json()), (200, json!({"status": "ok"})));
    let a = call(&r, "GET", "/ready", None).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        a.json(),
        json!({"status": "ready", "model_version": VERSION, "vectors": 40, "movies": 40})
    );
    let a = call(&r, "GET", "/api/v1/stats", None).await;
    let j = a.json();
    assert_eq!(j["movies"], 40);
    assert_eq!(j["vectors"], 40);
    assert_eq!(j["genres"], 4);
    assert_eq!(j["model_version"], VERSION);
    assert_eq!(j["model"]["metrics"]["hr@10"], 0.5);
    assert_eq!(j["default_strategy"], "average_vector");
    let a = call(&r, "GET", "/api/v1/genres", None).await;
    assert_eq!(
        a.json(),
        json!({"genres": ["Action", "Comedy", "Drama", "Horror"]})
    );
}

#[tokio::test]
async fn random_is_distinct_sized_and_genre_filtered() {
    let r = router().await;
    let a = call(&r, "GET", "/api/v1/movies/random", None).await;
    let got = ids(&a.json());
    assert_eq!(got.len(), 16);
    let mut d = got.clone();
    d.sort();
    d.dedup();
    assert_eq!(d.len(), 16);
    let a = call(&r, "GET", "/api/v1/movies/random?n=5&genre=comedy", None).await;
    let j = a.json();
    assert_eq!(ids(&j).len(), 5);
    for m in j["items"].as_array().unwrap() {
        assert_eq!(m["genres"], json!(["Comedy"]));
        let id = m["id"].as_u64().unwrap();
        assert!((11..=20).contains(&id));
    }
    // n is capped at the catalogue (and at 100).
    let a = call(&r, "GET", "/api/v1/movies/random?n=1000", None).await;
    assert_eq!(ids(&a.json()).len(), 40);
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?n=0", None).await,
        422,
        Some("n"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?n=-3", None).await,
        422,
        Some("n"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?n=x", None).await,
        422,
        Some("n"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?genre=Western", None).await,
        422,
        Some("genre"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?n=1&n=2", None).await,
        422,
        Some("n"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/random?m=2", None).await,
        422,
        Some("m"),
    );
}

#[tokio::test]
async fn movie_detail_and_errors() {
    let r = router().await;
    let a = call(&r, "GET", "/api/v1/movies/3", None).await;
    assert_eq!(a.status, 200);
    let j = a.json();
    assert_eq!(j["id"], 3);
    assert_eq!(j["title"], "Movie 3");
    assert_eq!(j["year"], 1983);
    assert_eq!(j["genres"], json!(["Action"]));
    assert_eq!(j["plot"], "Three things happen.");
    assert_eq!(j["actors"], json!(["X", "Y"]));
    assert_eq!(j["runtime"], 101);
    assert_eq!(j["poster"], "https://img.example/poster3.jpg");
    assert_error(
        &call(&r, "GET", "/api/v1/movies/999", None).await,
        404,
        Some("id"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/abc", None).await,
        422,
        Some("id"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/0", None).await,
        422,
        Some("id"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/99999999999999999999", None).await,
        422,
        Some("id"),
    );
    assert_error(&call(&r, "GET", "/api/v1/nothing", None).await, 404, None);
    assert_error(
        &call(&r, "DELETE", "/api/v1/movies/3", None).await,
        405,
        None,
    );
}

#[tokio::test]
async fn similar_returns_the_same_cluster_and_never_the_movie() {
    let r = router().await;
    let a = call(&r, "GET", "/api/v1/movies/12/similar?k=5", None).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let j = a.json();
    let got = ids(&j);
    assert_eq!(got.len(), 5);
    assert!(
        got.iter().all(|id| (11..=20).contains(id) && *id != 12),
        "{got:?}"
    );
    assert_eq!(j["model_version"], VERSION);
    for m in j["items"].as_array().unwrap() {
        assert_eq!(m["because"]["id"], 12);
        assert_eq!(m["because"]["title"], "Amélie");
    }
    // Scores are sorted best first.
    let scores: Vec<f64> = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_error(
        &call(&r, "GET", "/api/v1/movies/77/similar", None).await,
        404,
        Some("id"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/7/similar?k=0", None).await,
        422,
        Some("k"),
    );
}

#[tokio::test]
async fn recommendations_follow_liked_and_disliked() {
    let r = router().await;
    for strategy in ["average_vector", "best_score"] {
        let body = json!({"liked": [1, 2, 21], "disliked": [11], "k": 10, "strategy": strategy})
            .to_string();
        let a = call(&r, "POST", "/api/v1/recommendations", Some(&body)).await;
        assert_eq!(a.status, 200, "{}", a.text());
        let j = a.json();
        assert_eq!(j["model_version"], VERSION);
        assert_eq!(j["strategy"], strategy);
        let got = ids(&j);
        assert_eq!(got.len(), 10);
        for id in [1, 2, 21, 11] {
            assert!(!got.contains(&id), "{strategy}: {got:?} contains {id}");
        }
        // Everything comes from the liked clusters (action and drama), none from comedy/horror.
        assert!(
            got.iter()
                .all(|id| (1..=10).contains(id) || (21..=30).contains(id)),
            "{strategy}: {got:?}"
        );
        for m in j["items"].as_array().unwrap() {
            let id = m["id"].as_u64().unwrap();
            let because = m["because"]["id"].as_u64().unwrap();
            // The explanation is a liked movie of the same cluster.
            if id <= 10 {
                assert!(because == 1 || because == 2, "{id} because {because}");
            } else {
                assert_eq!(because, 21);
            }
            assert!(m["score"].is_number() && m["title"].is_string() && m["genres"].is_array());
            assert!(m.get("poster").is_some() && m.get("year").is_some());
        }
    }
}

#[tokio::test]
async fn recommendations_filters_exclude_and_popular_fallback() {
    let r = router().await;
    let body = json!({"liked": [1], "k": 100, "filters": {"genres": ["drama"], "year_min": 2003, "year_max": 2008}, "exclude": [25]}).to_string();
    let a = call(&r, "POST", "/api/v1/recommendations", Some(&body)).await;
    let mut got = ids(&a.json());
    got.sort();
    assert_eq!(got, vec![23, 24, 26, 27, 28]);

    // No liked, no disliked: most popular (smallest ids), honouring filters.
    let a = call(&r, "POST", "/api/v1/recommendations", Some(r#"{"k": 3}"#)).await;
    let j = a.json();
    assert_eq!(ids(&j), vec![1, 2, 3]);
    assert_eq!(j["strategy"], "popular");
    assert!(j["items"][0]["because"].is_null());
    let a = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"k": 2, "filters": {"genres": ["Horror"]}, "exclude": [31]}"#),
    )
    .await;
    assert_eq!(ids(&a.json()), vec![32, 33]);
    // Only disliked: popular, minus the disliked movie's neighbours.
    let a = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"disliked": [1], "k": 5}"#),
    )
    .await;
    let got = ids(&a.json());
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|id| *id > 10), "{got:?}");
    // Empty body object and k default.
    let a = call(&r, "POST", "/api/v1/recommendations", Some("{}")).await;
    assert_eq!(ids(&a.json()).len(), 20);
    // k is capped at 100 (here at the catalogue size minus the liked movie).
    let a = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [5], "k": 5000}"#),
    )
    .await;
    assert_eq!(ids(&a.json()).len(), 39);
}

#[tokio::test]
async fn recommendation_errors_name_the_field() {
    let r = router().await;
    let post = |b: &'static str| {
        let r = r.clone();
        async move { call(&r, "POST", "/api/v1/recommendations", Some(b)).await }
    };
    let a = post(r#"{"liked": [1, 555, 444]}"#).await;
    assert_error(&a, 404, Some("liked"));
    assert!(
        a.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("444, 555")
    );
    assert_error(&post(r#"{"disliked": [999]}"#).await, 404, Some("disliked"));
    assert_error(&post(r#"{"exclude": [999]}"#).await, 404, Some("exclude"));
    assert_error(&post(r#"{"liked": [1, 1]}"#).await, 422, Some("liked"));
    assert_error(
        &post(r#"{"liked": [1], "disliked": [1]}"#).await,
        422,
        Some("disliked"),
    );
    assert_error(&post(r#"{"liked": "1"}"#).await, 422, Some("liked"));
    assert_error(&post(r#"{"liked": [-1]}"#).await, 422, Some("liked"));
    assert_error(&post(r#"{"liked": [1.5]}"#).await, 422, Some("liked"));
    assert_error(&post(r#"{"liked": [1e40]}"#).await, 422, Some("liked"));
    assert_error(&post(r#"{"k": -1}"#).await, 422, Some("k"));
    assert_error(&post(r#"{"k": 0}"#).await, 422, Some("k"));
    assert_error(&post(r#"{"k": "20"}"#).await, 422, Some("k"));
    assert_error(&post(r#"{"k": 1e300}"#).await, 422, Some("k"));
    assert_error(
        &post(r#"{"strategy": "magic"}"#).await,
        422,
        Some("strategy"),
    );
    assert_error(&post(r#"{"filters": []}"#).await, 422, Some("filters"));
    assert_error(
        &post(r#"{"filters": {"genres": ["Western"]}}"#).await,
        422,
        Some("filters.genres"),
    );
    assert_error(
        &post(r#"{"filters": {"genres": "Drama"}}"#).await,
        422,
        Some("filters.genres"),
    );
    assert_error(
        &post(r#"{"filters": {"year_min": 2000, "year_max": 1990}}"#).await,
        422,
        Some("filters.year_min"),
    );
    assert_error(
        &post(r#"{"filters": {"year_min": -5}}"#).await,
        422,
        Some("filters.year_min"),
    );
    assert_error(
        &post(r#"{"filters": {"decade": 1990}}"#).await,
        422,
        Some("filters.decade"),
    );
    assert_error(&post(r#"{"likes": [1]}"#).await, 422, Some("likes"));
    assert_error(&post(r#"[1, 2]"#).await, 422, None);
    assert_error(&post(r#"{"liked": [1"#).await, 400, None);
    assert_error(&post("").await, 400, None);
    let big = format!(r#"{{"liked": [{}]}}"#, vec!["1"; 40000].join(","));
    let a = call(&r, "POST", "/api/v1/recommendations", Some(&big)).await;
    assert_error(&a, 413, None);
    assert_error(
        &call(&r, "GET", "/api/v1/recommendations", None).await,
        405,
        None,
    );
}

#[tokio::test]
async fn search_is_case_and_accent_insensitive() {
    let r = router().await;
    for q in ["amelie", "AMÉLIE", "am%C3%A9", "Ame"] {
        let a = call(&r, "GET", &format!("/api/v1/movies/search?q={q}"), None).await;
        assert_eq!(ids(&a.json()), vec![12], "q={q}");
    }
    let a = call(&r, "GET", "/api/v1/movies/search?q=movie%203&limit=3", None).await;
    // "Movie 3" and "Movie 30".."Movie 39" match as prefixes, most popular first.
    assert_eq!(ids(&a.json()), vec![3, 30, 31]);
    let a = call(&r, "GET", "/api/v1/movies/search?q=zzz", None).await;
    assert_eq!(a.json(), json!({"items": []}));
    assert_error(
        &call(&r, "GET", "/api/v1/movies/search", None).await,
        422,
        Some("q"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/search?q=%20", None).await,
        422,
        Some("q"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/search?q=a&limit=-1", None).await,
        422,
        Some("limit"),
    );
}

#[tokio::test]
async fn posters_redirect_or_draw_a_placeholder() {
    let r = router().await;
    let a = call(&r, "GET", "/api/v1/movies/3/poster", None).await;
    assert_eq!(a.status, 302);
    assert_eq!(
        a.header("location").as_deref(),
        Some("https://img.example/poster3.jpg")
    );
    let a = call(&r, "GET", "/api/v1/movies/3/poster?placeholder=true", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type").as_deref(), Some("image/svg+xml"));
    assert!(a.text().contains("Movie 3") && a.text().contains(">1983<"));
    let a = call(&r, "GET", "/api/v1/movies/12/poster", None).await;
    assert_eq!(a.status, 200);
    assert!(
        a.text().starts_with("<svg") && a.text().contains("Amélie") && a.text().contains("1992")
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/404/poster", None).await,
        404,
        Some("id"),
    );
    assert_error(
        &call(&r, "GET", "/api/v1/movies/3/poster?placeholder=maybe", None).await,
        422,
        Some("placeholder"),
    );
}

#[tokio::test]
async fn openapi_and_vendored_docs() {
    let r = router().await;
    let a = call(&r, "GET", "/openapi.json", None).await;
    assert_eq!(a.status, 200);
    let j = a.json();
    assert!(j["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/health",
        "/ready",
        "/api/v1/stats",
        "/api/v1/genres",
        "/api/v1/movies/random",
        "/api/v1/movies/search",
        "/api/v1/movies/{id}",
        "/api/v1/movies/{id}/similar",
        "/api/v1/movies/{id}/poster",
        "/api/v1/recommendations",
        "/getRandom",
        "/getInfo",
        "/getSimilarUser",
        "/getImage",
        "/countTable",
    ] {
        assert!(
            j["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    let a = call(&r, "GET", "/docs", None).await;
    assert_eq!(a.status, 200);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    let html = a.text();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "docs must not load remote assets"
    );
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/docs/swagger-initializer.js",
    ] {
        assert!(html.contains(asset));
        let a = call(&r, "GET", asset, None).await;
        assert_eq!(a.status, 200, "{asset}");
        assert!(a.body.len() > 100);
    }
    assert_eq!(
        call(&r, "GET", "/docs/swagger-ui-bundle.js", None)
            .await
            .header("content-type")
            .as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert!(
        call(&r, "GET", "/docs/swagger-initializer.js", None)
            .await
            .text()
            .contains("/openapi.json")
    );
    assert_error(&call(&r, "GET", "/docs/evil.js", None).await, 404, None);
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let r = reelgraph_core::api::router(
        state_with(ApiConfig {
            cors_origins: vec!["https://ui.example".into(), "*".into()],
            ..ApiConfig::default()
        })
        .await,
    );
    let preflight = |origin: &'static str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/api/v1/recommendations")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let a = answer(
        r.clone()
            .oneshot(preflight("https://ui.example"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("https://ui.example")
    );
    assert!(a.header("access-control-allow-credentials").is_none());
    let a = answer(
        r.clone()
            .oneshot(preflight("https://evil.example"))
            .await
            .unwrap(),
    )
    .await;
    assert!(a.header("access-control-allow-origin").is_none());
    // Default: the local UI origin.
    let d = router().await;
    let a = answer(d.oneshot(preflight("http://127.0.0.1:8000")).await.unwrap()).await;
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("http://127.0.0.1:8000")
    );
}
