/*
 * test_settings.c - the scoring plugin's settings table (ABI 2) and its
 * check: the table is well formed and its defaults lie in their ranges, the
 * defaults check into the parsed values the plugin always had, and every bad
 * list or cross-key value is refused with a message naming the key and the
 * value (the host adds the plugin and the tenant).
 *
 * fill() does what the host does with the table for the few types scoring
 * uses, from the defaults plus the given overrides, so sc_settings_check is
 * tested on the struct it will really receive.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rapport/rp_duration.h"
#include "rapport/rp_pgarray.h"
#include "settings.h"

#define DAY 86400000LL
#define MAX_ITEMS 16

/* Storage for the lists of one filled struct (the host owns it for real). */
typedef struct filled {
    sc_settings s;
    char text[32][256];
    const char *items[32][MAX_ITEMS];
} filled;

static const rp_setting *find(const char *key)
{
    for (const rp_setting *e = sc_setting_table; e->key; e++)
        if (strcmp(e->key, key) == 0)
            return e;
    fail_msg("no setting %s", key);
    return NULL;
}

/* Splits text at commas into trimmed items, as RP_SETTING_LIST does. */
static void split(char *text, const char **items, rp_list *out)
{
    size_t n = 0;
    for (char *p = text; *p && n < MAX_ITEMS;) {
        while (*p == ' ')
            p++;
        char *comma = strchr(p, ',');
        char *end = comma ? comma : p + strlen(p);
        while (end > p && end[-1] == ' ')
            end--;
        items[n++] = p;
        if (!comma) {
            *end = '\0';
            break;
        }
        *end = '\0';
        p = comma + 1;
    }
    out->count = n;
    out->items = items;
}

static void set_value(filled *f, int i, const rp_setting *e, const char *value)
{
    char *field = (char *)&f->s + e->offset;
    switch (e->type) {
    case RP_SETTING_LIST:
        snprintf(f->text[i], sizeof f->text[i], "%s", value);
        split(f->text[i], f->items[i], (rp_list *)(void *)field);
        break;
    case RP_SETTING_DURATION:
        assert_true(rp_parse_duration(value, (int64_t *)(void *)field));
        break;
    case RP_SETTING_INT:
        *(int64_t *)(void *)field = strtoll(value, NULL, 10);
        break;
    case RP_SETTING_DOUBLE:
        *(double *)(void *)field = strtod(value, NULL);
        break;
    default:
        fail_msg("type %d of %s not used by scoring", (int)e->type, e->key);
    }
}

/* The struct the host would hand over: defaults, then key/value pairs
 * (NULL-terminated). */
static void fill(filled *f, ...)
{
    memset(f, 0, sizeof *f);
    int i = 0;
    for (const rp_setting *e = sc_setting_table; e->key; e++, i++)
        set_value(f, i, e, e->default_value);
    va_list ap;
    va_start(ap, f);
    for (const char *key; (key = va_arg(ap, const char *)) != NULL;) {
        const char *value = va_arg(ap, const char *);
        const rp_setting *e = find(key);
        set_value(f, (int)(e - sc_setting_table), e, value);
    }
    va_end(ap);
}

