/*
 * exec_func.c: the scalar function library of sql-dialect.md with Trino's semantics: argument
 * checking and result types at bind time (exec_func_bind), vectorized bodies at run time.
 */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"
#include "exec_int.h"

#define ISNULL(v, r) ((v)->type == SQL_T_UNKNOWN || ((v)->nulls && (v)->nulls[r]))

exec_expr *exec_coerce(ev_arena *a, exec_expr *x, sql_type to) {
    if (x->type == to) return x;
    if (x->kind == X_CONST && x->val.null) {
        exec_expr *c = ev_arena_alloc(a, sizeof *c);
        if (!c) return NULL;
        *c = *x;
        c->type = to;
        c->val.type = to;
        return c;
    }
    exec_expr *c = ev_arena_alloc(a, sizeof *c);
    exec_expr **args = ev_arena_alloc(a, sizeof *args);
    if (!c || !args) return NULL;
    memset(c, 0, sizeof *c);
    c->kind = X_CAST;
    c->type = to;
    c->pos = x->pos;
    args[0] = x;
    c->args = args;
    c->nargs = 1;
    return c;
}

static int type_rank(sql_type t) {
    switch (t) {
    case SQL_T_INTEGER:
        return 1;
    case SQL_T_BIGINT:
        return 2;
    case SQL_T_DOUBLE:
        return 3;
    case SQL_T_DATE:
        return 10;
    case SQL_T_TIMESTAMP:
        return 11;
    case SQL_T_TIMESTAMPTZ:
        return 12;
    default:
        return 0;
    }
}

bool exec_common_type(sql_type a, sql_type b, sql_type *out) {
    if (a == b || b == SQL_T_UNKNOWN) {
        *out = a;
        return true;
    }
    if (a == SQL_T_UNKNOWN) {
        *out = b;
        return true;
    }
    int ra = type_rank(a), rb = type_rank(b);
    if (ra && rb && (ra < 10) == (rb < 10)) {
        *out = ra > rb ? a : b;
        return true;
    }
    return false;
}

static ev_status type_error(ev_error *err, const exec_expr *e, const char *what) {
    char sig[256] = "";
    size_t o = 0;
    for (size_t k = 0; k < e->nargs && o < sizeof sig - 40; k++)
        o +=
            (size_t)snprintf(sig + o, sizeof sig - o, "%s%s", k ? ", " : "", sql_type_name(e->args[k]->type));
    return ev_error_set(err, EV_ERR_INPUT, "line %u:%u: Unexpected parameters (%s) for function %s%s%s",
                        e->pos.line, e->pos.col, sig, e->fname, what ? ". Expected: " : "", what ? what : "");
}

/* ---- helpers for bodies ---- */

/* Most functions return NULL when any argument is NULL. */
static bool args_null(const exec_vec *a, size_t nargs, size_t r) {
    for (size_t k = 0; k < nargs; k++)
        if (ISNULL(&a[k], r)) return true;
    return false;
}

/* The result vector of a function. Its values start zeroed: a NULL row keeps an empty string or
 * 0, which the evaluators may read without looking at the NULL flags (eval_cmp's string test). */
static ev_status out_like(exec_eval *ev, sql_type t, size_t n, exec_vec *out) {
    EV_TRY(exec_vec_alloc(ev, t, n, true, out));
    memset(out->p, 0, exec_type_size(t) * n);
    return EV_OK;
}

static const char *const unit_names[] = {"microsecond", "millisecond", "second", "minute",  "hour",
                                         "day",         "week",        "month",  "quarter", "year"};
enum { U_US, U_MS, U_S, U_MIN, U_H, U_D, U_W, U_MON, U_Q, U_Y };

static int unit_parse(pq_str s) {
    char b[16];
    size_t n = s.len < sizeof b - 1 ? s.len : sizeof b - 1;
    for (size_t k = 0; k < n; k++)
        b[k] = (char)(s.ptr[k] >= 'A' && s.ptr[k] <= 'Z' ? s.ptr[k] + 32 : s.ptr[k]);
    b[n] = 0;
    if (n > 1 && b[n - 1] == 's') b[n - 1] = 0; /* "hours" */
    for (int k = 0; k < (int)(sizeof unit_names / sizeof unit_names[0]); k++)
        if (!strcmp(b, unit_names[k])) return k;
    return -1;
}

static int64_t trunc_ts(int64_t us, int unit) {
    ev_civil c;
    switch (unit) {
    case U_US:
        return us;
    case U_MS:
        return ev_time_floor(us, 1000);
    case U_S:
        return ev_time_floor(us, EV_USEC_PER_SEC);
    case U_MIN:
        return ev_time_floor(us, EV_USEC_PER_MIN);
    case U_H:
        return ev_time_floor(us, EV_USEC_PER_HOUR);
    case U_D:
        return ev_time_floor(us, EV_USEC_PER_DAY);
    case U_W: {
        int64_t days = ev_time_floor(us, EV_USEC_PER_DAY) / EV_USEC_PER_DAY;
        int64_t dow = ((days % 7) + 7 + 3) % 7; /* 1970-01-01 was a Thursday; Monday = 0 */
        return (days - dow) * EV_USEC_PER_DAY;
    }
    default:
        ev_time_to_civil(us, &c);
        c.day = 1;
        c.hour = c.minute = c.second = c.usec = 0;
        if (unit == U_Q) c.month = (c.month - 1) / 3 * 3 + 1;
        if (unit == U_Y) c.month = 1;
        return ev_time_from_civil(&c);
    }
}

static ev_status fn_date_trunc(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int unit = e->aux >= 0 ? (int)e->aux : unit_parse(a[0].s[r]);
        if (unit < 0 || (e->type == SQL_T_DATE && unit < U_D))
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: '%.*s' is not a valid %s field",
                                e->pos.line, e->pos.col, (int)a[0].s[r].len, a[0].s[r].ptr,
                                e->type == SQL_T_DATE ? "DATE" : "TIMESTAMP");
        if (e->type == SQL_T_DATE)
            out->i[r] = trunc_ts(a[1].i[r] * EV_USEC_PER_DAY, unit) / EV_USEC_PER_DAY;
        else
            out->i[r] = trunc_ts(a[1].i[r], unit);
    }
    return EV_OK;
}

