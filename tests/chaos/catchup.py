"""Waiting until every plugin worker has caught up with the events, by
polling (bounded), and telling a stuck worker from a slow one: a plugin
whose lag stays above zero while its progress does not move for
`stuck_after` seconds is reported stuck, by name."""
import time

LAG_SQL = """
SELECT p.plugin, count(e.pos), coalesce(sum(p.pos), 0)
FROM plugin_progress p LEFT JOIN events e ON e.partition = p.partition AND e.pos > p.pos
GROUP BY p.plugin ORDER BY p.plugin"""

PROGRESS_SQL = "SELECT plugin, sum(pos) FROM plugin_progress GROUP BY plugin ORDER BY plugin"


def lag_by_plugin(cluster, dbname):
    """{plugin: (lag events, progress marker)} or None while the database is unreachable."""
    try:
        lag = {r[0]: int(r[1]) for r in cluster.rows(LAG_SQL, dbname, timeout=60)}
        prog = {r[0]: int(r[1]) for r in cluster.rows(PROGRESS_SQL, dbname, timeout=60)}
    except Exception:
        return None
    return {p: (lag[p], prog.get(p, 0)) for p in lag}


class Stuck(Exception):
    def __init__(self, plugins, lags):
        super().__init__(", ".join(plugins))
        self.plugins = plugins
        self.lags = lags


def wait_caught_up(cluster, dbname, plugins, timeout, stuck_after, log, poll=1.0, watch=None):
    """Returns seconds until every plugin's lag is 0. Raises Stuck (a plugin
    made no progress with work left for stuck_after s) or TimeoutError."""
    start = time.monotonic()
    last_move = {}        # plugin -> (marker, when it last changed)
    last_report = start
    while True:
        if watch:
            watch()           # e.g. rapportd exited by itself: reported and started again
        now = time.monotonic()
        lags = lag_by_plugin(cluster, dbname)
        if lags is not None:
            missing = [p for p in plugins if p not in lags]
            if not missing and all(lag == 0 for lag, _ in lags.values()):
                return now - start
            stuck = []
            for p, (lag, marker) in lags.items():
                prev = last_move.get(p)
                if prev is None or prev[0] != marker or lag == 0:
                    last_move[p] = (marker, now)
                elif now - prev[1] >= stuck_after:
                    stuck.append(p)
            if stuck:
                raise Stuck(stuck, lags)
            if now - last_report >= 15:
                log("  waiting for catch-up: " + " ".join(f"{p}={lag}" for p, (lag, _) in sorted(lags.items())))
                last_report = now
        if now - start > timeout:
            raise TimeoutError(f"plugins not caught up after {timeout:.0f}s: {lags}")
        time.sleep(poll)
