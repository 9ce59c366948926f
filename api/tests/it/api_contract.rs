//! The OpenAPI document is the contract: what `/openapi.json` says and what
//! the server does agree (the disagreements schemathesis found in issue 17,
//! kept from coming back; `infra/schemathesis.sh` runs schemathesis itself
//! against `reelgraph serve`).
//!
//! - every status a route answers, to good and bad input, is one its
//!   operation documents, and so is its content type;
//! - the bounds the document gives (`minimum`/`maximum` of counts and ids,
//!   `minLength`/`maxLength` of `q`, booleans, `additionalProperties: false`)
//!   are the ones the server applies: read from the document, the value at
//!   a bound is accepted and the one past it refused with a 422 naming the
//!   field;
//! - with no version served, every route answers a documented 503 with
//!   `Retry-After`.

use std::sync::Arc;

use reelgraph_api::serving::{ServicesSource, ServicesVectors};
use reelgraph_api::{self as api, ApiConfig, AppState};
use reelgraph_stores::sql;
use serde_json::{Value, json};

use crate::support::api::{Answer, assert_error, call, router};

async fn document(r: &axum::Router) -> Value {
    let a = call(r, "GET", "/openapi.json", None).await;
    assert_eq!(a.status, 200);
    a.json()
}

/// The operation of `method` `path` (a path template of the document).
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    op
}

/// The response object, `$ref`s to `components/responses` followed.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/responses/")
                .unwrap_or_else(|| panic!("unexpected $ref {r}"));
            &doc["components"]["responses"][name]
        }
        None => v,
    }
}

/// Check `a`, the answer of `method` `path`, against the document: a
/// documented status, a documented content type, `Retry-After` on a 503.
fn conforms(doc: &Value, method: &str, path: &str, uri: &str, a: &Answer) {
    let op = operation(doc, method, path);
    let responses = op["responses"].as_object().unwrap();
    let Some(response) = responses.get(&a.status.to_string()) else {
        panic!(
            "{method} {uri} answered {} ({}), which {method} {path} does not document (it documents {:?})",
            a.status,
            a.text(),
            responses.keys().collect::<Vec<_>>()
        );
    };
    let response = resolve(doc, response);
    if let Some(content) = response["content"].as_object() {
        let got = a.header("content-type").unwrap_or_default();
        assert!(
            content.keys().any(|t| got.starts_with(t.as_str())),
            "{method} {uri}: {} answered as {got:?}; documented: {:?}",
            a.status,
            content.keys().collect::<Vec<_>>()
        );
    }
    if a.status == 503 {
        assert_eq!(a.header("retry-after").as_deref(), Some("2"), "{uri}");
        assert!(
            response["headers"]["Retry-After"].is_object(),
            "{method} {path}: the 503 does not document Retry-After"
        );
    }
}

