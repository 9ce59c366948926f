//! The original client's routes: exact body shapes, byte for byte.

use crate::support::api::*;
use reelgraph_api::ApiConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn get_random_shape() {
    let r = router().await;
    let a = call(&r, "POST", "/getRandom?num=4", None).await;
    assert_eq!(a.status, 200);
    let j = a.json();
    let arr = j.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[1], 200);
    let map = arr[0].as_object().unwrap();
    assert_eq!(map.len(), 4);
    for (id, v) in map {
        let id: u32 = id.parse().unwrap();
        let year = (1980 + id).to_string();
        let poster = if id == 3 {
            "https://m.media-amazon.com/images/M/poster3.jpg".to_string()
        } else {
            format!("/getImage?img={id}")
        };
        let title = if id == 12 {
            "Amélie".to_string()
        } else {
            format!("Movie {id}")
        };
        assert_eq!(v, &json!([title, year, poster]));
    }
    // Default 16.
    let a = call(&r, "POST", "/getRandom", None).await;
    assert_eq!(a.json()[0].as_object().unwrap().len(), 16);
}

#[tokio::test]
async fn get_info_bytes() {
    let r = router().await;
    let a = call(&r, "GET", "/getInfo?ids=3", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.text(),
        concat!(
            r#"[[{"Actors":"X, Y","Director":"A. Director","Genre":"Action","Language":"N/A","#,
            r#""Plot":"Three things happen.","Poster":"https://m.media-amazon.com/images/M/poster3.jpg","Rated":"N/A","#,
            r#""Released":"22 Nov 1995","Response":"True","Runtime":"101 min","Title":"Movie 3","#,
            r#""Type":"movie","Year":"1983","imdbID":"N/A","imdbRating":"8.3","imdbVotes":"860,790"},"#,
            r#""https://m.media-amazon.com/images/M/poster3.jpg"],200]"#
        )
    );
    // Without a Host header (nothing to build an absolute link from), links stay relative.
    let a = call(&r, "GET", "/getInfo?ids=12", None).await;
    let j = a.json();
    assert_eq!(j[0][1], "/getImage?img=12");
    assert_eq!(j[0][0]["Poster"], "/getImage?img=12");
    assert_eq!(j[0][0]["Plot"], "N/A");
    // What the original client's detail page shows, "N/A" where the data has nothing.
    for field in ["Released", "imdbRating", "imdbVotes", "Runtime"] {
        assert_eq!(j[0][0][field], "N/A", "{field}");
    }
    assert!(!varies_on_host(&a));
}

const HOST: (&str, &str) = ("host", "127.0.0.1:8123");

/// Whether the answer's `Vary` headers name `Host`.
fn varies_on_host(a: &Answer) -> bool {
    a.headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .split(',')
            .any(|x| x.trim().eq_ignore_ascii_case("host"))
    })
}

