#!/usr/bin/env bash
# The OpenAPI document is the contract: schemathesis against `reelgraph serve`.
#
#   infra/schemathesis.sh [BIN]     BIN: the reelgraph binary
#                                   (default: $CARGO_TARGET_DIR/debug/reelgraph)
#
# 1. installs the schemathesis that infra/requirements.txt pins into the
#    project's virtualenv ($REELGRAPH_VENV, default ~/.cache/reelgraph/venv),
# 2. trains a small model on a generated dataset (web/tests/make-dataset.mjs:
#    160 movies in 8 genres, 300 users; one epoch) and loads it into SQLite and
#    the embedded vector index, in a temporary directory,
# 3. starts `BIN serve --no-web` on a free port of 127.0.0.1,
# 4. runs `schemathesis run --checks all` with every phase (examples, coverage,
#    fuzzing, stateful) against its /openapi.json: deterministic generation
#    (no seed, no example database: the same cases every run) and a bounded
#    number of examples per operation, so a run is repeatable and quick,
# 5. stops the server; exits non-zero when schemathesis found any failure.
#
# No check is excluded and no expected status is widened: every status a route
# can answer is in the document, the document says what each parameter
# accepts, and the server refuses exactly what it does not. The one help
# schemathesis gets is infra/schemathesis_hooks.py: it does not generate
# bodies that break the three rules JSON Schema cannot state and the document
# states in words (a movie liked and disliked; year_min after year_max; the
# same id as 5 and "5" in /getSimilarUser's list).
# Reports (JUnit XML, the NDJSON event stream) and the server's log go to
# test-artifacts/schemathesis/. scripts/test.sh runs this after the browser tests.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
BIN=${1:-${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}/debug/reelgraph}
[ -x "$BIN" ] || die "$BIN is not an executable reelgraph binary (build it with cargo build)"
BIN=$(realpath "$BIN")
command -v node >/dev/null || die "node is needed to generate the dataset (web/tests/make-dataset.mjs)"
VENV="${REELGRAPH_VENV:-$DEFAULT_VENV}"
venv_ensure "$VENV" infra/requirements.txt

# Examples per operation and per phase (generation is deterministic: the
# same cases every run).
MAX_EXAMPLES=${REELGRAPH_SCHEMATHESIS_EXAMPLES:-40}

ART="$REPO_ROOT/test-artifacts/schemathesis"
mkdir -p "$ART"
rm -rf "${ART:?}"/*
WORK=$(mktemp -d "${TMPDIR:-/tmp}/reelgraph-schemathesis.XXXXXX")
cleanup() {
  stop_pidfile "$WORK/serve.pid" 20
  rm -rf "$WORK"
}
trap cleanup EXIT

started=$SECONDS
node web/tests/make-dataset.mjs "$WORK/data" >&2
log "schemathesis: training a small model"
"$BIN" train --data "$WORK/data" --metadata "$WORK/data/movie_info.dat" --out "$WORK/models" \
  --epochs 1 --no-baselines --report "$WORK/report.json" >"$ART/train.log" 2>&1 || {
  tail -n 40 "$ART/train.log" >&2
  die "reelgraph train failed (log: $ART/train.log)"
}
DB="sqlite://$WORK/meta.db"
"$BIN" load --from "$WORK/models" --vectors embedded --db "$DB" >"$ART/load.log" 2>&1 || {
  tail -n 40 "$ART/load.log" >&2
  die "reelgraph load failed (log: $ART/load.log)"
}

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_bg "$WORK/serve.pid" "$ART/serve.log" "$BIN" serve --no-web --host 127.0.0.1 --port "$PORT" \
  --from "$WORK/models" --vectors embedded --db "$DB"
wait_port 127.0.0.1 "$PORT" 120 0.25 || {
  tail -n 40 "$ART/serve.log" >&2
  die "reelgraph serve did not listen on port $PORT (log: $ART/serve.log)"
}
log "schemathesis: model ready and served on port $PORT after $((SECONDS - started)) s"

# --generation-deterministic: derandomised generation, no example database (no
# .hypothesis/ directory): every run tests the same cases.
export SCHEMATHESIS_TELEMETRY=false
# The rules JSON Schema cannot state (see the file): cases breaking them are
# not generated.
export SCHEMATHESIS_HOOKS="$INFRA_DIR/schemathesis_hooks.py"
status=0
"$VENV/bin/schemathesis" --no-color run "http://127.0.0.1:$PORT/openapi.json" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --generation-deterministic \
  --max-examples "$MAX_EXAMPLES" --workers 1 \
  --request-timeout 10 \
  --report junit,ndjson --report-dir "$ART" || status=$?
log "schemathesis: finished in $((SECONDS - started)) s in all (exit status $status)"
[ "$status" = 0 ] || die "schemathesis found failures (reports: $ART)"
echo "schemathesis: 0 failures"
