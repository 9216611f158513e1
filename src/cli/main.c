/*
 * main.c: the `evlake` binary: global options, the lake home, and dispatch to one file per
 * subcommand. Everything of substance lives in libevlake; this layer parses and prints.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define EVLAKE_VERSION "0.1.0"

typedef struct cli_command {
    const char *name;
    cli_cmd_fn fn;         /* NULL: not built yet */
    const char *synopsis;  /* shown by `evlake --help` */
    const char *issue;     /* for commands not built yet: where the work is tracked */
} cli_command;

static const cli_command commands[] = {
    {"init", cli_cmd_init, "init [--home DIR]                 write the default pipeline file, catalog and folders", NULL},
    {"gen", cli_cmd_gen, "gen --objects N | --from T --to T   backfill raw objects; gen --live writes one per interval", NULL},
    {"etl", cli_cmd_etl, "etl run|status|history|rewind|reset  the incremental ETL job with bookmarks", NULL},
    {"crawl", cli_cmd_crawl, "crawl [DB.TABLE]                  register partitions, report drift", NULL},
    {"sql", cli_cmd_sql, "sql -c SQL | -f FILE | (REPL)      Athena-dialect SQL over the lake", NULL},
    {"status", cli_cmd_status, "status                            lag, last runs, row counts, reconciliation", NULL},
    {"compact", cli_cmd_compact, "compact [TABLE]                   merge small files per partition, atomically", NULL},
    {"ddl", cli_cmd_ddl, "ddl --dialect athena|trino|spark|duckdb  DDL for other engines over the same lake", NULL},
    {"parquet", cli_cmd_parquet, "parquet meta|cat FILE              inspect any Parquet file", NULL},
    {"plan", cli_cmd_plan, "plan                              what apply would change in the catalog", NULL},
    {"apply", cli_cmd_apply, "apply                             make the catalog match the pipeline file", NULL},
    {"daemon", cli_cmd_daemon, "daemon [--clock-speed X]          run generator, jobs and crawlers on their triggers", NULL},
    {"demo", cli_cmd_demo, "demo                              an accelerated pipeline end to end", NULL},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fprintf(f,
            "evlake %s: an event data lake in one program.\n"
            "\n"
            "usage: evlake [--home DIR] <command> [options]\n"
            "\n"
            "commands:\n",
            EVLAKE_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s%s\n", commands[i].synopsis, commands[i].fn ? "" : "  (not built yet)");
    fprintf(f,
            "\n"
            "The lake home is ./lake unless --home DIR (before or after the command) or EVLAKE_HOME\n"
            "says otherwise. `evlake <command> --help` describes each command.\n"
            "Exit status: 0 success, 1 user error (bad input, SQL or config), 2 internal or I/O error.\n");
}

/* Removes "--home DIR" / "--home=DIR" wherever it stands (before a "--") and returns DIR. */
static const char *extract_home(int *argc, char **argv, int *bad) {
    const char *home = NULL;
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--")) {
            while (i < *argc) argv[out++] = argv[i++];
            break;
        }
        if (!strcmp(argv[i], "--home")) {
            if (i + 1 >= *argc) {
                *bad = 1;
                return NULL;
            }
            home = argv[++i];
        } else if (!strncmp(argv[i], "--home=", 7)) {
            home = argv[i] + 7;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return home;
}

int main(int argc, char **argv) {
    /* A file-size limit must surface as a write error with a message, not kill the process. */
    signal(SIGXFSZ, SIG_IGN);
    int bad = 0;
    const char *home = extract_home(&argc, argv, &bad);
    if (bad) {
        fprintf(stderr, "evlake: --home needs a directory\n");
        return 1;
    }
    if (!home) home = getenv("EVLAKE_HOME");
    if (!home || !*home) home = "lake";
    cli_ctx ctx = {home, isatty(STDERR_FILENO), isatty(STDOUT_FILENO)};

    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("evlake %s\n", EVLAKE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) != 0) continue;
        if (commands[i].fn) return commands[i].fn(&ctx, argc - 1, argv + 1);
        if (cli_wants_help(argc - 1, argv + 1)) {
            printf("usage: evlake %s\n\nNot built yet: tracked as %s.\n", commands[i].synopsis, commands[i].issue);
            return 0;
        }
        fprintf(stderr, "evlake %s: not built yet (tracked as %s)\n", name, commands[i].issue);
        return 2;
    }
    fprintf(stderr, "evlake: unknown command '%s' (see evlake --help)\n", name);
    return 1;
}
