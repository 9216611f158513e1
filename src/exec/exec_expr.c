/*
 * exec_expr.c: vectorized evaluation of bound expressions over a batch. Each node evaluates its
 * children into vectors and loops over the rows once; the binder has already coerced operands to
 * a common type, so the loops here switch on one physical form.
 */
#include <emmintrin.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"
#include "exec_int.h"

#define ISNULL(v, r) ((v)->type == SQL_T_UNKNOWN || ((v)->nulls && (v)->nulls[r]))

static ev_status eval_const(exec_eval *ev, const exec_expr *e, size_t n, exec_vec *out) {
    EV_TRY(exec_vec_alloc(ev, e->type, n, e->val.null, out));
    for (size_t r = 0; r < n; r++)
        exec_vec_set(out, r, &e->val);
    return EV_OK;
}

/* Merged NULL mask of two inputs (NULL when neither has NULLs). */
static uint8_t *merge_nulls(exec_eval *ev, const exec_vec *a, const exec_vec *b, size_t n) {
    bool au = a->type == SQL_T_UNKNOWN, bu = b && b->type == SQL_T_UNKNOWN;
    const uint8_t *an = au ? NULL : a->nulls, *bn = b && !bu ? b->nulls : NULL;
    if (!au && !bu && !an && !bn) return NULL;
    uint8_t *m = exec_scratch(ev, n ? n : 1);
    if (!m) return NULL;
    if (au || bu) {
        memset(m, 1, n);
    } else if (an && bn) {
        for (size_t r = 0; r < n; r++) /* vectorizes: no test per row */
            m[r] = an[r] | bn[r];
    } else {
        memcpy(m, an ? an : bn, n);
    }
    return m;
}

static ev_status eval_neg(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec a;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &a));
    EV_TRY(exec_vec_alloc(ev, e->type, b->n, false, out));
    out->nulls = a.nulls;
    int64_t lowest = e->type == SQL_T_INTEGER ? INT32_MIN : INT64_MIN;
    for (size_t r = 0; r < b->n; r++) {
        if (e->type == SQL_T_DOUBLE) {
            out->f[r] = -a.f[r];
        } else if (a.type == SQL_T_UNKNOWN || (a.nulls && a.nulls[r])) {
            out->i[r] = 0;
        } else if (a.i[r] == lowest) { /* the one value whose negation does not fit */
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: %s negation overflow", e->pos.line,
                                e->pos.col, e->type == SQL_T_INTEGER ? "integer" : "bigint");
        } else {
            out->i[r] = -a.i[r];
        }
    }
    return EV_OK;
}

static ev_status div_zero(exec_eval *ev, const exec_expr *e) {
    return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Division by zero", e->pos.line, e->pos.col);
}

static ev_status eval_arith(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x, y;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    EV_TRY(exec_eval_expr(ev, e->args[1], b, &y));
    size_t n = b->n;
    EV_TRY(exec_vec_alloc(ev, e->type, n, false, out));
    out->nulls = merge_nulls(ev, &x, &y, n);
    const uint8_t *nl = out->nulls;
    if (e->type == SQL_T_DOUBLE) {
        const double *a = x.f, *c = y.f;
        double *o = out->f;
        switch (e->op) {
        case SQL_OP_ADD:
            for (size_t r = 0; r < n; r++)
                o[r] = a[r] + c[r];
            break;
        case SQL_OP_SUB:
            for (size_t r = 0; r < n; r++)
                o[r] = a[r] - c[r];
            break;
        case SQL_OP_MUL:
            for (size_t r = 0; r < n; r++)
                o[r] = a[r] * c[r];
            break;
        case SQL_OP_DIV:
            for (size_t r = 0; r < n; r++)
                o[r] = a[r] / c[r];
            break;
        case SQL_OP_MOD:
            for (size_t r = 0; r < n; r++)
                o[r] = fmod(a[r], c[r]);
            break;
        default:
            return ev_error_set(ev->err, EV_ERR_INTERNAL, "bad arithmetic operator");
        }
        return EV_OK;
    }
    const int64_t *a = x.i, *c = y.i;
    int64_t *o = out->i;
    for (size_t r = 0; r < n; r++) {
        if (nl && nl[r]) {
            o[r] = 0;
            continue;
        }
        int64_t u = a[r], v = c[r], w = 0;
        bool ovf = false;
        switch (e->op) {
        case SQL_OP_ADD:
            ovf = __builtin_add_overflow(u, v, &w);
            break;
        case SQL_OP_SUB:
            ovf = __builtin_sub_overflow(u, v, &w);
            break;
        case SQL_OP_MUL:
            ovf = __builtin_mul_overflow(u, v, &w);
            break;
        case SQL_OP_DIV:
            if (v == 0) return div_zero(ev, e);
            w = (u == INT64_MIN && v == -1) ? (ovf = true, 0) : u / v;
            break;
        case SQL_OP_MOD:
            if (v == 0) return div_zero(ev, e);
            w = v == -1 ? 0 : u % v;
            break;
        default:
            return ev_error_set(ev->err, EV_ERR_INTERNAL, "bad arithmetic operator");
        }
        if (!ovf && e->type == SQL_T_INTEGER && (w > INT32_MAX || w < INT32_MIN)) ovf = true;
        if (ovf)
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: %s %s overflow", e->pos.line, e->pos.col,
                                e->type == SQL_T_INTEGER ? "integer" : "bigint",
                                e->op == SQL_OP_SUB   ? "subtraction"
                                : e->op == SQL_OP_MUL ? "multiplication"
                                                      : "addition");
        o[r] = w;
    }
    return EV_OK;
}

