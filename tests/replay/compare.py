"""Differences between a run's snapshot and the reference run's, as text
a person can act on: per plugin, the table, the columns that differ and
sample rows (by primary key, both values), rows only one run has, and the
derived events only one run has (by type, with samples)."""
from collections import Counter

from snapshot import derived_key

SAMPLES = 4
# What identifies a derived event's content: everything but seq (the
# outbox's order of commit) and cause (see replay.py: compared apart).
CONTENT = ("plugin", "type", "tenant", "customer", "org", "ts", "data")
WITH_CAUSE = CONTENT + ("cause",)
# Data fields that name what a derived event is about (besides the *_id
# ones), to pair a changed event with its counterpart.
IDENTITY = ("referee", "referrer", "role", "survey", "task")


def plugin_of(table, plugins):
    name = table.split(".", 1)[-1]
    for p in plugins:
        if name.startswith(p + "_") or name == p:
            return p
    return "shared"  # contracts.h tables (contact_ledger, contact_budget): care and survey


def _short(value, width=60):
    if value == "\x02":
        return "null"
    return value if len(value) <= width else value[:width - 3] + "..."


def _row_text(columns, row):
    return "{" + ", ".join(f"{c}={_short(v)}" for c, v in zip(columns, row) if v != "\x02") + "}"


