/*
 * etl_run.c: one run of the job: lock, recovery, discovery of pending objects, and the batch loop
 * with its commit protocol (see etl.h for the protocol and why it is exactly once).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_pipeline.h"
#include "ev_fs.h"
#include "ev_time.h"
#include "etl_int.h"

void etl_job_default(etl_job *job) {
    job->name = "events_etl";
    job->source_prefix = "raw/events/";
    job->db = "analytics";
    job->table = "events";
    job->location = "analytics/events";
    job->compression = "zstd";
}

void etl_job_from_config(const cfg_job *j, etl_job_names *names, etl_job *job) {
    snprintf(names->source, sizeof names->source, "%s/", j->source);
    snprintf(names->location, sizeof names->location, "%s/%s", j->target_db, j->target_table);
    job->name = j->name;
    job->source_prefix = names->source;
    job->db = j->target_db;
    job->table = j->target_table;
    job->location = names->location;
    job->compression = cfg_compression_name(j->compression);
}

void etl_options_default(etl_options *o) {
    memset(o, 0, sizeof *o);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)(cores < 64 ? cores : 64) : 2;
    o->batch_objects = 12;
    o->memory_budget = (size_t)192 << 20;
}

/* ---- crash injection ---- */

void etl_crash_init(etl_crash *c, const char *spec) {
    memset(c, 0, sizeof *c);
    atomic_init(&c->reached, 0);
    if (!spec || !*spec) return;
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n >= sizeof c->point) n = sizeof c->point - 1;
    memcpy(c->point, spec, n);
    c->at = colon ? atol(colon + 1) : 1;
    if (c->at < 1) c->at = 1;
}

void etl_crash_point(etl_ctx *ctx, const char *point) {
    if (!ctx->crash.point[0] || strcmp(ctx->crash.point, point) != 0) return;
    if (atomic_fetch_add(&ctx->crash.reached, 1) + 1 == ctx->crash.at) kill(getpid(), SIGKILL);
}

/* ---- staged files ---- */

ev_status etl_staged_list_push(etl_staged_list *l, const etl_staged_file *f) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        etl_staged_file *grown = realloc(l->files, cap * sizeof *grown);
        if (!grown) return EV_ERR_NOMEM;
        l->files = grown;
        l->cap = cap;
    }
    l->files[l->n++] = *f;
    return EV_OK;
}

void etl_staged_list_clear(etl_staged_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->files[i].stats_json);
    l->n = 0;
}

ev_status etl_staged_key_of(const char *final_key, char *out, size_t cap) {
    const char *slash = strrchr(final_key, '/');
    int n = slash ? snprintf(out, cap, "%.*s/.%s.pending", (int)(slash - final_key), final_key, slash + 1)
                  : snprintf(out, cap, ".%s.pending", final_key);
    return n > 0 && (size_t)n < cap ? EV_OK : EV_ERR_INPUT;
}

/* The final key of a staging key, or EV_ERR_INPUT if `key` is not one. */
static ev_status final_key_of(const char *key, char *out, size_t cap) {
    const char *slash = strrchr(key, '/');
    const char *name = slash ? slash + 1 : key;
    size_t len = strlen(name);
    if (name[0] != '.' || len < 10 || strcmp(name + len - 8, ".pending") != 0) return EV_ERR_INPUT;
    int n = snprintf(out, cap, "%.*s%.*s", (int)(name - key), key, (int)(len - 9), name + 1);
    return n > 0 && (size_t)n < cap ? EV_OK : EV_ERR_INPUT;
}

/* ---- the job lock ---- */

/* flock() on <home>/locks/<job>.lock: released by the kernel when the process dies, so a crashed
 * run never blocks the next one. */
