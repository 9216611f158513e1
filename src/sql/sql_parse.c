/*
 * sql_parse.c: recursive descent over the token array of a whole script. Keywords are not
 * reserved in general: a word is a keyword where the grammar expects one and an identifier
 * elsewhere, except for the words in `reserved` below, which cannot be bare aliases (as in Trino).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_int.h"

typedef struct parser {
    sql_tok *toks;
    size_t ntoks, i;
    ev_arena *arena;
    ev_error *err;
    int depth;
} parser;

#define MAX_DEPTH 200

static const char *const reserved[] = {
    "all",       "and",       "as",     "between", "by",     "case",    "cross",   "distinct", "else",
    "end",       "except",    "exists", "from",    "full",   "group",   "having",  "in",       "inner",
    "intersect", "is",        "join",   "left",    "like",   "limit",   "natural", "not",      "null",
    "offset",    "on",        "or",     "order",   "outer",  "right",   "select",  "then",     "union",
    "using",     "when",      "where",  "with",    "window", "fetch",   "escape",  "over",     "rows",
    "range",     "partition", "true",   "false",   "cast",   "try_cast"};

static bool is_reserved(const char *w) {
    for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
        if (!strcmp(reserved[k], w)) return true;
    return false;
}

static sql_tok *cur(parser *p) {
    return &p->toks[p->i];
}
static sql_tok *ahead(parser *p, size_t k) {
    return &p->toks[p->i + k < p->ntoks ? p->i + k : p->ntoks - 1];
}

static bool is_kw(const sql_tok *t, const char *kw) {
    return t->kind == SQL_TK_IDENT && !strcmp(t->text, kw);
}
static bool is_op(const sql_tok *t, const char *op) {
    return t->kind == SQL_TK_OP && !strcmp(t->text, op);
}

static bool accept_kw(parser *p, const char *kw) {
    if (!is_kw(cur(p), kw)) return false;
    p->i++;
    return true;
}
static bool accept_op(parser *p, const char *op) {
    if (!is_op(cur(p), op)) return false;
    p->i++;
    return true;
}

static ev_status mismatch(parser *p, const char *expecting) {
    const sql_tok *t = cur(p);
    if (t->kind == SQL_TK_EOF)
        return sql_error_at(p->err, t->pos, "mismatched input '<EOF>'. Expecting: %s", expecting);
    if (t->kind == SQL_TK_STRING)
        return sql_error_at(p->err, t->pos, "mismatched input ''%s''. Expecting: %s", t->text, expecting);
    return sql_error_at(p->err, t->pos, "mismatched input '%s'. Expecting: %s", t->text, expecting);
}

static ev_status expect_kw(parser *p, const char *kw) {
    if (accept_kw(p, kw)) return EV_OK;
    char up[64];
    size_t n = strlen(kw);
    for (size_t k = 0; k < n && k < sizeof up - 1; k++)
        up[k] = (char)(kw[k] >= 'a' && kw[k] <= 'z' ? kw[k] - 32 : kw[k]);
    up[n < sizeof up ? n : sizeof up - 1] = 0;
    return mismatch(p, up);
}
static ev_status expect_op(parser *p, const char *op) {
    if (accept_op(p, op)) return EV_OK;
    char q[16];
    snprintf(q, sizeof q, "'%s'", op);
    return mismatch(p, q);
}

static void *alloc(parser *p, size_t n) {
    void *m = ev_arena_alloc(p->arena, n);
    if (m) memset(m, 0, n);
    return m;
}
#define NEW(p, T) ((T *)alloc((p), sizeof(T)))

/* A growable array of pointers or structs in the arena. */
typedef struct vec {
    void *items;
    size_t n, cap, size;
} vec;
static ev_status vec_push(parser *p, vec *v, const void *item) {
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 4;
        void *ni = alloc(p, nc * v->size);
        if (!ni) return ev_error_set(p->err, EV_ERR_NOMEM, "out of memory parsing SQL");
        if (v->n) memcpy(ni, v->items, v->n * v->size);
        v->items = ni;
        v->cap = nc;
    }
    memcpy((char *)v->items + v->n * v->size, item, v->size);
    v->n++;
    return EV_OK;
}

static ev_status nomem(parser *p) {
    return ev_error_set(p->err, EV_ERR_NOMEM, "out of memory parsing SQL");
}

/* An identifier: a word not reserved, or any quoted name. Quoted names keep their case; Trino
 * compares identifiers case-insensitively either way, so they are lower-cased too. */
static ev_status parse_ident(parser *p, const char **out, sql_pos *pos) {
    sql_tok *t = cur(p);
    if (t->kind == SQL_TK_QIDENT || (t->kind == SQL_TK_IDENT && !is_reserved(t->text))) {
        char *s = ev_arena_strndup(p->arena, t->text, t->len);
        if (!s) return nomem(p);
        *out = sql_lower(s);
        if (pos) *pos = t->pos;
        p->i++;
        return EV_OK;
    }
    return mismatch(p, "<identifier>");
}

/* name or db.name */
static ev_status parse_qualified(parser *p, const char **db, const char **name, sql_pos *pos) {
    const char *a;
    EV_TRY(parse_ident(p, &a, pos));
    if (accept_op(p, ".")) {
        *db = a;
        return parse_ident(p, name, NULL);
    }
    *db = NULL;
    *name = a;
    return EV_OK;
}

static ev_status parse_expr(parser *p, sql_expr **out);
static ev_status parse_query(parser *p, sql_query **out);

static sql_expr *new_expr(parser *p, sql_expr_kind kind, sql_pos pos) {
    sql_expr *e = NEW(p, sql_expr);
    if (e) {
        e->kind = kind;
        e->pos = pos;
    }
    return e;
}

static ev_status make_args(parser *p, sql_expr *e, sql_expr **args, size_t n) {
    e->args = alloc(p, n * sizeof *args);
    if (!e->args) return nomem(p);
    memcpy(e->args, args, n * sizeof *args);
    e->nargs = n;
    return EV_OK;
}

static ev_status parse_expr_list(parser *p, vec *v) {
    v->size = sizeof(sql_expr *);
    do {
        sql_expr *e;
        EV_TRY(parse_expr(p, &e));
        EV_TRY(vec_push(p, v, &e));
    } while (accept_op(p, ","));
    return EV_OK;
}

static ev_status parse_order_items(parser *p, sql_order_item **items, size_t *n) {
    vec v = {.size = sizeof(sql_order_item)};
    do {
        sql_order_item it = {0};
        EV_TRY(parse_expr(p, &it.expr));
        if (accept_kw(p, "desc"))
            it.desc = true;
        else
            (void)accept_kw(p, "asc");
        if (accept_kw(p, "nulls")) {
            if (accept_kw(p, "first"))
                it.nulls = 1;
            else if (accept_kw(p, "last"))
                it.nulls = 2;
            else
                return mismatch(p, "FIRST, LAST");
        }
        EV_TRY(vec_push(p, &v, &it));
    } while (accept_op(p, ","));
    *items = v.items;
    *n = v.n;
    return EV_OK;
}

