/* etl_event.c: typing a scanned line into an event (see etl_event.h for the rules). */
#include "etl_event.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"

const char *const etl_field_names[ETL_NFIELDS] = {"timestamp", "user_id", "session_id", "event_type", "product_id",
                                                   "quantity", "price", "category", "search_query"};

static const char *const kind_names[] = {"absent", "null", "a string", "a number", "a boolean", "an object or array"};

/* Quotes at most 40 bytes of a value for a message. */
static void quote(char *out, size_t cap, const etl_field *f) {
    size_t n = f->len < 40 ? f->len : 40;
    snprintf(out, cap, "'%.*s%s'", (int)n, f->text, f->len > 40 ? "..." : "");
}

static ev_status reject(char *reason, size_t cap, const char *fmt, const char *field, const char *detail) {
    snprintf(reason, cap, fmt, field, detail);
    return EV_ERR_INPUT;
}

static int is_event_type(const char *s, size_t n) {
    static const char *const types[] = {"page_view", "add_to_cart", "remove_from_cart", "purchase", "search"};
    for (size_t i = 0; i < 5; i++)
        if (strlen(types[i]) == n && memcmp(types[i], s, n) == 0) return 1;
    return 0;
}

/* A decimal integer spanning all of s[0..n), in int32 range. */
static int parse_int32(const char *s, size_t n, int32_t *out) {
    char buf[32];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno || v < INT32_MIN || v > INT32_MAX) return 0;
    *out = (int32_t)v;
    return 1;
}

/* A finite number spanning all of s[0..n). */
static int parse_double(const char *s, size_t n, double *out) {
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v) || buf[0] == ' ') return 0;
    *out = v;
    return 1;
}

static ev_status string_field(const etl_field *f, int col, etl_event *e, char *reason, size_t cap) {
    const char *name = etl_field_names[col];
    switch (f->kind) {
    case ETL_FIELD_ABSENT:
    case ETL_FIELD_NULL: return EV_OK;
    case ETL_FIELD_STRING:
    case ETL_FIELD_NUMBER: {
        int slot = col == ETL_F_USER_ID ? ETL_COL_USER_ID : col == ETL_F_SESSION_ID ? ETL_COL_SESSION_ID
                 : col == ETL_F_PRODUCT_ID ? ETL_COL_PRODUCT_ID : col == ETL_F_CATEGORY ? ETL_COL_CATEGORY
                 : col == ETL_F_EVENT_TYPE ? ETL_COL_EVENT_TYPE : ETL_COL_SEARCH_QUERY;
        e->str[slot] = f->text;
        e->str_len[slot] = f->len;
        return EV_OK;
    }
    default: return reject(reason, cap, "%s: expected a string, got %s", name, kind_names[f->kind]);
    }
}

ev_status etl_event_from_fields(const etl_field f[ETL_NFIELDS], etl_event *e, char *reason, size_t cap) {
    memset(e, 0, sizeof *e);
    char q[64];
    const etl_field *ts = &f[ETL_F_TIMESTAMP];
    if (ts->kind == ETL_FIELD_ABSENT || ts->kind == ETL_FIELD_NULL)
        return reject(reason, cap, "%s: missing%s", "timestamp", ts->kind == ETL_FIELD_NULL ? " (null)" : "");
    if (ts->kind != ETL_FIELD_STRING)
        return reject(reason, cap, "%s: expected an ISO-8601 string, got %s", "timestamp", kind_names[ts->kind]);
    if (ev_time_parse(ts->text, ts->len, &e->ts_usec) != EV_OK) {
        quote(q, sizeof q, ts);
        return reject(reason, cap, "%s: %s is not an ISO-8601 time", "timestamp", q);
    }
    const etl_field *et = &f[ETL_F_EVENT_TYPE];
    if (et->kind == ETL_FIELD_ABSENT || et->kind == ETL_FIELD_NULL)
        return reject(reason, cap, "%s: missing%s", "event_type", et->kind == ETL_FIELD_NULL ? " (null)" : "");
    if (et->kind != ETL_FIELD_STRING)
        return reject(reason, cap, "%s: expected a string, got %s", "event_type", kind_names[et->kind]);
    if (!is_event_type(et->text, et->len)) {
        quote(q, sizeof q, et);
        return reject(reason, cap, "%s: unknown event_type %s", "event_type", q);
    }
    static const int strings[] = {ETL_F_USER_ID, ETL_F_SESSION_ID, ETL_F_EVENT_TYPE, ETL_F_PRODUCT_ID, ETL_F_CATEGORY,
                                  ETL_F_SEARCH_QUERY};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        EV_TRY(string_field(&f[strings[i]], strings[i], e, reason, cap));

    const etl_field *qty = &f[ETL_F_QUANTITY];
    if (qty->kind == ETL_FIELD_NUMBER || qty->kind == ETL_FIELD_STRING) {
        if (!parse_int32(qty->text, qty->len, &e->quantity)) {
            quote(q, sizeof q, qty);
            return reject(reason, cap, "%s: %s is not an integer", "quantity", q);
        }
        e->has_quantity = 1;
    } else if (qty->kind != ETL_FIELD_ABSENT && qty->kind != ETL_FIELD_NULL) {
        return reject(reason, cap, "%s: expected an integer, got %s", "quantity", kind_names[qty->kind]);
    }
    const etl_field *price = &f[ETL_F_PRICE];
    if (price->kind == ETL_FIELD_NUMBER || price->kind == ETL_FIELD_STRING) {
        if (!parse_double(price->text, price->len, &e->price)) {
            quote(q, sizeof q, price);
            return reject(reason, cap, "%s: %s is not a finite number", "price", q);
        }
        e->has_price = 1;
    } else if (price->kind != ETL_FIELD_ABSENT && price->kind != ETL_FIELD_NULL) {
        return reject(reason, cap, "%s: expected a number, got %s", "price", kind_names[price->kind]);
    }
    return EV_OK;
}
