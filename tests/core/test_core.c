/* test_core.c: status, allocators, arenas, buffers, time parsing and formatting, fs helpers. */
#include "test_util.h"

#include <stdio.h>
#include <string.h>

#include "ev_fs.h"
#include "ev_status.h"
#include "ev_time.h"

static void test_error_messages(void **state) {
    (void)state;
    ev_error err;
    ev_error_clear(&err);
    assert_int_equal(ev_error_set(&err, EV_ERR_INPUT, "line %d:%d: bad", 3, 8), EV_ERR_INPUT);
    assert_string_equal(err.msg, "line 3:8: bad");
    ev_error_prefix(&err, "query %s", "q1");
    assert_string_equal(err.msg, "query q1: line 3:8: bad");
    assert_int_equal(ev_status_exit_code(EV_OK), 0);
    assert_int_equal(ev_status_exit_code(EV_ERR_INPUT), 1);
    assert_int_equal(ev_status_exit_code(EV_ERR_IO), 2);
    assert_int_equal(ev_status_exit_code(EV_ERR_INTERNAL), 2);
    ev_error_errno(&err, EV_ERR_IO, 2, "cannot open '%s'", "x");
    assert_string_equal(err.msg, "cannot open 'x': No such file or directory");
}

static void test_arena_and_buf(void **state) {
    (void)state;
    ev_arena a;
    ev_arena_init(&a, NULL, 128);
    char *s = ev_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    void *big = ev_arena_alloc(&a, 1000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    assert_true(a.total_reserved >= 1000 + 16);
    ev_arena_reset(&a);
    assert_true(a.total_reserved >= 128);
    ev_arena_destroy(&a);
    ev_arena_destroy(&a); /* idempotent */

    ev_buf b;
    ev_buf_init(&b, NULL);
    for (int i = 0; i < 1000; i++) assert_int_equal(ev_buf_printf(&b, "%d,", i), EV_OK);
    assert_int_equal(b.len, 10 * 2 + 90 * 3 + 900 * 4);
    assert_memory_equal(b.data, "0,1,2,", 6);
    ev_buf_free(&b);
}

static void test_failing_allocator(void **state) {
    (void)state;
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, 2, 0);
    ev_buf b;
    ev_buf_init(&b, &lim.iface);
    assert_int_equal(ev_buf_append(&b, "x", 1), EV_OK);           /* alloc 1 */
    assert_int_equal(ev_buf_reserve(&b, 1000), EV_OK);            /* realloc 2 */
    assert_int_equal(ev_buf_reserve(&b, 100000), EV_ERR_NOMEM);   /* refused */
    ev_buf_free(&b);
    assert_int_equal(lim.live_bytes, 0);

    ev_limit_allocator_init(&lim, NULL, SIZE_MAX, 4096);
    ev_arena ar;
    ev_arena_init(&ar, &lim.iface, 1024);
    assert_non_null(ev_arena_alloc(&ar, 100));
    assert_null(ev_arena_alloc(&ar, 8192)); /* over the byte budget */
    ev_arena_destroy(&ar);
    assert_int_equal(lim.live_bytes, 0);
}

static void test_civil_roundtrip(void **state) {
    (void)state;
    assert_int_equal(ev_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(ev_days_from_civil(2000, 3, 1), 11017);
    for (int64_t d = -800000; d < 800000; d += 997) {
        int y, m, dd;
        ev_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(ev_days_from_civil(y, m, dd), d);
    }
    ev_civil c;
    ev_time_to_civil(-1, &c);
    assert_int_equal(c.year, 1969);
    assert_int_equal(c.second, 59);
    assert_int_equal(c.usec, 999999);
}

static int64_t parse_ok(const char *s) {
    int64_t t = 0;
    assert_int_equal(ev_time_parse(s, strlen(s), &t), EV_OK);
    return t;
}

static void test_time_parse_forms(void **state) {
    (void)state;
    int64_t base = parse_ok("2025-11-19T17:44:54.718325+00:00");
    assert_int_equal(base, INT64_C(1763574294718325));
    assert_int_equal(parse_ok("2025-11-19T17:44:54.718325Z"), base);
    assert_int_equal(parse_ok("2025-11-19 17:44:54.718325"), base);
    assert_int_equal(parse_ok("2025-11-19T18:44:54.718325+01:00"), base);
    assert_int_equal(parse_ok("2025-11-19T12:14:54.718325-0530"), base);
    assert_int_equal(parse_ok("2025-11-19T17:44:54.718Z"), base - 325);
    assert_int_equal(parse_ok("2025-11-19T17:44:54.718325999Z"), base);
    assert_int_equal(parse_ok("2025-11-19T17:44:54+00:00"), base - 718325);
    assert_int_equal(parse_ok("2025-11-19T17:44Z"), base - 54718325);
    assert_int_equal(parse_ok("2025-11-20"), INT64_C(1763596800000000));
    assert_int_equal(parse_ok("2025-11-20 00:00"), INT64_C(1763596800000000));
    const char *bad[] = {"", "2025", "2025-13-01", "2025-02-29", "2025-11-19T24:00:00",
                         "2025-11-19T17:44:54.", "2025-11-19T17:44:54+", "2025-11-19T17:44:54 junk",
                         "2025-11-19T17:44:54.1234567890Z", "20251119", "2025-11-19T1:2:3",
                         "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        assert_int_equal(ev_time_parse(bad[i], strlen(bad[i]), &t), EV_ERR_INPUT);
    }
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), INT64_C(1709164800000000));
    assert_int_equal(parse_ok("0001-01-01T00:00:00Z"), EV_TIME_MIN);
    assert_int_equal(parse_ok("9999-12-31T23:59:59.999999Z"), EV_TIME_MAX);
}

