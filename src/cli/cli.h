/*
 * cli: the `evlake` command line, one file per subcommand (cmd_<name>.c), over libevlake.
 *
 * Contract (../shared/spec/cli.md): every subcommand has --help; exit 0 on success, 1 on a user
 * error (bad input, bad SQL, bad config) with a one-line message on stderr that says where, 2 on
 * an internal or I/O error. Progress bars only when stderr is a terminal.
 */
#ifndef EV_CLI_H
#define EV_CLI_H

#include <stdio.h>

#include "ev_status.h"

typedef struct cli_ctx {
    const char *home; /* lake home: --home, else $EVLAKE_HOME, else ./lake */
    int stderr_tty;   /* progress bars allowed */
    int stdout_tty;
} cli_ctx;

/* A subcommand: argv[0] is its name ("gen"), options follow. Returns the process exit code. */
typedef int (*cli_cmd_fn)(const cli_ctx *ctx, int argc, char **argv);

int cli_cmd_init(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_gen(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_parquet(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_etl(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_status(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_ddl(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_daemon(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_plan(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_apply(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_demo(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_crawl(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_sql(const cli_ctx *ctx, int argc, char **argv);
int cli_cmd_compact(const cli_ctx *ctx, int argc, char **argv);

/* Creates (or keeps) a lake at `home`, printing what it did; shared by init and demo. */
ev_status cli_init_lake(const char *home, ev_error *err) EV_WUR;

/* Prints "evlake <cmd>: <err->msg>" on stderr and returns the exit code for err->code. */
int cli_fail(const char *cmd, const ev_error *err);

/* Prints "evlake <cmd>: <message>" and a hint to use --help; returns 1 (a usage error). */
int cli_usage_error(const char *cmd, const char *fmt, ...) EV_PRINTF(2, 3);

/* Splits "db.table" (or "table", in the default database analytics) into db (cap bytes) and the
 * table name, which points into arg. */
const char *cli_split_table(const char *arg, char *db, size_t cap);

/* Option `opt`'s value v as a whole number in [lo, hi] into *out; returns 0, or prints a usage
 * error naming the option and the value and returns 1. */
int cli_int_arg(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);

/* 1 if argv holds -h or --help (before a "--"). */
int cli_wants_help(int argc, char **argv);

#endif
