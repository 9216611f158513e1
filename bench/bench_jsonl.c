/*
 * bench_jsonl: the ETL's input side on one core, on one starter-profile object (600,000 events,
 * events.md formatting, ~225 bytes a line): line splitting, the JSON scanner, ISA-L inflate through
 * gz_reader, and the three together. Prints one JSON line per measurement: the median of 5 runs
 * after a warm-up. Usage: bench_jsonl [events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ev_time.h"
#include "gz_reader.h"
#include "jsonl.h"

#define RUNS 5

static const char *const TYPES[] = {"page_view", "page_view",   "page_view",   "page_view",
                                    "page_view", "add_to_cart", "add_to_cart", "remove_from_cart",
                                    "purchase",  "search"};
static const char *const CATS[] = {"electronics", "clothing", "home", "books", "sports", "toys"};
static const char *const QUERIES[] = {"wireless headphones", "running shoes", "coffee maker",
                                      "python books",        "yoga mat",      "laptop stand",
                                      "winter jacket",       "desk lamp"};

static uint64_t rng(uint64_t *s) {
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

static void make_object(ev_buf *b, size_t n) {
    uint64_t s = 42;
    int64_t t = INT64_C(1763574294718325);
    for (size_t i = 0; i < n; i++) {
        const char *type = TYPES[rng(&s) % 10];
        int search = strcmp(type, "search") == 0;
        int cart = type[0] == 'a' || type[0] == 'r' || type[1] == 'u';
        int c = (int)(rng(&s) % 6);
        char ts[40];
        t += (int64_t)(rng(&s) % 1000);
        if (rng(&s) % 1000000 == 0) t -= t % 1000000;
        size_t tl = ev_time_format_py_iso(t, ts);
        ts[tl] = '\0';
        char prod[16], qty[8], price[16], cat[24], query[32];
        if (search) {
            strcpy(prod, "null");
            strcpy(cat, "null");
            snprintf(query, sizeof query, "\"%s\"", QUERIES[rng(&s) % 8]);
        } else {
            snprintf(prod, sizeof prod, "\"p_%d00%d\"", c + 1, (int)(rng(&s) % 5) + 1);
            snprintf(cat, sizeof cat, "\"%s\"", CATS[c]);
            strcpy(query, "null");
        }
        if (cart) {
            snprintf(qty, sizeof qty, "%d", (int)(rng(&s) % 5) + 1);
            unsigned cents = 999 + (unsigned)(rng(&s) % 29001);
            snprintf(price, sizeof price, "%u.%02u", cents / 100, cents % 100);
        } else {
            strcpy(qty, "null");
            strcpy(price, "null");
        }
        if (ev_buf_printf(b,
                          "%s{\"timestamp\": \"%s\", \"user_id\": \"u_%05d\", \"session_id\": \"s_%05d\", "
                          "\"event_type\": \"%s\", \"product_id\": %s, \"quantity\": %s, \"price\": %s, "
                          "\"category\": %s, \"search_query\": %s}",
                          i ? "\n" : "", ts, 10000 + (int)(rng(&s) % 90000), 10000 + (int)(rng(&s) % 90000),
                          type, prod, qty, price, cat, query) != EV_OK)
            exit(2);
    }
}

static void gzip_buf(const ev_buf *in, ev_buf *out) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(2);
    uLong bound = deflateBound(&zs, (uLong)in->len);
    if (ev_buf_reserve(out, bound) != EV_OK) exit(2);
    zs.next_in = in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = out->data;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) exit(2);
    out->len = zs.total_out;
    deflateEnd(&zs);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct ctx {
    const ev_buf *raw, *gz;
    js_lines *lines;
    js_scanner *scanner;
    gz_reader *gzr;
    uint64_t count, check;
} ctx;

static void die(const ev_error *err) {
    fprintf(stderr, "bench_jsonl: %s\n", err->msg);
    exit(1);
}

/* Splitting only. */
static void run_split(ctx *c) {
    ev_error err;
    js_line line;
    int have;
    js_lines_reset_mem(c->lines, c->raw->data, c->raw->len);
    c->count = 0;
    while (js_lines_next(c->lines, &line, &have, &err) == EV_OK && have)
        c->count++;
}

/* Splitting and scanning from memory. */
static void run_scan(ctx *c) {
    ev_error err;
    js_line line;
    int have;
    js_value v[JS_EV_NFIELDS];
    js_lines_reset_mem(c->lines, c->raw->data, c->raw->len);
    c->count = 0;
    while (js_lines_next(c->lines, &line, &have, &err) == EV_OK && have) {
        if (js_scan(c->scanner, line.ptr, line.len, line.number, v, NULL, &err) != EV_OK) die(&err);
        c->check += v[JS_EV_USER_ID].len + (uint64_t)v[JS_EV_QUANTITY].i;
        c->count++;
    }
}

