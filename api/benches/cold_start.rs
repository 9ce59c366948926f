//! Cold start of the Lambda functions in self-contained mode, measured from
//! outside the process as Lambda sees it (`scripts/bench-lambda.sh` builds the
//! release binaries and runs this):
//!
//! ```text
//! REELGRAPH_FUNCTIONS_DIR=target/release cargo bench --profile dev --workspace --bench cold_start
//! ```
//!
//! A 4,000-item version (dimension 64) is published to a local S3 server
//! (s3s-fs over HTTP on loopback), and a minimal Lambda Runtime API is served
//! in process. Each function binary is started with the variables Lambda
//! sets (`AWS_LAMBDA_RUNTIME_API` pointing at the mock) and
//! `REELGRAPH_MODELS=s3://…`; the clock runs from `spawn` to its first
//! `GET /runtime/invocation/next` (**ready**: the version read from S3,
//! verified and indexed) and to the response of its first invocation (one
//! of the API Gateway events in `events/`). Goal: ready ≤ 50 ms.
//! Also prints the size of each binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use reelgraph_testkit::fixture;

use reelgraph_core::object::s3::S3Store;
/// The local S3 server (s3s-fs over HTTP on loopback) the function tests use.
use reelgraph_testkit::s3;
use tokio::sync::{Notify, mpsc};

const RUNS: usize = 11;

/// What the mock runtime saw, in order, with the time it was seen.
#[derive(Debug)]
enum Seen {
    Next(Instant),
    Response(Instant, String),
    Error(String),
}

#[derive(Clone)]
struct Runtime {
    event: Arc<Mutex<String>>,
    served: Arc<Mutex<bool>>,
    tx: mpsc::UnboundedSender<Seen>,
    never: Arc<Notify>,
}

async fn next(State(rt): State<Runtime>) -> impl IntoResponse {
    let _ = rt.tx.send(Seen::Next(Instant::now()));
    let first = {
        let mut served = rt.served.lock().unwrap();
        !std::mem::replace(&mut *served, true)
    };
    if !first {
        // The function waits for its next invocation: hold it until killed.
        rt.never.notified().await;
    }
    let mut h = HeaderMap::new();
    h.insert("lambda-runtime-aws-request-id", "bench-1".parse().unwrap());
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 30_000;
    h.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:bench"
            .parse()
            .unwrap(),
    );
    h.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    let body = rt.event.lock().unwrap().clone();
    (StatusCode::OK, h, body)
}

async fn response(
    State(rt): State<Runtime>,
    UrlPath(_id): UrlPath<String>,
    body: String,
) -> StatusCode {
    let _ = rt.tx.send(Seen::Response(Instant::now(), body));
    StatusCode::ACCEPTED
}

