/* test_sched_expr.c: AWS rate/cron expressions: next fire times across hour, day, month and year
 * boundaries (28/29/30/31-day months, leap years 2000/2024/2100), '?', steps, lists, ranges,
 * names, L/W/#, rate alignment, canonical printing, error messages with columns, and a
 * differential check against a naive minute-by-minute matcher written independently here. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"
#include "sched_expr.h"

static int64_t t_of(const char *iso) {
    int64_t t;
    if (ev_time_parse(iso, strlen(iso), &t) != EV_OK) fail_msg("bad test time %s", iso);
    return t;
}

/* The next fire time of `expr` strictly after `after`, as "YYYY-MM-DDTHH:MM:SSZ", or "none". */
static const char *next_of(const char *expr, const char *after, char *buf) {
    sched_expr e;
    ev_error err;
    if (sched_expr_parse(expr, &e, &err) != EV_OK) fail_msg("%s: %s", expr, err.msg);
    int64_t n;
    if (sched_expr_next(&e, t_of(after), &n) != EV_OK) return "none";
    ev_time_format_iso_z(n, buf);
    return buf;
}

#define NEXT(expr, after, want)                                                                              \
    do {                                                                                                     \
        char b_[40];                                                                                         \
        const char *got_ = next_of(expr, after, b_);                                                         \
        if (strcmp(got_, want) != 0) fail_msg("%s after %s: got %s, want %s", expr, after, got_, want);      \
    } while (0)

