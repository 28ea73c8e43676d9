/*
 * run.c - the working set of one run: the customers, survey requests and
 * complaints the run's events touch, loaded once (store.c) and kept current
 * in memory while the events are applied in order, so a complaint opened
 * and resolved within one run is seen as opened by its resolution.
 */
#include <stdlib.h>
#include <string.h>

#include "glue.h"

void sv_run_init(sv_run *r, const rp_call *call)
{
    *r = (sv_run){.call = call, .ctx = call->ctx, .api = call->api, .s = call->settings,
                  .tenant = call->tenant};
    r->cal = sv_calendar_of(r->s, r->api);
}

void sv_run_free(sv_run *r)
{
    for (size_t i = 0; i < r->ncustomers; i++) {
        free(r->customers[i].id);
        free(r->customers[i].timezone);
        free(r->customers[i].timezone_event);
        free(r->customers[i].tier);
    }
    for (size_t i = 0; i < r->nrequests; i++) {
        free(r->requests[i].survey_id);
        free(r->requests[i].customer);
        free(r->requests[i].tier);
        free(r->requests[i].answer_event);
    }
    for (size_t i = 0; i < r->ncomplaints; i++) {
        free(r->complaints[i].id);
        free(r->complaints[i].customer);
        free(r->complaints[i].opened_event);
        free(r->complaints[i].resolved_event);
    }
    free(r->customers);
    free(r->requests);
    free(r->complaints);
    rp_keyindex_free(&r->customer_index);
    rp_keyindex_free(&r->request_index);
}

/* Room for one more element of a growable array. */
static bool reserve(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t grown = *cap ? *cap * 2 : 16;
    void *more = realloc(*items, grown * size);
    if (!more)
        return false;
    *items = more;
    *cap = grown;
    return true;
}

static const char *customer_id(const void *customers, size_t i)
{
    return ((const sv_customer *)customers)[i].id;
}

static const char *request_id(const void *requests, size_t i)
{
    return ((const sv_request *)requests)[i].survey_id;
}

sv_customer *sv_run_customer(sv_run *r, const char *id, bool create)
{
    size_t found = rp_keyindex_find(&r->customer_index, id, customer_id, r->customers);
    if (found != RP_KEYINDEX_NONE)
        return &r->customers[found];
    if (!create || !reserve((void **)&r->customers, &r->customers_cap, r->ncustomers, sizeof *r->customers))
        return NULL;
    sv_customer c = {.id = strdup(id), .p_alive = SV_UNKNOWN, .purchases = SV_UNKNOWN, .timezone_ms = -1,
                     .first_purchase_ms = -1};
    if (!c.id)
        return NULL;
    r->customers[r->ncustomers] = c;
    if (!rp_keyindex_add(&r->customer_index, r->ncustomers, customer_id, r->customers)) {
        free(c.id);
        return NULL;
    }
    return &r->customers[r->ncustomers++];
}

sv_request *sv_run_request(sv_run *r, const char *survey_id, const char *customer, bool create)
{
    size_t found = rp_keyindex_find(&r->request_index, survey_id, request_id, r->requests);
    if (found != RP_KEYINDEX_NONE)
        return &r->requests[found];
    if (!create || !reserve((void **)&r->requests, &r->requests_cap, r->nrequests, sizeof *r->requests))
        return NULL;
    sv_request q = {.survey_id = strdup(survey_id), .customer = strdup(customer), .answered_ms = -1,
                    .nps = SV_NO_SCORE, .csat = SV_NO_SCORE};
    r->requests[r->nrequests] = q;
    if (!q.survey_id || !q.customer
        || !rp_keyindex_add(&r->request_index, r->nrequests, request_id, r->requests)) {
        free(q.survey_id);
        free(q.customer);
        return NULL;
    }
    return &r->requests[r->nrequests++];
}

sv_complaint *sv_run_complaint(sv_run *r, const char *id, const char *customer, bool create)
{
    for (size_t i = 0; i < r->ncomplaints; i++)
        if (strcmp(r->complaints[i].id, id) == 0)
            return &r->complaints[i];
    if (!create || !reserve((void **)&r->complaints, &r->complaints_cap, r->ncomplaints, sizeof *r->complaints))
        return NULL;
    sv_complaint c = {.id = strdup(id), .customer = strdup(customer), .severity = SV_SEV_NORMAL,
                      .first_response_ms = -1, .resolved_ms = -1, .opened_ms = -1};
    if (!c.id || !c.customer) {
        free(c.id);
        free(c.customer);
        return NULL;
    }
    r->complaints[r->ncomplaints] = c;
    return &r->complaints[r->ncomplaints++];
}

const char *sv_run_tz(sv_run *r, const char *customer)
{
    sv_customer *c = customer ? sv_run_customer(r, customer, false) : NULL;
    return c && c->timezone ? c->timezone : r->s->tz;
}
