/* cmd_etl.c: `evlake etl run|status|history|rewind|reset` and `evlake status`. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cfg_pipeline.h"
#include "cli.h"
#include "etl.h"
#include "ev_time.h"

static const char *const etl_help =
    "usage: evlake etl run [JOB] [--threads N] [--batch N]\n"
    "       evlake etl status [--json]\n"
    "       evlake etl history [--all] [--limit N] [--json]\n"
    "       evlake etl quarantine [--limit N]\n"
    "       evlake etl rewind --to T\n"
    "       evlake etl reset\n"
    "\n"
    "The incremental job (the Glue job with bookmarks): `run` processes every raw object not yet\n"
    "processed, late ones included, into Parquet under analytics/events/, partitioned by the event's\n"
    "own year/month/day/hour, and registers files and partitions in the catalog in the same commit\n"
    "as its bookmarks. Bad lines go to the quarantine with object, line, offset and reason. A crash\n"
    "at any point loses and duplicates nothing: the next run finishes or redoes the work.\n"
    "\n"
    "  status    what is pending (lag) and the reconciliation lines = rows + quarantined\n"
    "  history   the job's runs, newest first (--all: the generator's and crawlers' too)\n"
    "  quarantine  the bad lines: object, line, byte offset, reason and the raw text\n"
    "  rewind    forget the runs that started after T: their files are removed and their objects\n"
    "            are processed again by the next run (replaced, never appended twice)\n"
    "  reset     rewind to the beginning\n";

static volatile sig_atomic_t etl_stop_requested;

static void on_etl_signal(int sig) {
    (void)sig;
    etl_stop_requested = 1;
}

/* The job named `name` (NULL: the first) as the lake's pipeline file defines it. Returns an exit
 * code (0 on success); the job's strings live in `arena` and `names`. */
static int load_job(const cli_ctx *ctx, const char *cmd, const char *name, ev_arena *arena, etl_job_names *names,
                    etl_job *job) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_PIPELINE_FILE);
    ev_error err;
    ev_error_clear(&err);
    cfg_pipeline *p;
    if (cfg_pipeline_load(path, arena, &p, &err) != EV_OK) {
        if (err.code == EV_ERR_NOT_FOUND)
            fprintf(stderr, "evlake %s: no lake at '%s' (run evlake init first)\n", cmd, ctx->home);
        else
            fprintf(stderr, "evlake %s: %s\n", cmd, err.msg);
        return ev_status_exit_code(err.code) ? ev_status_exit_code(err.code) : 1;
    }
    const cfg_job *j = name ? cfg_pipeline_find_job(p, name) : p->n_jobs ? &p->jobs[0] : NULL;
    if (!j) {
        if (name) return cli_usage_error(cmd, "the pipeline file defines no job named '%s'", name);
        fprintf(stderr, "evlake %s: the pipeline file defines no job\n", cmd);
        return 1;
    }
    etl_job_from_config(j, names, job);
    return 0;
}

static void print_mb(FILE *f, uint64_t bytes) { fprintf(f, "%.1f MB", (double)bytes / 1e6); }

static void etl_progress(const etl_report *r, void *arg) {
    const cli_ctx *ctx = arg;
    if (!ctx->stderr_tty) return;
    double secs = (double)r->elapsed_usec / 1e6;
    fprintf(stderr, "\r%zu/%zu objects  %" PRIu64 " rows  %.2f M lines/s ", r->objects, r->objects_pending, r->rows,
            secs > 0 ? (double)r->lines / secs / 1e6 : 0.0);
    fflush(stderr);
}

static int run_job(const cli_ctx *ctx, const etl_job *job_ptr, etl_options *opt_ptr, int json);

