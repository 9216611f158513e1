/* sched_daemon.c: the scheduler loop, its simulated clock, retries and triggers (see sched_daemon.h). */
#include "sched_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cfg.h"
#include "crawl.h"
#include "etl.h"
#include "ev_fs.h"
#include "ev_time.h"
#include "gen.h"
#include "store.h"

#define NEVER INT64_MAX
#define MAX_JOBS 64
#define MAX_CRAWLERS 64

void sched_daemon_options_default(sched_daemon_options *o) {
    memset(o, 0, sizeof *o);
    o->clock_speed = 1.0;
    o->log = stderr;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)(cores < 64 ? cores : 64) : 2;
}

typedef struct daemon_state {
    const cfg_pipeline *p;
    const sched_daemon_options *o;
    sched_daemon_report *rep;
    int64_t sim_start, mono_start;
    int64_t next_gen, last_gen;
    int64_t next_job[MAX_JOBS], retry_at[MAX_JOBS];
    int attempt[MAX_JOBS];
    size_t runs_of_job[MAX_JOBS];
    int64_t next_crawl[MAX_CRAWLERS];
    store *s;
} daemon_state;

/* ---- clock and logs ---- */

static int64_t sim_now(const daemon_state *d) {
    return d->sim_start + (int64_t)((double)(ev_time_monotonic() - d->mono_start) * d->o->clock_speed);
}

static int stopped(const daemon_state *d) { return d->o->stop && *d->o->stop; }

/* Sleeps until the simulated clock reaches t; returns 0 if asked to stop first. */
static int wait_until(const daemon_state *d, int64_t t) {
    for (;;) {
        if (stopped(d)) return 0;
        int64_t now = sim_now(d);
        if (now >= t) return 1;
        int64_t real = (int64_t)((double)(t - now) / d->o->clock_speed);
        if (real > 100000) real = 100000;
        if (real < 1000) real = 1000;
        struct timespec ts = {0, (long)real * 1000};
        nanosleep(&ts, NULL);
    }
}

static void log_task(const daemon_state *d, int64_t t, const char *kind, const char *name, const char *status,
                     const char *fmt, ...) EV_PRINTF(6, 7);

static void log_task(const daemon_state *d, int64_t t, const char *kind, const char *name, const char *status,
                     const char *fmt, ...) {
    char when[40], detail[1024];
    ev_time_format_iso_z(t, when);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    FILE *f = d->o->log ? d->o->log : stderr;
    if (d->o->json_logs) {
        fprintf(f, "{\"time\": \"%s\", \"task\": \"%s\", \"name\": \"%s\", \"status\": \"%s\", \"detail\": \"", when,
                kind, name, status);
        for (const char *p = detail; *p; p++) {
            if (*p == '"' || *p == '\\') fputc('\\', f);
            if ((unsigned char)*p >= 0x20) fputc(*p, f);
        }
        fputs("\"}\n", f);
    } else {
        fprintf(f, "%s  %-9s %-16s %-9s %s\n", when, kind, name, status, detail);
    }
    fflush(f);
}

/* ---- tasks ---- */

/* Records a generator or crawler run in the catalog's run history (ETL runs record themselves),
 * so `evlake etl history --all` shows every run. Failure to record is logged, not fatal. */
static void record_run(const daemon_state *d, const char *name, const char *status, uint64_t objects, uint64_t lines,
                       uint64_t files, const char *error) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", d->o->home, CFG_CATALOG_FILE);
    cat *c;
    ev_error err;
    int64_t id;
    cat_run_counts n = {objects, lines, 0, 0, 0, 0, files};
    if (cat_open(path, NULL, &c, &err) != EV_OK || cat_run_start(c, name, &id, &err) != EV_OK ||
        cat_run_finish(c, id, status, &n, error, &err) != EV_OK)
        fprintf(d->o->log ? d->o->log : stderr, "evlake daemon: cannot record the %s run: %s\n", name, err.msg);
    cat_close(c);
}

static int64_t next_after(const sched_expr *e, int64_t t) {
    int64_t next;
    return sched_expr_next(e, t, &next) == EV_OK ? next : NEVER;
}

