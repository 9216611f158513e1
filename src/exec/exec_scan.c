/*
 * exec_scan.c: reading a catalog table. The catalog lists the files of tables the ETL writes (a
 * snapshot: one read transaction); tables registered by DDL or the crawler are listed from their
 * partitions' folders, as Athena does. Partition pruning evaluates the WHERE conjuncts that touch
 * only partition columns on each partition's values; row-group skipping compares column
 * statistics with `column op constant` conjuncts. Workers take files from a shared counter.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ev_time.h"
#include "exec_bind.h" /* REF_PLAIN */
#include "exec_int.h"
#include "exec_write.h" /* exec_table_prop */
#include "store.h"

typedef struct scan_file {
    char *path; /* absolute */
    uint64_t size, rows;
    exec_value *pvals; /* one per partition key */
    bool pruned;
    _Atomic uint32_t next_rg; /* the next row group a worker takes */
    /* open while workers scan its row groups: one reader (footer decoded and file mapped once)
     * shared by them; refs and the open/close under the scan's open_mu */
    pq_reader *r;
    int *file_cols; /* per scan column: its leaf in the file, -1 none */
    int refs;
    _Atomic uint64_t counted; /* of the reader's bytes read, those added to the query's bytes scanned */
} scan_file;

struct exec_scan {
    const cat_table *t;
    size_t ncols, ndata; /* all columns; data columns come first */
    sql_type *types;
    bool *needed;
    scan_file *files;
    size_t nfiles, cap;
    exec_expr **stat_conj; /* conjuncts usable against statistics */
    size_t nstat_conj;
    size_t nresidual;        /* conjuncts the partitions cannot decide: rows must be read for them */
    const exec_expr *filter; /* applied by the scan (exec_scan_set_filter), NULL: by the sink */
    bool *lazy;              /* per column: needed, not read by the filter: decoded after it */
    bool any_lazy;
    pthread_mutex_t open_mu; /* files' readers opened and closed (exec_scan_run) */
    pq_pool *pool;           /* column readers' buffers, shared by the workers */
    _Atomic size_t next;     /* the file the workers are taking row groups from */
    _Atomic uint64_t rg_total, rg_skipped, files_read;
    bool json;          /* a JSON table: files are read whole, one worker each */
    const char **names; /* column names (JSON keys) */
    uint64_t partitions_total, partitions_pruned;
};

static sql_type column_type(const char *t) {
    sql_type st;
    return sql_type_parse(t, &st) ? st : SQL_T_VARCHAR;
}

static ev_status add_file(exec_query *q, exec_scan *sc, const char *key, uint64_t size, uint64_t rows,
                          const char *spec) {
    if (sc->nfiles == sc->cap) {
        size_t nc = sc->cap ? sc->cap * 2 : 64;
        scan_file *nf = realloc(sc->files, nc * sizeof *nf);
        if (!nf) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory listing files");
        sc->files = nf;
        sc->cap = nc;
    }
    scan_file *f = &sc->files[sc->nfiles];
    memset(f, 0, sizeof *f);
    size_t hl = strlen(q->s->home), kl = strlen(key);
    f->path = ev_arena_alloc(q->arena, hl + kl + 2);
    size_t npk = sc->ncols - sc->ndata;
    f->pvals = ev_arena_alloc(q->arena, (npk ? npk : 1) * sizeof *f->pvals);
    if (!f->path || !f->pvals) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory listing files");
    if (key[0] == '/') {
        memcpy(f->path, key, kl + 1);
    } else {
        memcpy(f->path, q->s->home, hl);
        f->path[hl] = '/';
        memcpy(f->path + hl + 1, key, kl + 1);
    }
    f->size = size;
    f->rows = rows;
    /* partition values from the Hive spec "k=v/k=v", matched to the table's keys by name */
    for (size_t k = 0; k < npk; k++) {
        const char *want = sc->t->columns[sc->ndata + k].name;
        exec_value *v = &f->pvals[k];
        *v = (exec_value){.type = SQL_T_VARCHAR, .null = true};
        size_t wl = strlen(want);
        for (const char *p = spec; p && *p;) {
            const char *slash = strchr(p, '/');
            size_t seg = slash ? (size_t)(slash - p) : strlen(p);
            if (seg > wl && p[wl] == '=' && !strncasecmp(p, want, wl)) {
                char *val = ev_arena_strndup(q->arena, p + wl + 1, seg - wl - 1);
                if (!val) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
                v->null = !strcmp(val, "__HIVE_DEFAULT_PARTITION__");
                v->s = (pq_str){val, (uint32_t)(seg - wl - 1)};
                break;
            }
            p = slash ? slash + 1 : NULL;
        }
        sql_type want_t = sc->types[sc->ndata + k];
        if (want_t != SQL_T_VARCHAR && !v->null) {
            exec_eval ev = {.scratch = q->arena, .err = q->err};
            EV_TRY(exec_cast_value(&ev, v, want_t, true, (sql_pos){0, 0}));
        }
        v->type = want_t;
    }
    sc->nfiles++;
    return EV_OK;
}

typedef struct list_ctx {
    exec_query *q;
    exec_scan *sc;
    const char *spec;
    ev_status st;
    size_t count;
} list_ctx;

static int on_catalog_file(const cat_file_info *f, void *vctx) {
    list_ctx *c = vctx;
    c->st = add_file(c->q, c->sc, f->path, f->size, f->rows, f->partition_spec);
    c->count++;
    return c->st != EV_OK;
}

static int on_listed_file(const store_object_info *o, void *vctx) {
    list_ctx *c = vctx;
    const char *base = strrchr(o->key, '/');
    base = base ? base + 1 : o->key;
    if (base[0] == '_' || base[0] == '.') return 0;
    /* the spec of a file below an unpartitioned location is "" */
    c->st = add_file(c->q, c->sc, o->key, o->size, 0, c->spec);
    return c->st != EV_OK;
}

typedef struct part_list {
    char **specs, **locs;
    size_t n, cap;
} part_list;

static int on_partition(const cat_partition_info *p, void *vctx) {
    part_list *pl = vctx;
    if (pl->n == pl->cap) {
        size_t nc = pl->cap ? pl->cap * 2 : 32;
        char **ns = realloc(pl->specs, nc * sizeof *ns);
        if (!ns) return 1;
        pl->specs = ns;
        char **nl = realloc(pl->locs, nc * sizeof *nl);
        if (!nl) return 1;
        pl->locs = nl;
        pl->cap = nc;
    }
    pl->specs[pl->n] = strdup(p->spec);
    pl->locs[pl->n] = strdup(p->location);
    if (!pl->specs[pl->n] || !pl->locs[pl->n]) return 1;
    pl->n++;
    return 0;
}

