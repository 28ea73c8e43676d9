/*
 * bgnbd.c - BG/NBD likelihood, fit, P(alive) and conditional expectation.
 *
 * The formulas are equations (6), (10) and (12) of Fader, Hardie & Lee
 * (2005); docs/plugins/scoring.md writes them out. Everything is computed in
 * logs with lgamma so that customers with many purchases do not overflow.
 */
#include <math.h>

#include "bgnbd.h"

double sc_bgnbd_ll_one(const sc_bgnbd *p, double x, double t_x, double T)
{
    double r = p->r, alpha = p->alpha, a = p->a, b = p->b;
    double a1 = lgamma(r + x) - lgamma(r) + r * log(alpha);
    double a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
    double a3 = -(r + x) * log(alpha + T);
    if (x <= 0)
        return a1 + a2 + a3;
    double a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + t_x);
    double hi = fmax(a3, a4);
    return a1 + a2 + hi + log(exp(a3 - hi) + exp(a4 - hi));
}

double sc_bgnbd_ll(const sc_bgnbd *p, const sc_rfm *data, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += sc_bgnbd_ll_one(p, data[i].x, data[i].t_x, data[i].T);
    return sum;
}

typedef struct fit_data {
    const sc_rfm *data;
    size_t n;
} fit_data;

/* Negative log-likelihood at exp(theta); +inf outside a sane box so the
 * simplex never wanders into overflow. */
static double neg_ll(const double *theta, void *arg)
{
    const fit_data *d = arg;
    for (int i = 0; i < 4; i++)
        if (!(theta[i] > -25 && theta[i] < 25))
            return INFINITY;
    sc_bgnbd p = {exp(theta[0]), exp(theta[1]), exp(theta[2]), exp(theta[3])};
    double ll = sc_bgnbd_ll(&p, d->data, d->n);
    return isfinite(ll) ? -ll : INFINITY;
}

bool sc_bgnbd_fit(const sc_rfm *data, size_t n, sc_bgnbd *out, double *ll)
{
    if (n == 0)
        return false;
    fit_data d = {data, n};
    double theta[4] = {0, 0, 0, 0};
    double best = sc_nelder_mead(neg_ll, &d, 4, theta, 0.5, 1e-10, 4000);
    /* Restart from the optimum: Nelder-Mead can stall on a ridge. */
    for (int round = 0; round < 5; round++) {
        double again = sc_nelder_mead(neg_ll, &d, 4, theta, 0.1, 1e-12, 4000);
        bool improved = again < best - 1e-9 * fabs(best);
        best = again;
        if (!improved)
            break;
    }
    if (!isfinite(best))
        return false;
    out->r = exp(theta[0]);
    out->alpha = exp(theta[1]);
    out->a = exp(theta[2]);
    out->b = exp(theta[3]);
    *ll = -best;
    return true;
}

double sc_bgnbd_p_alive(const sc_bgnbd *p, double x, double t_x, double T)
{
    if (x <= 0)
        return 1.0;
    double log_odds = log(p->a) - log(p->b + x - 1)
                    + (p->r + x) * (log(p->alpha + T) - log(p->alpha + t_x));
    return 1.0 / (1.0 + exp(log_odds));
}

double sc_hyp2f1(double a, double b, double c, double z)
{
    double term = 1, sum = 1;
    for (int k = 0; k < 100000; k++) {
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
        sum += term;
        if (fabs(term) < 1e-15 * fabs(sum))
            break;
    }
    return sum;
}

double sc_bgnbd_expected(const sc_bgnbd *p, double x, double t_x, double T, double t)
{
    double r = p->r, alpha = p->alpha, a = p->a, b = p->b;
    if (fabs(a - 1) < 1e-9)
        a = 1 + 1e-9; /* the closed form has a removable singularity at a = 1 */
    double z = t / (alpha + T + t);
    double head = (a + b + x - 1) / (a - 1);
    double tail = 1 - exp((r + x) * log((alpha + T) / (alpha + T + t)))
                          * sc_hyp2f1(r + x, b + x, a + b + x - 1, z);
    double denom = 1;
    if (x > 0)
        denom += a / (b + x - 1) * exp((r + x) * log((alpha + T) / (alpha + t_x)));
    return head * tail / denom;
}
