/*
 * rules.c - kinds, channels and gestures (see rules.h).
 */
#include <stddef.h>
#include <string.h>

#include "rules.h"

static const cr_kind_rule kinds[] = {
    {"see_off", 3, false, false, "visit"},
    {"greeting", 3, false, true, "sms"},
    {"usage_check", 2, false, true, "phone"},
    {"regular", 4, true, true, "email"},
    {"birthday", 2, false, true, "sms"},
    {"family_birthday", 3, false, true, "sms"},
    {"anniversary", 3, false, true, "sms"},
    {"holiday", 4, false, true, "sms"},
    {"campaign", 4, true, true, "email"},
    {"key_event", 2, false, true, "phone"},
    {"take_profit", 1, false, true, "phone"},
    {"stop_loss", 1, false, true, "phone"},
};

static const cr_kind_rule generic = {"other", 3, false, true, "phone"};

const cr_kind_rule *cr_kind_rule_of(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return &generic;
}

bool cr_tier_is_close(const char *tier)
{
    return tier && (strcmp(tier, "vip") == 0 || strcmp(tier, "key") == 0);
}

static bool is_vip(const char *tier)
{
    return tier && strcmp(tier, "vip") == 0;
}

/* Special days and campaigns: the tier decides the gesture. */
static bool tiered_gesture(const char *kind, const char *tier, const char **channel,
                           const char **gesture)
{
    if (strcmp(kind, "birthday") == 0 && is_vip(tier)) {
        *channel = "phone";
        *gesture = "phone call plus flowers or a cake";
    } else if (strcmp(kind, "birthday") == 0 && cr_tier_is_close(tier)) {
        *channel = "phone";
        *gesture = "phone call plus a card";
    } else if ((strcmp(kind, "family_birthday") == 0 || strcmp(kind, "holiday") == 0)
               && cr_tier_is_close(tier)) {
        *channel = "phone";
        *gesture = "personal greeting call";
    } else if (strcmp(kind, "anniversary") == 0 && is_vip(tier)) {
        *channel = "visit";
        *gesture = "visit or call with a small gift";
    } else if (strcmp(kind, "campaign") == 0 && cr_tier_is_close(tier)) {
        *channel = "phone";
        *gesture = "personal invitation call";
    } else {
        return false;
    }
    return true;
}

void cr_pick_channel(const char *kind, const char *tier, const char *preferred,
                     const char **channel, const char **gesture)
{
    const cr_kind_rule *rule = cr_kind_rule_of(kind);
    *gesture = "";
    if (kind && tiered_gesture(kind, tier, channel, gesture))
        return;
    /* In person at the till stays in person; otherwise the customer's choice. */
    if (!rule->needs_contact || !preferred || !*preferred)
        *channel = rule->channel;
    else
        *channel = preferred;
}

const char *cr_price_alert(double price, double stop_loss, double take_profit)
{
    if (stop_loss > 0 && price <= stop_loss)
        return "stop_loss";
    if (take_profit > 0 && price >= take_profit)
        return "take_profit";
    return NULL;
}
