/*
 * bench_parquet.c: Parquet write and read throughput for the events schema with ZSTD, bytes per
 * event, side by side with DuckDB on the same rows in the same run.
 *
 * usage: bench_parquet [--rows N] [--reps R] [--level L] [--row-group ROWS] [--page-rows ROWS] [--no-duckdb]
 * Rows follow the `starter` profile of events.md (uniform ids over 90,000 users and sessions, the
 * event-type mix, products within categories, quantity/price only on cart and purchase events, search
 * queries only on searches), in time order, with the writer's default row groups and pages. Strings
 * reach the writer the way
 * the ETL hands them over (codes into its interned dictionaries); a second write measures plain
 * (pointer, length) strings the writer hashes itself. Each figure is the median of R runs after a
 * warm-up. One JSON object per line: {"bench":"parquet","metric":...,"value":...,"unit":...}.
 * DuckDB's figures come from bench/bench_parquet_duckdb.mjs (DuckDB reading our file; DuckDB writing
 * the same rows with ZSTD), run through node after scripts/duckdb-setup.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ev_fs.h"
#include "pq.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void metric(const char *name, double value, const char *unit) {
    printf("{\"bench\":\"parquet\",\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"}\n", name, value, unit);
    fflush(stdout);
}

enum { C_TS, C_USER, C_SESSION, C_TYPE, C_PRODUCT, C_CATEGORY, C_QTY, C_PRICE, C_SEARCH, NCOL };

typedef struct events {
    size_t n;
    int64_t *ts;
    uint32_t *code[NCOL]; /* string columns: codes */
    uint8_t *valid[NCOL];
    int32_t *qty;
    double *price;
    pq_str *dict[NCOL];
    uint32_t dict_n[NCOL];
    pq_str *strs[NCOL]; /* the same strings as (pointer, length) */
    char *pool;
} events;

static const char *const TYPES[] = {"page_view", "add_to_cart", "remove_from_cart", "purchase", "search"};
static const char *const CATS[] = {"electronics", "clothing", "home", "books", "sports", "toys"};
static const char *const QUERIES[] = {"wireless headphones", "running shoes", "coffee maker",
                                      "python books",        "yoga mat",      "laptop stand",
                                      "winter jacket",       "desk lamp"};