static int64_t ts_of(const exec_vec *v, size_t r) {
    return v->type == SQL_T_DATE ? v->i[r] * EV_USEC_PER_DAY : v->i[r];
}

static ev_status fn_date(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_DATE, n, out));
    exec_value v;
    for (size_t r = 0; r < n; r++) {
        exec_vec_get(&a[0], r, &v);
        EV_TRY(exec_cast_value(ev, &v, SQL_T_DATE, false, e->pos));
        exec_vec_set(out, r, &v);
    }
    return EV_OK;
}

static ev_status fn_from_iso(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int64_t us;
        if (ev_time_parse(a[0].s[r].ptr, a[0].s[r].len, &us) != EV_OK)
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Invalid format: \"%.*s\"", e->pos.line,
                                e->pos.col, (int)(a[0].s[r].len > 100 ? 100 : a[0].s[r].len), a[0].s[r].ptr);
        out->i[r] = e->type == SQL_T_DATE ? ev_time_floor(us, EV_USEC_PER_DAY) / EV_USEC_PER_DAY : us;
    }
    return EV_OK;
}

enum { F_YEAR, F_MONTH, F_DAY, F_HOUR, F_MINUTE, F_SECOND, F_DOW, F_DOY, F_QUARTER, F_MILLI };

static ev_status fn_extract(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BIGINT, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int64_t us = ts_of(&a[0], r);
        ev_civil c;
        ev_time_to_civil(us, &c);
        int64_t days = ev_time_floor(us, EV_USEC_PER_DAY) / EV_USEC_PER_DAY;
        int64_t v = 0;
        switch ((int)e->aux) {
        case F_YEAR:
            v = c.year;
            break;
        case F_MONTH:
            v = c.month;
            break;
        case F_DAY:
            v = c.day;
            break;
        case F_HOUR:
            v = c.hour;
            break;
        case F_MINUTE:
            v = c.minute;
            break;
        case F_SECOND:
            v = c.second;
            break;
        case F_DOW:
            v = ((days % 7) + 7 + 3) % 7 + 1;
            break; /* ISO: Monday 1 .. Sunday 7 */
        case F_DOY:
            v = days - ev_days_from_civil(c.year, 1, 1) + 1;
            break;
        case F_QUARTER:
            v = (c.month - 1) / 3 + 1;
            break;
        default:
            v = c.usec / 1000;
            break;
        }
        out->i[r] = v;
    }
    return EV_OK;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};

/* MySQL's date_format specifiers, which Trino's date_format implements. */
static size_t format_mysql(int64_t us, const char *f, size_t fn, char *o, size_t cap) {
    ev_civil c;
    ev_time_to_civil(us, &c);
    int64_t days = ev_time_floor(us, EV_USEC_PER_DAY) / EV_USEC_PER_DAY;
    int dow = (int)(((days % 7) + 7 + 3) % 7);
    size_t w = 0;
    for (size_t k = 0; k < fn && w + 32 < cap; k++) {
        if (f[k] != '%' || k + 1 == fn) {
            o[w++] = f[k];
            continue;
        }
        char s = f[++k];
        int h12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
        switch (s) {
        case 'Y':
            w += (size_t)snprintf(o + w, cap - w, "%04d", c.year);
            break;
        case 'y':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.year % 100);
            break;
        case 'm':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.month);
            break;
        case 'c':
            w += (size_t)snprintf(o + w, cap - w, "%d", c.month);
            break;
        case 'd':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.day);
            break;
        case 'e':
            w += (size_t)snprintf(o + w, cap - w, "%d", c.day);
            break;
        case 'H':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.hour);
            break;
        case 'k':
            w += (size_t)snprintf(o + w, cap - w, "%d", c.hour);
            break;
        case 'h':
        case 'I':
            w += (size_t)snprintf(o + w, cap - w, "%02d", h12);
            break;
        case 'l':
            w += (size_t)snprintf(o + w, cap - w, "%d", h12);
            break;
        case 'i':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.minute);
            break;
        case 's':
        case 'S':
            w += (size_t)snprintf(o + w, cap - w, "%02d", c.second);
            break;
        case 'f':
            w += (size_t)snprintf(o + w, cap - w, "%06d", c.usec);
            break;
        case 'p':
            w += (size_t)snprintf(o + w, cap - w, "%s", c.hour < 12 ? "AM" : "PM");
            break;
        case 'T':
            w += (size_t)snprintf(o + w, cap - w, "%02d:%02d:%02d", c.hour, c.minute, c.second);
            break;
        case 'r':
            w += (size_t)snprintf(o + w, cap - w, "%02d:%02d:%02d %s", h12, c.minute, c.second,
                                  c.hour < 12 ? "AM" : "PM");
            break;
        case 'M':
            w += (size_t)snprintf(o + w, cap - w, "%s", month_names[c.month - 1]);
            break;
        case 'b':
            w += (size_t)snprintf(o + w, cap - w, "%.3s", month_names[c.month - 1]);
            break;
        case 'W':
            w += (size_t)snprintf(o + w, cap - w, "%s", day_names[dow]);
            break;
        case 'a':
            w += (size_t)snprintf(o + w, cap - w, "%.3s", day_names[dow]);
            break;
        case 'j':
            w += (size_t)snprintf(o + w, cap - w, "%03d", (int)(days - ev_days_from_civil(c.year, 1, 1) + 1));
            break;
        default:
            o[w++] = s;
            break;
        }
    }
    return w;
}

static ev_status fn_date_format(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        char buf[512];
        size_t w = format_mysql(ts_of(&a[0], r), a[1].s[r].ptr, a[1].s[r].len, buf, sizeof buf);
        char *p = exec_scratch(ev, w + 1);
        if (!p) return EV_ERR_NOMEM;
        memcpy(p, buf, w);
        out->s[r] = (pq_str){p, (uint32_t)w};
    }
    return EV_OK;
}