static void part_list_free(part_list *pl) {
    for (size_t k = 0; k < pl->n; k++) {
        free(pl->specs[k]);
        free(pl->locs[k]);
    }
    free(pl->specs);
    free(pl->locs);
}

/* A location as a store key below the lake home ("analytics/events/"). */
static void location_key(const char *loc, char *out, size_t cap) {
    if (!strncmp(loc, "file://", 7)) loc += 7;
    if (!strncmp(loc, "s3://", 5)) {
        snprintf(out, cap, "%s", loc + 5); /* the local store's bucket folder */
    } else {
        snprintf(out, cap, "%s", loc);
    }
    size_t n = strlen(out);
    if (n && out[n - 1] != '/' && n + 1 < cap) {
        out[n] = '/';
        out[n + 1] = 0;
    }
}

static ev_status list_from_folders(exec_query *q, exec_scan *sc) {
    part_list pl = {0};
    ev_status st = cat_table_partitions(q->s->cat, sc->t->id, on_partition, &pl, q->err);
    store *s = NULL;
    if (st == EV_OK) st = store_open_local(q->s->home, NULL, &s, q->err);
    char key[2048];
    list_ctx c = {.q = q, .sc = sc};
    if (st == EV_OK && sc->t->npartition_keys == 0) {
        location_key(sc->t->location, key, sizeof key);
        c.spec = "";
        st = store_list(s, key[0] == '/' ? key + 1 : key, on_listed_file, &c, q->err);
        if (st == EV_ERR_CANCELLED) st = c.st;
    }
    for (size_t k = 0; st == EV_OK && k < pl.n; k++) {
        location_key(pl.locs[k], key, sizeof key);
        c.spec = pl.specs[k];
        st = store_list(s, key[0] == '/' ? key + 1 : key, on_listed_file, &c, q->err);
        if (st == EV_ERR_CANCELLED) st = c.st;
    }
    store_close(s);
    part_list_free(&pl);
    return st;
}

ev_status exec_scan_open(exec_query *q, const cat_table *t, const bool *needed, exec_scan **out) {
    exec_scan *sc = calloc(1, sizeof *sc);
    if (!sc) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    sc->t = t;
    sc->ncols = t->ncolumns;
    sc->ndata = t->ncolumns - t->npartition_keys;
    sc->types = ev_arena_alloc(q->arena, (sc->ncols + 1) * sizeof *sc->types);
    sc->needed = ev_arena_alloc(q->arena, sc->ncols + 1);
    if (!sc->types || !sc->needed) {
        free(sc);
        return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    }
    sc->json = t->format && !strcmp(t->format, "json");
    sc->names = ev_arena_alloc(q->arena, (sc->ncols + 1) * sizeof *sc->names);
    if (!sc->names) {
        free(sc);
        return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    }
    for (size_t c = 0; c < sc->ncols; c++) {
        sc->types[c] = column_type(t->columns[c].type);
        sc->needed[c] = needed ? needed[c] : true;
        sc->names[c] = t->columns[c].name;
    }
    list_ctx c = {.q = q, .sc = sc};
    ev_status st = cat_table_files(q->s->cat, t->id, on_catalog_file, &c, q->err);
    if (st == EV_ERR_CANCELLED) st = c.st;
    if (st == EV_OK && c.count == 0 && !t->managed_by) st = list_from_folders(q, sc);
    if (st != EV_OK) {
        exec_scan_close(sc);
        return st;
    }
    /* distinct partitions, for the pruning report */
    for (size_t k = 0; k < sc->nfiles; k++) {
        bool same = k > 0 && sc->ncols > sc->ndata;
        for (size_t p = 0; same && p < sc->ncols - sc->ndata; p++)
            same = exec_value_cmp(&sc->files[k].pvals[p], &sc->files[k - 1].pvals[p]) == 0 &&
                   sc->files[k].pvals[p].null == sc->files[k - 1].pvals[p].null;
        if (!same) sc->partitions_total++;
    }
    *out = sc;
    return EV_OK;
}

void exec_scan_close(exec_scan *sc) {
    if (!sc) return;
    free(sc->files);
    free(sc->lazy);
    free(sc);
}

/* Whether every column an expression reads is a partition column. */
static bool only_partition_cols(const exec_expr *e, size_t ndata, bool *any) {
    if (e->kind == X_COL) {
        *any = true;
        return (size_t)e->col >= ndata;
    }
    if (e->kind == X_FUNC && e->fname && (!strcmp(e->fname, "now") || !strncmp(e->fname, "current_", 8)))
        return true;
    for (size_t k = 0; k < e->nargs; k++)
        if (!only_partition_cols(e->args[k], ndata, any)) return false;
    return true;
}

static bool stat_usable(const exec_expr *e, size_t ndata) {
    const exec_expr *c = e->kind == X_ISNULL ? e->args[0] : NULL;
    if (e->kind == X_CMP) {
        const exec_expr *a = e->args[0], *b = e->args[1];
        if (a->kind == X_COL && b->kind == X_CONST) c = a;
        if (b->kind == X_COL && a->kind == X_CONST) c = b;
    }
    if (e->kind == X_IN && e->args[0]->kind == X_COL && !e->negated) {
        c = e->args[0];
        for (size_t k = 1; k < e->nargs; k++)
            if (e->args[k]->kind != X_CONST) c = NULL;
    }
    return c && c->kind == X_COL && (size_t)c->col < ndata;
}