static ev_status parse_type(parser *p, sql_type *type, const char **text) {
    sql_tok *t = cur(p);
    if (t->kind != SQL_TK_IDENT && t->kind != SQL_TK_QIDENT) return mismatch(p, "<type>");
    char name[96];
    snprintf(name, sizeof name, "%s", t->text);
    sql_lower(name);
    p->i++;
    if (!strcmp(name, "double") && is_kw(cur(p), "precision")) p->i++;
    if (!strcmp(name, "timestamp") && is_kw(cur(p), "with")) {
        /* timestamp with time zone */
        p->i++;
        EV_TRY(expect_kw(p, "time"));
        EV_TRY(expect_kw(p, "zone"));
        snprintf(name, sizeof name, "timestamp with time zone");
    }
    if (accept_op(p, "(")) { /* varchar(20), decimal(10,2), timestamp(3) */
        do {
            if (cur(p)->kind != SQL_TK_INT) return mismatch(p, "<integer>");
            p->i++;
        } while (accept_op(p, ","));
        EV_TRY(expect_op(p, ")"));
    }
    if (!sql_type_parse(name, type)) return sql_error_at(p->err, t->pos, "Unknown type: %s", name);
    if (text) {
        char *s = ev_arena_strndup(p->arena, name, strlen(name));
        if (!s) return nomem(p);
        *text = s;
    }
    return EV_OK;
}

static ev_status parse_window(parser *p, sql_window **out) {
    EV_TRY(expect_op(p, "("));
    sql_window *w = NEW(p, sql_window);
    if (!w) return nomem(p);
    if (accept_kw(p, "partition")) {
        EV_TRY(expect_kw(p, "by"));
        vec v = {0};
        EV_TRY(parse_expr_list(p, &v));
        w->partition = v.items;
        w->npartition = v.n;
    }
    if (accept_kw(p, "order")) {
        EV_TRY(expect_kw(p, "by"));
        EV_TRY(parse_order_items(p, &w->order, &w->norder));
    }
    if (is_kw(cur(p), "rows") || is_kw(cur(p), "range")) {
        w->has_frame = true;
        w->frame_rows = is_kw(cur(p), "rows");
        p->i++;
        int *bounds[2] = {&w->frame_start, &w->frame_end};
        bool between = accept_kw(p, "between");
        for (int b = 0; b < (between ? 2 : 1); b++) {
            if (b == 1) EV_TRY(expect_kw(p, "and"));
            if (accept_kw(p, "unbounded")) {
                if (accept_kw(p, "preceding"))
                    *bounds[b] = -1;
                else if (accept_kw(p, "following"))
                    *bounds[b] = 1;
                else
                    return mismatch(p, "PRECEDING, FOLLOWING");
            } else if (accept_kw(p, "current")) {
                EV_TRY(expect_kw(p, "row"));
                *bounds[b] = 0;
            } else {
                return sql_error_at(p->err, cur(p)->pos,
                                    "only UNBOUNDED PRECEDING, CURRENT ROW and UNBOUNDED FOLLOWING frame "
                                    "bounds are supported");
            }
        }
        if (!between) w->frame_end = 0;
    }
    EV_TRY(expect_op(p, ")"));
    *out = w;
    return EV_OK;
}

static ev_status parse_function(parser *p, const char *name, sql_pos pos, sql_expr **out) {
    sql_expr *e = new_expr(p, SQL_E_FUNC, pos);
    if (!e) return nomem(p);
    e->name = name;
    p->i += 2; /* name ( */
    if (accept_op(p, "*")) {
        e->star = true;
    } else if (!is_op(cur(p), ")")) {
        if (accept_kw(p, "distinct"))
            e->distinct = true;
        else
            (void)accept_kw(p, "all");
        vec v = {0};
        EV_TRY(parse_expr_list(p, &v));
        e->args = v.items;
        e->nargs = v.n;
    }
    EV_TRY(expect_op(p, ")"));
    if (accept_kw(p, "filter")) {
        /* agg(x) FILTER (WHERE c) is rewritten as agg(CASE WHEN c THEN x END) */
        EV_TRY(expect_op(p, "("));
        EV_TRY(expect_kw(p, "where"));
        sql_expr *cond;
        EV_TRY(parse_expr(p, &cond));
        EV_TRY(expect_op(p, ")"));
        if (e->star) {
            e->star = false;
            sql_expr *one = new_expr(p, SQL_E_INT, pos);
            if (!one) return nomem(p);
            one->ival = 1;
            EV_TRY(make_args(p, e, &one, 1));
        }
        for (size_t k = 0; k < e->nargs; k++) {
            sql_expr *c = new_expr(p, SQL_E_CASE, e->args[k]->pos);
            if (!c) return nomem(p);
            sql_expr *wt[2] = {cond, e->args[k]};
            EV_TRY(make_args(p, c, wt, 2));
            e->args[k] = c;
        }
    }
    if (accept_kw(p, "over")) EV_TRY(parse_window(p, &e->over));
    *out = e;
    return EV_OK;
}

static ev_status parse_case(parser *p, sql_pos pos, sql_expr **out) {
    sql_expr *e = new_expr(p, SQL_E_CASE, pos);
    if (!e) return nomem(p);
    if (!is_kw(cur(p), "when")) EV_TRY(parse_expr(p, &e->operand));
    vec v = {.size = sizeof(sql_expr *)};
    if (!is_kw(cur(p), "when")) return mismatch(p, "WHEN");
    while (accept_kw(p, "when")) {
        sql_expr *w, *t;
        EV_TRY(parse_expr(p, &w));
        EV_TRY(expect_kw(p, "then"));
        EV_TRY(parse_expr(p, &t));
        EV_TRY(vec_push(p, &v, &w));
        EV_TRY(vec_push(p, &v, &t));
    }
    if (accept_kw(p, "else")) {
        sql_expr *el;
        EV_TRY(parse_expr(p, &el));
        EV_TRY(vec_push(p, &v, &el));
        e->has_else = true;
    }
    EV_TRY(expect_kw(p, "end"));
    e->args = v.items;
    e->nargs = v.n;
    *out = e;
    return EV_OK;
}

