/*
 * test_conninfo.c - the conninfo rapportd connects with (db_conninfo.h):
 * connect_timeout, keepalives and tcp_user_timeout are added unless the
 * user's conninfo or PG* environment sets them; URIs work; errors are said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "db_conninfo.h"

/* The value libpq itself reads for keyword from conninfo, or NULL. */
static char *value_of(const char *conninfo, const char *keyword)
{
    char *message = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo, &message);
    if (!options)
        fail_msg("effective conninfo does not parse: %s", message ? message : "?");
    char *value = NULL;
    for (PQconninfoOption *o = options; o->keyword; o++)
        if (strcmp(o->keyword, keyword) == 0 && o->val)
            value = strdup(o->val);
    PQconninfoFree(options);
    return value;
}

static void assert_value(const char *conninfo, const char *keyword, const char *want)
{
    char *got = value_of(conninfo, keyword);
    if (!want)
        assert_null(got);
    else if (!got || strcmp(got, want) != 0)
        fail_msg("%s: want %s, got %s in %s", keyword, want, got ? got : "(unset)", conninfo);
    free(got);
}

static void defaults_are_added(void **state)
{
    unsetenv("PGCONNECT_TIMEOUT");
    char err[256];
    char *c = rp_db_conninfo_effective("host=/tmp dbname=rapport", err, sizeof err);
    assert_non_null(c);
    assert_value(c, "host", "/tmp");
    assert_value(c, "dbname", "rapport");
    assert_value(c, "connect_timeout", "5");
    assert_value(c, "keepalives", "1");
    assert_value(c, "keepalives_idle", "30");
    assert_value(c, "keepalives_interval", "10");
    assert_value(c, "keepalives_count", "3");
    assert_value(c, "tcp_user_timeout", "30000");
    free(c);
    c = rp_db_conninfo_effective("", err, sizeof err);   /* libpq defaults + PG* env */
    assert_non_null(c);
    assert_value(c, "connect_timeout", "5");
    assert_value(c, "host", NULL);
    free(c);
    c = rp_db_conninfo_effective(NULL, err, sizeof err);
    assert_non_null(c);
    assert_value(c, "connect_timeout", "5");
    free(c);
}

static void the_users_word_wins(void **state)
{
    unsetenv("PGCONNECT_TIMEOUT");
    char err[256];
    char *c = rp_db_conninfo_effective("dbname=x connect_timeout=60 keepalives=0 tcp_user_timeout=0", err,
                                       sizeof err);
    assert_non_null(c);
    assert_value(c, "connect_timeout", "60");
    assert_value(c, "keepalives", "0");
    assert_value(c, "tcp_user_timeout", "0");
    assert_value(c, "keepalives_idle", "30");
    free(c);
    setenv("PGCONNECT_TIMEOUT", "17", 1);
    c = rp_db_conninfo_effective("dbname=x", err, sizeof err);
    assert_non_null(c);
    assert_value(c, "connect_timeout", NULL);   /* left to libpq, which reads the environment */
    free(c);
    unsetenv("PGCONNECT_TIMEOUT");
}

static void uris_and_quoting_survive(void **state)
{
    char err[256];
    char *c = rp_db_conninfo_effective("postgresql://u@db.example:6543/rapport?application_name=a%20b", err,
                                       sizeof err);
    assert_non_null(c);
    assert_value(c, "host", "db.example");
    assert_value(c, "port", "6543");
    assert_value(c, "user", "u");
    assert_value(c, "dbname", "rapport");
    assert_value(c, "application_name", "a b");
    assert_value(c, "connect_timeout", "5");
    free(c);
    c = rp_db_conninfo_effective("dbname='it\\'s' password='a\\\\b c'", err, sizeof err);
    assert_non_null(c);
    assert_value(c, "dbname", "it's");
    assert_value(c, "password", "a\\b c");
    free(c);
}

static void an_unparsable_conninfo_is_an_error(void **state)
{
    char err[256] = "";
    assert_null(rp_db_conninfo_effective("dbname='unterminated", err, sizeof err));
    assert_non_null(strstr(err, "database: "));
    assert_null(rp_db_conninfo_effective("no_such_keyword=1", err, sizeof err));
    assert_non_null(strstr(err, "no_such_keyword"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_added),
        cmocka_unit_test(the_users_word_wins),
        cmocka_unit_test(uris_and_quoting_survive),
        cmocka_unit_test(an_unparsable_conninfo_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
