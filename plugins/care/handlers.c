/*
 * handlers.c - what each customer event does to the care schedule:
 * purchase follow-ups, closing tasks and restarting the cycle on real
 * contact, key-event follow-ups, holdings for sales care. events.c calls
 * them and re-plans the customer afterwards.
 *
 * Every id is read at its full length (an order id of any length the wire
 * allows): ids too long for a readable task id are hashed (taskid.h).
 */
#include <stdio.h>
#include <string.h>

#include "glue.h"

#define DAY_MS 86400000LL

static bool zone_failed(cr_run *r, cr_cust *c)
{
    r->api->fail(r->ctx, "care: time zone %s failed", cr_cust_tz(r, c));
    return false;
}

static bool follow_up(cr_run *r, cr_cust *c, const rp_event *ev, const char *kind,
                      const char *ref, const char *reason)
{
    const cr_pair *offset = cr_pairs_find(&r->s->purchase_offsets, kind);
    if (!offset)
        return true;                        /* follow-up switched off for this tenant */
    int days = (int)(offset->value / (offset->has_unit ? DAY_MS : 1));
    cr_task_spec t = {.kind = kind, .ref = ref, .reason = reason, .source = "care",
                      .created_ms = ev->ts_ms};
    if (strcmp(kind, "see_off") == 0 && days == 0) {
        t.due_ms = ev->ts_ms;               /* at the till, while the customer is there */
        t.skip_quiet = true;
    } else if (!cr_days_later_at(&r->tz, cr_cust_tz(r, c), ev->ts_ms, days, r->s->due_minute,
                                 &t.due_ms)) {
        return zone_failed(r, c);
    }
    return cr_task_create(r, c, &t);
}

bool cr_on_purchase(cr_run *r, cr_cust *c, const rp_event *ev)
{
    const char *order = cr_field(r, ev->data, "order_id");
    const char *currency = cr_field(r, ev->data, "currency");
    double amount = 0;
    r->api->view_double(r->api->view_get(ev->data, "amount"), &amount);
    if (!order[0]) {
        r->api->fail(r->ctx, "care: purchase %s: data.order_id missing", ev->id);
        return false;
    }
    const char *ref = cr_printf(r, "order:%s", order);
    if (!follow_up(r, c, ev, "see_off", ref,
                   cr_printf(r, "Thank and see off after order %s (%.2f %s)", order, amount, currency))
        || !follow_up(r, c, ev, "greeting", ref, cr_printf(r, "Greeting after order %s", order))
        || !follow_up(r, c, ev, "usage_check", ref,
                      cr_printf(r, "Usage and experience check after order %s", order)))
        return false;
    c->last_contact_ms = ev->ts_ms > c->last_contact_ms ? ev->ts_ms : c->last_contact_ms;
    return true;
}

/* A real conversation: closes the task it names and restarts the cycle. */
bool cr_on_contact(cr_run *r, cr_cust *c, const rp_event *ev, const char *outcome_key)
{
    const char *task_id = cr_field(r, ev->data, "task_id");
    const char *outcome = cr_field(r, ev->data, outcome_key);
    const char *said = outcome[0] ? outcome : NULL;
    if (task_id[0] && !cr_task_close(r, task_id, c->id, ev->ts_ms, said))
        return false;
    /* A task the customer does not have yet: its trigger may arrive late. */
    if (task_id[0] && !cr_cust_has_id(c, task_id)
        && !cr_task_close_early(r, c, task_id, ev->ts_ms, said))
        return false;
    if (ev->ts_ms > c->last_contact_ms)
        c->last_contact_ms = ev->ts_ms;
    return true;
}

