//! Services mode as deployed: a function's environment names a Secrets
//! Manager secret (`REELGRAPH_SECRET_ARN`), never a credential. At start-up
//! the function reads the secret with the AWS SDK from a local Secrets
//! Manager (`reelgraph_testkit::secrets`, reached through
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` as a deployed function reaches the
//! service) and serves from the metadata store its `mysql_url` names (here
//! SQLite, loaded by the load pipeline, with the embedded index).
//!
//! A test binary of its own, like `lambda_s3`: `function::try_start` reads
//! the process environment, which this test sets.

#[path = "it/support/lambda.rs"]
mod lambda_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lambda_support::*;
use reelgraph_api::Group;
use reelgraph_api::function;
use reelgraph_core::object::LocalDir;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::sql;
use reelgraph_testkit::proxy::{Mode, Proxy, url_addr};
use reelgraph_testkit::secrets;

const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:reelgraph-AbCdEf";
const NO_URL: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-url-XyZ";

fn no_progress(_: load::Phase, _: u64, _: u64) {}

fn set(k: &str, v: &str) {
    // SAFETY: this binary has this one test; its threads that read the
    // environment (the runtime's) only do so inside the calls below, which
    // run on the test's thread between the writes.
    unsafe { std::env::set_var(k, v) }
}

fn unset(k: &str) {
    // SAFETY: as in `set`.
    unsafe { std::env::remove_var(k) }
}

#[test]
fn credentials_come_from_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let db_url = format!("sqlite://{}", dir.path().join("meta.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();

    let (manager, proxy) = rt.block_on(async {
        // A version loaded into SQLite + the embedded index, as `reelgraph load` does.
        publish(&LocalDir::new(&models)).await;
        let db = sql::open(&db_url.parse().unwrap()).await.unwrap();
        load::load_version(
            &models.display().to_string(),
            None,
            &VectorTarget::Embedded,
            db.as_ref(),
            &no_progress,
        )
        .await
        .unwrap();
        let secret = serde_json::json!({"mysql_url": db_url, "username": "other keys are ignored"});
        let manager = secrets::serve(
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            BTreeMap::from([
                (ARN.to_string(), secret.to_string()),
                (
                    NO_URL.to_string(),
                    r#"{"milvus_token":"s3cr3t"}"#.to_string(),
                ),
            ]),
        );
        // The functions reach the secret service through a proxy the test controls.
        let proxy = Proxy::start(url_addr(&manager.endpoint)).await;
        (manager, proxy)
    });

    for (k, v) in manager.env() {
        set(k, &v);
    }
    set(
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        &format!("http://{}", proxy.addr()),
    );
    set("AWS_CONFIG_FILE", "/nonexistent/reelgraph-test");
    set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/reelgraph-test");
    for k in [
        "AWS_ENDPOINT_URL",
        "REELGRAPH_DB",
        "REELGRAPH_MILVUS_TOKEN",
        "REELGRAPH_VERSION",
    ] {
        unset(k);
    }
    // The environment of a services-mode function in the template: no credential.
    set("REELGRAPH_MODE", "services");
    set("REELGRAPH_VECTORS", "embedded");
    set("REELGRAPH_MODELS", &models.display().to_string());
    set("REELGRAPH_SECRET_ARN", ARN);

    rt.block_on(async {
        for group in Group::ALL {
            let router = function::try_start(group).await.unwrap();
            for name in event_names(group) {
                let a = invoke(&router, &event(group, &name)).await;
                check_event(group, &name, &a);
            }
        }
        assert_eq!(
            manager.requests(),
            Group::ALL.len(),
            "one read per start-up"
        );

        // A credential in the environment as well: refused, nothing read.
        set("REELGRAPH_DB", &db_url);
        let e = function::try_start(Group::Info)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("REELGRAPH_DB set as well as REELGRAPH_SECRET_ARN"),
            "{e}"
        );
        unset("REELGRAPH_DB");
        assert_eq!(manager.requests(), Group::ALL.len());

        // Unknown secret, and a secret without the URL: errors naming the
        // secret, never quoting its values.
        set(
            "REELGRAPH_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-000000",
        );
        let e = function::try_start(Group::Info)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("secret:gone-000000 does not exist"), "{e}");
        set("REELGRAPH_SECRET_ARN", NO_URL);
        let e = function::try_start(Group::Info)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("has no \"mysql_url\""), "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
        set("REELGRAPH_SECRET_ARN", ARN);

        // Secrets Manager unreachable (black-holed): the start-up gives up
        // within its bound, and the function answers a JSON 503 …
        proxy.set(Mode::BlackHole);
        let started = Instant::now();
        let degraded = function::start(Group::Recommend).await;
        let took = started.elapsed();
        assert!(
            took < function::STARTUP_TIMEOUT + Duration::from_secs(2),
            "start-up took {took:?}"
        );
        let recommend = event(Group::Recommend, &event_names(Group::Recommend)[0]);
        assert_error(&invoke(&degraded, &recommend).await, 503, None);
        // … and recovers by itself once the service answers again.
        proxy.set(Mode::Forward);
        tokio::time::sleep(function::STARTUP_RETRY).await;
        let a = invoke(&degraded, &recommend).await;
        check_event(Group::Recommend, &event_names(Group::Recommend)[0], &a);
    });
}
