#!/usr/bin/env bash
# test-repeat.sh - runs the whole test suite N times, optionally with the CPU
# loaded by competing processes, to prove that no test depends on machine
# speed or scheduling (issue 18). Builds once (scripts/test.sh does), then
# reruns ctest; each run's failing tests are listed, and the summary names
# every test that failed in any run with how often.
#
#   scripts/test-repeat.sh [-n N] [--load K] [-- ctest args...]
#     -n N       runs (default 5)
#     --load K   K busy loops (one per core is a fully loaded machine) run
#                beside the suite for its whole duration (default 0)
#
# Uses RAPPORT_TEST_DATABASE and RAPPORT_TEST_BUILD like scripts/test.sh; with
# no database a private cluster is started once for all runs. Exit status 0
# only if every run passed. The log of run i is in $RAPPORT_TEST_BUILD/repeat-i.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
runs=5
load=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-n N] [--load K] [-- ctest args...]" >&2; exit 2 ;;
  esac
done
build=${RAPPORT_TEST_BUILD:-$root/build-test}
export RAPPORT_TEST_BUILD=$build

pgdir=""
loaders=()
cleanup() {
  for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$pgdir" ]; then
    "$root/scripts/pg.sh" stop "$pgdir" || true
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT

if [ -z "${RAPPORT_TEST_DATABASE:-}" ]; then
  pgdir=$(mktemp -d /tmp/rapport-repeat-pg.XXXXXX)
  chmod 755 "$pgdir"
  export RAPPORT_PG_PORT=${RAPPORT_PG_PORT:-54331}
  RAPPORT_TEST_DATABASE=$("$root/scripts/pg.sh" start "$pgdir")
  export RAPPORT_TEST_DATABASE
fi

for ((k = 0; k < load; k++)); do
  (while :; do :; done) &
  loaders+=($!)
done
echo "==> $runs runs of the suite, $load busy loop(s) beside it, on $(nproc) cores" >&2

declare -A failures=()
failed_runs=0
for ((i = 1; i <= runs; i++)); do
  log=$build/repeat-$i.log
  start=$(date +%s)
  if [ "$i" -eq 1 ]; then
    # the first run builds (scripts/test.sh), the others only rerun ctest
    status=0; "$root/scripts/test.sh" "$@" >"$log" 2>&1 || status=$?
  else
    status=0; (cd "$build" && ctest --output-on-failure -j2 "$@") >"$log" 2>&1 || status=$?
  fi
  took=$(( $(date +%s) - start ))
  failed=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (.*)$/\1/p' "$log" | sort -u | tr '\n' ' ')
  summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -1 || true)
  echo "run $i: rc=$status ${took}s ${summary:-no ctest summary} ${failed:+failed: $failed}" >&2
  if [ "$status" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    for t in $failed; do failures[$t]=$(( ${failures[$t]:-0} + 1 )); done
  fi
done

echo "==> $((runs - failed_runs)) of $runs runs passed" >&2
for t in "${!failures[@]}"; do
  echo "    $t failed in ${failures[$t]} run(s)" >&2
done
[ "$failed_runs" -eq 0 ]
