/*
 * etl_worker.c: one ETL worker: routes each object's rows to per-hour partitions, buffers a row
 * group per partition within the worker's share of the memory budget, writes Parquet files under
 * staging names, and stages quarantined lines in the catalog.
 *
 * File names are unique by construction: part-r<run>-b<batch>-w<worker>-<seq>.parquet under the
 * partition's folder, so no two writers, runs or retries ever collide.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfg.h"
#include "etl_event.h"
#include "etl_int.h"
#include "etl_read.h"
#include "etl_rows.h"
#include "etl_worker_int.h"
#include "ev_time.h"

#define MAX_OPEN_PARTS 64
#define BIG_PAGE ((size_t)2 << 20)

/* ---- memory of the row buffers ----
 * Row groups are the worker's big buffers (~24 MB per partition at 512 Ki rows). Blocks of 2 MiB
 * and more are 2 MiB-aligned and advised as transparent huge pages: the first touch of a 4 KiB
 * page costs 15-20 us on the VMs evlake runs on (measured: 64 MB in 250-370 ms with 4 KiB pages,
 * 4 ms with 2 MiB pages), and a run touches each worker's buffers for the first time. Smaller
 * blocks are malloc's. Every block is released with free(). */

static void *big_alloc(void *ctx, size_t size) {
    (void)ctx;
    if (size < BIG_PAGE) return malloc(size);
    void *p = NULL;
    if (posix_memalign(&p, BIG_PAGE, size)) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
#endif
    return p;
}

static void *big_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    if (old_size < BIG_PAGE && new_size < BIG_PAGE) return realloc(ptr, new_size);
    void *q = big_alloc(ctx, new_size);
    if (!q) return NULL;
    memcpy(q, ptr, old_size < new_size ? old_size : new_size);
    free(ptr);
    return q;
}

static void big_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

static const ev_allocator big_pages = {big_alloc, big_realloc, big_free, NULL};
#define QUARANTINE_FLUSH_LINES 512

struct etl_worker {
    etl_ctx *ctx;
    int index;
    size_t memory_budget;
    cat *c;                        /* the worker's own connection, for quarantine staging */
    etl_part parts[MAX_OPEN_PARTS];
    size_t nparts;
    size_t last_part;              /* the partition the previous row went to */
    uint32_t batch;
    uint32_t file_seq;
    uint64_t tick;                 /* for least-recently-used partition eviction */
    etl_staged_list done;          /* files closed early in this batch (evicted partitions) */
    etl_reader *reader;
    const char *object_key;        /* the object being read */
    /* rows waiting to be appended in a batch (their strings are valid until the reader's flush) */
    etl_event pending[ETL_BATCH];
    etl_part *pending_part[ETL_BATCH];
    size_t npending;
    /* quarantine entries of the current object, flushed in small transactions */
    cat_quarantine_entry q[QUARANTINE_FLUSH_LINES];
    ev_buf q_bytes;                /* raw lines and reasons, back to back */
    size_t nq;
};