static inline int cmp_result(sql_op op, int c) {
    switch (op) {
    case SQL_OP_EQ:
        return c == 0;
    case SQL_OP_NE:
        return c != 0;
    case SQL_OP_LT:
        return c < 0;
    case SQL_OP_LE:
        return c <= 0;
    case SQL_OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

static ev_status eval_cmp(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x, y;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    size_t n = b->n;
    /* column = 'constant' over strings: the hot filter of every question */
    const exec_expr *rc = e->args[1];
    if (rc->kind == X_CONST && !rc->val.null && x.type == SQL_T_VARCHAR &&
        (e->op == SQL_OP_EQ || e->op == SQL_OP_NE)) {
        EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, n, false, out));
        out->nulls = x.nulls;
        pq_str k = rc->val.s;
        int64_t want = e->op == SQL_OP_EQ;
        for (size_t r = 0; r < n; r++) {
            pq_str s = x.s[r];
            out->i[r] = (s.len == k.len && (k.len == 0 || !memcmp(s.ptr, k.ptr, k.len))) ? want : !want;
        }
        return EV_OK;
    }
    EV_TRY(exec_eval_expr(ev, e->args[1], b, &y));
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, n, false, out));
    out->nulls = merge_nulls(ev, &x, &y, n);
    if (x.type == SQL_T_UNKNOWN || y.type == SQL_T_UNKNOWN) {
        memset(out->i, 0, n * 8);
        return EV_OK;
    }
/* One loop per operator over two arrays of the same C type: C's comparisons are the SQL ones for
 * integers, and for doubles the IEEE ones Trino uses (NaN neither equal to, below nor above
 * anything, unlike the total order ORDER BY uses). */
#define CMP_LOOPS(A, C, O)                                                                                   \
    switch (e->op) {                                                                                         \
    case SQL_OP_EQ:                                                                                          \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] == (C)[r];                                                                       \
        break;                                                                                               \
    case SQL_OP_NE:                                                                                          \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] != (C)[r];                                                                       \
        break;                                                                                               \
    case SQL_OP_LT:                                                                                          \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] < (C)[r];                                                                        \
        break;                                                                                               \
    case SQL_OP_LE:                                                                                          \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] <= (C)[r];                                                                       \
        break;                                                                                               \
    case SQL_OP_GT:                                                                                          \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] > (C)[r];                                                                        \
        break;                                                                                               \
    default:                                                                                                 \
        for (size_t r = 0; r < n; r++)                                                                       \
            (O)[r] = (A)[r] >= (C)[r];                                                                       \
        break;                                                                                               \
    }
    if (exec_is_int(x.type) && exec_is_int(y.type)) {
        CMP_LOOPS(x.i, y.i, out->i);
        return EV_OK;
    }
    if (exec_is_numeric(x.type) && exec_is_numeric(y.type)) {
        /* a double on one side: the integer side widened */
        const double *a = x.f, *c = y.f;
        double *w =
            x.type == SQL_T_DOUBLE && y.type == SQL_T_DOUBLE ? NULL : exec_scratch(ev, (n ? n : 1) * 8);
        if (w) {
            const exec_vec *iv = x.type == SQL_T_DOUBLE ? &y : &x;
            for (size_t r = 0; r < n; r++)
                w[r] = (double)iv->i[r];
            if (x.type == SQL_T_DOUBLE)
                c = w;
            else
                a = w;
        } else if (!(x.type == SQL_T_DOUBLE && y.type == SQL_T_DOUBLE)) {
            return EV_ERR_NOMEM;
        }
        CMP_LOOPS(a, c, out->i);
        return EV_OK;
    }
#undef CMP_LOOPS
    for (size_t r = 0; r < n; r++)
        out->i[r] = (out->nulls && out->nulls[r]) ? 0 : cmp_result(e->op, exec_cmp_rows(&x, r, &y, r));
    return EV_OK;
}

/* AND/OR with SQL's three-valued logic. */
static ev_status eval_logic(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x, y;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    EV_TRY(exec_eval_expr(ev, e->args[1], b, &y));
    size_t n = b->n;
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, n, false, out));
    bool and = e->kind == X_AND;
    if (!x.nulls && !y.nulls && x.type != SQL_T_UNKNOWN && y.type != SQL_T_UNKNOWN) {
        for (size_t r = 0; r < n; r++)
            out->i[r] = and? (x.i[r] && y.i[r]) : (x.i[r] || y.i[r]);
        return EV_OK;
    }
    out->nulls = exec_scratch(ev, n);
    if (!out->nulls) return EV_ERR_NOMEM;
    for (size_t r = 0; r < n; r++) {
        int a = ISNULL(&x, r) ? -1 : x.i[r] != 0, c = ISNULL(&y, r) ? -1 : y.i[r] != 0;
        int v;
        if (and)
            v = (a == 0 || c == 0) ? 0 : (a < 0 || c < 0) ? -1 : 1;
        else
            v = (a == 1 || c == 1) ? 1 : (a < 0 || c < 0) ? -1 : 0;
        out->nulls[r] = v < 0;
        out->i[r] = v > 0;
    }
    return EV_OK;
}

static ev_status eval_not(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, b->n, false, out));
    out->nulls = x.type == SQL_T_UNKNOWN ? NULL : x.nulls;
    for (size_t r = 0; r < b->n; r++)
        out->i[r] = x.type == SQL_T_UNKNOWN ? 0 : !x.i[r];
    if (x.type == SQL_T_UNKNOWN) {
        out->nulls = exec_scratch(ev, b->n);
        if (!out->nulls) return EV_ERR_NOMEM;
        memset(out->nulls, 1, b->n);
    }
    return EV_OK;
}

static ev_status eval_isnull(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, b->n, false, out));
    for (size_t r = 0; r < b->n; r++)
        out->i[r] = ISNULL(&x, r) != e->negated;
    return EV_OK;
}

static ev_status eval_in(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    size_t n = b->n;
    exec_vec x;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    exec_vec *list = exec_scratch(ev, (e->nargs - 1) * sizeof *list);
    if (!list) return EV_ERR_NOMEM;
    for (size_t k = 1; k < e->nargs; k++)
        EV_TRY(exec_eval_expr(ev, e->args[k], b, &list[k - 1]));
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, n, true, out));
    for (size_t r = 0; r < n; r++) {
        if (ISNULL(&x, r)) {
            out->nulls[r] = 1;
            continue;
        }
        int v = 0;
        for (size_t k = 0; k + 1 < e->nargs && v != 1; k++) {
            if (ISNULL(&list[k], r))
                v = -1;
            else if (exec_cmp_rows(&x, r, &list[k], r) == 0)
                v = 1;
        }
        if (v < 0) {
            out->nulls[r] = 1;
        } else {
            out->i[r] = e->negated ? !v : v;
        }
    }
    return EV_OK;
}

