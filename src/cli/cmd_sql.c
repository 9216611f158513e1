/* cmd_sql.c: `evlake sql -c SQL | -f FILE | (REPL)`: Athena-dialect SQL over the lake, with the
 * workgroup of the pipeline file (results folder, per-query scan limit) and the query history. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "catalog.h"
#include "cfg.h"
#include "cfg_pipeline.h"
#include "cli.h"
#include "ev_alloc.h"
#include "ev_fs.h"
#include "ev_time.h"
#include "exec.h"
#include "sql.h"

static const char usage[] =
    "usage: evlake sql -c SQL | -f FILE | (no argument: a prompt)\n"
    "                  [--format table|csv|json] [--database DB] [--threads N] [--memory-limit MB]\n"
    "                  [--scan-limit BYTES] [--quiet]\n"
    "       evlake sql --history [N] [--format table|csv|json]\n"
    "Runs Athena (Trino) dialect SQL over the lake: queries of the tables in the catalog (default\n"
    "database `analytics`), EXPLAIN, SHOW/DESCRIBE, CREATE DATABASE, CREATE EXTERNAL TABLE,\n"
    "CREATE TABLE AS, INSERT INTO, ALTER TABLE ADD PARTITION, DROP TABLE/DATABASE, MSCK REPAIR TABLE.\n"
    "After each query: the runtime, bytes scanned, partitions pruned and row groups skipped.\n"
    "\n"
    "As an Athena workgroup (the pipeline file's `workgroup`), every statement is recorded in the\n"
    "query history and a query's rows are saved as <results>/<query id>.csv; a query that would scan\n"
    "more than bytes_scanned_limit is cancelled. --scan-limit (bytes, or with KB/MB/GB/TB, binary;\n"
    "0: none) overrides the limit. --history lists the last N statements (default 20), newest first.\n";

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

/* CREATE TABLE AS and INSERT INTO: what their scan read. */
static void print_write_stats(const exec_stats *st) {
    fprintf(stderr, "(run time %.3f s; data scanned %.2f MB)\n", (double)st->runtime_usec / 1e6,
            (double)st->bytes_scanned / 1e6);
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
        ev_error herr = {0};
        if (exec_log_failure(s, text, len, &err, &herr) != EV_OK)
            fprintf(stderr, "evlake sql: %s\n", herr.msg);
        ev_arena_destroy(&arena);
        return ev_status_exit_code(err.code);
    }
    for (size_t k = 0; k < script.nstmts && rc == 0; k++) {
        exec_result *r;
        const sql_stmt *stmt = script.stmts[k];
        ev_status st = exec_run_logged(s, stmt, text + stmt->start, stmt->end - stmt->start, &r, &err);
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
        if (!o->quiet && exec_result_stats(r)->files_written) print_write_stats(exec_result_stats(r));
        exec_result_free(r);
    }
    ev_arena_destroy(&arena);
    return rc;
}

/* The prompt's history file: $EVLAKE_HISTORY, else ~/.evlake_sql_history ("" when neither). */
static void history_path(char *out, size_t cap) {
    const char *env = getenv("EVLAKE_HISTORY"), *home = getenv("HOME");
    if (env)
        snprintf(out, cap, "%s", env);
    else if (home && *home)
        snprintf(out, cap, "%s/.evlake_sql_history", home);
    else
        out[0] = 0;
}

/* One line of input: through editline on a terminal (arrows, search, history), stdio otherwise.
 * Returns false at the end of input; *line is malloc'd, without its newline. */
static bool read_line(bool tty, bool more, char **line) {
    if (tty) {
        *line = readline(more ? "    -> " : "evlake> ");
        return *line != NULL;
    }
    size_t cap = 0;
    *line = NULL;
    ssize_t n = getline(line, &cap, stdin);
    if (n < 0) {
        free(*line);
        *line = NULL;
        return false;
    }
    if (n && (*line)[n - 1] == '\n') (*line)[n - 1] = 0;
    return true;
}

/* A prompt: statements end at ';'. On a terminal, lines are edited with editline and every
 * statement run is kept in the history file for the next session, as psql and the Athena console do. */
