//! Store credentials from AWS Secrets Manager, read at start-up.
//!
//! A deployed function never receives a credential in its environment
//! (anyone allowed `lambda:GetFunctionConfiguration` could read it there, and
//! a rotation would never reach it): it gets the secret's ARN,
//! [`SECRET_ARN`](crate::settings::SECRET_ARN) (`REELGRAPH_SECRET_ARN`), and
//! reads the secret with its own role when it starts — so a rotated secret
//! is used from the next cold start on. The secret is a JSON object:
//!
//! | key | value |
//! |---|---|
//! | `mysql_url` | the metadata store's URL, `mysql://USER:PASS@HOST:PORT/DB?ssl-mode=VERIFY_IDENTITY` (required) |
//! | `milvus_token` | the Milvus token, `user:password` or an API key (optional) |
//!
//! Other keys are ignored. [`overlay`] puts the two values where the
//! function's configuration reads `REELGRAPH_DB` and
//! `REELGRAPH_MILVUS_TOKEN`, in memory only, so they go through exactly the
//! checks a variable would. No message here ever contains a value of the
//! secret.

use std::collections::BTreeMap;
use std::future::Future;

use crate::error::{Error, Result};
use crate::settings::{self, DbSpec};

/// The variables a secret stands in for, by the secret's key.
pub const KEYS: [(&str, &str); 2] = [
    ("mysql_url", settings::DB.env),
    ("milvus_token", settings::MILVUS_TOKEN.env),
];

/// The values of a secret's JSON text, by the variable they stand in for.
/// `arn` only names the secret in errors.
pub fn parse(arn: &str, text: &str) -> Result<BTreeMap<&'static str, String>> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|_| {
        Error::Invalid(format!(
            "the secret {arn} is not a JSON object (keys \"mysql_url\", \"milvus_token\")"
        ))
    })?;
    let obj = json.as_object().ok_or_else(|| {
        Error::Invalid(format!(
            "the secret {arn} is not a JSON object (keys \"mysql_url\", \"milvus_token\")"
        ))
    })?;
    let mut out = BTreeMap::new();
    for (key, var) in KEYS {
        match obj.get(key) {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {}
            Some(serde_json::Value::String(s)) => {
                out.insert(var, s.trim().to_string());
            }
            Some(_) => {
                return Err(Error::Invalid(format!(
                    "the secret {arn}: \"{key}\" is not a string"
                )));
            }
        }
    }
    let url = out.get(settings::DB.env).ok_or_else(|| {
        Error::Invalid(format!(
            "the secret {arn} has no \"mysql_url\" (the metadata store's URL)"
        ))
    })?;
    // Checked here so that no later message can quote the URL.
    if url.parse::<DbSpec>().is_err() {
        return Err(Error::Invalid(format!(
            "the secret {arn}: \"mysql_url\" is not a database URL \
             (mysql://USER:PASS@HOST:PORT/DB)"
        )));
    }
    Ok(out)
}

/// The secret `arn`'s text, read with the SDK's standard configuration
/// (the function's role; `AWS_ENDPOINT_URL_SECRETS_MANAGER` or
/// `AWS_ENDPOINT_URL` for another endpoint).
pub async fn fetch(arn: String) -> Result<String> {
    let shared = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_secretsmanager::Client::new(&shared);
    fetch_with(&client, &arn).await
}

/// The secret `arn`'s text, read by `client`.
pub async fn fetch_with(client: &aws_sdk_secretsmanager::Client, arn: &str) -> Result<String> {
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            let why = match e.as_service_error() {
                Some(se) if se.is_resource_not_found_exception() => {
                    return Error::NotFound(format!("the secret {arn} does not exist"));
                }
                Some(se) => se
                    .meta()
                    .code()
                    .unwrap_or("an error of Secrets Manager")
                    .to_string(),
                None => crate::error::chain(&e),
            };
            Error::Unavailable(format!("cannot read the secret {arn}: {why}"))
        })?;
    out.secret_string().map(str::to_string).ok_or_else(|| {
        Error::Invalid(format!(
            "the secret {arn} has no text (a binary secret?); store a JSON object"
        ))
    })
}

