"""What a run leaves behind, in a form two runs can be compared in: every
plugin table's rows (wall-clock and insertion-order columns left out) and
the multiset of derived events in the outbox.

Which tables are the core's is read from core/sql/*.sql and the migration
runner (core/src/base/migrate.c), so a table the core adds is not taken for
a plugin's. Every other table of the database is a plugin's."""
import glob
import json
import os
import re
import subprocess

from mpdecode import unpack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CREATE_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?([A-Za-z_][A-Za-z0-9_]*)", re.I)
# Defaults that write the wall clock, and the column types that hold it.
WALL_DEFAULT = re.compile(r"now\(\)|clock_timestamp|current_timestamp|statement_timestamp|"
                          r"transaction_timestamp|localtimestamp", re.I)
WALL_TYPES = ("timestamp with time zone", "timestamp without time zone", "date",
              "time with time zone", "time without time zone")
WALL_NAMES = ("created_at", "updated_at", "applied_at")
# Doubles are compared at this many significant digits (whole numbers, like
# the millisecond times some arrays hold, exactly): a sum taken in another
# order differs in its last bits, which no consumer sees as a fact.
FLOAT_DIGITS = 12


class PsqlError(RuntimeError):
    pass


def psql(conninfo, sql, timeout=300):
    out = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise PsqlError(f"psql: {out.stderr.strip()} in: {sql[:300]}")
    return out.stdout.rstrip("\n")


def core_tables():
    names = set()
    sources = glob.glob(os.path.join(ROOT, "core", "sql", "*.sql")) + glob.glob(
        os.path.join(ROOT, "core", "src", "**", "*.c"), recursive=True)
    for path in sources:
        with open(path, errors="replace") as f:
            names.update(m.group(1).lower() for m in CREATE_TABLE.finditer(f.read()))
    return names


