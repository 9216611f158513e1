/*
 * test_crawl.c: the crawler on data written by others, through the CLI on temporary lakes:
 * Parquet written by our writer and by DuckDB (types mapped to Athena's, Hive partition keys,
 * partitions), a column added in a later partition, a type conflict (reported, the table keeps
 * its type), sampled JSON lines (plain and gzipped), the ETL's own table (no drift, no conflict),
 * and the errors a user can make.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_fs.h"
#include "pq.h"

typedef struct cli_result {
    int rc;
    ev_buf out, err;
} cli_result;

static void run(cli_result *r, const char *fmt, const char *home, const char *arg) {
    ev_buf_init(&r->out, NULL);
    ev_buf_init(&r->err, NULL);
    char args[2048];
    snprintf(args, sizeof args, fmt, home, arg ? arg : "");
    r->rc = tu_run_cli(&r->out, &r->err, "%s", args);
}

static void done(cli_result *r) {
    ev_buf_free(&r->out);
    ev_buf_free(&r->err);
}

static void expect_out(cli_result *r, const char *text) {
    if (!strstr((char *)r->out.data, text))
        fail_msg("output lacks \"%s\":\n%s%s", text, (char *)r->out.data, (char *)r->err.data);
}

static void new_lake(char *home, const char *tag) {
    tu_mkdtemp(home, tag);
    cli_result r;
    run(&r, "init --home %s%s", home, NULL);
    assert_int_equal(r.rc, 0);
    done(&r);
}

/* The table's columns as "name type[ P]" joined by ", " (P: partition key). */
static void columns_of(const char *home, const char *table, char *out, size_t cap) {
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT group_concat(name || ' ' || type || CASE is_partition WHEN 1 THEN ' P' ELSE '' END, "
                              "', ') FROM (SELECT c.* FROM columns c JOIN tables t ON t.id = c.table_id WHERE t.name = '%s' "
                              "ORDER BY c.pos)", table);
    tu_catalog_text(home, sql, out, cap);
}

static void write_ours(const char *path, int64_t rows) {
    char dir[1024];
    ev_path_dirname(path, dir, sizeof dir);
    assert_int_equal(ev_mkdir_p(dir, NULL), EV_OK);
    const pq_column_spec cols[] = {
        {"id", PQ_INT64, PQ_LOGICAL_NONE, PQ_UNIT_NONE, false, false, PQ_WENC_AUTO},
        {"name", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, PQ_UNIT_NONE, false, true, PQ_WENC_AUTO},
        {"at", PQ_INT64, PQ_LOGICAL_TIMESTAMP, PQ_UNIT_MICROS, true, false, PQ_WENC_AUTO},
        {"ok", PQ_BOOLEAN, PQ_LOGICAL_NONE, PQ_UNIT_NONE, false, false, PQ_WENC_AUTO},
        {"ship_day", PQ_INT32, PQ_LOGICAL_DATE, PQ_UNIT_NONE, false, false, PQ_WENC_AUTO},
        {"price", PQ_DOUBLE, PQ_LOGICAL_NONE, PQ_UNIT_NONE, false, true, PQ_WENC_AUTO},
        {"qty", PQ_INT32, PQ_LOGICAL_NONE, PQ_UNIT_NONE, false, true, PQ_WENC_AUTO},
        {"ratio", PQ_FLOAT, PQ_LOGICAL_NONE, PQ_UNIT_NONE, false, false, PQ_WENC_AUTO},
    };
    int64_t *ids = calloc((size_t)rows, 8), *ats = calloc((size_t)rows, 8);
    uint8_t *oks = calloc((size_t)rows, 1);
    int32_t *days = calloc((size_t)rows, 4), *qty = calloc((size_t)rows, 4);
    double *prices = calloc((size_t)rows, 8);
    float *ratios = calloc((size_t)rows, 4);
    pq_str *names = calloc((size_t)rows, sizeof *names);
    for (int64_t i = 0; i < rows; i++) {
        ids[i] = i;
        ats[i] = 1763596800000000LL + i;
        oks[i] = (uint8_t)(i & 1);
        days[i] = 20412;
        qty[i] = (int32_t)i;
        prices[i] = (double)i / 4;
        ratios[i] = (float)i / 8;
        names[i] = (pq_str){"name", 4};
    }
    pq_col_batch b[8] = {{.values = ids}, {.values = names}, {.values = ats},    {.values = oks},
                         {.values = days}, {.values = prices}, {.values = qty}, {.values = ratios}};
    pq_writer *w;
    ev_error err;
    if (pq_writer_open_file(path, false, cols, 8, NULL, &w, &err) != EV_OK ||
        pq_writer_write_batch(w, b, (size_t)rows, &err) != EV_OK || pq_writer_close(w, NULL, &err) != EV_OK)
        fail_msg("%s", err.msg);
    free(ids);
    free(ats);
    free(oks);
    free(days);
    free(qty);
    free(prices);
    free(ratios);
    free(names);
}

