/*
 * sched_expr: AWS schedule expressions (EventBridge rules and Glue triggers), parsed into a
 * compact, fully semantic form, with "next fire time" and canonical printing.
 *
 * Two forms, as AWS writes them:
 *   rate(N minute|minutes|hour|hours|day|days)
 *       the unit is singular exactly when N is 1. A rate fires at every multiple of its period
 *       since the Unix epoch (1970-01-01T00:00:00Z): rate(5 minutes) fires at :00, :05, :10, ...;
 *       rate(1 day) at every midnight UTC; rate(7 days) every 7 days counted from Thursday
 *       1970-01-01. (AWS counts from when the rule was created; evlake aligns to the epoch so the
 *       same file gives the same schedule on every machine and after every restart.)
 *   cron(minutes hours day-of-month month day-of-week year)
 *       minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 1-7 or
 *       SUN-SAT (1 = SUN, as AWS numbers them), year 1970-2199. In every field: `*`, a value,
 *       a range `a-b` (a <= b), steps `a-b/n`, `a/n` (from a to the field's maximum) and
 *       star-slash-n (from the field's minimum), and comma lists of those. Exactly one of
 *       day-of-month and day-of-week is `?`.
 *       day-of-month also takes `L` (last day of the month), `LW` (last weekday of the month)
 *       and `nW` (the weekday nearest day n, never leaving the month, as Quartz defines it);
 *       day-of-week also takes `L` (= 7, Saturday, the last day of the week), `nL` (the last
 *       day n of the month, `6L` = last Friday) and `n#k` (the k-th day n of the month,
 *       k = 1-5, `3#2` = second Tuesday). These special forms stand alone in their field.
 *       Names are case-insensitive; whitespace separates fields. All times are UTC.
 * Schedules have minute resolution. Parsing rejects an expression that can never fire
 * (`cron(0 0 30 2 ? *)`), so a parsed expression always fires at least once in 1970-2199.
 *
 * A sched_expr is a plain value: no pointers, copy it freely; safe to share between threads.
 */
#ifndef SCHED_EXPR_H
#define SCHED_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"

#define SCHED_YEAR_MIN 1970
#define SCHED_YEAR_MAX 2199
#define SCHED_RATE_MAX 1000000 /* largest N in rate(N ...) */
/* A buffer this large always holds sched_expr_format's output and its NUL. */
#define SCHED_EXPR_FORMAT_MAX 2048

typedef enum sched_kind { SCHED_RATE = 1, SCHED_CRON = 2 } sched_kind;

typedef enum sched_unit { SCHED_UNIT_MINUTE = 1, SCHED_UNIT_HOUR, SCHED_UNIT_DAY } sched_unit;

/* How day-of-month selects days. */
typedef enum sched_dom_kind {
    SCHED_DOM_ANY = 0,        /* `?`: day-of-week decides */
    SCHED_DOM_SET,            /* `mdays` bitmap (`*` sets every bit 1-31) */
    SCHED_DOM_LAST,           /* `L` */
    SCHED_DOM_LAST_WEEKDAY,   /* `LW` */
    SCHED_DOM_NEAREST_WEEKDAY /* `nW`, n in dom_day */
} sched_dom_kind;

/* How day-of-week selects days. */
typedef enum sched_dow_kind {
    SCHED_DOW_ANY = 0, /* `?`: day-of-month decides */
    SCHED_DOW_SET,     /* `wdays` bitmap, bits 1 (SUN) - 7 (SAT) */
    SCHED_DOW_LAST,    /* `nL`: last weekday dow_day of the month */
    SCHED_DOW_NTH      /* `n#k`: the dow_nth-th weekday dow_day of the month */
} sched_dow_kind;

typedef struct sched_cron {
    uint64_t minutes;  /* bit m for minute m, 0-59 */
    uint32_t hours;    /* bit h, 0-23 */
    uint32_t mdays;    /* bit d, 1-31 (SCHED_DOM_SET only) */
    uint16_t months;   /* bit m, 1-12 */
    uint8_t wdays;     /* bit w, 1-7 with 1 = SUN (SCHED_DOW_SET only) */
    uint64_t years[4]; /* bit (y - SCHED_YEAR_MIN), 1970-2199 */
    sched_dom_kind dom_kind;
    int dom_day; /* SCHED_DOM_NEAREST_WEEKDAY: 1-31 */
    sched_dow_kind dow_kind;
    int dow_day; /* SCHED_DOW_LAST / SCHED_DOW_NTH: 1-7 */
    int dow_nth; /* SCHED_DOW_NTH: 1-5 */
} sched_cron;

typedef struct sched_expr {
    sched_kind kind;
    /* SCHED_RATE */
    int64_t rate_count; /* N, 1..SCHED_RATE_MAX */
    sched_unit rate_unit;
    int64_t rate_usec; /* the period in microseconds */
    /* SCHED_CRON */
    sched_cron cron;
} sched_expr;

/* Parses a NUL-terminated schedule expression (leading and trailing whitespace ignored) into
 * `*out`. On failure returns EV_ERR_INPUT with a message that quotes the expression and names the
 * 1-based column of the problem:
 *   "cron(0 * * * * *): column 14: day-of-month and day-of-week cannot both be specified; use ?
 *    in one of them"
 * and an expression that can never fire is rejected ("...: never fires: ..."). `*out` is
 * unspecified after a failure. */
ev_status sched_expr_parse(const char *text, sched_expr *out, ev_error *err) EV_WUR;

/* Like sched_expr_parse, and on failure also stores the 1-based column of the problem in
 * `*column` (0 when the problem is the expression as a whole), so a caller that knows where the
 * text sits in a file (the pipeline file) can point at the exact spot. `column` may be NULL. */
ev_status sched_expr_parse_at(const char *text, sched_expr *out, int *column, ev_error *err) EV_WUR;

/* The first fire time strictly after `after_usec` (any int64), in `*next_usec`. Rates: the next
 * multiple of the period since the epoch. Crons: the next whole minute that matches, searched
 * year by year up to SCHED_YEAR_MAX (the search is bounded: at most 230 years of days).
 * Returns EV_OK, or EV_ERR_NOT_FOUND when there is no fire time after `after_usec` (a cron whose
 * last year has passed, a rate past the int64 range); `*next_usec` is then untouched. */
ev_status sched_expr_next(const sched_expr *e, int64_t after_usec, int64_t *next_usec) EV_WUR;

/* Prints `e` canonically ("rate(5 minutes)", "cron(0 * ? * 2-6 *)"): numbers rather than
 * names, sets as `*`, star-slash-n, `a/n`, ranges and lists; parsing the output gives an equal
 * expression.
 * snprintf-like: writes at most `cap` bytes including a NUL (when cap > 0) and returns the
 * length the full text needs (always < SCHED_EXPR_FORMAT_MAX). */
size_t sched_expr_format(const sched_expr *e, char *out, size_t cap);

/* 1 when a and b denote the same schedule representation (field by field), else 0. */
int sched_expr_equal(const sched_expr *a, const sched_expr *b);

#endif
