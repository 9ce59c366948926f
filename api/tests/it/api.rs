//! Every route of the API, in process through the axum router.

use crate::support::api::*;
use reelgraph_api::ApiConfig;
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
    // n is at most 100 (the document's maximum), and the answer has at
    // most the catalogue.
    let a = call(&r, "GET", "/api/v1/movies/random?n=100", None).await;
    assert_eq!(ids(&a.json()).len(), 40);
    let a = call(&r, "GET", "/api/v1/movies/random?n=101", None).await;
    assert_error(&a, 422, Some("n"));
    assert_eq!(
        a.json()["error"]["message"],
        "n is too large (at most 100 are served)"
    );
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
        404,
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
    assert_eq!(
        j["poster"],
        "https://m.media-amazon.com/images/M/poster3.jpg"
    );
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
    // A segment whose escapes are not UTF-8 is still a JSON error.
    for what in ["", "/similar", "/poster"] {
        assert_error(
            &call(&r, "GET", &format!("/api/v1/movies/%80{what}"), None).await,
            422,
            Some("id"),
        );
    }
    assert_error(&call(&r, "GET", "/docs/%FF", None).await, 404, None);
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
    // k is at most 100 (here the answer is the catalogue less the liked
    // movie); more is refused, as the document's maximum says.
    let a = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [5], "k": 100}"#),
    )
    .await;
    assert_eq!(ids(&a.json()).len(), 39);
    let a = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [5], "k": 5000}"#),
    )
    .await;
    assert_error(&a, 422, Some("k"));
    assert_eq!(
        a.json()["error"]["message"],
        "k is too large (at most 100 are served)"
    );
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
        404,
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
        Some("https://m.media-amazon.com/images/M/poster3.jpg")
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
    // Only https posters on the configured hosts are redirected to: another
    // list makes movie 3's poster a placeholder, here and in /getImage.
    let r = fixture_with(ApiConfig {
        poster_hosts: "*.images.example".parse().unwrap(),
        ..ApiConfig::default()
    })
    .await
    .router();
    for path in ["/api/v1/movies/3/poster", "/getImage?img=3"] {
        let a = call(&r, "GET", path, None).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("location"), None, "{path}");
        assert!(
            a.text().starts_with("<svg") && a.text().contains("Movie 3"),
            "{path}"
        );
    }
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
    let r = fixture_with(ApiConfig {
        cors_origins: vec!["https://ui.example".into(), "*".into()],
        ..ApiConfig::default()
    })
    .await
    .router();
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

// ---------------------------------------------------------------------------
// Property tests: bad input thrown at every route is a 4xx JSON error naming
// the field (the original routes: their `["Error with <field>…", status]`
// shape), never a 5xx or a panic.

mod props {
    use crate::support::api::*;
    use axum::Router;
    use proptest::prelude::*;
    use proptest::sample::subsequence;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    use serde_json::{Map, Value, json};

    /// What a probe must get back.
    #[derive(Clone, Debug)]
    enum Expect {
        /// Exactly this status, an error naming `field` (`None`: no field).
        Error(u16, Option<String>),
        /// Some 4xx error (field not predicted).
        AnyError,
        /// Anything but a 5xx; an error, when it is one, has the right shape.
        NoServerError,
    }

    #[derive(Clone, Debug)]
    struct Probe {
        method: &'static str,
        uri: String,
        body: Option<String>,
        /// An original-client route (legacy error shape).
        legacy: bool,
        expect: Expect,
    }

