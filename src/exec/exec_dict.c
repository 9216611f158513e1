/*
 * exec_dict.c: working on dictionary codes. Most string columns of the lake are dictionary-
 * encoded: a row group holds a few dozen distinct event types or products, or 90,000 user ids,
 * for hundreds of thousands of rows. The scan hands such columns out as codes + dictionary (see
 * exec_vec), and an expression that reads one such column (`event_type = 'purchase'`, `CASE WHEN
 * event_type = 'page_view' THEN 1 ELSE 0 END`, `lower(category)`) is evaluated once per
 * dictionary entry instead of once per row; the rows then only index the result. Filters turn
 * that result into a truth table, grouping maps codes to groups, COUNT(DISTINCT) marks codes.
 *
 * Results are kept per worker in a memo keyed by (expression, dictionary id) until the row group
 * ends (exec_dict_memo_reset), since every row group brings new dictionaries.
 */
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

typedef struct memo_entry {
    const exec_expr *e;
    uint64_t in_id;
    bool failed, has_null;
    exec_vec out;         /* dict_n + 1 rows */
    exec_vec out_nonnull; /* the same without NULL flags, when no row of it is NULL */
    uint64_t out_id;
    uint8_t *truth; /* built on first use by a filter */
} memo_entry;

struct exec_dict_memo {
    ev_arena arena; /* results; reset with the memo */
    memo_entry **ents; /* entries live in the arena: vectors in flight point at their results */
    size_t n, cap;
    uint64_t next_id;
};

exec_dict_memo *exec_dict_memo_new(void) {
    exec_dict_memo *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    ev_arena_init(&m->arena, NULL, 1 << 20);
    return m;
}

void exec_dict_memo_free(exec_dict_memo *m) {
    if (!m) return;
    ev_arena_destroy(&m->arena);
    free(m->ents);
    free(m);
}

void exec_dict_memo_reset(exec_dict_memo *m) {
    if (!m) return;
    m->n = 0;
    ev_arena_reset(&m->arena);
}

uint64_t exec_dict_new_id(exec_dict_memo *m) {
    return ++m->next_id;
}

/* Function results that may differ between two rows with the same argument: none today (now()
 * and current_* are fixed per query), but a future random() must be listed here. */
static bool deterministic(const exec_expr *e) {
    return e->kind != X_FUNC || !e->fname || strncmp(e->fname, "rand", 4) != 0;
}

static int single_column(const exec_expr *e, int found) {
    if (!deterministic(e)) return -2;
    if (e->kind == X_COL) {
        if (found >= 0 && found != e->col) return -2;
        return e->col;
    }
    for (size_t k = 0; k < e->nargs && found != -2; k++)
        found = single_column(e->args[k], found);
    return found;
}

int exec_expr_single_column(const exec_expr *e) {
    if (e->kind == X_COL || e->kind == X_CONST) return -1;
    int c = single_column(e, -1);
    return c >= 0 ? c : -1;
}

static memo_entry *memo_find(exec_dict_memo *m, const exec_expr *e, uint64_t in_id) {
    for (size_t k = 0; k < m->n; k++)
        if (m->ents[k]->e == e && m->ents[k]->in_id == in_id) return m->ents[k];
    return NULL;
}

static memo_entry *memo_add(exec_dict_memo *m, const exec_expr *e, uint64_t in_id) {
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        memo_entry **ne = realloc(m->ents, nc * sizeof *ne);
        if (!ne) return NULL;
        m->ents = ne;
        m->cap = nc;
    }
    memo_entry *me = ev_arena_alloc(&m->arena, sizeof *me);
    if (!me) return NULL;
    m->ents[m->n++] = me;
    memset(me, 0, sizeof *me);
    me->e = e;
    me->in_id = in_id;
    return me;
}

/* Copies a result of `rows` rows into the memo's arena (strings too: they may live in scratch). */
static ev_status keep_result(exec_dict_memo *m, const exec_vec *r, size_t rows, memo_entry *me) {
    size_t w = exec_type_size(r->type);
    exec_vec *o = &me->out;
    *o = (exec_vec){.type = r->type};
    o->p = ev_arena_alloc(&m->arena, rows * w);
    o->nulls = ev_arena_alloc(&m->arena, rows);
    if (!o->p || !o->nulls) return EV_ERR_NOMEM;
    memcpy(o->p, r->p, rows * w);
    if (r->nulls)
        memcpy(o->nulls, r->nulls, rows);
    else
        memset(o->nulls, 0, rows);
    for (size_t k = 0; k < rows; k++)
        me->has_null |= o->nulls[k];
    if (r->type != SQL_T_VARCHAR) return EV_OK;
    for (size_t k = 0; k < rows; k++) {
        pq_str s = o->s[k];
        if (!s.len || o->nulls[k]) continue;
        char *copy = ev_arena_alloc(&m->arena, s.len);
        if (!copy) return EV_ERR_NOMEM;
        memcpy(copy, s.ptr, s.len);
        o->s[k] = (pq_str){copy, s.len};
    }
    return EV_OK;
}

