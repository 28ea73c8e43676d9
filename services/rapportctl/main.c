/*
 * main.c - rapportctl, the operator's command-line tool: picks the verb from
 * argv[1] and hands it the rest. Each verb lives in its own file and parses
 * its own options (docs/rapportctl.md).
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

typedef struct rc_verb {
    const char *name;
    rc_verb_fn run;
    const char *summary;
} rc_verb;

static const rc_verb verbs[] = {
    {"publish",      rc_publish_main,      "send events from JSON lines to the ingress"},
    {"tail",         rc_tail_main,         "print derived events as JSON lines, live (gaps filled by replay)"},
    {"replay",       rc_replay_main,       "print stored derived events from a sequence number"},
    {"dead-letters", rc_dead_letters_main, "list dead letters, or mark them for retry"},
    {"status",       rc_status_main,       "plugin lag per partition, dead letters, outbox and timers"},
    {"report",       rc_report_main,       "plugin reports: scoring, care, surveys, referrals, org"},
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: rapportctl VERB [OPTIONS]\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        fprintf(out, "  %-13s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out,
            "\n'rapportctl VERB --help' describes a verb's options.\n"
            "Defaults come from RAPPORT_INGRESS, RAPPORT_PUBLISH, RAPPORT_REPLAY and\n"
            "RAPPORT_DATABASE when set.\n"
            "Exit codes: 0 success, 1 some events rejected (or nothing matched),\n"
            "2 usage, connection, timeout or protocol error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return RC_EXIT_FAILURE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return RC_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(name, verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "rapportctl: unknown verb '%s'; see 'rapportctl --help'\n", name);
    return RC_EXIT_FAILURE;
}
