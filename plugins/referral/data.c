/*
 * data.c - string fields of an event's data as owned C strings. The wire
 * allows strings up to limits.max_string_bytes, so nothing here has a fixed
 * size: each field is copied to the length it has.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_viewstr.h"

bool rf_data_str(const rf_run *r, const rp_event *ev, const char *key, char **out)
{
    if (rp_view_strdup(r->api, r->api->view_get(ev->data, key), out)) {
        if (*out && !**out) {      /* an empty string counts as absent here */
            free(*out);
            *out = NULL;
        }
        return true;
    }
    r->api->fail(r->ctx, "referral: out of memory reading data.%s of event %s", key, ev->id);
    return false;
}

bool rf_customer_id_ok(const char *id)
{
    return id && id[0] && strlen(id) <= RP_SCOPE_KEY_MAX_BYTES;
}