bool exec_like_match(const char *s, size_t n, const char *pat, size_t pn, int esc) {
    size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
    while (si < n) {
        if (pi < pn) {
            char pc = pat[pi];
            if (esc >= 0 && pc == (char)esc && pi + 1 < pn) {
                if (s[si] == pat[pi + 1]) {
                    si++;
                    pi += 2;
                    continue;
                }
            } else if (pc == '%') {
                star_p = pi++;
                star_s = si;
                continue;
            } else if (pc == '_') {
                /* one character: a whole UTF-8 sequence */
                si++;
                while (si < n && ((unsigned char)s[si] & 0xC0) == 0x80)
                    si++;
                pi++;
                continue;
            } else if (pc == s[si]) {
                si++;
                pi++;
                continue;
            }
        }
        if (star_p == (size_t)-1) return false;
        pi = star_p + 1;
        si = ++star_s;
    }
    while (pi < pn && pat[pi] == '%')
        pi++;
    return pi == pn;
}

static ev_status eval_like(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    size_t n = b->n;
    exec_vec x, p, es = {0};
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    EV_TRY(exec_eval_expr(ev, e->args[1], b, &p));
    if (e->nargs > 2) EV_TRY(exec_eval_expr(ev, e->args[2], b, &es));
    EV_TRY(exec_vec_alloc(ev, SQL_T_BOOLEAN, n, false, out));
    out->nulls = merge_nulls(ev, &x, &p, n);
    for (size_t r = 0; r < n; r++) {
        if (out->nulls && out->nulls[r]) continue;
        int esc = -1;
        if (e->nargs > 2 && !ISNULL(&es, r)) {
            if (es.s[r].len != 1)
                return ev_error_set(ev->err, EV_ERR_INPUT,
                                    "line %u:%u: Escape string must be a single character", e->pos.line,
                                    e->pos.col);
            esc = (unsigned char)es.s[r].ptr[0];
        }
        bool m = exec_like_match(x.s[r].ptr, x.s[r].len, p.s[r].ptr, p.s[r].len, esc);
        out->i[r] = m != e->negated;
    }
    return EV_OK;
}

/* Evaluates e over the rows sel[0..nsel) of b, scattered back to their positions in out. */
static ev_status eval_on_rows(exec_eval *ev, const exec_expr *e, const exec_batch *b, const uint32_t *sel,
                              size_t nsel, exec_vec *out) {
    if (e->kind == X_CONST) {
        *out = (exec_vec){0};
        return eval_const(ev, e, b->n, out);
    }
    exec_batch sub = {.n = nsel, .ncols = b->ncols};
    sub.cols = exec_scratch(ev, (b->ncols ? b->ncols : 1) * sizeof *sub.cols);
    if (!sub.cols) return EV_ERR_NOMEM;
    for (size_t c = 0; c < b->ncols; c++) {
        exec_vec plain = b->cols[c];
        const exec_vec *v = &plain;
        EV_TRY(exec_vec_plain(ev, &plain, b->n));
        EV_TRY(exec_vec_alloc(ev, v->type, nsel, v->nulls != NULL, &sub.cols[c]));
        size_t w = exec_type_size(v->type);
        for (size_t k = 0; k < nsel; k++) {
            memcpy((char *)sub.cols[c].p + k * w, (char *)v->p + sel[k] * w, w);
            if (v->nulls) sub.cols[c].nulls[k] = v->nulls[sel[k]];
        }
    }
    exec_vec part;
    EV_TRY(exec_eval_expr(ev, e, &sub, &part));
    EV_TRY(exec_vec_alloc(ev, e->type, b->n, true, out));
    memset(out->nulls, 1, b->n);
    memset(out->p, 0, b->n * exec_type_size(e->type)); /* NULL rows hold zeros, never garbage */
    exec_value v;
    for (size_t k = 0; k < nsel; k++) {
        exec_vec_get(&part, k, &v);
        exec_vec_set(out, sel[k], &v);
    }
    return EV_OK;
}

static bool is_safe(const exec_expr *e) {
    if (e->kind == X_ARITH && (e->op == SQL_OP_DIV || e->op == SQL_OP_MOD) && e->type != SQL_T_DOUBLE)
        return false;
    if (e->kind == X_CAST && !e->try_cast) return false;
    if (e->kind == X_FUNC) return false;
    for (size_t k = 0; k < e->nargs; k++)
        if (!is_safe(e->args[k])) return false;
    return true;
}

/* CASE: conditions are evaluated in order on the rows still undecided; each branch's value is
 * computed only on the rows that take it, so `CASE WHEN x <> 0 THEN 1 / x END` cannot fail. */
static ev_status eval_case(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    size_t n = b->n, pairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
    EV_TRY(exec_vec_alloc(ev, e->type, n, true, out));
    memset(out->nulls, 1, n);
    memset(out->p, 0, n * exec_type_size(e->type)); /* rows no branch takes: NULL, with zeros (a
                                                        string comparison reads them unguarded) */
    uint8_t *decided = exec_scratch(ev, n);
    uint32_t *sel = exec_scratch(ev, n * sizeof *sel);
    if (!decided || !sel) return EV_ERR_NOMEM;
    memset(decided, 0, n);
    size_t left = n;
    exec_value v;
    for (size_t k = 0; k <= pairs && left; k++) {
        bool is_else = k == pairs;
        if (is_else && !e->has_else) break;
        exec_vec cond = {0};
        if (!is_else) EV_TRY(exec_eval_expr(ev, e->args[2 * k], b, &cond));
        size_t nsel = 0;
        for (size_t r = 0; r < n; r++) {
            if (decided[r]) continue;
            if (is_else || (!ISNULL(&cond, r) && cond.i[r])) {
                sel[nsel++] = (uint32_t)r;
                decided[r] = 1;
            }
        }
        if (!nsel) continue;
        left -= nsel;
        const exec_expr *val = e->args[is_else ? e->nargs - 1 : 2 * k + 1];
        exec_vec res;
        if (val->kind == X_CONST) {
            for (size_t j = 0; j < nsel; j++)
                exec_vec_set(out, sel[j], &val->val);
            continue;
        }
        if (nsel == n || is_safe(val))
            EV_TRY(exec_eval_expr(ev, val, b, &res));
        else
            EV_TRY(eval_on_rows(ev, val, b, sel, nsel, &res));
        for (size_t j = 0; j < nsel; j++) {
            exec_vec_get(&res, sel[j], &v);
            v.type = e->type;
            exec_vec_set(out, sel[j], &v);
        }
    }
    return EV_OK;
}

