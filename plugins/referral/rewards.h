/*
 * rewards.h - configurable reward rules and the rewards a referral has earned.
 *
 * Rules come from one configuration string, comma-separated, each
 *     TRIGGER:SIDES:AMOUNT
 *   TRIGGER  conversion     the referee's first purchase converted the referral
 *            spend>=X       the referee's own net spend reached X (a converted referral)
 *            referrals>=N   the referrer has N converted, unflagged referrals
 *   SIDES    referrer | referee | both  (one- or two-sided; referrals>=N is
 *            about the referrer alone, so it accepts only referrer)
 *   AMOUNT   a number >= 0 in the tenant's reward unit (money or points);
 *            the plugin reports it, paying is someone else's job
 * e.g. "conversion:both:10,spend>=500:referrer:50,referrals>=5:referrer:100".
 *
 * Exactly once: rf_rewards_due() lists every reward whose condition holds
 * *now* (not only those whose threshold was just crossed), each with a key
 * that is the same every time (rule, side, referrer, referee). The caller
 * keeps a ledger of keys (the plugin's referral_rewards table, unique on the
 * key) and emits only rewards whose key was new. Replays and repeated
 * evaluation therefore cannot pay twice, and a late-arriving fact cannot be
 * missed because a crossing happened "between" evaluations.
 *
 * A referral held for review (fraud.h) still gets its ledger rows, marked
 * held, so releasing or reprocessing it later cannot pay twice either.
 *
 * Pure logic, no I/O.
 */
#ifndef REFERRAL_REWARDS_H
#define REFERRAL_REWARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RF_MAX_RULES 16

typedef enum rf_trigger {
    RF_TRIGGER_CONVERSION = 1,
    RF_TRIGGER_SPEND,
    RF_TRIGGER_REFERRALS
} rf_trigger;

enum {
    RF_SIDE_REFERRER = 1u << 0,
    RF_SIDE_REFEREE = 1u << 1
};

typedef struct rf_reward_rule {
    char name[48];        /* "conversion", "spend>=500", "referrals>=5" */
    rf_trigger trigger;
    double threshold;     /* X or N; 0 for conversion */
    unsigned sides;       /* RF_SIDE_* bits */
    double amount;
} rf_reward_rule;

typedef struct rf_reward_rules {
    rf_reward_rule rule[RF_MAX_RULES];
    size_t count;
} rf_reward_rules;

/* An empty or NULL text means no rewards. false with err naming the rule. */
bool rf_rewards_parse(const char *text, rf_reward_rules *out, char *err, size_t errlen);

/* What is known about one referral when it is evaluated. */
typedef struct rf_reward_facts {
    const char *referrer;
    const char *referee;
    bool converted;             /* this referral converted */
    double referee_spend;       /* referee's own net revenue so far */
    int64_t referrer_converted; /* referrer's converted, unflagged referrals */
    bool held;                  /* flagged for review */
} rf_reward_facts;

typedef struct rf_reward {
    const rf_reward_rule *rule;
    unsigned side;              /* exactly one RF_SIDE_* bit */
    const char *beneficiary;    /* referrer or referee */
    const char *referrer;
    const char *referee;        /* "" for referrals>=N */
    double amount;
    bool held;
} rf_reward;

/* Every reward whose condition holds; returns how many there are (may be
 * more than cap; only cap are written). Pointers borrow from rules/facts. */
size_t rf_rewards_due(const rf_reward_rules *rules, const rf_reward_facts *facts,
                      rf_reward *out, size_t cap);

/* The ledger key "rule|side|<len>:referrer|<len>:referee", unambiguous for
 * any ids. Returns the length needed (like snprintf). */
int rf_reward_key(const rf_reward *r, char *buf, size_t size);

const char *rf_side_name(unsigned side);

#endif
