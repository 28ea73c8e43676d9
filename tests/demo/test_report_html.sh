#!/usr/bin/env bash
# Replays a small retail stream through a real rapportd with every plugin
# that is built, runs scripts/demo-report.sh, and renders the HTML in
# headless Chromium: the rendered DOM must hold every section and the
# charts, and the screenshot must not be empty.
set -euo pipefail
rapportd=$1 plugin_dir=$2 retail=$3 ctl=$4 src=$5
: "${RAPPORT_TEST_DATABASE:?set RAPPORT_TEST_DATABASE to a libpq conninfo (scripts/pg.sh start prints one)}"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "FAIL: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
work=$(mktemp -d)
db_name=rp_test_demo_report
base=$RAPPORT_TEST_DATABASE
psql "$base" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
db="${base/dbname=postgres/dbname=$db_name}"
plugins=""
for p in scoring care survey referral stakeholder; do
  [ -f "$plugin_dir/$p.so" ] && plugins="$plugins${plugins:+,}$p"
done
port=$(( 20000 + RANDOM % 20000 ))
ingress=tcp://127.0.0.1:$port http=127.0.0.1:$((port + 3))
"$rapportd" --database="$db" --plugins="$plugins" --plugin_dir="$plugin_dir" --clock=event \
  --ingress=$ingress --publish=tcp://127.0.0.1:$((port + 1)) --replay=tcp://127.0.0.1:$((port + 2)) \
  --http=$http 2>"$work/rapportd.log" &
pid=$!
cleanup() { kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 30 "$work/rapportd.log" >&2; exit 1; }
for _ in $(seq 1 100); do
  curl -sf "http://$http/health" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || fail "rapportd exited"
  sleep 0.1
done

"$retail" --data="$src/tests/unit_retail/fixture.csv" 2>/dev/null \
  | "$ctl" publish --ingress=$ingress >"$work/publish.out" || fail "publish: $(cat "$work/publish.out")"
idle="SELECT count(*) FROM plugin_progress p WHERE EXISTS
      (SELECT 1 FROM events e WHERE e.partition = p.partition AND e.pos > p.pos)"
for _ in $(seq 1 200); do
  [ "$(psql "$db" -qtAc "$idle")" = 0 ] && break
  sleep 0.1
done

"$src/scripts/demo-report.sh" --database="$db" --html="$work/report.html" --rapportctl="$ctl" \
  >"$work/report.txt" 2>&1 || fail "demo-report.sh failed: $(cat "$work/report.txt")"
grep -q "==== Tiers and the core group's movement ====" "$work/report.txt" || fail "text report: $(cat "$work/report.txt")"
grep -q "ERROR" "$work/report.txt" && fail "the report contains an error: $(cat "$work/report.txt")"

# Render: the DOM after layout, and a screenshot.
cd "$work"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --dump-dom "file://$work/report.html" \
  >"$work/dom.html" 2>/dev/null || fail "chromium could not render the report"
for section in "Tiers and the core group" "Churn risk" "Care tasks due" "Surveys and complaints" \
               "Referrals" "Enterprise clients"; do
  grep -q "<h2>$section" "$work/dom.html" || fail "rendered report lacks the section '$section'"
done
charts=$(grep -o "<svg" "$work/dom.html" | wc -l)
[ "$charts" -ge 2 ] || fail "rendered report has $charts charts, expected at least 2"
grep -q "Customers per tier at each month end" "$work/dom.html" || fail "tier chart missing its title"
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --window-size=1200,1600 \
  --screenshot="$work/report.png" "file://$work/report.html" >/dev/null 2>&1 || fail "no screenshot"
[ "$(stat -c %s "$work/report.png")" -gt 20000 ] || fail "screenshot is suspiciously small"
echo "demo report renders with $charts charts: ok"
