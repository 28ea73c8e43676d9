/*
 * test_forest.c - the referral forest: self-referral, cycles and second
 * referrers refused with clear messages; depth, height, subtree size,
 * subtree revenue and influence identical whatever the order in which links,
 * purchases, refunds and conversions arrive (late referrer links included);
 * the depth cap; partial working sets; erase.
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

#define assert_exact(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

static rf_forest make(int32_t max_depth)
{
    rf_influence_params p;
    rf_influence_default(&p); /* decay 0.5, revenue_weight 1, unit 1000 */
    rf_forest f;
    rf_forest_init(&f, &p, max_depth);
    return f;
}

/* The sentence of the last try_link (freed by the next one, and at the end). */
static char *why;

static rf_status try_link(rf_forest *f, const char *child, const char *parent, rf_shift *shift)
{
    free(why);
    return rf_link(f, child, parent, shift, &why);
}

static int free_why(void **state)
{
    (void)state;
    free(why);
    why = NULL;
    return 0;
}

static const rf_node *node(const rf_forest *f, const char *id)
{
    int32_t i = rf_find(f, id);
    assert_int_not_equal(i, RF_NONE);
    return &f->nodes[i];
}

static void test_self_referral_refused(void **state)
{
    (void)state;
    rf_forest f = make(32);
    assert_int_equal(try_link(&f, "ann", "ann", NULL), RF_SELF);
    assert_string_equal(why, "customer ann cannot refer themself");
    assert_int_equal(f.count, 0);
    rf_forest_free(&f);
}

static void test_cycles_refused(void **state)
{
    (void)state;
    rf_forest f = make(32);
    /* a introduced b, b introduced c */
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    assert_int_equal(try_link(&f, "c", "b", NULL), RF_OK);
    assert_int_equal(try_link(&f, "a", "c", NULL), RF_CYCLE);
    assert_string_equal(why, "referral of a by c refused: a already leads to c (a > b > c), "
                             "so it would close a cycle");
    assert_int_equal(try_link(&f, "a", "b", NULL), RF_CYCLE);
    assert_string_equal(why, "referral of a by b refused: a already leads to b (a > b), "
                             "so it would close a cycle");
    /* nothing changed */
    assert_null(node(&f, "a")->parent_id);
    assert_int_equal(node(&f, "a")->subtree_size, 3);
    assert_int_equal(node(&f, "c")->depth, 2);
    rf_forest_free(&f);
}

static void test_reparenting_refused(void **state)
{
    (void)state;
    rf_forest f = make(32);
    double applied;
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    assert_int_equal(rf_add_revenue(&f, "b", 100, &applied), RF_OK);
    assert_int_equal(try_link(&f, "b", "x", NULL), RF_REPARENT);
    assert_string_equal(why, "customer b was already referred by a; a second referrer x is refused");
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_SAME); /* replay */
    assert_int_equal(node(&f, "a")->subtree_size, 2);
    assert_exact(node(&f, "a")->subtree_revenue, 100);
    assert_int_equal(rf_find(&f, "x"), RF_NONE);
    rf_forest_free(&f);
}

/* The hand-computed forest:  a -> b, a -> c, b -> d, b -> e, e -> f.
 * Revenues: a 500, b 1000, c 0, d 3000 (sent as 3500 and a 500 refund),
 * e 0, f 1000; b..f converted. Contributions 1 + log2(1 + rev/1000):
 * b 2, c 1, d 3, e 1, f 2.
 *   influence(e) = c(f) = 2
 *   influence(b) = c(d) + c(e) + 0.5 c(f) = 3 + 1 + 1 = 5
 *   influence(a) = c(b) + c(c) + 0.5 (c(d) + c(e)) + 0.25 c(f) = 3 + 2 + 0.5 = 5.5 */
static const char *const edges[5][2] = {{"b", "a"}, {"c", "a"}, {"d", "b"}, {"e", "b"}, {"f", "e"}};
static const char *const ids[6] = {"a", "b", "c", "d", "e", "f"};
static const double revenue[6] = {500, 1000, 0, 3500, 0, 1000};

