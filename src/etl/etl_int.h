/* etl_int.h: what the ETL's files share: the run context, staged files and the worker interface. */
#ifndef EV_ETL_INT_H
#define EV_ETL_INT_H

#include <stdatomic.h>

#include "catalog.h"
#include "etl.h"
#include "store.h"

/* Crash-injection points, in the order a batch reaches them (tests kill the process there):
 *   object_done    after a worker finished an object (files still open)
 *   file_staged    after a staged file is complete and fsynced
 *   before_commit  all files staged, the catalog transaction not begun
 *   in_commit      the batch's rows inserted, COMMIT not yet issued
 *   after_commit   committed, no staged file renamed yet
 *   after_rename   the first staged file renamed into place
 * and those of a compaction (etl_compact), per partition in the order it reaches them:
 *   compact_staged     the new file written and fsynced under its staging name
 *   compact_intent     its pending deletion committed, the file not renamed yet
 *   compact_renamed    renamed into place, the swap not begun
 *   compact_in_commit  the swap's rows written, COMMIT not yet issued
 *   compact_committed  committed, no old file deleted yet
 *   compact_deleted    the first old file deleted */
typedef struct etl_crash {
    char point[32];
    long at;             /* kill on the at-th time the point is reached (1-based) */
    atomic_long reached;
} etl_crash;

typedef struct etl_ctx {
    const char *home;
    const etl_job *job;
    const etl_options *opt;
    store *s;
    int64_t run_id;
    int64_t table_id;
    etl_crash crash;
} etl_ctx;

/* Parses "point[:n]" (NULL or "": no crash point). */
void etl_crash_init(etl_crash *c, const char *spec);
/* SIGKILLs the process if the configured crash point is `point` and its count is reached. */
void etl_crash_point(etl_ctx *ctx, const char *point);

typedef struct etl_object {
    char *key;
    uint64_t size;
    int64_t mtime_usec;
} etl_object;

/* Raw objects no bookmark covers, in key order. */
typedef struct etl_pending {
    etl_object *objects;
    size_t n, cap;
    uint64_t bytes;
    size_t changed; /* bookmarked, but their size differs now: reported, not reprocessed */
} etl_pending;

ev_status etl_find_pending(store *s, cat *c, const etl_job *job, etl_pending *pending, ev_error *err) EV_WUR;
void etl_pending_free(etl_pending *p);

/* Opens the lake's store and catalog (EV_ERR_NOT_FOUND if there is no catalog: not initialised). */
ev_status etl_open_lake(const char *home, store **s, cat **c, ev_error *err) EV_WUR;
/* Takes the job's lock (flock on <home>/locks/<job>.lock); EV_ERR_BUSY if a run holds it. */
ev_status etl_lock_job(const char *home, const char *job, int *fd, ev_error *err) EV_WUR;

/* What recovering a table's location did. */
typedef struct etl_recovery {
    size_t rolled_forward;     /* committed staged files renamed into place */
    size_t orphans_removed;    /* staged files never committed, deleted */
    size_t deletions_finished; /* files the catalog had dropped (or never took), deleted */
} etl_recovery;

/* Under the table's job lock: finishes what a crashed ETL run or compaction left under the table's
 * location: staged files are renamed into place if the catalog knows them and deleted if not, the
 * catalog's pending deletions are carried out, and dead writers' temporaries are removed. */
ev_status etl_recover_location(store *s, cat *c, const char *location, int64_t table_id, etl_recovery *out,
                               ev_error *err) EV_WUR;

/* A Parquet file written under its staging key, waiting for the commit. */
typedef struct etl_staged_file {
    char staged_key[1024];          /* "<dir>/.<name>.pending" */
    char final_key[1024];           /* "<dir>/<name>" */
    char partition_spec[128];       /* "year=2025/month=11/day=20/hour=00" */
    char partition_location[1024];  /* "<table location>/<spec>" */
    uint64_t size, rows;
    char *stats_json;               /* malloc'd */
} etl_staged_file;

typedef struct etl_staged_list {
    etl_staged_file *files;
    size_t n, cap;
} etl_staged_list;

ev_status etl_staged_list_push(etl_staged_list *l, const etl_staged_file *f) EV_WUR;
void etl_staged_list_clear(etl_staged_list *l);

/* The staging key of a final key: the same directory, the name hidden and suffixed. */
ev_status etl_staged_key_of(const char *final_key, char *out, size_t cap) EV_WUR;

typedef struct etl_object_result {
    uint64_t lines, rows, quarantined;
    uint64_t bytes_in;   /* compressed bytes read */
    ev_status status;    /* EV_OK, or why the object could not be read at all */
    char error[512];
} etl_object_result;

/* A worker owns its open Parquet writers (one per partition touched in the batch), its own
 * catalog connection for quarantine staging, and its scratch memory. One thread at a time. */
typedef struct etl_worker etl_worker;

ev_status etl_worker_create(etl_ctx *ctx, int index, size_t memory_budget, etl_worker **out, ev_error *err) EV_WUR;
/* Processes one object into the batch: rows to the worker's partition files, bad lines to the
 * quarantine staging table under (run, batch). An unreadable object is reported in res->status. */
ev_status etl_worker_process(etl_worker *w, uint32_t batch, const etl_object *obj, etl_object_result *res,
                             ev_error *err) EV_WUR;
/* Closes and fsyncs the batch's open files (their last row groups written). Called by the
 * worker's own thread once the batch has no object left for it, so that workers finish their
 * files in parallel instead of one after the other in etl_worker_end_batch. */
ev_status etl_worker_close_files(etl_worker *w, ev_error *err) EV_WUR;
/* Finishes the batch: closes and fsyncs every file still open and appends all to `files`. */
ev_status etl_worker_end_batch(etl_worker *w, etl_staged_list *files, ev_error *err) EV_WUR;
/* Removes the batch's staged files (after a failed batch). */
void etl_worker_discard_batch(etl_worker *w);
void etl_worker_destroy(etl_worker *w);

#endif
