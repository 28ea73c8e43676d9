/*
 * plugin_schema.c - requires, numbered migrations and progress rows of a
 * plugin (see plugin_schema.h).
 *
 * Each migration runs in its own transaction that first takes the plugin's
 * advisory lock and looks for its record, so two processes starting the
 * same plugin at once apply every step exactly once, and a step that fails
 * leaves the ones before it applied and recorded.
 */
#include "plugin_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

bool rp_plugin_schema_valid(const rp_plugin *d, const char *path, char *err, size_t errlen)
{
    int previous = 0;
    for (const rp_migration *m = d->migrations; m && m->sql; m++) {
        if (m->version <= previous) {
            snprintf(err, errlen, "plugin %s (%s): migration versions must ascend from 1 without repeats "
                     "(%d follows %d)", d->name, path, m->version, previous);
            return false;
        }
        previous = m->version;
    }
    for (const char *const *r = d->requires; r && *r; r++)
        if (strcmp(*r, d->name) == 0 || !**r) {
            snprintf(err, errlen, "plugin %s (%s): requires must name other plugins (\"%s\")", d->name, path, *r);
            return false;
        }
    return true;
}

/* ---------------------------------------------------------------- order */

static rp_plugin_host *find_loaded(rp_plugin_host *const *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i];
    return NULL;
}

/* Depth-first: visiting marks the path, so meeting a plugin on it again is
 * a cycle. Placed plugins go to out in dependency order. */
typedef struct order_walk {
    rp_plugin_host **in;
    size_t count;
    rp_plugin_host **out;
    size_t placed;
    unsigned char *mark;       /* 0 new, 1 on the path, 2 placed */
    char *err;
    size_t errlen;
} order_walk;

static size_t index_of(const order_walk *w, const rp_plugin_host *h)
{
    for (size_t i = 0; i < w->count; i++)
        if (w->in[i] == h)
            return i;
    return w->count;
}

static bool visit(order_walk *w, size_t i)
{
    if (w->mark[i] == 2)
        return true;
    if (w->mark[i] == 1) {
        snprintf(w->err, w->errlen, "plugin %s: its requires form a cycle; a plugin cannot need tables "
                 "of a plugin that needs its own", w->in[i]->name);
        return false;
    }
    w->mark[i] = 1;
    for (const char *const *r = w->in[i]->desc->requires; r && *r; r++) {
        rp_plugin_host *dep = find_loaded(w->in, w->count, *r);
        if (dep && !visit(w, index_of(w, dep)))
            return false;
    }
    w->mark[i] = 2;
    w->out[w->placed++] = w->in[i];
    return true;
}

bool rp_plugins_order(rp_plugin_host **plugins, size_t count, char *err, size_t errlen)
{
    order_walk w = {.in = plugins, .count = count, .err = err, .errlen = errlen};
    w.out = calloc(count ? count : 1, sizeof *w.out);
    w.mark = calloc(count ? count : 1, 1);
    bool ok = w.out && w.mark;
    if (!ok)
        snprintf(err, errlen, "out of memory ordering plugins");
    for (size_t i = 0; ok && i < count; i++)
        ok = visit(&w, i);
    if (ok && count > 0)
        memcpy(plugins, w.out, count * sizeof *plugins);
    free(w.out);
    free(w.mark);
    return ok;
}

/* ---------------------------------------------------------------- requires */

static int recorded_version(PGconn *db, const char *plugin, char *err, size_t errlen)
{
    const char *params[] = {plugin};
    PGresult *res = rp_db_query(db, "SELECT coalesce(max(version), 0) FROM plugin_migrations WHERE plugin = $1",
                                1, params, err, errlen);
    if (!res)
        return -1;
    int version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return version;
}

bool rp_plugin_requires_met(const rp_plugin_host *h, rp_plugin_host *const *loaded, size_t loaded_count,
                            PGconn *db, char *err, size_t errlen)
{
    for (const char *const *r = h->desc->requires; r && *r; r++) {
        if (find_loaded(loaded, loaded_count, *r))
            continue;
        int version = recorded_version(db, *r, err, errlen);
        if (version < 0)
            return false;
        if (version == 0) {
            snprintf(err, errlen,
                     "plugin %s requires plugin %s (it reads %s's tables), which is neither loaded here "
                     "(--plugins) nor installed in this database by another rapportd; load %s too, or start "
                     "the process that runs it first", h->name, *r, *r, *r);
            return false;
        }
    }
    return true;
}

