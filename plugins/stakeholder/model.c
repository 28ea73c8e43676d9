/*
 * model.c - wire names of roles, attitudes and styles, and the text[] form
 * in which the plugin stores a person's roles.
 */
#include <string.h>

#include "model.h"

static const char *const role_names[SH_ROLE_COUNT] = {
    "initiator_internal", "influencer_internal", "influencer_external",
    "executor",           "decision_maker",      "user",
};

static const char *const attitude_names[] = {"neutral", "supporter", "opponent"};

static const char *const style_names[SH_STYLE_COUNT] = {
    "unknown", "dominant", "analytical", "amiable", "expressive",
};

const char *sh_role_name(sh_role role)
{
    return (unsigned)role < SH_ROLE_COUNT ? role_names[role] : "?";
}

bool sh_role_parse(const char *name, sh_role *out)
{
    for (int r = 0; name && r < SH_ROLE_COUNT; r++)
        if (strcmp(name, role_names[r]) == 0) {
            *out = (sh_role)r;
            return true;
        }
    return false;
}

const char *sh_attitude_name(sh_attitude attitude)
{
    return (unsigned)attitude <= SH_ATTITUDE_OPPONENT ? attitude_names[attitude] : "?";
}

bool sh_attitude_parse(const char *name, sh_attitude *out)
{
    for (int a = 0; name && a <= SH_ATTITUDE_OPPONENT; a++)
        if (strcmp(name, attitude_names[a]) == 0) {
            *out = (sh_attitude)a;
            return true;
        }
    return false;
}

const char *sh_style_name(sh_style style)
{
    return (unsigned)style < SH_STYLE_COUNT ? style_names[style] : "unknown";
}

bool sh_style_parse(const char *name, sh_style *out)
{
    /* starts at 1: "unknown" is not a style anyone can be given */
    for (int s = 1; name && s < SH_STYLE_COUNT; s++)
        if (strcmp(name, style_names[s]) == 0) {
            *out = (sh_style)s;
            return true;
        }
    return false;
}

unsigned sh_roles_from_array_literal(const char *literal)
{
    unsigned roles = 0;
    const char *p = literal ? strchr(literal, '{') : NULL;
    while (p && *p && *p != '}') {
        p++;
        size_t n = strcspn(p, ",}");
        char name[32];
        sh_role role;
        if (n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            if (sh_role_parse(name, &role))
                roles |= SH_ROLE_BIT(role);
        }
        p += n;
    }
    return roles;
}

bool sh_roles_to_array_literal(unsigned roles, char *buf, size_t size)
{
    if (size < 3)
        return false;
    size_t len = 0;
    buf[len++] = '{';
    for (int r = 0; r < SH_ROLE_COUNT; r++) {
        if (!(roles & SH_ROLE_BIT(r)))
            continue;
        size_t n = strlen(role_names[r]);
        bool comma = len > 1;
        if (len + comma + n + 2 > size)   /* room for '}' and NUL */
            return false;
        if (comma)
            buf[len++] = ',';
        memcpy(buf + len, role_names[r], n);
        len += n;
    }
    buf[len++] = '}';
    buf[len] = '\0';
    return true;
}