static int repl(exec_session *s, const sql_opts *o, bool tty) {
    ev_buf acc;
    ev_buf_init(&acc, NULL);
    char hist[1024];
    history_path(hist, sizeof hist);
    if (tty) {
        using_history();
        stifle_history(1000);
        if (hist[0]) read_history(hist);
    }
    char *line;
    int rc = 0;
    for (;;) {
        if (!read_line(tty, acc.len > 0, &line)) break;
        ev_status ast = acc.len ? ev_buf_append_str(&acc, "\n") : EV_OK;
        if (ast == EV_OK) ast = ev_buf_append_str(&acc, line);
        free(line);
        if (ast != EV_OK) break;
        const char *t = (const char *)acc.data;
        size_t n = acc.len;
        while (n && (t[n - 1] == '\n' || t[n - 1] == ' ' || t[n - 1] == '\r' || t[n - 1] == '\t'))
            n--;
        if (n == 0) {
            ev_buf_reset(&acc);
            continue;
        }
        if ((n == 4 || (n == 5 && t[4] == ';')) && (!strncasecmp(t, "quit", 4) || !strncasecmp(t, "exit", 4))) {
            ev_buf_reset(&acc); /* not a statement to run at the end */
            break;
        }
        if (t[n - 1] != ';') continue;
        if (tty) {
            char *entry = strndup(t, n);
            if (entry) add_history(entry);
            free(entry);
        }
        rc = run_script(s, t, n, o);
        ev_buf_reset(&acc);
    }
    if (acc.len) rc = run_script(s, (const char *)acc.data, acc.len, o);
    if (tty && hist[0]) {
        write_history(hist);
        history_truncate_file(hist, 1000);
    }
    if (tty) fputc('\n', stdout);
    ev_buf_free(&acc);
    return rc;
}

/* ---- the workgroup ---- */

/* "1048576", "10GB", "512 MB": binary units as the pipeline file reads them. */
static int parse_bytes(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-') return -1;
    while (*end == ' ')
        end++;
    static const char *const units[] = {"", "B", "KB", "MB", "GB", "TB"};
    for (int u = 0; u < 6; u++) {
        if (strcasecmp(end, units[u])) continue;
        int shift = u < 2 ? 0 : 10 * (u - 1);
        if (shift && v > (UINT64_MAX >> shift)) return -1;
        *out = (uint64_t)v << shift;
        return 0;
    }
    return -1;
}

typedef struct workgroup {
    char name[128];
    char results[1024];
    uint64_t limit;
} workgroup;

/* The pipeline file's workgroup; Athena's defaults when the lake has no pipeline file. */
static int load_workgroup(const cli_ctx *ctx, workgroup *wg) {
    snprintf(wg->name, sizeof wg->name, "primary");
    snprintf(wg->results, sizeof wg->results, "results");
    wg->limit = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_PIPELINE_FILE);
    if (!ev_path_exists(path)) return 0;
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    cfg_pipeline *p;
    ev_error err = {0};
    int rc = 0;
    if (cfg_pipeline_load(path, &arena, &p, &err) != EV_OK) {
        rc = cli_fail("sql", &err);
    } else {
        snprintf(wg->name, sizeof wg->name, "%s", p->workgroup.name ? p->workgroup.name : "primary");
        snprintf(wg->results, sizeof wg->results, "%s",
                 p->workgroup.results ? p->workgroup.results : "results");
        wg->limit = p->workgroup.bytes_scanned_limit;
    }
    ev_arena_destroy(&arena);
    return rc;
}

/* ---- --history ---- */

typedef struct history_print {
    exec_format fmt;
    bool first;
} history_print;

