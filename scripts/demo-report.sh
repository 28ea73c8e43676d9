#!/usr/bin/env bash
# demo-report.sh - the demo's report: what to do, as of the last day of the
# replayed data. Text on stdout; the same sections plus charts in one
# self-contained HTML file (inline SVG drawn by gnuplot, no external assets).
#
#   scripts/demo-report.sh --database=CONNINFO [--html=PATH] [--tz=ZONE]
#                          [--tenant=T] [--rapportctl=PATH]
#
# Every section reads a plugin's documented tables through `rapportctl report`
# or plain SQL; a section whose plugin is not loaded says so and is skipped.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
db="" html="" tz="Europe/London" tenant="default"
ctl=$root/build/services/rapportctl/rapportctl
for arg in "$@"; do
  case "$arg" in
    --database=*) db=${arg#*=} ;;
    --html=*) html=${arg#*=} ;;
    --tz=*) tz=${arg#*=} ;;
    --tenant=*) tenant=${arg#*=} ;;
    --rapportctl=*) ctl=${arg#*=} ;;
    *) echo "demo-report: unknown option $arg" >&2; exit 2 ;;
  esac
done
[ -n "$db" ] || { echo "demo-report: --database=CONNINFO is required" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "demo-report: gnuplot is missing (apt-get install gnuplot-nox)" >&2; exit 2; }

work=$(mktemp -d /tmp/rapport-report.XXXXXX)
trap 'rm -rf "$work"' EXIT

# SQL from stdin, with :'tz' and :'tenant' bound (psql interpolates
# variables only in scripts, not in -c).
sql() { psql "$db" -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -v tz="$tz" -v tenant="$tenant" -f -; }
q() { printf '%s\n' "$1" | sql; }
has_table() { [ "$(q "SELECT to_regclass('$1') IS NOT NULL")" = t ]; }

# "As of" the last day of the data, in the report's zone.
as_of_ms=$(q "SELECT coalesce(max(ts_ms), 0) FROM events")
as_of_day=$(q "SELECT to_char(to_timestamp($as_of_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM-DD')")
as_of_month=${as_of_day:0:7}

sections=()      # "title<TAB>text file<TAB>chart file or empty"
add_section() { sections+=("$1"$'\t'"$2"$'\t'"${3:-}"); }

# ---- charts (gnuplot, SVG) ---------------------------------------------------

svg_terminal="set terminal svg size 720,300 dynamic font 'sans,11' background rgb 'white'"

chart_tiers_over_months() {
  sql >"$work/tiers.dat" <<'SQL'
WITH bounds AS (
  SELECT generate_series(date_trunc('month', to_timestamp(min(ts_ms) / 1000.0) AT TIME ZONE :'tz'),
                         date_trunc('month', to_timestamp(max(ts_ms) / 1000.0) AT TIME ZONE :'tz'),
                         interval '1 month') AS m
    FROM scoring_tier_history WHERE tenant = :'tenant'),
ends AS (SELECT m, (extract(epoch FROM ((m + interval '1 month') AT TIME ZONE :'tz')) * 1000)::bigint AS hi
           FROM bounds)
SELECT to_char(e.m, 'YYYY-MM'),
       count(*) FILTER (WHERE t.tier = 'vip'), count(*) FILTER (WHERE t.tier = 'key'),
       count(*) FILTER (WHERE t.tier = 'ordinary'), count(*) FILTER (WHERE t.tier = 'small'),
       count(*) FILTER (WHERE t.tier = 'potential')
  FROM ends e
  CROSS JOIN LATERAL (SELECT DISTINCT ON (customer) to_tier AS tier FROM scoring_tier_history
                       WHERE tenant = :'tenant' AND ts_ms < e.hi
                       ORDER BY customer, ts_ms DESC, id DESC) t
 GROUP BY e.m ORDER BY e.m
SQL
  [ -s "$work/tiers.dat" ] || return 0
  gnuplot <<GP
$svg_terminal
set output '$work/tiers.svg'
set title 'Customers per tier at each month end'
set datafile separator '\t'
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.8
set key outside right
set xtics rotate by -45
plot '$work/tiers.dat' using 2:xtic(1) title 'vip', '' using 3 title 'key', \
     '' using 4 title 'ordinary', '' using 5 title 'small', '' using 6 title 'potential'
GP
}

chart_p_alive() {
  sql >"$work/palive.dat" <<'SQL'
SELECT format('%s-%s', (b - 1) * 10, b * 10), count(c.customer)
  FROM generate_series(1, 10) b
  LEFT JOIN scoring_customers c
    ON c.tenant = :'tenant' AND c.p_alive IS NOT NULL
   AND least(width_bucket(c.p_alive, 0, 1, 10), 10) = b
 GROUP BY b ORDER BY b
SQL
  gnuplot <<GP
$svg_terminal
set output '$work/palive.svg'
set title 'P(alive) of purchasing customers (BG/NBD), % buckets'
set datafile separator '\t'
set style fill solid 0.85 border -1
set boxwidth 0.8
set yrange [0:*]
unset key
plot '$work/palive.dat' using 0:2:xtic(1) with boxes lc rgb '#4a7ab5'
GP
}

# ---- sections ---------------------------------------------------------------

