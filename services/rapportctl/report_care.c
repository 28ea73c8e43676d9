/*
 * report_care.c - `rapportctl report care` (not written yet).
 */
#include "common.h"
#include "report.h"

int rc_report_care(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rapportctl report care: not implemented yet\n");
    return RC_EXIT_FAILURE;
}
