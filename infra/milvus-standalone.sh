#!/usr/bin/env bash
# A real Milvus 2.3.5 standalone server (the `milvus` PyPI package, which
# bundles milvus + embedded etcd + local storage) for the Milvus vector-store
# tests, so the code is proven on a real server and not only on Milvus Lite.
# Installed into its own virtualenv on first use; takes ~40 s to start.
#
#   infra/milvus-standalone.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MILVUS=...
#   infra/milvus-standalone.sh stop  [STATE_DIR]   stops the server it started (by PID)
set -euo pipefail
HOST=127.0.0.1
PORT=${REELGRAPH_MILVUS_PORT:-19532}
# Milvus' query coordinator listens on 19531 by default, the port Milvus Lite
# uses here (infra/milvus-lite.sh): move it out of the way.
QUERY_COORD_PORT=${REELGRAPH_MILVUS_QUERY_COORD_PORT:-19541}
STATE=${2:-$HOME/.cache/reelgraph/state}
VENV=${REELGRAPH_MILVUS_STANDALONE_VENV:-$HOME/.cache/reelgraph/milvus-standalone-venv}
mkdir -p "$STATE"
PIDFILE="$STATE/milvus-standalone.pid"

up() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

case "${1:-}" in
  start)
    if ! up; then
      if [ ! -x "$VENV/bin/milvus-server" ]; then
        echo "installing milvus==2.3.5 into $VENV" >&2
        python3 -m venv "$VENV" >&2
        "$VENV/bin/pip" install -q 'milvus==2.3.5' >&2
      fi
      DATA="$STATE/milvus-standalone-data"
      rm -rf "$DATA"
      echo "starting Milvus standalone on $HOST:$PORT (about 40 s)" >&2
      setsid nohup "$VENV/bin/milvus-server" --data "$DATA" --proxy-port "$PORT" \
        --query-coord-port "$QUERY_COORD_PORT" \
        >"$STATE/milvus-standalone.log" 2>&1 &
      echo $! >"$PIDFILE"
      for _ in $(seq 1 360); do up && break; sleep 0.5; done
      up || { echo "error: Milvus did not come up on $HOST:$PORT (see $STATE/milvus-standalone.log)" >&2; exit 1; }
    fi
    echo "export REELGRAPH_TEST_MILVUS=http://$HOST:$PORT"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      pid=$(cat "$PIDFILE")
      # The server runs in its own session: stop its whole process group
      # (milvus-server starts the milvus binary as a child).
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 80); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 -- "-$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
    fi
    ;;
  *) echo "usage: infra/milvus-standalone.sh start|stop [STATE_DIR]" >&2; exit 2 ;;
esac
