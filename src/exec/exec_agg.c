/*
 * exec_agg.c: hash aggregation. Each worker owns an exec_agg (no locks on the hot path); the
 * partial tables are merged at the end. Groups live in an open-addressing table of group ids
 * whose key values are stored column-wise; accumulators are arrays indexed by group id. Exact
 * COUNT(DISTINCT x) keeps one hash set of (group, value) per aggregate, which merges by union.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"

#define ISNULL(v, r) ((v)->type == SQL_T_UNKNOWN || ((v)->nulls && (v)->nulls[r]))

typedef struct dset {
    uint64_t *h; /* 0 = empty slot; stored hashes have the top bit set */
    uint32_t *gid;
    int64_t *iv; /* value bits (ints, doubles) */
    pq_str *sv;
    size_t n, cap;
} dset;

typedef struct acc {
    int64_t *cnt;
    int64_t *i;
    double *f;
    pq_str *s;
    uint8_t *has;
    dset set;
} acc;

struct exec_agg {
    size_t nkeys, nspecs;
    exec_expr *const *keys;
    const exec_agg_spec *specs;
    sql_type *key_types;
    /* groups */
    uint32_t *slots; /* gid + 1, 0 empty */
    size_t slot_cap;
    uint64_t *ghash;
    exec_table keytab;
    size_t ngroups, gcap;
    acc *accs;
    ev_arena strings; /* MIN/MAX strings, distinct strings */
};

exec_agg *exec_agg_new(size_t nkeys, exec_expr *const *keys, size_t nspecs, const exec_agg_spec *specs) {
    exec_agg *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->nkeys = nkeys;
    a->keys = keys;
    a->nspecs = nspecs;
    a->specs = specs;
    a->key_types = calloc(nkeys + 1, sizeof *a->key_types);
    a->accs = calloc(nspecs + 1, sizeof *a->accs);
    ev_arena_init(&a->strings, NULL, 64 << 10);
    if (!a->key_types || !a->accs) {
        exec_agg_free(a);
        return NULL;
    }
    for (size_t k = 0; k < nkeys; k++)
        a->key_types[k] = keys[k]->type;
    if (exec_table_init(&a->keytab, nkeys, NULL, a->key_types, NULL) != EV_OK) {
        exec_agg_free(a);
        return NULL;
    }
    return a;
}

static void dset_free(dset *d) {
    free(d->h);
    free(d->gid);
    free(d->iv);
    free(d->sv);
}

void exec_agg_free(exec_agg *a) {
    if (!a) return;
    for (size_t k = 0; a->accs && k < a->nspecs; k++) {
        acc *c = &a->accs[k];
        free(c->cnt);
        free(c->i);
        free(c->f);
        free(c->s);
        free(c->has);
        dset_free(&c->set);
    }
    free(a->accs);
    free(a->key_types);
    free(a->slots);
    free(a->ghash);
    exec_table_free(&a->keytab);
    ev_arena_destroy(&a->strings);
    free(a);
}

static ev_status grow_groups(exec_agg *a, exec_budget *bud, ev_error *err) {
    size_t nc = a->gcap ? a->gcap * 2 : 256;
    EV_TRY(exec_budget_take(bud, (nc - a->gcap) * (8 + a->nspecs * 41), err));
    uint64_t *gh = realloc(a->ghash, nc * sizeof *gh);
    if (!gh) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
    a->ghash = gh;
    for (size_t k = 0; k < a->nspecs; k++) {
        acc *c = &a->accs[k];
        int64_t *cnt = realloc(c->cnt, nc * 8);
        if (cnt) c->cnt = cnt;
        int64_t *iv = realloc(c->i, nc * 8);
        if (iv) c->i = iv;
        double *fv = realloc(c->f, nc * 8);
        if (fv) c->f = fv;
        pq_str *sv = realloc(c->s, nc * sizeof *sv);
        if (sv) c->s = sv;
        uint8_t *has = realloc(c->has, nc);
        if (has) c->has = has;
        if (!cnt || !iv || !fv || !sv || !has)
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
        memset(c->cnt + a->gcap, 0, (nc - a->gcap) * 8);
        memset(c->i + a->gcap, 0, (nc - a->gcap) * 8);
        memset(c->f + a->gcap, 0, (nc - a->gcap) * 8);
        memset(c->has + a->gcap, 0, nc - a->gcap);
    }
    a->gcap = nc;
    return EV_OK;
}

