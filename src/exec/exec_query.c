/*
 * exec_query.c: running a query. A SELECT block binds its FROM (a table scan, or materialized
 * subqueries and joins), then streams batches through WHERE into either a hash aggregation or a
 * collector, on every core when it reads a table. What follows (HAVING, window functions, the
 * projection, DISTINCT, ORDER BY, LIMIT) works on the materialized relation R, which after
 * aggregation is small.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_write.h"

#define MAX_CONJ 64

typedef struct source {
    scope sc;
    exec_table table; /* materialized source (owned) */
    bool has_table;
    cat_table *ct; /* a catalog table to scan (single-table FROM) */
} source;

static ev_status nomem(exec_query *q) {
    return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory running a query");
}

static ev_status scope_from_table(exec_query *q, const exec_table *t, const char *qual, scope *sc) {
    sc->n = t->ncols;
    sc->cols = ev_arena_alloc(q->arena, (t->ncols + 1) * sizeof *sc->cols);
    if (!sc->cols) return nomem(q);
    for (size_t c = 0; c < t->ncols; c++) {
        /* names outlive the table (a join frees its inputs) */
        char *name = ev_arena_strndup(q->arena, t->names[c], strlen(t->names[c]));
        if (!name) return nomem(q);
        sc->cols[c] = (scope_col){qual, name, t->cols[c].type};
    }
    return EV_OK;
}

/* ---- column needs: which table columns a SELECT block mentions ---- */

typedef struct name_set {
    const char **names;
    size_t n, cap;
    bool star;
} name_set;

static void names_add(exec_query *q, name_set *ns, const char *name) {
    for (size_t k = 0; k < ns->n; k++)
        if (!strcasecmp(ns->names[k], name)) return;
    if (ns->n == ns->cap) {
        size_t nc = ns->cap ? ns->cap * 2 : 16;
        const char **nn = ev_arena_alloc(q->arena, nc * sizeof *nn);
        if (!nn) return;
        if (ns->n) memcpy(nn, ns->names, ns->n * sizeof *nn);
        ns->names = nn;
        ns->cap = nc;
    }
    ns->names[ns->n++] = name;
}

static void names_of_expr(exec_query *q, const sql_expr *e, name_set *ns);

static void names_of_from(exec_query *q, const sql_from *f, name_set *ns) {
    if (!f) return;
    if (f->kind == SQL_FROM_JOIN) {
        names_of_from(q, f->left, ns);
        names_of_from(q, f->right, ns);
        if (f->on) names_of_expr(q, f->on, ns);
        for (size_t k = 0; k < f->nusing; k++)
            names_add(q, ns, f->using_cols[k]);
    }
}

static void names_of_expr(exec_query *q, const sql_expr *e, name_set *ns) {
    if (!e) return;
    if (e->kind == SQL_E_COLUMN) names_add(q, ns, e->name);
    if (e->kind == SQL_E_STAR) ns->star = true;
    /* a nested query (SQL_E_SUBQUERY) reads its own tables: its names are not this block's */
    if (e->operand) names_of_expr(q, e->operand, ns);
    for (size_t k = 0; k < e->nargs; k++)
        names_of_expr(q, e->args[k], ns);
    if (e->over) {
        for (size_t k = 0; k < e->over->npartition; k++)
            names_of_expr(q, e->over->partition[k], ns);
        for (size_t k = 0; k < e->over->norder; k++)
            names_of_expr(q, e->over->order[k].expr, ns);
    }
}

static void names_of_select(exec_query *q, const sql_select *s, name_set *ns) {
    for (size_t k = 0; k < s->nitems; k++)
        names_of_expr(q, s->items[k].expr, ns);
    names_of_from(q, s->from, ns);
    names_of_expr(q, s->where, ns);
    for (size_t k = 0; k < s->ngroup_by; k++)
        names_of_expr(q, s->group_by[k], ns);
    names_of_expr(q, s->having, ns);
}

/* ---- FROM ---- */

static ev_status run_from(exec_query *q, const sql_from *f, cte_env *ctes, const name_set *ns, bool want_scan,
                          source *src);

static cte_env *find_cte(cte_env *env, const char *name) {
    for (; env; env = env->next)
        if (!strcasecmp(env->cte->name, name)) return env;
    return NULL;
}

static sql_type *types_of(exec_query *q, const exec_table *t) {
    sql_type *types = ev_arena_alloc(q->arena, (t->ncols + 1) * sizeof *types);
    for (size_t c = 0; types && c < t->ncols; c++)
        types[c] = t->cols[c].type;
    return types;
}

static ev_status table_copy(exec_query *q, const exec_table *from, exec_table *to) {
    sql_type *types = types_of(q, from);
    if (!types) return nomem(q);
    EV_TRY(exec_table_init(to, from->ncols, from->names, types, q->err));
    return exec_table_append_table(to, from, NULL, 0, &q->budget, q->err);
}

static ev_status scan_all(exec_query *q, cat_table *ct, const name_set *ns, exec_table *out);

static ev_status open_catalog_table(exec_query *q, const sql_from *f, cat_table **out) {
    const char *db = f->db ? f->db : q->s->database;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, f->name, q->arena, out, &e2);
    if (st == EV_ERR_NOT_FOUND)
        return sql_error_at(q->err, f->pos, "Table '%s.%s' does not exist", db, f->name);
    if (st != EV_OK) *q->err = e2;
    return st;
}

static ev_status from_table(exec_query *q, const sql_from *f, cte_env *ctes, const name_set *ns,
                            bool want_scan, source *src) {
    const char *qual = f->alias ? f->alias : f->name;
    cte_env *c = f->db ? NULL : find_cte(ctes, f->name);
    if (c) {
        if (!c->result) {
            c->result = calloc(1, sizeof *c->result);
            if (!c->result) return nomem(q);
            EV_TRY(exec_run_query(q, c->cte->query, c->next, c->result));
            if (c->cte->ncolumns) {
                if (c->cte->ncolumns != c->result->ncols)
                    return sql_error_at(
                        q->err, c->cte->pos,
                        "WITH column alias list has %zu entries but WITH query has %zu columns",
                        c->cte->ncolumns, c->result->ncols);
                for (size_t k = 0; k < c->cte->ncolumns; k++) {
                    free(c->result->names[k]);
                    c->result->names[k] = strdup(c->cte->columns[k]);
                }
            }
        }
        EV_TRY(table_copy(q, c->result, &src->table));
        src->has_table = true;
        return scope_from_table(q, &src->table, qual, &src->sc);
    }
    cat_table *ct;
    EV_TRY(open_catalog_table(q, f, &ct));
    src->sc.n = ct->ncolumns;
    src->sc.cols = ev_arena_alloc(q->arena, (ct->ncolumns + 1) * sizeof *src->sc.cols);
    if (!src->sc.cols) return nomem(q);
    for (size_t k = 0; k < ct->ncolumns; k++) {
        sql_type t;
        if (!sql_type_parse(ct->columns[k].type, &t)) t = SQL_T_VARCHAR;
        src->sc.cols[k] = (scope_col){qual, ct->columns[k].name, t};
    }
    if (want_scan) {
        src->ct = ct;
        return EV_OK;
    }
    EV_TRY(scan_all(q, ct, ns, &src->table));
    src->has_table = true;
    return EV_OK;
}

/* ---- joins ---- */

static bool refs_within(const exec_expr *e, size_t lo, size_t hi) {
    if (e->kind == X_COL) return (size_t)e->col >= lo && (size_t)e->col < hi;
    for (size_t k = 0; k < e->nargs; k++)
        if (!refs_within(e->args[k], lo, hi)) return false;
    return true;
}

typedef struct join_ctx {
    exec_query *q;
    const exec_table *l, *r;
    exec_expr *on;
    exec_expr *lkeys[MAX_CONJ], *rkeys[MAX_CONJ];
    size_t nkeys;
    exec_table *out;
    uint8_t *r_matched;
} join_ctx;

/* Emits candidate pairs in batches: evaluates ON over the combined rows and keeps matches. */
static ev_status join_pairs(join_ctx *j, exec_eval *ev, const uint32_t *li, const uint32_t *ri, size_t n,
                            uint8_t *l_matched) {
    size_t nl = j->l->ncols, nr = j->r->ncols;
    exec_batch b = {.n = n, .ncols = nl + nr};
    b.cols = exec_scratch(ev, (nl + nr) * sizeof *b.cols);
    if (!b.cols) return EV_ERR_NOMEM;
    for (size_t c = 0; c < nl + nr; c++) {
        const exec_vec *src = c < nl ? &j->l->cols[c] : &j->r->cols[c - nl];
        const uint32_t *idx = c < nl ? li : ri;
        EV_TRY(exec_vec_alloc(ev, src->type, n, true, &b.cols[c]));
        size_t w = exec_type_size(src->type);
        for (size_t k = 0; k < n; k++) {
            memcpy((char *)b.cols[c].p + k * w, (char *)src->p + (size_t)idx[k] * w, w);
            b.cols[c].nulls[k] = src->nulls ? src->nulls[idx[k]] : 0;
        }
    }
    uint32_t *sel = exec_scratch(ev, n * sizeof *sel);
    if (!sel) return EV_ERR_NOMEM;
    size_t ns = n;
    if (j->on)
        EV_TRY(exec_eval_filter(ev, j->on, &b, sel, &ns));
    else
        for (size_t k = 0; k < n; k++)
            sel[k] = (uint32_t)k;
    for (size_t k = 0; k < ns; k++) {
        if (l_matched) l_matched[li[sel[k]]] = 1;
        if (j->r_matched) j->r_matched[ri[sel[k]]] = 1;
    }
    return exec_table_append(j->out, &b, sel, ns, &j->q->budget, j->q->err);
}

