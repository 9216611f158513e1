/*
 * etl: the incremental job that turns raw gzipped JSON Lines into partitioned Parquet (the Glue job
 * with bookmarks), exactly once.
 *
 * A run takes the job's lock, recovers from any crashed run, lists the raw objects no bookmark
 * covers (late objects in old partitions included), and processes them in batches. Each batch:
 *   1. workers inflate and parse objects, and write Parquet files per hour partition under hidden
 *      staging names (".<name>.pending"), fsynced; bad lines go to the quarantine staging area;
 *   2. one catalog transaction adds the files, their partitions, the batch's bookmarks, its
 *      quarantined lines and the run's counts: the commit point;
 *   3. the staged files are renamed to their final names.
 * After a crash before 2 the staged files are orphans, deleted by the next run, and the objects
 * are still pending; after 2 the next run finishes the renames. Every raw line therefore lands
 * exactly once, as a row or as a quarantined line. Readers see files only through the catalog.
 */
#ifndef EV_ETL_H
#define EV_ETL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"

typedef struct etl_job {
    const char *name;          /* "events_etl" */
    const char *source_prefix; /* "raw/events/" */
    const char *db;            /* "analytics" */
    const char *table;         /* "events" */
    const char *location;      /* "analytics/events": the table's store prefix */
    const char *compression;   /* zstd (default), snappy, gzip, none */
} etl_job;

/* The job `evlake init` defines: raw/events -> analytics.events, zstd. */
void etl_job_default(etl_job *job);

/* The job as a pipeline file defines it (cfg_pipeline.h). Strings point into `j` and into
 * `names`, which must outlive `job`. */
struct cfg_job;
typedef struct etl_job_names {
    char source[1024];
    char location[1024];
} etl_job_names;
void etl_job_from_config(const struct cfg_job *j, etl_job_names *names, etl_job *job);

typedef struct etl_options {
    int threads;               /* workers (default: cores) */
    size_t batch_objects;      /* objects per commit (default 12, an hour of the classic feed) */
    size_t memory_budget;      /* bytes all workers may buffer (default 192 MiB) */
    const char *crash_point;   /* tests only: "point[:n]" kills the process (SIGKILL) the n-th
                                  time `point` is reached; see etl_int.h for the points */
    volatile sig_atomic_t *stop; /* polled between objects: ends the run after the current batch */
    int inject_failure;        /* tests: the run is recorded and fails before any work */
} etl_options;

void etl_options_default(etl_options *o);

typedef struct etl_report {
    int64_t run_id;
    size_t objects;           /* objects processed by this run */
    size_t objects_pending;   /* found pending at the start */
    size_t objects_changed;   /* bookmarked objects whose size changed since: not reprocessed */
    size_t batches, files;
    uint64_t lines, rows, quarantined, bytes_in, bytes_out;
    int interrupted_runs;     /* crashed runs found and closed */
    size_t orphans_removed;   /* staged files of uncommitted batches deleted */
    size_t rolled_forward;    /* committed staged files renamed into place */
    int64_t elapsed_usec;
} etl_report;

typedef void (*etl_progress_fn)(const etl_report *so_far, void *ctx);

/* Runs the job once over the lake at `home`. EV_ERR_BUSY if another run of the job holds its lock.
 * A run with nothing new succeeds with rep->objects == 0. */
ev_status etl_run(const char *home, const etl_job *job, const etl_options *opt, etl_progress_fn progress,
                  void *progress_ctx, etl_report *rep, ev_error *err) EV_WUR;

/* Lag: what the job has not processed yet, and the reconciliation of what it has. */
typedef struct etl_lag {
    size_t objects_pending;
    uint64_t bytes_pending;    /* compressed bytes of the pending objects */
    size_t objects_changed;    /* bookmarked objects whose size differs now */
    uint64_t objects_done, lines, rows, quarantined; /* over all bookmarks */
    uint64_t table_rows, table_files, table_partitions; /* what the catalog's table holds */
} etl_lag;