static ev_status rehash(exec_agg *a, exec_budget *bud, ev_error *err) {
    size_t nc = a->slot_cap ? a->slot_cap * 2 : 1024;
    EV_TRY(exec_budget_take(bud, nc * 4, err));
    uint32_t *ns = calloc(nc, sizeof *ns);
    if (!ns) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
    for (size_t g = 0; g < a->ngroups; g++) {
        size_t p = a->ghash[g] & (nc - 1);
        while (ns[p])
            p = (p + 1) & (nc - 1);
        ns[p] = (uint32_t)g + 1;
    }
    free(a->slots);
    a->slots = ns;
    a->slot_cap = nc;
    return EV_OK;
}

/* The group of row r of the key vectors, created if new. */
static ev_status find_group(exec_agg *a, const exec_vec *kv, size_t r, uint64_t h, uint32_t *gid,
                            exec_budget *bud, ev_error *err) {
    if ((a->ngroups + 1) * 2 > a->slot_cap) EV_TRY(rehash(a, bud, err));
    size_t p = h & (a->slot_cap - 1);
    for (;;) {
        uint32_t s = a->slots[p];
        if (!s) break;
        uint32_t g = s - 1;
        if (a->ghash[g] == h) {
            bool eq = true;
            for (size_t k = 0; k < a->nkeys && eq; k++)
                eq = exec_eq_rows(&kv[k], r, &a->keytab.cols[k], g);
            if (eq) {
                *gid = g;
                return EV_OK;
            }
        }
        p = (p + 1) & (a->slot_cap - 1);
    }
    if (a->ngroups == a->gcap) EV_TRY(grow_groups(a, bud, err));
    uint32_t g = (uint32_t)a->ngroups++;
    a->ghash[g] = h;
    a->slots[p] = g + 1;
    exec_batch one = {.n = 1, .ncols = a->nkeys};
    exec_vec cols[16], *cp = a->nkeys <= 16 ? cols : calloc(a->nkeys, sizeof *cp);
    if (!cp) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
    for (size_t k = 0; k < a->nkeys; k++) {
        cp[k] = kv[k];
        cp[k].p = kv[k].p ? (char *)kv[k].p + r * exec_type_size(kv[k].type) : NULL;
        cp[k].nulls = kv[k].nulls ? kv[k].nulls + r : NULL;
    }
    one.cols = cp;
    ev_status st = exec_table_append(&a->keytab, &one, NULL, 1, bud, err);
    if (cp != cols) free(cp);
    *gid = g;
    return st;
}

/* ---- distinct sets ---- */

static uint64_t value_hash(const exec_vec *v, size_t r) {
    return exec_hash_value(v, r) | (1ULL << 63);
}

static ev_status dset_grow(dset *d, ev_error *err) {
    size_t nc = d->cap ? d->cap * 2 : 1024;
    uint64_t *h = calloc(nc, 8);
    uint32_t *g = malloc(nc * 4);
    int64_t *iv = malloc(nc * 8);
    pq_str *sv = malloc(nc * sizeof *sv);
    if (!h || !g || !iv || !sv) {
        free(h);
        free(g);
        free(iv);
        free(sv);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
    }
    for (size_t k = 0; k < d->cap; k++) {
        if (!d->h[k]) continue;
        size_t p = (d->h[k] ^ d->gid[k] * 0x9e3779b97f4a7c15ULL) & (nc - 1);
        while (h[p])
            p = (p + 1) & (nc - 1);
        h[p] = d->h[k];
        g[p] = d->gid[k];
        iv[p] = d->iv[k];
        sv[p] = d->sv[k];
    }
    dset_free(d);
    d->h = h;
    d->gid = g;
    d->iv = iv;
    d->sv = sv;
    d->cap = nc;
    return EV_OK;
}

/* Inserts (gid, value) unless present. */
static ev_status dset_add(exec_agg *a, dset *d, uint32_t gid, uint64_t h, sql_type t, int64_t iv, pq_str sv,
                          exec_budget *bud, ev_error *err) {
    if ((d->n + 1) * 2 > d->cap) {
        size_t before = d->cap;
        EV_TRY(dset_grow(d, err));
        EV_TRY(exec_budget_take(bud, (d->cap - before) * 28, err));
    }
    size_t p = (h ^ gid * 0x9e3779b97f4a7c15ULL) & (d->cap - 1);
    for (;;) {
        if (!d->h[p]) break;
        if (d->h[p] == h && d->gid[p] == gid) {
            if (t == SQL_T_VARCHAR
                    ? (d->sv[p].len == sv.len && (sv.len == 0 || !memcmp(d->sv[p].ptr, sv.ptr, sv.len)))
                    : d->iv[p] == iv)
                return EV_OK;
        }
        p = (p + 1) & (d->cap - 1);
    }
    d->h[p] = h;
    d->gid[p] = gid;
    d->iv[p] = iv;
    if (t == SQL_T_VARCHAR) {
        char *copy = sv.len ? ev_arena_alloc(&a->strings, sv.len) : (char *)"";
        if (!copy) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        if (sv.len) memcpy(copy, sv.ptr, sv.len);
        d->sv[p] = (pq_str){copy, sv.len};
    } else {
        d->sv[p] = (pq_str){"", 0};
    }
    d->n++;
    return EV_OK;
}

