/*
 * report_org.c - `rapportctl report org ORG`: one enterprise client's
 * stakeholder map (seed 004): its people by buying role with attitude,
 * relationship strength and personality style, the coverage gaps, and the
 * recommended next actions (the role tactic combined with the person's
 * style approach). `--json` prints the same map for machines; `--dot FILE`
 * also writes it as a Graphviz graph (org -> roles -> people).
 *
 * Everything comes from the stakeholder plugin's tables
 * (docs/plugins/stakeholder.md). Strength is shown as of the org's last
 * coverage evaluation (stakeholder_orgs.computed_ms), with the half-life and
 * scale the plugin used then, so the map agrees with the gaps beside it.
 * The map is first read into one JSON document; text, JSON and DOT are three
 * renderings of it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "report.h"

#define ROLE_COUNT 6

static const char *const role_order[ROLE_COUNT] = {
    "initiator_internal", "influencer_internal", "influencer_external",
    "executor",           "decision_maker",      "user",
};

typedef struct org_options {
    const char *org;
    const char *tenant;
    const char *database;
    const char *dot_path;
    bool json;
} org_options;

static const char org_sql[] =
    "SELECT coalesce(name, ''), coalesce(owner, ''), members, covered_roles, threads,"
    "  single_threaded, coverage_score, computed_ms, adequate_strength"
    "  FROM stakeholder_orgs WHERE tenant = $1 AND org = $2";

/* Strength at the org's evaluation instant: 100 r / (r + K) with
 * r = raw * 2^(-(computed - ref) / H), never extrapolated backwards. */
static const char people_sql[] =
    "SELECT m.customer, array_to_string(m.roles, ','), m.influence, m.attitude,"
    "  coalesce(m.title, ''), coalesce(m.interests_collective, ''),"
    "  coalesce(m.interests_personal, ''), coalesce(p.style, 'unknown'),"
    "  round(CASE WHEN coalesce(p.strength_raw, 0) <= 0 THEN 0 ELSE"
    "    (SELECT 100 * r / (r + o.strength_scale) FROM (SELECT p.strength_raw"
    "      * power(2, -greatest(o.computed_ms - p.strength_ref_ms, 0)::float8"
    "        / greatest(o.half_life_ms, 1)) AS r) x) END::numeric, 1)::text,"
    "  coalesce(p.interactions, 0)"
    "  FROM stakeholder_members m JOIN stakeholder_orgs o ON o.tenant = m.tenant AND o.org = m.org"
    "  LEFT JOIN stakeholder_people p ON p.tenant = m.tenant AND p.customer = m.customer"
    " WHERE m.tenant = $1 AND m.org = $2 AND m.active"
    " ORDER BY m.influence DESC, m.customer";

static const char gaps_sql[] =
    "SELECT role, kind, opened_ms FROM stakeholder_gaps WHERE tenant = $1 AND org = $2"
    " ORDER BY array_position(ARRAY['initiator_internal', 'influencer_internal',"
    "  'influencer_external', 'executor', 'decision_maker', 'user'], role)";

static const char advice_sql[] = "SELECT topic, key, advice FROM stakeholder_advice";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportctl report org ORG [--tenant=T] [--json] [--dot=FILE]\n"
            "                             [--database=CONNINFO]\n"
            "One enterprise client's stakeholder map: people by buying role with attitude,\n"
            "relationship strength and style, coverage gaps, and recommended next actions.\n"
            "From the stakeholder plugin's tables.\n"
            "  --tenant=T           tenant (default: default)\n"
            "  --json               one JSON document instead of text\n"
            "  --dot=FILE           also write the map as a Graphviz DOT file\n"
            "  --database=CONNINFO  libpq conninfo (env RAPPORT_DATABASE, else PG* variables)\n");
}

