/*
 * plan.c - the tasks nobody asks for: regular contact on the customer's
 * cadence, special days and holidays planned `lookahead` ahead. Each
 * customer has one durable timer, plan:<customer>, set to the next moment
 * something new enters the plan, so a customer without events is still
 * greeted on their birthday and contacted on their cadence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rules.h"

#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL

static void date_text(char buf[16], cr_date d)
{
    snprintf(buf, 16, "%04d-%02d-%02d", d.year, d.month, d.day);
}

typedef struct planner {
    cr_run *r;
    cr_cust *c;
    const char *tz;
    cr_date today;
    int64_t lookahead_days;
    int64_t next_ms;            /* earliest moment to plan again */
} planner;

static void plan_again_at(planner *p, int64_t ms)
{
    if (ms < p->next_ms)
        p->next_ms = ms;
}

/* The first local midnight of a date. */
static bool day_start(planner *p, cr_date d, int64_t *ms)
{
    return cr_at_local(&p->r->tz, p->tz, d, 0, ms);
}

static bool dated_task(planner *p, const char *kind, const char *ref, cr_date day,
                       const char *reason)
{
    cr_task_spec t = {.kind = kind, .ref = ref, .reason = reason, .source = "care",
                      .created_ms = p->r->now};
    if (!cr_at_local(&p->r->tz, p->tz, day, p->r->s->due_minute, &t.due_ms))
        return false;
    return cr_task_create(p->r, p->c, &t);
}

static bool plan_regular(planner *p)
{
    cr_run *r = p->r;
    cr_cust *c = p->c;
    int64_t interval = cr_cadence_ms(&r->s->cadence, c->tier, c->risk);
    int64_t base = c->last_contact_ms >= 0 ? c->last_contact_ms : c->first_seen_ms;
    int64_t due = base + interval;
    if (due > r->now) {
        plan_again_at(p, due);
        return true;
    }
    cr_date day;
    if (!cr_local_date(&r->tz, p->tz, r->now, &day))
        return false;
    char ref[16], reason[256];
    date_text(ref, day);
    snprintf(reason, sizeof reason,
             "Regular contact: no contact for %lld days (tier %s, churn risk %s, every %lld days)",
             (long long)((r->now - base) / DAY_MS), c->tier, c->risk,
             (long long)(interval / DAY_MS));
    if (!dated_task(p, "regular", ref, day, reason))
        return false;
    /* The cycle restarts at the planned contact. */
    c->last_contact_ms = r->now;
    c->dirty = true;
    plan_again_at(p, r->now + interval);
    return true;
}

static const char *special_words(const cr_special *s, char *buf, size_t size, const char *date)
{
    if (strcmp(s->kind, "birthday") == 0)
        snprintf(buf, size, "Birthday on %s", date);
    else if (strcmp(s->kind, "family_birthday") == 0)
        snprintf(buf, size, "Birthday of family member (%s) on %s", s->label, date);
    else
        snprintf(buf, size, "Anniversary (%s) on %s", s->label, date);
    return buf;
}

static bool plan_special(planner *p, const cr_special *s)
{
    cr_date occ = cr_special_next(s, p->today);
    int64_t ahead = cr_days_from_civil(occ) - cr_days_from_civil(p->today);
    int64_t enter_ms;
    if (ahead > p->lookahead_days) {
        if (!day_start(p, cr_date_add_days(occ, -p->lookahead_days), &enter_ms))
            return false;
        plan_again_at(p, enter_ms);
        return true;
    }
    char date[16], ref[96], reason[192];
    date_text(date, occ);
    snprintf(ref, sizeof ref, "%s%s%s", s->label, s->label[0] ? ":" : "", date);
    if (!dated_task(p, s->kind, ref, occ, special_words(s, reason, sizeof reason, date)))
        return false;
    cr_date after = cr_special_next(s, cr_date_add_days(occ, 1));
    if (!day_start(p, cr_date_add_days(after, -p->lookahead_days), &enter_ms))
        return false;
    plan_again_at(p, enter_ms);
    return true;
}

