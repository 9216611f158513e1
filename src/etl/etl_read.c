/*
 * etl_read.c: objects to lines to events: decompression (io/gz_reader: multi-member, damage
 * reported after everything readable was delivered), line splitting with physical line numbers
 * and offsets, accounting, and the hand-off of rows in batches (see etl_read.h).
 */
#include "etl_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gz_reader.h"

#define QUARANTINE_RAW_MAX (64u << 10) /* bytes kept of a line too long to keep whole */
#define ETL_READ_CHUNK (1u << 20) /* bytes inflated at a time, behind the unfinished line */

struct etl_reader {
    size_t max_line;
    gz_reader *gz;
    ev_buf buf;        /* decompressed bytes not yet split into lines */
    ev_arena strings;  /* decoded strings of the lines since the last flush */
    etl_fast_state fast;
};

ev_status etl_reader_create(size_t max_line, etl_reader **out, ev_error *err) {
    etl_reader *r = calloc(1, sizeof *r);
    if (!r) return ev_error_set(err, EV_ERR_NOMEM, "out of memory for the raw object reader");
    /* plain JSON Lines objects pass through; gzip is inflated into r->buf, not the reader's window */
    gz_options opt = {0, 256u << 10, 1};
    ev_status st = gz_reader_create(NULL, &opt, &r->gz, err);
    if (st != EV_OK) {
        free(r);
        return st;
    }
    r->max_line = max_line ? max_line : (16u << 20);
    ev_buf_init(&r->buf, NULL);
    ev_arena_init(&r->strings, NULL, 64 * 1024);
    *out = r;
    return EV_OK;
}

void etl_reader_destroy(etl_reader *r) {
    if (!r) return;
    gz_reader_close(r->gz);
    ev_buf_free(&r->buf);
    ev_arena_destroy(&r->strings);
    free(r);
}

/* ---- lines ---- */

typedef struct line_state {
    const etl_sink *sink;
    etl_read_stats *stats;
    uint64_t line_no;      /* physical lines completed */
    uint64_t offset;       /* decompressed offset of buf[0] */
    int skipping;          /* inside a line longer than max_line */
    uint64_t skip_line_offset;
} line_state;

static int blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

static ev_status quarantine(line_state *ls, uint64_t line, uint64_t offset, const char *reason, const char *raw,
                            size_t len, ev_error *err) {
    ls->stats->quarantined++;
    return ls->sink->bad(ls->sink->ctx, line, offset, reason, raw, len, err);
}

/* try_fast: 0 when etl_scan_fast_next already turned the line down. */
static ev_status handle_line(etl_reader *r, line_state *ls, const char *text, size_t len, uint64_t offset,
                             const char *damage, int try_fast, ev_error *err) {
    uint64_t line = ++ls->line_no;
    if (len && text[len - 1] == '\r') len--;
    if (blank(text, len)) return EV_OK;
    ls->stats->lines++;
    char reason[512];
    if (damage) {
        snprintf(reason, sizeof reason, "incomplete line: %s", damage);
        return quarantine(ls, line, offset, reason, text, len, err);
    }
    etl_event e;
    if (try_fast && etl_scan_fast(text, len, &r->fast, &e)) {
        ls->stats->rows++;
        return ls->sink->row(ls->sink->ctx, &e, err);
    }
    etl_field f[ETL_NFIELDS];
    ev_status st = etl_scan_line(text, len, f, &r->strings, &ls->stats->unknown_keys, reason, sizeof reason);
    if (st == EV_ERR_NOMEM) return ev_error_set(err, st, "out of memory scanning line %llu", (unsigned long long)line);
    if (st == EV_OK) st = etl_event_from_fields(f, &e, reason, sizeof reason);
    if (st != EV_OK) return quarantine(ls, line, offset, reason, text, len, err);
    ls->stats->rows++;
    return ls->sink->row(ls->sink->ctx, &e, err);
}

/* Hands the batched rows over: after this, the buffer may move and the strings arena is reused. */
static ev_status flush(etl_reader *r, line_state *ls, ev_error *err) {
    EV_TRY(ls->sink->flush(ls->sink->ctx, err));
    ev_arena_reset(&r->strings);
    return EV_OK;
}