ev_status etl_lock_job(const char *home, const char *job, int *fd_out, ev_error *err) {
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/locks", home);
    EV_TRY(ev_mkdir_p(dir, err));
    snprintf(path, sizeof path, "%s/%s.lock", dir, job);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot open lock '%s'", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[64] = "";
        ssize_t r = pread(fd, holder, sizeof holder - 1, 0);
        holder[r > 0 ? r : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        return ev_error_set(err, EV_ERR_BUSY, "job %s is already running (%s); try again when it ends", job,
                            holder[0] ? holder : "another process");
    }
    char note[64];
    int n = snprintf(note, sizeof note, "pid %ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, note, (size_t)n, 0) != n) {
        /* The note is informational only; the lock itself is held. */
    }
    *fd_out = fd;
    return EV_OK;
}

/* ---- recovery ---- */

typedef struct recovery {
    store *s;
    cat *c;
    etl_recovery *out;
    ev_error *err;
    ev_status st;
} recovery;

static int recover_staged(const store_object_info *info, void *arg) {
    recovery *r = arg;
    char final_key[1024];
    if (final_key_of(info->key, final_key, sizeof final_key) != EV_OK) return 0;
    int known = 0;
    if ((r->st = cat_file_known(r->c, final_key, &known, r->err)) != EV_OK) return 1;
    if (known) { /* committed, the crash came before the rename: finish it */
        if ((r->st = store_rename(r->s, info->key, final_key, r->err)) != EV_OK) return 1;
        r->out->rolled_forward++;
    } else {     /* never committed: an orphan */
        if ((r->st = store_delete(r->s, info->key, r->err)) != EV_OK) return 1;
        r->out->orphans_removed++;
    }
    return 0;
}

typedef struct deletion_list {
    char **paths;
    int *claimed;
    size_t n, cap;
} deletion_list;

static int add_deletion(const char *path, int claimed, void *arg) {
    deletion_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **paths = realloc(l->paths, cap * sizeof *paths);
        if (!paths) return 1;
        l->paths = paths;
        int *cl = realloc(l->claimed, cap * sizeof *cl);
        if (!cl) return 1;
        l->claimed = cl;
        l->cap = cap;
    }
    if (!(l->paths[l->n] = strdup(path))) return 1;
    l->claimed[l->n++] = claimed;
    return 0;
}

/* Finishes the deletions the catalog still lists: files dropped from the table by a committed
 * compaction, or a compaction's new file whose swap never committed. A path a file row claims is
 * part of the table and only forgotten. Listed first, acted on after: no writes under a cursor. */
static ev_status finish_deletions(store *s, cat *c, int64_t table_id, size_t *done, ev_error *err) {
    deletion_list l = {0};
    ev_status st = cat_deletions(c, table_id, add_deletion, &l, err);
    if (st == EV_ERR_CANCELLED) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory listing deletions");
    for (size_t i = 0; st == EV_OK && i < l.n; i++) {
        if (!l.claimed[i]) st = store_delete(s, l.paths[i], err);
        if (st == EV_OK) st = cat_deletion_done(c, l.paths[i], err);
        if (st == EV_OK && !l.claimed[i]) (*done)++;
    }
    for (size_t i = 0; i < l.n; i++) free(l.paths[i]);
    free(l.paths);
    free(l.claimed);
    return st;
}

ev_status etl_recover_location(store *s, cat *c, const char *location, int64_t table_id, etl_recovery *out,
                               ev_error *err) {
    recovery r = {s, c, out, err, EV_OK};
    char prefix[1100];
    snprintf(prefix, sizeof prefix, "%s/", location);
    ev_status st = store_list_hidden(s, prefix, recover_staged, &r, err);
    if (st == EV_ERR_CANCELLED) return r.st;
    EV_TRY(st);
    EV_TRY(finish_deletions(s, c, table_id, &out->deletions_finished, err));
    size_t temporaries;
    return store_sweep_temporaries(s, prefix, &temporaries, err);
}

