/*
 * rewards.c - parsing reward rules and listing earned rewards (rewards.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewards.h"

static bool parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v) || v < 0)
        return false;
    *out = v;
    return true;
}

static bool parse_trigger(const char *text, rf_reward_rule *r)
{
    if (strcmp(text, "conversion") == 0) {
        r->trigger = RF_TRIGGER_CONVERSION;
        r->threshold = 0;
    } else if (strncmp(text, "spend>=", 7) == 0 && parse_number(text + 7, &r->threshold)) {
        r->trigger = RF_TRIGGER_SPEND;
    } else if (strncmp(text, "referrals>=", 11) == 0 && parse_number(text + 11, &r->threshold)
               && r->threshold >= 1 && r->threshold == floor(r->threshold)) {
        r->trigger = RF_TRIGGER_REFERRALS;
    } else {
        return false;
    }
    snprintf(r->name, sizeof r->name, "%s", text);
    return strlen(text) < sizeof r->name;
}

static bool parse_sides(const char *text, unsigned *sides)
{
    if (strcmp(text, "referrer") == 0)
        *sides = RF_SIDE_REFERRER;
    else if (strcmp(text, "referee") == 0)
        *sides = RF_SIDE_REFEREE;
    else if (strcmp(text, "both") == 0)
        *sides = RF_SIDE_REFERRER | RF_SIDE_REFEREE;
    else
        return false;
    return true;
}

/* One "TRIGGER:SIDES:AMOUNT" (spaces already removed). */
static bool parse_rule(char *text, rf_reward_rule *r, char *err, size_t errlen)
{
    char *sides = strchr(text, ':');
    char *amount = sides ? strchr(sides + 1, ':') : NULL;
    if (!amount) {
        snprintf(err, errlen, "reward rule '%s': expected TRIGGER:SIDES:AMOUNT", text);
        return false;
    }
    *sides++ = '\0';
    *amount++ = '\0';
    if (!parse_trigger(text, r)) {
        snprintf(err, errlen, "reward rule trigger '%s': expected conversion, spend>=X "
                 "or referrals>=N (N a whole number >= 1)", text);
        return false;
    }
    if (!parse_sides(sides, &r->sides)
        || (r->trigger == RF_TRIGGER_REFERRALS && r->sides != RF_SIDE_REFERRER)) {
        snprintf(err, errlen, "reward rule '%s' sides '%s': expected referrer, referee or both "
                 "(referrals>=N: referrer only)", text, sides);
        return false;
    }
    if (!parse_number(amount, &r->amount)) {
        snprintf(err, errlen, "reward rule '%s' amount '%s': expected a number >= 0", text, amount);
        return false;
    }
    return true;
}

bool rf_rewards_parse(const char *text, rf_reward_rules *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return true;
    char buf[1024];
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (n + 1 >= sizeof buf) {
            snprintf(err, errlen, "reward rules: longer than %zu characters", sizeof buf - 1);
            return false;
        }
        buf[n++] = *p;
    }
    buf[n] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (out->count == RF_MAX_RULES) {
            snprintf(err, errlen, "reward rules: at most %d", RF_MAX_RULES);
            return false;
        }
        rf_reward_rule *r = &out->rule[out->count];
        if (!parse_rule(tok, r, err, errlen))
            return false;
        for (size_t i = 0; i < out->count; i++) {
            if (strcmp(out->rule[i].name, r->name) == 0) {
                snprintf(err, errlen, "reward rule '%s' appears twice", r->name);
                return false;
            }
        }
        out->count++;
    }
    return true;
}

static bool condition_holds(const rf_reward_rule *r, const rf_reward_facts *f)
{
    switch (r->trigger) {
    case RF_TRIGGER_CONVERSION:
        return f->converted;
    case RF_TRIGGER_SPEND:
        return f->converted && f->referee_spend >= r->threshold;
    case RF_TRIGGER_REFERRALS:
        return (double)f->referrer_converted >= r->threshold;
    }
    return false;
}

size_t rf_rewards_due(const rf_reward_rules *rules, const rf_reward_facts *facts,
                      rf_reward *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < rules->count; i++) {
        const rf_reward_rule *r = &rules->rule[i];
        if (!condition_holds(r, facts))
            continue;
        bool per_referrer = r->trigger == RF_TRIGGER_REFERRALS;
        for (unsigned side = RF_SIDE_REFERRER; side <= RF_SIDE_REFEREE; side <<= 1) {
            if (!(r->sides & side))
                continue;
            if (n < cap)
                out[n] = (rf_reward){
                    .rule = r,
                    .side = side,
                    .beneficiary = side == RF_SIDE_REFERRER ? facts->referrer : facts->referee,
                    .referrer = facts->referrer,
                    .referee = per_referrer ? "" : facts->referee,
                    .amount = r->amount,
                    /* referrals>=N counts only unflagged referrals, so it is
                     * never held because of the referral being evaluated */
                    .held = per_referrer ? false : facts->held,
                };
            n++;
        }
    }
    return n;
}

const char *rf_side_name(unsigned side)
{
    return side == RF_SIDE_REFEREE ? "referee" : "referrer";
}

int rf_reward_key(const rf_reward *r, char *buf, size_t size)
{
    return snprintf(buf, size, "%s|%s|%zu:%s|%zu:%s", r->rule->name, rf_side_name(r->side),
                    strlen(r->referrer), r->referrer, strlen(r->referee), r->referee);
}
