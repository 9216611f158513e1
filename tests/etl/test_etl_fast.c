/* test_etl_fast.c: the ETL's fast line path (etl_scan_fast) against the general path: what it
 * accepts gives the same event, and everything else is left to the general path. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_read.h"

#define LINE_FMT                                                                                                    \
    "{\"timestamp\": \"%s\", \"user_id\": %s, \"session_id\": \"s_77120\", \"event_type\": \"%s\", "              \
    "\"product_id\": \"p_3004\", \"quantity\": %s, \"price\": %s, \"category\": \"home\", \"search_query\": %s}"

static void line_of(char *out, size_t cap, const char *ts, const char *user, const char *type, const char *qty,
                    const char *price, const char *query) {
    snprintf(out, cap, LINE_FMT, ts, user, type, qty, price, query);
}

/* Types `line` both ways. Returns whether the fast path took it; when it did, the general path
 * must give the same event. */
static int both(const char *line, etl_fast_state *fs, etl_event *out) {
    etl_event fast, slow;
    size_t len = strlen(line);
    int took = etl_scan_fast(line, len, fs, &fast);
    etl_field f[ETL_NFIELDS];
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    uint64_t unknown = 0;
    char reason[512];
    ev_status st = etl_scan_line(line, len, f, &arena, &unknown, reason, sizeof reason);
    if (st == EV_OK) st = etl_event_from_fields(f, &slow, reason, sizeof reason);
    if (took) {
        assert_int_equal(st, EV_OK);
        assert_int_equal(unknown, 0);
        assert_int_equal(fast.ts_usec, slow.ts_usec);
        assert_int_equal(fast.has_quantity, slow.has_quantity);
        assert_int_equal(fast.quantity, slow.quantity);
        assert_int_equal(fast.has_price, slow.has_price);
        assert_memory_equal(&fast.price, &slow.price, sizeof fast.price);
        for (int c = 0; c < ETL_NSTRING_COLS; c++) {
            assert_ptr_equal(fast.str[c], slow.str[c]);
            if (fast.str[c]) assert_int_equal(fast.str_len[c], slow.str_len[c]);
        }
        *out = fast;
    }
    ev_arena_destroy(&arena);
    return took;
}

static const char *TS = "2025-11-20T00:10:00.001060+00:00";

static int price_line(const char *price, etl_fast_state *fs, etl_event *e) {
    char line[1024];
    line_of(line, sizeof line, TS, "\"u_1\"", "purchase", "1", price, "null");
    return both(line, fs, e);
}

/* Prices: the decimal fast path against strtod, bit for bit; exponents, long mantissas and
 * non-JSON numbers go to the general path. */
static void test_prices(void **state) {
    (void)state;
    etl_fast_state fs = {0};
    etl_event e;
    static const char *const fast[] = {"138.06", "0", "-0", "-0.0", "0.5", "0.1", "0.3000000000000004", "-12.34",
                                       "0.000001", "123.456789012345", "1234567.891", "9007199254740992",
                                       "900719925474099.2", "1.000000000000002", "90071992547409.91", "99.995",
                                       "0.000000000000000001", "-0.000008988465674311"};
    for (size_t i = 0; i < sizeof fast / sizeof fast[0]; i++) {
        if (!price_line(fast[i], &fs, &e)) fail_msg("price %s should take the fast path", fast[i]);
        double want = strtod(fast[i], NULL);
        assert_memory_equal(&e.price, &want, sizeof want);
    }
    assert_true(price_line("-0", &fs, &e) && e.has_price && e.price == 0 && 1 / e.price < 0); /* -0.0 kept */
    assert_true(price_line("null", &fs, &e) && !e.has_price);
    /* Beyond 2^53, 20 digits, exponents, strings, bad JSON numbers: the general path decides. */
    static const char *const slow[] = {"9007199254740993", "12345678901234567.8", "4503599627370497.5", "0.30000000000000004", "1.0000000000000002",
                                       "0.0000000000000000001", "99999999999999999999", "1e2",
                                       "1E-2", "12.5e1", "7.0e0", "1.7976931348623157e308", "1e400", "\"19.99\"",
                                       "00.5", "1.", "-", "+1", ".5", "01", "true", "{}", "[1]", "NaN", "0x10"};
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++)
        if (price_line(slow[i], &fs, &e)) fail_msg("price %s should not take the fast path", slow[i]);
}

