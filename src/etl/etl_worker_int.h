/*
 * etl_worker_int.h: the worker's parts: a partition being written, the Parquet side that encodes
 * a partition's row groups (etl_write.c); the input side is etl_read.h.
 */
#ifndef EV_ETL_WORKER_INT_H
#define EV_ETL_WORKER_INT_H

#include "etl_event.h"
#include "etl_int.h"
#include "etl_rows.h"

/* Rows per row group. Measured on 7.2 M starter events, 2 threads: 2^19 rows ran as fast as 2^18
 * and faster than 2^20 (whose per-chunk dictionaries of ~90,000 ids no longer fit the cache), at
 * 10.7 bytes/event against 11.6 for 2^18, with a peak RSS of 120 MB. */
#define ETL_ROW_GROUP_ROWS (1u << 19)

typedef struct etl_part {
    int64_t hour;          /* hours since the epoch; INT64_MIN when the slot is free */
    uint64_t last_use;
    char spec[64];         /* "year=2025/month=11/day=20/hour=00" */
    etl_rows rows;         /* the row group being filled */
    void *writer;          /* the open Parquet writer (etl_write.c), NULL until the first row group */
    uint64_t rows_written;
    etl_staged_file file;  /* its keys, and size/rows/stats once finished */
} etl_part;

/* ---- the Parquet side (etl_write.c) ---- */
/* Encodes p->rows as one row group of p's staged file (opening it on first use), then empties
 * p->rows. */
ev_status etl_part_write_row_group(etl_ctx *ctx, etl_part *p, ev_error *err) EV_WUR;
/* Writes the footer, fsyncs and closes the staged file; fills p->file's size, rows and stats. */
ev_status etl_part_finish_file(etl_ctx *ctx, etl_part *p, ev_error *err) EV_WUR;
/* Drops an unfinished file (its staged object is removed). */
void etl_part_abort_file(etl_ctx *ctx, etl_part *p);
/* Bytes the open writer holds (pages not yet written). */
size_t etl_part_writer_memory(const etl_part *p);

#endif
