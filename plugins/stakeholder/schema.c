/*
 * schema.c - the stakeholder plugin's tables as numbered migrations the host
 * applies once each (recorded in plugin_migrations), documented in
 * docs/plugins/stakeholder.md, plus the care_requests contract table through
 * which it asks the care plugin for tasks.
 *
 * Migration 1 is the schema of ABI 1 unchanged. It keeps CREATE ... IF NOT
 * EXISTS so that a database an ABI-1 rapportd created upgrades in place
 * (and so that whichever plugin creates care_requests first wins). Later
 * changes are new steps; never edit a released one.
 *
 * The split follows the partitions: stakeholder_people and
 * stakeholder_interactions are written while handling the person's own
 * events (customer partition); stakeholder_orgs, the member and org logs,
 * stakeholder_members and stakeholder_gaps are keyed by org. Coverage reads
 * both, on the tenant clock (assess.c).
 *
 * Migration 2 (ABI 2.1, issue 18) keeps every fact with its event time, so
 * that stored values are folds in event-time order and a late event
 * corrects them: the interaction log (a strength folded again, or as of an
 * instant), the member log (memberships folded), the org log (fields by
 * latest event time); the org's armed evaluation; a person's first
 * interaction and the event time of their style. What an older database
 * holds becomes log entries: a person's stored sum is one interaction of
 * that weight at its reference instant (the same strength from then on),
 * a member row is an upsert at joined_ms (and a left at left_ms), an org
 * row an org.upsert at updated_ms, all with event id "migrated"; a
 * person's first interaction stays unknown (NULL). An org's last
 * evaluation moves to just after the latest of those facts, so that no
 * evaluation goes back into the time the approximation covers (ABI 2.0
 * evaluated at each partition's time: computed_ms could be earlier than
 * facts already counted).
 */
#include <stddef.h>