ev_status exec_scan_prune(exec_query *q, exec_scan *sc, exec_expr *const *conj, size_t n) {
    size_t npk = sc->ncols - sc->ndata;
    sc->stat_conj = ev_arena_alloc(q->arena, (n ? n : 1) * sizeof *sc->stat_conj);
    if (!sc->stat_conj) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    exec_expr **pconj = ev_arena_alloc(q->arena, (n ? n : 1) * sizeof *pconj);
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        bool any = false;
        if (npk && only_partition_cols(conj[k], sc->ndata, &any) && any) {
            pconj[np++] = conj[k];
            continue;
        }
        sc->nresidual++;
        if (stat_usable(conj[k], sc->ndata)) sc->stat_conj[sc->nstat_conj++] = conj[k];
    }
    if (!np) return EV_OK;
    /* one-row batch: partition columns hold the partition's values, the rest are NULL */
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 4096);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    exec_vec *cols = ev_arena_alloc(q->arena, sc->ncols * sizeof *cols);
    int64_t *zero = ev_arena_alloc(q->arena, 8 * sc->ncols);
    pq_str *strs = ev_arena_alloc(q->arena, sizeof(pq_str) * sc->ncols);
    uint8_t *nulls = ev_arena_alloc(q->arena, sc->ncols);
    if (!cols || !zero || !strs || !nulls) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    ev_status st = EV_OK;
    const exec_value *prev = NULL;
    bool prev_pruned = false;
    for (size_t f = 0; f < sc->nfiles && st == EV_OK; f++) {
        scan_file *sf = &sc->files[f];
        bool same = prev != NULL;
        for (size_t p = 0; same && p < npk; p++)
            same = exec_value_cmp(&sf->pvals[p], &prev[p]) == 0;
        if (same) {
            sf->pruned = prev_pruned;
            continue;
        }
        for (size_t c = 0; c < sc->ncols; c++) {
            cols[c] = (exec_vec){.type = SQL_T_UNKNOWN, .p = &zero[c]};
            if (c >= sc->ndata) {
                const exec_value *v = &sf->pvals[c - sc->ndata];
                cols[c].type = v->type;
                nulls[c] = v->null;
                cols[c].nulls = &nulls[c];
                if (v->type == SQL_T_VARCHAR) {
                    strs[c] = v->s;
                    cols[c].s = &strs[c];
                } else if (v->type == SQL_T_DOUBLE) {
                    memcpy(&zero[c], &v->f, 8);
                } else {
                    zero[c] = v->i;
                }
            }
        }
        exec_batch b = {.n = 1, .ncols = sc->ncols, .cols = cols};
        bool keep = true;
        for (size_t k = 0; k < np && keep && st == EV_OK; k++) {
            uint32_t sel[1];
            size_t ns;
            st = exec_eval_filter(&ev, pconj[k], &b, sel, &ns);
            keep = ns == 1;
        }
        ev_arena_reset(&scratch);
        sf->pruned = !keep;
        prev = sf->pvals;
        prev_pruned = sf->pruned;
        if (!keep) sc->partitions_pruned++;
    }
    ev_arena_destroy(&scratch);
    return st;
}

/* ---- statistics ---- */

static bool stat_value(const pq_column_desc *d, pq_str raw, sql_type t, exec_value *out) {
    memset(out, 0, sizeof *out);
    out->type = t;
    switch (d->type) {
    case PQ_INT32: {
        if (raw.len != 4 || !exec_is_int(t)) return false;
        int32_t v;
        memcpy(&v, raw.ptr, 4);
        out->i = v;
        return d->logical.kind != PQ_LOGICAL_DECIMAL;
    }
    case PQ_INT64: {
        if (raw.len != 8 || !exec_is_int(t)) return false;
        int64_t v;
        memcpy(&v, raw.ptr, 8);
        if (d->logical.kind == PQ_LOGICAL_TIMESTAMP) {
            if (d->logical.unit == PQ_UNIT_MILLIS)
                v *= 1000;
            else if (d->logical.unit == PQ_UNIT_NANOS)
                v = v >= 0 ? v / 1000 : -((-v + 999) / 1000);
        }
        out->i = v;
        return d->logical.kind != PQ_LOGICAL_DECIMAL;
    }
    case PQ_DOUBLE:
        if (raw.len != 8 || t != SQL_T_DOUBLE) return false;
        memcpy(&out->f, raw.ptr, 8);
        return out->f == out->f;
    case PQ_FLOAT: {
        if (raw.len != 4 || t != SQL_T_DOUBLE) return false;
        float f;
        memcpy(&f, raw.ptr, 4);
        out->f = f;
        return f == f;
    }
    case PQ_BYTE_ARRAY:
        if (t != SQL_T_VARCHAR || d->logical.kind == PQ_LOGICAL_DECIMAL) return false;
        out->s = raw;
        return true;
    default:
        return false;
    }
}

/* Whether the statistics prove a conjunct false for every row of the chunk. */
static bool stats_exclude(const exec_expr *e, const pq_column_desc *d, const pq_chunk_meta *m, int64_t rows,
                          sql_type t) {
    if (!m->has_stats) return false;
    const pq_stats *s = &m->stats;
    bool all_null = s->has_null_count && s->null_count == rows;
    if (e->kind == X_ISNULL) {
        if (!s->has_null_count) return false;
        return e->negated ? all_null : s->null_count == 0;
    }
    if (all_null) return true; /* a comparison with NULL is never true */
    if (!s->has_min_max || (s->legacy && d->type == PQ_BYTE_ARRAY)) return false;
    exec_value mn, mx;
    if (!stat_value(d, s->min, t, &mn) || !stat_value(d, s->max, t, &mx)) return false;
    if (e->kind == X_IN) {
        for (size_t k = 1; k < e->nargs; k++) {
            const exec_value *c = &e->args[k]->val;
            if (c->null) continue;
            if (exec_value_cmp(c, &mn) >= 0 && exec_value_cmp(c, &mx) <= 0) return false;
        }
        return true;
    }
    bool col_left = e->args[0]->kind == X_COL;
    const exec_value *c = &e->args[col_left ? 1 : 0]->val;
    if (c->null) return true;
    sql_op op = e->op;
    if (!col_left) { /* const op col -> col op' const */
        op = op == SQL_OP_LT   ? SQL_OP_GT
             : op == SQL_OP_LE ? SQL_OP_GE
             : op == SQL_OP_GT ? SQL_OP_LT
             : op == SQL_OP_GE ? SQL_OP_LE
                               : op;
    }
    switch (op) {
    case SQL_OP_EQ:
        return exec_value_cmp(c, &mn) < 0 || exec_value_cmp(c, &mx) > 0;
    case SQL_OP_LT:
        return exec_value_cmp(&mn, c) >= 0;
    case SQL_OP_LE:
        return exec_value_cmp(&mn, c) > 0;
    case SQL_OP_GT:
        return exec_value_cmp(&mx, c) <= 0;
    case SQL_OP_GE:
        return exec_value_cmp(&mx, c) < 0;
    case SQL_OP_NE:
        return exec_value_cmp(&mn, &mx) == 0 && exec_value_cmp(&mn, c) == 0;
    default:
        return false;
    }
}

static void filter_columns(const exec_expr *e, bool *used, size_t ncols) {
    if (e->kind == X_COL && e->aux == REF_PLAIN && e->col >= 0 && (size_t)e->col < ncols) used[e->col] = true;
    for (size_t k = 0; k < e->nargs; k++)
        filter_columns(e->args[k], used, ncols);
}

