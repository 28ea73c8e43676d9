/*
 * snapshot.c - scoring's tables as comparable text (see snapshot.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_test.h"
#include "snapshot.h"

sn_rows sn_query(PGconn *db, const char *sql)
{
    PGresult *res = PQexec(db, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rp_test_fail("%s: %s", sql, PQerrorMessage(db));
    sn_rows out = {.n = (size_t)PQntuples(res)};
    out.row = calloc(out.n ? out.n : 1, sizeof *out.row);
    for (size_t r = 0; r < out.n; r++) {
        size_t len = 1;
        for (int c = 0; c < PQnfields(res); c++)
            len += (size_t)PQgetlength(res, (int)r, c) + 3;
        char *line = malloc(len), *at = line;
        for (int c = 0; c < PQnfields(res); c++)
            at += sprintf(at, "%s%s", c ? "|" : "",
                          PQgetisnull(res, (int)r, c) ? "\\N" : PQgetvalue(res, (int)r, c));
        out.row[r] = line;
    }
    PQclear(res);
    return out;
}

void sn_free(sn_rows *rows)
{
    for (size_t r = 0; r < rows->n; r++)
        free(rows->row[r]);
    free(rows->row);
    rows->row = NULL;
    rows->n = 0;
}

/* A number starts at p (not inside a word such as a customer id "r01"). */
static bool number_at(const char *start, const char *p)
{
    if (p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))
        return false;
    return isdigit((unsigned char)p[0]) || (p[0] == '-' && isdigit((unsigned char)p[1]));
}

static bool integer_token(const char *from, const char *to)
{
    for (const char *p = from; p < to; p++)
        if (*p == '.' || *p == 'e' || *p == 'E')
            return false;
    return true;
}

bool sn_same_text(const char *a, const char *b)
{
    const char *sa = a, *sb = b;
    while (*a && *b) {
        if (number_at(sa, a) && number_at(sb, b)) {
            char *ea, *eb;
            double x = strtod(a, &ea), y = strtod(b, &eb);
            if (integer_token(a, ea) && integer_token(b, eb)) {
                if (ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)) != 0)
                    return false;
            } else if (fabs(x - y) > 1e-9 * fmax(fabs(x), fabs(y)) && fabs(x - y) > 1e-12) {
                return false;
            }
            a = ea;
            b = eb;
            continue;
        }
        if (*a++ != *b++)
            return false;
    }
    return *a == *b;
}

bool sn_equal(const char *what, const sn_rows *a, const sn_rows *b)
{
    int shown = 0;
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t r = 0; r < n; r++) {
        const char *x = r < a->n ? a->row[r] : "(no row)", *y = r < b->n ? b->row[r] : "(no row)";
        if (sn_same_text(x, y))
            continue;
        if (shown++ < 5)
            fprintf(stderr, "%s, row %zu:\n  reference: %s\n  this run:  %s\n", what, r, x, y);
    }
    if (shown)
        fprintf(stderr, "%s: %d of %zu rows differ (%zu rows in the reference, %zu in this run)\n",
                what, shown, n, a->n, b->n);
    return shown == 0;
}