#[tokio::test]
async fn links_are_absolute_from_the_host_header() {
    let r = router().await;
    let a = call_with(&r, "POST", "/getRandom?num=40", &[HOST], None).await;
    assert_eq!(a.status, 200);
    assert!(varies_on_host(&a));
    let j = a.json();
    let map = j[0].as_object().unwrap();
    assert_eq!(map.len(), 40);
    for (id, v) in map {
        let want = if id == "3" {
            "https://m.media-amazon.com/images/M/poster3.jpg".to_string()
        } else {
            format!("http://127.0.0.1:8123/getImage?img={id}")
        };
        assert_eq!(v[2], want.as_str());
    }

    // Byte for byte, with the client's own Host (upper case folded).
    let a = call_with(
        &r,
        "GET",
        "/getInfo?ids=12",
        &[("host", "API.Example.com:8080")],
        None,
    )
    .await;
    assert!(varies_on_host(&a));
    assert_eq!(
        a.text(),
        concat!(
            r#"[[{"Actors":"N/A","Director":"N/A","Genre":"Comedy","Language":"N/A","Plot":"N/A","#,
            r#""Poster":"http://api.example.com:8080/getImage?img=12","Rated":"N/A","Released":"N/A","#,
            r#""Response":"True","Runtime":"N/A","Title":"Amélie","Type":"movie","Year":"1992","#,
            r#""imdbID":"N/A","imdbRating":"N/A","imdbVotes":"N/A"},"#,
            r#""http://api.example.com:8080/getImage?img=12"],200]"#
        )
    );

    let a = call_with(&r, "POST", "/getSimilarUser?num=3", &[HOST], Some("[1, 2]")).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(varies_on_host(&a));
    let j = a.json();
    let map = j[0].as_object().unwrap();
    assert_eq!(map.len(), 3);
    for (id, v) in map {
        if id != "3" {
            assert_eq!(
                v[2],
                format!("http://127.0.0.1:8123/getImage?img={id}").as_str()
            );
        }
    }

    // An absolute-form request (what Lambda's adapter builds from API Gateway's
    // event) keeps its scheme and authority.
    let a = call(
        &r,
        "GET",
        "https://abc.execute-api.example/getInfo?ids=4",
        None,
    )
    .await;
    assert_eq!(
        a.json()[0][1],
        "https://abc.execute-api.example/getImage?img=4"
    );

    // The link a client follows answers with the poster.
    let a = call_with(&r, "GET", "/getImage?img=12", &[HOST], None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type").as_deref(), Some("image/svg+xml"));
}

#[tokio::test]
async fn a_forged_host_never_reaches_a_link() {
    let r = router().await;
    for forged in [
        "evil.example/x?",
        "evil.example\"><img src=x onerror=alert(1)>",
        "user@evil.example",
        "evil.example:99999",
        "evil.example, api.example",
        "",
    ] {
        let a = call_with(&r, "GET", "/getInfo?ids=4", &[("host", forged)], None).await;
        assert_eq!(a.status, 200, "{forged}");
        assert!(!a.text().contains("evil"), "{forged}: {}", a.text());
        assert_eq!(a.json()[0][1], "/getImage?img=4", "{forged}");
        assert!(!varies_on_host(&a), "{forged}");
    }
    // Proxy headers are not trusted: the link follows Host only.
    let a = call_with(
        &r,
        "POST",
        "/getRandom?num=40",
        &[
            HOST,
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ],
        None,
    )
    .await;
    assert!(!a.text().contains("evil"), "{}", a.text());
    assert!(a.text().contains("\"http://127.0.0.1:8123/getImage?img="));
}

#[tokio::test]
async fn the_configured_public_url_wins_over_host() {
    let r = fixture_with(ApiConfig {
        public_url: "https://api.example.com/".into(),
        ..ApiConfig::default()
    })
    .await
    .router();
    for headers in [&[][..], &[("host", "evil.example")][..]] {
        let a = call_with(&r, "GET", "/getInfo?ids=4", headers, None).await;
        assert_eq!(a.json()[0][1], "https://api.example.com/getImage?img=4");
        assert_eq!(
            a.json()[0][0]["Poster"],
            "https://api.example.com/getImage?img=4"
        );
        // The answer does not depend on Host, so caches need not key on it.
        assert!(!varies_on_host(&a));
        let a = call_with(&r, "POST", "/getSimilarUser?num=2", headers, Some("[11]")).await;
        for v in a.json()[0].as_object().unwrap().values() {
            assert!(
                v[2].as_str()
                    .unwrap()
                    .starts_with("https://api.example.com/getImage?img="),
                "{v}"
            );
        }
    }
}

#[tokio::test]
async fn get_similar_user_keeps_rank_order() {
    let r = router().await;
    let a = call(&r, "POST", "/getSimilarUser?num=5", Some("[21, 22]")).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let text = a.text();
    assert!(
        text.starts_with("[{\"") && text.ends_with("},200]"),
        "{text}"
    );
    let j = a.json();
    let map = j[0].as_object().unwrap();
    assert_eq!(map.len(), 5);
    assert!(map.keys().all(|k| {
        let id: u32 = k.parse().unwrap();
        (23..=30).contains(&id)
    }));
    // Key order in the bytes is the ranking, which /api/v1/recommendations agrees with.
    let v1 = call(
        &r,
        "POST",
        "/api/v1/recommendations",
        Some(r#"{"liked": [21, 22], "k": 5}"#),
    )
    .await;
    let order: Vec<String> = v1.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    let mut pos = 0;
    for id in &order {
        let at = text[pos..].find(&format!("\"{id}\":")).expect("in order");
        pos += at + 1;
    }
    // Ids given as strings are accepted (the original client may send them).
    let a = call(&r, "POST", "/getSimilarUser", Some(r#"["21"]"#)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()[0].as_object().unwrap().len(), 16);
}

#[tokio::test]
async fn get_image_and_count_table() {
    let r = router().await;
    let a = call(&r, "GET", "/getImage?img=3", None).await;
    assert_eq!(a.status, 302);
    assert_eq!(
        a.header("location").as_deref(),
        Some("https://m.media-amazon.com/images/M/poster3.jpg")
    );
    let a = call(&r, "GET", "/getImage?img=4", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type").as_deref(), Some("image/svg+xml"));
    let a = call(&r, "GET", "/countTable", None).await;
    assert_eq!(a.text(), r#"["40,40",200]"#);
}

fn assert_legacy_error(a: &Answer, status: u16, field: &str) {
    assert_eq!(a.status, status, "{}", a.text());
    let j: Value = a.json();
    let msg = j[0].as_str().unwrap();
    assert!(msg.starts_with(&format!("Error with {field}")), "{msg}");
    assert_eq!(j[1], status);
    assert_eq!(j.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn legacy_errors_keep_the_original_shape_and_set_the_status() {
    let r = router().await;
    assert_legacy_error(
        &call(&r, "POST", "/getRandom?num=abc", None).await,
        422,
        "num",
    );
    assert_legacy_error(&call(&r, "GET", "/getInfo", None).await, 422, "ids");
    assert_legacy_error(
        &call(&r, "GET", "/getInfo?ids=9999", None).await,
        404,
        "ids",
    );
    assert_legacy_error(&call(&r, "GET", "/getInfo?ids=-1", None).await, 422, "ids");
    assert_legacy_error(
        &call(&r, "POST", "/getSimilarUser", Some("[1, 9999]")).await,
        404,
        "liked",
    );
    assert_legacy_error(
        &call(&r, "POST", "/getSimilarUser", Some("[1, 1]")).await,
        422,
        "liked",
    );
    assert_legacy_error(
        &call(&r, "POST", "/getSimilarUser", Some("{\"a\":1}")).await,
        422,
        "liked",
    );
    assert_legacy_error(
        &call(&r, "POST", "/getSimilarUser", Some("[1,")).await,
        400,
        "request",
    );
    assert_legacy_error(&call(&r, "GET", "/getImage?img=x", None).await, 422, "img");
    // Table deletion is not exposed.
    assert_error(&call(&r, "POST", "/deleteTable", None).await, 404, None);
}
