/*
 * test_compact.c: `evlake compact` on temporary lakes: the same rows and per-column checksums
 * (read back with the Parquet reader) before and after, one file per partition, catalog counts
 * unchanged; SIGKILL at every injected point and at random times leaves the old files or the new
 * one as the table, never both or neither, and the next compact or ETL run cleans up; the ETL's
 * lock keeps them apart; rewind after a compaction replaces rows without duplicates; DuckDB reads
 * the compacted files with the same results.
 */
#include "test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ev_fs.h"
#include "pq.h"

#define MAX_COLS 16

static void must_cli(const char *fmt, const char *home, const char *extra) {
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    char args[2048];
    snprintf(args, sizeof args, fmt, home, extra ? extra : "");
    int rc = tu_run_cli(&out, &err, "%s", args);
    if (rc != 0) fail_msg("evlake %s: exit %d\n%s%s", args, rc, (char *)out.data, (char *)err.data);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

/* ---- what the table holds, by an independent read of the catalog's files ---- */

/* Per column: rows, nulls, and an order-independent sum of a hash of each value (exact: integer
 * arithmetic mod 2^64, doubles by their bits), so any lost, doubled or changed value shows. */
typedef struct table_sums {
    int64_t files, rows;
    size_t ncols;
    char names[MAX_COLS][32];
    uint64_t nulls[MAX_COLS], sum[MAX_COLS];
} table_sums;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static uint64_t value_hash(const pq_vector *v, size_t i) {
    switch (v->kind) {
    case PQ_VEC_BOOL: return mix(((const uint8_t *)v->values)[i] + 1);
    case PQ_VEC_I32: return mix((uint64_t)(int64_t)((const int32_t *)v->values)[i]);
    case PQ_VEC_I64: return mix((uint64_t)((const int64_t *)v->values)[i]);
    case PQ_VEC_F32: {
        uint32_t b;
        memcpy(&b, &((const float *)v->values)[i], 4);
        return mix(b);
    }
    case PQ_VEC_F64: {
        uint64_t b;
        memcpy(&b, &((const double *)v->values)[i], 8);
        return mix(b);
    }
    default: {
        pq_str s = ((const pq_str *)v->values)[i];
        uint64_t h = 1469598103934665603ULL;
        for (uint32_t k = 0; k < s.len; k++) h = (h ^ (uint8_t)s.ptr[k]) * 1099511628211ULL;
        return mix(h);
    }
    }
}

static void add_file_sums(const char *path, table_sums *t) {
    pq_reader *r;
    ev_error err;
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
    const pq_file_meta *m = pq_reader_meta(r);
    assert_true(m->num_columns <= MAX_COLS);
    if (!t->ncols) {
        t->ncols = m->num_columns;
        for (size_t c = 0; c < m->num_columns; c++) snprintf(t->names[c], sizeof t->names[c], "%s", m->columns[c].path);
    }
    assert_int_equal(t->ncols, m->num_columns);
    t->files++;
    t->rows += m->num_rows;
    for (size_t g = 0; g < m->num_row_groups; g++)
        for (size_t c = 0; c < m->num_columns; c++) {
            assert_string_equal(t->names[c], m->columns[c].path);
            pq_column_reader *cr;
            if (pq_column_open(r, g, c, 0, &cr, &err) != EV_OK) fail_msg("%s", err.msg);
            pq_vector v;
            for (;;) {
                if (pq_column_next(cr, &v, &err) != EV_OK) fail_msg("%s", err.msg);
                if (!v.n) break;
                for (size_t i = 0; i < v.n; i++) {
                    if (v.valid && !v.valid[i]) t->nulls[c]++;
                    else t->sum[c] += value_hash(&v, i);
                }
            }
            pq_column_close(cr);
        }
    pq_reader_close(r);
}

/* Sums over the files the catalog lists (each must exist: the table is never missing a file). */
static void catalog_sums(const char *home, table_sums *t) {
    memset(t, 0, sizeof *t);
    char path[1024];
    snprintf(path, sizeof path, "%s/catalog.db", home);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT path FROM files ORDER BY path", -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(path, sizeof path, "%s/%s", home, (const char *)sqlite3_column_text(st, 0));
        if (!ev_path_exists(path)) fail_msg("the catalog lists '%s', which is not on disk", path);
        add_file_sums(path, t);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void assert_same_content(const table_sums *a, const table_sums *b) {
    assert_int_equal(a->rows, b->rows);
    assert_int_equal(a->ncols, b->ncols);
    for (size_t c = 0; c < a->ncols; c++) {
        if (a->nulls[c] != b->nulls[c] || a->sum[c] != b->sum[c])
            fail_msg("column %s: nulls %llu / checksum %016llx before, %llu / %016llx after", a->names[c],
                     (unsigned long long)a->nulls[c], (unsigned long long)a->sum[c], (unsigned long long)b->nulls[c],
                     (unsigned long long)b->sum[c]);
    }
}

static int64_t visible_files(const char *home) {
    return tu_sh_int("find %s/analytics -name '*.parquet' ! -name '.*' -type f | wc -l", home);
}

static int64_t hidden_files(const char *home) { return tu_sh_int("find %s/analytics -name '.*' -type f | wc -l", home); }

/* A clean lake state: the disk holds exactly the catalog's files, the counts agree, nothing pending. */
static void assert_clean(const char *home, int64_t rows) {
    assert_int_equal(visible_files(home), tu_catalog_int(home, "SELECT count(*) FROM files"));
    assert_int_equal(hidden_files(home), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM file_deletions"), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT coalesce(sum(row_count), 0) FROM files"), rows);
    assert_int_equal(tu_catalog_int(home, "SELECT coalesce(sum(row_count), 0) FROM partitions"), rows);
    assert_int_equal(tu_catalog_int(home, "SELECT coalesce(sum(rows), 0) FROM bookmarks"), rows);
    /* each partition's counts are its files' */
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM partitions p WHERE row_count <> (SELECT coalesce(sum("
                                          "row_count), 0) FROM files f WHERE f.partition_id = p.id) OR file_count <> ("
                                          "SELECT count(*) FROM files f WHERE f.partition_id = p.id) OR bytes <> (SELECT "
                                          "coalesce(sum(size), 0) FROM files f WHERE f.partition_id = p.id)"),
                     0);
}

/* A lake with several files per partition: 8 objects over two hours, one per ETL batch, then a
 * late object in a second run (the compacted file then spans two runs). */
static void small_files_lake(char *home, const char *tag) {
    tu_mkdtemp(home, tag);
    must_cli("init --home %s%s", home, NULL);
    must_cli("gen --home %s --quiet --objects 8 --events 3000 --start 2025-11-20T00:40:00Z --profile realistic "
             "--bad-rate 0.01%s", home, NULL);
    must_cli("etl run --home %s --batch 1%s", home, NULL);
    must_cli("gen --home %s --quiet --objects 1 --events 500 --start 2025-11-20T00:15:00Z%s", home, NULL);
    must_cli("etl run --home %s%s", home, NULL);
}

static void test_compact_keeps_every_row(void **state) {
    (void)state;
    char home[256];
    small_files_lake(home, "compact-rows");
    int64_t rows = tu_catalog_int(home, "SELECT sum(rows) FROM bookmarks");
    int64_t parts = tu_catalog_int(home, "SELECT count(*) FROM partitions");
    int64_t files = tu_catalog_int(home, "SELECT count(*) FROM files");
    assert_true(files > parts);
    table_sums before, after;
    catalog_sums(home, &before);
    assert_int_equal(before.rows, rows);
    assert_int_equal(before.ncols, 9);

    /* A dry run says what it would do and changes nothing. */
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "compact --home %s --dry-run", home), 0);
    assert_non_null(strstr((char *)out.data, "would compact"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), files);

    /* --min-files above every partition's count: nothing to do. */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "compact --home %s --min-files 100", home), 0);
    assert_non_null(strstr((char *)out.data, "nothing to compact"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), files);

    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "compact --home %s analytics.events", home), 0);
    char want[256];
    snprintf(want, sizeof want, "compacted %lld of %lld partitions: %lld files -> %lld, %lld rows", (long long)parts,
             (long long)parts, (long long)files, (long long)parts, (long long)rows);
    if (!strstr((char *)out.data, want)) fail_msg("output:\n%s\nwants: %s", (char *)out.data, want);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), parts);
    assert_int_equal(tu_catalog_int(home, "SELECT max(file_count) FROM partitions"), 1);
    catalog_sums(home, &after);
    assert_same_content(&before, &after);
    assert_clean(home, rows);
    /* The new files: zstd, dictionary-encoded strings, the same schema; stats recorded. */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_sh(&out, NULL, "$EVLAKE parquet meta $(find %s/analytics -name '*.parquet' | head -1)", home), 0);
    assert_non_null(strstr((char *)out.data, "TIMESTAMP(MICROS,UTC)"));
    assert_non_null(strstr((char *)out.data, "RLE_DICTIONARY"));
    assert_null(strstr((char *)out.data, "SNAPPY"));
    assert_non_null(strstr((char *)out.data, "ZSTD"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files WHERE stats NOT LIKE '%\"user_id\": {\"nulls\": %'"), 0);
    /* The catalog keeps the runs the file spans: the late run and the first. */
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files WHERE first_run_id < run_id"), 1);

    /* Again: nothing left to compact; the ETL sees nothing new and status reconciles. */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "compact --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, "nothing to compact"));
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "status --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, ": ok"));

    /* A reset removes the compacted files too, and the next run writes every row again, once. */
    must_cli("etl reset --home %s%s", home, NULL);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), 0);
    must_cli("etl run --home %s%s", home, NULL);
    catalog_sums(home, &after);
    assert_same_content(&before, &after);
    assert_clean(home, rows);
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_rewind_keeps_compacted_runs_whole(void **state) {
    (void)state;
    char home[256];
    tu_mkdtemp(home, "compact-rewind");
    must_cli("init --home %s%s", home, NULL);
    /* Three runs into one partition, compacted into one file spanning runs 1-3. */
    for (int i = 0; i < 3; i++) {
        char args[256];
        snprintf(args, sizeof args, " --objects 1 --events 1000 --start 2025-11-20T00:%02d:00Z", 10 * i);
        must_cli("gen --home %s --quiet%s", home, args);
        must_cli("etl run --home %s%s", home, NULL);
        struct timespec ts = {1, 100 * 1000000L}; /* runs are told apart by their start time */
        nanosleep(&ts, NULL);
    }
    table_sums before, after;
    catalog_sums(home, &before);
    assert_int_equal(before.rows, 3000);
    must_cli("compact --home %s%s", home, NULL);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), 1);
    /* Rewind to after run 2: run 3's rows are in the file with runs 1 and 2, so all go. */
    char t[64], arg[128];
    tu_catalog_text(home, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', started_at / 1000000 + 1, 'unixepoch') FROM job_runs "
                          "WHERE id = 2", t, sizeof t);
    snprintf(arg, sizeof arg, " --to %s", t);
    ev_buf out;
    ev_buf_init(&out, NULL);
    assert_int_equal(tu_run_cli(&out, NULL, "etl rewind --home %s%s", home, arg), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks"), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), 0);
    must_cli("etl run --home %s%s", home, NULL);
    catalog_sums(home, &after);
    assert_same_content(&before, &after);
    assert_clean(home, 3000);
    ev_buf_free(&out);
    tu_rmtree(home);
}

