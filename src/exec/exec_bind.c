/*
 * exec_bind.c: binding expressions: names to columns, Trino's typing (bigint / bigint is integer
 * division, decimal literals are DOUBLE, varchar never compares with numbers), constant folding,
 * and, in aggregate queries, mapping GROUP BY expressions and aggregate calls to the columns of
 * the grouped relation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_bind.h"

static const char *const agg_names[] = {
    "count",           "sum",       "avg",       "min",      "max",     "count_if",
    "approx_distinct", "arbitrary", "any_value", "bool_and", "bool_or", "every"};

bool exec_is_agg_name(const char *name) {
    for (size_t k = 0; k < sizeof agg_names / sizeof agg_names[0]; k++)
        if (!strcmp(agg_names[k], name)) return true;
    return false;
}

bool exec_ast_has_agg(const sql_expr *e) {
    if (!e) return false;
    if (e->kind == SQL_E_FUNC && !e->over && exec_is_agg_name(e->name)) return true;
    if (e->kind == SQL_E_SUBQUERY) return false;
    if (e->operand && exec_ast_has_agg(e->operand)) return true;
    for (size_t k = 0; k < e->nargs; k++)
        if (exec_ast_has_agg(e->args[k])) return true;
    return false;
}

static exec_expr *new_x(binder *b, exec_ekind kind, sql_type type, sql_pos pos) {
    exec_expr *x = ev_arena_alloc(b->q->arena, sizeof *x);
    if (!x) return NULL;
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->type = type;
    x->pos = pos;
    return x;
}

static ev_status nomem(binder *b) {
    return ev_error_set(b->q->err, EV_ERR_NOMEM, "out of memory binding a query");
}

static ev_status set_args(binder *b, exec_expr *x, exec_expr **args, size_t n) {
    x->args = ev_arena_alloc(b->q->arena, (n ? n : 1) * sizeof *args);
    if (!x->args) return nomem(b);
    memcpy(x->args, args, n * sizeof *args);
    x->nargs = n;
    return EV_OK;
}

bool exec_expr_equal(const exec_expr *a, const exec_expr *b) {
    if (a->kind != b->kind || a->type != b->type || a->op != b->op || a->negated != b->negated ||
        a->nargs != b->nargs || a->col != b->col || a->aux != b->aux || a->try_cast != b->try_cast ||
        a->has_else != b->has_else)
        return false;
    if (a->kind == X_CONST) {
        if (a->val.null != b->val.null) return false;
        if (!a->val.null && exec_value_cmp(&a->val, &b->val) != 0) return false;
    }
    if ((a->fname || b->fname) && (!a->fname || !b->fname || strcmp(a->fname, b->fname))) return false;
    for (size_t k = 0; k < a->nargs; k++)
        if (!exec_expr_equal(a->args[k], b->args[k])) return false;
    return true;
}

void exec_fixup(exec_expr *e, size_t agg_base, size_t win_base, const int *remap) {
    if (e->kind == X_COL) {
        if (e->aux == REF_AGG)
            e->col += (int)agg_base;
        else if (e->aux == REF_WIN)
            e->col += (int)win_base;
        else if (remap)
            e->col = remap[e->col];
        e->aux = REF_PLAIN;
        return;
    }
    for (size_t k = 0; k < e->nargs; k++)
        exec_fixup(e->args[k], agg_base, win_base, remap);
}

size_t exec_conjuncts(exec_expr *e, exec_expr **out, size_t cap) {
    if (e->kind == X_AND) {
        size_t n = exec_conjuncts(e->args[0], out, cap);
        return n + exec_conjuncts(e->args[1], out + n, cap - n);
    }
    if (cap) out[0] = e;
    return 1;
}

/* ---- folding ---- */

static bool foldable(const exec_expr *x) {
    if (x->kind == X_CONST || x->kind == X_COL) return false;
    if (x->kind == X_FUNC && x->nargs == 0)
        return false; /* now(), current_date: per statement, not per bind */
    for (size_t k = 0; k < x->nargs; k++)
        if (x->args[k]->kind != X_CONST) return false;
    return true;
}