static int64_t months_between(int64_t a, int64_t b) {
    ev_civil x, y;
    ev_time_to_civil(a, &x);
    ev_time_to_civil(b, &y);
    int64_t m = (int64_t)(y.year - x.year) * 12 + (y.month - x.month);
    /* a partial month does not count */
    int64_t xa = ((int64_t)x.day * 86400 + x.hour * 3600 + x.minute * 60 + x.second) * 1000000 + x.usec;
    int64_t ya = ((int64_t)y.day * 86400 + y.hour * 3600 + y.minute * 60 + y.second) * 1000000 + y.usec;
    if (m > 0 && ya < xa) m--;
    if (m < 0 && ya > xa) m++;
    return m;
}

static const int64_t unit_usec[] = {
    1, 1000, EV_USEC_PER_SEC, EV_USEC_PER_MIN, EV_USEC_PER_HOUR, EV_USEC_PER_DAY, 7 * EV_USEC_PER_DAY};

static ev_status bad_unit(exec_eval *ev, const exec_expr *e, pq_str u) {
    return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: '%.*s' is not a valid time unit", e->pos.line,
                        e->pos.col, (int)u.len, u.ptr);
}

static ev_status fn_date_diff(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BIGINT, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int u = unit_parse(a[0].s[r]);
        if (u < 0) return bad_unit(ev, e, a[0].s[r]);
        int64_t x = ts_of(&a[1], r), y = ts_of(&a[2], r);
        if (u <= U_W)
            out->i[r] = (y - x) / unit_usec[u];
        else {
            int64_t m = months_between(x, y);
            out->i[r] = u == U_MON ? m : u == U_Q ? m / 3 : m / 12;
        }
    }
    return EV_OK;
}

static ev_status fn_date_add(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int u = unit_parse(a[0].s[r]);
        if (u < 0) return bad_unit(ev, e, a[0].s[r]);
        int64_t t = ts_of(&a[2], r), k = a[1].i[r];
        if (u <= U_W) {
            t += k * unit_usec[u];
        } else {
            ev_civil c;
            ev_time_to_civil(t, &c);
            int64_t months = (int64_t)c.year * 12 + (c.month - 1) + k * (u == U_MON ? 1 : u == U_Q ? 3 : 12);
            c.year = (int)(months / 12);
            c.month = (int)(months % 12) + 1;
            static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int md = mdays[c.month - 1] +
                     (c.month == 2 && (c.year % 4 == 0 && (c.year % 100 != 0 || c.year % 400 == 0)));
            if (c.day > md) c.day = md;
            t = ev_time_from_civil(&c);
        }
        out->i[r] = e->type == SQL_T_DATE ? ev_time_floor(t, EV_USEC_PER_DAY) / EV_USEC_PER_DAY : t;
    }
    return EV_OK;
}

static ev_status fn_now(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    (void)a;
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++)
        out->i[r] = e->type == SQL_T_DATE ? ev_time_floor(ev->now_usec, EV_USEC_PER_DAY) / EV_USEC_PER_DAY
                                          : ev->now_usec;
    return EV_OK;
}

/* ---- numbers ---- */

static double round_half_away(double x, int64_t d) {
    if (d > 300 || d < -300 || isnan(x) || isinf(x)) return x;
    double p = pow(10.0, (double)(d < 0 ? -d : d));
    if (d >= 0) {
        double y = x * p;
        if (isinf(y)) return x;
        double r = round(y) / p;
        return r;
    }
    return round(x / p) * p;
}

static ev_status fn_round(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int64_t d = e->nargs > 1 ? a[1].i[r] : 0;
        if (e->type == SQL_T_DOUBLE) {
            out->f[r] = round_half_away(a[0].f[r], d);
        } else if (d >= 0) {
            out->i[r] = a[0].i[r];
        } else {
            out->i[r] = (int64_t)round_half_away((double)a[0].i[r], d);
        }
    }
    return EV_OK;
}

enum { M_ABS, M_FLOOR, M_CEIL, M_SQRT, M_LN, M_EXP, M_LOG10, M_LOG2, M_SIGN };

static ev_status fn_math1(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        if (e->type != SQL_T_DOUBLE) {
            int64_t x = a[0].i[r];
            out->i[r] = e->aux == M_ABS ? (x < 0 ? -x : x) : e->aux == M_SIGN ? (x > 0) - (x < 0) : x;
            continue;
        }
        double x = a[0].f[r], y;
        switch ((int)e->aux) {
        case M_ABS:
            y = fabs(x);
            break;
        case M_FLOOR:
            y = floor(x);
            break;
        case M_CEIL:
            y = ceil(x);
            break;
        case M_SQRT:
            y = sqrt(x);
            break;
        case M_LN:
            y = log(x);
            break;
        case M_EXP:
            y = exp(x);
            break;
        case M_LOG10:
            y = log10(x);
            break;
        case M_LOG2:
            y = log2(x);
            break;
        default:
            y = (x > 0) - (x < 0);
            break;
        }
        out->f[r] = y;
    }
    return EV_OK;
}

static ev_status fn_power(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        out->f[r] = pow(a[0].f[r], a[1].f[r]);
    }
    return EV_OK;
}

/* ---- strings ---- */

static size_t utf8_len(pq_str s) {
    size_t n = 0;
    for (size_t k = 0; k < s.len; k++)
        n += ((unsigned char)s.ptr[k] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of the char-th character (0-based), or s.len. */
static size_t utf8_offset(pq_str s, size_t chr) {
    size_t k = 0;
    while (k < s.len && chr) {
        k++;
        while (k < s.len && ((unsigned char)s.ptr[k] & 0xC0) == 0x80)
            k++;
        chr--;
    }
    return k;
}

/* Simple (one code point to one) case mapping of the two-byte UTF-8 range, as Java's
 * Character.toLowerCase/toUpperCase that Trino's lower() and upper() apply: Latin-1, Latin
 * Extended-A, Greek and Cyrillic. Mappings that change the encoded length (U+0130, U+0131, U+017F)
 * and the rest of Unicode are left as they are. */
static uint32_t case_map_cp(uint32_t c, bool upper) {
    if (!upper) {
        if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
            (c >= 0x410 && c <= 0x42F))
            return c + 0x20;
        if (c >= 0x400 && c <= 0x40F) return c + 0x50;
        if (c == 0x178) return 0xFF;
        if (c == 0x386) return 0x3AC;
        if (c >= 0x388 && c <= 0x38A) return c + 0x25;
        if (c == 0x38C) return 0x3CC;
        if (c == 0x38E || c == 0x38F) return c + 0x3F;
        if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
            (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
            return c | 1;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) || (c >= 0x4C1 && c <= 0x4CE))
            return (c & 1) ? c + 1 : c;
        return c;
    }
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) ||
        (c >= 0x430 && c <= 0x44F))
        return c - 0x20;
    if (c >= 0x450 && c <= 0x45F) return c - 0x50;
    if (c == 0xFF) return 0x178;
    if (c == 0x3C2) return 0x3A3; /* final sigma */
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 0x25;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 0x3F;
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
        (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x4FF))
        return c & ~1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) || (c >= 0x4C1 && c <= 0x4CE))
        return (c & 1) ? c : c - 1;
    return c;
}

