/*
 * report_scoring.c - `rapportctl report scoring` (not written yet).
 */
#include "common.h"
#include "report.h"

int rc_report_scoring(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rapportctl report scoring: not implemented yet\n");
    return RC_EXIT_FAILURE;
}
