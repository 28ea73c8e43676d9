/*
 * events_out.h - the wire events (proto/README.md) built from invoices, and
 * their output as JSON lines (jansson, compact, keys in insertion order).
 *
 *   customer.upsert  id "cu:17850"      once, just before the customer's first invoice
 *   purchase         id "inv:536365"    an invoice
 *   refund           id "ref:C536379"   a cancellation (amount and quantities positive)
 */
#ifndef RP_RETAIL_EVENTS_OUT_H
#define RP_RETAIL_EVENTS_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "invoices.h"

/* tenant may be NULL (the event then has no "tenant" key). The builders
 * return a new reference, or NULL on OOM. */
json_t *retail_customer_event(const char *tenant, const retail_invoice *first_invoice);
json_t *retail_invoice_event(const char *tenant, const retail_invoice *invoice);

/* Writes the event as one compact JSON line; false on OOM or write error. */
bool retail_write_json_line(FILE *out, const json_t *event);

#endif