static ev_status fn_case_map(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    bool upper = e->aux != 0;
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r];
        char *p = exec_scratch(ev, s.len + 1);
        if (!p) return EV_ERR_NOMEM;
        for (size_t k = 0; k < s.len; k++) {
            unsigned char c = (unsigned char)s.ptr[k];
            if (c < 0x80) {
                p[k] =
                    (char)(upper ? (c >= 'a' && c <= 'z' ? c - 32 : c) : (c >= 'A' && c <= 'Z' ? c + 32 : c));
            } else if (c >= 0xC2 && c <= 0xDF && k + 1 < s.len &&
                       ((unsigned char)s.ptr[k + 1] & 0xC0) == 0x80) {
                /* two-byte sequences map to two-byte sequences: the length never changes */
                uint32_t cp =
                    case_map_cp(((uint32_t)(c & 0x1F) << 6) | ((unsigned char)s.ptr[k + 1] & 0x3F), upper);
                p[k] = (char)(0xC0 | (cp >> 6));
                p[k + 1] = (char)(0x80 | (cp & 0x3F));
                k++;
            } else {
                p[k] = (char)c;
            }
        }
        out->s[r] = (pq_str){p, s.len};
    }
    return EV_OK;
}

static ev_status fn_length(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BIGINT, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r))
            out->nulls[r] = 1;
        else
            out->i[r] = (int64_t)utf8_len(a[0].s[r]);
    }
    return EV_OK;
}

static ev_status fn_substr(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r];
        int64_t len = (int64_t)utf8_len(s), start = a[1].i[r];
        out->s[r] = (pq_str){"", 0};
        if (start == 0 || start > len || -start > len) continue;
        if (start < 0) start = len + start + 1;
        int64_t cnt = e->nargs > 2 ? a[2].i[r] : len;
        if (cnt <= 0) continue;
        if (cnt > len - start + 1) cnt = len - start + 1; /* not start - 1 + cnt: it may overflow */
        size_t b0 = utf8_offset(s, (size_t)(start - 1));
        pq_str rest = {s.ptr + b0, (uint32_t)(s.len - b0)};
        size_t b1 = utf8_offset(rest, (size_t)cnt);
        out->s[r] = (pq_str){rest.ptr, (uint32_t)b1};
    }
    return EV_OK;
}

static ev_status fn_trim(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r];
        size_t b = 0, en = s.len;
        if (e->aux != 2)
            while (b < en && (s.ptr[b] == ' ' || s.ptr[b] == '\t' || s.ptr[b] == '\n' || s.ptr[b] == '\r'))
                b++;
        if (e->aux != 1)
            while (en > b && (s.ptr[en - 1] == ' ' || s.ptr[en - 1] == '\t' || s.ptr[en - 1] == '\n' ||
                              s.ptr[en - 1] == '\r'))
                en--;
        out->s[r] = (pq_str){s.ptr + b, (uint32_t)(en - b)};
    }
    return EV_OK;
}

static const char *find_bytes(const char *h, size_t hn, const char *nd, size_t nn) {
    if (nn == 0) return h;
    return memmem(h, hn, nd, nn);
}

static ev_status fn_replace(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r], f = a[1].s[r], t = e->nargs > 2 ? a[2].s[r] : (pq_str){"", 0};
        if (!f.len) {
            out->s[r] = s;
            continue;
        }
        size_t cnt = 0;
        for (const char *p = s.ptr; (p = find_bytes(p, s.len - (size_t)(p - s.ptr), f.ptr, f.len));
             p += f.len)
            cnt++;
        size_t len = s.len + cnt * t.len - cnt * f.len;
        char *o = exec_scratch(ev, len + 1);
        if (!o) return EV_ERR_NOMEM;
        size_t w = 0;
        const char *p = s.ptr, *end = s.ptr + s.len;
        for (const char *q; (q = find_bytes(p, (size_t)(end - p), f.ptr, f.len)); p = q + f.len) {
            memcpy(o + w, p, (size_t)(q - p));
            w += (size_t)(q - p);
            memcpy(o + w, t.ptr, t.len);
            w += t.len;
        }
        memcpy(o + w, p, (size_t)(end - p));
        w += (size_t)(end - p);
        out->s[r] = (pq_str){o, (uint32_t)w};
    }
    return EV_OK;
}

static ev_status fn_strpos(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BIGINT, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r], f = a[1].s[r];
        const char *q = find_bytes(s.ptr, s.len, f.ptr, f.len);
        out->i[r] = q ? (int64_t)utf8_len((pq_str){s.ptr, (uint32_t)(q - s.ptr)}) + 1 : 0;
    }
    return EV_OK;
}

static ev_status fn_starts_with(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BOOLEAN, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r], f = a[1].s[r];
        out->i[r] = s.len >= f.len && (f.len == 0 || !memcmp(s.ptr, f.ptr, f.len));
    }
    return EV_OK;
}

static ev_status fn_split_part(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str s = a[0].s[r], d = a[1].s[r];
        int64_t idx = a[2].i[r];
        if (idx <= 0)
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Index must be greater than zero",
                                e->pos.line, e->pos.col);
        const char *p = s.ptr, *end = s.ptr + s.len;
        out->nulls[r] = 1;
        for (int64_t k = 1;; k++) {
            const char *q = d.len ? find_bytes(p, (size_t)(end - p), d.ptr, d.len) : NULL;
            const char *stop = q ? q : end;
            if (k == idx) {
                out->nulls[r] = 0;
                out->s[r] = (pq_str){p, (uint32_t)(stop - p)};
                break;
            }
            if (!q) break;
            p = q + d.len;
        }
    }
    return EV_OK;
}