static void test_compact_waits_for_the_etl_lock(void **state) {
    (void)state;
    char home[256], lock[512];
    small_files_lake(home, "compact-lock");
    int64_t files = tu_catalog_int(home, "SELECT count(*) FROM files");
    snprintf(lock, sizeof lock, "%s/locks/events_etl.lock", home);
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli_locked(lock, &out, &err, "compact --home %s", home);
    assert_int_equal(rc, 1);
    assert_non_null(strstr((char *)err.data, "evlake compact: job events_etl is already running (pid 4242)"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), files);
    /* Once the holder is gone, compact goes through. */
    assert_int_equal(tu_run_cli(&out, &err, "compact --home %s", home), 0);
    assert_clean(home, tu_catalog_int(home, "SELECT sum(rows) FROM bookmarks"));
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

/* Runs compact with a crash point; returns 1 if it died by SIGKILL. */
static int compact_killed(const char *home, const char *point) {
    setenv("EVLAKE_CRASH_POINT", point, 1);
    int rc = tu_run_cli(NULL, NULL, "compact --home %s", home);
    unsetenv("EVLAKE_CRASH_POINT");
    return rc == 128 + SIGKILL;
}

static void test_compact_under_sigkill(void **state) {
    (void)state;
    const char *points[] = {"compact_staged:1",   "compact_intent:1",    "compact_renamed:1",
                            "compact_in_commit:1", "compact_committed:1", "compact_deleted:1",
                            "compact_staged:2",   "compact_renamed:2",   "compact_in_commit:2",
                            "compact_committed:2", "compact_deleted:2"};
    char home[256];
    small_files_lake(home, "compact-kill");
    int64_t rows = tu_catalog_int(home, "SELECT sum(rows) FROM bookmarks");
    int64_t files = tu_catalog_int(home, "SELECT count(*) FROM files");
    int64_t parts = tu_catalog_int(home, "SELECT count(*) FROM partitions");
    table_sums before, now;
    catalog_sums(home, &before);
    int kills = 0;
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        kills += compact_killed(home, points[i]);
        /* Right after the crash the table is whole: every file the catalog lists is on disk and
         * the rows are the same, whether the old files or the new one make it up. */
        catalog_sums(home, &now);
        assert_same_content(&before, &now);
        assert_int_equal(tu_catalog_int(home, "SELECT sum(row_count) FROM partitions"), rows);
        /* The next compact (even rounds) or ETL run (odd rounds) finishes or undoes the rest. */
        if (i % 2 == 0) must_cli("compact --home %s%s", home, NULL);
        else must_cli("etl run --home %s%s", home, NULL);
        catalog_sums(home, &now);
        assert_same_content(&before, &now);
        if (i % 2 == 1) must_cli("compact --home %s%s", home, NULL);
        assert_clean(home, rows);
        assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), parts);
        /* Back to many small files for the next point. */
        must_cli("etl reset --home %s%s", home, NULL);
        must_cli("etl run --home %s --batch 1%s", home, NULL);
        assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), files);
    }
    assert_true(kills >= 10);
    /* Random times. */
    for (int round = 0; round < 5; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execl(tu_evlake_bin(), "evlake", "compact", "--home", home, (char *)NULL);
            _exit(127);
        }
        struct timespec ts = {0, (long)(5 + round * 15) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        catalog_sums(home, &now);
        assert_same_content(&before, &now);
        must_cli(round % 2 ? "etl run --home %s%s" : "compact --home %s%s", home, NULL);
        must_cli("compact --home %s%s", home, NULL);
        assert_clean(home, rows);
        catalog_sums(home, &now);
        assert_same_content(&before, &now);
        must_cli("etl reset --home %s%s", home, NULL);
        must_cli("etl run --home %s --batch 1%s", home, NULL);
    }
    tu_rmtree(home);
}

