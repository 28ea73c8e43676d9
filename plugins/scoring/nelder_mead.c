/*
 * nelder_mead.c - the Nelder-Mead simplex minimiser (standard coefficients:
 * reflection 1, expansion 2, contraction 1/2, shrink 1/2). Derivative-free
 * and robust on the smooth, low-dimensional likelihoods this plugin fits.
 */
#include <math.h>
#include <string.h>

#include "bgnbd.h"

#define NM_MAX_DIM 8

typedef struct simplex {
    int dim;
    double pt[NM_MAX_DIM + 1][NM_MAX_DIM];
    double val[NM_MAX_DIM + 1];
} simplex;

static void order(simplex *s)
{
    /* Insertion sort by value: best first. */
    for (int i = 1; i <= s->dim; i++) {
        for (int j = i; j > 0 && s->val[j] < s->val[j - 1]; j--) {
            double tmp[NM_MAX_DIM];
            memcpy(tmp, s->pt[j], sizeof tmp);
            memcpy(s->pt[j], s->pt[j - 1], sizeof tmp);
            memcpy(s->pt[j - 1], tmp, sizeof tmp);
            double v = s->val[j];
            s->val[j] = s->val[j - 1];
            s->val[j - 1] = v;
        }
    }
}

/* out = centroid + coef * (centroid - worst) */
static void along(const simplex *s, const double *centroid, double coef, double *out)
{
    for (int k = 0; k < s->dim; k++)
        out[k] = centroid[k] + coef * (centroid[k] - s->pt[s->dim][k]);
}

static void replace_worst(simplex *s, const double *pt, double val)
{
    memcpy(s->pt[s->dim], pt, sizeof s->pt[0]);
    s->val[s->dim] = val;
}

double sc_nelder_mead(sc_objective f, void *arg, int dim, double *x, double step,
                      double tol, int max_evals)
{
    if (dim < 1 || dim > NM_MAX_DIM)
        return NAN;
    simplex s = {.dim = dim};
    for (int i = 0; i <= dim; i++) {
        memset(s.pt[i], 0, sizeof s.pt[i]);
        memcpy(s.pt[i], x, (size_t)dim * sizeof *x);
        if (i > 0)
            s.pt[i][i - 1] += step;
        s.val[i] = f(s.pt[i], arg);
    }
    int evals = dim + 1;
    while (evals < max_evals) {
        order(&s);
        double spread = fabs(s.val[dim] - s.val[0]);
        if (spread <= tol * (fabs(s.val[0]) + tol))
            break;
        double c[NM_MAX_DIM] = {0}, xr[NM_MAX_DIM], xe[NM_MAX_DIM], xc[NM_MAX_DIM];
        for (int i = 0; i < dim; i++)
            for (int k = 0; k < dim; k++)
                c[k] += s.pt[i][k] / dim;
        along(&s, c, 1.0, xr);
        double fr = f(xr, arg);
        evals++;
        if (fr < s.val[0]) {
            along(&s, c, 2.0, xe);
            double fe = f(xe, arg);
            evals++;
            if (fe < fr)
                replace_worst(&s, xe, fe);
            else
                replace_worst(&s, xr, fr);
            continue;
        }
        if (fr < s.val[dim - 1]) {
            replace_worst(&s, xr, fr);
            continue;
        }
        bool outside = fr < s.val[dim];
        along(&s, c, outside ? 0.5 : -0.5, xc);
        double fc = f(xc, arg);
        evals++;
        if (fc < (outside ? fr : s.val[dim])) {
            replace_worst(&s, xc, fc);
            continue;
        }
        for (int i = 1; i <= dim; i++) {
            for (int k = 0; k < dim; k++)
                s.pt[i][k] = s.pt[0][k] + 0.5 * (s.pt[i][k] - s.pt[0][k]);
            s.val[i] = f(s.pt[i], arg);
            evals++;
        }
    }
    order(&s);
    memcpy(x, s.pt[0], (size_t)dim * sizeof *x);
    return s.val[0];
}
