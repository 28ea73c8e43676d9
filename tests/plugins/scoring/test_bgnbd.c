/*
 * test_bgnbd.c - the BG/NBD likelihood at known parameter values (exact),
 * recovery of known parameters from data drawn from the model, and the fit
 * on the CDNOW sample against the published values (Fader, Hardie & Lee 2005:
 * r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgnbd.h"
#include "synth.h"

static void test_likelihood_exact(void **state)
{
    (void)state;
    sc_bgnbd ones = {1, 1, 1, 1};
    /* x = 0, T = 1: A1 = A2 = 0, A3 = -ln 2. */
    assert_float_equal(sc_bgnbd_ll_one(&ones, 0, 0, 1), -M_LN2, 1e-12);
    /* x = 1, t_x = 1, T = 2: A2 = -ln 2; exp(A3) + exp(A4) = 1/9 + 1/4. */
    assert_float_equal(sc_bgnbd_ll_one(&ones, 1, 1, 2), log(13.0 / 72), 1e-12);
    /* r = 2, alpha = 3, a = 1, b = 2, x = 2, t_x = 1, T = 4:
     * A1 = ln G(4) - ln G(2) + 2 ln 3 = ln 6 + 2 ln 3 = ln 54
     * A2 = ln G(3) + ln G(4) - ln G(2) - ln G(5) = ln(2 * 6 / 24) = ln 1/2
     * exp(A3) = 7^-4; exp(A4) = 1/3 * 4^-4 */
    sc_bgnbd p = {2, 3, 1, 2};
    double expect = log(54.0 * 0.5 * (1 / 2401.0 + 1 / (3.0 * 256)));
    assert_float_equal(sc_bgnbd_ll_one(&p, 2, 1, 4), expect, 1e-12);
    sc_rfm two[] = {{0, 0, 1}, {1, 1, 2}};
    assert_float_equal(sc_bgnbd_ll(&ones, two, 2), -M_LN2 + log(13.0 / 72), 1e-12);
}

static void test_p_alive_and_expectation(void **state)
{
    (void)state;
    sc_bgnbd ones = {1, 1, 1, 1};
    assert_float_equal(sc_bgnbd_p_alive(&ones, 0, 0, 10), 1, 1e-15);
    /* x = 2, t_x = 1, T = 3: 1 / (1 + 1/2 (4/2)^3) = 1/5 */
    assert_float_equal(sc_bgnbd_p_alive(&ones, 2, 1, 3), 0.2, 1e-12);
    /* 2F1(1, 1; 2; z) = -ln(1 - z) / z */
    assert_float_equal(sc_hyp2f1(1, 1, 2, 0.5), 2 * M_LN2, 1e-12);
    /* The paper's customer 1 of CDNOW at the published parameters: x = 2,
     * t_x = 30.43, T = 38.86; E[Y(39)] = 1.226 in the paper. */
    sc_bgnbd pub = {0.243, 4.414, 0.793, 2.426};
    assert_float_equal(sc_bgnbd_expected(&pub, 2, 30.43, 38.86, 39), 1.226, 0.001);
    /* A customer who just bought is more likely alive than one gone silent. */
    assert_true(sc_bgnbd_p_alive(&pub, 5, 38, 39) > sc_bgnbd_p_alive(&pub, 5, 10, 39));
}

static void test_nelder_mead_quadratic(void **state);

static double bowl(const double *x, void *arg)
{
    (void)arg;
    return (x[0] - 1) * (x[0] - 1) + 10 * (x[1] + 2) * (x[1] + 2) + 3;
}

static void test_nelder_mead_quadratic(void **state)
{
    (void)state;
    double x[2] = {0, 0};
    double f = sc_nelder_mead(bowl, NULL, 2, x, 0.5, 1e-14, 2000);
    assert_float_equal(f, 3, 1e-9);
    assert_float_equal(x[0], 1, 1e-4);
    assert_float_equal(x[1], -2, 1e-4);
}

