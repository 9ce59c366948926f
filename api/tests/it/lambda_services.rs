//! The three Lambda functions in services mode, on real services: a model
//! version is published into a temporary model root and loaded with the
//! load pipeline (`reelgraph load`'s code) into Milvus Lite
//! (`REELGRAPH_TEST_MILVUS_LITE`, under a unique namespace) and MariaDB
//! (`REELGRAPH_TEST_MYSQL`, a uniquely named database created and dropped
//! here). Each function's state is opened through `reelgraph_api::function`
//! from the variables the SAM template sets in services mode, and every
//! event of `events/` goes through `lambda_http`'s parser into its
//! function: the answers pass the same checks as in self-contained mode and
//! equal the self-contained answers of the same version.

use crate::support::lambda::*;
use reelgraph_api::function::{self, FunctionConfig, Mode};
use reelgraph_api::{self as api, Group};
use reelgraph_core::object::LocalDir;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql::{self, MySqlStore};
use reelgraph_testkit::answer::assert_same_answer;
use reelgraph_testkit::data::service_url;
use sqlx::Executor;

const TEST: &str = "lambda_services::functions_in_services_mode";

fn no_progress(_: load::Phase, _: u64, _: u64) {}

fn config(vars: &[(&str, String)]) -> FunctionConfig {
    FunctionConfig::from_vars(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn functions_in_services_mode() {
    let milvus = service_url("REELGRAPH_TEST_MILVUS_LITE", TEST);
    let mysql = service_url("REELGRAPH_TEST_MYSQL", TEST);
    let (Some(milvus), Some(mysql)) = (milvus, mysql) else {
        return;
    };
    let unique = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000_000
    );
    let namespace = format!("t{unique}_fn_");
    let db_name = format!("reelgraph_test_fn_{unique}");
    let admin = MySqlStore::connect(&mysql).await.unwrap();
    // A database name cannot be a bound parameter; it is generated above.
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{db_name}`")))
        .await
        .unwrap();
    let db_url = format!("{}/{db_name}", mysql.trim_end_matches('/'));

    let (m, ns, url) = (milvus.clone(), namespace.clone(), db_url.clone());
    let result = tokio::spawn(async move { exercise(&m, &ns, &url).await }).await;

    // Clean up whatever happened.
    if let Ok(store) = MilvusStore::connect(&milvus.parse().unwrap(), None).await
        && let Ok(store) = store.with_namespace(&namespace)
    {
        store.drop_version(VERSION).await.unwrap();
    }
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{db_name}`")))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn exercise(milvus: &str, namespace: &str, db_url: &str) {
    // Publish the version the events are written against, load it.
    let models = tempfile::tempdir().unwrap();
    publish(&LocalDir::new(models.path())).await;
    let root = models.path().display().to_string();
    let db = sql::open(&db_url.parse().unwrap()).await.unwrap();
    let target = VectorTarget::Milvus(
        MilvusStore::connect(&milvus.parse().unwrap(), None)
            .await
            .unwrap()
            .with_namespace(namespace)
            .unwrap(),
    );
    let report = load::load_version(&root, None, &target, db.as_ref(), &no_progress)
        .await
        .unwrap();
    assert_eq!(
        (
            report.version,
            report.items,
            report.dimension,
            report.changed
        ),
        (VERSION, MOVIES, DIM, true)
    );

    // The functions' environment in services mode, as template.yaml sets it
    // (REELGRAPH_MODELS is set there in both modes; the token is empty for
    // a server without authentication).
    let services = config(&[
        ("REELGRAPH_MODE", "services".into()),
        ("REELGRAPH_MODELS", root.clone()),
        ("REELGRAPH_VECTORS", milvus.into()),
        ("REELGRAPH_MILVUS_TOKEN", String::new()),
        ("REELGRAPH_MILVUS_NAMESPACE", namespace.into()),
        ("REELGRAPH_DB", db_url.into()),
    ]);
    assert_eq!(services.mode, Mode::Services);
    let services = function::open_state(&services).await.unwrap();
    assert_eq!(services.model_version(), Some(VERSION));
    let embedded = config(&[("REELGRAPH_MODELS", root.clone())]);
    assert_eq!(embedded.mode, Mode::SelfContained);
    let embedded = function::open_state(&embedded).await.unwrap();

    let mut checked = 0;
    for group in Group::ALL {
        let function = api::router_for(group, services.clone());
        let reference = api::router_for(group, embedded.clone());
        for name in event_names(group) {
            let ev = event(group, &name);
            let a = invoke(&function, &ev).await;
            check_event(group, &name, &a);
            // Random answers (and a feedback's time) differ between calls; every other answer is
            // the self-contained one (scores to float precision).
            if !["v1-random", "getRandom", "v1-feedback-post"].contains(&name.as_str()) {
                let b = invoke(&reference, &ev).await;
                assert_same_answer(&a, &b, &format!("{}/{name}", group.name()));
            }
            checked += 1;
        }
        // A route of another function: 404 here.
        let other = Group::ALL.into_iter().find(|g| *g != group).unwrap();
        let a = invoke(&function, &event(other, &event_names(other)[0])).await;
        assert_error(&a, 404, None);
    }
    assert_eq!(checked, 22, "every event file is checked");
}