static ev_status parse_primary(parser *p, sql_expr **out) {
    sql_tok *t = cur(p);
    sql_expr *e = NULL;
    switch (t->kind) {
    case SQL_TK_INT: {
        errno = 0;
        unsigned long long v = strtoull(t->text, NULL, 10);
        if (errno || v > (unsigned long long)INT64_MAX) {
            e = new_expr(p, SQL_E_DOUBLE, t->pos);
            if (!e) return nomem(p);
            e->dval = strtod(t->text, NULL);
        } else {
            e = new_expr(p, SQL_E_INT, t->pos);
            if (!e) return nomem(p);
            e->ival = (int64_t)v;
        }
        p->i++;
        *out = e;
        return EV_OK;
    }
    case SQL_TK_NUMBER:
        e = new_expr(p, SQL_E_DOUBLE, t->pos);
        if (!e) return nomem(p);
        e->dval = strtod(t->text, NULL);
        p->i++;
        *out = e;
        return EV_OK;
    case SQL_TK_STRING:
        e = new_expr(p, SQL_E_STRING, t->pos);
        if (!e) return nomem(p);
        e->str = t->text;
        e->len = t->len;
        p->i++;
        *out = e;
        return EV_OK;
    case SQL_TK_OP:
        if (is_op(t, "(")) {
            sql_tok *n = ahead(p, 1);
            if (is_kw(n, "select") || is_kw(n, "with")) {
                e = new_expr(p, SQL_E_SUBQUERY, t->pos);
                if (!e) return nomem(p);
                p->i++;
                EV_TRY(parse_query(p, &e->subquery));
                EV_TRY(expect_op(p, ")"));
                *out = e;
                return EV_OK;
            }
            p->i++;
            EV_TRY(parse_expr(p, out));
            return expect_op(p, ")");
        }
        return mismatch(p, "<expression>");
    case SQL_TK_QIDENT:
    case SQL_TK_IDENT:
        break;
    case SQL_TK_EOF:
        return mismatch(p, "<expression>");
    }
    sql_pos pos = t->pos;
    if (t->kind == SQL_TK_IDENT) {
        const char *w = t->text;
        if (!strcmp(w, "null")) {
            p->i++;
            return (*out = new_expr(p, SQL_E_NULL, pos)) ? EV_OK : nomem(p);
        }
        if (!strcmp(w, "true") || !strcmp(w, "false")) {
            p->i++;
            e = new_expr(p, SQL_E_BOOL, pos);
            if (!e) return nomem(p);
            e->ival = w[0] == 't';
            *out = e;
            return EV_OK;
        }
        if (!strcmp(w, "case")) {
            p->i++;
            return parse_case(p, pos, out);
        }
        if (!strcmp(w, "cast") || !strcmp(w, "try_cast")) {
            p->i++;
            e = new_expr(p, SQL_E_CAST, pos);
            if (!e) return nomem(p);
            e->try_cast = w[0] == 't';
            EV_TRY(expect_op(p, "("));
            sql_expr *a;
            EV_TRY(parse_expr(p, &a));
            EV_TRY(make_args(p, e, &a, 1));
            EV_TRY(expect_kw(p, "as"));
            EV_TRY(parse_type(p, &e->type, NULL));
            EV_TRY(expect_op(p, ")"));
            *out = e;
            return EV_OK;
        }
        if ((!strcmp(w, "date") || !strcmp(w, "timestamp")) && ahead(p, 1)->kind == SQL_TK_STRING) {
            e = new_expr(p, SQL_E_TYPED, pos);
            if (!e) return nomem(p);
            e->type = w[0] == 'd' ? SQL_T_DATE : SQL_T_TIMESTAMP;
            p->i++;
            e->str = cur(p)->text;
            e->len = cur(p)->len;
            p->i++;
            *out = e;
            return EV_OK;
        }
        if ((!strcmp(w, "current_date") || !strcmp(w, "current_timestamp") || !strcmp(w, "now")) &&
            !is_op(ahead(p, 1), "(")) {
            p->i++;
            e = new_expr(p, SQL_E_FUNC, pos);
            if (!e) return nomem(p);
            e->name = w;
            *out = e;
            return EV_OK;
        }
        if (!strcmp(w, "exists")) return sql_error_at(p->err, pos, "EXISTS subqueries are not supported");
        if (is_op(ahead(p, 1), "(") && !is_reserved(w)) return parse_function(p, w, pos, out);
    }
    const char *name;
    EV_TRY(parse_ident(p, &name, NULL));
    if (accept_op(p, ".")) {
        if (accept_op(p, "*")) {
            e = new_expr(p, SQL_E_STAR, pos);
            if (!e) return nomem(p);
            e->qual = name;
            *out = e;
            return EV_OK;
        }
        e = new_expr(p, SQL_E_COLUMN, pos);
        if (!e) return nomem(p);
        e->qual = name;
        EV_TRY(parse_ident(p, &e->name, NULL));
        *out = e;
        return EV_OK;
    }
    e = new_expr(p, SQL_E_COLUMN, pos);
    if (!e) return nomem(p);
    e->name = name;
    *out = e;
    return EV_OK;
}

static ev_status parse_unary(parser *p, sql_expr **out) {
    sql_tok *t = cur(p);
    if (is_op(t, "-") || is_op(t, "+")) {
        p->i++;
        sql_expr *a;
        EV_TRY(parse_unary(p, &a));
        if (t->text[0] == '-' && a->kind == SQL_E_INT) {
            a->ival = -a->ival;
            a->pos = t->pos;
            *out = a;
            return EV_OK;
        }
        if (t->text[0] == '-' && a->kind == SQL_E_DOUBLE) {
            a->dval = -a->dval;
            a->pos = t->pos;
            *out = a;
            return EV_OK;
        }
        sql_expr *e = new_expr(p, SQL_E_UNARY, t->pos);
        if (!e) return nomem(p);
        e->op = t->text[0] == '-' ? SQL_OP_NEG : SQL_OP_PLUS;
        EV_TRY(make_args(p, e, &a, 1));
        *out = e;
        return EV_OK;
    }
    return parse_primary(p, out);
}

static ev_status binary(parser *p, sql_op op, sql_pos pos, sql_expr *l, sql_expr *r, sql_expr **out) {
    sql_expr *e = new_expr(p, SQL_E_BINARY, pos);
    if (!e) return nomem(p);
    e->op = op;
    sql_expr *a[2] = {l, r};
    EV_TRY(make_args(p, e, a, 2));
    *out = e;
    return EV_OK;
}

static ev_status parse_mul(parser *p, sql_expr **out) {
    EV_TRY(parse_unary(p, out));
    for (;;) {
        sql_tok *t = cur(p);
        sql_op op = is_op(t, "*")   ? SQL_OP_MUL
                    : is_op(t, "/") ? SQL_OP_DIV
                    : is_op(t, "%") ? SQL_OP_MOD
                                    : SQL_OP_NONE;
        if (op == SQL_OP_NONE) return EV_OK;
        p->i++;
        sql_expr *r;
        EV_TRY(parse_unary(p, &r));
        EV_TRY(binary(p, op, t->pos, *out, r, out));
    }
}

static ev_status parse_add(parser *p, sql_expr **out) {
    EV_TRY(parse_mul(p, out));
    for (;;) {
        sql_tok *t = cur(p);
        sql_op op = is_op(t, "+") ? SQL_OP_ADD : is_op(t, "-") ? SQL_OP_SUB : SQL_OP_NONE;
        if (op == SQL_OP_NONE) return EV_OK;
        p->i++;
        sql_expr *r;
        EV_TRY(parse_mul(p, &r));
        EV_TRY(binary(p, op, t->pos, *out, r, out));
    }
}