static void test_rate(void **state) {
    (void)state;
    NEXT("rate(5 minutes)", "2025-11-20T08:03:10Z", "2025-11-20T08:05:00Z");
    NEXT("rate(5 minutes)", "2025-11-20T08:05:00Z", "2025-11-20T08:10:00Z"); /* strictly after */
    NEXT("rate(5 minutes)", "2025-11-20T08:04:59.999999Z", "2025-11-20T08:05:00Z");
    NEXT("rate(1 minute)", "2025-11-20T08:04:00.000001Z", "2025-11-20T08:05:00Z");
    NEXT("rate(1 hour)", "2025-12-31T23:30:00Z", "2026-01-01T00:00:00Z");
    NEXT("rate(2 hours)", "2025-11-20T01:00:00Z", "2025-11-20T02:00:00Z");
    NEXT("rate(1 day)", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00Z");
    NEXT("rate(1 day)", "2100-02-28T12:00:00Z", "2100-03-01T00:00:00Z");
    /* epoch alignment, also before 1970 */
    NEXT("rate(7 days)", "1970-01-01T00:00:00Z", "1970-01-08T00:00:00Z");
    NEXT("rate(7 days)", "1969-12-31T00:00:00Z", "1970-01-01T00:00:00Z");
    NEXT("rate(7 days)", "1969-12-24T00:00:00Z", "1969-12-25T00:00:00Z");
    NEXT("  rate( 15   minutes )  ", "2025-11-20T08:00:00Z", "2025-11-20T08:15:00Z");

    sched_expr e;
    ev_error err;
    assert_int_equal(sched_expr_parse("rate(1000000 days)", &e, &err), EV_OK);
    int64_t n = 0;
    assert_int_equal(sched_expr_next(&e, INT64_MAX - 5, &n), EV_ERR_NOT_FOUND);
    assert_int_equal(sched_expr_next(&e, INT64_MIN, &n), EV_OK);
    assert_true(n > INT64_MIN);
    assert_int_equal(n % e.rate_usec, 0);
}

static void test_cron_hourly_and_boundaries(void **state) {
    (void)state;
    NEXT("cron(0 * * * ? *)", "2025-11-20T08:00:00Z", "2025-11-20T09:00:00Z");
    NEXT("cron(0 * * * ? *)", "2025-11-20T08:59:59.999999Z", "2025-11-20T09:00:00Z");
    NEXT("cron(0 * * * ? *)", "2025-11-20T23:00:00Z", "2025-11-21T00:00:00Z");
    NEXT("cron(0 * * * ? *)", "2025-11-30T23:10:00Z", "2025-12-01T00:00:00Z");
    NEXT("cron(0 * * * ? *)", "2025-12-31T23:30:00Z", "2026-01-01T00:00:00Z");
    NEXT("cron(0 * ? * * *)", "2025-12-31T23:30:00Z", "2026-01-01T00:00:00Z");
    NEXT("cron(* * * * ? *)", "2025-12-31T23:59:00Z", "2026-01-01T00:00:00Z");
    NEXT("cron(30 23 31 12 ? *)", "2025-12-31T23:30:00Z", "2026-12-31T23:30:00Z");
    NEXT("cron(0 0 1 * ? *)", "2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z");
    /* before 1970: the first fire is in 1970 */
    NEXT("cron(15 10 * * ? *)", "1900-01-01T00:00:00Z", "1970-01-01T10:15:00Z");
}

static void test_cron_month_lengths_and_leap_years(void **state) {
    (void)state;
    NEXT("cron(0 12 L * ? *)", "2024-02-01T00:00:00Z", "2024-02-29T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2023-02-01T00:00:00Z", "2023-02-28T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2100-02-01T00:00:00Z", "2100-02-28T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2000-02-01T00:00:00Z", "2000-02-29T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2024-04-01T00:00:00Z", "2024-04-30T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2024-01-31T12:00:00Z", "2024-02-29T12:00:00Z");
    NEXT("cron(0 12 L * ? *)", "2024-12-31T11:59:00Z", "2024-12-31T12:00:00Z");
    NEXT("cron(0 0 29 2 ? *)", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z");
    NEXT("cron(0 0 29 2 ? *)", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"); /* 2100 is not */
    NEXT("cron(0 0 29 2 ? *)", "1999-01-01T00:00:00Z", "2000-02-29T00:00:00Z"); /* 2000 is */
    NEXT("cron(0 0 31 * ? *)", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z");
    NEXT("cron(0 0 31 * ? *)", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z");
    NEXT("cron(0 0 30 * ? *)", "2025-01-30T00:00:00Z", "2025-03-30T00:00:00Z");
    NEXT("cron(0 0 31 2,4,6,9,11,12 ? *)", "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z");
}

static void test_cron_steps_lists_ranges_names(void **state) {
    (void)state;
    /* 2025-11-21 is a Friday */
    NEXT("cron(*/15 9-17 ? * MON-FRI *)", "2025-11-21T17:50:00Z", "2025-11-24T09:00:00Z");
    NEXT("cron(*/15 9-17 ? * MON-FRI *)", "2025-11-21T16:50:00Z", "2025-11-21T17:00:00Z");
    NEXT("cron(*/15 9-17 ? * 2-6 *)", "2025-11-21T10:14:00Z", "2025-11-21T10:15:00Z");
    NEXT("cron(0/20 * * * ? *)", "2025-11-21T10:40:00Z", "2025-11-21T11:00:00Z");
    NEXT("cron(7/20 * * * ? *)", "2025-11-21T10:47:00Z", "2025-11-21T11:07:00Z");
    NEXT("cron(5,35 10-12/2 ? * * *)", "2025-11-21T10:40:00Z", "2025-11-21T12:05:00Z");
    NEXT("cron(5,35 10-12/2 ? * * *)", "2025-11-21T12:35:00Z", "2025-11-22T10:05:00Z");
    NEXT("cron(0 0 1 jan ? *)", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00Z");
    NEXT("cron(0 0 1 Jul-Aug,DEC ? *)", "2025-08-01T00:00:00Z", "2025-12-01T00:00:00Z");
    NEXT("cron(0 0 ? * SUN,sat *)", "2025-11-21T00:00:00Z", "2025-11-22T00:00:00Z");
    NEXT("cron(0 0 ? * L *)", "2025-11-21T00:00:00Z", "2025-11-22T00:00:00Z"); /* L = SAT */
    NEXT("cron(0 0 ? JAN,JUL SUN#1 2026-2027)", "2026-01-05T00:00:00Z", "2026-07-05T00:00:00Z");
    NEXT("cron(0 0 ? JAN,JUL SUN#1 2026-2027)", "2026-07-05T00:00:00Z", "2027-01-03T00:00:00Z");
    NEXT("cron(0 0 ? JAN,JUL SUN#1 2026-2027)", "2027-07-04T00:00:00Z", "none");
    NEXT("cron(0 0 1 1 ? 2030)", "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
    NEXT("cron(0 0 1 1 ? 2030)", "2030-01-01T00:00:00Z", "none");
    NEXT("cron(0 0 1 1 ? 1970/50)", "2021-01-01T00:00:00Z", "2070-01-01T00:00:00Z");
    NEXT("cron(59 23 ? * SAT 2199)", "2199-12-20T00:00:00Z", "2199-12-21T23:59:00Z");
    NEXT("cron(59 23 ? * SAT 2199)", "2199-12-28T23:59:00Z", "none");
    NEXT("cron(0 0 ? * * *)", "2199-12-31T00:00:00Z", "none");
    NEXT("cron(0 0 ? * * *)", "9999-12-31T00:00:00Z", "none");
}

static void test_cron_l_w_hash(void **state) {
    (void)state;
    NEXT("cron(0 8 ? * 3#2 *)", "2025-11-01T00:00:00Z", "2025-11-11T08:00:00Z");
    NEXT("cron(0 8 ? * TUE#2 *)", "2025-11-11T08:00:00Z", "2025-12-09T08:00:00Z");
    NEXT("cron(0 8 ? * 2#5 *)", "2025-11-21T00:00:00Z", "2025-12-29T08:00:00Z");
    NEXT("cron(0 18 ? * 6L *)", "2025-11-01T00:00:00Z", "2025-11-28T18:00:00Z");
    NEXT("cron(0 18 ? * FRIL *)", "2025-11-28T18:00:00Z", "2025-12-26T18:00:00Z");
    NEXT("cron(0 9 15W * ? *)", "2025-11-01T00:00:00Z", "2025-11-14T09:00:00Z"); /* 15th is Sat */
    NEXT("cron(0 9 15W * ? *)", "2026-02-01T00:00:00Z", "2026-02-16T09:00:00Z"); /* 15th is Sun */
    NEXT("cron(0 9 15W * ? *)", "2025-11-20T00:00:00Z", "2025-12-15T09:00:00Z"); /* Monday */
    NEXT("cron(0 9 1W * ? *)", "2025-10-31T00:00:00Z", "2025-11-03T09:00:00Z");  /* 1st is Sat */
    NEXT("cron(0 9 30W * ? *)", "2025-11-01T00:00:00Z", "2025-11-28T09:00:00Z"); /* 30th is Sun */
    NEXT("cron(0 9 31W * ? *)", "2025-11-01T00:00:00Z", "2025-12-31T09:00:00Z"); /* no Nov 31 */
    NEXT("cron(0 9 LW * ? *)", "2025-11-01T00:00:00Z", "2025-11-28T09:00:00Z");  /* 30th is Sun */
    NEXT("cron(0 9 LW * ? *)", "2025-11-28T09:00:00Z", "2025-12-31T09:00:00Z");
}

static void check_format(const char *in, const char *want) {
    sched_expr e, back;
    ev_error err;
    if (sched_expr_parse(in, &e, &err) != EV_OK) fail_msg("%s: %s", in, err.msg);
    char out[SCHED_EXPR_FORMAT_MAX];
    size_t n = sched_expr_format(&e, out, sizeof out);
    assert_int_equal(n, strlen(out));
    if (strcmp(out, want) != 0) fail_msg("format(%s) = %s, want %s", in, out, want);
    if (sched_expr_parse(out, &back, &err) != EV_OK) fail_msg("%s: %s", out, err.msg);
    assert_true(sched_expr_equal(&e, &back));
}

static void test_format(void **state) {
    (void)state;
    check_format("rate(5 minutes)", "rate(5 minutes)");
    check_format("rate( 1   hour )", "rate(1 hour)");
    check_format("rate(1 day)", "rate(1 day)");
    check_format("cron(0 * * * ? *)", "cron(0 * * * ? *)");
    check_format("cron(*/15 9-17 ? * MON-FRI *)", "cron(*/15 9-17 ? * 2-6 *)");
    check_format("cron(0,15,30,45 * ? * * *)", "cron(*/15 * ? * * *)");
    check_format("cron(5/20 0,1 1,2,3,5 JAN-MAR,12 ? 2025)", "cron(5/20 0,1 1-3,5 1-3,12 ? 2025)");
    check_format("cron(0 0-10/5 L * ? 1970-2199)", "cron(0 0,5,10 L * ? *)");
    check_format("cron(0 0 LW * ? 2030/10)", "cron(0 0 LW * ? 2030/10)");
    check_format("cron(0 0 15W * ? *)", "cron(0 0 15W * ? *)");
    check_format("cron(0 0 ? * TUE#2 *)", "cron(0 0 ? * 3#2 *)");
    check_format("cron(0 0 ? * friL *)", "cron(0 0 ? * 6L *)");
    check_format("cron(0 0 ? * L *)", "cron(0 0 ? * 7 *)");
    check_format("cron(0 0 ? * 1-7 *)", "cron(0 0 ? * * *)");

    /* snprintf contract: truncation still NUL-terminates and reports the full length */
    sched_expr e;
    ev_error err;
    assert_int_equal(sched_expr_parse("cron(0 * * * ? *)", &e, &err), EV_OK);
    char small[6];
    assert_int_equal(sched_expr_format(&e, small, sizeof small), strlen("cron(0 * * * ? *)"));
    assert_string_equal(small, "cron(");
    assert_int_equal(sched_expr_format(&e, NULL, 0), strlen("cron(0 * * * ? *)"));
}

static void check_error(const char *in, const char *want, int want_col) {
    sched_expr e;
    ev_error err;
    int col = -1;
    ev_error_clear(&err);
    ev_status st = sched_expr_parse_at(in, &e, &col, &err);
    if (st != EV_ERR_INPUT) fail_msg("%s: parsed, want error %s", in, want);
    if (strcmp(err.msg, want) != 0) fail_msg("%s:\n got  %s\n want %s", in, err.msg, want);
    assert_int_equal(col, want_col);
}

static void test_errors(void **state) {
    (void)state;
    check_error("cron(0 * * * * *)",
                "cron(0 * * * * *): column 14: day-of-month and day-of-week cannot both be "
                "specified; use ? in one of them",
                14);
    check_error("cron(0 * ? * ? *)",
                "cron(0 * ? * ? *): column 14: day-of-month and day-of-week cannot both be ?; "
                "specify one of them",
                14);
    check_error("cron(60 * * * ? *)", "cron(60 * * * ? *): column 6: minutes: 60 is out of range 0-59", 6);
    check_error("cron(0 24 * * ? *)", "cron(0 24 * * ? *): column 8: hours: 24 is out of range 0-23", 8);
    check_error("cron(0 0 0 * ? *)", "cron(0 0 0 * ? *): column 10: day-of-month: 0 is out of range 1-31",
                10);
    check_error("cron(0 0 1 13 ? *)", "cron(0 0 1 13 ? *): column 12: month: 13 is out of range 1-12", 12);
    check_error("cron(0 0 1 FOO ? *)",
                "cron(0 0 1 FOO ? *): column 12: month: expected a number 1-12 or a name JAN-DEC", 12);
    check_error("cron(0 0 ? * 8 *)", "cron(0 0 ? * 8 *): column 14: day-of-week: 8 is out of range 1-7", 14);
    check_error("cron(0 0 1 * ? 1969)",
                "cron(0 0 1 * ? 1969): column 16: year: 1969 is out of range 1970-2199", 16);
    check_error("cron(0 0 1 * ?)",
                "cron(0 0 1 * ?): column 15: expected 6 fields (minutes hours day-of-month month "
                "day-of-week year), found 5",
                15);
    check_error("cron(0 0 1 * ? * *)",
                "cron(0 0 1 * ? * *): column 18: too many fields; expected 6 (minutes hours "
                "day-of-month month day-of-week year)",
                18);
    check_error("cron(0 0 1 * ? *", "cron(0 0 1 * ? *: column 17: expected ')'", 17);
    check_error("cron(0 0 1 * ? *) x", "cron(0 0 1 * ? *) x: column 19: unexpected text after ')'", 19);
    check_error("cron(*/0 * * * ? *)", "cron(*/0 * * * ? *): column 8: minutes: step 0 is out of range 1-60",
                8);
    check_error("cron(30-10 * * * ? *)",
                "cron(30-10 * * * ? *): column 9: minutes: range 30-10 ends before it starts", 9);
    check_error("cron(0,,5 * * * ? *)", "cron(0,,5 * * * ? *): column 8: minutes: empty list item", 8);
    check_error("cron(0 ? * * ? *)",
                "cron(0 ? * * ? *): column 8: hours: ? is only allowed in day-of-month or "
                "day-of-week",
                8);
    check_error("cron(0 0 ? * 3#6 *)",
                "cron(0 0 ? * 3#6 *): column 16: day-of-week: expected 1-5 after '#' (the week of "
                "the month)",
                16);
    check_error("cron(0 0 ? * 2,3#2 *)",
                "cron(0 0 ? * 2,3#2 *): column 15: day-of-week: '#' cannot be combined with other "
                "values in this field",
                15);
    check_error("cron(0 0 1,L * ? *)",
                "cron(0 0 1,L * ? *): column 12: day-of-month: 'L' cannot be combined with other "
                "values in this field",
                12);
    check_error("cron(0 0 32W * ? *)",
                "cron(0 0 32W * ? *): column 10: day-of-month: 32 is out of range 1-31", 10);
    check_error("cron(0 0 30 2 ? *)",
                "cron(0 0 30 2 ? *): never fires: no minute in the years 1970-2199 matches every "
                "field",
                0);
    check_error("cron(0 0 29 2 ? 2100)",
                "cron(0 0 29 2 ? 2100): never fires: no minute in the years 1970-2199 matches "
                "every field",
                0);
    check_error("rate(0 minutes)", "rate(0 minutes): column 6: the rate must be a whole number 1-1000000", 6);
    check_error("rate(1 minutes)", "rate(1 minutes): column 8: use 'minute' for a rate of 1", 8);
    check_error("rate(5 hour)", "rate(5 hour): column 8: use 'hours' for a rate other than 1", 8);
    check_error("rate(5 seconds)",
                "rate(5 seconds): column 8: unknown unit 'seconds'; use minute(s), hour(s) or "
                "day(s)",
                8);
    check_error("rate(-5 minutes)",
                "rate(-5 minutes): column 6: expected a positive whole number, as in rate(5 "
                "minutes)",
                6);
    check_error("rate(5minutes)",
                "rate(5minutes): column 7: expected a space and a unit (minutes, hours or days)", 7);
    check_error("every 5 minutes",
                "every 5 minutes: column 1: expected rate(N minutes|hours|days) or cron(minutes "
                "hours day-of-month month day-of-week year)",
                1);
    check_error("", ": empty schedule; expected rate(...) or cron(...)", 0);
}

/* ---- differential check: a naive matcher, written from the AWS rules, minute by minute ---- */

static int naive_dim(int y, int m) {
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static int naive_wday(int y, int m, int d) { /* Zeller-like via days; 1 = SUN */
    int64_t days = ev_days_from_civil(y, m, d);
    int64_t w = (days + 4) % 7; /* 0 = SUN for 1970-01-01 (Thursday = 4) */
    if (w < 0) w += 7;
    return (int)w + 1;
}

static int naive_is_weekday(int y, int m, int d) {
    int w = naive_wday(y, m, d);
    return w >= 2 && w <= 6;
}

static int naive_match(const sched_cron *c, const ev_civil *t) {
    if (!((c->minutes >> t->minute) & 1) || !((c->hours >> t->hour) & 1)) return 0;
    if (!((c->months >> t->month) & 1)) return 0;
    int yi = t->year - SCHED_YEAR_MIN;
    if (yi < 0 || yi > SCHED_YEAR_MAX - SCHED_YEAR_MIN || !((c->years[yi / 64] >> (yi % 64)) & 1)) return 0;
    int dim = naive_dim(t->year, t->month), wd = naive_wday(t->year, t->month, t->day);
    switch (c->dom_kind) {
    case SCHED_DOM_SET:
        return (c->mdays >> t->day) & 1;
    case SCHED_DOM_LAST:
        return t->day == dim;
    case SCHED_DOM_LAST_WEEKDAY: {
        int d = dim;
        while (!naive_is_weekday(t->year, t->month, d))
            d--;
        return t->day == d;
    }
    case SCHED_DOM_NEAREST_WEEKDAY: {
        int n = c->dom_day;
        if (n > dim) return 0;
        /* candidates by distance, within the month: n, n-1, n+1, n-2, n+2 */
        if (naive_is_weekday(t->year, t->month, n)) return t->day == n;
        int best = 0;
        for (int dist = 1; dist <= 2 && !best; dist++) {
            if (n - dist >= 1 && naive_is_weekday(t->year, t->month, n - dist))
                best = n - dist;
            else if (n + dist <= dim && naive_is_weekday(t->year, t->month, n + dist))
                best = n + dist;
        }
        return t->day == best;
    }
    case SCHED_DOM_ANY:
        break;
    }
    switch (c->dow_kind) {
    case SCHED_DOW_SET:
        return (c->wdays >> wd) & 1;
    case SCHED_DOW_LAST:
        return wd == c->dow_day && t->day + 7 > dim;
    case SCHED_DOW_NTH: {
        int count = 0;
        for (int d = 1; d <= t->day; d++)
            count += naive_wday(t->year, t->month, d) == wd;
        return wd == c->dow_day && count == c->dow_nth;
    }
    case SCHED_DOW_ANY:
        break;
    }
    return 0;
}

static unsigned next_rand(unsigned *seed) {
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 16;
}

static void test_differential(void **state) {
    (void)state;
    static const char *const pool[] = {"*", "0", "*/7", "5-20/5", "1,3,59", "30/11"};
    static const char *const hpool[] = {"*", "0", "*/5", "9-17", "23", "1,22"};
    static const char *const dom[] = {"?", "*", "1", "31", "L", "LW", "15W", "1W", "30W", "29", "1-7"};
    static const char *const mon[] = {"*", "2", "FEB,APR", "*/3", "DEC"};
    static const char *const dow[] = {"*", "MON-FRI", "1", "6L", "2#5", "7#1", "L", "1#3"};
    static const char *const yr[] = {"*", "2024-2026", "2100", "2000/4"};
    unsigned seed = 12345;
    int checked = 0;
    for (int iter = 0; iter < 300; iter++) {
#define PICK(a) a[next_rand(&seed) % (sizeof a / sizeof a[0])]
        const char *d1 = PICK(dom), *d2 = PICK(dow);
        if ((strcmp(d1, "?") == 0) == (iter % 2 == 0))
            d2 = "?";
        else
            d1 = "?", d2 = PICK(dow);
        if (strcmp(d1, "?") == 0 && strcmp(d2, "?") == 0) d2 = "*";
        char text[128];
        snprintf(text, sizeof text, "cron(%s %s %s %s %s %s)", PICK(pool), PICK(hpool), d1, PICK(mon), d2,
                 PICK(yr));
        sched_expr e;
        ev_error err;
        if (sched_expr_parse(text, &e, &err) != EV_OK) continue; /* may never fire */
        int64_t after = t_of("1998-06-15T07:31:00Z") + (int64_t)((seed >> 8) % 4000) * EV_USEC_PER_DAY;
        int64_t next;
        if (sched_expr_next(&e, after, &next) != EV_OK) continue;
        /* walk minute by minute from after (exclusive) up to next: nothing may match before */
        int64_t limit = next - after > 800 * EV_USEC_PER_DAY ? after + 800 * EV_USEC_PER_DAY : next;
        ev_civil c;
        for (int64_t t = ev_time_floor(after, EV_USEC_PER_MIN) + EV_USEC_PER_MIN; t < limit;
             t += EV_USEC_PER_MIN) {
            ev_time_to_civil(t, &c);
            if (c.hour == 0 && c.minute == 0) { /* skip days that cannot match, quickly */
                ev_civil noon = c;
                int any = 0;
                for (int h = 0; h < 24 && !any; h++)
                    for (int m = 0; m < 60 && !any; m++) {
                        noon.hour = h, noon.minute = m;
                        any = naive_match(&e.cron, &noon);
                    }
                if (!any) {
                    t += EV_USEC_PER_DAY - EV_USEC_PER_MIN;
                    continue;
                }
            }
            if (naive_match(&e.cron, &c))
                fail_msg("%s after %lld: naive fires earlier", text, (long long)after);
        }
        ev_time_to_civil(next, &c);
        if (!naive_match(&e.cron, &c)) fail_msg("%s: next does not match naively", text);
        assert_true(next > after);
        checked++;
    }
    assert_true(checked > 150);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_cron_hourly_and_boundaries),
        cmocka_unit_test(test_cron_month_lengths_and_leap_years),
        cmocka_unit_test(test_cron_steps_lists_ranges_names),
        cmocka_unit_test(test_cron_l_w_hash),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