void exec_scan_set_filter(exec_scan *sc, const exec_expr *filter) {
    sc->filter = NULL;
    sc->any_lazy = false;
    bool *in_filter = calloc(sc->ncols + 1, 1);
    free(sc->lazy);
    sc->lazy = calloc(sc->ncols + 1, 1);
    if (!in_filter || !sc->lazy) { /* no memory: the sink filters, as without this call */
        free(in_filter);
        return;
    }
    filter_columns(filter, in_filter, sc->ncols);
    for (size_t c = 0; c < sc->ndata; c++) {
        sc->lazy[c] = sc->needed[c] && !in_filter[c];
        sc->any_lazy |= sc->lazy[c];
    }
    free(in_filter);
    sc->filter = filter;
}

static const exec_expr *conj_column(const exec_expr *e) {
    if (e->kind == X_ISNULL || e->kind == X_IN) return e->args[0];
    return e->args[0]->kind == X_COL ? e->args[0] : e->args[1];
}

/* ---- workers ---- */

typedef struct column_state {
    int file_col; /* leaf index in the file, -1: missing (all NULL) */
    pq_column_reader *cr;
    pq_vector v;
    size_t off; /* rows of v consumed */
    /* the chunk's dictionary in the column's SQL type, plus the NULL row (exec_vec's codes form) */
    exec_vec dict;
    const void *dict_src;
    uint64_t dict_id;
} column_state;

typedef struct worker {
    exec_query *q;
    exec_scan *sc;
    exec_sink_fn fn;
    void *ctx;
    int id;
    _Atomic int *stop;
    ev_status st;
    ev_error err;
} worker;

/* Rows [off, off+n) of a plain vector as a vector of type `want` (widened or cast). */
static ev_status convert_values(exec_eval *ev, const pq_vector *v, size_t off, sql_type want, size_t n,
                                exec_vec *out) {
    *out = (exec_vec){.type = want};
    if (v->valid && v->null_count) {
        out->nulls = exec_scratch(ev, n);
        if (!out->nulls) return EV_ERR_NOMEM;
        for (size_t r = 0; r < n; r++)
            out->nulls[r] = v->valid[off + r] ^ 1; /* 1 valid -> 0 null: vectorizes */
    }
    bool str_want = want == SQL_T_VARCHAR, dbl_want = want == SQL_T_DOUBLE;
    switch (v->kind) {
    case PQ_VEC_BYTES:
        if (str_want) {
            out->s = (pq_str *)v->values + off;
            return EV_OK;
        }
        break;
    case PQ_VEC_F64:
        if (dbl_want) {
            out->f = (double *)v->values + off;
            return EV_OK;
        }
        break;
    case PQ_VEC_I64:
        if (!str_want && !dbl_want) {
            out->i = (int64_t *)v->values + off;
            return EV_OK;
        }
        break;
    default:
        break;
    }
    /* widen or convert */
    exec_vec src = {.nulls = out->nulls};
    EV_TRY(exec_vec_alloc(ev,
                          v->kind == PQ_VEC_BYTES                            ? SQL_T_VARCHAR
                          : (v->kind == PQ_VEC_F32 || v->kind == PQ_VEC_F64) ? SQL_T_DOUBLE
                                                                             : SQL_T_BIGINT,
                          n, false, &src));
    src.nulls = out->nulls;
#define WIDEN(DST, T)                                                                                        \
    for (size_t r = 0; r < n; r++)                                                                           \
        src.DST[r] = ((const T *)v->values)[off + r];
    switch (v->kind) { /* one loop per kind, not a switch per row */
    case PQ_VEC_BOOL:
        WIDEN(i, uint8_t);
        break;
    case PQ_VEC_I32:
        WIDEN(i, int32_t);
        break;
    case PQ_VEC_I64:
        WIDEN(i, int64_t);
        break;
    case PQ_VEC_F32:
        WIDEN(f, float);
        break;
    case PQ_VEC_F64:
        WIDEN(f, double);
        break;
    case PQ_VEC_BYTES:
        WIDEN(s, pq_str);
        break;
    }
#undef WIDEN
    if ((src.type == SQL_T_BIGINT && exec_is_int(want)) || src.type == want) {
        src.type = want;
        *out = src;
        return EV_OK;
    }
    EV_TRY(exec_vec_alloc(ev, want, n, true, out));
    exec_value val;
    for (size_t r = 0; r < n; r++) {
        exec_vec_get(&src, r, &val);
        EV_TRY(exec_cast_value(ev, &val, want, true, (sql_pos){0, 0}));
        exec_vec_set(out, r, &val);
    }
    return EV_OK;
}

/* The chunk's dictionary as a vector of the column's type and a NULL row, built on the chunk's
 * first coded vector in the row group's arena. */
static ev_status chunk_dict(exec_eval *ev, ev_arena *rg, column_state *cs, sql_type want) {
    const pq_vector *v = &cs->v;
    if (cs->dict_src == v->dict) return EV_OK;
    pq_vector dv = {.kind = v->kind, .n = v->dict_n, .values = v->dict};
    exec_eval in_rg = *ev;
    in_rg.scratch = rg;
    exec_vec conv;
    EV_TRY(convert_values(&in_rg, &dv, 0, want, v->dict_n, &conv));
    size_t w = exec_type_size(want), dn = v->dict_n;
    exec_vec *d = &cs->dict;
    *d = (exec_vec){.type = want};
    d->nulls = ev_arena_alloc(rg, dn + 1);
    if (conv.p == v->dict) {
        d->p = conv.p; /* the reader's own entries, its entry dn a zero for the NULL row */
    } else {
        d->p = ev_arena_alloc(rg, (dn + 1) * w);
        if (d->p && dn) memcpy(d->p, conv.p, dn * w);
        if (d->p && want == SQL_T_VARCHAR)
            d->s[dn] = (pq_str){"", 0};
        else if (d->p)
            memset((char *)d->p + dn * w, 0, w);
    }
    if (!d->p || !d->nulls) return ev_error_set(ev->err, EV_ERR_NOMEM, "out of memory reading a dictionary");
    if (conv.nulls)
        memcpy(d->nulls, conv.nulls, dn);
    else
        memset(d->nulls, 0, dn);
    d->nulls[dn] = 1;
    cs->dict_src = v->dict;
    cs->dict_id = exec_dict_new_id(ev->memo);
    return EV_OK;
}

/* Rows [off, off+n) of the column's current vector: codes into the chunk's dictionary when the
 * page is dictionary-encoded, values otherwise. */
static ev_status convert_column(exec_eval *ev, ev_arena *rg, column_state *cs, sql_type want, size_t n,
                                exec_vec *out) {
    const pq_vector *v = &cs->v;
    if (!v->is_dict) return convert_values(ev, v, cs->off, want, n, out);
    EV_TRY(chunk_dict(ev, rg, cs, want));
    (void)n; /* NULL rows carry code dict_n: exec_vec_plain derives `nulls` if anyone needs them */
    *out = (exec_vec){.type = want,
                      .codes = v->codes + cs->off,
                      .dict = &cs->dict,
                      .dict_n = v->dict_n,
                      .dict_id = cs->dict_id};
    return EV_OK;
}

