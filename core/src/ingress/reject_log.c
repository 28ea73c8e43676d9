/*
 * reject_log.c - the bounded rejection log of reject_log.h. A mutex, not the
 * ingress thread's ownership, guards the budget: tests and fuzz targets
 * decode from any thread.
 */
#include "reject_log.h"

#include <pthread.h>
#include <string.h>
#include <stdbool.h>
#include <time.h>

#include "log.h"
#include "utf8.h"

static pthread_mutex_t budget_lock = PTHREAD_MUTEX_INITIALIZER;
static time_t budget_second;
static unsigned budget_used;
static unsigned long long budget_skipped;

/* Whether one more line fits this second; *skipped gets (and clears) the
 * count of lines left out before it. */
static bool take_budget(unsigned long long *skipped)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&budget_lock);
    if (now.tv_sec != budget_second) {
        budget_second = now.tv_sec;
        budget_used = 0;
    }
    bool ok = budget_used < RP_REJECT_LOG_PER_SECOND;
    *skipped = 0;
    if (ok) {
        budget_used++;
        *skipped = budget_skipped;
        budget_skipped = 0;
    } else {
        budget_skipped++;
    }
    pthread_mutex_unlock(&budget_lock);
    return ok;
}

static void log_one(const rp_wire_event *ev, unsigned long long skipped)
{
    char id[RP_WIRE_ERROR_MAX * 3 + 1] = "-", error[RP_WIRE_ERROR_MAX * 3 + 1];
    if (ev->id)
        rp_utf8_repair(ev->id, ev->id_len, id, sizeof id);
    rp_utf8_repair(ev->error, strnlen(ev->error, sizeof ev->error), error, sizeof error);
    rp_log(RP_INFO, "ingress", "event rejected", "id=\"%s\" type=%s reason=%s error=\"%s\" not_logged_before=%llu",
           id, ev->type ? ev->type : "-", ev->reject_reason ? ev->reject_reason : "-", error, skipped);
}

void rp_reject_log(const rp_wire_request *req)
{
    unsigned long long skipped;
    if (!rp_log_enabled(RP_INFO))
        return;
    for (size_t i = 0; i < req->count; i++)
        if (req->events[i].status == RP_STATUS_REJECTED && take_budget(&skipped))
            log_one(&req->events[i], skipped);
}

void rp_reject_log_reset(void)
{
    pthread_mutex_lock(&budget_lock);
    budget_used = 0;
    budget_skipped = 0;
    pthread_mutex_unlock(&budget_lock);
}
