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
# The sections (issue 8, docs/demo-report.md): tiers and the core group's
# monthly inflow and outflow with reasons; churn risk; care tasks due on the
# last day (and the year's care work by month); surveys and complaints by
# month (NPS, CSAT, SLA compliance, silent churn); referrals; enterprise
# clients. Charts: tiers per month, P(alive) histogram, NPS by month.
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
not_loaded() { echo "(plugin not loaded: no table $1)"; }

# "As of" the last day of the data, in the report's zone.
as_of_ms=$(q "SELECT coalesce(max(ts_ms), 0) FROM events")
as_of_day=$(q "SELECT to_char(to_timestamp($as_of_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM-DD')")
as_of_month=${as_of_day:0:7}

sections=()      # "title<TAB>text file<TAB>chart files, space-separated, or empty"
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

# NPS and mean CSAT per month of the survey plugin's aggregates, every month
# from the first to the last with answers (NaN where a month has none, so
# the line shows the gap). Columns: month, NPS, CSAT, NPS answers.
chart_nps() {
  sql >"$work/nps.dat" <<'SQL'
WITH m AS (
  SELECT month, sum(nps_answers) AS n, sum(promoters) AS p, sum(detractors) AS d,
         sum(csat_answers) AS cn, sum(csat_sum) AS cs
    FROM survey_monthly WHERE tenant = :'tenant' GROUP BY month),
span AS (
  SELECT generate_series(to_date(min(month), 'YYYY-MM'), to_date(max(month), 'YYYY-MM'), interval '1 month') AS d
    FROM m WHERE n > 0 OR cn > 0)
SELECT to_char(s.d, 'YYYY-MM'),
       CASE WHEN m.n > 0 THEN round(100.0 * (m.p - m.d) / m.n, 1)::text ELSE 'NaN' END,
       CASE WHEN m.cn > 0 THEN round(m.cs::numeric / m.cn, 2)::text ELSE 'NaN' END,
       coalesce(m.n, 0)
  FROM span s LEFT JOIN m ON m.month = to_char(s.d, 'YYYY-MM')
 ORDER BY s.d
SQL
  [ -s "$work/nps.dat" ] || return 0
  # Month labels as explicit tics: a month without answers keeps its place.
  local tics
  tics=$(awk -F'\t' '{ printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $1, NR - 1 }' "$work/nps.dat")
  local last=$(( $(wc -l <"$work/nps.dat") - 1 ))
  gnuplot <<GP
$svg_terminal
set output '$work/nps.svg'
set title 'NPS by month (mean CSAT on the right axis; n = NPS answers)'
set datafile separator '\t'
set xrange [-0.5:$last.5]
set xtics rotate by -45 ($tics)
set yrange [-100:100]
set ytics nomirror
set ylabel 'NPS'
set y2range [1:5]
set y2tics 1
set y2label 'mean CSAT (1-5)'
set xzeroaxis lt 1 lc rgb '#999999'
set grid ytics lc rgb '#dddddd'
set key outside right
plot '$work/nps.dat' using 0:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb '#4a7ab5' title 'NPS', \
     '' using 0:2:(sprintf('n=%d', \$4)) with labels offset 0,1 font ',8' tc rgb '#4a7ab5' notitle, \
     '' using 0:3 axes x1y2 with linespoints lw 1.5 dt 2 pt 5 ps 0.6 lc rgb '#c07020' title 'mean CSAT'
GP
}

# ---- sections ---------------------------------------------------------------

