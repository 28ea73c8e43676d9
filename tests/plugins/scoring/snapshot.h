/*
 * snapshot.h - what a run leaves in scoring's tables, as text rows two runs
 * can be compared in (test helper of test_scoring_order.c).
 *
 * Rows are compared as text, except that numbers which are not integers
 * may differ in their last digits: a decayed sum added up in another order
 * (a late event enters with its weight "by now") differs in its last bits,
 * which no consumer sees as a fact. Integers (times, counts, ids) must be
 * equal.
 */
#ifndef SCORING_TEST_SNAPSHOT_H
#define SCORING_TEST_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>

typedef struct sn_rows {
    char **row;     /* the cells of each row, joined by '|' (NULL as \N) */
    size_t n;
} sn_rows;

/* The rows of a query (give it an ORDER BY), or fails the test. */
sn_rows sn_query(PGconn *db, const char *sql);
void sn_free(sn_rows *rows);

/* Whether two texts are equal up to the last digits of non-integer numbers
 * (relative difference below 1e-9). */
bool sn_same_text(const char *a, const char *b);

/* Whether two row sets are the same (sn_same_text row by row); otherwise
 * prints what differs, labelled with what, and returns false. */
bool sn_equal(const char *what, const sn_rows *a, const sn_rows *b);

#endif
