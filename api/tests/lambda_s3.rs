//! Self-contained cold start from S3, through the environment exactly as a
//! deployed function: `REELGRAPH_MODELS=s3://bucket/prefix` and the AWS
//! SDK's standard variables pointing at a local S3 server (s3s-fs over
//! HTTP).
//!
//! A test binary of its own, outside `tests/it` (the crate's other tests):
//! `function::start` reads the process environment (the functions' own
//! `REELGRAPH_*` and the AWS SDK's `AWS_*`), so this test sets process
//! variables, which is only sound while no other thread reads or writes the
//! environment, and which other tests of the same process would see.

#[path = "it/support/lambda.rs"]
mod lambda_support;

use lambda_support::*;
use reelgraph_api::Group;
use reelgraph_api::function;
use reelgraph_core::object::s3::S3Store;
use reelgraph_testkit::s3;

#[test]
fn cold_start_from_s3() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("models")).unwrap(); // the bucket
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let set = |k: &str, v: &str| {
        // SAFETY: this binary has this one test, and it sets variables
        // before starting any thread that could read the environment.
        unsafe { std::env::set_var(k, v) }
    };
    for (k, v) in s3::env(&endpoint) {
        set(k, &v);
    }
    for k in [
        "REELGRAPH_MODE",
        "REELGRAPH_VECTORS",
        "REELGRAPH_DB",
        "REELGRAPH_VERSION",
        "REELGRAPH_CORS_ORIGINS",
    ] {
        // SAFETY: as above.
        unsafe { std::env::remove_var(k) }
    }
    set("REELGRAPH_MODELS", "s3://models/pinsage");

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        assert_eq!(s3::serve(listener, dir.path()), endpoint);

        // Nothing published yet: the cold start fails, naming the root.
        let err = function::try_start(Group::Recommend)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("s3://models/pinsage") && err.contains("latest"),
            "{err}"
        );

        // The function itself still answers: a JSON 503 with Retry-After.
        let degraded = function::start(Group::Recommend).await;
        let recommend = event(Group::Recommend, &event_names(Group::Recommend)[0]);
        let a = invoke(&degraded, &recommend).await;
        assert_error(&a, 503, None);

        let store = S3Store::new(s3::client(&endpoint), "s3://models/pinsage").unwrap();
        publish(&store).await;

        // Once a version is published, the degraded function recovers by
        // itself at its next start-up attempt.
        std::thread::sleep(function::STARTUP_RETRY);
        let a = invoke(&degraded, &recommend).await;
        check_event(Group::Recommend, &event_names(Group::Recommend)[0], &a);
        assert!(dir.path().join("models/pinsage/latest").is_file());

        for group in Group::ALL {
            let router = function::try_start(group).await.unwrap();
            for name in event_names(group) {
                let a = invoke(&router, &event(group, &name)).await;
                check_event(group, &name, &a);
            }
            let other = if group == Group::Info {
                Group::Random
            } else {
                Group::Info
            };
            let a = invoke(&router, &event(other, &event_names(other)[0])).await;
            assert_error(&a, 404, None);
        }

        // A pinned version that the bucket does not hold.
        set("REELGRAPH_VERSION", "42");
        let err = function::try_start(Group::Info)
            .await
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("v42/manifest.json"), "{err}");
        set("REELGRAPH_VERSION", &VERSION.to_string());
        let router = function::try_start(Group::Info).await.unwrap();
        let a = invoke(&router, &event(Group::Info, "ready")).await;
        check_event(Group::Info, "ready", &a);
    });
}
