/*
 * attribution.c - revenue shares up the referral chain (attribution.h).
 */
#include <string.h>

#include "attribution.h"

bool rf_attribution_mode_parse(const char *text, rf_attribution_mode *out)
{
    if (text && strcmp(text, "direct") == 0)
        *out = RF_ATTR_DIRECT;
    else if (text && strcmp(text, "decay") == 0)
        *out = RF_ATTR_DECAY;
    else
        return false;
    return true;
}

size_t rf_attribute(const rf_attribution_rule *rule, double amount, size_t chain_len,
                    double *shares)
{
    if (chain_len == 0)
        return 0;
    if (rule->mode == RF_ATTR_DIRECT || rule->levels <= 1) {
        shares[0] = amount;
        return 1;
    }
    size_t n = chain_len < rule->levels ? chain_len : rule->levels;
    double weight = 1.0, total = 0.0;
    for (size_t k = 0; k < n; k++) {
        shares[k] = weight;
        total += weight;
        weight *= rule->decay;
    }
    for (size_t k = 0; k < n; k++)
        shares[k] = amount * shares[k] / total;
    return n;
}