static void test_parquet_written_by_our_writer(void **state) {
    (void)state;
    char home[256], path[1024], cols[2048];
    new_lake(home, "crawl-ours");
    for (int d = 20; d <= 21; d++)
        for (int h = 0; h < 2; h++) {
            snprintf(path, sizeof path, "%s/landing/Sales-2025/day=%d/hour=%02d/part-0.parquet", home, d, h);
            write_ours(path, 100 + d + h);
        }
    cli_result r;
    run(&r, "crawl --home %s landing/Sales-2025%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.sales_2025: new parquet table over landing/Sales-2025: 8 columns, 2 partition keys, "
                   "4 partitions, 4 files");
    done(&r);
    columns_of(home, "sales_2025", cols, sizeof cols);
    assert_string_equal(cols, "id bigint, name string, at timestamp, ok boolean, ship_day date, price double, qty int, "
                              "ratio float, day string P, hour string P");
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM partitions p JOIN tables t ON t.id = p.table_id "
                                          "WHERE t.name = 'sales_2025'"), 4);
    char loc[256];
    tu_catalog_text(home, "SELECT location FROM tables WHERE name = 'sales_2025'", loc, sizeof loc);
    assert_string_equal(loc, "landing/Sales-2025");
    /* An absolute path inside the lake names the same folder: a re-crawl, nothing new. */
    char abs_arg[1024];
    snprintf(abs_arg, sizeof abs_arg, " %s/landing/Sales-2025/", home);
    run(&r, "crawl --home %s%s", home, abs_arg);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.sales_2025: 4 partitions (0 new), 4 files on disk (read from its folders)");
    assert_null(strstr((char *)r.out.data, "new column"));
    done(&r);
    /* The SQL engine reads the crawled table from its folders, partition values included. */
    ev_buf out;
    ev_buf_init(&out, NULL);
    assert_int_equal(tu_run_sh(&out, NULL, "$EVLAKE sql --home %s --format csv -c 'SELECT hour, count(*), sum(qty) "
                                           "FROM sales_2025 WHERE day = '\"'\"'21'\"'\"' GROUP BY hour ORDER BY hour' | tr -d '\"'",
                               home), 0);
    assert_non_null(strstr((char *)out.data, "00,121,7260\n01,122,7381"));
    ev_buf_free(&out);
    tu_rmtree(home);
}

static void duck(const char *sql_fmt, const char *home) {
    char sql[2048];
    snprintf(sql, sizeof sql, sql_fmt, home);
    ev_buf out;
    ev_buf_init(&out, NULL);
    tu_duckdb(&out, sql);
    ev_buf_free(&out);
}

