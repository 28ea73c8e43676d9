/*
 * strength.c - the recency-weighted interaction sum (formula in strength.h).
 */
#include <math.h>

#include "strength.h"

static double decay(int64_t elapsed_ms, const sh_strength_params *p)
{
    return exp2(-(double)elapsed_ms / (double)p->half_life_ms);
}

void sh_strength_add(sh_strength *s, int64_t at_ms, double weight, const sh_strength_params *p)
{
    if (s->raw <= 0 || at_ms >= s->ref_ms) {
        /* move the reference forward to the newest interaction */
        s->raw = (s->raw > 0 ? s->raw * decay(at_ms - s->ref_ms, p) : 0) + weight;
        s->ref_ms = at_ms;
    } else {
        /* an older interaction arriving late counts at its decayed weight */
        s->raw += weight * decay(s->ref_ms - at_ms, p);
    }
}

double sh_strength_raw_at(const sh_strength *s, int64_t now_ms, const sh_strength_params *p)
{
    if (s->raw <= 0)
        return 0;
    return now_ms <= s->ref_ms ? s->raw : s->raw * decay(now_ms - s->ref_ms, p);
}

double sh_strength_score(double raw, const sh_strength_params *p)
{
    return raw > 0 ? 100.0 * raw / (raw + p->scale) : 0.0;
}

double sh_strength_at(const sh_strength *s, int64_t now_ms, const sh_strength_params *p)
{
    return sh_strength_score(sh_strength_raw_at(s, now_ms, p), p);
}

int64_t sh_strength_falls_below(const sh_strength *s, double score, const sh_strength_params *p)
{
    if (score <= 0 || score >= 100)
        return score >= 100 ? s->ref_ms : INT64_MAX;
    double raw_needed = p->scale * score / (100.0 - score);  /* inverse of the score map */
    if (s->raw < raw_needed)
        return INT64_MAX;
    /* raw * 2^(-dt/H) = raw_needed  <=>  dt = H * log2(raw / raw_needed) */
    double dt = (double)p->half_life_ms * log2(s->raw / raw_needed);
    if (dt > 9e15)
        return INT64_MAX;
    return s->ref_ms + (int64_t)floor(dt) + 1;
}
