#!/usr/bin/env bash
# A real Milvus 2.3.5 standalone server (the `milvus` PyPI package, which
# bundles milvus + embedded etcd + local storage) for the Milvus vector-store
# tests, so the code is proven on a real server and not only on Milvus Lite.
# Installed on first use into its own virtualenv, at the versions
# infra/requirements-milvus-standalone.txt pins; takes ~40 s to start.
#
#   infra/milvus-standalone.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MILVUS=...
#   infra/milvus-standalone.sh stop  [STATE_DIR]   stops the server it started (by PID)
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
HOST=127.0.0.1
PORT=${REELGRAPH_MILVUS_PORT:-19532}
# Milvus' query coordinator listens on 19531 by default, the port Milvus Lite
# uses here (infra/milvus-lite.sh): move it out of the way.
QUERY_COORD_PORT=${REELGRAPH_MILVUS_QUERY_COORD_PORT:-19541}
STATE=${2:-$DEFAULT_STATE_DIR}
VENV=${REELGRAPH_MILVUS_STANDALONE_VENV:-$HOME/.cache/reelgraph/milvus-standalone-venv}
mkdir -p "$STATE"
PIDFILE="$STATE/milvus-standalone.pid"

case "${1:-}" in
  start)
    if ! port_open "$HOST" "$PORT"; then
      venv_ensure "$VENV" "$INFRA_DIR/requirements-milvus-standalone.txt"
      DATA="$STATE/milvus-standalone-data"
      rm -rf "$DATA"
      log "starting Milvus standalone on $HOST:$PORT (about 40 s)"
      start_bg "$PIDFILE" "$STATE/milvus-standalone.log" \
        "$VENV/bin/milvus-server" --data "$DATA" --proxy-port "$PORT" \
        --query-coord-port "$QUERY_COORD_PORT"
      wait_port "$HOST" "$PORT" 360 0.5 ||
        die "Milvus did not come up on $HOST:$PORT (see $STATE/milvus-standalone.log)"
    fi
    echo "export REELGRAPH_TEST_MILVUS=http://$HOST:$PORT"
    ;;
  # The server runs in its own session: stop its whole process group
  # (milvus-server starts the milvus binary as a child).
  stop) stop_pidfile "$PIDFILE" 80 ;;
  *) usage "infra/milvus-standalone.sh start|stop [STATE_DIR]" ;;
esac