static void test_table_is_well_formed(void **state)
{
    (void)state;
    int n = 0;
    for (const rp_setting *e = sc_setting_table; e->key; e++, n++) {
        assert_true(e->key[0] >= 'a' && e->key[0] <= 'z');
        assert_int_equal(strspn(e->key, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(e->key));
        for (const rp_setting *o = e + 1; o->key; o++)
            assert_string_not_equal(e->key, o->key);
        assert_non_null(e->default_value);
        assert_non_null(e->help);
        /* every key shapes one tenant's scoring only: all may be overridden */
        assert_true(e->flags & RP_SETTING_PER_TENANT);
        assert_true(e->min <= e->max);
        assert_true(e->max > 0);        /* bounded, never "unbounded by accident" */
        size_t size = e->type == RP_SETTING_LIST ? sizeof(rp_list)
                    : e->type == RP_SETTING_DOUBLE ? sizeof(double) : sizeof(int64_t);
        assert_true(e->offset + size <= offsetof(sc_settings, params));
    }
    assert_int_equal(n, 19);
    /* The 19 keys of ABI 1 with the same defaults, now typed: durations and
     * integers are no longer strings. */
    assert_int_equal(find("half_life")->type, RP_SETTING_DURATION);
    assert_int_equal(find("recheck_interval")->type, RP_SETTING_DURATION);
    assert_int_equal(find("fit_min_customers")->type, RP_SETTING_INT);
    assert_int_equal(find("weights")->type, RP_SETTING_LIST);
    assert_string_equal(find("thresholds")->default_value, "88,78,50,30");
}

static void test_defaults_lie_in_their_ranges(void **state)
{
    (void)state;
    for (const rp_setting *e = sc_setting_table; e->key; e++) {
        double v;
        if (e->type == RP_SETTING_LIST) {
            char text[256];
            const char *items[MAX_ITEMS];
            rp_list l;
            snprintf(text, sizeof text, "%s", e->default_value);
            split(text, items, &l);
            v = (double)l.count;
        } else if (e->type == RP_SETTING_DURATION) {
            int64_t ms;
            assert_true(rp_parse_duration(e->default_value, &ms));
            v = (double)ms;
        } else {
            v = strtod(e->default_value, NULL);
        }
        if (!(v >= e->min && v <= e->max))
            fail_msg("default %s = %s outside [%g, %g]", e->key, e->default_value, e->min, e->max);
    }
}

static void test_defaults_check_into_the_old_values(void **state)
{
    (void)state;
    filled f;
    fill(&f, NULL);
    char err[256] = "";
    assert_int_equal(sc_settings_check(&f.s, NULL, err, sizeof err), RP_OK);
    const sc_params *p = &f.s.params;
    const double w[SC_CRITERIA] = {3, 1, 1, 1, 1, 2, 1, 1, 2};
    for (int i = 0; i < SC_CRITERIA; i++)
        assert_true(p->weights[i] == w[i]);
    assert_true(p->half_life_ms == 180.0 * DAY);
    assert_true(p->recency_half_life_ms == 90.0 * DAY);
    assert_true(p->influence_window_ms == 14.0 * DAY);
    assert_true(p->negotiation_half_ms == 14.0 * DAY);
    assert_true(p->prior_weight == 1 && p->referral_scale == 1 && p->suggestion_scale == 1);
    assert_true(f.s.rules.threshold[SC_TIER_VIP] == 88 && f.s.rules.threshold[SC_TIER_SMALL] == 30);
    assert_true(f.s.rules.margin == 3);
    assert_int_equal(f.s.rules.dwell_ms, 14 * DAY);
    assert_int_equal(f.s.core_mask, (1u << SC_TIER_VIP) | (1u << SC_TIER_KEY));
    assert_int_equal(f.s.risk.count, 3);
    assert_string_equal(sc_risk_level(&f.s.risk, 0.1), "high");
    assert_int_equal(f.s.recheck_ms, 7 * DAY);
    assert_int_equal(f.s.fit_min_customers, 20);
    assert_int_equal(f.s.fit_max_customers, 50000);
}

static void test_a_tenants_values_are_its_own(void **state)
{
    (void)state;
    filled f;
    fill(&f, "thresholds", "80, 65, 45, 25", "core_tiers", "vip", "weights", "1,0,0,0,0,0,0,0,0",
         "risk_levels", "gone<0.1,low", NULL);
    char err[256] = "";
    assert_int_equal(sc_settings_check(&f.s, "acme", err, sizeof err), RP_OK);
    assert_true(f.s.rules.threshold[SC_TIER_KEY] == 65 && f.s.rules.threshold[SC_TIER_SMALL] == 25);
    assert_int_equal(f.s.core_mask, 1u << SC_TIER_VIP);
    assert_true(f.s.params.weights[0] == 1 && f.s.params.weights[8] == 0);
    assert_string_equal(sc_risk_level(&f.s.risk, 0.05), "gone");
    assert_string_equal(sc_risk_level(&f.s.risk, 0.5), "low");
}

/* One bad value: refused, and the message names the key and the value. */
static void refused(const char *key, const char *value, const char *also)
{
    filled f;
    fill(&f, key, value, NULL);
    char err[256] = "";
    if (sc_settings_check(&f.s, "acme", err, sizeof err) != RP_ERROR)
        fail_msg("%s = %s was accepted", key, value);
    if (!strstr(err, key) || !strstr(err, value) || (also && !strstr(err, also)))
        fail_msg("%s = %s: message \"%s\" does not name key, value and \"%s\"", key, value, err,
                 also ? also : "");
}

static void test_bad_values_are_refused_naming_key_and_value(void **state)
{
    (void)state;
    refused("weights", "3,1,1,1,1,2,1,x,2", "value 8");
    refused("weights", "3,-1,1,1,1,2,1,1,2", "value 2");
    refused("weights", "3,1,1", "9 comma-separated");
    refused("weights", "0,0,0,0,0,0,0,0,0", "above 0");
    refused("thresholds", "50,60,40,30", "decrease");
    refused("thresholds", "180,60,40,30", "at most 100");
    refused("thresholds", "80,65,45", "4 comma-separated");
    refused("core_tiers", "vip,gold", "'gold'");
    refused("risk_levels", "high<0.6,medium<0.3,low", "medium<0.3");
    refused("risk_levels", "high<0.3,low<0.9", "last level");
    refused("risk_levels", "high<x,low", "high<x");
    refused("fit_min_customers", "60000", "fit_max_customers");
}

static void test_array_literal_quoting(void **state)
{
    (void)state;
    rp_text b = {0};
    rp_text_putc(&b, '{');
    rp_pgarray_quote(&b, "a\"b\\c,d");
    rp_text_putc(&b, ',');
    rp_pgarray_quote(&b, NULL);
    rp_text_putc(&b, '}');
    assert_string_equal(rp_text_get(&b), "{\"a\\\"b\\\\c,d\",NULL}");
    rp_text_reset(&b);
    rp_text_double(&b, NAN, "NULL");
    assert_string_equal(rp_text_get(&b), "NULL");
    rp_text_free(&b);

    /* the comma-separating builder the other plugins use gives the same */
    rp_pgarray a = {0};
    assert_string_equal(rp_pgarray_finish(&a), "{}");
    rp_pgarray_free(&a);
    rp_pgarray_add(&a, "a\"b\\c,d");
    rp_pgarray_add(&a, NULL);
    assert_string_equal(rp_pgarray_finish(&a), "{\"a\\\"b\\\\c,d\",NULL}");
    assert_string_equal(rp_pgarray_finish(&a), "{\"a\\\"b\\\\c,d\",NULL}");
    rp_pgarray_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_well_formed),
        cmocka_unit_test(test_defaults_lie_in_their_ranges),
        cmocka_unit_test(test_defaults_check_into_the_old_values),
        cmocka_unit_test(test_a_tenants_values_are_its_own),
        cmocka_unit_test(test_bad_values_are_refused_naming_key_and_value),
        cmocka_unit_test(test_array_literal_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
