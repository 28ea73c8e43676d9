/*
 * rapport-synth - the deterministic synthetic layer of the demo, and its
 * fallback purchase stream (docs/synthetic-data.md):
 *
 *   rapport-synth --seed=N [--tenant=T] < real.jsonl > merged.jsonl
 *       passes every real event line through unchanged and adds labelled
 *       synthetic events (ids "syn:...") in event-time order;
 *   rapport-synth --generate --seed=N [--customers=N] [--months=N] [--tenant=T]
 *       writes a purchase stream like rapport-retail's, for when the real
 *       data set is absent.
 *
 * The output is a pure function of the seed and the input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aftercare.h"
#include "generate.h"
#include "input.h"
#include "market.h"
#include "merge.h"
#include "orgs.h"
#include "out.h"
#include "profiles.h"
#include "referrals.h"
#include "surveys.h"

typedef struct options {
    bool generate;
    uint64_t seed;
    bool seed_given;
    const char *tenant;
    unsigned customers, months;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapport-synth --seed=N [--tenant=T] < real.jsonl > merged.jsonl\n"
            "       rapport-synth --generate --seed=N [--customers=N] [--months=N] [--tenant=T]\n"
            "  --seed=N        the seed (0..2^64-1); the same seed and input give the same bytes\n"
            "  --tenant=T      the tenant of the stream (default: the first event's)\n"
            "  --generate      write a fallback purchase stream instead of layering\n"
            "  --customers=N   customers of the fallback stream (default 1000)\n"
            "  --months=N      months of the fallback stream from 2010-12-01 (default 12)\n"
            "Synthetic events have ids starting with \"syn:\"; see docs/synthetic-data.md.\n");
}

static bool parse_unsigned(const char *text, uint64_t max, uint64_t *value)
{
    char *end = NULL;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || parsed > max)
        return false;
    *value = parsed;
    return true;
}

static bool parse_count(const char *arg, const char *name, unsigned max, unsigned *value)
{
    uint64_t parsed;
    if (!parse_unsigned(arg, max, &parsed) || parsed == 0) {
        fprintf(stderr, "rapport-synth: %s needs a number in 1..%u\n", name, max);
        return false;
    }
    *value = (unsigned)parsed;
    return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, options *opt)
{
    *opt = (options){.customers = 1000, .months = 12};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--generate") == 0) {
            opt->generate = true;
        } else if (strncmp(arg, "--seed=", 7) == 0) {
            if (!parse_unsigned(arg + 7, UINT64_MAX, &opt->seed)) {
                fprintf(stderr, "rapport-synth: --seed needs a number in 0..18446744073709551615\n");
                return 2;
            }
            opt->seed_given = true;
        } else if (strncmp(arg, "--tenant=", 9) == 0 && arg[9]) {
            opt->tenant = arg + 9;
        } else if (strncmp(arg, "--customers=", 12) == 0) {
            if (!parse_count(arg + 12, "--customers", 1000000, &opt->customers))
                return 2;
        } else if (strncmp(arg, "--months=", 9) == 0) {
            if (!parse_count(arg + 9, "--months", 120, &opt->months))
                return 2;
        } else {
            fprintf(stderr, "rapport-synth: unknown argument %s\n", arg);
            usage(stderr);
            return 2;
        }
    }
    if (!opt->seed_given) {
        fprintf(stderr, "rapport-synth: --seed=N is required (it makes the output reproducible)\n");
        return 2;
    }
    return -1;
}

static void print_summary(const synth_input *input, const synth_out *out)
{
    fprintf(stderr, "rapport-synth: real events %zu (customers %zu, orders %zu), synthetic events %zu:",
            input->line_count, input->customer_count, input->order_count, out->count);
    for (size_t i = 0; i < out->type_count; i++)
        fprintf(stderr, " %s %zu%s", out->types[i].type, out->types[i].count, i + 1 < out->type_count ? "," : "");
    fprintf(stderr, "\nrapport-synth: dropped %zu synthetic events after the last real event\n", out->dropped_late);
    if (input->other_tenant_lines)
        fprintf(stderr, "rapport-synth: %zu events of other tenants passed through without synthetic additions\n",
                input->other_tenant_lines);
    if (input->unparsed_lines)
        fprintf(stderr, "rapport-synth: %zu lines are not events (no JSON object with type and ts); "
                        "passed through unchanged\n", input->unparsed_lines);
}

static bool add_synthetic(uint64_t seed, const synth_input *input, synth_out *out)
{
    synth_referrals plan = {0};
    bool ok = synth_plan_referrals(seed, input, &plan) &&
              synth_emit_profiles(seed, input, &plan, out) &&
              synth_emit_referrals(seed, input, &plan, out) &&
              synth_emit_aftercare(seed, input, out) &&
              synth_emit_surveys(seed, input, out) &&
              synth_emit_market(seed, input, out) &&
              synth_emit_orgs(seed, input, out);
    synth_referrals_free(&plan);
    if (!ok)
        fprintf(stderr, "rapport-synth: out of memory\n");
    return ok;
}

static int layer(const options *opt)
{
    synth_input input;
    bool ok = synth_input_read(&input, stdin, opt->tenant);
    synth_out out;
    synth_out_init(&out, input.tenant, input.last_ts);
    ok = ok && add_synthetic(opt->seed, &input, &out);
    if (ok) {
        synth_out_sort(&out);
        ok = synth_merge(&input, &out, stdout);
        if (!ok)
            fprintf(stderr, "rapport-synth: cannot write the output\n");
    }
    if (ok)
        print_summary(&input, &out);
    synth_out_free(&out);
    synth_input_free(&input);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    options opt;
    int rc = parse_options(argc, argv, &opt);
    if (rc >= 0)
        return rc;
    static char out_buffer[1 << 16];
    setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    if (opt.generate) {
        synth_generate_options gen = {opt.seed, opt.customers, opt.months, opt.tenant};
        return synth_generate(&gen, stdout) ? 0 : 1;
    }
    return layer(&opt);
}