    /// Percent-encode every byte but ASCII letters and digits.
    fn enc(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (*b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// A count query value (`n`, `k`, `limit`, `num`) that must be refused.
    fn bad_count() -> impl Strategy<Value = String> {
        prop_oneof![
            (i64::MIN..0).prop_map(|n| n.to_string()),
            Just("0".to_string()),
            "[1-9][0-9]{20,40}",
            (0.0f64..1e9).prop_map(|f| format!("{f:.3}")),
            Just("1e3".to_string()),
            "[a-zA-Z,;+.]{1,8}",
            any::<String>().prop_filter("not digits", |s| {
                let t = s.trim();
                t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit())
            }),
        ]
    }

    /// A count query value that must be refused: [`bad_count`], or an
    /// integer above the documented maximum (100).
    fn bad_count_value() -> impl Strategy<Value = String> {
        prop_oneof![
            bad_count(),
            (101u64..=u64::MAX).prop_map(|n| n.to_string()),
            Just("101".to_string()),
        ]
    }

    /// A movie id as text, with the status and whether it is well formed.
    fn bad_id_text() -> impl Strategy<Value = (String, u16)> {
        prop_oneof![
            bad_count().prop_map(|s| (s, 422)),
            (u32::MAX as u64 + 1..=u64::MAX).prop_map(|n| (n.to_string(), 422)),
            (41..=u32::MAX).prop_map(|n| (n.to_string(), 404)),
        ]
    }

    /// A JSON element of an id list that is not a known movie id, with the
    /// status it earns (`lenient`: digit strings are ids, as in the
    /// original client's body).
    fn bad_id_json(lenient: bool) -> impl Strategy<Value = (Value, u16)> {
        let strings = any::<String>().prop_filter("not an id", move |s| {
            !lenient || {
                let t = s.trim();
                t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit())
            }
        });
        prop_oneof![
            (i64::MIN..0).prop_map(|n| (json!(n), 422)),
            Just((json!(0), 422)),
            (u32::MAX as u64 + 1..=u64::MAX).prop_map(|n| (json!(n), 422)),
            // Not a whole number (`5.0` is the integer 5, as in JSON Schema).
            any::<f64>()
                .prop_filter("finite, not whole", |f| f.is_finite() && f.fract() != 0.0)
                .prop_map(|f| (json!(f), 422)),
            (u32::MAX as f64 + 1.0..1e300).prop_map(|f| (json!(f.trunc()), 422)),
            strings.prop_map(|s| (json!(s), 422)),
            Just((Value::Null, 422)),
            any::<bool>().prop_map(|b| (json!(b), 422)),
            Just((json!([1]), 422)),
            Just((json!({"id": 1}), 422)),
            (41..=u32::MAX).prop_map(|n| (json!(n), 404)),
        ]
    }

