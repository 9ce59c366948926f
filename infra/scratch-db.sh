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
# by the first `reelgraph load --db URL` (migrations in core/migrations).
set -euo pipefail
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
      *) echo "usage: infra/scratch-db.sh create [mysql|sqlite]" >&2; exit 2 ;;
    esac
    ;;
  drop)
    url=${2:?usage: infra/scratch-db.sh drop URL}
    case "$url" in
      mysql://*)
        name=${url##*/}
        case "$name" in
          reelgraph_scratch_*) sql "DROP DATABASE IF EXISTS \`$name\`" ;;
          *) echo "error: $name is not a scratch database (reelgraph_scratch_*); not dropped" >&2; exit 1 ;;
        esac
        ;;
      sqlite://*)
        path=${url#sqlite://}
        dir=$(dirname "$path")
        case "$(basename "$dir")" in
          reelgraph-scratch-*) rm -rf "$dir" ;;
          *) echo "error: $path is not in a scratch directory; not removed" >&2; exit 1 ;;
        esac
        ;;
      *) echo "error: $url is neither mysql://… nor sqlite://…" >&2; exit 2 ;;
    esac
    ;;
  list)
    sql "SHOW DATABASES LIKE 'reelgraph\\_scratch\\_%'"
    ;;
  *) echo "usage: infra/scratch-db.sh create [mysql|sqlite] | drop URL | list" >&2; exit 2 ;;
esac
