/*
 * exec_agg.c: hash aggregation. Each worker owns an exec_agg (no locks on the hot path); the
 * partial tables are merged at the end. Groups live in an open-addressing table of group ids
 * whose key values are stored column-wise; accumulators are arrays indexed by group id. Exact
 * COUNT(DISTINCT x) keeps one hash set of (group, value) per aggregate, which merges by union.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "exec_int.h"

#define ISNULL(v, r) ((v)->type == SQL_T_UNKNOWN || ((v)->nulls && (v)->nulls[r]))

/* One (group, value) of a COUNT(DISTINCT) set in 32 bytes, so a probe touches one cache line:
 * strings up to 16 bytes are kept inline (zero-padded), longer ones in the agg's arena. */
#define DSET_INLINE 16
typedef struct dent {
    uint64_t h; /* 0 = empty slot; stored hashes have the top bit set */
    uint32_t gid;
    uint32_t len; /* strings */
    union {
        int64_t iv; /* value bits (ints, doubles) */
        char inl[DSET_INLINE];
        const char *ptr;
    };
} dent;

typedef struct dset {
    dent *e;
    size_t n, cap;
} dset;

/* COUNT(DISTINCT) over a coded argument: the codes seen per group are marked in a byte map
 * (a row costs one store) and resolved into the set when the dictionary changes or goes. */
typedef struct dmarks {
    uint64_t dict_id; /* 0: nothing pending */
    const exec_vec *dict;
    size_t width;  /* dict_n + 1 */
    uint8_t *seen; /* nslots * width */
    size_t seen_cap;
    uint32_t *slot_gid, nslots, slot_cap;
    uint32_t *slot_of; /* per group: slot + 1, 0 none */
    size_t slot_of_cap;
    uint32_t *todo; /* the codes of one group being resolved */
    size_t todo_cap;
    exec_known *known; /* NULL until strings are resolved */
} dmarks;

/* COUNT, COUNT_IF, SUM and AVG over a coded argument with a small dictionary (a CASE over
 * event_type has 7 rows): rows are counted per (group, code) and the counts folded into the
 * accumulators when the dictionary changes or goes: one increment a row, no value gathered. */
#define AGG_HIST_MAX_WIDTH 64
#define HIST_LANES 4
#define AGG_STAR_LANE_GROUPS 512
typedef struct dhist {
    uint64_t dict_id; /* 0: nothing pending */
    const exec_vec *dict;
    size_t width;     /* dict_n + 1 */
    uint32_t *counts; /* ((group * width + code) * HIST_LANES + lane */
    size_t cap;       /* entries in use (zeroed) */
    size_t alloc;     /* entries allocated */
    uint64_t rows;    /* counted since the last fold (folds before a count could overflow) */
    /* aggregates over the same column (SUM(CASE WHEN event_type = 'x' ...) for several x) read
     * the same codes: the first counts (group, code) pairs, the others (lead >= 0) keep only
     * their dictionary of values and are folded with its counts */
    int lead;
    uint64_t batch;      /* the exec_agg_add call that counted last */
    const uint32_t *src; /* the codes it counted */
} dhist;

typedef struct acc {
    int64_t *cnt;
    int64_t *i;
    double *f;
    pq_str *s;
    uint8_t *has;
    dset set;
    dmarks marks;
    dhist hist;
} acc;

/* Grouping on coded keys: a map from the combined codes to the group, kept while the keys'
 * dictionaries stay the same (a row group). */
#define AGG_CODE_MAP_MAX (1u << 20)
#define AGG_CODED_KEYS_MAX 16
typedef struct code_map {
    uint64_t *ids; /* the dictionaries it was built for, one per key */
    /* and those dictionaries (alive until the row group's flush), with dict_n + 1 rows each */
    const exec_vec *dicts[AGG_CODED_KEYS_MAX];
    uint32_t widths[AGG_CODED_KEYS_MAX];
    uint32_t *gid1; /* gid + 1, 0 unseen */
    size_t n, cap;
    bool valid;
    /* COUNT(*) as the only aggregate: rows counted per combination of codes, in lanes
     * (star[idx * HIST_LANES + lane]), folded into the groups by star_fold */
    uint32_t *star;
    size_t star_cap;
    uint64_t star_rows; /* counted since the last fold */
} code_map;
#define AGG_STAR_CODES_MAX 4096 /* combinations counted that way (64 KiB of lanes) */

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
    code_map cmap;
    bool single;               /* every row of the batch being added is in one group */
    bool star_only;            /* every aggregate is COUNT(*) */
    uint64_t batch;            /* exec_agg_add calls so far */
    uint32_t iota[EXEC_BATCH]; /* 0, 1, 2...: the rows of a batch without a selection */
    uint32_t star_lanes[AGG_STAR_LANE_GROUPS * HIST_LANES]; /* COUNT(*) of a batch over few groups */
};

static bool countable_kind(exec_agg_kind k) {
    return k == EXEC_AGG_COUNT || k == EXEC_AGG_COUNT_IF || k == EXEC_AGG_SUM || k == EXEC_AGG_AVG;
}

/* The one column a COUNT/COUNT_IF/SUM/AVG argument reads, -1 if none or several. */
static int countable_column(const exec_agg_spec *sp) {
    if (!sp->arg || !countable_kind(sp->kind)) return -1;
    if (sp->arg->kind == X_COL) return sp->arg->col;
    return exec_expr_single_column(sp->arg);
}

