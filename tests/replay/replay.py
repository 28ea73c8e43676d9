#!/usr/bin/python3
"""Replay determinism (issue 18): the same input gives the same result,
whatever the partition count and the arrival order.

One scenario stream (stream.py: rapport-synth's generated year, one tenant,
all five plugins, tenant-wide timers firing all year) is published to a
real rapportd on the event clock, each run on a database of its own, every
run with event_lateness_ms = BOUND:

  ordered-p1   in ts order, --partitions 1          (the reference)
  ordered-p8   in ts order, --partitions 8
  ordered-p64  in ts order, --partitions 64
  bounded-p8   shuffled within and across publish batches, each customer's
               (and org's) order kept, no event more than BOUND late
  shuffled-p8  fully shuffled: only the order-independent facts (facts.py)
  ordered-p1-again (only with --runs) the reference once more

Every run ends with the same tenant-wide event, CLOSE past the stream's
last one: every timer due up to the cut (CLOSE less the lateness) fires,
and the closing event itself waits behind the lateness for an event that
never comes, alike in every run. The test waits until every plugin has
handled every partition's events up to the cut and no timer is due at or
before it (a condition read in one statement, never a fixed sleep), then
compares each run with the reference:
  - every plugin table (every table the core does not create), rows
    sorted, without wall-clock, serial and partition-number columns;
    doubles at 12 significant digits; a table whose key holds the
    partition (per-partition counters) summed over it (snapshot.py);
  - the multiset of derived events on (plugin, type, tenant, customer, org,
    ts, data): not seq, the order of commit. The cause is compared too in
    the ordered runs: there a timer's cause names its key and an event's its
    id, and each partition sees its events in the same order. Not in the
    bounded run: when two customers' events that complete one fact (a
    referral link and the referee's purchase) arrive in the other order,
    the other one is the cause of the same fact.
A difference fails the test, printed per plugin with the table, the
columns that differ and sample rows (both values, by primary key), and the
derived events only one run has (paired where one looks changed);
--report-only prints them and exits 0.

    replay.py --build BUILD_DIR [--report-only] [--keep] [--reuse]
              [--runs a,b] [--jobs N] [--customers N] [--months N]
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "chaos"))
from daemon import Daemon  # noqa: E402

import compare  # noqa: E402
import stream  # noqa: E402
from snapshot import Snapshot, psql, PsqlError  # noqa: E402
from facts import ORDER_INDEPENDENT  # noqa: E402

PLUGINS = ["scoring", "care", "survey", "referral", "stakeholder"]
DAY_MS = 24 * 3600 * 1000
BOUND_MS = DAY_MS                 # how late an event of the bounded run may be
# The closing event's distance past the stream, less the lateness: two days
# in which the timers due at the stream's end fire, and an odd 4,321 ms so
# that no timer is due exactly at the cut.
CLOSE_MS = 2 * DAY_MS + 4321
# care polls its inbox once per inbox_interval of engine time: 6h keeps a
# year at 1,460 polls (15m, the default, would be 35,000).
SETTINGS = ["--plugin.care.inbox_interval=6h"]
RUNS = [("ordered-p1", "ordered", 1), ("ordered-p8", "ordered", 8), ("ordered-p64", "ordered", 64),
        ("bounded-p8", "bounded", 8), ("shuffled-p8", "shuffled", 8),
        # Not by default (--runs): the reference again, to tell a result that
        # depends on timing from one that depends on the partition count.
        ("ordered-p1-again", "ordered", 1)]
DEFAULT_RUNS = [r[0] for r in RUNS[:5]]


def fail(message):
    print(f"replay: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class RunFailed(Exception):
    """One run could not finish (the test fails, whatever --report-only says)."""


# Set when one run failed: the others stop waiting.
ABORT = threading.Event()


def lateness_supported(rapportd):
    out = subprocess.run([rapportd, "--help"], capture_output=True, text=True)
    return "event_lateness_ms" in out.stdout + out.stderr


def create_database(base, name):
    psql(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(base, f"CREATE DATABASE {name}")
    return f"{base} dbname={name}"


DONE_SQL = """
SELECT (SELECT count(*) FROM (SELECT partition, max(pos) AS pos FROM events WHERE ts_ms <= {cut}
                              GROUP BY partition) e
        CROSS JOIN unnest(ARRAY[{plugins}]) AS p(plugin)
        LEFT JOIN plugin_progress g ON g.plugin = p.plugin AND g.partition = e.partition
        WHERE coalesce(g.pos, 0) < e.pos)
    || ' ' || (SELECT count(*) FROM timers WHERE due_ms <= {cut})
    || ' ' || (SELECT count(*) FROM events)"""


def wait_done(name, conninfo, daemon, expected_events, cut_ms, timeout):
    """Until every plugin has handled every partition's events up to cut_ms
    and no timer is due at or before it (one statement: one snapshot). The
    closing event itself is after the cut: with event_lateness_ms it waits
    for a later one, which never comes, in every run alike."""
    sql = DONE_SQL.format(plugins=",".join(f"'{p}'" for p in PLUGINS), cut=cut_ms)
    deadline = time.monotonic() + timeout
    state = "?"
    while time.monotonic() < deadline and not ABORT.is_set():
        if not daemon.alive():
            raise RunFailed(f"{name}: rapportd exited:\n{daemon.log_tail(40)}")
        state = psql(conninfo, sql)
        behind, due, events = (int(x) for x in state.split())
        if behind == 0 and due == 0 and events == expected_events:
            return
        time.sleep(0.5)
    if ABORT.is_set():
        raise RunFailed(f"{name}: stopped (another run failed)")
    progress = psql(conninfo, "SELECT string_agg(plugin || ' ' || min || '..' || max, ', ') FROM "
                              "(SELECT plugin, min(pos), max(pos) FROM plugin_progress GROUP BY plugin) p")
    timers = psql(conninfo, f"SELECT string_agg(plugin || ' ' || n || ' from ' || due, ', ') FROM "
                            f"(SELECT plugin, count(*) AS n, min(due_ms) AS due FROM timers "
                            f"WHERE due_ms <= {cut_ms} GROUP BY plugin) t")
    raise RunFailed(f"{name}: not done within {timeout} s ((plugin, partition) pairs behind, timers due, events: "
                    f"{state}); progress per plugin (min..max pos): {progress}; due timers: {timers}\n"
                    f"{daemon.log_tail(10)}")


def publish(rapportctl, daemon, path):
    # --window=1: the batches are committed in file order, so the arrival
    # order is the one the run chose.
    pub = subprocess.run([rapportctl, "publish", f"--ingress={daemon.ingress}", "--batch=200", "--window=1",
                          "--quiet", path], capture_output=True, text=True, timeout=600)
    if pub.returncode != 0:
        raise RunFailed(f"rapportctl publish: {pub.stdout[-500:]} {pub.stderr[-500:]}")


def db_name(name):
    return f"rapport_replay_{name.replace('-', '_')}"


def reuse_one(base, name):
    """The snapshot of a run kept by an earlier --keep (--reuse)."""
    conninfo = f"{base} dbname={db_name(name)}"
    snap = Snapshot(conninfo)
    snap.dead_letters = int(psql(conninfo, "SELECT count(*) FROM dead_letters"))
    return snap


def run_one(args, name, order, partitions, lateness, base, work, expected):
    """One run on a fresh database; its snapshot."""
    if args.reuse:
        return reuse_one(base, name)
    path = os.path.join(work, f"{name}.jsonl")
    stream.write(order, path)
    conninfo = create_database(base, db_name(name))
    flags = [f"--database={conninfo}", f"--plugins={','.join(PLUGINS)}", "--clock=event",
             f"--partitions={partitions}", f"--plugin_dir={os.path.join(args.build, 'plugins')}"] + SETTINGS
    if lateness is not None:
        flags.append(f"--event_lateness_ms={lateness}")
    daemon = Daemon(os.path.join(args.build, "services/rapportd/rapportd"), flags,
                    os.path.join(work, f"{name}.log"), random.Random(1))
    started = time.monotonic()
    if not daemon.start():
        raise RunFailed(f"{name}: rapportd did not start:\n{daemon.log_tail(20)}")
    try:
        publish(os.path.join(args.build, "services/rapportctl/rapportctl"), daemon, path)
        published = time.monotonic()
        cut = order[-1][1]["ts"] - (lateness or 0)
        wait_done(name, conninfo, daemon, expected, cut, args.timeout)
        done = time.monotonic()
        snap = Snapshot(conninfo)
    finally:
        code = daemon.stop()
    if code != 0:
        raise RunFailed(f"{name}: rapportd exited with {code}:\n{daemon.log_tail(30)}")
    dead = psql(conninfo, "SELECT count(*) FROM dead_letters")
    print(f"replay: {name}: {len(snap.derived)} derived events, {dead} dead letters, "
          f"{time.monotonic() - started:.0f} s (published after {published - started:.0f} s, "
          f"done {done - published:.0f} s later)", flush=True)
    snap.dead_letters = int(dead)
    return snap


def run_all(args, wanted, by_kind, lateness, base, work):
    """{name: snapshot}, args.jobs runs at once: each has its own rapportd
    and database, and the result must not depend on how they share the
    machine. The first failure stops the others."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_one, args, name, by_kind[kind], parts, lateness, base, work,
                               len(by_kind[kind])): name for name, kind, parts in wanted}
        snaps = {}
        try:
            for f in concurrent.futures.as_completed(futures):
                snaps[futures[f]] = f.result()
        except BaseException:
            ABORT.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return snaps


