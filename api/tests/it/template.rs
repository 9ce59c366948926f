//! `template.yaml` beyond the functions' routes (those are checked in
//! `lambda_functions`). The site at the edge agrees with the API: CloudFront
//! routes every route of every function group to the HTTP API (first
//! matching cache behaviour, as CloudFront matches them), with the route's
//! method allowed; the answers that change per request (random draws,
//! recommendations, feedback, health, readiness, every POST) are never cached; the GET
//! answers of a model version are cached as the API's Cache-Control says,
//! keyed on path and query; and the UI's own paths stay on the bucket. The
//! `sam local` environment files of `events/` fit the template.

use reelgraph_api::Group;

/// Managed policy "CachingDisabled".
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// Managed origin request policy "AllViewerExceptHostHeader".
const ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/// The template's own cache policy, which honours the origin's Cache-Control.
const API_CACHE: &str = "!Ref ApiCachePolicy";

#[derive(Debug, Default)]
struct Behaviour {
    path_pattern: String,
    target: String,
    methods: Vec<String>,
    cache_policy: String,
    origin_request_policy: String,
    headers_policy: String,
}

fn template() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// `key: value` of a line, the value without quotes.
fn value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.trim().trim_start_matches("- ").strip_prefix(key)?;
    Some(rest.strip_prefix(':')?.trim().trim_matches('"'))
}

/// The distribution's ordered cache behaviours, and its default one.
fn behaviours(text: &str) -> (Vec<Behaviour>, Behaviour) {
    let mut ordered: Vec<Behaviour> = Vec::new();
    let mut default = Behaviour::default();
    let mut section = "";
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed == "DefaultCacheBehavior:" || trimmed == "CacheBehaviors:" {
            section = trimmed;
            continue;
        }
        if section.is_empty() {
            continue;
        }
        // The end of the distribution: the next resource.
        if line.starts_with("  ") && !line.starts_with("   ") {
            break;
        }
        if let Some(p) = value(line, "PathPattern") {
            ordered.push(Behaviour {
                path_pattern: p.to_string(),
                ..Default::default()
            });
            continue;
        }
        let b = if section == "CacheBehaviors:" {
            match ordered.last_mut() {
                Some(b) => b,
                None => continue,
            }
        } else {
            &mut default
        };
        if let Some(v) = value(line, "TargetOriginId") {
            b.target = v.to_string();
        } else if let Some(v) = value(line, "AllowedMethods") {
            b.methods = v
                .trim_matches(['[', ']'])
                .split(',')
                .map(|m| m.trim().to_string())
                .collect();
        } else if let Some(v) = value(line, "CachePolicyId") {
            b.cache_policy = v.to_string();
        } else if let Some(v) = value(line, "OriginRequestPolicyId") {
            b.origin_request_policy = v.to_string();
        } else if let Some(v) = value(line, "ResponseHeadersPolicyId") {
            b.headers_policy = v.to_string();
        }
    }
    (ordered, default)
}

/// CloudFront's path pattern match: `*` any characters (also `/`), `?` one,
/// the rest literal, case-sensitive, the whole path.
fn matches(pattern: &[u8], path: &[u8]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            matches(&pattern[1..], path) || (!path.is_empty() && matches(pattern, &path[1..]))
        }
        (Some(b'?'), Some(_)) => matches(&pattern[1..], &path[1..]),
        (Some(a), Some(b)) if a == b => matches(&pattern[1..], &path[1..]),
        _ => false,
    }
}

/// The behaviour CloudFront picks for `path`: the first that matches.
fn route<'a>(ordered: &'a [Behaviour], path: &str) -> Option<&'a Behaviour> {
    ordered
        .iter()
        .find(|b| matches(b.path_pattern.as_bytes(), path.as_bytes()))
}