static int qty_line(const char *qty, etl_fast_state *fs, etl_event *e) {
    char line[1024];
    line_of(line, sizeof line, TS, "\"u_1\"", "purchase", qty, "1.5", "null");
    return both(line, fs, e);
}

static void test_quantities(void **state) {
    (void)state;
    etl_fast_state fs = {0};
    etl_event e;
    assert_true(qty_line("5", &fs, &e) && e.has_quantity && e.quantity == 5);
    assert_true(qty_line("-0", &fs, &e) && e.quantity == 0);
    assert_true(qty_line("2147483647", &fs, &e) && e.quantity == INT32_MAX);
    assert_true(qty_line("-2147483648", &fs, &e) && e.quantity == INT32_MIN);
    assert_true(qty_line("null", &fs, &e) && !e.has_quantity);
    static const char *const slow[] = {"2147483648", "-2147483649", "99999999999", "01", "1.0", "2e0", "\"3\"",
                                       "true", "-"};
    for (size_t i = 0; i < sizeof slow / sizeof slow[0]; i++)
        if (qty_line(slow[i], &fs, &e)) fail_msg("quantity %s should not take the fast path", slow[i]);
}

static int ts_line(const char *ts, etl_fast_state *fs, etl_event *e) {
    char line[1024];
    line_of(line, sizeof line, ts, "\"u_1\"", "page_view", "null", "null", "null");
    return both(line, fs, e);
}

/* Timestamps: the cached hour, the forms without fraction and with Z; every other form ISO-8601
 * allows goes through ev_time_parse (same result), and invalid ones to the general path. */
static void test_timestamps(void **state) {
    (void)state;
    etl_fast_state fs = {0};
    etl_event e;
    assert_true(ts_line("2025-11-20T00:10:00.001060+00:00", &fs, &e) && e.ts_usec == INT64_C(1763597400001060));
    assert_true(ts_line("2025-11-20T00:59:59.999999+00:00", &fs, &e)); /* same hour: from the cache */
    assert_true(ts_line("2025-11-20T01:00:00+00:00", &fs, &e) && e.ts_usec == INT64_C(1763600400000000));
    static const char *const ok[] = {"2025-11-20T01:00:01Z", "2025-11-20T01:00:01.123Z", "2025-11-20 01:00:00.5",
                                     "2025-11-20T02:00:00.000001+01:00", "2025-11-20T01:00:00.123456789Z",
                                     "2024-02-29T23:59:59.999999+00:00", "9999-12-31T23:59:59.999999+00:00",
                                     "0001-01-01T00:00:00Z", "2025-11-20T01:00:00.000078-00:00", "2025-11-20T01:00"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!ts_line(ok[i], &fs, &e)) fail_msg("timestamp %s should be typed", ok[i]);
    static const char *const bad[] = {"2025-11-20T01:60:00+00:00", "2025-11-20T24:00:00+00:00",
                                      "2025-02-29T01:00:00+00:00", "0000-01-01T00:00:00Z",
                                      "2025-11-20T01:00:00.+00:00", "2025-11-20T01:00:00.0000000001Z",
                                      "2025-11-20T01:00:00+00:00x", "2025-11-20T01:00:61Z", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ts_line(bad[i], &fs, &e)) fail_msg("timestamp %s should be rejected", bad[i]);
    /* a bad hour is never cached: the next line of a good hour still parses */
    assert_true(ts_line("2025-11-20T05:10:00.000001+00:00", &fs, &e) && e.ts_usec == INT64_C(1763615400000001));
}

/* Strings: plain ASCII only; escapes, UTF-8, controls, numbers and booleans go to the general
 * path (which decodes, validates or rejects them). Unknown event types too. */
