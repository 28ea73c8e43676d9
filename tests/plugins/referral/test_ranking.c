/*
 * test_ranking.c - key people: the top set's entry, eviction and tie rules,
 * and entry detection while a small hand-computed referral forest grows.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "forest.h"
#include "topset.h"

#define assert_exact(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

static void test_topset_rules(void **state)
{
    (void)state;
    rf_topset t;
    char *gone;
    assert_true(rf_topset_init(&t, 2, 1.0));
    assert_int_equal(rf_topset_offer(&t, "x", 0.5, &gone), RF_OFFER_NONE);
    assert_int_equal(rf_topset_offer(&t, "a", 3, &gone), RF_OFFER_ENTERED);
    assert_null(gone);
    assert_int_equal(rf_topset_offer(&t, "b", 2, &gone), RF_OFFER_ENTERED);
    assert_int_equal(rf_topset_offer(&t, "c", 2, &gone), RF_OFFER_NONE); /* tie stays out */
    assert_int_equal(rf_topset_offer(&t, "c", 2.5, &gone), RF_OFFER_ENTERED);
    assert_string_equal(gone, "b");
    free(gone);
    assert_int_equal(rf_topset_offer(&t, "a", 1, &gone), RF_OFFER_UPDATED);
    assert_true(rf_topset_contains(&t, "a"));  /* falling alone does not leave */
    assert_int_equal(rf_topset_offer(&t, "b", 2, &gone), RF_OFFER_ENTERED);
    assert_string_equal(gone, "a");
    free(gone);
    assert_false(rf_topset_contains(&t, "a"));
    rf_topset_free(&t);
}

static void test_topset_tie_evicts_greater_id(void **state)
{
    (void)state;
    rf_topset t;
    char *gone;
    assert_true(rf_topset_init(&t, 2, 0));
    assert_true(rf_topset_load(&t, "q", 1));
    assert_true(rf_topset_load(&t, "p", 1));
    assert_false(rf_topset_load(&t, "z", 9)); /* full */
    assert_int_equal(rf_topset_offer(&t, "r", 1.5, &gone), RF_OFFER_ENTERED);
    assert_string_equal(gone, "q");
    free(gone);
    rf_topset_free(&t);

    assert_true(rf_topset_init(&t, 0, 0));
    assert_int_equal(rf_topset_offer(&t, "r", 99, &gone), RF_OFFER_NONE);
    assert_null(gone);
    rf_topset_free(&t);
}

typedef struct entry_log {
    char entered[8][8];
    char evicted[8][8];
    int n;
} entry_log;

/* What the plugin does after each change at `id`: offer every ancestor,
 * nearest first (only their influence changed). */
static void offer_ancestors(const rf_forest *f, rf_topset *t, const char *id, entry_log *log)
{
    for (int32_t v = f->nodes[rf_find(f, id)].parent; v != RF_NONE; v = f->nodes[v].parent) {
        char *gone;
        rf_offer o = rf_topset_offer(t, f->nodes[v].id, f->nodes[v].influence, &gone);
        assert_int_not_equal(o, RF_OFFER_ERROR);
        if (o == RF_OFFER_ENTERED) {
            snprintf(log->entered[log->n], 8, "%s", f->nodes[v].id);
            snprintf(log->evicted[log->n], 8, "%s", gone ? gone : "");
            log->n++;
        }
        free(gone);
    }
}

static void referral(rf_forest *f, rf_topset *t, entry_log *log, const char *child,
                     const char *parent, double revenue)
{
    double applied;
    assert_int_equal(rf_link(f, child, parent, NULL, NULL), RF_OK);
    assert_int_equal(rf_set_converted(f, child), RF_OK);
    assert_int_equal(rf_add_revenue(f, child, revenue, &applied), RF_OK);
    offer_ancestors(f, t, child, log);
}

static double influence(const rf_forest *f, const char *id)
{
    return f->nodes[rf_find(f, id)].influence;
}

/* a -> b (1000), a -> c, b -> e, e -> f (1000), b -> d (3000); top 2, min 2.
 * After each step (decay 0.5; contribution 1 + log2(1 + revenue/1000)):
 *   b: a 2                       a enters
 *   c: a 3
 *   e: b 1, a 3.5
 *   f: e 2, b 2, a 4             e enters (room); b ties e at 2: stays out
 *   d: b 5, a 5.5                b enters, e evicted */