section_tiers() {
  local out=$work/tiers.txt
  if ! has_table scoring_tier_history; then
    not_loaded scoring_tier_history >"$out"
    add_section "Tiers and the core group's movement" "$out"
    return
  fi
  {
    echo "Tier pyramid now:"
    q "SELECT format('  %-10s %6s', tier, count(*)) FROM scoring_customers WHERE tenant = :'tenant'
            GROUP BY tier ORDER BY array_position(ARRAY['vip','key','ordinary','small','potential'], tier)"
    echo
    echo "Core group per month: entered / left, and why (for each move the criterion"
    echo "that rose most on the way in, or fell most on the way out; how many moves):"
    sql <<'SQL'
WITH moves AS (
  SELECT to_char(to_timestamp(h.ts_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM') AS month,
         CASE WHEN h.core_to AND NOT h.core_from THEN 'in'
              WHEN h.core_from AND NOT h.core_to THEN 'out' END AS dir,
         h.reasons, h.cause
    FROM scoring_tier_history h WHERE h.tenant = :'tenant'),
why AS (
  SELECT m.month, m.dir,
         coalesce((SELECT r->>'criterion'
                     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(m.reasons) = 'array'
                                                    THEN m.reasons ELSE '[]'::jsonb END) r
                    WHERE (r->>'delta') IS NOT NULL
                      AND CASE m.dir WHEN 'in' THEN (r->>'delta')::float8 > 0 ELSE (r->>'delta')::float8 < 0 END
                    ORDER BY CASE m.dir WHEN 'in' THEN -(r->>'delta')::float8 ELSE (r->>'delta')::float8 END,
                             r->>'criterion'
                    LIMIT 1),
                  'cause ' || m.cause) AS criterion
    FROM moves m WHERE m.dir IS NOT NULL),
counted AS (
  SELECT month, dir, criterion, count(*) AS n,
         row_number() OVER (PARTITION BY month, dir ORDER BY count(*) DESC, criterion) AS rank
    FROM why GROUP BY month, dir, criterion),
reasons AS (
  SELECT month, dir, string_agg(format('%s %s', criterion, n), ', ' ORDER BY rank) AS text
    FROM counted WHERE rank <= 3 GROUP BY month, dir),
months AS (
  SELECT month, count(*) FILTER (WHERE dir = 'in') AS entered, count(*) FILTER (WHERE dir = 'out') AS left_
    FROM moves GROUP BY month)
SELECT format('  %s  +%-4s -%-4s%s%s', m.month, m.entered, m.left_,
              CASE WHEN i.text IS NULL THEN '' ELSE '  in: ' || i.text END,
              CASE WHEN o.text IS NULL THEN '' ELSE '  out: ' || o.text END)
  FROM months m
  LEFT JOIN reasons i ON i.month = m.month AND i.dir = 'in'
  LEFT JOIN reasons o ON o.month = m.month AND o.dir = 'out'
 ORDER BY m.month
SQL
    echo
    "$ctl" report movement --database="$db" --tenant="$tenant" --month="$as_of_month" --tz="$tz" --limit=10
  } >"$out" 2>&1
  chart_tiers_over_months
  add_section "Tiers and the core group's movement" "$out" "$work/tiers.svg"
}

section_churn() {
  local out=$work/churn.txt
  if ! has_table scoring_customers; then
    not_loaded scoring_customers >"$out"
    add_section "Churn risk" "$out"
    return
  fi
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

section_care() {
  local out=$work/care.txt
  if ! has_table care_tasks; then
    not_loaded care_tasks >"$out"
    add_section "Care tasks due on $as_of_day" "$out"
    return
  fi
  {
    "$ctl" report care --due="$as_of_day" --tenant="$tenant" --tz="$tz" --database="$db" || true
    echo
    echo "Care tasks over the year, by month due: done (a contact or care.done named the"
    echo "task), expired (its window ended undone), merged (skipped), still open; deferred"
    echo "by the contact budget, placed over budget (exempt kind or priority):"
    printf '  %-7s  %6s  %6s  %7s  %6s  %6s  %8s  %11s\n' \
      month tasks 'done' expired merged open deferred over_budget
    sql <<'SQL'
SELECT format('  %-7s  %6s  %6s  %7s  %6s  %6s  %8s  %11s', month, count(*),
              count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'expired'),
              count(*) FILTER (WHERE status = 'skipped'),
              count(*) FILTER (WHERE status IN ('pending', 'due')),
              count(*) FILTER (WHERE deferred_from_ms IS NOT NULL), count(*) FILTER (WHERE over_budget))
  FROM (SELECT to_char(to_timestamp(due_ms / 1000.0) AT TIME ZONE :'tz', 'YYYY-MM') AS month, status,
               deferred_from_ms, over_budget
          FROM care_tasks WHERE tenant = :'tenant') t
 GROUP BY month ORDER BY month
SQL
  } >"$out" 2>&1
  add_section "Care tasks due on $as_of_day" "$out"
}

section_surveys() {
  local out=$work/surveys.txt
  if ! has_table survey_monthly; then
    not_loaded survey_monthly >"$out"
    add_section "Surveys and complaints by month" "$out"
    return
  fi
  {
    echo "Surveys by month (month the survey was sent, or answered if unsolicited, in the"
    echo "survey plugin's zone): NPS = % promoters (9-10) - % detractors (0-6); CSAT 1-5."
    printf '  %-7s  %9s  %8s  %11s  %-18s  %6s  %12s  %9s\n' \
      month requested answered nps_answers promoters/pass/det nps csat_answers mean_csat
    sql <<'SQL'
SELECT format('  %-7s  %9s  %8s  %11s  %-18s  %6s  %12s  %9s', month, sum(requested), sum(answered),
              sum(nps_answers), format('%s/%s/%s', sum(promoters), sum(passives), sum(detractors)),
              CASE WHEN sum(nps_answers) > 0
                   THEN round(100.0 * (sum(promoters) - sum(detractors)) / sum(nps_answers), 1)::text
                   ELSE '-' END,
              sum(csat_answers),
              CASE WHEN sum(csat_answers) > 0 THEN round(sum(csat_sum)::numeric / sum(csat_answers), 2)::text
                   ELSE '-' END)
  FROM survey_monthly WHERE tenant = :'tenant' GROUP BY month ORDER BY month
SQL
    echo
    echo "Complaints and service levels by month: first response in SLA (of those opened"
    echo "that month and answered or escalated), resolution in SLA (of those resolved that"
    echo "month, mean business hours to resolve); silent churn flagged that month:"
    printf '  %-7s  %6s  %12s  %-21s  %8s  %-18s  %8s  %9s  %10s  %12s\n' \
      month opened from_surveys first_response_in_sla resolved resolution_in_sla mean_bh escalated still_open silent_churn
    sql <<'SQL'
WITH c AS (SELECT * FROM survey_complaints WHERE tenant = :'tenant'),
months AS (
  SELECT opened_month AS month FROM c
  UNION SELECT resolved_month FROM c WHERE resolved_month IS NOT NULL
  UNION SELECT flagged_month FROM survey_silent
         WHERE tenant = :'tenant' AND status = 'flagged' AND flagged_month IS NOT NULL),
o AS (SELECT opened_month AS month, count(*) AS opened, count(*) FILTER (WHERE source = 'survey') AS from_surveys,
             count(*) FILTER (WHERE first_response_met) AS fr_met,
             count(*) FILTER (WHERE first_response_met IS NOT NULL OR escalations > 0) AS fr_judged,
             count(*) FILTER (WHERE escalations > 0) AS escalated,
             count(*) FILTER (WHERE resolved_ms IS NULL) AS still_open
        FROM c GROUP BY 1),
r AS (SELECT resolved_month AS month, count(*) AS resolved, count(*) FILTER (WHERE resolution_met) AS res_met,
             round(avg(resolution_business_ms) / 3600000.0, 1) AS mean_bh
        FROM c WHERE resolved_month IS NOT NULL GROUP BY 1),
s AS (SELECT flagged_month AS month, count(*) AS flagged FROM survey_silent
       WHERE tenant = :'tenant' AND status = 'flagged' GROUP BY 1)
SELECT format('  %-7s  %6s  %12s  %-21s  %8s  %-18s  %8s  %9s  %10s  %12s', m.month,
              coalesce(o.opened, 0), coalesce(o.from_surveys, 0),
              CASE WHEN o.fr_judged > 0
                   THEN format('%s%% (%s/%s)', round(100.0 * o.fr_met / o.fr_judged, 1), o.fr_met, o.fr_judged)
                   ELSE '-' END,
              coalesce(r.resolved, 0),
              CASE WHEN r.resolved > 0
                   THEN format('%s%% (%s/%s)', round(100.0 * r.res_met / r.resolved, 1), r.res_met, r.resolved)
                   ELSE '-' END,
              coalesce(r.mean_bh::text, '-'), coalesce(o.escalated, 0), coalesce(o.still_open, 0),
              coalesce(s.flagged, 0))
  FROM months m LEFT JOIN o USING (month) LEFT JOIN r USING (month) LEFT JOIN s USING (month)
 ORDER BY m.month
SQL
    q "SELECT format('Silent churn watch (satisfied answers, behaviour checked later): %s watched, %s flagged, %s cleared',
                     count(*) FILTER (WHERE status = 'watching'), count(*) FILTER (WHERE status = 'flagged'),
                     count(*) FILTER (WHERE status = 'cleared'))
         FROM survey_silent WHERE tenant = :'tenant'"
    echo
    echo "In detail, $as_of_month:"
    "$ctl" report surveys --month="$as_of_month" --tenant="$tenant" --database="$db" || true
  } >"$out" 2>&1
  chart_nps
  add_section "Surveys and complaints by month" "$out" "$work/nps.svg"
}

