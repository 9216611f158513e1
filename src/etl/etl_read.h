/*
 * etl_read: the ETL's input: a raw object's bytes (gzip, possibly multi-member, or plain text)
 * to typed events, line by line, with every bad line reported with its line number, byte offset
 * and reason.
 *
 * Hand-written because it is the ETL's hot loop: inflating (ISA-L), splitting lines (memchr) and
 * scanning flat JSON objects with no allocation per line run at several million lines a second
 * on one core, where a general JSON library would build a document per line.
 *
 * Line accounting: a line is a run of bytes ended by "\n" (or by the end of the object); a final
 * "\r" is dropped; lines of only white space are not counted (they hold no event). Every counted
 * line becomes a row or a quarantined line: lines == rows + quarantined.
 */
#ifndef EV_ETL_READ_H
#define EV_ETL_READ_H

#include <stddef.h>
#include <stdint.h>

#include "etl_event.h"

/* Where lines go. All callbacks may fail (their status is returned by the reader). The strings of
 * the events handed to `row` stay valid until the next `flush`: the sink may batch rows. */
typedef struct etl_sink {
    ev_status (*row)(void *ctx, const etl_event *e, ev_error *err);
    ev_status (*flush)(void *ctx, ev_error *err);
    ev_status (*bad)(void *ctx, uint64_t line, uint64_t offset, const char *reason, const void *raw, size_t raw_len,
                     ev_error *err);
    void *ctx;
} etl_sink;

typedef struct etl_read_stats {
    uint64_t lines, rows, quarantined;
    uint64_t bytes_in;      /* compressed bytes read */
    uint64_t bytes_out;     /* decompressed bytes */
    uint64_t unknown_keys;  /* keys outside the schema (drift) */
    char warning[256];      /* a damaged object: what was wrong and where; "" if none */
} etl_read_stats;

typedef struct etl_reader etl_reader;

/* max_line: the longest line kept whole (longer ones are quarantined); 0 = 16 MiB. */
ev_status etl_reader_create(size_t max_line, etl_reader **out, ev_error *err) EV_WUR;
void etl_reader_destroy(etl_reader *r);

/* Reads a whole object from a file descriptor / from memory. Damage to the object (a truncated or
 * corrupt gzip member, garbage after it) is not an error: what was readable is delivered, the
 * incomplete last line is quarantined, and stats->warning says what happened. Errors are the
 * sink's, and I/O errors reading `fd`. */
ev_status etl_reader_read_fd(etl_reader *r, int fd, const etl_sink *sink, etl_read_stats *stats,
                             ev_error *err) EV_WUR;
ev_status etl_reader_read_mem(etl_reader *r, const void *data, size_t len, const etl_sink *sink,
                              etl_read_stats *stats, ev_error *err) EV_WUR;

/* Scans one line as a flat JSON object into the schema's fields (exposed for tests and fuzzing).
 * Strings without escapes point into the line; strings with escapes are decoded into `arena`
 * (valid until the caller resets it). On a syntax error returns EV_ERR_INPUT with "col N: ..."
 * in `reason`. */
ev_status etl_scan_line(const char *line, size_t len, etl_field f[ETL_NFIELDS], ev_arena *arena,
                        uint64_t *unknown_keys, char *reason, size_t cap) EV_WUR;

/* What the fast path keeps between lines (one per reader): the hour of the last timestamp, as
 * its first 13 bytes and its value. Zero-initialize. */
typedef struct etl_fast_state {
    uint64_t hour_key[2];
    int64_t hour_usec;
    int has_hour;
} etl_fast_state;

/* The fast path (etl_fast.c): types a line of the shape events.md's producers write (the nine
 * keys in schema order, plain ASCII strings or null, integer quantity, decimal price) into `e`
 * and returns 1; returns 0 for any other line, which etl_scan_line + etl_event_from_fields then
 * type or reject. Accepts only lines those accept, with the same event. Strings point into the
 * line. */
int etl_scan_fast(const char *line, size_t len, etl_fast_state *fs, etl_event *e);
/* The same on the line starting at p in a buffer ending at `end`, whose end is not known yet:
 * returns the newline that ends it (the event typed into `e`), or NULL when the line is not of
 * that shape or has no newline before `end`. Saves searching each line's end first. */
const char *etl_scan_fast_next(const char *p, const char *end, etl_fast_state *fs, etl_event *e);

#endif