#include "contracts.h"
#include "glue.h"

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS stakeholder_orgs ("
    "  tenant text NOT NULL,"
    "  org text NOT NULL,"
    "  partition int NOT NULL,"
    "  name text,"
    "  industry text,"
    "  size bigint,"
    "  country text,"
    "  timezone text,"
    "  owner text,"
    "  members int NOT NULL DEFAULT 0,"
    "  covered_roles int NOT NULL DEFAULT 0,"
    "  threads int NOT NULL DEFAULT 0,"
    "  single_threaded boolean NOT NULL DEFAULT false,"
    "  coverage_score int NOT NULL DEFAULT 0,"
    "  computed_ms bigint NOT NULL DEFAULT 0,"
    "  half_life_ms bigint NOT NULL DEFAULT 0,"
    "  strength_scale double precision NOT NULL DEFAULT 0,"
    "  adequate_strength double precision NOT NULL DEFAULT 0,"
    "  updated_ms bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tenant, org));"
    "CREATE TABLE IF NOT EXISTS stakeholder_members ("
    "  tenant text NOT NULL,"
    "  org text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  roles text[] NOT NULL,"
    "  influence int NOT NULL DEFAULT 3,"
    "  attitude text NOT NULL DEFAULT 'neutral',"
    "  title text,"
    "  interests_collective text,"
    "  interests_personal text,"
    "  active boolean NOT NULL DEFAULT true,"
    "  joined_ms bigint NOT NULL,"
    "  left_ms bigint,"
    "  left_reason text,"
    "  updated_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, org, customer));"
    "CREATE INDEX IF NOT EXISTS stakeholder_members_person"
    "  ON stakeholder_members (tenant, customer) WHERE active;"
    "CREATE TABLE IF NOT EXISTS stakeholder_people ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  style text,"
    "  strength_raw double precision NOT NULL DEFAULT 0,"
    "  strength_ref_ms bigint NOT NULL DEFAULT 0,"
    "  interactions bigint NOT NULL DEFAULT 0,"
    "  last_interaction_ms bigint,"
    "  PRIMARY KEY (tenant, customer));"
    "CREATE TABLE IF NOT EXISTS stakeholder_gaps ("
    "  tenant text NOT NULL,"
    "  org text NOT NULL,"
    "  role text NOT NULL,"
    "  partition int NOT NULL,"
    "  kind text NOT NULL,"
    "  opened_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, org, role));"
    "CREATE TABLE IF NOT EXISTS stakeholder_advice ("
    "  topic text NOT NULL,"          /* general, role, style, attitude */
    "  key text NOT NULL,"
    "  advice text NOT NULL,"
    "  PRIMARY KEY (topic, key));"
    RP_CONTRACT_CARE_REQUESTS_SQL ";"
    RP_CONTRACT_CARE_REQUESTS_INDEX_SQL;

static const char facts_v2[] =
    "CREATE TABLE stakeholder_interactions ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  event_id text NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  weight double precision NOT NULL,"   /* as configured when it arrived */
    "  PRIMARY KEY (tenant, customer, event_id));"
    "CREATE INDEX stakeholder_interactions_ts ON stakeholder_interactions (tenant, customer, ts_ms);"
    "CREATE TABLE stakeholder_member_log ("
    "  tenant text NOT NULL,"
    "  org text NOT NULL,"
    "  customer text NOT NULL,"
    "  event_id text NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  kind text NOT NULL,"                  /* upsert, left */
    "  roles text[],"                        /* NULL for left; the rest NULL when absent */
    "  attitude text,"
    "  influence int,"
    "  title text,"
    "  interests_collective text,"
    "  interests_personal text,"
    "  reason text,"
    "  PRIMARY KEY (tenant, org, customer, event_id));"
    "CREATE TABLE stakeholder_org_log ("
    "  tenant text NOT NULL,"
    "  org text NOT NULL,"
    "  event_id text NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  name text, industry text, size bigint, country text, timezone text, owner text,"
    "  PRIMARY KEY (tenant, org, event_id));"
    "ALTER TABLE stakeholder_orgs ADD COLUMN next_eval_ms bigint;"
    "ALTER TABLE stakeholder_people ADD COLUMN first_interaction_ms bigint,"
    "  ADD COLUMN style_ms bigint, ADD COLUMN style_event text;"
    "INSERT INTO stakeholder_interactions (tenant, customer, event_id, ts_ms, weight)"
    "  SELECT tenant, customer, 'migrated', strength_ref_ms, strength_raw FROM stakeholder_people"
    "  WHERE strength_raw > 0;"
    "INSERT INTO stakeholder_member_log (tenant, org, customer, event_id, ts_ms, kind, roles, attitude,"
    "  influence, title, interests_collective, interests_personal)"
    "  SELECT tenant, org, customer, 'migrated', joined_ms, 'upsert', roles, attitude, influence, title,"
    "    interests_collective, interests_personal FROM stakeholder_members;"
    "INSERT INTO stakeholder_member_log (tenant, org, customer, event_id, ts_ms, kind, reason)"
    "  SELECT tenant, org, customer, 'migrated:left', left_ms, 'left', left_reason"
    "  FROM stakeholder_members WHERE NOT active AND left_ms IS NOT NULL;"
    "INSERT INTO stakeholder_org_log (tenant, org, event_id, ts_ms, name, industry, size, country,"
    "  timezone, owner)"
    "  SELECT tenant, org, 'migrated', updated_ms, name, industry, size, country, timezone, owner"
    "  FROM stakeholder_orgs;"
    "UPDATE stakeholder_people SET style_ms = 0, style_event = '' WHERE style IS NOT NULL;"
    /* evaluations resume after the latest fact already counted: the
     * migrated entries only approximate the history before their instants */
    "UPDATE stakeholder_orgs o SET computed_ms = GREATEST(o.computed_ms, 1 + GREATEST("
    "  (SELECT max(l.ts_ms) FROM stakeholder_org_log l WHERE l.tenant = o.tenant AND l.org = o.org),"
    "  (SELECT max(l.ts_ms) FROM stakeholder_member_log l WHERE l.tenant = o.tenant AND l.org = o.org),"
    "  (SELECT max(i.ts_ms) FROM stakeholder_members m JOIN stakeholder_interactions i"
    "     ON i.tenant = m.tenant AND i.customer = m.customer"
    "   WHERE m.tenant = o.tenant AND m.org = o.org)))";

const rp_migration sh_migrations[] = {
    {1, schema_v1},
    {2, facts_v2},
    {0, NULL},
};