#[test]
fn path_patterns_match_as_cloudfront_does() {
    assert!(matches(b"/api/*", b"/api/v1/movies/3/similar"));
    assert!(matches(b"/docs*", b"/docs"));
    assert!(matches(b"/docs*", b"/docs/swagger-ui.css"));
    assert!(!matches(b"/health", b"/healthz"));
    assert!(!matches(b"/api/*", b"/API/v1"));
    assert!(matches(b"/a?c", b"/abc") && !matches(b"/a?c", b"/ac"));
}

#[test]
fn every_route_reaches_the_api_through_cloudfront() {
    let text = template();
    let (ordered, default) = behaviours(&text);
    assert!(ordered.len() >= 10, "{ordered:?}");
    assert_eq!(default.target, "site");
    assert_eq!(default.methods, ["GET", "HEAD"]);
    assert_eq!(default.headers_policy, "!Ref SiteHeadersPolicy");

    let never_cached = [
        "/api/v1/movies/random",
        "/api/v1/recommendations",
        "/api/v1/feedback",
        "/health",
        "/ready",
    ];
    let version_cached = [
        "/api/v1/movies/3",
        "/api/v1/movies/3/similar",
        "/api/v1/movies/3/poster",
        "/api/v1/genres",
        "/getInfo",
        "/getImage",
        "/openapi.json",
    ];
    let mut seen = (0, 0);
    for group in Group::ALL {
        for (method, path) in group.routes() {
            let path = path
                .replace("{id}", "3")
                .replace("{file}", "swagger-ui.css");
            let b = route(&ordered, &path).unwrap_or_else(|| {
                panic!("{method} {path}: no behaviour, the UI bucket would answer")
            });
            assert_eq!(b.target, "api", "{method} {path}: {b:?}");
            assert!(
                b.methods.iter().any(|m| m == method.as_str())
                    && b.methods.iter().any(|m| m == "OPTIONS"),
                "{method} {path}: {b:?}"
            );
            // Every header but Host: API Gateway answers only on its own name.
            assert_eq!(b.origin_request_policy, ALL_VIEWER_EXCEPT_HOST, "{path}");
            if method == axum::http::Method::POST || never_cached.contains(&path.as_str()) {
                assert_eq!(
                    b.cache_policy, CACHING_DISABLED,
                    "{method} {path} is cached"
                );
                seen.0 += 1;
            } else if version_cached.contains(&path.as_str()) {
                assert_eq!(b.cache_policy, API_CACHE, "{method} {path}");
                seen.1 += 1;
            } else {
                // The rest (search, stats, counts, docs) is cached only as long as
                // the API's own Cache-Control allows, like the version's answers.
                assert_eq!(b.cache_policy, API_CACHE, "{method} {path}");
            }
            let headers = if path.starts_with("/docs") {
                "!Ref DocsHeadersPolicy"
            } else {
                "!Ref SiteHeadersPolicy"
            };
            assert_eq!(b.headers_policy, headers, "{path}");
        }
    }
    assert_eq!(seen, (9, version_cached.len()), "every listed route exists");

    // The UI's own files stay on the bucket.
    for path in [
        "/",
        "/index.html",
        "/env-config.js",
        "/style.css",
        "/r/0123456789abcdef/js/app.js",
    ] {
        assert!(route(&ordered, path).is_none(), "{path}");
    }
}

#[test]
fn the_api_cache_follows_the_origin() {
    let text = template();
    let start = text.find("\n  ApiCachePolicy:\n").unwrap();
    let end = start + 1 + text[start + 1..].find("\n\n").unwrap();
    let policy: Vec<&str> = text[start..end].lines().map(str::trim).collect();
    for line in [
        // Never longer than the answer's own Cache-Control says; no header, not cached.
        "MinTTL: 0",
        "DefaultTTL: 0",
        "QueryStringBehavior: all",
        "CookieBehavior: none",
    ] {
        assert!(policy.contains(&line), "{line} in {policy:?}");
    }
}

