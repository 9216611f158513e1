/* test_etl_rows.c: string interning and the columnar row buffer of the ETL. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_rows.h"

static void test_dict_interning(void **state) {
    (void)state;
    etl_dict d;
    etl_dict_init(&d, NULL);
    uint32_t a, b, c;
    assert_int_equal(etl_dict_intern(&d, "u_48213", 7, &a), EV_OK);
    assert_int_equal(etl_dict_intern(&d, "u_10000", 7, &b), EV_OK);
    assert_int_equal(etl_dict_intern(&d, "u_48213", 7, &c), EV_OK);
    assert_int_equal(a, 0);
    assert_int_equal(b, 1);
    assert_int_equal(c, 0);
    assert_int_equal(etl_dict_intern(&d, "", 0, &c), EV_OK); /* the empty string is a value */
    assert_int_equal(c, 2);
    assert_int_equal(etl_dict_intern(&d, "u_4821", 6, &c), EV_OK); /* a prefix is another value */
    assert_int_equal(c, 3);
    /* 100,000 distinct values force several rehashes; codes stay stable and values exact. */
    char buf[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "s_%d", i);
        assert_int_equal(etl_dict_intern(&d, buf, (size_t)n, &c), EV_OK);
        assert_int_equal(c, (uint32_t)(4 + i));
    }
    assert_int_equal(d.n, 100004);
    for (int i = 0; i < 100000; i += 777) {
        int n = snprintf(buf, sizeof buf, "s_%d", i);
        assert_int_equal(etl_dict_intern(&d, buf, (size_t)n, &c), EV_OK);
        assert_int_equal(c, (uint32_t)(4 + i));
        size_t len;
        const char *v = etl_dict_value(&d, c, &len);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(v, buf, len);
    }
    etl_dict_reset(&d);
    assert_int_equal(etl_dict_intern(&d, "u_10000", 7, &c), EV_OK);
    assert_int_equal(c, 0);
    etl_dict_free(&d);
}

/* Ids take the direct array, everything else the hash table; each value has exactly one code. */
static void test_dict_direct_ids(void **state) {
    (void)state;
    etl_dict d;
    etl_dict_init(&d, NULL);
    const char *values[] = {"u_48213", "u_048213", "u_0", "x_5", "u_123456789", "u_4194303", "u_4194304",
                            "u_", "48213", "u_10000", "u-10000", "u_48213"};
    uint32_t codes[12];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 12; i++) {
            uint32_t c;
            assert_int_equal(etl_dict_intern(&d, values[i], strlen(values[i]), &c), EV_OK);
            if (round == 0) codes[i] = c;
            else assert_int_equal(c, codes[i]); /* stable on repeat */
        }
    }
    assert_int_equal(codes[11], codes[0]);   /* "u_48213" twice: one code */
    assert_int_equal(d.n, 11);               /* 12 values, one repeated */
    assert_int_equal(d.id_prefix_len, 2);    /* "u_" was chosen by the first id */
    assert_int_equal(d.hashes[codes[0]], ETL_DICT_DIRECT);
    assert_int_equal(d.hashes[codes[5]], ETL_DICT_DIRECT);   /* 2^22 - 1: still direct */
    assert_true(d.hashes[codes[6]] != ETL_DICT_DIRECT);      /* 2^22: hashed */
    assert_true(d.hashes[codes[1]] != ETL_DICT_DIRECT);      /* leading zero: hashed */
    assert_true(d.hashes[codes[3]] != ETL_DICT_DIRECT);      /* another prefix: hashed */
    assert_true(d.hashes[codes[4]] != ETL_DICT_DIRECT);      /* too many digits: hashed */
    for (int i = 0; i < 11; i++) {
        size_t len;
        const char *v = etl_dict_value(&d, codes[i], &len);
        assert_int_equal(len, strlen(values[i]));
        assert_memory_equal(v, values[i], len);
    }
    etl_dict_reset(&d);
    uint32_t c;
    assert_int_equal(etl_dict_intern(&d, "u_48213", 7, &c), EV_OK);
    assert_int_equal(c, 0);
    assert_int_equal(d.n, 1);
    etl_dict_free(&d);
}

/* Dictionaries of direct ids of one length come out in byte order without sorting; any other
 * dictionary says it cannot (the writer then sorts it). */