static int cmd_run(const cli_ctx *ctx, int argc, char **argv) {
    etl_options opt;
    etl_options_default(&opt);
    opt.crash_point = getenv("EVLAKE_CRASH_POINT"); /* tests: see src/etl/etl_int.h */
    opt.stop = &etl_stop_requested;
    int json = 0;
    static const struct option opts[] = {{"threads", required_argument, 0, 't'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"json", no_argument, 0, 'j'},
                                         {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': {
            long n;
            if (cli_int_arg("etl", "--threads", optarg, 1, 64, &n)) return 1;
            opt.threads = (int)n;
            break;
        }
        case 'b':
            opt.batch_objects = (size_t)atol(optarg);
            if (opt.batch_objects < 1) return cli_usage_error("etl", "--batch must be at least 1");
            break;
        case 'j': json = 1; break;
        default: return cli_usage_error("etl", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 < argc) return cli_usage_error("etl", "unexpected argument '%s'", argv[optind + 1]);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    etl_job_names names;
    etl_job job;
    int rc = load_job(ctx, "etl", optind < argc ? argv[optind] : NULL, &arena, &names, &job);
    if (rc) {
        ev_arena_destroy(&arena);
        return rc;
    }
    rc = run_job(ctx, &job, &opt, json);
    ev_arena_destroy(&arena);
    return rc;
}

static int run_job(const cli_ctx *ctx, const etl_job *job_ptr, etl_options *opt_ptr, int json) {
    const etl_job job = *job_ptr;
    etl_options opt = *opt_ptr;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_etl_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    etl_report r;
    ev_error err;
    ev_error_clear(&err);
    ev_status st = etl_run(ctx->home, &job, &opt, etl_progress, (void *)ctx, &r, &err);
    if (ctx->stderr_tty && r.batches) fputc('\n', stderr);
    if (r.interrupted_runs || r.orphans_removed || r.rolled_forward)
        fprintf(stderr, "recovered: %d interrupted run%s closed, %zu uncommitted file%s removed, %zu committed file%s "
                        "moved into place\n",
                r.interrupted_runs, r.interrupted_runs == 1 ? "" : "s", r.orphans_removed,
                r.orphans_removed == 1 ? "" : "s", r.rolled_forward, r.rolled_forward == 1 ? "" : "s");
    if (st != EV_OK) return cli_fail("etl", &err);
    double secs = (double)r.elapsed_usec / 1e6;
    if (json) {
        printf("{\"run_id\": %" PRId64 ", \"objects\": %zu, \"lines\": %" PRIu64 ", \"rows\": %" PRIu64
               ", \"quarantined\": %" PRIu64 ", \"files\": %zu, \"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64
               ", \"seconds\": %.3f, \"objects_changed\": %zu}\n",
               r.run_id, r.objects, r.lines, r.rows, r.quarantined, r.files, r.bytes_in, r.bytes_out, secs,
               r.objects_changed);
        return 0;
    }
    if (r.objects_changed)
        printf("note: %zu processed object%s changed size since; not reprocessed (see evlake etl rewind)\n",
               r.objects_changed, r.objects_changed == 1 ? "" : "s");
    if (r.objects == 0) {
        printf("nothing new: every raw object under %s is already processed\n", job.source_prefix);
        return 0;
    }
    printf("run %" PRId64 ": %zu object%s, %" PRIu64 " lines -> %" PRIu64 " rows + %" PRIu64
           " quarantined, %zu file%s (",
           r.run_id, r.objects, r.objects == 1 ? "" : "s", r.lines, r.rows, r.quarantined, r.files,
           r.files == 1 ? "" : "s");
    print_mb(stdout, r.bytes_in);
    printf(" in, ");
    print_mb(stdout, r.bytes_out);
    printf(" out) in %.2f s: %.2f M lines/s\n", secs, secs > 0 ? (double)r.lines / secs / 1e6 : 0.0);
    return 0;
}

static void print_lag(const etl_job *job, const etl_lag *lag, int json) {
    int reconciled = lag->lines == lag->rows + lag->quarantined && lag->rows == lag->table_rows;
    if (json) {
        printf("{\"job\": \"%s\", \"objects_pending\": %zu, \"bytes_pending\": %" PRIu64 ", \"objects_changed\": %zu, "
               "\"objects_done\": %" PRIu64 ", \"lines\": %" PRIu64 ", \"rows\": %" PRIu64 ", \"quarantined\": %" PRIu64
               ", \"table_rows\": %" PRIu64 ", \"table_files\": %" PRIu64 ", \"table_partitions\": %" PRIu64
               ", \"reconciled\": %s}\n",
               job->name, lag->objects_pending, lag->bytes_pending, lag->objects_changed, lag->objects_done,
               lag->lines, lag->rows, lag->quarantined, lag->table_rows, lag->table_files, lag->table_partitions,
               reconciled ? "true" : "false");
        return;
    }
    printf("job %s: %s -> %s.%s\n", job->name, job->source_prefix, job->db, job->table);
    printf("  lag            %zu object%s pending (", lag->objects_pending, lag->objects_pending == 1 ? "" : "s");
    print_mb(stdout, lag->bytes_pending);
    printf(")%s\n", lag->objects_changed ? ", some processed objects changed since" : "");
    printf("  processed      %" PRIu64 " objects, %" PRIu64 " lines\n", lag->objects_done, lag->lines);
    printf("  table          %" PRIu64 " rows in %" PRIu64 " files, %" PRIu64 " partitions\n", lag->table_rows,
           lag->table_files, lag->table_partitions);
    printf("  reconciliation lines %" PRIu64 " = rows %" PRIu64 " + quarantined %" PRIu64 ": %s\n", lag->lines,
           lag->rows, lag->quarantined, reconciled ? "ok" : "MISMATCH");
}

static int cmd_status(const cli_ctx *ctx, const char *name, int json) {
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    etl_job_names names;
    etl_job job;
    int rc = load_job(ctx, name, NULL, &arena, &names, &job);
    if (rc == 0) {
        etl_lag lag;
        ev_error err;
        ev_error_clear(&err);
        if (etl_lag_of(ctx->home, &job, &lag, &err) != EV_OK) rc = cli_fail(name, &err);
        else print_lag(&job, &lag, json);
    }
    ev_arena_destroy(&arena);
    return rc;
}

typedef struct history_print {
    int json, first;
} history_print;

static int print_run(const cat_run *r, void *arg) {
    history_print *h = arg;
    char started[40];
    ev_time_format_iso_z(r->started_usec, started);
    double secs = r->ended_usec ? (double)(r->ended_usec - r->started_usec) / 1e6 : 0;
    if (h->json) {
        printf("{\"run_id\": %" PRId64 ", \"job\": \"%s\", \"status\": \"%s\", \"started\": \"%s\", \"seconds\": %.3f, "
               "\"objects\": %" PRIu64 ", \"lines\": %" PRIu64 ", \"rows\": %" PRIu64 ", \"quarantined\": %" PRIu64
               ", \"files\": %" PRIu64 ", \"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64 ", \"error\": ",
               r->id, r->job, r->status, started, secs, r->n.objects, r->n.lines, r->n.rows, r->n.quarantined,
               r->n.files, r->n.bytes_in, r->n.bytes_out);
        if (!r->error) {
            printf("null}\n");
        } else {
            putchar('"');
            for (const char *p = r->error; *p; p++) {
                if (*p == '"' || *p == '\\') putchar('\\');
                if ((unsigned char)*p >= 0x20) putchar(*p);
            }
            printf("\"}\n");
        }
        return 0;
    }
    if (h->first) {
        printf("%-5s %-15s %-10s %-20s %8s %7s %11s %11s %8s %5s  %s\n", "run", "job", "status", "started", "seconds",
               "objects", "lines", "rows", "quarant.", "files", "error");
        h->first = 0;
    }
    printf("%-5" PRId64 " %-15s %-10s %-20s %8.2f %7" PRIu64 " %11" PRIu64 " %11" PRIu64 " %8" PRIu64 " %5" PRIu64
           "  %s\n",
           r->id, r->job, r->status, started, secs, r->n.objects, r->n.lines, r->n.rows, r->n.quarantined, r->n.files,
           r->error ? r->error : "");
    return 0;
}

static int cmd_history(const cli_ctx *ctx, int limit, int json, int all) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    ev_error err;
    ev_error_clear(&err);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    etl_job_names names;
    etl_job job;
    int rc = load_job(ctx, "etl", NULL, &arena, &names, &job);
    cat *c;
    if (rc == 0 && cat_open(path, NULL, &c, &err) != EV_OK) rc = cli_fail("etl", &err);
    if (rc) {
        ev_arena_destroy(&arena);
        return rc;
    }
    history_print h = {json, 1};
    ev_status st = cat_job_runs(c, all ? NULL : job.name, limit, print_run, &h, &err);
    ev_arena_destroy(&arena);
    cat_close(c);
    if (st != EV_OK) return cli_fail("etl", &err);
    if (h.first && !json) printf("no runs yet\n");
    return 0;
}

