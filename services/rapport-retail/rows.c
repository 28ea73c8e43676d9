/*
 * rows.c - checking and converting one record of the data set (see rows.h).
 */
#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "localtime.h"

enum { COL_INVOICE, COL_SKU, COL_DESCRIPTION, COL_QTY, COL_DATE, COL_PRICE, COL_CUSTOMER, COL_COUNTRY };

static const char *const COLUMN_NAMES[RETAIL_COLUMNS] = {
    "InvoiceNo", "StockCode", "Description", "Quantity",
    "InvoiceDate", "UnitPrice", "CustomerID", "Country",
};

bool retail_is_header(char *const *fields, size_t count)
{
    if (count != RETAIL_COLUMNS)
        return false;
    for (size_t i = 0; i < count; i++)
        if (strcmp(fields[i], COLUMN_NAMES[i]) != 0)
            return false;
    return true;
}

static bool parse_int64(const char *text, int64_t *out)
{
    if (!*text || isspace((unsigned char)*text))
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool retail_parse_price_micro(const char *text, int64_t *micro)
{
    const char *p = text;
    bool negative = *p == '-';
    if (negative)
        p++;
    int64_t whole = 0;
    int int_digits = 0;
    for (; isdigit((unsigned char)*p); p++, int_digits++) {
        if (int_digits >= 12)
            return false;
        whole = whole * 10 + (*p - '0');
    }
    int64_t fraction = 0;
    int frac_digits = 0;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, frac_digits++) {
            if (frac_digits >= 6)
                return false;
            fraction = fraction * 10 + (*p - '0');
        }
    }
    if (*p || int_digits + frac_digits == 0)
        return false;
    for (int i = frac_digits; i < 6; i++)
        fraction *= 10;
    int64_t value = whole * 1000000 + fraction;
    *micro = negative ? -value : value;
    return true;
}

/* True when text has the shape of pattern, 'd' standing for a digit (so
 * that sscanf's leniency, blanks and signs, lets nothing odd through). */
static bool has_shape(const char *text, const char *pattern)
{
    for (; *pattern; text++, pattern++) {
        if (*pattern == 'd' ? !isdigit((unsigned char)*text) : *text != *pattern)
            return false;
    }
    return *text == '\0';
}

bool retail_parse_local_time(const char *text, int64_t *utc_ms)
{
    int year, month, day, hour, minute, second = 0;
    if (has_shape(text, "dddd-dd-dd dd:dd:dd")) {
        if (sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d", &year, &month, &day, &hour, &minute, &second) != 6)
            return false;
    } else if (has_shape(text, "dddd-dd-dd dd:dd")) {
        if (sscanf(text, "%4d-%2d-%2d %2d:%2d", &year, &month, &day, &hour, &minute) != 5)
            return false;
    } else {
        return false;
    }
    if (second > 59)
        return false;
    if (!rp_tz_from_local(RETAIL_DATA_ZONE, year, month, day, hour, minute, utc_ms))
        return false;
    *utc_ms += (int64_t)second * 1000;
    return true;
}

/* "17850.0" or "17850" -> "17850"; "" stays "" (a guest). */
static bool normalise_customer(const char *text, char *out)
{
    size_t digits = strspn(text, "0123456789");
    if (digits >= RETAIL_CUSTOMER_MAX)
        return false;
    const char *rest = text + digits;
    if (*rest == '.' && digits > 0 && rest[1 + strspn(rest + 1, "0")] == '\0')
        rest = "";                       /* an integral float: "17850.0" */
    if (*rest)
        return false;
    memcpy(out, text, digits);
    out[digits] = '\0';
    return true;
}

static bool valid_invoice_no(const char *text)
{
    size_t len = strlen(text);
    if (len == 0 || len > RETAIL_INVOICE_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)text[i]))
            return false;
    return true;
}

/* Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF):
 * the events are JSON, and jansson refuses anything else. */
static bool is_utf8(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        unsigned char c = *p;
        size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
        if (extra == 9 || c == 0xc0 || c == 0xc1 || c > 0xf4)
            return false;
        uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += extra + 1;
    }
    return true;
}

static bool fail(char *why, size_t whylen, const char *what, const char *value)
{
    snprintf(why, whylen, "%s: \"%.40s\"", what, value);
    return false;
}

static bool memo_time(retail_time_memo *memo, const char *text, int64_t *utc_ms)
{
    if (memo->text[0] && strcmp(memo->text, text) == 0) {
        *utc_ms = memo->utc_ms;
        return true;
    }
    if (!retail_parse_local_time(text, utc_ms))
        return false;
    if (strlen(text) < sizeof memo->text) {
        strcpy(memo->text, text);
        memo->utc_ms = *utc_ms;
    }
    return true;
}

bool retail_row_parse(char *const *fields, size_t count, retail_time_memo *memo,
                      retail_row *out, char *why, size_t whylen)
{
    if (count != RETAIL_COLUMNS) {
        snprintf(why, whylen, "%zu fields, expected %d", count, RETAIL_COLUMNS);
        return false;
    }
    for (size_t i = 0; i < count; i++)
        if (!is_utf8(fields[i]))
            return fail(why, whylen, "not UTF-8", fields[i]);
    if (!valid_invoice_no(fields[COL_INVOICE]))
        return fail(why, whylen, "bad InvoiceNo", fields[COL_INVOICE]);
    if (!*fields[COL_SKU])
        return fail(why, whylen, "empty StockCode", fields[COL_SKU]);
    if (!parse_int64(fields[COL_QTY], &out->qty))
        return fail(why, whylen, "bad Quantity", fields[COL_QTY]);
    if (!retail_parse_price_micro(fields[COL_PRICE], &out->unit_price_micro))
        return fail(why, whylen, "bad UnitPrice", fields[COL_PRICE]);
    if (!memo_time(memo, fields[COL_DATE], &out->ts_ms))
        return fail(why, whylen, "bad InvoiceDate", fields[COL_DATE]);
    if (!normalise_customer(fields[COL_CUSTOMER], out->customer))
        return fail(why, whylen, "bad CustomerID", fields[COL_CUSTOMER]);
    out->unit_price = strtod(fields[COL_PRICE], NULL);
    out->invoice_no = fields[COL_INVOICE];
    out->sku = fields[COL_SKU];
    out->description = fields[COL_DESCRIPTION];
    out->country = fields[COL_COUNTRY];
    return true;
}
