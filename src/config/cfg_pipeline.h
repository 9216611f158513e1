/*
 * cfg_pipeline: the pipeline file (the CloudFormation stack's role) parsed and validated into a
 * typed cfg_pipeline: storage, the generator, ETL jobs, crawlers, the workgroup and gold tables.
 *
 * The YAML is read with libyaml's event parser into a small node tree (alias, anchors and merge
 * keys are refused: a pipeline file has no use for them, and refusing them rules out alias bombs),
 * then walked against the schema below. Every error names the file, the 1-based line and column
 * of the offending node, and the dotted path of the setting:
 *   lake/pipeline.yml:25:18: jobs.events_etl.compression: 'lz5' is not one of zstd, snappy, gzip, none
 * Unknown keys are errors, with "did you mean" when a known key is within edit distance 2;
 * duplicate keys are errors; a crawler trigger must name a job of the file.
 *
 * The schema (defaults in brackets; "required" keys have none):
 *   version: 1                                     required; only 1 exists
 *   storage:                                       required
 *     location: PATH-OR-URI                        required
 *     raw_prefix: PREFIX                           [raw/events]
 *   generator:                                     optional (has_generator)
 *     schedule: rate(...) | cron(...)              required
 *     profile: starter | realistic                 [starter]
 *     events_per_object: N | MIN-MAX               [500000-750000], 1..100000000
 *     seed: N                                      [42], 0..2^64-1
 *     bad_rate: X                                  [0], a fraction 0..1 of deliberately bad lines
 *   jobs:                                          optional map of NAME -> job
 *     NAME:
 *       source: PREFIX                             required
 *       target: DB.TABLE                           required
 *       partition_keys: [year, month, day, hour]   [that list]; any of year/month/day/hour, once
 *       format: parquet                            [parquet]
 *       compression: zstd | snappy | gzip | none   [zstd]
 *       schedule: rate(...) | cron(...)            optional (a job without one runs on demand)
 *       bookmarks: enabled | disabled              [enabled]
 *       max_retries: N                             [0], 0..100
 *       retry_backoff: DURATION                    [60s], as ev_duration_parse reads it ("30s", "5m")
 *   crawlers:                                      optional map of NAME -> crawler
 *     NAME:
 *       target: DB.TABLE                           required
 *       trigger: {on: JOB, state: SUCCEEDED|FAILED}   exactly one of trigger and schedule;
 *       schedule: rate(...) | cron(...)               state defaults to SUCCEEDED
 *   workgroup:                                     optional
 *     name: NAME                                   [primary]
 *     results: PREFIX                              [results/]
 *     bytes_scanned_limit: N[B|KB|MB|GB|TB]        [0 = no limit]; binary units (1 KB = 1024 B)
 *   gold:                                          optional map (may be {}) of NAME -> gold table
 *     NAME:
 *       sql: QUERY                                 required
 *       refresh: TEXT                              optional, kept as written for the gold module
 * Names (jobs, crawlers, gold tables, databases, tables) are 1-64 of [A-Za-z0-9_-].
 *
 * Memory: everything the result points to lives in the caller's arena and stays valid until the
 * arena is reset or destroyed. libyaml allocates its own scratch with malloc and frees it before
 * the call returns.
 */
#ifndef CFG_PIPELINE_H
#define CFG_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"
#include "sched_expr.h"

typedef enum cfg_profile { CFG_PROFILE_STARTER = 0, CFG_PROFILE_REALISTIC } cfg_profile;
typedef enum cfg_format { CFG_FORMAT_PARQUET = 0 } cfg_format;
typedef enum cfg_compression {
    CFG_COMPRESSION_ZSTD = 0,
    CFG_COMPRESSION_SNAPPY,
    CFG_COMPRESSION_GZIP,
    CFG_COMPRESSION_NONE
} cfg_compression;
typedef enum cfg_run_state { CFG_STATE_SUCCEEDED = 0, CFG_STATE_FAILED } cfg_run_state;

/* Where a setting was written: 1-based, as editors count. */
typedef struct cfg_mark {
    int line, column;
} cfg_mark;

