/*
 * scoring.c - whether the scoring plugin's table scoring_customers exists.
 * The survey plugin reads it (tier, core, p_alive, expected purchases) when
 * it is there and works without it (tier unknown, no quarterly surveys, no
 * silent-churn watch), so it does not `require` the scoring plugin
 * (docs/plugins/survey.md, "What it reads"). Asked until the answer is yes;
 * a table that appears stays (tables are not dropped live).
 */
#include "glue.h"

bool sv_scoring_present(const rp_call *call, bool *present)
{
    sv_state *st = call->state;
    if (!st->scoring_present) {
        const rp_host_api *api = call->api;
        rp_rows *rows = api->db_query(call->ctx, "SELECT to_regclass('scoring_customers') IS NOT NULL", 0, NULL);
        if (!rows) {
            api->fail(call->ctx, "survey: cannot check for table scoring_customers");
            return false;
        }
        const char *v = api->rows_count(rows) ? api->rows_value(rows, 0, 0) : NULL;
        st->scoring_present = v && v[0] == 't';
        api->rows_free(rows);
    }
    *present = st->scoring_present;
    return true;
}
