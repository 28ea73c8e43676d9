#!/usr/bin/env bash
# run-ingest.sh - the ingest benchmark end to end: a fresh database, a rapportd
# with the example plugin, the Online Retail events (rapport-retail) pushed
# through bench_ingest, then everything stopped again.
#
#   bench/run-ingest.sh [BUILD_DIR] [bench_ingest flags...]
#
# BUILD_DIR defaults to ./build of the repository (build it with
# `cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build`).
# Extra arguments go to bench_ingest (e.g. --batch=1000 --rate=10000).
#
# Environment:
#   RAPPORT_BENCH_DATABASE  libpq conninfo in keyword=value form of a server
#                           where a database may be created (and dropped
#                           afterwards); unset = a private cluster started
#                           with scripts/pg.sh in a temporary directory
#   RAPPORT_BENCH_PORT      first of four TCP ports for rapportd (ingress,
#                           publish, replay, http); default 17450
#   RAPPORT_PG_PORT         port of the private cluster (default 54339)
#   RAPPORT_RETAIL_DATA     the data file (default ../shared/data/online-retail/online_retail.csv.gz)
#   RAPPORT_BENCH_OUT       also write the report here
#   RAPPORT_BENCH_PLUGINS   plugins to load (default example; "" for none)
#   RAPPORT_BENCH_RAPPORTD_ARGS  more rapportd flags, split on spaces
#                           (e.g. "--plugin_yield_ms=0" to compare without
#                           the workers' pause for ingest)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_arg=$repo/build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  build_arg=$1
  shift
fi
build=$(cd "$build_arg" && pwd)
data=${RAPPORT_RETAIL_DATA:-$repo/../shared/data/online-retail/online_retail.csv.gz}
port=${RAPPORT_BENCH_PORT:-17450}

rapportd=$build/services/rapportd/rapportd
retail=$build/services/rapport-retail/rapport-retail
bench=$build/bench/ingest/bench_ingest
for f in "$rapportd" "$retail" "$bench" "$build/plugins/example.so"; do
  [ -e "$f" ] || { echo "run-ingest: $f is missing; build the project first" >&2; exit 1; }
done
[ -r "$data" ] || { echo "run-ingest: data file $data not found" >&2; exit 1; }

work=$(mktemp -d /tmp/rapport-bench.XXXXXX)
chmod 755 "$work"            # the private cluster runs as `postgres` and lives inside
broker_pid=
private_cluster=
admin=
dbname=rapport_bench_$(date +%Y%m%d%H%M%S)_$$

cleanup() {
  set +e
  if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"
    for _ in $(seq 1 300); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$broker_pid" 2>/dev/null && { echo "run-ingest: rapportd did not stop; killing it" >&2; kill -KILL "$broker_pid"; }
    wait "$broker_pid" 2>/dev/null
  fi
  if [ -n "$private_cluster" ]; then
    "$repo/scripts/pg.sh" stop "$work/pg"
  elif [ -n "$admin" ] && [ -z "${RAPPORT_BENCH_KEEP:-}" ]; then
    psql "$admin" -qc "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${RAPPORT_BENCH_DATABASE:-}" ]; then
  case $RAPPORT_BENCH_DATABASE in
    postgres://*|postgresql://*)
      echo "run-ingest: RAPPORT_BENCH_DATABASE must be keyword=value conninfo (host=... user=...), not a URI" >&2
      exit 2 ;;
  esac
  admin=$RAPPORT_BENCH_DATABASE
else
  admin=$(RAPPORT_PG_PORT=${RAPPORT_PG_PORT:-54339} "$repo/scripts/pg.sh" start "$work/pg")
  private_cluster=1
fi
psql "$admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $dbname"
# In a keyword=value conninfo the last setting of a keyword wins.
conninfo="$admin dbname=$dbname"

# Another process on the port would silently take the benchmark's traffic.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run-ingest: something already listens on 127.0.0.1:$port; set RAPPORT_BENCH_PORT" >&2
  exit 1
fi

"$rapportd" --database="$conninfo" --plugins="${RAPPORT_BENCH_PLUGINS-example}" --plugin_dir="$build/plugins" \
  --ingress="tcp://127.0.0.1:$port" --publish="tcp://127.0.0.1:$((port + 1))" \
  --replay="tcp://127.0.0.1:$((port + 2))" --http="127.0.0.1:$((port + 3))" \
  ${RAPPORT_BENCH_RAPPORTD_ARGS:-} >"$work/rapportd.log" 2>&1 &
broker_pid=$!

# Ready when the ingress port accepts connections (migrations run before bind).
for _ in $(seq 1 300); do
  if ! kill -0 "$broker_pid" 2>/dev/null; then
    echo "run-ingest: rapportd exited; its log:" >&2
    cat "$work/rapportd.log" >&2
    exit 1
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
if ! kill -0 "$broker_pid" 2>/dev/null || ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run-ingest: rapportd is not listening on port $port after 30 s; its log:" >&2
  cat "$work/rapportd.log" >&2
  exit 1
fi

status=0
"$retail" --data="$data" \
  | "$bench" --ingress="tcp://127.0.0.1:$port" --pid="$broker_pid" --database="$conninfo" "$@" \
  | tee "${RAPPORT_BENCH_OUT:-/dev/null}" || status=$?

if [ "$status" -ne 0 ]; then
  echo "run-ingest: the benchmark failed (status $status); last lines of the rapportd log:" >&2
  tail -n 30 "$work/rapportd.log" >&2
fi
exit "$status"
