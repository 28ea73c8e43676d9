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
 * The split follows the partitions: stakeholder_people is written only while
 * handling the person's own events (customer partition) or when a person is
 * first placed in an org; stakeholder_orgs, stakeholder_members and
 * stakeholder_gaps are keyed by org. Handlers of one plugin never run
 * concurrently, so a contact can recompute every org of the person in the
 * same transaction from those orgs' member rows.
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

const rp_migration sh_migrations[] = {
    {1, schema_v1},
    {0, NULL},
};
