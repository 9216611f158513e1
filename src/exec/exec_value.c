/* exec_value.c: vectors, values, hashing and ordering, and materialized tables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_time.h"
#include "exec_int.h"

size_t exec_type_size(sql_type t) {
    return t == SQL_T_VARCHAR ? sizeof(pq_str) : 8;
}

void *exec_scratch(exec_eval *ev, size_t bytes) {
    void *p = ev_arena_alloc(ev->scratch, bytes ? bytes : 1);
    if (!p) ev_error_set(ev->err, EV_ERR_NOMEM, "out of memory evaluating an expression");
    return p;
}

ev_status exec_vec_alloc(exec_eval *ev, sql_type t, size_t n, bool nulls, exec_vec *out) {
    *out = (exec_vec){.type = t};
    out->p = exec_scratch(ev, exec_type_size(t) * (n ? n : 1));
    if (!out->p) return EV_ERR_NOMEM;
    out->nulls = NULL;
    if (nulls) {
        out->nulls = exec_scratch(ev, n ? n : 1);
        if (!out->nulls) return EV_ERR_NOMEM;
        memset(out->nulls, 0, n);
    }
    return EV_OK;
}

void exec_vec_get(const exec_vec *v, size_t row, exec_value *out) {
    memset(out, 0, sizeof *out);
    out->type = v->type;
    if (v->type == SQL_T_UNKNOWN || (v->nulls && v->nulls[row])) {
        out->null = true;
        return;
    }
    if (v->type == SQL_T_VARCHAR)
        out->s = v->s[row];
    else if (v->type == SQL_T_DOUBLE)
        out->f = v->f[row];
    else
        out->i = v->i[row];
}

void exec_vec_set(exec_vec *v, size_t row, const exec_value *val) {
    if (v->nulls) v->nulls[row] = val->null;
    if (v->type == SQL_T_VARCHAR)
        v->s[row] = val->null ? (pq_str){"", 0} : val->s;
    else if (v->type == SQL_T_DOUBLE)
        v->f[row] = val->null ? 0 : val->f;
    else
        v->i[row] = val->null ? 0 : val->i;
}

uint64_t exec_hash_value(const exec_vec *v, size_t row) {
    if (v->type == SQL_T_UNKNOWN || (v->nulls && v->nulls[row])) return 0x5bd1e995u;
    if (v->type == SQL_T_VARCHAR) return exec_hash_bytes(v->s[row].ptr, v->s[row].len);
    if (v->type == SQL_T_DOUBLE) {
        double d = v->f[row];
        if (d == 0) d = 0; /* -0.0 groups with 0.0 */
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return ev_mix64(bits);
    }
    return ev_mix64((uint64_t)v->i[row]);
}

uint64_t exec_hash_row(const exec_vec *cols, size_t ncols, size_t row) {
    uint64_t h = 0x12345;
    for (size_t c = 0; c < ncols; c++)
        h ^= exec_hash_value(&cols[c], row) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static int cmp_str(pq_str a, pq_str b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return a.len < b.len ? -1 : a.len > b.len;
}

static int cmp_double(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) ? (isnan(b) ? 0 : 1) : -1; /* NaN sorts above all */
    return a < b ? -1 : a > b;
}

int exec_cmp_rows(const exec_vec *a, size_t ra, const exec_vec *b, size_t rb) {
    bool an = a->type == SQL_T_UNKNOWN || (a->nulls && a->nulls[ra]);
    bool bn = b->type == SQL_T_UNKNOWN || (b->nulls && b->nulls[rb]);
    if (an || bn) return an == bn ? 0 : an ? 1 : -1;
    if (a->type == SQL_T_VARCHAR) return cmp_str(a->s[ra], b->s[rb]);
    if (a->type == SQL_T_DOUBLE || b->type == SQL_T_DOUBLE) {
        double x = a->type == SQL_T_DOUBLE ? a->f[ra] : (double)a->i[ra];
        double y = b->type == SQL_T_DOUBLE ? b->f[rb] : (double)b->i[rb];
        return cmp_double(x, y);
    }
    return a->i[ra] < b->i[rb] ? -1 : a->i[ra] > b->i[rb];
}