static void make_events(events *e, size_t n) {
    memset(e, 0, sizeof *e);
    e->n = n;
    e->ts = malloc(n * 8);
    e->qty = malloc(n * 4);
    e->price = malloc(n * 8);
    for (int c = 0; c < NCOL; c++) {
        e->code[c] = malloc(n * 4);
        e->valid[c] = malloc(n);
        e->strs[c] = malloc(n * sizeof(pq_str));
    }
    e->pool = malloc(2 * 90000 * 8 + 4096);
    char *p = e->pool;
    for (int k = 0; k < 2; k++) {
        int c = k ? C_SESSION : C_USER;
        e->dict[c] = malloc(90000 * sizeof(pq_str));
        for (int i = 0; i < 90000; i++) {
            snprintf(p, 8, "%c_%05d", k ? 's' : 'u', 10000 + i);
            e->dict[c][i] = (pq_str){p, 7};
            p += 8;
        }
        e->dict_n[c] = 90000;
    }
    e->dict[C_TYPE] = malloc(5 * sizeof(pq_str));
    for (int i = 0; i < 5; i++)
        e->dict[C_TYPE][i] = (pq_str){TYPES[i], (uint32_t)strlen(TYPES[i])};
    e->dict_n[C_TYPE] = 5;
    e->dict[C_PRODUCT] = malloc(30 * sizeof(pq_str));
    for (int i = 0; i < 30; i++) {
        snprintf(p, 8, "p_%d%03d", i / 5 + 1, i % 5 + 1);
        e->dict[C_PRODUCT][i] = (pq_str){p, 6};
        p += 8;
    }
    e->dict_n[C_PRODUCT] = 30;
    e->dict[C_CATEGORY] = malloc(6 * sizeof(pq_str));
    for (int i = 0; i < 6; i++)
        e->dict[C_CATEGORY][i] = (pq_str){CATS[i], (uint32_t)strlen(CATS[i])};
    e->dict_n[C_CATEGORY] = 6;
    e->dict[C_SEARCH] = malloc(8 * sizeof(pq_str));
    for (int i = 0; i < 8; i++)
        e->dict[C_SEARCH][i] = (pq_str){QUERIES[i], (uint32_t)strlen(QUERIES[i])};
    e->dict_n[C_SEARCH] = 8;

    uint64_t s = 42;
    int64_t t0 = 1763510400000000LL; /* 2025-11-19T00:00:00Z */
    /* as src/gen does: 600,000 events per 5 minutes, each in its evenly spaced slot plus a jitter of
     * up to one slot (500 us), so times never go backwards */
    for (size_t i = 0; i < n; i++) {
        e->ts[i] = t0 + (int64_t)(i * 500) + (int64_t)(rnd(&s) % 500);
        e->code[C_USER][i] = (uint32_t)(rnd(&s) % 90000);
        e->code[C_SESSION][i] = (uint32_t)(rnd(&s) % 90000);
        uint32_t u = (uint32_t)(rnd(&s) % 100);
        uint32_t type = u < 50 ? 0 : u < 70 ? 1 : u < 80 ? 2 : u < 90 ? 3 : 4;
        e->code[C_TYPE][i] = type;
        bool search = type == 4, cart = type >= 1 && type <= 3;
        uint32_t cat = (uint32_t)(rnd(&s) % 6), prod = cat * 5 + (uint32_t)(rnd(&s) % 5);
        e->valid[C_PRODUCT][i] = e->valid[C_CATEGORY][i] = !search;
        e->code[C_PRODUCT][i] = search ? 0 : prod;
        e->code[C_CATEGORY][i] = search ? 0 : cat;
        e->valid[C_QTY][i] = e->valid[C_PRICE][i] = cart;
        e->qty[i] = cart ? 1 + (int32_t)(rnd(&s) % 5) : 0;
        e->price[i] = cart ? (double)(999 + (int64_t)(rnd(&s) % 29001)) / 100.0 : 0;
        e->valid[C_SEARCH][i] = search;
        e->code[C_SEARCH][i] = search ? (uint32_t)(rnd(&s) % 8) : 0;
    }
    for (int c = C_USER; c <= C_SEARCH; c++) {
        if (c == C_QTY || c == C_PRICE) continue;
        for (size_t i = 0; i < n; i++)
            e->strs[c][i] = e->dict[c][e->code[c][i]];
    }
}