/// Requests to every documented route, good ones and bad ones: (method,
/// path template, URI, body).
type Probe = (&'static str, &'static str, String, Option<&'static str>);

fn probes() -> Vec<Probe> {
    fn get(p: &mut Vec<Probe>, path: &'static str, uris: &[&str]) {
        for u in uris {
            p.push(("GET", path, u.to_string(), None));
        }
    }
    let mut p: Vec<Probe> = Vec::new();
    get(&mut p, "/health", &["/health"]);
    get(&mut p, "/ready", &["/ready"]);
    get(&mut p, "/api/v1/stats", &["/api/v1/stats"]);
    get(
        &mut p,
        "/api/v1/genres",
        &["/api/v1/genres", "/api/v1/genres?x=1"],
    );
    get(
        &mut p,
        "/api/v1/movies/random",
        &[
            "/api/v1/movies/random",
            "/api/v1/movies/random?n=100&genre=drama",
            "/api/v1/movies/random?genre=%20",
            "/api/v1/movies/random?genre=Western",
            "/api/v1/movies/random?n=0",
            "/api/v1/movies/random?n=101",
            "/api/v1/movies/random?n=x",
            "/api/v1/movies/random?n=1&n=2",
            "/api/v1/movies/random?x=1",
        ],
    );
    get(
        &mut p,
        "/api/v1/movies/search",
        &[
            "/api/v1/movies/search?q=movie",
            "/api/v1/movies/search?q=zzz&limit=100",
            "/api/v1/movies/search",
            "/api/v1/movies/search?q=",
            "/api/v1/movies/search?q=%20%09",
            "/api/v1/movies/search?q=a&limit=0",
            "/api/v1/movies/search?q=a&limit=101",
            "/api/v1/movies/search?q=a&x=1",
        ],
    );
    for (path, suffix) in [
        ("/api/v1/movies/{id}", ""),
        ("/api/v1/movies/{id}/similar", "/similar"),
        ("/api/v1/movies/{id}/poster", "/poster"),
    ] {
        for id in [
            "3",
            "12",
            "0",
            "404",
            "4294967295",
            "4294967296",
            "x",
            "%FF",
        ] {
            p.push(("GET", path, format!("/api/v1/movies/{id}{suffix}"), None));
        }
        p.push(("GET", path, format!("/api/v1/movies/3{suffix}?x=1"), None));
    }
    get(
        &mut p,
        "/api/v1/movies/{id}/similar",
        &[
            "/api/v1/movies/3/similar?k=100",
            "/api/v1/movies/3/similar?k=0",
            "/api/v1/movies/3/similar?k=101",
        ],
    );
    get(
        &mut p,
        "/api/v1/movies/{id}/poster",
        &[
            "/api/v1/movies/3/poster?placeholder=true",
            "/api/v1/movies/3/poster?placeholder=false",
            "/api/v1/movies/3/poster?placeholder=1",
            "/api/v1/movies/3/poster?placeholder=",
        ],
    );
    get(
        &mut p,
        "/getInfo",
        &[
            "/getInfo?ids=3",
            "/getInfo?ids=404",
            "/getInfo?ids=0",
            "/getInfo",
            "/getInfo?ids=x",
        ],
    );
    get(
        &mut p,
        "/getImage",
        &[
            "/getImage?img=3",
            "/getImage?img=12",
            "/getImage?img=404",
            "/getImage?img=0",
            "/getImage",
        ],
    );
    get(&mut p, "/countTable", &["/countTable", "/countTable?x=1"]);
    for uri in ["/getRandom", "/getRandom?num=100", "/getRandom?num=101"] {
        p.push(("POST", "/getRandom", uri.into(), None));
    }
    for (uri, body) in [
        ("/getSimilarUser", "[21, \"22\"]"),
        ("/getSimilarUser?num=101", "[21]"),
        ("/getSimilarUser", "[21, 9999]"),
        ("/getSimilarUser", "[1, 1]"),
        ("/getSimilarUser", "[0]"),
        ("/getSimilarUser", "{\"a\": 1}"),
        ("/getSimilarUser", "[1,"),
        ("/getSimilarUser", " "),
    ] {
        p.push(("POST", "/getSimilarUser", uri.into(), Some(body)));
    }
    for body in [
        "{}",
        r#"{"liked": [1, 2], "disliked": [30], "k": 100, "filters": {"genres": ["drama"], "year_min": 0, "year_max": 9999}}"#,
        r#"{"liked": [999]}"#,
        r#"{"filters": {"genres": ["Western"]}}"#,
        r#"{"liked": [0]}"#,
        r#"{"k": 101}"#,
        r#"{"liked": [1], "disliked": [1]}"#,
        r#"{"filters": {"year_min": 2000, "year_max": 1990}}"#,
        r#"{"filters": {"year_min": 10000}}"#,
        r#"{"extra": 1}"#,
        r#"{"filters": {"extra": 1}}"#,
        "[1]",
        "{",
        "",
    ] {
        p.push((
            "POST",
            "/api/v1/recommendations",
            "/api/v1/recommendations".into(),
            Some(body),
        ));
    }
    const V: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
    for body in [
        r#"{"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 3, "signal": "like"}"#,
        r#"{"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 999, "signal": "skip"}"#,
        r#"{"visitor": "x", "movie": 3, "signal": "like"}"#,
        r#"{"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 0, "signal": "like"}"#,
        r#"{"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 3, "signal": "love"}"#,
        r#"{"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 3, "signal": "like", "x": 1}"#,
        "[1]",
        "{",
        "",
    ] {
        p.push((
            "POST",
            "/api/v1/feedback",
            "/api/v1/feedback".into(),
            Some(body),
        ));
    }
    for method in ["GET", "DELETE"] {
        for uri in [
            format!("/api/v1/feedback?visitor={V}"),
            "/api/v1/feedback".to_string(),
            "/api/v1/feedback?visitor=x".to_string(),
            format!("/api/v1/feedback?visitor={V}&x=1"),
        ] {
            p.push((method, "/api/v1/feedback", uri, None));
        }
    }
    p
}

#[tokio::test]
async fn every_answer_is_documented() {
    let r = router().await;
    let doc = document(&r).await;
    for (method, path, uri, body) in probes() {
        let a = call(&r, method, &uri, body).await;
        conforms(&doc, method, path, &uri, &a);
    }
}

/// Every documented operation is probed above (a route added to the
/// document without probes fails here).
#[test]
fn every_documented_operation_is_probed() {
    let doc: Value = serde_json::from_slice(api::docs::openapi_bytes()).unwrap();
    let probed: std::collections::HashSet<(String, String)> = probes()
        .into_iter()
        .map(|(m, p, _, _)| (m.to_ascii_lowercase(), p.to_string()))
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                probed.contains(&(method.clone(), path.clone())),
                "{method} {path} is documented but not probed"
            );
        }
    }
}