bool exec_eq_rows(const exec_vec *a, size_t ra, const exec_vec *b, size_t rb) {
    bool an = a->type == SQL_T_UNKNOWN || (a->nulls && a->nulls[ra]);
    bool bn = b->type == SQL_T_UNKNOWN || (b->nulls && b->nulls[rb]);
    if (an || bn) return an == bn;
    if (a->type == SQL_T_VARCHAR) {
        return a->s[ra].len == b->s[rb].len &&
               (a->s[ra].len == 0 || !memcmp(a->s[ra].ptr, b->s[rb].ptr, a->s[ra].len));
    }
    if (a->type == SQL_T_DOUBLE) return a->f[ra] == b->f[rb] || (isnan(a->f[ra]) && isnan(b->f[rb]));
    return a->i[ra] == b->i[rb];
}

int exec_value_cmp(const exec_value *a, const exec_value *b) {
    if (a->null || b->null) return a->null == b->null ? 0 : a->null ? 1 : -1;
    if (a->type == SQL_T_VARCHAR && b->type == SQL_T_VARCHAR) return cmp_str(a->s, b->s);
    if (a->type == SQL_T_DOUBLE || b->type == SQL_T_DOUBLE) {
        double x = a->type == SQL_T_DOUBLE ? a->f : (double)a->i;
        double y = b->type == SQL_T_DOUBLE ? b->f : (double)b->i;
        return cmp_double(x, y);
    }
    return a->i < b->i ? -1 : a->i > b->i;
}

/* The shortest text that reads back as the same double, as Java's and Trino's output does. */
static void format_double(double d, char *buf, size_t cap) {
    if (isnan(d)) {
        snprintf(buf, cap, "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, cap, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    /* 1e+06 -> 1000000.0 style for moderate exponents; integral values get ".0" like Trino */
    if (strchr(buf, 'e') && fabs(d) < 1e15 && fabs(d) >= 1e-4) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.6f", d);
        /* trim trailing zeros */
        char *dot = strchr(tmp, '.');
        if (dot) {
            char *e = tmp + strlen(tmp) - 1;
            while (e > dot + 1 && *e == '0')
                *e-- = 0;
        }
        snprintf(buf, cap, "%s", tmp);
        if (strtod(buf, NULL) != d) snprintf(buf, cap, "%.17g", d);
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e') && !strchr(buf, 'n') && !strchr(buf, 'N')) {
        size_t l = strlen(buf);
        if (l + 2 < cap) memcpy(buf + l, ".0", 3);
    }
}

const char *exec_value_text(const exec_value *v, char *buf, size_t cap, size_t *len) {
    if (v->null) {
        snprintf(buf, cap, "NULL");
        *len = 4;
        return buf;
    }
    switch (v->type) {
    case SQL_T_VARCHAR:
        *len = v->s.len;
        return v->s.ptr;
    case SQL_T_DOUBLE:
        format_double(v->f, buf, cap);
        break;
    case SQL_T_BOOLEAN:
        snprintf(buf, cap, "%s", v->i ? "true" : "false");
        break;
    case SQL_T_DATE: {
        int y, m, d;
        ev_civil_from_days(v->i, &y, &m, &d);
        snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
        break;
    }
    case SQL_T_TIMESTAMP:
    case SQL_T_TIMESTAMPTZ: {
        ev_civil c;
        ev_time_to_civil(v->i, &c);
        snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d.%03d%s", c.year, c.month, c.day, c.hour, c.minute,
                 c.second, c.usec / 1000, v->type == SQL_T_TIMESTAMPTZ ? " UTC" : "");
        break;
    }
    default:
        snprintf(buf, cap, "%lld", (long long)v->i);
        break;
    }
    *len = strlen(buf);
    return buf;
}

/* ---- budget ---- */

ev_status exec_budget_take(exec_budget *b, size_t bytes, ev_error *err) {
    if (!b) return EV_OK;
    size_t now = atomic_fetch_add(&b->used, bytes) + bytes;
    if (b->limit && now > b->limit) {
        atomic_fetch_sub(&b->used, bytes);
        return ev_error_set(
            err, EV_ERR_LIMIT,
            "Query exceeded the memory limit of %zu MB (set a larger limit with --memory-limit)",
            b->limit >> 20);
    }
    return EV_OK;
}

void exec_budget_give(exec_budget *b, size_t bytes) {
    if (b) atomic_fetch_sub(&b->used, bytes);
}

