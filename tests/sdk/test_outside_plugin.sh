#!/usr/bin/env bash
# Installs this build into a temporary prefix, builds tests/sdk/outside_plugin
# from that prefix only - once with pkg-config (installed into the prefix's
# plugin directory, as an author would), once with find_package(RapportPlugin)
# - and runs both in the installed rapportd on a fresh database of
# RAPPORT_TEST_DATABASE: published purchases must become rows and derived
# events of both plugins, with the label setting of each event's tenant.
set -euo pipefail
build=$1 src=$2 cmake=$3 cc=$4 bindir=$5 libdir=$6 includedir=$7 cflags=${8:-}
: "${RAPPORT_TEST_DATABASE:?set RAPPORT_TEST_DATABASE to a libpq conninfo (scripts/pg.sh start prints one)}"

# Outside the build tree: a rapportd inside it would use the build's plugins.
prefix=$(mktemp -d /tmp/rapport-prefix-XXXXXX)
work=$(mktemp -d /tmp/rapport-sdk-work-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -rf "$prefix" "$work"
}
trap cleanup EXIT
log=$work/rapportd.log
fail() { echo "FAIL: $*" >&2; [ -s "$log" ] && cat "$log" >&2; exit 1; }

# --- 1. install ------------------------------------------------------------
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "cmake --install"; }
# Every file lands under the prefix given now, none at the configured one.
outside=$(grep -E -- '^-- (Installing|Up-to-date): ' "$work/install.log" | sed -E 's/^-- [A-Za-z-]+: //' \
  | grep -v "^$prefix/" || true)
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
for f in "$bindir/rapportd" "$bindir/rapportctl" \
         "$includedir/rapport/plugin.h" "$includedir/rapport/rp_mpout.h" "$includedir/rapport/rp_pgarray.h" \
         "$includedir/rapport/rp_text.h" "$includedir/rapport/rp_duration.h" "$includedir/rapport/rp_keyindex.h" \
         "$libdir/librapport_plugin_sdk.a" "$libdir/pkgconfig/rapport-plugin.pc" \
         "$libdir/cmake/RapportPlugin/RapportPluginConfig.cmake" \
         "$libdir/cmake/RapportPlugin/RapportPluginConfigVersion.cmake"; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
