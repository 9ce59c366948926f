//! The one runner of the `reelgraph` command for end-to-end tests.
//!
//! A [`Cli`] runs the binary it is given (`env!("CARGO_BIN_EXE_reelgraph")`,
//! which only the root crate's tests know) in a temporary current directory
//! of its own, so no `reelgraph.toml` or `./web` of the checkout or of another
//! test is found, and without any `REELGRAPH_*` variable or `RUST_LOG` of the
//! test process: only the flags and the variables the test gives configure
//! it. Paths in arguments must therefore be absolute.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

use tempfile::TempDir;

/// Runs one binary; each `Cli` has its own empty current directory,
/// removed when it is dropped.
pub struct Cli {
    bin: PathBuf,
    dir: TempDir,
}

/// What a finished run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Whether the command exited with status 0.
    pub fn ok(&self) -> bool {
        self.status.success()
    }
}

impl Cli {
    pub fn new(bin: impl Into<PathBuf>) -> Cli {
        Cli {
            bin: bin.into(),
            dir: tempfile::tempdir().expect("a temporary current directory"),
        }
    }

    /// The current directory of every command of this runner.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The command `bin args…`, in [`Cli::dir`], without the test process's
    /// `REELGRAPH_*` and `RUST_LOG`; add variables, pipes, or spawn it.
    pub fn command<S: AsRef<OsStr>>(&self, args: impl IntoIterator<Item = S>) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(args).current_dir(self.dir.path());
        clear(&mut c, std::env::vars_os().map(|(k, _)| k));
        c
    }

    /// Run `bin args…` to the end.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    /// Run `bin args…` to the end with the variables `env` set.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.command(args);
        c.envs(env.iter().copied());
        output(&mut c)
    }
}

/// Run `command` to the end, its output as text.
pub fn output(command: &mut Command) -> Run {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{:?}: {e}", command.get_program()));
    Run {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Remove from `c`'s environment each of `names` that configures reelgraph.
fn clear(c: &mut Command, names: impl Iterator<Item = OsString>) {
    for k in names {
        let s = k.to_string_lossy();
        if s.starts_with("REELGRAPH_") || s == "RUST_LOG" {
            c.env_remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_reelgraph_variables_and_rust_log_only() {
        let mut c = Command::new("true");
        clear(
            &mut c,
            [
                "REELGRAPH_DB",
                "RUST_LOG",
                "PATH",
                "AWS_REGION",
                "REELGRAPH_X",
            ]
            .into_iter()
            .map(OsString::from),
        );
        let mut removed: Vec<String> = c
            .get_envs()
            .map(|(k, v)| {
                assert!(v.is_none());
                k.to_string_lossy().into_owned()
            })
            .collect();
        removed.sort();
        assert_eq!(removed, ["REELGRAPH_DB", "REELGRAPH_X", "RUST_LOG"]);
    }

    #[test]
    fn runs_in_its_own_directory_with_the_given_variables() {
        let cli = Cli::new("/bin/sh");
        let r = cli.run_with(
            &[
                "-c",
                "pwd; echo \"$REELGRAPH_GIVEN\"; env | grep -c '^REELGRAPH_'",
            ],
            &[("REELGRAPH_GIVEN", "yes")],
        );
        assert!(r.ok(), "{r:?}");
        let lines: Vec<&str> = r.stdout.lines().collect();
        let cwd = std::fs::canonicalize(cli.dir()).unwrap();
        assert_eq!(Path::new(lines[0]), cwd);
        assert_eq!(lines[1..], ["yes", "1"]);
    }
}
