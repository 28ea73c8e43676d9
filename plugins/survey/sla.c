/*
 * sla.c - severities, per-severity allowances and the escalation ladder
 * (sla.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sla.h"

static const char *const severity_names[SV_SEV_COUNT] = {"low", "normal", "high", "critical"};

bool sv_severity_parse(const char *text, sv_severity *out)
{
    for (int s = 0; s < SV_SEV_COUNT; s++) {
        if (text && strcmp(text, severity_names[s]) == 0) {
            *out = (sv_severity)s;
            return true;
        }
    }
    return false;
}

const char *sv_severity_name(sv_severity s)
{
    return s >= 0 && s < SV_SEV_COUNT ? severity_names[s] : "normal";
}

/* "8h" or "90m" into ms. */
static bool business_duration(const char *text, size_t len, int64_t *ms)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || !(v >= 0) || v > 1e6)
        return false;
    if (strcmp(end, "h") == 0)
        *ms = (int64_t)(v * 3600000.0);
    else if (strcmp(end, "m") == 0)
        *ms = (int64_t)(v * 60000.0);
    else
        return false;
    return true;
}

bool sv_sla_parse(const char *text, sv_sla_table *out, char *err, size_t errlen)
{
    bool seen[SV_SEV_COUNT] = {false};
    const char *p = text ? text : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        char name[16];
        size_t name_len = eq ? (size_t)(eq - p) : 0;
        sv_severity sev;
        if (!eq || name_len >= sizeof name) {
            snprintf(err, errlen, "entry '%.*s': expected SEVERITY=DURATION", (int)len, p);
            return false;
        }
        memcpy(name, p, name_len);
        name[name_len] = '\0';
        if (!sv_severity_parse(name, &sev)
            || !business_duration(eq + 1, len - name_len - 1, &out->ms[sev])) {
            snprintf(err, errlen, "entry '%.*s': expected low|normal|high|critical=N(h|m)", (int)len, p);
            return false;
        }
        seen[sev] = true;
        p += len;
        if (*p == ',')
            p++;
    }
    for (int s = 0; s < SV_SEV_COUNT; s++) {
        if (!seen[s]) {
            snprintf(err, errlen, "severity '%s' has no allowance", severity_names[s]);
            return false;
        }
    }
    return true;
}

/* One more level of len bytes. */
static bool ladder_add(sv_ladder *out, const char *name, size_t len, char *err, size_t errlen)
{
    if (len == 0 || len >= SV_LEVEL_NAME_MAX || out->count == SV_LEVELS_MAX) {
        snprintf(err, errlen, "level '%.*s': empty, too long (%d bytes at most) or too many levels (%d)",
                 (int)len, name, SV_LEVEL_NAME_MAX - 1, SV_LEVELS_MAX);
        return false;
    }
    memcpy(out->names[out->count], name, len);
    out->names[out->count++][len] = '\0';
    return true;
}

static bool ladder_complete(const sv_ladder *out, char *err, size_t errlen)
{
    if (out->count < 2) {
        snprintf(err, errlen, "expected at least two levels, e.g. owner,manager,director");
        return false;
    }
    return true;
}

bool sv_ladder_from_names(const char *const *names, size_t count, sv_ladder *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < count; i++)
        if (!ladder_add(out, names[i], strlen(names[i]), err, errlen))
            return false;
    return ladder_complete(out, err, errlen);
}

bool sv_ladder_parse(const char *text, sv_ladder *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = text ? text : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        if (!ladder_add(out, p, len, err, errlen))
            return false;
        p += len;
        if (*p == ',')
            p++;
    }
    return ladder_complete(out, err, errlen);
}

int sv_ladder_next(const sv_ladder *ladder, int level)
{
    return level + 1 < ladder->count ? level + 1 : -1;
}

const char *sv_ladder_name(const sv_ladder *ladder, int level)
{
    if (level < 0)
        level = 0;
    if (level >= ladder->count)
        level = ladder->count - 1;
    return ladder->names[level];
}