plugindir=$prefix/$libdir/rapport/plugins
for so in "$build"/plugins/*.so; do
  [ -f "$plugindir/$(basename "$so")" ] || fail "bundled plugin not installed: $(basename "$so")"
done
[ ! -e "$prefix/$includedir/rapport/rp_tenant_runs.h" ] || fail "rp_tenant_runs.h is not part of the SDK"

# --- 2. pkg-config ---------------------------------------------------------
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pkg-config --exists --print-errors "rapport-plugin >= 2.0" || fail "pkg-config rapport-plugin >= 2.0"
[ "$(pkg-config --variable=plugindir rapport-plugin)" -ef "$plugindir" ] \
  || fail "plugindir $(pkg-config --variable=plugindir rapport-plugin) is not $plugindir"
# Each installed header compiles on its own with the flags pkg-config gives.
for h in plugin rp_mpout rp_pgarray rp_text rp_duration rp_keyindex; do
  echo "#include <rapport/$h.h>" | $cc -std=c11 -Wall -Wextra -Werror -fsyntax-only \
    $(pkg-config --cflags rapport-plugin) -x c - || fail "<rapport/$h.h> alone does not compile"
done
# The libraries after the sources: the SDK is a static library.
mkdir -p "$work/pc"
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $cflags \
  -o "$work/pc/outside.so" "$src/tests/sdk/outside_plugin/outside.c" \
  $(pkg-config --cflags --libs rapport-plugin) || fail "pkg-config build"
# The plugin exports its entry and nothing of the SDK (hidden visibility);
# no SDK function is left for the host to resolve.
nm -D --defined-only "$work/pc/outside.so" | grep -q ' rapport_plugin_entry$' || fail "entry not exported"
! nm -D --defined-only "$work/pc/outside.so" | grep -E ' rp_' || fail "SDK symbols exported"
! nm -D --undefined-only "$work/pc/outside.so" | grep -E ' rp_' || fail "SDK symbols left undefined"
install -m 755 "$work/pc/outside.so" "$(pkg-config --variable=plugindir rapport-plugin)/outside.so"

# --- 3. CMake package ------------------------------------------------------
"$cmake" -S "$src/tests/sdk/outside_plugin" -B "$work/cm" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror $cflags" -DOUTSIDE_NAME=outside_cmake \
  >"$work/cm.log" 2>&1 || { cat "$work/cm.log" >&2; fail "find_package(RapportPlugin)"; }
"$cmake" --build "$work/cm" >>"$work/cm.log" 2>&1 || { cat "$work/cm.log" >&2; fail "CMake package build"; }
cm_so=$work/cm/outside_cmake.so
[ -f "$cm_so" ] || fail "no outside_cmake.so"
! nm -D --defined-only "$cm_so" | grep -E ' rp_' || fail "SDK symbols exported (CMake build)"

# --- 4. both in the installed rapportd --------------------------------------
db_name=rp_test_sdk
psql "$RAPPORT_TEST_DATABASE" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
db="${RAPPORT_TEST_DATABASE/dbname=postgres/dbname=$db_name}"
"$prefix/$bindir/rapportd" --help-plugin outside >"$work/help.txt" 2>&1 || fail "--help-plugin outside: $(cat "$work/help.txt")"
grep -q "label" "$work/help.txt" || fail "--help-plugin outside lacks label: $(cat "$work/help.txt")"
. "$src/tests/support/start_rapportd.sh"
# "outside" by name, without --plugin_dir: the installed rapportd's default
# is its own prefix's plugin directory.
rp_start_rapportd "$log" "$prefix/$bindir/rapportd" --database="$db" --partitions=4 \
  --plugins="outside,$cm_so" --plugin.outside.label=wide --plugin.outside.acme.label=acme-label \
  || fail "rapportd did not become healthy"

cat >"$work/events.jsonl" <<'JSON'
{"id":"sdk-1","type":"purchase","ts":1700000000000,"customer":"alice","data":{"order_id":"o-1","amount":10,"currency":"EUR"}}
{"id":"sdk-2","type":"purchase","ts":1700000001000,"customer":"bob","data":{"order_id":"o-2","amount":20,"currency":"EUR"}}
{"id":"sdk-3","type":"purchase","ts":1700000002000,"tenant":"acme","customer":"carol","data":{"order_id":"o-3","amount":5,"currency":"EUR"}}
JSON
out=$("$prefix/$bindir/rapportctl" publish "$work/events.jsonl" --ingress="$ingress" 2>&1) || fail "publish: $out"
[ "$out" = "accepted=3 duplicate=0 rejected=0 retried=0" ] || fail "publish: $out"

q() { psql "$db" -qtAc "$1"; }
for _ in $(seq 1 100); do
  [ "$(q "SELECT (SELECT count(*) FROM outside_seen) + (SELECT count(*) FROM outside_cmake_seen)")" = 6 ] \
    && [ "$(q "SELECT count(*) FROM outbox WHERE type LIKE 'outside%.seen'")" = 6 ] && break
  sleep 0.2
done
rows=$(q "SELECT string_agg(tenant || ':' || event_id || ':' || customer || ':' || order_id || ':' || label, ' '
            ORDER BY event_id) FROM outside_seen")
[ "$rows" = "default:sdk-1:alice:o-1:wide default:sdk-2:bob:o-2:wide acme:sdk-3:carol:o-3:acme-label" ] \
  || fail "outside_seen: $rows"
rows=$(q "SELECT string_agg(tenant || ':' || event_id || ':' || label, ' ' ORDER BY event_id) FROM outside_cmake_seen")
[ "$rows" = "default:sdk-1:plain default:sdk-2:plain acme:sdk-3:plain" ] || fail "outside_cmake_seen: $rows"
derived=$(q "SELECT string_agg(plugin || ':' || type || ':' || tenant || ':' || customer || ':' || cause, ' '
               ORDER BY plugin, cause) FROM outbox")
[ "$derived" = "outside:outside.seen:default:alice:sdk-1 outside:outside.seen:default:bob:sdk-2 outside:outside.seen:acme:carol:sdk-3 outside_cmake:outside_cmake.seen:default:alice:sdk-1 outside_cmake:outside_cmake.seen:default:bob:sdk-2 outside_cmake:outside_cmake.seen:acme:carol:sdk-3" ] \
  || fail "derived events: $derived"
[ "$(q "SELECT count(*) FROM dead_letters")" = 0 ] || fail "dead letters: $(q "SELECT * FROM dead_letters")"
echo "sdk: installed prefix, pkg-config and CMake builds, both plugins ran: ok"
