//! Store-call timings of one request.
//!
//! A server wraps each request in [`collect`]; every store call made while
//! it runs — on the same task, however deep — is timed by [`timed`] and
//! recorded with its store and operation. The request's log line then says
//! where its time went (`milvus.search=1.84`), and the server's metrics count
//! calls and latency per store. Outside [`collect`], [`timed`] only runs the
//! call.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// One timed store call.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreCall {
    /// `milvus`, `embedded`, `sql`, `s3`, …
    pub store: &'static str,
    /// `search`, `count`, `active_version`, …
    pub op: &'static str,
    pub seconds: f64,
    /// The call returned an error (or was cancelled by the deadline: then
    /// it is not recorded at all, as it never finished).
    pub failed: bool,
}

tokio::task_local! {
    static CALLS: Arc<Mutex<Vec<StoreCall>>>;
}

/// Run `fut`, returning its output and the store calls it made.
pub async fn collect<F: Future>(fut: F) -> (F::Output, Vec<StoreCall>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let out = CALLS.scope(calls.clone(), fut).await;
    let calls = std::mem::take(&mut *calls.lock().expect("lock poisoned"));
    (out, calls)
}

/// Run the store call `fut` of `store`/`op`, recording how long it took
/// when inside [`collect`].
pub async fn timed<T, E, F>(store: &'static str, op: &'static str, fut: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let out = fut.await;
    let _ = CALLS.try_with(|calls| {
        calls.lock().expect("lock poisoned").push(StoreCall {
            store,
            op,
            seconds: started.elapsed().as_secs_f64(),
            failed: out.is_err(),
        });
    });
    out
}

/// The calls as a log field: `store.op=ms` joined by spaces, failed calls
/// marked `!` (`milvus.search=1.84 sql.active_version!=2000.12`); `-` when
/// none.
pub fn summary(calls: &[StoreCall]) -> String {
    if calls.is_empty() {
        return "-".to_string();
    }
    calls
        .iter()
        .map(|c| {
            format!(
                "{}.{}{}={:.2}",
                c.store,
                c.op,
                if c.failed { "!" } else { "" },
                c.seconds * 1e3
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn collects_the_calls_of_one_task_only() {
        let ok = || async { Ok::<_, String>(1) };
        // Outside collect: just the call.
        assert_eq!(timed("sql", "count", ok()).await, Ok(1));
        let (out, calls) = collect(async {
            let a = timed("milvus", "search", ok()).await.unwrap();
            let b = timed("sql", "active_version", async { Err::<i32, _>("down") }).await;
            // a nested function's calls count too
            async fn inner() -> Result<i32, String> {
                timed("s3", "get", async { Ok(2) }).await
            }
            (a, b, inner().await)
        })
        .await;
        assert_eq!(out, (1, Err("down"), Ok(2)));
        let names: Vec<_> = calls.iter().map(|c| (c.store, c.op, c.failed)).collect();
        assert_eq!(
            names,
            [
                ("milvus", "search", false),
                ("sql", "active_version", true),
                ("s3", "get", false)
            ]
        );
        assert!(calls.iter().all(|c| c.seconds >= 0.0 && c.seconds < 1.0));
        let text = summary(&calls);
        assert!(
            text.starts_with("milvus.search=") && text.contains(" sql.active_version!="),
            "{text}"
        );
        assert_eq!(summary(&[]), "-");
        let (_, none) = collect(async {}).await;
        assert!(none.is_empty());
    }
}
