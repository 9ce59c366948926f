//! The original client's routes: exact body shapes, byte for byte.

use crate::support::api::*;
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
            "https://img.example/poster3.jpg".to_string()
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
            r#""Plot":"Three things happen.","Poster":"https://img.example/poster3.jpg","Rated":"N/A","#,
            r#""Response":"True","Runtime":"101 min","Title":"Movie 3","Type":"movie","Year":"1983","#,
            r#""imdbID":"N/A"},"https://img.example/poster3.jpg"],200]"#
        )
    );
    let a = call(&r, "GET", "/getInfo?ids=12", None).await;
    let j = a.json();
    assert_eq!(j[0][1], "/getImage?img=12");
    assert_eq!(j[0][0]["Poster"], "/getImage?img=12");
    assert_eq!(j[0][0]["Plot"], "N/A");
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
        Some("https://img.example/poster3.jpg")
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
