//! Faults, with the stores behind a TCP proxy the test controls
//! ([`reelgraph_testkit::proxy`]: forward / black-hole / refuse): a store
//! that hangs or refuses gives a JSON 503 with `Retry-After` within the
//! per-request deadline, routes the in-memory catalogue can answer keep
//! answering, and the service recovers by itself when the store returns —
//! no restart. Services mode (MariaDB + Milvus Lite, opened through the
//! functions' start-up code from the variables the template sets), and
//! self-contained mode (the model root on S3, which only a refresh reads).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use reelgraph_api::function::{self, FunctionConfig};
use reelgraph_api::serving::BundleSource;
use reelgraph_api::{self as api, ApiConfig, AppState};
use reelgraph_core::object::LocalDir;
use reelgraph_core::object::s3::S3Store;
use reelgraph_stores::load::{self, VectorTarget};
use reelgraph_stores::milvus::MilvusStore;
use reelgraph_stores::sql::{self, MySqlStore};
use reelgraph_testkit::data::service_url;
use reelgraph_testkit::proxy::{Mode, Proxy, redirect_url, url_addr};
use reelgraph_testkit::{fixture, s3};
use sqlx::Executor;

use crate::support::api::{Answer, assert_error, call};

const DEADLINE: Duration = Duration::from_millis(1000);
/// What a 503 may take beyond the deadline (scheduling, the answer itself).
const SLACK: Duration = Duration::from_millis(700);
const DIM: usize = 16;
const N: usize = 200;

async fn timed(router: &Router, method: &str, uri: &str, body: Option<&str>) -> (Answer, Duration) {
    let t = Instant::now();
    let a = call(router, method, uri, body).await;
    (a, t.elapsed())
}

/// A JSON 503 with `Retry-After`, within the deadline.
fn assert_unavailable_in_time(what: &str, (a, took): &(Answer, Duration)) {
    assert_error(a, 503, None);
    assert!(a.header("retry-after").is_some(), "{what}: no Retry-After");
    assert!(
        *took < DEADLINE + SLACK,
        "{what}: answered in {took:?}, deadline {DEADLINE:?}"
    );
    let text = a.text();
    assert!(
        !text.contains("127.0.0.1"),
        "{what}: internal address leaked: {text}"
    );
}