/* Trino's patterns are Java's (Joni); regcomp's are POSIX EREs. Translated here: the classes \d \D
 * \s \S \w \W (also inside brackets), \t \n \r, escaped punctuation inside brackets (POSIX
 * brackets take a backslash literally), (?:...) groups, a leading (?i), and lazy quantifiers (a
 * yes/no search matches the same with greedy ones). Anything else goes to regcomp as it is.
 * Returns the translated length (out holds up to 12 bytes per input byte), or SIZE_MAX when
 * `cap` is too small. */
static size_t regex_java_to_posix(const char *p, size_t n, char *out, size_t cap, int *flags) {
    size_t w = 0, k = 0;
    bool in_bracket = false;
#define PUT(str)                                                                                             \
    do {                                                                                                     \
        size_t l_ = strlen(str);                                                                             \
        if (w + l_ >= cap) return SIZE_MAX;                                                                  \
        memcpy(out + w, str, l_);                                                                            \
        w += l_;                                                                                             \
    } while (0)
    if (n >= 4 && !memcmp(p, "(?i)", 4)) {
        *flags |= REG_ICASE;
        k = 4;
    }
    for (; k < n; k++) {
        char c = p[k];
        char one[2] = {c, 0};
        if (c == '\\' && k + 1 < n) {
            char d = p[++k];
            const char *cls = NULL;
            switch (d) {
            case 'd':
                cls = in_bracket ? "0-9" : "[0-9]";
                break;
            case 'D':
                cls = in_bracket ? NULL : "[^0-9]";
                break;
            case 's':
                cls = in_bracket ? "[:space:]" : "[[:space:]]";
                break;
            case 'S':
                cls = in_bracket ? NULL : "[^[:space:]]";
                break;
            case 'w':
                cls = in_bracket ? "[:alnum:]_" : "[[:alnum:]_]";
                break;
            case 'W':
                cls = in_bracket ? NULL : "[^[:alnum:]_]";
                break;
            case 't':
                cls = "\t";
                break;
            case 'n':
                cls = "\n";
                break;
            case 'r':
                cls = "\r";
                break;
            default:
                break;
            }
            if (cls) {
                PUT(cls);
            } else if (in_bracket) {
                char lit[2] = {d, 0}; /* [\.] is [.] */
                PUT(lit);
            } else {
                char esc[3] = {'\\', d, 0};
                PUT(esc);
            }
            continue;
        }
        if (in_bracket) {
            if (c == ']') in_bracket = false;
            PUT(one);
            continue;
        }
        if (c == '[') {
            in_bracket = true;
            PUT(one);
            /* a leading ^ or ] belongs to the bracket */
            if (k + 1 < n && p[k + 1] == '^') {
                PUT("^");
                k++;
            }
            if (k + 1 < n && p[k + 1] == ']') {
                PUT("]");
                k++;
            }
            continue;
        }
        if (c == '(' && k + 2 < n && p[k + 1] == '?' && p[k + 2] == ':') {
            PUT("(");
            k += 2;
            continue;
        }
        if (c == '?' && k > 0 && (p[k - 1] == '*' || p[k - 1] == '+' || p[k - 1] == '?' || p[k - 1] == '}') &&
            !(k > 1 && p[k - 2] == '\\'))
            continue; /* lazy quantifier */
        PUT(one);
    }
#undef PUT
    out[w] = 0;
    return w;
}

static ev_status fn_regexp_like(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_BOOLEAN, n, out));
    regex_t re;
    char *compiled = NULL;
    size_t compiled_len = 0;
    ev_status st = EV_OK;
    for (size_t r = 0; r < n && st == EV_OK; r++) {
        if (args_null(a, e->nargs, r)) {
            out->nulls[r] = 1;
            continue;
        }
        pq_str pat = a[1].s[r];
        if (!compiled || compiled_len != pat.len || memcmp(compiled, pat.ptr, pat.len)) {
            if (compiled) regfree(&re);
            compiled = exec_scratch(ev, pat.len + 1);
            char *posix = exec_scratch(ev, 12 * (size_t)pat.len + 1);
            if (!compiled || !posix) return EV_ERR_NOMEM;
            memcpy(compiled, pat.ptr, pat.len);
            compiled[pat.len] = 0;
            compiled_len = pat.len;
            int flags = REG_EXTENDED | REG_NOSUB;
            if (regex_java_to_posix(pat.ptr, pat.len, posix, 12 * (size_t)pat.len + 1, &flags) == SIZE_MAX ||
                regcomp(&re, posix, flags)) {
                compiled = NULL;
                return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Invalid regular expression: %.*s",
                                    e->pos.line, e->pos.col, (int)(pat.len > 200 ? 200 : pat.len), pat.ptr);
            }
        }
        char *s = exec_scratch(ev, a[0].s[r].len + 1);
        if (!s) {
            st = EV_ERR_NOMEM;
            break;
        }
        memcpy(s, a[0].s[r].ptr, a[0].s[r].len);
        s[a[0].s[r].len] = 0;
        out->i[r] = regexec(&re, s, 0, NULL, 0) == 0;
    }
    if (compiled) regfree(&re);
    return st;
}

static ev_status fn_concat(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_VARCHAR, n, out));
    for (size_t r = 0; r < n; r++) {
        size_t len = 0;
        bool null = false;
        for (size_t k = 0; k < e->nargs; k++) {
            if (ISNULL(&a[k], r))
                null = true;
            else
                len += a[k].s[r].len;
        }
        if (null) {
            out->nulls[r] = 1;
            continue;
        }
        char *p = exec_scratch(ev, len + 1);
        if (!p) return EV_ERR_NOMEM;
        size_t w = 0;
        for (size_t k = 0; k < e->nargs; k++) {
            if (a[k].s[r].len) memcpy(p + w, a[k].s[r].ptr, a[k].s[r].len);
            w += a[k].s[r].len;
        }
        out->s[r] = (pq_str){p, (uint32_t)len};
    }
    return EV_OK;
}