def plugin_columns(conninfo):
    """{table: [(column, data_type, udt_name, default)]} of every non-core table."""
    core = core_tables()
    rows = psql(conninfo, "SELECT table_schema || '.' || table_name, column_name, data_type, udt_name, "
                          "coalesce(column_default, '') FROM information_schema.columns "
                          "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                          "ORDER BY 1, ordinal_position")
    out = {}
    for line in rows.splitlines():
        table, column, dtype, udt, default = line.split("|", 4)
        if table.split(".", 1)[1].lower() in core:
            continue
        out.setdefault(table, []).append((column, dtype, udt, default))
    return out


def excluded_reason(column, dtype, default):
    """Why a column is left out of the comparison, or None."""
    if dtype in WALL_TYPES or column in WALL_NAMES or WALL_DEFAULT.search(default):
        return "wall clock"
    if default.startswith("nextval("):
        return "serial: numbers rows in insertion order"
    if column == "partition" and dtype in ("integer", "bigint", "smallint"):
        return "partition number: a function of --partitions"
    return None


def _rounded(x):
    r = float(f"{x:.{FLOAT_DIGITS}g}")
    return int(r) if r == int(r) and abs(r) < 2 ** 53 else r


def _round(text):
    try:
        x = float(text)
    except ValueError:
        return text             # NULL (in an array), NaN
    return text if x != x or x in (float("inf"), float("-inf")) else repr(_rounded(x))


def _normal(value):
    if isinstance(value, float):
        return value if value != value or value in (float("inf"), float("-inf")) else _rounded(value)
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def canon(value):
    """A decoded value as text, doubles at FLOAT_DIGITS significant digits."""
    return json.dumps(_normal(value), sort_keys=True, ensure_ascii=False)


NULL, FIELD, ROW, TABLE = "\x02", "\x1f", "\x1e", "\x1d"


def _normalizer(udt):
    """How one column's text (PostgreSQL's output) becomes comparable."""
    if udt in ("float8", "float4", "numeric"):
        return _round
    if udt in ("_float8", "_float4", "_numeric"):
        return lambda t: "{" + ",".join(_round(v) for v in t.strip("{}").split(",")) + "}" if t != "{}" else t
    if udt in ("json", "jsonb"):
        return lambda t: canon(json.loads(t))
    return None


def _select(table, kept, udts, keys, sharded):
    """SQL giving the table's rows as one text: fields and rows separated.
    sharded: the key holds the partition, so each fact is split over
    partitions: rows are summed (numbers) over the rest of the key."""
    def text(column):
        return f"coalesce((\"{column}\")::text, E'{NULL}')"
    row = f"concat_ws(E'{FIELD}', {', '.join(text(c) for c in kept)})"
    source = table
    if sharded:
        group = [c for c in keys if c in kept]
        parts = []
        for c in kept:
            if c in group:
                parts.append(f'"{c}"')
            elif udts[c] in ("int2", "int4", "int8", "float4", "float8", "numeric"):
                parts.append(f'sum("{c}") AS "{c}"')
            else:
                parts.append(f'min("{c}") AS "{c}"')
        source = (f"(SELECT {', '.join(parts)} FROM {table} GROUP BY " +
                  ", ".join(f'"{c}"' for c in group) + ") AS merged")
    return f"(SELECT coalesce(string_agg({row}, E'{ROW}'), '') FROM {source})"


PK_SQL = """
SELECT n.nspname || '.' || c.relname, a.attname FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
WHERE i.indisprimary ORDER BY 1, array_position(i.indkey::int[], a.attnum::int)"""


def primary_keys(conninfo):
    out = {}
    for line in psql(conninfo, PK_SQL).splitlines():
        table, column = line.split("|", 1)
        out.setdefault(table, []).append(column)
    return out


class Snapshot:
    """tables: {table: (columns, sorted rows of texts)}; keys: {table: [primary
    key columns compared]}; excluded: {table.column: reason}; notes: [text];
    derived: [dict] of the outbox's frames without seq."""

    def __init__(self, conninfo):
        self.tables, self.excluded, self.notes, self.keys = {}, {}, [], {}
        pks = primary_keys(conninfo)
        selects, layout = [], []
        for table, columns in plugin_columns(conninfo).items():
            kept = [c for c, dtype, _, default in columns if not self._exclude(table, c, dtype, default)]
            udts = {c: udt for c, _, udt, _ in columns}
            keys = pks.get(table, [])
            sharded = any(f"{table}.{k}" in self.excluded and k == "partition" for k in keys)
            if sharded:
                self.notes.append(f"{table}: rows summed over partitions (its key holds the partition)")
            # Rows are paired by this key when every column of it is compared.
            self.keys[table] = [k for k in keys if not (sharded and k == "partition")]
            selects.append(_select(table, kept, udts, keys, sharded) if kept else "''")
            layout.append((table, kept, [_normalizer(udts[c]) for c in kept]))
        text = psql(conninfo, f"SELECT concat_ws(E'{TABLE}', {', '.join(selects)})") if selects else ""
        for (table, kept, normal), blob in zip(layout, text.split("\x1d") if selects else []):
            rows = []
            for line in blob.split("\x1e") if blob else []:
                fields = line.split("\x1f")
                rows.append(tuple(f if n is None or f == "\x02" else n(f) for f, n in zip(fields, normal)))
            self.tables[table] = (kept, sorted(rows))
        self.derived = []
        text = psql(conninfo, "SELECT plugin, encode(frame, 'hex') FROM outbox ORDER BY seq")
        for line in text.splitlines():
            plugin, hexframe = line.split("|", 1)
            frame = unpack(bytes.fromhex(hexframe))
            frame.pop("seq", None)
            frame.setdefault("plugin", plugin)
            self.derived.append(frame)

    def _exclude(self, table, column, dtype, default):
        reason = excluded_reason(column, dtype, default)
        if reason:
            self.excluded[f"{table}.{column}"] = reason
        return reason is not None


def derived_key(frame, fields):
    return tuple(canon(frame.get(f)) for f in fields)
