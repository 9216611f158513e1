/*
 * crawl: the crawler (the Glue crawler's role): finds the partitions and files under a location
 * written by anyone, infers their schema, and registers or reconciles them in the catalog,
 * reporting drift instead of breaking what exists.
 *
 * Partitions are Hive-style folders (key=value/...), in any order of discovery; keys must be
 * the same at every depth. Files named ".*" or "_*" are ignored, as Hive, Spark and Athena do.
 */
#ifndef EV_CRAWL_H
#define EV_CRAWL_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "ev_alloc.h"
#include "store.h"

#define CRAWL_MAX_KEYS 8

typedef struct crawl_file {
    char *key;           /* store key */
    uint64_t size;
    int64_t mtime_usec;
    uint32_t partition;  /* index into crawl_scan.partitions */
} crawl_file;

typedef struct crawl_partition {
    char *spec;          /* "year=2025/month=11" */
    uint64_t files, bytes;
} crawl_partition;

/* What a scan of a location found. Owned by the caller; release with crawl_scan_free. */
typedef struct crawl_scan {
    char *keys[CRAWL_MAX_KEYS]; /* partition keys in path order */
    size_t nkeys;
    crawl_partition *partitions;
    size_t npartitions;
    crawl_file *files;
    size_t nfiles;
    size_t skipped;      /* hidden files, and files outside the partition layout */
    char format[16];     /* "parquet" or "json", from the files' names; "" if mixed or none */
} crawl_scan;

/* Lists every file under `prefix` (a store key prefix ending in '/') and groups it by partition.
 * EV_ERR_INPUT (with the offending key) if the partition keys differ between folders. */
ev_status crawl_scan_location(store *s, const char *prefix, crawl_scan *out, ev_error *err) EV_WUR;
void crawl_scan_free(crawl_scan *scan);

#define CRAWL_NAME_MAX 128
#define CRAWL_TYPE_MAX 48
#define CRAWL_PATH_MAX 512
#define CRAWL_MAX_NOTES 16

/* A column the crawler added, or a type conflict: `type` as found in `file`, `kept` the type the
 * table keeps (conflicts only). */
typedef struct crawl_note {
    char column[CRAWL_NAME_MAX];
    char type[CRAWL_TYPE_MAX];
    char kept[CRAWL_TYPE_MAX];
    char file[CRAWL_PATH_MAX];
} crawl_note;

/* What crawling a table (or a location) found. */
typedef struct crawl_report {
    char db[CRAWL_NAME_MAX], table[CRAWL_NAME_MAX];
    size_t partitions_on_disk, partitions_registered, partitions_added;
    size_t files_on_disk, files_registered;
    size_t files_unregistered;  /* on disk, not in the catalog (written by someone else) */
    size_t files_missing;       /* in the catalog, not on disk */
    char first_unregistered[512], first_missing[512];
    int read_from_folders;      /* the table has no files in the catalog: readers list its folders,
                                   so files on disk are its content, not drift */
    /* schema inference (crawl_location, or crawl_table_with with infer_schema) */
    int inferred;               /* a schema was inferred */
    int table_created;          /* a new table was registered */
    char format[16];            /* parquet | json */
    char location[CRAWL_PATH_MAX];
    size_t partition_keys;
    /* a new table's columns (the first ones; kept = "partition" for partition keys) */
    crawl_note listed[CRAWL_MAX_NOTES * 2];
    size_t ncolumns_listed;
    size_t columns;             /* data columns of the table after the crawl */
    size_t columns_added, type_conflicts, columns_skipped; /* skipped: nested or repeated */
    crawl_note added[CRAWL_MAX_NOTES], conflicts[CRAWL_MAX_NOTES]; /* the first ones */
    size_t files_read, files_unreadable;
    char first_unreadable[CRAWL_PATH_MAX + 512]; /* the file and why */
    size_t lines_sampled, lines_unparsable;      /* JSON */
} crawl_report;

typedef struct crawl_options {
    int infer_schema;     /* read footers / sample lines; add new columns, report type conflicts */
    const char *db;       /* crawl_location: database of a new table (NULL: analytics) */
    const char *name;     /* crawl_location: name of a new table (NULL: from the folder) */
    size_t sample_lines;  /* JSON: lines read from each file (0: 1000) */
} crawl_options;

/* Crawls db.table of the lake at `home`: scans its location and reconciles it with the catalog,
 * registering partitions found on disk that the catalog lacks. Files are compared, not changed:
 * drift is reported. The schema is left alone (MSCK REPAIR TABLE's job). */
ev_status crawl_table(const char *home, const char *db, const char *table, crawl_report *rep, ev_error *err) EV_WUR;

/* crawl_table, and with o->infer_schema the Glue crawler's schema work: columns found in the files
 * that the table lacks are added (after its data columns), a column whose files disagree with
 * the table's type is reported in rep->conflicts and keeps the table's type. */
ev_status crawl_table_with(const char *home, const char *db, const char *table, const crawl_options *o,
                           crawl_report *rep, ev_error *err) EV_WUR;

/* *exists = 1 if the lake at `home` has the table db.name. EV_ERR_NOT_FOUND if there is no lake. */
ev_status crawl_table_exists(const char *home, const char *db, const char *name, int *exists, ev_error *err) EV_WUR;

/* Crawls a location (a store key prefix such as "landing/clicks") written by anyone: infers its
 * format, columns and types (Parquet footers, sampled JSON lines, plain or gzipped), its Hive
 * partition keys (strings) and partitions, and registers a table over it (o->db, named after the
 * folder unless o->name) with them. A location some table already has is crawled as that table
 * (crawl_table_with, inferring). EV_ERR_NOT_FOUND if the location holds no data files,
 * EV_ERR_INPUT if its files mix formats or its folders do not fit one partition layout. */
ev_status crawl_location(const char *home, const char *location, const crawl_options *o, crawl_report *rep,
                         ev_error *err) EV_WUR;

#endif
