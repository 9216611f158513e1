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

/* What crawling a catalog table found. */
typedef struct crawl_report {
    size_t partitions_on_disk, partitions_registered, partitions_added;
    size_t files_on_disk, files_registered;
    size_t files_unregistered;  /* on disk, not in the catalog (written by someone else) */
    size_t files_missing;       /* in the catalog, not on disk */
    char first_unregistered[512], first_missing[512];
} crawl_report;

/* Crawls db.table of the lake at `home`: scans its location and reconciles it with the catalog,
 * registering partitions found on disk that the catalog lacks. Files are compared, not changed:
 * drift is reported. */
ev_status crawl_table(const char *home, const char *db, const char *table, crawl_report *rep, ev_error *err) EV_WUR;

#endif
