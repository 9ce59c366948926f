//! A local AWS Secrets Manager for the tests: the `GetSecretValue` action of
//! its JSON protocol (`POST /` with `X-Amz-Target:
//! secretsmanager.GetSecretValue`, `application/x-amz-json-1.1`), over HTTP on
//! a loopback port, so the AWS SDK reaches it exactly as it reaches the
//! service (`AWS_ENDPOINT_URL_SECRETS_MANAGER`). Requests must be signed
//! (SigV4) for the `secretsmanager` service with the test access key of
//! [`crate::s3`]; the signature itself is not verified. Every request is
//! counted ([`Secrets::requests`]).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// A running local Secrets Manager.
pub struct Secrets {
    pub endpoint: String,
    requests: Arc<AtomicUsize>,
}

impl Secrets {
    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The variables that point an AWS SDK at this server (and only the
    /// Secrets Manager client: S3 keeps its own endpoint).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", crate::s3::ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", crate::s3::SECRET_KEY.to_string()),
            ("AWS_REGION", crate::s3::REGION.to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        serde_json::json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

/// Serve `secrets` (secret id — ARN or name — → its text) on `listener`
/// until the runtime ends.
pub fn serve(listener: std::net::TcpListener, secrets: BTreeMap<String, String>) -> Secrets {
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    let secrets = Arc::new(secrets);
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (secrets, count) = (secrets.clone(), count.clone());
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let auth = header("authorization");
            if !auth.starts_with("AWS4-HMAC-SHA256 ")
                || !auth.contains(&format!("Credential={}/", crate::s3::ACCESS_KEY))
                || !auth.contains("/secretsmanager/aws4_request")
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid.",
                );
            }
            if header("x-amz-target") != "secretsmanager.GetSecretValue" {
                return error(
                    StatusCode::BAD_REQUEST,
                    "UnknownOperationException",
                    "only GetSecretValue is served here",
                );
            }
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["SecretId"].as_str().map(str::to_string))
                .unwrap_or_default();
            match secrets.get(&id) {
                Some(text) => (
                    StatusCode::OK,
                    [("content-type", "application/x-amz-json-1.1")],
                    serde_json::json!({
                        "ARN": id,
                        "Name": id.rsplit(':').next().unwrap_or_default(),
                        "SecretString": text,
                        "VersionId": "00000000-0000-0000-0000-000000000001",
                        "VersionStages": ["AWSCURRENT"],
                        "CreatedDate": 1.7e9
                    })
                    .to_string(),
                )
                    .into_response(),
                None => error(
                    StatusCode::BAD_REQUEST,
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret.",
                ),
            }
        }
    });
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Secrets {
        endpoint: format!("http://{addr}"),
        requests,
    }
}
