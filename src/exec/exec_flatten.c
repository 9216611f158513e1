/*
 * exec_flatten.c: a derived table or WITH query that only picks, computes and filters columns of
 * one table is merged into the query that reads it, so that the scan streams through both:
 *
 *     SELECT event_type, COUNT(*) FROM (SELECT * FROM events WHERE price > 100) p GROUP BY 1
 *  => SELECT event_type, COUNT(*) FROM events WHERE price > 100 GROUP BY 1
 *
 * Materializing the inner query first holds every row it keeps (17 M purchases of the 24-hour lake:
 * gigabytes, past the memory limit) before the outer query sees one. The rewrite is on the syntax
 * tree, before binding: the outer query's references to the inner query's columns become the
 * inner expressions, its WHERE is ANDed with the inner WHERE, and its FROM becomes the inner FROM.
 * Anything the rewrite cannot carry over exactly (aggregates, DISTINCT, LIMIT, windows, subqueries,
 * names it cannot resolve, joins) keeps the query as written, materialized as before, so that
 * its results and error messages stay those of the query as written.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec_bind.h"
#include "exec_int.h"

/* The inner query's columns as the outer query sees them. */
typedef struct inner_cols {
    const sql_select *sel;
    const char *alias;  /* the derived table's (or WITH query's) name */
    const char **names; /* per item; NULL for a star */
    bool star;          /* SELECT * (the table's columns pass through by name) */
    exec_query *q;
} inner_cols;

bool exec_ast_has_window_or_subquery(const sql_expr *e) {
    if (!e) return false;
    if ((e->kind == SQL_E_FUNC && e->over) || e->kind == SQL_E_SUBQUERY) return true;
    if (exec_ast_has_window_or_subquery(e->operand)) return true;
    for (size_t k = 0; k < e->nargs; k++)
        if (exec_ast_has_window_or_subquery(e->args[k])) return true;
    return false;
}

static sql_expr *copy_node(exec_query *q, const sql_expr *e) {
    sql_expr *c = ev_arena_alloc(q->arena, sizeof *c);
    if (c) *c = *e;
    return c;
}

/* The inner expression a column reference of the outer query stands for; NULL when the
 * reference is not to the inner query or is ambiguous (the rewrite is then abandoned). */
static const sql_expr *resolve(const inner_cols *in, const sql_expr *col) {
    if (col->qual && strcasecmp(col->qual, in->alias)) return NULL;
    const sql_expr *found = NULL;
    for (size_t k = 0; k < in->sel->nitems; k++) {
        if (!in->names[k] || strcasecmp(in->names[k], col->name)) continue;
        if (found) return NULL; /* two inner columns of that name */
        found = in->sel->items[k].expr;
    }
    if (found) return found;
    if (!in->star) return NULL;
    /* a column of the table, passed through by the inner star */
    sql_expr *c = copy_node(in->q, col);
    if (c) c->qual = NULL;
    return c;
}

/* e with every reference to the inner query's columns replaced; *ok false if one cannot be. */
static sql_expr *subst(const inner_cols *in, sql_expr *e, bool *ok) {
    if (!e || !*ok) return e;
    if (e->kind == SQL_E_SUBQUERY || (e->kind == SQL_E_FUNC && e->over) || e->kind == SQL_E_STAR) {
        *ok = false;
        return e;
    }
    if (e->kind == SQL_E_COLUMN) {
        const sql_expr *r = resolve(in, e);
        if (!r) *ok = false;
        return (sql_expr *)r;
    }
    sql_expr *operand = subst(in, e->operand, ok);
    sql_expr **args = e->args;
    for (size_t k = 0; k < e->nargs && *ok; k++) {
        sql_expr *a = subst(in, e->args[k], ok);
        if (a == e->args[k]) continue;
        if (args == e->args) {
            args = ev_arena_alloc(in->q->arena, e->nargs * sizeof *args);
            if (!args) {
                *ok = false;
                return e;
            }
            memcpy(args, e->args, e->nargs * sizeof *args);
        }
        args[k] = a;
    }
    if (!*ok || (operand == e->operand && args == e->args)) return e;
    sql_expr *c = copy_node(in->q, e);
    if (!c) {
        *ok = false;
        return e;
    }
    c->operand = operand;
    c->args = args;
    return c;
}