static int print_quarantined(const cat_quarantine_entry *q, int64_t run_id, void *arg) {
    (void)arg;
    printf("%s:%llu (offset %llu, run %lld): %s\n  ", q->object_key, (unsigned long long)q->line,
           (unsigned long long)q->byte_offset, (long long)run_id, q->reason);
    const unsigned char *raw = q->raw;
    size_t n = q->raw_len < 160 ? q->raw_len : 160;
    for (size_t i = 0; i < n; i++) {
        if (raw[i] >= 0x20 && raw[i] < 0x7f) putchar(raw[i]);
        else printf("\\x%02x", raw[i]);
    }
    printf("%s\n", q->raw_len > 160 ? "..." : "");
    return 0;
}

static int cmd_quarantine(const cli_ctx *ctx, int limit) {
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    etl_job_names names;
    etl_job job;
    int rc = load_job(ctx, "etl", NULL, &arena, &names, &job);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    ev_error err;
    ev_error_clear(&err);
    cat *c = NULL;
    if (rc == 0 && cat_open(path, NULL, &c, &err) != EV_OK) rc = cli_fail("etl", &err);
    if (rc == 0 && cat_quarantine_list(c, job.name, limit, print_quarantined, NULL, &err) != EV_OK)
        rc = cli_fail("etl", &err);
    cat_close(c);
    ev_arena_destroy(&arena);
    return rc;
}

