/*
 * coverage.c - gaps per role, threads and the coverage score (rules in
 * coverage.h).
 */
#include <math.h>
#include <string.h>

#include "coverage.h"

static const char *const gap_names[] = {"none", "nobody", "only_opponents", "only_weak"};

const char *sh_gap_kind_name(sh_gap_kind kind)
{
    return (unsigned)kind <= SH_GAP_ONLY_WEAK ? gap_names[kind] : "?";
}

bool sh_gap_kind_parse(const char *name, sh_gap_kind *out)
{
    for (int k = 0; name && k <= SH_GAP_ONLY_WEAK; k++)
        if (strcmp(name, gap_names[k]) == 0) {
            *out = (sh_gap_kind)k;
            return true;
        }
    return false;
}

static bool covers(const sh_member_view *m, double adequate)
{
    return m->attitude != SH_ATTITUDE_OPPONENT && m->strength >= adequate;
}

static sh_gap_kind role_gap(const sh_member_view *members, size_t count, sh_role role,
                            double adequate)
{
    bool held = false, non_opponent = false;
    for (size_t i = 0; i < count; i++) {
        const sh_member_view *m = &members[i];
        if (!(m->roles & SH_ROLE_BIT(role)))
            continue;
        if (covers(m, adequate))
            return SH_GAP_NONE;
        held = true;
        non_opponent = non_opponent || m->attitude != SH_ATTITUDE_OPPONENT;
    }
    if (!held)
        return SH_GAP_NOBODY;
    return non_opponent ? SH_GAP_ONLY_WEAK : SH_GAP_ONLY_OPPONENTS;
}

void sh_coverage_compute(const sh_member_view *members, size_t count, double adequate_strength,
                         sh_coverage *out)
{
    memset(out, 0, sizeof *out);
    out->members = (int)count;
    for (int r = 0; r < SH_ROLE_COUNT; r++) {
        out->gap[r] = role_gap(members, count, (sh_role)r, adequate_strength);
        out->covered_roles += out->gap[r] == SH_GAP_NONE;
    }
    for (size_t i = 0; i < count; i++)
        out->threads += members[i].roles != 0 && covers(&members[i], adequate_strength);
    out->single_threaded = out->threads == 1;
    out->score = (int)lround(100.0 * out->covered_roles / SH_ROLE_COUNT);
}

size_t sh_gap_changes(const sh_gap_kind before[SH_ROLE_COUNT], const sh_gap_kind after[SH_ROLE_COUNT],
                      sh_gap_change out[2 * SH_ROLE_COUNT])
{
    size_t n = 0;
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        if (before[r] != after[r] && before[r] != SH_GAP_NONE)
            out[n++] = (sh_gap_change){(sh_role)r, before[r], false};
    for (int r = 0; r < SH_ROLE_COUNT; r++)
        if (before[r] != after[r] && after[r] != SH_GAP_NONE)
            out[n++] = (sh_gap_change){(sh_role)r, after[r], true};
    return n;
}
