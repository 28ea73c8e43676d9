/* input.c - spooling and indexing the real event stream (see input.h). */
#include "input.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define DEFAULT_TENANT "default"

/* Grows *items (of item_size bytes) to hold one more; false on OOM. */
static bool grow(void **items, size_t *cap, size_t count, size_t item_size)
{
    if (count < *cap)
        return true;
    size_t next = *cap ? *cap * 2 : 1024;
    void *bigger = realloc(*items, next * item_size);
    if (!bigger)
        return false;
    *items = bigger;
    *cap = next;
    return true;
}

static const char *string_field(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

static bool same_tenant(const synth_input *input, const char *line_tenant)
{
    const char *stream = input->tenant ? input->tenant : DEFAULT_TENANT;
    return strcmp(stream, line_tenant ? line_tenant : DEFAULT_TENANT) == 0;
}

/* The customer's index, created on first sight; SIZE_MAX on OOM. */
static size_t customer_for(synth_input *input, const char *key, int64_t ts_ms)
{
    size_t index;
    if (retail_strmap_get(&input->customer_index, key, &index))
        return index;
    if (!grow((void **)&input->customers, &input->customer_cap, input->customer_count,
              sizeof *input->customers))
        return SIZE_MAX;
    synth_customer *customer = &input->customers[input->customer_count];
    memset(customer, 0, sizeof *customer);
    customer->key = strdup(key);
    customer->first_ts = ts_ms;
    customer->first_purchase_ts = INT64_MAX;
    if (!customer->key || !retail_strmap_put(&input->customer_index, customer->key, input->customer_count)) {
        free(customer->key);
        return SIZE_MAX;
    }
    return input->customer_count++;
}

static bool add_order(synth_input *input, size_t customer, const char *event_id,
                      const char *order_id, int64_t ts_ms, bool refund)
{
    if (!grow((void **)&input->orders, &input->order_cap, input->order_count, sizeof *input->orders))
        return false;
    synth_order *order = &input->orders[input->order_count];
    order->event_id = strdup(event_id);
    order->order_id = strdup(order_id);
    order->customer = customer;
    order->ts_ms = ts_ms;
    order->refund = refund;
    if (!order->event_id || !order->order_id) {
        free(order->event_id);
        free(order->order_id);
        return false;
    }
    input->order_count++;
    return true;
}

/* What one customer-scoped event teaches about its customer. */
static bool note_customer_event(synth_input *input, const json_t *event, const char *type, int64_t ts_ms)
{
    const char *key = string_field(event, "customer");
    if (!key || !*key)
        return true;
    size_t index = customer_for(input, key, ts_ms);
    if (index == SIZE_MAX)
        return false;
    synth_customer *customer = &input->customers[index];
    if (ts_ms < customer->first_ts)
        customer->first_ts = ts_ms;
    const json_t *data = json_object_get(event, "data");
    const char *country = string_field(data, "country");
    if (country && !customer->country && !(customer->country = strdup(country)))
        return false;
    bool purchase = strcmp(type, "purchase") == 0;
    bool refund = strcmp(type, "refund") == 0;
    if (!purchase && !refund)
        return true;
    const char *id = string_field(event, "id");
    const char *order_id = string_field(data, "order_id");
    if (!id || !order_id)
        return true;
    if (purchase) {
        customer->purchases++;
        customer->spend += json_number_value(json_object_get(data, "amount"));
        if (ts_ms < customer->first_purchase_ts)
            customer->first_purchase_ts = ts_ms;
    }
    return add_order(input, index, id, order_id, ts_ms, refund);
}

/* Indexes one parsed line; sets *ts_ms when the line has a valid ts. */
static bool index_event(synth_input *input, const json_t *event, int64_t *ts_ms)
{
    const char *type = string_field(event, "type");
    const json_t *ts = json_object_get(event, "ts");
    if (!type || !json_is_integer(ts) || json_integer_value(ts) < 0) {
        input->unparsed_lines++;
        return true;
    }
    *ts_ms = json_integer_value(ts);
    if (*ts_ms < input->first_ts)
        input->first_ts = *ts_ms;
    if (*ts_ms > input->last_ts)
        input->last_ts = *ts_ms;
    const char *tenant = string_field(event, "tenant");
    if (!input->tenant_decided) {
        /* The first event decides the stream's tenant (unless --tenant did). */
        input->tenant_decided = true;
        if (tenant && !(input->tenant = strdup(tenant)))
            return false;
    }
    if (!same_tenant(input, tenant)) {
        input->other_tenant_lines++;
        return true;
    }
    return note_customer_event(input, event, type, *ts_ms);
}

static bool take_line(synth_input *input, const char *text, size_t length)
{
    if (!grow((void **)&input->lines, &input->line_cap, input->line_count, sizeof *input->lines))
        return false;
    synth_line *line = &input->lines[input->line_count];
    line->length = length;
    line->ts_ms = input->line_count ? input->lines[input->line_count - 1].ts_ms : 0;
    if (fwrite(text, 1, length, input->spool) != length)
        return false;
    bool ok = true;
    json_t *event = json_loadb(text, length, 0, NULL);
    if (json_is_object(event))
        ok = index_event(input, event, &line->ts_ms);
    else
        input->unparsed_lines++;
    json_decref(event);
    input->line_count++;
    return ok;
}

bool synth_input_read(synth_input *input, FILE *in, const char *tenant)
{
    memset(input, 0, sizeof *input);
    input->spool = tmpfile();
    input->first_ts = INT64_MAX;
    input->last_ts = INT64_MIN;
    input->tenant_decided = tenant != NULL;
    if (!input->spool || (tenant && !(input->tenant = strdup(tenant)))) {
        fprintf(stderr, "rapport-synth: cannot create the spool file\n");
        return false;
    }
    char *text = NULL;
    size_t cap = 0;
    ssize_t got;
    bool ok = true;
    while (ok && (got = getline(&text, &cap, in)) > 0) {
        if (text[got - 1] != '\n') {
            /* The last line lacked its newline: the output adds one so
             * merged lines never run together. */
            char *longer = realloc(text, (size_t)got + 2);
            if (!longer) {
                ok = false;
                break;
            }
            text = longer;
            text[got++] = '\n';
            text[got] = '\0';
            cap = (size_t)got + 1;
        }
        ok = take_line(input, text, (size_t)got);
    }
    free(text);
    if (ok && (ferror(in) || fflush(input->spool) != 0))
        ok = false;
    if (!ok)
        fprintf(stderr, "rapport-synth: cannot read the input (I/O error or out of memory)\n");
    return ok;
}

void synth_input_free(synth_input *input)
{
    if (input->spool)
        fclose(input->spool);
    for (size_t i = 0; i < input->customer_count; i++) {
        free(input->customers[i].key);
        free(input->customers[i].country);
    }
    for (size_t i = 0; i < input->order_count; i++) {
        free(input->orders[i].event_id);
        free(input->orders[i].order_id);
    }
    free(input->customers);
    free(input->orders);
    free(input->lines);
    free(input->tenant);
    retail_strmap_free(&input->customer_index);
    memset(input, 0, sizeof *input);
}