static int find_column(pq_reader *r, const char *name) {
    int c = pq_reader_find_column(r, name);
    if (c >= 0) return c;
    const pq_file_meta *m = pq_reader_meta(r);
    for (size_t k = 0; k < m->num_columns; k++)
        if (!strcasecmp(m->columns[k].name, name)) return (int)k;
    return -1;
}

typedef struct worker_bufs {
    exec_vec *cols;
    column_state *cs;
    void *consts;  /* per partition column: EXEC_BATCH copies of the file's value */
    uint8_t *ones; /* EXEC_BATCH NULL flags */
    void *blank;   /* EXEC_BATCH zero slots of any type */
    /* partition columns in the codes form too: a one-value dictionary per file, all codes 0 */
    exec_vec *pdict;
    uint64_t *pdict_id;
    pq_str *pdict_vals;   /* 2 per partition column: the value, the NULL row */
    uint8_t *pdict_nulls; /* 2 per partition column */
    uint32_t *zero_codes; /* EXEC_BATCH zeros */
    ev_arena rg;          /* what lives as long as a row group: its dictionaries */
    exec_json *json;      /* JSON tables: the worker's reader, made on first use */
} worker_bufs;

static void fill_partition_consts(const exec_scan *sc, const scan_file *f, worker_bufs *wb, exec_eval *ev) {
    size_t npk = sc->ncols - sc->ndata;
    for (size_t k = 0; k < npk; k++) {
        const exec_value *v = &f->pvals[k];
        exec_vec *d = &wb->pdict[k];
        *d = (exec_vec){.type = v->type, .p = &wb->pdict_vals[2 * k], .nulls = &wb->pdict_nulls[2 * k]};
        d->nulls[0] = v->null;
        d->nulls[1] = 1;
        memset(d->p, 0, 2 * sizeof(pq_str));
        if (v->type == SQL_T_VARCHAR) {
            d->s[0] = v->null ? (pq_str){"", 0} : v->s;
            d->s[1] = (pq_str){"", 0};
        } else if (v->type == SQL_T_DOUBLE) {
            d->f[0] = v->null ? 0 : v->f;
        } else {
            d->i[0] = v->null ? 0 : v->i;
        }
        wb->pdict_id[k] = exec_dict_new_id(ev->memo);
        char *base = (char *)wb->consts + k * EXEC_BATCH * sizeof(pq_str);
        for (size_t r = 0; r < EXEC_BATCH; r++) {
            if (v->type == SQL_T_VARCHAR)
                ((pq_str *)base)[r] = v->null ? (pq_str){"", 0} : v->s;
            else if (v->type == SQL_T_DOUBLE)
                ((double *)base)[r] = v->f;
            else
                ((int64_t *)base)[r] = v->i;
        }
    }
}

/* A column that is the same on every row of the file: a partition column (its value, in the
 * codes form too), or a column the file does not have or the query does not read (NULL). */
static void constant_column(const exec_scan *sc, const scan_file *f, const worker_bufs *wb, size_t c,
                            exec_vec *out) {
    if (c >= sc->ndata) {
        size_t k = c - sc->ndata;
        const exec_value *v = &f->pvals[k];
        *out = (exec_vec){.type = sc->types[c],
                          .p = (char *)wb->consts + k * EXEC_BATCH * sizeof(pq_str),
                          .nulls = v->null ? wb->ones : NULL,
                          .codes = wb->zero_codes,
                          .dict = &wb->pdict[k],
                          .dict_n = 1,
                          .dict_id = wb->pdict_id[k],
                          .uniform = true};
    } else {
        *out = (exec_vec){.type = sc->needed[c] ? sc->types[c] : SQL_T_UNKNOWN,
                          .p = wb->blank,
                          .nulls = wb->ones,
                          .uniform = true};
    }
}

/* Points the batch's columns at rows [off, off+n) of the current vectors. */
static ev_status build_batch(worker *w, exec_eval *ev, const scan_file *f, worker_bufs *wb, size_t n) {
    exec_scan *sc = w->sc;
    for (size_t c = 0; c < sc->ncols; c++) {
        exec_vec *out = &wb->cols[c];
        if (c < sc->ndata && wb->cs[c].cr && sc->filter && sc->lazy[c]) {
            /* decoded after the filter (scan_filtered): a NULL stand-in the filter never reads */
            *out = (exec_vec){.type = sc->types[c], .p = wb->blank, .nulls = wb->ones, .uniform = true};
        } else if (c < sc->ndata && wb->cs[c].cr) {
            EV_TRY(convert_column(ev, &wb->rg, &wb->cs[c], sc->types[c], n, out));
        } else {
            constant_column(sc, f, wb, c, out);
        }
    }
    return EV_OK;
}

/* The rows of the next batch every column can give without crossing its vector (or, for a column
 * read after the filter, its page): at most EXEC_BATCH. */
static ev_status batch_rows(worker *w, const scan_file *f, column_state *cs, int64_t left, size_t *n) {
    exec_scan *sc = w->sc;
    *n = EXEC_BATCH;
    if ((int64_t)*n > left) *n = (size_t)left;
    for (size_t c = 0; c < sc->ndata; c++) {
        if (!cs[c].cr) continue;
        size_t have;
        if (sc->filter && sc->lazy[c]) {
            EV_TRY(pq_column_page_left(cs[c].cr, &have, &w->err));
        } else {
            if (cs[c].off == cs[c].v.n) {
                EV_TRY(pq_column_next(cs[c].cr, &cs[c].v, &w->err));
                cs[c].off = 0;
            }
            have = cs[c].v.n - cs[c].off;
        }
        if (have == 0)
            return ev_error_set(&w->err, EV_ERR_CORRUPT, "%s: column %s ends before its row group's rows",
                                f->path, sc->t->columns[c].name);
        if (have < *n) *n = have;
    }
    return EV_OK;
}

/* Applies the scan's filter to batch b (its filter columns decoded), then decodes the other
 * columns: for the passing rows only when they are few (the batch handed on is compacted to them),
 * else whole (the batch goes on with the selection). */