static void fire_generator(daemon_state *d, int64_t t) {
    const cfg_generator *g = &d->p->generator;
    int64_t period = d->last_gen != INT64_MIN ? t - d->last_gen
                     : g->schedule.expr.kind == SCHED_RATE ? g->schedule.expr.rate_usec
                                                           : 5 * EV_USEC_PER_MIN;
    gen_options o;
    gen_options_default(&o);
    o.profile = g->profile == CFG_PROFILE_REALISTIC ? GEN_PROFILE_REALISTIC : GEN_PROFILE_STARTER;
    o.seed = g->seed;
    o.events_min = (uint32_t)g->events_min;
    o.events_max = (uint32_t)g->events_max;
    o.bad_rate = g->bad_rate;
    o.threads = d->o->threads;
    o.prefix = d->p->storage.raw_prefix ? d->p->storage.raw_prefix : GEN_DEFAULT_PREFIX;
    o.interval_usec = ev_time_floor(period, EV_USEC_PER_SEC);
    o.start_usec = t - o.interval_usec;
    o.objects = 1;
    gen_stats st;
    ev_error err;
    ev_error_clear(&err);
    ev_status rc = gen_run(d->s, &o, NULL, NULL, d->o->stop, &st, &err);
    d->last_gen = t;
    if (rc == EV_OK) {
        d->rep->objects++;
        record_run(d, "generator", "SUCCEEDED", 1, st.events, 0, NULL);
        char key[1024];
        if (gen_object_key(o.prefix, t, key, sizeof key) != EV_OK) key[0] = '\0';
        log_task(d, t, "generator", "generator", "SUCCEEDED", "%s (%llu events)", key, (unsigned long long)st.events);
    } else if (rc != EV_ERR_CANCELLED) {
        record_run(d, "generator", "FAILED", 0, 0, 0, err.msg);
        log_task(d, t, "generator", "generator", "FAILED", "%s", err.msg);
    }
}

/* Is run number n (1-based) of this job one the tests asked to fail? */
static int injected(const daemon_state *d, const char *job, size_t n) {
    const char *spec = d->o->inject_failure;
    size_t len = strlen(job);
    if (!spec || strncmp(spec, job, len) != 0 || spec[len] != ':') return 0;
    for (const char *p = spec + len + 1; *p;) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p) return 0;
        if (v == n) return 1;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',') break;
    }
    return 0;
}

static void fire_crawler(daemon_state *d, size_t i, int64_t t) {
    const cfg_crawler *c = &d->p->crawlers[i];
    crawl_report r;
    ev_error err;
    ev_error_clear(&err);
    d->rep->crawler_runs++;
    if (crawl_table(d->o->home, c->target_db, c->target_table, &r, &err) != EV_OK) {
        record_run(d, c->name, "FAILED", 0, 0, 0, err.msg);
        log_task(d, t, "crawler", c->name, "FAILED", "%s", err.msg);
        return;
    }
    record_run(d, c->name, "SUCCEEDED", 0, 0, r.files_registered, NULL);
    log_task(d, t, "crawler", c->name, "SUCCEEDED",
             "%s.%s: %zu partitions (%zu new), %zu files; %zu unregistered, %zu missing", c->target_db,
             c->target_table, r.partitions_registered, r.partitions_added, r.files_registered, r.files_unregistered,
             r.files_missing);
}

static void trigger_crawlers(daemon_state *d, size_t job, cfg_run_state state, int64_t t) {
    for (size_t i = 0; i < d->p->n_crawlers && i < MAX_CRAWLERS; i++) {
        const cfg_crawler *c = &d->p->crawlers[i];
        if (c->trigger == CFG_TRIGGER_ON_JOB && c->on_job_index == job && c->on_state == state && !stopped(d))
            fire_crawler(d, i, t);
    }
}

static void fire_job(daemon_state *d, size_t j, int64_t t) {
    const cfg_job *cj = &d->p->jobs[j];
    etl_job_names names;
    etl_job job;
    etl_job_from_config(cj, &names, &job);
    etl_options opt;
    etl_options_default(&opt);
    opt.threads = d->o->threads;
    opt.stop = d->o->stop;
    opt.inject_failure = injected(d, cj->name, ++d->runs_of_job[j]);
    etl_report r;
    ev_error err;
    ev_error_clear(&err);
    d->rep->job_runs++;
    ev_status st = etl_run(d->o->home, &job, &opt, NULL, NULL, &r, &err);
    if (st == EV_OK) {
        d->attempt[j] = 0;
        d->retry_at[j] = NEVER;
        if (r.objects == 0)
            log_task(d, t, "job", cj->name, "SUCCEEDED", "nothing new");
        else
            log_task(d, t, "job", cj->name, "SUCCEEDED", "run %lld: %zu objects, %llu lines -> %llu rows + %llu quarantined",
                     (long long)r.run_id, r.objects, (unsigned long long)r.lines, (unsigned long long)r.rows,
                     (unsigned long long)r.quarantined);
        trigger_crawlers(d, j, CFG_STATE_SUCCEEDED, t);
        return;
    }
    d->rep->job_failures++;
    if (st == EV_ERR_BUSY || d->attempt[j] < cj->max_retries) {
        int64_t backoff = cj->retry_backoff_usec > 0 ? cj->retry_backoff_usec : EV_USEC_PER_MIN;
        backoff <<= d->attempt[j] < 20 ? d->attempt[j] : 20;
        d->attempt[j]++;
        d->retry_at[j] = t + backoff;
        d->rep->retries++;
        char when[40];
        ev_time_format_iso_z(d->retry_at[j], when);
        log_task(d, t, "job", cj->name, "FAILED", "%s; retry %d at %s", err.msg, d->attempt[j], when);
        return;
    }
    d->attempt[j] = 0;
    d->retry_at[j] = NEVER;
    log_task(d, t, "job", cj->name, "FAILED", "%s; no retries left", err.msg);
    trigger_crawlers(d, j, CFG_STATE_FAILED, t);
}