static ev_status eval_column_full(exec_query *q, const exec_table *t, exec_expr *e, exec_table *tmp);

/* A deep copy, so remapping a join key's columns leaves the ON clause it came from intact. */
static exec_expr *expr_copy(ev_arena *a, const exec_expr *e) {
    exec_expr *c = ev_arena_alloc(a, sizeof *c);
    exec_expr **args = ev_arena_alloc(a, (e->nargs + 1) * sizeof *args);
    if (!c || !args) return NULL;
    *c = *e;
    c->args = args;
    for (size_t k = 0; k < e->nargs; k++)
        if (!(args[k] = expr_copy(a, e->args[k]))) return NULL;
    return c;
}

static bool row_has_null(const exec_table *t, size_t row) {
    for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].nulls && t->cols[c].nulls[row]) return true;
    return false;
}

static ev_status run_join(exec_query *q, const sql_from *f, source *l, source *r, source *out) {
    out->sc.n = l->sc.n + r->sc.n;
    out->sc.cols = ev_arena_alloc(q->arena, (out->sc.n + 1) * sizeof *out->sc.cols);
    if (!out->sc.cols) return nomem(q);
    memcpy(out->sc.cols, l->sc.cols, l->sc.n * sizeof *out->sc.cols);
    memcpy(out->sc.cols + l->sc.n, r->sc.cols, r->sc.n * sizeof *out->sc.cols);
    sql_join_kind kind = f->join;
    join_ctx j = {.q = q, .l = &l->table, .r = &r->table};
    binder b = {.q = q, .from = &out->sc};
    if (f->on) {
        EV_TRY(exec_bind_expr(&b, f->on, &j.on));
        if (j.on->type != SQL_T_BOOLEAN && j.on->type != SQL_T_UNKNOWN)
            return sql_error_at(q->err, f->on->pos,
                                "JOIN ON clause must evaluate to a boolean: actual type %s",
                                sql_type_name(j.on->type));
    } else if (f->nusing) {
        for (size_t k = 0; k < f->nusing; k++) {
            sql_expr lc = {
                .kind = SQL_E_COLUMN, .pos = f->pos, .name = f->using_cols[k], .qual = l->sc.cols[0].qual};
            sql_expr rc = {
                .kind = SQL_E_COLUMN, .pos = f->pos, .name = f->using_cols[k], .qual = r->sc.cols[0].qual};
            sql_expr *args[2] = {&lc, &rc};
            sql_expr eq = {.kind = SQL_E_BINARY, .op = SQL_OP_EQ, .pos = f->pos, .args = args, .nargs = 2};
            exec_expr *x;
            EV_TRY(exec_bind_expr(&b, &eq, &x));
            if (!j.on) {
                j.on = x;
            } else {
                exec_expr *a = ev_arena_alloc(q->arena, sizeof *a);
                exec_expr **aa = ev_arena_alloc(q->arena, 2 * sizeof *aa);
                if (!a || !aa) return nomem(q);
                *a = (exec_expr){.kind = X_AND, .type = SQL_T_BOOLEAN, .args = aa, .nargs = 2};
                aa[0] = j.on;
                aa[1] = x;
                j.on = a;
            }
        }
    }
    sql_type *types = ev_arena_alloc(q->arena, (out->sc.n + 1) * sizeof *types);
    char **names = ev_arena_alloc(q->arena, (out->sc.n + 1) * sizeof *names);
    if (!types || !names) return nomem(q);
    for (size_t c = 0; c < out->sc.n; c++) {
        types[c] = out->sc.cols[c].type;
        names[c] = (char *)out->sc.cols[c].name;
    }
    EV_TRY(exec_table_init(&out->table, out->sc.n, names, types, q->err));
    out->has_table = true;
    j.out = &out->table;
    /* equi-join keys: conjuncts `left_expr = right_expr` */
    exec_expr *conj[MAX_CONJ];
    size_t nc = j.on ? exec_conjuncts(j.on, conj, MAX_CONJ) : 0;
    size_t nl = l->sc.n;
    for (size_t k = 0; k < nc && k < MAX_CONJ && j.nkeys < MAX_CONJ; k++) {
        exec_expr *e = conj[k];
        if (e->kind != X_CMP || e->op != SQL_OP_EQ) continue;
        exec_expr *a = e->args[0], *c = e->args[1];
        if (refs_within(a, 0, nl) && refs_within(c, nl, out->sc.n)) {
            j.lkeys[j.nkeys] = a;
            j.rkeys[j.nkeys++] = c;
        } else if (refs_within(c, 0, nl) && refs_within(a, nl, out->sc.n)) {
            j.lkeys[j.nkeys] = c;
            j.rkeys[j.nkeys++] = a;
        }
    }
    size_t ln = l->table.n, rn = r->table.n;
    uint8_t *l_matched = calloc(ln + 1, 1);
    j.r_matched = calloc(rn + 1, 1);
    uint32_t *li = malloc(EXEC_BATCH * sizeof *li), *ri = malloc(EXEC_BATCH * sizeof *ri);
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 256 << 10);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    ev_status st = (l_matched && j.r_matched && li && ri) ? EV_OK : nomem(q);
    /* hash the right side's keys (evaluated over the combined layout: right columns after left) */
    exec_table lk = {0}, rk = {0};
    uint64_t *rh = NULL;
    uint32_t *head = NULL, *next = NULL;
    size_t hcap = 1;
    if (st == EV_OK && j.nkeys) {
        /* key values of every row, as tables of nkeys columns */
        for (size_t k = 0; k < j.nkeys && st == EV_OK; k++) {
            sql_type t;
            if (!exec_common_type(j.lkeys[k]->type, j.rkeys[k]->type, &t)) t = j.lkeys[k]->type;
            j.lkeys[k] = exec_coerce(q->arena, j.lkeys[k], t);
            exec_expr *rcopy = expr_copy(q->arena, j.rkeys[k]);
            j.rkeys[k] = rcopy ? exec_coerce(q->arena, rcopy, t) : NULL;
            if (!j.lkeys[k] || !j.rkeys[k]) {
                st = nomem(q);
                break;
            }
        }
        /* right keys reference the combined layout (columns nl..): shift them onto the right table */
        int *remap = st == EV_OK ? ev_arena_alloc(q->arena, (out->sc.n + 1) * sizeof(int)) : NULL;
        if (st == EV_OK && !remap) st = nomem(q);
        for (size_t c = 0; remap && c < out->sc.n; c++)
            remap[c] = c >= nl ? (int)(c - nl) : 0;
        for (size_t k = 0; remap && k < j.nkeys; k++)
            exec_fixup(j.rkeys[k], 0, 0, remap);
        if (st == EV_OK) st = eval_column_full(q, &l->table, NULL, &lk); /* init */
        for (size_t k = 0; k < j.nkeys && st == EV_OK; k++)
            st = eval_column_full(q, &l->table, j.lkeys[k], &lk);
        st = st == EV_OK ? eval_column_full(q, &r->table, NULL, &rk) : st;
        for (size_t k = 0; k < j.nkeys && st == EV_OK; k++)
            st = eval_column_full(q, &r->table, j.rkeys[k], &rk);
        while (hcap < rn * 2)
            hcap *= 2;
        rh = malloc((rn + 1) * sizeof *rh);
        head = malloc(hcap * sizeof *head);
        next = malloc((rn + 1) * sizeof *next);
        if (st == EV_OK && (!rh || !head || !next)) st = nomem(q);
        if (st == EV_OK) {
            memset(head, 0xff, hcap * sizeof *head);
            for (size_t r2 = 0; r2 < rn; r2++) {
                uint64_t h = exec_hash_row(rk.cols, j.nkeys, r2);
                rh[r2] = h;
                if (row_has_null(&rk, r2)) continue; /* NULL keys never match */
                size_t p = h & (hcap - 1);
                next[r2] = head[p];
                head[p] = (uint32_t)r2;
            }
        }
    }
    size_t np = 0;
    for (size_t a = 0; a < ln && st == EV_OK; a++) {
        if (j.nkeys) {
            if (row_has_null(&lk, a)) continue;
            uint64_t h = exec_hash_row(lk.cols, j.nkeys, a);
            for (uint32_t c = head[h & (hcap - 1)]; c != UINT32_MAX && st == EV_OK; c = next[c]) {
                if (rh[c] != h) continue;
                bool eq = true;
                for (size_t k = 0; k < j.nkeys && eq; k++)
                    eq = exec_eq_rows(&lk.cols[k], a, &rk.cols[k], c);
                if (!eq) continue;
                li[np] = (uint32_t)a;
                ri[np++] = c;
                if (np == EXEC_BATCH) {
                    ev_arena_reset(&scratch);
                    st = join_pairs(&j, &ev, li, ri, np, l_matched);
                    np = 0;
                }
            }
        } else {
            for (size_t c = 0; c < rn && st == EV_OK; c++) {
                li[np] = (uint32_t)a;
                ri[np++] = (uint32_t)c;
                if (np == EXEC_BATCH) {
                    ev_arena_reset(&scratch);
                    st = join_pairs(&j, &ev, li, ri, np, l_matched);
                    np = 0;
                }
            }
        }
    }
    if (st == EV_OK && np) {
        ev_arena_reset(&scratch);
        st = join_pairs(&j, &ev, li, ri, np, l_matched);
    }
    /* outer rows: NULL-extended */
    for (int side = 0; side < 2 && st == EV_OK; side++) {
        bool want = side == 0 ? (kind == SQL_JOIN_LEFT || kind == SQL_JOIN_FULL)
                              : (kind == SQL_JOIN_RIGHT || kind == SQL_JOIN_FULL);
        if (!want) continue;
        const exec_table *t = side == 0 ? &l->table : &r->table;
        const uint8_t *m = side == 0 ? l_matched : j.r_matched;
        for (size_t a = 0; a < t->n && st == EV_OK; a++) {
            if (m[a]) continue;
            st = exec_table_reserve(&out->table, 1, &q->budget, q->err);
            size_t row = out->table.n;
            for (size_t c = 0; c < out->sc.n && st == EV_OK; c++) {
                bool mine = side == 0 ? c < nl : c >= nl;
                exec_vec *d = &out->table.cols[c];
                if (!mine) {
                    d->nulls[row] = 1;
                    if (d->type == SQL_T_VARCHAR)
                        d->s[row] = (pq_str){"", 0};
                    else
                        d->i[row] = 0;
                    continue;
                }
                exec_value v;
                exec_vec_get(&t->cols[side == 0 ? c : c - nl], a, &v);
                if (!v.null && v.type == SQL_T_VARCHAR) {
                    char *p = v.s.len ? ev_arena_alloc(&out->table.strings, v.s.len) : (char *)"";
                    if (!p)
                        st = nomem(q);
                    else if (v.s.len)
                        memcpy(p, v.s.ptr, v.s.len);
                    v.s.ptr = p;
                }
                exec_vec_set(d, row, &v);
            }
            out->table.n++;
        }
    }
    exec_table_free(&lk);
    exec_table_free(&rk);
    free(rh);
    free(head);
    free(next);
    free(l_matched);
    free(j.r_matched);
    free(li);
    free(ri);
    ev_arena_destroy(&scratch);
    return st;
}