static ev_status scan_filtered(worker *w, exec_eval *ev, worker_bufs *wb, exec_batch *b) {
    exec_scan *sc = w->sc;
    size_t n = b->n, ns = 0;
    uint32_t *sel = exec_scratch(ev, n * sizeof *sel);
    if (!sel) return EV_ERR_NOMEM;
    EV_TRY(exec_eval_filter(ev, sc->filter, b, sel, &ns));
    bool sparse = ns * 4 < n;
    exec_batch out = *b;
    if (sparse && ns) EV_TRY(exec_batch_select(ev, b, sel, ns, &out));
    for (size_t c = 0; c < sc->ndata; c++) {
        column_state *cs = &wb->cs[c];
        if (!cs->cr || !sc->lazy[c]) continue;
        EV_TRY(pq_column_read(cs->cr, n, sparse ? sel : NULL, ns, &cs->v, &w->err));
        cs->off = 0;
        if (ns) EV_TRY(convert_column(ev, &wb->rg, cs, sc->types[c], cs->v.n, &out.cols[c]));
        cs->off = cs->v.n; /* consumed: the next batch asks the page again */
    }
    if (!ns) return EV_OK;
    out.filtered = true;
    out.sel = sparse || ns == n ? NULL : sel; /* compacted, or every row passed */
    out.nsel = ns;
    return w->fn(w->ctx, w->id, ev, &out);
}

static ev_status scan_row_group(worker *w, pq_reader *r, const scan_file *f, size_t rg, worker_bufs *wb,
                                exec_eval *ev) {
    exec_scan *sc = w->sc;
    const pq_file_meta *m = pq_reader_meta(r);
    int64_t rows = m->row_groups[rg].num_rows;
    column_state *cs = wb->cs;
    ev_status st = EV_OK;
    ev_arena_reset(&wb->rg);
    exec_dict_memo_reset(ev->memo);
    for (size_t c = 0; c < sc->ndata; c++) {
        cs[c].cr = NULL;
        cs[c].off = 0;
        cs[c].v.n = 0;
        cs[c].dict_src = NULL;
        if (st != EV_OK || !sc->needed[c] || cs[c].file_col < 0) continue;
        st = pq_column_open(r, rg, (size_t)cs[c].file_col, PQ_READ_DICT_CODES, &cs[c].cr, &w->err);
    }
    int64_t done = 0;
    while (st == EV_OK && done < rows && !atomic_load(w->stop)) {
        size_t n;
        st = batch_rows(w, f, cs, rows - done, &n);
        if (st != EV_OK) break;
        ev_arena_reset(ev->scratch);
        st = build_batch(w, ev, f, wb, n);
        if (st != EV_OK) break;
        exec_batch b = {.n = n, .ncols = sc->ncols, .cols = wb->cols};
        st = sc->filter ? scan_filtered(w, ev, wb, &b) : w->fn(w->ctx, w->id, ev, &b);
        for (size_t c = 0; c < sc->ndata; c++)
            if (cs[c].cr && !(sc->filter && sc->lazy[c])) cs[c].off += n;
        done += (int64_t)n;
    }
    /* the dictionaries die with the column readers: let the sink resolve its codes first */
    if (st == EV_OK) {
        ev_arena_reset(ev->scratch);
        st = w->fn(w->ctx, w->id, ev, NULL);
    }
    for (size_t c = 0; c < sc->ndata; c++)
        pq_column_close(cs[c].cr);
    return st;
}

static bool rg_excluded(const exec_scan *sc, const pq_file_meta *m, size_t rg, const int *file_cols) {
    for (size_t k = 0; k < sc->nstat_conj; k++) {
        const exec_expr *e = sc->stat_conj[k];
        int col = conj_column(e)->col;
        int fc = file_cols[col];
        if (fc < 0) return true; /* a column the file lacks is all NULL: no comparison holds */
        const pq_chunk_meta *cm = &m->row_groups[rg].chunks[fc];
        if (stats_exclude(e, &m->columns[fc], cm, m->row_groups[rg].num_rows, sc->types[col])) return true;
    }
    return false;
}

/* The file a worker has open: every worker opens the file the others work on (a footer read
 * each), so that row groups, not files, are the unit of work and no core idles at the end. */
/* A worker's current file (its reader and columns are the scan_file's, shared). */
typedef struct open_file {
    size_t k; /* SIZE_MAX: none */
    pq_reader *r;
    const int *file_cols;
} open_file;

/* Adds what the file's reader has read since anyone last counted to the query's bytes scanned:
 * per row group, so that the workgroup's scan limit stops a query within a row group of crossing
 * it. The counted mark only moves up, so concurrent callers never count a byte twice. */
static void count_bytes(worker *w, open_file *of) {
    scan_file *f = &w->sc->files[of->k];
    uint64_t now = pq_reader_bytes_read(of->r), prev = atomic_load(&f->counted);
    while (now > prev && !atomic_compare_exchange_weak(&f->counted, &prev, now)) {
    }
    if (now > prev) atomic_fetch_add(&w->q->bytes_scanned, now - prev);
}

static void reader_done(worker *w, pq_reader *r) {
    exec_files *files = w->q->s->files;
    if (files)
        exec_files_release(files, r);
    else
        pq_reader_close(r);
}

static void close_file(worker *w, open_file *of) {
    if (of->r) {
        count_bytes(w, of);
        scan_file *f = &w->sc->files[of->k];
        pthread_mutex_lock(&w->sc->open_mu);
        if (--f->refs == 0) {
            reader_done(w, f->r);
            free(f->file_cols);
            f->r = NULL;
            f->file_cols = NULL;
        }
        pthread_mutex_unlock(&w->sc->open_mu);
    }
    *of = (open_file){.k = SIZE_MAX};
}

/* Opens file f's reader and maps the scan's columns to its leaves (under open_mu). */
static ev_status open_shared(worker *w, scan_file *f) {
    exec_scan *sc = w->sc;
    pq_reader_options ro = {.pool = sc->pool};
    exec_files *files = w->q->s->files;
    if (files)
        EV_TRY(exec_files_open(files, f->path, &f->r, &w->err));
    else
        EV_TRY(pq_reader_open_file(f->path, &ro, &f->r, &w->err));
    const pq_file_meta *m = pq_reader_meta(f->r);
    /* bytes scanned: the footer (read at open, or by an earlier query of the session) and what
     * this scan reads from here on */
    atomic_store(&f->counted, pq_reader_bytes_read(f->r));
    atomic_fetch_add(&w->q->bytes_scanned, (uint64_t)m->footer_length + 8);
    f->file_cols = malloc(sc->ncols * sizeof(int));
    ev_status st = f->file_cols ? EV_OK : ev_error_set(&w->err, EV_ERR_NOMEM, "out of memory");
    for (size_t c = 0; st == EV_OK && c < sc->ncols; c++) {
        f->file_cols[c] = c < sc->ndata ? find_column(f->r, sc->t->columns[c].name) : -1;
        if (c < sc->ndata && f->file_cols[c] >= 0 && m->columns[f->file_cols[c]].max_rep > 0 && sc->needed[c])
            st = ev_error_set(&w->err, EV_ERR_UNSUPPORTED, "%s: column %s is a repeated (nested) column",
                              f->path, sc->t->columns[c].name);
    }
    if (st != EV_OK) {
        reader_done(w, f->r);
        free(f->file_cols);
        f->r = NULL;
        f->file_cols = NULL;
    }
    return st;
}

