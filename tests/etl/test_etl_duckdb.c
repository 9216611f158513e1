/*
 * test_etl_duckdb.c: the lake stays open: DuckDB (the reference, installed from npm) reads the
 * Parquet the ETL writes, with every codec, and finds the same rows, distinct values, sums and
 * time range as in the raw JSON it reads itself; and the DDL `evlake ddl --dialect duckdb`
 * prints works in DuckDB as printed.
 */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_JSON                                                                                                       \
    "read_json('%s/raw/events/*/*/*/*/*/*.jsonl.gz', format = 'newline_delimited', columns = {timestamp: 'VARCHAR', " \
    "user_id: 'VARCHAR', session_id: 'VARCHAR', event_type: 'VARCHAR', product_id: 'VARCHAR', category: 'VARCHAR', " \
    "quantity: 'INTEGER', price: 'DOUBLE', search_query: 'VARCHAR'})"
#define AGG(ts)                                                                                                        \
    "SELECT count(*), count(DISTINCT user_id), count(DISTINCT session_id), count(DISTINCT event_type), "              \
    "count(product_id), count(category), count(search_query), sum(quantity), round(sum(price), 2), "                  \
    "min(" ts "), max(" ts "), count(DISTINCT (" ts ", user_id, session_id, event_type, product_id, quantity, price)) "

static void check_codec(const char *codec) {
    char home[256], sql[2048];
    tu_mkdtemp(home, "etl-duck");
    assert_int_equal(tu_run_cli(NULL, NULL, "init --home %s", home), 0);
    ev_buf out;
    ev_buf_init(&out, NULL);
    assert_int_equal(tu_run_sh(&out, NULL, "sed -i 's/compression: zstd/compression: %s/' %s/pipeline.yml", codec, home), 0);
    assert_int_equal(tu_run_cli(NULL, NULL, "gen --home %s --quiet --objects 3 --events 40000 --profile realistic "
                                            "--bad-rate 0 --start 2025-11-20T00:50:00Z", home), 0);
    assert_int_equal(tu_run_cli(NULL, NULL, "etl run --home %s", home), 0);
    ev_buf want, got;
    ev_buf_init(&want, NULL);
    ev_buf_init(&got, NULL);
    snprintf(sql, sizeof sql, AGG("epoch_us(CAST(CAST(\"timestamp\" AS TIMESTAMPTZ) AS TIMESTAMP))") "FROM " RAW_JSON,
             home);
    tu_duckdb(&want, sql);
    snprintf(sql, sizeof sql, AGG("epoch_us(\"timestamp\")") "FROM read_parquet('%s/analytics/events/*/*/*/*/*.parquet')",
             home);
    tu_duckdb(&got, sql);
    if (strcmp((char *)want.data, (char *)got.data) != 0)
        fail_msg("codec %s: raw JSON %s but Parquet %s", codec, (char *)want.data, (char *)got.data);
    /* Types as written: TIMESTAMP (UTC-adjusted), VARCHAR, INTEGER, DOUBLE. */
    snprintf(sql, sizeof sql, "SELECT string_agg(column_type, ',') FROM (DESCRIBE SELECT * FROM "
                              "read_parquet('%s/analytics/events/*/*/*/*/*.parquet'))", home);
    tu_duckdb(&got, sql);
    assert_non_null(strstr((char *)got.data, "TIMESTAMP WITH TIME ZONE,VARCHAR,VARCHAR,VARCHAR,VARCHAR,VARCHAR,"
                                              "INTEGER,DOUBLE,VARCHAR"));
    /* The codec is the one asked for. */
    snprintf(sql, sizeof sql, "SELECT DISTINCT compression FROM parquet_metadata('%s/analytics/events/*/*/*/*/*.parquet')",
             home);
    tu_duckdb(&got, sql);
    const char *name = !strcmp(codec, "none") ? "UNCOMPRESSED" : !strcmp(codec, "zstd") ? "ZSTD"
                     : !strcmp(codec, "snappy") ? "SNAPPY" : "GZIP";
    if (!strstr((char *)got.data, name)) fail_msg("codec %s: DuckDB sees %s", codec, (char *)got.data);
    ev_buf_free(&want);
    ev_buf_free(&got);
    ev_buf_free(&out);
    tu_rmtree(home);
}

static void test_duckdb_reads_every_codec(void **state) {
    (void)state;
    tu_duckdb_setup();
    const char *codecs[] = {"zstd", "snappy", "gzip", "none"};
    for (size_t i = 0; i < 4; i++) check_codec(codecs[i]);
}

static void test_ddl_runs_in_duckdb(void **state) {
    (void)state;
    tu_duckdb_setup();
    char home[256];
    tu_mkdtemp(home, "etl-ddl");
    assert_int_equal(tu_run_cli(NULL, NULL, "init --home %s", home), 0);
    assert_int_equal(tu_run_cli(NULL, NULL, "gen --home %s --quiet --objects 13 --events 1000 --start "
                                            "2025-11-20T00:00:00Z", home), 0);
    assert_int_equal(tu_run_cli(NULL, NULL, "etl run --home %s", home), 0);
    ev_buf ddl, got;
    ev_buf_init(&ddl, NULL);
    ev_buf_init(&got, NULL);
    assert_int_equal(tu_run_cli(&ddl, NULL, "ddl --home %s --dialect duckdb", home), 0);
    /* The printed statements, then Athena SQL over the view: zero-padded string partitions. */
    char *script = malloc(ddl.len + 512);
    snprintf(script, ddl.len + 512, "%.*s SELECT year, month, day, hour, count(*) FROM analytics.events "
             "GROUP BY ALL ORDER BY ALL", (int)ddl.len, (char *)ddl.data);
    for (char *p = script; *p; p++)
        if (*p == '\n') *p = ' ';
    tu_duckdb(&got, script);
    assert_string_equal((char *)got.data, "{\"rows\":[[\"2025\",\"11\",\"20\",\"00\",\"12000\"],"
                                          "[\"2025\",\"11\",\"20\",\"01\",\"1000\"]]}\n");
    free(script);
    ev_buf_free(&ddl);
    ev_buf_free(&got);
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duckdb_reads_every_codec),
        cmocka_unit_test(test_ddl_runs_in_duckdb),
    };
    return cmocka_run_group_tests_name("etl_duckdb", tests, NULL, NULL);
}
