/*
 * bench_gen.c: generator throughput, as JSON lines (one object per measurement).
 *
 *   bench_gen [--objects N] [--events N] [--threads N] [--runs N] [--dir DIR]
 *
 * Backfills N objects of a fixed event count into a scratch lake, a warm-up and then --runs
 * timed runs, and reports the median. The default is the target case: 24 hours
 * (288 objects of 600,000 events = 172.8 M events) on 2 threads, target <= 90 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev_fs.h"
#include "ev_time.h"
#include "gen.h"
#include "store.h"

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int run_once(const char *dir, const gen_options *o, gen_stats *st) {
    ev_error err;
    store *s;
    if (ev_remove_tree(dir, &err) != EV_OK || store_open_local(dir, NULL, &s, &err) != EV_OK ||
        gen_run(s, o, NULL, NULL, NULL, st, &err) != EV_OK) {
        fprintf(stderr, "bench_gen: %s\n", err.msg);
        return 1;
    }
    store_close(s);
    return 0;
}

int main(int argc, char **argv) {
    gen_options o;
    gen_options_default(&o);
    o.objects = 288;
    o.events_min = o.events_max = 600000;
    o.threads = 2;
    o.start_usec = INT64_C(1763596800000000); /* 2025-11-20T00:00:00Z */
    int runs = 5;
    const char *dir = "build/bench-gen-lake";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--objects")) o.objects = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--events")) o.events_min = o.events_max = (uint32_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) o.threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
    }
    if (runs < 1 || runs > 100) runs = 5;
    gen_stats st;
    if (run_once(dir, &o, &st)) return 2; /* warm-up */
    int64_t times[100];
    for (int r = 0; r < runs; r++) {
        if (run_once(dir, &o, &st)) return 2;
        times[r] = st.elapsed_usec;
    }
    qsort(times, (size_t)runs, sizeof times[0], cmp_i64);
    double secs = (double)times[runs / 2] / 1e6;
    printf("{\"bench\": \"gen_backfill\", \"profile\": \"starter\", \"objects\": %zu, \"events\": %llu, "
           "\"threads\": %d, \"runs\": %d, \"median_seconds\": %.3f, \"events_per_sec\": %.0f, "
           "\"raw_bytes\": %llu, \"gz_bytes\": %llu, \"gz_bytes_per_event\": %.2f, "
           "\"target_seconds_for_172.8M_events\": 90, \"projected_seconds_for_172.8M_events\": %.1f}\n",
           st.objects, (unsigned long long)st.events, o.threads, runs, secs, (double)st.events / secs,
           (unsigned long long)st.raw_bytes, (unsigned long long)st.gz_bytes,
           (double)st.gz_bytes / (double)st.events, 172.8e6 / ((double)st.events / secs));
    ev_error err;
    if (ev_remove_tree(dir, &err) != EV_OK) fprintf(stderr, "bench_gen: %s\n", err.msg);
    return 0;
}
