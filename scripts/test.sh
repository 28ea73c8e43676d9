#!/usr/bin/env bash
# test.sh - builds with AddressSanitizer and UndefinedBehaviorSanitizer and
# runs the whole test suite against a real PostgreSQL.
#
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
#                                       (-L chaos: the chaos suite's short form, which
#                                       runs a PostgreSQL cluster of its own; long form:
#                                       scripts/chaos.sh --minutes N)
#
# With RAPPORT_TEST_DATABASE set (a libpq conninfo of a server where the tests
# may create databases) that server is used; otherwise a private cluster is
# started in a temporary directory (scripts/pg.sh) and stopped afterwards.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${RAPPORT_TEST_BUILD:-$root/build-test}

echo "==> building with sanitizers into $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DRAPPORT_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

pgdir=""
cleanup() {
  if [ -n "$pgdir" ]; then
    "$root/scripts/pg.sh" stop "$pgdir" || true
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT

if [ -z "${RAPPORT_TEST_DATABASE:-}" ]; then
  pgdir=$(mktemp -d /tmp/rapport-test-pg.XXXXXX)
  chmod 755 "$pgdir"
  export RAPPORT_PG_PORT=${RAPPORT_PG_PORT:-54330}
  echo "==> starting a private PostgreSQL cluster in $pgdir" >&2
  RAPPORT_TEST_DATABASE=$("$root/scripts/pg.sh" start "$pgdir")
  export RAPPORT_TEST_DATABASE
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j2 "$@"