bool cr_on_key_event(cr_run *r, cr_cust *c, const rp_event *ev)
{
    const char *kind = cr_field(r, ev->data, "kind");
    const char *date = cr_field(r, ev->data, "date");
    const char *note = cr_field(r, ev->data, "note");
    int64_t importance = 0;
    r->api->view_int(r->api->view_get(ev->data, "importance"), &importance);
    const char *tz = cr_cust_tz(r, c);
    cr_date today, on = {0, 0, 0};
    int y, m, d;
    if (!cr_local_date(&r->tz, tz, ev->ts_ms, &today))
        return zone_failed(r, c);
    if (date[0] && cr_parse_month_day(date, &y, &m, &d) && y > 0)
        on = (cr_date){y, m, d};
    /* Follow up the day after the event (or after its date, if later). */
    cr_date due_day = cr_date_add_days(today, 1);
    if (on.year && cr_days_from_civil(on) >= cr_days_from_civil(today))
        due_day = cr_date_add_days(on, 1);
    const char *ref = date[0] ? cr_printf(r, "%s:%s", kind, date)
                              : cr_printf(r, "%s:%04d-%02d-%02d", kind, today.year, today.month,
                                          today.day);
    const char *reason = cr_printf(r, "Follow up key event: %s%s%s%s%s", kind,
                                   date[0] ? " on " : "", date, note[0] ? " - " : "", note);
    cr_task_spec t = {.kind = "key_event", .ref = ref, .reason = reason, .source = "care",
                      .created_ms = ev->ts_ms,
                      .priority = importance >= 1 && importance <= 5 ? (int)(6 - importance) : 0};
    if (!cr_at_local(&r->tz, tz, due_day, r->s->due_minute, &t.due_ms))
        return zone_failed(r, c);
    return cr_task_create(r, c, &t);
}

/* SQL of cr_on_holding: whether the arriving update is as new as the
 * stored one, and a field's value after it. */
#define NEWER "EXCLUDED.updated_ms >= h.updated_ms"
#define LATEST(col) "CASE WHEN " NEWER " THEN COALESCE(EXCLUDED." col ", h." col ")" \
                    " ELSE COALESCE(h." col ", EXCLUDED." col ") END"

bool cr_on_holding(cr_run *r, cr_cust *c, const rp_event *ev)
{
    const char *holding = cr_field(r, ev->data, "holding_id");
    const char *product = cr_field(r, ev->data, "product");
    const char *risk = cr_field(r, ev->data, "risk_preference");
    if (!holding[0] || !product[0]) {
        r->api->fail(r->ctx, "care: holding.updated %s: data.holding_id and data.product required",
                     ev->id);
        return false;
    }
    static const char *const numbers[] = {"quantity", "buy_price", "stop_loss", "take_profit"};
    char values[4][32];
    const char *nums[4];
    for (int i = 0; i < 4; i++) {
        double v;
        nums[i] = NULL;
        if (r->api->view_double(r->api->view_get(ev->data, numbers[i]), &v)) {
            snprintf(values[i], sizeof values[i], "%.17g", v);
            nums[i] = values[i];
        }
    }
    char part[24], ts[24];
    const char *p[] = {r->tenant, holding, c->id, cr_i64(part, c->partition), product, nums[0],
                       nums[1], nums[2], nums[3], risk[0] ? risk : NULL, cr_i64(ts, ev->ts_ms)};
    /* The newest update by event time wins (the same instant: the later
     * arrival); a new range re-arms the alert; quantity 0 closes the
     * holding. An older update arriving late fills only what the holding
     * lacks and re-arms nothing (docs: "Late events and arrival order"). */
    return r->api->db_defer(r->ctx,
        "INSERT INTO care_holdings AS h (tenant, holding_id, customer, partition, product, quantity,"
        " buy_price, stop_loss, take_profit, risk_preference, last_alert, updated_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)"
        " ON CONFLICT (tenant, holding_id) DO UPDATE SET"
        " customer = CASE WHEN " NEWER " THEN EXCLUDED.customer ELSE h.customer END,"
        " partition = CASE WHEN " NEWER " THEN EXCLUDED.partition ELSE h.partition END,"
        " product = CASE WHEN " NEWER " THEN EXCLUDED.product ELSE h.product END,"
        " quantity = " LATEST("quantity") ","
        " buy_price = " LATEST("buy_price") ","
        " stop_loss = " LATEST("stop_loss") ","
        " take_profit = " LATEST("take_profit") ","
        " risk_preference = " LATEST("risk_preference") ","
        " last_alert = CASE WHEN " NEWER " THEN NULL ELSE h.last_alert END,"
        " updated_ms = GREATEST(h.updated_ms, EXCLUDED.updated_ms)", 11, p) == RP_OK;
}
