#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls exactly this).
#
#   scripts/test.sh
#
# 1. installs/starts the local services the tests use (infra/services.sh),
# 2. checks formatting (cargo fmt --check), lints (clippy -D warnings), the
#    API docs (cargo doc --no-deps with -D warnings),
#    validates template.yaml (infra/check-template.sh: sam validate --lint, cfn-lint),
# 3. runs every Rust test of the workspace, `sam build` with a check that the
#    functions it built start and answer (infra/sam-build.sh), the browser
#    tests of web/ and the original client's flow (web/seed-client/run.sh),
# 4. runs schemathesis (every check, every phase) against `reelgraph serve`
#    (infra/schemathesis.sh): the OpenAPI document is the contract,
# 5. prints which service tests ran.
#
# Under CI=true a service test that finds its service missing fails instead of
# skipping. Builds reuse $CARGO_TARGET_DIR (default: ~/.cache/reelgraph-target,
# outside the checkout) so a fresh clone does not rebuild every dependency.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
cd "$REPO_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
export CARGO_TERM_COLOR=never
# Non-incremental builds of the workspace crates: an interrupted incremental
# build in the shared target directory can otherwise leave objects that fail to link.
export CARGO_INCREMENTAL=0
STATE="${REELGRAPH_STATE:-$DEFAULT_STATE_DIR}"
mkdir -p "$STATE"
export REELGRAPH_SERVICE_LOG="$STATE/service-tests.log"
: >"$REELGRAPH_SERVICE_LOG"

step() { printf '\n==> %s\n' "$*"; }

step "services"
infra/services.sh start "$STATE"
# shellcheck disable=SC1091
source "$STATE/services.env"
trap 'infra/services.sh stop "$STATE" || true' EXIT

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo doc -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "template.yaml (sam validate --lint, cfn-lint)"
infra/check-template.sh

step "cargo test"
cargo test --workspace --locked

step "sam build, and the built functions answer their events"
infra/sam-build.sh

if [ -x web/run-tests.sh ]; then
  step "browser tests (web/)"
  infra/browser.sh
  cargo build --workspace --locked
  # The UI on the MySQL metadata store, in a scratch database dropped afterwards.
  WEB_DB=$(infra/scratch-db.sh create mysql)
  REELGRAPH_WEB_DB="$WEB_DB" web/run-tests.sh "$CARGO_TARGET_DIR/debug/reelgraph" || {
    infra/scratch-db.sh drop "$WEB_DB"
    exit 1
  }
  infra/scratch-db.sh drop "$WEB_DB"

  step "the original client, unchanged (web/seed-client/)"
  web/seed-client/run.sh "$CARGO_TARGET_DIR/debug/reelgraph"
fi

step "schemathesis: the OpenAPI document against reelgraph serve (infra/schemathesis.sh)"
cargo build --workspace --locked
infra/schemathesis.sh "$CARGO_TARGET_DIR/debug/reelgraph"

step "service tests"
sort "$REELGRAPH_SERVICE_LOG" | uniq
if grep -q "SKIPPED" "$REELGRAPH_SERVICE_LOG" && [ "${CI:-}" = "true" ]; then
  die "a service test was skipped under CI=true"
fi