static ev_status open_file_k(worker *w, size_t k, open_file *of, worker_bufs *wb, exec_eval *ev) {
    exec_scan *sc = w->sc;
    scan_file *f = &sc->files[k];
    close_file(w, of);
    pthread_mutex_lock(&sc->open_mu);
    ev_status st = f->r ? EV_OK : open_shared(w, f);
    if (st == EV_OK) f->refs++;
    pthread_mutex_unlock(&sc->open_mu);
    if (st != EV_OK) return st;
    *of = (open_file){.k = k, .r = f->r, .file_cols = f->file_cols};
    for (size_t c = 0; c < sc->ndata; c++)
        wb->cs[c].file_col = f->file_cols[c];
    fill_partition_consts(sc, f, wb, ev);
    return EV_OK;
}

/* Hands batch b on through the scan's filter, if it has one (JSON rows are all converted first). */
static ev_status filter_and_send(worker *w, exec_eval *ev, exec_batch *b) {
    exec_scan *sc = w->sc;
    if (!sc->filter) return w->fn(w->ctx, w->id, ev, b);
    size_t ns = 0;
    uint32_t *sel = exec_scratch(ev, b->n * sizeof *sel);
    if (!sel) return EV_ERR_NOMEM;
    EV_TRY(exec_eval_filter(ev, sc->filter, b, sel, &ns));
    if (!ns) return EV_OK;
    b->filtered = true;
    b->sel = ns == b->n ? NULL : sel;
    b->nsel = ns;
    return w->fn(w->ctx, w->id, ev, b);
}

/* Reads JSON file f whole, in batches. Its bytes scanned: the file's (compressed) size. */
static ev_status scan_json_file(worker *w, scan_file *f, worker_bufs *wb, exec_eval *ev) {
    exec_scan *sc = w->sc;
    if (!wb->json) {
        char ignore[16];
        exec_table_prop(sc->t->properties, "ignore.malformed.json", ignore, sizeof ignore);
        EV_TRY(exec_json_new(sc->names, sc->types, sc->needed, sc->ndata, !strcasecmp(ignore, "true"),
                             &wb->json, &w->err));
    }
    EV_TRY(exec_json_open(wb->json, f->path, &w->err));
    atomic_fetch_add(&sc->files_read, 1);
    atomic_fetch_add(&w->q->bytes_scanned, f->size);
    ev_arena_reset(&wb->rg);
    exec_dict_memo_reset(ev->memo);
    fill_partition_consts(sc, f, wb, ev);
    ev_status st = EV_OK;
    while (st == EV_OK && !atomic_load(w->stop)) {
        exec_vec *data;
        size_t n;
        st = exec_json_next(wb->json, &data, &n, &w->err);
        if (st != EV_OK || n == 0) break;
        atomic_fetch_add(&w->q->rows_scanned, n);
        ev_arena_reset(ev->scratch);
        for (size_t c = 0; c < sc->ncols; c++) {
            if (c < sc->ndata && sc->needed[c])
                wb->cols[c] = data[c];
            else
                constant_column(sc, f, wb, c, &wb->cols[c]);
        }
        exec_batch b = {.n = n, .ncols = sc->ncols, .cols = wb->cols};
        st = filter_and_send(w, ev, &b);
    }
    exec_json_close_file(wb->json);
    if (st == EV_OK) {
        ev_arena_reset(ev->scratch);
        st = w->fn(w->ctx, w->id, ev, NULL);
    }
    return st;
}

/* Takes and scans the next row group of the current file; *done when no file is left. */
static ev_status scan_next(worker *w, open_file *of, worker_bufs *wb, exec_eval *ev, bool *done) {
    exec_scan *sc = w->sc;
    size_t k = atomic_load(&sc->next);
    *done = k >= sc->nfiles;
    if (*done) return EV_OK;
    scan_file *f = &sc->files[k];
    if (f->pruned) {
        atomic_compare_exchange_strong(&sc->next, &k, k + 1);
        return EV_OK;
    }
    if (sc->json) {
        /* a JSON file is one unit of work: the worker that takes it reads it whole */
        if (atomic_fetch_add(&f->next_rg, 1) == 0) {
            atomic_compare_exchange_strong(&sc->next, &k, k + 1);
            return scan_json_file(w, f, wb, ev);
        }
        atomic_compare_exchange_strong(&sc->next, &k, k + 1);
        return EV_OK;
    }
    if (of->k != k) EV_TRY(open_file_k(w, k, of, wb, ev));
    const pq_file_meta *m = pq_reader_meta(of->r);
    uint32_t rg = atomic_fetch_add(&f->next_rg, 1);
    if (rg >= m->num_row_groups) {
        atomic_compare_exchange_strong(&sc->next, &k, k + 1);
        return EV_OK;
    }
    if (rg == 0) atomic_fetch_add(&sc->files_read, 1);
    atomic_fetch_add(&sc->rg_total, 1);
    if (rg_excluded(sc, m, rg, of->file_cols)) {
        atomic_fetch_add(&sc->rg_skipped, 1);
        return EV_OK;
    }
    atomic_fetch_add(&w->q->rows_scanned, (uint64_t)m->row_groups[rg].num_rows);
    ev_status st = scan_row_group(w, of->r, f, rg, wb, ev);
    count_bytes(w, of);
    return st;
}

static ev_status worker_bufs_init(worker_bufs *wb, const exec_scan *sc) {
    memset(wb, 0, sizeof *wb);
    size_t npk = sc->ncols - sc->ndata;
    wb->cols = calloc(sc->ncols + 1, sizeof *wb->cols);
    wb->cs = calloc(sc->ncols + 1, sizeof *wb->cs);
    wb->consts = calloc((npk ? npk : 1) * EXEC_BATCH, sizeof(pq_str));
    wb->ones = malloc(EXEC_BATCH);
    wb->blank = calloc(EXEC_BATCH, sizeof(pq_str));
    wb->pdict = calloc(npk + 1, sizeof *wb->pdict);
    wb->pdict_id = calloc(npk + 1, sizeof *wb->pdict_id);
    wb->pdict_vals = calloc(2 * npk + 2, sizeof *wb->pdict_vals);
    wb->pdict_nulls = calloc(2 * npk + 2, 1);
    wb->zero_codes = calloc(EXEC_BATCH, sizeof *wb->zero_codes);
    ev_arena_init(&wb->rg, NULL, 4 << 20); /* one block holds a row group's dictionaries: no churn */
    if (!wb->cols || !wb->cs || !wb->consts || !wb->ones || !wb->blank || !wb->pdict || !wb->pdict_id ||
        !wb->pdict_vals || !wb->pdict_nulls || !wb->zero_codes)
        return EV_ERR_NOMEM;
    memset(wb->ones, 1, EXEC_BATCH);
    for (size_t k = 0; k < EXEC_BATCH; k++)
        ((pq_str *)wb->blank)[k] = (pq_str){"", 0};
    return EV_OK;
}