static ev_status fold(binder *b, exec_expr **xp) {
    exec_expr *x = *xp;
    if (!foldable(x)) return EV_OK;
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 4096);
    exec_eval ev = {.scratch = &scratch, .err = b->q->err, .now_usec = b->q->now_usec};
    exec_batch one = {.n = 1};
    exec_vec v;
    ev_error saved = *b->q->err;
    ev_status st = exec_eval_expr(&ev, x, &one, &v);
    if (st != EV_OK && st != EV_ERR_NOMEM) {
        /* an error is raised when (and if) the expression is evaluated: `CASE WHEN false THEN 1/0` */
        *b->q->err = saved;
        ev_arena_destroy(&scratch);
        return EV_OK;
    }
    if (st == EV_OK) {
        exec_expr *c = new_x(b, X_CONST, x->type, x->pos);
        if (!c) st = nomem(b);
        if (c) {
            exec_vec_get(&v, 0, &c->val);
            c->val.type = x->type;
            if (!c->val.null && x->type == SQL_T_VARCHAR) {
                char *s = ev_arena_strndup(b->q->arena, c->val.s.ptr, c->val.s.len);
                if (!s) st = nomem(b);
                c->val.s.ptr = s;
            }
            *xp = c;
        }
    }
    ev_arena_destroy(&scratch);
    return st;
}

/* ---- leaves ---- */

static ev_status bind_column(binder *b, const sql_expr *e, exec_expr **out) {
    const scope *sc = b->from;
    int found = -1;
    for (size_t k = 0; sc && k < sc->n; k++) {
        if (strcasecmp(sc->cols[k].name, e->name)) continue;
        if (e->qual && (!sc->cols[k].qual || strcasecmp(sc->cols[k].qual, e->qual))) continue;
        if (found >= 0) return sql_error_at(b->q->err, e->pos, "Column '%s' is ambiguous", e->name);
        found = (int)k;
    }
    if (found < 0) {
        if (e->qual)
            return sql_error_at(b->q->err, e->pos, "Column '%s.%s' cannot be resolved", e->qual, e->name);
        return sql_error_at(b->q->err, e->pos, "Column '%s' cannot be resolved", e->name);
    }
    exec_expr *x = new_x(b, X_COL, sc->cols[found].type, e->pos);
    if (!x) return nomem(b);
    x->col = found;
    *out = x;
    return EV_OK;
}

static ev_status bind_literal(binder *b, const sql_expr *e, exec_expr **out) {
    exec_expr *x = new_x(b, X_CONST, SQL_T_UNKNOWN, e->pos);
    if (!x) return nomem(b);
    switch (e->kind) {
    case SQL_E_INT:
        x->type = e->ival >= INT32_MIN && e->ival <= INT32_MAX ? SQL_T_INTEGER : SQL_T_BIGINT;
        x->val.i = e->ival;
        break;
    case SQL_E_DOUBLE:
        x->type = SQL_T_DOUBLE;
        x->val.f = e->dval;
        break;
    case SQL_E_STRING:
        x->type = SQL_T_VARCHAR;
        x->val.s = (pq_str){e->str, (uint32_t)e->len};
        break;
    case SQL_E_BOOL:
        x->type = SQL_T_BOOLEAN;
        x->val.i = e->ival;
        break;
    case SQL_E_TYPED: {
        x->type = SQL_T_VARCHAR;
        x->val.type = SQL_T_VARCHAR;
        x->val.s = (pq_str){e->str, (uint32_t)e->len};
        exec_eval ev = {.scratch = b->q->arena, .err = b->q->err};
        EV_TRY(exec_cast_value(&ev, &x->val, e->type, false, e->pos));
        x->type = e->type;
        break;
    }
    default:
        x->val.null = true;
        break;
    }
    x->val.type = x->type;
    *out = x;
    return EV_OK;
}

static ev_status coerce(binder *b, exec_expr **x, sql_type t) {
    exec_expr *c = exec_coerce(b->q->arena, *x, t);
    if (!c) return nomem(b);
    *x = c;
    return fold(b, x);
}

static const char *op_name(sql_op op) {
    static const char *const names[] = {"",   "+", "-",  "*", "/",  "%", "||", "=",
                                        "<>", "<", "<=", ">", ">=", "-", "+"};
    return names[op];
}

static ev_status cannot_apply(binder *b, const sql_expr *e, sql_type l, sql_type r) {
    return sql_error_at(b->q->err, e->pos, "Cannot apply operator: %s %s %s", sql_type_name(l),
                        op_name(e->op), sql_type_name(r));
}

