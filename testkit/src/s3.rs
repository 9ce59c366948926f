//! A local S3 server for the function tests and the cold-start bench: s3s-fs (objects are files
//! under a directory) served over HTTP on a loopback port, so the AWS SDK
//! reaches it exactly as it reaches S3 (`AWS_ENDPOINT_URL`, path style).

use std::convert::Infallible;

use aws_sdk_s3::config::{Credentials, Region};
use axum::response::IntoResponse;

pub const ACCESS_KEY: &str = "AKIAREELGRAPHTEST";
pub const SECRET_KEY: &str = "reelgraph-test-secret-key";
pub const REGION: &str = "us-east-1";

/// Serve the s3s-fs store rooted at `root` (one folder per bucket) on
/// `listener`, until the runtime ends. Returns the endpoint URL.
pub fn serve(listener: std::net::TcpListener, root: &std::path::Path) -> String {
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let s3 = b.build();
    let app = axum::Router::new().fallback_service(tower::service_fn(
        move |req: axum::extract::Request| {
            let mut s3 = s3.clone();
            async move {
                let resp = match tower::Service::call(&mut s3, req).await {
                    Ok(r) => r.map(axum::body::Body::new),
                    Err(e) => (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        format!("{e:?}"),
                    )
                        .into_response(),
                };
                Ok::<_, Infallible>(resp)
            }
        },
    ));
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    // TCP_NODELAY, as S3 does: without it a response written in two segments
    // waits for the client's delayed ACK (~40 ms per request).
    let listener = axum::serve::ListenerExt::tap_io(
        tokio::net::TcpListener::from_std(listener).unwrap(),
        |tcp| {
            let _ = tcp.set_nodelay(true);
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// An S3 client of the server at `endpoint`.
pub fn client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The environment that points the AWS SDK at the server (and nowhere else).
pub fn env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_CONFIG_FILE", "/nonexistent/reelgraph-test".to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/reelgraph-test".to_string(),
        ),
    ]
}