static void verify_forest(const rf_forest *f)
{
    static const int32_t depth[6] = {0, 1, 1, 2, 2, 3};
    static const int32_t height[6] = {3, 2, 0, 0, 1, 0};
    static const int64_t size[6] = {6, 4, 1, 1, 2, 1};
    static const double own[6] = {500, 1000, 0, 3000, 0, 1000};
    static const double sub[6] = {5500, 5000, 0, 3000, 1000, 1000};
    static const double infl[6] = {5.5, 5, 0, 0, 2, 0};
    static const double contrib[6] = {0, 2, 1, 3, 1, 2};
    for (int i = 0; i < 6; i++) {
        const rf_node *n = node(f, ids[i]);
        assert_int_equal(n->depth, depth[i]);
        assert_int_equal(n->height, height[i]);
        assert_int_equal(n->subtree_size, size[i]);
        assert_exact(n->own_revenue, own[i]);
        assert_exact(n->subtree_revenue, sub[i]);
        assert_exact(n->influence, infl[i]);
        assert_exact(n->contribution, contrib[i]);
    }
}

static void add_money(rf_forest *f, int i)
{
    double applied;
    assert_int_equal(rf_add_revenue(f, ids[i], revenue[i], &applied), RF_OK);
    assert_exact(applied, revenue[i]);
    if (i == 3) {
        assert_int_equal(rf_add_revenue(f, "d", -500, &applied), RF_OK);
        assert_exact(applied, -500);
    }
}

/* mode 0: money and conversions first; 1: last; 2: node k's after link k. */
static void build(const int *order, int mode)
{
    rf_forest f = make(32);
    if (mode == 0)
        for (int i = 0; i < 6; i++)
            add_money(&f, i);
    for (int k = 0; k < 5; k++) {
        const char *const *e = edges[order[k]];
        assert_int_equal(try_link(&f, e[0], e[1], NULL), RF_OK);
        if (mode == 2) {
            add_money(&f, order[k] + 1);
            assert_int_equal(rf_set_converted(&f, e[0]), RF_OK);
        }
    }
    if (mode == 2)
        add_money(&f, 0);
    if (mode != 2)
        for (int i = 1; i < 6; i++)
            assert_int_equal(rf_set_converted(&f, ids[i]), RF_OK);
    if (mode == 1)
        for (int i = 0; i < 6; i++)
            add_money(&f, i);
    verify_forest(&f);
    rf_forest_free(&f);
}

static bool next_permutation(int *a, int n)
{
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1])
        i--;
    if (i < 0)
        return false;
    int j = n - 1;
    while (a[j] <= a[i])
        j--;
    int t = a[i]; a[i] = a[j]; a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) {
        t = a[l]; a[l] = a[r]; a[r] = t;
    }
    return true;
}

static void test_sums_in_any_order(void **state)
{
    (void)state;
    int order[5] = {0, 1, 2, 3, 4};
    int permutations = 0;
    do {
        for (int mode = 0; mode < 3; mode++)
            build(order, mode);
        permutations++;
    } while (next_permutation(order, 5));
    assert_int_equal(permutations, 120);
}

static void test_refund_and_conversion_idempotent(void **state)
{
    (void)state;
    int order[5] = {0, 1, 2, 3, 4};
    rf_forest f = make(32);
    for (int k = 0; k < 5; k++)
        assert_int_equal(try_link(&f, edges[order[k]][0], edges[order[k]][1], NULL), RF_OK);
    for (int i = 0; i < 6; i++)
        add_money(&f, i);
    for (int i = 1; i < 6; i++)
        assert_int_equal(rf_set_converted(&f, ids[i]), RF_OK);
    assert_int_equal(rf_set_converted(&f, "d"), RF_SAME);
    verify_forest(&f);
    /* refund 2000 of d's 3000: c(d) 3 -> 2; b 5 -> 4; a 5.5 -> 5 */
    double applied;
    assert_int_equal(rf_add_revenue(&f, "d", -2000, &applied), RF_OK);
    assert_exact(applied, -2000);
    assert_exact(node(&f, "b")->influence, 4);
    assert_exact(node(&f, "a")->influence, 5);
    assert_exact(node(&f, "a")->subtree_revenue, 3500);
    /* a refund larger than what is left stops at zero */
    assert_int_equal(rf_add_revenue(&f, "d", -5000, &applied), RF_OK);
    assert_exact(applied, -1000);
    assert_exact(node(&f, "d")->own_revenue, 0);
    assert_exact(node(&f, "b")->subtree_revenue, 2000);
    assert_exact(node(&f, "b")->influence, 3); /* c(d) = 1 */
    rf_forest_free(&f);
}

