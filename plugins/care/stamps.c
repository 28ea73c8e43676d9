/*
 * stamps.c - event-time stamps of profile fields and the order of task
 * closings (stamps.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamps.h"

void cr_stamps_parse(const char *text, int64_t stamps[CR_PF_COUNT])
{
    const char *p = text ? text : "";
    for (int i = 0; i < CR_PF_COUNT; i++) {
        char *end;
        long long v = strtoll(p, &end, 10);
        bool read = end != p && (*end == ',' || *end == '\0');
        stamps[i] = read && v >= 0 ? (int64_t)v : -1;
        p = strchr(p, ',');
        p = p ? p + 1 : "";
    }
}

void cr_stamps_format(const int64_t stamps[CR_PF_COUNT], char out[CR_STAMPS_TEXT])
{
    size_t len = 0;
    for (int i = 0; i < CR_PF_COUNT; i++)
        len += (size_t)snprintf(out + len, CR_STAMPS_TEXT - len, "%s%lld", i ? "," : "",
                                (long long)(stamps[i] >= 0 ? stamps[i] : -1));
}

bool cr_stamp_take(int64_t *stamp, int64_t ts_ms)
{
    if (ts_ms < *stamp)
        return false;                       /* a newer statement is already in */
    *stamp = ts_ms;
    return true;
}

bool cr_closing_first(int64_t a_ms, const char *a_outcome, int64_t b_ms, const char *b_outcome)
{
    if (a_ms != b_ms)
        return a_ms < b_ms;
    return strcmp(a_outcome ? a_outcome : "", b_outcome ? b_outcome : "") < 0;
}