/* ---- conditionals ---- */

static ev_status fn_coalesce(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    exec_value v;
    for (size_t r = 0; r < n; r++) {
        out->nulls[r] = 1;
        for (size_t k = 0; k < e->nargs; k++) {
            if (ISNULL(&a[k], r)) continue;
            exec_vec_get(&a[k], r, &v);
            exec_vec_set(out, r, &v);
            break;
        }
    }
    return EV_OK;
}

static ev_status fn_nullif(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    exec_value v, c, w;
    for (size_t r = 0; r < n; r++) {
        exec_vec_get(&a[0], r, &v);
        if (!v.null && !ISNULL(&a[1], r)) {
            /* compared in the second argument's type, the common one (see the binder) */
            c = v;
            if (a[0].type != a[1].type) EV_TRY(exec_cast_value(ev, &c, a[1].type, false, e->pos));
            exec_vec_get(&a[1], r, &w);
            if (exec_value_cmp(&c, &w) == 0) v.null = true;
        }
        exec_vec_set(out, r, &v);
    }
    return EV_OK;
}

static ev_status fn_if(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    exec_value v;
    for (size_t r = 0; r < n; r++) {
        bool c = !ISNULL(&a[0], r) && a[0].i[r];
        if (c)
            exec_vec_get(&a[1], r, &v);
        else if (e->nargs > 2)
            exec_vec_get(&a[2], r, &v);
        else
            v = (exec_value){.type = e->type, .null = true};
        exec_vec_set(out, r, &v);
    }
    return EV_OK;
}

static ev_status fn_greatest(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, e->type, n, out));
    exec_value v;
    for (size_t r = 0; r < n; r++) {
        size_t best = 0;
        bool null = false;
        for (size_t k = 0; k < e->nargs; k++) {
            if (ISNULL(&a[k], r))
                null = true;
            else if (k && (exec_cmp_rows(&a[k], r, &a[best], r) > 0) == (e->aux == 0))
                best = k;
        }
        exec_vec_get(&a[best], r, &v);
        if (null) v.null = true;
        exec_vec_set(out, r, &v);
    }
    return EV_OK;
}

static ev_status fn_to_unixtime(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_DOUBLE, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r))
            out->nulls[r] = 1;
        else
            out->f[r] = (double)ts_of(&a[0], r) / 1e6;
    }
    return EV_OK;
}

static ev_status fn_from_unixtime(exec_eval *ev, const exec_expr *e, exec_vec *a, size_t n, exec_vec *out) {
    EV_TRY(out_like(ev, SQL_T_TIMESTAMPTZ, n, out));
    for (size_t r = 0; r < n; r++) {
        if (args_null(a, e->nargs, r))
            out->nulls[r] = 1;
        else
            out->i[r] = (int64_t)floor(a[0].f[r] * 1e6);
    }
    return EV_OK;
}

static const exec_func_def funcs[] = {
    {"date_trunc", 2, 2, fn_date_trunc},
    {"date", 1, 1, fn_date},
    {"from_iso8601_timestamp", 1, 1, fn_from_iso},
    {"from_iso8601_date", 1, 1, fn_from_iso},
    {"year", 1, 1, fn_extract},
    {"month", 1, 1, fn_extract},
    {"day", 1, 1, fn_extract},
    {"day_of_month", 1, 1, fn_extract},
    {"hour", 1, 1, fn_extract},
    {"minute", 1, 1, fn_extract},
    {"second", 1, 1, fn_extract},
    {"millisecond", 1, 1, fn_extract},
    {"day_of_week", 1, 1, fn_extract},
    {"dow", 1, 1, fn_extract},
    {"day_of_year", 1, 1, fn_extract},
    {"doy", 1, 1, fn_extract},
    {"quarter", 1, 1, fn_extract},
    {"date_format", 2, 2, fn_date_format},
    {"date_diff", 3, 3, fn_date_diff},
    {"date_add", 3, 3, fn_date_add},
    {"current_date", 0, 0, fn_now},
    {"current_timestamp", 0, 0, fn_now},
    {"now", 0, 0, fn_now},
    {"round", 1, 2, fn_round},
    {"abs", 1, 1, fn_math1},
    {"floor", 1, 1, fn_math1},
    {"ceil", 1, 1, fn_math1},
    {"ceiling", 1, 1, fn_math1},
    {"sqrt", 1, 1, fn_math1},
    {"ln", 1, 1, fn_math1},
    {"exp", 1, 1, fn_math1},
    {"log10", 1, 1, fn_math1},
    {"log2", 1, 1, fn_math1},
    {"sign", 1, 1, fn_math1},
    {"power", 2, 2, fn_power},
    {"pow", 2, 2, fn_power},
    {"lower", 1, 1, fn_case_map},
    {"upper", 1, 1, fn_case_map},
    {"length", 1, 1, fn_length},
    {"substr", 2, 3, fn_substr},
    {"substring", 2, 3, fn_substr},
    {"trim", 1, 1, fn_trim},
    {"ltrim", 1, 1, fn_trim},
    {"rtrim", 1, 1, fn_trim},
    {"replace", 2, 3, fn_replace},
    {"strpos", 2, 2, fn_strpos},
    {"starts_with", 2, 2, fn_starts_with},
    {"split_part", 3, 3, fn_split_part},
    {"regexp_like", 2, 2, fn_regexp_like},
    {"concat", 1, 64, fn_concat},
    {"coalesce", 1, 64, fn_coalesce},
    {"nullif", 2, 2, fn_nullif},
    {"if", 2, 3, fn_if},
    {"greatest", 1, 64, fn_greatest},
    {"least", 1, 64, fn_greatest},
    {"to_unixtime", 1, 1, fn_to_unixtime},
    {"from_unixtime", 1, 1, fn_from_unixtime},
};

const exec_func_def *exec_func_find(const char *name) {
    for (size_t k = 0; k < sizeof funcs / sizeof funcs[0]; k++)
        if (!strcmp(funcs[k].name, name)) return &funcs[k];
    return NULL;
}

