"""The summary a run ends with: faults per kind, events acked, restarts,
time to recover, and the checks."""
import collections
import statistics


def print_summary(rounds, seed, elapsed, pg_restarts, log):
    kinds = collections.Counter(f[0] for r in rounds for f in r.faults)
    recov = [f[3] for r in rounds for f in r.faults if f[3] != float("inf")]
    never = sum(1 for r in rounds for f in r.faults if f[3] == float("inf"))
    acked = sum(len(r.publisher.status) for r in rounds if hasattr(r, "publisher"))
    events = sum(len(r.events) for r in rounds)
    starts = sum(max(0, r.daemon.starts - 1) for r in rounds)
    checks = collections.OrderedDict()
    for r in rounds:
        for name, ok, _ in r.results:
            passed, failed = checks.get(name, (0, 0))
            checks[name] = (passed + ok, failed + (not ok))
    log("")
    log(f"==== chaos summary (seed {seed}, {len(rounds)} round(s), {elapsed / 60:.1f} min) ====")
    log("faults injected: " + (", ".join(f"{k}={n}" for k, n in sorted(kinds.items())) or "none")
        + f" (total {sum(kinds.values())})")
    log(f"events acked: {acked} of {events} sent")
    log(f"restarts: rapportd {starts}, PostgreSQL {pg_restarts} (pg_ctl; kill -9 of a backend resets in place)")
    if recov:
        log(f"time to recover (rapportd healthy + database answering): median {statistics.median(recov):.1f}s, "
            f"max {max(recov):.1f}s" + (f", {never} never recovered" if never else ""))
    catch = [r.catchup_s for r in rounds if r.catchup_s is not None]
    if catch:
        log(f"catch-up after the faults: max {max(catch):.0f}s")
    stuck = sorted({p for r in rounds for p in (r.stuck or [])})
    if stuck:
        log(f"STUCK workers: {', '.join(stuck)}")
    total_failed = 0
    for name, (passed, failed) in checks.items():
        total_failed += failed
        log(f"  {'ok  ' if not failed else 'FAIL'} {name}: {passed} passed, {failed} failed")
    notes = collections.OrderedDict()
    for r in rounds:
        for name, ok, _ in getattr(r, "notes", []):
            same, differ = notes.get(name, (0, 0))
            notes[name] = (same + ok, differ + (not ok))
    if notes:
        log("  advisory, not counted (plugin state against the fault-free run; cross-partition order, issue 18):")
    for name, (same, differ) in notes.items():
        log(f"    {'same' if not differ else 'NOTE'} {name}: {same} same, {differ} differed")
    log(f"checks: {sum(p for p, _ in checks.values())} passed, {total_failed} failed")
