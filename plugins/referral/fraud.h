/*
 * fraud.h - guards that hold a referral for review instead of rewarding it.
 *
 * Self-referral and cycles never enter the forest at all (forest.h refuses
 * them). The guards here apply to links that are structurally valid:
 *   same_email / same_phone  the referee shares the referrer's e-mail address
 *                            or phone number (the same person under two ids);
 *   burst                    the referrer made more than burst_max referrals
 *                            within burst_window (this one included).
 * A flagged referral stays in the forest (the introduction may be real, and
 * the chain sums stay true) but earns no reward; `referral.flagged` asks a
 * person to look.
 *
 * Contacts are compared as 64-bit hashes of a normalised form, so the plugin
 * never stores the e-mail address or phone number itself: e-mail trimmed and
 * lower-cased (ASCII); phone reduced to its digits (at least 6, else ignored:
 * extensions and placeholders such as "0" must not match everyone).
 *
 * Pure logic, no I/O.
 */
#ifndef REFERRAL_FRAUD_H
#define REFERRAL_FRAUD_H

#include <stddef.h>
#include <stdint.h>

enum {
    RF_FLAG_SAME_EMAIL = 1u << 0,
    RF_FLAG_SAME_PHONE = 1u << 1,
    RF_FLAG_BURST = 1u << 2
};

/* 0 when the text is absent or unusable (0 never matches). */
uint64_t rf_email_hash(const char *email);
uint64_t rf_phone_hash(const char *phone);

typedef struct rf_fraud_input {
    uint64_t referrer_email, referrer_phone;  /* 0 = unknown */
    uint64_t referee_email, referee_phone;
    /* Times of the referrer's earlier referrals (any order) and this one's. */
    const int64_t *earlier_ms;
    size_t nearlier;
    int64_t referred_ms;
} rf_fraud_input;

typedef struct rf_fraud_rules {
    int64_t burst_max;        /* referrals allowed per window; <= 0 disables */
    int64_t burst_window_ms;
} rf_fraud_rules;

/* Referrals (this one included) in (referred_ms - window, referred_ms]. */
int64_t rf_burst_count(const int64_t *earlier_ms, size_t n, int64_t referred_ms, int64_t window_ms);

/* The burst flag of each of one referrer's referrals, from their times alone
 * (any order): referral k is flagged when more than burst_max referrals
 * (k included) fall in (times[k] - window, times[k]]. A function of the set
 * of times, so a referral learnt late flags the later ones it crowds, as if
 * it had come in time. flagged[k] receives the flag of times[k]; false on
 * out of memory. O(n log n). */
bool rf_burst_flags(const rf_fraud_rules *rules, const int64_t *times, size_t n, bool *flagged);

/* Bitmask of RF_FLAG_*. */
unsigned rf_fraud_assess(const rf_fraud_rules *rules, const rf_fraud_input *in);

/* "same_email,burst" (empty for 0); returns buf. */
const char *rf_flag_names(unsigned flags, char *buf, size_t size);

#endif
