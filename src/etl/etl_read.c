/* etl_read.c: objects to lines to events: ISA-L inflate, line splitting, accounting (see etl_read.h). */
#include "etl_read.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_CHUNK (1u << 20)
#define OUT_ROOM (4u << 20)
#define QUARANTINE_RAW_MAX (64u << 10) /* bytes kept of a line too long to keep whole */

struct etl_reader {
    size_t max_line;
    uint8_t *in;
    ev_buf buf;        /* decompressed bytes not yet split into lines */
    ev_arena strings;  /* decoded strings of the lines since the last flush */
    struct inflate_state zs;
};

ev_status etl_reader_create(size_t max_line, etl_reader **out, ev_error *err) {
    etl_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->in = malloc(IN_CHUNK))) {
        free(r);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory for the raw object reader");
    }
    r->max_line = max_line ? max_line : (16u << 20);
    ev_buf_init(&r->buf, NULL);
    ev_arena_init(&r->strings, NULL, 64 * 1024);
    *out = r;
    return EV_OK;
}

void etl_reader_destroy(etl_reader *r) {
    if (!r) return;
    free(r->in);
    ev_buf_free(&r->buf);
    ev_arena_destroy(&r->strings);
    free(r);
}

/* ---- where compressed bytes come from ---- */

typedef struct source {
    int fd;
    const uint8_t *mem;
    size_t mem_len, mem_pos;
} source;