/* Tolerance stated in docs/plugins/scoring.md: 30,000 customers observed for
 * 78 weeks recover r and alpha within 5% and a, b within 15%. */
static void test_fit_recovers_known_parameters(void **state)
{
    (void)state;
    const size_t n = 30000;
    sc_rfm *data = malloc(n * sizeof *data);
    assert_non_null(data);
    sc_bgnbd truth = {0.25, 4.0, 0.8, 2.5}, fit;
    synth_bgnbd(&truth, 78, 1, data, n);
    double ll;
    assert_true(sc_bgnbd_fit(data, n, &fit, &ll));
    printf("synthetic: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f\n", fit.r, fit.alpha, fit.a, fit.b, ll);
    assert_float_equal(fit.r, truth.r, 0.05 * truth.r);
    assert_float_equal(fit.alpha, truth.alpha, 0.05 * truth.alpha);
    assert_float_equal(fit.a, truth.a, 0.15 * truth.a);
    assert_float_equal(fit.b, truth.b, 0.15 * truth.b);
    /* The optimum is at least as likely as the truth. */
    assert_true(ll >= sc_bgnbd_ll(&truth, data, n));
    free(data);
}

/* Days since 1997-01-01 of a YYYYMMDD date in 1997/1998 (civil calendar). */
static int day_of(int ymd)
{
    static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    return (y - 1997) * 365 + cum[m - 1] + d - 1;
}

static void test_fit_cdnow_sample(void **state)
{
    (void)state;
    FILE *f = fopen(SCORING_CDNOW_DIR "/CDNOW_sample.txt", "r");
    if (!f) {
        printf("skipped: %s/CDNOW_sample.txt not found\n", SCORING_CDNOW_DIR);
        skip();
    }
    enum { MAX_ID = 2357 };
    static int first[MAX_ID + 1], last[MAX_ID + 1], x[MAX_ID + 1];
    for (int i = 0; i <= MAX_ID; i++)
        first[i] = -1;
    const int end = day_of(19970930); /* 39-week calibration: 1997-01-01 .. 09-30 */
    char line[256];
    while (fgets(line, sizeof line, f)) {
        int master, id, date, cds;
        double value;
        if (sscanf(line, "%d %d %d %d %lf", &master, &id, &date, &cds, &value) != 5
            || id < 1 || id > MAX_ID)
            continue;
        int day = day_of(date);
        if (day > end)
            continue;
        if (first[id] < 0)
            first[id] = last[id] = day;
        else if (day > last[id]) { /* several orders on one day are one transaction */
            x[id]++;
            last[id] = day;
        }
    }
    fclose(f);
    sc_rfm *data = calloc(MAX_ID, sizeof *data);
    size_t n = 0;
    for (int i = 1; i <= MAX_ID; i++)
        if (first[i] >= 0)
            data[n++] = (sc_rfm){x[i], (last[i] - first[i]) / 7.0, (end - first[i]) / 7.0};
    assert_int_equal(n, 2357);
    sc_bgnbd pub = {0.243, 4.414, 0.793, 2.426}, fit;
    assert_float_equal(sc_bgnbd_ll(&pub, data, n), -9582.4, 0.1);
    double ll;
    assert_true(sc_bgnbd_fit(data, n, &fit, &ll));
    printf("CDNOW: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f\n", fit.r, fit.alpha, fit.a, fit.b, ll);
    assert_float_equal(fit.r, 0.243, 0.001);
    assert_float_equal(fit.alpha, 4.414, 0.005);
    assert_float_equal(fit.a, 0.793, 0.001);
    assert_float_equal(fit.b, 2.426, 0.005);
    assert_float_equal(ll, -9582.4, 0.1);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_likelihood_exact),
        cmocka_unit_test(test_p_alive_and_expectation),
        cmocka_unit_test(test_nelder_mead_quadratic),
        cmocka_unit_test(test_fit_recovers_known_parameters),
        cmocka_unit_test(test_fit_cdnow_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