/* Operands of a comparison to one type. A varchar literal meets a date or timestamp as that type. */
static ev_status unify_compare(binder *b, const sql_expr *e, exec_expr **l, exec_expr **r) {
    sql_type lt = (*l)->type, rt = (*r)->type, t;
    bool ltime = lt == SQL_T_DATE || lt == SQL_T_TIMESTAMP || lt == SQL_T_TIMESTAMPTZ;
    bool rtime = rt == SQL_T_DATE || rt == SQL_T_TIMESTAMP || rt == SQL_T_TIMESTAMPTZ;
    if (ltime && rt == SQL_T_VARCHAR && (*r)->kind == X_CONST) return coerce(b, r, lt);
    if (rtime && lt == SQL_T_VARCHAR && (*l)->kind == X_CONST) return coerce(b, l, rt);
    if (lt == SQL_T_BOOLEAN && rt == SQL_T_BOOLEAN) return EV_OK;
    if (!exec_common_type(lt, rt, &t) ||
        ((lt == SQL_T_BOOLEAN) != (rt == SQL_T_BOOLEAN) && lt != SQL_T_UNKNOWN && rt != SQL_T_UNKNOWN))
        return cannot_apply(b, e, lt, rt);
    EV_TRY(coerce(b, l, t));
    return coerce(b, r, t);
}

static ev_status need_bool(binder *b, exec_expr *x, const char *what) {
    if (x->type == SQL_T_BOOLEAN || x->type == SQL_T_UNKNOWN) return EV_OK;
    return sql_error_at(b->q->err, x->pos, "%s must evaluate to a boolean: actual type %s", what,
                        sql_type_name(x->type));
}

static ev_status bind_binary(binder *b, const sql_expr *e, exec_expr **out) {
    exec_expr *l, *r;
    EV_TRY(exec_bind_expr(b, e->args[0], &l));
    EV_TRY(exec_bind_expr(b, e->args[1], &r));
    exec_expr *x;
    if (e->op == SQL_OP_CONCAT) {
        if ((l->type != SQL_T_VARCHAR && l->type != SQL_T_UNKNOWN) ||
            (r->type != SQL_T_VARCHAR && r->type != SQL_T_UNKNOWN))
            return cannot_apply(b, e, l->type, r->type);
        EV_TRY(coerce(b, &l, SQL_T_VARCHAR));
        EV_TRY(coerce(b, &r, SQL_T_VARCHAR));
        /* a || b is concat(a, b) */
        const exec_func_def *f = exec_func_find("concat");
        x = new_x(b, X_FUNC, SQL_T_VARCHAR, e->pos);
        if (x) {
            x->fn = f->fn;
            x->fname = f->name;
        }
    } else if (e->op >= SQL_OP_EQ && e->op <= SQL_OP_GE) {
        EV_TRY(unify_compare(b, e, &l, &r));
        x = new_x(b, X_CMP, SQL_T_BOOLEAN, e->pos);
    } else {
        sql_type t;
        if (!exec_is_numeric(l->type) || !exec_is_numeric(r->type) || !exec_common_type(l->type, r->type, &t))
            return cannot_apply(b, e, l->type, r->type);
        if (t == SQL_T_UNKNOWN) t = SQL_T_INTEGER;
        EV_TRY(coerce(b, &l, t));
        EV_TRY(coerce(b, &r, t));
        x = new_x(b, X_ARITH, t, e->pos);
    }
    if (!x) return nomem(b);
    x->op = e->op;
    exec_expr *a[2] = {l, r};
    EV_TRY(set_args(b, x, a, 2));
    *out = x;
    return fold(b, out);
}

static ev_status bind_logic(binder *b, const sql_expr *e, exec_expr **out) {
    exec_expr *a[2];
    for (size_t k = 0; k < e->nargs; k++) {
        EV_TRY(exec_bind_expr(b, e->args[k], &a[k]));
        EV_TRY(need_bool(b, a[k], e->kind == SQL_E_NOT ? "NOT argument" : "Logical operand"));
    }
    exec_expr *x = new_x(b,
                         e->kind == SQL_E_AND  ? X_AND
                         : e->kind == SQL_E_OR ? X_OR
                                               : X_NOT,
                         SQL_T_BOOLEAN, e->pos);
    if (!x) return nomem(b);
    EV_TRY(set_args(b, x, a, e->nargs));
    *out = x;
    return fold(b, out);
}

static ev_status bind_in(binder *b, const sql_expr *e, exec_expr **out) {
    exec_expr **a = ev_arena_alloc(b->q->arena, e->nargs * sizeof *a);
    if (!a) return nomem(b);
    sql_type t = SQL_T_UNKNOWN;
    for (size_t k = 0; k < e->nargs; k++) {
        EV_TRY(exec_bind_expr(b, e->args[k], &a[k]));
        sql_type nt;
        if (!exec_common_type(t, a[k]->type, &nt)) {
            if (t != SQL_T_VARCHAR && a[k]->type == SQL_T_VARCHAR && a[k]->kind == X_CONST &&
                (t == SQL_T_DATE || t == SQL_T_TIMESTAMP)) {
                nt = t;
            } else {
                return sql_error_at(b->q->err, a[k]->pos, "IN value and list items must be the same type: %s",
                                    sql_type_name(a[k]->type));
            }
        }
        t = nt;
    }
    for (size_t k = 0; k < e->nargs; k++)
        EV_TRY(coerce(b, &a[k], t));
    exec_expr *x = new_x(b, X_IN, SQL_T_BOOLEAN, e->pos);
    if (!x) return nomem(b);
    x->negated = e->negated;
    x->args = a;
    x->nargs = e->nargs;
    *out = x;
    return fold(b, out);
}

