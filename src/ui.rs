//! The web UI embedded in the binary (`build.rs` writes the file list).

use bytes::Bytes;
use reelgraph_api::ui::Ui;

mod files {
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// The UI's files as built into this binary.
pub fn embedded() -> Ui {
    Ui::from_entries(
        files::FILES
            .iter()
            .map(|(path, body)| (path.to_string(), Bytes::from_static(body))),
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The embedded UI is `web/`'s UI files, byte for byte, and nothing else.
    #[test]
    fn embedded_ui_is_the_web_directory() {
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let from_dir = reelgraph_api::ui::Ui::from_dir(&web).unwrap();
        let embedded = super::embedded();
        let paths: Vec<&str> = embedded.paths().collect();
        assert_eq!(paths, from_dir.paths().collect::<Vec<_>>());
        for p in ["index.html", "env-config.js", "style.css", "js/app.js"] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        for p in &paths {
            assert!(
                !p.starts_with("tests/") && !p.ends_with(".sh") && !p.ends_with(".json"),
                "{p}"
            );
            assert_eq!(embedded.get(p), from_dir.get(p), "{p}");
            assert_eq!(
                embedded.get(p).unwrap().as_ref(),
                std::fs::read(web.join(p)).unwrap(),
                "{p}"
            );
        }
    }
}
