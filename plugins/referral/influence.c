/*
 * influence.c - a converted referee's contribution to its ancestors'
 * influence (the formula and its reasons are in influence.h).
 */
#include <math.h>

#include "influence.h"

void rf_influence_default(rf_influence_params *p)
{
    p->decay = 0.5;
    p->revenue_weight = 1.0;
    p->revenue_unit = 1000.0;
}

double rf_contribution(const rf_influence_params *p, bool converted, double own_revenue)
{
    if (!converted)
        return 0.0;
    double revenue = own_revenue > 0 ? own_revenue : 0.0;
    return 1.0 + p->revenue_weight * log2(1.0 + revenue / p->revenue_unit);
}
