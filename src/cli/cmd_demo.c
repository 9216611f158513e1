/* cmd_demo.c: `evlake demo`: the classic pipeline end to end on an accelerated clock. */
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
#include "exec.h"
#include "ev_time.h"
#include "sched_daemon.h"
#include "sql.h"

static const char *const demo_help =
    "usage: evlake demo [--hours N] [--clock-speed X] [--home DIR]\n"
    "\n"
    "Runs the classic pipeline end to end on the lake (./lake by default, created if needed):\n"
    "the generator drops an object every 5 simulated minutes, the hourly ETL job turns them into\n"
    "Parquet partitions, the crawler runs on each success; over N simulated hours (default 3) from\n"
    "2025-11-20T00:00:00Z at X simulated seconds per second (default 360). Then it shows the lake\n"
    "and the reconciliation raw lines = rows + quarantined, and answers the five questions of\n"
    "queries.sql with their runtime and bytes scanned. Running it again is safe: objects are\n"
    "regenerated identically and the bookmarks skip what is done.\n";

static volatile sig_atomic_t demo_stop;

static void on_demo_signal(int sig) {
    (void)sig;
    demo_stop = 1;
}

static int print_partition(const cat_partition_info *p, void *arg) {
    (void)arg;
    printf("  %-36s %10" PRIu64 " rows  %3" PRIu64 " files  %7.1f MB\n", p->spec, p->rows, p->files,
           (double)p->bytes / 1e6);
    return 0;
}

/* The five questions the pipeline exists to answer (../shared/spec/queries.sql), unchanged. */
static const struct {
    const char *title, *sql;
} questions[] = {
    {"Q0 row count", "SELECT COUNT(*) AS n FROM events"},
    {"Q1 conversion funnel: views -> purchases per product",
     "SELECT product_id,\n"
     "       SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views,\n"
     "       SUM(CASE WHEN event_type = 'purchase'  THEN 1 ELSE 0 END) AS purchases,\n"
     "       CAST(SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS DOUBLE)\n"
     "         / NULLIF(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END), 0) AS conversion_rate\n"
     "FROM events\nWHERE product_id IS NOT NULL\nGROUP BY product_id\nORDER BY conversion_rate DESC"},
    {"Q2 hourly revenue",
     "SELECT year, month, day, hour,\n       SUM(price * quantity) AS revenue,\n       COUNT(*) AS purchases\n"
     "FROM events\nWHERE event_type = 'purchase'\nGROUP BY year, month, day, hour\nORDER BY year, month, day, hour"},
    {"Q3 top 10 products by views",
     "SELECT product_id, COUNT(*) AS views\nFROM events\nWHERE event_type = 'page_view'\nGROUP BY product_id\n"
     "ORDER BY views DESC\nLIMIT 10"},
    {"Q4 category performance: daily event counts by category",
     "SELECT year, month, day, category, event_type, COUNT(*) AS events\nFROM events\nWHERE category IS NOT NULL\n"
     "GROUP BY year, month, day, category, event_type\nORDER BY year, month, day, category, event_type"},
    {"Q5 user activity: unique users and sessions per day",
     "SELECT year, month, day,\n       COUNT(DISTINCT user_id)    AS unique_users,\n"
     "       COUNT(DISTINCT session_id) AS unique_sessions,\n       COUNT(*)                   AS events\n"
     "FROM events\nGROUP BY year, month, day\nORDER BY year, month, day"},
};

/* Answers the five questions through the SQL engine, as `evlake sql` would. */
static int answer_questions(const cli_ctx *ctx) {
    exec_options o = {.home = ctx->home};
    exec_session *s;
    ev_error err;
    ev_error_clear(&err);
    if (exec_session_open(&o, &s, &err) != EV_OK) return cli_fail("demo", &err);
    int rc = 0;
    for (size_t k = 0; k < sizeof questions / sizeof questions[0] && rc == 0; k++) {
        ev_arena a;
        ev_arena_init(&a, NULL, 4096);
        sql_script script;
        exec_result *r = NULL;
        ev_status st = sql_parse(questions[k].sql, strlen(questions[k].sql), &a, &script, &err);
        if (st == EV_OK) st = exec_run(s, script.stmts[0], &r, &err);
        if (st == EV_OK) {
            const exec_stats *x = exec_result_stats(r);
            printf("\n%s  (%.3f s, %.2f MB scanned%s)\n", questions[k].title, (double)x->runtime_usec / 1e6,
                   (double)x->bytes_scanned / 1e6, x->from_metadata ? ", from metadata" : "");
            fflush(stdout);
            st = exec_result_write(r, EXEC_FMT_TABLE, stdout, &err);
        }
        if (st != EV_OK) rc = cli_fail("demo", &err);
        exec_result_free(r);
        ev_arena_destroy(&a);
    }
    exec_session_close(s);
    return rc;
}

