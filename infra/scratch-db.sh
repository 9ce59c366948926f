#!/usr/bin/env bash
# A scratch metadata database for trying `reelgraph load`/`serve` by hand or
# debugging a store test: create a uniquely named database, print its URL,
# and drop it again.
#
#   infra/scratch-db.sh create [mysql|sqlite]   prints the URL (default mysql)
#   infra/scratch-db.sh drop URL                drops it (mysql://…/NAME or sqlite://PATH)
#   infra/scratch-db.sh list                    the scratch databases that exist
#
# MySQL/MariaDB: $REELGRAPH_TEST_MYSQL (default mysql://root@127.0.0.1:3306, as
# infra/mariadb.sh starts it); databases are named reelgraph_scratch_<time>_<pid>.
# SQLite: a file in a new temporary directory. The reelgraph schema is created
# by the first `reelgraph load --db URL` (migrations in stores/migrations).
set -euo pipefail
# shellcheck source=infra/lib.sh
. "$(dirname "$0")/lib.sh"
BASE=${REELGRAPH_TEST_MYSQL:-mysql://root@127.0.0.1:3306}
BASE=${BASE%/}
hostport=${BASE#mysql://}
user=${hostport%%@*}
hostport=${hostport#*@}
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=3306

sql() { mariadb --protocol=tcp -h "$host" -P "$port" -u "$user" -N -e "$1"; }

case "${1:-}" in
  create)
    case "${2:-mysql}" in
      mysql)
        name="reelgraph_scratch_$(date +%Y%m%d%H%M%S)_$$"
        sql "CREATE DATABASE \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        echo "$BASE/$name"
        ;;
      sqlite)
        dir=$(mktemp -d -t reelgraph-scratch-XXXXXX)
        echo "sqlite://$dir/reelgraph.db"
        ;;
      *) usage "infra/scratch-db.sh create [mysql|sqlite]" ;;
    esac
    ;;
  drop)
    url=${2:?usage: infra/scratch-db.sh drop URL}
    case "$url" in
      mysql://*)
        name=${url##*/}
        case "$name" in
          reelgraph_scratch_*) sql "DROP DATABASE IF EXISTS \`$name\`" ;;
          *) die "$name is not a scratch database (reelgraph_scratch_*); not dropped" ;;
        esac
        ;;
      sqlite://*)
        path=${url#sqlite://}
        dir=$(dirname "$path")
        case "$(basename "$dir")" in
          reelgraph-scratch-*) rm -rf "$dir" ;;
          *) die "$path is not in a scratch directory; not removed" ;;
        esac
        ;;
      *) echo "error: $url is neither mysql://… nor sqlite://…" >&2; exit 2 ;;
    esac
    ;;
  list)
    sql "SHOW DATABASES LIKE 'reelgraph\\_scratch\\_%'"
    ;;
  *) usage "infra/scratch-db.sh create [mysql|sqlite] | drop URL | list" ;;
esac
