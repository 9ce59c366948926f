//! `infra/deploy.sh`, the one deploy command: the plan `--dry-run all` prints
//! without AWS (no credentials, no stack; `aws` and `sam` on PATH are
//! tripwires that fail the test if anything runs them), the template
//! parameters it passes, the confirmation `delete` needs, and the `web` step
//! for real against the local S3 server (Content-Type and Cache-Control of
//! every object, the content-addressed release, the same-origin
//! `env-config.js`, the pruning of older releases).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use reelgraph_testkit::cli::{Run, output};
use reelgraph_testkit::data::service_url;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A sandbox for the script: an empty HOME, no AWS configuration or
/// credentials, and `aws` / `sam` that record any call and fail.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        for tool in ["aws", "sam"] {
            let path = bin.join(tool);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/sh\necho \"{tool} $*\" >> '{}'\nexit 97\n",
                    dir.path().join("called").display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Sandbox { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// `infra/deploy.sh args…` in the checkout, with only PATH (tripwires
    /// first) and HOME set.
    fn deploy(&self, args: &[&str]) -> Run {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut c = Command::new("bash");
        c.arg(repo().join("infra/deploy.sh"))
            .args(args)
            .current_dir(repo())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home())
            .env("AWS_CONFIG_FILE", "/nonexistent/reelgraph-test")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/reelgraph-test");
        output(&mut c)
    }

    /// What called a tripwire (nothing, in a dry run).
    fn called(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("called")).unwrap_or_default()
    }
}

/// The step headers (`==> name`) of a plan, in order.
fn steps(plan: &str) -> Vec<&str> {
    plan.lines()
        .filter_map(|l| l.strip_prefix("==> "))
        .collect()
}

/// One `aws s3 cp FILE s3://BUCKET/KEY …` upload of the plan.
#[derive(Debug)]
struct Upload {
    key: String,
    content_type: String,
    cache_control: String,
}

/// Splits a printed command line into its words (the script quotes with
/// single quotes only).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn flag(words: &[String], name: &str) -> String {
    let i = words
        .iter()
        .position(|w| w == name)
        .unwrap_or_else(|| panic!("{name} in {words:?}"));
    words[i + 1].clone()
}

/// The uploads of the web step, in order.
fn uploads(plan: &str, bucket: &str) -> Vec<Upload> {
    let prefix = format!("s3://{bucket}/");
    plan.lines()
        .filter(|l| l.starts_with("+ aws ") && l.contains(" s3 cp "))
        .map(words)
        .filter(|w| w.last().map(String::as_str) == Some("--only-show-errors"))
        .map(|w| {
            let dest = w.iter().find(|x| x.starts_with(&prefix)).unwrap();
            Upload {
                key: dest[prefix.len()..].to_string(),
                content_type: flag(&w, "--content-type"),
                cache_control: flag(&w, "--cache-control"),
            }
        })
        .collect()
}

/// The UI's own files as the site serves them: every .html, .css and .js of
/// web/ outside its tests and node modules (paths relative to web/).
fn site_files(web: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if !["tests", "node_modules", "test-artifacts"].contains(&rel.as_str()) {
                    walk(&p, root, out);
                }
            } else if [".html", ".css", ".js"].iter().any(|x| rel.ends_with(x)) {
                out.insert(rel);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(web, web, &mut out);
    out
}

fn expected_type(key: &str) -> &'static str {
    if key.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if key.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if key.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else {
        panic!("unexpected file {key}")
    }
}