static void test_entry_detection_on_growing_forest(void **state)
{
    (void)state;
    rf_influence_params p;
    rf_influence_default(&p);
    rf_forest f;
    rf_forest_init(&f, &p, 32);
    rf_topset t;
    assert_true(rf_topset_init(&t, 2, 2.0));
    entry_log log = {.n = 0};

    referral(&f, &t, &log, "b", "a", 1000);
    assert_exact(influence(&f, "a"), 2);
    referral(&f, &t, &log, "c", "a", 0);
    assert_exact(influence(&f, "a"), 3);
    referral(&f, &t, &log, "e", "b", 0);
    assert_exact(influence(&f, "b"), 1);
    assert_exact(influence(&f, "a"), 3.5);
    referral(&f, &t, &log, "f", "e", 1000);
    assert_exact(influence(&f, "e"), 2);
    assert_exact(influence(&f, "b"), 2);
    assert_exact(influence(&f, "a"), 4);
    referral(&f, &t, &log, "d", "b", 3000);
    assert_exact(influence(&f, "b"), 5);
    assert_exact(influence(&f, "a"), 5.5);

    assert_int_equal(log.n, 3);
    assert_string_equal(log.entered[0], "a");
    assert_string_equal(log.evicted[0], "");
    assert_string_equal(log.entered[1], "e");
    assert_string_equal(log.evicted[1], "");
    assert_string_equal(log.entered[2], "b");
    assert_string_equal(log.evicted[2], "e");
    assert_true(rf_topset_contains(&t, "a"));
    assert_true(rf_topset_contains(&t, "b"));
    assert_int_equal(t.count, 2);
    rf_topset_free(&t);
    rf_forest_free(&f);
}

/* Unconverted referees count nothing; decay 1 and revenue_weight 0 turn
 * influence into the plain number of converted descendants. */
static void test_influence_parameters(void **state)
{
    (void)state;
    rf_influence_params p = {.decay = 1.0, .revenue_weight = 0.0, .revenue_unit = 1000};
    rf_forest f;
    rf_forest_init(&f, &p, 32);
    double applied;
    assert_int_equal(rf_link(&f, "b", "a", NULL, NULL), RF_OK);
    assert_int_equal(rf_link(&f, "c", "b", NULL, NULL), RF_OK);
    assert_int_equal(rf_link(&f, "d", "c", NULL, NULL), RF_OK);
    assert_int_equal(rf_add_revenue(&f, "b", 9999, &applied), RF_OK);
    assert_exact(influence(&f, "a"), 0);
    assert_int_equal(rf_set_converted(&f, "b"), RF_OK);
    assert_int_equal(rf_set_converted(&f, "d"), RF_OK);
    assert_exact(influence(&f, "a"), 2);
    assert_exact(influence(&f, "b"), 1);
    assert_exact(influence(&f, "c"), 1);
    assert_exact(rf_contribution(&p, true, 5000), 1);
    rf_influence_default(&p);
    assert_exact(rf_contribution(&p, true, 7000), 4);
    assert_exact(rf_contribution(&p, false, 7000), 0);
    assert_exact(rf_contribution(&p, true, -50), 1);
    rf_forest_free(&f);
}

/* The cuts of the tenant clock: whole multiples of the period since the
 * epoch, strictly after the instant, also before the epoch. */
static void test_cuts(void **state)
{
    (void)state;
    const int64_t day = 86400000;
    assert_int_equal(rf_next_cut(1700000000000LL, day), 1700006400000LL); /* 2023-11-15 00:00 UTC */
    assert_int_equal(rf_next_cut(1700006400000LL, day), 1700006400000LL + day); /* strictly after */
    assert_int_equal(rf_next_cut(1700006399999LL, day), 1700006400000LL);
    assert_int_equal(rf_next_cut(0, day), day);
    assert_int_equal(rf_next_cut(-1, day), 0);
    assert_int_equal(rf_next_cut(-day, day), 0);
    assert_int_equal(rf_next_cut(-day - 1, day), -day);
    assert_int_equal(rf_next_cut(90 * 60000, 3600000), 2 * 3600000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topset_rules),
        cmocka_unit_test(test_topset_tie_evicts_greater_id),
        cmocka_unit_test(test_entry_detection_on_growing_forest),
        cmocka_unit_test(test_influence_parameters),
        cmocka_unit_test(test_cuts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
