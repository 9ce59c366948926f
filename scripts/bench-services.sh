#!/usr/bin/env bash
# Services-mode benchmark (production-serving issue, "one store round trip per
# recommendation"): `reelgraph serve` on MariaDB + Milvus, a model trained on
# ml-100k, the original client's POST /getSimilarUser (5 liked movies), against
# the latency of one Milvus search on the same Milvus. For each Milvus at hand
# (Milvus Lite: $REELGRAPH_TEST_MILVUS_LITE; the 2.3.5 standalone:
# $REELGRAPH_TEST_MILVUS — as infra/services.sh starts them; source its
# services.env first):
#
# - one client (wrk -t1 -c1 --latency): the client's p50/p99 and requests/s,
#   then 16 connections: requests/s;
# - from the server's own request log (--log-format json): per request its
#   store calls (`store_calls`, stores::timing), so the p50 of the one Milvus
#   search each recommendation makes, timed around the SDK call, and the number
#   of store calls per request.
#
# Goal: the client's p50 ≤ 1.2 × the search's p50, with one store call per request.
#
#   scripts/bench-services.sh [BIN]   BIN: the reelgraph binary (default: builds it)
#
# Needs wrk (apt-get install wrk), ../shared/data/ml-100k (or DATA=DIR), and
# MariaDB ($REELGRAPH_TEST_MYSQL, default mysql://root@127.0.0.1:3306).
# The version is loaded under the default Milvus names (alias `movies`); `load`
# keeps at most two older versions there.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/../infra/lib.sh"
cd "$REPO_ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DEFAULT_CARGO_TARGET_DIR}"
# shellcheck source=scripts/lib/bench.sh
. "$REPO_ROOT/scripts/lib/bench.sh"
bench_setup bench-services "${1:-}"
DURATION=${DURATION:-10s}
declare -a MILVUSES=()
[ -n "${REELGRAPH_TEST_MILVUS_LITE:-}" ] && MILVUSES+=("Milvus Lite=$REELGRAPH_TEST_MILVUS_LITE")
[ -n "${REELGRAPH_TEST_MILVUS:-}" ] && MILVUSES+=("Milvus 2.3.5 standalone=$REELGRAPH_TEST_MILVUS")
[ "${#MILVUSES[@]}" -gt 0 ] || die "bench-services: no Milvus (set REELGRAPH_TEST_MILVUS_LITE or REELGRAPH_TEST_MILVUS)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/reelgraph-services.XXXXXX")
DB=""
cleanup() {
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  [ -n "$DB" ] && infra/scratch-db.sh drop "$DB" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" train --data "$DATA" --out "$WORK/models" --no-baselines --quiet --epochs "${EPOCHS:-3}" \
  >"$WORK/train.log" 2>&1

cat >"$WORK/similar.lua" <<'EOF'
wrk.method = "POST"
wrk.body = "[50, 181, 100, 258, 1]"
wrk.headers["Content-Type"] = "application/json"
EOF
# p50 of the requests' latency and of their Milvus searches, and store calls per
# request, from the server's JSON request log (lines after line $2).
from_log() {
  python3 - "$1" "$2" <<'EOF'
import json, re, statistics, sys
path, skip = sys.argv[1], int(sys.argv[2])
lat, search, calls, n = [], [], 0, 0
with open(path) as f:
    for i, line in enumerate(f):
        if i < skip or not line.startswith("{"):
            continue
        rec = json.loads(line)
        fields = rec.get("fields", rec)
        if rec.get("target") != "reelgraph::request" or fields.get("route") != "/getSimilarUser":
            continue
        n += 1
        lat.append(float(fields["latency_ms"]))
        made = re.findall(r"(\w+)\.(\w+)(!?)=([0-9.]+)", fields.get("store_calls", ""))
        calls += len(made)
        search += [float(ms) for store, op, failed, ms in made if store == "milvus" and op == "search" and not failed]
p50 = lambda xs: statistics.median(xs) if xs else float("nan")
print(f"{p50(lat):.3f} {p50(search):.3f} {calls / max(n, 1):.2f} {n}")
EOF
}

echo
echo "## Services mode: serve on MariaDB + Milvus, ml-100k, POST /getSimilarUser (5 liked), ${DURATION} per run ($(nproc) cores)"
echo
echo "| Milvus | search p50 (in server) | request p50 (in server) | client p50 | client p99 | client p50 / search p50 | store calls per request | req/s, 1 conn | req/s, 16 conn | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for entry in "${MILVUSES[@]}"; do
  name=${entry%%=*}
  url=${entry#*=}
  DB=$(infra/scratch-db.sh create mysql)
  "$BIN" load --from "$WORK/models" --vectors "$url" --db "$DB" --quiet >"$WORK/load.log" 2>&1 ||
    { tail -n 20 "$WORK/load.log" >&2; die "bench-services: load into $url failed"; }
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  RUST_LOG="warn,reelgraph::request=info" "$BIN" serve --port "$PORT" --vectors "$url" --db "$DB" \
    --no-web --log-format json >"$WORK/serve.log" 2>&1 &
  SERVER=$!
  BASE="http://127.0.0.1:$PORT"
  wait_until 300 0.1 curl -fs -o /dev/null "$BASE/ready" || die "bench-services: serve did not become ready"
  # Warm-up, then the measured runs.
  wrk -t1 -c1 -d3s -s "$WORK/similar.lua" "$BASE/getSimilarUser" >/dev/null 2>&1
  mark=$(wc -l <"$WORK/serve.log")
  one=$(wrk -t1 -c1 -d"$DURATION" --latency -s "$WORK/similar.lua" "$BASE/getSimilarUser" 2>&1)
  read -r lat search calls n < <(from_log "$WORK/serve.log" "$mark")
  many=$(wrk -t2 -c16 -d"$DURATION" -s "$WORK/similar.lua" "$BASE/getSimilarUser" 2>&1)
  client=$(echo "$one" | ms 50%)
  ratio=$(python3 -c "print(f'{$client / $search:.2f}')")
  echo "| $name | $search ms | $lat ms | $client ms | $(echo "$one" | ms 99%) ms | $ratio | $calls | $(echo "$one" | rps) | $(echo "$many" | rps) | $(($(echo "$one" | errors) + $(echo "$many" | errors))) |"
  kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
  SERVER=""
  infra/scratch-db.sh drop "$DB" >/dev/null
  DB=""
done
echo
echo "goal: client p50 ≤ 1.2 × search p50, one store call per request ($n requests logged in the last 1-connection run)"