/* ---- tables ---- */

ev_status exec_table_init(exec_table *t, size_t ncols, char *const *names, const sql_type *types,
                          ev_error *err) {
    memset(t, 0, sizeof *t);
    ev_arena_init(&t->strings, NULL, 64 << 10);
    t->ncols = ncols;
    t->names = calloc(ncols ? ncols : 1, sizeof *t->names);
    t->quals = calloc(ncols ? ncols : 1, sizeof *t->quals);
    t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
    if (!t->names || !t->cols || !t->quals) {
        exec_table_free(t);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    for (size_t c = 0; c < ncols; c++) {
        t->cols[c].type = types[c];
        t->names[c] = strdup(names && names[c] ? names[c] : "");
        if (!t->names[c]) {
            exec_table_free(t);
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        }
    }
    return EV_OK;
}

void exec_table_free(exec_table *t) {
    if (!t) return;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->names) free(t->names[c]);
        if (t->quals) free(t->quals[c]);
        if (t->cols) {
            free(t->cols[c].p);
            free(t->cols[c].nulls);
        }
    }
    free(t->names);
    free(t->quals);
    free(t->cols);
    ev_arena_destroy(&t->strings);
    memset(t, 0, sizeof *t);
}

ev_status exec_table_reserve(exec_table *t, size_t extra, exec_budget *bud, ev_error *err) {
    if (t->n + extra <= t->cap) return EV_OK;
    size_t nc = t->cap ? t->cap : 1024;
    while (nc < t->n + extra)
        nc *= 2;
    size_t grow = 0;
    for (size_t c = 0; c < t->ncols; c++)
        grow += (nc - t->cap) * (exec_type_size(t->cols[c].type) + 1);
    EV_TRY(exec_budget_take(bud, grow, err));
    for (size_t c = 0; c < t->ncols; c++) {
        exec_vec *v = &t->cols[c];
        void *np = realloc(v->p, nc * exec_type_size(v->type));
        uint8_t *nn = np ? realloc(v->nulls, nc) : NULL;
        if (np) v->p = np;
        if (!np || !nn) return ev_error_set(err, EV_ERR_NOMEM, "out of memory materializing a result");
        memset(nn + t->cap, 0, nc - t->cap);
        v->nulls = nn;
    }
    t->cap = nc;
    return EV_OK;
}

static ev_status copy_cell(exec_table *t, size_t c, size_t dst, const exec_vec *v, size_t row,
                           ev_error *err) {
    exec_vec *d = &t->cols[c];
    bool null = v->type == SQL_T_UNKNOWN || (v->nulls && v->nulls[row]);
    d->nulls[dst] = null;
    if (d->type == SQL_T_VARCHAR) {
        if (null) {
            d->s[dst] = (pq_str){"", 0};
            return EV_OK;
        }
        pq_str s = v->s[row];
        char *p = s.len ? ev_arena_alloc(&t->strings, s.len) : (char *)"";
        if (!p) return ev_error_set(err, EV_ERR_NOMEM, "out of memory materializing strings");
        if (s.len) memcpy(p, s.ptr, s.len);
        d->s[dst] = (pq_str){p, s.len};
    } else if (d->type == SQL_T_DOUBLE) {
        d->f[dst] = null ? 0 : v->type == SQL_T_DOUBLE ? v->f[row] : (double)v->i[row];
    } else {
        d->i[dst] = null || v->type == SQL_T_UNKNOWN ? 0 : v->i[row];
    }
    return EV_OK;
}

ev_status exec_table_append(exec_table *t, const exec_batch *b, const uint32_t *sel, size_t n,
                            exec_budget *bud, ev_error *err) {
    if (!sel) n = b->n;
    EV_TRY(exec_table_reserve(t, n, bud, err));
    size_t before = t->strings.total_reserved;
    for (size_t c = 0; c < t->ncols; c++) {
        const exec_vec *v = &b->cols[c];
        exec_vec *d = &t->cols[c];
        if (d->type != SQL_T_VARCHAR && d->type == v->type && !sel) {
            memcpy((char *)d->p + t->n * 8, v->p, n * 8);
            if (v->nulls)
                memcpy(d->nulls + t->n, v->nulls, n);
            else
                memset(d->nulls + t->n, 0, n);
            continue;
        }
        for (size_t k = 0; k < n; k++)
            EV_TRY(copy_cell(t, c, t->n + k, v, sel ? sel[k] : k, err));
    }
    t->n += n;
    if (t->strings.total_reserved > before)
        EV_TRY(exec_budget_take(bud, t->strings.total_reserved - before, err));
    return EV_OK;
}

