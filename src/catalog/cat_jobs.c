/* cat_jobs.c: job runs, bookmarks, the quarantine and rewinds in the catalog (see catalog.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cat_int.h"
#include "ev_time.h"

ev_status cat_run_start(cat *c, const char *job, int64_t *run_id, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO job_runs(job, status, started_at, pid) VALUES (?1, 'RUNNING', ?2, ?3)", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, ev_time_now());
    sqlite3_bind_int64(st, 3, (sqlite3_int64)getpid());
    EV_TRY(cat_step_done(c, st, "start run", err));
    *run_id = sqlite3_last_insert_rowid(c->db);
    return EV_OK;
}

static void bind_counts(sqlite3_stmt *st, int first, const cat_run_counts *n) {
    const uint64_t v[7] = {n->objects, n->lines, n->rows, n->quarantined, n->bytes_in, n->bytes_out, n->files};
    for (int i = 0; i < 7; i++) sqlite3_bind_int64(st, first + i, (sqlite3_int64)v[i]);
}

ev_status cat_run_finish(cat *c, int64_t run_id, const char *status, const cat_run_counts *n, const char *error,
                         ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "UPDATE job_runs SET status = ?2, ended_at = ?3, error = ?4, objects = ?5, lines = ?6, "
                          "rows = ?7, quarantined = ?8, bytes_in = ?9, bytes_out = ?10, files = ?11 WHERE id = ?1",
                       &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ev_time_now());
    sqlite3_bind_text(st, 4, error, -1, SQLITE_STATIC);
    bind_counts(st, 5, n);
    return cat_step_done(c, st, "finish run", err);
}

ev_status cat_run_add_counts(cat *c, int64_t run_id, const cat_run_counts *n, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "UPDATE job_runs SET objects = objects + ?2, lines = lines + ?3, rows = rows + ?4, "
                          "quarantined = quarantined + ?5, bytes_in = bytes_in + ?6, bytes_out = bytes_out + ?7, "
                          "files = files + ?8 WHERE id = ?1", &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    bind_counts(st, 2, n);
    return cat_step_done(c, st, "count run", err);
}

static int process_alive(int64_t pid) {
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

ev_status cat_runs_mark_interrupted(cat *c, const char *job, int *count, ev_error *err) {
    *count = 0;
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT id, pid FROM job_runs WHERE job = ?1 AND status = 'RUNNING'", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    int64_t dead[64];
    int ndead = 0;
    while (sqlite3_step(st) == SQLITE_ROW && ndead < 64) {
        /* Our own pid can be a stale record of an earlier process with the same pid. */
        int64_t pid = sqlite3_column_int64(st, 1);
        if (!process_alive(pid) || pid == (int64_t)getpid()) dead[ndead++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (int i = 0; i < ndead; i++) {
        EV_TRY(cat_prepare(c, "UPDATE job_runs SET status = 'FAILED', ended_at = ?2, "
                              "error = 'interrupted: the process ended before the run finished' WHERE id = ?1", &st, err));
        sqlite3_bind_int64(st, 1, dead[i]);
        sqlite3_bind_int64(st, 2, ev_time_now());
        EV_TRY(cat_step_done(c, st, "mark interrupted run", err));
    }
    *count = ndead;
    return EV_OK;
}

ev_status cat_bookmark_add(cat *c, const char *job, const cat_bookmark *b, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO bookmarks(job, object_key, size, mtime, run_id, lines, rows, quarantined) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b->object_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)b->size);
    sqlite3_bind_int64(st, 4, b->mtime_usec);
    sqlite3_bind_int64(st, 5, b->run_id);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)b->lines);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)b->rows);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)b->quarantined);
    return cat_step_done(c, st, "add bookmark", err);
}