static void test_parquet_written_by_duckdb(void **state) {
    (void)state;
    tu_duckdb_setup();
    char home[256], cols[2048];
    new_lake(home, "crawl-duck");
    assert_int_equal(tu_run_sh(NULL, NULL, "mkdir -p %s/landing/orders/dt=2025-11-20 %s/landing/orders/dt=2025-11-21 "
                                           "%s/landing/orders/dt=2025-11-22", home, home, home), 0);
    duck("COPY (SELECT i::BIGINT AS id, 'c' || i AS customer, (i / 7)::DECIMAL(10,2) AS amount, TIMESTAMP '2025-11-20 "
         "00:00:00' + INTERVAL (i) SECOND AS placed_at, i %% 2 = 0 AS paid, DATE '2025-11-20' AS ship_day, i * 0.5 AS "
         "weight, i::SMALLINT AS items FROM range(100) t(i)) TO '%s/landing/orders/dt=2025-11-20/a.parquet' (FORMAT PARQUET)",
         home);
    cli_result r;
    run(&r, "crawl --home %s landing/orders%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.orders: new parquet table over landing/orders: 8 columns, 1 partition key, 1 partition");
    done(&r);
    columns_of(home, "orders", cols, sizeof cols);
    assert_string_equal(cols, "id bigint, customer string, amount decimal(10,2), placed_at timestamp, paid boolean, "
                              "ship_day date, weight decimal(21,1), items smallint, dt string P");
    /* A later partition brings a column: the re-crawl adds it, and the new partition. */
    duck("COPY (SELECT i::BIGINT AS id, 'c' || i AS customer, (i / 7)::DECIMAL(10,2) AS amount, TIMESTAMP '2025-11-21 "
         "00:00:00' AS placed_at, true AS paid, DATE '2025-11-21' AS ship_day, i * 0.5 AS weight, 1::SMALLINT AS items, "
         "'FR' AS country FROM range(50) t(i)) TO '%s/landing/orders/dt=2025-11-21/b.parquet' (FORMAT PARQUET)", home);
    run(&r, "crawl --home %s landing/orders%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.orders: 2 partitions (1 new), 2 files on disk (read from its folders)");
    expect_out(&r, "new column: country string (first in landing/orders/dt=2025-11-21/b.parquet)");
    done(&r);
    columns_of(home, "orders", cols, sizeof cols);
    assert_non_null(strstr(cols, "items smallint, country string, dt string P"));
    /* A partition whose id is text: a conflict, reported; the table keeps bigint; exit 1. */
    duck("COPY (SELECT 'x' || i AS id, 'c' || i AS customer FROM range(10) t(i)) TO "
         "'%s/landing/orders/dt=2025-11-22/c.parquet' (FORMAT PARQUET)", home);
    run(&r, "crawl --home %s orders%s", home, NULL);
    assert_int_equal(r.rc, 1);
    expect_out(&r, "type conflict: id is string in landing/orders/dt=2025-11-22/c.parquet; the table keeps bigint");
    expect_out(&r, "3 partitions (1 new)");
    done(&r);
    columns_of(home, "orders", cols, sizeof cols);
    assert_non_null(strstr(cols, "id bigint, "));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM columns c JOIN tables t ON t.id = c.table_id "
                                          "WHERE t.name = 'orders'"), 10);
    /* Crawling everything: the same conflict, the ETL's (empty) table untouched. */
    run(&r, "crawl --home %s%s", home, NULL);
    assert_int_equal(r.rc, 1);
    expect_out(&r, "type conflict: id is string in landing/orders/dt=2025-11-22/c.parquet; the table keeps bigint");
    done(&r);
    tu_rmtree(home);
}

static void put_file(const char *home, const char *rel, const char *text, int gzip) {
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s/%s", home, rel);
    ev_path_dirname(path, dir, sizeof dir);
    assert_int_equal(ev_mkdir_p(dir, NULL), EV_OK);
    assert_int_equal(ev_write_file_atomic(path, text, strlen(text), NULL), EV_OK);
    if (gzip) assert_int_equal(tu_run_sh(NULL, NULL, "gzip -n -c %s > %s.z && mv %s.z %s", path, path, path, path), 0);
}