static ev_status bind_between(binder *b, const sql_expr *e, exec_expr **out) {
    /* x BETWEEN lo AND hi  ==  x >= lo AND x <= hi (x bound twice: same expression, evaluated twice) */
    sql_expr ge = {.kind = SQL_E_BINARY, .pos = e->pos, .op = SQL_OP_GE};
    sql_expr le = {.kind = SQL_E_BINARY, .pos = e->pos, .op = SQL_OP_LE};
    sql_expr *ga[2] = {e->args[0], e->args[1]}, *la[2] = {e->args[0], e->args[2]};
    ge.args = ga;
    ge.nargs = 2;
    le.args = la;
    le.nargs = 2;
    exec_expr *a[2];
    EV_TRY(bind_binary(b, &ge, &a[0]));
    EV_TRY(bind_binary(b, &le, &a[1]));
    exec_expr *x = new_x(b, X_AND, SQL_T_BOOLEAN, e->pos);
    if (!x) return nomem(b);
    EV_TRY(set_args(b, x, a, 2));
    if (e->negated) {
        exec_expr *n = new_x(b, X_NOT, SQL_T_BOOLEAN, e->pos);
        if (!n) return nomem(b);
        EV_TRY(set_args(b, n, &x, 1));
        x = n;
    }
    *out = x;
    return fold(b, out);
}

static ev_status bind_like(binder *b, const sql_expr *e, exec_expr **out) {
    exec_expr *a[3];
    for (size_t k = 0; k < e->nargs; k++) {
        EV_TRY(exec_bind_expr(b, e->args[k], &a[k]));
        if (a[k]->type != SQL_T_VARCHAR && a[k]->type != SQL_T_UNKNOWN)
            return sql_error_at(b->q->err, e->pos, "Cannot apply operator: %s LIKE %s",
                                sql_type_name(a[0]->type), sql_type_name(a[k]->type));
        EV_TRY(coerce(b, &a[k], SQL_T_VARCHAR));
    }
    exec_expr *x = new_x(b, X_LIKE, SQL_T_BOOLEAN, e->pos);
    if (!x) return nomem(b);
    x->negated = e->negated;
    EV_TRY(set_args(b, x, a, e->nargs));
    *out = x;
    return fold(b, out);
}

static ev_status bind_case(binder *b, const sql_expr *e, exec_expr **out) {
    size_t pairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
    exec_expr **a = ev_arena_alloc(b->q->arena, (e->nargs + 1) * sizeof *a);
    if (!a) return nomem(b);
    sql_type t = SQL_T_UNKNOWN;
    for (size_t k = 0; k < pairs; k++) {
        if (e->operand) {
            sql_expr eq = {.kind = SQL_E_BINARY, .pos = e->args[2 * k]->pos, .op = SQL_OP_EQ};
            sql_expr *ea[2] = {e->operand, e->args[2 * k]};
            eq.args = ea;
            eq.nargs = 2;
            EV_TRY(bind_binary(b, &eq, &a[2 * k]));
        } else {
            EV_TRY(exec_bind_expr(b, e->args[2 * k], &a[2 * k]));
            EV_TRY(need_bool(b, a[2 * k], "CASE WHEN clause"));
        }
        EV_TRY(exec_bind_expr(b, e->args[2 * k + 1], &a[2 * k + 1]));
        if (!exec_common_type(t, a[2 * k + 1]->type, &t))
            return sql_error_at(b->q->err, a[2 * k + 1]->pos, "All CASE results must be the same type: %s",
                                sql_type_name(a[2 * k + 1]->type));
    }
    if (e->has_else) {
        EV_TRY(exec_bind_expr(b, e->args[e->nargs - 1], &a[e->nargs - 1]));
        if (!exec_common_type(t, a[e->nargs - 1]->type, &t))
            return sql_error_at(b->q->err, a[e->nargs - 1]->pos, "All CASE results must be the same type: %s",
                                sql_type_name(a[e->nargs - 1]->type));
    }
    for (size_t k = 0; k < pairs; k++)
        EV_TRY(coerce(b, &a[2 * k + 1], t));
    if (e->has_else) EV_TRY(coerce(b, &a[e->nargs - 1], t));
    exec_expr *x = new_x(b, X_CASE, t, e->pos);
    if (!x) return nomem(b);
    x->has_else = e->has_else;
    x->args = a;
    x->nargs = e->nargs;
    *out = x;
    return EV_OK;
}

