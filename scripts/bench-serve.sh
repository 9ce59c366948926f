#!/usr/bin/env bash
# Serving benchmark (serving issue goals): the local server with the embedded
# index on a model trained on ml-100k; prints a table.
#
#   scripts/bench-serve.sh [BIN]      BIN: the reelgraph binary (default: builds it)
#
# - one client, POST /api/v1/recommendations with 5 liked movies:
#   p50 ≤ 1 ms and p99 ≤ 5 ms (wrk -t1 -c1 --latency);
# - throughput with a load generator on loopback: ≥ 10,000 requests/s on 2 cores
#   (wrk -t2 -c64; wrk shares the machine's cores with the server);
# - also GET /api/v1/movies/random and GET /api/v1/movies/{id}/similar.
# Needs wrk (apt-get install wrk) and ../shared/data/ml-100k (or DATA=DIR).
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
cd "$REPO_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
# shellcheck source=scripts/lib/bench.sh
. "$REPO_ROOT/scripts/lib/bench.sh"
bench_setup bench-serve "${1:-}"
DURATION=${DURATION:-10s}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reelgraph-bench.XXXXXX")
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" train --data "$DATA" --out "$WORK/models" --no-baselines --quiet >"$WORK/train.log" 2>&1
"$BIN" load --from "$WORK/models" --vectors embedded --db "sqlite://$WORK/meta.db" --quiet >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" serve --port "$PORT" --vectors embedded --db "sqlite://$WORK/meta.db" --no-web >"$WORK/serve.log" 2>&1 &
SERVER=$!
BASE="http://127.0.0.1:$PORT"
wait_until 100 0.1 curl -fs -o /dev/null "$BASE/health" || true

cat >"$WORK/post.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"liked": [50, 181, 100, 258, 1], "k": 20}'
EOF
curl -fs -X POST -H 'Content-Type: application/json' -d '{"liked": [50, 181, 100, 258, 1], "k": 20}' \
  "$BASE/api/v1/recommendations" >/dev/null

# wrk --latency prints percentiles as "50%  123.00us"; convert to ms.

run() { wrk "$@" 2>&1; }
one=$(run -t1 -c1 -d"$DURATION" --latency -s "$WORK/post.lua" "$BASE/api/v1/recommendations")
many=$(run -t2 -c64 -d"$DURATION" -s "$WORK/post.lua" "$BASE/api/v1/recommendations")
rand=$(run -t2 -c64 -d"$DURATION" "$BASE/api/v1/movies/random?n=16")
sim=$(run -t2 -c64 -d"$DURATION" "$BASE/api/v1/movies/50/similar?k=20")
for out in "$one" "$many" "$rand" "$sim"; do
  if echo "$out" | grep -q "Non-2xx"; then echo "bench-serve: errors in a run:" >&2; echo "$out" >&2; exit 1; fi
done

echo
echo "## Local server, embedded index, ml-100k ($(nproc) cores, $(uptime | sed 's/.*load average/load average/'))"
echo
echo "| measure | figure | goal |"
echo "|---|---:|---|"
echo "| recommendations, 5 liked, 1 client: p50 | $(echo "$one" | ms 50%) ms | ≤ 1 ms |"
echo "| recommendations, 5 liked, 1 client: p99 | $(echo "$one" | ms 99%) ms | ≤ 5 ms |"
echo "| recommendations, 1 client | $(echo "$one" | rps) req/s | |"
echo "| recommendations, 64 connections | $(echo "$many" | rps) req/s | ≥ 10,000 |"
echo "| random 16, 64 connections | $(echo "$rand" | rps) req/s | |"
echo "| similar k=20, 64 connections | $(echo "$sim" | rps) req/s | |"
echo
echo "binary: $BIN ($(du -h "$BIN" | cut -f1))"
