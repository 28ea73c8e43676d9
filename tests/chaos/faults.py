"""The faults, each a function of (run, rng) that injects one and brings
the system back (restart) without waiting for the workers: recovery is
measured, never assumed.

  kill_rapportd      SIGKILL of rapportd at a random instant, then start it again
  pg_immediate       pg_ctl stop -m immediate, down for a moment, start again
  terminate_workers  pg_terminate_backend of worker sessions (rapportd/<plugin>)
  crash_mid_txn      a PostgreSQL crash while a plugin is inside a transaction:
                     either kill -9 of that backend (the postmaster then resets
                     every session and recovers) or pg_ctl stop -m immediate
"""
import os
import signal
import time

CORE_ROLES = ("committer", "publisher", "metrics", "startup", "ready")  # not plugin workers


def worker_sessions(cluster, dbname, in_transaction=False):
    """[(pid, plugin, state)] of rapportd's plugin worker sessions."""
    cond = "AND xact_start IS NOT NULL" if in_transaction else ""
    roles = ",".join(f"'rapportd/{r}'" for r in CORE_ROLES)
    try:
        rows = cluster.rows(
            "SELECT pid, substr(application_name, 10), state FROM pg_stat_activity "
            f"WHERE datname = '{dbname}' AND application_name LIKE 'rapportd/%' "
            f"AND application_name NOT IN ({roles}) {cond}", timeout=10)
    except Exception:
        return []
    return [(int(r[0]), r[1], r[2]) for r in rows]


def kill_rapportd(run, rng):
    run.daemon.kill(signal.SIGKILL)
    time.sleep(rng.uniform(0.0, 1.0))
    ok = run.daemon.start()
    return "restarted" if ok else "FAILED to restart: " + run.daemon.log_tail(5)


def pg_immediate(run, rng):
    run.cluster.stop_immediate()
    down = rng.uniform(0.5, 4.0)
    time.sleep(down)
    run.cluster.restart()
    return f"down {down:.1f}s"


def terminate_workers(run, rng):
    sessions = worker_sessions(run.cluster, run.dbname)
    if not sessions:
        return "no worker session found"
    chosen = rng.sample(sessions, rng.randint(1, len(sessions)))
    pids = ",".join(str(pid) for pid, _, _ in chosen)
    try:
        run.cluster.rows(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ({pids})")
    except Exception as e:
        return f"failed: {e}"
    return "terminated " + ",".join(sorted(f"{p}({s})" for _, p, s in chosen))


def crash_mid_txn(run, rng):
    """Waits (at most 5 s) for a plugin session inside a transaction, then crashes."""
    deadline = time.monotonic() + 5
    target = None
    while time.monotonic() < deadline and target is None:
        sessions = worker_sessions(run.cluster, run.dbname, in_transaction=True)
        # Prefer 'idle in transaction': the plugin is between its statements.
        idle = [s for s in sessions if s[2] == "idle in transaction"]
        if idle or sessions:
            target = rng.choice(idle or sessions)
        else:
            time.sleep(0.02)
    what = f"{target[1]} {target[2]}" if target else "no plugin in a transaction (crashed anyway)"
    if target and rng.random() < 0.5:
        try:
            os.kill(target[0], signal.SIGKILL)    # the postmaster resets all sessions
        except ProcessLookupError:
            pass
        run.cluster.wait_up(90)
        return f"kill -9 of the backend of {what}"
    run.cluster.stop_immediate()
    time.sleep(rng.uniform(0.2, 2.0))
    run.cluster.restart()
    return f"pg_ctl stop -m immediate with {what}"


KINDS = {
    "kill_rapportd": kill_rapportd,
    "pg_immediate": pg_immediate,
    "terminate_workers": terminate_workers,
    "crash_mid_txn": crash_mid_txn,
}