/* ---- casts ---- */

static ev_status cast_fail(exec_eval *ev, exec_value *v, sql_type to, bool try_cast, sql_pos pos,
                           const char *text, size_t len) {
    if (try_cast) {
        v->null = true;
        v->type = to;
        return EV_OK;
    }
    const char *tn = to == SQL_T_INTEGER   ? "INTEGER"
                     : to == SQL_T_BIGINT  ? "BIGINT"
                     : to == SQL_T_DOUBLE  ? "DOUBLE"
                     : to == SQL_T_DATE    ? "DATE"
                     : to == SQL_T_BOOLEAN ? "BOOLEAN"
                                           : "TIMESTAMP";
    return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Cannot cast '%.*s' to %s", pos.line, pos.col,
                        (int)(len > 200 ? 200 : len), text, tn);
}

static bool parse_int_text(const char *p, size_t n, int64_t *out) {
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!n || n > 40) return false;
    char buf[48];
    memcpy(buf, p, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end || end == buf) return false;
    *out = v;
    return true;
}

static bool parse_double_text(const char *p, size_t n, double *out) {
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!n || n > 400) return false;
    char buf[512];
    memcpy(buf, p, n);
    buf[n] = 0;
    char *end;
    *out = strtod(buf, &end);
    return *end == 0 && end != buf;
}

ev_status exec_cast_value(exec_eval *ev, exec_value *v, sql_type to, bool try_cast, sql_pos pos) {
    sql_type from = v->type;
    if (v->null || from == to) {
        v->type = to;
        return EV_OK;
    }
    char buf[64];
    size_t len;
    switch (to) {
    case SQL_T_VARCHAR: {
        const char *t = exec_value_text(v, buf, sizeof buf, &len);
        char *p = exec_scratch(ev, len + 1);
        if (!p) return EV_ERR_NOMEM;
        memcpy(p, t, len);
        v->s = (pq_str){p, (uint32_t)len};
        break;
    }
    case SQL_T_DOUBLE:
        if (from == SQL_T_VARCHAR) {
            if (!parse_double_text(v->s.ptr, v->s.len, &v->f))
                return cast_fail(ev, v, to, try_cast, pos, v->s.ptr, v->s.len);
        } else if (exec_is_numeric(from) || from == SQL_T_BOOLEAN) {
            v->f = (double)v->i;
        } else {
            goto bad;
        }
        break;
    case SQL_T_INTEGER:
    case SQL_T_BIGINT: {
        int64_t x;
        if (from == SQL_T_VARCHAR) {
            if (!parse_int_text(v->s.ptr, v->s.len, &x))
                return cast_fail(ev, v, to, try_cast, pos, v->s.ptr, v->s.len);
        } else if (from == SQL_T_DOUBLE) {
            double r = round(v->f);
            if (isnan(r) || r >= 9.2233720368547758e18 || r < -9.2233720368547758e18) {
                snprintf(buf, sizeof buf, "%g", v->f);
                return cast_fail(ev, v, to, try_cast, pos, buf, strlen(buf));
            }
            x = (int64_t)r;
        } else if (from == SQL_T_INTEGER || from == SQL_T_BIGINT || from == SQL_T_BOOLEAN) {
            x = v->i;
        } else {
            goto bad;
        }
        if (to == SQL_T_INTEGER && (x > INT32_MAX || x < INT32_MIN)) {
            if (try_cast) {
                v->null = true;
                break;
            }
            return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Out of range for integer: %lld", pos.line,
                                pos.col, (long long)x);
        }
        v->i = x;
        break;
    }
    case SQL_T_BOOLEAN:
        if (from == SQL_T_VARCHAR) {
            if (v->s.len == 4 && !strncasecmp(v->s.ptr, "true", 4))
                v->i = 1;
            else if (v->s.len == 5 && !strncasecmp(v->s.ptr, "false", 5))
                v->i = 0;
            else
                return cast_fail(ev, v, to, try_cast, pos, v->s.ptr, v->s.len);
        } else if (from == SQL_T_DOUBLE) {
            v->i = v->f != 0;
        } else if (exec_is_numeric(from)) {
            v->i = v->i != 0;
        } else {
            goto bad;
        }
        break;
    case SQL_T_DATE:
        if (from == SQL_T_VARCHAR) {
            int64_t us;
            if (v->s.len < 10 || ev_time_parse(v->s.ptr, v->s.len, &us) != EV_OK)
                return cast_fail(ev, v, to, try_cast, pos, v->s.ptr, v->s.len);
            v->i = ev_time_floor(us, EV_USEC_PER_DAY) / EV_USEC_PER_DAY;
        } else if (from == SQL_T_TIMESTAMP || from == SQL_T_TIMESTAMPTZ) {
            v->i = ev_time_floor(v->i, EV_USEC_PER_DAY) / EV_USEC_PER_DAY;
        } else {
            goto bad;
        }
        break;
    case SQL_T_TIMESTAMP:
    case SQL_T_TIMESTAMPTZ:
        if (from == SQL_T_VARCHAR) {
            int64_t us;
            if (ev_time_parse(v->s.ptr, v->s.len, &us) != EV_OK) {
                /* Trino also accepts a trailing " UTC" */
                if (v->s.len > 4 && !memcmp(v->s.ptr + v->s.len - 4, " UTC", 4) &&
                    ev_time_parse(v->s.ptr, v->s.len - 4, &us) == EV_OK) {
                } else {
                    return cast_fail(ev, v, to, try_cast, pos, v->s.ptr, v->s.len);
                }
            }
            v->i = us;
        } else if (from == SQL_T_DATE) {
            v->i = v->i * EV_USEC_PER_DAY;
        } else if (from == SQL_T_TIMESTAMP || from == SQL_T_TIMESTAMPTZ) {
        } else {
            goto bad;
        }
        break;
    default:
        goto bad;
    }
    v->type = to;
    return EV_OK;
