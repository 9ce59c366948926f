//! [`ObjectStore`] on S3 (or any S3-compatible service) via `aws-sdk-s3`.
//!
//! `s3://bucket/prefix` addresses the keys under `prefix/` in `bucket`.
//! [`S3Store::from_env`] uses the SDK's standard configuration chain:
//! credentials (`AWS_ACCESS_KEY_ID`/…, profiles, SSO, instance roles),
//! region (`AWS_REGION`, profile), and endpoint (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_S3`). Path-style addressing, needed by most local S3
//! servers (MinIO, s3s-fs), is turned on with `REELGRAPH_S3_PATH_STYLE=true`
//! (or `AWS_S3_FORCE_PATH_STYLE=true`) and is on by default whenever an
//! explicit endpoint URL is set.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;

use crate::error::{Error, Result};
use crate::object::ObjectStore;
use crate::settings::{self, ModelsSpec};

/// A bucket and key prefix on S3.
#[derive(Clone, Debug)]
pub struct S3Store {
    client: Client,
    bucket: String,
    /// Empty, or ends with `/`.
    prefix: String,
}

/// Split `s3://bucket/prefix` into `(bucket, prefix)`; the prefix is empty or
/// ends with `/`.
pub fn parse_uri(uri: &str) -> Result<(String, String)> {
    match uri.parse::<ModelsSpec>().map_err(Error::Invalid)? {
        ModelsSpec::S3 { bucket, prefix } if prefix.is_empty() => Ok((bucket, prefix)),
        ModelsSpec::S3 { bucket, prefix } => Ok((bucket, format!("{prefix}/"))),
        ModelsSpec::Local(_) => Err(Error::Invalid(format!(
            "{uri:?} is not an s3://bucket/prefix URI"
        ))),
    }
}

impl S3Store {
    /// A store on an already configured client.
    pub fn new(client: Client, uri: &str) -> Result<Self> {
        let (bucket, prefix) = parse_uri(uri)?;
        Ok(S3Store {
            client,
            bucket,
            prefix,
        })
    }

    /// A store configured from the environment (see the module docs).
    pub async fn from_env(uri: &str) -> Result<Self> {
        let shared = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let explicit_endpoint = shared.endpoint_url().is_some();
        let ours = settings::s3_path_style_from_env()?;
        let aws_force = std::env::var("AWS_S3_FORCE_PATH_STYLE")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "TRUE" | "yes"));
        let path_style = ours == Some(true) || aws_force || (explicit_endpoint && ours.is_none());
        let conf = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(path_style)
            .build();
        Self::new(Client::from_conf(conf), uri)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn key(&self, key: &str) -> Result<String> {
        super::check_key(key)?;
        Ok(format!("{}{key}", self.prefix))
    }

    fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, key)
    }
}

fn unavailable(what: String, e: impl std::error::Error) -> Error {
    Error::Unavailable(format!("{what}: {}", crate::error::chain(&e)))
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn get(&self, key: &str) -> Result<Bytes> {
        let full = self.key(key)?;
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&full)
            .send()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                if e.as_service_error().is_some_and(|se| se.is_no_such_key()) {
                    return Err(Error::NotFound(self.url(&full)));
                }
                return Err(unavailable(format!("GET {}", self.url(&full)), e));
            }
        };
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| unavailable(format!("GET {} body", self.url(&full)), e))?;
        Ok(body.into_bytes())
    }

    async fn put(&self, key: &str, body: Bytes) -> Result<()> {
        let full = self.key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&full)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| unavailable(format!("PUT {}", self.url(&full)), e))?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let full = format!("{}{prefix}", self.prefix);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&full)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| unavailable(format!("LIST {}", self.url(&full)), e))?;
            for obj in page.contents() {
                if let Some(k) = obj.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    out.push(k.to_string());
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        out.sort();
        Ok(out)
    }

    fn describe(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        assert_eq!(
            parse_uri("s3://b/models/x/").unwrap(),
            ("b".into(), "models/x/".into())
        );
        assert_eq!(parse_uri("s3://b").unwrap(), ("b".into(), String::new()));
        assert!(parse_uri("s3:///x").is_err());
        assert!(parse_uri("http://b/x").is_err());
    }
}
