/*
 * test_parquet_cli.c: `evlake parquet meta|cat` through the real binary: the summary, schema and
 * per-chunk facts of a file we write, rows as table, CSV and JSON lines, column selection and
 * limits, and the exit status and one-line message of every kind of mistake.
 */
#include <unistd.h>

#include "ev_fs.h"
#include "pq_test_data.h"

static char g_dir[256], g_file[512];

static int setup(void **state) {
    (void)state;
    tu_mkdtemp(g_dir, "pq-cli");
    snprintf(g_file, sizeof g_file, "%s/ev.parquet", g_dir);
    static const pq_column_spec spec[] = {
        {"timestamp", PQ_INT64, PQ_LOGICAL_TIMESTAMP, PQ_UNIT_MICROS, true, false, PQ_WENC_AUTO},
        {"user_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"quantity", PQ_INT32, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
        {"price", PQ_DOUBLE, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
        {"day", PQ_INT32, PQ_LOGICAL_DATE, 0, false, false, PQ_WENC_AUTO},
    };
    int64_t ts[3] = {1763573094718325LL, 1763573095000000LL, 1763573096000001LL};
    pq_str users[3] = {{"u_48213", 7}, {"say \"hi\", ok", 12}, {"", 0}};
    uint8_t uv[3] = {1, 1, 0};
    int32_t q[3] = {2, 0, 5};
    uint8_t qv[3] = {1, 0, 1};
    double price[3] = {123.45, 0.1, 299.99};
    int32_t day[3] = {20411, 0, -1};
    pq_col_batch b[5] = {{.values = ts}, {.values = users, .valid = uv}, {.values = q, .valid = qv}, {.values = price}, {.values = day}};
    pq_kv kv[] = {{"origin", "evlake test"}};
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.kv = kv;
    o.num_kv = 1;
    pq_writer *w;
    ev_error err = {0};
    if (pq_writer_open_file(g_file, false, spec, 5, &o, &w, &err) != EV_OK) fail_msg("%s", err.msg);
    if (pq_writer_write_batch(w, b, 3, &err) != EV_OK) fail_msg("%s", err.msg);
    if (pq_writer_close(w, NULL, &err) != EV_OK) fail_msg("%s", err.msg);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(g_dir);
    return 0;
}

static const char *s(ev_buf *b) {
    if (ev_buf_append(b, "", 1) != EV_OK) fail_msg("nomem");
    b->len--;
    return (const char *)b->data;
}

static void test_meta(void **state) {
    (void)state;
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "parquet meta %s", g_file), 0);
    const char *o = s(&out);
    assert_non_null(strstr(o, "rows:        3 in 1 row group"));
    assert_non_null(strstr(o, "origin = evlake test"));
    assert_non_null(strstr(o, "TIMESTAMP(MICROS,UTC)"));
    assert_non_null(strstr(o, "user_id"));
    assert_non_null(strstr(o, "STRING"));
    assert_non_null(strstr(o, "DATE"));
    assert_non_null(strstr(o, "ZSTD"));
    assert_non_null(strstr(o, "RLE_DICTIONARY"));
    assert_non_null(strstr(o, "DELTA_BINARY_PACKED"));
    assert_non_null(strstr(o, "min/max 2025-11-19 17:24:54.718325 .. 2025-11-19 17:24:56.000001"));
    assert_non_null(strstr(o, "nulls 1 min/max say \"hi\", ok .. u_48213"));
    assert_non_null(strstr(o, "min/max 1969-12-31 .. 2025-11-19"));
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static void test_cat(void **state) {
    (void)state;
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --format csv", g_file), 0);
    assert_string_equal(s(&out), "timestamp,user_id,quantity,price,day\n"
                                 "2025-11-19 17:24:54.718325,u_48213,2,123.45,2025-11-19\n"
                                 "2025-11-19 17:24:55,\"say \"\"hi\"\", ok\",,0.1,1970-01-01\n"
                                 "2025-11-19 17:24:56.000001,,5,299.99,1969-12-31\n");
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --format json --columns price,user_id --limit 2", g_file), 0);
    assert_string_equal(s(&out), "{\"price\": 123.45, \"user_id\": \"u_48213\"}\n"
                                 "{\"price\": 0.1, \"user_id\": \"say \\\"hi\\\", ok\"}\n");
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --limit 1", g_file), 0);
    assert_int_equal(tu_count_lines(out.data, out.len), 3); /* header, rule, one row */
    assert_non_null(strstr(s(&out), "u_48213"));
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --limit 0 --format json", g_file), 0);
    assert_int_equal(out.len, 0);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static void test_errors(void **state) {
    (void)state;
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "parquet --help"), 0);
    assert_non_null(strstr(s(&out), "usage: evlake parquet meta FILE"));
    ev_buf_reset(&err);
    assert_int_equal(tu_run_cli(&out, &err, "parquet"), 1);
    assert_non_null(strstr(s(&err), "evlake parquet:"));
    assert_int_equal(tu_run_cli(&out, &err, "parquet frob %s", g_file), 1);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --format xml", g_file), 1);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --limit -3", g_file), 1);
    ev_buf_reset(&err);
    assert_int_equal(tu_run_cli(&out, &err, "parquet cat %s --columns nope", g_file), 1);
    assert_non_null(strstr(s(&err), "no column 'nope'"));
    ev_buf_reset(&err);
    assert_int_equal(tu_run_cli(&out, &err, "parquet meta %s/missing.parquet", g_dir), 1);
    assert_non_null(strstr(s(&err), "missing.parquet"));
    /* a damaged file: the message names the file and the byte */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.parquet", g_dir);
    ev_buf file;
    ev_buf_init(&file, NULL);
    ev_error e = {0};
    assert_int_equal(ev_read_file(g_file, &file, &e), EV_OK);
    file.len -= 3;
    FILE *f = fopen(bad, "wb");
    fwrite(file.data, 1, file.len, f);
    fclose(f);
    ev_buf_reset(&err);
    assert_int_equal(tu_run_cli(&out, &err, "parquet meta %s", bad), 1);
    assert_non_null(strstr(s(&err), "bad.parquet"));
    assert_non_null(strstr(s(&err), "at byte"));
    ev_buf_free(&file);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_cat),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
