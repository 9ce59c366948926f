#!/usr/bin/env bash
# Start or stop every local service the tests use, and write the environment
# variables that point the tests at them into STATE/services.env.
#
#   infra/services.sh start STATE_DIR
#   infra/services.sh stop  STATE_DIR
#
# Each service has its own script in infra/ (usable alone by developers);
# this one runs them in turn. Idempotent: a service already up is reused.
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"
action=${1:?usage: infra/services.sh start|stop STATE_DIR}
STATE=${2:?usage: infra/services.sh start|stop STATE_DIR}
mkdir -p "$STATE"
ENV_FILE="$STATE/services.env"

services=(mariadb s3 milvus-standalone milvus-lite cargo-lambda aws-cli)

case "$action" in
  start)
    : >"$ENV_FILE"
    for s in "${services[@]}"; do
      echo "-- starting $s"
      infra/"$s".sh start "$STATE" >>"$ENV_FILE"
    done
    cat "$ENV_FILE"
    ;;
  stop)
    for s in "${services[@]}"; do
      infra/"$s".sh stop "$STATE" || log "warning: could not stop $s"
    done
    ;;
  *) usage "infra/services.sh start|stop STATE_DIR" ;;
esac
