/*
 * rp_duration.c - configuration durations (rp_duration.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rapport/rp_duration.h"

bool rp_parse_duration(const char *text, int64_t *ms)
{
    if (!text || !*text)
        return false;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || end == text || !(v >= 0))
        return false;
    double unit;
    if (strcmp(end, "ms") == 0) unit = 1;
    else if (strcmp(end, "s") == 0) unit = 1e3;
    else if (strcmp(end, "m") == 0) unit = 60e3;
    else if (strcmp(end, "h") == 0) unit = 3600e3;
    else if (strcmp(end, "d") == 0 || *end == '\0') unit = 86400e3;
    else if (strcmp(end, "w") == 0) unit = 7 * 86400e3;
    else return false;
    if (v * unit > 9e15)
        return false;
    *ms = (int64_t)llround(v * unit);
    return true;
}
