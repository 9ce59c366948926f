#!/usr/bin/env bash
# Milvus Lite (the `milvus-lite` PyPI package) as a local gRPC server for the
# Milvus vector-store tests. Installed on first use into the project's
# virtualenv, with the other tools of infra/requirements.txt (pinned versions).
#
#   infra/milvus-lite.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MILVUS_LITE=...
#   infra/milvus-lite.sh stop  [STATE_DIR]   stops the server it started (by PID)
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
HOST=127.0.0.1
PORT=${REELGRAPH_MILVUS_LITE_PORT:-19531}
STATE=${2:-$DEFAULT_STATE_DIR}
VENV=${REELGRAPH_MILVUS_LITE_VENV:-$DEFAULT_VENV}
mkdir -p "$STATE"
PIDFILE="$STATE/milvus-lite.pid"

case "${1:-}" in
  start)
    if ! port_open "$HOST" "$PORT"; then
      venv_ensure "$VENV" "$INFRA_DIR/requirements.txt"
      DATA="$STATE/milvus-lite-data"
      rm -rf "$DATA"
      log "starting Milvus Lite on $HOST:$PORT"
      start_bg "$PIDFILE" "$STATE/milvus-lite.log" \
        "$VENV/bin/milvus-lite" server --data-dir "$DATA" --host "$HOST" --port "$PORT"
      wait_port "$HOST" "$PORT" 120 0.5 ||
        die "Milvus Lite did not come up on $HOST:$PORT (see $STATE/milvus-lite.log)"
    fi
    echo "export REELGRAPH_TEST_MILVUS_LITE=http://$HOST:$PORT"
    ;;
  # The server runs in its own session: stop its whole process group.
  stop) stop_pidfile "$PIDFILE" 40 ;;
  *) usage "infra/milvus-lite.sh start|stop [STATE_DIR]" ;;
esac
