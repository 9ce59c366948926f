#!/usr/bin/env bash
# Browser tests of the web UI (scripts/test.sh runs this after infra/browser.sh):
#
#   web/run-tests.sh BIN        BIN: the reelgraph binary
#
# The metadata store is SQLite in a temporary directory, or the database named
# by $REELGRAPH_WEB_DB (scripts/test.sh passes a scratch MariaDB database from
# infra/scratch-db.sh, so the UI is also proven on the MySQL store).
#
# 1. generates a small synthetic dataset (tests/make-dataset.mjs: generic format plus
#    OMDb-style metadata),
# 2. trains a small model on it (BIN train) and loads it into embedded stores (BIN load),
# 3. runs tests/*.test.mjs with node's test runner; they start `BIN serve` on that
#    model and drive Debian's Chromium headless through playwright-core.
# Screenshots of the pages and the server logs go to test-artifacts/web/.
set -euo pipefail
BIN=$(realpath "${1:?usage: web/run-tests.sh path/to/reelgraph}")
cd "$(dirname "$0")"
WEB=$PWD
ART="$WEB/../test-artifacts/web"
mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.log
WORK=$(mktemp -d "${TMPDIR:-/tmp}/reelgraph-web.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if ! [ -d node_modules/playwright-core ]; then
  echo "web/run-tests.sh: node_modules missing; run infra/browser.sh first" >&2
  exit 1
fi

node tests/make-dataset.mjs "$WORK/data"
echo "web/run-tests.sh: training a small model"
"$BIN" train --data "$WORK/data" --metadata "$WORK/data/movie_info.dat" --out "$WORK/models" --epochs 2 --no-baselines --report "$WORK/report.json" >"$ART/train.log" 2>&1 || {
  tail -n 40 "$ART/train.log" >&2
  exit 1
}
DB=${REELGRAPH_WEB_DB:-sqlite://$WORK/meta.db}
echo "web/run-tests.sh: loading it into the embedded vector index and ${DB%%://*}"
"$BIN" load --from "$WORK/models" --vectors embedded --db "$DB" >"$ART/load.log" 2>&1 || {
  tail -n 40 "$ART/load.log" >&2
  exit 1
}

export REELGRAPH_BIN="$BIN" REELGRAPH_WEB_MODELS="$WORK/models" REELGRAPH_WEB_DB="$DB"
node --test --test-concurrency=1 --test-reporter=spec tests/
