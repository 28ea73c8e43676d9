#!/usr/bin/env bash
# pg.sh - a private PostgreSQL cluster for development, tests and the demo.
#
#   scripts/pg.sh start [DIR]   initdb (once) and start; prints the conninfo
#   scripts/pg.sh stop  [DIR]   stop it
#   scripts/pg.sh url   [DIR]   print the conninfo
#   scripts/pg.sh crash [DIR]   stop it like a crash (pg_ctl stop -m immediate:
#                               no checkpoint, sessions cut) and start it again;
#                               for fault tests. Prints the conninfo.
#
# The cluster lives in DIR (default: .pgdata in the repository), listens only on
# a Unix socket inside DIR (no TCP), and runs as the `postgres` user because
# initdb refuses to run as root. Nothing touches the system's own clusters.
set -euo pipefail

cmd=${1:-}
dir=${2:-$(cd "$(dirname "$0")/.." && pwd)/.pgdata}
port=${RAPPORT_PG_PORT:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bindir" ] || { echo "pg.sh: PostgreSQL server binaries not found; install the 'postgresql' package" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

conninfo() { echo "host=$dir/socket port=$port dbname=postgres user=postgres"; }

start_server() {
  as_owner mkdir -p "$dir/socket"
  if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -c unix_socket_directories='$dir/socket' -p $port -c fsync=on -c synchronous_commit=on -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=2GB" >/dev/null \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
  fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    start_server
    conninfo
    ;;
  crash)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    start_server
    conninfo
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  url) conninfo ;;
  *) echo "usage: $0 start|stop|crash|url [DIR]" >&2; exit 2 ;;
esac