static int parse_options(int argc, char **argv, org_options *opt)
{
    static const struct option longs[] = {
        {"tenant", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
        {"dot", required_argument, NULL, 'g'},    {"database", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    *opt = (org_options){.tenant = "default"};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 't': opt->tenant = optarg; break;
        case 'j': opt->json = true; break;
        case 'g': opt->dot_path = optarg; break;
        case 'd': opt->database = optarg; break;
        case 'h': usage(stdout); return RC_EXIT_OK;
        default: return rc_usage_error("report org", NULL);
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "rapportctl report org: give exactly one ORG (see --help)\n");
        return RC_EXIT_FAILURE;
    }
    opt->org = argv[optind];
    return -1;
}

static PGresult *run(PGconn *conn, const char *sql, int nparams, const org_options *opt)
{
    const char *params[] = {opt->tenant, opt->org};
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && strcmp(state, "42P01") == 0)
        fprintf(stderr, "rapportctl report org: the stakeholder tables are missing; "
                        "is the stakeholder plugin loaded in this database?\n");
    else
        fprintf(stderr, "rapportctl report org: %s", PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

/* ------------------------------------------------------------------------
 * The map as one JSON document.
 * ---------------------------------------------------------------------- */

static const char *advice_of(const PGresult *advice, const char *topic, const char *key)
{
    for (int r = 0; advice && r < PQntuples(advice); r++)
        if (strcmp(PQgetvalue(advice, r, 0), topic) == 0 && strcmp(PQgetvalue(advice, r, 1), key) == 0)
            return PQgetvalue(advice, r, 2);
    return NULL;
}

/* The role tactic combined with the person's style, one line per role held;
 * then the attitude's line, and a reminder when the tie is weak. */
static json_t *person_actions(const PGresult *advice, json_t *roles, const char *attitude,
                              const char *style, double strength, double adequate)
{
    json_t *actions = json_array();
    const char *approach = advice_of(advice, "style", style);
    size_t i;
    json_t *role;
    json_array_foreach(roles, i, role) {
        const char *tactic = advice_of(advice, "role", json_string_value(role));
        if (tactic)
            json_array_append_new(actions, json_sprintf("%s; approach (%s): %s", tactic, style,
                                                        approach ? approach : "-"));
    }
    const char *about_attitude = advice_of(advice, "attitude", attitude);
    if (about_attitude)
        json_array_append_new(actions, json_string(about_attitude));
    if (strength < adequate)
        json_array_append_new(actions, json_sprintf("strengthen the tie: plan a contact soon "
                                                    "(strength %.1f < %.0f)", strength, adequate));
    return actions;
}

static json_t *split_roles(const char *csv)
{
    json_t *roles = json_array();
    char *copy = strdup(csv), *save = NULL;
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
        json_array_append_new(roles, json_string(tok));
    free(copy);
    return roles;
}

static json_t *people_json(const PGresult *people, const PGresult *advice, double adequate)
{
    json_t *list = json_array();
    for (int r = 0; r < PQntuples(people); r++) {
        json_t *roles = split_roles(PQgetvalue(people, r, 1));
        const char *attitude = PQgetvalue(people, r, 3), *style = PQgetvalue(people, r, 7);
        double strength = atof(PQgetvalue(people, r, 8));
        json_t *actions = person_actions(advice, roles, attitude, style, strength, adequate);
        json_array_append_new(list, json_pack("{s:s, s:o, s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:b, s:I, s:o}",
            "customer", PQgetvalue(people, r, 0), "roles", roles,
            "influence", (json_int_t)atoll(PQgetvalue(people, r, 2)), "attitude", attitude,
            "title", PQgetvalue(people, r, 4), "interests_collective", PQgetvalue(people, r, 5),
            "interests_personal", PQgetvalue(people, r, 6), "style", style, "strength", strength,
            "adequate", strength >= adequate && strcmp(attitude, "opponent") != 0,
            "interactions", (json_int_t)atoll(PQgetvalue(people, r, 9)), "actions", actions));
    }
    return list;
}

static json_t *by_role_json(json_t *people)
{
    json_t *by_role = json_object();
    for (int r = 0; r < ROLE_COUNT; r++) {
        json_t *names = json_array();
        size_t i, j;
        json_t *person, *role;
        json_array_foreach(people, i, person)
            json_array_foreach(json_object_get(person, "roles"), j, role)
                if (strcmp(json_string_value(role), role_order[r]) == 0)
                    json_array_append(names, json_object_get(person, "customer"));
        json_object_set_new(by_role, role_order[r], names);
    }
    return by_role;
}

static const char *gap_action(const char *kind)
{
    if (strcmp(kind, "nobody") == 0)
        return "find out who plays this role and meet them";
    if (strcmp(kind, "only_opponents") == 0)
        return "win over the opponent (collective and personal interest) or find a supporter";
    return "strengthen the weak ties: plan contacts with the people in this role";
}

static json_t *gaps_json(const PGresult *gaps)
{
    json_t *list = json_array();
    for (int r = 0; r < PQntuples(gaps); r++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}", "role", PQgetvalue(gaps, r, 0),
            "kind", PQgetvalue(gaps, r, 1), "opened_ms", (json_int_t)atoll(PQgetvalue(gaps, r, 2)),
            "action", gap_action(PQgetvalue(gaps, r, 1))));
    return list;
}