static void json_str(const char *s) {
    if (!s) {
        fputs("null", stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void csv_str(const char *s) {
    if (!s) return;
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* One line of the statement: newlines and runs of blanks as one space, at most `max` bytes. */
static void one_line(const char *sql, char *out, size_t max) {
    size_t n = 0;
    for (const char *p = sql; *p && n + 1 < max; p++) {
        bool blank = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (blank && (n == 0 || out[n - 1] == ' ')) continue;
        out[n++] = blank ? ' ' : *p;
    }
    out[n] = 0;
    if (n + 1 >= max && max > 4) memcpy(out + max - 4, "...", 4);
}

static int print_query(const cat_query *q, void *ctx) {
    history_print *h = ctx;
    char started[40];
    ev_time_format_iso_z(q->started_usec, started);
    double secs = (double)(q->ended_usec - q->started_usec) / 1e6;
    if (h->fmt == EXEC_FMT_JSON) {
        printf("{\"query_id\": ");
        json_str(q->query_id);
        printf(", \"status\": ");
        json_str(q->status);
        printf(", \"statement_type\": ");
        json_str(q->statement_type);
        printf(", \"workgroup\": ");
        json_str(q->workgroup);
        printf(", \"database\": ");
        json_str(q->database);
        printf(
            ", \"started\": \"%s\", \"seconds\": %.3f, \"engine_seconds\": %.3f, \"bytes_scanned\": %" PRIu64
            ", \"rows\": %" PRIu64 ", \"result\": ",
            started, secs, (double)q->engine_usec / 1e6, q->bytes_scanned, q->rows);
        json_str(q->result_path);
        printf(", \"error\": ");
        json_str(q->error);
        printf(", \"sql\": ");
        json_str(q->sql);
        printf("}\n");
        return 0;
    }
    if (h->fmt == EXEC_FMT_CSV) {
        if (h->first)
            printf("query_id,status,statement_type,started,seconds,bytes_scanned,rows,result,error,sql\n");
        h->first = false;
        printf("%s,%s,%s,%s,%.3f,%" PRIu64 ",%" PRIu64 ",", q->query_id ? q->query_id : "", q->status,
               q->statement_type ? q->statement_type : "", started, secs, q->bytes_scanned, q->rows);
        csv_str(q->result_path);
        putchar(',');
        csv_str(q->error);
        putchar(',');
        csv_str(q->sql);
        putchar('\n');
        return 0;
    }
    if (h->first)
        printf("%-36s  %-9s  %-20s  %8s  %10s  %8s  %s\n", "query id", "status", "started", "seconds",
               "scanned MB", "rows", "statement");
    h->first = false;
    char line[81];
    one_line(q->sql, line, sizeof line);
    printf("%-36s  %-9s  %-20s  %8.3f  %10.2f  %8" PRIu64 "  %s\n", q->query_id ? q->query_id : "-",
           q->status, started, secs, (double)q->bytes_scanned / 1e6, q->rows, line);
    if (q->error) printf("%-36s  error: %s\n", "", q->error);
    return 0;
}

static int show_history(const cli_ctx *ctx, int limit, exec_format fmt) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    ev_error err = {0};
    if (!ev_path_exists(path)) {
        fprintf(stderr, "evlake sql: no lake at '%s' (run evlake init first)\n", ctx->home);
        return 1;
    }
    cat *c;
    if (cat_open(path, NULL, &c, &err) != EV_OK) return cli_fail("sql", &err);
    history_print h = {.fmt = fmt, .first = true};
    ev_status st = cat_queries(c, limit, print_query, &h, &err);
    cat_close(c);
    if (st != EV_OK) return cli_fail("sql", &err);
    if (h.first && fmt == EXEC_FMT_TABLE) printf("no queries yet\n");
    return 0;
}

int cli_cmd_sql(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    static const struct option longs[] = {
        {"format", required_argument, NULL, 'F'},     {"database", required_argument, NULL, 'd'},
        {"threads", required_argument, NULL, 't'},    {"memory-limit", required_argument, NULL, 'm'},
        {"scan-limit", required_argument, NULL, 's'}, {"quiet", no_argument, NULL, 'q'},
        {"history", no_argument, NULL, 'H'},          {0, 0, 0, 0}};
    const char *command = NULL, *file = NULL, *scan_limit = NULL;
    bool history = false;
    exec_options eo = {.home = ctx->home};
    sql_opts o = {.fmt = EXEC_FMT_TABLE};
    optind = 1;
    opterr = 0;
    int c;
    long n;
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
            if (cli_int_arg("sql", "--threads", optarg, 1, 64, &n)) return 1;
            eo.threads = (int)n;
            break;
        case 'm':
            if (cli_int_arg("sql", "--memory-limit", optarg, 16, 1L << 30, &n)) return 1;
            eo.memory_limit = (size_t)n << 20;
            break;
        case 's':
            scan_limit = optarg;
            break;
        case 'q':
            o.quiet = true;
            break;
        case 'H':
            history = true;
            break;
        default:
            return cli_usage_error("sql", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    int limit = 20;
    if (history && optind < argc) {
        if (cli_int_arg("sql", "--history", argv[optind], 1, 1000000, &n)) return 1;
        limit = (int)n;
        optind++;
    }
    if (optind < argc) return cli_usage_error("sql", "unexpected argument '%s'", argv[optind]);
    if (command && file) return cli_usage_error("sql", "give -c or -f, not both");
    if (history && (command || file))
        return cli_usage_error("sql", "--history lists queries: give no -c or -f");
    if (history) return show_history(ctx, limit, o.fmt);
    workgroup wg;
    int rc = load_workgroup(ctx, &wg);
    if (rc) return rc;
    eo.workgroup = wg.name;
    eo.results = wg.results;
    eo.scan_limit = wg.limit;
    eo.crash_point = getenv("EVLAKE_CRASH_POINT"); /* tests: see src/exec/exec_write.h */
    if (scan_limit && parse_bytes(scan_limit, &eo.scan_limit) != 0)
        return cli_usage_error("sql", "--scan-limit takes bytes (e.g. 1048576, 500MB, 10GB), not '%s'",
                               scan_limit);
    exec_session *s;
    ev_error err = {0};
    if (exec_session_open(&eo, &s, &err) != EV_OK) return cli_fail("sql", &err);
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
