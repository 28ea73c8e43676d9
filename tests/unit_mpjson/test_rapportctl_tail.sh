#!/bin/sh
# rapportctl tail and replay against real ZeroMQ peers (fake_outbox.py):
# gap filling through replay, dropping duplicates, paging, --from, --count.
#   usage: test_rapportctl_tail.sh RAPPORTCTL FAKE_OUTBOX_PY
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

start_fake() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    rm -f "$work/ep"
    /usr/bin/python3 "$fake" "$work/ep" >"$work/fake.log" 2>&1 &
    fake_pid=$!
    i=0
    while [ ! -s "$work/ep" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$work/ep" ] || { echo "fake outbox did not start:" >&2; cat "$work/fake.log" >&2; exit 1; }
    read -r pub replay <"$work/ep"
}

# expected_lines FIRST LAST: the JSON lines of seq FIRST..LAST.
expected_lines() {
    seq=$1
    while [ "$seq" -le "$2" ]; do
        printf '{"cause":"e%d","data":{"n":%d},"plugin":"fake","seq":%d,"tenant":"default","ts":%d,"type":"t.x"}\n' \
            "$seq" "$seq" "$seq" $((1000 + seq))
        seq=$((seq + 1))
    done
}

# check NAME CODE FIRST LAST: exit code 0 and exactly seq FIRST..LAST on stdout.
check() {
    [ "$2" = 0 ] || { fail "$1: exit code $2"; cat "$work/err" >&2; }
    expected_lines "$3" "$4" >"$work/want"
    cmp -s "$work/want" "$work/out" || { fail "$1: output differs:"; diff "$work/want" "$work/out" >&2; }
}

# 1. replay pages (3 per page) up to the head.
start_fake
"$ctl" replay --from=1 --replay="$replay" >"$work/out" 2>"$work/err"
check replay-all $? 1 8
"$ctl" replay --from=3 --limit=4 --replay="$replay" >"$work/out" 2>"$work/err"
check replay-limit $? 3 6
"$ctl" replay --from=9 --replay="$replay" >"$work/out" 2>"$work/err"
check replay-past-head $? 9 8

# 2. tail live: 3, then 6 arrives -> 4 and 5 come from replay; 7 twice -> once.
start_fake
timeout 20 "$ctl" tail --publish="$pub" --replay="$replay" --type=t. --count=6 >"$work/out" 2>"$work/err"
check tail-gap $? 3 8

# 3. tail --from: replay 2..8 first, then live 3, 6, 7, 7, 8 are all dropped.
start_fake
timeout 20 "$ctl" tail --from=2 --count=7 --publish="$pub" --replay="$replay" >"$work/out" 2>"$work/err"
check tail-from $? 2 8

# 4. Usage errors exit 2; a replay peer that is not there times out with exit 2.
"$ctl" replay --replay="$replay" >"$work/out" 2>"$work/err"
[ $? = 2 ] || fail "replay without --from must exit 2"
"$ctl" replay --from=1 --replay=tcp://127.0.0.1:1 --timeout=1 >"$work/out" 2>"$work/err"
[ $? = 2 ] || fail "replay to nobody must exit 2"
grep -qF "no reply from tcp://127.0.0.1:1 within 1 s" "$work/err" || { fail "replay timeout message"; cat "$work/err" >&2; }

[ $failures -eq 0 ] && echo "all rapportctl tail/replay checks passed"
exit $failures
