//! What an operator sees: one log line per request and metrics per route.
//!
//! Every answer passes through [`observe`]: it gets an `x-request-id`
//! (the client's, when it sent a well-formed one, else a new random id),
//! and one `reelgraph::request` log event is written with the request id,
//! method, route (the matched path pattern, never the raw path), status,
//! latency, the model version served and its store calls with their times
//! (`store_calls="milvus.search=1.84"`, [`timing`]). With `--log-format json` (serve)
//! or in a Lambda function these lines are JSON.
//!
//! [`Metrics`] counts requests by route and status and keeps a latency
//! histogram per route, and the same per store and operation; [`Metrics::render`] writes them in the Prometheus
//! text format (`reelgraph serve --metrics-addr`, a listener of its own,
//! not public by default). In a Lambda function ([`Metrics::emf`]) each
//! request is also printed as a CloudWatch Embedded Metric Format record,
//! which CloudWatch turns into metrics without an agent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header::HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use reelgraph_stores::timing::{self, StoreCall};

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A latency histogram over [`BUCKETS`] (cumulative when written).
#[derive(Clone, Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn add(&mut self, seconds: f64) {
        self.count += 1;
        self.sum += seconds;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.buckets[i] += 1;
            }
        }
    }

    /// The `_bucket`, `_sum` and `_count` lines of metric `name` with `labels`.
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        for (le, n) in BUCKETS.iter().zip(self.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Clone, Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Clone, Debug, Default)]
struct StoreStats {
    ok: u64,
    failed: u64,
    latency: Histogram,
}

/// Request counts and latencies, by method and route; store calls by store
/// and operation.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    stores: Mutex<BTreeMap<(&'static str, &'static str), StoreStats>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().expect("lock poisoned");
        let s = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *s.by_status.entry(status).or_default() += 1;
        s.latency.add(seconds);
    }

    /// Count the store calls of one request.
    pub fn observe_stores(&self, calls: &[StoreCall]) {
        if calls.is_empty() {
            return;
        }
        let mut stores = self.stores.lock().expect("lock poisoned");
        for c in calls {
            let s = stores.entry((c.store, c.op)).or_default();
            if c.failed {
                s.failed += 1;
            } else {
                s.ok += 1;
            }
            s.latency.add(c.seconds);
        }
    }

    /// Store calls of `store`/`op` that succeeded and failed.
    pub fn store_calls(&self, store: &str, op: &str) -> (u64, u64) {
        self.stores
            .lock()
            .expect("lock poisoned")
            .iter()
            .find(|((s, o), _)| *s == store && *o == op)
            .map_or((0, 0), |(_, s)| (s.ok, s.failed))
    }

    /// Requests answered with `status` on `method route`.
    pub fn count(&self, method: &str, route: &str, status: u16) -> u64 {
        self.routes
            .lock()
            .expect("lock poisoned")
            .get(&(method.to_string(), route.to_string()))
            .and_then(|s| s.by_status.get(&status).copied())
            .unwrap_or(0)
    }

    /// The Prometheus text format (version 0.0.4). `gauges` are added as
    /// `reelgraph_<name> <value>` lines.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let routes = self.routes.lock().expect("lock poisoned").clone();
        let mut out = String::new();
        out.push_str(
            "# HELP reelgraph_requests_total Requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE reelgraph_requests_total counter\n");
        for ((method, route), s) in &routes {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "reelgraph_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP reelgraph_request_duration_seconds Time to answer, by method and route.\n",
        );
        out.push_str("# TYPE reelgraph_request_duration_seconds histogram\n");
        for ((method, route), s) in &routes {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            s.latency
                .write(&mut out, "reelgraph_request_duration_seconds", &labels);
        }
        let stores = self.stores.lock().expect("lock poisoned").clone();
        if !stores.is_empty() {
            out.push_str(
                "# HELP reelgraph_store_calls_total Store calls made by requests, by store, operation and outcome.\n",
            );
            out.push_str("# TYPE reelgraph_store_calls_total counter\n");
            for ((store, op), s) in &stores {
                for (outcome, n) in [("ok", s.ok), ("error", s.failed)] {
                    let _ = writeln!(
                        out,
                        "reelgraph_store_calls_total{{store=\"{store}\",op=\"{op}\",outcome=\"{outcome}\"}} {n}"
                    );
                }
            }
            out.push_str(
                "# HELP reelgraph_store_call_duration_seconds Time of a store call, by store and operation.\n",
            );
            out.push_str("# TYPE reelgraph_store_call_duration_seconds histogram\n");
            for ((store, op), s) in &stores {
                let labels = format!("store=\"{store}\",op=\"{op}\"");
                s.latency
                    .write(&mut out, "reelgraph_store_call_duration_seconds", &labels);
            }
        }
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP reelgraph_{name} {help}");
            let _ = writeln!(out, "# TYPE reelgraph_{name} gauge");
            let _ = writeln!(out, "reelgraph_{name} {value}");
        }
        out
    }

    /// One CloudWatch Embedded Metric Format record (a JSON line) for a
    /// request: `Latency` (ms), `Requests`, `Errors5xx`, and the time spent
    /// in store calls `StoreLatency` (ms) and the failed ones `StoreErrors`,
    /// by function and route.
    pub fn emf(
        function: &str,
        route: &str,
        status: u16,
        millis: f64,
        calls: &[StoreCall],
    ) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        serde_json::json!({
            "_aws": {
                "Timestamp": now,
                "CloudWatchMetrics": [{
                    "Namespace": "reelgraph",
                    "Dimensions": [["Function"], ["Function", "Route"]],
                    "Metrics": [
                        {"Name": "Latency", "Unit": "Milliseconds"},
                        {"Name": "Requests", "Unit": "Count"},
                        {"Name": "Errors5xx", "Unit": "Count"},
                        {"Name": "StoreLatency", "Unit": "Milliseconds"},
                        {"Name": "StoreErrors", "Unit": "Count"}
                    ]
                }]
            },
            "Function": function,
            "Route": route,
            "Status": status,
            "Latency": millis,
            "Requests": 1,
            "Errors5xx": u8::from(status >= 500),
            "StoreLatency": calls.iter().map(|c| c.seconds).sum::<f64>() * 1e3,
            "StoreErrors": calls.iter().filter(|c| c.failed).count(),
            "StoreCalls": timing::summary(calls),
        })
        .to_string()
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The request id: the client's `x-request-id` when it is 1–64 characters
/// of `[A-Za-z0-9._-]`, else a new random one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()))
}

/// Log and count every request (see the module documentation).
pub async fn observe(State(state): State<crate::State>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let (mut response, calls) = timing::collect(next.run(request)).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID.clone(), v);
    }
    state.metrics.observe(&method, &route, status, seconds);
    state.metrics.observe_stores(&calls);
    let model_version = state.model_version();
    tracing::info!(
        target: "reelgraph::request",
        request_id = %id,
        method = %method,
        route = %route,
        status,
        latency_ms = seconds * 1e3,
        model_version = ?model_version,
        store_calls = %timing::summary(&calls),
        "request"
    );
    if let Some(function) = &state.config.emf_function {
        println!(
            "{}",
            Metrics::emf(function, &route, status, seconds * 1e3, &calls)
        );
    }
    response
}
