/*
 * schema.c - the scoring plugin's tables as numbered migrations (ABI 2):
 * the host applies the steps a database has not recorded, once each, and
 * records them in plugin_migrations. Released steps never change; a schema
 * change is a new step.
 *
 * Migration 1 is the schema of ABI 1's scoring, kept with IF NOT EXISTS so a
 * database the ABI-1 plugin created upgrades in place (no ABI-1 release ever
 * altered these tables, so there is nothing to patch).
 *
 * scoring_customers is a contract: the care and survey plugins read tier,
 * core, p_alive, risk_level and expected_purchases from it. Every table has
 * tenant in its key and a partition column (see core/sql/001_core.sql).
 */
#include <stddef.h>

#include "schema.h"

static const char migration_1[] =
    "CREATE TABLE IF NOT EXISTS scoring_customers ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  score double precision,"                 /* NULL while no criterion is known */
    "  confidence int NOT NULL DEFAULT 0,"      /* number of known criteria, 0..9 */
    "  tier text NOT NULL DEFAULT 'potential',"
    "  core boolean NOT NULL DEFAULT false,"
    "  p_alive double precision,"               /* NULL until the tenant's first BG/NBD fit */
    "  expected_purchases double precision,"    /* in the next period (default a week) */
    "  risk_level text NOT NULL DEFAULT 'unknown',"
    "  tier_since_ms bigint NOT NULL DEFAULT 0,"
    "  updated_ms bigint NOT NULL DEFAULT 0,"
    "  subscores double precision[],"           /* the nine criteria, NULL = unknown */
    "  subscores_at_change double precision[],"
    "  pinned_tier text,"
    "  pinned_until_ms bigint,"
    "  pin_reason text,"
    "  referred_by text,"
    "  bgnbd_x bigint NOT NULL DEFAULT 0,"       /* repeat purchases */
    "  first_purchase_ms bigint,"
    "  last_purchase_ms bigint,"
    "  next_check_ms bigint NOT NULL DEFAULT 0,"
    "  evidence double precision[] NOT NULL,"
    "  PRIMARY KEY (tenant, customer));"
    "CREATE INDEX IF NOT EXISTS scoring_customers_tier ON scoring_customers (tenant, tier);"
    "CREATE TABLE IF NOT EXISTS scoring_tier_history ("
    "  tenant text NOT NULL,"
    "  id bigserial,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  ts_ms bigint NOT NULL,"
    "  from_tier text,"                         /* NULL: first placement */
    "  to_tier text NOT NULL,"
    "  score double precision,"
    "  confidence int NOT NULL,"
    "  core_from boolean NOT NULL,"
    "  core_to boolean NOT NULL,"
    "  reasons jsonb NOT NULL,"
    "  cause text NOT NULL,"
    "  PRIMARY KEY (tenant, id));"
    "CREATE INDEX IF NOT EXISTS scoring_tier_history_ts ON scoring_tier_history (tenant, ts_ms);"
    "CREATE INDEX IF NOT EXISTS scoring_tier_history_customer"
    "  ON scoring_tier_history (tenant, customer, ts_ms);"
    "CREATE TABLE IF NOT EXISTS scoring_tenant_stats ("
    "  tenant text PRIMARY KEY,"
    "  partition int NOT NULL,"
    "  n double precision NOT NULL DEFAULT 0,"
    "  sf double precision NOT NULL DEFAULT 0,"
    "  sff double precision NOT NULL DEFAULT 0,"
    "  sm double precision NOT NULL DEFAULT 0,"
    "  smm double precision NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS scoring_bgnbd_params ("
    "  tenant text PRIMARY KEY,"
    "  partition int NOT NULL,"
    "  r double precision, alpha double precision, a double precision, b double precision,"
    "  log_likelihood double precision,"
    "  customers bigint NOT NULL DEFAULT 0,"
    "  fitted_ms bigint,"
    "  attempted_ms bigint,"
    "  next_fit_ms bigint,"
    "  status text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scoring_promos ("
    "  tenant text NOT NULL,"
    "  promo_id text NOT NULL,"
    "  partition int NOT NULL,"
    "  starts_ms bigint NOT NULL,"
    "  ends_ms bigint NOT NULL,"
    "  depth double precision,"
    "  PRIMARY KEY (tenant, promo_id));";

const rp_migration sc_migrations[] = {
    {1, migration_1},
    {0, NULL},
};