/// Checks the uploads of one web publish: every site file once with its
/// type, index.html and env-config.js uncached and last, the rest under one
/// release prefix, immutable. Returns the release prefix (`r/HASH/`).
fn check_uploads(ups: &[Upload], web: &Path) -> String {
    let n = ups.len();
    assert!(n >= 3, "{ups:?}");
    assert_eq!(ups[n - 2].key, "env-config.js", "{ups:?}");
    assert_eq!(ups[n - 1].key, "index.html", "{ups:?}");
    for u in &ups[n - 2..] {
        assert_eq!(u.cache_control, "no-cache", "{u:?}");
    }
    let release = ups[0].key.split('/').take(2).collect::<Vec<_>>().join("/") + "/";
    assert!(
        release.len() == "r/".len() + 16 + 1 && release.starts_with("r/"),
        "{release}"
    );
    let mut published = BTreeSet::new();
    for u in &ups[..n - 2] {
        let file = u
            .key
            .strip_prefix(&release)
            .unwrap_or_else(|| panic!("{} outside {release}", u.key));
        assert_eq!(u.cache_control, IMMUTABLE, "{u:?}");
        published.insert(file.to_string());
    }
    for u in ups {
        assert_eq!(u.content_type, expected_type(&u.key), "{u:?}");
    }
    let mut expected = site_files(web);
    expected.remove("index.html");
    expected.remove("env-config.js");
    assert_eq!(published, expected);
    release
}