/* Evaluates e with column c replaced by its dictionary (dict_n values and the NULL row). */
static ev_status evaluate_on_dict(exec_eval *ev, const exec_expr *e, const exec_batch *b, int c,
                                  memo_entry *me) {
    const exec_vec *col = &b->cols[c];
    size_t rows = (size_t)col->dict_n + 1;
    exec_batch db = {.n = rows, .ncols = b->ncols};
    db.cols = exec_scratch(ev, b->ncols * sizeof *db.cols);
    /* e reads no other column, but evaluators may copy whole batches (CASE branches): the others
     * are NULL placeholders as long as the dictionary, not the batch's shorter vectors */
    void *zeros = exec_scratch(ev, rows * sizeof(pq_str));
    uint8_t *ones = exec_scratch(ev, rows);
    if (!db.cols || !zeros || !ones) return EV_ERR_NOMEM;
    memset(zeros, 0, rows * sizeof(pq_str));
    memset(ones, 1, rows);
    for (size_t k = 0; k < b->ncols; k++)
        db.cols[k] = (exec_vec){.type = SQL_T_UNKNOWN, .p = zeros, .nulls = ones, .uniform = true};
    db.cols[c] = *col->dict;
    ev_error saved = *ev->err;
    exec_vec r;
    ev_status st = exec_eval_expr(ev, e, &db, &r);
    if (st == EV_ERR_NOMEM) return st;
    if (st != EV_OK || r.type == SQL_T_UNKNOWN || r.type != e->type) {
        /* a value no row may carry failed (or an odd type): row by row decides */
        *ev->err = saved;
        me->failed = true;
        return EV_OK;
    }
    EV_TRY(keep_result(ev->memo, &r, rows, me));
    me->out_nonnull = me->out;
    me->out_nonnull.nulls = NULL;
    me->out_id = exec_dict_new_id(ev->memo);
    return EV_OK;
}

ev_status exec_dict_eval(exec_eval *ev, const exec_expr *e, const exec_batch *b, int c, exec_vec *out,
                         bool *done) {
    *done = false;
    const exec_vec *col = &b->cols[c];
    if (!ev->memo || !col->codes) return EV_OK;
    memo_entry *me = memo_find(ev->memo, e, col->dict_id);
    if (!me) {
        me = memo_add(ev->memo, e, col->dict_id);
        if (!me) return ev_error_set(ev->err, EV_ERR_NOMEM, "out of memory evaluating an expression");
        ev_status st = evaluate_on_dict(ev, e, b, c, me);
        if (st != EV_OK) {
            ev->memo->n--; /* not a result */
            return st == EV_ERR_NOMEM ? ev_error_set(ev->err, st, "out of memory evaluating an expression") : st;
        }
    }
    if (me->failed) return EV_OK;
    *out = (exec_vec){.type = e->type,
                      .codes = col->codes,
                      .dict = me->has_null ? &me->out : &me->out_nonnull,
                      .dict_n = col->dict_n,
                      .dict_id = me->out_id};
    *done = true;
    return EV_OK;
}

ev_status exec_vec_plain(exec_eval *ev, exec_vec *v, size_t n) {
    if (v->p || !v->codes) return EV_OK;
    size_t w = exec_type_size(v->type);
    void *p = exec_scratch(ev, (n ? n : 1) * w);
    if (!p) return EV_ERR_NOMEM;
    const uint32_t *codes = v->codes;
    const uint8_t *dn = v->dict->nulls;
    if (dn && !v->nulls) {
        uint8_t any = 0;
        v->nulls = exec_scratch(ev, n ? n : 1);
        if (!v->nulls) return EV_ERR_NOMEM;
        for (size_t r = 0; r < n; r++)
            any |= v->nulls[r] = dn[codes[r]];
        if (!any) v->nulls = NULL;
    }
    if (w == 8) {
        const uint64_t *d = v->dict->p;
        uint64_t *o = p;
        for (size_t r = 0; r < n; r++)
            o[r] = d[codes[r]];
    } else {
        const pq_str *d = v->dict->p;
        pq_str *o = p;
        for (size_t r = 0; r < n; r++)
            o[r] = d[codes[r]];
    }
    v->p = p;
    return EV_OK;
}

const uint8_t *exec_dict_truth(exec_eval *ev, const exec_vec *v) {
    memo_entry *me = NULL;
    for (size_t k = 0; ev->memo && k < ev->memo->n && !me; k++)
        if (ev->memo->ents[k]->out_id == v->dict_id && !ev->memo->ents[k]->failed) me = ev->memo->ents[k];
    if (me && me->truth) return me->truth;
    size_t rows = (size_t)v->dict_n + 1;
    uint8_t *t = me ? ev_arena_alloc(&ev->memo->arena, rows) : exec_scratch(ev, rows);
    if (!t) return NULL;
    const exec_vec *d = v->dict;
    for (size_t k = 0; k < rows; k++)
        t[k] = d->i[k] != 0 && !(d->nulls && d->nulls[k]);
    if (me) me->truth = t;
    return t;
}