def orders(args, base_stream, lateness):
    close = stream.closing_event(base_stream, CLOSE_MS + (lateness or 0))
    made = {"ordered": base_stream,
            "bounded": stream.bounded(base_stream, args.seed, BOUND_MS),
            "shuffled": stream.shuffled(base_stream, args.seed)}
    late = stream.max_lateness(made["bounded"])
    if late > BOUND_MS:
        fail(f"the bounded order is {late} ms late, more than its bound {BOUND_MS}")
    print(f"replay: bounded order: {stream.moved_fraction(made['bounded'], base_stream):.0%} of the events "
          f"moved, at most {late / 3600000:.1f} h late; shuffled: "
          f"{stream.max_lateness(made['shuffled']) / DAY_MS:.0f} days late at most")
    return {k: v + [close] for k, v in made.items()}


def differences(ref, snap, kind):
    """{plugin: [lines]} between the reference and one run of the given order."""
    if kind == "shuffled":
        out = compare.compare_tables(ref, snap, PLUGINS, only=ORDER_INDEPENDENT)
        for table, columns in ORDER_INDEPENDENT.items():
            gone = [c for c in columns if table not in ref.tables or c not in ref.tables[table][0]]
            if gone:     # facts.py must follow the schema, or it checks nothing
                out.setdefault(compare.plugin_of(table, PLUGINS), []).append(
                    f"{table}: facts.py lists columns the reference does not have: {', '.join(gone)}")
        return out
    fields = compare.WITH_CAUSE if kind == "ordered" else compare.CONTENT
    return compare.merge(compare.compare_tables(ref, snap, PLUGINS), compare.compare_derived(ref, snap, fields))