static void source_free(source *s) {
    if (s->has_table) exec_table_free(&s->table);
    s->has_table = false;
}

static ev_status run_from(exec_query *q, const sql_from *f, cte_env *ctes, const name_set *ns, bool want_scan,
                          source *src) {
    memset(src, 0, sizeof *src);
    switch (f->kind) {
    case SQL_FROM_TABLE:
        return from_table(q, f, ctes, ns, want_scan, src);
    case SQL_FROM_SUBQUERY:
        EV_TRY(exec_run_query(q, f->subquery, ctes, &src->table));
        src->has_table = true;
        return scope_from_table(q, &src->table, f->alias, &src->sc);
    case SQL_FROM_JOIN: {
        source l, r;
        EV_TRY(run_from(q, f->left, ctes, ns, false, &l));
        ev_status st = run_from(q, f->right, ctes, ns, false, &r);
        if (st == EV_OK) st = run_join(q, f, &l, &r, src);
        source_free(&l);
        source_free(&r);
        return st;
    }
    }
    return EV_OK;
}

/* ---- evaluating over whole tables ---- */

/* Appends a column holding e evaluated over every row of t to tmp (initializes tmp when e is NULL). */
static ev_status eval_column_full(exec_query *q, const exec_table *t, exec_expr *e, exec_table *tmp) {
    if (!e) return exec_table_init(tmp, 0, NULL, NULL, q->err);
    size_t n = t->n;
    exec_vec *d;
    EV_TRY(exec_table_add_column(tmp, e->type, n, &d, q->err));
    EV_TRY(exec_budget_take(&q->budget, n * (exec_type_size(e->type) + 1), q->err));
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 256 << 10);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    exec_vec *tc = calloc(t->ncols + 1, sizeof *tc);
    ev_status st = tc ? EV_OK : nomem(q);
    for (size_t off = 0; off < n && st == EV_OK; off += EXEC_BATCH) {
        size_t m = n - off < EXEC_BATCH ? n - off : EXEC_BATCH;
        exec_batch b;
        exec_table_slice(t, off, m, &b, tc);
        ev_arena_reset(&scratch);
        exec_vec v;
        st = exec_eval_expr(&ev, e, &b, &v);
        exec_value val;
        for (size_t r = 0; r < m && st == EV_OK; r++) {
            exec_vec_get(&v, r, &val);
            if (!val.null && val.type == SQL_T_VARCHAR) {
                char *p = val.s.len ? ev_arena_alloc(&tmp->strings, val.s.len) : (char *)"";
                if (!p)
                    st = nomem(q);
                else if (val.s.len)
                    memcpy(p, val.s.ptr, val.s.len);
                val.s.ptr = p;
            }
            val.type = e->type;
            exec_vec_set(d, off + r, &val);
            d->nulls[off + r] = val.null;
        }
    }
    tmp->n = n;
    tmp->cap = n;
    free(tc);
    ev_arena_destroy(&scratch);
    return st;
}

/* ---- sorting ---- */

typedef struct sort_key {
    const exec_vec *v;
    bool desc;
    bool nulls_first;
} sort_key;

typedef struct sort_ctx {
    const sort_key *keys;
    size_t nkeys;
} sort_ctx;

static int sort_cmp(const void *a, const void *b, void *arg) {
    const sort_ctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    for (size_t k = 0; k < c->nkeys; k++) {
        const sort_key *sk = &c->keys[k];
        bool xn = sk->v->type == SQL_T_UNKNOWN || (sk->v->nulls && sk->v->nulls[x]);
        bool yn = sk->v->type == SQL_T_UNKNOWN || (sk->v->nulls && sk->v->nulls[y]);
        if (xn || yn) {
            if (xn == yn) continue;
            return (xn ? 1 : -1) * (sk->nulls_first ? -1 : 1);
        }
        int r = exec_cmp_rows(sk->v, x, sk->v, y);
        if (r) return sk->desc ? -r : r;
    }
    return x < y ? -1 : x > y; /* stable */
}

/* Row x of keys a against row y of keys b (the same ORDER BY over other vectors). */
static int key_cmp(const sort_key *a, size_t x, const sort_key *b, size_t y, size_t nkeys) {
    for (size_t k = 0; k < nkeys; k++) {
        bool xn = a[k].v->type == SQL_T_UNKNOWN || (a[k].v->nulls && a[k].v->nulls[x]);
        bool yn = b[k].v->type == SQL_T_UNKNOWN || (b[k].v->nulls && b[k].v->nulls[y]);
        if (xn || yn) {
            if (xn == yn) continue;
            return (xn ? 1 : -1) * (a[k].nulls_first ? -1 : 1);
        }
        int r = exec_cmp_rows(a[k].v, x, b[k].v, y);
        if (r) return a[k].desc ? -r : r;
    }
    return 0;
}

static void sort_rows(uint32_t *rows, size_t n, const sort_key *keys, size_t nkeys) {
    sort_ctx c = {keys, nkeys};
    qsort_r(rows, n, sizeof *rows, sort_cmp, &c);
}

/* ---- windows ---- */