bad:
    return ev_error_set(ev->err, EV_ERR_INPUT, "line %u:%u: Cannot cast %s to %s", pos.line, pos.col,
                        sql_type_name(from), sql_type_name(to));
}

static ev_status eval_cast(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec x;
    EV_TRY(exec_eval_expr(ev, e->args[0], b, &x));
    size_t n = b->n;
    if (x.type == e->type) {
        *out = x;
        return EV_OK;
    }
    EV_TRY(exec_vec_alloc(ev, e->type, n, true, out));
    if (e->type == SQL_T_DOUBLE && exec_is_int(x.type) && x.type != SQL_T_UNKNOWN && x.type != SQL_T_DATE &&
        x.type != SQL_T_TIMESTAMP) {
        for (size_t r = 0; r < n; r++)
            out->f[r] = (double)x.i[r];
        if (x.nulls)
            memcpy(out->nulls, x.nulls, n);
        else
            out->nulls = NULL;
        return EV_OK;
    }
    exec_value v;
    for (size_t r = 0; r < n; r++) {
        exec_vec_get(&x, r, &v);
        EV_TRY(exec_cast_value(ev, &v, e->type, e->try_cast, e->pos));
        exec_vec_set(out, r, &v);
    }
    return EV_OK;
}

static ev_status eval_func(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    exec_vec *args = exec_scratch(ev, (e->nargs ? e->nargs : 1) * sizeof *args);
    if (!args) return EV_ERR_NOMEM;
    for (size_t k = 0; k < e->nargs; k++)
        EV_TRY(exec_eval_expr(ev, e->args[k], b, &args[k]));
    return e->fn(ev, e, args, b->n, out);
}

static ev_status eval_node(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    switch (e->kind) {
    case X_CONST:
        return eval_const(ev, e, b->n, out);
    case X_COL:
        *out = b->cols[e->col];
        return EV_OK;
    case X_NEG:
        return eval_neg(ev, e, b, out);
    case X_ARITH:
        return eval_arith(ev, e, b, out);
    case X_CMP:
        return eval_cmp(ev, e, b, out);
    case X_AND:
    case X_OR:
        return eval_logic(ev, e, b, out);
    case X_NOT:
        return eval_not(ev, e, b, out);
    case X_ISNULL:
        return eval_isnull(ev, e, b, out);
    case X_IN:
        return eval_in(ev, e, b, out);
    case X_LIKE:
        return eval_like(ev, e, b, out);
    case X_CASE:
        return eval_case(ev, e, b, out);
    case X_CAST:
        return eval_cast(ev, e, b, out);
    case X_FUNC:
        return eval_func(ev, e, b, out);
    }
    return ev_error_set(ev->err, EV_ERR_INTERNAL, "unknown expression kind %d", (int)e->kind);
}

ev_status exec_eval_coded(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    if (e->kind == X_COL) {
        *out = b->cols[e->col];
        return EV_OK;
    }
    if (ev->memo) {
        int c = exec_expr_single_column(e);
        if (c >= 0 && b->cols[c].codes) {
            bool done;
            EV_TRY(exec_dict_eval(ev, e, b, c, out, &done));
            if (done) return EV_OK;
        }
    }
    ev_status st = eval_node(ev, e, b, out);
    /* a node's result may start as a copy of an argument's vector: the codes are not its own */
    out->codes = NULL;
    out->dict = NULL;
    out->dict_n = 0;
    out->dict_id = 0;
    out->uniform = false;
    return st;
}

ev_status exec_eval_expr(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) {
    EV_TRY(exec_eval_coded(ev, e, b, out));
    return exec_vec_plain(ev, out, b->n);
}

/* Rows whose code is one of want[0..nwant) (1-4 codes), as ascending row numbers into sel:
 * eight codes compared at a time (SSE2), the passing rows' offsets taken from a table by the
 * comparison's 8-bit mask and widened to row numbers with two stores. `col = 'purchase'` keeps a
 * tenth of the events; a truth-table load and a dependent store a row cost twice as much. Returns
 * the count. */