ev_status cat_bookmarks(cat *c, const char *job, cat_bookmark_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT object_key, size, mtime, run_id, lines, rows, quarantined FROM bookmarks "
                          "WHERE job = ?1 ORDER BY object_key", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    ev_status rc = EV_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cat_bookmark b = {(const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
                          sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                          (uint64_t)sqlite3_column_int64(st, 4), (uint64_t)sqlite3_column_int64(st, 5),
                          (uint64_t)sqlite3_column_int64(st, 6)};
        if (fn(&b, ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

ev_status cat_quarantine_add(cat *c, int64_t run_id, const char *job, const cat_quarantine_entry *q, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO quarantine(run_id, job, object_key, line, byte_offset, reason, raw) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, job, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, q->object_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)q->line);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->byte_offset);
    sqlite3_bind_text(st, 6, q->reason, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 7, q->raw_len ? q->raw : "", q->raw_len, SQLITE_STATIC);
    return cat_step_done(c, st, "quarantine a line", err);
}

ev_status cat_quarantine_stage(cat *c, int64_t run_id, uint32_t batch, const char *job, const cat_quarantine_entry *q,
                               ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO quarantine_staging(run_id, batch, job, object_key, line, byte_offset, reason, raw) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, batch);
    sqlite3_bind_text(st, 3, job, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->object_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->line);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)q->byte_offset);
    sqlite3_bind_text(st, 7, q->reason, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 8, q->raw_len ? q->raw : "", q->raw_len, SQLITE_STATIC);
    return cat_step_done(c, st, "stage a quarantined line", err);
}

ev_status cat_quarantine_commit_batch(cat *c, int64_t run_id, uint32_t batch, ev_error *err) {
    static const char *const move[] = {
        "INSERT INTO quarantine(run_id, job, object_key, line, byte_offset, reason, raw) "
        "SELECT run_id, job, object_key, line, byte_offset, reason, raw FROM quarantine_staging "
        "WHERE run_id = ?1 AND batch = ?2 ORDER BY object_key, line",
        "DELETE FROM quarantine_staging WHERE run_id = ?1 AND batch = ?2",
    };
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st;
        EV_TRY(cat_prepare(c, move[i], &st, err));
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int64(st, 2, batch);
        EV_TRY(cat_step_done(c, st, "commit quarantined lines", err));
    }
    return EV_OK;
}

ev_status cat_quarantine_staging_clear(cat *c, const char *job, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "DELETE FROM quarantine_staging WHERE job = ?1", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    return cat_step_done(c, st, "clear quarantine staging", err);
}

ev_status cat_job_totals(cat *c, const char *job, uint64_t *objects, uint64_t *lines, uint64_t *rows,
                         uint64_t *quarantined, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT count(*), coalesce(sum(lines), 0), coalesce(sum(rows), 0), "
                          "coalesce(sum(quarantined), 0) FROM bookmarks WHERE job = ?1", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *objects = (uint64_t)sqlite3_column_int64(st, 0);
        *lines = (uint64_t)sqlite3_column_int64(st, 1);
        *rows = (uint64_t)sqlite3_column_int64(st, 2);
        *quarantined = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return EV_OK;
}

ev_status cat_file_known(cat *c, const char *path, int *known, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT 1 FROM files WHERE path = ?1", &st, err));
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    *known = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return EV_OK;
}

ev_status cat_job_rewind_point(cat *c, const char *job, int64_t keep_through_run, int64_t *out, ev_error *err) {
    /* Each step can only move the point back, and there are finitely many files: it ends. */
    for (;;) {
        sqlite3_stmt *st;
        EV_TRY(cat_prepare(c, "SELECT min(f.first_run_id) FROM files f JOIN job_runs r ON r.id = f.run_id "
                              "WHERE r.job = ?1 AND f.run_id > ?2 AND f.first_run_id <= ?2", &st, err));
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, keep_through_run);
        int64_t first = 0;
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            first = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (!first) break;
        keep_through_run = first - 1;
    }
    *out = keep_through_run;
    return EV_OK;
}