/* ---- the loop ---- */

static int64_t earliest(const daemon_state *d) {
    int64_t t = d->next_gen;
    for (size_t j = 0; j < d->p->n_jobs && j < MAX_JOBS; j++) {
        if (d->next_job[j] < t) t = d->next_job[j];
        if (d->retry_at[j] < t) t = d->retry_at[j];
    }
    for (size_t i = 0; i < d->p->n_crawlers && i < MAX_CRAWLERS; i++)
        if (d->next_crawl[i] < t) t = d->next_crawl[i];
    return t;
}

static void fire_due(daemon_state *d, int64_t t) {
    if (d->next_gen == t) {
        fire_generator(d, t);
        d->next_gen = next_after(&d->p->generator.schedule.expr, t);
    }
    for (size_t j = 0; j < d->p->n_jobs && j < MAX_JOBS && !stopped(d); j++) {
        int scheduled = d->next_job[j] == t, retry = d->retry_at[j] == t;
        if (!scheduled && !retry) continue;
        if (scheduled) d->next_job[j] = next_after(&d->p->jobs[j].schedule.expr, t);
        if (scheduled && retry) d->retry_at[j] = NEVER; /* one run serves both */
        fire_job(d, j, t);
    }
    for (size_t i = 0; i < d->p->n_crawlers && i < MAX_CRAWLERS && !stopped(d); i++) {
        if (d->next_crawl[i] != t) continue;
        d->next_crawl[i] = next_after(&d->p->crawlers[i].schedule.expr, t);
        fire_crawler(d, i, t);
    }
}

static void init_schedules(daemon_state *d) {
    const cfg_pipeline *p = d->p;
    d->next_gen = p->has_generator ? next_after(&p->generator.schedule.expr, d->sim_start) : NEVER;
    d->last_gen = INT64_MIN;
    for (size_t j = 0; j < p->n_jobs && j < MAX_JOBS; j++) {
        d->next_job[j] = p->jobs[j].has_schedule ? next_after(&p->jobs[j].schedule.expr, d->sim_start) : NEVER;
        d->retry_at[j] = NEVER;
    }
    for (size_t i = 0; i < p->n_crawlers && i < MAX_CRAWLERS; i++)
        d->next_crawl[i] = p->crawlers[i].trigger == CFG_TRIGGER_SCHEDULE
                               ? next_after(&p->crawlers[i].schedule.expr, d->sim_start) : NEVER;
}

static ev_status lock_daemon(const char *home, int *fd, ev_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/locks", home);
    EV_TRY(ev_mkdir_p(path, err));
    snprintf(path, sizeof path, "%s/locks/daemon.lock", home);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot open '%s'", path);
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return ev_error_set(err, EV_ERR_BUSY, "a daemon is already running on the lake at '%s'", home);
    }
    return EV_OK;
}

ev_status sched_daemon_run(const cfg_pipeline *p, const sched_daemon_options *o, sched_daemon_report *rep,
                           ev_error *err) {
    memset(rep, 0, sizeof *rep);
    if (p->n_jobs > MAX_JOBS || p->n_crawlers > MAX_CRAWLERS)
        return ev_error_set(err, EV_ERR_UNSUPPORTED, "at most %d jobs and %d crawlers", MAX_JOBS, MAX_CRAWLERS);
    if (!(o->clock_speed > 0)) return ev_error_set(err, EV_ERR_INPUT, "the clock speed must be positive");
    int lock_fd;
    EV_TRY(lock_daemon(o->home, &lock_fd, err));
    daemon_state *d = calloc(1, sizeof *d);
    ev_status st = d ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory starting the daemon");
    if (st == EV_OK) st = store_open_local(o->home, NULL, &d->s, err);
    if (st == EV_OK) {
        d->p = p;
        d->o = o;
        d->rep = rep;
        d->sim_start = o->start_usec ? o->start_usec : ev_time_now();
        d->mono_start = ev_time_monotonic();
        init_schedules(d);
        for (;;) {
            int64_t t = earliest(d);
            if (t == NEVER || (o->until_usec && t > o->until_usec)) {
                if (o->until_usec) wait_until(d, o->until_usec);
                else while (!stopped(d)) wait_until(d, sim_now(d) + EV_USEC_PER_HOUR);
                break;
            }
            if (!wait_until(d, t)) break;
            fire_due(d, t);
            if (stopped(d)) break;
        }
        rep->sim_end_usec = sim_now(d);
    }
    if (d) store_close(d->s);
    free(d);
    close(lock_fd);
    return st;
}
