/*
 * bench_queries.c: the questions of queries.sql through the SQL engine, in process, the way
 * shared/tools/duckdb/bench-queries.mjs times DuckDB (a warm-up run, then the median of R runs).
 *
 * usage: bench_queries --home LAKE --queries FILE [--reps R] [--threads N]
 * The statements of FILE run unchanged, in order; each prints one JSON line with its name (from the
 * comment line above it, e.g. "-- Q1 conversion funnel"), median/min/max milliseconds, result rows,
 * bytes scanned, and whether it was answered from metadata. bench/bench_queries.py puts DuckDB's
 * figures beside them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec.h"
#include "sql.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *read_text(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) s[n] = 0;
    *len = (size_t)n;
    return s;
}

/* The name of the statement starting at `at`: the "-- Qn" comment closest above it. */
static void stmt_name(const char *text, size_t at, char *out, size_t cap) {
    snprintf(out, cap, "statement");
    const char *best = NULL;
    for (const char *p = strstr(text, "-- Q"); p && (size_t)(p - text) < at; p = strstr(p + 1, "-- Q"))
        best = p;
    if (!best) return;
    size_t k = 0;
    for (const char *p = best + 3; *p && *p != ' ' && *p != '\n' && k + 1 < cap; p++)
        out[k++] = *p;
    out[k] = 0;
}

static int run_one(exec_session *s, const sql_stmt *st, const char *name, int reps) {
    double *ms = calloc((size_t)reps, sizeof *ms);
    exec_result *r = NULL;
    ev_error err = {0};
    size_t rows = 0;
    uint64_t bytes = 0;
    bool meta = false;
    for (int i = 0; i <= reps; i++) { /* i == 0: warm-up */
        double t0 = now_ms();
        if (exec_run(s, st, &r, &err) != EV_OK) {
            fprintf(stderr, "bench_queries: %s: %s\n", name, err.msg);
            free(ms);
            return 1;
        }
        double t = now_ms() - t0;
        rows = exec_result_rows(r);
        bytes = exec_result_stats(r)->bytes_scanned;
        meta = exec_result_stats(r)->from_metadata;
        exec_result_free(r);
        if (i) ms[i - 1] = t;
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_d);
    printf("{\"bench\":\"query\",\"query\":\"%s\",\"median_ms\":%.2f,\"min_ms\":%.2f,\"max_ms\":%.2f,"
           "\"result_rows\":%zu,\"bytes_scanned\":%llu,\"from_metadata\":%s,\"reps\":%d}\n",
           name, ms[reps / 2], ms[0], ms[reps - 1], rows, (unsigned long long)bytes, meta ? "true" : "false",
           reps);
    fflush(stdout);
    free(ms);
    return 0;
}

int main(int argc, char **argv) {
    const char *home = NULL, *file = NULL;
    int reps = 5, threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--home")) home = argv[i + 1];
        else if (!strcmp(argv[i], "--queries")) file = argv[i + 1];
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads")) threads = atoi(argv[i + 1]);
    }
    if (!home || !file || reps < 1) {
        fprintf(stderr, "usage: bench_queries --home LAKE --queries FILE [--reps R] [--threads N]\n");
        return 2;
    }
    size_t len;
    char *text = read_text(file, &len);
    if (!text) {
        fprintf(stderr, "bench_queries: cannot read %s\n", file);
        return 1;
    }
    ev_arena a;
    ev_arena_init(&a, NULL, 1 << 16);
    sql_script script;
    ev_error err = {0};
    exec_session *s = NULL;
    exec_options o = {.home = home, .threads = threads};
    int rc = 1;
    if (sql_parse(text, len, &a, &script, &err) != EV_OK) {
        fprintf(stderr, "bench_queries: %s: %s\n", file, err.msg);
    } else if (exec_session_open(&o, &s, &err) != EV_OK) {
        fprintf(stderr, "bench_queries: %s\n", err.msg);
    } else {
        rc = 0;
        for (size_t k = 0; k < script.nstmts && !rc; k++) {
            char name[64];
            stmt_name(text, script.stmts[k]->start, name, sizeof name);
            rc = run_one(s, script.stmts[k], name, reps);
        }
    }
    exec_session_close(s);
    ev_arena_destroy(&a);
    free(text);
    return rc;
}