/* Own revenue is max(0, purchases - refunds): a refund that arrives before
 * the purchase it refunds (or one larger than what is known) gives the same
 * sums as the other way round. */
static void test_revenue_in_any_order(void **state)
{
    (void)state;
    static const double amounts[3] = {300, -450, 200};
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int o = 0; o < 6; o++) {
        rf_forest f = make(32);
        assert_int_equal(try_link(&f, "kid", "mum", NULL), RF_OK);
        assert_int_equal(rf_set_converted(&f, "kid"), RF_OK);
        double applied, total = 0;
        for (int k = 0; k < 3; k++) {
            assert_int_equal(rf_add_revenue(&f, "kid", amounts[orders[o][k]], &applied), RF_OK);
            total += applied;
        }
        assert_exact(node(&f, "kid")->net_revenue, 50);
        assert_exact(node(&f, "kid")->own_revenue, 50);
        assert_exact(total, 50);
        assert_exact(node(&f, "mum")->subtree_revenue, 50);
        /* c(kid) = 1 + log2(1 + 50 / 1000) */
        assert_exact(node(&f, "mum")->influence, 1 + log2(1.05));
        rf_forest_free(&f);
    }
    /* the refund alone: nothing below zero, and it is carried */
    rf_forest f = make(32);
    double applied;
    assert_int_equal(rf_add_revenue(&f, "x", -100, &applied), RF_OK);
    assert_exact(applied, 0);
    assert_exact(node(&f, "x")->own_revenue, 0);
    assert_int_equal(rf_add_revenue(&f, "x", 60, &applied), RF_OK);
    assert_exact(applied, 0);
    assert_int_equal(rf_add_revenue(&f, "x", 60, &applied), RF_OK);
    assert_exact(applied, 20);
    rf_forest_free(&f);
}

/* A conversion a late event takes back: the ancestors lose exactly the
 * contribution they gained. */
static void test_conversion_taken_back(void **state)
{
    (void)state;
    rf_forest f = make(32);
    double applied;
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    assert_int_equal(try_link(&f, "c", "b", NULL), RF_OK);
    assert_int_equal(rf_add_revenue(&f, "c", 1000, &applied), RF_OK);
    assert_int_equal(rf_unset_converted(&f, "c"), RF_SAME);
    assert_int_equal(rf_set_converted(&f, "c"), RF_OK);
    assert_exact(node(&f, "c")->contribution, 2);
    assert_exact(node(&f, "b")->influence, 2);
    assert_exact(node(&f, "a")->influence, 1);
    assert_int_equal(rf_unset_converted(&f, "c"), RF_OK);
    assert_false(node(&f, "c")->converted);
    assert_exact(node(&f, "c")->contribution, 0);
    assert_exact(node(&f, "b")->influence, 0);
    assert_exact(node(&f, "a")->influence, 0);
    assert_exact(node(&f, "a")->subtree_revenue, 1000);   /* revenue stays */
    rf_forest_free(&f);
}

/* A node's last change is the latest time of the changes that touched it,
 * whatever order they were made in. */
static void test_changed_at_latest(void **state)
{
    (void)state;
    rf_forest f = make(32);
    double applied;
    f.now = 500;
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    f.now = 300;   /* an earlier purchase handled later */
    assert_int_equal(rf_add_revenue(&f, "b", 10, &applied), RF_OK);
    assert_int_equal(node(&f, "a")->changed_ms, 500);
    assert_int_equal(node(&f, "b")->changed_ms, 500);
    f.now = 700;
    assert_int_equal(rf_set_converted(&f, "b"), RF_OK);
    assert_int_equal(node(&f, "a")->changed_ms, 700);
    assert_true(node(&f, "a")->dirty);
    rf_forest_free(&f);
}

