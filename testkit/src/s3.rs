//! The one local S3 server of the tests, the benchmarks and `infra/s3.sh`:
//! s3s-fs (objects are files under a directory, one folder per bucket)
//! behind s3s's S3 protocol with signature-v4 authentication.
//!
//! - [`serve`]: over HTTP on a loopback port, so the AWS SDK reaches it
//!   exactly as it reaches S3 (`AWS_ENDPOINT_URL`, path style); [`client`]
//!   and [`env()`] point a client or a process at it.
//! - [`in_process_client`]: an SDK client whose HTTP client *is* the server
//!   (`s3s_aws`), for tests that need no socket.
//! - `src/bin/s3-server.rs`: the same server as a program.

use aws_sdk_s3::config::{Credentials, Region};
use axum::error_handling::HandleError;
use axum::http::StatusCode;

pub const ACCESS_KEY: &str = "AKIAREELGRAPHTEST";
pub const SECRET_KEY: &str = "reelgraph-test-secret-key";
pub const REGION: &str = "us-east-1";

/// The S3 service over the s3s-fs store rooted at `root`, accepting
/// requests signed with `access_key`/`secret_key`.
pub fn service(
    root: &std::path::Path,
    access_key: &str,
    secret_key: &str,
) -> Result<s3s::service::S3Service, String> {
    let fs = s3s_fs::FileSystem::new(root)
        .map_err(|e| format!("cannot serve {}: {e:?}", root.display()))?;
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret_key));
    Ok(b.build())
}

/// `service` as an axum router (every path is an S3 request).
pub fn router(service: s3s::service::S3Service) -> axum::Router {
    axum::Router::new()
        .fallback_service(HandleError::new(service, |e: s3s::HttpError| async move {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}"))
        }))
}

/// Serve the s3s-fs store rooted at `root` (one folder per bucket) on
/// `listener` with the test keys, until the runtime ends. Returns the
/// endpoint URL.
pub fn serve(listener: std::net::TcpListener, root: &std::path::Path) -> String {
    let app = router(service(root, ACCESS_KEY, SECRET_KEY).unwrap());
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

fn config() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
        .region(Region::new(REGION))
        .force_path_style(true)
}

/// An S3 client of the server at `endpoint`.
pub fn client(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(config().endpoint_url(endpoint).build())
}

/// An S3 client served in process by the s3s-fs store rooted at `root`:
/// requests go through the SDK (signing, serialisation, retries) straight
/// into the server, without a socket. No runtime is needed to create it.
pub fn in_process_client(root: &std::path::Path) -> aws_sdk_s3::Client {
    let service = service(root, ACCESS_KEY, SECRET_KEY).unwrap();
    let conf = config()
        // Never dialled: the HTTP client below is the server itself.
        .endpoint_url("http://localhost:8014")
        .http_client(s3s_aws::Client::from(service))
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