static ev_status recover(etl_ctx *ctx, cat *c, etl_report *rep, ev_error *err) {
    EV_TRY(cat_runs_mark_interrupted(c, ctx->job->name, &rep->interrupted_runs, err));
    EV_TRY(cat_quarantine_staging_clear(c, ctx->job->name, err));
    etl_recovery r = {0};
    ev_status st = etl_recover_location(ctx->s, c, ctx->job->location, ctx->table_id, &r, err);
    rep->rolled_forward += r.rolled_forward;
    rep->orphans_removed += r.orphans_removed + r.deletions_finished;
    return st;
}

/* ---- the table ---- */

static ev_status ensure_table(etl_ctx *ctx, cat *c, ev_error *err) {
    static const cat_column_def columns[] = {
        {"timestamp", "timestamp", 0}, {"user_id", "string", 0},  {"session_id", "string", 0},
        {"event_type", "string", 0},   {"product_id", "string", 0}, {"category", "string", 0},
        {"quantity", "int", 0},        {"price", "double", 0},      {"search_query", "string", 0},
        {"year", "string", 1},         {"month", "string", 1},      {"day", "string", 1},
        {"hour", "string", 1},
    };
    cat_table def = {0};
    def.db = ctx->job->db;
    def.name = ctx->job->table;
    def.location = ctx->job->location;
    def.format = "parquet";
    def.managed_by = ctx->job->name;
    def.columns = (cat_column_def *)columns;
    def.ncolumns = sizeof columns / sizeof columns[0];
    EV_TRY(cat_begin(c, err));
    ev_status st = cat_table_create(c, &def, 1, &ctx->table_id, err);
    if (st == EV_OK) st = cat_commit(c, err);
    if (st != EV_OK) cat_rollback(c);
    return st;
}

/* ---- discovery: objects not covered by a bookmark ---- */

typedef struct bookmark_set {
    char **keys;
    uint64_t *sizes;
    size_t n, cap;
} bookmark_set;

static int add_bookmark(const cat_bookmark *b, void *arg) {
    bookmark_set *set = arg;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        char **keys = realloc(set->keys, cap * sizeof *keys);
        if (!keys) return 1;
        set->keys = keys;
        uint64_t *sizes = realloc(set->sizes, cap * sizeof *sizes);
        if (!sizes) return 1;
        set->sizes = sizes;
        set->cap = cap;
    }
    set->keys[set->n] = strdup(b->object_key);
    if (!set->keys[set->n]) return 1;
    set->sizes[set->n++] = b->size;
    return 0;
}

