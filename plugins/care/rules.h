/*
 * rules.h - what each kind of care task is: its default priority, whether it
 * is marketing (needs marketing consent), its channel and gesture by tier,
 * and the sales-care alert rule. Pure logic.
 *
 * Kinds: see_off, greeting, usage_check (after a purchase); regular (the
 * cadence); birthday, family_birthday, anniversary, holiday (special days);
 * campaign; key_event; take_profit, stop_loss (holdings); anything else
 * comes from care_requests and keeps the requester's kind.
 */
#ifndef CARE_RULES_H
#define CARE_RULES_H

#include <stdbool.h>

typedef struct cr_kind_rule {
    const char *kind;
    int priority;            /* 1 highest .. 5 */
    bool marketing;          /* needs consent.marketing */
    bool needs_contact;      /* needs consent.contact (false: in person at the till) */
    const char *channel;     /* default when the customer has no preference */
} cr_kind_rule;

/* The rule of a kind; unknown kinds get a generic rule (priority 3, not
 * marketing, phone). */
const cr_kind_rule *cr_kind_rule_of(const char *kind);

/* vip and key are the closest customers (phone calls, gifts). */
bool cr_tier_is_close(const char *tier);

/* Channel and gesture for a task: gestures for special days follow the tier
 * (VIP birthday -> phone call plus flowers or a cake; ordinary -> SMS);
 * otherwise the customer's preferred channel (may be NULL) wins over the
 * kind's default. The strings are static. */
void cr_pick_channel(const char *kind, const char *tier, const char *preferred,
                     const char **channel, const char **gesture);

/* "stop_loss" when price <= stop_loss, "take_profit" when price >=
 * take_profit (a bound <= 0 is unset), else NULL. */
const char *cr_price_alert(double price, double stop_loss, double take_profit);

#endif