/// A parameter of `op` by name.
fn parameter<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

fn bound(schema: &Value, key: &str) -> u64 {
    schema[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in {schema}"))
}

/// The bounds of every count parameter, read from the document, are the
/// server's: the value at a bound is accepted, the one past it is a 422
/// naming the parameter.
#[tokio::test]
async fn documented_bounds_are_applied() {
    let r = router().await;
    let doc = document(&r).await;
    // (method, path, URI before the value, parameter)
    let counts = [
        (
            "GET",
            "/api/v1/movies/random",
            "/api/v1/movies/random?n=",
            "n",
        ),
        (
            "GET",
            "/api/v1/movies/search",
            "/api/v1/movies/search?q=movie&limit=",
            "limit",
        ),
        (
            "GET",
            "/api/v1/movies/{id}/similar",
            "/api/v1/movies/3/similar?k=",
            "k",
        ),
        ("POST", "/getRandom", "/getRandom?num=", "num"),
    ];
    for (method, path, prefix, name) in counts {
        let schema = &parameter(operation(&doc, method, path), name)["schema"];
        let (lo, hi) = (bound(schema, "minimum"), bound(schema, "maximum"));
        assert_eq!((lo, hi), (1, 100), "{path} {name}");
        for ok in [lo, hi] {
            let a = call(&r, method, &format!("{prefix}{ok}"), None).await;
            assert!(a.status < 300, "{prefix}{ok}: {} {}", a.status, a.text());
        }
        for bad in [lo - 1, hi + 1] {
            let a = call(&r, method, &format!("{prefix}{bad}"), None).await;
            if method == "POST" {
                assert_eq!(a.status, 422, "{prefix}{bad}");
                assert_eq!(
                    a.json()[0].as_str().unwrap(),
                    if bad == 0 {
                        format!("Error with {name}: {name} must be at least 1")
                    } else {
                        format!("Error with {name}: {name} is too large (at most {hi} are served)")
                    },
                );
            } else {
                assert_error(&a, 422, Some(name));
            }
        }
    }
    // num of /getSimilarUser, a query parameter beside a body.
    let schema = &parameter(operation(&doc, "POST", "/getSimilarUser"), "num")["schema"];
    let hi = bound(schema, "maximum");
    let a = call(
        &r,
        "POST",
        &format!("/getSimilarUser?num={hi}"),
        Some("[21]"),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = call(
        &r,
        "POST",
        &format!("/getSimilarUser?num={}", hi + 1),
        Some("[21]"),
    )
    .await;
    assert_eq!(a.status, 422);

    // Movie ids in paths and queries: 1..=u32::MAX.
    for (path, prefix, suffix, name) in [
        ("/api/v1/movies/{id}", "/api/v1/movies/", "", "id"),
        (
            "/api/v1/movies/{id}/similar",
            "/api/v1/movies/",
            "/similar",
            "id",
        ),
        (
            "/api/v1/movies/{id}/poster",
            "/api/v1/movies/",
            "/poster",
            "id",
        ),
        ("/getInfo", "/getInfo?ids=", "", "ids"),
        ("/getImage", "/getImage?img=", "", "img"),
    ] {
        let schema = &parameter(operation(&doc, "GET", path), name)["schema"];
        let (lo, hi) = (bound(schema, "minimum"), bound(schema, "maximum"));
        assert_eq!((lo, hi), (1, u32::MAX as u64), "{path} {name}");
        // In range: an unknown id is a 404, not a refusal.
        let a = call(&r, "GET", &format!("{prefix}{hi}{suffix}"), None).await;
        assert_eq!(a.status, 404, "{path} {hi}");
        for bad in [lo - 1, hi + 1] {
            let a = call(&r, "GET", &format!("{prefix}{bad}{suffix}"), None).await;
            assert_eq!(a.status, 422, "{path} {bad}: {}", a.text());
        }
    }

    // q: minLength, maxLength (characters), not all white space.
    let op = operation(&doc, "GET", "/api/v1/movies/search");
    let q = &parameter(op, "q")["schema"];
    let (lo, hi) = (bound(q, "minLength"), bound(q, "maxLength"));
    assert_eq!((lo, hi), (1, 200));
    let e_acute = "%C3%A9"; // 'é': two bytes, one character
    let a = call(
        &r,
        "GET",
        &format!("/api/v1/movies/search?q={}", e_acute.repeat(hi as usize)),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let a = call(
        &r,
        "GET",
        &format!(
            "/api/v1/movies/search?q={}",
            e_acute.repeat(hi as usize + 1)
        ),
        None,
    )
    .await;
    assert_error(&a, 422, Some("q"));
    let pattern = q["pattern"].as_str().unwrap();
    for blank in ["\u{3000}", "\u{85}", "\u{2028}"] {
        // Each of these is white space to the pattern and to the server.
        assert!(pattern.contains(&format!("\\u{:04X}", blank.chars().next().unwrap() as u32)));
        let uri = format!(
            "/api/v1/movies/search?q={}",
            blank
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect::<String>()
        );
        assert_error(&call(&r, "GET", &uri, None).await, 422, Some("q"));
    }

    // placeholder: a boolean, nothing else.
    let op = operation(&doc, "GET", "/api/v1/movies/{id}/poster");
    assert_eq!(parameter(op, "placeholder")["schema"]["type"], "boolean");
    for (v, status) in [("true", 200), ("false", 302), ("1", 422), ("", 422)] {
        let a = call(
            &r,
            "GET",
            &format!("/api/v1/movies/3/poster?placeholder={v}"),
            None,
        )
        .await;
        assert_eq!(a.status, status, "placeholder={v}");
    }

    // The recommendation body: k's bounds, years, no other property.
    let body = &doc["components"]["schemas"]["RecommendationRequest"];
    assert_eq!(body["additionalProperties"], json!(false));
    let k = &body["properties"]["k"];
    let hi = bound(k, "maximum");
    let post = |b: String| {
        let r = r.clone();
        async move { call(&r, "POST", "/api/v1/recommendations", Some(&b)).await }
    };
    assert_eq!(post(format!(r#"{{"k": {hi}}}"#)).await.status, 200);
    assert_error(
        &post(format!(r#"{{"k": {}}}"#, hi + 1)).await,
        422,
        Some("k"),
    );
    assert_error(&post(r#"{"k": 0}"#.into()).await, 422, Some("k"));
    // A JSON Schema integer may be written 20.0; 20.5 is not one.
    assert_eq!(
        post(r#"{"k": 20.0, "liked": [1.0]}"#.into()).await.status,
        200
    );
    assert_error(&post(r#"{"k": 20.5}"#.into()).await, 422, Some("k"));
    let filters = &doc["components"]["schemas"]["Filters"];
    assert_eq!(filters["additionalProperties"], json!(false));
    for year in ["year_min", "year_max"] {
        let hi = bound(&filters["properties"][year], "maximum");
        let ok = post(format!(r#"{{"filters": {{"{year}": {hi}}}}}"#)).await;
        assert_eq!(ok.status, 200, "{year}={hi}: {}", ok.text());
        assert_error(
            &post(format!(r#"{{"filters": {{"{year}": {}}}}}"#, hi + 1)).await,
            422,
            Some(&format!("filters.{year}")),
        );
    }
    for list in ["liked", "disliked", "exclude"] {
        let schema = &body["properties"][list];
        assert_eq!(bound(&schema["items"], "minimum"), 1, "{list}");
        assert_eq!(schema["uniqueItems"], json!(true), "{list}");
        assert_error(
            &post(format!(r#"{{"{list}": [0]}}"#)).await,
            422,
            Some(list),
        );
    }
    assert_error(&post(r#"{"extra": 1}"#.into()).await, 422, Some("extra"));
}

/// With no version served, every route but `/health` answers a documented
/// 503 with `Retry-After`.
#[tokio::test]
async fn nothing_served_is_a_documented_503() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("meta.db").display());
    // Migrated, nothing loaded.
    drop(sql::open(&url.parse().unwrap()).await.unwrap());
    let source = ServicesSource {
        meta: sql::open_reader(&url.parse().unwrap()).await.unwrap(),
        vectors: ServicesVectors::Embedded,
        describe: "an empty database".into(),
    };
    let state = AppState::open(Arc::new(source), ApiConfig::default()).await;
    assert_eq!(state.model_version(), None);
    let r = api::router(Arc::new(state));
    let doc = document(&r).await;
    for (method, path, uri, body) in probes() {
        let a = call(&r, method, &uri, body).await;
        conforms(&doc, method, path, &uri, &a);
    }
    let a = call(&r, "GET", "/api/v1/movies/3", None).await;
    assert_error(&a, 503, None);
    let a = call(&r, "POST", "/getRandom", None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.header("retry-after").as_deref(), Some("2"));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"]["503"].is_object(),
                "{method} {path} does not document its 503"
            );
        }
    }
}