static json_t *account_actions(const PGresult *advice, bool single_threaded)
{
    json_t *list = json_array();
    const char *general = advice_of(advice, "general", "all");
    if (general)
        json_array_append_new(list, json_string(general));
    if (single_threaded)
        json_array_append_new(list, json_string("single-threaded: build a second strong "
                                                "relationship before the only one weakens"));
    return list;
}

static json_t *build_map(const org_options *opt, const PGresult *org, const PGresult *people,
                         const PGresult *gaps, const PGresult *advice)
{
    double adequate = atof(PQgetvalue(org, 0, 8));
    bool single = PQgetvalue(org, 0, 5)[0] == 't';
    json_t *persons = people_json(people, advice, adequate);
    json_t *coverage = json_pack("{s:I, s:I, s:I, s:I, s:b, s:f}",
        "score", (json_int_t)atoll(PQgetvalue(org, 0, 6)),
        "covered_roles", (json_int_t)atoll(PQgetvalue(org, 0, 3)),
        "members", (json_int_t)atoll(PQgetvalue(org, 0, 2)),
        "threads", (json_int_t)atoll(PQgetvalue(org, 0, 4)), "single_threaded", single,
        "adequate_strength", adequate);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "tenant", opt->tenant,
        "org", opt->org, "name", PQgetvalue(org, 0, 0), "owner", PQgetvalue(org, 0, 1),
        "as_of_ms", (json_int_t)atoll(PQgetvalue(org, 0, 7)), "coverage", coverage,
        "by_role", by_role_json(persons), "people", persons, "gaps", gaps_json(gaps),
        "actions", account_actions(advice, single));
}

/* ------------------------------------------------------------------------
 * Renderings.
 * ---------------------------------------------------------------------- */

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static json_t *person_named(json_t *map, const char *customer)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(map, "people"), i, p)
        if (strcmp(str(p, "customer"), customer) == 0)
            return p;
    return NULL;
}

static void format_time(json_int_t ms, char *buf, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm))
        snprintf(buf, size, "%lld", (long long)ms);
}

static void print_roles(json_t *map)
{
    printf("\nPeople by role\n");
    json_t *by_role = json_object_get(map, "by_role");
    for (int r = 0; r < ROLE_COUNT; r++) {
        json_t *names = json_object_get(by_role, role_order[r]);
        printf("  %-20s", role_order[r]);
        if (json_array_size(names) == 0)
            printf(" (nobody)");
        size_t i;
        json_t *name;
        json_array_foreach(names, i, name) {
            json_t *p = person_named(map, json_string_value(name));
            printf("%s %s (%s, strength %.1f, %s)", i ? ";" : "", json_string_value(name),
                   str(p, "attitude"), json_real_value(json_object_get(p, "strength")), str(p, "style"));
        }
        printf("\n");
    }
}