section_tiers() {
  local out=$work/tiers.txt
  {
    echo "Tier pyramid now:"
    q "SELECT format('  %-10s %6s', tier, count(*)) FROM scoring_customers WHERE tenant = :'tenant'
            GROUP BY tier ORDER BY array_position(ARRAY['vip','key','ordinary','small','potential'], tier)"
    echo
    echo "Core group per month (entered / left):"
    q "SELECT format('  %s  +%-4s -%s', month, entered, left_)
         FROM (SELECT to_char(to_timestamp(ts_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM') AS month,
                      count(*) FILTER (WHERE core_to AND NOT core_from) AS entered,
                      count(*) FILTER (WHERE core_from AND NOT core_to) AS left_
                 FROM scoring_tier_history WHERE tenant = :'tenant' GROUP BY 1) m ORDER BY month"
    echo
    "$ctl" report movement --database="$db" --tenant="$tenant" --month="$as_of_month" --tz="$tz" --limit=10
  } >"$out" 2>&1
  chart_tiers_over_months
  add_section "Tiers and the core group's movement" "$out" "$work/tiers.svg"
}

section_churn() {
  local out=$work/churn.txt
  {
    echo "Risk levels (from P(alive)):"
    q "SELECT format('  %-8s %6s', risk_level, count(*)) FROM scoring_customers WHERE tenant = :'tenant'
            GROUP BY risk_level ORDER BY risk_level"
    echo
    echo "Core customers most at risk:"
    q "SELECT format('  %-10s %-4s P(alive) %s  expected purchases next week %s  last purchase %s',
                          customer, tier, round(p_alive::numeric, 3), round(expected_purchases::numeric, 2),
                          to_char(to_timestamp(last_purchase_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM-DD'))
              FROM scoring_customers WHERE tenant = :'tenant' AND core AND p_alive IS NOT NULL
             ORDER BY p_alive, customer LIMIT 10"
  } >"$out" 2>&1
  chart_p_alive
  add_section "Churn risk" "$out" "$work/palive.svg"
}

# A plugin's report, or a line saying the plugin is not loaded.
section_report() {
  local title=$1 table=$2 name=$3
  shift 3
  local out=$work/$name.txt
  if has_table "$table"; then
    "$ctl" report "$@" --database="$db" >"$out" 2>&1 || true
  else
    echo "(plugin not loaded: no table $table)" >"$out"
  fi
  add_section "$title" "$out" "${chart:-}"
}

section_orgs() {
  local out=$work/orgs.txt
  : >"$out"
  if ! has_table stakeholder_orgs; then
    echo "(plugin not loaded: no table stakeholder_orgs)" >"$out"
  else
    for org in $(q "SELECT org FROM stakeholder_orgs WHERE tenant = :'tenant' ORDER BY org"); do
      "$ctl" report org "$org" --tenant="$tenant" --database="$db" >>"$out" 2>&1 || true
      echo >>"$out"
    done
  fi
  add_section "Enterprise clients: coverage maps and gaps" "$out"
}

section_tiers
section_churn
section_report "Care tasks due on $as_of_day" care_tasks care care --due="$as_of_day" --tenant="$tenant"
section_report "Surveys and complaints, $as_of_month" survey_requests surveys surveys --month="$as_of_month" --tenant="$tenant"
section_report "Referrals, $as_of_month" referral_links referrals referrals --month="$as_of_month" --tenant="$tenant"
section_orgs

# ---- text -------------------------------------------------------------------

printf '\nRapport report - tenant %s, as of %s (%s)\n' "$tenant" "$as_of_day" "$tz"
for s in "${sections[@]}"; do
  IFS=$'\t' read -r title text _chart <<<"$s"
  printf '\n==== %s ====\n' "$title"
  cat "$text"
done

# ---- HTML -------------------------------------------------------------------

[ -n "$html" ] || exit 0
escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$1"; }
# gnuplot's SVG starts with an XML declaration and a DOCTYPE: not for inline use.
inline_svg() { sed -e '/^<?xml/d' -e '/^<!DOCTYPE/,/>$/d' "$1"; }
{
  cat <<HTML
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Rapport report - $tenant, as of $as_of_day</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 64em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .85em; }
figure { margin: 1em 0; } .note { color: #666; font-size: .9em; }
</style></head><body>
<h1>Rapport report - tenant $tenant, as of $as_of_day ($tz)</h1>
<p class="note">Generated by scripts/demo-report.sh from the plugins' tables. Purchases are the real
Online Retail rows; profiles, contacts, surveys, complaints, referrals and enterprise clients are
the labelled synthetic layer (event ids starting with <code>syn:</code>, see docs/synthetic-data.md).</p>
HTML
  for s in "${sections[@]}"; do
    IFS=$'\t' read -r title text chart <<<"$s"
    printf '<section>\n<h2>%s</h2>\n' "$title"
    if [ -n "$chart" ] && [ -s "$chart" ]; then
      printf '<figure class="chart">\n'
      inline_svg "$chart"
      printf '</figure>\n'
    fi
    printf '<pre>'
    escape "$text"
    printf '</pre>\n</section>\n'
  done
  echo '</body></html>'
} >"$html"
echo
echo "HTML report: $html"
