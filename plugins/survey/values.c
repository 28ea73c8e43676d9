/*
 * values.c - the small conversions every glue file needs: numbers as SQL
 * parameter text and back, a msgpack string as a C string of its full
 * length (ids have no fixed size), and joined strings for derived ids.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"
#include "rapport/rp_viewstr.h"

void sv_num(char *buf, size_t size, int64_t v)
{
    snprintf(buf, size, "%" PRId64, v);
}

void sv_dbl(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.17g", v);
}

double sv_dbl_or(const char *text, double fallback)
{
    return text ? strtod(text, NULL) : fallback;
}

int64_t sv_int_or(const char *text, int64_t fallback)
{
    return text ? strtoll(text, NULL, 10) : fallback;
}

const char *sv_tier(const char *tier)
{
    return tier ? tier : "unknown";
}

char *sv_view_dup(const rp_host_api *api, rp_view map, const char *key, bool *oom)
{
    char *copy;
    *oom = !rp_view_strdup(api, api->view_get(map, key), &copy);
    if (copy && !*copy) {          /* an empty string counts as absent here */
        free(copy);
        copy = NULL;
    }
    return copy;
}

char *sv_concat(const char *first, ...)
{
    va_list ap;
    size_t len = 0;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *))
        len += strlen(s);
    va_end(ap);
    char *out = malloc(len + 1), *at = out;
    if (!out)
        return NULL;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        size_t n = strlen(s);
        memcpy(at, s, n);
        at += n;
    }
    va_end(ap);
    *at = '\0';
    return out;
}

bool sv_set_id(char **slot, const char *id)
{
    char *copy = id ? strdup(id) : NULL;
    if (id && !copy)
        return false;
    free(*slot);
    *slot = copy;
    return true;
}
