//! Every answer carries a request id and the security headers, is counted
//! in the metrics by route (the pattern, not the raw path) and status, its
//! store calls by store and operation, and the metrics render in the
//! Prometheus text format.

use axum::body::Body;
use axum::http::Request;
use reelgraph_api::observe::Metrics;
use reelgraph_api::{ApiConfig, CSP};
use reelgraph_stores::timing::StoreCall;
use tower::ServiceExt;

use crate::support::api::{answer, call, fixture_with};

#[tokio::test]
async fn request_ids_security_headers_and_metrics() {
    let f = fixture_with(ApiConfig::default()).await;
    let state = f.state.clone();
    let router = f.router();

    // A well-formed client id is kept; anything else is replaced.
    for (sent, kept) in [("abc-123.x_y", true), ("<script>", false), ("", false)] {
        let req = Request::get("/api/v1/movies/3")
            .header("x-request-id", sent)
            .body(Body::empty())
            .unwrap();
        let a = answer(router.clone().oneshot(req).await.unwrap()).await;
        assert_eq!(a.status, 200);
        let id = a.header("x-request-id").unwrap();
        if kept {
            assert_eq!(id, sent);
        } else {
            assert_eq!(id.len(), 16, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
    }

    let a = call(&router, "GET", "/api/v1/movies/4", None).await;
    assert_eq!(
        a.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(a.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(a.header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(a.header("content-security-policy").as_deref(), Some(CSP));
    assert!(CSP.contains("frame-ancestors 'none'") && CSP.contains("script-src 'self'"));
    // An error answer too.
    let a = call(&router, "GET", "/api/v1/movies/999", None).await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    // Swagger UI needs inline styles, nothing else does.
    let a = call(&router, "GET", "/docs/", None).await;
    let csp = a.header("content-security-policy").unwrap();
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");

    // Counted by route pattern and status: 4 × 200 and 1 × 404 above.
    let route = "/api/v1/movies/{id}";
    assert_eq!(state.metrics.count("GET", route, 200), 4);
    assert_eq!(state.metrics.count("GET", route, 404), 1);
    let text = state.metrics_text();
    assert!(
        text.contains(&format!(
            "reelgraph_requests_total{{method=\"GET\",route=\"{route}\",status=\"404\"}} 1\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "reelgraph_request_duration_seconds_count{{method=\"GET\",route=\"{route}\"}} 5\n"
        )),
        "{text}"
    );
    assert!(text.contains(&format!(
        "reelgraph_request_duration_seconds_bucket{{method=\"GET\",route=\"{route}\",le=\"+Inf\"}} 5\n"
    )));
    let version = state.model_version().unwrap();
    assert!(
        text.contains(&format!("reelgraph_model_version {}\n", version as f64)),
        "{text}"
    );
    assert!(text.contains("# TYPE reelgraph_request_duration_seconds histogram\n"));

    // Store calls are counted by store and operation: a recommendation
    // searches the embedded index, readiness asks SQL for the active version.
    let a = call(
        &router,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked":[1,2],"k":5}"#),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let (search, many) = (
        state.metrics.store_calls("embedded", "search"),
        state.metrics.store_calls("embedded", "search_many"),
    );
    assert!(
        search.0 + many.0 >= 1 && search.1 + many.1 == 0,
        "{search:?} {many:?}"
    );
    assert_eq!(call(&router, "GET", "/ready", None).await.status, 200);
    assert_eq!(state.metrics.store_calls("sql", "active_version"), (1, 0));
    let text = state.metrics_text();
    assert!(
        text.contains(
            "reelgraph_store_calls_total{store=\"sql\",op=\"active_version\",outcome=\"ok\"} 1\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "reelgraph_store_call_duration_seconds_count{store=\"sql\",op=\"active_version\"} 1\n"
        ),
        "{text}"
    );
}

#[test]
fn histogram_buckets_are_cumulative() {
    let m = Metrics::default();
    for s in [0.0004, 0.003, 0.003, 0.2, 9.0] {
        m.observe("POST", "/x", 200, s);
    }
    let text = m.render(&[]);
    let bucket = |le: &str| {
        let line = format!(
            "reelgraph_request_duration_seconds_bucket{{method=\"POST\",route=\"/x\",le=\"{le}\"}} "
        );
        let rest = &text[text.find(&line).unwrap() + line.len()..];
        rest.lines().next().unwrap().parse::<u64>().unwrap()
    };
    assert_eq!(bucket("0.0005"), 1);
    assert_eq!(bucket("0.0025"), 1);
    assert_eq!(bucket("0.005"), 3);
    assert_eq!(bucket("0.25"), 4);
    assert_eq!(bucket("2.5"), 4);
    assert_eq!(bucket("+Inf"), 5);
    let sum_line = "reelgraph_request_duration_seconds_sum{method=\"POST\",route=\"/x\"} ";
    let rest = &text[text.find(sum_line).unwrap() + sum_line.len()..];
    let sum: f64 = rest.lines().next().unwrap().parse().unwrap();
    assert!((sum - 9.2064).abs() < 1e-9, "{sum}");
}

#[test]
fn emf_records_name_their_metrics() {
    let calls = [
        StoreCall {
            store: "milvus",
            op: "search",
            seconds: 0.25,
            failed: false,
        },
        StoreCall {
            store: "milvus",
            op: "search",
            seconds: 0.5,
            failed: true,
        },
    ];
    let line = Metrics::emf(
        "reelgraph-recommend",
        "/api/v1/recommendations",
        503,
        12.5,
        &calls,
    );
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let cw = &v["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(cw["Namespace"], "reelgraph");
    let names: Vec<&str> = cw["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Latency",
            "Requests",
            "Errors5xx",
            "StoreLatency",
            "StoreErrors"
        ]
    );
    for name in names {
        assert!(v.get(name).is_some(), "{name} has no value");
    }
    assert_eq!(
        (v["Errors5xx"].as_u64(), v["Latency"].as_f64()),
        (Some(1), Some(12.5))
    );
    assert_eq!(
        (v["StoreLatency"].as_f64(), v["StoreErrors"].as_u64()),
        (Some(750.0), Some(1))
    );
    assert_eq!(
        v["StoreCalls"],
        "milvus.search=250.00 milvus.search!=500.00"
    );
    assert_eq!(v["Function"], "reelgraph-recommend");
    assert!(v["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
}
