/*
 * sched_expr.c: the AWS schedule expression parser, next-fire-time search and canonical printer
 * (see sched_expr.h for the accepted language).
 *
 * Parsing turns each cron field into a bitmap, so the search for the next fire time is a walk
 * over years, months, days, hours and minutes that skips whole units as soon as a bitmap says no;
 * it never steps minute by minute through a day that cannot match, and it stops at 2199, so an
 * expression costs at most ~84,000 day checks however rarely it fires.
 */
#include "sched_expr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ev_time.h"

/* ---- errors ---------------------------------------------------------------------------------- */

typedef struct sched_parser {
    const char *text; /* the whole expression as given (for messages and columns) */
    size_t pos;       /* cursor into text */
    size_t end;       /* end of the expression with trailing whitespace removed */
    int *column;      /* where the failing column goes (may be NULL) */
    ev_error *err;
} sched_parser;

#define QUOTE_MAX 200 /* longest part of a hostile expression quoted in a message */

/* Fails with "<text>: column <pos+1>: <message>" (no column when at < 0). */
static ev_status fail_at(sched_parser *p, long at, const char *fmt, ...) EV_PRINTF(3, 4);
static ev_status fail_at(sched_parser *p, long at, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(p->text);
    int quoted = n > QUOTE_MAX ? QUOTE_MAX : (int)n;
    const char *ellipsis = n > QUOTE_MAX ? "..." : "";
    if (p->column) *p->column = at >= 0 ? (int)at + 1 : 0;
    if (at >= 0)
        return ev_error_set(p->err, EV_ERR_INPUT, "%.*s%s: column %ld: %s", quoted, p->text, ellipsis, at + 1,
                            msg);
    return ev_error_set(p->err, EV_ERR_INPUT, "%.*s%s: %s", quoted, p->text, ellipsis, msg);
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static int is_digit(char c) {
    return c >= '0' && c <= '9';
}
static char to_upper(char c) {
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static void skip_space(sched_parser *p) {
    while (p->pos < p->end && is_space(p->text[p->pos]))
        p->pos++;
}

/* ---- bitmaps --------------------------------------------------------------------------------- */

/* Every field is parsed into a 256-bit set indexed by (value - base). */
typedef struct bits256 {
    uint64_t w[4];
} bits256;

static void bit_set(bits256 *b, int i) {
    b->w[i >> 6] |= UINT64_C(1) << (i & 63);
}
static int bit_get(const uint64_t *w, int i) {
    return (int)((w[i >> 6] >> (i & 63)) & 1);
}

/* ---- fields ---------------------------------------------------------------------------------- */

enum { F_MINUTE, F_HOUR, F_DOM, F_MONTH, F_DOW, F_YEAR, F_COUNT };

typedef struct field_def {
    const char *name;
    int lo, hi;
    const char *const *names; /* names[i] is the value lo + i, or NULL */
} field_def;

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static const field_def fields[F_COUNT] = {
    {"minutes", 0, 59, NULL},         {"hours", 0, 23, NULL},
    {"day-of-month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day-of-week", 1, 7, day_names}, {"year", SCHED_YEAR_MIN, SCHED_YEAR_MAX, NULL},
};

/* Reads a value (digits, or a 3-letter name where the field has names) in [p->pos, lim).
 * On success stores it and advances. */
static ev_status read_value(sched_parser *p, size_t lim, const field_def *f, int *out) {
    size_t start = p->pos;
    if (start >= lim) return fail_at(p, (long)start, "%s: expected a value", f->name);
    char c = p->text[start];
    if (is_digit(c)) {
        long v = 0;
        while (p->pos < lim && is_digit(p->text[p->pos])) {
            if (v < 100000) v = v * 10 + (p->text[p->pos] - '0');
            p->pos++;
        }
        if (v < f->lo || v > f->hi)
            return fail_at(p, (long)start, "%s: %.*s is out of range %d-%d", f->name,
                           (int)(p->pos - start > 12 ? 12 : p->pos - start), p->text + start, f->lo, f->hi);
        *out = (int)v;
        return EV_OK;
    }
    if (f->names && lim - start >= 3) {
        for (int i = 0; i <= f->hi - f->lo; i++) {
            const char *nm = f->names[i];
            if (to_upper(p->text[start]) == nm[0] && to_upper(p->text[start + 1]) == nm[1] &&
                to_upper(p->text[start + 2]) == nm[2]) {
                size_t after = start + 3;
                if (after < lim && ((p->text[after] >= 'A' && p->text[after] <= 'Z') ||
                                    (p->text[after] >= 'a' && p->text[after] <= 'z')))
                    break; /* "MONDAY": not a name we know */
                p->pos = after;
                *out = f->lo + i;
                return EV_OK;
            }
        }
    }
    if (c == '?' || c == 'L' || c == 'W' || c == '#') {
        int day_field = f == &fields[F_DOM] || f == &fields[F_DOW];
        if (day_field && c == '?')
            return fail_at(p, (long)start, "%s: ? must stand alone in its field", f->name);
        if (day_field)
            return fail_at(p, (long)start, "%s: '%c' cannot be combined with other values in this field",
                           f->name, c);
        if (c == '?')
            return fail_at(p, (long)start, "%s: ? is only allowed in day-of-month or day-of-week", f->name);
        return fail_at(p, (long)start, "%s: '%c' is only allowed in day-of-month or day-of-week", f->name, c);
    }
    if (f->names)
        return fail_at(p, (long)start, "%s: expected a number %d-%d or a name %s-%s", f->name, f->lo, f->hi,
                       f->names[0], f->names[f->hi - f->lo]);
    return fail_at(p, (long)start, "%s: expected a number %d-%d, found '%c'", f->name, f->lo, f->hi, c);
}

/* Reads the n of a step "/n" (p->pos is just past the '/'). */
static ev_status read_step(sched_parser *p, size_t lim, const field_def *f, int *out) {
    size_t start = p->pos;
    if (start >= lim || !is_digit(p->text[start]))
        return fail_at(p, (long)start, "%s: expected a step after '/'", f->name);
    long v = 0;
    while (p->pos < lim && is_digit(p->text[p->pos])) {
        if (v < 100000) v = v * 10 + (p->text[p->pos] - '0');
        p->pos++;
    }
    int span = f->hi - f->lo + 1;
    if (v < 1 || v > span)
        return fail_at(p, (long)start, "%s: step %ld is out of range 1-%d", f->name, v, span);
    *out = (int)v;
    return EV_OK;
}

/* Parses a generic list field (values, ranges, steps, '*') in [p->pos, lim) into `set`. */
static ev_status parse_list(sched_parser *p, size_t lim, const field_def *f, bits256 *set) {
    for (;;) {
        size_t item = p->pos;
        if (item >= lim || p->text[item] == ',')
            return fail_at(p, (long)item, "%s: empty list item", f->name);
        int a, b, step = 1;
        int star = 0, range = 0;
        if (p->text[item] == '*') {
            p->pos++;
            a = f->lo;
            b = f->hi;
            star = 1;
            if (p->pos < lim && p->text[p->pos] != ',' && p->text[p->pos] != '/')
                return fail_at(p, (long)p->pos, "%s: unexpected '%c' after '*'", f->name, p->text[p->pos]);
        } else {
            EV_TRY(read_value(p, lim, f, &a));
            b = a;
            if (p->pos < lim && p->text[p->pos] == '-') {
                p->pos++;
                range = 1;
                size_t bpos = p->pos;
                EV_TRY(read_value(p, lim, f, &b));
                if (b < a)
                    return fail_at(p, (long)bpos, "%s: range %d-%d ends before it starts", f->name, a, b);
            }
        }
        if (p->pos < lim && p->text[p->pos] == '/') {
            p->pos++;
            EV_TRY(read_step(p, lim, f, &step));
            if (!star && !range) b = f->hi; /* "a/n": from a to the end of the field */
        }
        for (int v = a; v <= b; v += step)
            bit_set(set, v - f->lo);
        if (p->pos >= lim) return EV_OK;
        char c = p->text[p->pos];
        if (c != ',') {
            if (c == '?') return fail_at(p, (long)p->pos, "%s: ? must stand alone in its field", f->name);
            if (c == 'L' || c == 'W' || c == '#')
                return fail_at(p, (long)p->pos, "%s: '%c' cannot be combined with other values in this field",
                               f->name, c);
            return fail_at(p, (long)p->pos, "%s: unexpected '%c'", f->name, c);
        }
        p->pos++;
    }
}

/* Day-of-month: '?', 'L', 'LW', 'nW' or a list. */
static ev_status parse_dom(sched_parser *p, size_t lim, sched_cron *c, int *is_any) {
    const field_def *f = &fields[F_DOM];
    size_t start = p->pos, len = lim - start;
    const char *t = p->text + start;
    if (len == 1 && t[0] == '?') {
        c->dom_kind = SCHED_DOM_ANY;
        *is_any = 1;
        p->pos = lim;
        return EV_OK;
    }
    if (len == 1 && t[0] == 'L') {
        c->dom_kind = SCHED_DOM_LAST;
        p->pos = lim;
        return EV_OK;
    }
    if (len == 2 && t[0] == 'L' && t[1] == 'W') {
        c->dom_kind = SCHED_DOM_LAST_WEEKDAY;
        p->pos = lim;
        return EV_OK;
    }
    if (len >= 2 && t[len - 1] == 'W') {
        for (size_t i = 0; i + 1 < len; i++)
            if (!is_digit(t[i]))
                return fail_at(p, (long)(start + i),
                               "%s: W takes a single day, as in 15W (nearest weekday to the 15th)", f->name);
        int d;
        EV_TRY(read_value(p, lim - 1, f, &d));
        c->dom_kind = SCHED_DOM_NEAREST_WEEKDAY;
        c->dom_day = d;
        p->pos = lim;
        return EV_OK;
    }
    bits256 set = {{0}};
    EV_TRY(parse_list(p, lim, f, &set));
    c->dom_kind = SCHED_DOM_SET;
    c->mdays = (uint32_t)(set.w[0] << 1); /* index d-1 -> bit d */
    return EV_OK;
}

/* Day-of-week: '?', 'L', 'nL', 'n#k' or a list. */
static ev_status parse_dow(sched_parser *p, size_t lim, sched_cron *c, int *is_any) {
    const field_def *f = &fields[F_DOW];
    size_t start = p->pos, len = lim - start;
    const char *t = p->text + start;
    if (len == 1 && t[0] == '?') {
        c->dow_kind = SCHED_DOW_ANY;
        *is_any = 1;
        p->pos = lim;
        return EV_OK;
    }
    if (len == 1 && t[0] == 'L') { /* the last day of the week: Saturday */
        c->dow_kind = SCHED_DOW_SET;
        c->wdays = 1u << 7;
        p->pos = lim;
        return EV_OK;
    }
    const char *hash = memchr(t, '#', len);
    if (hash || (len >= 2 && t[len - 1] == 'L')) {
        size_t vend = hash ? (size_t)(hash - p->text) : lim - 1;
        for (size_t i = start; i < vend; i++)
            if (p->text[i] == ',' || p->text[i] == '-' || p->text[i] == '/' || p->text[i] == '*')
                return fail_at(p, (long)i, "%s: '%c' cannot be combined with other values in this field",
                               f->name, hash ? '#' : 'L');
        int d;
        EV_TRY(read_value(p, vend, f, &d));
        if (p->pos != vend) return fail_at(p, (long)p->pos, "%s: unexpected '%c'", f->name, p->text[p->pos]);
        if (!hash) {
            c->dow_kind = SCHED_DOW_LAST;
            c->dow_day = d;
            p->pos = lim;
            return EV_OK;
        }
        size_t kpos = vend + 1;
        if (lim - kpos != 1 || p->text[kpos] < '1' || p->text[kpos] > '5')
            return fail_at(p, (long)kpos, "%s: expected 1-5 after '#' (the week of the month)", f->name);
        c->dow_kind = SCHED_DOW_NTH;
        c->dow_day = d;
        c->dow_nth = p->text[kpos] - '0';
        p->pos = lim;
        return EV_OK;
    }
    bits256 set = {{0}};
    EV_TRY(parse_list(p, lim, f, &set));
    c->dow_kind = SCHED_DOW_SET;
    c->wdays = (uint8_t)(set.w[0] << 1); /* index w-1 -> bit w */
    return EV_OK;
}

/* ---- the search ------------------------------------------------------------------------------ */

static int is_leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m) {
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* AWS day of week of a date: 1 = SUN ... 7 = SAT. */
static int aws_weekday(int y, int m, int d) {
    int64_t days = ev_days_from_civil(y, m, d);
    int w = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = SUN */
    return w + 1;
}

/* The day the `nW` rule picks in month (y, m) for day n, or 0 if n is not in the month. */
static int nearest_weekday(int y, int m, int n, int dim) {
    if (n > dim) return 0;
    int w = aws_weekday(y, m, n);
    if (w == 7) return n == 1 ? 3 : n - 1;       /* Saturday: Friday, or Monday the 3rd */
    if (w == 1) return n == dim ? n - 2 : n + 1; /* Sunday: Monday, or Friday before */
    return n;
}

static int day_matches(const sched_cron *c, int y, int m, int d, int dim, int wd) {
    switch (c->dom_kind) {
    case SCHED_DOM_SET:
        return (int)((c->mdays >> d) & 1);
    case SCHED_DOM_LAST:
        return d == dim;
    case SCHED_DOM_LAST_WEEKDAY: {
        int wl = aws_weekday(y, m, dim);
        int last = wl == 7 ? dim - 1 : wl == 1 ? dim - 2 : dim;
        return d == last;
    }
    case SCHED_DOM_NEAREST_WEEKDAY:
        return d == nearest_weekday(y, m, c->dom_day, dim);
    case SCHED_DOM_ANY:
        break;
    }
    switch (c->dow_kind) {
    case SCHED_DOW_SET:
        return (c->wdays >> wd) & 1;
    case SCHED_DOW_LAST:
        return wd == c->dow_day && d + 7 > dim;
    case SCHED_DOW_NTH:
        return wd == c->dow_day && (d - 1) / 7 + 1 == c->dow_nth;
    case SCHED_DOW_ANY:
        break;
    }
    return 0;
}

static ev_status cron_next(const sched_cron *c, int64_t after, int64_t *next) {
    static const ev_civil first = {SCHED_YEAR_MIN, 1, 1, 0, 0, 0, 0};
    static const ev_civil past = {SCHED_YEAR_MAX + 1, 1, 1, 0, 0, 0, 0};
    int64_t t_first = ev_time_from_civil(&first), t_past = ev_time_from_civil(&past);
    if (after >= t_past) return EV_ERR_NOT_FOUND;
    int64_t start = after < t_first ? t_first : ev_time_floor(after, EV_USEC_PER_MIN) + EV_USEC_PER_MIN;
    ev_civil s;
    ev_time_to_civil(start, &s);
    for (int y = s.year; y <= SCHED_YEAR_MAX; y++) {
        if (!bit_get(c->years, y - SCHED_YEAR_MIN)) continue;
        int fy = y == s.year;
        for (int m = fy ? s.month : 1; m <= 12; m++) {
            if (!((c->months >> m) & 1)) continue;
            int fm = fy && m == s.month;
            int dim = days_in_month(y, m);
            int wd1 = aws_weekday(y, m, 1);
            for (int d = fm ? s.day : 1; d <= dim; d++) {
                int wd = (wd1 - 1 + d - 1) % 7 + 1;
                if (!day_matches(c, y, m, d, dim, wd)) continue;
                int fd = fm && d == s.day;
                for (int h = fd ? s.hour : 0; h <= 23; h++) {
                    if (!((c->hours >> h) & 1)) continue;
                    int from = (fd && h == s.hour) ? s.minute : 0;
                    uint64_t mins = c->minutes & (~UINT64_C(0) << from);
                    if (!mins) continue;
                    ev_civil hit = {y, m, d, h, __builtin_ctzll(mins), 0, 0};
                    *next = ev_time_from_civil(&hit);
                    return EV_OK;
                }
            }
        }
    }
    return EV_ERR_NOT_FOUND;
}

ev_status sched_expr_next(const sched_expr *e, int64_t after_usec, int64_t *next_usec) {
    if (e->kind == SCHED_RATE) {
        int64_t p = e->rate_usec;
        if (p <= 0) return EV_ERR_NOT_FOUND;
        int64_t r = after_usec % p;
        if (r < 0) {
            *next_usec = after_usec - r; /* the multiple just above a negative `after` */
            return EV_OK;
        }
        int64_t base = after_usec - r;
        if (base > INT64_MAX - p) return EV_ERR_NOT_FOUND;
        *next_usec = base + p;
        return EV_OK;
    }
    if (e->kind == SCHED_CRON) return cron_next(&e->cron, after_usec, next_usec);
    return EV_ERR_NOT_FOUND;
}

/* ---- parsing --------------------------------------------------------------------------------- */

static int word_at(const sched_parser *p, size_t at, size_t lim, const char *w) {
    size_t n = strlen(w);
    return lim - at == n && memcmp(p->text + at, w, n) == 0;
}

static ev_status parse_rate(sched_parser *p, sched_expr *out) {
    skip_space(p);
    size_t npos = p->pos;
    if (npos >= p->end || !is_digit(p->text[npos]))
        return fail_at(p, (long)npos, "expected a positive whole number, as in rate(5 minutes)");
    long v = 0;
    while (p->pos < p->end && is_digit(p->text[p->pos])) {
        if (v <= SCHED_RATE_MAX) v = v * 10 + (p->text[p->pos] - '0');
        p->pos++;
    }
    if (v < 1 || v > SCHED_RATE_MAX)
        return fail_at(p, (long)npos, "the rate must be a whole number 1-%d", SCHED_RATE_MAX);
    if (p->pos >= p->end || !is_space(p->text[p->pos]))
        return fail_at(p, (long)p->pos, "expected a space and a unit (minutes, hours or days)");
    skip_space(p);
    size_t upos = p->pos;
    while (p->pos < p->end && !is_space(p->text[p->pos]) && p->text[p->pos] != ')')
        p->pos++;
    size_t uend = p->pos;
    static const struct {
        const char *one, *many;
        sched_unit unit;
        int64_t usec;
    } units[] = {{"minute", "minutes", SCHED_UNIT_MINUTE, EV_USEC_PER_MIN},
                 {"hour", "hours", SCHED_UNIT_HOUR, EV_USEC_PER_HOUR},
                 {"day", "days", SCHED_UNIT_DAY, EV_USEC_PER_DAY}};
    int found = -1;
    for (int i = 0; i < 3; i++) {
        if (word_at(p, upos, uend, units[i].one)) {
            if (v != 1) return fail_at(p, (long)upos, "use '%s' for a rate other than 1", units[i].many);
            found = i;
        } else if (word_at(p, upos, uend, units[i].many)) {
            if (v == 1) return fail_at(p, (long)upos, "use '%s' for a rate of 1", units[i].one);
            found = i;
        }
    }
    if (found < 0) {
        if (upos == uend) return fail_at(p, (long)upos, "expected a unit (minutes, hours or days)");
        return fail_at(p, (long)upos, "unknown unit '%.*s'; use minute(s), hour(s) or day(s)",
                       (int)(uend - upos > 20 ? 20 : uend - upos), p->text + upos);
    }
    skip_space(p);
    if (p->pos >= p->end || p->text[p->pos] != ')') return fail_at(p, (long)p->pos, "expected ')'");
    p->pos++;
    skip_space(p);
    if (p->pos != p->end) return fail_at(p, (long)p->pos, "unexpected text after ')'");
    out->kind = SCHED_RATE;
    out->rate_count = v;
    out->rate_unit = units[found].unit;
    out->rate_usec = v * units[found].usec;
    return EV_OK;
}

static ev_status parse_cron(sched_parser *p, sched_expr *out) {
    sched_cron *c = &out->cron;
    int dom_any = 0, dow_any = 0;
    size_t dow_pos = 0;
    for (int i = 0; i < F_COUNT; i++) {
        skip_space(p);
        size_t start = p->pos;
        size_t lim = start;
        while (lim < p->end && !is_space(p->text[lim]) && p->text[lim] != ')')
            lim++;
        if (lim == start)
            return fail_at(p, (long)start,
                           "expected 6 fields (minutes hours day-of-month month day-of-week "
                           "year), found %d",
                           i);
        bits256 set = {{0}};
        const field_def *f = &fields[i];
        if (i == F_DOM) {
            EV_TRY(parse_dom(p, lim, c, &dom_any));
        } else if (i == F_DOW) {
            dow_pos = start;
            EV_TRY(parse_dow(p, lim, c, &dow_any));
        } else {
            EV_TRY(parse_list(p, lim, f, &set));
        }
        switch (i) {
        case F_MINUTE:
            c->minutes = set.w[0];
            break;
        case F_HOUR:
            c->hours = (uint32_t)set.w[0];
            break;
        case F_MONTH:
            c->months = (uint16_t)(set.w[0] << 1);
            break;
        case F_YEAR:
            memcpy(c->years, set.w, sizeof c->years);
            break;
        default:
            break;
        }
    }
    skip_space(p);
    if (p->pos < p->end && p->text[p->pos] != ')')
        return fail_at(p, (long)p->pos,
                       "too many fields; expected 6 (minutes hours day-of-month month day-of-week "
                       "year)");
    if (p->pos >= p->end) return fail_at(p, (long)p->pos, "expected ')'");
    p->pos++;
    skip_space(p);
    if (p->pos != p->end) return fail_at(p, (long)p->pos, "unexpected text after ')'");
    if (!dom_any && !dow_any)
        return fail_at(p, (long)dow_pos,
                       "day-of-month and day-of-week cannot both be specified; use ? in one of "
                       "them");
    if (dom_any && dow_any)
        return fail_at(p, (long)dow_pos,
                       "day-of-month and day-of-week cannot both be ?; specify one of them");
    out->kind = SCHED_CRON;
    int64_t t;
    if (cron_next(c, INT64_MIN, &t) != EV_OK)
        return fail_at(p, -1, "never fires: no minute in the years %d-%d matches every field", SCHED_YEAR_MIN,
                       SCHED_YEAR_MAX);
    return EV_OK;
}

ev_status sched_expr_parse_at(const char *text, sched_expr *out, int *column, ev_error *err) {
    sched_parser p = {text, 0, strlen(text), column, err};
    if (column) *column = 0;
    memset(out, 0, sizeof *out);
    while (p.end > 0 && is_space(text[p.end - 1]))
        p.end--;
    skip_space(&p);
    if (p.pos == p.end) return fail_at(&p, -1, "empty schedule; expected rate(...) or cron(...)");
    if (p.end - p.pos >= 5 && memcmp(text + p.pos, "rate(", 5) == 0) {
        p.pos += 5;
        return parse_rate(&p, out);
    }
    if (p.end - p.pos >= 5 && memcmp(text + p.pos, "cron(", 5) == 0) {
        p.pos += 5;
        return parse_cron(&p, out);
    }
    return fail_at(&p, (long)p.pos,
                   "expected rate(N minutes|hours|days) or cron(minutes hours day-of-month month "
                   "day-of-week year)");
}

ev_status sched_expr_parse(const char *text, sched_expr *out, ev_error *err) {
    return sched_expr_parse_at(text, out, NULL, err);
}

/* ---- printing -------------------------------------------------------------------------------- */

typedef struct outbuf {
    char *out;
    size_t cap, len;
} outbuf;

static void put(outbuf *o, const char *fmt, ...) EV_PRINTF(2, 3);
static void put(outbuf *o, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    for (int i = 0; i < n && i < (int)sizeof tmp - 1; i++, o->len++)
        if (o->cap && o->len < o->cap - 1) o->out[o->len] = tmp[i];
}

/* Prints a set over [lo, hi], where bit (v - lo) of `w` says whether v is in it. */
static void put_set(outbuf *o, const uint64_t *w, int lo, int hi) {
    int n = hi - lo + 1, count = 0, first = -1, second = -1;
    for (int i = 0; i < n; i++)
        if (bit_get(w, i)) {
            if (first < 0)
                first = i;
            else if (second < 0)
                second = i;
            count++;
        }
    if (count == n) {
        put(o, "*");
        return;
    }
    if (count >= 3 && second - first >= 2) { /* a progression from `first` to the end: a/n */
        int step = second - first, ok = 1;
        for (int i = 0; i < n && ok; i++)
            ok = bit_get(w, i) == (i >= first && (i - first) % step == 0);
        if (ok) {
            if (first == 0)
                put(o, "*/%d", step);
            else
                put(o, "%d/%d", lo + first, step);
            return;
        }
    }
    int sep = 0;
    for (int i = 0; i < n;) {
        if (!bit_get(w, i)) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < n && bit_get(w, j + 1))
            j++;
        if (j - i >= 2) {
            put(o, "%s%d-%d", sep ? "," : "", lo + i, lo + j);
        } else {
            for (int k = i; k <= j; k++)
                put(o, "%s%d", sep || k > i ? "," : "", lo + k);
        }
        sep = 1;
        i = j + 1;
    }
}

size_t sched_expr_format(const sched_expr *e, char *out, size_t cap) {
    outbuf o = {out, cap, 0};
    if (e->kind == SCHED_RATE) {
        static const char *const names[][2] = {{"minute", "minutes"}, {"hour", "hours"}, {"day", "days"}};
        int u = (int)e->rate_unit - 1;
        if (u < 0 || u > 2) u = 0;
        put(&o, "rate(%lld %s)", (long long)e->rate_count, names[u][e->rate_count != 1]);
    } else {
        const sched_cron *c = &e->cron;
        uint64_t w[4] = {c->minutes, 0, 0, 0};
        put(&o, "cron(");
        put_set(&o, w, 0, 59);
        put(&o, " ");
        w[0] = c->hours;
        put_set(&o, w, 0, 23);
        put(&o, " ");
        switch (c->dom_kind) {
        case SCHED_DOM_ANY:
            put(&o, "?");
            break;
        case SCHED_DOM_LAST:
            put(&o, "L");
            break;
        case SCHED_DOM_LAST_WEEKDAY:
            put(&o, "LW");
            break;
        case SCHED_DOM_NEAREST_WEEKDAY:
            put(&o, "%dW", c->dom_day);
            break;
        case SCHED_DOM_SET:
            w[0] = c->mdays >> 1;
            put_set(&o, w, 1, 31);
            break;
        }
        put(&o, " ");
        w[0] = (uint64_t)c->months >> 1;
        put_set(&o, w, 1, 12);
        put(&o, " ");
        switch (c->dow_kind) {
        case SCHED_DOW_ANY:
            put(&o, "?");
            break;
        case SCHED_DOW_LAST:
            put(&o, "%dL", c->dow_day);
            break;
        case SCHED_DOW_NTH:
            put(&o, "%d#%d", c->dow_day, c->dow_nth);
            break;
        case SCHED_DOW_SET:
            w[0] = (uint64_t)c->wdays >> 1;
            put_set(&o, w, 1, 7);
            break;
        }
        put(&o, " ");
        put_set(&o, c->years, SCHED_YEAR_MIN, SCHED_YEAR_MAX);
        put(&o, ")");
    }
    if (cap) out[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}

int sched_expr_equal(const sched_expr *a, const sched_expr *b) {
    if (a->kind != b->kind) return 0;
    if (a->kind == SCHED_RATE)
        return a->rate_count == b->rate_count && a->rate_unit == b->rate_unit && a->rate_usec == b->rate_usec;
    const sched_cron *x = &a->cron, *y = &b->cron;
    return x->minutes == y->minutes && x->hours == y->hours && x->mdays == y->mdays &&
           x->months == y->months && x->wdays == y->wdays &&
           memcmp(x->years, y->years, sizeof x->years) == 0 && x->dom_kind == y->dom_kind &&
           x->dom_day == y->dom_day && x->dow_kind == y->dow_kind && x->dow_day == y->dow_day &&
           x->dow_nth == y->dow_nth;
}