static ev_status compute_window(exec_query *q, exec_table *R, const win_entry *w, size_t out_col) {
    exec_table tmp;
    EV_TRY(eval_column_full(q, R, NULL, &tmp));
    ev_status st = EV_OK;
    for (size_t k = 0; k < w->npart && st == EV_OK; k++)
        st = eval_column_full(q, R, w->part[k], &tmp);
    for (size_t k = 0; k < w->nord && st == EV_OK; k++)
        st = eval_column_full(q, R, w->ord[k], &tmp);
    for (size_t k = 0; k < w->nargs && st == EV_OK; k++)
        st = eval_column_full(q, R, w->args[k], &tmp);
    size_t n = R->n;
    uint32_t *rows = malloc((n + 1) * sizeof *rows);
    sort_key *keys = calloc(w->npart + w->nord + 1, sizeof *keys);
    if (st == EV_OK && (!rows || !keys)) st = nomem(q);
    if (st != EV_OK) {
        free(rows);
        free(keys);
        exec_table_free(&tmp);
        return st;
    }
    for (size_t r = 0; r < n; r++)
        rows[r] = (uint32_t)r;
    for (size_t k = 0; k < w->npart; k++)
        keys[k] = (sort_key){&tmp.cols[k], false, false};
    for (size_t k = 0; k < w->nord; k++)
        keys[w->npart + k] = (sort_key){&tmp.cols[w->npart + k], w->desc[k], w->nulls_first[k] != 0};
    sort_rows(rows, n, keys, w->npart + w->nord);
    exec_vec *dst = &R->cols[out_col];
    const exec_vec *arg = w->nargs ? &tmp.cols[w->npart + w->nord] : NULL;
    const char *f = w->fname;
    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;
        while (end < n) {
            bool same = true;
            for (size_t k = 0; k < w->npart && same; k++)
                same = exec_eq_rows(&tmp.cols[k], rows[start], &tmp.cols[k], rows[end]);
            if (!same) break;
            end++;
        }
        /* one partition: rows[start..end) in window order */
        int64_t rank = 1, dense = 1;
        bool whole = w->nord == 0 || (w->has_frame && w->frame_start == -1 && w->frame_end == 1);
        double fsum = 0;
        int64_t isum = 0, cnt = 0;
        exec_value best = {.null = true};
        size_t peer_end = start;
        for (size_t i = start; i < end; i++) {
            uint32_t row = rows[i];
            exec_value out = {.type = w->type};
            bool new_peer = i == start;
            if (i > start) {
                for (size_t k = 0; k < w->nord && !new_peer; k++)
                    new_peer =
                        !exec_eq_rows(&tmp.cols[w->npart + k], rows[i - 1], &tmp.cols[w->npart + k], row);
                if (new_peer) {
                    rank = (int64_t)(i - start) + 1;
                    dense++;
                }
            }
            if (!strcmp(f, "row_number"))
                out.i = (int64_t)(i - start) + 1;
            else if (!strcmp(f, "rank"))
                out.i = rank;
            else if (!strcmp(f, "dense_rank"))
                out.i = dense;
            else if (!strcmp(f, "lag") || !strcmp(f, "lead")) {
                int64_t off = 1;
                if (w->nargs > 1) {
                    exec_value o;
                    exec_vec_get(&tmp.cols[w->npart + w->nord + 1], row, &o);
                    off = o.null ? 1 : o.i;
                }
                int64_t at = (int64_t)i + (f[1] == 'a' ? -off : off);
                if (at >= (int64_t)start && at < (int64_t)end)
                    exec_vec_get(arg, rows[at], &out);
                else if (w->nargs > 2)
                    exec_vec_get(&tmp.cols[w->npart + w->nord + 2], row, &out);
                else
                    out.null = true;
            } else if (!strcmp(f, "first_value") || !strcmp(f, "last_value")) {
                size_t at = f[0] == 'f' ? start : (whole ? end - 1 : i);
                exec_vec_get(arg, rows[at], &out);
            } else {
                /* an aggregate over the frame: whole partition, or running up to the current row
                 * (with its peers unless ROWS) */
                size_t upto;
                if (whole) {
                    upto = end;
                } else if (w->has_frame && w->frame_rows) {
                    upto = i + 1;
                } else {
                    if (new_peer) {
                        peer_end = i + 1;
                        while (peer_end < end) {
                            bool same = true;
                            for (size_t k = 0; k < w->nord && same; k++)
                                same = exec_eq_rows(&tmp.cols[w->npart + k], row, &tmp.cols[w->npart + k],
                                                    rows[peer_end]);
                            if (!same) break;
                            peer_end++;
                        }
                    }
                    upto = peer_end;
                }
                /* accumulate rows up to `upto` (running state carries over within a partition) */
                for (; cnt >= 0 && (size_t)(start + (size_t)cnt) < upto; cnt++) {
                    uint32_t rr = rows[start + (size_t)cnt];
                    exec_value v = {.null = false};
                    if (arg) exec_vec_get(arg, rr, &v);
                    if (!strcmp(f, "count")) {
                        if (!arg || !v.null) isum++;
                    } else if (!strcmp(f, "count_if")) {
                        if (!v.null && v.i) isum++;
                    } else if (!v.null) {
                        if (!strcmp(f, "sum") || !strcmp(f, "avg")) {
                            if (v.type == SQL_T_DOUBLE)
                                fsum += v.f;
                            else
                                isum += v.i;
                            best.null = false;
                            best.i++; /* non-null count */
                        } else if (!strcmp(f, "min") || !strcmp(f, "max")) {
                            if (best.null || (exec_value_cmp(&v, &best) < 0) == (f[1] == 'i')) best = v;
                        }
                    }
                }
                if (!strcmp(f, "count") || !strcmp(f, "count_if"))
                    out.i = isum;
                else if (!strcmp(f, "sum")) {
                    out.null = best.null;
                    if (w->type == SQL_T_DOUBLE)
                        out.f = fsum;
                    else
                        out.i = isum;
                } else if (!strcmp(f, "avg")) {
                    out.null = best.null;
                    out.f =
                        best.null ? 0 : (arg->type == SQL_T_DOUBLE ? fsum : (double)isum) / (double)best.i;
                } else {
                    out = best;
                }
            }
            out.type = w->type;
            if (!out.null && out.type == SQL_T_VARCHAR) {
                char *p = out.s.len ? ev_arena_alloc(&R->strings, out.s.len) : (char *)"";
                if (!p) {
                    st = nomem(q);
                    break;
                }
                if (out.s.len) memcpy(p, out.s.ptr, out.s.len);
                out.s.ptr = p;
            }
            exec_vec_set(dst, row, &out);
            dst->nulls[row] = out.null;
        }
        start = end;
    }
    free(rows);
    free(keys);
    exec_table_free(&tmp);
    return st;
}

/* ---- the SELECT block ---- */

typedef struct pipeline {
    exec_query *q;
    exec_expr *where;
    bool agg;
    exec_agg **aggs;
    exec_table *collect; /* per worker */
    int *proj;           /* collected columns: indices into the from scope */
    size_t nproj;
    int64_t limit_hint; /* stop once this many rows are collected; -1: all */
    _Atomic int64_t collected;
    /* ORDER BY ... LIMIT topn: each worker keeps its first topn rows by the keys, not every row */
    int64_t topn; /* -1: no */
    exec_expr **topn_keys;
    bool *topn_desc, *topn_nulls_first;
    size_t topn_nkeys;
    exec_table *topn_cut; /* per worker: the keys of its last kept row once it has pruned (n 1) */
} pipeline;

/* Bytes exec_table_reserve took from the budget for t's columns. */
static size_t table_budget(const exec_table *t) {
    size_t per_row = 0;
    for (size_t c = 0; c < t->ncols; c++)
        per_row += exec_type_size(t->cols[c].type) + 1;
    return t->cap * per_row;
}

static void table_release(exec_query *q, exec_table *t) {
    exec_budget_give(&q->budget, table_budget(t));
    exec_table_free(t);
}

/* Cuts a worker's collected rows to its first topn by the ORDER BY keys: a top-N as the scan goes,
 * so ORDER BY x LIMIT 10 over the 24-hour lake holds thousands of rows, not 172 M. */
