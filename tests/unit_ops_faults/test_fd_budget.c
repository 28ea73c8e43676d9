/*
 * test_fd_budget.c - rp_fd_budget: the open-files soft limit is raised to the
 * hard limit, and limits.max_connections is lowered to what fits beside the
 * database connections and a reserve, or the start is refused when nothing
 * fits. Each case runs in a child process, since lowering the hard limit
 * cannot be undone; the child reports through its exit status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "peer_limit.h"
#include "rp_limits.h"

typedef struct budget_case {
    rlim_t soft, hard;
    size_t max_connections;
    bool want_ok;
    size_t want_connections;   /* when want_ok */
    const char *want_error;    /* a part of err, when !want_ok */
} budget_case;

/* In the child: 0 when the case holds, else 1 with a line on stderr. */
static int run_case(const budget_case *c)
{
    struct rlimit set = {.rlim_cur = c->soft, .rlim_max = c->hard};
    if (setrlimit(RLIMIT_NOFILE, &set) != 0)
        return fprintf(stderr, "setrlimit failed\n"), 1;
    rp_limits limits;
    rp_limits_defaults(&limits);
    limits.max_connections = c->max_connections;
    char err[256] = "";
    bool ok = rp_fd_budget(&limits, 18, 256, err, sizeof err);
    struct rlimit now;
    getrlimit(RLIMIT_NOFILE, &now);
    if (ok != c->want_ok)
        return fprintf(stderr, "ok=%d, want %d (%s)\n", ok, c->want_ok, err), 1;
    if (ok && limits.max_connections != c->want_connections)
        return fprintf(stderr, "max_connections=%zu, want %zu\n", limits.max_connections, c->want_connections), 1;
    if (ok && now.rlim_cur != c->hard)
        return fprintf(stderr, "soft limit %llu, want the hard %llu\n", (unsigned long long)now.rlim_cur,
                       (unsigned long long)c->hard), 1;
    if (!ok && !strstr(err, c->want_error))
        return fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, c->want_error), 1;
    return 0;
}

static void check(const budget_case *c)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(run_case(c));
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void soft_limit_raised_and_connections_fitted(void **state)
{
    (void)state;
    /* 600 - (18 database + 256 reserve) = 326 connections fit. */
    check(&(budget_case){.soft = 100, .hard = 600, .max_connections = 1000, .want_ok = true,
                         .want_connections = 326});
}

static void enough_room_leaves_the_limit_alone(void **state)
{
    (void)state;
    check(&(budget_case){.soft = 1024, .hard = 5000, .max_connections = 1000, .want_ok = true,
                         .want_connections = 1000});
}

static void no_room_refuses_the_start(void **state)
{
    (void)state;
    check(&(budget_case){.soft = 200, .hard = 200, .max_connections = 1000, .want_ok = false,
                         .want_error = "open-files limit 200"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(soft_limit_raised_and_connections_fitted),
        cmocka_unit_test(enough_room_leaves_the_limit_alone),
        cmocka_unit_test(no_room_refuses_the_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