ev_status cat_job_last_run_before(cat *c, const char *job, int64_t t_usec, int64_t *run_id, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT coalesce(max(id), 0) FROM job_runs WHERE job = ?1 AND started_at <= ?2", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, t_usec);
    *run_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return EV_OK;
}

/* Subtracts a forgotten file from its partition's counts. */
static ev_status uncount_file(cat *c, int64_t file_id, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "UPDATE partitions SET row_count = partitions.row_count - f.rc, file_count = partitions.file_count - 1, "
                          "bytes = partitions.bytes - f.sz "
                          "FROM (SELECT partition_id AS pid, row_count AS rc, size AS sz FROM files WHERE id = ?1) f "
                          "WHERE partitions.id = f.pid", &st, err));
    sqlite3_bind_int64(st, 1, file_id);
    return cat_step_done(c, st, "uncount file", err);
}

ev_status cat_job_forget_runs_after(cat *c, const char *job, int64_t keep_through_run, cat_file_fn fn, void *ctx,
                                    ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT f.id, f.path, '', f.size, f.row_count, f.run_id, f.stats FROM files f "
                          "JOIN job_runs r ON r.id = f.run_id WHERE r.job = ?1 AND r.id > ?2", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, keep_through_run);
    ev_status rc = EV_OK;
    while (rc == EV_OK && sqlite3_step(st) == SQLITE_ROW) {
        cat_file_info f = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1), "",
                           (uint64_t)sqlite3_column_int64(st, 3), (uint64_t)sqlite3_column_int64(st, 4),
                           sqlite3_column_int64(st, 5), (const char *)sqlite3_column_text(st, 6)};
        if (fn) fn(&f, ctx);
        rc = uncount_file(c, f.id, err);
    }
    sqlite3_finalize(st);
    EV_TRY(rc);
    static const char *const forget[] = {
        "DELETE FROM files WHERE run_id IN (SELECT id FROM job_runs WHERE job = ?1 AND id > ?2)",
        "DELETE FROM bookmarks WHERE job = ?1 AND run_id > ?2",
        "DELETE FROM quarantine WHERE job = ?1 AND run_id > ?2",
        "UPDATE job_runs SET status = 'REWOUND' WHERE job = ?1 AND id > ?2 AND status <> 'RUNNING'",
    };
    for (size_t i = 0; i < sizeof forget / sizeof forget[0]; i++) {
        EV_TRY(cat_prepare(c, forget[i], &st, err));
        sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, keep_through_run);
        EV_TRY(cat_step_done(c, st, "rewind", err));
    }
    return EV_OK;
}

ev_status cat_job_runs(cat *c, const char *job, int limit, cat_run_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT id, job, status, error, started_at, coalesce(ended_at, 0), objects, lines, rows, "
                          "quarantined, bytes_in, bytes_out, files FROM job_runs WHERE ?1 IS NULL OR job = ?1 "
                          "ORDER BY id DESC LIMIT ?2", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    ev_status rc = EV_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cat_run r = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                     (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
                     sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), {0}};
        uint64_t *v[7] = {&r.n.objects, &r.n.lines, &r.n.rows, &r.n.quarantined, &r.n.bytes_in, &r.n.bytes_out,
                          &r.n.files};
        for (int i = 0; i < 7; i++) *v[i] = (uint64_t)sqlite3_column_int64(st, 6 + i);
        if (fn(&r, ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

ev_status cat_quarantine_list(cat *c, const char *job, int limit, cat_quarantine_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT object_key, line, byte_offset, reason, raw, run_id FROM quarantine WHERE job = ?1 "
                          "ORDER BY object_key, line LIMIT ?2", &st, err));
    sqlite3_bind_text(st, 1, job, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    ev_status rc = EV_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cat_quarantine_entry q = {(const char *)sqlite3_column_text(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
                                  (uint64_t)sqlite3_column_int64(st, 2), (const char *)sqlite3_column_text(st, 3),
                                  sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4)};
        if (fn(&q, sqlite3_column_int64(st, 5), ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}
