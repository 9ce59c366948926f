//! The three Lambda functions in process, on real stores: a version is
//! published into a temporary model root and opened in self-contained mode
//! (embedded index + the in-memory metadata store of the version's files)
//! through the same configuration path the functions use at cold start.
//! Every event of `events/<group>/` goes through `lambda_http`'s parser into
//! that group's router; routes of other groups are 404 there; the groups
//! agree with `template.yaml`.

use std::collections::BTreeSet;

use crate::support::lambda::*;
use reelgraph_api::function::{self, FunctionConfig, Mode};
use reelgraph_api::{self as api, Group};
use reelgraph_core::object::LocalDir;

async fn self_contained_state(models: &std::path::Path) -> api::State {
    let root = models.display().to_string();
    let config =
        FunctionConfig::from_vars(|k| (k == "REELGRAPH_MODELS").then(|| root.clone())).unwrap();
    assert_eq!(config.mode, Mode::SelfContained);
    function::open_state(&config).await.unwrap()
}

#[tokio::test]
async fn every_event_through_its_function() {
    let dir = tempfile::tempdir().unwrap();
    publish(&LocalDir::new(dir.path())).await;
    let state = self_contained_state(dir.path()).await;
    let full = api::router(state.clone());
    let mut checked = 0;
    for group in Group::ALL {
        let router = api::router_for(group, state.clone());
        for name in event_names(group) {
            let ev = event(group, &name);
            let a = invoke(&router, &ev).await;
            check_event(group, &name, &a);
            // The group's router answers exactly like the full API (random
            // answers and a feedback's time aside, which differ between calls).
            if !["v1-random", "getRandom", "v1-feedback-post"].contains(&name.as_str()) {
                let b = invoke(&full, &ev).await;
                assert_eq!((a.status, &a.body), (b.status, &b.body), "{name}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 22, "every event file is checked");
}

#[tokio::test]
async fn routes_of_other_groups_are_404() {
    let dir = tempfile::tempdir().unwrap();
    publish(&LocalDir::new(dir.path())).await;
    let state = self_contained_state(dir.path()).await;
    for group in Group::ALL {
        let router = api::router_for(group, state.clone());
        for other in Group::ALL.into_iter().filter(|g| *g != group) {
            for name in event_names(other) {
                let a = invoke(&router, &event(other, &name)).await;
                assert_error(&a, 404, None);
                let msg = a.json()["error"]["message"].as_str().unwrap().to_string();
                assert!(
                    msg.contains(&format!("the {} function serves it", other.name())),
                    "{} in {}: {msg}",
                    name,
                    group.name()
                );
            }
        }
        // A path no group has.
        let mut ev: serde_json::Value =
            serde_json::from_str(&event(Group::Info, "health")).unwrap();
        ev["rawPath"] = "/api/v1/nothing".into();
        ev["requestContext"]["http"]["path"] = "/api/v1/nothing".into();
        let a = invoke(&router, &ev.to_string()).await;
        assert_error(&a, 404, None);
        // A route of this group with the wrong method: 405, not 404.
        let (method, path) = group.routes().swap_remove(0);
        let wrong = if method == axum::http::Method::GET {
            "DELETE"
        } else {
            "GET"
        };
        let path = path.replace("{id}", "3").replace("{file}", "x");
        ev["rawPath"] = path.clone().into();
        ev["requestContext"]["http"]["path"] = path.into();
        ev["requestContext"]["http"]["method"] = wrong.into();
        let a = invoke(&router, &ev.to_string()).await;
        assert_eq!(a.status, 405, "{}", a.text());
    }
}

/// `(method, path)` pairs.
type Routes = BTreeSet<(String, String)>;

/// Each function of template.yaml with HTTP API events: its name, the
/// binary it is built from, and `(method, path)` of every HTTP API event.
fn template_routes() -> Vec<(String, String, Routes)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<(String, String, Routes)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("  ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.strip_suffix("Function:"))
        {
            out.push((name.to_lowercase(), String::new(), BTreeSet::new()));
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("   ") {
            // Another resource.
            out.push((String::new(), String::new(), BTreeSet::new()));
            continue;
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if let Some(bin) = line.trim().strip_prefix("Binary:") {
            current.1 = bin.trim().to_string();
        }
        if let (Some(m), Some(p)) = (line.find("Method: "), line.find("Path: ")) {
            let method = line[m + 8..].split(',').next().unwrap().trim().to_string();
            let path = line[p + 6..]
                .trim_end_matches('}')
                .trim()
                .trim_matches('"')
                .to_string();
            current.2.insert((method, path));
        }
    }
    // Functions with HTTP API events only: the trainer has none (its
    // template entry is checked by functions/train's tests).
    out.retain(|(name, _, routes)| !name.is_empty() && !routes.is_empty());
    out
}

#[test]
fn groups_agree_with_the_sam_template() {
    let template = template_routes();
    let names: Vec<&str> = template.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, vec!["random", "recommend", "info"]);
    for (name, binary, routes) in template {
        let group = Group::from_name(&name).unwrap();
        assert_eq!(binary, group.name());
        let ours: Routes = group
            .routes()
            .into_iter()
            // API Gateway has no trailing-slash variant of /docs.
            .filter(|(_, p)| *p != "/docs/")
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(routes, ours, "routes of the {name} function");
    }
    // And every route of the API belongs to exactly one group.
    let all: usize = Group::ALL.iter().map(|g| g.routes().len()).sum();
    let distinct: BTreeSet<_> = Group::ALL
        .iter()
        .flat_map(|g| g.routes())
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    assert_eq!(all, distinct.len());
    assert_eq!(all, 22);
}

#[tokio::test]
async fn cold_start_errors_name_what_is_wrong() {
    // No `latest` pointer in an empty model root.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let config =
        FunctionConfig::from_vars(|k| (k == "REELGRAPH_MODELS").then(|| root.clone())).unwrap();
    let err = function::open_state(&config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("latest") && err.contains(&root), "{err}");

    // A pinned version that is not there; then the one that is.
    publish(&LocalDir::new(dir.path())).await;
    let pinned = |v: u64| {
        let root = root.clone();
        FunctionConfig::from_vars(move |k| match k {
            "REELGRAPH_MODELS" => Some(root.clone()),
            "REELGRAPH_VERSION" => Some(v.to_string()),
            _ => None,
        })
        .unwrap()
    };
    let err = function::open_state(&pinned(7))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("v7/manifest.json"), "{err}");
    let state = function::open_state(&pinned(VERSION)).await.unwrap();
    assert_eq!(state.model_version(), Some(VERSION));

    // A corrupted file is refused, naming it.
    let items = dir.path().join(format!("v{VERSION}/items.jsonl"));
    let mut bytes = std::fs::read(&items).unwrap();
    bytes[5] ^= 0x20;
    std::fs::write(&items, bytes).unwrap();
    let err = function::open_state(&pinned(VERSION))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("items.jsonl") && err.contains("SHA-256"),
        "{err}"
    );
}