static ev_status bind_function(binder *b, const sql_expr *e, exec_expr **out) {
    const exec_func_def *f = exec_func_find(e->name);
    if (!f) return sql_error_at(b->q->err, e->pos, "Function '%s' not registered", e->name);
    exec_expr *x = new_x(b, X_FUNC, SQL_T_UNKNOWN, e->pos);
    if (!x) return nomem(b);
    x->fn = f->fn;
    x->fname = f->name;
    if (e->distinct || e->star)
        return sql_error_at(b->q->err, e->pos, "%s is not an aggregate function", e->name);
    exec_expr **a = ev_arena_alloc(b->q->arena, (e->nargs + 1) * sizeof *a);
    if (!a) return nomem(b);
    for (size_t k = 0; k < e->nargs; k++)
        EV_TRY(exec_bind_expr(b, e->args[k], &a[k]));
    x->args = a;
    x->nargs = e->nargs;
    if ((int)e->nargs < f->min_args || (int)e->nargs > f->max_args) {
        char sig[256] = "";
        size_t o = 0;
        for (size_t k = 0; k < e->nargs && o < sizeof sig - 40; k++)
            o += (size_t)snprintf(sig + o, sizeof sig - o, "%s%s", k ? ", " : "", sql_type_name(a[k]->type));
        return sql_error_at(b->q->err, e->pos, "Unexpected parameters (%s) for function %s", sig, e->name);
    }
    EV_TRY(exec_func_bind(x, b->q->arena, b->q->err));
    *out = x;
    return fold(b, out);
}

static ev_status bind_subquery(binder *b, const sql_expr *e, exec_expr **out) {
    exec_table t;
    EV_TRY(exec_run_query(b->q, e->subquery, b->ctes, &t));
    ev_status st = EV_OK;
    if (t.ncols != 1)
        st = sql_error_at(b->q->err, e->pos, "Multiple columns returned by subquery are not supported");
    else if (t.n > 1)
        st = sql_error_at(b->q->err, e->pos, "Scalar sub-query has returned multiple rows");
    exec_expr *x = st == EV_OK ? new_x(b, X_CONST, t.ncols ? t.cols[0].type : SQL_T_UNKNOWN, e->pos) : NULL;
    if (st == EV_OK && !x) st = nomem(b);
    if (st == EV_OK) {
        x->val = (exec_value){.type = x->type, .null = true};
        if (t.n == 1) {
            exec_vec_get(&t.cols[0], 0, &x->val);
            if (!x->val.null && x->type == SQL_T_VARCHAR) {
                char *s = ev_arena_strndup(b->q->arena, x->val.s.ptr, x->val.s.len);
                if (!s) st = nomem(b);
                x->val.s.ptr = s;
            }
        }
        *out = x;
    }
    exec_table_free(&t);
    return st;
}

/* ---- aggregates and windows ---- */

static ev_status add_agg(binder *b, const exec_agg_spec *sp, size_t *idx) {
    for (size_t k = 0; k < b->naggs; k++) {
        const exec_agg_spec *o = &b->aggs[k];
        if (o->kind == sp->kind &&
            ((!o->arg && !sp->arg) || (o->arg && sp->arg && exec_expr_equal(o->arg, sp->arg)))) {
            *idx = k;
            return EV_OK;
        }
    }
    if (b->naggs == b->cap_aggs) {
        size_t nc = b->cap_aggs ? b->cap_aggs * 2 : 8;
        exec_agg_spec *na = ev_arena_alloc(b->q->arena, nc * sizeof *na);
        if (!na) return nomem(b);
        if (b->naggs) memcpy(na, b->aggs, b->naggs * sizeof *na);
        b->aggs = na;
        b->cap_aggs = nc;
    }
    b->aggs[b->naggs] = *sp;
    *idx = b->naggs++;
    return EV_OK;
}

