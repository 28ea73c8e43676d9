/* surveyplan.c - the survey plugin's send decisions for one customer (see
 * surveyplan.h); the budget arithmetic is plugins/survey/budget.c's. */
#include "surveyplan.h"

#include <stdlib.h>

#define DAY_MS 86400000LL
#define FATIGUE_MS (30 * DAY_MS)
#define MAX_DEFER_MS (14 * DAY_MS)
#define DONE INT64_MAX

typedef struct budget_rule {
    int64_t window_ms;
    size_t max_touches;
} budget_rule;

/* The care plugin's default budget, which it writes to contact_budget. */
static const budget_rule RULES[] = {{7 * DAY_MS, 1}, {30 * DAY_MS, 4}};

/* The customer's contact ledger, ascending. */
typedef struct ledger {
    int64_t *ms;
    size_t count;
} ledger;

static void ledger_add(ledger *l, int64_t ms)
{
    size_t i = l->count++;
    for (; i > 0 && l->ms[i - 1] > ms; i--)
        l->ms[i] = l->ms[i - 1];
    l->ms[i] = ms;
}

/* Touches in (at - window, at]; when the rule's maximum is reached, the
 * instant the oldest touch that must leave has left. */
static int64_t rule_next_free(const budget_rule *rule, const ledger *l, int64_t at)
{
    size_t first = 0, count = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (l->ms[i] > at - rule->window_ms && l->ms[i] <= at) {
            if (count == 0)
                first = i;
            count++;
        }
    }
    if (count < rule->max_touches)
        return at;
    return l->ms[first + (count - rule->max_touches)] + rule->window_ms;
}

/* The earliest instant from `at` at which every window has room. */
static int64_t next_free(const ledger *l, int64_t at)
{
    for (size_t round = 0; round <= l->count + 1; round++) {
        int64_t latest = at;
        for (size_t r = 0; r < sizeof RULES / sizeof RULES[0]; r++) {
            int64_t free_at = rule_next_free(&RULES[r], l, at);
            if (free_at > latest)
                latest = free_at;
        }
        if (latest == at)
            break;
        at = latest;
    }
    return at;
}

/* The latest request recorded by `at`: surveys sent and unsolicited answers
 * (an event comes before a timer at the same instant). */
static int64_t last_request(const synth_survey_customer *c, int64_t at)
{
    int64_t last = -1;
    for (size_t i = 0; i < c->survey_count; i++) {
        int64_t sent = c->surveys[i].sent_ms;
        if (sent != SYNTH_SURVEY_NOT_SENT && sent <= at && sent > last)
            last = sent;
    }
    for (size_t i = 0; i < c->request_count; i++)
        if (c->requests[i] <= at && c->requests[i] > last)
            last = c->requests[i];
    return last;
}

/* The pending send timer due first (ties: the earlier survey), or count. */
static size_t next_timer(const int64_t *pending, size_t count)
{
    size_t best = count;
    for (size_t i = 0; i < count; i++)
        if (pending[i] != DONE && (best == count || pending[i] < pending[best]))
            best = i;
    return best;
}

/* Survey i's send timer fires at pending[i]: suppress, send, or wait. */
static void fire(synth_survey_customer *c, size_t i, int64_t *pending, ledger *l)
{
    synth_survey *s = &c->surveys[i];
    int64_t at = pending[i];
    int64_t last = last_request(c, at);
    pending[i] = DONE;
    if (last >= 0 && at - last < FATIGUE_MS)
        return;
    int64_t free_at = next_free(l, at);
    if (free_at == at) {
        s->sent_ms = at;
        for (size_t j = 0; j < c->survey_count; j++)
            s->tied = s->tied || pending[j] == at;
        ledger_add(l, at);
        if (s->answers && s->detractor)
            ledger_add(l, at + s->answer_delay_ms);
    } else if (free_at - s->due_ms <= MAX_DEFER_MS) {
        pending[i] = free_at;
    }
}

bool synth_survey_plan(synth_survey_customer *c)
{
    size_t n = c->survey_count;
    /* Room for every touch, every survey and every follow-up. */
    ledger l = {malloc((c->touch_count + 2 * n + 1) * sizeof *l.ms), 0};
    int64_t *pending = malloc((n + 1) * sizeof *pending);
    if (!l.ms || !pending) {
        free(l.ms);
        free(pending);
        return false;
    }
    for (size_t i = 0; i < c->touch_count; i++)
        ledger_add(&l, c->touches[i]);
    for (size_t i = 0; i < n; i++) {
        c->surveys[i].sent_ms = SYNTH_SURVEY_NOT_SENT;
        c->surveys[i].tied = false;
        pending[i] = c->surveys[i].due_ms;
    }
    for (size_t i; (i = next_timer(pending, n)) < n;)
        fire(c, i, pending, &l);
    free(l.ms);
    free(pending);
    return true;
}