static bool holiday_task(planner *p, const rp_holiday *h)
{
    cr_date day = {h->year, h->month, h->day};
    int64_t ahead = cr_days_from_civil(day) - cr_days_from_civil(p->today);
    if (ahead < 0)
        return true;
    if (ahead > p->lookahead_days) {
        int64_t enter_ms;
        if (!day_start(p, cr_date_add_days(day, -p->lookahead_days), &enter_ms))
            return false;
        plan_again_at(p, enter_ms);
        return true;
    }
    char ref[16], reason[160];
    date_text(ref, day);
    snprintf(reason, sizeof reason, "Holiday greeting: %s on %s", h->name ? h->name : "holiday", ref);
    return dated_task(p, "holiday", ref, day, reason);
}

static const cr_holiday_cache *holidays_from(planner *p)
{
    cr_holiday_cache *hc = p->r->holidays;
    if (hc->first_year == p->today.year)
        return hc;
    hc->count = 0;
    for (int year = p->today.year; year <= p->today.year + 1; year++) {
        int n = rp_holidays_in_year(cr_settings_calendar(p->r->s), year, hc->days + hc->count,
                                    RP_HOLIDAYS_MAX_PER_YEAR);
        hc->count += n > 0 ? n : 0;
    }
    hc->first_year = p->today.year;
    return hc;
}

static bool plan_holidays(planner *p)
{
    const cr_settings *s = p->r->s;
    if (!cr_list_has(&s->holiday_tiers, p->c->tier))
        return true;
    const cr_holiday_cache *hc = holidays_from(p);
    for (int i = 0; i < hc->count; i++)
        if (!holiday_task(p, &hc->days[i]))
            return false;
    for (int i = 0; i < s->holiday_extra_count; i++)
        if (s->holiday_extra[i].year >= p->today.year && !holiday_task(p, &s->holiday_extra[i]))
            return false;
    return true;
}

static bool set_plan_timer(planner *p)
{
    cr_cust *c = p->c;
    int64_t next = p->next_ms;
    if (next < p->r->now + HOUR_MS)
        next = p->r->now + HOUR_MS;
    if (next == c->next_plan_ms)
        return true;
    static const uint8_t empty_map = 0x80;
    if (p->r->api->timer_set(p->r->ctx, cr_plan_key(p->r, c->id), next, c->id, NULL, &empty_map, 1)
        != RP_OK)
        return false;
    c->next_plan_ms = next;
    c->dirty = true;
    return true;
}

bool cr_plan_customer(cr_run *r, cr_cust *c)
{
    planner p = {.r = r, .c = c, .tz = cr_cust_tz(r, c), .next_ms = INT64_MAX,
                 .lookahead_days = r->s->lookahead_ms / DAY_MS};
    c->plan_due = false;
    if (c->first_seen_ms < 0)
        return true;                        /* erased in this run */
    if (!cr_local_date(&r->tz, p.tz, r->now, &p.today)) {
        r->api->fail(r->ctx, "care: time zone %s failed", p.tz);
        return false;
    }
    if (!plan_regular(&p))
        return false;
    cr_special specials[CR_SPECIALS_MAX];
    size_t n = cr_specials_parse(c->specials, specials, CR_SPECIALS_MAX);
    for (size_t i = 0; i < n; i++)
        if (!plan_special(&p, &specials[i]))
            return false;
    return plan_holidays(&p) && set_plan_timer(&p);
}

bool cr_plan_timers(cr_run *r, const rp_timer *const *timers, size_t n)
{
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) {
        r->api->fail(r->ctx, "care: out of memory re-planning %zu customers", n);
        return false;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (cr_timer_kind_of(timers[i]->key) == CR_TIMER_PLAN)
            ids[count++] = timers[i]->key + strlen(CR_PLAN_PREFIX);
    bool ok = count == 0 || cr_store_load(r, ids, count, r->now);
    for (size_t i = 0; ok && count && i < n; i++) {
        if (cr_timer_kind_of(timers[i]->key) != CR_TIMER_PLAN)
            continue;
        r->api->scope_timer(r->ctx, timers[i]);
        r->now = r->api->now_ms(r->ctx);
        cr_cust *c = cr_run_find(r, timers[i]->key + strlen(CR_PLAN_PREFIX));
        if (!c || c->first_seen_ms < 0)
            continue;                       /* erased meanwhile */
        c->next_plan_ms = -1;               /* this timer is spent: always set the next */
        ok = cr_plan_customer(r, c);
    }
    free(ids);
    return ok && (count == 0 || cr_store_save(r));
}