static ev_status parse_concat(parser *p, sql_expr **out) {
    EV_TRY(parse_add(p, out));
    while (is_op(cur(p), "||")) {
        sql_pos pos = cur(p)->pos;
        p->i++;
        sql_expr *r;
        EV_TRY(parse_add(p, &r));
        EV_TRY(binary(p, SQL_OP_CONCAT, pos, *out, r, out));
    }
    return EV_OK;
}

static sql_op comparison_op(const sql_tok *t) {
    if (t->kind != SQL_TK_OP) return SQL_OP_NONE;
    if (!strcmp(t->text, "=")) return SQL_OP_EQ;
    if (!strcmp(t->text, "<>") || !strcmp(t->text, "!=")) return SQL_OP_NE;
    if (!strcmp(t->text, "<")) return SQL_OP_LT;
    if (!strcmp(t->text, "<=")) return SQL_OP_LE;
    if (!strcmp(t->text, ">")) return SQL_OP_GT;
    if (!strcmp(t->text, ">=")) return SQL_OP_GE;
    return SQL_OP_NONE;
}

/* comparison, IS [NOT] NULL, [NOT] IN/BETWEEN/LIKE */
static ev_status parse_predicate(parser *p, sql_expr **out) {
    EV_TRY(parse_concat(p, out));
    for (;;) {
        sql_tok *t = cur(p);
        sql_op op = comparison_op(t);
        if (op != SQL_OP_NONE) {
            p->i++;
            sql_expr *r;
            EV_TRY(parse_concat(p, &r));
            EV_TRY(binary(p, op, t->pos, *out, r, out));
            continue;
        }
        if (is_kw(t, "is")) {
            p->i++;
            sql_expr *e = new_expr(p, SQL_E_IS_NULL, t->pos);
            if (!e) return nomem(p);
            e->negated = accept_kw(p, "not");
            if (accept_kw(p, "distinct"))
                return sql_error_at(p->err, t->pos, "IS DISTINCT FROM is not supported");
            EV_TRY(expect_kw(p, "null"));
            EV_TRY(make_args(p, e, out, 1));
            *out = e;
            continue;
        }
        bool neg = false;
        size_t save = p->i;
        if (is_kw(t, "not")) {
            neg = true;
            p->i++;
            t = cur(p);
        }
        if (is_kw(t, "in")) {
            p->i++;
            sql_expr *e = new_expr(p, SQL_E_IN, t->pos);
            if (!e) return nomem(p);
            e->negated = neg;
            EV_TRY(expect_op(p, "("));
            if (is_kw(cur(p), "select") || is_kw(cur(p), "with"))
                return sql_error_at(p->err, cur(p)->pos, "IN (subquery) is not supported");
            vec v = {.size = sizeof(sql_expr *)};
            EV_TRY(vec_push(p, &v, out));
            do {
                sql_expr *x;
                EV_TRY(parse_expr(p, &x));
                EV_TRY(vec_push(p, &v, &x));
            } while (accept_op(p, ","));
            EV_TRY(expect_op(p, ")"));
            e->args = v.items;
            e->nargs = v.n;
            *out = e;
            continue;
        }
        if (is_kw(t, "between")) {
            p->i++;
            sql_expr *e = new_expr(p, SQL_E_BETWEEN, t->pos);
            if (!e) return nomem(p);
            e->negated = neg;
            sql_expr *a[3] = {*out};
            EV_TRY(parse_concat(p, &a[1]));
            EV_TRY(expect_kw(p, "and"));
            EV_TRY(parse_concat(p, &a[2]));
            EV_TRY(make_args(p, e, a, 3));
            *out = e;
            continue;
        }
        if (is_kw(t, "like")) {
            p->i++;
            sql_expr *e = new_expr(p, SQL_E_LIKE, t->pos);
            if (!e) return nomem(p);
            e->negated = neg;
            sql_expr *a[3] = {*out};
            size_t n = 2;
            EV_TRY(parse_concat(p, &a[1]));
            if (accept_kw(p, "escape")) {
                EV_TRY(parse_concat(p, &a[2]));
                n = 3;
            }
            EV_TRY(make_args(p, e, a, n));
            *out = e;
            continue;
        }
        p->i = save;
        return EV_OK;
    }
}

static ev_status parse_not(parser *p, sql_expr **out) {
    if (is_kw(cur(p), "not")) {
        sql_pos pos = cur(p)->pos;
        p->i++;
        sql_expr *a;
        EV_TRY(parse_not(p, &a));
        sql_expr *e = new_expr(p, SQL_E_NOT, pos);
        if (!e) return nomem(p);
        EV_TRY(make_args(p, e, &a, 1));
        *out = e;
        return EV_OK;
    }
    return parse_predicate(p, out);
}

static ev_status parse_and(parser *p, sql_expr **out) {
    EV_TRY(parse_not(p, out));
    while (is_kw(cur(p), "and")) {
        sql_pos pos = cur(p)->pos;
        p->i++;
        sql_expr *r;
        EV_TRY(parse_not(p, &r));
        sql_expr *e = new_expr(p, SQL_E_AND, pos);
        if (!e) return nomem(p);
        sql_expr *a[2] = {*out, r};
        EV_TRY(make_args(p, e, a, 2));
        *out = e;
    }
    return EV_OK;
}

static ev_status parse_expr(parser *p, sql_expr **out) {
    if (++p->depth > MAX_DEPTH) return sql_error_at(p->err, cur(p)->pos, "expression nested too deeply");
    ev_status st = parse_and(p, out);
    while (st == EV_OK && is_kw(cur(p), "or")) {
        sql_pos pos = cur(p)->pos;
        p->i++;
        sql_expr *r;
        st = parse_and(p, &r);
        if (st != EV_OK) break;
        sql_expr *e = new_expr(p, SQL_E_OR, pos);
        if (!e) return nomem(p);
        sql_expr *a[2] = {*out, r};
        st = make_args(p, e, a, 2);
        *out = e;
    }
    p->depth--;
    return st;
}

/* ---- FROM ---- */

static ev_status parse_alias(parser *p, const char **alias) {
    if (accept_kw(p, "as")) return parse_ident(p, alias, NULL);
    sql_tok *t = cur(p);
    if (t->kind == SQL_TK_QIDENT ||
        (t->kind == SQL_TK_IDENT && !is_reserved(t->text) && strcmp(t->text, "tablesample")))
        return parse_ident(p, alias, NULL);
    *alias = NULL;
    return EV_OK;
}

static ev_status parse_from_item(parser *p, sql_from **out);

