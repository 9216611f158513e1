/* test_etl_event.c: typing scanned fields into events, and the quarantine reasons. */
#include "test_util.h"

#include <string.h>

#include "etl_event.h"

static void set(etl_field *f, etl_field_kind kind, const char *text) {
    f->kind = kind;
    f->text = text;
    f->len = text ? strlen(text) : 0;
}

static void base(etl_field f[ETL_NFIELDS]) {
    memset(f, 0, sizeof(etl_field) * ETL_NFIELDS);
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_STRING, "2025-11-19T17:44:54.718325+00:00");
    set(&f[ETL_F_USER_ID], ETL_FIELD_STRING, "u_48213");
    set(&f[ETL_F_SESSION_ID], ETL_FIELD_STRING, "s_77120");
    set(&f[ETL_F_EVENT_TYPE], ETL_FIELD_STRING, "purchase");
    set(&f[ETL_F_PRODUCT_ID], ETL_FIELD_STRING, "p_3004");
    set(&f[ETL_F_QUANTITY], ETL_FIELD_NUMBER, "2");
    set(&f[ETL_F_PRICE], ETL_FIELD_NUMBER, "123.45");
    set(&f[ETL_F_CATEGORY], ETL_FIELD_STRING, "home");
    set(&f[ETL_F_SEARCH_QUERY], ETL_FIELD_NULL, "null");
}

static void expect_reject(etl_field f[ETL_NFIELDS], const char *want) {
    etl_event e;
    char reason[256];
    assert_int_equal(etl_event_from_fields(f, &e, reason, sizeof reason), EV_ERR_INPUT);
    assert_string_equal(reason, want);
}

static void test_typing(void **state) {
    (void)state;
    etl_field f[ETL_NFIELDS];
    etl_event e;
    char reason[256];
    base(f);
    assert_int_equal(etl_event_from_fields(f, &e, reason, sizeof reason), EV_OK);
    assert_int_equal(e.ts_usec, INT64_C(1763574294718325));
    assert_int_equal(e.str_len[ETL_COL_USER_ID], 7);
    assert_memory_equal(e.str[ETL_COL_USER_ID], "u_48213", 7);
    assert_memory_equal(e.str[ETL_COL_EVENT_TYPE], "purchase", 8);
    assert_null(e.str[ETL_COL_SEARCH_QUERY]);
    assert_true(e.has_quantity && e.quantity == 2);
    assert_true(e.has_price && e.price == 123.45);
    /* Numbers as strings, a number where a string is expected, absent optional fields. */
    set(&f[ETL_F_QUANTITY], ETL_FIELD_STRING, "3");
    set(&f[ETL_F_PRICE], ETL_FIELD_STRING, "19.99");
    set(&f[ETL_F_PRODUCT_ID], ETL_FIELD_NUMBER, "1001");
    set(&f[ETL_F_CATEGORY], ETL_FIELD_ABSENT, NULL);
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_STRING, "2025-11-19T18:44:54Z");
    assert_int_equal(etl_event_from_fields(f, &e, reason, sizeof reason), EV_OK);
    assert_int_equal(e.quantity, 3);
    assert_true(e.price == 19.99);
    assert_memory_equal(e.str[ETL_COL_PRODUCT_ID], "1001", 4);
    assert_null(e.str[ETL_COL_CATEGORY]);
    assert_int_equal(e.ts_usec, INT64_C(1763577894000000));
}

static void test_reasons(void **state) {
    (void)state;
    etl_field f[ETL_NFIELDS];
    base(f);
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_ABSENT, NULL);
    expect_reject(f, "timestamp: missing");
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_NULL, "null");
    expect_reject(f, "timestamp: missing (null)");
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_NUMBER, "1763574294");
    expect_reject(f, "timestamp: expected an ISO-8601 string, got a number");
    set(&f[ETL_F_TIMESTAMP], ETL_FIELD_STRING, "yesterday at noon");
    expect_reject(f, "timestamp: 'yesterday at noon' is not an ISO-8601 time");
    base(f);
    set(&f[ETL_F_EVENT_TYPE], ETL_FIELD_STRING, "hover");
    expect_reject(f, "event_type: unknown event_type 'hover'");
    set(&f[ETL_F_EVENT_TYPE], ETL_FIELD_ABSENT, NULL);
    expect_reject(f, "event_type: missing");
    base(f);
    set(&f[ETL_F_QUANTITY], ETL_FIELD_STRING, "two");
    expect_reject(f, "quantity: 'two' is not an integer");
    set(&f[ETL_F_QUANTITY], ETL_FIELD_NUMBER, "2.5");
    expect_reject(f, "quantity: '2.5' is not an integer");
    set(&f[ETL_F_QUANTITY], ETL_FIELD_NUMBER, "99999999999");
    expect_reject(f, "quantity: '99999999999' is not an integer");
    set(&f[ETL_F_QUANTITY], ETL_FIELD_BOOL, "true");
    expect_reject(f, "quantity: expected an integer, got a boolean");
    base(f);
    set(&f[ETL_F_PRICE], ETL_FIELD_STRING, "NaN");
    expect_reject(f, "price: 'NaN' is not a finite number");
    set(&f[ETL_F_PRICE], ETL_FIELD_NUMBER, "1e999");
    expect_reject(f, "price: '1e999' is not a finite number");
    base(f);
    set(&f[ETL_F_USER_ID], ETL_FIELD_OTHER, "{\"a\": 1}");
    expect_reject(f, "user_id: expected a string, got an object or array");
    base(f);
    set(&f[ETL_F_EVENT_TYPE], ETL_FIELD_STRING,
        "a_very_long_event_type_name_that_goes_on_and_on_and_on_and_on");
    expect_reject(f, "event_type: unknown event_type 'a_very_long_event_type_name_that_goes_on...'");
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_typing), cmocka_unit_test(test_reasons)};
    return cmocka_run_group_tests_name("etl_event", tests, NULL, NULL);
}