static ev_status topn_prune(pipeline *p, int worker, exec_eval *ev) {
    exec_query *q = p->q;
    exec_table *t = &p->collect[worker];
    size_t nk = p->topn_nkeys;
    sql_type *kt = exec_scratch(ev, (nk + 1) * sizeof *kt);
    exec_vec *cols = exec_scratch(ev, (t->ncols + 1) * sizeof *cols);
    exec_vec *kv = exec_scratch(ev, (nk + 1) * sizeof *kv);
    sort_key *keys = exec_scratch(ev, (nk + 1) * sizeof *keys);
    if (!kt || !cols || !kv || !keys) return EV_ERR_NOMEM;
    for (size_t k = 0; k < nk; k++)
        kt[k] = p->topn_keys[k]->type;
    exec_table K, kept;
    EV_TRY(exec_table_init(&K, nk, NULL, kt, ev->err));
    ev_status st = EV_OK;
    for (size_t off = 0; off < t->n && st == EV_OK; off += EXEC_BATCH) {
        size_t m = t->n - off < EXEC_BATCH ? t->n - off : EXEC_BATCH;
        exec_batch sb;
        exec_table_slice(t, off, m, &sb, cols);
        for (size_t k = 0; k < nk && st == EV_OK; k++)
            st = exec_eval_expr(ev, p->topn_keys[k], &sb, &kv[k]);
        exec_batch kb = {.n = m, .ncols = nk, .cols = kv};
        if (st == EV_OK) st = exec_table_append(&K, &kb, NULL, m, &q->budget, ev->err);
    }
    uint32_t *rows = st == EV_OK ? malloc((t->n + 1) * sizeof *rows) : NULL;
    if (st == EV_OK && !rows) st = ev_error_set(ev->err, EV_ERR_NOMEM, "out of memory sorting");
    if (st == EV_OK) {
        for (size_t r = 0; r < t->n; r++)
            rows[r] = (uint32_t)r;
        for (size_t k = 0; k < nk; k++)
            keys[k] = (sort_key){&K.cols[k], p->topn_desc[k], p->topn_nulls_first[k]};
        sort_rows(rows, t->n, keys, nk);
        sql_type *types = exec_scratch(ev, (t->ncols + 1) * sizeof *types);
        if (!types) st = EV_ERR_NOMEM;
        for (size_t c = 0; types && c < t->ncols; c++)
            types[c] = t->cols[c].type;
        if (st == EV_OK) st = exec_table_init(&kept, t->ncols, t->names, types, ev->err);
        size_t keep = t->n < (size_t)p->topn ? t->n : (size_t)p->topn;
        if (st == EV_OK) st = exec_table_append_table(&kept, t, rows, keep, &q->budget, ev->err);
        if (st == EV_OK) {
            table_release(q, t);
            *t = kept;
        }
        /* rows that sort after the last kept one cannot make the first topn any more */
        exec_table *cut = &p->topn_cut[worker];
        if (st == EV_OK && keep == (size_t)p->topn && keep > 0) {
            table_release(q, cut);
            st = exec_table_init(cut, nk, NULL, kt, ev->err);
            if (st == EV_OK) st = exec_table_append_table(cut, &K, &rows[keep - 1], 1, &q->budget, ev->err);
        }
    }
    free(rows);
    table_release(q, &K);
    return st;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The rows of *sel (all of b when NULL) that sort before the worker's cutoff row; for a small
 * LIMIT only the first topn of those (data in the order of the key, the newest first: every
 * batch beats the cutoff, and copying it whole to sort it later was most of the work). */
static ev_status topn_filter(pipeline *p, int worker, exec_eval *ev, const exec_batch *b, const uint32_t **sel,
                             size_t *ns) {
    size_t nk = p->topn_nkeys;
    exec_vec *kv = exec_scratch(ev, (nk + 1) * sizeof *kv);
    sort_key *bk = exec_scratch(ev, (nk + 1) * sizeof *bk), *ck = exec_scratch(ev, (nk + 1) * sizeof *ck);
    uint32_t *keep = exec_scratch(ev, (b->n + 1) * sizeof *keep);
    if (!kv || !bk || !ck || !keep) return EV_ERR_NOMEM;
    const exec_table *cut = &p->topn_cut[worker];
    for (size_t k = 0; k < nk; k++) {
        EV_TRY(exec_eval_expr(ev, p->topn_keys[k], b, &kv[k]));
        EV_TRY(exec_vec_plain(ev, &kv[k], b->n));
        bk[k] = (sort_key){&kv[k], p->topn_desc[k], p->topn_nulls_first[k]};
        ck[k] = (sort_key){&cut->cols[k], p->topn_desc[k], p->topn_nulls_first[k]};
    }
    size_t m = 0, n = *sel ? *ns : b->n, top = (size_t)p->topn;
    for (size_t j = 0; j < n; j++) {
        uint32_t r = *sel ? (*sel)[j] : (uint32_t)j;
        if (key_cmp(bk, r, ck, 0, nk) >= 0) continue;
        if (top > 64) {
            keep[m++] = r;
            continue;
        }
        /* a small LIMIT: the batch's own first topn, kept sorted by the keys */
        if (m == top) {
            if (key_cmp(bk, r, bk, keep[m - 1], nk) >= 0) continue;
            m--;
        }
        keep[m++] = r;
        for (size_t i = m - 1; i > 0 && key_cmp(bk, keep[i], bk, keep[i - 1], nk) < 0; i--) {
            uint32_t t = keep[i];
            keep[i] = keep[i - 1];
            keep[i - 1] = t;
        }
    }
    /* kept rows go on in the batch's order (the selection must ascend) */
    if (top <= 64) qsort(keep, m, sizeof *keep, cmp_u32);
    *sel = keep;
    *ns = m;
    return EV_OK;
}

static ev_status pipeline_sink(void *ctx, int worker, exec_eval *ev, const exec_batch *b) {
    pipeline *p = ctx;
    /* the workgroup's limit cancels the scan as soon as a file takes it over */
    if (exec_over_scan_limit(p->q)) return exec_scan_limit_exceeded(p->q, ev->err);
    if (!b) return p->agg ? exec_agg_flush(p->aggs[worker], &p->q->budget, ev->err) : EV_OK;
    const uint32_t *sel = NULL;
    size_t ns = b->n;
    if (b->filtered) {
        sel = b->sel;
        ns = b->sel ? b->nsel : b->n;
    } else if (p->where) {
        uint32_t *fsel = exec_scratch(ev, (b->n ? b->n : 1) * sizeof *fsel);
        if (!fsel) return EV_ERR_NOMEM;
        EV_TRY(exec_eval_filter(ev, p->where, b, fsel, &ns));
        sel = fsel;
    }
    if (!ns) return EV_OK;
    if (p->agg) {
        /* few rows left: aggregate a compacted batch rather than compute every argument on all */
        if (sel && ns * 4 < b->n) {
            exec_batch cb;
            EV_TRY(exec_batch_select(ev, b, sel, ns, &cb));
            return exec_agg_add(p->aggs[worker], ev, &cb, NULL, 0, &p->q->budget);
        }
        return exec_agg_add(p->aggs[worker], ev, b, sel, ns, &p->q->budget);
    }
    exec_batch pb = {.n = b->n, .ncols = p->nproj};
    pb.cols = exec_scratch(ev, (p->nproj + 1) * sizeof *pb.cols);
    if (!pb.cols) return EV_ERR_NOMEM;
    for (size_t k = 0; k < p->nproj; k++)
        pb.cols[k] = b->cols[p->proj[k]];
    if (p->topn >= 0 && p->topn_cut && p->topn_cut[worker].n == 1) {
        /* the rows that can still make the first topn, taken out (still coded) before the rest
         * of the batch is turned into values */
        EV_TRY(topn_filter(p, worker, ev, &pb, &sel, &ns));
        if (!ns) return EV_OK;
        exec_batch cb;
        EV_TRY(exec_batch_select(ev, &pb, sel, ns, &cb));
        pb = cb;
        sel = NULL;
    }
    for (size_t k = 0; k < p->nproj; k++)
        EV_TRY(exec_vec_plain(ev, &pb.cols[k], pb.n));
    EV_TRY(exec_table_append(&p->collect[worker], &pb, sel, ns, &p->q->budget, ev->err));
    if (p->topn >= 0 && p->topn_cut && p->collect[worker].n >= (size_t)p->topn * 2 + 4096)
        EV_TRY(topn_prune(p, worker, ev));
    if (p->limit_hint >= 0 && atomic_fetch_add(&p->collected, (int64_t)ns) + (int64_t)ns >= p->limit_hint)
        return EV_ERR_CANCELLED;
    return EV_OK;
}

static void mark_cols(const exec_expr *e, bool *used) {
    if (e->kind == X_COL && e->aux == REF_PLAIN) used[e->col] = true;
    for (size_t k = 0; k < e->nargs; k++)
        mark_cols(e->args[k], used);
}

static ev_status scan_all(exec_query *q, cat_table *ct, const name_set *ns, exec_table *out) {
    bool *needed = ev_arena_alloc(q->arena, ct->ncolumns + 1);
    if (!needed) return nomem(q);
    for (size_t c = 0; c < ct->ncolumns; c++) {
        needed[c] = ns->star;
        for (size_t k = 0; k < ns->n && !needed[c]; k++)
            needed[c] = !strcasecmp(ns->names[k], ct->columns[c].name);
    }
    exec_scan *sc;
    EV_TRY(exec_scan_open(q, ct, needed, &sc));
    int threads = q->threads;
    pipeline p = {.q = q, .limit_hint = -1, .topn = -1};
    p.nproj = ct->ncolumns;
    p.proj = ev_arena_alloc(q->arena, (p.nproj + 1) * sizeof(int));
    p.collect = calloc((size_t)threads, sizeof *p.collect);
    sql_type *types = ev_arena_alloc(q->arena, (p.nproj + 1) * sizeof *types);
    char **names = ev_arena_alloc(q->arena, (p.nproj + 1) * sizeof *names);
    ev_status st = (p.proj && p.collect && types && names) ? EV_OK : nomem(q);
    for (size_t c = 0; st == EV_OK && c < p.nproj; c++) {
        p.proj[c] = (int)c;
        if (!sql_type_parse(ct->columns[c].type, &types[c])) types[c] = SQL_T_VARCHAR;
        names[c] = (char *)ct->columns[c].name;
    }
    for (int t = 0; t < threads && st == EV_OK; t++)
        st = exec_table_init(&p.collect[t], p.nproj, names, types, q->err);
    if (st == EV_OK && q->explain) exec_scan_explain(sc, q->explain_out);
    if (st == EV_OK && !q->explain) st = exec_scan_run(q, sc, threads, pipeline_sink, &p);
    if (st == EV_OK) st = exec_table_init(out, p.nproj, names, types, q->err);
    for (int t = 0; t < threads && st == EV_OK; t++)
        st = exec_table_append_table(out, &p.collect[t], NULL, 0, &q->budget, q->err);
    for (int t = 0; p.collect && t < threads; t++)
        exec_table_free(&p.collect[t]);
    free(p.collect);
    exec_scan_close(sc);
    return st;
}

typedef struct out_col {
    exec_expr *expr;
    const char *name;
} out_col;

/* Expands the select list (stars) and binds it. */
static ev_status bind_select_list(binder *b, const sql_select *s, out_col **outs, size_t *nout) {
    exec_query *q = b->q;
    size_t cap = 16, n = 0;
    out_col *o = ev_arena_alloc(q->arena, cap * sizeof *o);
    if (!o) return nomem(q);
    for (size_t k = 0; k < s->nitems; k++) {
        const sql_select_item *it = &s->items[k];
        if (it->expr->kind == SQL_E_STAR) {
            if (b->post)
                return sql_error_at(q->err, it->expr->pos,
                                    "SELECT * is not allowed with GROUP BY or aggregates");
            bool any = false;
            for (size_t c = 0; c < b->from->n; c++) {
                const scope_col *sc = &b->from->cols[c];
                if (it->expr->qual && (!sc->qual || strcasecmp(sc->qual, it->expr->qual))) continue;
                any = true;
                if (n == cap) {
                    out_col *no = ev_arena_alloc(q->arena, cap * 2 * sizeof *no);
                    if (!no) return nomem(q);
                    memcpy(no, o, n * sizeof *no);
                    o = no;
                    cap *= 2;
                }
                exec_expr *x = ev_arena_alloc(q->arena, sizeof *x);
                if (!x) return nomem(q);
                *x = (exec_expr){.kind = X_COL, .type = sc->type, .col = (int)c, .pos = it->expr->pos};
                o[n++] = (out_col){x, sc->name};
            }
            if (!any)
                return sql_error_at(q->err, it->expr->pos, "Table '%s' not found in FROM",
                                    it->expr->qual ? it->expr->qual : "");
            continue;
        }
        if (n == cap) {
            out_col *no = ev_arena_alloc(q->arena, cap * 2 * sizeof *no);
            if (!no) return nomem(q);
            memcpy(no, o, n * sizeof *no);
            o = no;
            cap *= 2;
        }
        exec_expr *x;
        EV_TRY(exec_bind_expr(b, it->expr, &x));
        const char *name = it->alias;
        if (!name && it->expr->kind == SQL_E_COLUMN) name = it->expr->name;
        if (!name) {
            char *buf = ev_arena_alloc(q->arena, 24);
            if (!buf) return nomem(q);
            snprintf(buf, 24, "_col%zu", n);
            name = buf;
        }
        o[n++] = (out_col){x, name};
    }
    *outs = o;
    *nout = n;
    return EV_OK;
}

typedef struct order_col {
    exec_expr *expr; /* over R, or NULL when it names output column `out` */
    int out;
    bool desc;
    bool nulls_first;
} order_col;

static ev_status bind_order(binder *b, const sql_order_item *items, size_t n, const out_col *outs,
                            size_t nout, bool distinct, order_col **res) {
    exec_query *q = b->q;
    order_col *oc = ev_arena_alloc(q->arena, (n + 1) * sizeof *oc);
    if (!oc) return nomem(q);
    for (size_t k = 0; k < n; k++) {
        const sql_expr *e = items[k].expr;
        oc[k] = (order_col){.out = -1, .desc = items[k].desc, .nulls_first = items[k].nulls == 1};
        if (e->kind == SQL_E_INT) {
            if (e->ival < 1 || (size_t)e->ival > nout)
                return sql_error_at(q->err, e->pos, "ORDER BY position %lld is not in select list",
                                    (long long)e->ival);
            oc[k].out = (int)e->ival - 1;
            continue;
        }
        if (e->kind == SQL_E_COLUMN && !e->qual) {
            int found = -1;
            for (size_t c = 0; c < nout; c++) {
                if (strcasecmp(outs[c].name, e->name)) continue;
                if (found >= 0 && !exec_expr_equal(outs[found].expr, outs[c].expr))
                    return sql_error_at(q->err, e->pos, "Column '%s' is ambiguous", e->name);
                found = (int)c;
            }
            if (found >= 0) {
                oc[k].out = found;
                continue;
            }
        }
        EV_TRY(exec_bind_expr(b, e, &oc[k].expr));
        for (size_t c = 0; c < nout; c++) {
            if (exec_expr_equal(outs[c].expr, oc[k].expr)) {
                oc[k].out = (int)c;
                oc[k].expr = NULL;
                break;
            }
        }
        if (oc[k].expr && distinct)
            return sql_error_at(q->err, e->pos,
                                "For SELECT DISTINCT, ORDER BY expressions must appear in select list");
    }
    *res = oc;
    return EV_OK;
}

/* Rows of t that are not duplicates of an earlier row over the first ncols columns. */
static ev_status distinct_rows(exec_query *q, const exec_table *t, size_t ncols, uint32_t **rows,
                               size_t *nrows) {
    size_t n = t->n, cap = 16;
    while (cap < n * 2)
        cap *= 2;
    uint32_t *slots = malloc(cap * sizeof *slots);
    uint64_t *hs = malloc((n + 1) * sizeof *hs);
    uint32_t *keep = malloc((n + 1) * sizeof *keep);
    if (!slots || !hs || !keep) {
        free(slots);
        free(hs);
        free(keep);
        return nomem(q);
    }
    memset(slots, 0xff, cap * sizeof *slots);
    size_t k = 0;
    for (size_t r = 0; r < n; r++) {
        uint64_t h = exec_hash_row(t->cols, ncols, r);
        hs[r] = h;
        size_t p = h & (cap - 1);
        bool dup = false;
        while (slots[p] != UINT32_MAX) {
            uint32_t o = slots[p];
            if (hs[o] == h) {
                bool eq = true;
                for (size_t c = 0; c < ncols && eq; c++)
                    eq = exec_eq_rows(&t->cols[c], o, &t->cols[c], r);
                if (eq) {
                    dup = true;
                    break;
                }
            }
            p = (p + 1) & (cap - 1);
        }
        if (dup) continue;
        slots[p] = (uint32_t)r;
        keep[k++] = (uint32_t)r;
    }
    free(slots);
    free(hs);
    *rows = keep;
    *nrows = k;
    return EV_OK;
}

/* Builds the final table: outputs (and hidden sort keys) over R, DISTINCT, ORDER BY, LIMIT. */
static ev_status project_sort_limit(exec_query *q, exec_table *R, const out_col *outs, size_t nout,
                                    const order_col *oc, size_t norder, bool distinct, int64_t limit,
                                    exec_table *out) {
    exec_table O;
    EV_TRY(eval_column_full(q, R, NULL, &O));
    ev_status st = EV_OK;
    for (size_t c = 0; c < nout && st == EV_OK; c++)
        st = eval_column_full(q, R, outs[c].expr, &O);
    for (size_t k = 0; k < norder && st == EV_OK; k++)
        if (oc[k].expr) st = eval_column_full(q, R, oc[k].expr, &O);
    if (st == EV_OK) O.n = R->n;
    uint32_t *rows = NULL;
    size_t n = O.n;
    if (st == EV_OK && distinct) {
        st = distinct_rows(q, &O, nout, &rows, &n);
    } else if (st == EV_OK) {
        rows = malloc((n + 1) * sizeof *rows);
        if (!rows) st = nomem(q);
        for (size_t r = 0; rows && r < n; r++)
            rows[r] = (uint32_t)r;
    }
    if (st == EV_OK && norder) {
        sort_key *keys = calloc(norder, sizeof *keys);
        if (!keys) st = nomem(q);
        size_t hidden = nout;
        for (size_t k = 0; keys && k < norder; k++) {
            size_t col = oc[k].expr ? hidden++ : (size_t)oc[k].out;
            keys[k] = (sort_key){&O.cols[col], oc[k].desc, oc[k].nulls_first};
        }
        if (keys) sort_rows(rows, n, keys, norder);
        free(keys);
    }
    if (st == EV_OK && limit >= 0 && (size_t)limit < n) n = (size_t)limit;
    if (st == EV_OK) {
        char **names = ev_arena_alloc(q->arena, (nout + 1) * sizeof *names);
        sql_type *types = ev_arena_alloc(q->arena, (nout + 1) * sizeof *types);
        if (!names || !types) st = nomem(q);
        for (size_t c = 0; st == EV_OK && c < nout; c++) {
            names[c] = (char *)outs[c].name;
            types[c] = outs[c].expr->type;
        }
        if (st == EV_OK) st = exec_table_init(out, nout, names, types, q->err);
        size_t saved = O.ncols;
        O.ncols = nout;
        if (st == EV_OK) st = exec_table_append_table(out, &O, rows, n, &q->budget, q->err);
        O.ncols = saved;
    }
    free(rows);
    exec_table_free(&O);
    return st;
}

static ev_status add_window_columns(exec_query *q, exec_table *R, const binder *b) {
    for (size_t k = 0; k < b->nwins; k++) {
        exec_vec *d;
        EV_TRY(exec_table_add_column(R, b->wins[k].type, R->n, &d, q->err));
    }
    size_t base = R->ncols - b->nwins;
    for (size_t k = 0; k < b->nwins; k++)
        EV_TRY(compute_window(q, R, &b->wins[k], base + k));
    R->cap = R->n;
    return EV_OK;
}

/* COUNT(*) over one table with no filter but on partitions: the catalog's row counts. */
static bool count_from_metadata(const binder *b, const pipeline *p, const sql_select *s) {
    if (!p->agg || b->nkeys || s->having || b->nwins) return false;
    for (size_t k = 0; k < b->naggs; k++)
        if (b->aggs[k].kind != EXEC_AGG_COUNT_STAR) return false;
    return b->naggs > 0;
}

/* SELECT DISTINCT a, b ... without aggregates is GROUP BY 1, 2, ...: the hash aggregation keeps
 * one row per distinct tuple as the scan goes (on dictionary codes where it can) instead of
 * collecting every row first (172 M rows for a DISTINCT over the 24-hour lake: past any memory
 * limit). *g is filled and used when the rewrite applies. */
static const sql_select *distinct_as_grouping(exec_query *q, const sql_select *s, sql_select *g) {
    if (!s->distinct || s->ngroup_by || s->having || !s->nitems) return s;
    for (size_t k = 0; k < s->nitems; k++) {
        const sql_expr *e = s->items[k].expr;
        if (e->kind == SQL_E_STAR || exec_ast_has_agg(e) || exec_ast_has_window_or_subquery(e)) return s;
    }
    sql_expr **keys = ev_arena_alloc(q->arena, s->nitems * sizeof *keys);
    sql_expr *pos = ev_arena_alloc(q->arena, s->nitems * sizeof *pos);
    if (!keys || !pos) return s;
    memset(pos, 0, s->nitems * sizeof *pos);
    for (size_t k = 0; k < s->nitems; k++) {
        pos[k].kind = SQL_E_INT; /* GROUP BY position k + 1 */
        pos[k].pos = s->items[k].expr->pos;
        pos[k].ival = (int64_t)k + 1;
        keys[k] = &pos[k];
    }
    *g = *s;
    g->group_by = keys;
    g->ngroup_by = s->nitems;
    return g;
}

static ev_status run_select(exec_query *q, const sql_select *s, cte_env *ctes, const sql_order_item *order,
                            size_t norder, int64_t limit, exec_table *out) {
    sql_select flat, grouped;
    const sql_select *merged;
    s = exec_flatten_from(q, s, ctes, &order, norder, &flat, &merged);
    s = distinct_as_grouping(q, s, &grouped);
    name_set ns = {0};
    names_of_select(q, s, &ns);
    for (size_t k = 0; k < norder; k++)
        names_of_expr(q, order[k].expr, &ns);
    source src = {0};
    if (s->from) {
        EV_TRY(run_from(q, s->from, ctes, &ns, s->from->kind == SQL_FROM_TABLE, &src));
    } else {
        /* SELECT without FROM: one row, no columns */
        EV_TRY(exec_table_init(&src.table, 0, NULL, NULL, q->err));
        src.table.n = 1;
        src.has_table = true;
    }
    binder b = {.q = q, .from = &src.sc, .ctes = ctes, .allow_agg = true, .allow_window = true};
    ev_status st = EV_OK;
    /* the merged inner query's items, used or not, resolve as they would have unmerged (its FROM
     * is now this one): `WITH s AS (SELECT prodct_id AS x, ...) SELECT y FROM s` fails on prodct_id */
    for (size_t k = 0; merged && st == EV_OK && k < merged->nitems; k++) {
        binder ib = b;
        ib.allow_agg = false;
        ib.allow_window = false;
        exec_expr *unused;
        if (merged->items[k].expr->kind != SQL_E_STAR) st = exec_bind_expr(&ib, merged->items[k].expr, &unused);
    }
    exec_expr *where = NULL;
    if (st == EV_OK && s->where) {
        binder wb = b;
        wb.allow_agg = false;
        wb.allow_window = false;
        st = exec_bind_expr(&wb, s->where, &where);
        if (st == EV_OK && where->type != SQL_T_BOOLEAN && where->type != SQL_T_UNKNOWN)
            st =
                sql_error_at(q->err, s->where->pos, "WHERE clause must evaluate to a boolean: actual type %s",
                             sql_type_name(where->type));
    }
    bool agg = s->ngroup_by > 0 || (s->having != NULL);
    for (size_t k = 0; k < s->nitems && !agg; k++)
        agg = exec_ast_has_agg(s->items[k].expr);
    for (size_t k = 0; k < norder && !agg; k++)
        agg = exec_ast_has_agg(order[k].expr);
    out_col *outs = NULL;
    size_t nout = 0;
    if (st == EV_OK && agg) {
        b.nkeys = s->ngroup_by;
        b.keys = ev_arena_alloc(q->arena, (b.nkeys + 1) * sizeof *b.keys);
        if (!b.keys) st = nomem(q);
        for (size_t k = 0; st == EV_OK && k < s->ngroup_by; k++) {
            const sql_expr *g = s->group_by[k];
            binder gb = b;
            gb.allow_agg = false;
            gb.allow_window = false;
            if (g->kind == SQL_E_INT) {
                if (g->ival < 1 || (size_t)g->ival > s->nitems ||
                    s->items[g->ival - 1].expr->kind == SQL_E_STAR)
                    st = sql_error_at(q->err, g->pos, "GROUP BY position %lld is not in select list",
                                      (long long)g->ival);
                else if ((st = exec_bind_expr(&gb, s->items[g->ival - 1].expr, &b.keys[k])) == EV_ERR_INPUT &&
                         exec_ast_has_agg(s->items[g->ival - 1].expr))
                    st = sql_error_at(q->err, g->pos, "GROUP BY position %lld is an aggregate",
                                      (long long)g->ival);
            } else {
                st = exec_bind_expr(&gb, g, &b.keys[k]);
            }
        }
        b.post = true;
    }
    if (st == EV_OK) st = bind_select_list(&b, s, &outs, &nout);
    exec_expr *having = NULL;
    if (st == EV_OK && s->having) {
        st = exec_bind_expr(&b, s->having, &having);
        if (st == EV_OK && having->type != SQL_T_BOOLEAN && having->type != SQL_T_UNKNOWN)
            st = sql_error_at(q->err, s->having->pos,
                              "HAVING clause must evaluate to a boolean: actual type %s",
                              sql_type_name(having->type));
    }
    order_col *oc = NULL;
    if (st == EV_OK) st = bind_order(&b, order, norder, outs, nout, s->distinct, &oc);
    if (st != EV_OK) {
        source_free(&src);
        return st;
    }
    /* R: the grouped rows (keys, aggregates) or the filtered input (referenced columns only) */
    pipeline p = {.q = q, .where = where, .agg = agg, .limit_hint = -1, .topn = -1};
    bool *used = ev_arena_alloc(q->arena, src.sc.n + 1);
    int *remap = ev_arena_alloc(q->arena, (src.sc.n + 1) * sizeof(int));
    if (!used || !remap) st = nomem(q);
    size_t nbase = 0;
    if (st == EV_OK && !agg) {
        memset(used, 0, src.sc.n + 1);
        for (size_t c = 0; c < nout; c++)
            mark_cols(outs[c].expr, used);
        for (size_t k = 0; k < norder; k++)
            if (oc[k].expr) mark_cols(oc[k].expr, used);
        for (size_t w = 0; w < b.nwins; w++) {
            const win_entry *we = &b.wins[w];
            for (size_t k = 0; k < we->nargs; k++)
                mark_cols(we->args[k], used);
            for (size_t k = 0; k < we->npart; k++)
                mark_cols(we->part[k], used);
            for (size_t k = 0; k < we->nord; k++)
                mark_cols(we->ord[k], used);
        }
        p.proj = ev_arena_alloc(q->arena, (src.sc.n + 1) * sizeof(int));
        if (!p.proj) st = nomem(q);
        for (size_t c = 0; st == EV_OK && c < src.sc.n; c++) {
            remap[c] = -1;
            if (!used[c]) continue;
            remap[c] = (int)p.nproj;
            p.proj[p.nproj++] = (int)c;
        }
        nbase = p.nproj;
        if (limit >= 0 && !norder && !s->distinct && !b.nwins) p.limit_hint = limit;
    } else if (st == EV_OK) {
        nbase = b.nkeys + b.naggs;
    }
    /* placeholders to R's columns */
    for (size_t c = 0; st == EV_OK && c < nout; c++)
        exec_fixup(outs[c].expr, b.nkeys, nbase, agg ? NULL : remap);
    for (size_t k = 0; st == EV_OK && k < norder; k++)
        if (oc[k].expr) exec_fixup(oc[k].expr, b.nkeys, nbase, agg ? NULL : remap);
    if (st == EV_OK && having) exec_fixup(having, b.nkeys, nbase, NULL);
    for (size_t w = 0; st == EV_OK && w < b.nwins; w++) {
        win_entry *we = &b.wins[w];
        for (size_t k = 0; k < we->nargs; k++)
            exec_fixup(we->args[k], b.nkeys, nbase, agg ? NULL : remap);
        for (size_t k = 0; k < we->npart; k++)
            exec_fixup(we->part[k], b.nkeys, nbase, agg ? NULL : remap);
        for (size_t k = 0; k < we->nord; k++)
            exec_fixup(we->ord[k], b.nkeys, nbase, agg ? NULL : remap);
    }
    if (st == EV_OK && !agg && limit >= 0 && limit <= 100000 && norder && !s->distinct && !b.nwins) {
        p.topn_keys = ev_arena_alloc(q->arena, norder * sizeof *p.topn_keys);
        p.topn_desc = ev_arena_alloc(q->arena, norder);
        p.topn_nulls_first = ev_arena_alloc(q->arena, norder);
        if (!p.topn_keys || !p.topn_desc || !p.topn_nulls_first) st = nomem(q);
        for (size_t k = 0; st == EV_OK && k < norder; k++) {
            p.topn_keys[k] = oc[k].expr ? oc[k].expr : outs[oc[k].out].expr;
            p.topn_desc[k] = oc[k].desc;
            p.topn_nulls_first[k] = oc[k].nulls_first;
        }
        p.topn_nkeys = norder;
        p.topn_cut = calloc((size_t)q->threads + 1, sizeof *p.topn_cut);
        if (!p.topn_cut) st = nomem(q);
        if (st == EV_OK) p.topn = limit;
    }
    int threads = src.ct ? q->threads : 1;
    exec_table R = {0};
    exec_scan *sc = NULL;
    if (st == EV_OK && src.ct) {
        bool *needed = ev_arena_alloc(q->arena, src.sc.n + 1);
        if (!needed) st = nomem(q);
        for (size_t c = 0; needed && c < src.sc.n; c++)
            needed[c] = false;
        if (needed && where) mark_cols(where, needed);
        if (needed && agg) {
            for (size_t k = 0; k < b.nkeys; k++)
                mark_cols(b.keys[k], needed);
            for (size_t k = 0; k < b.naggs; k++)
                if (b.aggs[k].arg) mark_cols(b.aggs[k].arg, needed);
        } else if (needed) {
            for (size_t c = 0; c < src.sc.n; c++)
                needed[c] |= used[c];
        }
        if (st == EV_OK) st = exec_scan_open(q, src.ct, needed, &sc);
        if (st == EV_OK && where) {
            exec_expr *conj[MAX_CONJ];
            size_t nc = exec_conjuncts(where, conj, MAX_CONJ);
            st = exec_scan_prune(q, sc, conj, nc > MAX_CONJ ? MAX_CONJ : nc);
            if (st == EV_OK) exec_scan_set_filter(sc, where);
        }
    }
    if (st == EV_OK && agg) {
        p.aggs = calloc((size_t)threads, sizeof *p.aggs);
        if (!p.aggs) st = nomem(q);
        for (int t = 0; st == EV_OK && t < threads; t++) {
            p.aggs[t] = exec_agg_new(b.nkeys, b.keys, b.naggs, b.aggs);
            if (!p.aggs[t]) st = nomem(q);
        }
    } else if (st == EV_OK) {
        p.collect = calloc((size_t)threads, sizeof *p.collect);
        sql_type *types = ev_arena_alloc(q->arena, (p.nproj + 1) * sizeof *types);
        char **names = ev_arena_alloc(q->arena, (p.nproj + 1) * sizeof *names);
        if (!p.collect || !types || !names) st = nomem(q);
        for (size_t k = 0; st == EV_OK && k < p.nproj; k++) {
            types[k] = src.sc.cols[p.proj[k]].type;
            names[k] = (char *)src.sc.cols[p.proj[k]].name;
        }
        for (int t = 0; st == EV_OK && t < threads; t++)
            st = exec_table_init(&p.collect[t], p.nproj, names, types, q->err);
    }
    bool metadata = false;
    if (st == EV_OK && sc && count_from_metadata(&b, &p, s) && !q->explain) {
        int64_t n = exec_scan_row_count(sc);
        if (n >= 0) {
            metadata = true;
            q->stats.from_metadata = true;
            exec_agg *a = p.aggs[0];
            st = exec_agg_result(a, NULL, &R, q->err);
            for (size_t k = 0; st == EV_OK && k < b.naggs; k++)
                R.cols[k].i[0] = n;
        }
    }
    if (st == EV_OK && !metadata) {
        if (q->explain && sc) {
            exec_scan_explain(sc, q->explain_out);
        } else if (sc) {
            st = exec_scan_run(q, sc, threads, pipeline_sink, &p);
        } else {
            st = exec_table_run(q, &src.table, pipeline_sink, &p);
        }
        if (st == EV_OK && agg) {
            for (int t = 1; t < threads && st == EV_OK; t++)
                st = exec_agg_merge(p.aggs[0], p.aggs[t], &q->budget, q->err);
            if (st == EV_OK) st = exec_agg_result(p.aggs[0], NULL, &R, q->err);
        } else if (st == EV_OK) {
            sql_type *types = types_of(q, &p.collect[0]);
            st = types ? exec_table_init(&R, p.nproj, p.collect[0].names, types, q->err) : nomem(q);
            for (int t = 0; t < threads && st == EV_OK; t++)
                st = exec_table_append_table(&R, &p.collect[t], NULL, 0, &q->budget, q->err);
        }
    }
    for (int t = 0; p.aggs && t < threads; t++)
        exec_agg_free(p.aggs[t]);
    free(p.aggs);
    for (int t = 0; p.collect && t < threads; t++)
        exec_table_free(&p.collect[t]);
    free(p.collect);
    for (int t = 0; p.topn_cut && t < q->threads; t++)
        exec_table_free(&p.topn_cut[t]);
    free(p.topn_cut);
    exec_scan_close(sc);
    source_free(&src);
    if (st == EV_OK && having) {
        /* HAVING filters R in place */
        exec_table tmp;
        st = eval_column_full(q, &R, NULL, &tmp);
        if (st == EV_OK) st = eval_column_full(q, &R, having, &tmp);
        uint32_t *keep = st == EV_OK ? malloc((R.n + 1) * sizeof *keep) : NULL;
        size_t nk = 0;
        if (st == EV_OK && !keep) st = nomem(q);
        for (size_t r = 0; keep && r < R.n; r++)
            if (!tmp.cols[0].nulls[r] && tmp.cols[0].i[r]) keep[nk++] = (uint32_t)r;
        exec_table R2;
        if (st == EV_OK) {
            sql_type *types = ev_arena_alloc(q->arena, (R.ncols + 1) * sizeof *types);
            if (!types) st = nomem(q);
            for (size_t c = 0; types && c < R.ncols; c++)
                types[c] = R.cols[c].type;
            if (st == EV_OK) st = exec_table_init(&R2, R.ncols, R.names, types, q->err);
            if (st == EV_OK) st = exec_table_append_table(&R2, &R, keep, nk, &q->budget, q->err);
            if (st == EV_OK) {
                exec_table_free(&R);
                R = R2;
            }
        }
        free(keep);
        exec_table_free(&tmp);
    }
    if (st == EV_OK && b.nwins) st = add_window_columns(q, &R, &b);
    if (st == EV_OK) st = project_sort_limit(q, &R, outs, nout, oc, norder, s->distinct, limit, out);
    exec_table_free(&R);
    return st;
}


/* ---- bodies and queries ---- */

static ev_status union_tables(exec_query *q, const sql_body *u, exec_table *l, exec_table *r,
                              exec_table *out) {
    if (l->ncols != r->ncols)
        return sql_error_at(q->err, u->pos, "UNION query has different number of fields: %zu, %zu", l->ncols,
                            r->ncols);
    sql_type *types = ev_arena_alloc(q->arena, (l->ncols + 1) * sizeof *types);
    if (!types) return nomem(q);
    for (size_t c = 0; c < l->ncols; c++)
        if (!exec_common_type(l->cols[c].type, r->cols[c].type, &types[c]))
            return sql_error_at(q->err, u->pos, "column %zu in UNION query has incompatible types: %s, %s",
                                c + 1, sql_type_name(l->cols[c].type), sql_type_name(r->cols[c].type));
    EV_TRY(exec_table_init(out, l->ncols, l->names, types, q->err));
    EV_TRY(exec_table_append_table(out, l, NULL, 0, &q->budget, q->err));
    EV_TRY(exec_table_append_table(out, r, NULL, 0, &q->budget, q->err));
    if (!u->union_all) {
        uint32_t *rows;
        size_t n;
        EV_TRY(distinct_rows(q, out, out->ncols, &rows, &n));
        exec_table d;
        ev_status st = exec_table_init(&d, out->ncols, out->names, types, q->err);
        if (st == EV_OK) st = exec_table_append_table(&d, out, rows, n, &q->budget, q->err);
        free(rows);
        exec_table_free(out);
        *out = d;
        return st;
    }
    return EV_OK;
}

static ev_status run_body(exec_query *q, const sql_body *body, cte_env *ctes, const sql_order_item *order,
                          size_t norder, int64_t limit, exec_table *out) {
    if (body->kind == SQL_BODY_SELECT) return run_select(q, body->select, ctes, order, norder, limit, out);
    exec_table t = {0};
    if (body->kind == SQL_BODY_QUERY) {
        EV_TRY(exec_run_query(q, body->query, ctes, &t));
    } else {
        /* zeroed: a branch that fails leaves its table untouched, and freeing must be safe */
        exec_table l = {0}, r = {0};
        ev_status st = run_body(q, body->left, ctes, NULL, 0, -1, &l);
        if (st == EV_OK) st = run_body(q, body->right, ctes, NULL, 0, -1, &r);
        if (st == EV_OK) st = union_tables(q, body, &l, &r, &t);
        exec_table_free(&l);
        exec_table_free(&r);
        if (st != EV_OK) {
            exec_table_free(&t);
            return st;
        }
    }
    if (!norder && limit < 0) {
        *out = t;
        return EV_OK;
    }
    /* ORDER BY / LIMIT over a union's (or parenthesized query's) output columns */
    scope sc;
    ev_status st = scope_from_table(q, &t, NULL, &sc);
    binder b = {.q = q, .from = &sc, .ctes = ctes};
    out_col *outs = ev_arena_alloc(q->arena, (t.ncols + 1) * sizeof *outs);
    if (st == EV_OK && !outs) st = nomem(q);
    for (size_t c = 0; st == EV_OK && c < t.ncols; c++) {
        exec_expr *x = ev_arena_alloc(q->arena, sizeof *x);
        if (!x)
            st = nomem(q);
        else
            *x = (exec_expr){.kind = X_COL, .type = t.cols[c].type, .col = (int)c};
        outs[c] = (out_col){x, t.names[c]};
    }
    order_col *oc = NULL;
    if (st == EV_OK) st = bind_order(&b, order, norder, outs, t.ncols, false, &oc);
    if (st == EV_OK) st = project_sort_limit(q, &t, outs, t.ncols, oc, norder, false, limit, out);
    exec_table_free(&t);
    return st;
}

ev_status exec_run_query(exec_query *q, const sql_query *qry, cte_env *ctes, exec_table *out) {
    cte_env *env = ctes;
    cte_env *mine = NULL;
    if (qry->nctes) {
        mine = calloc(qry->nctes, sizeof *mine);
        if (!mine) return nomem(q);
        for (size_t k = 0; k < qry->nctes; k++) {
            mine[k].cte = &qry->ctes[k];
            mine[k].next = env;
            env = &mine[k];
        }
    }
    ev_status st = run_body(q, qry->body, env, qry->order, qry->norder, qry->limit, out);
    for (size_t k = 0; k < qry->nctes; k++) {
        if (mine[k].result) {
            exec_table_free(mine[k].result);
            free(mine[k].result);
        }
    }
    free(mine);
    return st;
}
