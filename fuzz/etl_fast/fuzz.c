/*
 * fuzz/etl_fast: the ETL's fast line path against the general one (a differential target).
 * The input is split into lines, typed in order through one fast-path state (so the cached hour
 * of the timestamps carries from line to line, as in a real object). Property: whenever
 * etl_scan_fast accepts a line, etl_scan_line + etl_event_from_fields accept it too, with no
 * unknown key, and give the same event: the same timestamp, the same string pointers and lengths,
 * the same quantity and the same price bits (so -0.0 and every rounding are checked).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etl_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len, etl_fast_state *fs, ev_arena *arena) {
    etl_event fast;
    memset(&fast, 0xA5, sizeof fast); /* every field must be written */
    if (!etl_scan_fast(line, len, fs, &fast)) return;
    etl_field f[ETL_NFIELDS];
    etl_event slow;
    uint64_t unknown = 0;
    char reason[512];
    if (etl_scan_line(line, len, f, arena, &unknown, reason, sizeof reason) != EV_OK || unknown) abort();
    if (etl_event_from_fields(f, &slow, reason, sizeof reason) != EV_OK) abort();
    if (fast.ts_usec != slow.ts_usec || fast.quantity != slow.quantity || fast.has_quantity != slow.has_quantity ||
        fast.has_price != slow.has_price || memcmp(&fast.price, &slow.price, sizeof fast.price) != 0)
        abort();
    for (int c = 0; c < ETL_NSTRING_COLS; c++)
        if (fast.str[c] != slow.str[c] || (fast.str[c] && fast.str_len[c] != slow.str_len[c])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    etl_fast_state fs;
    memset(&fs, 0, sizeof fs);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char *line = malloc(len ? len : 1); /* exactly the line's bytes: a read past its end is caught */
        if (!line) break;
        memcpy(line, p, len);
        check_line(line, len, &fs, &arena);
        free(line);
        ev_arena_reset(&arena);
        p = nl ? nl + 1 : end;
    }
    ev_arena_destroy(&arena);
    return 0;
}
