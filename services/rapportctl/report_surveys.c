/*
 * report_surveys.c - `rapportctl report surveys` (not written yet).
 */
#include "common.h"
#include "report.h"

int rc_report_surveys(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rapportctl report surveys: not implemented yet\n");
    return RC_EXIT_FAILURE;
}
