/*
 * events_out.c - building the wire events and writing them (see events_out.h).
 *
 * Reals are printed with 15 significant digits: enough for every price and
 * total in the data, and short ("2.55", not jansson's default 17-digit
 * "2.5499999999999998"), while still reading back as the very same double.
 */
#include "events_out.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "countries.h"

#define REAL_DIGITS 15

/* json_object_set_new() that remembers a failure instead of aborting the
 * build at each step. */
static void set(json_t *object, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        *ok = false;
}

/* prefix + number, e.g. "inv:" + "536365". */
static json_t *prefixed_id(const char *prefix, const char *number)
{
    char id[8 + RETAIL_INVOICE_MAX + RETAIL_CUSTOMER_MAX];
    snprintf(id, sizeof id, "%s%s", prefix, number);
    return json_string(id);
}

static json_t *envelope(const char *id_prefix, const char *number, const char *type,
                        const char *tenant, const retail_invoice *invoice, json_t *data)
{
    json_t *event = json_object();
    if (!event) {
        json_decref(data);
        return NULL;
    }
    bool ok = true;
    char customer[RETAIL_CUSTOMER_MAX + 2];
    snprintf(customer, sizeof customer, "c%s", invoice->customer);
    set(event, "id", prefixed_id(id_prefix, number), &ok);
    set(event, "type", json_string(type), &ok);
    set(event, "ts", json_integer(invoice->ts_ms), &ok);
    if (tenant)
        set(event, "tenant", json_string(tenant), &ok);
    set(event, "customer", json_string(customer), &ok);
    set(event, "data", data, &ok);
    if (!ok) {
        json_decref(event);
        return NULL;
    }
    return event;
}

json_t *retail_customer_event(const char *tenant, const retail_invoice *first_invoice)
{
    json_t *data = json_object();
    if (!data)
        return NULL;
    bool ok = true;
    set(data, "country", json_string(first_invoice->country), &ok);
    const char *zone = retail_country_timezone(first_invoice->country);
    if (zone)
        set(data, "timezone", json_string(zone), &ok);
    set(data, "first_seen_ms", json_integer(first_invoice->ts_ms), &ok);
    if (!ok) {
        json_decref(data);
        return NULL;
    }
    return envelope("cu:", first_invoice->customer, "customer.upsert", tenant, first_invoice, data);
}

/* Items with positive quantities (sign = -1 flips a cancellation's). */
static json_t *items_array(const retail_invoice *invoice, int64_t sign)
{
    json_t *items = json_array();
    if (!items)
        return NULL;
    for (size_t i = 0; i < invoice->count; i++) {
        const retail_item *src = &invoice->items[i];
        json_t *item = json_object();
        bool ok = item != NULL;
        if (ok) {
            set(item, "sku", json_string(src->sku), &ok);
            set(item, "qty", json_integer(sign * src->qty), &ok);
            set(item, "unit_price", json_real(src->unit_price), &ok);
            set(item, "description", json_string(src->description), &ok);
        }
        if (!ok || json_array_append_new(items, item) != 0) {
            json_decref(items);
            return NULL;
        }
    }
    return items;
}

json_t *retail_invoice_event(const char *tenant, const retail_invoice *invoice)
{
    int64_t sign = invoice->cancelled ? -1 : 1;
    int64_t cents = sign * retail_invoice_total_cents(invoice);
    json_t *data = json_object();
    if (!data)
        return NULL;
    bool ok = true;
    set(data, "order_id", json_string(invoice->invoice_no), &ok);
    set(data, "amount", json_real((double)cents / 100.0), &ok);
    set(data, "currency", json_string("GBP"), &ok);
    set(data, "items", items_array(invoice, sign), &ok);
    if (invoice->cancelled) {
        set(data, "reason", json_string("cancellation"), &ok);
    } else {
        set(data, "channel", json_string("online"), &ok);
        set(data, "country", json_string(invoice->country), &ok);
    }
    if (!ok) {
        json_decref(data);
        return NULL;
    }
    if (invoice->cancelled)
        return envelope("ref:", invoice->invoice_no, "refund", tenant, invoice, data);
    return envelope("inv:", invoice->invoice_no, "purchase", tenant, invoice, data);
}

bool retail_write_json_line(FILE *out, const json_t *event)
{
    char *text = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(REAL_DIGITS));
    if (!text)
        return false;
    bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF;
    free(text);
    return ok;
}
