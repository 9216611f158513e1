/*
 * fuzz/sched_expr: AWS rate/cron schedule expressions as users write them in the pipeline file.
 * Properties: parsing never crashes or over-reads; whatever parses fires at least once, every
 * next() is strictly after its `after` and matches the schedule again (next of next-1µs is the same
 * instant), and format -> parse round-trips to an equal expression whose format is identical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"
#include "sched_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char text[512];
    if (size >= sizeof text) size = sizeof text - 1;
    memcpy(text, data, size);
    text[size] = '\0';
    sched_expr e;
    ev_error err;
    int col = -1;
    if (sched_expr_parse_at(text, &e, &col, &err) != EV_OK) {
        if (err.code != EV_ERR_INPUT || err.msg[0] == '\0') abort();
        if (col < 0 || (size_t)col > strlen(text) + 1) abort();
        return 0;
    }
    /* a few `after` instants derived from the input, including extremes */
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211u;
    const int64_t afters[] = {INT64_MIN,   -1,       0, 1, (int64_t)(h % (UINT64_C(7258118400) * 1000000)),
                              EV_TIME_MAX, INT64_MAX};
    int fired = 0;
    for (size_t i = 0; i < sizeof afters / sizeof afters[0]; i++) {
        int64_t next;
        if (sched_expr_next(&e, afters[i], &next) != EV_OK) continue;
        fired++;
        if (next <= afters[i]) abort();
        int64_t again;
        if (sched_expr_next(&e, next - 1, &again) != EV_OK || again != next) abort();
        int64_t after_next;
        if (sched_expr_next(&e, next, &after_next) == EV_OK && after_next <= next) abort();
    }
    if (!fired) abort(); /* parse promises at least one fire time */
    char out[SCHED_EXPR_FORMAT_MAX], out2[SCHED_EXPR_FORMAT_MAX];
    size_t n = sched_expr_format(&e, out, sizeof out);
    if (n >= sizeof out || n != strlen(out)) abort();
    sched_expr back;
    if (sched_expr_parse(out, &back, &err) != EV_OK) abort();
    if (!sched_expr_equal(&e, &back)) abort();
    sched_expr_format(&back, out2, sizeof out2);
    if (strcmp(out, out2) != 0) abort();
    return 0;
}