exec_agg *exec_agg_new(size_t nkeys, exec_expr *const *keys, size_t nspecs, const exec_agg_spec *specs) {
    exec_agg *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->nkeys = nkeys;
    a->keys = keys;
    a->nspecs = nspecs;
    a->specs = specs;
    a->key_types = calloc(nkeys + 1, sizeof *a->key_types);
    a->accs = calloc(nspecs + 1, sizeof *a->accs);
    a->cmap.ids = calloc(nkeys + 1, sizeof *a->cmap.ids);
    ev_arena_init(&a->strings, NULL, 64 << 10);
    if (!a->key_types || !a->accs || !a->cmap.ids) {
        exec_agg_free(a);
        return NULL;
    }
    for (size_t k = 0; k < nkeys; k++)
        a->key_types[k] = keys[k]->type;
    a->star_only = nspecs > 0;
    for (size_t k = 0; k < nspecs; k++)
        a->star_only &= specs[k].kind == EXEC_AGG_COUNT_STAR;
    for (uint32_t r = 0; r < EXEC_BATCH; r++)
        a->iota[r] = r;
    for (size_t k = 0; k < nspecs; k++) {
        a->accs[k].hist.lead = -1;
        int col = countable_column(&specs[k]);
        for (size_t j = 0; j < k && col >= 0; j++)
            if (a->accs[j].hist.lead < 0 && countable_column(&specs[j]) == col) {
                a->accs[k].hist.lead = (int)j;
                break;
            }
    }
    if (exec_table_init(&a->keytab, nkeys, NULL, a->key_types, NULL) != EV_OK) {
        exec_agg_free(a);
        return NULL;
    }
    return a;
}

static void dset_free(dset *d) {
    free(d->e);
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
        free(c->hist.counts);
        free(c->marks.seen);
        free(c->marks.slot_gid);
        free(c->marks.slot_of);
        free(c->marks.todo);
        exec_known_free(c->marks.known);
    }
    free(a->cmap.ids);
    free(a->cmap.gid1);
    free(a->cmap.star);
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

static inline uint64_t value_hash(const exec_vec *v, size_t r) {
    /* strings hashed inline (exec_hash_value's own result): the resolve loops hash millions */
    if (v->type == SQL_T_VARCHAR && !(v->nulls && v->nulls[r]))
        return exec_hash_bytes(v->s[r].ptr, v->s[r].len) | (1ULL << 63);
    return exec_hash_value(v, r) | (1ULL << 63);
}

static size_t dset_slot(uint64_t h, uint32_t gid, size_t cap) {
    return (h ^ gid * 0x9e3779b97f4a7c15ULL) & (cap - 1);
}

/* A zeroed slot array. Big sets get 2 MiB pages where the kernel offers them: their probes land at
 * random, and with 4 KiB pages nearly every one also misses the TLB (measured: a third of
 * COUNT(DISTINCT)'s resolve time on 90,000 ids per row group). */
static dent *dset_slots(size_t n) {
    size_t bytes = n * sizeof(dent), huge = (size_t)2 << 20;
    if (bytes < huge) return calloc(n, sizeof(dent));
    void *p = NULL;
    if (posix_memalign(&p, huge, bytes)) return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    memset(p, 0, bytes);
    return p;
}

static ev_status dset_grow(dset *d, ev_error *err) {
    size_t nc = d->cap ? d->cap * 2 : 1024;
    dent *e = dset_slots(nc);
    if (!e) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
    for (size_t k = 0; k < d->cap; k++) {
        if (!d->e[k].h) continue;
        size_t p = dset_slot(d->e[k].h, d->e[k].gid, nc);
        while (e[p].h)
            p = (p + 1) & (nc - 1);
        e[p] = d->e[k];
    }
    free(d->e);
    d->e = e;
    d->cap = nc;
    return EV_OK;
}

static pq_str dent_str(const dent *e) {
    return (pq_str){e->len <= DSET_INLINE ? e->inl : e->ptr, e->len};
}

/* A string of at most DSET_INLINE bytes into a zeroed inline buffer with at most four fixed-size
 * overlapping copies: a variable-length memcpy is a library call per insert. */
static inline void inline_copy(char *dst, pq_str s) {
    const char *p = s.ptr;
    uint32_t n = s.len;
    if (n >= 8) {
        memcpy(dst, p, 8);
        memcpy(dst + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, p, 4);
        memcpy(dst + n - 4, p + n - 4, 4);
    } else if (n) {
        dst[0] = p[0];
        dst[n / 2] = p[n / 2];
        dst[n - 1] = p[n - 1];
    }
}