#[test]
fn the_api_origin_is_the_http_api_over_https() {
    let text = template();
    let origin = text.find("          - Id: api\n").unwrap();
    let block: Vec<&str> = text[origin..].lines().take(6).map(str::trim).collect();
    assert!(
        block.contains(&"DomainName: !Sub ${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
        "{block:?}"
    );
    assert!(
        block.contains(&"OriginProtocolPolicy: https-only"),
        "{block:?}"
    );
}

/// `sam local invoke --env-vars events/env.json` sets only variables the template
/// declares, per function: the example files name the template's functions and
/// variables it declares, and hold no credential.
#[test]
fn sam_local_env_files_name_the_templates_functions_and_variables() {
    let template = template();
    let declared: std::collections::BTreeSet<&str> = template
        .lines()
        .filter_map(|l| {
            let key = l.trim().split(':').next()?;
            (l.starts_with("        ")
                && (key.starts_with("REELGRAPH_") || key == "RUST_LOG")
                && key.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .then_some(key)
        })
        .collect();
    assert!(declared.contains("REELGRAPH_MODELS") && declared.contains("REELGRAPH_VERSION"));
    // The three serving functions and the trainer.
    let functions: Vec<String> = Group::ALL
        .iter()
        .map(|g| {
            let name = g.name();
            format!("{}{}Function", name[..1].to_uppercase(), &name[1..])
        })
        .chain(["TrainFunction".to_string()])
        .collect();
    let events = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    for (file, mode) in [
        ("env.json", "self-contained"),
        ("env.services.json", "services"),
    ] {
        let body = std::fs::read_to_string(events.join(file)).unwrap();
        let env: serde_json::Value = serde_json::from_str(&body).unwrap();
        let env = env.as_object().unwrap();
        // Every entry is a function of the template.
        for name in env.keys() {
            assert!(
                template.contains(&format!("\n  {name}:\n    Type: AWS::Serverless::Function")),
                "{file}: {name} is not a function of the template"
            );
        }
        for f in &functions {
            assert!(env.contains_key(f), "{file} lacks {f}");
            let vars = env[f].as_object().unwrap();
            assert_eq!(vars["REELGRAPH_MODE"], mode, "{file} {f}");
            for (k, v) in vars {
                assert!(
                    declared.contains(k.as_str()),
                    "{file} {f}: {k} is not declared by the template"
                );
                assert!(!k.contains("TOKEN"), "{file}: no credential ({k})");
                let v = v.as_str().unwrap();
                assert!(!v.contains("AKIA"), "{file}: no credential in {k}");
            }
        }
    }
}

/// No credential is in the functions' configuration: services mode gives
/// them the secret's ARN, and each function may read that secret only.
#[test]
fn functions_read_their_credentials_from_the_secret_only() {
    let t = template();
    assert!(
        !t.contains("resolve:secretsmanager"),
        "a secret resolved into the template"
    );
    assert!(t.contains(
        "REELGRAPH_SECRET_ARN: !If [IsServices, !Ref ServicesSecretArn, !Ref AWS::NoValue]"
    ));
    // Declared for `sam local` only, always empty when deployed.
    for var in ["REELGRAPH_DB", "REELGRAPH_MILVUS_TOKEN"] {
        let lines: Vec<&str> = t
            .lines()
            .filter(|l| l.trim_start().starts_with(&format!("{var}:")))
            .collect();
        assert_eq!(lines, [format!("        {var}: \"\"").as_str()], "{var}");
    }
    // Every function (three serving ones and the trainer) may read the
    // secret, and nothing else of Secrets Manager.
    let functions = t.matches("Type: AWS::Serverless::Function").count();
    assert_eq!(functions, 4);
    let grants = t
        .matches(
            "                Action: secretsmanager:GetSecretValue\n                Resource: !Ref ServicesSecretArn\n",
        )
        .count();
    assert_eq!(grants, functions);
    assert_eq!(
        t.matches("secretsmanager:").count(),
        functions + 1,
        "one ARN pattern + the grants"
    );
    // Services mode cannot be deployed without the secret; VPC placement.
    assert!(t.contains("  ServicesNeedSecret:\n    RuleCondition: !Equals [!Ref Mode, services]"));
    assert!(t.contains("    VpcConfig: !If\n      - InVpc\n"));
}
