#!/usr/bin/env bash
# Milvus Lite (the `milvus-lite` PyPI package) as a local gRPC server for the
# Milvus vector-store tests. Installed into its own virtualenv on first use.
#
#   infra/milvus-lite.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MILVUS_LITE=...
#   infra/milvus-lite.sh stop  [STATE_DIR]   stops the server it started (by PID)
set -euo pipefail
HOST=127.0.0.1
PORT=${REELGRAPH_MILVUS_LITE_PORT:-19531}
STATE=${2:-$HOME/.cache/reelgraph/state}
VENV=${REELGRAPH_MILVUS_LITE_VENV:-$HOME/.cache/reelgraph/venv}
mkdir -p "$STATE"
PIDFILE="$STATE/milvus-lite.pid"

up() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

case "${1:-}" in
  start)
    if ! up; then
      if [ ! -x "$VENV/bin/milvus-lite" ]; then
        echo "installing milvus-lite into $VENV" >&2
        python3 -m venv "$VENV" >&2
        "$VENV/bin/pip" install -q milvus-lite pymilvus >&2
      fi
      DATA="$STATE/milvus-lite-data"
      rm -rf "$DATA"
      echo "starting Milvus Lite on $HOST:$PORT" >&2
      setsid nohup "$VENV/bin/milvus-lite" server --data-dir "$DATA" --host "$HOST" --port "$PORT" \
        >"$STATE/milvus-lite.log" 2>&1 &
      echo $! >"$PIDFILE"
      for _ in $(seq 1 120); do up && break; sleep 0.5; done
      up || { echo "error: Milvus Lite did not come up on $HOST:$PORT (see $STATE/milvus-lite.log)" >&2; exit 1; }
    fi
    echo "export REELGRAPH_TEST_MILVUS_LITE=http://$HOST:$PORT"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid=$(cat "$PIDFILE")
      # The server runs in its own session: stop its whole process group.
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 -- "-$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
    fi
    ;;
  *) echo "usage: infra/milvus-lite.sh start|stop [STATE_DIR]" >&2; exit 2 ;;
esac
