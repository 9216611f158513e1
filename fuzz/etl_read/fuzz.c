/*
 * fuzz/etl_read: a raw object (gzip or plain JSON Lines, damaged or not) through the ETL's reader.
 * Properties: no crash or over-read; every counted line is a row or a quarantined line
 * (lines == rows + quarantined); quarantined lines carry a reason and a line number in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etl_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct counts {
    uint64_t rows, bad, last_line;
} counts;

static ev_status on_row(void *ctx, const etl_event *e, ev_error *err) {
    (void)err;
    counts *c = ctx;
    for (int i = 0; i < ETL_NSTRING_COLS; i++)
        if (e->str[i] && e->str_len[i]) (void)((volatile const char *)e->str[i])[e->str_len[i] - 1];
    c->rows++;
    return EV_OK;
}

static ev_status on_flush(void *ctx, ev_error *err) {
    (void)ctx;
    (void)err;
    return EV_OK;
}

static ev_status on_bad(void *ctx, uint64_t line, uint64_t offset, const char *reason, const void *raw, size_t len,
                        ev_error *err) {
    (void)offset;
    (void)err;
    counts *c = ctx;
    if (!reason[0] || line == 0 || line <= c->last_line) abort();
    if (len) (void)((volatile const char *)raw)[len - 1];
    c->last_line = line;
    c->bad++;
    return EV_OK;
}

/* One reader for the whole run (its buffers are large): inputs also check it resets between objects. */
static etl_reader *fuzz_reader;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ev_error err;
    if (!fuzz_reader && etl_reader_create(4096, &fuzz_reader, &err) != EV_OK) return 0;
    etl_reader *r = fuzz_reader;
    counts c = {0, 0, 0};
    etl_sink sink = {on_row, on_flush, on_bad, &c};
    etl_read_stats st;
    if (etl_reader_read_mem(r, data, size, &sink, &st, &err) == EV_OK) {
        if (st.lines != st.rows + st.quarantined || st.rows != c.rows || st.quarantined != c.bad) abort();
    }
    return 0;
}
