/*
 * migrations.c - the survey plugin's schema as numbered migrations (ABI 2),
 * applied by the host once each and recorded in plugin_migrations.
 *
 * 1: the tables of ABI 1 (survey_customers, survey_requests, survey_monthly,
 *    survey_complaints, survey_suggestions, survey_silent) and the contract
 *    tables it takes part in (plugins/contracts/contracts.h: contact_ledger,
 *    contact_budget, care_requests). CREATE ... IF NOT EXISTS, so a database
 *    an ABI-1 survey plugin created upgrades in place, and whichever plugin
 *    of a contract starts first creates its tables. The columns are a
 *    contract (docs/plugins/survey.md); every key starts with tenant and
 *    every table has a partition column.
 * 2: what makes facts independent of arrival order (late.h): the event
 *    time and id of the fact each row keeps, so a late event can tell
 *    whether it comes before it (survey_customers: the zone's upsert and the
 *    first purchase, which starts the quarterly round; survey_requests: the
 *    answer's event; survey_complaints: the opening's and the resolution's
 *    events; survey_suggestions: the first report's event and the time and
 *    event of the adoption flag). NULL in rows written before: they keep
 *    what they hold until an earlier event arrives.
 * Later changes are new steps (3, 4, ...), never edits of a released one.
 */
#include <stddef.h>

#include "contracts.h"
#include "glue.h"

static const char schema_v1[] =
    RP_CONTRACT_CONTACT_LEDGER_SQL ";"
    RP_CONTRACT_CONTACT_LEDGER_INDEX_SQL ";"
    RP_CONTRACT_CONTACT_BUDGET_SQL ";"
    RP_CONTRACT_CARE_REQUESTS_SQL ";"
    RP_CONTRACT_CARE_REQUESTS_INDEX_SQL ";"
    "CREATE TABLE IF NOT EXISTS survey_customers ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  timezone text,"
    "  quarterly_due_ms bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant, customer));"
    /* One row per survey: requested, answered, expired, or suppressed
     * (fatigue or budget) with the reason. */
    "CREATE TABLE IF NOT EXISTS survey_requests ("
    "  tenant text NOT NULL,"
    "  survey_id text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  kind text NOT NULL,"          /* purchase, complaint, quarterly, unsolicited */
    "  ref text,"                    /* order id, complaint id, quarter */
    "  channel text,"
    "  status text NOT NULL,"        /* requested, answered, expired, suppressed */
    "  reason text,"                 /* why suppressed: fatigue, budget */
    "  tier text NOT NULL,"
    "  month text NOT NULL,"         /* YYYY-MM of the request, tenant's zone */
    "  requested_ms bigint NOT NULL,"
    "  expires_ms bigint,"
    "  answered_ms bigint,"
    "  nps int,"
    "  csat int,"
    "  comment text,"
    "  answers jsonb,"               /* the response's free-form answers map */
    "  cause text,"
    "  PRIMARY KEY (tenant, survey_id));"
    "CREATE INDEX IF NOT EXISTS survey_requests_customer ON survey_requests (tenant, customer, requested_ms);"
    /* Aggregates per tenant, month (of the request), tier and partition
     * (each partition's worker owns its rows; reports sum them). */
    "CREATE TABLE IF NOT EXISTS survey_monthly ("
    "  tenant text NOT NULL,"
    "  month text NOT NULL,"
    "  tier text NOT NULL,"
    "  partition int NOT NULL,"
    "  requested bigint NOT NULL DEFAULT 0,"
    "  answered bigint NOT NULL DEFAULT 0,"
    "  expired bigint NOT NULL DEFAULT 0,"
    "  suppressed bigint NOT NULL DEFAULT 0,"
    "  nps_answers bigint NOT NULL DEFAULT 0,"
    "  promoters bigint NOT NULL DEFAULT 0,"
    "  passives bigint NOT NULL DEFAULT 0,"
    "  detractors bigint NOT NULL DEFAULT 0,"
    "  csat_answers bigint NOT NULL DEFAULT 0,"
    "  csat_sum bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant, month, tier, partition));"
    "CREATE TABLE IF NOT EXISTS survey_complaints ("
    "  tenant text NOT NULL,"
    "  complaint_id text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  source text NOT NULL,"        /* event (complaint.opened) or survey (detractor) */
    "  survey_id text,"
    "  severity text NOT NULL,"
    "  category text,"
    "  text text,"
    "  opened_ms bigint NOT NULL,"
    "  opened_month text NOT NULL,"
    "  first_response_due_ms bigint NOT NULL,"
    "  resolution_due_ms bigint NOT NULL,"
    "  first_response_ms bigint,"
    "  first_response_met boolean,"
    "  resolved_ms bigint,"
    "  resolved_month text,"
    "  outcome text,"
    "  resolution_business_ms bigint,"
    "  resolution_met boolean,"
    "  level int NOT NULL DEFAULT 0,"
    "  level_name text NOT NULL,"
    "  escalations int NOT NULL DEFAULT 0,"
    "  last_escalated_ms bigint,"
    "  PRIMARY KEY (tenant, complaint_id));"
    "CREATE INDEX IF NOT EXISTS survey_complaints_customer ON survey_complaints (tenant, customer);"
    "CREATE TABLE IF NOT EXISTS survey_suggestions ("
    "  tenant text NOT NULL,"
    "  suggestion_id text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  topic text,"
    "  text text,"
    "  adopted boolean,"
    "  PRIMARY KEY (tenant, suggestion_id));"
    "CREATE INDEX IF NOT EXISTS survey_suggestions_customer ON survey_suggestions (tenant, customer);"
    /* Satisfied answers under watch for silent churn (silent.h). */
    "CREATE TABLE IF NOT EXISTS survey_silent ("
    "  tenant text NOT NULL,"
    "  survey_id text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  answered_ms bigint NOT NULL,"
    "  nps int,"
    "  csat int,"
    "  p_alive_then double precision,"
    "  purchases_then double precision,"
    "  status text NOT NULL,"        /* watching, flagged, cleared */
    "  checked_ms bigint,"
    "  p_alive_now double precision,"
    "  purchases_now double precision,"
    "  reason text,"
    "  flagged_ms bigint,"
    "  flagged_month text,"
    "  PRIMARY KEY (tenant, survey_id));";

static const char schema_v2[] =
    "ALTER TABLE survey_customers ADD COLUMN IF NOT EXISTS timezone_ms bigint,"
    "  ADD COLUMN IF NOT EXISTS timezone_event text,"
    "  ADD COLUMN IF NOT EXISTS first_purchase_ms bigint;"
    "ALTER TABLE survey_requests ADD COLUMN IF NOT EXISTS answer_event text;"
    "ALTER TABLE survey_complaints ADD COLUMN IF NOT EXISTS opened_event text,"
    "  ADD COLUMN IF NOT EXISTS resolved_event text;"
    "ALTER TABLE survey_suggestions ADD COLUMN IF NOT EXISTS event_id text,"
    "  ADD COLUMN IF NOT EXISTS adopted_ms bigint,"
    "  ADD COLUMN IF NOT EXISTS adopted_event text;";

const rp_migration sv_migrations[] = {
    {1, schema_v1},
    {2, schema_v2},
    {0, NULL},
};