static void test_late_referrer_link_shifts_subtree(void **state)
{
    (void)state;
    rf_forest f = make(32);
    rf_shift shift;
    /* x brought y and z before anyone knew who brought x */
    assert_int_equal(try_link(&f, "y", "x", &shift), RF_OK);
    assert_int_equal(shift.delta, 1);
    assert_int_equal(try_link(&f, "z", "y", NULL), RF_OK);
    assert_int_equal(try_link(&f, "q", "p", NULL), RF_OK);
    /* now: p referred x */
    assert_int_equal(try_link(&f, "x", "q", &shift), RF_OK);
    assert_int_equal(shift.root, rf_find(&f, "x"));
    assert_int_equal(shift.delta, 2);
    assert_int_equal(node(&f, "x")->depth, 2);
    assert_int_equal(node(&f, "y")->depth, 3);
    assert_int_equal(node(&f, "z")->depth, 4);
    assert_int_equal(node(&f, "p")->subtree_size, 5);
    assert_int_equal(node(&f, "p")->height, 4);
    assert_int_equal(node(&f, "q")->height, 3);
    rf_forest_free(&f);
}

static void test_depth_cap(void **state)
{
    (void)state;
    rf_forest f = make(3);
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    assert_int_equal(try_link(&f, "c", "b", NULL), RF_OK);
    assert_int_equal(try_link(&f, "d", "c", NULL), RF_OK);
    assert_int_equal(try_link(&f, "e", "d", NULL), RF_TOO_DEEP);
    assert_string_equal(why, "referral of e by d refused: the chain would be 4 deep, "
                             "more than max_depth 3");
    /* a subtree of height 2 fits under a root but not under depth 1 */
    assert_int_equal(try_link(&f, "y", "x", NULL), RF_OK);
    assert_int_equal(try_link(&f, "z", "y", NULL), RF_OK);
    assert_int_equal(try_link(&f, "x", "b", NULL), RF_TOO_DEEP);
    assert_int_equal(try_link(&f, "x", "a", NULL), RF_OK);
    assert_int_equal(node(&f, "z")->depth, 3);
    assert_int_equal(node(&f, "a")->subtree_size, 7);
    rf_forest_free(&f);
}

static void test_partial_working_set(void **state)
{
    (void)state;
    rf_forest f = make(32);
    double applied;
    rf_node stored = {.id = "kid", .parent_id = "mum", .depth = 1, .subtree_size = 1,
                      .net_revenue = 10, .own_revenue = 10, .subtree_revenue = 10};
    assert_int_not_equal(rf_load(&f, &stored), RF_NONE);
    rf_connect(&f);
    /* the referrer is not loaded: refuse rather than produce partial sums */
    assert_int_equal(rf_add_revenue(&f, "kid", 5, &applied), RF_ERROR);
    rf_node mum = {.id = "mum", .subtree_size = 2, .net_revenue = 1, .own_revenue = 1,
                   .subtree_revenue = 11};
    assert_int_not_equal(rf_load(&f, &mum), RF_NONE);
    assert_int_equal(rf_load(&f, &mum), RF_NONE); /* loaded twice */
    rf_connect(&f);
    assert_false(node(&f, "mum")->dirty);
    assert_int_equal(rf_add_revenue(&f, "kid", 5, &applied), RF_OK);
    assert_exact(node(&f, "mum")->subtree_revenue, 16);
    assert_true(node(&f, "mum")->dirty);
    assert_int_equal(try_link(&f, "kid", "mum", NULL), RF_SAME);
    rf_forest_free(&f);
}