/* The inner query when it can be merged: one SELECT over one table (not a WITH query), no
 * DISTINCT, grouping, aggregates, windows, subqueries, ORDER BY or LIMIT. */
static const sql_select *mergeable(const sql_query *iq, cte_env *ctes) {
    if (!iq || iq->nctes || iq->norder || iq->limit >= 0 || !iq->body || iq->body->kind != SQL_BODY_SELECT)
        return NULL;
    const sql_select *is = iq->body->select;
    if (!is || is->distinct || is->ngroup_by || is->having || !is->from || is->from->kind != SQL_FROM_TABLE)
        return NULL;
    /* a name the outer WITH list would resolve differently: leave it */
    for (cte_env *c = ctes; c && !is->from->db; c = c->next)
        if (!strcasecmp(c->cte->name, is->from->name)) return NULL;
    if (exec_ast_has_window_or_subquery(is->where)) return NULL;
    for (size_t k = 0; k < is->nitems; k++) {
        const sql_expr *e = is->items[k].expr;
        if (e->kind == SQL_E_STAR) {
            if (e->qual && strcasecmp(e->qual, is->from->alias ? is->from->alias : is->from->name)) return NULL;
            continue;
        }
        if (exec_ast_has_agg(e) || exec_ast_has_window_or_subquery(e)) return NULL;
    }
    return is;
}

static bool inner_names(exec_query *q, const sql_select *is, const sql_cte *cte, inner_cols *in) {
    in->names = ev_arena_alloc(q->arena, (is->nitems + 1) * sizeof *in->names);
    if (!in->names) return false;
    if (cte && cte->ncolumns && cte->ncolumns != is->nitems) return false;
    for (size_t k = 0; k < is->nitems; k++) {
        const sql_select_item *it = &is->items[k];
        if (it->expr->kind == SQL_E_STAR) {
            if (cte && cte->ncolumns) return false; /* a column list over a star: counted at run time */
            in->star = true;
            in->names[k] = NULL;
            continue;
        }
        const char *name = cte && cte->ncolumns ? cte->columns[k]
                           : it->alias                    ? it->alias
                           : it->expr->kind == SQL_E_COLUMN ? it->expr->name
                                                            : NULL;
        if (!name) {
            char *buf = ev_arena_alloc(q->arena, 24);
            if (!buf) return false;
            snprintf(buf, 24, "_col%zu", k);
            name = buf;
        }
        in->names[k] = name;
    }
    return true;
}

/* The outer select list with stars expanded to the inner columns and references replaced; a bare
 * column reference keeps its name as the output's. */
static bool outer_items(const inner_cols *in, const sql_select *s, sql_select *out) {
    exec_query *q = in->q;
    size_t cap = s->nitems + in->sel->nitems + 1, n = 0;
    sql_select_item *items = ev_arena_alloc(q->arena, cap * sizeof *items);
    if (!items) return false;
    for (size_t k = 0; k < s->nitems; k++) {
        const sql_select_item *it = &s->items[k];
        if (it->expr->kind == SQL_E_STAR) {
            if (it->expr->qual && strcasecmp(it->expr->qual, in->alias)) return false;
            for (size_t j = 0; j < in->sel->nitems; j++) {
                if (n + 1 >= cap) return false;
                const sql_select_item *ii = &in->sel->items[j];
                if (!in->names[j]) {
                    sql_expr *star = copy_node(q, ii->expr);
                    if (!star) return false;
                    star->qual = NULL;
                    items[n++] = (sql_select_item){.expr = star};
                } else {
                    items[n++] = (sql_select_item){.expr = ii->expr, .alias = in->names[j]};
                }
            }
            continue;
        }
        bool ok = true;
        sql_expr *e = subst(in, it->expr, &ok);
        if (!ok || n + 1 >= cap) return false;
        const char *alias = it->alias;
        if (!alias && it->expr->kind == SQL_E_COLUMN) alias = it->expr->name;
        items[n++] = (sql_select_item){.expr = e, .alias = alias, .alias_pos = it->alias_pos};
    }
    out->items = items;
    out->nitems = n;
    return true;
}

