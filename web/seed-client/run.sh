#!/usr/bin/env bash
# The original web client of the system reelgraph replaces, unchanged, against
# `reelgraph serve` (issue 16): GitHub milvus-io/milvus-demo-movie-taste, a React
# app whose only setting is the API's base URL (`window._env_.API_URL` in its
# env-config.js). scripts/test.sh runs this after the browser tests of web/:
#
#   web/seed-client/run.sh BIN        BIN: the reelgraph binary
#
# 1. The client's production build, cached OUTSIDE the clone in
#    $REELGRAPH_SEED_CLIENT_CACHE/<commit>/build (default ~/.cache/reelgraph/seed-client),
#    keyed by the pinned commit below. Its source is never part of this repository.
#    When the build is not cached, it is built from $REELGRAPH_SEED_CLIENT_SRC: a git
#    directory (a clone, bare or not) that holds the pinned commit. GitHub is not
#    reachable from CI, so without either the test is skipped with the reason (and
#    under CI=true the test command then fails, like any skipped service test).
#    The build needs only the npm registry: its yarn.lock points at
#    registry.yarnpkg.com, which is rewritten to registry.npmjs.org (same tarballs,
#    same integrity hashes) and installed with yarn 1.22.22 from npm, --frozen-lockfile;
#    react-scripts 3.4.3 (webpack 4) needs NODE_OPTIONS=--openssl-legacy-provider on
#    Node >= 17. About 1.5 minutes, once.
# 2. A small model (web/tests/make-dataset.mjs: OMDb-style metadata with release dates,
#    IMDb ratings and votes; every fifth movie's poster on a third origin), trained and
#    loaded into the embedded index and SQLite (or $REELGRAPH_SEED_CLIENT_DB).
# 3. flow.mjs: `BIN serve` on one port, the client's build on another origin with the API
#    URL as its only setting, posters on a third; Chromium (Debian's, via playwright-core
#    from web/node_modules: infra/browser.sh) goes through the whole flow. Screenshots and
#    logs go to test-artifacts/seed-client/.
set -euo pipefail
BIN=$(realpath "${1:?usage: web/seed-client/run.sh path/to/reelgraph}")
cd "$(dirname "$0")"
HERE=$PWD
WEB=$(dirname "$HERE")
ART="$WEB/../test-artifacts/seed-client"
COMMIT=395dbfde6919d35991cc6160d4148ec5f88c87ff
YARN=yarn@1.22.22
CACHE=${REELGRAPH_SEED_CLIENT_CACHE:-$HOME/.cache/reelgraph/seed-client}
BUILD="$CACHE/$COMMIT/build"

report() {
  echo "$1"
  if [ -n "${REELGRAPH_SERVICE_LOG:-}" ]; then echo "$1" >>"$REELGRAPH_SERVICE_LOG"; fi
}
skip() {
  report "SERVICE-TEST SKIPPED seed-client: $1"
  if [ "${CI:-}" = "true" ]; then
    echo "web/seed-client/run.sh: CI=true requires this test to run" >&2
    exit 1
  fi
  exit 0
}

if ! [ -d "$WEB/node_modules/playwright-core" ] || ! [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "web/seed-client/run.sh: playwright-core or Chromium missing; run infra/browser.sh first" >&2
  exit 1
fi

if ! [ -f "$BUILD/index.html" ]; then
  SRC=${REELGRAPH_SEED_CLIENT_SRC:-}
  if [ -z "$SRC" ]; then
    skip "the original client's build is not cached in $BUILD and REELGRAPH_SEED_CLIENT_SRC (a git clone of milvus-io/milvus-demo-movie-taste holding $COMMIT) is not set"
  fi
  if ! git -C "$SRC" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
    skip "REELGRAPH_SEED_CLIENT_SRC=$SRC is not a git directory holding commit $COMMIT"
  fi
  echo "web/seed-client/run.sh: building the original client at ${COMMIT:0:12} (once; cached in $CACHE/$COMMIT)"
  mkdir -p "$CACHE/$COMMIT"
  WORK=$(mktemp -d "$CACHE/$COMMIT/work.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
  git -C "$SRC" archive "$COMMIT" | tar -x -C "$WORK"
  sed -i 's#https://registry.yarnpkg.com/#https://registry.npmjs.org/#g' "$WORK/yarn.lock"
  (
    cd "$WORK"
    npx --yes "$YARN" install --frozen-lockfile --ignore-engines --non-interactive \
      --network-timeout 300000 --registry https://registry.npmjs.org/ >"$WORK.install.log" 2>&1 || {
      tail -n 40 "$WORK.install.log" >&2
      exit 1
    }
    # CI=false: react-scripts would fail the build on lint warnings under CI=true.
    CI=false GENERATE_SOURCEMAP=false NODE_OPTIONS=--openssl-legacy-provider \
      npx --yes "$YARN" build >"$WORK.build.log" 2>&1 || {
      tail -n 40 "$WORK.build.log" >&2
      exit 1
    }
  )
  rm -f "$WORK.install.log" "$WORK.build.log"
  rm -rf "$BUILD.tmp"
  mv "$WORK/build" "$BUILD.tmp"
  mv "$BUILD.tmp" "$BUILD"
  rm -rf "$WORK"
  trap - EXIT
fi

mkdir -p "$ART"
rm -f "$ART"/*.png "$ART"/*.log
DATA=$(mktemp -d "${TMPDIR:-/tmp}/reelgraph-seed-client.XXXXXX")
trap 'rm -rf "$DATA"' EXIT
# The posters' origin: a port flow.mjs listens on (picked here so the metadata can name it).
POSTER_PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
node "$WEB/tests/make-dataset.mjs" "$DATA/data" --posters "http://127.0.0.1:$POSTER_PORT/posters" >/dev/null
echo "web/seed-client/run.sh: training a small model"
"$BIN" train --data "$DATA/data" --metadata "$DATA/data/movie_info.dat" --out "$DATA/models" --epochs 2 --no-baselines --report "$DATA/report.json" >"$ART/train.log" 2>&1 || {
  tail -n 40 "$ART/train.log" >&2
  exit 1
}
DB=${REELGRAPH_SEED_CLIENT_DB:-sqlite://$DATA/meta.db}
"$BIN" load --from "$DATA/models" --vectors embedded --db "$DB" >"$ART/load.log" 2>&1 || {
  tail -n 40 "$ART/load.log" >&2
  exit 1
}

report "SERVICE-TEST RAN seed-client (the original client at ${COMMIT:0:12}, ${DB%%://*})"
REELGRAPH_BIN="$BIN" SEED_BUILD="$BUILD" SEED_MODELS="$DATA/models" SEED_DB="$DB" \
  SEED_POSTER_PORT="$POSTER_PORT" SEED_ARTIFACTS="$ART" node "$HERE/flow.mjs"