static inline bool inline_eq(const char *a, const char *b) {
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Inserts (gid, value) unless present. */
static ev_status dset_add(exec_agg *a, dset *d, uint32_t gid, uint64_t h, sql_type t, int64_t iv, pq_str sv,
                          exec_budget *bud, ev_error *err) {
    /* grown past 3/4 full, not 1/2: COUNT(DISTINCT) of ids per hour holds 2 M (hour, id) pairs per
     * column and worker, and the doubling at half full cost 256 MiB of slots to zero and refill
     * (per hour: 2.2 -> 1.2 s, peak RSS 2.1 -> 1.5 GB; Q5 unchanged within noise) */
    if ((d->n + 1) * 4 > d->cap * 3) {
        size_t before = d->cap;
        EV_TRY(dset_grow(d, err));
        EV_TRY(exec_budget_take(bud, (d->cap - before) * sizeof(dent), err));
    }
    bool str = t == SQL_T_VARCHAR, inl = str && sv.len <= DSET_INLINE;
    dent key = {.h = h, .gid = gid, .len = str ? sv.len : 0};
    if (!str)
        key.iv = iv;
    else if (inl)
        inline_copy(key.inl, sv);
    size_t p = dset_slot(h, gid, d->cap);
    for (;;) {
        dent *e = &d->e[p];
        if (!e->h) break;
        if (e->h == h && e->gid == gid && e->len == key.len) {
            if (!str || inl ? inline_eq(e->inl, key.inl) : !memcmp(e->ptr, sv.ptr, sv.len)) return EV_OK;
        }
        p = (p + 1) & (d->cap - 1);
    }
    if (str && !inl) {
        char *copy = ev_arena_alloc(&a->strings, sv.len);
        if (!copy) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        memcpy(copy, sv.ptr, sv.len);
        key.ptr = copy;
    }
    d->e[p] = key;
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

/* ---- COUNT(DISTINCT) on codes ---- */

#define AGG_MARKS_MAX_BYTES (16u << 20)

/* Inserts the strings or values of dictionary entries codes[0..n) into group g's set. */
static ev_status insert_codes(exec_agg *a, dset *set, uint32_t g, const exec_vec *d, const uint32_t *codes,
                              size_t n, exec_budget *bud, ev_error *err) {
    /* a set bigger than the caches makes every insert a memory miss: hash a block of codes
     * first, then insert while prefetching the slots a few inserts ahead */
    enum { BLOCK = 256, AHEAD = 12 };
    uint64_t hs[BLOCK];
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t nb = n - b < BLOCK ? n - b : BLOCK;
        for (size_t i = 0; i < nb; i++)
            hs[i] = value_hash(d, codes[b + i]);
        for (size_t i = 0; i < nb; i++) {
            if (i + AHEAD < nb && set->cap)
                __builtin_prefetch(&set->e[dset_slot(hs[i + AHEAD], g, set->cap)]);
            uint32_t k = codes[b + i];
            EV_TRY(dset_add(a, set, g, hs[i], d->type, value_bits(d, k),
                            d->type == SQL_T_VARCHAR ? d->s[k] : (pq_str){"", 0}, bud, err));
        }
    }
    return EV_OK;
}

/* Adds the marked codes to the set; the marks are cleared, the dictionary kept. Strings go through
 * the group's known list first (exec_known.c) when the row group met few groups. */
static ev_status marks_resolve(exec_agg *a, acc *c, exec_budget *bud, ev_error *err) {
    dmarks *m = &c->marks;
    const exec_vec *d = m->dict;
    bool strings = d->type == SQL_T_VARCHAR && m->nslots <= EXEC_KNOWN_GROUPS;
    if (m->todo_cap < 2 * m->width) { /* the marked codes, then those the set may lack */
        uint32_t *nt = realloc(m->todo, 2 * m->width * sizeof *nt);
        if (!nt) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        m->todo = nt;
        m->todo_cap = 2 * m->width;
    }
    if (strings && !m->known && !(m->known = exec_known_new()))
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
    for (uint32_t s = 0; s < m->nslots; s++) {
        uint32_t g = m->slot_gid[s];
        uint8_t *row = m->seen + (size_t)s * m->width;
        size_t n = 0;
        for (size_t code = 0; code < m->width; code++) {
            if (!row[code]) continue;
            row[code] = 0;
            if (d->type == SQL_T_UNKNOWN || (d->nulls && d->nulls[code])) continue;
            m->todo[n++] = (uint32_t)code;
        }
        const uint32_t *ins = m->todo;
        if (strings && n) {
            EV_TRY(exec_known_filter(m->known, g, d, m->todo, n, m->todo + m->width, &n, bud, err));
            ins = m->todo + m->width;
        }
        EV_TRY(insert_codes(a, &c->set, g, d, ins, n, bud, err));
        m->slot_of[g] = 0;
    }
    m->nslots = 0;
    return EV_OK;
}

/* The mark row of group g, a new one if needed. */
static ev_status marks_row(acc *c, uint32_t g, uint8_t **row, exec_agg *a, exec_budget *bud, ev_error *err) {
    dmarks *m = &c->marks;
    if (!m->slot_of[g]) {
        if (m->nslots && (size_t)(m->nslots + 1) * m->width > AGG_MARKS_MAX_BYTES)
            EV_TRY(marks_resolve(a, c, bud, err));
        size_t need = (size_t)(m->nslots + 1) * m->width;
        if (need > m->seen_cap) {
            size_t nc = m->seen_cap ? m->seen_cap * 2 : 4096;
            while (nc < need)
                nc *= 2;
            EV_TRY(exec_budget_take(bud, nc - m->seen_cap, err));
            uint8_t *ns = realloc(m->seen, nc);
            if (!ns) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
            memset(ns + m->seen_cap, 0, nc - m->seen_cap);
            m->seen = ns;
            m->seen_cap = nc;
        }
        if (m->nslots == m->slot_cap) {
            uint32_t nc = m->slot_cap ? m->slot_cap * 2 : 16;
            uint32_t *ng = realloc(m->slot_gid, nc * sizeof *ng);
            if (!ng) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
            m->slot_gid = ng;
            m->slot_cap = nc;
        }
        m->slot_gid[m->nslots] = g;
        m->slot_of[g] = ++m->nslots;
    }
    *row = m->seen + (size_t)(m->slot_of[g] - 1) * m->width;
    return EV_OK;
}

static ev_status marks_add(exec_agg *a, acc *c, const exec_vec *v, const uint32_t *gids, const uint32_t *rows,
                           size_t n, exec_budget *bud, ev_error *err) {
    dmarks *m = &c->marks;
    if (m->dict_id != v->dict_id) {
        if (m->dict_id) EV_TRY(marks_resolve(a, c, bud, err));
        m->dict_id = v->dict_id;
        m->dict = v->dict;
        m->width = (size_t)v->dict_n + 1;
    }
    if (m->slot_of_cap < a->ngroups) {
        size_t nc = a->gcap;
        uint32_t *ns = realloc(m->slot_of, nc * sizeof *ns);
        if (!ns) return ev_error_set(err, EV_ERR_NOMEM, "out of memory in COUNT(DISTINCT)");
        memset(ns + m->slot_of_cap, 0, (nc - m->slot_of_cap) * sizeof *ns);
        m->slot_of = ns;
        m->slot_of_cap = nc;
    }
    uint32_t last = UINT32_MAX;
    uint8_t *row = NULL;
    if (a->single) { /* one group: a store a row, nothing else in the loop */
        EV_TRY(marks_row(c, gids[0], &row, a, bud, err));
        const uint32_t *codes = v->codes;
        if (rows == a->iota)
            for (size_t j = 0; j < n; j++)
                row[codes[j]] = 1;
        else
            for (size_t j = 0; j < n; j++)
                row[codes[rows[j]]] = 1;
        return EV_OK;
    }
    for (size_t j = 0; j < n; j++) {
        if (gids[j] != last) {
            last = gids[j];
            EV_TRY(marks_row(c, last, &row, a, bud, err));
        }
        row[v->codes[rows[j]]] = 1;
    }
    return EV_OK;
}

/* ---- COUNT/SUM/AVG on codes ---- */

/* n rows of group g whose argument is dictionary entry `code` of d, into aggregate k. */
static ev_status fold_count(exec_agg *a, size_t k, const exec_vec *d, size_t g, size_t code, int64_t n,
                            ev_error *err) {
    acc *c = &a->accs[k];
    exec_agg_kind kind = a->specs[k].kind;
    if (d->type == SQL_T_UNKNOWN || (d->nulls && d->nulls[code])) return EV_OK;
    if (kind == EXEC_AGG_COUNT) {
        c->cnt[g] += n;
    } else if (kind == EXEC_AGG_COUNT_IF) {
        c->cnt[g] += d->i[code] ? n : 0;
    } else {
        c->cnt[g] += n;
        c->has[g] = 1;
        int64_t prod;
        if (d->type == SQL_T_DOUBLE)
            c->f[g] += d->f[code] * (double)n;
        else if (__builtin_mul_overflow(d->i[code], n, &prod) ||
                 __builtin_add_overflow(c->i[g], prod, &c->i[g]))
            return ev_error_set(err, EV_ERR_INPUT, "bigint addition overflow in SUM");
    }
    return EV_OK;
}

/* Adds lead aggregate k's counts to it and to the aggregates that share them, then clears them. */
static ev_status hist_fold(exec_agg *a, size_t k, ev_error *err) {
    dhist *h = &a->accs[k].hist;
    size_t groups = h->cap / (h->width * HIST_LANES);
    for (size_t g = 0; g < groups; g++) {
        uint32_t *row = h->counts + g * h->width * HIST_LANES;
        for (size_t code = 0; code < h->width; code++) {
            uint32_t *lanes = row + code * HIST_LANES;
            int64_t n = 0;
            for (int l = 0; l < HIST_LANES; l++) {
                n += lanes[l];
                lanes[l] = 0;
            }
            if (!n) continue;
            EV_TRY(fold_count(a, k, h->dict, g, code, n, err));
            for (size_t f = k + 1; f < a->nspecs; f++)
                if (a->accs[f].hist.lead == (int)k && a->accs[f].hist.dict)
                    EV_TRY(fold_count(a, f, a->accs[f].hist.dict, g, code, n, err));
        }
    }
    h->rows = 0;
    return EV_OK;
}

static ev_status hist_add(exec_agg *a, size_t k, const exec_vec *v, const uint32_t *gids,
                          const uint32_t *rows, size_t n, exec_budget *bud, ev_error *err) {
    dhist *h = &a->accs[k].hist;
    if (h->lead >= 0) {
        /* the lead counted these very codes earlier in this call: keep the dictionary to fold with */
        const dhist *l = &a->accs[h->lead].hist;
        if (l->batch != a->batch || l->src != v->codes || l->width != (size_t)v->dict_n + 1)
            return ev_error_set(err, EV_ERR_INTERNAL, "aggregates over one column read different codes");
        h->dict_id = v->dict_id;
        h->dict = v->dict;
        h->width = l->width;
        return EV_OK;
    }
    h->batch = a->batch;
    h->src = v->codes;
    if (h->dict_id != v->dict_id || h->rows + n > UINT32_MAX) {
        if (h->dict_id) EV_TRY(hist_fold(a, k, err));
        if (h->dict_id != v->dict_id) h->cap = 0; /* the fold left every count zero */
        h->dict_id = v->dict_id;
        h->dict = v->dict;
        h->width = (size_t)v->dict_n + 1;
    }
    size_t need = a->ngroups * h->width * HIST_LANES;
    if (need > h->cap) {
        size_t have = h->cap;
        if (need > h->alloc) { /* the budget counts memory held, not each row group's reuse of it */
            uint32_t *nc = realloc(h->counts, need * sizeof *nc);
            if (!nc) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
            h->counts = nc;
            EV_TRY(exec_budget_take(bud, (need - h->alloc) * sizeof *nc, err));
            h->alloc = need;
        }
        memset(h->counts + have, 0, (need - have) * sizeof *h->counts);
        h->cap = need;
    }
    uint32_t *restrict counts = h->counts;
    const uint32_t *codes = v->codes;
    size_t w = h->width;
    /* consecutive rows count into different lanes: repeated (group, code) pairs, the common case,
     * would otherwise wait on each other's increment */
    for (size_t j = 0; j < n; j++)
        counts[(gids[j] * w + codes[rows[j]]) * HIST_LANES + (j & (HIST_LANES - 1))]++;
    h->rows += n;
    return EV_OK;
}

static ev_status star_fold(exec_agg *a, exec_budget *bud, ev_error *err);

ev_status exec_agg_flush(exec_agg *a, exec_budget *bud, ev_error *err) {
    EV_TRY(star_fold(a, bud, err));
    for (size_t k = 0; k < a->nspecs; k++) {
        dhist *h = &a->accs[k].hist;
        if (h->lead < 0 && h->dict_id) EV_TRY(hist_fold(a, k, err)); /* with its followers */
    }
    for (size_t k = 0; k < a->nspecs; k++) {
        a->accs[k].hist.dict_id = 0;
        a->accs[k].hist.dict = NULL;
    }
    for (size_t k = 0; k < a->nspecs; k++) {
        acc *c = &a->accs[k];
        if (!c->marks.dict_id) continue;
        EV_TRY(marks_resolve(a, c, bud, err));
        c->marks.dict_id = 0;
        c->marks.dict = NULL;
    }
    return EV_OK;
}

/* ---- grouping on codes ---- */

/* The group of one combination of codes: the generic lookup on the dictionaries' rows. */
static ev_status group_of_codes(exec_agg *a, const exec_vec *const *dicts, const uint32_t *codes,
                                uint32_t *gid, exec_budget *bud, ev_error *err) {
    exec_vec one[AGG_CODED_KEYS_MAX];
    for (size_t k = 0; k < a->nkeys; k++) {
        const exec_vec *d = dicts[k];
        size_t w = exec_type_size(d->type);
        one[k] = (exec_vec){.type = d->type,
                            .p = (char *)d->p + codes[k] * w,
                            .nulls = d->nulls ? d->nulls + codes[k] : NULL};
    }
    return find_group(a, one, 0, exec_hash_row(one, a->nkeys, 0), gid, bud, err);
}

/* The group of combined code idx of the map's dictionaries, created if new. */
static ev_status group_of_index(exec_agg *a, size_t idx, uint32_t *gid, exec_budget *bud, ev_error *err) {
    code_map *m = &a->cmap;
    uint32_t g1 = m->gid1[idx];
    if (!g1) {
        uint32_t codes[AGG_CODED_KEYS_MAX], g;
        size_t rest = idx;
        for (size_t k = 0; k < a->nkeys; k++) {
            size_t w = m->widths[k];
            codes[k] = (uint32_t)(rest % w);
            rest /= w;
        }
        EV_TRY(group_of_codes(a, m->dicts, codes, &g, bud, err));
        g1 = m->gid1[idx] = g + 1;
    }
    *gid = g1 - 1;
    return EV_OK;
}

/* Adds the pending COUNT(*) counts per combination of codes to their groups and clears them. */
static ev_status star_fold(exec_agg *a, exec_budget *bud, ev_error *err) {
    code_map *m = &a->cmap;
    if (!m->star_rows) return EV_OK;
    for (size_t idx = 0; idx < m->n; idx++) {
        uint32_t *l = m->star + idx * HIST_LANES;
        int64_t c = (int64_t)l[0] + l[1] + l[2] + l[3];
        if (!c) continue;
        memset(l, 0, HIST_LANES * sizeof *l);
        uint32_t g;
        EV_TRY(group_of_index(a, idx, &g, bud, err));
        for (size_t k = 0; k < a->nspecs; k++)
            a->accs[k].cnt[g] += c;
    }
    m->star_rows = 0;
    return EV_OK;
}

/* Readies the map for keys kv (all coded, `total` combinations): kept while the dictionaries are
 * the same, else emptied (pending counts folded first, with the dictionaries they counted). */
static ev_status code_map_prepare(exec_agg *a, const exec_vec *kv, size_t total, exec_budget *bud,
                                  ev_error *err) {
    code_map *m = &a->cmap;
    bool same = m->valid && m->n == total;
    for (size_t k = 0; k < a->nkeys && same; k++)
        same = m->ids[k] == kv[k].dict_id;
    if (same) return EV_OK;
    EV_TRY(star_fold(a, bud, err));
    if (total > m->cap) {
        EV_TRY(exec_budget_take(bud, (total - m->cap) * sizeof *m->gid1, err));
        uint32_t *ng = realloc(m->gid1, total * sizeof *ng);
        if (!ng) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
        m->gid1 = ng;
        m->cap = total;
    }
    memset(m->gid1, 0, total * sizeof *m->gid1);
    for (size_t k = 0; k < a->nkeys; k++) {
        m->ids[k] = kv[k].dict_id;
        m->dicts[k] = kv[k].dict;
        m->widths[k] = kv[k].dict_n + 1;
    }
    m->n = total;
    m->valid = true;
    return EV_OK;
}

/* The number of combinations of the keys' codes, or 0 when some key is not coded (in the key's
 * type) or there are more than `max`. */
static size_t coded_total(const exec_agg *a, const exec_vec *kv, size_t max) {
    size_t total = 1;
    if (a->nkeys > AGG_CODED_KEYS_MAX) return 0;
    for (size_t k = 0; k < a->nkeys; k++) {
        if (!kv[k].codes || kv[k].dict->type != a->key_types[k]) return 0;
        total *= (size_t)kv[k].dict_n + 1;
        if (total > max) return 0;
    }
    return total;
}

/* The keys' codes as a combined code: keys of one value for the whole batch (partition columns)
 * add a constant, *base; the others are listed in codes[] with their strides. Returns how many
 * vary. */
static size_t split_keys(const exec_agg *a, const exec_vec *kv, const uint32_t **codes, uint32_t *strides,
                         uint32_t *base) {
    size_t stride = 1, varying = 0;
    *base = 0;
    for (size_t k = 0; k < a->nkeys; k++) {
        if (kv[k].uniform) {
            *base += kv[k].codes[0] * (uint32_t)stride;
        } else {
            codes[varying] = kv[k].codes;
            strides[varying++] = (uint32_t)stride;
        }
        stride *= (size_t)kv[k].dict_n + 1;
    }
    return varying;
}

/* Combined codes of rows[0..n) of the varying keys split_keys listed into idxs (without its
 * base). Up to two keys in one pass over the rows (Q4's category and event_type), more a key at a
 * time. */
static void combine_codes(const uint32_t *const *codes, const uint32_t *strides, size_t varying,
                          const uint32_t *rows, size_t n, uint32_t *idxs) {
    const uint32_t *c0 = codes[0], *c1 = varying > 1 ? codes[1] : NULL;
    uint32_t s0 = strides[0], s1 = varying > 1 ? strides[1] : 0;
    if (c1) {
        for (size_t j = 0; j < n; j++)
            idxs[j] = c0[rows[j]] * s0 + c1[rows[j]] * s1;
    } else {
        for (size_t j = 0; j < n; j++)
            idxs[j] = c0[rows[j]] * s0;
    }
    for (size_t v = 2; v < varying; v++)
        for (size_t j = 0; j < n; j++)
            idxs[j] += codes[v][rows[j]] * strides[v];
}

/* COUNT(*) as the only aggregate over coded keys (Q3: product_id, Q4: category and event_type):
 * rows are counted per combination of codes in lanes and folded into the groups when the
 * dictionaries change or the row group ends. A row costs one increment and no group lookup.
 * *done false when the keys do not allow it. */
static ev_status star_codes_add(exec_agg *a, const exec_vec *kv, const uint32_t *rows, size_t n,
                                uint32_t *scratch, bool *done, exec_budget *bud, ev_error *err) {
    *done = false;
    code_map *m = &a->cmap;
    size_t total = coded_total(a, kv, AGG_STAR_CODES_MAX);
    if (!total) return EV_OK;
    EV_TRY(code_map_prepare(a, kv, total, bud, err));
    if (m->star_cap < total * HIST_LANES) {
        size_t nc = AGG_STAR_CODES_MAX * HIST_LANES;
        EV_TRY(exec_budget_take(bud, (nc - m->star_cap) * sizeof *m->star, err));
        uint32_t *ns = realloc(m->star, nc * sizeof *ns);
        if (!ns) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
        memset(ns + m->star_cap, 0, (nc - m->star_cap) * sizeof *ns);
        m->star = ns;
        m->star_cap = nc;
    }
    if (m->star_rows + n > UINT32_MAX) EV_TRY(star_fold(a, bud, err));
    uint32_t base, strides[AGG_CODED_KEYS_MAX];
    const uint32_t *codes[AGG_CODED_KEYS_MAX];
    size_t varying = split_keys(a, kv, codes, strides, &base);
    if (varying) combine_codes(codes, strides, varying, rows, n, scratch);
    uint32_t *restrict l = m->star;
    if (!varying) {
        /* one combination: its four lanes share the count (each stays below 2^32) */
        for (int ln = 0; ln < HIST_LANES; ln++)
            l[base * HIST_LANES + ln] += (uint32_t)(n / HIST_LANES + ((size_t)ln < n % HIST_LANES));
    } else {
        for (size_t j = 0; j < n; j++)
            l[(scratch[j] + base) * HIST_LANES + (j & (HIST_LANES - 1))]++;
    }
    m->star_rows += n;
    *done = true;
    return EV_OK;
}

/* Groups the rows through a map from combined codes when every key is coded; *done false when
 * some key is not or the map would be too big (the caller hashes rows instead). */
static ev_status coded_groups(exec_agg *a, const exec_vec *kv, const uint32_t *rows, size_t n, uint32_t *gids,
                              bool *done, exec_budget *bud, ev_error *err) {
    *done = false;
    code_map *m = &a->cmap;
    size_t total = coded_total(a, kv, AGG_CODE_MAP_MAX);
    if (!total) return EV_OK;
    EV_TRY(code_map_prepare(a, kv, total, bud, err));
    uint32_t *idxs = gids; /* gids doubles as scratch: each slot is read before it is written */
    uint32_t base, strides[AGG_CODED_KEYS_MAX];
    const uint32_t *codes[AGG_CODED_KEYS_MAX];
    /* one varying key (Q1's product_id): its codes are read in the loop below, not combined and
     * stored first (Q1 -6%) */
    size_t varying = split_keys(a, kv, codes, strides, &base);
    const uint32_t *c0 = varying == 1 ? codes[0] : NULL;
    uint32_t s0 = c0 ? strides[0] : 0;
    if (varying > 1) combine_codes(codes, strides, varying, rows, n, idxs);
    if (!varying) { /* one group for the whole batch */
        uint32_t g;
        EV_TRY(group_of_index(a, base, &g, bud, err));
        for (size_t j = 0; j < n; j++)
            gids[j] = g;
        a->single = true;
        *done = true;
        return EV_OK;
    }
    for (size_t j = 0; j < n; j++) {
        size_t idx = (c0 ? c0[rows[j]] * s0 : idxs[j]) + base;
        uint32_t g1 = m->gid1[idx];
        if (!g1) {
            uint32_t g;
            EV_TRY(group_of_index(a, idx, &g, bud, err));
            g1 = g + 1;
        }
        gids[j] = g1 - 1;
    }
    *done = true;
    return EV_OK;
}

/* ---- accumulate ---- */

static ev_status keep_string(exec_agg *a, pq_str s, pq_str *out, ev_error *err) {
    char *p = s.len ? ev_arena_alloc(&a->strings, s.len) : (char *)"";
    if (!p) return ev_error_set(err, EV_ERR_NOMEM, "out of memory aggregating");
    if (s.len) memcpy(p, s.ptr, s.len);
    *out = (pq_str){p, s.len};
    return EV_OK;
}

/* SUM/AVG of rows that all fall in group g (a batch of one partition, grouped by partition keys):
 * four sums in registers, added to the group once. Adding into the group's slot row after row
 * waits on the previous row's store every time (~9 cycles a row). Doubles are then added in
 * another order than row by row; like Trino's, a double sum's last digits depend on the order. */
static ev_status sum_one_group(acc *c, const exec_vec *v, uint32_t g, const uint32_t *rows, size_t n,
                               ev_error *err) {
    const uint8_t *nulls = v->nulls;
    int64_t valid = 0;
    if (v->type == SQL_T_DOUBLE) {
        double s[4] = {0, 0, 0, 0};
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            bool ok = !(nulls && nulls[r]);
            s[j & 3] += ok ? v->f[r] : 0.0;
            valid += ok;
        }
        if (valid) c->f[g] += (s[0] + s[1]) + (s[2] + s[3]);
    } else {
        int64_t s = 0;
        bool over = false;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            bool ok = !(nulls && nulls[r]);
            over |= __builtin_add_overflow(s, ok ? v->i[r] : 0, &s);
            valid += ok;
        }
        if (valid) over |= __builtin_add_overflow(c->i[g], s, &c->i[g]);
        if (over) return ev_error_set(err, EV_ERR_INPUT, "bigint addition overflow in SUM");
    }
    c->cnt[g] += valid;
    if (valid) c->has[g] = 1;
    return EV_OK;
}

