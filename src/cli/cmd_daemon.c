/* cmd_daemon.c: `evlake daemon` (the scheduler) and `evlake plan` / `evlake apply`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cfg_pipeline.h"
#include "cli.h"
#include "ev_time.h"
#include "sched_daemon.h"

static const char *const daemon_help =
    "usage: evlake daemon [--clock-speed X] [--start T] [--until T | --for D] [--json-logs]\n"
    "\n"
    "Runs the pipeline file's generator, jobs and crawlers on their schedules and triggers: the\n"
    "EventBridge rule, the hourly Glue trigger and the crawler-on-success trigger of the classic\n"
    "stack. Every run is recorded in the catalog (evlake etl history). SIGTERM or Ctrl-C stops it\n"
    "cleanly: nothing is lost or duplicated.\n"
    "\n"
    "  --clock-speed X   simulated seconds per real second (3600: an hour a second)\n"
    "  --start T         where the simulated clock starts (default: now)\n"
    "  --until T         stop when the simulated clock reaches T\n"
    "  --for D           stop after D of simulated time (e.g. 3h)\n"
    "  --json-logs       one JSON object per line instead of text\n"
    "  --threads N       threads for the generator and the ETL (default: cores)\n"
    "  --inject-failure JOB:N[,N]  make those runs of JOB fail (for testing retries and triggers)\n";

static volatile sig_atomic_t daemon_stop;

static void on_daemon_signal(int sig) {
    (void)sig;
    daemon_stop = 1;
}

static int load_pipeline(const cli_ctx *ctx, const char *cmd, ev_arena *arena, cfg_pipeline **p) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_PIPELINE_FILE);
    ev_error err;
    ev_error_clear(&err);
    if (cfg_pipeline_load(path, arena, p, &err) != EV_OK) {
        if (err.code == EV_ERR_NOT_FOUND || strstr(err.msg, "No such file"))
            fprintf(stderr, "evlake %s: no pipeline file at '%s' (run evlake init first)\n", cmd, path);
        else
            fprintf(stderr, "evlake %s: %s\n", cmd, err.msg);
        return ev_status_exit_code(err.code) ? ev_status_exit_code(err.code) : 1;
    }
    return 0;
}

static int parse_time_opt(const char *opt, const char *v, int64_t *out) {
    if (ev_time_parse(v, strlen(v), out) != EV_OK)
        return cli_usage_error("daemon", "%s: '%s' is not an ISO-8601 time", opt, v);
    return 0;
}

int cli_cmd_daemon(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(daemon_help, stdout);
        return 0;
    }
    sched_daemon_options o;
    sched_daemon_options_default(&o);
    o.home = ctx->home;
    o.stop = &daemon_stop;
    int64_t duration = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json-logs")) {
            o.json_logs = 1;
            continue;
        }
        if (!v) return cli_usage_error("daemon", "unknown or incomplete option '%s'", a);
        i++;
        if (!strcmp(a, "--clock-speed")) {
            char *end;
            o.clock_speed = strtod(v, &end);
            if (*end || !(o.clock_speed > 0 && o.clock_speed <= 1e7))
                return cli_usage_error("daemon", "--clock-speed: '%s' is not a factor in (0, 10000000]", v);
        } else if (!strcmp(a, "--start")) {
            if (parse_time_opt("--start", v, &o.start_usec)) return 1;
        } else if (!strcmp(a, "--until")) {
            if (parse_time_opt("--until", v, &o.until_usec)) return 1;
        } else if (!strcmp(a, "--for")) {
            if (ev_duration_parse(v, &duration) != EV_OK || duration <= 0)
                return cli_usage_error("daemon", "--for: '%s' is not a duration (e.g. 3h)", v);
        } else if (!strcmp(a, "--threads")) {
            long n;
            if (cli_int_arg("daemon", "--threads", v, 1, 64, &n)) return 1;
            o.threads = (int)n;
        } else if (!strcmp(a, "--inject-failure")) {
            o.inject_failure = v;
        } else {
            return cli_usage_error("daemon", "unknown option '%s'", a);
        }
    }
    if (duration) {
        if (o.until_usec) return cli_usage_error("daemon", "--for and --until exclude each other");
        if (!o.start_usec) o.start_usec = ev_time_now();
        o.until_usec = o.start_usec + duration;
    }
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    cfg_pipeline *p;
    int rc = load_pipeline(ctx, "daemon", &arena, &p);
    if (rc) {
        ev_arena_destroy(&arena);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_daemon_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sched_daemon_report r;
    ev_error err;
    ev_error_clear(&err);
    ev_status st = sched_daemon_run(p, &o, &r, &err);
    ev_arena_destroy(&arena);
    if (st != EV_OK) return cli_fail("daemon", &err);
    char end[40];
    ev_time_format_iso_z(r.sim_end_usec, end);
    fprintf(stderr, "evlake daemon: %s at %s: %zu objects, %zu job runs (%zu failed, %zu retries), %zu crawler runs\n",
            daemon_stop ? "stopped" : "done", end, r.objects, r.job_runs, r.job_failures, r.retries, r.crawler_runs);
    return 0;
}

/* ---- plan / apply ---- */

