#!/usr/bin/env bash
# repeat.sh - runs the ingest benchmark N times and prints min / median / max.
#
#   bench/repeat.sh N [BUILD_DIR] [bench_ingest flags...]
#
# The throughput phase of one run lasts about a second, so a single figure
# moves by 10-30 % with whatever else the two cores do; the median of a few
# runs is what docs/performance.md records. Every run is a full
# bench/run-ingest.sh (fresh database, fresh rapportd, same environment
# variables: RAPPORT_BENCH_PLUGINS, RAPPORT_BENCH_DATABASE, ...).
set -euo pipefail
[ $# -ge 1 ] && [ "$1" -ge 1 ] 2>/dev/null || { echo "usage: bench/repeat.sh N [BUILD_DIR] [bench_ingest flags...]" >&2; exit 2; }
runs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
json=$(mktemp)
trap 'rm -f "$json"' EXIT
for i in $(seq 1 "$runs"); do
  echo "repeat: run $i of $runs (plugins: ${RAPPORT_BENCH_PLUGINS-example})" >&2
  "$here/run-ingest.sh" "$@" 2>/dev/null | grep '^{"bench":"ingest"' >>"$json" \
    || { echo "repeat: run $i failed; run bench/run-ingest.sh alone to see why" >&2; exit 1; }
done
python3 - "$json" "${RAPPORT_BENCH_PLUGINS-example}" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def figures(get):
    values = [v for v in (get(r) for r in runs) if v is not None]
    if not values:
        return "n/a"
    return "min %.0f  median %.0f  max %.0f" % (min(values), statistics.median(values), max(values))
m = runs[0]["machine"]
print("Rapport ingest benchmark, %d runs, plugins: %s" % (len(runs), sys.argv[2] or "none"))
print("  machine     %d CPUs, %s, %.1f GiB RAM; %s" % (m["cpus"], m["cpu_model"], m["ram_kib"] / 1048576,
                                                    (runs[0].get("postgres") or "?").split(" on ")[0]))
print("  throughput  " + figures(lambda r: r["throughput"]["events_per_s"]) + "  events/s (publish to accepted ack)")
print("  plugins     " + figures(lambda r: (r.get("plugins") or {}).get("events_per_s")) + "  events/s processed")
print("  COPY ref    " + figures(lambda r: (r.get("copy") or {}).get("rows_per_s")) + "  rows/s")
print("  ingest/COPY " + " ".join("%.2f" % r["ingest_to_copy"] for r in runs if "ingest_to_copy" in r))
PY
