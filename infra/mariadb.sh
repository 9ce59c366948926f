#!/usr/bin/env bash
# MariaDB for the metadata-store tests: reuse the server on 127.0.0.1:3306 or
# start the one installed from Debian's packages (installing it if missing).
# Tests create and drop their own uniquely named databases.
#
#   infra/mariadb.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MYSQL=...
#   infra/mariadb.sh stop  [STATE_DIR]   leaves a server it did not start running
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
HOST=${REELGRAPH_MYSQL_HOST:-127.0.0.1}
PORT=${REELGRAPH_MYSQL_PORT:-3306}
STATE=${2:-$DEFAULT_STATE_DIR}
mkdir -p "$STATE"

case "${1:-}" in
  start)
    if ! port_open "$HOST" "$PORT"; then
      if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
        log "installing mariadb-server"
        apt_install mariadb-server >&2
      fi
      log "starting MariaDB"
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >&2
      touch "$STATE/mariadb.started-by-us"
      wait_port "$HOST" "$PORT" 60 0.5 || die "MariaDB did not come up on $HOST:$PORT"
    fi
    echo "export REELGRAPH_TEST_MYSQL=mysql://root@$HOST:$PORT"
    ;;
  stop)
    if [ -f "$STATE/mariadb.started-by-us" ]; then
      start-stop-daemon --stop --oknodo --exec /usr/sbin/mariadbd >&2 || true
      rm -f "$STATE/mariadb.started-by-us"
    fi
    ;;
  *) usage "infra/mariadb.sh start|stop [STATE_DIR]" ;;
esac
