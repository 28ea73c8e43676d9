#!/usr/bin/env bash
# chaos.sh - the long form of the chaos suite (tests/chaos, issue 16 item 7):
# rounds of load with every plugin while rapportd is SIGKILLed, PostgreSQL
# crashed (pg_ctl stop -m immediate, kill -9 of a backend mid-transaction)
# and worker sessions terminated at seeded random instants; after each round
# every promise is checked; at the end a summary.
#
#   scripts/chaos.sh --minutes N [--seed S] [--build DIR] [--port P] [chaos.py options...]
#
# Builds with the sanitizers first (as scripts/test.sh, into build-test or
# RAPPORT_TEST_BUILD), then runs tests/chaos/chaos.py with a private
# PostgreSQL cluster of its own (Unix socket in a temporary directory).
# Exits 1 when any check failed; the seed printed first repeats the run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${RAPPORT_TEST_BUILD:-$root/build-test}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --build=*) build=${1#--build=}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done
case " ${args[*]-} " in
  *" --minutes"*|*" --short "*) ;;
  *) echo "usage: scripts/chaos.sh --minutes N [--seed S]" >&2; exit 2 ;;
esac

echo "==> building with sanitizers into $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DRAPPORT_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec /usr/bin/python3 "$root/tests/chaos/chaos.py" --build "$build" "${args[@]}"