static void test_erase(void **state)
{
    (void)state;
    rf_forest f = make(32);
    double applied;
    assert_int_equal(try_link(&f, "b", "a", NULL), RF_OK);
    assert_int_equal(try_link(&f, "c", "b", NULL), RF_OK);
    assert_int_equal(try_link(&f, "d", "c", NULL), RF_OK);
    assert_int_equal(rf_add_revenue(&f, "b", 100, &applied), RF_OK);
    assert_int_equal(rf_add_revenue(&f, "c", 1000, &applied), RF_OK);
    assert_int_equal(rf_set_converted(&f, "c"), RF_OK);
    assert_exact(node(&f, "a")->influence, 0.5 * 2);
    rf_shift shifts[4];
    size_t n;
    assert_int_equal(rf_erase(&f, "b", shifts, 4, &n), RF_OK);
    assert_int_equal(n, 1);
    assert_int_equal(shifts[0].root, rf_find(&f, "c"));
    assert_int_equal(shifts[0].delta, -2);
    assert_true(node(&f, "b")->erased);
    assert_int_equal(node(&f, "a")->subtree_size, 1);
    assert_exact(node(&f, "a")->subtree_revenue, 0);
    assert_exact(node(&f, "a")->influence, 0);
    assert_null(node(&f, "c")->parent_id);
    assert_int_equal(node(&f, "c")->depth, 0);
    assert_int_equal(node(&f, "d")->depth, 1);
    assert_int_equal(node(&f, "c")->subtree_size, 2);
    rf_forest_free(&f);
}

static void test_many_nodes_index_growth(void **state)
{
    (void)state;
    rf_forest f = make(32);
    char child[16];
    for (int i = 1; i <= 1000; i++) {
        snprintf(child, sizeof child, "c%d", i);
        assert_int_equal(try_link(&f, child, "root", NULL), RF_OK);
    }
    assert_int_equal(node(&f, "root")->subtree_size, 1001);
    assert_int_equal(node(&f, "c777")->depth, 1);
    rf_forest_free(&f);
}

/* Ids of the longest valid length (256 bytes) in a chain of 32: the cycle's
 * sentence names every one of them in full (it was cut at 512 bytes). */
static void test_cycle_of_long_ids_named_in_full(void **state)
{
    (void)state;
    rf_forest f = make(64);
    enum { LEN = 256, N = 32 };
    char ids_[N][LEN + 1];
    for (int i = 0; i < N; i++) {
        memset(ids_[i], 'a' + i % 26, LEN);
        ids_[i][0] = (char)('0' + i / 10);   /* distinct from the first byte */
        ids_[i][1] = (char)('0' + i % 10);
        ids_[i][LEN] = '\0';
    }
    for (int i = 1; i < N; i++)
        assert_int_equal(try_link(&f, ids_[i], ids_[i - 1], NULL), RF_OK);
    assert_int_equal(try_link(&f, ids_[0], ids_[N - 1], NULL), RF_CYCLE);
    assert_non_null(why);
    /* "(id0 > id1 > ... > id31), so it would close a cycle" */
    char *chain = calloc(1, N * (LEN + 3) + 64);
    assert_non_null(chain);
    strcat(chain, "(");
    for (int i = 0; i < N; i++) {
        strcat(chain, ids_[i]);
        strcat(chain, i + 1 < N ? " > " : "), so it would close a cycle");
    }
    assert_non_null(strstr(why, chain));
    free(chain);
    rf_forest_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_referral_refused),
        cmocka_unit_test(test_cycles_refused),
        cmocka_unit_test(test_reparenting_refused),
        cmocka_unit_test(test_sums_in_any_order),
        cmocka_unit_test(test_refund_and_conversion_idempotent),
        cmocka_unit_test(test_revenue_in_any_order),
        cmocka_unit_test(test_conversion_taken_back),
        cmocka_unit_test(test_changed_at_latest),
        cmocka_unit_test(test_late_referrer_link_shifts_subtree),
        cmocka_unit_test(test_depth_cap),
        cmocka_unit_test(test_partial_working_set),
        cmocka_unit_test(test_erase),
        cmocka_unit_test(test_many_nodes_index_growth),
        cmocka_unit_test(test_cycle_of_long_ids_named_in_full),
    };
    return cmocka_run_group_tests(tests, NULL, free_why);
}