#define AGG                                                                                                            \
    "SELECT count(*), count(DISTINCT user_id), count(DISTINCT session_id), count(product_id), count(category), "      \
    "count(search_query), sum(quantity), round(sum(price), 2), min(epoch_us(\"timestamp\")), "                          \
    "max(epoch_us(\"timestamp\")), count(DISTINCT (\"timestamp\", user_id, session_id, event_type, product_id, "       \
    "quantity, price, search_query)) FROM read_parquet('%s/analytics/events/*/*/*/*/*.parquet')"

static void test_duckdb_reads_compacted_files(void **state) {
    (void)state;
    tu_duckdb_setup();
    char home[256], sql[2048];
    small_files_lake(home, "compact-duck");
    ev_buf want, got;
    ev_buf_init(&want, NULL);
    ev_buf_init(&got, NULL);
    snprintf(sql, sizeof sql, AGG, home);
    tu_duckdb(&want, sql);
    must_cli("compact --home %s%s", home, NULL);
    assert_int_equal(visible_files(home), tu_catalog_int(home, "SELECT count(*) FROM partitions"));
    tu_duckdb(&got, sql);
    if (strcmp((char *)want.data, (char *)got.data) != 0)
        fail_msg("before compaction %s but after %s", (char *)want.data, (char *)got.data);
    snprintf(sql, sizeof sql, "SELECT string_agg(DISTINCT compression, ','), count(DISTINCT file_name) FROM "
                              "parquet_metadata('%s/analytics/events/*/*/*/*/*.parquet')", home);
    tu_duckdb(&got, sql);
    char expect[128];
    snprintf(expect, sizeof expect, "{\"rows\":[[\"ZSTD\",\"%lld\"]]}\n",
             (long long)tu_catalog_int(home, "SELECT count(*) FROM partitions"));
    assert_string_equal((char *)got.data, expect);
    snprintf(sql, sizeof sql, "SELECT string_agg(column_type, ',') FROM (DESCRIBE SELECT * FROM "
                              "read_parquet('%s/analytics/events/*/*/*/*/*.parquet'))", home);
    tu_duckdb(&got, sql);
    assert_non_null(strstr((char *)got.data, "TIMESTAMP WITH TIME ZONE,VARCHAR,VARCHAR,VARCHAR,VARCHAR,VARCHAR,"
                                              "INTEGER,DOUBLE,VARCHAR"));
    ev_buf_free(&want);
    ev_buf_free(&got);
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_keeps_every_row),
        cmocka_unit_test(test_rewind_keeps_compacted_runs_whole),
        cmocka_unit_test(test_compact_waits_for_the_etl_lock),
        cmocka_unit_test(test_compact_under_sigkill),
        cmocka_unit_test(test_duckdb_reads_compacted_files),
    };
    return cmocka_run_group_tests_name("compact", tests, NULL, NULL);
}