static size_t select_codes(const uint32_t *codes, size_t n, const uint32_t *want, int nwant, bool keep,
                           uint32_t *sel) {
    /* pos[mask] = the set bits' positions, ascending (the rest 0: stored past the count, overwritten) */
    static const uint8_t pos[256][8] = {
        {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0},
        {0, 1, 0, 0, 0, 0, 0, 0}, {2, 0, 0, 0, 0, 0, 0, 0}, {0, 2, 0, 0, 0, 0, 0, 0},
        {1, 2, 0, 0, 0, 0, 0, 0}, {0, 1, 2, 0, 0, 0, 0, 0}, {3, 0, 0, 0, 0, 0, 0, 0},
        {0, 3, 0, 0, 0, 0, 0, 0}, {1, 3, 0, 0, 0, 0, 0, 0}, {0, 1, 3, 0, 0, 0, 0, 0},
        {2, 3, 0, 0, 0, 0, 0, 0}, {0, 2, 3, 0, 0, 0, 0, 0}, {1, 2, 3, 0, 0, 0, 0, 0},
        {0, 1, 2, 3, 0, 0, 0, 0}, {4, 0, 0, 0, 0, 0, 0, 0}, {0, 4, 0, 0, 0, 0, 0, 0},
        {1, 4, 0, 0, 0, 0, 0, 0}, {0, 1, 4, 0, 0, 0, 0, 0}, {2, 4, 0, 0, 0, 0, 0, 0},
        {0, 2, 4, 0, 0, 0, 0, 0}, {1, 2, 4, 0, 0, 0, 0, 0}, {0, 1, 2, 4, 0, 0, 0, 0},
        {3, 4, 0, 0, 0, 0, 0, 0}, {0, 3, 4, 0, 0, 0, 0, 0}, {1, 3, 4, 0, 0, 0, 0, 0},
        {0, 1, 3, 4, 0, 0, 0, 0}, {2, 3, 4, 0, 0, 0, 0, 0}, {0, 2, 3, 4, 0, 0, 0, 0},
        {1, 2, 3, 4, 0, 0, 0, 0}, {0, 1, 2, 3, 4, 0, 0, 0}, {5, 0, 0, 0, 0, 0, 0, 0},
        {0, 5, 0, 0, 0, 0, 0, 0}, {1, 5, 0, 0, 0, 0, 0, 0}, {0, 1, 5, 0, 0, 0, 0, 0},
        {2, 5, 0, 0, 0, 0, 0, 0}, {0, 2, 5, 0, 0, 0, 0, 0}, {1, 2, 5, 0, 0, 0, 0, 0},
        {0, 1, 2, 5, 0, 0, 0, 0}, {3, 5, 0, 0, 0, 0, 0, 0}, {0, 3, 5, 0, 0, 0, 0, 0},
        {1, 3, 5, 0, 0, 0, 0, 0}, {0, 1, 3, 5, 0, 0, 0, 0}, {2, 3, 5, 0, 0, 0, 0, 0},
        {0, 2, 3, 5, 0, 0, 0, 0}, {1, 2, 3, 5, 0, 0, 0, 0}, {0, 1, 2, 3, 5, 0, 0, 0},
        {4, 5, 0, 0, 0, 0, 0, 0}, {0, 4, 5, 0, 0, 0, 0, 0}, {1, 4, 5, 0, 0, 0, 0, 0},
        {0, 1, 4, 5, 0, 0, 0, 0}, {2, 4, 5, 0, 0, 0, 0, 0}, {0, 2, 4, 5, 0, 0, 0, 0},
        {1, 2, 4, 5, 0, 0, 0, 0}, {0, 1, 2, 4, 5, 0, 0, 0}, {3, 4, 5, 0, 0, 0, 0, 0},
        {0, 3, 4, 5, 0, 0, 0, 0}, {1, 3, 4, 5, 0, 0, 0, 0}, {0, 1, 3, 4, 5, 0, 0, 0},
        {2, 3, 4, 5, 0, 0, 0, 0}, {0, 2, 3, 4, 5, 0, 0, 0}, {1, 2, 3, 4, 5, 0, 0, 0},
        {0, 1, 2, 3, 4, 5, 0, 0}, {6, 0, 0, 0, 0, 0, 0, 0}, {0, 6, 0, 0, 0, 0, 0, 0},
        {1, 6, 0, 0, 0, 0, 0, 0}, {0, 1, 6, 0, 0, 0, 0, 0}, {2, 6, 0, 0, 0, 0, 0, 0},
        {0, 2, 6, 0, 0, 0, 0, 0}, {1, 2, 6, 0, 0, 0, 0, 0}, {0, 1, 2, 6, 0, 0, 0, 0},
        {3, 6, 0, 0, 0, 0, 0, 0}, {0, 3, 6, 0, 0, 0, 0, 0}, {1, 3, 6, 0, 0, 0, 0, 0},
        {0, 1, 3, 6, 0, 0, 0, 0}, {2, 3, 6, 0, 0, 0, 0, 0}, {0, 2, 3, 6, 0, 0, 0, 0},
        {1, 2, 3, 6, 0, 0, 0, 0}, {0, 1, 2, 3, 6, 0, 0, 0}, {4, 6, 0, 0, 0, 0, 0, 0},
        {0, 4, 6, 0, 0, 0, 0, 0}, {1, 4, 6, 0, 0, 0, 0, 0}, {0, 1, 4, 6, 0, 0, 0, 0},
        {2, 4, 6, 0, 0, 0, 0, 0}, {0, 2, 4, 6, 0, 0, 0, 0}, {1, 2, 4, 6, 0, 0, 0, 0},
        {0, 1, 2, 4, 6, 0, 0, 0}, {3, 4, 6, 0, 0, 0, 0, 0}, {0, 3, 4, 6, 0, 0, 0, 0},
        {1, 3, 4, 6, 0, 0, 0, 0}, {0, 1, 3, 4, 6, 0, 0, 0}, {2, 3, 4, 6, 0, 0, 0, 0},
        {0, 2, 3, 4, 6, 0, 0, 0}, {1, 2, 3, 4, 6, 0, 0, 0}, {0, 1, 2, 3, 4, 6, 0, 0},
        {5, 6, 0, 0, 0, 0, 0, 0}, {0, 5, 6, 0, 0, 0, 0, 0}, {1, 5, 6, 0, 0, 0, 0, 0},
        {0, 1, 5, 6, 0, 0, 0, 0}, {2, 5, 6, 0, 0, 0, 0, 0}, {0, 2, 5, 6, 0, 0, 0, 0},
        {1, 2, 5, 6, 0, 0, 0, 0}, {0, 1, 2, 5, 6, 0, 0, 0}, {3, 5, 6, 0, 0, 0, 0, 0},
        {0, 3, 5, 6, 0, 0, 0, 0}, {1, 3, 5, 6, 0, 0, 0, 0}, {0, 1, 3, 5, 6, 0, 0, 0},
        {2, 3, 5, 6, 0, 0, 0, 0}, {0, 2, 3, 5, 6, 0, 0, 0}, {1, 2, 3, 5, 6, 0, 0, 0},
        {0, 1, 2, 3, 5, 6, 0, 0}, {4, 5, 6, 0, 0, 0, 0, 0}, {0, 4, 5, 6, 0, 0, 0, 0},
        {1, 4, 5, 6, 0, 0, 0, 0}, {0, 1, 4, 5, 6, 0, 0, 0}, {2, 4, 5, 6, 0, 0, 0, 0},
        {0, 2, 4, 5, 6, 0, 0, 0}, {1, 2, 4, 5, 6, 0, 0, 0}, {0, 1, 2, 4, 5, 6, 0, 0},
        {3, 4, 5, 6, 0, 0, 0, 0}, {0, 3, 4, 5, 6, 0, 0, 0}, {1, 3, 4, 5, 6, 0, 0, 0},
        {0, 1, 3, 4, 5, 6, 0, 0}, {2, 3, 4, 5, 6, 0, 0, 0}, {0, 2, 3, 4, 5, 6, 0, 0},
        {1, 2, 3, 4, 5, 6, 0, 0}, {0, 1, 2, 3, 4, 5, 6, 0}, {7, 0, 0, 0, 0, 0, 0, 0},
        {0, 7, 0, 0, 0, 0, 0, 0}, {1, 7, 0, 0, 0, 0, 0, 0}, {0, 1, 7, 0, 0, 0, 0, 0},
        {2, 7, 0, 0, 0, 0, 0, 0}, {0, 2, 7, 0, 0, 0, 0, 0}, {1, 2, 7, 0, 0, 0, 0, 0},
        {0, 1, 2, 7, 0, 0, 0, 0}, {3, 7, 0, 0, 0, 0, 0, 0}, {0, 3, 7, 0, 0, 0, 0, 0},
        {1, 3, 7, 0, 0, 0, 0, 0}, {0, 1, 3, 7, 0, 0, 0, 0}, {2, 3, 7, 0, 0, 0, 0, 0},
        {0, 2, 3, 7, 0, 0, 0, 0}, {1, 2, 3, 7, 0, 0, 0, 0}, {0, 1, 2, 3, 7, 0, 0, 0},
        {4, 7, 0, 0, 0, 0, 0, 0}, {0, 4, 7, 0, 0, 0, 0, 0}, {1, 4, 7, 0, 0, 0, 0, 0},
        {0, 1, 4, 7, 0, 0, 0, 0}, {2, 4, 7, 0, 0, 0, 0, 0}, {0, 2, 4, 7, 0, 0, 0, 0},
        {1, 2, 4, 7, 0, 0, 0, 0}, {0, 1, 2, 4, 7, 0, 0, 0}, {3, 4, 7, 0, 0, 0, 0, 0},
        {0, 3, 4, 7, 0, 0, 0, 0}, {1, 3, 4, 7, 0, 0, 0, 0}, {0, 1, 3, 4, 7, 0, 0, 0},
        {2, 3, 4, 7, 0, 0, 0, 0}, {0, 2, 3, 4, 7, 0, 0, 0}, {1, 2, 3, 4, 7, 0, 0, 0},
        {0, 1, 2, 3, 4, 7, 0, 0}, {5, 7, 0, 0, 0, 0, 0, 0}, {0, 5, 7, 0, 0, 0, 0, 0},
        {1, 5, 7, 0, 0, 0, 0, 0}, {0, 1, 5, 7, 0, 0, 0, 0}, {2, 5, 7, 0, 0, 0, 0, 0},
        {0, 2, 5, 7, 0, 0, 0, 0}, {1, 2, 5, 7, 0, 0, 0, 0}, {0, 1, 2, 5, 7, 0, 0, 0},
        {3, 5, 7, 0, 0, 0, 0, 0}, {0, 3, 5, 7, 0, 0, 0, 0}, {1, 3, 5, 7, 0, 0, 0, 0},
        {0, 1, 3, 5, 7, 0, 0, 0}, {2, 3, 5, 7, 0, 0, 0, 0}, {0, 2, 3, 5, 7, 0, 0, 0},
        {1, 2, 3, 5, 7, 0, 0, 0}, {0, 1, 2, 3, 5, 7, 0, 0}, {4, 5, 7, 0, 0, 0, 0, 0},
        {0, 4, 5, 7, 0, 0, 0, 0}, {1, 4, 5, 7, 0, 0, 0, 0}, {0, 1, 4, 5, 7, 0, 0, 0},
        {2, 4, 5, 7, 0, 0, 0, 0}, {0, 2, 4, 5, 7, 0, 0, 0}, {1, 2, 4, 5, 7, 0, 0, 0},
        {0, 1, 2, 4, 5, 7, 0, 0}, {3, 4, 5, 7, 0, 0, 0, 0}, {0, 3, 4, 5, 7, 0, 0, 0},
        {1, 3, 4, 5, 7, 0, 0, 0}, {0, 1, 3, 4, 5, 7, 0, 0}, {2, 3, 4, 5, 7, 0, 0, 0},
        {0, 2, 3, 4, 5, 7, 0, 0}, {1, 2, 3, 4, 5, 7, 0, 0}, {0, 1, 2, 3, 4, 5, 7, 0},
        {6, 7, 0, 0, 0, 0, 0, 0}, {0, 6, 7, 0, 0, 0, 0, 0}, {1, 6, 7, 0, 0, 0, 0, 0},
        {0, 1, 6, 7, 0, 0, 0, 0}, {2, 6, 7, 0, 0, 0, 0, 0}, {0, 2, 6, 7, 0, 0, 0, 0},
        {1, 2, 6, 7, 0, 0, 0, 0}, {0, 1, 2, 6, 7, 0, 0, 0}, {3, 6, 7, 0, 0, 0, 0, 0},
        {0, 3, 6, 7, 0, 0, 0, 0}, {1, 3, 6, 7, 0, 0, 0, 0}, {0, 1, 3, 6, 7, 0, 0, 0},
        {2, 3, 6, 7, 0, 0, 0, 0}, {0, 2, 3, 6, 7, 0, 0, 0}, {1, 2, 3, 6, 7, 0, 0, 0},
        {0, 1, 2, 3, 6, 7, 0, 0}, {4, 6, 7, 0, 0, 0, 0, 0}, {0, 4, 6, 7, 0, 0, 0, 0},
        {1, 4, 6, 7, 0, 0, 0, 0}, {0, 1, 4, 6, 7, 0, 0, 0}, {2, 4, 6, 7, 0, 0, 0, 0},
        {0, 2, 4, 6, 7, 0, 0, 0}, {1, 2, 4, 6, 7, 0, 0, 0}, {0, 1, 2, 4, 6, 7, 0, 0},
        {3, 4, 6, 7, 0, 0, 0, 0}, {0, 3, 4, 6, 7, 0, 0, 0}, {1, 3, 4, 6, 7, 0, 0, 0},
        {0, 1, 3, 4, 6, 7, 0, 0}, {2, 3, 4, 6, 7, 0, 0, 0}, {0, 2, 3, 4, 6, 7, 0, 0},
        {1, 2, 3, 4, 6, 7, 0, 0}, {0, 1, 2, 3, 4, 6, 7, 0}, {5, 6, 7, 0, 0, 0, 0, 0},
        {0, 5, 6, 7, 0, 0, 0, 0}, {1, 5, 6, 7, 0, 0, 0, 0}, {0, 1, 5, 6, 7, 0, 0, 0},
        {2, 5, 6, 7, 0, 0, 0, 0}, {0, 2, 5, 6, 7, 0, 0, 0}, {1, 2, 5, 6, 7, 0, 0, 0},
        {0, 1, 2, 5, 6, 7, 0, 0}, {3, 5, 6, 7, 0, 0, 0, 0}, {0, 3, 5, 6, 7, 0, 0, 0},
        {1, 3, 5, 6, 7, 0, 0, 0}, {0, 1, 3, 5, 6, 7, 0, 0}, {2, 3, 5, 6, 7, 0, 0, 0},
        {0, 2, 3, 5, 6, 7, 0, 0}, {1, 2, 3, 5, 6, 7, 0, 0}, {0, 1, 2, 3, 5, 6, 7, 0},
        {4, 5, 6, 7, 0, 0, 0, 0}, {0, 4, 5, 6, 7, 0, 0, 0}, {1, 4, 5, 6, 7, 0, 0, 0},
        {0, 1, 4, 5, 6, 7, 0, 0}, {2, 4, 5, 6, 7, 0, 0, 0}, {0, 2, 4, 5, 6, 7, 0, 0},
        {1, 2, 4, 5, 6, 7, 0, 0}, {0, 1, 2, 4, 5, 6, 7, 0}, {3, 4, 5, 6, 7, 0, 0, 0},
        {0, 3, 4, 5, 6, 7, 0, 0}, {1, 3, 4, 5, 6, 7, 0, 0}, {0, 1, 3, 4, 5, 6, 7, 0},
        {2, 3, 4, 5, 6, 7, 0, 0}, {0, 2, 3, 4, 5, 6, 7, 0}, {1, 2, 3, 4, 5, 6, 7, 0},
        {0, 1, 2, 3, 4, 5, 6, 7},
    };
    __m128i w[4];
    for (int k = 0; k < 4; k++)
        w[k] = _mm_set1_epi32((int)want[k < nwant ? k : 0]);
    size_t k = 0, r = 0;
    for (; r + 8 <= n; r += 8) {
        __m128i c0 = _mm_loadu_si128((const __m128i *)(const void *)(codes + r));
        __m128i c1 = _mm_loadu_si128((const __m128i *)(const void *)(codes + r + 4));
        __m128i m0 = _mm_cmpeq_epi32(c0, w[0]), m1 = _mm_cmpeq_epi32(c1, w[0]);
        for (int j = 1; j < nwant; j++) {
            m0 = _mm_or_si128(m0, _mm_cmpeq_epi32(c0, w[j]));
            m1 = _mm_or_si128(m1, _mm_cmpeq_epi32(c1, w[j]));
        }
        unsigned bits = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(m0)) |
                        (unsigned)_mm_movemask_ps(_mm_castsi128_ps(m1)) << 4;
        if (!keep) bits ^= 0xFF;
        __m128i p8 = _mm_loadl_epi64((const __m128i *)(const void *)pos[bits]);
        __m128i base = _mm_set1_epi32((int)r), zero = _mm_setzero_si128();
        __m128i p16 = _mm_unpacklo_epi8(p8, zero);
        _mm_storeu_si128((__m128i *)(void *)(sel + k), _mm_add_epi32(_mm_unpacklo_epi16(p16, zero), base));
        _mm_storeu_si128((__m128i *)(void *)(sel + k + 4),
                         _mm_add_epi32(_mm_unpackhi_epi16(p16, zero), base));
        k += (size_t)__builtin_popcount(bits);
    }
    for (; r < n; r++) {
        sel[k] = (uint32_t)r;
        bool hit = false;
        for (int j = 0; j < nwant; j++)
            hit |= codes[r] == want[j];
        k += hit == keep;
    }
    return k;
}

