/*
 * rapportd - the Rapport broker.
 *
 *   rapportd [--config FILE] [--key=value ...]          run
 *   rapportd migrate [--config FILE] [--database=...]   apply schema migrations and exit
 *   rapportd --help | --help-plugin NAME | --help-plugin-markdown NAME | --version
 *
 * SIGTERM/SIGINT: stop taking new events, commit and answer what is in
 * flight, let plugins finish their transaction, exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "plugin_dir.h"
#include "plugin_host.h"
#include "run_as.h"

#define RAPPORTD_VERSION "0.1.0"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: rapportd [migrate] [--config FILE] [--KEY=VALUE ...]\n"
            "       rapportd --help | --help-plugin NAME|PATH | --help-plugin-markdown NAME|PATH | --version\n\n"
            "Every configuration key can be set in the file or as a flag (flags win).\n"
            "Plugin keys: [plugin.NAME] in the file, or --plugin.NAME.KEY=VALUE.\n\n");
    rp_config_print_help(out);
}

/* --help-plugin NAME; with markdown (--help-plugin-markdown NAME) only the
 * settings table, as docs/plugins/NAME.md carries it. */
static int help_plugin(rp_config *cfg, const char *name, bool markdown)
{
    rp_broker broker = {.cfg = cfg};
    char err[1024];
    rp_plugin_host *h = rp_plugin_load(&broker, name, err, sizeof err);
    if (!h) {
        fprintf(stderr, "rapportd: %s\n", err);
        return 1;
    }
    const rp_plugin *d = h->desc;
    if (markdown) {
        rp_settings_print_markdown(stdout, d);
        rp_plugin_unload(h);
        return 0;
    }
    printf("plugin %s %s (ABI %u.%u)\n%s\n\nsubscribes:", d->name, d->version ? d->version : "",
           d->abi_major, d->abi_minor, d->description ? d->description : "");
    for (const char *const *t = d->subscribes; t && *t; t++)
        printf(" %s", *t);
    printf("\nrequires:");
    for (const char *const *r = d->requires; r && *r; r++)
        printf(" %s", *r);
    printf("%s\nschema version:", d->requires && d->requires[0] ? "" : " (nothing)");
    int newest = 0;
    for (const rp_migration *m = d->migrations; m && m->sql; m++)
        newest = m->version;
    printf(" %d (migrations)\n\n", newest);
    rp_settings_print_help(stdout, d);
    rp_plugin_unload(h);
    return 0;
}

static int run_migrate(rp_config *cfg)
{
    char err[1024];
    PGconn *db = rp_db_connect(cfg->database, "migrate", err, sizeof err);
    if (!db) {
        fprintf(stderr, "rapportd migrate: cannot connect: %s\n", err);
        return 1;
    }
    int applied = 0;
    bool ok = rp_migrate(db, &applied, err, sizeof err);
    PQfinish(db);
    if (!ok) {
        fprintf(stderr, "rapportd migrate: %s\n", err);
        return 1;
    }
    printf("migrations applied: %d\n", applied);
    return 0;
}

/* The file is read before any flag is applied, wherever --config appears,
 * so that flags always win over the file. Returns false on an error. */
static bool load_config_file(int argc, char **argv, rp_config *cfg)
{
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "rapportd: --config needs a file\n");
                return false;
            }
            path = argv[i + 1];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            path = argv[i] + 9;
        }
        if (path && !rp_config_load_file(cfg, path, err, sizeof err)) {
            fprintf(stderr, "rapportd: %s\n", err);
            return false;
        }
    }
    return true;
}

/* Parses argv into cfg; returns -1 to continue, or an exit code. */
static int parse_args(int argc, char **argv, rp_config *cfg, bool *migrate, const char **help_plugin_name,
                      bool *help_markdown)
{
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("rapportd %s (plugin ABI %d.%d)\n", RAPPORTD_VERSION, RP_ABI_MAJOR, RP_ABI_MINOR);
            return 0;
        }
        if (strcmp(arg, "migrate") == 0) {
            *migrate = true;
            continue;
        }
        if ((strcmp(arg, "--help-plugin") == 0 || strcmp(arg, "--help-plugin-markdown") == 0) && i + 1 < argc) {
            *help_markdown = strcmp(arg, "--help-plugin-markdown") == 0;
            *help_plugin_name = argv[++i];
            continue;
        }
        if (strcmp(arg, "--config") == 0) {
            i++;                               /* read by load_config_file() */
            continue;
        }
        if (strncmp(arg, "--config=", 9) == 0)
            continue;
        int used = rp_config_apply_flag(cfg, argc, argv, i, err, sizeof err);
        if (used <= 0) {
            fprintf(stderr, "rapportd: %s\n", used < 0 ? err : "unknown argument (see --help)");
            if (used == 0)
                fprintf(stderr, "rapportd: the argument was: %s\n", arg);
            return 2;
        }
        i += used - 1;
    }
    return -1;
}

int main(int argc, char **argv)
{
    rp_config cfg;
    rp_config_defaults(&cfg);
    char err[2048];
    /* The plugins of this installation or build tree, not of the working
     * directory (plugin_dir.h); the file and flags may still say otherwise. */
    if (!rp_config_set(&cfg, "plugin_dir", rp_plugin_dir_default(), err, sizeof err)) {
        fprintf(stderr, "rapportd: %s\n", err);
        return 2;
    }
    if (!load_config_file(argc, argv, &cfg)) {
        rp_config_free(&cfg);
        return 2;
    }
    bool migrate = false;
    const char *plugin_help = NULL;
    bool help_markdown = false;
    int rc = parse_args(argc, argv, &cfg, &migrate, &plugin_help, &help_markdown);
    if (rc >= 0) {
        rp_config_free(&cfg);
        return rc;
    }
    if (!rp_log_configure(cfg.log_format, cfg.log_level)) {
        fprintf(stderr, "rapportd: log_format must be kv or json and log_level debug, info, warn or error\n");
        return 2;
    }
    if (plugin_help)
        rc = help_plugin(&cfg, plugin_help, help_markdown);
    else if (migrate)
        rc = run_migrate(&cfg);
    else {
        /* Signals are taken by this thread alone, with sigwait, so no other
         * thread is interrupted by them. */
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        pthread_sigmask(SIG_BLOCK, &signals, NULL);
        signal(SIGPIPE, SIG_IGN);
        rp_run_as_warn(geteuid());
        rp_broker broker;
        if (!rp_broker_start(&broker, &cfg, err, sizeof err)) {
            rp_log(RP_ERR, "broker", "refusing to start", "error=\"%s\"", err);
            fprintf(stderr, "rapportd: %s\n", err);
            rp_broker_stop(&broker);
            rc = 1;
        } else {
            int sig = 0;
            sigwait(&signals, &sig);
            rp_log(RP_INFO, "broker", "signal received; draining", "signal=%d", sig);
            rp_broker_stop(&broker);
            rc = 0;
        }
    }
    rp_config_free(&cfg);
    return rc;
}
