/*
 * affinity.c - the affinity table of professions and the introductions it
 * suggests (rules in affinity.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "affinity.h"

/* Trades that commonly send each other clients; documented in
 * docs/plugins/referral.md. A tenant replaces it with `affinity_pairs`. */
const char rf_affinity_default[] =
    "real estate agent:mortgage broker,"
    "real estate agent:interior designer,"
    "architect:interior designer,"
    "architect:builder,"
    "accountant:lawyer,"
    "accountant:financial advisor,"
    "lawyer:notary,"
    "wedding planner:photographer,"
    "wedding planner:florist,"
    "restaurant owner:wine merchant,"
    "insurance agent:car dealer,"
    "software developer:graphic designer";

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool rf_affinity_normalise(const char *in, char *out, size_t size)
{
    if (size == 0)
        return false;
    size_t n = 0;
    bool pending_space = false;
    for (const char *p = in ? in : ""; *p; p++) {
        if (is_blank(*p)) {
            pending_space = n > 0;
            continue;
        }
        if (n + (pending_space ? 2 : 1) >= size) {
            out[0] = '\0';
            return false;
        }
        if (pending_space)
            out[n++] = ' ';
        pending_space = false;
        out[n++] = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
    }
    out[n] = '\0';
    return n > 0;
}

static bool same_pair(const rf_affinity_pair *x, const char *a, const char *b)
{
    return (strcmp(x->a, a) == 0 && strcmp(x->b, b) == 0)
           || (strcmp(x->a, b) == 0 && strcmp(x->b, a) == 0);
}

/* One "A:B" entry of length len starting at text. */
static bool parse_pair(const char *text, size_t len, rf_affinity *out, char *err, size_t errlen)
{
    char entry[2 * RF_TERM_MAX + 8];
    if (len >= sizeof entry) {
        snprintf(err, errlen, "affinity pair '%.*s...': longer than %zu characters", 20, text,
                 sizeof entry - 1);
        return false;
    }
    memcpy(entry, text, len);
    entry[len] = '\0';
    char *colon = strchr(entry, ':');
    if (!colon || strchr(colon + 1, ':')) {
        snprintf(err, errlen, "affinity pair '%s': expected PROFESSION:PROFESSION", entry);
        return false;
    }
    *colon = '\0';
    rf_affinity_pair *p = &out->pair[out->count];
    if (!rf_affinity_normalise(entry, p->a, sizeof p->a)
        || !rf_affinity_normalise(colon + 1, p->b, sizeof p->b)) {
        snprintf(err, errlen, "affinity pair '%s:%s': each side must be 1 to %d characters",
                 entry, colon + 1, RF_TERM_MAX - 1);
        return false;
    }
    if (strcmp(p->a, p->b) == 0) {
        snprintf(err, errlen, "affinity pair '%s:%s': a profession cannot pair with itself",
                 p->a, p->b);
        return false;
    }
    for (size_t i = 0; i < out->count; i++) {
        if (same_pair(&out->pair[i], p->a, p->b)) {
            snprintf(err, errlen, "affinity pair '%s:%s' appears twice", p->a, p->b);
            return false;
        }
    }
    out->count++;
    return true;
}

bool rf_affinity_parse(const char *text, rf_affinity *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (const char *p = text ? text : ""; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            blank = blank && is_blank(p[i]);
        if (!blank) {
            if (out->count == RF_MAX_PAIRS) {
                snprintf(err, errlen, "affinity pairs: at most %d", RF_MAX_PAIRS);
                return false;
            }
            if (!parse_pair(p, len, out, err, errlen))
                return false;
        }
        p += len + (end ? 1 : 0);
    }
    return true;
}

size_t rf_affinity_partners(const rf_affinity *t, const char *term, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; term && i < t->count; i++) {
        const char *other = strcmp(t->pair[i].a, term) == 0 ? t->pair[i].b
                            : strcmp(t->pair[i].b, term) == 0 ? t->pair[i].a : NULL;
        bool seen = other == NULL;
        for (size_t k = 0; !seen && k < n && k < cap; k++)
            seen = strcmp(out[k], other) == 0;
        if (seen)
            continue;
        if (n < cap)
            out[n] = other;
        n++;
    }
    return n;
}