static int64_t value_bits(const exec_vec *v, size_t r) {
    if (v->type == SQL_T_DOUBLE) {
        double d = v->f[r];
        if (d == 0) d = 0;
        int64_t b;
        memcpy(&b, &d, 8);
        return b;
    }
    return v->type == SQL_T_VARCHAR ? 0 : v->i[r];
}

/* ---- accumulate ---- */

static ev_status keep_string(exec_agg *a, pq_str s, pq_str *out, ev_error *err) {
    char *p = s.len ? ev_arena_alloc(&a->strings, s.len) : (char *)"";
    if (!p) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
    if (s.len) memcpy(p, s.ptr, s.len);
    *out = (pq_str){p, s.len};
    return EV_OK;
}

static ev_status update(exec_agg *a, size_t k, const exec_vec *v, const uint32_t *gids, const uint32_t *rows,
                        size_t n, exec_budget *bud, ev_error *err) {
    const exec_agg_spec *sp = &a->specs[k];
    acc *c = &a->accs[k];
    switch (sp->kind) {
    case EXEC_AGG_COUNT_STAR:
        for (size_t j = 0; j < n; j++)
            c->cnt[gids[j]]++;
        return EV_OK;
    case EXEC_AGG_COUNT:
        for (size_t j = 0; j < n; j++)
            c->cnt[gids[j]] += !ISNULL(v, rows[j]);
        return EV_OK;
    case EXEC_AGG_COUNT_IF:
        for (size_t j = 0; j < n; j++)
            c->cnt[gids[j]] += !ISNULL(v, rows[j]) && v->i[rows[j]];
        return EV_OK;
    case EXEC_AGG_SUM:
    case EXEC_AGG_AVG:
        if (v->type == SQL_T_UNKNOWN) return EV_OK;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            if (v->nulls && v->nulls[r]) continue;
            uint32_t g = gids[j];
            c->cnt[g]++;
            c->has[g] = 1;
            if (v->type == SQL_T_DOUBLE)
                c->f[g] += v->f[r];
            else if (__builtin_add_overflow(c->i[g], v->i[r], &c->i[g]))
                return ev_error_set(err, EV_ERR_INPUT, "bigint addition overflow in SUM");
        }
        return EV_OK;
    case EXEC_AGG_MIN:
    case EXEC_AGG_MAX:
    case EXEC_AGG_ARBITRARY:
    case EXEC_AGG_BOOL_AND:
    case EXEC_AGG_BOOL_OR: {
        if (v->type == SQL_T_UNKNOWN) return EV_OK;
        bool want_less = sp->kind == EXEC_AGG_MIN || sp->kind == EXEC_AGG_BOOL_AND;
        exec_vec cur = {.type = v->type};
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            if (v->nulls && v->nulls[r]) continue;
            uint32_t g = gids[j];
            bool take = !c->has[g];
            if (!take && sp->kind != EXEC_AGG_ARBITRARY) {
                cur.p = v->type == SQL_T_VARCHAR  ? (void *)c->s
                        : v->type == SQL_T_DOUBLE ? (void *)c->f
                                                  : (void *)c->i;
                int cmp = exec_cmp_rows(v, r, &cur, g);
                take = want_less ? cmp < 0 : cmp > 0;
            }
            if (!take) continue;
            c->has[g] = 1;
            if (v->type == SQL_T_VARCHAR)
                EV_TRY(keep_string(a, v->s[r], &c->s[g], err));
            else if (v->type == SQL_T_DOUBLE)
                c->f[g] = v->f[r];
            else
                c->i[g] = v->i[r];
        }
        return EV_OK;
    }
    case EXEC_AGG_COUNT_DISTINCT:
        if (v->type == SQL_T_UNKNOWN) return EV_OK;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            if (v->nulls && v->nulls[r]) continue;
            EV_TRY(dset_add(a, &c->set, gids[j], value_hash(v, r), v->type, value_bits(v, r),
                            v->type == SQL_T_VARCHAR ? v->s[r] : (pq_str){"", 0}, bud, err));
        }
        return EV_OK;
    }
    return EV_OK;
}

