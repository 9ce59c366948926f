//! A Lambda Runtime API served in process (as `api/benches/cold_start.rs`
//! does for the serving functions), and the built `train` binary started
//! against it with the variables Lambda sets: the trainer function as Lambda
//! runs it, one invocation at a time, each with its own deadline.
//!
//! `REELGRAPH_TRAIN_FUNCTION=PATH` runs another build of the function (the
//! `bootstrap` of `sam build`, as `infra/sam-build.sh` does).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use reelgraph_trainer::job::Response;
use tokio::sync::{Notify, mpsc};

/// What the runtime API saw.
#[derive(Debug)]
enum Seen {
    Response(String),
    Error(String),
}

/// The events to hand out, each with the time left before its deadline.
#[derive(Clone)]
struct Queue {
    events: Arc<Mutex<VecDeque<(serde_json::Value, Duration)>>>,
    more: Arc<Notify>,
    tx: mpsc::UnboundedSender<Seen>,
}

async fn next(State(q): State<Queue>) -> impl IntoResponse {
    let (body, left) = loop {
        let notified = q.more.notified();
        if let Some(e) = q.events.lock().unwrap().pop_front() {
            break e;
        }
        notified.await;
    };
    let deadline = (SystemTime::now() + left)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let mut h = HeaderMap::new();
    h.insert("lambda-runtime-aws-request-id", "req-1".parse().unwrap());
    h.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    h.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:train"
            .parse()
            .unwrap(),
    );
    h.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (StatusCode::OK, h, body.to_string())
}

async fn response(State(q): State<Queue>, body: String) -> StatusCode {
    let _ = q.tx.send(Seen::Response(body));
    StatusCode::ACCEPTED
}

async fn error(State(q): State<Queue>, body: String) -> StatusCode {
    let _ = q.tx.send(Seen::Error(body));
    StatusCode::ACCEPTED
}

/// The runtime API and the function process it serves.
pub struct TrainFunction {
    queue: Queue,
    rx: mpsc::UnboundedReceiver<Seen>,
    child: std::process::Child,
    _work: tempfile::TempDir,
}

impl TrainFunction {
    /// Serves the runtime API and starts the function with the variables
    /// Lambda sets plus `env` (the function's configuration, as the template
    /// sets it). Its `/tmp` is a fresh directory.
    pub async fn start(env: &[(&str, String)]) -> TrainFunction {
        let (tx, rx) = mpsc::unbounded_channel();
        let queue = Queue {
            events: Arc::default(),
            more: Arc::new(Notify::new()),
            tx,
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .with_state(queue.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let work = tempfile::tempdir().unwrap();
        let child = std::process::Command::new(binary())
            .env_clear()
            .envs([
                ("AWS_LAMBDA_RUNTIME_API", api.as_str()),
                ("AWS_LAMBDA_FUNCTION_NAME", "train"),
                ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008"),
                ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/train"),
                ("AWS_LAMBDA_LOG_STREAM_NAME", "test"),
                ("TMPDIR", work.path().to_str().unwrap()),
                ("RUST_LOG", "info"),
            ])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        TrainFunction {
            queue,
            rx,
            child,
            _work: work,
        }
    }

    /// Hands the function `payload` as its next event, due in `left`.
    pub fn invoke(&self, payload: serde_json::Value, left: Duration) {
        self.queue.events.lock().unwrap().push_back((payload, left));
        self.queue.more.notify_waiters();
    }

    /// The function's next answer (it has up to `within`).
    pub async fn answer(&mut self, within: Duration) -> Response {
        match tokio::time::timeout(within, self.rx.recv()).await {
            Ok(Some(Seen::Response(body))) => serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("not a trainer answer: {body}: {e}")),
            Ok(Some(Seen::Error(body))) => panic!("the function reported an error: {body}"),
            Ok(None) | Err(_) => panic!("no answer within {within:?}"),
        }
    }

    /// The function process's CPU time (user + system) and peak resident
    /// memory so far, from `/proc` (Linux).
    #[allow(dead_code)] // the benchmark's, not every test's
    pub fn usage(&self) -> Usage {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The fields after the command name's closing parenthesis; utime and
        // stime are the 14th and 15th fields of the line.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // Clock ticks are 100 per second on Linux.
        let cpu_s = (ticks(11) + ticks(12)) / 100.0;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let peak_kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        Usage {
            cpu_s,
            peak_mb: peak_kb / 1024.0,
        }
    }

    /// Stops the function; its standard output (the log).
    pub fn stop(mut self) -> String {
        self.child.kill().ok();
        let out = self.child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// What the function process has used.
#[allow(dead_code)] // the benchmark's, not every test's
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub cpu_s: f64,
    pub peak_mb: f64,
}

/// The binary cargo built, or another build of it.
fn binary() -> PathBuf {
    std::env::var_os("REELGRAPH_TRAIN_FUNCTION")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_train")))
}

/// `events/train/`.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/train")
}

/// An event of `events/train/`.
pub fn event(name: &str) -> serde_json::Value {
    let path = events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