/* Splits the complete lines in r->buf, keeping the unfinished tail at its front. */
static ev_status split_lines(etl_reader *r, line_state *ls, ev_error *err) {
    char *start = (char *)r->buf.data, *p = start, *end = start + r->buf.len;
    if (ls->skipping) { /* the rest of an over-long line: drop it up to its newline */
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            ls->offset += r->buf.len;
            r->buf.len = 0;
            return EV_OK;
        }
        p = nl + 1;
        ls->skipping = 0;
    }
    for (;;) {
        etl_event e;
        const char *nl = etl_scan_fast_next(p, end, &r->fast, &e);
        if (nl) { /* a line of the producers' shape: typed while its end was found */
            ls->line_no++;
            ls->stats->lines++;
            ls->stats->rows++;
            EV_TRY(ls->sink->row(ls->sink->ctx, &e, err));
            p = (char *)nl + 1;
            continue;
        }
        if (!(nl = memchr(p, '\n', (size_t)(end - p)))) break;
        EV_TRY(handle_line(r, ls, p, (size_t)(nl - p), ls->offset + (uint64_t)(p - start), NULL, 0, err));
        p = (char *)nl + 1;
    }
    EV_TRY(flush(r, ls, err));
    size_t rest = (size_t)(end - p);
    if (rest > r->max_line) { /* too long to keep: quarantine its head, skip the rest */
        uint64_t line = ++ls->line_no;
        char reason[128];
        snprintf(reason, sizeof reason, "line longer than %zu bytes (its first %u bytes are kept)", r->max_line,
                 QUARANTINE_RAW_MAX);
        ls->stats->lines++;
        size_t keep = rest < QUARANTINE_RAW_MAX ? rest : QUARANTINE_RAW_MAX;
        EV_TRY(quarantine(ls, line, ls->offset + (uint64_t)(p - start), reason, p, keep, err));
        ls->skipping = 1;
        ls->offset += r->buf.len;
        r->buf.len = 0;
        return EV_OK;
    }
    ls->offset += (uint64_t)(p - start);
    memmove(start, p, rest);
    r->buf.len = rest;
    return EV_OK;
}

/* The end of the object: the last line has no newline. `damage` says why, if it was cut short. */
static ev_status finish_lines(etl_reader *r, line_state *ls, const char *damage, ev_error *err) {
    if (!ls->skipping && r->buf.len)
        EV_TRY(handle_line(r, ls, (const char *)r->buf.data, r->buf.len, ls->offset, damage, 1, err));
    r->buf.len = 0;
    return flush(r, ls, err);
}

/* ---- the object ---- */

/* Reads the object the gz_reader points at, chunk by chunk, to its end or its damage. */
static ev_status read_object(etl_reader *r, const etl_sink *sink, etl_read_stats *stats, ev_error *err) {
    memset(stats, 0, sizeof *stats);
    r->buf.len = 0;
    line_state ls = {sink, stats, 0, 0, 0, 0};
    ev_status st;
    ev_error gerr;
    for (;;) {
        /* inflated straight behind the unfinished line: no copy of the object's bytes */
        if (ev_buf_reserve(&r->buf, ETL_READ_CHUNK) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        size_t n;
        ev_error_clear(&gerr);
        st = gz_reader_read_into(r->gz, r->buf.data + r->buf.len, ETL_READ_CHUNK, &n, &gerr);
        if (st != EV_OK || n == 0) break;
        r->buf.len += n;
        EV_TRY(split_lines(r, &ls, err));
    }
    gz_stats gs;
    gz_reader_stats(r->gz, &gs);
    stats->bytes_in = gs.bytes_in;
    stats->bytes_out = gs.bytes_out;
    if (st == EV_ERR_CORRUPT) { /* damage: what was readable is in; the cut line is quarantined */
        snprintf(stats->warning, sizeof stats->warning, "%s", gerr.msg);
        return finish_lines(r, &ls, stats->warning, err);
    }
    if (st != EV_OK) {
        if (err) *err = gerr;
        return st;
    }
    return finish_lines(r, &ls, NULL, err);
}

ev_status etl_reader_read_fd(etl_reader *r, int fd, const etl_sink *sink, etl_read_stats *stats, ev_error *err) {
    gz_reader_reset_fd(r->gz, fd);
    return read_object(r, sink, stats, err);
}

ev_status etl_reader_read_mem(etl_reader *r, const void *data, size_t len, const etl_sink *sink,
                              etl_read_stats *stats, ev_error *err) {
    gz_reader_reset_mem(r->gz, data, len);
    return read_object(r, sink, stats, err);
}