ev_status exec_eval_filter(exec_eval *ev, const exec_expr *e, const exec_batch *b, uint32_t *sel,
                           size_t *nsel) {
    exec_vec v;
    EV_TRY(exec_eval_coded(ev, e, b, &v));
    size_t k = 0;
    if (v.type == SQL_T_UNKNOWN) {
        *nsel = 0;
        return EV_OK;
    }
    if (v.codes) {
        const uint8_t *t = exec_dict_truth(ev, &v);
        if (!t) return ev_error_set(ev->err, EV_ERR_NOMEM, "out of memory evaluating a filter");
        /* few codes pass (event_type = 'purchase'), or few fail (category IS NOT NULL: the
         * NULL code): compared eight rows a step */
        uint32_t want[4], drop[4];
        int nwant = 0, ndrop = 0;
        for (uint32_t c = 0; c <= v.dict_n && (nwant <= 4 || ndrop <= 4); c++) {
            if (t[c] && nwant++ < 4) want[nwant - 1] = c;
            if (!t[c] && ndrop++ < 4) drop[ndrop - 1] = c;
        }
        if (nwant == 0) {
            *nsel = 0;
            return EV_OK;
        }
        if (nwant <= 4 && !v.uniform) {
            *nsel = select_codes(v.codes, b->n, want, nwant, true, sel);
            return EV_OK;
        }
        if (ndrop == 0) { /* every row passes */
            for (size_t r = 0; r < b->n; r++)
                sel[r] = (uint32_t)r;
            *nsel = b->n;
            return EV_OK;
        }
        if (ndrop <= 4 && !v.uniform) {
            *nsel = select_codes(v.codes, b->n, drop, ndrop, false, sel);
            return EV_OK;
        }
        for (size_t r = 0; r < b->n; r++) {
            sel[k] = (uint32_t)r;
            k += t[v.codes[r]];
        }
        *nsel = k;
        return EV_OK;
    }
    for (size_t r = 0; r < b->n; r++) {
        sel[k] = (uint32_t)r;
        k += v.i[r] != 0 && !(v.nulls && v.nulls[r]);
    }
    *nsel = k;
    return EV_OK;
}
