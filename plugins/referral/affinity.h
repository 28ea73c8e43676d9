/*
 * affinity.h - cross-cooperation (seed 001): which existing customers could
 * do business together, from a configurable table of profession/industry
 * pairs ("real estate agent" and "mortgage broker" send each other clients).
 *
 * The table comes from one configuration string, comma-separated pairs
 *     A:B
 * where A and B are professions or industries; a pair works both ways. Terms
 * are normalised (ASCII lower-case, surrounding blanks dropped, inner runs of
 * blanks made one space) so "Real  Estate Agent" matches "real estate agent".
 * The order of the pairs is their priority.
 *
 * Suggestions are for a person to act on (a report), never outreach: the
 * plugin computes them for customers whose profession or industry changed,
 * against candidates it reads from its own table.
 *
 * Pure logic, no I/O.
 */
#ifndef REFERRAL_AFFINITY_H
#define REFERRAL_AFFINITY_H

#include <stdbool.h>
#include <stddef.h>

#define RF_MAX_PAIRS 64
#define RF_TERM_MAX 64

typedef struct rf_affinity_pair {
    char a[RF_TERM_MAX], b[RF_TERM_MAX];
} rf_affinity_pair;

typedef struct rf_affinity {
    rf_affinity_pair pair[RF_MAX_PAIRS];
    size_t count;
} rf_affinity;

/* The pairs used when the configuration sets none of its own. */
extern const char rf_affinity_default[];

/* Lower-cases and squeezes blanks into out (always NUL-terminated); false
 * when the result is empty or does not fit. */
bool rf_affinity_normalise(const char *in, char *out, size_t size);

/* An empty text means no pairs (the feature is off). false with err naming
 * the pair on a malformed entry, an over-long term, a pair of one term with
 * itself, a repeated pair, or more than RF_MAX_PAIRS pairs. */
bool rf_affinity_parse(const char *text, rf_affinity *out, char *err, size_t errlen);

/* The terms that pair with `term` (normalised), in table order, without
 * repeats; returns how many there are (only cap are written). */
size_t rf_affinity_partners(const rf_affinity *t, const char *term, const char **out, size_t cap);

/* A customer as the pairing sees it; profession, industry (normalised) and
 * referred_by may be NULL. */
typedef struct rf_person {
    const char *id;
    const char *profession;
    const char *industry;
    const char *referred_by;
} rf_person;

/* One suggested introduction: a < b (byte order), the pair that matched
 * (index into the table) and the two terms as they matched. */
typedef struct rf_intro {
    const char *a, *b;
    const char *a_term, *b_term;
    size_t pair;
} rf_intro;

/* For every subject, up to per_subject candidates it could do business with:
 * some pair has the subject's profession or industry on one side and the
 * candidate's on the other. Excluded: the subject itself and customers
 * already linked to it directly (one referred the other). A subject's
 * candidates rank by pair priority (table order), then by id; the best pair
 * between two customers is the one reported. Subjects are handled in the
 * given order; an introduction already listed (from the other side) is not
 * repeated but still counts for this subject. Returns how many there are
 * (only cap are written). Pointers borrow from the inputs and the table. */
size_t rf_introductions(const rf_affinity *t, const rf_person *subjects, size_t nsubjects,
                        const rf_person *candidates, size_t ncandidates, size_t per_subject,
                        rf_intro *out, size_t cap);

#endif