static ev_status parse_from_primary(parser *p, sql_from **out) {
    sql_from *f = NEW(p, sql_from);
    if (!f) return nomem(p);
    f->pos = cur(p)->pos;
    if (is_op(cur(p), "(")) {
        sql_tok *n = ahead(p, 1);
        p->i++;
        if (is_kw(n, "select") || is_kw(n, "with") || is_op(n, "(")) {
            /* a subquery (a parenthesized join is rare; treat '((' as a subquery too) */
            f->kind = SQL_FROM_SUBQUERY;
            EV_TRY(parse_query(p, &f->subquery));
            EV_TRY(expect_op(p, ")"));
            EV_TRY(parse_alias(p, &f->alias));
            if (f->alias && accept_op(p, "("))
                return sql_error_at(p->err, cur(p)->pos,
                                    "column aliases on a derived table are not supported");
            *out = f;
            return EV_OK;
        }
        EV_TRY(parse_from_item(p, out));
        return expect_op(p, ")");
    }
    f->kind = SQL_FROM_TABLE;
    EV_TRY(parse_qualified(p, &f->db, &f->name, &f->pos));
    EV_TRY(parse_alias(p, &f->alias));
    *out = f;
    return EV_OK;
}

static ev_status parse_from_item(parser *p, sql_from **out) {
    EV_TRY(parse_from_primary(p, out));
    for (;;) {
        sql_tok *t = cur(p);
        sql_join_kind kind;
        if (is_kw(t, "join") || (is_kw(t, "inner") && is_kw(ahead(p, 1), "join"))) {
            kind = SQL_JOIN_INNER;
        } else if (is_kw(t, "left") || is_kw(t, "right") || is_kw(t, "full")) {
            kind = is_kw(t, "left") ? SQL_JOIN_LEFT : is_kw(t, "right") ? SQL_JOIN_RIGHT : SQL_JOIN_FULL;
        } else if (is_kw(t, "cross")) {
            kind = SQL_JOIN_CROSS;
        } else {
            return EV_OK;
        }
        p->i++;
        if (kind == SQL_JOIN_INNER && is_kw(t, "inner"))
            p->i++;
        else if (kind == SQL_JOIN_LEFT || kind == SQL_JOIN_RIGHT || kind == SQL_JOIN_FULL) {
            (void)accept_kw(p, "outer");
            EV_TRY(expect_kw(p, "join"));
        } else if (kind == SQL_JOIN_CROSS) {
            EV_TRY(expect_kw(p, "join"));
        }
        sql_from *j = NEW(p, sql_from);
        if (!j) return nomem(p);
        j->kind = SQL_FROM_JOIN;
        j->pos = t->pos;
        j->join = kind;
        j->left = *out;
        EV_TRY(parse_from_primary(p, &j->right));
        if (kind != SQL_JOIN_CROSS) {
            if (accept_kw(p, "using")) {
                EV_TRY(expect_op(p, "("));
                vec v = {.size = sizeof(const char *)};
                do {
                    const char *c;
                    EV_TRY(parse_ident(p, &c, NULL));
                    EV_TRY(vec_push(p, &v, &c));
                } while (accept_op(p, ","));
                EV_TRY(expect_op(p, ")"));
                j->using_cols = v.items;
                j->nusing = v.n;
            } else {
                EV_TRY(expect_kw(p, "on"));
                EV_TRY(parse_expr(p, &j->on));
            }
        }
        *out = j;
    }
}

/* ---- SELECT ---- */

static ev_status parse_select(parser *p, sql_select **out) {
    sql_select *s = NEW(p, sql_select);
    if (!s) return nomem(p);
    s->pos = cur(p)->pos;
    EV_TRY(expect_kw(p, "select"));
    if (accept_kw(p, "distinct"))
        s->distinct = true;
    else
        (void)accept_kw(p, "all");
    vec items = {.size = sizeof(sql_select_item)};
    do {
        sql_select_item it = {0};
        if (is_op(cur(p), "*")) {
            it.expr = new_expr(p, SQL_E_STAR, cur(p)->pos);
            if (!it.expr) return nomem(p);
            p->i++;
        } else {
            EV_TRY(parse_expr(p, &it.expr));
            it.alias_pos = cur(p)->pos;
            EV_TRY(parse_alias(p, &it.alias));
        }
        EV_TRY(vec_push(p, &items, &it));
    } while (accept_op(p, ","));
    s->items = items.items;
    s->nitems = items.n;
    if (accept_kw(p, "from")) {
        EV_TRY(parse_from_item(p, &s->from));
        while (is_op(cur(p), ",")) {
            sql_pos pos = cur(p)->pos;
            p->i++;
            sql_from *j = NEW(p, sql_from);
            if (!j) return nomem(p);
            j->kind = SQL_FROM_JOIN;
            j->pos = pos;
            j->join = SQL_JOIN_CROSS;
            j->left = s->from;
            EV_TRY(parse_from_item(p, &j->right));
            s->from = j;
        }
    }
    if (accept_kw(p, "where")) EV_TRY(parse_expr(p, &s->where));
    if (accept_kw(p, "group")) {
        EV_TRY(expect_kw(p, "by"));
        vec v = {0};
        EV_TRY(parse_expr_list(p, &v));
        s->group_by = v.items;
        s->ngroup_by = v.n;
    }
    if (accept_kw(p, "having")) EV_TRY(parse_expr(p, &s->having));
    *out = s;
    return EV_OK;
}

static ev_status parse_term(parser *p, sql_body **out) {
    sql_body *b = NEW(p, sql_body);
    if (!b) return nomem(p);
    b->pos = cur(p)->pos;
    if (accept_op(p, "(")) {
        b->kind = SQL_BODY_QUERY;
        EV_TRY(parse_query(p, &b->query));
        EV_TRY(expect_op(p, ")"));
    } else if (is_kw(cur(p), "select")) {
        b->kind = SQL_BODY_SELECT;
        EV_TRY(parse_select(p, &b->select));
    } else {
        return mismatch(p, "'(', 'SELECT'");
    }
    *out = b;
    return EV_OK;
}

static ev_status parse_body(parser *p, sql_body **out) {
    EV_TRY(parse_term(p, out));
    for (;;) {
        sql_tok *t = cur(p);
        if (is_kw(t, "intersect") || is_kw(t, "except"))
            return sql_error_at(p->err, t->pos, "%s is not supported",
                                is_kw(t, "except") ? "EXCEPT" : "INTERSECT");
        if (!is_kw(t, "union")) return EV_OK;
        p->i++;
        sql_body *u = NEW(p, sql_body);
        if (!u) return nomem(p);
        u->kind = SQL_BODY_UNION;
        u->pos = t->pos;
        u->union_all = accept_kw(p, "all");
        if (!u->union_all) (void)accept_kw(p, "distinct");
        u->left = *out;
        EV_TRY(parse_term(p, &u->right));
        *out = u;
    }
}