ev_status exec_agg_add(exec_agg *a, exec_eval *ev, const exec_batch *b, const uint32_t *sel, size_t nsel,
                       exec_budget *bud) {
    size_t n = sel ? nsel : b->n;
    if (!n) return EV_OK;
    uint32_t *rows = exec_scratch(ev, n * sizeof *rows), *gids = exec_scratch(ev, n * sizeof *gids);
    if (!rows || !gids) return EV_ERR_NOMEM;
    for (size_t j = 0; j < n; j++)
        rows[j] = sel ? sel[j] : (uint32_t)j;
    if (a->nkeys == 0) {
        if (a->ngroups == 0) {
            if (a->gcap == 0) EV_TRY(grow_groups(a, bud, ev->err));
            a->ngroups = 1;
        }
        memset(gids, 0, n * sizeof *gids);
    } else {
        exec_vec *kv = exec_scratch(ev, a->nkeys * sizeof *kv);
        uint64_t *h = exec_scratch(ev, b->n * sizeof *h);
        if (!kv || !h) return EV_ERR_NOMEM;
        for (size_t k = 0; k < a->nkeys; k++)
            EV_TRY(exec_eval_expr(ev, a->keys[k], b, &kv[k]));
        for (size_t j = 0; j < n; j++)
            h[j] = exec_hash_row(kv, a->nkeys, rows[j]);
        for (size_t j = 0; j < n; j++)
            EV_TRY(find_group(a, kv, rows[j], h[j], &gids[j], bud, ev->err));
    }
    for (size_t k = 0; k < a->nspecs; k++) {
        exec_vec v = {.type = SQL_T_UNKNOWN};
        if (a->specs[k].arg) EV_TRY(exec_eval_expr(ev, a->specs[k].arg, b, &v));
        EV_TRY(update(a, k, &v, gids, rows, n, bud, ev->err));
    }
    return EV_OK;
}

static ev_status merge_acc(exec_agg *dst, exec_agg *src, size_t k, uint32_t gd, uint32_t gs, ev_error *err) {
    const exec_agg_spec *sp = &dst->specs[k];
    acc *d = &dst->accs[k], *s = &src->accs[k];
    switch (sp->kind) {
    case EXEC_AGG_COUNT_STAR:
    case EXEC_AGG_COUNT:
    case EXEC_AGG_COUNT_IF:
        d->cnt[gd] += s->cnt[gs];
        return EV_OK;
    case EXEC_AGG_SUM:
    case EXEC_AGG_AVG:
        d->cnt[gd] += s->cnt[gs];
        d->has[gd] |= s->has[gs];
        d->f[gd] += s->f[gs];
        if (__builtin_add_overflow(d->i[gd], s->i[gs], &d->i[gd]))
            return ev_error_set(err, EV_ERR_INPUT, "bigint addition overflow in SUM");
        return EV_OK;
    case EXEC_AGG_COUNT_DISTINCT:
        return EV_OK; /* merged set-wise */
    default: {
        if (!s->has[gs]) return EV_OK;
        sql_type t = sp->arg->type;
        bool take = !d->has[gd];
        if (!take && sp->kind != EXEC_AGG_ARBITRARY) {
            exec_vec dv = {.type = t,
                           .p = t == SQL_T_VARCHAR  ? (void *)d->s
                                : t == SQL_T_DOUBLE ? (void *)d->f
                                                    : (void *)d->i};
            exec_vec sv = {.type = t,
                           .p = t == SQL_T_VARCHAR  ? (void *)s->s
                                : t == SQL_T_DOUBLE ? (void *)s->f
                                                    : (void *)s->i};
            int cmp = exec_cmp_rows(&sv, gs, &dv, gd);
            take = (sp->kind == EXEC_AGG_MIN || sp->kind == EXEC_AGG_BOOL_AND) ? cmp < 0 : cmp > 0;
        }
        if (!take) return EV_OK;
        d->has[gd] = 1;
        if (t == SQL_T_VARCHAR) return keep_string(dst, s->s[gs], &d->s[gd], err);
        d->f[gd] = s->f[gs];
        d->i[gd] = s->i[gs];
        return EV_OK;
    }
    }
}

