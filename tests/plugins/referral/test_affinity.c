/*
 * test_affinity.c - cross-cooperation: parsing the affinity table of
 * professions (normalised terms, clear errors), the partners of a term, and
 * the introductions suggested on a small hand-checked set of customers
 * (priority by pair order then id, per-subject cap, direct links excluded,
 * each pair of customers listed once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "affinity.h"

static void test_normalise(void **state)
{
    (void)state;
    char out[32];
    assert_true(rf_affinity_normalise("  Real \t Estate  AGENT ", out, sizeof out));
    assert_string_equal(out, "real estate agent");
    assert_false(rf_affinity_normalise(" \t ", out, sizeof out));
    assert_string_equal(out, "");
    assert_false(rf_affinity_normalise("abcdefgh", out, 8)); /* 8 bytes + NUL do not fit */
    assert_string_equal(out, "");
    assert_true(rf_affinity_normalise("abcdefg", out, 8));
    assert_string_equal(out, "abcdefg");
}

static void test_parse(void **state)
{
    (void)state;
    rf_affinity t;
    char err[256];
    assert_true(rf_affinity_parse(" Real Estate Agent : Mortgage Broker ,, architect:Interior Designer ",
                                  &t, err, sizeof err));
    assert_int_equal(t.count, 2);
    assert_string_equal(t.pair[0].a, "real estate agent");
    assert_string_equal(t.pair[0].b, "mortgage broker");
    assert_string_equal(t.pair[1].a, "architect");
    assert_string_equal(t.pair[1].b, "interior designer");

    assert_true(rf_affinity_parse("", &t, err, sizeof err));
    assert_int_equal(t.count, 0);
    assert_true(rf_affinity_parse(rf_affinity_default, &t, err, sizeof err));
    assert_int_equal(t.count, 12);

    assert_false(rf_affinity_parse("a:b,c", &t, err, sizeof err));
    assert_string_equal(err, "affinity pair 'c': expected PROFESSION:PROFESSION");
    assert_false(rf_affinity_parse("a:b:c", &t, err, sizeof err));
    assert_string_equal(err, "affinity pair 'a:b:c': expected PROFESSION:PROFESSION");
    assert_false(rf_affinity_parse("Lawyer:lawyer", &t, err, sizeof err));
    assert_string_equal(err, "affinity pair 'lawyer:lawyer': a profession cannot pair with itself");
    assert_false(rf_affinity_parse("a:b, B : A", &t, err, sizeof err));
    assert_string_equal(err, "affinity pair 'b:a' appears twice");
    assert_false(rf_affinity_parse("a: ", &t, err, sizeof err));
    assert_string_equal(err, "affinity pair 'a: ': each side must be 1 to 63 characters");
}

static void test_partners(void **state)
{
    (void)state;
    rf_affinity t;
    char err[256];
    assert_true(rf_affinity_parse("real estate agent:mortgage broker,architect:interior designer,"
                                  "real estate agent:interior designer", &t, err, sizeof err));
    const char *out[4];
    assert_int_equal(rf_affinity_partners(&t, "real estate agent", out, 4), 2);
    assert_string_equal(out[0], "mortgage broker");
    assert_string_equal(out[1], "interior designer");
    assert_int_equal(rf_affinity_partners(&t, "interior designer", out, 4), 2);
    assert_string_equal(out[0], "architect");
    assert_string_equal(out[1], "real estate agent");
    assert_int_equal(rf_affinity_partners(&t, "baker", out, 4), 0);
    assert_int_equal(rf_affinity_partners(&t, "real estate agent", out, 1), 2); /* only 1 written */
    assert_string_equal(out[0], "mortgage broker");
}

/* Pairs: 0 agent-broker, 1 architect-designer, 2 agent-designer.
 *   ann agent;  bob broker;  cid designer;  dan architect (industry construction);
 *   eve industry broker, referred by ann;  fay broker;  gus designer.
 * ann ranks (0,bob) (0,fay) (2,cid) (2,gus); eve is excluded (ann referred her).
 * cid ranks (1,dan) (2,ann).  bob ranks (0,ann) only: already listed. */
static void test_introductions(void **state)
{
    (void)state;
    rf_affinity t;
    char err[256];
    assert_true(rf_affinity_parse("real estate agent:mortgage broker,architect:interior designer,"
                                  "real estate agent:interior designer", &t, err, sizeof err));
    const rf_person people[] = {
        {"ann", "real estate agent", NULL, NULL},
        {"bob", "mortgage broker", NULL, NULL},
        {"cid", "interior designer", NULL, NULL},
        {"dan", "architect", "construction", NULL},
        {"eve", NULL, "mortgage broker", "ann"},
        {"fay", "mortgage broker", NULL, NULL},
        {"gus", "interior designer", NULL, NULL},
    };
    const rf_person subjects[] = {people[0], people[2], people[1]};
    rf_intro out[8];
    size_t n = rf_introductions(&t, subjects, 3, people, 7, 2, out, 8);
    assert_int_equal(n, 4);
    const char *expect[4][5] = {
        {"ann", "bob", "real estate agent", "mortgage broker", "0"},
        {"ann", "fay", "real estate agent", "mortgage broker", "0"},
        {"cid", "dan", "interior designer", "architect", "1"},
        {"ann", "cid", "real estate agent", "interior designer", "2"},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(out[i].a, expect[i][0]);
        assert_string_equal(out[i].b, expect[i][1]);
        assert_string_equal(out[i].a_term, expect[i][2]);
        assert_string_equal(out[i].b_term, expect[i][3]);
        char pair[4];
        snprintf(pair, sizeof pair, "%zu", out[i].pair);
        assert_string_equal(pair, expect[i][4]);
    }
    /* A larger cap reaches the lower-priority pair; the link to eve stays out. */
    n = rf_introductions(&t, subjects, 1, people, 7, 10, out, 8);
    assert_int_equal(n, 4);
    assert_string_equal(out[2].b, "cid");
    assert_string_equal(out[3].b, "gus");
    /* Eve is matched by her industry once the link is not there. */
    const rf_person eve_alone = {"eve", NULL, "mortgage broker", NULL};
    n = rf_introductions(&t, &eve_alone, 1, people, 7, 1, out, 8);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].a, "ann");
    assert_string_equal(out[0].b, "eve");
    assert_string_equal(out[0].b_term, "mortgage broker");
    /* Candidates listed twice (two query terms) count once. */
    const rf_person twice[] = {people[1], people[1], people[5]};
    n = rf_introductions(&t, &people[0], 1, twice, 3, 5, out, 8);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].b, "bob");
    assert_string_equal(out[1].b, "fay");
    /* No pairs, no suggestions. */
    rf_affinity none = {.count = 0};
    assert_int_equal(rf_introductions(&none, subjects, 3, people, 7, 2, out, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_partners),
        cmocka_unit_test(test_introductions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
