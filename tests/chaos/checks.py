"""What must hold after a run, whatever the faults were. Each check returns
(name, ok, detail)."""
import msgpack

COUNTER_TYPES = ("purchase", "contact", "customer.upsert")   # what counter.so subscribes to


def acked_stored_once(cluster, db, events, publisher):
    ids = [e["id"] for e in events]
    problems = []
    if not publisher.done:
        problems.append("the publisher did not finish (gave up after its deadline)")
    problems += publisher.errors[:5]
    unsettled = [i for i in ids if publisher.status.get(i) not in ("accepted", "duplicate")]
    if unsettled:
        problems.append(f"{len(unsettled)} events never acked, e.g. {unsettled[:3]}")
    stored = [r[0] for r in cluster.rows("SELECT id FROM events", db)]
    stored_set = set(stored)
    if len(stored) != len(stored_set):
        problems.append(f"{len(stored) - len(stored_set)} ids stored twice")
    acked = {i for i, s in publisher.status.items() if s in ("accepted", "duplicate")}
    lost = acked - stored_set
    if lost:
        problems.append(f"{len(lost)} acked events missing from events, e.g. {sorted(lost)[:3]}")
    extra = stored_set - set(ids)
    if extra:
        problems.append(f"{len(extra)} stored events nobody sent, e.g. {sorted(extra)[:3]}")
    return ("acked events stored exactly once", not problems,
            "; ".join(problems) or f"{len(stored)} events, {len(acked)} acked")


def counter_exactly_once(cluster, db):
    """counter.so logs one row per application: a replayed batch shows twice."""
    types = ",".join(f"'{t}'" for t in COUNTER_TYPES)
    want = cluster.int(f"SELECT count(*) FROM events WHERE type IN ({types})", db)
    rows = cluster.int("SELECT count(*) FROM counter_log WHERE kind = 'event'", db)
    distinct = cluster.int("SELECT count(DISTINCT id) FROM counter_log WHERE kind = 'event'", db)
    disorder = cluster.int(
        "SELECT count(*) FROM (SELECT pos, lag(pos) OVER (PARTITION BY partition ORDER BY n) AS prev "
        "FROM counter_log WHERE kind = 'event') x WHERE prev >= pos", db)
    ok = rows == want and distinct == want and disorder == 0
    return ("counter plugin: every event applied once, in order", ok,
            f"{rows} applications of {distinct} distinct events, {want} expected, {disorder} out of order")


def outbox_gapless(cluster, db):
    r = cluster.rows("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0), "
                     "(SELECT seq FROM outbox_head) FROM outbox", db)[0]
    count, lo, hi, head = map(int, r)
    ok = count == hi and (count == 0 or lo == 1) and head == hi
    return ("derived seq gapless from 1", ok, f"{count} rows, seq {lo}..{hi}, outbox_head {head}")


def derived_frames(cluster, db):
    """{(plugin, frame without its seq): count}: a derived event emitted twice
    (an effect applied twice) is two rows that differ only in seq."""
    out = {}
    for plugin, hexframe in cluster.rows("SELECT plugin, encode(frame, 'hex') FROM outbox", db, timeout=300):
        frame = msgpack.unpackb(bytes.fromhex(hexframe), raw=False, strict_map_key=False)
        frame.pop("seq", None)
        key = (plugin, msgpack.packb(frame))
        out[key] = out.get(key, 0) + 1
    return out


def no_duplicate_derived(cluster, db, reference=None):
    """No derived event (type, cause, customer, data: all but seq) twice, unless the fault-free run has it as often."""
    frames = derived_frames(cluster, db)
    allowed = reference or {}
    repeated = {k: n for k, n in frames.items() if n > max(1, allowed.get(k, 1))}
    # A timer a plugin sets again with the same key and due time (after
    # another partition's late event undid what it did) fires again with the
    # same frame: timing, not a replay; counted as a note, not a failure.
    def by_timer(k):
        return str(msgpack.unpackb(k[1], raw=False, strict_map_key=False).get("cause") or "").startswith("timer:")
    extra = {k: n for k, n in repeated.items() if not by_timer(k)}
    timer_repeats = sum(n - 1 for k, n in repeated.items() if by_timer(k))
    detail = f"{sum(frames.values())} derived events, {len(frames)} distinct"
    if timer_repeats:
        detail += f" (note: {timer_repeats} timer-caused repeats, not counted)"
    if extra:
        by_plugin = {}
        for (plugin, _), n in extra.items():
            by_plugin[plugin] = by_plugin.get(plugin, 0) + n - 1
        detail += "; repeated per plugin: " + ", ".join(f"{p}={n}" for p, n in sorted(by_plugin.items()))
        for (plugin, frame), n in sorted(extra.items())[:3]:
            f = msgpack.unpackb(frame, raw=False, strict_map_key=False)
            detail += f"\n      x{n} {plugin} {f.get('type')} cause={f.get('cause')} customer={f.get('customer')}"
    return ("no derived event emitted twice", not extra, detail)


def no_dead_letters(cluster, db):
    rows = cluster.rows("SELECT plugin, kind, coalesce(event_id, timer_key), left(error, 200) "
                        "FROM dead_letters ORDER BY dl_id LIMIT 5", db)
    n = cluster.int("SELECT count(*) FROM dead_letters", db)
    return ("no dead letters", n == 0, f"{n} dead letters" + ("".join(f"\n      {r}" for r in rows)))


def progress_complete(cluster, db, plugins, partitions):
    rows = {r[0]: int(r[1]) for r in cluster.rows(
        "SELECT plugin, count(*) FROM plugin_progress GROUP BY plugin", db)}
    bad = {p: rows.get(p, 0) for p in plugins if rows.get(p, 0) != partitions}
    return ("every worker caught up", not bad,
            f"progress rows per plugin: {rows}" + (f"; incomplete: {bad}" if bad else ""))