static int show_lake(const cli_ctx *ctx, const etl_job *job) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    ev_error err;
    ev_error_clear(&err);
    cat *c;
    if (cat_open(path, NULL, &c, &err) != EV_OK) return cli_fail("demo", &err);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    cat_table *t;
    ev_status st = cat_table_get(c, "analytics", "events", &arena, &t, &err);
    if (st == EV_OK) {
        printf("\nanalytics.events, partition by partition (from the catalog):\n");
        st = cat_table_partitions(c, t->id, print_partition, NULL, &err);
    }
    ev_arena_destroy(&arena);
    cat_close(c);
    if (st != EV_OK) return cli_fail("demo", &err);
    etl_lag lag;
    if (etl_lag_of(ctx->home, job, &lag, &err) != EV_OK) return cli_fail("demo", &err);
    int ok = lag.lines == lag.rows + lag.quarantined && lag.rows == lag.table_rows;
    printf("\nreconciliation: raw lines %" PRIu64 " = rows %" PRIu64 " + quarantined %" PRIu64 ": %s\n", lag.lines,
           lag.rows, lag.quarantined, ok ? "ok" : "MISMATCH");
    printf("lag: %zu raw object%s not yet processed (the next hourly run takes them)\n", lag.objects_pending,
           lag.objects_pending == 1 ? "" : "s");
    if (!ok) return 2;
    printf("\nThe five questions of queries.sql, unchanged, through `evlake sql`'s engine:\n");
    int rc = answer_questions(ctx);
    if (rc == 0)
        printf("\nAsk your own: evlake sql -c \"SELECT ...\" (the table is analytics.events); to read the same files\n"
               "with another engine, `evlake ddl --dialect athena|trino|spark|duckdb`.\n");
    return rc;
}

int cli_cmd_demo(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(demo_help, stdout);
        return 0;
    }
    int hours = 3;
    double speed = 360;
    for (int i = 1; i < argc; i++) {
        long n;
        if (!strcmp(argv[i], "--hours") && i + 1 < argc) {
            if (cli_int_arg("demo", "--hours", argv[++i], 1, 48, &n)) return 1;
            hours = (int)n;
        } else if (!strcmp(argv[i], "--clock-speed") && i + 1 < argc) speed = atof(argv[++i]);
        else return cli_usage_error("demo", "unexpected argument '%s'", argv[i]);
    }
    if (hours < 1 || hours > 48) return cli_usage_error("demo", "--hours must be 1-48");
    if (!(speed > 0)) return cli_usage_error("demo", "--clock-speed must be positive");
    ev_error err;
    ev_error_clear(&err);
    printf("== the lake\n");
    if (cli_init_lake(ctx->home, &err) != EV_OK) return cli_fail("demo", &err);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_PIPELINE_FILE);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    cfg_pipeline *p;
    if (cfg_pipeline_load(path, &arena, &p, &err) != EV_OK) {
        ev_arena_destroy(&arena);
        return cli_fail("demo", &err);
    }
    sched_daemon_options o;
    sched_daemon_options_default(&o);
    o.home = ctx->home;
    o.clock_speed = speed;
    o.start_usec = INT64_C(1763596800000000); /* 2025-11-20T00:00:00Z */
    o.until_usec = o.start_usec + hours * EV_USEC_PER_HOUR + 30 * EV_USEC_PER_SEC;
    o.stop = &demo_stop;
    o.log = stdout;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_demo_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("\n== the pipeline: %d simulated hour%s from 2025-11-20T00:00:00Z at %gx (generator every 5 minutes, "
           "hourly ETL, crawler on success)\n",
           hours, hours == 1 ? "" : "s", speed);
    fflush(stdout);
    sched_daemon_report r;
    ev_status st = sched_daemon_run(p, &o, &r, &err);
    if (st != EV_OK || p->n_jobs == 0) {
        ev_arena_destroy(&arena);
        if (st == EV_OK) return cli_usage_error("demo", "the pipeline file defines no job");
        return cli_fail("demo", &err);
    }
    printf("\n%s: %zu objects generated, %zu job runs (%zu failed), %zu crawler runs\n",
           demo_stop ? "stopped" : "done", r.objects, r.job_runs, r.job_failures, r.crawler_runs);
    etl_job_names names;
    etl_job job;
    etl_job_from_config(&p->jobs[0], &names, &job);
    int rc = show_lake(ctx, &job);
    ev_arena_destroy(&arena);
    return rc;
}
