/*
 * data.c - string fields of an event's data as owned, NUL-terminated copies.
 *
 * The host's reader hands out borrowed bytes without a terminator; the SQL
 * parameters and the working set need C strings. Copies are sized to the
 * value, so ids and free text of any length the wire allows pass whole
 * (ABI 1 copied them into fixed buffers and dropped longer values).
 */
#include "glue.h"
#include "rapport/rp_viewstr.h"

char *sh_view_dup(const sh_run *r, rp_view v, bool *oom)
{
    char *copy;
    if (!rp_view_strdup(r->api, v, &copy))
        *oom = true;
    return copy;
}

char *sh_data_str(const sh_run *r, rp_view data, const char *key, bool *oom)
{
    return sh_view_dup(r, r->api->view_get(data, key), oom);
}

bool sh_fail_oom(sh_run *r, const char *what)
{
    r->api->fail(r->ctx, "stakeholder: out of memory %s (tenant %s)", what, r->tenant);
    return false;
}
