/*
 * fuzz/time_parse: ISO-8601 timestamps and durations as users and producers write them.
 * Property: whatever parses formats back (Python isoformat) to a string that parses to the same
 * instant; nothing over-reads (the input is not NUL-terminated).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t t;
    if (ev_time_parse((const char *)data, size, &t) == EV_OK) {
        char text[40];
        size_t n = ev_time_format_py_iso(t, text);
        int64_t back;
        if (ev_time_parse(text, n, &back) != EV_OK || back != t) abort();
    }
    char dur[64];
    if (size < sizeof dur) {
        memcpy(dur, data, size);
        dur[size] = '\0';
        int64_t us;
        if (ev_duration_parse(dur, &us) == EV_OK && us < 0) abort();
    }
    return 0;
}
