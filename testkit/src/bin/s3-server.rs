//! A local S3-compatible server for development and the service tests: the
//! server of [`reelgraph_testkit::s3`] (the `s3s-fs` file-system backend, each
//! bucket a directory under `--root`, behind `s3s`'s S3 protocol with
//! signature-v4 authentication) served over plain HTTP by axum.
//!
//! ```text
//! cargo build -p reelgraph-testkit --bin s3-server
//! target/debug/s3-server --root DIR [--host 127.0.0.1] [--port 9000] \
//!     [--bucket NAME]... [--access-key K --secret-key S]
//! ```
//!
//! It prints `s3-server listening on http://ADDR` once it accepts connections
//! (with `--port 0`, ADDR has the port chosen by the system). Point the AWS
//! SDK (and so `reelgraph train --out s3://…`, `reelgraph load --from s3://…`)
//! at it with `AWS_ENDPOINT_URL=http://ADDR`, the same access/secret keys as
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, and any `AWS_REGION`.
//! `infra/s3.sh` starts and stops it.

use std::path::PathBuf;

use axum::serve::ListenerExt;
use reelgraph_testkit::s3;

struct Args {
    root: PathBuf,
    host: String,
    port: u16,
    buckets: Vec<String>,
    access_key: String,
    secret_key: String,
}

const USAGE: &str = "usage: s3-server --root DIR [--host H] [--port P] [--bucket NAME]... \
[--access-key K] [--secret-key S]\n(keys default to $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY)";

fn parse_args() -> Result<Args, String> {
    let mut root = None;
    let mut host = "127.0.0.1".to_string();
    let mut port = 9000u16;
    let mut buckets = Vec::new();
    let mut access_key = std::env::var("AWS_ACCESS_KEY_ID").ok();
    let mut secret_key = std::env::var("AWS_SECRET_ACCESS_KEY").ok();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--root" => root = Some(PathBuf::from(value()?)),
            "--host" => host = value()?,
            "--port" => {
                let v = value()?;
                port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port"))?;
            }
            "--bucket" => buckets.push(value()?),
            "--access-key" => access_key = Some(value()?),
            "--secret-key" => secret_key = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let root = root.ok_or_else(|| format!("--root is required\n{USAGE}"))?;
    let (Some(access_key), Some(secret_key)) = (access_key, secret_key) else {
        return Err(format!(
            "an access key and a secret key are required (--access-key/--secret-key or \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)\n{USAGE}"
        ));
    };
    for b in &buckets {
        // S3 bucket naming rules, simplified: also keeps the name a plain directory.
        let ok = (3..=63).contains(&b.len())
            && b.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
            && !b.starts_with(['-', '.']);
        if !ok {
            return Err(format!("--bucket {b:?} is not a valid S3 bucket name"));
        }
    }
    Ok(Args {
        root,
        host,
        port,
        buckets,
        access_key,
        secret_key,
    })
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(args).await {
        eprintln!("s3-server: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.root)
        .map_err(|e| format!("cannot create {}: {e}", args.root.display()))?;
    for b in &args.buckets {
        std::fs::create_dir_all(args.root.join(b))?;
    }
    let app = s3::router(s3::service(&args.root, &args.access_key, &args.secret_key)?);
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    println!("s3-server listening on http://{}", listener.local_addr()?);
    // TCP_NODELAY, as S3 does: without it a response written in two segments
    // waits for the client's delayed ACK (~40 ms per request).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
