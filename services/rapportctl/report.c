/*
 * report.c - `rapportctl report KIND ...`: picks the report from argv[1].
 * Each report lives in its own report_KIND.c, reads the owning plugin's
 * documented tables directly from PostgreSQL, prints text by default and
 * JSON with --json (docs/plugins/NAME.md describes each one).
 */
#include <string.h>

#include "common.h"
#include "report.h"

typedef struct rc_report {
    const char *name;
    rc_verb_fn run;
    const char *summary;
} rc_report;

static const rc_report reports[] = {
    {"movement",  rc_report_movement,  "core-group inflow and outflow with reasons, counts per tier (--month M)"},
    {"care",      rc_report_care,      "care tasks due, by priority, with reasons and deferrals (--day D)"},
    {"surveys",   rc_report_surveys,   "response rate, NPS, CSAT, complaints' SLA, silent churn (--month M)"},
    {"referrals", rc_report_referrals, "top referrers, key people, conversion, attribution (--month M)"},
    {"org",       rc_report_org,       "one enterprise client's stakeholder map (ORG [--json|--dot])"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: rapportctl report KIND [OPTIONS]\n\nkinds:\n");
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        fprintf(out, "  %-10s %s\n", reports[i].name, reports[i].summary);
    fprintf(out, "\n'rapportctl report KIND --help' describes a report's options.\n");
}

int rc_report_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return RC_EXIT_FAILURE;
    }
    const char *kind = argv[1];
    if (strcmp(kind, "--help") == 0 || strcmp(kind, "-h") == 0) {
        usage(stdout);
        return RC_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
        if (strcmp(kind, reports[i].name) == 0)
            return reports[i].run(argc - 1, argv + 1);
    fprintf(stderr, "rapportctl report: unknown report '%s'; see 'rapportctl report --help'\n", kind);
    return RC_EXIT_FAILURE;
}