/* A schedule as written and as parsed. */
typedef struct cfg_schedule {
    const char *text; /* as written in the file */
    sched_expr expr;
    cfg_mark mark;
} cfg_schedule;

typedef struct cfg_storage {
    const char *location;   /* "." = the lake home; later s3://bucket/prefix */
    const char *raw_prefix; /* where the generator writes, relative to location */
} cfg_storage;

typedef struct cfg_generator {
    cfg_schedule schedule;
    cfg_profile profile;
    int64_t events_min, events_max; /* events per object; equal for a fixed count */
    uint64_t seed;
    double bad_rate; /* 0..1 */
} cfg_generator;

typedef struct cfg_job {
    const char *name;
    const char *source;                   /* raw prefix the job reads */
    const char *target_db, *target_table; /* "analytics", "events" */
    const char **partition_keys;          /* n_partition_keys names, in file order */
    size_t n_partition_keys;
    cfg_format format;
    cfg_compression compression;
    int has_schedule;
    cfg_schedule schedule; /* when has_schedule */
    int bookmarks;         /* 1 enabled, 0 disabled */
    int max_retries;
    int64_t retry_backoff_usec;
    cfg_mark mark; /* of the job's name */
} cfg_job;

typedef enum cfg_trigger_kind { CFG_TRIGGER_ON_JOB = 1, CFG_TRIGGER_SCHEDULE } cfg_trigger_kind;

typedef struct cfg_crawler {
    const char *name;
    const char *target_db, *target_table;
    cfg_trigger_kind trigger;
    const char *on_job;  /* CFG_TRIGGER_ON_JOB: the job's name ... */
    size_t on_job_index; /* ... and its index in cfg_pipeline.jobs */
    cfg_run_state on_state;
    cfg_schedule schedule; /* CFG_TRIGGER_SCHEDULE */
    cfg_mark mark;
} cfg_crawler;

typedef struct cfg_workgroup {
    const char *name;
    const char *results;
    uint64_t bytes_scanned_limit; /* 0 = no limit */
} cfg_workgroup;

typedef struct cfg_gold {
    const char *name;
    const char *sql;
    const char *refresh; /* NULL when absent */
    cfg_mark mark;
} cfg_gold;

typedef struct cfg_pipeline {
    const char *name_for_errors; /* the file name errors were reported under */
    int version;
    cfg_storage storage;
    int has_generator;
    cfg_generator generator;
    cfg_job *jobs; /* in file order */
    size_t n_jobs;
    cfg_crawler *crawlers;
    size_t n_crawlers;
    cfg_workgroup workgroup;
    cfg_gold *gold;
    size_t n_gold;
} cfg_pipeline;

/* Parses and validates the pipeline file text[0..len) (need not be NUL-terminated); errors are
 * reported as "<name_for_errors>:<line>:<col>: <path>: <problem>". On success *out points into
 * `arena`. Errors: EV_ERR_INPUT (YAML syntax, schema or cross-reference problem), EV_ERR_NOMEM. */
ev_status cfg_pipeline_parse(const char *text, size_t len, const char *name_for_errors, ev_arena *arena,
                             cfg_pipeline **out, ev_error *err) EV_WUR;

/* Reads the file at `path` and parses it as cfg_pipeline_parse does, naming errors by `path`.
 * Errors: those of ev_read_file (EV_ERR_IO, EV_ERR_NOT_FOUND ...) and of cfg_pipeline_parse. */
ev_status cfg_pipeline_load(const char *path, ev_arena *arena, cfg_pipeline **out, ev_error *err) EV_WUR;

/* The job named `name`, or NULL. */
const cfg_job *cfg_pipeline_find_job(const cfg_pipeline *p, const char *name);

/* Stable lower-case names for printing ("zstd", "SUCCEEDED", "starter"). */
const char *cfg_compression_name(cfg_compression c);
const char *cfg_profile_name(cfg_profile p);
const char *cfg_run_state_name(cfg_run_state s);

#endif