def coverage(ref):
    """The reference must exercise every plugin: rows and derived events of
    each, and the tenant-wide timers firing."""
    problems = []
    for plugin in PLUGINS:
        rows = sum(len(rows) for t, (_, rows) in ref.tables.items() if compare.plugin_of(t, PLUGINS) == plugin)
        emitted = sum(1 for f in ref.derived if f.get("plugin") == plugin)
        print(f"replay: reference: {plugin}: {rows} rows, {emitted} derived events")
        if rows == 0 or emitted == 0:
            problems.append(f"{plugin}: {rows} rows, {emitted} derived events")
    fired = {}
    for f in ref.derived:
        cause = str(f.get("cause") or "")
        if cause.startswith("timer:"):
            kind = cause[6:].split(":", 1)[0]
            fired[(f.get("plugin"), kind)] = fired.get((f.get("plugin"), kind), 0) + 1
    print("replay: reference: derived events of timers: " +
          ", ".join(f"{p} {k} {n}" for (p, k), n in sorted(fired.items(), key=str)))
    if ("scoring", "bgnbd.refit") not in fired:
        problems.append("no derived event of scoring's refit (the tenant clock's timer)")
    if ref.dead_letters:
        problems.append(f"{ref.dead_letters} dead letters in the reference")
    return problems


