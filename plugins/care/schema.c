/*
 * schema.c - the care plugin's numbered migrations (docs/plugins/care.md
 * documents the columns; care_tasks is a contract read by staff tools and
 * the reports). The host applies each once, in order, and records it in
 * plugin_migrations. Add a step; never edit a released one.
 *
 * 1: the schema of ABI 1 (CREATE ... IF NOT EXISTS, so a database that
 *    ABI 1 set up upgrades in place), with the shared contract tables it
 *    takes part in (contracts.h; other plugins create them too, hence
 *    IF NOT EXISTS there for good).
 * 2: care_tenants, what care keeps per tenant (tenants.c).
 * 3: late events (docs/plugins/care.md "Late events and arrival order"):
 *    care_closures, contacts that named a task before its trigger arrived;
 *    care_customers.profile_ms, when each profile field was stated;
 *    care_tenants.inbox_started, whether the inbox has fired (until then
 *    an earlier event moves its first firing earlier, tenants.c).
 */
#include <stddef.h>

#include "contracts.h"
#include "schema.h"

#define STEP ";\n"

static const char v1[] =
    RP_CONTRACT_CONTACT_LEDGER_SQL STEP
    RP_CONTRACT_CONTACT_LEDGER_INDEX_SQL STEP
    RP_CONTRACT_CONTACT_BUDGET_SQL STEP
    RP_CONTRACT_CARE_REQUESTS_SQL STEP
    RP_CONTRACT_CARE_REQUESTS_INDEX_SQL STEP
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
    "  PRIMARY KEY (tenant, task_id))" STEP
    "CREATE INDEX IF NOT EXISTS care_tasks_due ON care_tasks (tenant, due_ms)" STEP
    "CREATE INDEX IF NOT EXISTS care_tasks_customer ON care_tasks (tenant, customer, due_ms)" STEP
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
    "  PRIMARY KEY (tenant, customer))" STEP
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
    "  PRIMARY KEY (tenant, holding_id))" STEP
    "CREATE INDEX IF NOT EXISTS care_holdings_product ON care_holdings (tenant, product)";

/* inbox_due_ms: when the tenant's inbox timer is due (armed in the same
 * transaction); budget_rows: the budget its contact_budget rows hold, ''
 * when it follows the plugin-wide rows (tenant '*'), NULL when not yet
 * written. */
static const char v2[] =
    "CREATE TABLE care_tenants ("
    "  tenant text PRIMARY KEY,"
    "  inbox_due_ms bigint,"
    "  budget_rows text)";

/* care_closures: the earliest contact (done_ms, outcome) that named a task
 * the customer did not have, until the task is made (done); profile_ms: the
 * event times of the profile fields' statements (stamps.h), NULL on rows
 * from before (every field then takes the next statement); inbox_started:
 * NULL on rows from before, whose inbox has long been firing. */
static const char v3[] =
    "CREATE TABLE care_closures ("
    "  tenant text NOT NULL,"
    "  customer text NOT NULL,"
    "  task_id text NOT NULL,"
    "  done_ms bigint NOT NULL,"
    "  outcome text,"
    "  PRIMARY KEY (tenant, customer, task_id))" STEP
    "ALTER TABLE care_customers ADD COLUMN profile_ms text" STEP
    "ALTER TABLE care_tenants ADD COLUMN inbox_started boolean";

const rp_migration cr_migrations[] = {
    {1, v1},
    {2, v2},
    {3, v3},
    {0, NULL},
};
