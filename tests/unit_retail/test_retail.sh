#!/bin/sh
# test_retail.sh - rapport-retail on a hand-written fixture, compared with the
# expected events byte for byte.
#
#   test_retail.sh PATH/TO/rapport-retail DIR_WITH_FIXTURE
#
# fixture.csv covers: a GMT date, a BST date, the first minutes of BST
# (2011-03-27 03:05 is 02:05 UTC), a date after BST ended, a cancellation,
# a guest row, a quoted description with a comma and one with a doubled
# quote, an invoice interrupted by another one, a malformed quantity, an
# "Unspecified" country (no timezone) and a 3-decimal price (5 x 0.001 =
# 0.005, rounded half up to 0.01). expected.jsonl was checked by hand and
# against an independent Python rendering (zoneinfo, Decimal).
set -eu
bin=$1
dir=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" --data="$dir/fixture.csv" >"$out/events.jsonl" 2>"$out/summary.txt" || fail "exit status $?"
diff -u "$dir/expected.jsonl" "$out/events.jsonl" || fail "events differ from expected.jsonl"
grep -qx 'rapport-retail: rows 12, invoices 6, cancellations 2, customers 5, guest rows skipped 1, malformed rows skipped 1' \
  "$out/summary.txt" || { cat "$out/summary.txt" >&2; fail "summary line"; }
grep -qx 'rapport-retail:   malformed line 11: bad Quantity: "x"' "$out/summary.txt" || fail "malformed line report"
grep -qx 'rapport-retail: invoices resumed after other rows, merged: 1 (at line 10)' "$out/summary.txt" || fail "interrupted invoice report"
grep -qx 'rapport-retail: events written 13 (customer.upsert 5, purchase 6, refund 2)' "$out/summary.txt" \
  || fail "events written line"

# gzip input gives the same events
gzip -c "$dir/fixture.csv" >"$out/fixture.csv.gz"
"$bin" --data="$out/fixture.csv.gz" 2>/dev/null | cmp -s - "$dir/expected.jsonl" || fail ".csv.gz input"

# --tenant goes right after "ts"; --limit counts events
"$bin" --data="$dir/fixture.csv" --tenant=acme --limit=3 >"$out/limited.jsonl" 2>/dev/null || fail "--limit run"
head -n 3 "$dir/expected.jsonl" | sed 's/\("ts":[0-9]*\),/\1,"tenant":"acme",/' >"$out/limited.expected"
diff -u "$out/limited.expected" "$out/limited.jsonl" || fail "--tenant/--limit"

# bad usage and a missing file are errors
if "$bin" --bogus >/dev/null 2>&1; then fail "unknown flag accepted"; fi
if "$bin" --data="$out/missing.csv" >/dev/null 2>&1; then fail "missing file accepted"; fi
echo "ok"
