/*
 * migrator.c - a plugin that only has migrations, built several times to
 * prove the host's migration and `requires` contract (test_migrations.c):
 *
 *   migrator_v1.so   name "migrator", migration 1
 *   migrator_v2.so   name "migrator", migrations 1, 2 (a new release)
 *   migrator_v3.so   name "migrator", migrations 1, 2 and a failing 3
 *   needy.so         name "needy", migration 1, requires "counter"
 *
 * Every step writes a row (its version and the id of the transaction it ran
 * in) into NAME_steps, so a step applied twice, or two steps sharing a
 * transaction, show in the table. Migration 1 is a plain CREATE TABLE: run a
 * second time it would fail the start.
 */
#include "rapport/plugin.h"

#ifndef MIGRATOR_STEPS
#define MIGRATOR_STEPS 1
#endif

#ifdef MIGRATOR_NEEDY
#define MIGRATOR_NAME "needy"
static const char *const needs[] = {"counter", NULL};
#define MIGRATOR_REQUIRES needs
#else
#define MIGRATOR_NAME "migrator"
#define MIGRATOR_REQUIRES NULL
#endif

#define STEPS MIGRATOR_NAME "_steps"

static const rp_migration migrations[] = {
    {1, "CREATE TABLE " STEPS " (version int PRIMARY KEY, txid bigint NOT NULL);"
        "INSERT INTO " STEPS " VALUES (1, txid_current())"},
#if MIGRATOR_STEPS >= 2
    {2, "ALTER TABLE " STEPS " ADD COLUMN note text;"
        "INSERT INTO " STEPS " VALUES (2, txid_current(), 'added in v2')"},
#endif
#if MIGRATOR_STEPS >= 3
    /* Fails after writing its row: the host must roll the step back whole
     * and record nothing for it. */
    {3, "INSERT INTO " STEPS " VALUES (3, txid_current(), 'never');"
        "SELECT 1 / 0"},
#endif
    {0, NULL},
};

static const char *const subscribes[] = {"contact", NULL};

static int init(const rp_call *call, void **state)
{
    (void)call;
    *state = NULL;
    return RP_OK;
}

static int on_events(const rp_call *call, const rp_event *const *events, size_t count)
{
    (void)call, (void)events, (void)count;
    return RP_OK;
}

static const rp_plugin descriptor = {
    RP_PLUGIN_INIT_HEADER,
    .name = MIGRATOR_NAME,
    .subscribes = subscribes,
    .requires = MIGRATOR_REQUIRES,
    .migrations = migrations,
    .init = init,
    .on_events = on_events,
};

RP_EXPORT const rp_plugin *rapport_plugin_entry(void)
{
    return &descriptor;
}
