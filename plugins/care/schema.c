/*
 * schema.c - the care plugin's tables (docs/plugins/care.md documents the
 * columns; care_tasks is a contract read by staff tools and the reports)
 * and the shared contract tables it takes part in (contracts.h).
 */
#include <stddef.h>

#include "contracts.h"
#include "glue.h"

const char *const cr_schema_sql[] = {
    RP_CONTRACT_CONTACT_LEDGER_SQL,
    RP_CONTRACT_CONTACT_LEDGER_INDEX_SQL,
    RP_CONTRACT_CONTACT_BUDGET_SQL,
    RP_CONTRACT_CARE_REQUESTS_SQL,
    RP_CONTRACT_CARE_REQUESTS_INDEX_SQL,
    "CREATE TABLE IF NOT EXISTS care_tasks ("
    "  tenant text NOT NULL,"
    "  task_id text NOT NULL,"
    "  customer text,"
    "  org text,"
    "  assignee text,"
    "  partition int NOT NULL,"
    "  kind text NOT NULL,"
    "  channel text NOT NULL,"
    "  gesture text NOT NULL DEFAULT '',"
    "  priority int NOT NULL,"
    "  due_ms bigint NOT NULL,"
    "  window_end_ms bigint NOT NULL,"     /* undone by then: expired */
    "  reason text NOT NULL,"
    "  status text NOT NULL,"
    "  source text NOT NULL,"
    "  created_ms bigint NOT NULL,"
    "  done_ms bigint,"
    "  deferred_from_ms bigint,"
    "  merged_into text,"
    "  over_budget boolean NOT NULL DEFAULT false,"
    "  outcome text,"
    "  PRIMARY KEY (tenant, task_id))",
    "CREATE INDEX IF NOT EXISTS care_tasks_due ON care_tasks (tenant, due_ms)",
    "CREATE INDEX IF NOT EXISTS care_tasks_customer ON care_tasks (tenant, customer, due_ms)",
    "CREATE TABLE IF NOT EXISTS care_customers ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  timezone text,"
    "  channel text,"
    "  consent_contact boolean,"
    "  consent_marketing boolean,"
    "  special_days text NOT NULL DEFAULT '',"
    "  first_seen_ms bigint NOT NULL,"
    "  last_contact_ms bigint,"
    "  next_plan_ms bigint,"
    "  PRIMARY KEY (tenant, customer))",
    "CREATE TABLE IF NOT EXISTS care_holdings ("
    "  tenant text NOT NULL,"
    "  holding_id text NOT NULL,"
    "  customer text NOT NULL,"
    "  partition int NOT NULL,"
    "  product text NOT NULL,"
    "  quantity double precision,"
    "  buy_price double precision,"
    "  stop_loss double precision,"
    "  take_profit double precision,"
    "  risk_preference text,"
    "  last_alert text,"
    "  updated_ms bigint NOT NULL,"
    "  PRIMARY KEY (tenant, holding_id))",
    "CREATE INDEX IF NOT EXISTS care_holdings_product ON care_holdings (tenant, product)",
    NULL,
};