static ev_status bind_aggregate(binder *b, const sql_expr *e, exec_expr **out) {
    if (!b->allow_agg)
        return sql_error_at(b->q->err, e->pos, "Aggregate functions are not allowed here: %s", e->name);
    /* arguments are bound over the input rows, where aggregates cannot nest */
    binder inner = *b;
    inner.post = false;
    inner.allow_agg = false;
    inner.allow_window = false;
    exec_agg_spec sp = {0};
    const char *n = e->name;
    if (e->star || (!strcmp(n, "count") && e->nargs == 0)) {
        sp.kind = EXEC_AGG_COUNT_STAR;
        sp.out_type = SQL_T_BIGINT;
    } else {
        if (e->nargs != 1)
            return sql_error_at(b->q->err, e->pos, "Unexpected parameters for function %s: %zu arguments", n,
                                e->nargs);
        EV_TRY(exec_bind_expr(&inner, e->args[0], &sp.arg));
        sql_type t = sp.arg->type;
        if (!strcmp(n, "count")) {
            sp.kind = e->distinct ? EXEC_AGG_COUNT_DISTINCT : EXEC_AGG_COUNT;
            sp.out_type = SQL_T_BIGINT;
        } else if (!strcmp(n, "approx_distinct")) {
            sp.kind = EXEC_AGG_COUNT_DISTINCT;
            sp.out_type = SQL_T_BIGINT;
        } else if (!strcmp(n, "count_if")) {
            if (t != SQL_T_BOOLEAN && t != SQL_T_UNKNOWN)
                return sql_error_at(
                    b->q->err, e->pos,
                    "Unexpected parameters (%s) for function count_if. Expected: count_if(boolean)",
                    sql_type_name(t));
            sp.kind = EXEC_AGG_COUNT_IF;
            sp.out_type = SQL_T_BIGINT;
        } else if (!strcmp(n, "sum") || !strcmp(n, "avg")) {
            if (!exec_is_numeric(t))
                return sql_error_at(b->q->err, e->pos, "Unexpected parameters (%s) for function %s",
                                    sql_type_name(t), n);
            if (e->distinct) return sql_error_at(b->q->err, e->pos, "%s(DISTINCT ...) is not supported", n);
            sp.kind = n[0] == 's' ? EXEC_AGG_SUM : EXEC_AGG_AVG;
            sp.out_type = sp.kind == EXEC_AGG_AVG || t == SQL_T_DOUBLE ? SQL_T_DOUBLE : SQL_T_BIGINT;
        } else if (!strcmp(n, "min") || !strcmp(n, "max")) {
            sp.kind = n[1] == 'i' ? EXEC_AGG_MIN : EXEC_AGG_MAX;
            sp.out_type = t;
        } else if (!strcmp(n, "arbitrary") || !strcmp(n, "any_value")) {
            sp.kind = EXEC_AGG_ARBITRARY;
            sp.out_type = t;
        } else {
            if (t != SQL_T_BOOLEAN && t != SQL_T_UNKNOWN)
                return sql_error_at(b->q->err, e->pos, "Unexpected parameters (%s) for function %s",
                                    sql_type_name(t), n);
            sp.kind = !strcmp(n, "bool_or") ? EXEC_AGG_BOOL_OR : EXEC_AGG_BOOL_AND;
            sp.out_type = SQL_T_BOOLEAN;
        }
        if (e->distinct && sp.kind != EXEC_AGG_COUNT_DISTINCT && sp.kind != EXEC_AGG_MIN &&
            sp.kind != EXEC_AGG_MAX)
            return sql_error_at(b->q->err, e->pos, "%s(DISTINCT ...) is not supported", n);
    }
    size_t idx = 0;
    EV_TRY(add_agg(b, &sp, &idx));
    exec_expr *x = new_x(b, X_COL, sp.out_type, e->pos);
    if (!x) return nomem(b);
    x->col = (int)idx;
    x->aux = REF_AGG;
    *out = x;
    return EV_OK;
}

static const char *const window_only[] = {"row_number",  "rank",       "dense_rank",   "lag",       "lead",
                                          "first_value", "last_value", "percent_rank", "cume_dist", "ntile"};

static bool is_window_only(const char *n) {
    for (size_t k = 0; k < sizeof window_only / sizeof window_only[0]; k++)
        if (!strcmp(window_only[k], n)) return true;
    return false;
}