static int plan_or_apply(const cli_ctx *ctx, int apply) {
    const char *cmd = apply ? "apply" : "plan";
    ev_arena arena;
    ev_arena_init(&arena, NULL, 16384);
    cfg_pipeline *p;
    int rc = load_pipeline(ctx, cmd, &arena, &p);
    if (rc) {
        ev_arena_destroy(&arena);
        return rc;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    cat *c;
    ev_error err;
    ev_error_clear(&err);
    if (cat_open(path, NULL, &c, &err) != EV_OK) {
        ev_arena_destroy(&arena);
        return cli_fail(cmd, &err);
    }
    size_t changes = 0;
    static const cat_column_def columns[] = {
        {"timestamp", "timestamp", 0}, {"user_id", "string", 0},    {"session_id", "string", 0},
        {"event_type", "string", 0},   {"product_id", "string", 0}, {"category", "string", 0},
        {"quantity", "int", 0},        {"price", "double", 0},      {"search_query", "string", 0}};
    for (size_t j = 0; j < p->n_jobs && rc == 0; j++) {
        const cfg_job *job = &p->jobs[j];
        cat_table *t;
        ev_error lookup;
        if (cat_table_get(c, job->target_db, job->target_table, &arena, &t, &lookup) == EV_OK) {
            printf("  = table %s.%s (job %s): exists, %zu columns\n", job->target_db, job->target_table, job->name,
                   t->ncolumns);
            continue;
        }
        changes++;
        printf("  + table %s.%s (job %s): parquet at %s/%s, partitioned by", job->target_db, job->target_table,
               job->name, job->target_db, job->target_table);
        for (size_t k = 0; k < job->n_partition_keys; k++) printf("%s %s", k ? "," : "", job->partition_keys[k]);
        printf("\n");
        if (!apply) continue;
        cat_column_def all[16];
        size_t n = 0;
        for (size_t k = 0; k < sizeof columns / sizeof columns[0]; k++) all[n++] = columns[k];
        for (size_t k = 0; k < job->n_partition_keys && n < 16; k++)
            all[n++] = (cat_column_def){job->partition_keys[k], "string", 1};
        char location[1024];
        snprintf(location, sizeof location, "%s/%s", job->target_db, job->target_table);
        cat_table def = {0, job->target_db, job->target_table, location, "parquet", NULL, job->name, all, n, 0, NULL};
        int64_t id;
        if (cat_begin(c, &err) != EV_OK || cat_table_create(c, &def, 1, &id, &err) != EV_OK ||
            cat_commit(c, &err) != EV_OK) {
            cat_rollback(c);
            rc = cli_fail(cmd, &err);
        }
    }
    for (size_t i = 0; i < p->n_crawlers && rc == 0; i++) {
        const cfg_crawler *cr = &p->crawlers[i];
        if (cr->trigger == CFG_TRIGGER_ON_JOB)
            printf("  = crawler %s: crawls %s.%s when %s is %s\n", cr->name, cr->target_db, cr->target_table,
                   cr->on_job, cfg_run_state_name(cr->on_state));
        else
            printf("  = crawler %s: crawls %s.%s on %s\n", cr->name, cr->target_db, cr->target_table,
                   cr->schedule.text);
    }
    cat_close(c);
    ev_arena_destroy(&arena);
    if (rc == 0)
        printf("%s: %zu change%s%s\n", cmd, changes, changes == 1 ? "" : "s",
               apply ? " applied" : changes ? " (run evlake apply)" : ", the catalog matches the pipeline file");
    return rc;
}

int cli_cmd_plan(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: evlake plan\n\nShows what `evlake apply` would create or change in the catalog for the "
               "pipeline file.\n");
        return 0;
    }
    if (argc > 1) return cli_usage_error("plan", "unexpected argument '%s'", argv[1]);
    return plan_or_apply(ctx, 0);
}

int cli_cmd_apply(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: evlake apply\n\nCreates in the catalog what the pipeline file defines and it lacks "
               "(databases, job target tables).\n");
        return 0;
    }
    if (argc > 1) return cli_usage_error("apply", "unexpected argument '%s'", argv[1]);
    return plan_or_apply(ctx, 1);
}