static ev_status parse_query(parser *p, sql_query **out) {
    if (++p->depth > MAX_DEPTH) return sql_error_at(p->err, cur(p)->pos, "query nested too deeply");
    sql_query *q = NEW(p, sql_query);
    if (!q) return nomem(p);
    q->pos = cur(p)->pos;
    q->limit = -1;
    if (accept_kw(p, "with")) {
        (void)accept_kw(p, "recursive");
        vec v = {.size = sizeof(sql_cte)};
        do {
            sql_cte c = {0};
            EV_TRY(parse_ident(p, &c.name, &c.pos));
            if (accept_op(p, "(")) {
                vec cols = {.size = sizeof(const char *)};
                do {
                    const char *n;
                    EV_TRY(parse_ident(p, &n, NULL));
                    EV_TRY(vec_push(p, &cols, &n));
                } while (accept_op(p, ","));
                EV_TRY(expect_op(p, ")"));
                c.columns = cols.items;
                c.ncolumns = cols.n;
            }
            EV_TRY(expect_kw(p, "as"));
            EV_TRY(expect_op(p, "("));
            EV_TRY(parse_query(p, &c.query));
            EV_TRY(expect_op(p, ")"));
            EV_TRY(vec_push(p, &v, &c));
        } while (accept_op(p, ","));
        q->ctes = v.items;
        q->nctes = v.n;
    }
    EV_TRY(parse_body(p, &q->body));
    if (accept_kw(p, "order")) {
        EV_TRY(expect_kw(p, "by"));
        EV_TRY(parse_order_items(p, &q->order, &q->norder));
    }
    if (accept_kw(p, "limit")) {
        if (accept_kw(p, "all")) {
            q->limit = -1;
        } else {
            sql_tok *t = cur(p);
            if (t->kind != SQL_TK_INT) return mismatch(p, "<integer>, 'ALL'");
            errno = 0;
            unsigned long long v = strtoull(t->text, NULL, 10);
            if (errno || v > (unsigned long long)INT64_MAX)
                return sql_error_at(p->err, t->pos, "Invalid LIMIT row count: %s", t->text);
            q->limit = (int64_t)v;
            p->i++;
        }
    }
    p->depth--;
    *out = q;
    return EV_OK;
}

/* ---- statements ---- */

static ev_status parse_string_lit(parser *p, const char **out) {
    if (cur(p)->kind != SQL_TK_STRING) return mismatch(p, "<string>");
    *out = cur(p)->text;
    p->i++;
    return EV_OK;
}

static ev_status parse_column_defs(parser *p, sql_column_def **out, size_t *n) {
    EV_TRY(expect_op(p, "("));
    vec v = {.size = sizeof(sql_column_def)};
    do {
        sql_column_def c = {0};
        EV_TRY(parse_ident(p, &c.name, &c.pos));
        EV_TRY(parse_type(p, &c.type, &c.type_text));
        if (accept_kw(p, "comment")) {
            const char *ignored;
            EV_TRY(parse_string_lit(p, &ignored));
        }
        EV_TRY(vec_push(p, &v, &c));
    } while (accept_op(p, ","));
    EV_TRY(expect_op(p, ")"));
    *out = v.items;
    *n = v.n;
    return EV_OK;
}

/* ( key = 'value' | ARRAY['a', 'b'] | number, ... ) for WITH, TBLPROPERTIES and PARTITION */
static ev_status parse_props(parser *p, sql_kv **out, size_t *n) {
    EV_TRY(expect_op(p, "("));
    vec v = {.size = sizeof(sql_kv)};
    do {
        sql_kv kv = {0};
        kv.pos = cur(p)->pos;
        if (cur(p)->kind == SQL_TK_STRING) {
            kv.key = cur(p)->text;
            p->i++;
        } else {
            EV_TRY(parse_ident(p, &kv.key, NULL));
        }
        EV_TRY(expect_op(p, "="));
        sql_tok *t = cur(p);
        if (t->kind == SQL_TK_STRING || t->kind == SQL_TK_INT || t->kind == SQL_TK_NUMBER) {
            kv.value = t->text;
            p->i++;
        } else if (is_kw(t, "array")) {
            p->i++;
            kv.is_array = true;
            EV_TRY(expect_op(p, "["));
            ev_buf b;
            ev_buf_init(&b, NULL);
            ev_status st = EV_OK;
            if (!is_op(cur(p), "]")) {
                do {
                    if (cur(p)->kind != SQL_TK_STRING) {
                        ev_buf_free(&b);
                        return mismatch(p, "<string>");
                    }
                    if (b.len) st = ev_buf_append_str(&b, ",");
                    if (st == EV_OK) st = ev_buf_append_str(&b, cur(p)->text);
                    p->i++;
                } while (st == EV_OK && accept_op(p, ","));
            }
            char *s =
                st == EV_OK ? ev_arena_strndup(p->arena, b.len ? (const char *)b.data : "", b.len) : NULL;
            ev_buf_free(&b);
            if (!s) return nomem(p);
            kv.value = s;
            EV_TRY(expect_op(p, "]"));
        } else if (t->kind == SQL_TK_IDENT && (!strcmp(t->text, "true") || !strcmp(t->text, "false"))) {
            kv.value = t->text;
            p->i++;
        } else {
            return mismatch(p, "<string>, <number>, ARRAY");
        }
        EV_TRY(vec_push(p, &v, &kv));
    } while (accept_op(p, ","));
    EV_TRY(expect_op(p, ")"));
    *out = v.items;
    *n = v.n;
    return EV_OK;
}

static ev_status parse_if_not_exists(parser *p, sql_stmt *s) {
    if (accept_kw(p, "if")) {
        EV_TRY(expect_kw(p, "not"));
        EV_TRY(expect_kw(p, "exists"));
        s->if_not_exists = true;
    }
    return EV_OK;
}
static ev_status parse_if_exists(parser *p, sql_stmt *s) {
    if (accept_kw(p, "if")) {
        EV_TRY(expect_kw(p, "exists"));
        s->if_exists = true;
    }
    return EV_OK;
}

static ev_status parse_create_external(parser *p, sql_stmt *s) {
    s->kind = SQL_S_CREATE_EXTERNAL_TABLE;
    s->format = "parquet";
    EV_TRY(parse_if_not_exists(p, s));
    EV_TRY(parse_qualified(p, &s->db, &s->name, NULL));
    EV_TRY(parse_column_defs(p, &s->columns, &s->ncolumns));
    for (;;) {
        if (accept_kw(p, "comment")) {
            const char *ignored;
            EV_TRY(parse_string_lit(p, &ignored));
        } else if (accept_kw(p, "partitioned")) {
            EV_TRY(expect_kw(p, "by"));
            EV_TRY(parse_column_defs(p, &s->partition_cols, &s->npartition_cols));
        } else if (accept_kw(p, "row")) {
            EV_TRY(expect_kw(p, "format"));
            if (accept_kw(p, "serde")) {
                EV_TRY(parse_string_lit(p, &s->serde));
                s->format = strstr(s->serde, "json") || strstr(s->serde, "Json") ? "json" : "parquet";
                if (accept_kw(p, "with")) {
                    EV_TRY(expect_kw(p, "serdeproperties"));
                    EV_TRY(parse_props(p, &s->serde_props, &s->nserde_props));
                }
            } else if (accept_kw(p, "delimited")) {
                return sql_error_at(p->err, p->toks[p->i - 1].pos,
                                    "ROW FORMAT DELIMITED tables are not supported");
            } else {
                return mismatch(p, "SERDE");
            }
        } else if (accept_kw(p, "stored")) {
            EV_TRY(expect_kw(p, "as"));
            sql_tok *t = cur(p);
            if (is_kw(t, "parquet")) {
                if (!s->serde) s->format = "parquet";
            } else if (is_kw(t, "textfile")) {
                if (!s->serde) s->format = "json";
            } else if (is_kw(t, "inputformat")) {
                return sql_error_at(p->err, t->pos,
                                    "STORED AS INPUTFORMAT is not supported; use STORED AS PARQUET");
            } else {
                return mismatch(p, "PARQUET, TEXTFILE");
            }
            p->i++;
        } else if (accept_kw(p, "location")) {
            EV_TRY(parse_string_lit(p, &s->location));
        } else if (accept_kw(p, "tblproperties")) {
            EV_TRY(parse_props(p, &s->props, &s->nprops));
        } else {
            break;
        }
    }
    if (!s->location) return mismatch(p, "LOCATION");
    return EV_OK;
}

