/*
 * run.c - the working set of one run (one tenant's events of one call):
 * the forest of the customers the run touches (with their ancestor chains),
 * the columns of referral_nodes the forest does not keep, the link rows,
 * and the run's revenue by month.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

bool rf_run_init(rf_run *r, const rp_call *call)
{
    memset(r, 0, sizeof *r);
    const rf_settings *s = call->settings;
    r->ctx = call->ctx;
    r->api = call->api;
    r->s = s;
    r->tenant = call->tenant;
    rf_forest_init(&r->forest, &s->influence, (int32_t)s->max_depth);
    r->first_now = INT64_MAX;
    return true;
}

void rf_run_free(rf_run *r)
{
    for (size_t i = 0; i < r->forest.count && i < r->extras_cap; i++) {
        free(r->extras[i].timezone);
        free(r->extras[i].profession);
        free(r->extras[i].industry);
        free(r->extras[i].first_event);
        free(r->extras[i].first_order);
    }
    free(r->extras);
    for (size_t i = 0; i < r->nlinks; i++) {
        free(r->links[i].referee);
        free(r->links[i].referrer);
        free(r->links[i].source);
        free(r->links[i].cause);
        free(r->links[i].order_id);
    }
    free(r->links);
    free(r->months);
    rf_forest_free(&r->forest);
    rf_keyset_free(&r->reward_keys);
}

/* Gives every forest node its extras (the forest creates nodes on its own
 * when linking). */
bool rf_run_sync(rf_run *r)
{
    if (r->forest.count <= r->extras_cap)
        return true;
    size_t cap = r->extras_cap ? r->extras_cap : 16;
    while (cap < r->forest.count)
        cap *= 2;
    rf_extra *extras = realloc(r->extras, cap * sizeof *extras);
    if (!extras)
        return false;
    for (size_t i = r->extras_cap; i < cap; i++)
        extras[i] = (rf_extra){.partition = -1, .first_purchase_ms = -1};
    r->extras = extras;
    r->extras_cap = cap;
    return true;
}

int32_t rf_run_node(rf_run *r, const char *customer)
{
    int32_t i = rf_get_or_add(&r->forest, customer);
    if (i == RF_NONE || !rf_run_sync(r))
        return RF_NONE;
    return i;
}

rf_linkrow *rf_run_link(rf_run *r, const char *referee)
{
    for (size_t i = 0; i < r->nlinks; i++)
        if (strcmp(r->links[i].referee, referee) == 0)
            return &r->links[i];
    return NULL;
}

rf_linkrow *rf_run_add_link(rf_run *r, const char *referee, const char *referrer,
                            int64_t referred_ms)
{
    if (r->nlinks == r->links_cap) {
        size_t cap = r->links_cap ? r->links_cap * 2 : 16;
        rf_linkrow *links = realloc(r->links, cap * sizeof *links);
        if (!links)
            return NULL;
        r->links = links;
        r->links_cap = cap;
    }
    rf_linkrow l = {.referee = strdup(referee), .referrer = referrer ? strdup(referrer) : NULL,
                    .referred_ms = referred_ms, .stated_ms = referred_ms, .status = "pending",
                    .converted_ms = -1,
                    .days = -1};
    if (!l.referee || (referrer && !l.referrer)) {
        free(l.referee);
        free(l.referrer);
        return NULL;
    }
    r->links[r->nlinks] = l;
    return &r->links[r->nlinks++];
}

bool rf_set_text(char **field, const char *text)
{
    char *copy = NULL;
    if (text && !(copy = strdup(text)))
        return false;
    free(*field);
    *field = copy;
    return true;
}

bool rf_run_add_month(rf_run *r, int32_t i, const char *month, double amount)
{
    if (r->nmonths == r->months_cap) {
        size_t cap = r->months_cap ? r->months_cap * 2 : 16;
        rf_month_delta *months = realloc(r->months, cap * sizeof *months);
        if (!months)
            return false;
        r->months = months;
        r->months_cap = cap;
    }
    rf_month_delta *d = &r->months[r->nmonths++];
    d->node = i;
    snprintf(d->month, sizeof d->month, "%s", month);
    d->amount = amount;
    return true;
}