static void test_dict_sorted_order(void **state) {
    (void)state;
    etl_dict d;
    etl_dict_init(&d, NULL);
    uint32_t order[5000];
    srand(5);
    for (int round = 0; round < 20; round++) {
        etl_dict_reset(&d);
        int n = 1 + rand() % 4000;
        for (int i = 0; i < n; i++) {
            char v[16];
            int len = snprintf(v, sizeof v, "s_%d", 10000 + rand() % 90000);
            uint32_t c;
            assert_int_equal(etl_dict_intern(&d, v, (size_t)len, &c), EV_OK);
        }
        assert_true(etl_dict_sorted_order(&d, order));
        for (uint32_t k = 1; k < d.n; k++) {
            size_t la, lb;
            const char *a = etl_dict_value(&d, order[k - 1], &la), *b = etl_dict_value(&d, order[k], &lb);
            assert_int_equal(la, lb);
            assert_true(memcmp(a, b, la) < 0);
        }
    }
    /* another length ("s_9" sorts after "s_10000"), or a hashed value: no */
    static const char *const mixed[][3] = {{"s_10000", "s_9", "s_20000"}, {"s_10000", "s_20000", "zzz"}};
    for (int m = 0; m < 2; m++) {
        etl_dict_reset(&d);
        for (int i = 0; i < 3; i++) {
            uint32_t c;
            assert_int_equal(etl_dict_intern(&d, mixed[m][i], strlen(mixed[m][i]), &c), EV_OK);
        }
        order[0] = 77;
        assert_false(etl_dict_sorted_order(&d, order));
        assert_int_equal(order[0], 77);
    }
    etl_dict_reset(&d);
    assert_false(etl_dict_sorted_order(&d, order)); /* empty */
    etl_dict_free(&d);
}

static void test_rows_buffer(void **state) {
    (void)state;
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, SIZE_MAX, 0);
    etl_rows r;
    etl_rows_init(&r, &lim.iface);
    etl_event e;
    memset(&e, 0, sizeof e);
    for (int i = 0; i < 10000; i++) {
        e.ts_usec = 1000 + (i % 7) * 10;
        e.str[ETL_COL_USER_ID] = i % 2 ? "u_1" : "u_2";
        e.str_len[ETL_COL_USER_ID] = 3;
        e.str[ETL_COL_EVENT_TYPE] = "page_view";
        e.str_len[ETL_COL_EVENT_TYPE] = 9;
        e.str[ETL_COL_SEARCH_QUERY] = NULL;
        e.has_quantity = i % 3 == 0;
        e.quantity = i % 5;
        e.has_price = i % 4 == 0;
        e.price = i * 0.5;
        assert_int_equal(etl_rows_append(&r, &e), EV_OK);
    }
    assert_int_equal(r.n, 10000);
    assert_int_equal(r.dict[ETL_COL_USER_ID].n, 2);
    assert_int_equal(r.dict[ETL_COL_SEARCH_QUERY].n, 0);
    assert_int_equal(r.codes[ETL_COL_SEARCH_QUERY][9999], ETL_NULL_CODE);
    assert_int_equal(r.codes[ETL_COL_USER_ID][0], 0); /* "u_2" came first */
    assert_int_equal(r.codes[ETL_COL_USER_ID][1], 1);
    assert_int_equal(r.ts_min, 1000);
    assert_int_equal(r.ts_max, 1060);
    assert_true(r.has_quantity[9999]);
    assert_int_equal(r.quantity[9999], 4);
    assert_false(r.has_price[9999]);
    assert_true(etl_rows_memory(&r) >= 10000 * 46);
    assert_true(lim.live_bytes > 0);
    etl_rows_reset(&r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.dict[ETL_COL_USER_ID].n, 0);
    etl_rows_free(&r);
    assert_int_equal(lim.live_bytes, 0); /* every byte accounted for and returned */
}

static void test_rows_out_of_memory(void **state) {
    (void)state;
    ev_limit_allocator lim;
    ev_limit_allocator_init(&lim, NULL, SIZE_MAX, 1024 * 1024);
    etl_rows r;
    etl_rows_init(&r, &lim.iface);
    etl_event e;
    memset(&e, 0, sizeof e);
    char id[32];
    ev_status st = EV_OK;
    int i;
    for (i = 0; i < 100000 && st == EV_OK; i++) {
        e.str[ETL_COL_SESSION_ID] = id;
        e.str_len[ETL_COL_SESSION_ID] = (size_t)snprintf(id, sizeof id, "s_%d", i);
        st = etl_rows_append(&r, &e);
    }
    assert_int_equal(st, EV_ERR_NOMEM); /* the budget is hit and reported, not a crash */
    assert_true(i > 100);
    etl_rows_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dict_interning),
        cmocka_unit_test(test_dict_direct_ids),
        cmocka_unit_test(test_dict_sorted_order),
        cmocka_unit_test(test_rows_buffer),
        cmocka_unit_test(test_rows_out_of_memory),
    };
    return cmocka_run_group_tests_name("etl_rows", tests, NULL, NULL);
}