static bool is_output_name(const sql_select *s, const char *name) {
    for (size_t k = 0; k < s->nitems; k++) {
        const sql_select_item *it = &s->items[k];
        const char *n = it->alias ? it->alias : it->expr->kind == SQL_E_COLUMN ? it->expr->name : NULL;
        if (n && !strcasecmp(n, name)) return true;
    }
    return false;
}

const sql_select *exec_flatten_from(exec_query *q, const sql_select *s, cte_env *ctes, const sql_order_item **order,
                                    size_t norder, sql_select *out, const sql_select **inner) {
    *inner = NULL;
    const sql_from *f = s->from;
    if (!f) return s;
    const sql_query *iq = NULL;
    const sql_cte *cte = NULL;
    if (f->kind == SQL_FROM_SUBQUERY) {
        iq = f->subquery;
    } else if (f->kind == SQL_FROM_TABLE && !f->db) {
        for (cte_env *c = ctes; c; c = c->next)
            if (!strcasecmp(c->cte->name, f->name)) {
                cte = c->cte;
                iq = cte->query;
                ctes = c->next; /* the names the WITH query itself sees */
                break;
            }
    }
    const sql_select *is = iq ? mergeable(iq, ctes) : NULL;
    if (!is) return s;
    inner_cols in = {.sel = is, .alias = f->alias ? f->alias : (f->name ? f->name : ""), .q = q};
    if (!inner_names(q, is, cte, &in)) return s;
    for (size_t k = 0; k < s->nitems; k++)
        if (exec_ast_has_window_or_subquery(s->items[k].expr)) return s;
    if (exec_ast_has_window_or_subquery(s->where) || exec_ast_has_window_or_subquery(s->having)) return s;
    sql_select m = *s;
    if (!outer_items(&in, s, &m)) return s;
    bool ok = true;
    sql_expr *w = subst(&in, s->where, &ok);
    if (ok && w && is->where) {
        sql_expr *and = ev_arena_alloc(q->arena, sizeof *and);
        sql_expr **args = ev_arena_alloc(q->arena, 2 * sizeof *args);
        if (!and || !args) return s;
        memset(and, 0, sizeof *and);
        and->kind = SQL_E_AND;
        and->pos = w->pos;
        args[0] = is->where;
        args[1] = w;
        and->args = args;
        and->nargs = 2;
        w = and;
    } else if (ok && !w) {
        w = is->where;
    }
    m.where = w;
    if (s->ngroup_by) {
        m.group_by = ev_arena_alloc(q->arena, s->ngroup_by * sizeof *m.group_by);
        if (!m.group_by) return s;
        for (size_t k = 0; k < s->ngroup_by && ok; k++) {
            if (s->group_by[k]->kind == SQL_E_INT) {
                m.group_by[k] = s->group_by[k];
                continue;
            }
            m.group_by[k] = subst(&in, s->group_by[k], &ok);
            /* an integer there would read as a position of the select list */
            if (ok && m.group_by[k]->kind == SQL_E_INT) ok = false;
        }
    }
    m.having = subst(&in, s->having, &ok);
    sql_order_item *o = NULL;
    if (norder) {
        o = ev_arena_alloc(q->arena, norder * sizeof *o);
        if (!o) return s;
        for (size_t k = 0; k < norder && ok; k++) {
            o[k] = (*order)[k];
            const sql_expr *e = o[k].expr;
            /* output names and positions are the outer query's own */
            if (e->kind == SQL_E_INT || (e->kind == SQL_E_COLUMN && !e->qual && is_output_name(s, e->name)))
                continue;
            if (exec_ast_has_window_or_subquery(e)) ok = false;
            o[k].expr = subst(&in, o[k].expr, &ok);
            if (ok && o[k].expr->kind == SQL_E_INT) ok = false; /* would read as a position */
        }
    }
    if (!ok) return s;
    m.from = is->from;
    *out = m;
    if (norder) *order = o;
    *inner = is;
    return out;
}