static ev_status update(exec_agg *a, size_t k, const exec_vec *v, const uint32_t *gids, const uint32_t *rows,
                        size_t n, exec_budget *bud, ev_error *err) {
    const exec_agg_spec *sp = &a->specs[k];
    acc *c = &a->accs[k];
    /* the accumulators in locals: stores through them could alias the struct, so the compiler
     * would reload every pointer on every row */
    int64_t *restrict cnt = c->cnt;
    switch (sp->kind) {
    case EXEC_AGG_COUNT_STAR: {
        /* one group for the whole batch (keys of partition columns): one addition, not a chain of
         * increments of the same counter */
        if (!n) return EV_OK;
        if (a->single) {
            cnt[gids[0]] += (int64_t)n;
            return EV_OK;
        }
        if (a->ngroups * HIST_LANES <= n && a->ngroups <= AGG_STAR_LANE_GROUPS) {
            /* few groups, each seen many times: counts in lanes, so that consecutive rows of one
             * group do not wait on each other's increment (Q4: 30 groups a day) */
            uint32_t *restrict l = a->star_lanes;
            memset(l, 0, a->ngroups * HIST_LANES * sizeof *l);
            for (size_t j = 0; j < n; j++)
                l[gids[j] * HIST_LANES + (j & (HIST_LANES - 1))]++;
            for (size_t g = 0; g < a->ngroups; g++)
                cnt[g] += (int64_t)l[g * HIST_LANES] + l[g * HIST_LANES + 1] + l[g * HIST_LANES + 2] +
                          l[g * HIST_LANES + 3];
            return EV_OK;
        }
        for (size_t j = 0; j < n; j++)
            cnt[gids[j]]++;
        return EV_OK;
    }
    case EXEC_AGG_COUNT:
        for (size_t j = 0; j < n; j++)
            cnt[gids[j]] += !ISNULL(v, rows[j]);
        return EV_OK;
    case EXEC_AGG_COUNT_IF:
        for (size_t j = 0; j < n; j++)
            cnt[gids[j]] += !ISNULL(v, rows[j]) && v->i[rows[j]];
        return EV_OK;
    case EXEC_AGG_SUM:
    case EXEC_AGG_AVG: {
        if (v->type == SQL_T_UNKNOWN) return EV_OK;
        uint8_t *restrict has = c->has;
        const uint8_t *nulls = v->nulls;
        if (n && a->single) return sum_one_group(c, v, gids[0], rows, n, err);
        if (v->type == SQL_T_DOUBLE) {
            double *restrict f = c->f;
            const double *x = v->f;
            for (size_t j = 0; j < n; j++) {
                size_t r = rows[j];
                if (nulls && nulls[r]) continue;
                uint32_t g = gids[j];
                cnt[g]++;
                has[g] = 1;
                f[g] += x[r];
            }
            return EV_OK;
        }
        int64_t *restrict acc_i = c->i;
        const int64_t *x = v->i;
        bool over = false;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows[j];
            if (nulls && nulls[r]) continue;
            uint32_t g = gids[j];
            cnt[g]++;
            has[g] = 1;
            over |= __builtin_add_overflow(acc_i[g], x[r], &acc_i[g]);
        }
        if (over) return ev_error_set(err, EV_ERR_INPUT, "bigint addition overflow in SUM");
        return EV_OK;
    }
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

static bool hist_eligible(const exec_vec *v) {
    return v->codes && !v->uniform && v->dict_n < AGG_HIST_MAX_WIDTH;
}

/* An aggregate sharing another's counts goes on alone (for good) when this batch gives the two
 * arguments in different forms (an expression over a partition column loses the one-value mark
 * its column has): the shared counts so far are folded first, before either counts this batch.
 * The arguments are evaluated through the dictionary memo: a second evaluation is a lookup. */
static ev_status check_followers(exec_agg *a, exec_eval *ev, const exec_batch *b) {
    for (size_t k = 0; k < a->nspecs; k++) {
        int lead = a->accs[k].hist.lead;
        if (lead < 0) continue;
        exec_vec vk, vl;
        EV_TRY(exec_eval_coded(ev, a->specs[k].arg, b, &vk));
        EV_TRY(exec_eval_coded(ev, a->specs[lead].arg, b, &vl));
        bool ek = hist_eligible(&vk), el = hist_eligible(&vl);
        if (ek == el && (!ek || (vk.codes == vl.codes && vk.dict_n == vl.dict_n))) continue;
        if (a->accs[lead].hist.dict_id) EV_TRY(hist_fold(a, (size_t)lead, ev->err));
        a->accs[k].hist.lead = -1;
        a->accs[k].hist.dict_id = 0;
        a->accs[k].hist.dict = NULL;
        a->accs[k].hist.cap = 0; /* its own counts start empty */
    }
    return EV_OK;
}

ev_status exec_agg_add(exec_agg *a, exec_eval *ev, const exec_batch *b, const uint32_t *sel, size_t nsel,
                       exec_budget *bud) {
    size_t n = sel ? nsel : b->n;
    if (!n) return EV_OK;
    const uint32_t *rows = sel;
    uint32_t *gids = exec_scratch(ev, n * sizeof *gids);
    if (!gids) return EV_ERR_NOMEM;
    if (!rows && n <= EXEC_BATCH) {
        rows = a->iota;
    } else if (!rows) {
        uint32_t *all = exec_scratch(ev, n * sizeof *all);
        if (!all) return EV_ERR_NOMEM;
        for (size_t j = 0; j < n; j++)
            all[j] = (uint32_t)j;
        rows = all;
    }
    a->single = false;
    a->batch++;
    if (a->nkeys == 0) {
        if (a->ngroups == 0) {
            if (a->gcap == 0) EV_TRY(grow_groups(a, bud, ev->err));
            a->ngroups = 1;
        }
        memset(gids, 0, n * sizeof *gids);
        a->single = true;
    } else {
        exec_vec *kv = exec_scratch(ev, a->nkeys * sizeof *kv);
        if (!kv) return EV_ERR_NOMEM;
        for (size_t k = 0; k < a->nkeys; k++)
            EV_TRY(exec_eval_coded(ev, a->keys[k], b, &kv[k]));
        bool done = false;
        if (a->star_only) EV_TRY(star_codes_add(a, kv, rows, n, gids, &done, bud, ev->err));
        if (done) return EV_OK;
        EV_TRY(coded_groups(a, kv, rows, n, gids, &done, bud, ev->err));
        if (!done) {
            uint64_t *h = exec_scratch(ev, b->n * sizeof *h);
            if (!h) return EV_ERR_NOMEM;
            for (size_t k = 0; k < a->nkeys; k++)
                EV_TRY(exec_vec_plain(ev, &kv[k], b->n));
            /* a row whose keys equal the previous row's joins its group without a lookup: keys
             * that follow the data's order (the hour of an event time) repeat in long runs */
            uint8_t *same = exec_scratch(ev, n);
            if (!same) return EV_ERR_NOMEM;
            for (size_t j = 0; j < n; j++) {
                bool eq = j > 0;
                for (size_t k = 0; k < a->nkeys && eq; k++)
                    eq = exec_eq_rows(&kv[k], rows[j], &kv[k], rows[j - 1]);
                same[j] = eq;
                if (!eq) h[j] = exec_hash_row(kv, a->nkeys, rows[j]);
            }
            for (size_t j = 0; j < n; j++) {
                if (same[j])
                    gids[j] = gids[j - 1];
                else
                    EV_TRY(find_group(a, kv, rows[j], h[j], &gids[j], bud, ev->err));
            }
        }
    }
    EV_TRY(check_followers(a, ev, b));
    for (size_t k = 0; k < a->nspecs; k++) {
        exec_vec v = {.type = SQL_T_UNKNOWN};
        const exec_agg_spec *sp = &a->specs[k];
        bool countable = sp->kind == EXEC_AGG_COUNT || sp->kind == EXEC_AGG_COUNT_IF ||
                         sp->kind == EXEC_AGG_SUM || sp->kind == EXEC_AGG_AVG;
        if (sp->kind == EXEC_AGG_COUNT_DISTINCT && sp->arg) {
            EV_TRY(exec_eval_coded(ev, sp->arg, b, &v));
            if (v.codes && v.type != SQL_T_UNKNOWN) {
                EV_TRY(marks_add(a, &a->accs[k], &v, gids, rows, n, bud, ev->err));
                continue;
            }
            EV_TRY(exec_vec_plain(ev, &v, b->n));
        } else if (countable && sp->arg) {
            EV_TRY(exec_eval_coded(ev, sp->arg, b, &v));
            if (hist_eligible(&v)) {
                EV_TRY(hist_add(a, k, &v, gids, rows, n, bud, ev->err));
                continue;
            }
            int lead = a->accs[k].hist.lead;
            if (lead >= 0 && a->accs[lead].hist.batch == a->batch)
                return ev_error_set(ev->err, EV_ERR_INTERNAL,
                                    "aggregates over one column read different codes");
            EV_TRY(exec_vec_plain(ev, &v, b->n));
        } else if (sp->arg) {
            EV_TRY(exec_eval_expr(ev, sp->arg, b, &v));
        }
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
    EV_TRY(exec_agg_flush(src, bud, err));
    EV_TRY(exec_agg_flush(dst, bud, err));
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
            if (s->e[p].h)
                st = dset_add(dst, &dst->accs[k].set, map[s->e[p].gid], s->e[p].h, t, s->e[p].iv,
                              dent_str(&s->e[p]), bud, err);
    }
    free(map);
    return st;
}

ev_status exec_agg_result(exec_agg *a, char *const *names, exec_table *out, ev_error *err) {
    EV_TRY(exec_agg_flush(a, NULL, err));
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
    for (size_t k = 0; k < a->nkeys && n; k++) { /* no groups (no rows): nothing to copy, maybe no arrays */
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
        if (sp->kind == EXEC_AGG_COUNT_DISTINCT && n) {
            memset(c->cnt, 0, n * 8);
            for (size_t p = 0; p < c->set.cap; p++)
                if (c->set.e[p].h) c->cnt[c->set.e[p].gid]++;
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
