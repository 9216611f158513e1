/* etl_admin.c: the job's lag and reconciliation, and rewind/reset (see etl.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etl_int.h"

ev_status etl_lag_of(const char *home, const etl_job *job, etl_lag *lag, ev_error *err) {
    memset(lag, 0, sizeof *lag);
    store *s;
    cat *c;
    EV_TRY(etl_open_lake(home, &s, &c, err));
    etl_pending pending = {0};
    ev_status st = etl_find_pending(s, c, job, &pending, err);
    if (st == EV_OK) {
        lag->objects_pending = pending.n;
        lag->bytes_pending = pending.bytes;
        lag->objects_changed = pending.changed;
        st = cat_job_totals(c, job->name, &lag->objects_done, &lag->lines, &lag->rows, &lag->quarantined, err);
    }
    if (st == EV_OK) {
        ev_arena arena;
        ev_arena_init(&arena, NULL, 4096);
        cat_table *t;
        ev_error lookup;
        if (cat_table_get(c, job->db, job->table, &arena, &t, &lookup) == EV_OK)
            st = cat_table_totals(c, t->id, &lag->table_files, &lag->table_rows, &lag->table_partitions, err);
        ev_arena_destroy(&arena);
    }
    etl_pending_free(&pending);
    cat_close(c);
    store_close(s);
    return st;
}

typedef struct doomed_files {
    char **keys;
    size_t n, cap;
    uint64_t rows;
} doomed_files;

static int remember_file(const cat_file_info *f, void *arg) {
    doomed_files *d = arg;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        char **grown = realloc(d->keys, cap * sizeof *grown);
        if (!grown) return 1;
        d->keys = grown;
        d->cap = cap;
    }
    d->keys[d->n] = strdup(f->path);
    if (!d->keys[d->n]) return 1;
    d->n++;
    d->rows += f->rows;
    return 0;
}

ev_status etl_rewind(const char *home, const etl_job *job, int64_t t_usec, etl_rewind_report *rep, ev_error *err) {
    memset(rep, 0, sizeof *rep);
    int lock_fd = -1;
    store *s = NULL;
    cat *c = NULL;
    doomed_files doomed = {0};
    ev_status st;
    EV_CHECK(etl_lock_job(home, job->name, &lock_fd, err));
    EV_CHECK(etl_open_lake(home, &s, &c, err));
    int64_t keep = 0;
    if (t_usec != INT64_MIN) EV_CHECK(cat_job_last_run_before(c, job->name, t_usec, &keep, err));
    EV_CHECK(cat_job_rewind_point(c, job->name, keep, &keep, err)); /* whole compacted files only */
    rep->kept_through_run = keep;
    EV_CHECK(cat_begin(c, err));
    st = cat_job_forget_runs_after(c, job->name, keep, remember_file, &doomed, err);
    if (st == EV_OK) st = cat_commit(c, err);
    if (st != EV_OK) {
        cat_rollback(c);
        goto done;
    }
    /* Committed: the files are no longer part of the table; remove them from storage. */
    for (size_t i = 0; i < doomed.n && st == EV_OK; i++) {
        st = store_delete(s, doomed.keys[i], err);
        if (st == EV_OK) rep->files_removed++;
    }
    rep->rows_removed = doomed.rows;
done:
    for (size_t i = 0; i < doomed.n; i++) free(doomed.keys[i]);
    free(doomed.keys);
    cat_close(c);
    store_close(s);
    if (lock_fd >= 0) close(lock_fd);
    return st;
}