/// `get` (a configuration's variables), with `REELGRAPH_DB` and
/// `REELGRAPH_MILVUS_TOKEN` taken from the secret that
/// `REELGRAPH_SECRET_ARN` names, read by `fetch` — when it names one.
/// Setting those variables as well is an error: a credential has one place.
pub async fn overlay<G, F, Fut>(get: G, fetch: F) -> Result<impl Fn(&str) -> Option<String>>
where
    G: Fn(&str) -> Option<String>,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<String>>,
{
    let text = |k: &str| {
        get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut values = BTreeMap::new();
    if let Some(arn) = text(settings::SECRET_ARN.env) {
        let set: Vec<&str> = KEYS
            .iter()
            .map(|(_, var)| *var)
            .filter(|var| text(var).is_some())
            .collect();
        if !set.is_empty() {
            return Err(Error::Invalid(format!(
                "{} set as well as {}: the credentials come from the secret; unset {}",
                set.join(" and "),
                settings::SECRET_ARN.env,
                if set.len() == 1 { "it" } else { "them" }
            )));
        }
        values = parse(&arn, &fetch(arn.clone()).await?)?;
    }
    Ok(move |k: &str| values.get(k).cloned().or_else(|| get(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:reelgraph-AbCdEf";

    fn vars(list: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let list: Vec<(String, String)> = list
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| list.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn parses_the_two_keys_and_never_quotes_a_value() {
        let v = parse(
            ARN,
            r#"{"mysql_url": " mysql://app:s3cr3t@db.internal:3306/movies?ssl-mode=VERIFY_IDENTITY ",
                "milvus_token": "root:m1lvus", "username": "ignored"}"#,
        )
        .unwrap();
        assert_eq!(
            v.get("REELGRAPH_DB").map(String::as_str),
            Some("mysql://app:s3cr3t@db.internal:3306/movies?ssl-mode=VERIFY_IDENTITY")
        );
        assert_eq!(
            v.get("REELGRAPH_MILVUS_TOKEN").map(String::as_str),
            Some("root:m1lvus")
        );
        // The token is optional; an empty one is none.
        let v = parse(ARN, r#"{"mysql_url":"mysql://a:b@h/d","milvus_token":""}"#).unwrap();
        assert_eq!(v.len(), 1);
        for (text, says) in [
            ("s3cr3t", "not a JSON object"),
            (r#"["s3cr3t"]"#, "not a JSON object"),
            (r#"{"milvus_token":"s3cr3t"}"#, "no \"mysql_url\""),
            (
                r#"{"mysql_url":"s3cr3t"}"#,
                "\"mysql_url\" is not a database URL",
            ),
            (
                r#"{"mysql_url":"mysql://a:b@h/d","milvus_token":["s3cr3t"]}"#,
                "\"milvus_token\" is not a string",
            ),
        ] {
            let e = parse(ARN, text).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains(ARN), "{text}: {e}");
            assert!(!e.contains("s3cr3t"), "{e}");
        }
    }

    #[tokio::test]
    async fn overlay_puts_the_secret_where_the_variables_are_read() {
        let secret = r#"{"mysql_url":"mysql://app:pw@db/x","milvus_token":"tok"}"#;
        let get = overlay(
            vars(&[
                ("REELGRAPH_SECRET_ARN", ARN),
                ("REELGRAPH_VECTORS", "milvus://m:19530"),
            ]),
            |arn| async move {
                assert_eq!(arn, ARN);
                Ok(secret.to_string())
            },
        )
        .await
        .unwrap();
        assert_eq!(get("REELGRAPH_DB").as_deref(), Some("mysql://app:pw@db/x"));
        assert_eq!(get("REELGRAPH_MILVUS_TOKEN").as_deref(), Some("tok"));
        assert_eq!(
            get("REELGRAPH_VECTORS").as_deref(),
            Some("milvus://m:19530")
        );

        // No ARN: the variables as they are, nothing fetched.
        let get = overlay(vars(&[("REELGRAPH_DB", "sqlite://a.db")]), |_| async {
            Err::<String, _>(Error::Invalid("fetched without an ARN".into()))
        })
        .await
        .unwrap();
        assert_eq!(get("REELGRAPH_DB").as_deref(), Some("sqlite://a.db"));

        // Both: refused before anything is fetched.
        let e = overlay(
            vars(&[
                ("REELGRAPH_SECRET_ARN", ARN),
                ("REELGRAPH_MILVUS_TOKEN", "tok"),
            ]),
            |_| async { Err::<String, _>(Error::Invalid("fetched although they conflict".into())) },
        )
        .await
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.contains("REELGRAPH_MILVUS_TOKEN set as well as REELGRAPH_SECRET_ARN")
                && !e.contains("tok\""),
            "{e}"
        );
        // A fetch error is passed on.
        let e = overlay(vars(&[("REELGRAPH_SECRET_ARN", ARN)]), |arn| async move {
            Err(Error::NotFound(format!("the secret {arn} does not exist")))
        })
        .await
        .err()
        .unwrap();
        assert!(matches!(e, Error::NotFound(_)), "{e}");
    }
}
