/*
 * report_referrals.c - `rapportctl report referrals` (not written yet).
 */
#include "common.h"
#include "report.h"

int rc_report_referrals(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rapportctl report referrals: not implemented yet\n");
    return RC_EXIT_FAILURE;
}