/// Within `limit`, a request answers 200 again (each within the deadline).
async fn recovers(router: &Router, method: &str, uri: &str, body: Option<&str>) {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let (a, took) = timed(router, method, uri, body).await;
        assert!(took < DEADLINE + SLACK, "{uri}: answered in {took:?}");
        if a.status == 200 {
            return;
        }
        assert!(
            Instant::now() < until,
            "{uri} did not recover: {} {}",
            a.status,
            a.text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const RECOMMEND: &str = r#"{"liked":[5,9],"disliked":[40],"k":10}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn services_mode_under_store_faults() {
    let test = "serving_faults::services_mode_under_store_faults";
    let milvus = service_url("REELGRAPH_TEST_MILVUS_LITE", test);
    let mysql = service_url("REELGRAPH_TEST_MYSQL", test);
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
    let namespace = format!("t{unique}_fault_");
    let db_name = format!("reelgraph_test_fault_{unique}");
    let admin = MySqlStore::connect(&mysql).await.unwrap();
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{db_name}`")))
        .await
        .unwrap();
    let db_url = format!("{}/{db_name}", mysql.trim_end_matches('/'));
    let models = tempfile::tempdir().unwrap();
    let ns = namespace.clone();
    let result = tokio::spawn(async move {
        // Loaded directly (not through the proxies).
        fixture::publish(&LocalDir::new(models.path()), 1, 1, N, DIM, 1)
            .await
            .unwrap();
        let db = sql::open(&db_url.parse().unwrap()).await.unwrap();
        let m = MilvusStore::connect(&milvus.parse().unwrap(), None)
            .await
            .unwrap()
            .with_namespace(&ns)
            .unwrap();
        let target = VectorTarget::Milvus(m);
        load::load_version(
            &models.path().display().to_string(),
            None,
            &target,
            db.as_ref(),
            &|_, _, _| {},
        )
        .await
        .unwrap();

        // Served through the proxies.
        let milvus_proxy = Proxy::start(url_addr(&milvus)).await;
        let mysql_proxy = Proxy::start(url_addr(&db_url)).await;
        let vars = [
            (
                "REELGRAPH_VECTORS",
                redirect_url(&milvus, milvus_proxy.addr()),
            ),
            ("REELGRAPH_DB", redirect_url(&db_url, mysql_proxy.addr())),
            ("REELGRAPH_MILVUS_NAMESPACE", ns.clone()),
            ("REELGRAPH_DEADLINE_MS", DEADLINE.as_millis().to_string()),
            ("REELGRAPH_REFRESH_SECS", "1".to_string()),
        ];
        let config = FunctionConfig::from_vars(|k| {
            vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })
        .unwrap();
        let state = function::open_state(&config).await.unwrap();
        let router = api::router(state.clone());
        let ok = |a: &Answer| assert_eq!(a.status, 200, "{}", a.text());
        ok(&call(&router, "POST", "/api/v1/recommendations", Some(RECOMMEND)).await);
        ok(&call(&router, "GET", "/ready", None).await);

        for mode in [Mode::BlackHole, Mode::Refuse] {
            // Milvus down: what searches answers 503 in time ...
            milvus_proxy.set(mode);
            let what = format!("milvus {mode:?}");
            assert_unavailable_in_time(
                &what,
                &timed(&router, "POST", "/api/v1/recommendations", Some(RECOMMEND)).await,
            );
            assert_unavailable_in_time(
                &what,
                &timed(&router, "GET", "/api/v1/movies/7/similar", None).await,
            );
            assert_unavailable_in_time(
                &what,
                &timed(&router, "POST", "/getSimilarUser", Some("[5]")).await,
            );
            // (/ready's answer is reused for a moment: wait it out.)
            tokio::time::sleep(api::DEFAULT_COUNT_CACHE).await;
            assert_unavailable_in_time(&what, &timed(&router, "GET", "/ready", None).await);
            // ... what the catalogue answers keeps answering.
            let (a, took) = timed(&router, "GET", "/api/v1/movies/7", None).await;
            ok(&a);
            assert!(took < Duration::from_millis(200), "{took:?}");
            ok(&call(&router, "GET", "/api/v1/movies/random?n=5", None).await);
            ok(&call(&router, "GET", "/getInfo?ids=7", None).await);
            // Back: it recovers by itself.
            milvus_proxy.set(Mode::Forward);
            recovers(&router, "POST", "/api/v1/recommendations", Some(RECOMMEND)).await;
            recovers(&router, "GET", "/ready", None).await;

            // MariaDB down: nothing on the request path reads it but /ready.
            mysql_proxy.set(mode);
            let what = format!("mysql {mode:?}");
            tokio::time::sleep(api::DEFAULT_COUNT_CACHE).await;
            assert_unavailable_in_time(&what, &timed(&router, "GET", "/ready", None).await);
            ok(&call(&router, "POST", "/api/v1/recommendations", Some(RECOMMEND)).await);
            ok(&call(&router, "GET", "/api/v1/movies/7", None).await);
            ok(&call(&router, "GET", "/api/v1/stats", None).await);
            mysql_proxy.set(Mode::Forward);
            recovers(&router, "GET", "/ready", None).await;
        }
        // The failed checks while MariaDB was down were logged, not fatal.
        assert_eq!(state.model_version(), Some(1));
    })
    .await;
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE `{db_name}`")))
        .await
        .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Self-contained: the model root on S3 is read only to build a version,
/// so an S3 outage never fails a request; a version published during the
/// outage is swapped in once S3 answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn self_contained_mode_under_an_s3_outage() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = s3::serve(listener, dir.path());
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    let direct = S3Store::new(s3::client(&endpoint), "s3://models/root").unwrap();
    fixture::publish(&direct, 1, 1, N, DIM, 1).await.unwrap();

    let proxy = Proxy::start(url_addr(&endpoint)).await;
    let through = S3Store::new(
        s3::client(&redirect_url(&endpoint, proxy.addr())),
        "s3://models/root",
    )
    .unwrap();
    let source = BundleSource {
        objects: Arc::new(through),
        pinned: None,
    };
    let config = ApiConfig {
        deadline: DEADLINE,
        refresh_interval: Duration::from_millis(200),
        ..ApiConfig::default()
    };
    let state = Arc::new(AppState::open(Arc::new(source), config).await);
    assert_eq!(state.model_version(), Some(1));
    let router = api::router(state.clone());

    for mode in [Mode::BlackHole, Mode::Refuse] {
        proxy.set(mode);
        let v = state.model_version().unwrap();
        fixture::publish(&direct, v + 1, 1, N, DIM, v + 1)
            .await
            .unwrap();
        // Every request answers from memory, in time, during the outage.
        for _ in 0..5 {
            let (a, took) =
                timed(&router, "POST", "/api/v1/recommendations", Some(RECOMMEND)).await;
            assert_eq!(a.status, 200, "{mode:?}: {}", a.text());
            assert!(took < Duration::from_millis(300), "{mode:?}: {took:?}");
            assert_eq!(a.json()["model_version"], v);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A refresh cannot reach S3: it fails within its timeout; v serves on.
        assert!(state.serving.refresh().await.is_err());
        assert_eq!(state.model_version(), Some(v));
        proxy.set(Mode::Forward);
        let until = Instant::now() + Duration::from_secs(30);
        while state.model_version() != Some(v + 1) {
            assert!(Instant::now() < until, "{:?}", state.serving.status());
            let _ = call(&router, "GET", "/api/v1/genres", None).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