/* Next chunk of input: returns its length (0 at the end) or -1 on a read error (errno). */
static ssize_t source_next(etl_reader *r, source *src, const uint8_t **data) {
    if (src->mem) {
        size_t n = src->mem_len - src->mem_pos;
        *data = src->mem + src->mem_pos;
        src->mem_pos = src->mem_len;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(src->fd, r->in, IN_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        *data = r->in;
        return n;
    }
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

static ev_status handle_line(etl_reader *r, line_state *ls, const char *text, size_t len, uint64_t offset,
                             const char *damage, ev_error *err) {
    uint64_t line = ++ls->line_no;
    if (len && text[len - 1] == '\r') len--;
    if (blank(text, len)) return EV_OK;
    ls->stats->lines++;
    char reason[512];
    if (damage) {
        snprintf(reason, sizeof reason, "incomplete line: %s", damage);
        return quarantine(ls, line, offset, reason, text, len, err);
    }
    etl_field f[ETL_NFIELDS];
    ev_status st = etl_scan_line(text, len, f, &r->strings, &ls->stats->unknown_keys, reason, sizeof reason);
    if (st == EV_ERR_NOMEM) return ev_error_set(err, st, "out of memory scanning line %llu", (unsigned long long)line);
    etl_event e;
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
    char *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        EV_TRY(handle_line(r, ls, p, (size_t)(nl - p), ls->offset + (uint64_t)(p - start), NULL, err));
        p = nl + 1;
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
        EV_TRY(handle_line(r, ls, (const char *)r->buf.data, r->buf.len, ls->offset, damage, err));
    r->buf.len = 0;
    return flush(r, ls, err);
}

static ev_status room(etl_reader *r, ev_error *err) {
    if (ev_buf_reserve(&r->buf, OUT_ROOM) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory decompressing");
    return EV_OK;
}

/* ---- the object ---- */

static ev_status read_plain(etl_reader *r, source *src, const uint8_t *data, ssize_t n, line_state *ls,
                            ev_error *err) {
    while (n > 0) {
        ls->stats->bytes_in += (uint64_t)n;
        ls->stats->bytes_out += (uint64_t)n;
        if (ev_buf_append(&r->buf, data, (size_t)n) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        EV_TRY(split_lines(r, ls, err));
        n = source_next(r, src, &data);
    }
    if (n < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot read the object");
    return finish_lines(r, ls, NULL, err);
}

static ev_status read_gzip(etl_reader *r, source *src, const uint8_t *data, ssize_t n, line_state *ls,
                           ev_error *err) {
    struct inflate_state *zs = &r->zs;
    isal_inflate_init(zs);
    zs->crc_flag = ISAL_GZIP;
    zs->next_in = (uint8_t *)data;
    zs->avail_in = (uint32_t)n;
    ls->stats->bytes_in = (uint64_t)n;
    char damage[200] = "";
    for (;;) {
        EV_TRY(room(r, err));
        size_t free_room = r->buf.cap - r->buf.len;
        zs->next_out = r->buf.data + r->buf.len;
        zs->avail_out = (uint32_t)(free_room > UINT32_MAX ? UINT32_MAX : free_room);
        uint32_t in_before = zs->avail_in;
        int rc = isal_inflate(zs);
        size_t produced = free_room - zs->avail_out;
        r->buf.len += produced;
        ls->stats->bytes_out += produced;
        uint64_t consumed = ls->stats->bytes_in - zs->avail_in;
        if (rc < 0) {
            snprintf(damage, sizeof damage, "corrupt gzip data (ISA-L code %d) near compressed offset %llu", rc,
                     (unsigned long long)consumed);
            break;
        }
        EV_TRY(split_lines(r, ls, err));
        if (zs->block_state == ISAL_BLOCK_FINISH) {
            if (zs->avail_in == 0) { /* another member may follow in the next chunk */
                n = source_next(r, src, &data);
                if (n < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot read the object");
                if (n == 0) break;
                ls->stats->bytes_in += (uint64_t)n;
                zs->next_in = (uint8_t *)data;
                zs->avail_in = (uint32_t)n;
            }
            if (zs->avail_in >= 2 && zs->next_in[0] == 0x1f && zs->next_in[1] == 0x8b) {
                uint8_t *next = zs->next_in;
                uint32_t left = zs->avail_in;
                isal_inflate_reset(zs);
                zs->crc_flag = ISAL_GZIP;
                zs->next_in = next;
                zs->avail_in = left;
                continue;
            }
            snprintf(damage, sizeof damage, "%u bytes after the last gzip member at compressed offset %llu are not gzip",
                     zs->avail_in, (unsigned long long)consumed);
            break;
        }
        if (zs->avail_in > 0 && produced < free_room && zs->block_state != ISAL_BLOCK_FINISH &&
            zs->avail_in == in_before) { /* no progress with input and room left: the data is bad */
            snprintf(damage, sizeof damage, "corrupt gzip data near compressed offset %llu",
                     (unsigned long long)consumed);
            break;
        }
        if (zs->avail_in == 0 && produced < free_room) {
            n = source_next(r, src, &data);
            if (n < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot read the object");
            if (n == 0) {
                snprintf(damage, sizeof damage, "truncated gzip member: the object ends at compressed offset %llu",
                         (unsigned long long)ls->stats->bytes_in);
                break;
            }
            ls->stats->bytes_in += (uint64_t)n;
            zs->next_in = (uint8_t *)data;
            zs->avail_in = (uint32_t)n;
        }
    }
    if (damage[0]) snprintf(ls->stats->warning, sizeof ls->stats->warning, "%s", damage);
    return finish_lines(r, ls, damage[0] ? damage : NULL, err);
}

static ev_status read_source(etl_reader *r, source *src, const etl_sink *sink, etl_read_stats *stats, ev_error *err) {
    memset(stats, 0, sizeof *stats);
    r->buf.len = 0;
    line_state ls = {sink, stats, 0, 0, 0, 0};
    const uint8_t *data;
    ssize_t n = source_next(r, src, &data);
    if (n < 0) return ev_error_errno(err, EV_ERR_IO, errno, "cannot read the object");
    if (n == 0) return EV_OK; /* an empty object: no lines */
    if (n >= 2 && data[0] == 0x1f && data[1] == 0x8b) return read_gzip(r, src, data, n, &ls, err);
    return read_plain(r, src, data, n, &ls, err);
}

ev_status etl_reader_read_fd(etl_reader *r, int fd, const etl_sink *sink, etl_read_stats *stats, ev_error *err) {
    source src = {fd, NULL, 0, 0};
    return read_source(r, &src, sink, stats, err);
}

ev_status etl_reader_read_mem(etl_reader *r, const void *data, size_t len, const etl_sink *sink,
                              etl_read_stats *stats, ev_error *err) {
    source src = {-1, data, len, 0};
    if (len == 0) {
        memset(stats, 0, sizeof *stats);
        return EV_OK;
    }
    return read_source(r, &src, sink, stats, err);
}