/* ---------------------------------------------------------------- migrate */

static bool already_recorded(PGconn *db, const char *plugin, const char *version, bool *found,
                             char *err, size_t errlen)
{
    const char *params[] = {plugin, version};
    PGresult *res = rp_db_query(db, "SELECT 1 FROM plugin_migrations WHERE plugin = $1 AND version = $2::int",
                                2, params, err, errlen);
    if (!res)
        return false;
    *found = PQntuples(res) > 0;
    PQclear(res);
    return true;
}

static bool lock_plugin(PGconn *db, const char *plugin, char *err, size_t errlen)
{
    const char *params[] = {plugin};
    PGresult *res = rp_db_query(db, "SELECT pg_advisory_xact_lock(hashtext('rapport.plugin.' || $1))",
                                1, params, err, errlen);
    PQclear(res);
    return res != NULL;
}

static bool record(PGconn *db, const char *plugin, const char *version, char *err, size_t errlen)
{
    const char *params[] = {plugin, version};
    PGresult *res = rp_db_query(db, "INSERT INTO plugin_migrations (plugin, version) VALUES ($1, $2::int)",
                                2, params, err, errlen);
    PQclear(res);
    return res != NULL;
}

/* One step in its own transaction; *applied tells whether this process
 * ran it (false when it was recorded already). */
static bool apply_step(rp_plugin_host *h, PGconn *db, const rp_migration *m, bool *applied,
                       char *err, size_t errlen)
{
    char version[16], why[512] = "";
    snprintf(version, sizeof version, "%d", m->version);
    bool found = false;
    bool ok = rp_db_run(db, "BEGIN", why, sizeof why) && lock_plugin(db, h->name, why, sizeof why) &&
              already_recorded(db, h->name, version, &found, why, sizeof why);
    if (ok && !found)
        ok = rp_db_run(db, m->sql, why, sizeof why) && record(db, h->name, version, why, sizeof why);
    ok = ok && rp_db_run(db, "COMMIT", why, sizeof why);
    if (!ok) {
        rp_db_run(db, "ROLLBACK", NULL, 0);
        snprintf(err, errlen, "plugin %s: migration %d failed: %s", h->name, m->version, why);
        return false;
    }
    *applied = !found;
    return true;
}

static bool create_progress_rows(rp_plugin_host *h, PGconn *db, char *err, size_t errlen)
{
    char partitions[16];
    snprintf(partitions, sizeof partitions, "%u", h->partition_count);
    const char *params[] = {h->name, partitions};
    PGresult *res = rp_db_query(db,
        "INSERT INTO plugin_progress (plugin, partition) "
        "SELECT $1, g FROM generate_series(0, $2::int - 1) g ON CONFLICT DO NOTHING",
        2, params, err, errlen);
    PQclear(res);
    return res != NULL;
}

static int newest_known(const rp_plugin *d)
{
    int newest = 0;
    for (const rp_migration *m = d->migrations; m && m->sql; m++)
        newest = m->version;
    return newest;
}

bool rp_plugin_migrate(rp_plugin_host *h, PGconn *db, char *err, size_t errlen)
{
    int recorded = recorded_version(db, h->name, err, errlen);
    if (recorded < 0)
        return false;
    int newest = newest_known(h->desc);
    if (recorded > newest) {
        snprintf(err, errlen, "plugin %s: the database holds its schema version %d, newer than this build of "
                 "the plugin knows (%d); upgrade the plugin", h->name, recorded, newest);
        return false;
    }
    for (const rp_migration *m = h->desc->migrations; m && m->sql; m++) {
        if (m->version <= recorded)
            continue;
        bool applied = false;
        if (!apply_step(h, db, m, &applied, err, errlen))
            return false;
        if (applied)
            rp_log(RP_INFO, "plugins", "applied plugin migration", "plugin=%s version=%d", h->name, m->version);
    }
    return create_progress_rows(h, db, err, errlen);
}
