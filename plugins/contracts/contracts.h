/*
 * contracts.h - the tables through which plugins cooperate without calling
 * each other (docs/plugins/contracts.md). Header-only: every plugin that takes
 * part lists these statements in its schema_sql, so whichever plugin starts
 * first creates them and the others find them (the DDL is idempotent and the
 * text identical everywhere, which is why it lives in one place).
 *
 * Plugins never share code at link time (each .so is self-contained); they
 * share tables whose columns are a documented contract.
 */
#ifndef RAPPORT_PLUGIN_CONTRACTS_H
#define RAPPORT_PLUGIN_CONTRACTS_H

/* Every outreach any plugin schedules towards a customer (care tasks,
 * surveys). The care plugin's contact budget counts these rows; a plugin that
 * reaches out on its own (survey) checks the budget first and records its
 * touch here, in the same transaction as the touch itself. */
#define RP_CONTRACT_CONTACT_LEDGER_SQL                                          \
    "CREATE TABLE IF NOT EXISTS contact_ledger ("                               \
    "  tenant text NOT NULL,"                                                   \
    "  customer text NOT NULL,"                                                 \
    "  partition int NOT NULL,"                                                 \
    "  source text NOT NULL,"      /* plugin name: care, survey, ... */         \
    "  ref text NOT NULL,"         /* the source's id: task id, survey id */    \
    "  kind text NOT NULL,"        /* e.g. greeting, birthday, survey */        \
    "  marketing boolean NOT NULL DEFAULT false,"                               \
    "  ts_ms bigint NOT NULL,"     /* when the touch happens (due time) */      \
    "  PRIMARY KEY (tenant, customer, source, ref))"

#define RP_CONTRACT_CONTACT_LEDGER_INDEX_SQL                                    \
    "CREATE INDEX IF NOT EXISTS contact_ledger_time"                            \
    "  ON contact_ledger (tenant, customer, ts_ms)"

/* The contact budget in force, written by the care plugin at start from its
 * configuration: at most max_touches rows of contact_ledger per customer in
 * any window of window_ms. tier '*' applies to every tier without its own
 * rows. Readers use the rows for the customer's tier if any, else '*'. */
#define RP_CONTRACT_CONTACT_BUDGET_SQL                                          \
    "CREATE TABLE IF NOT EXISTS contact_budget ("                               \
    "  tenant text NOT NULL,"      /* '*' = every tenant without its own rows */\
    "  tier text NOT NULL,"                                                     \
    "  window_ms bigint NOT NULL,"                                              \
    "  max_touches int NOT NULL,"                                               \
    "  PRIMARY KEY (tenant, tier, window_ms))"

/* Requests for a care task from other plugins (stakeholder: a champion left;
 * survey: a detractor's follow-up). The care plugin takes untaken rows on its
 * periodic inbox timer, turns each into a task (budget, quiet hours and
 * channel applied like its own tasks) and sets taken_ms. request_id is the
 * requester's idempotency key: insert with ON CONFLICT DO NOTHING. */
#define RP_CONTRACT_CARE_REQUESTS_SQL                                           \
    "CREATE TABLE IF NOT EXISTS care_requests ("                                \
    "  tenant text NOT NULL,"                                                   \
    "  request_id text NOT NULL,"                                               \
    "  customer text,"             /* the person to contact, if any */          \
    "  org text,"                  /* the enterprise client, if any */          \
    "  assignee text,"             /* staff member to do it, e.g. org owner */  \
    "  kind text NOT NULL,"                                                     \
    "  priority int NOT NULL,"     /* 1 highest .. 5 lowest */                  \
    "  due_ms bigint NOT NULL,"                                                 \
    "  reason text NOT NULL,"                                                   \
    "  source text NOT NULL,"      /* requesting plugin */                      \
    "  created_ms bigint NOT NULL,"                                             \
    "  taken_ms bigint,"           /* set by care when the task exists */       \
    "  PRIMARY KEY (tenant, request_id))"

#define RP_CONTRACT_CARE_REQUESTS_INDEX_SQL                                     \
    "CREATE INDEX IF NOT EXISTS care_requests_untaken"                          \
    "  ON care_requests (created_ms) WHERE taken_ms IS NULL"

#endif