section_referrals() {
  local out=$work/referrals.txt
  if ! has_table referral_links; then
    not_loaded referral_links >"$out"
    add_section "Referrals" "$out"
    return
  fi
  {
    echo "Referrals by month (made that month, UTC; converted = the referee bought),"
    echo "revenue attributed to referrers that month:"
    printf '  %-7s  %5s  %9s  %10s  %7s  %18s\n' month made converted conversion flagged attributed_revenue
    sql <<'SQL'
WITH l AS (
  SELECT to_char(to_timestamp(referred_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS made,
         count(*) FILTER (WHERE status = 'converted') AS converted, count(*) FILTER (WHERE flags <> '') AS flagged
    FROM referral_links WHERE tenant = :'tenant' AND referrer IS NOT NULL GROUP BY 1),
a AS (SELECT month, sum(revenue) AS revenue FROM referral_attribution WHERE tenant = :'tenant' GROUP BY 1)
SELECT format('  %-7s  %5s  %9s  %10s  %7s  %18s', month, coalesce(l.made, 0), coalesce(l.converted, 0),
              CASE WHEN l.made > 0 THEN round(100.0 * l.converted / l.made, 1) || '%' ELSE '-' END,
              coalesce(l.flagged, 0), to_char(coalesce(a.revenue, 0), 'FM999999990.00'))
  FROM l FULL JOIN a USING (month) ORDER BY month
SQL
    echo
    echo "In detail, $as_of_month (key people are the current set):"
    "$ctl" report referrals --month="$as_of_month" --tenant="$tenant" --database="$db" || true
  } >"$out" 2>&1
  add_section "Referrals: key people, conversion, attributed revenue" "$out"
}

section_orgs() {
  local out=$work/orgs.txt
  : >"$out"
  if ! has_table stakeholder_orgs; then
    not_loaded stakeholder_orgs >"$out"
  else
    {
      echo "Coverage of the six buying roles per client (details and next actions below):"
      printf '  %-12s  %-28s  %7s  %5s  %7s  %8s  %s\n' org name members roles threads coverage gaps
      sql <<'SQL'
SELECT format('  %-12s  %-28s  %7s  %5s  %7s  %8s  %s', o.org, coalesce(o.name, ''), o.members,
              o.covered_roles || '/6', o.threads || CASE WHEN o.single_threaded THEN ' (single)' ELSE '' END,
              o.coverage_score,
              coalesce((SELECT string_agg(g.role || ' ' || g.kind, ', ' ORDER BY g.role)
                          FROM stakeholder_gaps g WHERE g.tenant = o.tenant AND g.org = o.org), 'none'))
  FROM stakeholder_orgs o WHERE o.tenant = :'tenant' ORDER BY o.org
SQL
      echo
    } >>"$out" 2>&1
    for org in $(q "SELECT org FROM stakeholder_orgs WHERE tenant = :'tenant' ORDER BY org"); do
      "$ctl" report org "$org" --tenant="$tenant" --database="$db" >>"$out" 2>&1 || true
      echo >>"$out"
    done
  fi
  add_section "Enterprise clients: coverage maps and gaps" "$out"
}

section_tiers
section_churn
section_care
section_surveys
section_referrals
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
# gnuplot's SVG starts with an XML declaration and a DOCTYPE: not for inline
# use. Every chart names its elements alike (gnuplot_canvas, gpPt0...), so
# the ids and the references to them get the chart's own prefix: ids stay
# unique in the page and each chart uses its own definitions.
inline_svg() {
  sed -e '/^<?xml/d' -e '/^<!DOCTYPE/,/>$/d' \
      -e "s/\bid=\(['\"]\)/id=\1$2-/g" -e "s/href=\(['\"]\)#/href=\1#$2-/g" -e "s/url(#/url(#$2-/g" "$1"
}
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
  n=0
  for s in "${sections[@]}"; do
    IFS=$'\t' read -r title text chart <<<"$s"
    printf '<section>\n<h2>%s</h2>\n' "$title"
    if [ -n "$chart" ] && [ -s "$chart" ]; then
      n=$((n + 1))
      printf '<figure class="chart" id="chart%d">\n' "$n"
      inline_svg "$chart" "chart$n"
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
