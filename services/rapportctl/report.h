/*
 * report.h - the reports of `rapportctl report`, one per plugin, each in its
 * own report_KIND.c. argv[0] is the report's name; returns an exit code.
 */
#ifndef RC_REPORT_H
#define RC_REPORT_H

int rc_report_movement(int argc, char **argv);
int rc_report_care(int argc, char **argv);
int rc_report_surveys(int argc, char **argv);
int rc_report_referrals(int argc, char **argv);
int rc_report_org(int argc, char **argv);

#endif
