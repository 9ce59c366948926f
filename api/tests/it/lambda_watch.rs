//! The three Lambda functions under `cargo lambda watch` (the PyPI package
//! `cargo-lambda`, installed by `infra/cargo-lambda.sh`, which sets
//! `REELGRAPH_TEST_CARGO_LAMBDA` to its binary): the emulator compiles and
//! starts each function on its first invocation (`cargo run --bin NAME`, in
//! this test's target directory) and serves it as a function URL,
//! `http://127.0.0.1:PORT/lambda-url/NAME/PATH`. The functions run in
//! self-contained mode over a model version this test publishes into a
//! temporary directory (`REELGRAPH_MODELS`), and every event of `events/` is
//! sent to its function as a plain HTTP request (method, path, query, body):
//! the answers pass the same checks as the in-process ones. The time of
//! each function's first invocation (build check + cold start) and the
//! number of crates cargo compiled for it are printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::lambda::*;
use reelgraph_api::Group;
use reelgraph_core::object::LocalDir;
use reelgraph_testkit::data::service_url;

const TEST: &str = "lambda_watch::functions_through_cargo_lambda_watch";

/// How long the first invocation of a function may take: it compiles the
/// function (nothing but the binary with a warm target directory).
const FIRST_CALL: Duration = Duration::from_secs(30 * 60);
/// Any later invocation: generous, as other tests of this binary may hold
/// both cores at the same time (a CI run once saw one take over 60 s then).
const CALL: Duration = Duration::from_secs(180);

/// The `cargo lambda watch` process, stopped (with the functions it
/// started) when dropped.
struct Watch {
    child: Child,
    log: PathBuf,
}

impl Watch {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stop the emulator: SIGTERM lets it stop its functions; what is still
    /// running in its process group after 10 s is killed.
    fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let group = format!("-{pid}");
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The target directory and profile this test was built in:
/// `TARGET/PROFILE/deps/it-HASH`.
fn target_dir() -> (PathBuf, String) {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let profile = profile_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (profile_dir.parent().unwrap().to_path_buf(), profile)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_watch(bin: &str, models: &Path, port: u16, log: PathBuf) -> Watch {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let (target, profile) = target_dir();
    let out = std::fs::File::create(&log).unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(["lambda", "watch", "--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &port.to_string()])
        .arg("--ignore-changes")
        .arg("--locked")
        .args(["--env-var", "RUST_LOG=info"])
        .arg("--env-var")
        .arg(format!("REELGRAPH_MODELS={}", models.display()));
    if profile == "release" {
        cmd.arg("--release");
    }
    // Only REELGRAPH_MODELS configures the functions (self-contained mode).
    for k in [
        "REELGRAPH_MODE",
        "REELGRAPH_VECTORS",
        "REELGRAPH_DB",
        "REELGRAPH_VERSION",
        "REELGRAPH_MILVUS_TOKEN",
        "REELGRAPH_MILVUS_NAMESPACE",
        "REELGRAPH_CORS_ORIGINS",
    ] {
        cmd.env_remove(k);
    }
    // Cargo gives this test process the variables of the package under test
    // (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, …). The nested cargo must not see
    // them: build scripts' `rerun-if-env-changed` (ring's watches
    // CARGO_MANIFEST_DIR and CARGO_PKG_*) compare the variables of the cargo
    // process, so inheriting them would rebuild ring and everything above it
    // here, and again in the next `cargo test`.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_MANIFEST_")
            || k.starts_with("CARGO_BIN_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&k.as_ref())
        {
            cmd.env_remove(k.as_ref());
        }
    }
    use std::os::unix::process::CommandExt;
    // (Through the environment: cargo-lambda 1.9 also hands `--target-dir`
    // to `cargo metadata`, which refuses it.)
    let child = cmd
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(workspace)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let mut watch = Watch { child, log };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = watch.child.try_wait().unwrap() {
            panic!("cargo lambda watch exited ({status}):\n{}", watch.log());
        }
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch is not listening on {port} after 60 s:\n{}",
            watch.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    watch
}

/// Send the request an API Gateway event describes to `function`'s URL.
fn call(port: u16, group: Group, event_json: &str, timeout: Duration) -> Answer {
    let ev: serde_json::Value = serde_json::from_str(event_json).unwrap();
    let method = ev["requestContext"]["http"]["method"].as_str().unwrap();
    let path = ev["rawPath"].as_str().unwrap();
    let query = ev["rawQueryString"].as_str().unwrap_or_default();
    let mut url = format!("http://127.0.0.1:{port}/lambda-url/{}{path}", group.name());
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    let mut req = axum::http::Request::builder().method(method).uri(&url);
    for (k, v) in ev["headers"].as_object().unwrap() {
        if k != "host" {
            req = req.header(k.as_str(), v.as_str().unwrap());
        }
    }
    assert_ne!(ev["isBase64Encoded"], true, "events have text bodies");
    let body = ev["body"].as_str().unwrap_or_default().as_bytes().to_vec();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into();
    let mut resp = agent
        .run(req.body(body).unwrap())
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.body_mut().read_to_vec().unwrap(),
    }
}

#[test]
fn functions_through_cargo_lambda_watch() {
    let Some(bin) = service_url("REELGRAPH_TEST_CARGO_LAMBDA", TEST) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(publish(&LocalDir::new(&models)));

    let port = free_port();
    let started = Instant::now();
    let mut watch = start_watch(&bin, &models, port, dir.path().join("watch.log"));
    let listening = started.elapsed();

    let mut report = Vec::new();
    let mut compiled_before = 0;
    let mut checked = 0;
    for group in Group::ALL {
        let names = event_names(group);
        for (i, name) in names.iter().enumerate() {
            let ev = event(group, name);
            let t = Instant::now();
            let first = i == 0;
            let a = call(port, group, &ev, if first { FIRST_CALL } else { CALL });
            let elapsed = t.elapsed();
            if a.status >= 500 {
                panic!(
                    "{}/{name}: {} {}\ncargo lambda watch log:\n{}",
                    group.name(),
                    a.status,
                    a.text(),
                    watch.log()
                );
            }
            check_event(group, name, &a);
            if first {
                let compiled = watch.log().matches("Compiling ").count();
                report.push(format!(
                    "{}: first invocation {:.1} s (build + cold start; cargo compiled {} crates)",
                    group.name(),
                    elapsed.as_secs_f64(),
                    compiled - compiled_before
                ));
                compiled_before = compiled;
            }
            checked += 1;
        }
        // A route of another function is a 404 of this one.
        let other = Group::ALL.into_iter().find(|g| *g != group).unwrap();
        let a = call(port, group, &event(other, &event_names(other)[0]), CALL);
        assert_error(&a, 404, None);
        let msg = a.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            msg.contains(&format!("the {} function serves it", other.name())),
            "{msg}"
        );
    }
    assert_eq!(checked, 22, "every event file is checked");
    // A function the workspace does not have: the emulator's own 404.
    let resp = ureq::get(format!("http://127.0.0.1:{port}/lambda-url/nothing/health"))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    watch.stop();

    let mut out = std::io::stderr().lock();
    writeln!(
        out,
        "cargo lambda watch: listening after {:.1} s, {} events in {:.1} s",
        listening.as_secs_f64(),
        checked,
        started.elapsed().as_secs_f64()
    )
    .unwrap();
    for line in report {
        writeln!(out, "  {line}").unwrap();
    }
}