static int cmd_rewind(const cli_ctx *ctx, int64_t t, const char *what) {
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    etl_job_names names;
    etl_job job;
    int rc = load_job(ctx, "etl", NULL, &arena, &names, &job);
    etl_rewind_report r;
    ev_error err;
    ev_error_clear(&err);
    if (rc == 0 && etl_rewind(ctx->home, &job, t, &r, &err) != EV_OK) rc = cli_fail("etl", &err);
    ev_arena_destroy(&arena);
    if (rc) return rc;
    printf("%s: runs after %" PRId64 " forgotten, %zu file%s (%" PRIu64 " rows) removed; the next run processes "
           "their objects again\n",
           what, r.kept_through_run, r.files_removed, r.files_removed == 1 ? "" : "s", r.rows_removed);
    return 0;
}

static int parse_flags(int argc, char **argv, int *json, int *limit, const char **to, int *all) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) *json = 1;
        else if (!strcmp(argv[i], "--all") && all) *all = 1;
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc && limit) {
            long n;
            if (cli_int_arg("etl", "--limit", argv[++i], 1, 1000000, &n)) return 1;
            *limit = (int)n;
        } else if (!strcmp(argv[i], "--to") && i + 1 < argc && to) *to = argv[++i];
        else return cli_usage_error("etl", "unexpected argument '%s'", argv[i]);
    }
    return 0;
}

int cli_cmd_etl(const cli_ctx *ctx, int argc, char **argv) {
    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(etl_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    const char *sub = argv[1];
    int json = 0, limit = 20;
    const char *to = NULL;
    if (!strcmp(sub, "run")) return cmd_run(ctx, argc - 1, argv + 1);
    if (!strcmp(sub, "status")) {
        if (parse_flags(argc - 1, argv + 1, &json, NULL, NULL, NULL)) return 1;
        return cmd_status(ctx, "etl", json);
    }
    if (!strcmp(sub, "history")) {
        int all = 0;
        if (parse_flags(argc - 1, argv + 1, &json, &limit, NULL, &all)) return 1;
        return cmd_history(ctx, limit, json, all);
    }
    if (!strcmp(sub, "quarantine")) {
        if (parse_flags(argc - 1, argv + 1, &json, &limit, NULL, NULL)) return 1;
        return cmd_quarantine(ctx, limit);
    }
    if (!strcmp(sub, "rewind")) {
        if (parse_flags(argc - 1, argv + 1, &json, NULL, &to, NULL)) return 1;
        int64_t t;
        if (!to) return cli_usage_error("etl", "rewind needs --to T");
        if (ev_time_parse(to, strlen(to), &t) != EV_OK)
            return cli_usage_error("etl", "--to: '%s' is not an ISO-8601 time", to);
        return cmd_rewind(ctx, t, "rewound");
    }
    if (!strcmp(sub, "reset")) {
        if (argc > 2) return cli_usage_error("etl", "reset takes no arguments");
        return cmd_rewind(ctx, INT64_MIN, "reset");
    }
    return cli_usage_error("etl", "unknown subcommand '%s'", sub);
}

int cli_cmd_status(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: evlake status [--json]\n\nLag (raw objects not yet processed), row counts and the "
               "reconciliation raw lines = rows + quarantined.\n");
        return 0;
    }
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else return cli_usage_error("status", "unexpected argument '%s'", argv[i]);
    }
    int rc = cmd_status(ctx, "status", json);
    if (rc == 0 && !json) {
        printf("\nlast runs:\n");
        rc = cmd_history(ctx, 5, 0, 0);
    }
    return rc;
}
