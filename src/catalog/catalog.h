/*
 * catalog: the embedded SQLite catalog (the Glue Data Catalog's role), the single source of truth
 * for databases, tables, partitions, files, bookmarks and runs.
 *
 * The schema is versioned: cat_open() applies every migration newer than the file's version, each
 * in its own transaction, so an old lake opens with a new binary. WAL mode lets readers see a
 * consistent snapshot while a writer commits.
 */
#ifndef EV_CATALOG_H
#define EV_CATALOG_H

#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

typedef struct cat cat;

/* Opens (creating if needed) the catalog at `path` and migrates it to the current schema.
 * *out is released with cat_close(). */
ev_status cat_open(const char *path, const ev_allocator *alloc, cat **out, ev_error *err) EV_WUR;
void cat_close(cat *c); /* accepts NULL */

/* The schema version of the open catalog, and the version this binary writes. */
int cat_schema_version(const cat *c);
int cat_current_schema_version(void);

/* Number of databases registered (init registers the default `analytics`). */
ev_status cat_count_databases(cat *c, int *out, ev_error *err) EV_WUR;

/* ---- transactions ----
 * cat_begin takes the write lock (BEGIN IMMEDIATE): one writer at a time, readers go on.
 * cat_begin_read opens a read transaction: everything read until cat_commit/cat_rollback sees one
 * snapshot, however many commits land meanwhile (WAL). */
ev_status cat_begin(cat *c, ev_error *err) EV_WUR;
ev_status cat_begin_read(cat *c, ev_error *err) EV_WUR;
ev_status cat_commit(cat *c, ev_error *err) EV_WUR;
void cat_rollback(cat *c); /* no-op outside a transaction */

/* ---- tables ---- */
typedef struct cat_column_def {
    const char *name;
    const char *type; /* Athena type name: string, int, bigint, double, timestamp, ... */
    int is_partition;
} cat_column_def;

/* A table as stored. Strings and arrays live in the arena passed to cat_table_get. */
typedef struct cat_table {
    int64_t id;
    const char *db, *name;
    const char *location;   /* store key prefix ("analytics/events") or URI */
    const char *format;     /* parquet | json */
    const char *serde;      /* NULL unless a SerDe was given */
    const char *managed_by; /* the job that writes it, or NULL */
    cat_column_def *columns; /* data columns first, then partition keys, in order */
    size_t ncolumns;
    size_t npartition_keys;
    const char *properties; /* JSON object of table properties ("{}" when none; NULL on create: "{}") */
} cat_table;

/* Registers a table (and its columns) in `def->db`. With if_not_exists, an existing table of that
 * name is kept and its id returned; otherwise EV_ERR_EXISTS. */
ev_status cat_table_create(cat *c, const cat_table *def, int if_not_exists, int64_t *table_id,
                           ev_error *err) EV_WUR;
/* Looks a table up (names compare case-insensitively). EV_ERR_NOT_FOUND if absent. */
ev_status cat_table_get(cat *c, const char *db, const char *name, ev_arena *arena, cat_table **out,
                        ev_error *err) EV_WUR;

/* Removes a table, its columns, partitions and file rows (not the files), inside the caller's
 * write transaction. */
ev_status cat_table_drop(cat *c, int64_t table_id, ev_error *err) EV_WUR;

/* ---- databases ---- */

/* Registers a database; *created is 0 when one of that name (case-insensitive) exists: then
 * EV_ERR_EXISTS unless if_not_exists. location and comment may be NULL. */
ev_status cat_database_create(cat *c, const char *name, const char *location, const char *comment, int if_not_exists,
                              int *created, ev_error *err) EV_WUR;
/* *exists is 1 if the database is registered, and *tables its number of tables. */
ev_status cat_database_info(cat *c, const char *name, int *exists, int64_t *tables, ev_error *err) EV_WUR;
/* Removes a database and (by cascade) its tables' catalog rows, inside the caller's write
 * transaction. EV_ERR_NOT_FOUND if there is none of that name. */
ev_status cat_database_drop(cat *c, const char *name, ev_error *err) EV_WUR;