def _elements(text):
    """A PostgreSQL array's elements (flat, as text), or None."""
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}" and "{" not in text[1:-1]:
        return text[1:-1].split(",") if len(text) > 2 else []
    return None


def _value_change(column, a, b):
    """'column: a -> b'; for arrays of equal length only the elements that differ."""
    ea, eb = _elements(a), _elements(b)
    if ea is not None and eb is not None and len(ea) == len(eb):
        diffs = [f"{column}[{i + 1}]: {x} -> {y}" for i, (x, y) in enumerate(zip(ea, eb)) if x != y]
        return "; ".join(diffs[:3]) + (f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else "")
    return f"{column}: {_short(a)} -> {_short(b)}"


def compare_table(table, columns, keys, ref_rows, run_rows, only=None):
    """Lines describing how run_rows differ from ref_rows ([] when equal).
    only: the columns compared (None = all); the key columns always."""
    idx = [i for i, c in enumerate(columns) if only is None or c in only or c in keys]
    cols = [columns[i] for i in idx]
    ref = Counter(tuple(r[i] for i in idx) for r in ref_rows)
    run = Counter(tuple(r[i] for i in idx) for r in run_rows)
    if ref == run:
        return []
    gone, extra = ref - run, run - ref
    # Rows are paired by primary key, unless part of it is not compared.
    keyidx = [cols.index(k) for k in keys] if keys and all(k in cols for k in keys) else list(range(len(cols)))
    ref_by_key = {tuple(r[i] for i in keyidx): r for r in gone.elements()}
    run_by_key = {tuple(r[i] for i in keyidx): r for r in extra.elements()}
    both = sorted(set(ref_by_key) & set(run_by_key))
    per_column = Counter()
    for k in both:
        for c, a, b in zip(cols, ref_by_key[k], run_by_key[k]):
            if a != b:
                per_column[c] += 1
    n_gone, n_extra = sum(gone.values()), sum(extra.values())
    lines = [f"{table}: {len(ref_rows)} rows in the reference, {len(run_rows)} here; "
             f"{len(both)} rows differ, {n_gone - len(both)} missing, {n_extra - len(both)} extra"]
    if per_column:
        lines.append("  columns differing: " + ", ".join(f"{c} ({n} rows)" for c, n in per_column.most_common()))
    for k in both[:SAMPLES]:
        changes = [_value_change(c, a, b) for c, a, b in zip(cols, ref_by_key[k], run_by_key[k]) if a != b]
        lines.append(f"  key {', '.join(_short(v, 40) for v in k)}: " + "; ".join(changes))
    for label, rows in (("missing", ref_by_key), ("extra", run_by_key)):
        alone = [k for k in sorted(rows) if k not in both]
        for k in alone[:SAMPLES]:
            lines.append(f"  {label}: {_row_text(cols, rows[k])}")
        if len(alone) > SAMPLES:
            lines.append(f"  ... {len(alone) - SAMPLES} more {label}")
    return lines


def compare_tables(ref, run, plugins, only=None):
    """{plugin: [lines]}; only: {table: [columns]} restricts the comparison
    (None: every table and column)."""
    out = {}
    for table in sorted(set(ref.tables) | set(run.tables)):
        if only is not None and table not in only:
            continue
        if table not in run.tables or table not in ref.tables:
            out.setdefault(plugin_of(table, plugins), []).append(
                f"{table}: only in {'the reference' if table in ref.tables else 'this run'}")
            continue
        columns, ref_rows = ref.tables[table]
        run_columns, run_rows = run.tables[table]
        if columns != run_columns:
            out.setdefault(plugin_of(table, plugins), []).append(f"{table}: columns {columns} vs {run_columns}")
            continue
        keys = ref.keys.get(table, [])
        lines = compare_table(table, columns, keys, ref_rows, run_rows, None if only is None else only[table])
        if lines:
            out.setdefault(plugin_of(table, plugins), []).extend(lines)
    return out


def _frame_text(frame):
    data = frame.get("data")
    return (f"{frame.get('type')} customer={frame.get('customer')} org={frame.get('org')} ts={frame.get('ts')} "
            f"cause={frame.get('cause')} data={_short(str(data), 160)}")


def _changes(a, b):
    """The fields (data's one by one) in which two derived events differ."""
    out = []
    for field in ("ts", "cause"):
        if a.get(field) != b.get(field):
            out.append((field, a.get(field), b.get(field)))
    da, db = a.get("data") or {}, b.get("data") or {}
    if not isinstance(da, dict) or not isinstance(db, dict):
        return out + ([("data", da, db)] if da != db else [])
    for k in sorted(set(da) | set(db), key=str):
        if derived_key(da, (k,)) != derived_key(db, (k,)):
            out.append((f"data.{k}", da.get(k, "(absent)"), db.get(k, "(absent)")))
    return out


def _pair(gone, extra):
    """Missing and extra derived events of one plugin paired as 'the same
    event, changed': same type and scope, the same ts first, then in ts
    order. Returns (pairs, unpaired missing, unpaired extra)."""
    def scope(f):
        return (f.get("type"), f.get("customer"), f.get("org"))

    def identity(f):
        data = f.get("data") if isinstance(f.get("data"), dict) else {}
        return tuple(sorted((k, str(v)) for k, v in data.items() if k.endswith("_id") or k in IDENTITY))
    buckets = {}
    for g in sorted(extra, key=lambda f: f.get("ts") or 0):
        buckets.setdefault(scope(g), []).append(g)
    pairs = []
    tests = (lambda f, g: identity(f) == identity(g) and identity(f) != (),
             lambda f, g: f.get("ts") == g.get("ts"),
             lambda f, g: True)
    for same in tests:
        left = []
        for f in sorted(gone, key=lambda f: f.get("ts") or 0):
            bucket = buckets.get(scope(f), [])
            at = next((i for i, g in enumerate(bucket) if same(f, g)), None)
            if at is None:
                left.append(f)
            else:
                pairs.append((f, bucket.pop(at)))
        gone = left
    rest_extra = [g for bucket in buckets.values() for g in bucket]
    return pairs, gone, rest_extra


def _keys(snap, fields):
    """The derived events' keys on fields, computed once per snapshot."""
    cache = snap.__dict__.setdefault("_derived_keys", {})
    if fields not in cache:
        cache[fields] = [derived_key(f, fields) for f in snap.derived]
    return cache[fields]


def _unmatched(diff, snap, fields):
    """{plugin: [frames]} of snap whose keys are in the multiset diff."""
    left, out = Counter(diff), {}
    for f, k in zip(snap.derived, _keys(snap, fields)):
        if left[k] > 0:
            left[k] -= 1
            out.setdefault(f.get("plugin"), []).append(f)
    return out


def compare_derived(ref, run, fields):
    """{plugin: [lines]}: the derived events (compared on fields) only one
    run has, those that look like one event changed paired up."""
    ref_c, run_c = Counter(_keys(ref, fields)), Counter(_keys(run, fields))
    if ref_c == run_c:
        return {}
    all_gone, all_extra = _unmatched(ref_c - run_c, ref, fields), _unmatched(run_c - ref_c, run, fields)
    totals = Counter(f.get("plugin") for f in ref.derived)
    out = {}
    for plugin in sorted(set(all_gone) | set(all_extra), key=str):
        gone, extra = all_gone.get(plugin, []), all_extra.get(plugin, [])
        lines = [f"derived events ({totals[plugin]} in the reference, compared on {', '.join(fields)}): "
                 f"{len(gone)} of the reference's not here, {len(extra)} here not in the reference"]
        pairs, gone, extra = _pair(gone, extra)
        if pairs:
            fields_changed = Counter(name for a, b in pairs for name, _, _ in _changes(a, b))
            types = Counter(a.get("type") for a, _ in pairs)
            lines.append(f"  changed ({len(pairs)}; same type and customer/org): " +
                         ", ".join(f"{t} x{n}" for t, n in types.most_common()) + "; fields: " +
                         ", ".join(f"{k} ({n})" for k, n in fields_changed.most_common()))
            for a, b in pairs[:SAMPLES]:
                diff = "; ".join(f"{k}: {_short(str(x), 50)} -> {_short(str(y), 50)}" for k, x, y in _changes(a, b))
                lines.append(f"    {a.get('type')} customer={a.get('customer')} org={a.get('org')} "
                             f"ts={a.get('ts')} cause={a.get('cause')}: {diff}")
        for label, frames in (("missing", gone), ("extra", extra)):
            if not frames:
                continue
            by_type = Counter(f.get("type") for f in frames)
            lines.append(f"  {label} ({len(frames)}): " + ", ".join(f"{t} x{n}" for t, n in by_type.most_common()))
            for f in sorted(frames, key=lambda f: (str(f.get("type")), f.get("ts") or 0))[:SAMPLES]:
                lines.append(f"    {_frame_text(f)}")
        out[plugin] = lines
    return out


def merge(*reports):
    out = {}
    for report in reports:
        for plugin, lines in report.items():
            out.setdefault(plugin, []).extend(lines)
    return out