static ev_status bind_window(binder *b, const sql_expr *e, exec_expr **out) {
    if (!b->allow_window) return sql_error_at(b->q->err, e->pos, "Window functions are not allowed here");
    const char *n = e->name;
    if (!is_window_only(n) && !exec_is_agg_name(n)) {
        if (!exec_func_find(n)) return sql_error_at(b->q->err, e->pos, "Function '%s' not registered", n);
        return sql_error_at(b->q->err, e->pos, "Not a window function: %s", n);
    }
    if (!strcmp(n, "percent_rank") || !strcmp(n, "cume_dist") || !strcmp(n, "ntile"))
        return sql_error_at(b->q->err, e->pos, "Window function %s is not supported", n);
    win_entry w = {.fname = n};
    binder inner = *b;
    inner.allow_window = false;
    for (size_t k = 0; k < e->nargs && k < 3; k++)
        EV_TRY(exec_bind_expr(&inner, e->args[k], &w.args[k]));
    w.nargs = e->nargs > 3 ? 3 : e->nargs;
    const sql_window *sw = e->over;
    w.npart = sw->npartition;
    w.part = ev_arena_alloc(b->q->arena, (w.npart + 1) * sizeof *w.part);
    w.nord = sw->norder;
    w.ord = ev_arena_alloc(b->q->arena, (w.nord + 1) * sizeof *w.ord);
    w.desc = ev_arena_alloc(b->q->arena, w.nord + 1);
    w.nulls_first = ev_arena_alloc(b->q->arena, (w.nord + 1) * sizeof(int));
    if (!w.part || !w.ord || !w.desc || !w.nulls_first) return nomem(b);
    for (size_t k = 0; k < w.npart; k++)
        EV_TRY(exec_bind_expr(&inner, sw->partition[k], &w.part[k]));
    for (size_t k = 0; k < w.nord; k++) {
        EV_TRY(exec_bind_expr(&inner, sw->order[k].expr, &w.ord[k]));
        w.desc[k] = sw->order[k].desc;
        w.nulls_first[k] = sw->order[k].nulls == 1;
    }
    /* aggregates met in the window's arguments, partitions or order (SUM(COUNT(*)) OVER ()) were
     * registered on the copy: they are the query's aggregates too */
    b->aggs = inner.aggs;
    b->naggs = inner.naggs;
    b->cap_aggs = inner.cap_aggs;
    w.has_frame = sw->has_frame;
    w.frame_rows = sw->frame_rows;
    w.frame_start = sw->frame_start;
    w.frame_end = sw->frame_end;
    sql_type t0 = w.nargs ? w.args[0]->type : SQL_T_UNKNOWN;
    if (!strcmp(n, "row_number") || !strcmp(n, "rank") || !strcmp(n, "dense_rank") || !strcmp(n, "count") ||
        !strcmp(n, "count_if") || !strcmp(n, "approx_distinct"))
        w.type = SQL_T_BIGINT;
    else if (!strcmp(n, "avg"))
        w.type = SQL_T_DOUBLE;
    else if (!strcmp(n, "sum"))
        w.type = t0 == SQL_T_DOUBLE ? SQL_T_DOUBLE : SQL_T_BIGINT;
    else
        w.type = t0;
    if ((!strcmp(n, "sum") || !strcmp(n, "avg")) && !exec_is_numeric(t0))
        return sql_error_at(b->q->err, e->pos, "Unexpected parameters (%s) for function %s",
                            sql_type_name(t0), n);
    if ((!strcmp(n, "lag") || !strcmp(n, "lead")) && w.nargs > 2) EV_TRY(coerce(b, &w.args[2], t0));
    if (e->distinct) return sql_error_at(b->q->err, e->pos, "DISTINCT in window functions is not supported");
    if (b->nwins == b->cap_wins) {
        size_t nc = b->cap_wins ? b->cap_wins * 2 : 4;
        win_entry *nw = ev_arena_alloc(b->q->arena, nc * sizeof *nw);
        if (!nw) return nomem(b);
        if (b->nwins) memcpy(nw, b->wins, b->nwins * sizeof *nw);
        b->wins = nw;
        b->cap_wins = nc;
    }
    b->wins[b->nwins] = w;
    exec_expr *x = new_x(b, X_COL, w.type, e->pos);
    if (!x) return nomem(b);
    x->col = (int)b->nwins++;
    x->aux = REF_WIN;
    *out = x;
    return EV_OK;
}

/* ---- the dispatcher ---- */

