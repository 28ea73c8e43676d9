/*
 * bgnbd.h - the BG/NBD "buy till you die" model (Fader, Hardie & Lee 2005,
 * "Counting your customers the easy way", Marketing Science 24(2)).
 *
 * While alive, a customer buys as a Poisson process with rate lambda,
 * lambda ~ Gamma(r, alpha) across customers; after each purchase the customer
 * drops out with probability p, p ~ Beta(a, b). A customer's history is
 * summarised by x (repeat purchases), t_x (time of the last purchase) and T
 * (time since the first purchase), all measured from the first purchase in
 * the unit chosen by the caller (weeks in this plugin).
 * Pure numerics: no database, no host.
 */
#ifndef SCORING_BGNBD_H
#define SCORING_BGNBD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sc_bgnbd {
    double r, alpha, a, b;
} sc_bgnbd;

typedef struct sc_rfm {
    double x, t_x, T;
} sc_rfm;

/* One customer's log-likelihood (without terms constant in the parameters,
 * as in the paper, so the CDNOW value is comparable with -9582.4). */
double sc_bgnbd_ll_one(const sc_bgnbd *p, double x, double t_x, double T);

/* Sum over customers. */
double sc_bgnbd_ll(const sc_bgnbd *p, const sc_rfm *data, size_t n);

/* Maximum likelihood by Nelder-Mead on the log-parameters, started at
 * r = alpha = a = b = 1 and restarted from its own optimum until it stops
 * improving. false when n == 0 or no finite likelihood was found. */
bool sc_bgnbd_fit(const sc_rfm *data, size_t n, sc_bgnbd *out, double *ll);

/* P(alive | x, t_x, T): 1 when x == 0 (the model lets a customer drop out
 * only right after a repeat purchase). */
double sc_bgnbd_p_alive(const sc_bgnbd *p, double x, double t_x, double T);

/* E[purchases in (T, T + t] | x, t_x, T]. */
double sc_bgnbd_expected(const sc_bgnbd *p, double x, double t_x, double T, double t);

/* Gauss hypergeometric 2F1(a, b; c; z) by its series, for 0 <= z < 1. */
double sc_hyp2f1(double a, double b, double c, double z);

/* Minimises f over R^dim (dim <= 8) from x (overwritten with the minimum).
 * Returns the minimum value. */
typedef double (*sc_objective)(const double *x, void *arg);
double sc_nelder_mead(sc_objective f, void *arg, int dim, double *x, double step,
                      double tol, int max_evals);

#endif