static void test_time_format(void **state) {
    (void)state;
    char out[64];
    size_t n = ev_time_format_py_iso(INT64_C(1763574294718325), out);
    assert_int_equal(n, 32);
    assert_memory_equal(out, "2025-11-19T17:44:54.718325+00:00", 32);
    n = ev_time_format_py_iso(INT64_C(1763574294000000), out);
    assert_int_equal(n, 25);
    assert_memory_equal(out, "2025-11-19T17:44:54+00:00", 25);
    n = ev_time_format_py_iso(INT64_C(1763574294000007), out);
    assert_memory_equal(out, "2025-11-19T17:44:54.000007+00:00", n);
    ev_time_format_sql(INT64_C(1763625600123456), out);
    assert_string_equal(out, "2025-11-20 08:00:00.123");
    ev_time_format_iso_z(INT64_C(1763625600123456), out);
    assert_string_equal(out, "2025-11-20T08:00:00Z");
    int64_t d;
    assert_int_equal(ev_duration_parse("5m", &d), EV_OK);
    assert_int_equal(d, 300 * EV_USEC_PER_SEC);
    assert_int_equal(ev_duration_parse("250ms", &d), EV_OK);
    assert_int_equal(d, 250000);
    assert_int_equal(ev_duration_parse("1.5h", &d), EV_OK);
    assert_int_equal(d, 5400 * EV_USEC_PER_SEC);
    assert_int_equal(ev_duration_parse("5 parsecs", &d), EV_ERR_INPUT);
    assert_int_equal(ev_duration_parse("nan", &d), EV_ERR_INPUT);
    assert_int_equal(ev_duration_parse("inf", &d), EV_ERR_INPUT);
    assert_int_equal(ev_duration_parse("-3s", &d), EV_ERR_INPUT);
    assert_int_equal(ev_duration_parse("1e308d", &d), EV_ERR_INPUT);
    assert_int_equal(ev_time_floor(-1, 10), -10);
    assert_int_equal(ev_time_floor(19, 10), 10);
}

static void test_fs_atomic(void **state) {
    (void)state;
    char dir[256], path[512], sub[512];
    ev_error err;
    tu_mkdtemp(dir, "fs");
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    assert_int_equal(ev_mkdir_p(sub, &err), EV_OK);
    assert_int_equal(ev_mkdir_p(sub, &err), EV_OK);
    assert_true(ev_is_dir(sub));
    snprintf(path, sizeof path, "%s/f.txt", sub);
    assert_int_equal(ev_write_file_atomic(path, "hello", 5, &err), EV_OK);
    ev_buf b;
    ev_buf_init(&b, NULL);
    assert_int_equal(ev_read_file(path, &b, &err), EV_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "hello", 5);
    ev_buf_free(&b);
    snprintf(path, sizeof path, "%s/missing", dir);
    ev_buf_init(&b, NULL);
    assert_int_equal(ev_read_file(path, &b, &err), EV_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "missing"));
    ev_buf_free(&b);
    snprintf(path, sizeof path, "%s/a/b/c/f.txt/x", dir);
    assert_int_equal(ev_mkdir_p(path, &err), EV_ERR_IO);
    tu_rmtree(dir);
    assert_false(ev_path_exists(dir));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_messages),  cmocka_unit_test(test_arena_and_buf),
        cmocka_unit_test(test_failing_allocator), cmocka_unit_test(test_civil_roundtrip),
        cmocka_unit_test(test_time_parse_forms), cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_fs_atomic),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
