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

static int same_event(const etl_event *a, const etl_event *b) {
    if (a->ts_usec != b->ts_usec || a->quantity != b->quantity || a->has_quantity != b->has_quantity ||
        a->has_price != b->has_price || memcmp(&a->price, &b->price, sizeof a->price) != 0)
        return 0;
    for (int c = 0; c < ETL_NSTRING_COLS; c++)
        if (a->str[c] != b->str[c] || (a->str[c] && a->str_len[c] != b->str_len[c])) return 0;
    return 1;
}

/* `line` is followed by a newline at line[len] (the stream form) */
static void check_line(const char *line, size_t len, etl_fast_state *fs, ev_arena *arena) {
    etl_event fast, next;
    memset(&fast, 0xA5, sizeof fast); /* every field must be written */
    etl_fast_state fs2 = *fs;
    const char *nl = etl_scan_fast_next(line, line + len + 1, &fs2, &next);
    int took = etl_scan_fast(line, len, fs, &fast);
    /* the stream form takes the same lines (split at newlines here) with the same event */
    if (!!nl != took || (nl && (nl != line + len || !same_event(&fast, &next)))) abort();
    if (!took) return;
    etl_field f[ETL_NFIELDS];
    etl_event slow;
    uint64_t unknown = 0;
    char reason[512];
    if (etl_scan_line(line, len, f, arena, &unknown, reason, sizeof reason) != EV_OK || unknown) abort();
    if (etl_event_from_fields(f, &slow, reason, sizeof reason) != EV_OK) abort();
    if (!same_event(&fast, &slow)) abort();
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
        char *line = malloc(len + 1); /* exactly the line and a newline: a read past them is caught */
        if (!line) break;
        memcpy(line, p, len);
        line[len] = '\n';
        check_line(line, len, &fs, &arena);
        free(line);
        ev_arena_reset(&arena);
        p = nl ? nl + 1 : end;
    }
    ev_arena_destroy(&arena);
    return 0;
}
