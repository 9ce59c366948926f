//! Embeds the web UI (`web/`) in the `reelgraph` binary, so `serve` has its
//! UI wherever the binary is installed. Writes `$OUT_DIR/ui_files.rs`: a
//! `&[(path, bytes)]` of every file of `web/` outside its private
//! directories; `reelgraph_api::ui::Ui` then keeps only the UI's own files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Never walked: test suites, test tooling, installed packages.
const SKIP: [&str; 4] = ["tests", "seed-client", "node_modules", "test-artifacts"];

fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry"))
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry.file_type().expect("a file type");
        if kind.is_dir() && !SKIP.contains(&path.as_str()) {
            println!("cargo:rerun-if-changed={}", entry.path().display());
            walk(&entry.path(), &path, out);
        } else if kind.is_file() {
            println!("cargo:rerun-if-changed={}", entry.path().display());
            out.push((path, entry.path()));
        }
    }
}

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut files = Vec::new();
    walk(&web, "", &mut files);
    let mut code = String::from(
        "/// The files of `web/` (see build.rs).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (path, abs) in files {
        writeln!(
            code,
            "    ({path:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )
        .expect("write to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("ui_files.rs");
    std::fs::write(out, code).expect("write ui_files.rs");
}
