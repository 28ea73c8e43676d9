#!/usr/bin/env bash
# Runs examples/python/publisher.py and subscriber.py against a real rapportd
# with the example plugin, on a fresh database of RAPPORT_TEST_DATABASE.
set -euo pipefail
rapportd=$1 plugin_dir=$2 src=$3
: "${RAPPORT_TEST_DATABASE:?set RAPPORT_TEST_DATABASE to a libpq conninfo (scripts/pg.sh start prints one)}"
py=/usr/bin/python3
work=$(mktemp -d)
db_name=rp_test_examples
base=$RAPPORT_TEST_DATABASE
psql "$base" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" -c "CREATE DATABASE $db_name"
db="${base/dbname=postgres/dbname=$db_name}"
. "$src/tests/support/start_rapportd.sh"
pid=
cleanup() { [ -n "$pid" ] && { kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; }; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/rapportd.log" >&2; exit 1; }
rp_start_rapportd "$work/rapportd.log" "$rapportd" --database="$db" --plugins=example \
  --plugin_dir="$plugin_dir" --partitions=8 || fail "rapportd did not become healthy"

cat > "$work/events.jsonl" <<'JSON'
{"id":"py-1","type":"purchase","ts":1700000000000,"customer":"alice","data":{"order_id":"1","amount":10,"currency":"EUR"}}
{"id":"py-2","type":"purchase","ts":1700000001000,"customer":"bob","data":{"order_id":"2","amount":20,"currency":"EUR"}}
{"id":"py-3","type":"purchase","ts":1700000002000,"customer":"carol","data":{"order_id":"3","amount":-5,"currency":"EUR"}}
JSON
out=$($py "$src/examples/python/publisher.py" --ingress $ingress "$work/events.jsonl" 2>"$work/pub.err") && fail "publisher should exit 1 on a rejection"
[ "$out" = "accepted=2 duplicate=0 rejected=1 retried=0" ] || fail "first publish: $out"
grep -q "py-3: data.amount: must be a number >= 0" "$work/pub.err" || fail "rejection text: $(cat "$work/pub.err")"
out=$($py "$src/examples/python/publisher.py" --ingress $ingress "$work/events.jsonl" 2>/dev/null) || true
[ "$out" = "accepted=0 duplicate=2 rejected=1 retried=0" ] || fail "second publish: $out"

# Two new customers -> two example.first_seen derived events, seq 1 and 2.
lines=$(timeout 20 $py "$src/examples/python/subscriber.py" --publish $publish --replay $replay --count 2) \
  || fail "subscriber did not get 2 events"
echo "$lines" | $py -c '
import json, sys
events = [json.loads(l) for l in sys.stdin]
assert [e["seq"] for e in events] == [1, 2], events
assert {e["customer"] for e in events} == {"alice", "bob"}, events
assert all(e["type"] == "example.first_seen" and e["plugin"] == "example" for e in events), events
' || fail "derived events: $lines"
echo "python example clients: ok"