static ev_status bind_generic(binder *b, const sql_expr *e, exec_expr **out) {
    switch (e->kind) {
    case SQL_E_INT:
    case SQL_E_DOUBLE:
    case SQL_E_STRING:
    case SQL_E_BOOL:
    case SQL_E_NULL:
    case SQL_E_TYPED:
        return bind_literal(b, e, out);
    case SQL_E_COLUMN:
        return bind_column(b, e, out);
    case SQL_E_STAR:
        return sql_error_at(b->q->err, e->pos, "'*' is only allowed in the SELECT list and COUNT(*)");
    case SQL_E_UNARY: {
        exec_expr *a;
        EV_TRY(exec_bind_expr(b, e->args[0], &a));
        if (!exec_is_numeric(a->type))
            return sql_error_at(b->q->err, e->pos, "Cannot negate %s", sql_type_name(a->type));
        if (e->op == SQL_OP_PLUS) {
            *out = a;
            return EV_OK;
        }
        exec_expr *x = new_x(b, X_NEG, a->type == SQL_T_UNKNOWN ? SQL_T_INTEGER : a->type, e->pos);
        if (!x) return nomem(b);
        EV_TRY(coerce(b, &a, x->type));
        EV_TRY(set_args(b, x, &a, 1));
        *out = x;
        return fold(b, out);
    }
    case SQL_E_BINARY:
        return bind_binary(b, e, out);
    case SQL_E_AND:
    case SQL_E_OR:
    case SQL_E_NOT:
        return bind_logic(b, e, out);
    case SQL_E_IS_NULL: {
        exec_expr *a;
        EV_TRY(exec_bind_expr(b, e->args[0], &a));
        exec_expr *x = new_x(b, X_ISNULL, SQL_T_BOOLEAN, e->pos);
        if (!x) return nomem(b);
        x->negated = e->negated;
        EV_TRY(set_args(b, x, &a, 1));
        *out = x;
        return fold(b, out);
    }
    case SQL_E_IN:
        return bind_in(b, e, out);
    case SQL_E_BETWEEN:
        return bind_between(b, e, out);
    case SQL_E_LIKE:
        return bind_like(b, e, out);
    case SQL_E_CASE:
        return bind_case(b, e, out);
    case SQL_E_CAST: {
        exec_expr *a;
        EV_TRY(exec_bind_expr(b, e->args[0], &a));
        exec_expr *x = new_x(b, X_CAST, e->type, e->pos);
        if (!x) return nomem(b);
        x->try_cast = e->try_cast;
        EV_TRY(set_args(b, x, &a, 1));
        *out = x;
        return fold(b, out);
    }
    case SQL_E_FUNC:
        if (e->over) return bind_window(b, e, out);
        if (exec_is_agg_name(e->name)) return bind_aggregate(b, e, out);
        if (is_window_only(e->name))
            return sql_error_at(b->q->err, e->pos, "Window function %s requires an OVER clause", e->name);
        return bind_function(b, e, out);
    case SQL_E_SUBQUERY:
        return bind_subquery(b, e, out);
    }
    return sql_error_at(b->q->err, e->pos, "unsupported expression");
}

ev_status exec_bind_expr(binder *b, const sql_expr *e, exec_expr **out) {
    bool literal = e->kind == SQL_E_INT || e->kind == SQL_E_DOUBLE || e->kind == SQL_E_STRING ||
                   e->kind == SQL_E_BOOL || e->kind == SQL_E_NULL || e->kind == SQL_E_TYPED;
    if (!b->post || literal || (e->kind == SQL_E_FUNC && (e->over || exec_is_agg_name(e->name))))
        return bind_generic(b, e, out);
    /* In an aggregate query, a sub-expression equal to a GROUP BY key is that key's column. */
    if (!exec_ast_has_agg(e) && e->kind != SQL_E_SUBQUERY) {
        binder plain = *b;
        plain.post = false;
        plain.allow_agg = false;
        plain.allow_window = false;
        ev_error saved = *b->q->err;
        exec_expr *x;
        ev_status st = bind_generic(&plain, e, &x);
        if (st == EV_OK) {
            for (size_t k = 0; k < b->nkeys; k++) {
                if (exec_expr_equal(x, b->keys[k])) {
                    exec_expr *c = new_x(b, X_COL, x->type, e->pos);
                    if (!c) return nomem(b);
                    c->col = (int)k;
                    *out = c;
                    return EV_OK;
                }
            }
            if (x->kind == X_CONST) {
                *out = x;
                return EV_OK;
            }
        }
        /* an expression without aggregates that cannot be bound over the input rows (an unknown
         * function, a type error) is wrong whatever the grouping: that error comes first, as in
         * Trino, not a "must appear in GROUP BY" about one of its columns */
        if (st != EV_OK) return st;
        if (e->kind == SQL_E_COLUMN) {
            if (e->qual)
                return sql_error_at(b->q->err, e->pos,
                                    "'%s.%s' must be an aggregate expression or appear in GROUP BY clause",
                                    e->qual, e->name);
            return sql_error_at(b->q->err, e->pos,
                                "'%s' must be an aggregate expression or appear in GROUP BY clause", e->name);
        }
        *b->q->err = saved;
    }
    return bind_generic(b, e, out);
}