/* Calls fn(db, name, ctx) for every table, by database and name. */
typedef int (*cat_table_name_fn)(const char *db, const char *name, void *ctx);
ev_status cat_tables_list(cat *c, cat_table_name_fn fn, void *ctx, ev_error *err) EV_WUR;

/* ---- files: what a table holds ---- */
typedef struct cat_file_info {
    int64_t id;
    const char *path;           /* store key of the file */
    const char *partition_spec; /* "year=2025/month=11/day=20/hour=00", or "" unpartitioned */
    uint64_t size, rows;
    int64_t run_id;             /* 0 when not written by a job run */
    const char *stats;          /* JSON: {"column": {"min": .., "max": .., "nulls": n}, ...} */
} cat_file_info;

/* Calls fn for each file of the table, by partition then path. Strings are valid during the call.
 * A non-zero return stops the walk (EV_ERR_CANCELLED). */
typedef int (*cat_file_fn)(const cat_file_info *f, void *ctx);
ev_status cat_table_files(cat *c, int64_t table_id, cat_file_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Adds a file to a table inside the caller's write transaction, creating its partition if new and
 * adding to the partition's counts. partition_location is the partition's store prefix. */
ev_status cat_file_add(cat *c, int64_t table_id, const char *partition_spec, const char *partition_location,
                       const cat_file_info *f, ev_error *err) EV_WUR;

/* Registers a partition if it is new (inside the caller's write transaction); *added says so. */
ev_status cat_partition_ensure(cat *c, int64_t table_id, const char *spec, const char *location, int *added,
                               ev_error *err) EV_WUR;

/* Totals over a table's files. */
ev_status cat_table_totals(cat *c, int64_t table_id, uint64_t *files, uint64_t *rows, uint64_t *partitions,
                           ev_error *err) EV_WUR;

/* Calls fn for each partition of the table in spec order: its spec, location, rows and files.
 * For a table a job writes, only partitions holding files; for others (read from their folders,
 * registered by the crawler or DDL), every registered partition. */
typedef struct cat_partition_info {
    const char *spec, *location;
    uint64_t rows, files, bytes;
} cat_partition_info;
typedef int (*cat_partition_fn)(const cat_partition_info *p, void *ctx);
ev_status cat_table_partitions(cat *c, int64_t table_id, cat_partition_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Adds a data column to a table (after its data columns, before its partition keys), inside the
 * caller's write transaction. EV_ERR_EXISTS if the table has a column of that name. */
ev_status cat_table_add_column(cat *c, int64_t table_id, const char *name, const char *type, ev_error *err) EV_WUR;

/* ---- compaction and deferred deletes ---- */

/* Inside the caller's write transaction: replaces `n` files of the table (store keys old_paths)
 * with the file `f` in their partition `partition_spec` (partition row and file counts follow;
 * rows must add up, so the partition's row count does not change). f->run_id is the newest run
 * whose rows the new file holds and first_run_id the oldest (0: none). Each old path is recorded
 * as a pending deletion, and a pending deletion of f->path is dropped. EV_ERR_NOT_FOUND if an old
 * path is no longer a file of the table (nothing is changed then: the caller rolls back). */
ev_status cat_files_replace(cat *c, int64_t table_id, const char *const *old_paths, size_t n,
                            const char *partition_spec, const char *partition_location, const cat_file_info *f,
                            int64_t first_run_id, ev_error *err) EV_WUR;

/* Records that store key `path` must be deleted unless a file of any table claims it (alone, or
 * inside the caller's transaction). `reason` is kept for people reading the catalog. */
ev_status cat_deletion_add(cat *c, int64_t table_id, const char *path, const char *reason, ev_error *err) EV_WUR;
/* Calls fn(path, claimed, ctx) for each pending deletion of the table; claimed is 1 when a file
 * row holds the path (then it must not be deleted, only forgotten). A non-zero return stops the
 * walk (EV_ERR_CANCELLED). Paths are valid during the call. */
typedef int (*cat_deletion_fn)(const char *path, int claimed, void *ctx);
ev_status cat_deletions(cat *c, int64_t table_id, cat_deletion_fn fn, void *ctx, ev_error *err) EV_WUR;
/* Like cat_deletions, for the pending deletions recorded for tables that no longer exist (a
 * dropped table's files, or a CREATE TABLE AS that never committed: table id 0) whose path starts
 * with `prefix`. */
ev_status cat_deletions_stale(cat *c, const char *prefix, cat_deletion_fn fn, void *ctx, ev_error *err) EV_WUR;
/* Forgets a pending deletion (once the object is gone, or claimed). */
ev_status cat_deletion_done(cat *c, const char *path, ev_error *err) EV_WUR;

/* ---- query history (Athena's ListQueryExecutions) ---- */

/* One statement run by `evlake sql`. Times in microseconds since the epoch; engine_usec is the
 * statement's own run time (without writing its result file). */
typedef struct cat_query {
    const char *query_id;       /* a UUID, as Athena's */
    const char *sql;            /* the statement's text */
    const char *database;       /* the session's current database */
    const char *workgroup;
    const char *statement_type; /* DML, DDL or UTILITY, as Athena classifies */
    const char *status;         /* SUCCEEDED, FAILED or CANCELLED */
    const char *error;          /* NULL unless FAILED or CANCELLED */
    const char *result_path;    /* the CSV of a query's rows, or NULL */
    int64_t started_usec, ended_usec, engine_usec;
    uint64_t rows;              /* rows returned, or written by CREATE TABLE AS / INSERT */
    uint64_t bytes_scanned;
} cat_query;

/* Records a finished statement (alone, or inside the caller's transaction). */
ev_status cat_query_add(cat *c, const cat_query *q, ev_error *err) EV_WUR;
/* Calls fn for the newest `limit` statements (0: all), newest first; strings valid during the
 * call. A non-zero return stops the walk (EV_ERR_CANCELLED). */
typedef int (*cat_query_fn)(const cat_query *q, void *ctx);
ev_status cat_queries(cat *c, int limit, cat_query_fn fn, void *ctx, ev_error *err) EV_WUR;

/* ---- DDL for other engines ---- */
typedef enum cat_dialect { CAT_DIALECT_ATHENA, CAT_DIALECT_TRINO, CAT_DIALECT_SPARK, CAT_DIALECT_DUCKDB } cat_dialect;
ev_status cat_dialect_parse(const char *name, cat_dialect *out) EV_WUR;
/* Appends to `out` the statements that let `dialect` read the table from `base_uri` (the lake
 * home as that engine sees it: "s3://bucket/lake", "file:///data/lake"): the database, the table
 * and its partitions. */
ev_status cat_table_ddl(cat *c, const cat_table *t, cat_dialect dialect, const char *base_uri, ev_buf *out,
                        ev_error *err) EV_WUR;

/* ---- jobs: runs, bookmarks, quarantine ---- */
typedef struct cat_run_counts {
    uint64_t objects, lines, rows, quarantined, bytes_in, bytes_out, files;
} cat_run_counts;

/* Records a RUNNING run of `job` for this process; returns its id. */
ev_status cat_run_start(cat *c, const char *job, int64_t *run_id, ev_error *err) EV_WUR;
/* Ends a run with a status (SUCCEEDED, FAILED, ...), its counts and an error text (may be NULL). */
ev_status cat_run_finish(cat *c, int64_t run_id, const char *status, const cat_run_counts *n, const char *error,
                         ev_error *err) EV_WUR;
/* Adds counts to a run (inside the caller's transaction, with the batch they describe). */
ev_status cat_run_add_counts(cat *c, int64_t run_id, const cat_run_counts *n, ev_error *err) EV_WUR;
/* Marks RUNNING runs of `job` whose process is gone as FAILED ("interrupted"); *count receives how
 * many. Their committed batches stay; what they had not committed is orphaned on disk. */
ev_status cat_runs_mark_interrupted(cat *c, const char *job, int *count, ev_error *err) EV_WUR;

/* Records that `job` has processed an object (inside the batch's transaction). */
typedef struct cat_bookmark {
    const char *object_key;
    uint64_t size;
    int64_t mtime_usec;
    int64_t run_id;
    uint64_t lines, rows, quarantined;
} cat_bookmark;
ev_status cat_bookmark_add(cat *c, const char *job, const cat_bookmark *b, ev_error *err) EV_WUR;
/* Calls fn for every bookmark of the job, by key. Strings are valid during the call. */
typedef int (*cat_bookmark_fn)(const cat_bookmark *b, void *ctx);
ev_status cat_bookmarks(cat *c, const char *job, cat_bookmark_fn fn, void *ctx, ev_error *err) EV_WUR;

/* A quarantined line: its object, 1-based line number, byte offset in the object's decompressed
 * stream, the reason, and the raw bytes (kept exactly). Inside the batch's transaction. */
typedef struct cat_quarantine_entry {
    const char *object_key;
    uint64_t line, byte_offset;
    const char *reason;
    const void *raw;
    size_t raw_len;
} cat_quarantine_entry;
ev_status cat_quarantine_add(cat *c, int64_t run_id, const char *job, const cat_quarantine_entry *q,
                             ev_error *err) EV_WUR;

/* The newest `limit` quarantined lines of `job`, by object and line. */
typedef int (*cat_quarantine_fn)(const cat_quarantine_entry *q, int64_t run_id, void *ctx);
ev_status cat_quarantine_list(cat *c, const char *job, int limit, cat_quarantine_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Quarantine staging: workers stage bad lines as they find them (bounded memory, their own
 * connection and short transactions); the batch's commit moves them into the quarantine. */
ev_status cat_quarantine_stage(cat *c, int64_t run_id, uint32_t batch, const char *job, const cat_quarantine_entry *q,
                               ev_error *err) EV_WUR;
/* Inside the commit transaction: moves the batch's staged lines into the quarantine. */
ev_status cat_quarantine_commit_batch(cat *c, int64_t run_id, uint32_t batch, ev_error *err) EV_WUR;
/* Recovery (under the job's lock): drops lines staged by runs that never committed them. */
ev_status cat_quarantine_staging_clear(cat *c, const char *job, ev_error *err) EV_WUR;
/* Sums of the bookmarks of a job: objects, lines, rows, quarantined. */
ev_status cat_job_totals(cat *c, const char *job, uint64_t *objects, uint64_t *lines, uint64_t *rows,
                         uint64_t *quarantined, ev_error *err) EV_WUR;
/* 1 if a file with this store key belongs to any table. */
ev_status cat_file_known(cat *c, const char *path, int *known, ev_error *err) EV_WUR;

/* A run as recorded. Strings valid during the callback. */
typedef struct cat_run {
    int64_t id;
    const char *job, *status, *error;
    int64_t started_usec, ended_usec; /* ended 0 while running */
    cat_run_counts n;
} cat_run;
typedef int (*cat_run_fn)(const cat_run *r, void *ctx);
/* The newest `limit` runs of `job` (all jobs if NULL), newest first. */
ev_status cat_job_runs(cat *c, const char *job, int limit, cat_run_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Rewind: forgets every run of `job` with id > keep_through_run (their bookmarks, quarantine and
 * files), inside the caller's transaction; fn is called with each forgotten file's path so the
 * caller can delete it after the commit. */
ev_status cat_job_forget_runs_after(cat *c, const char *job, int64_t keep_through_run, cat_file_fn fn, void *ctx,
                                    ev_error *err) EV_WUR;
/* Moves a rewind point back until no file of the job spans it: a compacted file holding runs
 * first..last with first <= keep < last would otherwise lose the rows of its older runs. *out is
 * keep_through_run or earlier. */
ev_status cat_job_rewind_point(cat *c, const char *job, int64_t keep_through_run, int64_t *out, ev_error *err) EV_WUR;
/* The id of the last run of `job` that started at or before `t_usec` (0 if none). */
ev_status cat_job_last_run_before(cat *c, const char *job, int64_t t_usec, int64_t *run_id, ev_error *err) EV_WUR;

#endif
