"""Per-column fingerprints of the plugins' tables: for each non-key column,
an md5 of (primary key, value) over all rows. Two fault-free runs on the
same input agree on the columns that follow from the events alone; the
columns that read other plugins' tables or depend on how far other
partitions were (cross-partition and cross-plugin reads see whatever is
committed at that moment) differ between correct runs and are not
compared. calibrate.py finds the stable ones; invariants.py lists them."""

PK_SQL = """
SELECT c.relname, string_agg(quote_ident(a.attname), ',' ORDER BY array_position(i.indkey::int[], a.attnum::int))
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE i.indisprimary GROUP BY c.relname"""

COLS_SQL = """
SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = 'public'
  AND data_type NOT IN ('timestamp with time zone', 'timestamp without time zone')
  AND coalesce(column_default, '') NOT LIKE 'nextval(%'
ORDER BY table_name, ordinal_position"""


def column_fingerprints(cluster, db, tables):
    """{(table, column): 'rows:md5'} for the given tables ({table: [columns]} or None = all
    non-key columns), plus (table, '*rows') with the row count."""
    pks = {r[0]: r[1] for r in cluster.rows(PK_SQL, db)}
    cols = {}
    for t, c in cluster.rows(COLS_SQL, db):
        cols.setdefault(t, []).append(c)
    out = {}
    for table, wanted in tables.items():
        if table not in cols:
            out[(table, "*rows")] = "absent"
            continue
        key = pks.get(table, ",".join(cols[table]))
        keycols = key.split(",")
        columns = wanted if wanted is not None else [c for c in cols[table] if c not in keycols]
        parts = [f"md5(coalesce(string_agg(({key}, {c})::text, E'\\n' ORDER BY ({key})::text), ''))"
                 for c in columns]
        row = cluster.rows(f"SELECT count(*){''.join(', ' + p for p in parts)} FROM {table}", db)[0]
        out[(table, "*rows")] = row[0]
        for c, v in zip(columns, row[1:]):
            out[(table, c)] = v
    return out


def _keyed_values(cluster, db, table, column):
    key = {r[0]: r[1] for r in cluster.rows(PK_SQL, db)}.get(table)
    if not key:
        return {}
    rows = cluster.rows(f"SELECT ({key})::text, ({column})::text FROM {table}", db)
    return {r[0]: (r[1] if len(r) > 1 else "") for r in rows}


def sample_differences(cluster, ref_db, run_db, table, column, limit=3):
    """Up to `limit` rows whose column differs between two databases, as
    (primary key, value in ref_db, value in run_db): where to start looking
    when a fingerprint differs."""
    ref = _keyed_values(cluster, ref_db, table, column)
    run = _keyed_values(cluster, run_db, table, column)
    out = []
    for k in sorted(set(ref) | set(run)):
        if ref.get(k) != run.get(k):
            out.append((k, ref.get(k, "(no row)"), run.get(k, "(no row)")))
            if len(out) == limit:
                break
    return out