static void test_strings(void **state) {
    (void)state;
    etl_fast_state fs = {0};
    etl_event e;
    char line[1024];
    line_of(line, sizeof line, TS, "\"u_48213\"", "search", "null", "null", "\"laptop stand \\u0000\"");
    assert_false(both(line, &fs, &e));
    static const char *const users[] = {"\"a\\\"b\"", "\"caf\\u00e9\"", "\"caf\xc3\xa9\"", "\"x\ty\"", "12",
                                        "true", "\"\\ud83d\\ude00\""};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        line_of(line, sizeof line, TS, users[i], "page_view", "null", "null", "null");
        if (both(line, &fs, &e)) fail_msg("user_id %s should not take the fast path", users[i]);
    }
    line_of(line, sizeof line, TS, "\"\"", "remove_from_cart", "null", "null", "\"  two  words \x7f\"");
    assert_true(both(line, &fs, &e));
    assert_int_equal(e.str_len[ETL_COL_USER_ID], 0);
    assert_int_equal(e.str_len[ETL_COL_SEARCH_QUERY], 14);
    line_of(line, sizeof line, TS, "null", "hover", "null", "null", "null");
    assert_false(both(line, &fs, &e));
}

/* Shape: keys in another order, missing, unknown or escaped, other white space, truncation. */
static void test_shape(void **state) {
    (void)state;
    etl_fast_state fs = {0};
    etl_event e;
    char line[1024];
    line_of(line, sizeof line, TS, "\"u_1\"", "page_view", "null", "null", "null");
    assert_true(both(line, &fs, &e));
    size_t len = strlen(line);
    for (size_t cut = 0; cut < len; cut++) { /* every truncation */
        char *part = malloc(cut ? cut : 1);
        memcpy(part, line, cut);
        etl_event ignored;
        assert_false(etl_scan_fast(part, cut, &fs, &ignored));
        free(part);
    }
    static const char *const others[] = {
        "{\"user_id\": \"u_1\", \"timestamp\": \"2025-11-20T00:10:00Z\", \"session_id\": null, \"event_type\": "
        "\"search\", \"product_id\": null, \"quantity\": null, \"price\": null, \"category\": null, "
        "\"search_query\": null}",
        "{\"timestamp\": \"2025-11-20T00:10:00Z\", \"session_id\": null, \"event_type\": \"search\", "
        "\"product_id\": null, \"quantity\": null, \"price\": null, \"category\": null, \"search_query\": null}",
        "{\"timestamp\": \"2025-11-20T00:10:00Z\", \"user_id\": null, \"session_id\": null, \"event_type\": "
        "\"search\", \"product_id\": null, \"quantity\": null, \"price\": null, \"category\": null, "
        "\"search_query\": null, \"extra\": 1}",
        "{\"time\\u0073tamp\": \"2025-11-20T00:10:00Z\", \"user_id\": null, \"session_id\": null, \"event_type\": "
        "\"search\", \"product_id\": null, \"quantity\": null, \"price\": null, \"category\": null, "
        "\"search_query\": null}",
        "{\"timestamp\":\t\"2025-11-20T00:10:00Z\", \"user_id\": null, \"session_id\": null, \"event_type\": "
        "\"search\", \"product_id\": null, \"quantity\": null, \"price\": null, \"category\": null, "
        "\"search_query\": null}",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (both(others[i], &fs, &e)) fail_msg("line %zu should not take the fast path", i);
    /* compact JSON and trailing white space are this shape too */
    const char *compact = "{\"timestamp\":\"2025-11-20T00:10:00Z\",\"user_id\":null,\"session_id\":null,"
                          "\"event_type\":\"search\",\"product_id\":null,\"quantity\":3,\"price\":1.25,"
                          "\"category\":null,\"search_query\":\"q\"}  \t";
    assert_true(both(compact, &fs, &e));
    assert_true(e.quantity == 3 && e.price == 1.25);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_prices), cmocka_unit_test(test_quantities),
                                       cmocka_unit_test(test_timestamps), cmocka_unit_test(test_strings),
                                       cmocka_unit_test(test_shape)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