ev_status exec_agg_merge(exec_agg *dst, exec_agg *src, exec_budget *bud, ev_error *err) {
    if (!src->ngroups) return EV_OK;
    uint32_t *map = malloc(src->ngroups * sizeof *map);
    if (!map) return ev_error_set(err, EV_ERR_NOMEM, "out of memory merging aggregates");
    ev_status st = EV_OK;
    if (dst->nkeys == 0) {
        if (dst->ngroups == 0) {
            if (dst->gcap == 0) st = grow_groups(dst, bud, err);
            dst->ngroups = 1;
        }
        map[0] = 0;
    } else {
        for (size_t g = 0; g < src->ngroups && st == EV_OK; g++)
            st = find_group(dst, src->keytab.cols, g, src->ghash[g], &map[g], bud, err);
    }
    for (size_t g = 0; g < src->ngroups && st == EV_OK; g++)
        for (size_t k = 0; k < dst->nspecs && st == EV_OK; k++)
            st = merge_acc(dst, src, k, map[g], (uint32_t)g, err);
    for (size_t k = 0; k < dst->nspecs && st == EV_OK; k++) {
        if (dst->specs[k].kind != EXEC_AGG_COUNT_DISTINCT) continue;
        dset *s = &src->accs[k].set;
        sql_type t = dst->specs[k].arg->type;
        for (size_t p = 0; p < s->cap && st == EV_OK; p++)
            if (s->h[p])
                st = dset_add(dst, &dst->accs[k].set, map[s->gid[p]], s->h[p], t, s->iv[p], s->sv[p], bud,
                              err);
    }
    free(map);
    return st;
}

ev_status exec_agg_result(exec_agg *a, char *const *names, exec_table *out, ev_error *err) {
    size_t nc = a->nkeys + a->nspecs;
    sql_type *types = calloc(nc + 1, sizeof *types);
    if (!types) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < a->nkeys; k++)
        types[k] = a->key_types[k];
    for (size_t k = 0; k < a->nspecs; k++)
        types[a->nkeys + k] = a->specs[k].out_type;
    ev_status st = exec_table_init(out, nc, names, types, err);
    free(types);
    EV_TRY(st);
    if (a->nkeys == 0 && a->ngroups == 0) {
        EV_TRY(grow_groups(a, NULL, err));
        a->ngroups = 1;
    }
    size_t n = a->ngroups;
    EV_TRY(exec_table_reserve(out, n, NULL, err));
    for (size_t k = 0; k < a->nkeys; k++) {
        memcpy(out->cols[k].p, a->keytab.cols[k].p, n * exec_type_size(out->cols[k].type));
        memcpy(out->cols[k].nulls, a->keytab.cols[k].nulls, n);
    }
    /* keys' strings stay in a->keytab's arena: move it to the output table */
    ev_arena_destroy(&out->strings);
    out->strings = a->keytab.strings;
    ev_arena_init(&a->keytab.strings, NULL, 64 << 10);
    for (size_t k = 0; k < a->nspecs; k++) {
        exec_vec *o = &out->cols[a->nkeys + k];
        acc *c = &a->accs[k];
        const exec_agg_spec *sp = &a->specs[k];
        if (sp->kind == EXEC_AGG_COUNT_DISTINCT) {
            memset(c->cnt, 0, n * 8);
            for (size_t p = 0; p < c->set.cap; p++)
                if (c->set.h[p]) c->cnt[c->set.gid[p]]++;
        }
        for (size_t g = 0; g < n; g++) {
            o->nulls[g] = 0;
            switch (sp->kind) {
            case EXEC_AGG_COUNT_STAR:
            case EXEC_AGG_COUNT:
            case EXEC_AGG_COUNT_IF:
            case EXEC_AGG_COUNT_DISTINCT:
                o->i[g] = c->cnt[g];
                break;
            case EXEC_AGG_SUM:
                o->nulls[g] = !c->has[g];
                if (sp->out_type == SQL_T_DOUBLE)
                    o->f[g] = c->f[g];
                else
                    o->i[g] = c->i[g];
                break;
            case EXEC_AGG_AVG:
                o->nulls[g] = !c->cnt[g];
                o->f[g] = c->cnt[g] ? (sp->arg->type == SQL_T_DOUBLE ? c->f[g] : (double)c->i[g]) /
                                          (double)c->cnt[g]
                                    : 0;
                break;
            default:
                o->nulls[g] = !c->has[g];
                if (sp->out_type == SQL_T_VARCHAR) {
                    char *p =
                        c->has[g] && c->s[g].len ? ev_arena_alloc(&out->strings, c->s[g].len) : (char *)"";
                    if (!p) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
                    if (c->has[g] && c->s[g].len) memcpy(p, c->s[g].ptr, c->s[g].len);
                    o->s[g] = (pq_str){p, c->has[g] ? c->s[g].len : 0};
                } else if (sp->out_type == SQL_T_DOUBLE) {
                    o->f[g] = c->f[g];
                } else {
                    o->i[g] = c->i[g];
                }
            }
        }
    }
    out->n = n;
    return EV_OK;
}