#[test]
fn dry_run_all_prints_the_plan_without_aws() {
    let sb = Sandbox::new();
    let r = sb.deploy(&["--dry-run", "all"]);
    assert!(r.ok(), "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(sb.called(), "", "a dry run ran a command");
    let plan = &r.stdout;
    assert_eq!(
        steps(plan),
        ["build", "deploy", "data", "train", "web", "url"],
        "{plan}"
    );
    // Each step's commands sit under its header.
    let section = |name: &str| -> String {
        let start = plan.find(&format!("==> {name}\n")).unwrap();
        let rest = &plan[start + 5 + name.len()..];
        rest[..rest.find("==> ").unwrap_or(rest.len())].to_string()
    };
    assert!(
        section("build").contains("+ sam build --config-env default --template-file template.yaml"),
        "{plan}"
    );
    assert!(
        section("deploy").contains(
            "+ sam deploy --config-env default --stack-name reelgraph --region us-east-1 \
             --no-confirm-changeset --no-fail-on-empty-changeset"
        ),
        "{plan}"
    );
    // Without a stack, its outputs are placeholders; they are read with describe-stacks.
    let data = section("data");
    assert!(
        data.contains(
            "+ aws --region us-east-1 cloudformation describe-stacks --stack-name reelgraph"
        ),
        "{data}"
    );
    let cache = sb.home().join(".cache/reelgraph/data");
    assert!(
        data.contains(&format!(
            "+ reelgraph data fetch ml-100k --dir {}",
            cache.display()
        )),
        "{data}"
    );
    assert!(
        data.contains(&format!(
            "s3 sync {}/ml-100k/ s3://{{ArtifactsBucketName}}/data/ml-100k/ --delete",
            cache.display()
        )),
        "{data}"
    );
    let train = section("train");
    assert!(
        train.contains("stepfunctions start-execution --state-machine-arn {TrainStateMachineArn}"),
        "{train}"
    );
    assert!(
        train.contains(r#"--input '{"dataset": "s3://{ArtifactsBucketName}/data/ml-100k"}'"#),
        "{train}"
    );
    assert!(
        train.contains("stepfunctions describe-execution --execution-arn {ExecutionArn}"),
        "{train}"
    );

    let web = section("web");
    let ups = uploads(&web, "{WebsiteBucketName}");
    let release = check_uploads(&ups, &repo().join("web"));
    let after_index = &web[web.rfind("s3://{WebsiteBucketName}/index.html").unwrap()..];
    assert!(
        after_index.contains(
            "cloudfront create-invalidation --distribution-id {DistributionId} \
             --paths / /index.html /env-config.js"
        ),
        "{web}"
    );
    assert!(
        after_index.contains(&format!(
            "s3 rm s3://{{WebsiteBucketName}}/r/ --recursive --exclude '{}*'",
            &release[2..]
        )),
        "{web}"
    );
    for never in ["run-tests.sh", "package.json", "README.md", "/tests/"] {
        assert!(!web.contains(never), "{never} published: {web}");
    }
    assert_eq!(section("url").trim(), "{SiteUrl}", "{plan}");
}

#[test]
fn dry_run_stages_a_same_origin_site() {
    let sb = Sandbox::new();
    let stage = sb.dir.path().join("stage");
    let mut c = Command::new("bash");
    c.arg(repo().join("infra/deploy.sh"))
        .args(["--dry-run", "web"])
        .current_dir(repo())
        .env(
            "PATH",
            format!(
                "{}:{}",
                sb.dir.path().join("bin").display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .env("REELGRAPH_WEB_STAGE", &stage);
    let r = output(&mut c);
    assert!(r.ok(), "{}\n{}", r.stdout, r.stderr);
    assert_eq!(sb.called(), "");
    let release = check_uploads(
        &uploads(&r.stdout, "{WebsiteBucketName}"),
        &repo().join("web"),
    );
    // The staged page loads its assets from the release, which holds them.
    let index = std::fs::read_to_string(stage.join("index.html")).unwrap();
    for asset in ["style.css", "js/app.js"] {
        assert!(index.contains(&format!("=\"{release}{asset}\"")), "{index}");
        assert_eq!(
            std::fs::read(stage.join(&release).join(asset)).unwrap(),
            std::fs::read(repo().join("web").join(asset)).unwrap()
        );
    }
    assert!(index.contains(r#"<script src="env-config.js">"#), "{index}");
    let env = std::fs::read_to_string(stage.join("env-config.js")).unwrap();
    assert!(env.contains(r#"API_BASE_URL: """#), "{env}");
}

#[test]
fn parameters_and_confirmation() {
    let sb = Sandbox::new();
    // --param goes on top of samconfig.toml's overrides, to build and deploy.
    let r = sb.deploy(&[
        "--dry-run",
        "--param",
        "ModelVersion=20261128102000",
        "--stack",
        "rg-test",
        "--region",
        "eu-west-1",
        "build",
        "deploy",
    ]);
    assert!(r.ok(), "{}", r.stderr);
    for cmd in ["sam build", "sam deploy"] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("+ {cmd} ")))
            .unwrap();
        assert!(
            line.contains("--parameter-overrides ")
                && line.contains("Architecture=x86_64")
                && line.ends_with(" ModelVersion=20261128102000"),
            "{line}"
        );
    }
    assert!(
        r.stdout.contains("--stack-name rg-test --region eu-west-1"),
        "{}",
        r.stdout
    );
    // An empty value (follow `latest` again) is passed as an empty string.
    let r = sb.deploy(&["--dry-run", "--param", "ModelVersion=", "deploy"]);
    assert!(r.stdout.contains(r#"'ModelVersion=""'"#), "{}", r.stdout);
    // delete, for real, needs --yes: refused before anything runs.
    let r = sb.deploy(&["deploy", "delete"]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(r.stdout, "");
    // Unknown steps and bad parameters are usage errors.
    let r = sb.deploy(&["--dry-run", "publish"]);
    assert_eq!(r.status.code(), Some(2), "{}", r.stderr);
    let r = sb.deploy(&["--dry-run", "--param", "no-equals", "deploy"]);
    assert!(!r.ok() && r.stderr.contains("KEY=VALUE"), "{}", r.stderr);
    assert_eq!(sb.called(), "");
}

#[test]
fn web_step_publishes_to_a_local_s3() {
    // The AWS CLI the test command installs (infra/aws-cli.sh).
    let Some(aws) = service_url(
        "REELGRAPH_TEST_AWS_CLI",
        "deploy::web_step_publishes_to_a_local_s3",
    ) else {
        return;
    };
    let aws = PathBuf::from(aws);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data = tempfile::tempdir().unwrap();
    let endpoint = {
        let _guard = rt.enter();
        reelgraph_testkit::s3::serve(
            std::net::TcpListener::bind("127.0.0.1:0").unwrap(),
            data.path(),
        )
    };
    let s3 = reelgraph_testkit::s3::client(&endpoint);
    let bucket = "site";
    rt.block_on(s3.create_bucket().bucket(bucket).send())
        .unwrap();
    rt.block_on(
        s3.put_object()
            .bucket(bucket)
            .key("old-layout.js")
            .body(b"stale".to_vec().into())
            .send(),
    )
    .unwrap();
    // A copy of the UI that the test changes between publishes.
    let web = tempfile::tempdir().unwrap();
    for f in site_files(&repo().join("web")) {
        let to = web.path().join(&f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo().join("web").join(&f), to).unwrap();
    }
    let aws_dir = aws.parent().unwrap().to_path_buf();
    let publish = || -> (String, Vec<Upload>) {
        let mut c = Command::new("bash");
        c.arg(repo().join("infra/deploy.sh"))
            .args(["--no-invalidation", "web"])
            .current_dir(repo())
            .env(
                "PATH",
                format!("{}:{}", aws_dir.display(), std::env::var("PATH").unwrap()),
            )
            .env("REELGRAPH_WEB_SRC", web.path())
            .env("REELGRAPH_OUTPUT_WebsiteBucketName", bucket);
        for (k, v) in reelgraph_testkit::s3::env(&endpoint) {
            c.env(k, v);
        }
        let r = output(&mut c);
        assert!(r.ok(), "{}\n{}", r.stdout, r.stderr);
        assert!(!r.stdout.contains("cloudfront"), "{}", r.stdout);
        let ups = uploads(&r.stdout, bucket);
        let release = check_uploads(&ups, web.path());
        (release, ups)
    };
    let keys = || -> BTreeSet<String> {
        let out = rt
            .block_on(s3.list_objects_v2().bucket(bucket).send())
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    };
    let get = |key: &str| {
        let o = rt
            .block_on(s3.get_object().bucket(bucket).key(key).send())
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let content_type = o.content_type().unwrap_or_default().to_string();
        let cache_control = o.cache_control().unwrap_or_default().to_string();
        let body = rt.block_on(o.body.collect()).unwrap().into_bytes();
        (content_type, cache_control, body)
    };

    let (first, ups) = publish();
    let mut expected: BTreeSet<String> = ups.iter().map(|u| u.key.clone()).collect();
    assert_eq!(
        keys(),
        expected,
        "the stale file is gone, the site is there"
    );
    for u in &ups {
        let (content_type, cache_control, body) = get(&u.key);
        assert_eq!(
            (&content_type, &cache_control),
            (&u.content_type, &u.cache_control)
        );
        if let Some(file) = u.key.strip_prefix(&first) {
            assert_eq!(&body[..], std::fs::read(web.path().join(file)).unwrap());
        }
    }
    let (_, _, index) = get("index.html");
    let index = String::from_utf8(index.to_vec()).unwrap();
    assert!(
        index.contains(&format!("src=\"{first}js/app.js\"")),
        "{index}"
    );
    let (_, _, env) = get("env-config.js");
    assert!(String::from_utf8_lossy(&env).contains(r#"API_BASE_URL: """#));

    // Publishing the same files again changes nothing.
    assert_eq!(publish().0, first);
    assert_eq!(keys(), expected);

    // A change is a new release; the previous one stays for pages already
    // open, the one before goes.
    let css = web.path().join("style.css");
    let mut text = std::fs::read_to_string(&css).unwrap();
    text.push_str("\n/* second release */\n");
    std::fs::write(&css, &text).unwrap();
    let (second, ups2) = publish();
    assert_ne!(second, first);
    expected.extend(ups2.iter().map(|u| u.key.clone()));
    assert_eq!(keys(), expected);
    text.push_str("/* third release */\n");
    std::fs::write(&css, &text).unwrap();
    let (third, _) = publish();
    let now = keys();
    assert!(now.iter().all(|k| !k.starts_with(&first)), "{now:?}");
    assert!(now.iter().any(|k| k.starts_with(&second)), "{now:?}");
    assert!(now.iter().any(|k| k.starts_with(&third)), "{now:?}");
    let (_, _, index) = get("index.html");
    assert!(String::from_utf8_lossy(&index).contains(&format!("href=\"{third}style.css\"")));
}