/* Inflate only. */
static void run_inflate(ctx *c) {
    ev_error err;
    const uint8_t *p;
    size_t n;
    gz_reader_reset_mem(c->gzr, c->gz->data, c->gz->len);
    c->count = 0;
    for (;;) {
        if (gz_reader_read(c->gzr, &p, &n, &err) != EV_OK) die(&err);
        if (!n) break;
        c->count += n;
        c->check += p[n - 1];
    }
}

/* The peer for inflate: zlib on the same object, into the same 1 MiB window. */
static void run_zlib(ctx *c) {
    static uint8_t out[1u << 20];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK) exit(2);
    zs.next_in = c->gz->data;
    zs.avail_in = (uInt)c->gz->len;
    c->count = 0;
    int rc;
    do {
        zs.next_out = out;
        zs.avail_out = sizeof out;
        rc = inflate(&zs, Z_NO_FLUSH);
        c->count += sizeof out - zs.avail_out;
    } while (rc == Z_OK);
    if (rc != Z_STREAM_END) exit(2);
    inflateEnd(&zs);
}

/* Everything: inflate, split, scan. */
static void run_all(ctx *c) {
    ev_error err;
    js_line line;
    int have;
    js_value v[JS_EV_NFIELDS];
    gz_reader_reset_mem(c->gzr, c->gz->data, c->gz->len);
    js_lines_reset_gz(c->lines, c->gzr);
    c->count = 0;
    ev_status st;
    while ((st = js_lines_next(c->lines, &line, &have, &err)) == EV_OK && have) {
        if (js_scan(c->scanner, line.ptr, line.len, line.number, v, NULL, &err) != EV_OK) die(&err);
        c->check += v[JS_EV_USER_ID].len;
        c->count++;
    }
    if (st != EV_OK) die(&err);
}

static double median_secs(ctx *c, void (*fn)(ctx *)) {
    double t[RUNS];
    fn(c); /* warm-up */
    for (int i = 0; i < RUNS; i++) {
        int64_t t0 = ev_time_monotonic();
        fn(c);
        t[i] = (double)(ev_time_monotonic() - t0) / 1e6;
    }
    qsort(t, RUNS, sizeof *t, cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 600000;
    ev_buf raw, gz;
    ev_buf_init(&raw, NULL);
    ev_buf_init(&gz, NULL);
    make_object(&raw, n);
    gzip_buf(&raw, &gz);
    ev_error err;
    js_schema schema;
    ctx c = {&raw, &gz, NULL, NULL, NULL, 0, 0};
    if (js_schema_init_events(&schema, &err) != EV_OK || js_lines_create(NULL, 0, &c.lines, &err) != EV_OK ||
        js_scanner_create(NULL, &schema, 0, &c.scanner, &err) != EV_OK ||
        gz_reader_create(NULL, NULL, &c.gzr, &err) != EV_OK)
        die(&err);
    double mb = (double)raw.len / 1e6;
    double s;

    s = median_secs(&c, run_split);
    printf("{\"bench\": \"jsonl_split\", \"events\": %zu, \"lines_per_s\": %.0f, \"mb_per_s\": %.0f, "
           "\"runs\": %d}\n",
           n, (double)c.count / s, mb / s, RUNS);
    s = median_secs(&c, run_scan);
    printf("{\"bench\": \"jsonl_scan\", \"events\": %zu, \"bytes_per_line\": %.1f, \"lines_per_s\": %.0f, "
           "\"mb_per_s\": %.0f, \"target_lines_per_s\": 5000000, \"runs\": %d}\n",
           n, (double)raw.len / (double)n, (double)c.count / s, mb / s, RUNS);
    s = median_secs(&c, run_inflate);
    double zs = median_secs(&c, run_zlib);
    printf("{\"bench\": \"gz_inflate\", \"gz_bytes\": %zu, \"raw_bytes\": %zu, \"mb_per_s\": %.0f, "
           "\"zlib_mb_per_s\": %.0f, \"ratio_vs_zlib\": %.2f, \"runs\": %d}\n",
           gz.len, raw.len, mb / s, mb / zs, zs / s, RUNS);
    s = median_secs(&c, run_all);
    printf("{\"bench\": \"gz_jsonl_scan\", \"events\": %zu, \"lines_per_s\": %.0f, \"mb_per_s\": %.0f, "
           "\"runs\": "
           "%d}\n",
           n, (double)c.count / s, mb / s, RUNS);
    if (c.check == 42) puts("");
    js_lines_destroy(c.lines);
    js_scanner_destroy(c.scanner);
    gz_reader_close(c.gzr);
    ev_buf_free(&raw);
    ev_buf_free(&gz);
    return 0;
}