static void print_people(json_t *map)
{
    static const char *const headers[] = {"person", "title", "influence", "attitude", "strength",
                                          "style", "interests (collective / personal)"};
    rc_table table;
    rc_table_init(&table, headers, 7);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(map, "people"), i, p) {
        char influence[16], strength[16], interests[1024];
        snprintf(influence, sizeof influence, "%lld", (long long)json_integer_value(json_object_get(p, "influence")));
        snprintf(strength, sizeof strength, "%.1f%s", json_real_value(json_object_get(p, "strength")),
                 json_is_true(json_object_get(p, "adequate")) ? "" : " (weak)");
        const char *collective = str(p, "interests_collective"), *personal = str(p, "interests_personal");
        snprintf(interests, sizeof interests, "%s%s%s", collective, *collective && *personal ? " / " : "",
                 personal);
        const char *row[] = {str(p, "customer"), str(p, "title"), influence, str(p, "attitude"),
                             strength, str(p, "style"), interests};
        rc_table_add(&table, row);
    }
    printf("\nPeople\n");
    rc_table_print(&table, stdout);
    rc_table_free(&table);
}

static void print_gaps_and_actions(json_t *map)
{
    json_t *gaps = json_object_get(map, "gaps");
    printf("\nGaps: %zu\n", json_array_size(gaps));
    size_t i, j;
    json_t *g, *p, *a;
    json_array_foreach(gaps, i, g) {
        char since[64];
        format_time(json_integer_value(json_object_get(g, "opened_ms")), since, sizeof since);
        printf("  %-20s %-15s since %s: %s\n", str(g, "role"), str(g, "kind"), since, str(g, "action"));
    }
    printf("\nRecommended next actions\n");
    json_array_foreach(json_object_get(map, "actions"), i, a)
        printf("  * %s\n", json_string_value(a));
    json_array_foreach(json_object_get(map, "people"), i, p) {
        printf("  %s:\n", str(p, "customer"));
        json_array_foreach(json_object_get(p, "actions"), j, a)
            printf("    - %s\n", json_string_value(a));
    }
}

static void print_text(json_t *map)
{
    json_t *cov = json_object_get(map, "coverage");
    char as_of[64];
    format_time(json_integer_value(json_object_get(map, "as_of_ms")), as_of, sizeof as_of);
    printf("Stakeholder map - %s (%s), tenant %s, owner %s, as of %s\n", str(map, "org"),
           str(map, "name"), str(map, "tenant"), *str(map, "owner") ? str(map, "owner") : "-", as_of);
    printf("Coverage score %lld: %lld of %d roles covered, %lld members, %lld thread(s)%s\n",
           (long long)json_integer_value(json_object_get(cov, "score")),
           (long long)json_integer_value(json_object_get(cov, "covered_roles")), ROLE_COUNT,
           (long long)json_integer_value(json_object_get(cov, "members")),
           (long long)json_integer_value(json_object_get(cov, "threads")),
           json_is_true(json_object_get(cov, "single_threaded")) ? " - SINGLE-THREADED" : "");
    print_roles(map);
    print_people(map);
    print_gaps_and_actions(map);
}

/* A DOT string literal: quotes and backslashes escaped. */
static void dot_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static const char *attitude_color(const char *attitude)
{
    if (strcmp(attitude, "supporter") == 0)
        return "darkgreen";
    return strcmp(attitude, "opponent") == 0 ? "red" : "gray40";
}

static const char *gap_of(json_t *map, const char *role)
{
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(map, "gaps"), i, g)
        if (strcmp(str(g, "role"), role) == 0)
            return str(g, "kind");
    return NULL;
}