static ev_status parse_create(parser *p, sql_stmt *s) {
    if (accept_kw(p, "database") || accept_kw(p, "schema")) {
        s->kind = SQL_S_CREATE_DATABASE;
        EV_TRY(parse_if_not_exists(p, s));
        EV_TRY(parse_ident(p, &s->name, NULL));
        if (accept_kw(p, "comment")) EV_TRY(parse_string_lit(p, &s->comment));
        if (accept_kw(p, "location")) EV_TRY(parse_string_lit(p, &s->location));
        if (accept_kw(p, "with")) {
            EV_TRY(expect_kw(p, "dbproperties"));
            EV_TRY(parse_props(p, &s->props, &s->nprops));
        }
        return EV_OK;
    }
    if (accept_kw(p, "external")) {
        EV_TRY(expect_kw(p, "table"));
        return parse_create_external(p, s);
    }
    EV_TRY(expect_kw(p, "table"));
    EV_TRY(parse_if_not_exists(p, s));
    EV_TRY(parse_qualified(p, &s->db, &s->name, NULL));
    if (is_op(cur(p), "(") && !is_kw(ahead(p, 1), "select") && !is_kw(ahead(p, 1), "with")) {
        return sql_error_at(
            p->err, cur(p)->pos,
            "CREATE TABLE with columns needs EXTERNAL and a LOCATION (or use CREATE TABLE ... AS SELECT)");
    }
    s->kind = SQL_S_CREATE_TABLE_AS;
    if (accept_kw(p, "with")) EV_TRY(parse_props(p, &s->props, &s->nprops));
    EV_TRY(expect_kw(p, "as"));
    bool paren = accept_op(p, "(");
    EV_TRY(parse_query(p, &s->query));
    if (paren) EV_TRY(expect_op(p, ")"));
    if (accept_kw(p, "with")) {
        if (accept_kw(p, "no")) {
            EV_TRY(expect_kw(p, "data"));
            return sql_error_at(p->err, cur(p)->pos, "WITH NO DATA is not supported");
        }
        EV_TRY(expect_kw(p, "data"));
    }
    return EV_OK;
}

static ev_status parse_statement(parser *p, sql_stmt **out);

/* ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (k = 'v', ...) [LOCATION '...'] [PARTITION ...] */
static ev_status parse_add_partition(parser *p, sql_stmt *s) {
    s->kind = SQL_S_ADD_PARTITION;
    EV_TRY(expect_kw(p, "table"));
    EV_TRY(parse_qualified(p, &s->db, &s->name, NULL));
    EV_TRY(expect_kw(p, "add"));
    EV_TRY(parse_if_not_exists(p, s));
    if (!is_kw(cur(p), "partition")) return mismatch(p, "PARTITION");
    vec v = {.size = sizeof(sql_partition_spec)};
    while (is_kw(cur(p), "partition")) {
        sql_partition_spec ps = {.pos = cur(p)->pos};
        p->i++;
        EV_TRY(parse_props(p, &ps.kv, &ps.nkv));
        if (accept_kw(p, "location")) EV_TRY(parse_string_lit(p, &ps.location));
        EV_TRY(vec_push(p, &v, &ps));
    }
    s->partitions = v.items;
    s->npartitions = v.n;
    return EV_OK;
}

/* Most rows of INSERT ... VALUES: each row becomes a one-row SELECT under a UNION ALL chain,
 * which the engine walks recursively. */
#define MAX_VALUES_ROWS 1000

/* VALUES (a, b), (c, d) | VALUES a, b: a UNION ALL of one-row SELECTs without FROM. */
static ev_status parse_values(parser *p, sql_query **out) {
    sql_query *q = NEW(p, sql_query);
    if (!q) return nomem(p);
    q->pos = cur(p)->pos;
    q->limit = -1;
    EV_TRY(expect_kw(p, "values"));
    size_t width = 0, rows = 0;
    do {
        sql_pos row_pos = cur(p)->pos;
        if (++rows > MAX_VALUES_ROWS)
            return sql_error_at(p->err, row_pos, "VALUES takes at most %d rows here; use INSERT ... SELECT",
                                MAX_VALUES_ROWS);
        vec items = {.size = sizeof(sql_select_item)};
        bool paren = is_op(cur(p), "(") && !is_kw(ahead(p, 1), "select") && !is_kw(ahead(p, 1), "with");
        if (paren) p->i++;
        do {
            sql_select_item it = {0};
            EV_TRY(parse_expr(p, &it.expr));
            EV_TRY(vec_push(p, &items, &it));
        } while (paren && accept_op(p, ","));
        if (paren) EV_TRY(expect_op(p, ")"));
        if (width && items.n != width)
            return sql_error_at(p->err, row_pos, "Values rows have mismatched sizes: %zu and %zu", width,
                                items.n);
        width = items.n;
        sql_select *sel = NEW(p, sql_select);
        sql_body *b = NEW(p, sql_body);
        if (!sel || !b) return nomem(p);
        sel->pos = row_pos;
        sel->items = items.items;
        sel->nitems = items.n;
        b->kind = SQL_BODY_SELECT;
        b->pos = row_pos;
        b->select = sel;
        if (!q->body) {
            q->body = b;
            continue;
        }
        sql_body *u = NEW(p, sql_body);
        if (!u) return nomem(p);
        *u = (sql_body){
            .kind = SQL_BODY_UNION, .pos = row_pos, .left = q->body, .right = b, .union_all = true};
        q->body = u;
    } while (accept_op(p, ","));
    *out = q;
    return EV_OK;
}

/* INSERT INTO t [(a, b, ...)] { query | VALUES ... } */
static ev_status parse_insert(parser *p, sql_stmt *s) {
    s->kind = SQL_S_INSERT;
    EV_TRY(expect_kw(p, "into"));
    EV_TRY(parse_qualified(p, &s->db, &s->name, NULL));
    if (is_op(cur(p), "(") && !is_kw(ahead(p, 1), "select") && !is_kw(ahead(p, 1), "with")) {
        p->i++;
        vec v = {.size = sizeof(sql_column_def)};
        do {
            sql_column_def c = {0};
            EV_TRY(parse_ident(p, &c.name, &c.pos));
            EV_TRY(vec_push(p, &v, &c));
        } while (accept_op(p, ","));
        EV_TRY(expect_op(p, ")"));
        s->insert_cols = v.items;
        s->ninsert_cols = v.n;
    }
    if (is_kw(cur(p), "values")) return parse_values(p, &s->query);
    return parse_query(p, &s->query);
}