/* The best (lowest) pair index joining x and y, SIZE_MAX if none; the terms
 * that matched go to *xt, *yt. */
static size_t best_pair(const rf_affinity *t, const rf_person *x, const rf_person *y,
                        const char **xt, const char **yt)
{
    const char *xs[2] = {x->profession, x->industry}, *ys[2] = {y->profession, y->industry};
    for (size_t k = 0; k < t->count; k++) {
        const rf_affinity_pair *p = &t->pair[k];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                if (xs[i] && ys[j] && same_pair(p, xs[i], ys[j]) && strcmp(xs[i], ys[j]) != 0) {
                    *xt = xs[i];
                    *yt = ys[j];
                    return k;
                }
            }
        }
    }
    return SIZE_MAX;
}

static bool linked(const rf_person *x, const rf_person *y)
{
    return strcmp(x->id, y->id) == 0
           || (x->referred_by && strcmp(x->referred_by, y->id) == 0)
           || (y->referred_by && strcmp(y->referred_by, x->id) == 0);
}

/* (pair, id) ordering of a subject's candidates. */
static int rank_cmp(size_t pair_a, const char *id_a, size_t pair_b, const char *id_b)
{
    if (pair_a != pair_b)
        return pair_a < pair_b ? -1 : 1;
    return strcmp(id_a, id_b);
}

static bool listed(const rf_intro *out, size_t n, size_t cap, const char *a, const char *b)
{
    for (size_t i = 0; i < n && i < cap; i++)
        if (strcmp(out[i].a, a) == 0 && strcmp(out[i].b, b) == 0)
            return true;
    return false;
}

/* The subject's best candidate ranked strictly after (prev_pair, prev_id);
 * -1 when none is left. */
static ptrdiff_t next_candidate(const rf_affinity *t, const rf_person *s, const rf_person *cands,
                                size_t ncands, size_t prev_pair, const char *prev_id,
                                size_t *pair, const char **s_term, const char **c_term)
{
    ptrdiff_t best = -1;
    for (size_t c = 0; c < ncands; c++) {
        if (linked(s, &cands[c]))
            continue;
        const char *st, *ct;
        size_t k = best_pair(t, s, &cands[c], &st, &ct);
        if (k == SIZE_MAX || (prev_id && rank_cmp(k, cands[c].id, prev_pair, prev_id) <= 0))
            continue;
        if (best < 0 || rank_cmp(k, cands[c].id, *pair, cands[best].id) < 0) {
            best = (ptrdiff_t)c;
            *pair = k;
            *s_term = st;
            *c_term = ct;
        }
    }
    return best;
}

size_t rf_introductions(const rf_affinity *t, const rf_person *subjects, size_t nsubjects,
                        const rf_person *candidates, size_t ncandidates, size_t per_subject,
                        rf_intro *out, size_t cap)
{
    size_t n = 0;
    for (size_t s = 0; s < nsubjects; s++) {
        const rf_person *me = &subjects[s];
        size_t prev_pair = 0;
        const char *prev_id = NULL;
        for (size_t taken = 0; taken < per_subject; taken++) {
            size_t pair = 0;
            const char *my_term = NULL, *their_term = NULL;
            ptrdiff_t c = next_candidate(t, me, candidates, ncandidates, prev_pair, prev_id,
                                         &pair, &my_term, &their_term);
            if (c < 0)
                break;
            const rf_person *them = &candidates[c];
            prev_pair = pair;
            prev_id = them->id;
            bool me_first = strcmp(me->id, them->id) < 0;
            rf_intro intro = {
                .a = me_first ? me->id : them->id, .b = me_first ? them->id : me->id,
                .a_term = me_first ? my_term : their_term, .b_term = me_first ? their_term : my_term,
                .pair = pair,
            };
            if (listed(out, n, cap, intro.a, intro.b))
                continue;
            if (n < cap)
                out[n] = intro;
            n++;
        }
    }
    return n;
}
