/* cmd_sql.c: `evlake sql -c SQL | -f FILE | (REPL)`: Athena-dialect SQL over the lake. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ev_alloc.h"
#include "ev_fs.h"
#include "exec.h"
#include "sql.h"

static const char usage[] =
    "usage: evlake sql -c SQL | -f FILE | (no argument: a prompt)\n"
    "                  [--format table|csv|json] [--database DB] [--threads N] [--memory-limit MB]\n"
    "                  [--scan-limit BYTES] [--quiet]\n"
    "Runs Athena (Trino) dialect SQL over the lake: queries of the tables in the catalog (default\n"
    "database `analytics`), EXPLAIN, SHOW/DESCRIBE, CREATE EXTERNAL TABLE, MSCK REPAIR TABLE.\n"
    "After each query: the runtime, bytes scanned, partitions pruned and row groups skipped.\n";

typedef struct sql_opts {
    exec_format fmt;
    bool quiet;
} sql_opts;

static void print_stats(const exec_stats *st, size_t rows) {
    fprintf(stderr,
            "(%zu row%s; run time %.3f s; data scanned %.2f MB%s; partitions pruned %llu of %llu; row groups "
            "skipped %llu of %llu)\n",
            rows, rows == 1 ? "" : "s", (double)st->runtime_usec / 1e6, (double)st->bytes_scanned / 1e6,
            st->from_metadata ? " (answered from metadata)" : "", (unsigned long long)st->partitions_pruned,
            (unsigned long long)st->partitions_total, (unsigned long long)st->row_groups_skipped,
            (unsigned long long)st->row_groups_total);
}

/* Runs every statement of a script; stops at the first error. Returns the exit code. */
static int run_script(exec_session *s, const char *text, size_t len, const sql_opts *o) {
    ev_arena arena;
    ev_arena_init(&arena, NULL, 64 << 10);
    sql_script script;
    ev_error err = {0};
    int rc = 0;
    if (sql_parse(text, len, &arena, &script, &err) != EV_OK) {
        fprintf(stderr, "evlake sql: %s\n", err.msg);
        ev_arena_destroy(&arena);
        return ev_status_exit_code(err.code);
    }
    for (size_t k = 0; k < script.nstmts && rc == 0; k++) {
        exec_result *r;
        ev_status st = exec_run(s, script.stmts[k], &r, &err);
        if (st != EV_OK) {
            fprintf(stderr, "evlake sql: %s\n", err.msg);
            rc = ev_status_exit_code(st);
            break;
        }
        if (exec_result_write(r, o->fmt, stdout, &err) != EV_OK) {
            fprintf(stderr, "evlake sql: %s\n", err.msg);
            rc = 2;
        }
        fflush(stdout);
        if (!o->quiet && exec_result_columns(r)) print_stats(exec_result_stats(r), exec_result_rows(r));
        exec_result_free(r);
    }
    ev_arena_destroy(&arena);
    return rc;
}

/* A prompt: statements end at ';'. */
static int repl(exec_session *s, const sql_opts *o, bool tty) {
    ev_buf acc;
    ev_buf_init(&acc, NULL);
    char line[65536];
    int rc = 0;
    for (;;) {
        if (tty) {
            fputs(acc.len ? "    -> " : "evlake> ", stdout);
            fflush(stdout);
        }
        if (!fgets(line, sizeof line, stdin)) break;
        if (ev_buf_append_str(&acc, line) != EV_OK) break;
        const char *t = (const char *)acc.data;
        size_t n = acc.len;
        while (n && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\r' || t[n - 1] == '\t'))
            n--;
        if (n == 0) {
            ev_buf_reset(&acc);
            continue;
        }
        if (!strncasecmp(t, "quit", 4) || !strncasecmp(t, "exit", 4)) break;
        if (t[n - 1] != ';') continue;
        rc = run_script(s, t, n, o);
        ev_buf_reset(&acc);
    }
    if (acc.len) rc = run_script(s, (const char *)acc.data, acc.len, o);
    ev_buf_free(&acc);
    return rc;
}

int cli_cmd_sql(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    static const struct option longs[] = {{"format", required_argument, NULL, 'F'},
                                          {"database", required_argument, NULL, 'd'},
                                          {"threads", required_argument, NULL, 't'},
                                          {"memory-limit", required_argument, NULL, 'm'},
                                          {"scan-limit", required_argument, NULL, 's'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {0, 0, 0, 0}};
    const char *command = NULL, *file = NULL;
    exec_options eo = {.home = ctx->home};
    sql_opts o = {.fmt = EXEC_FMT_TABLE};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:f:", longs, NULL)) != -1) {
        switch (c) {
        case 'c':
            command = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'F':
            if (exec_format_parse(optarg, &o.fmt) != EV_OK)
                return cli_usage_error("sql", "--format must be table, csv or json, not '%s'", optarg);
            break;
        case 'd':
            eo.database = optarg;
            break;
        case 't':
            eo.threads = atoi(optarg);
            break;
        case 'm':
            eo.memory_limit = (size_t)strtoull(optarg, NULL, 10) << 20;
            break;
        case 's':
            eo.scan_limit = strtoull(optarg, NULL, 10);
            break;
        case 'q':
            o.quiet = true;
            break;
        default:
            return cli_usage_error("sql", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("sql", "unexpected argument '%s'", argv[optind]);
    if (command && file) return cli_usage_error("sql", "give -c or -f, not both");
    exec_session *s;
    ev_error err = {0};
    if (exec_session_open(&eo, &s, &err) != EV_OK) return cli_fail("sql", &err);
    int rc;
    if (command) {
        rc = run_script(s, command, strlen(command), &o);
    } else if (file) {
        ev_buf b;
        ev_buf_init(&b, NULL);
        if (ev_read_file(file, &b, &err) != EV_OK) {
            exec_session_close(s);
            ev_buf_free(&b);
            return cli_fail("sql", &err);
        }
        rc = run_script(s, b.len ? (const char *)b.data : "", b.len, &o);
        ev_buf_free(&b);
    } else {
        rc = repl(s, &o, isatty(0));
    }
    exec_session_close(s);
    return rc;
}