static ev_status parse_show(parser *p, sql_stmt *s) {
    if (accept_kw(p, "databases") || accept_kw(p, "schemas")) {
        s->kind = SQL_S_SHOW_DATABASES;
        return EV_OK;
    }
    if (accept_kw(p, "tables")) {
        s->kind = SQL_S_SHOW_TABLES;
        if (accept_kw(p, "in") || accept_kw(p, "from")) EV_TRY(parse_ident(p, &s->db, NULL));
        return EV_OK;
    }
    if (accept_kw(p, "partitions")) {
        s->kind = SQL_S_SHOW_PARTITIONS;
        (void)(accept_kw(p, "from") || accept_kw(p, "in"));
        return parse_qualified(p, &s->db, &s->name, NULL);
    }
    if (accept_kw(p, "columns")) {
        s->kind = SQL_S_SHOW_COLUMNS;
        if (!accept_kw(p, "from")) EV_TRY(expect_kw(p, "in"));
        return parse_qualified(p, &s->db, &s->name, NULL);
    }
    if (accept_kw(p, "create")) {
        s->kind = SQL_S_SHOW_CREATE_TABLE;
        EV_TRY(expect_kw(p, "table"));
        return parse_qualified(p, &s->db, &s->name, NULL);
    }
    return mismatch(p, "DATABASES, SCHEMAS, TABLES, PARTITIONS, COLUMNS, CREATE");
}

static ev_status parse_statement_body(parser *p, sql_stmt *s) {
    sql_tok *t = cur(p);
    if (is_kw(t, "select") || is_kw(t, "with") || is_op(t, "(")) {
        s->kind = SQL_S_QUERY;
        return parse_query(p, &s->query);
    }
    if (!(t->kind == SQL_TK_IDENT))
        return mismatch(p, "'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'EXPLAIN', 'INSERT', 'MSCK', 'SELECT', "
                           "'SHOW', 'USE', 'WITH'");
    p->i++;
    if (!strcmp(t->text, "explain")) {
        s->kind = SQL_S_EXPLAIN;
        if (accept_kw(p, "analyze")) return sql_error_at(p->err, t->pos, "EXPLAIN ANALYZE is not supported");
        return parse_statement(p, &s->inner);
    }
    if (!strcmp(t->text, "show")) return parse_show(p, s);
    if (!strcmp(t->text, "describe") || !strcmp(t->text, "desc")) {
        s->kind = SQL_S_SHOW_COLUMNS;
        (void)accept_kw(p, "formatted");
        (void)accept_kw(p, "extended");
        return parse_qualified(p, &s->db, &s->name, NULL);
    }
    if (!strcmp(t->text, "use")) {
        s->kind = SQL_S_USE;
        return parse_ident(p, &s->name, NULL);
    }
    if (!strcmp(t->text, "create")) return parse_create(p, s);
    if (!strcmp(t->text, "insert")) return parse_insert(p, s);
    if (!strcmp(t->text, "msck")) {
        s->kind = SQL_S_MSCK_REPAIR;
        EV_TRY(expect_kw(p, "repair"));
        EV_TRY(expect_kw(p, "table"));
        return parse_qualified(p, &s->db, &s->name, NULL);
    }
    if (!strcmp(t->text, "alter")) return parse_add_partition(p, s);
    if (!strcmp(t->text, "drop")) {
        if (accept_kw(p, "table")) {
            s->kind = SQL_S_DROP_TABLE;
            EV_TRY(parse_if_exists(p, s));
            return parse_qualified(p, &s->db, &s->name, NULL);
        }
        if (accept_kw(p, "database") || accept_kw(p, "schema")) {
            s->kind = SQL_S_DROP_DATABASE;
            EV_TRY(parse_if_exists(p, s));
            EV_TRY(parse_ident(p, &s->name, NULL));
            if (accept_kw(p, "cascade"))
                s->cascade = true;
            else
                (void)accept_kw(p, "restrict");
            return EV_OK;
        }
        return mismatch(p, "TABLE, DATABASE, SCHEMA");
    }
    p->i--;
    return mismatch(p, "'ALTER', 'CREATE', 'DESCRIBE', 'DROP', 'EXPLAIN', 'INSERT', 'MSCK', 'SELECT', "
                       "'SHOW', 'USE', 'WITH'");
}

static ev_status parse_statement(parser *p, sql_stmt **out) {
    sql_stmt *s = NEW(p, sql_stmt);
    if (!s) return nomem(p);
    s->pos = cur(p)->pos;
    s->start = cur(p)->offset;
    EV_TRY(parse_statement_body(p, s));
    *out = s;
    return EV_OK;
}

static ev_status tokenize(parser *p, const char *text, size_t len) {
    sql_lexer lx;
    sql_lex_init(&lx, text, len, p->arena);
    vec v = {.size = sizeof(sql_tok)};
    for (;;) {
        sql_tok t;
        EV_TRY(sql_lex_next(&lx, &t, p->err));
        EV_TRY(vec_push(p, &v, &t));
        if (t.kind == SQL_TK_EOF) break;
    }
    p->toks = v.items;
    p->ntoks = v.n;
    return EV_OK;
}

ev_status sql_parse(const char *text, size_t len, ev_arena *arena, sql_script *out, ev_error *err) {
    parser p = {.arena = arena, .err = err};
    memset(out, 0, sizeof *out);
    EV_TRY(tokenize(&p, text, len));
    vec v = {.size = sizeof(sql_stmt *)};
    for (;;) {
        while (accept_op(&p, ";"))
            ;
        if (cur(&p)->kind == SQL_TK_EOF) break;
        sql_stmt *s;
        EV_TRY(parse_statement(&p, &s));
        const sql_tok *last = &p.toks[p.i - 1];
        s->end = last->offset + (last->kind == SQL_TK_STRING || last->kind == SQL_TK_QIDENT ? 0 : last->len);
        if (last->kind == SQL_TK_STRING || last->kind == SQL_TK_QIDENT) {
            /* quoted tokens: the end is the next token's start, trimmed */
            size_t e = cur(&p)->kind == SQL_TK_EOF ? len : cur(&p)->offset;
            while (e > s->start &&
                   (text[e - 1] == ' ' || text[e - 1] == '\n' || text[e - 1] == '\t' || text[e - 1] == '\r'))
                e--;
            s->end = e;
        }
        EV_TRY(vec_push(&p, &v, &s));
        if (cur(&p)->kind == SQL_TK_EOF) break;
        if (!accept_op(&p, ";")) return mismatch(&p, "';', <EOF>");
    }
    out->stmts = v.items;
    out->nstmts = v.n;
    return EV_OK;
}
