#!/bin/sh
# rapportctl publish against a real ZeroMQ ROUTER (fake_ingress.py):
# summary line, rejection messages, retries, pipelining and exit codes.
#   usage: test_rapportctl_publish.sh RAPPORTCTL FAKE_INGRESS_PY
set -u
ctl=$1
fake=$2
work=$(mktemp -d)
fake_pid=
failures=0

cleanup() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# start_fake MODE: starts the fake ingress and sets $ep.
start_fake() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    rm -f "$work/ep"
    /usr/bin/python3 "$fake" "$work/ep" "$1" >"$work/fake.log" 2>&1 &
    fake_pid=$!
    i=0
    while [ ! -s "$work/ep" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$work/ep" ] || { echo "fake ingress did not start:" >&2; cat "$work/fake.log" >&2; exit 1; }
    ep=$(cat "$work/ep")
}

# expect NAME WANT_CODE GOT_CODE
expect_code() { [ "$3" = "$2" ] || fail "$1: exit code $3, expected $2"; }
expect_line() { grep -qxF -- "$3" "$2" || { fail "$1: no line '$3' in:"; cat "$2" >&2; }; }
expect_text() { grep -qF -- "$3" "$2" || { fail "$1: no '$3' in:"; cat "$2" >&2; }; }

start_fake normal

# 1. Mixed outcomes, small batches, several in flight, from a file.
cat >"$work/mixed.jsonl" <<'JSON'
{"id":"a1","type":"purchase","ts":1700000000000,"customer":"c1","data":{"amount":1.5}}
{"id":"r1","type":"purchase","ts":1700000000001,"customer":"c1","data":{}}

{"id": this is not json
{"id":"t1","type":"purchase","ts":1700000000002,"customer":"c1","data":{}}
{"id":"a2","type":"purchase","ts":1700000000003,"customer":"c2","data":{"n":[1,2,-3]}}
{"id":"d1","type":"purchase","ts":1700000000004,"customer":"c2","data":{}}
[1,2]
{"id":"t2","type":"purchase","ts":1700000000005,"customer":"c3","data":{}}
{"id":"a3","type":"purchase","ts":1700000000006,"customer":"c3","data":{}}
JSON
"$ctl" publish "$work/mixed.jsonl" --ingress="$ep" --batch=2 --window=2 >"$work/out" 2>"$work/err"
expect_code mixed 1 $?
expect_line mixed "$work/out" "accepted=5 duplicate=1 rejected=3 retried=2"
expect_line mixed "$work/err" "line 2: id=r1: fake: ids starting with r are rejected"
expect_text mixed "$work/err" "line 4: invalid JSON at column"
expect_line mixed "$work/err" "line 8: not a JSON object"
# 7 events sent in batches of at most 2, plus 2 resends.
batches=$(grep -c '^batch' "$work/fake.log")
[ "$batches" -ge 5 ] || fail "mixed: expected at least 5 requests, fake saw $batches"
grep -q '^batch [3-9]' "$work/fake.log" && fail "mixed: a batch larger than --batch=2"

# 2. Everything accepted, from stdin, with the endpoint from the environment.
printf '%s\n' '{"id":"a10","type":"x","ts":1,"data":{}}' '{"id":"a11","type":"x","ts":2,"data":{}}' \
    '{"id":"a12","type":"x","ts":3,"data":{}}' |
    RAPPORT_INGRESS="$ep" "$ctl" publish - >"$work/out" 2>"$work/err"
expect_code all-accepted 0 $?
expect_line all-accepted "$work/out" "accepted=3 duplicate=0 rejected=0 retried=0"

# 3. --progress on a regular file ends at 100 %; --quiet prints nothing.
"$ctl" publish "$work/mixed.jsonl" --ingress="$ep" --progress >"$work/out" 2>"$work/err"
expect_code progress 1 $?
expect_text progress "$work/err" "100% 9/9 events"
"$ctl" publish "$work/mixed.jsonl" --ingress="$ep" --quiet >"$work/out" 2>"$work/err"
expect_code quiet 1 $?
[ -s "$work/out" ] && fail "quiet: printed on stdout"

# 4. Usage errors exit 2.
"$ctl" publish --batch=0 --ingress="$ep" </dev/null >"$work/out" 2>"$work/err"
expect_code usage 2 $?
"$ctl" publish "$work/does-not-exist" --ingress="$ep" >"$work/out" 2>"$work/err"
expect_code missing-file 2 $?

# 5. A peer that never replies: timeout, exit 2.
start_fake silent
"$ctl" publish "$work/mixed.jsonl" --ingress="$ep" --timeout=1 >"$work/out" 2>"$work/err"
expect_code silent 2 $?
expect_line silent "$work/err" "rapportctl publish: no reply from $ep within 1 s"

# 6. Replies that do not match their requests are refused, never counted:
# out of order (the contract forbids it, an old broker did it) or wrong ids.
printf '%s\n' '{"id":"a20","type":"x","ts":1,"data":{}}' '{"id":"r20","type":"x","ts":2,"data":{}}' \
    '{"id":"a21","type":"x","ts":3,"data":{}}' '{"id":"a22","type":"x","ts":4,"data":{}}' >"$work/four.jsonl"
start_fake swapped
"$ctl" publish "$work/four.jsonl" --ingress="$ep" --batch=1 --window=2 >"$work/out" 2>"$work/err"
expect_code swapped 2 $?
expect_text swapped "$work/err" "rapportctl publish: reply from $ep does not match the request: line 1: sent id=a20, the result is for id=r20; the reply was not counted"
grep -q "accepted=[1-9]" "$work/out" && fail "swapped: counted a reply that did not match"
start_fake wrong-id
"$ctl" publish "$work/four.jsonl" --ingress="$ep" --batch=2 --window=1 >"$work/out" 2>"$work/err"
expect_code wrong-id 2 $?
expect_text wrong-id "$work/err" "line 1: sent id=a20, the result is for id=not-a20; the reply was not counted"
grep -q "accepted=[1-9]" "$work/out" && fail "wrong-id: counted a reply that did not match"

[ $failures -eq 0 ] && echo "all rapportctl publish checks passed"
exit $failures