static bool is_time(sql_type t) {
    return t == SQL_T_TIMESTAMP || t == SQL_T_TIMESTAMPTZ || t == SQL_T_DATE || t == SQL_T_UNKNOWN;
}

static ev_status coerce_arg(exec_expr *e, size_t k, sql_type to, ev_arena *a, ev_error *err) {
    exec_expr *c = exec_coerce(a, e->args[k], to);
    if (!c) return ev_error_set(err, EV_ERR_NOMEM, "out of memory binding a function");
    e->args[k] = c;
    return EV_OK;
}

/* All arguments to one common type (COALESCE, GREATEST, IF's branches). */
static ev_status unify(exec_expr *e, size_t from, ev_arena *a, ev_error *err) {
    sql_type t = SQL_T_UNKNOWN;
    for (size_t k = from; k < e->nargs; k++)
        if (!exec_common_type(t, e->args[k]->type, &t)) return type_error(err, e, "arguments of one type");
    for (size_t k = from; k < e->nargs; k++)
        EV_TRY(coerce_arg(e, k, t, a, err));
    e->type = t;
    return EV_OK;
}

/* What a family's binder returns for a function that is not its own (never an ev_status: the
 * families' type errors are EV_ERR_INPUT, which is 1). */
#define NOT_MINE ((ev_status)-1)

static bool name_is(const exec_expr *e, const char *n) {
    return !strcmp(e->fname, n);
}

static ev_status bind_time_fn(exec_expr *e, ev_arena *a, ev_error *err) {
    const char *n = e->fname;
    if (name_is(e, "date_trunc")) {
        if (e->args[0]->type != SQL_T_VARCHAR || !is_time(e->args[1]->type))
            return type_error(err, e, "date_trunc(varchar, timestamp)");
        e->type = e->args[1]->type == SQL_T_UNKNOWN ? SQL_T_TIMESTAMP : e->args[1]->type;
        e->aux = -1;
        if (e->args[0]->kind == X_CONST && !e->args[0]->val.null) {
            int u = unit_parse(e->args[0]->val.s);
            if (u < 0 || u == U_US)
                return ev_error_set(err, EV_ERR_INPUT, "line %u:%u: '%.*s' is not a valid TIMESTAMP field",
                                    e->pos.line, e->pos.col, (int)e->args[0]->val.s.len,
                                    e->args[0]->val.s.ptr);
            e->aux = u;
        }
        return EV_OK;
    }
    if (name_is(e, "date")) {
        if (e->args[0]->type != SQL_T_VARCHAR && !is_time(e->args[0]->type))
            return type_error(err, e, "date(varchar|timestamp)");
        e->type = SQL_T_DATE;
        return EV_OK;
    }
    if (!strncmp(n, "from_iso8601", 12)) {
        if (e->args[0]->type != SQL_T_VARCHAR && e->args[0]->type != SQL_T_UNKNOWN)
            return type_error(err, e, "varchar");
        e->type = name_is(e, "from_iso8601_date") ? SQL_T_DATE : SQL_T_TIMESTAMPTZ;
        return EV_OK;
    }
    static const struct {
        const char *name;
        int field;
    } fields[] = {{"year", F_YEAR},        {"month", F_MONTH},       {"day", F_DAY},
                  {"day_of_month", F_DAY}, {"hour", F_HOUR},         {"minute", F_MINUTE},
                  {"second", F_SECOND},    {"millisecond", F_MILLI}, {"day_of_week", F_DOW},
                  {"dow", F_DOW},          {"day_of_year", F_DOY},   {"doy", F_DOY},
                  {"quarter", F_QUARTER}};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        if (name_is(e, fields[k].name)) {
            if (!is_time(e->args[0]->type)) return type_error(err, e, "timestamp or date");
            if (e->args[0]->type == SQL_T_DATE && fields[k].field >= F_HOUR && fields[k].field <= F_SECOND)
                return type_error(err, e, "timestamp");
            e->type = SQL_T_BIGINT;
            e->aux = fields[k].field;
            return EV_OK;
        }
    }
    if (name_is(e, "date_format")) {
        if (!is_time(e->args[0]->type) || e->args[1]->type != SQL_T_VARCHAR)
            return type_error(err, e, "date_format(timestamp, varchar)");
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    if (name_is(e, "date_diff")) {
        if (e->args[0]->type != SQL_T_VARCHAR || !is_time(e->args[1]->type) || !is_time(e->args[2]->type))
            return type_error(err, e, "date_diff(varchar, timestamp, timestamp)");
        e->type = SQL_T_BIGINT;
        return EV_OK;
    }
    if (name_is(e, "date_add")) {
        if (e->args[0]->type != SQL_T_VARCHAR || !exec_is_int(e->args[1]->type) || !is_time(e->args[2]->type))
            return type_error(err, e, "date_add(varchar, bigint, timestamp)");
        EV_TRY(coerce_arg(e, 1, SQL_T_BIGINT, a, err));
        e->type = e->args[2]->type == SQL_T_UNKNOWN ? SQL_T_TIMESTAMP : e->args[2]->type;
        return EV_OK;
    }
    if (name_is(e, "current_date")) {
        e->type = SQL_T_DATE;
        return EV_OK;
    }
    if (name_is(e, "current_timestamp") || name_is(e, "now")) {
        e->type = SQL_T_TIMESTAMPTZ;
        return EV_OK;
    }
    if (name_is(e, "to_unixtime")) {
        if (!is_time(e->args[0]->type)) return type_error(err, e, "timestamp");
        e->type = SQL_T_DOUBLE;
        return EV_OK;
    }
    if (name_is(e, "from_unixtime")) {
        if (!exec_is_numeric(e->args[0]->type)) return type_error(err, e, "double");
        EV_TRY(coerce_arg(e, 0, SQL_T_DOUBLE, a, err));
        e->type = SQL_T_TIMESTAMPTZ;
        return EV_OK;
    }
    return NOT_MINE; /* not a time function */
}

