/*
 * fuzz/jsonl: any bytes as a JSON Lines stream: split into lines (from memory, and from a source
 * that hands out tiny chunks, with a small line limit), each line scanned against the events schema.
 * Properties: no crash or over-read; both splittings agree with each other and with a naive split
 * (numbers, offsets, lengths, too-long flags); a scanned line's values lie in the line or the
 * scratch, numbers re-parse to the same double, decoded strings are valid UTF-8; an error has a
 * reason and a column within the line (or just past it); the number helpers agree with the
 * scanner on the whole input taken as a number.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct chunky {
    const uint8_t *data;
    size_t len, pos, step;
    uint8_t *cur;
} chunky;

static ev_status chunky_read(void *ctx, const uint8_t **ptr, size_t *len, ev_error *err) {
    (void)err;
    chunky *c = ctx;
    free(c->cur);
    c->cur = NULL;
    size_t n = c->len - c->pos;
    if (n > 1 + c->step % 13) n = 1 + c->step % 13;
    c->step++;
    *ptr = NULL;
    *len = n;
    if (n == 0) return EV_OK;
    c->cur = malloc(n); /* a fresh copy per chunk: ASan catches stale pointers */
    if (!c->cur) abort();
    memcpy(c->cur, c->data + c->pos, n);
    c->pos += n;
    *ptr = c->cur;
    return EV_OK;
}

static int valid_utf8(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t k = c < 0x80                ? 1
                   : c >= 0xC2 && c < 0xE0 ? 2
                   : c >= 0xE0 && c < 0xF0 ? 3
                   : c >= 0xF0 && c < 0xF5 ? 4
                                           : 0;
        if (!k || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[i + 1] < 0xA0) return 0;
        if (c == 0xED && p[i + 1] > 0x9F) return 0;
        if (c == 0xF0 && p[i + 1] < 0x90) return 0;
        if (c == 0xF4 && p[i + 1] > 0x8F) return 0;
        i += k;
    }
    return 1;
}

static void check_scan(js_scanner *sc, const js_line *line) {
    js_value v[JS_EV_NFIELDS];
    js_scan_info info;
    ev_error err;
    ev_status st = js_scan(sc, line->ptr, line->len, line->number, v, &info, &err);
    if (st == EV_ERR_INPUT) {
        if (!info.err_reason || info.err_col < 1 || info.err_col > line->len + 1 || !err.msg[0]) abort();
        return;
    }
    if (st != EV_OK) abort();
    for (int i = 0; i < JS_EV_NFIELDS; i++) {
        const js_value *x = &v[i];
        if (x->type == JS_ABSENT || x->type == JS_NULL || x->type == JS_BOOL) continue;
        if (x->col < 1 || x->col > line->len) abort();
        if (x->len) (void)((volatile const char *)x->ptr)[x->len - 1];
        if (x->type == JS_STRING) {
            if (!x->escaped && (x->ptr < line->ptr || x->ptr + x->len > line->ptr + line->len)) abort();
            if (!valid_utf8((const uint8_t *)x->ptr, x->len)) abort();
            if (x->escaped) continue;
        } else if (x->ptr < line->ptr || x->ptr + x->len > line->ptr + line->len) {
            abort();
        }
        if (x->type == JS_NUMBER) {
            double d;
            js_num_status ns = js_parse_double(x->ptr, x->len, &d);
            if (ns == JS_NUM_NOT_NUMBER) abort();
            if (ns == JS_NUM_OK && !(d == x->d || (d != d && x->d != x->d))) abort();
            int32_t q;
            (void)js_value_int32(x, &q, NULL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ev_error err;
    js_schema schema;
    js_lines *a, *b;
    js_scanner *sc;
    if (js_schema_init_events(&schema, &err) != EV_OK) abort();
    if (js_lines_create(NULL, 0, &a, &err) != EV_OK || js_lines_create(NULL, 64, &b, &err) != EV_OK ||
        js_scanner_create(NULL, &schema, 16, &sc, &err) != EV_OK)
        abort();
    js_lines_reset_mem(a, data, size);
    chunky c = {data, size, 0, size, NULL};
    js_lines_reset(b, chunky_read, &c);
    uint64_t expect_off = 0, n = 0;
    for (;;) {
        js_line la, lb;
        int ha, hb;
        if (js_lines_next(a, &la, &ha, &err) != EV_OK || js_lines_next(b, &lb, &hb, &err) != EV_OK) abort();
        if (ha != hb) abort();
        if (!ha) break;
        n++;
        if (la.number != n || lb.number != n || la.offset != expect_off || lb.offset != expect_off) abort();
        if (la.too_long || la.cut || lb.cut || la.full_len != lb.full_len || la.len != la.full_len) abort();
        if (lb.too_long != (lb.full_len > 64) || lb.len != (lb.too_long ? 64 : lb.full_len)) abort();
        if (memcmp(la.ptr, lb.ptr, lb.len) != 0) abort();
        /* the naive split: the line runs to the next '\n' (or the end), minus a final '\r' */
        const uint8_t *nl = memchr(data + expect_off, '\n', size - expect_off);
        uint64_t raw = nl ? (uint64_t)(nl - (data + expect_off)) : size - expect_off;
        uint64_t want = raw && data[expect_off + raw - 1] == '\r' ? raw - 1 : raw;
        if (la.full_len != want) abort();
        expect_off += raw + (nl ? 1 : 0);
        check_scan(sc, &la);
    }
    if (expect_off != size) abort();
    free(c.cur);

    /* the whole input as a number */
    int32_t i32;
    double d;
    js_num_status si = js_parse_int32((const char *)data, size, &i32);
    js_num_status sd = js_parse_double((const char *)data, size, &d);
    if ((si == JS_NUM_NOT_NUMBER) != (sd == JS_NUM_NOT_NUMBER)) abort();
    if (si == JS_NUM_OK && sd == JS_NUM_OK && (double)i32 != d) abort();

    js_lines_destroy(a);
    js_lines_destroy(b);
    js_scanner_destroy(sc);
    return 0;
}
