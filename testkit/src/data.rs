//! Helpers for tests: where the shared real data lives, and which external
//! services a test may use.
//!
//! Real MovieLens data is never shipped; tests read it from `../shared/data`
//! beside the checkout (or `$REELGRAPH_SHARED_DATA`) and skip with a printed
//! reason when it is absent. Service tests read the service's URL from an
//! environment variable that `scripts/test.sh` sets after starting it; a
//! missing variable skips the test with a message, except under `CI=true`,
//! where a skipped service test is a failure.

use std::path::{Path, PathBuf};

/// `../shared/data` (or `$REELGRAPH_SHARED_DATA`) if it exists, as an
/// absolute path (commands run by [`crate::cli`] have another current
/// directory).
///
/// Searched upwards from `manifest_dir` (pass `env!("CARGO_MANIFEST_DIR")`),
/// so it works from any crate of the workspace.
pub fn shared_data(manifest_dir: &str) -> Option<PathBuf> {
    if let Ok(p) = std::env::var("REELGRAPH_SHARED_DATA") {
        let p = std::path::absolute(p).ok()?;
        return p.is_dir().then_some(p);
    }
    let mut dir: Option<&Path> = Some(Path::new(manifest_dir));
    while let Some(d) = dir {
        let candidate = d.join("../shared/data");
        if candidate.is_dir() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// A sub-directory of the shared data (e.g. `"ml-100k"`), or `None` after
/// printing why the calling test is skipped.
pub fn shared_dataset(manifest_dir: &str, name: &str, test: &str) -> Option<PathBuf> {
    match shared_data(manifest_dir).map(|d| d.join(name)) {
        Some(p) if p.is_dir() => Some(p),
        _ => {
            eprintln!("SKIP {test}: ../shared/data/{name} is not present");
            None
        }
    }
}

/// The URL of a service for a test, from the environment variable `var`.
///
/// Prints `SERVICE-TEST RAN <test>` or `SERVICE-TEST SKIPPED <test>` so the
/// test command can report which service tests ran. Under `CI=true` a missing
/// service panics: CI must start every service its tests need.
///
/// The same line is appended to the file named by `$REELGRAPH_SERVICE_LOG`
/// when set (the test command prints that file at the end, since the test
/// harness captures the output of passing tests).
pub fn service_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(url) => {
            record(&format!("SERVICE-TEST RAN {test} ({var}={url})"));
            Some(url)
        }
        None => {
            let line = format!("SERVICE-TEST SKIPPED {test}: {var} is not set");
            record(&line);
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{line}, and CI=true requires every service test to run");
            }
            None
        }
    }
}

fn record(line: &str) {
    eprintln!("{line}");
    if let Ok(path) = std::env::var("REELGRAPH_SERVICE_LOG") {
        let _ = append_line(Path::new(&path), line);
    }
}

/// Appends `line` and its newline to `path` in one `write` call.
///
/// Test binaries run at the same time and append to the same file; with
/// `O_APPEND` one small write lands whole, whereas `writeln!` on a `File`
/// writes the text and the newline separately and two lines can interleave.
fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(format!("{line}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_appended_at_once_stay_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.log");
        let threads = 8;
        let per_thread = 200;
        std::thread::scope(|s| {
            for t in 0..threads {
                let path = &path;
                s.spawn(move || {
                    for i in 0..per_thread {
                        append_line(path, &format!("SERVICE-TEST RAN t{t} i{i}")).unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), threads * per_thread);
        assert!(text.ends_with('\n'));
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(
            lines.len(),
            threads * per_thread,
            "a line was joined or split"
        );
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with("SERVICE-TEST RAN t") && l.matches("SERVICE").count() == 1)
        );
    }
}