async fn error(State(rt): State<Runtime>, body: String) -> StatusCode {
    let _ = rt.tx.send(Seen::Error(body));
    StatusCode::ACCEPTED
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // TCP_NODELAY, as S3 and the Lambda service do: without it a response
    // written in two segments waits for the client's delayed ACK (~40 ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr.to_string()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let Some(dir) = std::env::var_os("REELGRAPH_FUNCTIONS_DIR").map(PathBuf::from) else {
        println!(
            "skipped: set REELGRAPH_FUNCTIONS_DIR to the directory of the function binaries \
             (scripts/bench-lambda.sh builds them in release mode and sets it)"
        );
        return;
    };
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let functions = [
        ("random", "random/v1-random.json"),
        ("recommend", "recommend/v1-recommendations.json"),
        ("info", "info/v1-movie.json"),
    ];

    // A 4k x 64 version in a local S3 bucket.
    let s3_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(s3_root.path().join("bench")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = s3::serve(listener, s3_root.path());
    let store = S3Store::new(s3::client(&endpoint), "s3://bench/models").unwrap();
    fixture::publish(&store, 1, 1, 4000, 64, 7).await.unwrap();

    println!(
        "| function  | binary size | ready (median of {RUNS}) | min      | max      | first response | in start() | goal ready ≤ 50 ms"
    );
    println!(
        "|-----------|-------------|------------------|----------|----------|----------------|------------|-------------------"
    );
    for (name, event) in functions {
        let bin = dir.join(name);
        let size = std::fs::metadata(&bin)
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
            .len();
        let event = std::fs::read_to_string(events.join(event)).unwrap();
        let (mut ready, mut first, mut inside) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let (tx, mut rx) = mpsc::unbounded_channel();
            let rt = Runtime {
                event: Arc::new(Mutex::new(event.clone())),
                served: Arc::new(Mutex::new(false)),
                tx,
                never: Arc::new(Notify::new()),
            };
            let app = Router::new()
                .route("/2018-06-01/runtime/invocation/next", get(next))
                .route(
                    "/2018-06-01/runtime/invocation/{id}/response",
                    post(response),
                )
                .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
                .route("/2018-06-01/runtime/init/error", post(error))
                .with_state(rt.clone());
            let api = serve(app).await;
            let mut env: HashMap<&str, String> = s3::env(&endpoint).into_iter().collect();
            env.extend([
                ("AWS_LAMBDA_RUNTIME_API", api),
                ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
                ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
                ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
                ("REELGRAPH_MODE", "self-contained".into()),
                ("REELGRAPH_MODELS", "s3://bench/models".into()),
                (
                    "RUST_LOG",
                    std::env::var("REELGRAPH_BENCH_LOG")
                        .unwrap_or("reelgraph_api=info,warn".into()),
                ),
            ]);
            let t0 = Instant::now();
            let mut child = std::process::Command::new(&bin)
                .env_clear()
                .envs(env)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let timeout = Duration::from_secs(30);
            let mut got_ready = None;
            loop {
                match tokio::time::timeout(timeout, rx.recv()).await {
                    Ok(Some(Seen::Next(t))) if got_ready.is_none() => got_ready = Some(t - t0),
                    Ok(Some(Seen::Next(_))) => {}
                    Ok(Some(Seen::Response(t, body))) => {
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                        assert_eq!(v["statusCode"], 200, "{name}: {body}");
                        first.push(t - t0);
                        break;
                    }
                    Ok(Some(Seen::Error(body))) => panic!("{name} reported an error: {body}"),
                    Ok(None) | Err(_) => {
                        child.kill().ok();
                        let out = child.wait_with_output().unwrap();
                        panic!(
                            "{name}: no response within {timeout:?}: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                }
            }
            ready.push(got_ready.expect("next before response"));
            child.kill().ok();
            let out = child.wait_with_output().unwrap();
            // The function's own figure for `function::start` (configuration,
            // S3 reads, verification, index, catalogue): its "ready" log line
            // (the functions log to standard output, as Lambda expects).
            let log = String::from_utf8_lossy(&out.stdout);
            if std::env::var_os("REELGRAPH_BENCH_SHOW_LOG").is_some() {
                eprintln!("{name} log:\n{log}");
            }
            if let Some(v) = log
                .lines()
                .find(|l| l.contains(" ready "))
                .and_then(|l| l.split("elapsed_ms=").nth(1))
                .and_then(|r| r.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
            {
                inside.push(Duration::from_secs_f64(v / 1e3));
            }
            rt.never.notify_waiters();
        }
        let (lo, hi) = (*ready.iter().min().unwrap(), *ready.iter().max().unwrap());
        let r = median(ready);
        println!(
            "| {name:<9} | {:>8.1} MB | {:>17.1} ms | {:>5.1} ms | {:>5.1} ms | {:>11.1} ms | {:>7.1} ms | {}",
            size as f64 / 1e6,
            ms(r),
            ms(lo),
            ms(hi),
            ms(median(first)),
            if inside.is_empty() {
                f64::NAN
            } else {
                ms(median(inside))
            },
            if r <= Duration::from_millis(50) {
                "ok"
            } else {
                "MISSED"
            }
        );
    }
}