static ev_status bind_math_fn(exec_expr *e, ev_arena *a, ev_error *err) {
    sql_type t0 = e->args[0]->type;
    if (name_is(e, "round")) {
        if (!exec_is_numeric(t0)) return type_error(err, e, "round(number[, integer])");
        if (e->nargs > 1) {
            if (!exec_is_int(e->args[1]->type) || !exec_is_numeric(e->args[1]->type))
                return type_error(err, e, "round(number, integer)");
            EV_TRY(coerce_arg(e, 1, SQL_T_BIGINT, a, err));
        }
        e->type = t0 == SQL_T_UNKNOWN ? SQL_T_DOUBLE : t0;
        return EV_OK;
    }
    static const struct {
        const char *name;
        int op;
    } ops[] = {{"abs", M_ABS}, {"floor", M_FLOOR}, {"ceil", M_CEIL},   {"ceiling", M_CEIL}, {"sqrt", M_SQRT},
               {"ln", M_LN},   {"exp", M_EXP},     {"log10", M_LOG10}, {"log2", M_LOG2},    {"sign", M_SIGN}};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        if (!name_is(e, ops[k].name)) continue;
        if (!exec_is_numeric(t0)) return type_error(err, e, "a number");
        e->aux = ops[k].op;
        bool keeps_int =
            ops[k].op == M_ABS || ops[k].op == M_FLOOR || ops[k].op == M_CEIL || ops[k].op == M_SIGN;
        e->type = keeps_int && t0 != SQL_T_UNKNOWN ? t0 : SQL_T_DOUBLE;
        return coerce_arg(e, 0, e->type, a, err);
    }
    if (name_is(e, "power") || name_is(e, "pow")) {
        if (!exec_is_numeric(t0) || !exec_is_numeric(e->args[1]->type)) return type_error(err, e, "numbers");
        e->type = SQL_T_DOUBLE;
        EV_TRY(coerce_arg(e, 0, SQL_T_DOUBLE, a, err));
        return coerce_arg(e, 1, SQL_T_DOUBLE, a, err);
    }
    return NOT_MINE;
}

static ev_status need_varchar(exec_expr *e, size_t from, size_t to, ev_arena *a, ev_error *err) {
    for (size_t k = from; k < to && k < e->nargs; k++) {
        if (e->args[k]->type == SQL_T_UNKNOWN) EV_TRY(coerce_arg(e, k, SQL_T_VARCHAR, a, err));
        if (e->args[k]->type != SQL_T_VARCHAR) return type_error(err, e, "varchar");
    }
    return EV_OK;
}

static ev_status bind_string_fn(exec_expr *e, ev_arena *a, ev_error *err) {
    if (name_is(e, "lower") || name_is(e, "upper")) {
        EV_TRY(need_varchar(e, 0, 1, a, err));
        e->aux = name_is(e, "upper");
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    if (name_is(e, "length")) {
        EV_TRY(need_varchar(e, 0, 1, a, err));
        e->type = SQL_T_BIGINT;
        return EV_OK;
    }
    if (name_is(e, "substr") || name_is(e, "substring")) {
        EV_TRY(need_varchar(e, 0, 1, a, err));
        for (size_t k = 1; k < e->nargs; k++) {
            if (!exec_is_int(e->args[k]->type) || !exec_is_numeric(e->args[k]->type))
                return type_error(err, e, "substr(varchar, bigint[, bigint])");
            EV_TRY(coerce_arg(e, k, SQL_T_BIGINT, a, err));
        }
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    if (name_is(e, "trim") || name_is(e, "ltrim") || name_is(e, "rtrim")) {
        EV_TRY(need_varchar(e, 0, 1, a, err));
        e->aux = name_is(e, "ltrim") ? 1 : name_is(e, "rtrim") ? 2 : 0;
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    if (name_is(e, "replace") || name_is(e, "strpos") || name_is(e, "starts_with") ||
        name_is(e, "regexp_like")) {
        EV_TRY(need_varchar(e, 0, e->nargs, a, err));
        e->type = name_is(e, "replace") ? SQL_T_VARCHAR : name_is(e, "strpos") ? SQL_T_BIGINT : SQL_T_BOOLEAN;
        return EV_OK;
    }
    if (name_is(e, "split_part")) {
        EV_TRY(need_varchar(e, 0, 2, a, err));
        if (!exec_is_int(e->args[2]->type) || !exec_is_numeric(e->args[2]->type))
            return type_error(err, e, "split_part(varchar, varchar, bigint)");
        EV_TRY(coerce_arg(e, 2, SQL_T_BIGINT, a, err));
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    if (name_is(e, "concat")) {
        for (size_t k = 0; k < e->nargs; k++)
            EV_TRY(coerce_arg(e, k, SQL_T_VARCHAR, a, err));
        e->type = SQL_T_VARCHAR;
        return EV_OK;
    }
    return NOT_MINE;
}

ev_status exec_func_bind(exec_expr *e, ev_arena *a, ev_error *err) {
    ev_status st = bind_time_fn(e, a, err);
    if (st == NOT_MINE) st = bind_math_fn(e, a, err);
    if (st == NOT_MINE) st = bind_string_fn(e, a, err);
    if (st != NOT_MINE) return st;
    if (name_is(e, "coalesce") || name_is(e, "greatest") || name_is(e, "least")) {
        e->aux = name_is(e, "least");
        return unify(e, 0, a, err);
    }
    if (name_is(e, "nullif")) {
        /* Trino compares in the common type but returns the first argument's type:
         * nullif(quantity, 2.5) is an integer. The second argument is coerced here, the first
         * per row when it is compared (fn_nullif). */
        sql_type t;
        if (!exec_common_type(e->args[0]->type, e->args[1]->type, &t))
            return type_error(err, e, "comparable types");
        if (e->args[0]->type == SQL_T_UNKNOWN) EV_TRY(coerce_arg(e, 0, t, a, err));
        e->type = e->args[0]->type;
        return coerce_arg(e, 1, t, a, err);
    }
    if (name_is(e, "if")) {
        if (e->args[0]->type != SQL_T_BOOLEAN && e->args[0]->type != SQL_T_UNKNOWN)
            return type_error(err, e, "if(boolean, value[, value])");
        return unify(e, 1, a, err);
    }
    return ev_error_set(err, EV_ERR_INTERNAL, "function %s has no binder", e->fname);
}
