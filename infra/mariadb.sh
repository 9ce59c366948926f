#!/usr/bin/env bash
# MariaDB for the metadata-store tests: reuse the server on 127.0.0.1:3306 or
# start the one installed from Debian's packages (installing it if missing).
# Tests create and drop their own uniquely named databases.
#
#   infra/mariadb.sh start [STATE_DIR]   prints: export REELGRAPH_TEST_MYSQL=...
#   infra/mariadb.sh stop  [STATE_DIR]   leaves a server it did not start running
set -euo pipefail
HOST=${REELGRAPH_MYSQL_HOST:-127.0.0.1}
PORT=${REELGRAPH_MYSQL_PORT:-3306}
STATE=${2:-$HOME/.cache/reelgraph/state}
mkdir -p "$STATE"

up() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

case "${1:-}" in
  start)
    if ! up; then
      if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
        echo "installing mariadb-server" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server) >&2
      fi
      echo "starting MariaDB" >&2
      start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >&2
      touch "$STATE/mariadb.started-by-us"
      for _ in $(seq 1 60); do up && break; sleep 0.5; done
      up || { echo "error: MariaDB did not come up on $HOST:$PORT" >&2; exit 1; }
    fi
    echo "export REELGRAPH_TEST_MYSQL=mysql://root@$HOST:$PORT"
    ;;
  stop)
    if [ -f "$STATE/mariadb.started-by-us" ]; then
      start-stop-daemon --stop --oknodo --exec /usr/sbin/mariadbd >&2 || true
      rm -f "$STATE/mariadb.started-by-us"
    fi
    ;;
  *) echo "usage: infra/mariadb.sh start|stop [STATE_DIR]" >&2; exit 2 ;;
esac