def explain_exclusions(ref):
    by_reason = {}
    for column, reason in sorted(ref.excluded.items()):
        by_reason.setdefault(reason, []).append(column.split(".", 1)[-1])
    for reason, columns in by_reason.items():
        names = sorted({c.rsplit(".", 1)[1] for c in columns})
        listed = ", ".join(columns) if len(columns) <= 4 else f"{', '.join(names)} of {len(columns)} tables"
        print(f"replay: not compared ({reason}): {listed}")
    for note in ref.notes:
        print(f"replay: {note}")


def report(results):
    failed = False
    for name, diffs in results:
        if not diffs:
            print(f"replay: {name}: identical to the reference")
            continue
        failed = True
        print(f"replay: {name}: DIFFERS from the reference")
        for plugin in sorted(diffs):
            print(f"  [{plugin}]")
            for line in diffs[plugin]:
                print(f"    {line}")
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--report-only", action="store_true", help="print the differences, exit 0")
    ap.add_argument("--keep", action="store_true", help="keep the databases and the work directory")
    ap.add_argument("--reuse", action="store_true", help="compare the databases an earlier --keep left")
    ap.add_argument("--runs", default="", help="comma-separated run names (default: all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--lateness-ms", type=int, default=BOUND_MS,
                    help="event_lateness_ms of every run (below the bound: the bounded run is late by design)")
    ap.add_argument("--jobs", type=int, default=3, help="runs at once")
    ap.add_argument("--timeout", type=int, default=600, help="seconds one run may take to finish")
    args = ap.parse_args()
    base = os.environ.get("RAPPORT_TEST_DATABASE")
    if not base:
        fail("RAPPORT_TEST_DATABASE is not set (scripts/pg.sh start prints one)")
    rapportd = os.path.join(args.build, "services/rapportd/rapportd")
    lateness = args.lateness_ms if lateness_supported(rapportd) else None
    if lateness is None:
        print("replay: this rapportd has no event_lateness_ms: the bounded run cannot be on time")
    base_stream = stream.generate(os.path.join(args.build, "services/rapport-synth/rapport-synth"),
                                  args.seed, args.customers, args.months)
    print(f"replay: {len(base_stream)} events, seed {args.seed}, {args.customers} customers, {args.months} months")
    by_kind = orders(args, base_stream, lateness)
    names = args.runs.split(",") if args.runs else DEFAULT_RUNS
    unknown = set(names) - {r[0] for r in RUNS}
    if unknown:
        fail(f"unknown runs {sorted(unknown)}; there are {[r[0] for r in RUNS]}")
    wanted = [r for r in RUNS if r[0] in names or r is RUNS[0]]
    work = tempfile.mkdtemp(prefix="rapport-replay-")
    try:
        # Runs at once: each has its own rapportd and database; the result
        # must not depend on how they share the machine.
        snaps = run_all(args, wanted, by_kind, lateness, base, work)
        ref = snaps[RUNS[0][0]]
        problems = coverage(ref)
        explain_exclusions(ref)
        results = [(name, differences(ref, snaps[name], kind)) for name, kind, _ in wanted[1:]]
        failed = report(results)
    except (PsqlError, RunFailed) as e:
        fail(str(e))
    finally:
        if args.keep or args.reuse:
            print(f"replay: kept {work} and the databases rapport_replay_*")
        else:
            shutil.rmtree(work, ignore_errors=True)
            for name, _, _ in wanted:
                psql(base, f"DROP DATABASE IF EXISTS {db_name(name)} WITH (FORCE)")
    if problems:
        fail("the scenario does not exercise every plugin: " + "; ".join(problems))
    if failed and not args.report_only:
        fail("runs differ from the reference (above)")
    print("replay: " + ("differences reported (--report-only)" if failed else "all runs identical"))


if __name__ == "__main__":
    main()
