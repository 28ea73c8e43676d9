/*
 * report_org.c - `rapportctl report org` (not written yet).
 */
#include "common.h"
#include "report.h"

int rc_report_org(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rapportctl report org: not implemented yet\n");
    return RC_EXIT_FAILURE;
}