static void test_sampled_json_lines(void **state) {
    (void)state;
    char home[256], cols[2048];
    new_lake(home, "crawl-json");
    put_file(home, "landing/app_logs/region=eu/a.jsonl.gz",
             "{\"id\": 1, \"user\": \"u1\", \"ok\": true, \"score\": 1, \"at\": \"2025-11-20T00:00:00Z\", \"tags\": "
             "[1, {\"a\": \"]\"}], \"gone\": null}\n"
             "\n"
             "{\"id\": 2, \"user\": \"u2\", \"ok\": false, \"score\": 2.5, \"at\": \"2025-11-20T00:00:01+01:00\", "
             "\"meta\": {\"k\": 1}}\n"
             "this is not json\n",
             1);
    put_file(home, "landing/app_logs/region=us/b.json",
             "{\"id\": 3, \"user\": 7, \"ok\": true, \"score\": -3e2, \"big\": 123456789012345678901234567890}\n"
             "{\"id\": 4, \"late\": \"only on line 2\"}\n",
             0);
    cli_result r;
    run(&r, "crawl --home %s landing/app_logs%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.app_logs: new json table over landing/app_logs: 10 columns, 1 partition key, 2 partitions, 2 files");
    expect_out(&r, "note: 1 of 5 sampled lines are not JSON objects");
    done(&r);
    /* Conservative: an ISO time stays a string; mixed kinds become string; bigint+double is double;
     * nested values are strings; a column only ever null is a string; an integer beyond int64 is a double. */
    columns_of(home, "app_logs", cols, sizeof cols);
    assert_string_equal(cols, "id bigint, user string, ok boolean, score double, at string, tags string, gone string, "
                              "meta string, big double, late string, region string P");
    char fmt[64];
    tu_catalog_text(home, "SELECT format || ' ' || serde FROM tables WHERE name = 'app_logs'", fmt, sizeof fmt);
    assert_string_equal(fmt, "json org.openx.data.jsonserde.JsonSerDe");
    /* Sampling one line per file does not see a column that only starts later. */
    run(&r, "crawl --home %s landing/app_logs --name app_logs_1 --database analytics --sample 1%s", home, NULL);
    assert_int_equal(r.rc, 0); /* the same location: a re-crawl of app_logs, nothing new */
    assert_null(strstr((char *)r.out.data, "new column"));
    done(&r);
    put_file(home, "landing/app_logs/region=ap/c.jsonl", "{\"id\": 5, \"country\": \"JP\"}\n", 0);
    run(&r, "crawl --home %s app_logs%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "new column: country string (first in landing/app_logs/region=ap/c.jsonl)");
    expect_out(&r, "3 partitions (1 new)");
    done(&r);
    /* A later file turns id into text: a conflict, the table keeps bigint. */
    put_file(home, "landing/app_logs/region=ap/d.jsonl", "{\"id\": \"six\"}\n", 0);
    run(&r, "crawl --home %s app_logs%s", home, NULL);
    assert_int_equal(r.rc, 1);
    expect_out(&r, "type conflict: id is string in landing/app_logs/region=ap/d.jsonl; the table keeps bigint");
    done(&r);
    tu_rmtree(home);
}

static void test_etl_table_and_errors(void **state) {
    (void)state;
    char home[256];
    new_lake(home, "crawl-etl");
    cli_result r;
    run(&r, "gen --home %s --quiet --objects 2 --events 500 --start 2025-11-20T00:55:00Z%s", home, NULL);
    assert_int_equal(r.rc, 0);
    done(&r);
    run(&r, "etl run --home %s%s", home, NULL);
    assert_int_equal(r.rc, 0);
    done(&r);
    /* Our own table: its files' columns are its columns; no drift. */
    run(&r, "crawl --home %s events%s", home, NULL);
    assert_int_equal(r.rc, 0);
    expect_out(&r, "analytics.events: 2 partitions (0 new), 2 files on disk, 2 registered\n");
    assert_null(strstr((char *)r.out.data, "conflict"));
    assert_null(strstr((char *)r.out.data, "new column"));
    done(&r);
    /* A file someone dropped in: drift, exit 1. */
    assert_int_equal(tu_run_sh(NULL, NULL, "cp $(find %s/analytics -name '*.parquet' | head -1) "
                                           "%s/analytics/events/year=2025/month=11/day=20/hour=00/stray.parquet", home, home), 0);
    run(&r, "crawl --home %s analytics.events%s", home, NULL);
    assert_int_equal(r.rc, 1);
    expect_out(&r, "drift: 1 file on disk not in the catalog");
    done(&r);
    /* Errors a user can make. */
    run(&r, "crawl --home %s nosuch%s", home, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr((char *)r.err.data, "no table analytics.nosuch and no folder 'nosuch'"));
    done(&r);
    run(&r, "crawl --home %s /etc%s", home, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr((char *)r.err.data, "is not a folder inside the lake home"));
    done(&r);
    put_file(home, "landing/mixed/a.json", "{\"a\": 1}\n", 0);
    put_file(home, "landing/mixed/b.csv", "a\n1\n", 0);
    run(&r, "crawl --home %s landing/mixed%s", home, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr((char *)r.err.data, "holds files of several formats"));
    done(&r);
    char empty[512];
    snprintf(empty, sizeof empty, "%s/landing/empty", home);
    assert_int_equal(ev_mkdir_p(empty, NULL), EV_OK);
    run(&r, "crawl --home %s landing/empty%s", home, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr((char *)r.err.data, "no data files under 'landing/empty'"));
    done(&r);
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parquet_written_by_our_writer),
        cmocka_unit_test(test_parquet_written_by_duckdb),
        cmocka_unit_test(test_sampled_json_lines),
        cmocka_unit_test(test_etl_table_and_errors),
    };
    return cmocka_run_group_tests_name("crawl", tests, NULL, NULL);
}