ev_status exec_table_append_table(exec_table *t, const exec_table *src, const uint32_t *rows, size_t n,
                                  exec_budget *bud, ev_error *err) {
    if (!rows) n = src->n;
    EV_TRY(exec_table_reserve(t, n, bud, err));
    for (size_t c = 0; c < t->ncols; c++)
        for (size_t k = 0; k < n; k++)
            EV_TRY(copy_cell(t, c, t->n + k, &src->cols[c], rows ? rows[k] : k, err));
    t->n += n;
    return EV_OK;
}

ev_status exec_table_add_column(exec_table *t, sql_type type, size_t rows, exec_vec **out, ev_error *err) {
    size_t nc = t->ncols + 1;
    char **names = realloc(t->names, nc * sizeof *names);
    if (names) t->names = names;
    char **quals = realloc(t->quals, nc * sizeof *quals);
    if (quals) t->quals = quals;
    exec_vec *cols = realloc(t->cols, nc * sizeof *cols);
    if (cols) t->cols = cols;
    if (!names || !quals || !cols) return ev_error_set(err, EV_ERR_NOMEM, "out of memory adding a column");
    exec_vec *d = &t->cols[nc - 1];
    *d = (exec_vec){.type = type};
    t->names[nc - 1] = strdup("");
    t->quals[nc - 1] = NULL;
    t->ncols = nc;
    d->p = calloc(rows ? rows : 1, exec_type_size(type));
    d->nulls = calloc(rows ? rows : 1, 1);
    if (!t->names[nc - 1] || !d->p || !d->nulls)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory adding a column");
    *out = d;
    return EV_OK;
}

void exec_table_slice(const exec_table *t, size_t start, size_t n, exec_batch *b, exec_vec *cols) {
    *b = (exec_batch){.n = n, .ncols = t->ncols, .cols = cols};
    for (size_t c = 0; c < t->ncols; c++) {
        const exec_vec *v = &t->cols[c];
        cols[c] = (exec_vec){.type = v->type}; /* plain values: no codes, not uniform */
        cols[c].p = v->p ? (char *)v->p + start * exec_type_size(v->type) : NULL;
        cols[c].nulls = v->nulls ? v->nulls + start : NULL;
    }
}

ev_status exec_batch_select(exec_eval *ev, const exec_batch *b, const uint32_t *sel, size_t n, exec_batch *out) {
    *out = (exec_batch){.n = n, .ncols = b->ncols};
    out->cols = exec_scratch(ev, (b->ncols ? b->ncols : 1) * sizeof *out->cols);
    if (!out->cols) return EV_ERR_NOMEM;
    for (size_t c = 0; c < b->ncols; c++) {
        const exec_vec *v = &b->cols[c];
        exec_vec *o = &out->cols[c];
        *o = *v;
        if (v->uniform) continue;
        if (v->nulls) {
            o->nulls = exec_scratch(ev, n ? n : 1);
            if (!o->nulls) return EV_ERR_NOMEM;
            for (size_t k = 0; k < n; k++)
                o->nulls[k] = v->nulls[sel[k]];
        }
        if (v->codes) {
            uint32_t *codes = exec_scratch(ev, (n ? n : 1) * sizeof *codes);
            if (!codes) return EV_ERR_NOMEM;
            for (size_t k = 0; k < n; k++)
                codes[k] = v->codes[sel[k]];
            o->codes = codes;
        }
        if (v->p && v->type != SQL_T_UNKNOWN) {
            size_t w = exec_type_size(v->type);
            o->p = exec_scratch(ev, (n ? n : 1) * w);
            if (!o->p) return EV_ERR_NOMEM;
            if (w == 8)
                for (size_t k = 0; k < n; k++)
                    o->i[k] = v->i[sel[k]];
            else
                for (size_t k = 0; k < n; k++)
                    o->s[k] = v->s[sel[k]];
        }
    }
    return EV_OK;
}