    /// A JSON value that is not a list (nor null).
    fn not_a_list() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(|n| json!(n)),
            any::<String>().prop_map(|s| json!(s)),
            any::<bool>().prop_map(|b| json!(b)),
            Just(json!({"liked": [1]})),
        ]
    }

    fn genre_case() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("action"),
            Just("Comedy"),
            Just("DRAMA"),
            Just("Horror")
        ]
        .prop_map(String::from)
    }

    fn unknown_genre() -> impl Strategy<Value = String> {
        "[A-Za-z-]{1,12}".prop_filter("not a genre", |g| {
            !["action", "comedy", "drama", "horror"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(g))
        })
    }

    /// A valid recommendation body: liked from 1–20, disliked 21–30,
    /// exclude 31–40 (so never overlapping), valid k, strategy, filters.
    fn valid_body() -> impl Strategy<Value = Map<String, Value>> {
        (
            subsequence((1u32..=20).collect::<Vec<_>>(), 0..5).prop_shuffle(),
            subsequence((21u32..=30).collect::<Vec<_>>(), 0..3),
            subsequence((31u32..=40).collect::<Vec<_>>(), 0..3),
            proptest::option::of(1u64..=100),
            proptest::option::of(prop_oneof![Just("average_vector"), Just("best_score")]),
            proptest::option::of((
                proptest::collection::vec(genre_case(), 0..3),
                proptest::option::of(0u64..=9999),
                proptest::option::of(0u64..=9999),
            )),
        )
            .prop_map(|(liked, disliked, exclude, k, strategy, filters)| {
                let mut m = Map::new();
                for (name, ids) in [
                    ("liked", liked),
                    ("disliked", disliked),
                    ("exclude", exclude),
                ] {
                    if !ids.is_empty() {
                        m.insert(name.into(), json!(ids));
                    }
                }
                if let Some(k) = k {
                    m.insert("k".into(), json!(k));
                }
                if let Some(s) = strategy {
                    m.insert("strategy".into(), json!(s));
                }
                if let Some((genres, a, b)) = filters {
                    let mut f = Map::new();
                    if !genres.is_empty() {
                        f.insert("genres".into(), json!(genres));
                    }
                    let (lo, hi) = match (a, b) {
                        (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
                        other => other,
                    };
                    if let Some(lo) = lo {
                        f.insert("year_min".into(), json!(lo));
                    }
                    if let Some(hi) = hi {
                        f.insert("year_max".into(), json!(hi));
                    }
                    m.insert("filters".into(), Value::Object(f));
                }
                m
            })
    }

    /// One defect injected into a valid body.
    #[derive(Clone, Debug)]
    enum Defect {
        /// A bad element at position `at` of list `field`.
        Element(&'static str, Value, u16, usize),
        /// A list repeats one of its ids.
        Duplicate(&'static str, u32),
        /// `field` set to a value of the wrong type or range.
        Field(&'static str, Value),
        /// `filters.<key>` set to a bad value, and the status it earns.
        Filter(&'static str, Value, u16),
        /// A liked movie is also disliked.
        LikedAndDisliked(u32),
        /// year_min after year_max.
        YearsReversed(u16),
        /// An unknown top-level key.
        UnknownKey(String),
        /// An unknown filters key.
        UnknownFilter(String),
        /// A raw JSON number literal the parser cannot take as an id
        /// (out of range, leading zeros, NaN…) as an element of `liked`.
        RawNumber(&'static str),
        /// The JSON text cut short at this fraction of its length.
        Truncated(f64),
        /// Garbage after the JSON text.
        Trailing(String),
        /// A JSON document that is not an object.
        NotAnObject(Value),
    }

    fn list_field() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("liked"), Just("disliked"), Just("exclude")]
    }

    fn defect() -> impl Strategy<Value = Defect> {
        prop_oneof![
            (list_field(), bad_id_json(false), any::<usize>())
                .prop_map(|(f, (v, s), at)| Defect::Element(f, v, s, at)),
            (list_field(), 1u32..=40).prop_map(|(f, id)| Defect::Duplicate(f, id)),
            (list_field(), not_a_list()).prop_map(|(f, v)| Defect::Field(f, v)),
            prop_oneof![
                (i64::MIN..=0).prop_map(|n| json!(n)),
                any::<f64>()
                    .prop_filter("finite, not 1.0 to 100.0", |f| f.is_finite()
                        && !(f.fract() == 0.0 && (1.0..=100.0).contains(f)))
                    .prop_map(|f| json!(f)),
                any::<String>().prop_map(|s| json!(s)),
                any::<bool>().prop_map(|b| json!(b)),
                Just(json!([20])),
                Just(json!({"k": 20})),
                (101u64..=u64::MAX).prop_map(|n| json!(n)),
            ]
            .prop_map(|v| Defect::Field("k", v)),
            prop_oneof![
                "[a-z_]{0,16}"
                    .prop_filter("not a strategy", |s| s != "average_vector"
                        && s != "best_score")
                    .prop_map(|s| json!(s)),
                any::<i64>().prop_map(|n| json!(n)),
                Just(json!(["best_score"])),
            ]
            .prop_map(|v| Defect::Field("strategy", v)),
            prop_oneof![
                any::<i64>().prop_map(|n| json!(n)),
                any::<String>().prop_map(|s| json!(s)),
                Just(json!([{"genres": ["Drama"]}])),
            ]
            .prop_map(|v| Defect::Field("filters", v)),
            prop_oneof![
                // Well formed, not in the catalogue: 404 as unknown ids.
                unknown_genre().prop_map(|g| (json!([g]), 404)),
                unknown_genre().prop_map(|g| (json!(g), 422)),
                Just((json!([1]), 422)),
                Just((json!({"Drama": true}), 422)),
            ]
            .prop_map(|(v, status)| Defect::Filter("genres", v, status)),
            (
                prop_oneof![Just("year_min"), Just("year_max")],
                prop_oneof![
                    (i64::MIN..0).prop_map(|n| json!(n)),
                    (10_000u64..=u64::MAX).prop_map(|n| json!(n)),
                    (0.1f64..1e300)
                        .prop_filter("not a year", |f| !(f.fract() == 0.0 && *f <= 9999.0))
                        .prop_map(|f| json!(f)),
                    any::<String>().prop_map(|s| json!(s)),
                    Just(json!([1990])),
                ]
            )
                .prop_map(|(k, v)| Defect::Filter(k, v, 422)),
            (1u32..=20).prop_map(Defect::LikedAndDisliked),
            (1u16..=9999).prop_map(Defect::YearsReversed),
            "[a-zA-Z_]{1,12}"
                .prop_filter("unknown", |k| ![
                    "liked", "disliked", "k", "filters", "exclude", "strategy"
                ]
                .contains(&k.as_str()))
                .prop_map(Defect::UnknownKey),
            "[a-zA-Z_]{1,12}"
                .prop_filter("unknown", |k| !["genres", "year_min", "year_max"]
                    .contains(&k.as_str()))
                .prop_map(Defect::UnknownFilter),
            prop_oneof![
                Just("1e400"),
                Just("-1e400"),
                Just("123456789012345678901234567890"),
                Just("NaN"),
                Just("Infinity"),
                Just("01"),
                Just("0x10"),
                Just("+5"),
                Just("1."),
            ]
            .prop_map(Defect::RawNumber),
            (0.0f64..1.0).prop_map(Defect::Truncated),
            "[,\\]\\}x\\[\\{:\"]{1,4}".prop_map(Defect::Trailing),
            prop_oneof![
                Just(json!([1, 2])),
                Just(json!(null)),
                Just(json!(20)),
                Just(json!("liked")),
            ]
            .prop_map(Defect::NotAnObject),
        ]
    }

    /// The body text and what the server must answer.
    fn recommendation_probe(mut body: Map<String, Value>, defect: Defect) -> Probe {
        let mut text = None;
        let expect = match defect {
            Defect::Element(field, v, status, at) => {
                let list = body
                    .entry(field)
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .unwrap();
                let at = at % (list.len() + 1);
                list.insert(at, v);
                Expect::Error(status, Some(field.into()))
            }
            Defect::Duplicate(field, id) => {
                let list = body
                    .entry(field)
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .unwrap();
                list.push(json!(id));
                list.push(json!(id));
                // The repeated id may be unknown for nothing, but it may
                // clash with another list; the duplicate is found first.
                Expect::Error(422, Some(field.into()))
            }
            Defect::Field(field, v) => {
                body.insert(field.into(), v);
                Expect::Error(422, Some(field.into()))
            }
            Defect::Filter(key, v, status) => {
                let f = body
                    .entry("filters")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap();
                // A bad year_max is only reached with a valid year_min.
                if key == "year_max" {
                    f.remove("year_min");
                }
                f.insert(key.into(), v);
                Expect::Error(status, Some(format!("filters.{key}")))
            }
            Defect::LikedAndDisliked(id) => {
                let liked = body
                    .entry("liked")
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .unwrap();
                if !liked.contains(&json!(id)) {
                    liked.push(json!(id));
                }
                body.entry("disliked")
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                    .unwrap()
                    .push(json!(id));
                Expect::Error(422, Some("disliked".into()))
            }
            Defect::YearsReversed(hi) => {
                let f = body
                    .entry("filters")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap();
                f.insert("year_min".into(), json!(hi));
                f.insert("year_max".into(), json!(hi - 1));
                Expect::Error(422, Some("filters.year_min".into()))
            }
            Defect::UnknownKey(k) => {
                body.insert(k.clone(), json!(1));
                Expect::Error(422, Some(k))
            }
            Defect::UnknownFilter(k) => {
                body.entry("filters")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap()
                    .insert(k.clone(), json!(1));
                Expect::Error(422, Some(format!("filters.{k}")))
            }
            Defect::RawNumber(raw) => {
                body.insert("liked".into(), json!("@RAW@"));
                text = Some(
                    Value::Object(body.clone())
                        .to_string()
                        .replace("\"@RAW@\"", &format!("[{raw}]")),
                );
                Expect::AnyError
            }
            Defect::Truncated(frac) => {
                let full = Value::Object(body.clone()).to_string();
                let mut cut = (full.len() as f64 * frac) as usize;
                while !full.is_char_boundary(cut) {
                    cut -= 1;
                }
                text = Some(full[..cut].to_string());
                Expect::Error(400, None)
            }
            Defect::Trailing(junk) => {
                text = Some(format!("{}{junk}", Value::Object(body.clone())));
                Expect::Error(400, None)
            }
            Defect::NotAnObject(v) => {
                text = Some(v.to_string());
                Expect::Error(422, None)
            }
        };
        Probe {
            method: "POST",
            uri: "/api/v1/recommendations".into(),
            body: Some(text.unwrap_or_else(|| Value::Object(body).to_string())),
            legacy: false,
            expect,
        }
    }

    /// Bodies of the original `POST /getSimilarUser` (a JSON list of ids,
    /// digit strings allowed) and its `num` parameter.
    fn legacy_body_probe() -> impl Strategy<Value = Probe> {
        let liked = subsequence((1u32..=40).collect::<Vec<_>>(), 0..6).prop_shuffle();
        prop_oneof![
            (liked.clone(), bad_id_json(true), any::<usize>()).prop_map(
                |(ids, (bad, status), at)| {
                    let mut list: Vec<Value> = ids.iter().map(|i| json!(i)).collect();
                    let at = at % (list.len() + 1);
                    list.insert(at, bad);
                    legacy_similar("", Value::Array(list).to_string(), status, "liked")
                }
            ),
            (liked.clone(), 1u32..=40).prop_map(|(ids, id)| {
                let mut list: Vec<Value> = ids.iter().map(|i| json!(i)).collect();
                // The same id twice, once as a string (the same id to the server).
                list.push(json!(id));
                list.push(json!(id.to_string()));
                legacy_similar("", Value::Array(list).to_string(), 422, "liked")
            }),
            not_a_list().prop_map(|v| legacy_similar("", v.to_string(), 422, "liked")),
            (liked.clone(), 0.0f64..1.0).prop_map(|(ids, frac)| {
                let full = json!(ids).to_string();
                let cut = (full.len() as f64 * frac) as usize;
                legacy_similar("", full[..cut].to_string(), 400, "request")
            }),
            (liked, bad_count_value()).prop_map(|(ids, n)| legacy_similar(
                &format!("?num={}", enc(n.as_bytes())),
                json!(ids).to_string(),
                422,
                "num"
            )),
        ]
    }

    fn legacy_similar(query: &str, body: String, status: u16, field: &str) -> Probe {
        Probe {
            method: "POST",
            uri: format!("/getSimilarUser{query}"),
            body: Some(body),
            legacy: true,
            expect: Expect::Error(status, Some(field.into())),
        }
    }

    fn get(uri: String, expect: Expect) -> Probe {
        Probe {
            method: "GET",
            uri,
            body: None,
            legacy: false,
            expect,
        }
    }

    fn legacy(method: &'static str, uri: String, status: u16, field: &str) -> Probe {
        Probe {
            method,
            uri,
            body: None,
            legacy: true,
            expect: Expect::Error(status, Some(field.into())),
        }
    }

    /// Every route with a bad path segment or query parameter.
    fn query_probe() -> impl Strategy<Value = Probe> {
        let e = |s: &str| enc(s.as_bytes());
        // An empty path segment is another route (404 "no route"), not a bad id.
        let bad_id_segment =
            || bad_id_text().prop_filter("non-empty path segment", |(id, _)| !id.is_empty());
        prop_oneof![
            bad_id_segment().prop_map(move |(id, st)| get(
                format!("/api/v1/movies/{}", e(&id)),
                Expect::Error(st, Some("id".into()))
            )),
            (
                bad_id_segment(),
                prop_oneof![Just("similar"), Just("poster")]
            )
                .prop_map(move |((id, st), what)| get(
                    format!("/api/v1/movies/{}/{what}", e(&id)),
                    Expect::Error(st, Some("id".into()))
                )),
            // Any bytes at all as the id, valid UTF-8 or not (but not a
            // known id such as "7", "07", "+7" or " 7", which is rightly a 200).
            (
                proptest::collection::vec(any::<u8>(), 1..12).prop_filter("not a known id", |b| {
                    std::str::from_utf8(b)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok())
                        .is_none_or(|n| n == 0 || n > 40)
                }),
                prop_oneof![Just(""), Just("/similar"), Just("/poster")]
            )
                .prop_map(|(b, what)| get(
                    format!("/api/v1/movies/{}{what}", enc(&b)),
                    Expect::AnyError
                )),
            proptest::collection::vec(any::<u8>(), 1..12)
                .prop_map(|b| get(format!("/docs/{}", enc(&b)), Expect::AnyError)),
            (1u32..=40, bad_count_value()).prop_map(move |(id, k)| get(
                format!("/api/v1/movies/{id}/similar?k={}", e(&k)),
                Expect::Error(422, Some("k".into()))
            )),
            (1u32..=40, "[a-zA-Z0-9 ]{1,8}")
                .prop_filter("not a flag", |(_, p)| !["true", "false"]
                    .contains(&p.as_str()))
                .prop_map(move |(id, p)| get(
                    format!("/api/v1/movies/{id}/poster?placeholder={}", e(&p)),
                    Expect::Error(422, Some("placeholder".into()))
                )),
            bad_count_value().prop_map(move |n| get(
                format!("/api/v1/movies/random?n={}", e(&n)),
                Expect::Error(422, Some("n".into()))
            )),
            unknown_genre().prop_map(move |g| get(
                format!("/api/v1/movies/random?genre={}", e(&g)),
                Expect::Error(404, Some("genre".into()))
            )),
            bad_count_value().prop_map(move |n| get(
                format!("/api/v1/movies/search?q=movie&limit={}", e(&n)),
                Expect::Error(422, Some("limit".into()))
            )),
            // Any search text: found or not, or refused as blank/too long.
            proptest::collection::vec(any::<u8>(), 0..300).prop_map(|q| get(
                format!("/api/v1/movies/search?q={}", enc(&q)),
                Expect::NoServerError
            )),
            // Any bytes as a raw query string of any route.
            (
                prop_oneof![
                    Just("/api/v1/movies/random"),
                    Just("/api/v1/movies/search"),
                    Just("/api/v1/movies/3"),
                    Just("/api/v1/movies/3/similar"),
                    Just("/api/v1/movies/3/poster"),
                    Just("/api/v1/stats"),
                    Just("/api/v1/genres"),
                ],
                "[a-z=&%0-9A-F;+]{1,30}"
            )
                .prop_map(|(path, q)| get(format!("{path}?{q}"), Expect::NoServerError)),
            // Unknown and repeated parameters.
            (
                prop_oneof![
                    Just(("/api/v1/movies/random", "n")),
                    Just(("/api/v1/movies/search?q=a", "limit")),
                    Just(("/api/v1/movies/3/similar", "k")),
                    Just(("/api/v1/movies/3/poster", "placeholder")),
                ],
                "[a-z_]{1,10}",
                any::<bool>()
            )
                .prop_map(|((path, known), other, repeat)| {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    if repeat {
                        get(
                            format!("{path}{sep}{known}=1&{known}=2"),
                            Expect::Error(422, Some(known.into())),
                        )
                    } else if other == known || other == "q" {
                        get(format!("{path}{sep}{other}=1"), Expect::NoServerError)
                    } else {
                        get(
                            format!("{path}{sep}{other}=1"),
                            Expect::Error(422, Some(other)),
                        )
                    }
                }),
            bad_count_value().prop_map(move |n| legacy(
                "POST",
                format!("/getRandom?num={}", e(&n)),
                422,
                "num"
            )),
            bad_id_text().prop_map(move |(id, st)| legacy(
                "GET",
                format!("/getInfo?ids={}", e(&id)),
                st,
                "ids"
            )),
            bad_id_text().prop_map(move |(id, st)| legacy(
                "GET",
                format!("/getImage?img={}", e(&id)),
                st,
                "img"
            )),
        ]
    }

    async fn check(r: &Router, p: &Probe) -> Result<(), TestCaseError> {
        let a = call(r, p.method, &p.uri, p.body.as_deref()).await;
        let ctx = || format!("{p:?} -> {} {}", a.status, a.text());
        prop_assert!(a.status < 500, "server error: {}", ctx());
        if a.status < 400 {
            prop_assert!(
                matches!(p.expect, Expect::NoServerError),
                "accepted bad input: {}",
                ctx()
            );
            return Ok(());
        }
        let content_type = a.header("content-type");
        prop_assert_eq!(
            content_type.as_deref(),
            Some("application/json"),
            "{}",
            ctx()
        );
        let j: Value = serde_json::from_slice(&a.body)
            .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {}", ctx())))?;
        let field = if p.legacy {
            // ["Error with <field>: …", status]
            let arr = j.as_array().filter(|a| a.len() == 2);
            prop_assert!(arr.is_some(), "not the original shape: {}", ctx());
            prop_assert_eq!(&j[1], &json!(a.status), "{}", ctx());
            let msg = j[0].as_str().unwrap_or_default();
            prop_assert!(msg.starts_with("Error with "), "{}", ctx());
            msg["Error with ".len()..]
                .split(':')
                .next()
                .map(|s| s.to_string())
        } else {
            let e = &j["error"];
            prop_assert!(
                e["code"].is_string() && e["message"].is_string(),
                "not an error object: {}",
                ctx()
            );
            prop_assert!(e["field"].is_null() || e["field"].is_string(), "{}", ctx());
            e["field"].as_str().map(String::from)
        };
        if let Expect::Error(status, want) = &p.expect {
            prop_assert_eq!(a.status, *status, "{}", ctx());
            if p.legacy {
                prop_assert_eq!(field.as_deref(), want.as_deref(), "{}", ctx());
            } else {
                prop_assert_eq!(&field, want, "{}", ctx());
            }
        }
        Ok(())
    }

    fn run(strategy: impl Strategy<Value = Probe>, cases: u32) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r = rt.block_on(router());
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |p| rt.block_on(check(&r, &p)));
        if let Err(e) = result {
            panic!("{e}");
        }
    }

    #[test]
    fn bad_recommendation_bodies_are_4xx_naming_the_field() {
        run(
            (valid_body(), defect()).prop_map(|(b, d)| recommendation_probe(b, d)),
            1500,
        );
    }

    #[test]
    fn valid_recommendation_bodies_are_answered() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r = rt.block_on(router());
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&valid_body(), |b| {
                rt.block_on(async {
                    let body = Value::Object(b.clone()).to_string();
                    let a = call(&r, "POST", "/api/v1/recommendations", Some(&body)).await;
                    prop_assert_eq!(a.status, 200, "{} -> {}", body, a.text());
                    let j = a.json();
                    let k = b.get("k").and_then(Value::as_u64).unwrap_or(20).min(100);
                    let items = j["items"].as_array().unwrap();
                    prop_assert!(items.len() as u64 <= k);
                    let mut never: Vec<&Value> = Vec::new();
                    for f in ["liked", "disliked", "exclude"] {
                        if let Some(Value::Array(ids)) = b.get(f) {
                            never.extend(ids);
                        }
                    }
                    for m in items {
                        prop_assert!(!never.contains(&&m["id"]), "{} -> {}", body, a.text());
                    }
                    Ok(())
                })
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn bad_original_client_bodies_keep_the_original_error_shape() {
        run(legacy_body_probe(), 600);
    }

    #[test]
    fn bad_paths_and_query_parameters_are_4xx_naming_the_field() {
        run(query_probe(), 1500);
    }
}

#[tokio::test]
async fn version_dependent_answers_are_cacheable_others_never() {
    let r = router().await;
    let tag = format!("W/\"v{VERSION}\"");
    for path in [
        "/api/v1/movies/3",
        "/api/v1/movies/3/similar?k=3",
        "/api/v1/movies/search?q=movie",
        "/api/v1/genres",
        "/getInfo?ids=3",
        "/countTable",
    ] {
        let a = call(&r, "GET", path, None).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        assert_eq!(
            a.header("cache-control").as_deref(),
            Some("public, max-age=60"),
            "{path}"
        );
        assert_eq!(a.header("etag").as_deref(), Some(tag.as_str()), "{path}");
        // Revalidation with the served version's tag (weak or strong form,
        // or among others): 304, no body, the same tag and lifetime.
        for sent in [
            tag.clone(),
            format!("\"v{VERSION}\""),
            format!("\"x\", {tag}"),
        ] {
            let a = call_with(&r, "GET", path, &[("if-none-match", &sent)], None).await;
            assert_eq!(a.status, 304, "{path} {sent}");
            assert!(a.body.is_empty(), "{path}");
            assert_eq!(a.header("etag").as_deref(), Some(tag.as_str()));
            assert_eq!(
                a.header("cache-control").as_deref(),
                Some("public, max-age=60")
            );
        }
        // Another version's tag: the answer.
        let a = call_with(&r, "GET", path, &[("if-none-match", "W/\"v1\"")], None).await;
        assert_eq!(a.status, 200, "{path}");
    }
    // A 304 answers a cross-origin revalidation with its CORS headers.
    let a = call_with(
        &r,
        "GET",
        "/api/v1/movies/3",
        &[("if-none-match", &tag), ("origin", "http://127.0.0.1:8000")],
        None,
    )
    .await;
    assert_eq!(a.status, 304);
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("http://127.0.0.1:8000")
    );
    // Never stored: random draws, recommendations, health and readiness,
    // statistics; no tag on them nor on an error.
    for (method, path, body) in [
        ("GET", "/api/v1/movies/random?n=3", None),
        ("POST", "/api/v1/recommendations", Some(r#"{"liked":[1]}"#)),
        ("POST", "/getRandom?num=4", None),
        ("POST", "/getSimilarUser", Some("[1]")),
        ("GET", "/health", None),
        ("GET", "/ready", None),
        ("GET", "/api/v1/stats", None),
    ] {
        let a = call_with(&r, method, path, &[("if-none-match", &tag)], body).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        assert_eq!(
            a.header("cache-control").as_deref(),
            Some("no-store"),
            "{path}"
        );
        assert_eq!(a.header("etag"), None, "{path}");
    }
    let a = call(&r, "GET", "/api/v1/movies/999", None).await;
    assert_eq!(a.status, 404);
    assert_eq!((a.header("etag"), a.header("cache-control")), (None, None));
}