static void dot_nodes(FILE *f, json_t *map)
{
    fprintf(f, "  org [shape=box, style=bold, label=");
    char label[1024];
    snprintf(label, sizeof label, "%s\n%s\ncoverage %lld", str(map, "org"), str(map, "name"),
             (long long)json_integer_value(json_object_get(json_object_get(map, "coverage"), "score")));
    dot_quoted(f, label);
    fprintf(f, "];\n");
    for (int r = 0; r < ROLE_COUNT; r++) {
        const char *gap = gap_of(map, role_order[r]);
        snprintf(label, sizeof label, "%s%s%s", role_order[r], gap ? "\ngap: " : "", gap ? gap : "");
        fprintf(f, "  \"role:%s\" [shape=ellipse, color=%s, label=", role_order[r], gap ? "red" : "darkgreen");
        dot_quoted(f, label);
        fprintf(f, "];\n  org -> \"role:%s\";\n", role_order[r]);
    }
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(map, "people"), i, p) {
        snprintf(label, sizeof label, "%s\n%s, strength %.1f\n%s", str(p, "customer"), str(p, "attitude"),
                 json_real_value(json_object_get(p, "strength")), str(p, "style"));
        fprintf(f, "  ");
        dot_quoted(f, str(p, "customer"));
        fprintf(f, " [shape=note, color=%s, label=", attitude_color(str(p, "attitude")));
        dot_quoted(f, label);
        fprintf(f, "];\n");
    }
}

static void dot_edges(FILE *f, json_t *map)
{
    size_t i, j;
    json_t *p, *role;
    json_array_foreach(json_object_get(map, "people"), i, p)
        json_array_foreach(json_object_get(p, "roles"), j, role) {
            fprintf(f, "  \"role:%s\" -> ", json_string_value(role));
            dot_quoted(f, str(p, "customer"));
            fprintf(f, " [color=%s, style=%s];\n", attitude_color(str(p, "attitude")),
                    json_is_true(json_object_get(p, "adequate")) ? "solid" : "dashed");
        }
}

static bool write_dot(json_t *map, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "rapportctl report org: cannot write %s\n", path);
        return false;
    }
    fprintf(f, "digraph stakeholders {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    dot_nodes(f, map);
    dot_edges(f, map);
    fprintf(f, "}\n");
    return fclose(f) == 0;
}

/* ------------------------------------------------------------------------ */

static int report(PGconn *conn, const org_options *opt)
{
    PGresult *org = run(conn, org_sql, 2, opt);
    if (!org)
        return RC_EXIT_FAILURE;
    if (PQntuples(org) == 0) {
        fprintf(stderr, "rapportctl report org: no org '%s' in tenant %s\n", opt->org, opt->tenant);
        PQclear(org);
        return RC_EXIT_REJECTED;
    }
    PGresult *people = run(conn, people_sql, 2, opt), *gaps = run(conn, gaps_sql, 2, opt);
    PGresult *advice = run(conn, advice_sql, 0, opt);
    int rc = RC_EXIT_FAILURE;
    json_t *map = people && gaps && advice ? build_map(opt, org, people, gaps, advice) : NULL;
    if (map) {
        rc = RC_EXIT_OK;
        if (opt->json) {
            if (json_dumpf(map, stdout, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
                rc = RC_EXIT_FAILURE;
            printf("\n");
        } else {
            print_text(map);
        }
        if (opt->dot_path && !write_dot(map, opt->dot_path))
            rc = RC_EXIT_FAILURE;
    }
    json_decref(map);
    PQclear(org);
    PQclear(people);
    PQclear(gaps);
    PQclear(advice);
    return rc;
}

int rc_report_org(int argc, char **argv)
{
    org_options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    PGconn *conn = rc_pg_connect(opt.database);
    if (!conn)
        return RC_EXIT_FAILURE;
    rc = report(conn, &opt);
    PQfinish(conn);
    return rc;
}
