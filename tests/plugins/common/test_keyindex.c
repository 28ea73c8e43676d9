/*
 * test_keyindex.c - rp_keyindex (sdk/): items of a growing (reallocated)
 * array, keys inside it, found by key through many table growths, with
 * absent keys; a key added twice keeps its first position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rapport/rp_keyindex.h"

typedef struct item {
    char key[16];
    int value;
} item;

static const char *key_of(const void *items, size_t i)
{
    return ((const item *)items)[i].key;
}

static void finds_every_item_after_growth(void **state)
{
    (void)state;
    rp_keyindex ix = {0};
    item *items = NULL;
    const size_t n = 5000;                   /* the table grows many times */
    for (size_t i = 0; i < n; i++) {
        items = realloc(items, (i + 1) * sizeof *items);   /* moves: positions, not pointers */
        assert_non_null(items);
        snprintf(items[i].key, sizeof items[i].key, "c%zu", i);
        items[i].value = (int)i * 3;
        assert_true(rp_keyindex_add(&ix, i, key_of, items));
    }
    for (size_t i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "c%zu", i);
        size_t at = rp_keyindex_find(&ix, key, key_of, items);
        assert_int_equal(at, i);
        assert_int_equal(items[at].value, (int)i * 3);
    }
    assert_int_equal(rp_keyindex_find(&ix, "c5000", key_of, items), RP_KEYINDEX_NONE);
    assert_int_equal(rp_keyindex_find(&ix, "", key_of, items), RP_KEYINDEX_NONE);
    assert_int_equal(rp_keyindex_find(&ix, NULL, key_of, items), RP_KEYINDEX_NONE);
    rp_keyindex_free(&ix);
    free(items);
}

static void a_key_added_twice_keeps_its_first_position(void **state)
{
    (void)state;
    item items[3] = {{"a", 0}, {"b", 1}, {"a", 2}};
    rp_keyindex ix = {0};
    for (size_t i = 0; i < 3; i++)
        assert_true(rp_keyindex_add(&ix, i, key_of, items));
    assert_int_equal(rp_keyindex_find(&ix, "a", key_of, items), 0);
    assert_int_equal(rp_keyindex_find(&ix, "b", key_of, items), 1);
    rp_keyindex_free(&ix);
}

static void empty_index_finds_nothing(void **state)
{
    (void)state;
    rp_keyindex ix = {0};
    assert_int_equal(rp_keyindex_find(&ix, "x", key_of, NULL), RP_KEYINDEX_NONE);
    rp_keyindex_free(&ix);
    rp_keyindex_free(&ix);                   /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_every_item_after_growth),
        cmocka_unit_test(a_key_added_twice_keeps_its_first_position),
        cmocka_unit_test(empty_index_finds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