static void worker_bufs_free(worker_bufs *wb) {
    free(wb->cols);
    free(wb->cs);
    free(wb->consts);
    free(wb->ones);
    free(wb->blank);
    free(wb->pdict);
    free(wb->pdict_id);
    free(wb->pdict_vals);
    free(wb->pdict_nulls);
    free(wb->zero_codes);
    ev_arena_destroy(&wb->rg);
    exec_json_free(wb->json);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    exec_scan *sc = w->sc;
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 256 << 10);
    exec_dict_memo *memo = exec_dict_memo_new();
    exec_eval ev = {.scratch = &scratch, .err = &w->err, .now_usec = w->q->now_usec, .memo = memo};
    worker_bufs wb;
    w->st = worker_bufs_init(&wb, sc);
    if (w->st == EV_OK && !memo) w->st = EV_ERR_NOMEM;
    if (w->st != EV_OK) ev_error_set(&w->err, EV_ERR_NOMEM, "out of memory");
    open_file of = {.k = SIZE_MAX};
    bool done = false;
    while (w->st == EV_OK && !done && !atomic_load(w->stop)) {
        w->st = scan_next(w, &of, &wb, &ev, &done);
        ev_arena_reset(&scratch);
    }
    close_file(w, &of);
    if (w->st != EV_OK) atomic_store(w->stop, 1);
    worker_bufs_free(&wb);
    exec_dict_memo_free(memo);
    ev_arena_destroy(&scratch);
    return NULL;
}

ev_status exec_scan_run(exec_query *q, exec_scan *sc, int threads, exec_sink_fn fn, void *ctx) {
    if (threads < 1) threads = 1;
    size_t live = 0;
    for (size_t k = 0; k < sc->nfiles; k++)
        live += !sc->files[k].pruned;
    if (!live) threads = 1; /* row groups are the unit of work: even one file keeps every core busy */
    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    _Atomic int stop = 0;
    if (!ws || !tids) {
        free(ws);
        free(tids);
        return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    }
    sc->pool = pq_pool_new();
    if (!sc->pool || pthread_mutex_init(&sc->open_mu, NULL) != 0) {
        pq_pool_free(sc->pool);
        sc->pool = NULL;
        free(ws);
        free(tids);
        return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    }
    atomic_store(&sc->next, 0);
    for (size_t k = 0; k < sc->nfiles; k++)
        atomic_store(&sc->files[k].next_rg, 0);
    int started = 0;
    for (int t = 0; t < threads; t++) {
        ws[t] = (worker){.q = q, .sc = sc, .fn = fn, .ctx = ctx, .id = t, .stop = &stop};
        if (t == 0) continue;
        if (pthread_create(&tids[t], NULL, worker_main, &ws[t]) != 0) break;
        started = t;
    }
    worker_main(&ws[0]);
    for (int t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
    ev_status st = EV_OK;
    for (int t = 0; t <= started && st == EV_OK; t++) {
        if (ws[t].st != EV_OK && ws[t].st != EV_ERR_CANCELLED) {
            st = ws[t].st;
            *q->err = ws[t].err;
        }
    }
    free(ws);
    free(tids);
    pthread_mutex_destroy(&sc->open_mu);
    pq_pool_free(sc->pool); /* every worker closed its file: no reader is left */
    sc->pool = NULL;
    q->stats.row_groups_total += atomic_load(&sc->rg_total);
    q->stats.row_groups_skipped += atomic_load(&sc->rg_skipped);
    q->stats.files_read += atomic_load(&sc->files_read);
    q->stats.partitions_total += sc->partitions_total;
    q->stats.partitions_pruned += sc->partitions_pruned;
    return st;
}

int64_t exec_scan_row_count(const exec_scan *sc) {
    int64_t n = 0;
    for (size_t k = 0; k < sc->nfiles; k++) {
        if (sc->files[k].pruned) continue;
        if (!sc->files[k].rows && sc->files[k].size) return -1;
        n += (int64_t)sc->files[k].rows;
    }
    return sc->nresidual ? -1 : n; /* a filter on data columns needs the rows */
}

void exec_scan_explain(const exec_scan *sc, ev_buf *out) {
    size_t live = 0;
    uint64_t bytes = 0;
    for (size_t k = 0; k < sc->nfiles; k++) {
        if (sc->files[k].pruned) continue;
        live++;
        bytes += sc->files[k].size;
    }
    ev_status st = ev_buf_printf(
        out, "TableScan %s.%s: partitions %llu of %llu (pruned %llu), files %zu of %zu, %llu bytes\n",
        sc->t->db, sc->t->name, (unsigned long long)(sc->partitions_total - sc->partitions_pruned),
        (unsigned long long)sc->partitions_total, (unsigned long long)sc->partitions_pruned, live, sc->nfiles,
        (unsigned long long)bytes);
    st = st == EV_OK ? ev_buf_append_str(out, "  columns read:") : st;
    for (size_t c = 0; st == EV_OK && c < sc->ndata; c++)
        if (sc->needed[c]) st = ev_buf_printf(out, " %s", sc->t->columns[c].name);
    st = st == EV_OK ? ev_buf_printf(out, "\n  row-group filters on statistics: %zu\n", sc->nstat_conj) : st;
    (void)st;
}

ev_status exec_table_run(exec_query *q, const exec_table *t, exec_sink_fn fn, void *ctx) {
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 256 << 10);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    exec_vec *cols = calloc(t->ncols + 1, sizeof *cols);
    if (!cols) return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
    ev_status st = EV_OK;
    for (size_t off = 0; off < t->n && st == EV_OK; off += EXEC_BATCH) {
        size_t n = t->n - off < EXEC_BATCH ? t->n - off : EXEC_BATCH;
        exec_batch b;
        exec_table_slice(t, off, n, &b, cols);
        ev_arena_reset(&scratch);
        st = fn(ctx, 0, &ev, &b);
    }
    if (st == EV_ERR_CANCELLED) st = EV_OK;
    free(cols);
    ev_arena_destroy(&scratch);
    return st;
}