static const pq_column_spec SPEC[NCOL] = {
    {"timestamp", PQ_INT64, PQ_LOGICAL_TIMESTAMP, PQ_UNIT_MICROS, true, false, PQ_WENC_AUTO},
    {"user_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    {"session_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    {"event_type", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    {"product_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    {"category", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    {"quantity", PQ_INT32, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
    {"price", PQ_DOUBLE, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
    {"search_query", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
};

/* Writes all events to path; returns seconds, file size in *bytes, peak writer memory in *mem. */
static size_t g_rg_rows = 0, g_page_rows = 0; /* 0: the writer's defaults */

static double write_file(const events *e, const char *path, bool coded, int level, uint64_t *bytes,
                         size_t *mem) {
    pq_writer_options o;
    pq_writer_options_init(&o);
    if (g_rg_rows) o.row_group_rows = g_rg_rows;
    if (g_page_rows) o.page_rows = g_page_rows;
    o.codec = PQ_CODEC_ZSTD;
    o.level = level;
    pq_writer *w;
    ev_error err = {0};
    double t = now_s();
    if (pq_writer_open_file(path, false, SPEC, NCOL, &o, &w, &err) != EV_OK) {
        fprintf(stderr, "bench_parquet: %s\n", err.msg);
        exit(2);
    }
    size_t batch = 65536, peak = 0;
    for (size_t i = 0; i < e->n; i += batch) {
        size_t k = e->n - i < batch ? e->n - i : batch;
        pq_col_batch b[NCOL];
        memset(b, 0, sizeof b);
        b[C_TS].values = e->ts + i;
        b[C_QTY].values = e->qty + i;
        b[C_QTY].valid = e->valid[C_QTY] + i;
        b[C_PRICE].values = e->price + i;
        b[C_PRICE].valid = e->valid[C_PRICE] + i;
        for (int c = C_USER; c <= C_SEARCH; c++) {
            if (c == C_QTY || c == C_PRICE) continue;
            if (c >= C_PRODUCT) b[c].valid = e->valid[c] + i;
            if (coded) {
                b[c].codes = e->code[c] + i;
                b[c].dict = e->dict[c];
                b[c].dict_n = e->dict_n[c];
            } else {
                b[c].values = e->strs[c] + i;
            }
        }
        if (pq_writer_write_batch(w, b, k, &err) != EV_OK) {
            fprintf(stderr, "bench_parquet: %s\n", err.msg);
            exit(2);
        }
        size_t m = pq_writer_memory(w);
        if (m > peak) peak = m;
    }
    pq_write_result res;
    if (pq_writer_close(w, &res, &err) != EV_OK) {
        fprintf(stderr, "bench_parquet: %s\n", err.msg);
        exit(2);
    }
    t = now_s() - t;
    *bytes = res.bytes;
    if (mem) *mem = peak;
    return t;
}

/* Decodes every column of every row group; returns seconds. */
static double read_file(const char *path, unsigned flags, uint64_t *check, uint64_t *scanned) {
    double t = now_s();
    pq_reader *r;
    ev_error err = {0};
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) {
        fprintf(stderr, "bench_parquet: %s\n", err.msg);
        exit(2);
    }
    const pq_file_meta *m = pq_reader_meta(r);
    uint64_t sum = 0;
    for (size_t g = 0; g < m->num_row_groups; g++) {
        for (size_t c = 0; c < m->num_columns; c++) {
            pq_column_reader *cr;
            if (pq_column_open(r, g, c, flags, &cr, &err) != EV_OK) {
                fprintf(stderr, "bench_parquet: %s\n", err.msg);
                exit(2);
            }
            for (;;) {
                pq_vector v;
                if (pq_column_next(cr, &v, &err) != EV_OK) {
                    fprintf(stderr, "bench_parquet: %s\n", err.msg);
                    exit(2);
                }
                if (!v.n) break;
                sum += v.n + v.null_count;
                if (v.is_dict)
                    sum += v.codes[v.n - 1];
                else if (v.kind == PQ_VEC_BYTES)
                    sum += ((const pq_str *)v.values)[v.n - 1].len;
                else
                    sum += ((const uint8_t *)v.values)[0];
            }
            pq_column_close(cr);
        }
    }
    *scanned = pq_reader_bytes_read(r);
    pq_reader_close(r);
    *check = sum;
    return now_s() - t;
}

int main(int argc, char **argv) {
    size_t rows = 2000000;
    int reps = 5, level = 3;
    bool duck = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rows") && i + 1 < argc)
            rows = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--level") && i + 1 < argc)
            level = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--row-group") && i + 1 < argc)
            g_rg_rows = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--page-rows") && i + 1 < argc)
            g_page_rows = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--no-duckdb"))
            duck = false;
        else {
            fprintf(stderr, "usage: bench_parquet [--rows N] [--reps R] [--level L] [--row-group ROWS] "
                            "[--page-rows ROWS] [--no-duckdb]\n");
            return 1;
        }
    }
    if (reps < 1 || reps > 50 || rows == 0) {
        fprintf(stderr, "bench_parquet: bad --rows or --reps\n");
        return 1;
    }
    char dir[] = "/tmp/evlake-bench-pq-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char path[256], path2[256];
    snprintf(path, sizeof path, "%s/events.parquet", dir);
    snprintf(path2, sizeof path2, "%s/events-strs.parquet", dir);
    events e;
    make_events(&e, rows);
    /* raw size: what the columns hold in memory (strings as their bytes) */
    double raw = (double)rows * (8 + 4 + 8);
    for (int c = C_USER; c <= C_SEARCH; c++) {
        if (c == C_QTY || c == C_PRICE) continue;
        for (size_t i = 0; i < rows; i++)
            if (c < C_PRODUCT || e.valid[c][i]) raw += e.strs[c][i].len;
    }
    double *tw = calloc((size_t)reps, sizeof *tw), *tw2 = calloc((size_t)reps, sizeof *tw2);
    double *tr = calloc((size_t)reps, sizeof *tr), *trc = calloc((size_t)reps, sizeof *trc);
    uint64_t bytes = 0, bytes2 = 0, chk = 0, chk2 = 0, scanned = 0;
    size_t mem = 0;
    write_file(&e, path, true, level, &bytes, &mem); /* warm-up */
    for (int i = 0; i < reps; i++)
        tw[i] = write_file(&e, path, true, level, &bytes, &mem);
    write_file(&e, path2, false, level, &bytes2, NULL);
    for (int i = 0; i < reps; i++)
        tw2[i] = write_file(&e, path2, false, level, &bytes2, NULL);
    read_file(path, 0, &chk, &scanned);
    for (int i = 0; i < reps; i++)
        tr[i] = read_file(path, 0, &chk, &scanned);
    for (int i = 0; i < reps; i++)
        trc[i] = read_file(path, PQ_READ_DICT_CODES, &chk2, &scanned);
    double w = median(tw, reps), w2 = median(tw2, reps), r = median(tr, reps), rc = median(trc, reps);
    metric("rows", (double)rows, "rows");
    metric("zstd_level", level, "level");
    pq_writer_options dflt;
    pq_writer_options_init(&dflt);
    metric("row_group_rows", (double)(g_rg_rows ? g_rg_rows : dflt.row_group_rows), "rows");
    metric("page_rows", (double)(g_page_rows ? g_page_rows : dflt.page_rows), "rows");
    metric("write_rows_per_s", (double)rows / w, "rows/s");
    metric("write_mb_per_s", raw / w / 1e6, "MB/s (column data in)");
    metric("write_strings_hashed_rows_per_s", (double)rows / w2, "rows/s");
    metric("writer_peak_memory", (double)mem / 1e6, "MB");
    metric("file_bytes", (double)bytes, "bytes");
    metric("bytes_per_event", (double)bytes / (double)rows, "B/event");
    metric("read_rows_per_s", (double)rows / r, "rows/s");
    metric("read_mb_per_s", raw / r / 1e6, "MB/s (column data out)");
    metric("read_file_mb_per_s", (double)bytes / r / 1e6, "MB/s (file)");
    metric("read_dict_codes_rows_per_s", (double)rows / rc, "rows/s");
    metric("bytes_scanned", (double)scanned, "bytes");
    int rc_node = 0;
    if (duck) {
        char cmd[2048], self[1024];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        /* the repository root: build/<dir>/bench/bench_parquet -> ../../.. */
        char root[1024];
        snprintf(root, sizeof root, "%s", self);
        for (int k = 0; k < 4; k++) {
            char *s = strrchr(root, '/');
            if (s) *s = 0;
        }
        snprintf(
            cmd, sizeof cmd,
            "cd '%s' && sh scripts/duckdb-setup.sh >&2 && cp bench/bench_parquet_duckdb.mjs build/duckdb/ && "
            "node build/duckdb/bench_parquet_duckdb.mjs '%s' %zu %d %.6g %.6g %.6g %.6g",
            root, path, rows, reps, (double)rows / w, (double)rows / r, (double)bytes / (double)rows,
            (double)rows / rc);
        rc_node = system(cmd);
        if (rc_node != 0) fprintf(stderr, "bench_parquet: the DuckDB side failed (status %d)\n", rc_node);
    }
    if (getenv("BENCH_PARQUET_KEEP")) {
        fprintf(stderr, "bench_parquet: kept %s\n", path);
        return rc_node ? 2 : 0;
    }
    unlink(path);
    unlink(path2);
    rmdir(dir);
    (void)chk;
    (void)chk2;
    return rc_node ? 2 : 0;
}
