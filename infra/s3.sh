#!/usr/bin/env bash
# A local S3-compatible server (testkit/src/bin/s3-server.rs: s3s + s3s-fs, each
# bucket a directory) for the S3 service tests and for developers who want to
# try `reelgraph train --out s3://…` / `reelgraph load --from s3://…` offline.
# Built from the workspace on first use.
#
#   infra/s3.sh start [STATE_DIR]   prints the exports below
#   infra/s3.sh stop  [STATE_DIR]   stops the server it started (by PID)
#   infra/s3.sh env   [STATE_DIR]   prints the exports for a developer shell:
#       eval "$(infra/s3.sh env)"   (AWS_ENDPOINT_URL, keys, region)
#
# Bucket `reelgraph` exists from the start; data lives in STATE_DIR/s3-data
# and is wiped on each start.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
HOST=127.0.0.1
PORT=${REELGRAPH_S3_PORT:-9010}
STATE=${2:-$DEFAULT_STATE_DIR}
TARGET=${CARGO_TARGET_DIR:-target}
ACCESS_KEY=reelgraph-local
SECRET_KEY=reelgraph-local-secret
mkdir -p "$STATE"
PIDFILE="$STATE/s3.pid"

exports() {
  echo "export REELGRAPH_TEST_S3=http://$HOST:$PORT"
  echo "export REELGRAPH_TEST_S3_ACCESS_KEY=$ACCESS_KEY"
  echo "export REELGRAPH_TEST_S3_SECRET_KEY=$SECRET_KEY"
}

case "${1:-}" in
  start)
    if ! port_open "$HOST" "$PORT"; then
      log "building the local S3 server (testkit/src/bin/s3-server.rs)"
      CARGO_TARGET_DIR="$TARGET" cargo build --locked --quiet -p reelgraph-testkit --bin s3-server >&2
      DATA="$STATE/s3-data"
      rm -rf "$DATA"
      log "starting the local S3 server on $HOST:$PORT"
      start_bg "$PIDFILE" "$STATE/s3.log" \
        "$TARGET/debug/s3-server" --root "$DATA" --host "$HOST" --port "$PORT" \
        --bucket reelgraph --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY"
      wait_port "$HOST" "$PORT" 100 0.1 ||
        die "the local S3 server did not come up on $HOST:$PORT (see $STATE/s3.log)"
    fi
    exports
    ;;
  env)
    echo "export AWS_ENDPOINT_URL=http://$HOST:$PORT"
    echo "export AWS_ACCESS_KEY_ID=$ACCESS_KEY"
    echo "export AWS_SECRET_ACCESS_KEY=$SECRET_KEY"
    echo "export AWS_REGION=us-east-1"
    ;;
  stop) stop_pidfile "$PIDFILE" ;;
  *) usage "infra/s3.sh start|stop|env [STATE_DIR]" ;;
esac