/* Computes the lag without taking the job's lock (a read-only look). */
ev_status etl_lag_of(const char *home, const etl_job *job, etl_lag *lag, ev_error *err) EV_WUR;

typedef struct etl_rewind_report {
    int64_t kept_through_run;  /* runs after this one were rewound */
    size_t files_removed;
    uint64_t rows_removed;
} etl_rewind_report;

/* Glue's bookmark rewind, without its duplicates: forgets every run of the job that started after
 * `t_usec` (its bookmarks, quarantined lines and files) in one catalog transaction, then deletes
 * the files. The next run processes those objects again and writes fresh files: nothing is appended
 * twice. t_usec = INT64_MIN is a reset. Takes the job's lock (EV_ERR_BUSY while a run is going). */
ev_status etl_rewind(const char *home, const etl_job *job, int64_t t_usec, etl_rewind_report *rep,
                     ev_error *err) EV_WUR;

/* ---- compaction ----
 * `evlake compact`: rewrites each partition's small files into one Parquet file (the same schema,
 * zstd, dictionary-encoded strings and integers, DELTA timestamps) and swaps them in one catalog
 * transaction. Per partition:
 *   1. the new file is written under a staging name and fsynced, read back and checked (rows);
 *   2. a pending deletion of its final name is committed (if the swap never commits, the next
 *      recovery deletes it), then it is renamed into place, still outside the table;
 *   3. one transaction removes the old files' rows, adds the new one (same partition counts) and
 *      records the old files as pending deletions: the commit point;
 *   4. the old files are deleted and their deletions forgotten.
 * A crash anywhere leaves the table (the catalog's files, all present on disk) holding either the
 * old files or the new one; the next compaction or ETL run deletes what is left over. It holds the
 * table's job lock (locks/<job>.lock, as etl_run does), so it never interleaves with a run. A new
 * file records the oldest and newest run whose rows it holds, so `etl rewind` never splits it. */
typedef struct etl_compact_options {
    size_t min_files;        /* compact partitions holding at least this many files (default 2) */
    int dry_run;             /* report what would be compacted; change nothing, take no lock */
    const char *crash_point; /* tests only, as etl_options.crash_point; points in etl_int.h */
} etl_compact_options;

void etl_compact_options_default(etl_compact_options *o);

/* One partition (a group of files of the same kind within it: written by runs, or not) as it was
 * compacted, or why it was not. Strings valid during the callback. */
typedef struct etl_compact_partition {
    const char *spec;        /* "year=2025/month=11/day=20/hour=00" */
    size_t files_before;
    uint64_t rows, bytes_before, bytes_after; /* bytes_after 0 in a dry run */
    const char *new_key;     /* the new file's store key; NULL in a dry run or when skipped */
    const char *skipped;     /* why it was left alone (schemas differ, a type the writer lacks) */
} etl_compact_partition;

typedef void (*etl_compact_fn)(const etl_compact_partition *p, void *ctx);

typedef struct etl_compact_report {
    size_t partitions, partitions_compacted, partitions_skipped; /* partitions: all of the table's */
    size_t files_before, files_after;     /* in the compacted (dry run: eligible) partitions */
    uint64_t rows, bytes_before, bytes_after;
    size_t table_files;                   /* the table's files after the compaction */
    size_t recovered;                     /* leftovers of crashed runs or compactions finished */
    int64_t elapsed_usec;
} etl_compact_report;

/* Compacts db.table of the lake at `home`; `fn` (may be NULL) hears about each partition that
 * qualifies. Errors: EV_ERR_NOT_FOUND (no lake, no table), EV_ERR_INPUT (a table read from its
 * folders: its files are not in the catalog), EV_ERR_BUSY (a run of the table's job holds the
 * lock), EV_ERR_CORRUPT (a file unreadable or not matching its catalog row count), I/O errors.
 * Partitions compacted before an error stay compacted. */
ev_status etl_compact(const char *home, const char *db, const char *table, const etl_compact_options *opt,
                      etl_compact_fn fn, void *fn_ctx, etl_compact_report *rep, ev_error *err) EV_WUR;

#endif