ev_status etl_worker_create(etl_ctx *ctx, int index, size_t memory_budget, etl_worker **out, ev_error *err) {
    *out = NULL;
    etl_worker *w = calloc(1, sizeof *w);
    if (!w) return ev_error_set(err, EV_ERR_NOMEM, "out of memory creating ETL worker %d", index);
    w->ctx = ctx;
    w->index = index;
    w->memory_budget = memory_budget;
    ev_buf_init(&w->q_bytes, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    ev_status st = cat_open(path, NULL, &w->c, err);
    if (st == EV_OK) st = etl_reader_create(0, &w->reader, err);
    if (st != EV_OK) {
        etl_worker_destroy(w);
        return st;
    }
    *out = w;
    return EV_OK;
}

void etl_worker_destroy(etl_worker *w) {
    if (!w) return;
    etl_worker_discard_batch(w);
    for (size_t i = 0; i < MAX_OPEN_PARTS; i++) etl_rows_free(&w->parts[i].rows);
    free(w->done.files);
    ev_buf_free(&w->q_bytes);
    etl_reader_destroy(w->reader);
    cat_close(w->c);
    free(w);
}

/* ---- quarantine ---- */

static ev_status quarantine_flush(etl_worker *w, ev_error *err) {
    if (w->nq == 0) return EV_OK;
    /* Entries point into q_bytes by offset until now (the buffer may have moved). */
    for (size_t i = 0; i < w->nq; i++) {
        w->q[i].raw = w->q_bytes.data + (uintptr_t)w->q[i].raw;
        w->q[i].reason = (const char *)w->q_bytes.data + (uintptr_t)w->q[i].reason;
    }
    ev_status st = cat_begin(w->c, err);
    for (size_t i = 0; st == EV_OK && i < w->nq; i++)
        st = cat_quarantine_stage(w->c, w->ctx->run_id, w->batch, w->ctx->job->name, &w->q[i], err);
    if (st == EV_OK) st = cat_commit(w->c, err);
    if (st != EV_OK) cat_rollback(w->c);
    w->nq = 0;
    ev_buf_reset(&w->q_bytes);
    return st;
}

static ev_status worker_quarantine(void *ctx, uint64_t line, uint64_t offset, const char *reason, const void *raw,
                                   size_t raw_len, ev_error *err) {
    etl_worker *w = ctx;
    const char *object_key = w->object_key;
    if (w->nq == QUARANTINE_FLUSH_LINES || w->q_bytes.len > ((size_t)8 << 20)) EV_TRY(quarantine_flush(w, err));
    cat_quarantine_entry *q = &w->q[w->nq];
    q->object_key = object_key;
    q->line = line;
    q->byte_offset = offset;
    q->raw = (const void *)(uintptr_t)w->q_bytes.len; /* an offset until the flush */
    q->raw_len = raw_len;
    if (ev_buf_append(&w->q_bytes, raw, raw_len) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    q->reason = (const char *)(uintptr_t)w->q_bytes.len;
    if (ev_buf_append(&w->q_bytes, reason, strlen(reason) + 1) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    w->nq++;
    return EV_OK;
}

/* ---- partitions ---- */

/* Names the partition's spec, location and next file (built in locals: the fields share a struct). */
static ev_status partition_names(etl_worker *w, etl_part *p, ev_error *err) {
    ev_civil c;
    ev_time_to_civil(p->hour * EV_USEC_PER_HOUR, &c);
    char spec[64], location[1024], final_key[1024];
    snprintf(spec, sizeof spec, "year=%04d/month=%02d/day=%02d/hour=%02d", c.year, c.month, c.day, c.hour);
    int n1 = snprintf(location, sizeof location, "%s/%s", w->ctx->job->location, spec);
    int n2 = snprintf(final_key, sizeof final_key, "%s/part-r%06lld-b%05u-w%02d-%04u.parquet", location,
                      (long long)w->ctx->run_id, w->batch, w->index, w->file_seq++);
    if (n1 < 0 || (size_t)n1 >= sizeof location || n2 < 0 || (size_t)n2 >= sizeof final_key)
        return ev_error_set(err, EV_ERR_INPUT, "table location too long: '%s'", w->ctx->job->location);
    memcpy(p->spec, spec, sizeof spec);
    memcpy(p->file.partition_spec, spec, sizeof spec);
    memcpy(p->file.partition_location, location, sizeof location);
    memcpy(p->file.final_key, final_key, sizeof final_key);
    if (etl_staged_key_of(final_key, p->file.staged_key, sizeof p->file.staged_key) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "table location too long: '%s'", w->ctx->job->location);
    return EV_OK;
}

/* Closes a partition's file (writing its last row group) and moves it to the batch's list. */
static ev_status part_close(etl_worker *w, etl_part *p, ev_error *err) {
    if (p->rows.n) EV_TRY(etl_part_write_row_group(w->ctx, p, err));
    if (p->writer) {
        EV_TRY(etl_part_finish_file(w->ctx, p, err));
        if (etl_staged_list_push(&w->done, &p->file) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        p->file.stats_json = NULL; /* owned by the list now */
    }
    p->hour = INT64_MIN;
    return EV_OK;
}

static size_t worker_memory(const etl_worker *w) {
    size_t bytes = 0;
    for (size_t i = 0; i < w->nparts; i++) bytes += etl_rows_memory(&w->parts[i].rows) + etl_part_writer_memory(&w->parts[i]);
    return bytes;
}

/* Keeps the worker within budget: writes out the largest buffered row group. */
static ev_status enforce_budget(etl_worker *w, ev_error *err) {
    while (worker_memory(w) > w->memory_budget) {
        etl_part *largest = NULL;
        for (size_t i = 0; i < w->nparts; i++)
            if (w->parts[i].rows.n && (!largest || w->parts[i].rows.n > largest->rows.n)) largest = &w->parts[i];
        if (!largest) break;
        EV_TRY(etl_part_write_row_group(w->ctx, largest, err));
        if (worker_memory(w) > w->memory_budget) {
            /* Row buffers keep their capacity; give back the largest one's. */
            etl_rows_free(&largest->rows);
            etl_rows_init(&largest->rows, &big_pages);
            break;
        }
    }
    return EV_OK;
}

static ev_status flush_pending(etl_worker *w, ev_error *err);

static ev_status part_for(etl_worker *w, int64_t ts, etl_part **out, ev_error *err) {
    etl_part *last = &w->parts[w->last_part];
    /* most rows go where the previous one went: a range check instead of two divisions */
    if (w->nparts && last->hour != INT64_MIN &&
        (uint64_t)ts - (uint64_t)(last->hour * EV_USEC_PER_HOUR) < (uint64_t)EV_USEC_PER_HOUR) {
        *out = last;
        return EV_OK;
    }
    int64_t hour = ev_time_floor(ts, EV_USEC_PER_HOUR) / EV_USEC_PER_HOUR;
    size_t free_slot = MAX_OPEN_PARTS, oldest = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        if (w->parts[i].hour == hour) {
            w->last_part = i;
            *out = &w->parts[i];
            return EV_OK;
        }
        if (w->parts[i].hour == INT64_MIN && free_slot == MAX_OPEN_PARTS) free_slot = i;
        if (w->parts[i].last_use < w->parts[oldest].last_use) oldest = i;
    }
    if (free_slot == MAX_OPEN_PARTS) {
        if (w->nparts < MAX_OPEN_PARTS) {
            free_slot = w->nparts++;
            etl_rows_init(&w->parts[free_slot].rows, &big_pages);
        } else { /* too many hours at once: finish the least recently used file */
            EV_TRY(flush_pending(w, err)); /* no pending row may point at the slot being reused */
            EV_TRY(part_close(w, &w->parts[oldest], err));
            free_slot = oldest;
        }
    }
    etl_part *p = &w->parts[free_slot];
    p->hour = hour;
    p->writer = NULL;
    p->rows_written = 0;
    memset(&p->file, 0, sizeof p->file);
    EV_TRY(partition_names(w, p, err));
    w->last_part = free_slot;
    *out = p;
    return EV_OK;
}

/* Appends the pending rows, a run of rows of the same partition at a time. */
static ev_status flush_pending(etl_worker *w, ev_error *err) {
    size_t i = 0;
    while (i < w->npending) {
        etl_part *p = w->pending_part[i];
        size_t j = i + 1;
        /* A run of one partition, cut where its row group fills (buffers never outgrow a group). */
        size_t room = ETL_ROW_GROUP_ROWS - p->rows.n;
        while (j < w->npending && w->pending_part[j] == p && j - i < room) j++;
        if (etl_rows_append_batch(&p->rows, w->pending + i, j - i) != EV_OK)
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory buffering rows");
        if (p->rows.n >= ETL_ROW_GROUP_ROWS) EV_TRY(etl_part_write_row_group(w->ctx, p, err));
        i = j;
    }
    w->npending = 0;
    return enforce_budget(w, err);
}

static ev_status worker_flush(void *ctx, ev_error *err) { return flush_pending(ctx, err); }

static ev_status worker_add_row(void *ctx, const etl_event *e, ev_error *err) {
    etl_worker *w = ctx;
    etl_part *p = NULL;
    EV_TRY(part_for(w, e->ts_usec, &p, err));
    p->last_use = ++w->tick;
    w->pending[w->npending] = *e;
    w->pending_part[w->npending++] = p;
    if (w->npending == ETL_BATCH) EV_TRY(flush_pending(w, err));
    return EV_OK;
}

/* ---- the worker interface of etl_int.h ---- */

ev_status etl_worker_process(etl_worker *w, uint32_t batch, const etl_object *obj, etl_object_result *res,
                             ev_error *err) {
    if (w->batch != batch) {
        w->batch = batch;
        w->file_seq = 0;
    }
    memset(res, 0, sizeof *res);
    char path[4096];
    if (store_local_path(w->ctx->s, obj->key, path, sizeof path) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "object key too long: '%s'", obj->key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { /* gone or unreadable: the object stays pending, the run goes on */
        res->status = EV_ERR_IO;
        snprintf(res->error, sizeof res->error, "%s: %s", obj->key, strerror(errno));
        return EV_OK;
    }
    w->object_key = obj->key;
    etl_sink sink = {worker_add_row, worker_flush, worker_quarantine, w};
    etl_read_stats rs;
    ev_status st = etl_reader_read_fd(w->reader, fd, &sink, &rs, err);
    int read_errno = errno;
    close(fd);
    if (st == EV_ERR_IO) { /* a read error on the object itself: retry it next run */
        res->status = EV_ERR_IO;
        snprintf(res->error, sizeof res->error, "%s: %s", obj->key, err ? err->msg : strerror(read_errno));
        /* rows already routed belong to an object that is not bookmarked: drop the batch's work */
        return ev_error_set(err, EV_ERR_IO, "reading %s failed; the batch is redone next run", obj->key);
    }
    if (st == EV_OK) st = quarantine_flush(w, err);
    if (st != EV_OK) {
        ev_error_prefix(err, "%s", obj->key);
        return st;
    }
    res->lines = rs.lines;
    res->rows = rs.rows;
    res->quarantined = rs.quarantined;
    res->bytes_in = rs.bytes_in;
    if (rs.warning[0]) snprintf(res->error, sizeof res->error, "%s: %s", obj->key, rs.warning);
    return EV_OK;
}

ev_status etl_worker_close_files(etl_worker *w, ev_error *err) {
    for (size_t i = 0; i < w->nparts; i++)
        if (w->parts[i].hour != INT64_MIN) EV_TRY(part_close(w, &w->parts[i], err));
    return EV_OK;
}

ev_status etl_worker_end_batch(etl_worker *w, etl_staged_list *files, ev_error *err) {
    EV_TRY(etl_worker_close_files(w, err));
    for (size_t i = 0; i < w->done.n; i++) {
        if (etl_staged_list_push(files, &w->done.files[i]) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        etl_crash_point(w->ctx, "file_staged");
    }
    w->done.n = 0; /* the files (and their stats) belong to `files` now */
    return EV_OK;
}

void etl_worker_discard_batch(etl_worker *w) {
    w->npending = 0;
    for (size_t i = 0; i < w->nparts; i++) {
        etl_part *p = &w->parts[i];
        if (p->hour == INT64_MIN) continue;
        etl_part_abort_file(w->ctx, p);
        etl_rows_reset(&p->rows);
        p->hour = INT64_MIN;
    }
    for (size_t i = 0; i < w->done.n; i++) {
        ev_error ignored;
        if (store_delete(w->ctx->s, w->done.files[i].staged_key, &ignored) != EV_OK) continue;
    }
    etl_staged_list_clear(&w->done);
    w->nq = 0;
    ev_buf_reset(&w->q_bytes);
}