/* Bookmarks come in key order (SQLite's binary collation, the same as strcmp). */
static long find_bookmark(const bookmark_set *set, const char *key) {
    size_t lo = 0, hi = set->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(set->keys[mid], key);
        if (c == 0) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

typedef struct pending_walk {
    etl_pending *out;
    const bookmark_set *done;
} pending_walk;

static int add_pending(const store_object_info *info, void *arg) {
    pending_walk *w = arg;
    etl_pending *l = w->out;
    long b = find_bookmark(w->done, info->key);
    if (b >= 0) {
        if (w->done->sizes[b] != info->size) l->changed++;
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        etl_object *grown = realloc(l->objects, cap * sizeof *grown);
        if (!grown) return 1;
        l->objects = grown;
        l->cap = cap;
    }
    etl_object *o = &l->objects[l->n];
    o->key = strdup(info->key);
    if (!o->key) return 1;
    o->size = info->size;
    o->mtime_usec = info->mtime_usec;
    l->n++;
    l->bytes += info->size;
    return 0;
}

void etl_pending_free(etl_pending *l) {
    for (size_t i = 0; i < l->n; i++) free(l->objects[i].key);
    free(l->objects);
    memset(l, 0, sizeof *l);
}

ev_status etl_find_pending(store *s, cat *c, const etl_job *job, etl_pending *pending, ev_error *err) {
    bookmark_set done = {0};
    ev_status st = cat_bookmarks(c, job->name, add_bookmark, &done, err);
    if (st == EV_ERR_CANCELLED) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory loading bookmarks");
    if (st == EV_OK) {
        pending_walk w = {pending, &done};
        st = store_list(s, job->source_prefix, add_pending, &w, err);
        if (st == EV_ERR_CANCELLED) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory listing raw objects");
    }
    for (size_t i = 0; i < done.n; i++) free(done.keys[i]);
    free(done.keys);
    free(done.sizes);
    return st;
}

ev_status etl_open_lake(const char *home, store **s, cat **c, ev_error *err) {
    char path[4096];
    *s = NULL;
    *c = NULL;
    snprintf(path, sizeof path, "%s/%s", home, CFG_CATALOG_FILE);
    if (!ev_path_exists(path))
        return ev_error_set(err, EV_ERR_NOT_FOUND, "no lake at '%s' (run evlake init first)", home);
    EV_TRY(store_open_local(home, NULL, s, err));
    ev_status st = cat_open(path, NULL, c, err);
    if (st != EV_OK) {
        store_close(*s);
        *s = NULL;
    }
    return st;
}

/* ---- the batch loop ---- */

typedef struct batch_work {
    etl_ctx *ctx;
    etl_worker *worker;
    uint32_t batch;
    etl_object *objects;
    etl_object_result *results;
    size_t n;
    pthread_mutex_t *mu;
    size_t *next;
    ev_status st;
    ev_error err;
} batch_work;

static void *batch_thread(void *arg) {
    batch_work *bw = arg;
    for (;;) {
        pthread_mutex_lock(bw->mu);
        size_t i = (*bw->next)++;
        pthread_mutex_unlock(bw->mu);
        if (i >= bw->n) break;
        bw->st = etl_worker_process(bw->worker, bw->batch, &bw->objects[i], &bw->results[i], &bw->err);
        if (bw->st != EV_OK) return NULL;
        etl_crash_point(bw->ctx, "object_done");
    }
    /* no object left: finish this worker's files while the others still work */
    bw->st = etl_worker_close_files(bw->worker, &bw->err);
    return NULL;
}

/* Processes objects[0..n) with all workers; their files end up in `staged`. */
static ev_status run_batch_workers(etl_ctx *ctx, etl_worker **workers, int nworkers, uint32_t batch,
                                   etl_object *objects, etl_object_result *results, size_t n,
                                   etl_staged_list *staged, ev_error *err) {
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    size_t next = 0;
    batch_work bw[64];
    pthread_t th[64];
    int started = 0;
    for (int t = 0; t < nworkers; t++) {
        bw[t] = (batch_work){ctx, workers[t], batch, objects, results, n, &mu, &next, EV_OK, {EV_OK, ""}};
        if (t > 0 && pthread_create(&th[t], NULL, batch_thread, &bw[t]) == 0) started++;
        else if (t > 0) bw[t].st = ev_error_set(&bw[t].err, EV_ERR_IO, "cannot start ETL worker thread");
    }
    batch_thread(&bw[0]); /* the calling thread is worker 0 */
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    ev_status st = EV_OK;
    for (int t = 0; t < nworkers && st == EV_OK; t++) {
        if (bw[t].st != EV_OK) {
            st = bw[t].st;
            if (err) *err = bw[t].err;
        }
    }
    for (int t = 0; t < nworkers; t++) {
        if (st == EV_OK) st = etl_worker_end_batch(workers[t], staged, err);
        else etl_worker_discard_batch(workers[t]);
    }
    return st;
}

/* Commits a batch; *committed says whether the commit point was passed (then a later failure
 * must leave the staged files for recovery to roll forward, never delete them). */
static ev_status commit_batch(etl_ctx *ctx, cat *c, uint32_t batch, const etl_object *objects,
                              const etl_object_result *results, size_t n, const etl_staged_list *staged,
                              cat_run_counts *counts, int *committed, ev_error *err) {
    etl_crash_point(ctx, "before_commit");
    cat_run_counts add = {0};
    EV_TRY(cat_begin(c, err));
    ev_status st = EV_OK;
    for (size_t i = 0; st == EV_OK && i < staged->n; i++) {
        const etl_staged_file *f = &staged->files[i];
        cat_file_info info = {0, f->final_key, f->partition_spec, f->size, f->rows, ctx->run_id, f->stats_json};
        st = cat_file_add(c, ctx->table_id, f->partition_spec, f->partition_location, &info, err);
        add.files++;
        add.bytes_out += f->size;
    }
    for (size_t i = 0; st == EV_OK && i < n; i++) {
        if (results[i].status != EV_OK) continue; /* unreadable: stays pending */
        cat_bookmark b = {objects[i].key, objects[i].size, objects[i].mtime_usec, ctx->run_id,
                          results[i].lines, results[i].rows, results[i].quarantined};
        st = cat_bookmark_add(c, ctx->job->name, &b, err);
        add.objects++;
        add.lines += results[i].lines;
        add.rows += results[i].rows;
        add.quarantined += results[i].quarantined;
        add.bytes_in += results[i].bytes_in;
    }
    if (st == EV_OK) st = cat_quarantine_commit_batch(c, ctx->run_id, batch, err);
    if (st == EV_OK) st = cat_run_add_counts(c, ctx->run_id, &add, err);
    if (st == EV_OK) {
        etl_crash_point(ctx, "in_commit");
        st = cat_commit(c, err);
    }
    if (st != EV_OK) {
        cat_rollback(c);
        return st;
    }
    *committed = 1;
    counts->objects += add.objects;
    counts->lines += add.lines;
    counts->rows += add.rows;
    counts->quarantined += add.quarantined;
    counts->bytes_in += add.bytes_in;
    counts->bytes_out += add.bytes_out;
    counts->files += add.files;
    etl_crash_point(ctx, "after_commit");
    for (size_t i = 0; i < staged->n; i++) {
        EV_TRY(store_rename(ctx->s, staged->files[i].staged_key, staged->files[i].final_key, err));
        if (i == 0) etl_crash_point(ctx, "after_rename");
    }
    return EV_OK;
}

static void report_counts(etl_report *rep, const cat_run_counts *n) {
    rep->objects = n->objects;
    rep->lines = n->lines;
    rep->rows = n->rows;
    rep->quarantined = n->quarantined;
    rep->bytes_in = n->bytes_in;
    rep->bytes_out = n->bytes_out;
    rep->files = n->files;
}

/* Runs every pending object in batches; *failed_objects counts unreadable ones. */
static ev_status run_batches(etl_ctx *ctx, cat *c, etl_pending *pending, etl_progress_fn progress, void *pctx,
                             etl_report *rep, cat_run_counts *counts, size_t *failed_objects, char *first_failure,
                             size_t first_failure_cap, ev_error *err) {
    const etl_options *opt = ctx->opt;
    int nworkers = opt->threads < 1 ? 1 : opt->threads > 64 ? 64 : opt->threads;
    size_t batch_n = opt->batch_objects ? opt->batch_objects : 12;
    etl_worker *workers[64] = {0};
    etl_object_result *results = calloc(batch_n, sizeof *results);
    etl_staged_list staged = {0};
    ev_status st = results ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    for (int t = 0; st == EV_OK && t < nworkers; t++)
        st = etl_worker_create(ctx, t, opt->memory_budget / (size_t)nworkers, &workers[t], err);
    int64_t t0 = ev_time_monotonic();
    int committed = 0;
    for (size_t first = 0; st == EV_OK && first < pending->n; first += batch_n) {
        if (opt->stop && *opt->stop) break;
        size_t n = pending->n - first < batch_n ? pending->n - first : batch_n;
        uint32_t batch = (uint32_t)(first / batch_n);
        memset(results, 0, batch_n * sizeof *results);
        etl_staged_list_clear(&staged);
        committed = 0;
        st = run_batch_workers(ctx, workers, nworkers, batch, pending->objects + first, results, n, &staged, err);
        if (st == EV_OK)
            st = commit_batch(ctx, c, batch, pending->objects + first, results, n, &staged, counts, &committed, err);
        for (size_t i = 0; i < n; i++) {
            if (results[i].status == EV_OK) continue;
            if (!*failed_objects) snprintf(first_failure, first_failure_cap, "%s", results[i].error);
            (*failed_objects)++;
        }
        rep->batches++;
        report_counts(rep, counts);
        rep->elapsed_usec = ev_time_monotonic() - t0;
        if (progress && st == EV_OK) progress(rep, pctx);
    }
    for (size_t i = 0; st != EV_OK && !committed && i < staged.n; i++) {
        ev_error ignored; /* best effort: the next run's recovery deletes what remains */
        if (store_delete(ctx->s, staged.files[i].staged_key, &ignored) != EV_OK) continue;
    }
    etl_staged_list_clear(&staged);
    free(staged.files);
    for (int t = 0; t < nworkers; t++) etl_worker_destroy(workers[t]);
    free(results);
    return st;
}

ev_status etl_run(const char *home, const etl_job *job, const etl_options *opt, etl_progress_fn progress,
                  void *progress_ctx, etl_report *rep, ev_error *err) {
    memset(rep, 0, sizeof *rep);
    int64_t t0 = ev_time_monotonic();
    etl_ctx ctx = {home, job, opt, NULL, 0, 0, {{0}, 0, 0}};
    etl_crash_init(&ctx.crash, opt->crash_point);
    int lock_fd = -1;
    cat *c = NULL;
    etl_pending pending = {0};
    ev_status st;
    EV_CHECK(etl_lock_job(home, job->name, &lock_fd, err));
    EV_CHECK(etl_open_lake(home, &ctx.s, &c, err));
    EV_CHECK(ensure_table(&ctx, c, err));
    EV_CHECK(recover(&ctx, c, rep, err));
    EV_CHECK(etl_find_pending(ctx.s, c, job, &pending, err));
    rep->objects_pending = pending.n;
    rep->objects_changed = pending.changed;
    if (pending.n == 0 && !opt->inject_failure) goto done;

    EV_CHECK(cat_run_start(c, job->name, &ctx.run_id, err));
    rep->run_id = ctx.run_id;
    cat_run_counts counts = {0};
    size_t failed = 0;
    char first_failure[512] = "";
    if (opt->inject_failure)
        st = ev_error_set(err, EV_ERR_INTERNAL, "injected failure (a test asked this run to fail)");
    else
        st = run_batches(&ctx, c, &pending, progress, progress_ctx, rep, &counts, &failed, first_failure,
                         sizeof first_failure, err);
    char message[1024];
    const char *status = "SUCCEEDED";
    const char *error_text = NULL;
    if (st != EV_OK) {
        status = "FAILED";
        error_text = err ? err->msg : "failed";
    } else if (opt->stop && *opt->stop && rep->objects < pending.n) {
        status = "STOPPED";
    } else if (failed) {
        status = "FAILED";
        snprintf(message, sizeof message, "%zu object%s could not be read; first: %s", failed, failed == 1 ? "" : "s",
                 first_failure);
        error_text = message;
        st = ev_error_set(err, EV_ERR_CORRUPT, "%s", message);
    }
    ev_error finish_err;
    if (cat_run_finish(c, ctx.run_id, status, &counts, error_text, &finish_err) != EV_OK && st == EV_OK) {
        st = finish_err.code;
        if (err) *err = finish_err;
    }
done:
    rep->elapsed_usec = ev_time_monotonic() - t0;
    etl_pending_free(&pending);
    cat_close(c);
    store_close(ctx.s);
    if (lock_fd >= 0) close(lock_fd);
    return st;
}
