/*
 * etl_compact.c: `evlake compact`: a partition's small files rewritten into one through the
 * native Parquet reader and writer, swapped in one catalog transaction (see etl.h for the
 * protocol and why a crash anywhere leaves the old files or the new one, never both or neither).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev_time.h"
#include "etl_int.h"
#include "pq.h"

void etl_compact_options_default(etl_compact_options *o) {
    memset(o, 0, sizeof *o);
    o->min_files = 2;
}

/* ---- the table's files, grouped ---- */

typedef struct src_file {
    char *key;
    uint64_t size, rows;
    int64_t run_id;
} src_file;

/* The files of one partition that can become one file: all written by runs, or all not (a file
 * from elsewhere must not take a run's identity, or a rewind would delete its rows). */
typedef struct file_group {
    char *spec;
    int with_runs;
    src_file *files;
    size_t n, cap;
} file_group;

typedef struct group_list {
    file_group *g;
    size_t n, cap;
    size_t partitions; /* distinct specs */
} group_list;

static void groups_free(group_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        for (size_t k = 0; k < l->g[i].n; k++) free(l->g[i].files[k].key);
        free(l->g[i].files);
        free(l->g[i].spec);
    }
    free(l->g);
    memset(l, 0, sizeof *l);
}

/* Files come ordered by partition spec, so a file's group is one of the last two. */
static int add_file(const cat_file_info *f, void *arg) {
    group_list *l = arg;
    int with_runs = f->run_id != 0;
    file_group *g = NULL;
    for (size_t i = l->n; i-- > 0 && i + 2 >= l->n;)
        if (!strcmp(l->g[i].spec, f->partition_spec) && l->g[i].with_runs == with_runs) g = &l->g[i];
    if (!g) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 64;
            file_group *grown = realloc(l->g, cap * sizeof *grown);
            if (!grown) return 1;
            l->g = grown;
            l->cap = cap;
        }
        if (!l->n || strcmp(l->g[l->n - 1].spec, f->partition_spec) != 0) l->partitions++;
        g = &l->g[l->n];
        memset(g, 0, sizeof *g);
        if (!(g->spec = strdup(f->partition_spec))) return 1;
        g->with_runs = with_runs;
        l->n++;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        src_file *grown = realloc(g->files, cap * sizeof *grown);
        if (!grown) return 1;
        g->files = grown;
        g->cap = cap;
    }
    src_file *s = &g->files[g->n];
    if (!(s->key = strdup(f->path))) return 1;
    s->size = f->size;
    s->rows = f->rows;
    s->run_id = f->run_id;
    g->n++;
    return 0;
}

/* ---- one compaction ---- */

typedef struct compactor {
    const char *home;
    store *s;
    cat *c;
    const cat_table *t;
    etl_ctx crash; /* only its crash point is used */
    size_t seq;    /* new files made by this process */
} compactor;

/* The writer's column for a column read from the files, or why there is none. Only what the
 * writer writes back exactly: a timestamp other than MICROS would change unit or lose digits. */
static int writer_spec(const pq_column_desc *d, pq_column_spec *out, char *why, size_t cap) {
    memset(out, 0, sizeof *out);
    out->name = d->path;
    out->type = d->type;
    out->optional = d->repetition == PQ_OPTIONAL;
    out->encoding = PQ_WENC_AUTO;
    const pq_logical *lg = &d->logical;
    int ok = d->max_rep == 0 && !strchr(d->path, '.');
    switch (d->type) {
    case PQ_BOOLEAN: case PQ_FLOAT: case PQ_DOUBLE: ok = ok && lg->kind == PQ_LOGICAL_NONE; break;
    case PQ_INT32:
    case PQ_INT64:
        if (lg->kind == PQ_LOGICAL_INT) /* INT(32|64, signed) says no more than the physical type */
            ok = ok && lg->is_signed && lg->bit_width == (d->type == PQ_INT32 ? 32 : 64);
        else if (lg->kind == PQ_LOGICAL_DATE && d->type == PQ_INT32) out->logical = PQ_LOGICAL_DATE;
        else if (lg->kind == PQ_LOGICAL_TIMESTAMP && d->type == PQ_INT64 && lg->unit == PQ_UNIT_MICROS) {
            out->logical = PQ_LOGICAL_TIMESTAMP;
            out->unit = PQ_UNIT_MICROS;
            out->utc = lg->utc;
        } else ok = ok && lg->kind == PQ_LOGICAL_NONE;
        break;
    case PQ_BYTE_ARRAY:
        if (lg->kind == PQ_LOGICAL_STRING) out->logical = PQ_LOGICAL_STRING;
        else ok = ok && lg->kind == PQ_LOGICAL_NONE;
        break;
    default: ok = 0;
    }
    if (!ok) {
        char lname[64];
        pq_logical_format(d, lname, sizeof lname);
        snprintf(why, cap, "column %s (%s%s%s) cannot be written back unchanged", d->path, pq_type_name(d->type),
                 lname[0] ? " " : "", lname);
    }
    return ok;
}

static int same_column(const pq_column_desc *a, const pq_column_desc *b) {
    return !strcmp(a->path, b->path) && a->type == b->type && a->repetition == b->repetition &&
           a->logical.kind == b->logical.kind && a->logical.unit == b->logical.unit &&
           a->logical.utc == b->logical.utc && a->logical.bit_width == b->logical.bit_width &&
           a->logical.is_signed == b->logical.is_signed && a->max_rep == b->max_rep;
}

static size_t elem_size(pq_vec_kind k) {
    switch (k) {
    case PQ_VEC_BOOL: return 1;
    case PQ_VEC_I32: case PQ_VEC_F32: return 4;
    case PQ_VEC_I64: case PQ_VEC_F64: return 8;
    default: return sizeof(pq_str);
    }
}

static ev_status open_source(compactor *x, const src_file *f, pq_reader **r, ev_error *err) {
    char path[4096];
    if (store_local_path(x->s, f->key, path, sizeof path) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "path too long: '%s'", f->key);
    return pq_reader_open_file(path, NULL, r, err);
}

/* Checks every file's footer before anything is written: the same columns everywhere, each one
 * the writer can reproduce, and the row count the catalog has. Fills `specs` from the first. */
static ev_status check_sources(compactor *x, const file_group *g, pq_column_spec **specs, size_t *ncols,
                               char *why, size_t why_cap, ev_error *err) {
    pq_reader *first = NULL, *r = NULL;
    ev_status st = EV_OK;
    why[0] = '\0';
    for (size_t i = 0; st == EV_OK && i < g->n && !why[0]; i++) {
        st = open_source(x, &g->files[i], &r, err);
        if (st != EV_OK) break;
        const pq_file_meta *m = pq_reader_meta(r);
        if ((uint64_t)m->num_rows != g->files[i].rows) {
            st = ev_error_set(err, EV_ERR_CORRUPT, "'%s' holds %lld rows but the catalog says %llu", g->files[i].key,
                              (long long)m->num_rows, (unsigned long long)g->files[i].rows);
        } else if (!first) {
            first = r;
            r = NULL;
            *ncols = m->num_columns;
            *specs = calloc(m->num_columns ? m->num_columns : 1, sizeof **specs);
            if (!*specs) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
            for (size_t c = 0; st == EV_OK && c < m->num_columns && !why[0]; c++)
                writer_spec(&m->columns[c], &(*specs)[c], why, why_cap);
        } else {
            const pq_file_meta *m0 = pq_reader_meta(first);
            int same = m->num_columns == m0->num_columns;
            for (size_t c = 0; same && c < m->num_columns; c++) same = same_column(&m->columns[c], &m0->columns[c]);
            if (!same) snprintf(why, why_cap, "schemas differ ('%s' and '%s')", g->files[0].key, g->files[i].key);
        }
        pq_reader_close(r);
        r = NULL;
    }
    /* The column names point into the first reader's metadata: copy them before closing it. */
    for (size_t c = 0; st == EV_OK && *specs && c < *ncols; c++)
        if (!((*specs)[c].name = strdup((*specs)[c].name))) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    pq_reader_close(first);
    return st;
}

static void specs_free(pq_column_spec *specs, size_t n) {
    for (size_t c = 0; specs && c < n; c++) free((char *)specs[c].name);
    free(specs);
}

/* Copies one row group of `r` into `w`. Columns are read in lockstep: each batch is the rows every
 * column has decoded, so values are only borrowed from the readers' vectors during the write. */
static ev_status copy_row_group(pq_reader *r, size_t rg, size_t ncols, pq_writer *w, const char *key,
                                uint64_t *rows, ev_error *err) {
    pq_column_reader **cr = calloc(ncols, sizeof *cr);
    pq_vector *v = calloc(ncols, sizeof *v);
    size_t *off = calloc(ncols, sizeof *off);
    pq_col_batch *b = calloc(ncols, sizeof *b);
    ev_status st = cr && v && off && b ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    for (size_t c = 0; st == EV_OK && c < ncols; c++) st = pq_column_open(r, rg, c, 0, &cr[c], err);
    for (size_t c = 0; st == EV_OK && c < ncols; c++) st = pq_column_next(cr[c], &v[c], err);
    uint64_t done = 0;
    while (st == EV_OK && ncols) {
        size_t m = SIZE_MAX, ended = 0;
        for (size_t c = 0; c < ncols; c++) {
            size_t left = v[c].n - off[c];
            if (!v[c].n) ended++;
            if (left < m) m = left;
        }
        if (ended) {
            if (ended != ncols)
                st = ev_error_set(err, EV_ERR_CORRUPT, "'%s' row group %zu: columns end at different rows", key, rg);
            break;
        }
        for (size_t c = 0; c < ncols; c++) {
            memset(&b[c], 0, sizeof b[c]);
            b[c].valid = v[c].valid ? v[c].valid + off[c] : NULL;
            b[c].values = (const char *)v[c].values + off[c] * elem_size(v[c].kind);
        }
        st = pq_writer_write_batch(w, b, m, err);
        done += m;
        for (size_t c = 0; st == EV_OK && c < ncols; c++) {
            off[c] += m;
            if (off[c] == v[c].n) {
                off[c] = 0;
                st = pq_column_next(cr[c], &v[c], err);
            }
        }
    }
    if (st == EV_OK && ncols && done != (uint64_t)pq_reader_meta(r)->row_groups[rg].num_rows)
        st = ev_error_set(err, EV_ERR_CORRUPT, "'%s' row group %zu: %llu rows decoded, %lld in its metadata", key, rg,
                          (unsigned long long)done, (long long)pq_reader_meta(r)->row_groups[rg].num_rows);
    for (size_t c = 0; cr && c < ncols; c++) pq_column_close(cr[c]);
    free(cr);
    free(v);
    free(off);
    free(b);
    *rows += done;
    return st;
}

static ev_status sink_store(void *ctx, const void *data, size_t len, ev_error *err) {
    return store_writer_write(ctx, data, len, err);
}

/* Writes the group's rows to `staged_key`, durable when this returns EV_OK. */
static ev_status write_merged(compactor *x, const file_group *g, const pq_column_spec *specs, size_t ncols,
                              const char *staged_key, uint64_t *rows, ev_error *err) {
    store_writer *sw = NULL;
    pq_writer *w = NULL;
    pq_reader *r = NULL;
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.codec = PQ_CODEC_ZSTD;
    ev_status st;
    *rows = 0;
    EV_CHECK(store_writer_open(x->s, staged_key, &sw, err));
    EV_CHECK(pq_writer_open(specs, ncols, &o, sink_store, sw, staged_key, &w, err));
    for (size_t i = 0; i < g->n; i++) {
        EV_CHECK(open_source(x, &g->files[i], &r, err));
        const pq_file_meta *m = pq_reader_meta(r);
        for (size_t rg = 0; rg < m->num_row_groups; rg++)
            EV_CHECK(copy_row_group(r, rg, ncols, w, g->files[i].key, rows, err));
        pq_reader_close(r);
        r = NULL;
    }
    st = pq_writer_close(w, NULL, err);
    w = NULL;
    if (st == EV_OK) {
        st = store_writer_commit(sw, err);
        sw = NULL;
    }
done:
    pq_reader_close(r);
    pq_writer_abort(w);
    store_writer_abort(sw);
    return st;
}

/* ---- the new file's statistics, from its footer, as the catalog keeps them ---- */

static ev_status json_string(ev_buf *b, const char *p, size_t len) {
    EV_TRY(ev_buf_append_str(b, "\""));
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\') EV_TRY(ev_buf_printf(b, "\\%c", ch));
        else if (ch < 0x20) EV_TRY(ev_buf_printf(b, "\\u%04x", ch));
        else EV_TRY(ev_buf_append(b, &p[i], 1));
    }
    return ev_buf_append_str(b, "\"");
}

/* <0, 0, >0 as a < b in the column's order; stats hold PLAIN values. */
static int stat_cmp(pq_type t, pq_str a, pq_str b) {
    switch (t) {
    case PQ_INT32: {
        int32_t x, y;
        memcpy(&x, a.ptr, 4);
        memcpy(&y, b.ptr, 4);
        return (x > y) - (x < y);
    }
    case PQ_INT64: {
        int64_t x, y;
        memcpy(&x, a.ptr, 8);
        memcpy(&y, b.ptr, 8);
        return (x > y) - (x < y);
    }
    case PQ_FLOAT: {
        float x, y;
        memcpy(&x, a.ptr, 4);
        memcpy(&y, b.ptr, 4);
        return (x > y) - (x < y);
    }
    case PQ_DOUBLE: {
        double x, y;
        memcpy(&x, a.ptr, 8);
        memcpy(&y, b.ptr, 8);
        return (x > y) - (x < y);
    }
    case PQ_BOOLEAN: return (int)(uint8_t)a.ptr[0] - (int)(uint8_t)b.ptr[0];
    default: {
        int c = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
        return c ? c : (a.len > b.len) - (a.len < b.len);
    }
    }
}

static ev_status put_stat(ev_buf *b, pq_type t, pq_str v) {
    switch (t) {
    case PQ_INT32: {
        int32_t x;
        memcpy(&x, v.ptr, 4);
        return ev_buf_printf(b, "%d", x);
    }
    case PQ_INT64: {
        int64_t x;
        memcpy(&x, v.ptr, 8);
        return ev_buf_printf(b, "%lld", (long long)x);
    }
    case PQ_FLOAT: {
        float x;
        memcpy(&x, v.ptr, 4);
        return ev_buf_printf(b, "%.9g", x);
    }
    case PQ_DOUBLE: {
        double x;
        memcpy(&x, v.ptr, 8);
        return ev_buf_printf(b, "%.17g", x);
    }
    case PQ_BOOLEAN: return ev_buf_append_str(b, v.ptr[0] ? "true" : "false");
    default: return json_string(b, v.ptr, v.len);
    }
}

static int stat_usable(const pq_chunk_meta *ch) {
    size_t w = ch->type == PQ_INT32 || ch->type == PQ_FLOAT ? 4 : ch->type == PQ_INT64 || ch->type == PQ_DOUBLE ? 8
             : ch->type == PQ_BOOLEAN ? 1 : 0;
    return ch->has_stats && ch->stats.has_min_max && !ch->stats.legacy &&
           (w == 0 || (ch->stats.min.len == w && ch->stats.max.len == w));
}

/* {"column": {"nulls": n, "min": .., "max": ..}, ...}: the shape the ETL records. */
static ev_status stats_json(const pq_file_meta *m, ev_buf *b) {
    EV_TRY(ev_buf_append_str(b, "{"));
    for (size_t c = 0; c < m->num_columns; c++) {
        const pq_column_desc *d = &m->columns[c];
        int64_t nulls = 0;
        int have_nulls = 1, have_mm = m->num_row_groups > 0;
        pq_str lo = {0}, hi = {0};
        for (size_t g = 0; g < m->num_row_groups; g++) {
            const pq_chunk_meta *ch = &m->row_groups[g].chunks[c];
            if (ch->has_stats && ch->stats.has_null_count) nulls += ch->stats.null_count;
            else have_nulls = 0;
            if (!stat_usable(ch)) {
                /* an all-null chunk has no min/max and does not spoil the others */
                if (!(ch->has_stats && ch->stats.has_null_count && ch->stats.null_count == ch->num_values))
                    have_mm = 0;
                continue;
            }
            if (!lo.ptr || stat_cmp(d->type, ch->stats.min, lo) < 0) lo = ch->stats.min;
            if (!hi.ptr || stat_cmp(d->type, ch->stats.max, hi) > 0) hi = ch->stats.max;
        }
        EV_TRY(ev_buf_printf(b, "%s", c ? ", " : ""));
        EV_TRY(json_string(b, d->path, strlen(d->path)));
        EV_TRY(ev_buf_append_str(b, ": {"));
        if (have_nulls) EV_TRY(ev_buf_printf(b, "\"nulls\": %lld", (long long)nulls));
        if (have_mm && lo.ptr) {
            EV_TRY(ev_buf_printf(b, "%s\"min\": ", have_nulls ? ", " : ""));
            EV_TRY(put_stat(b, d->type, lo));
            EV_TRY(ev_buf_append_str(b, ", \"max\": "));
            EV_TRY(put_stat(b, d->type, hi));
        }
        EV_TRY(ev_buf_append_str(b, "}"));
    }
    return ev_buf_append(b, "}", 2);
}

/* ---- the swap ---- */

static ev_status commit_swap(compactor *x, const file_group *g, const char *final_key, const char *stats,
                             uint64_t rows, uint64_t size, ev_error *err) {
    const char **old = calloc(g->n, sizeof *old);
    if (!old) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    int64_t first = 0, last = 0;
    for (size_t i = 0; i < g->n; i++) {
        old[i] = g->files[i].key;
        int64_t run = g->files[i].run_id;
        if (run && (!first || run < first)) first = run;
        if (run > last) last = run;
    }
    char loc[2048];
    snprintf(loc, sizeof loc, "%s/%s", x->t->location, g->spec);
    cat_file_info f = {0, final_key, g->spec, size, rows, last, stats};
    ev_status st = cat_begin(x->c, err);
    if (st == EV_OK) st = cat_files_replace(x->c, x->t->id, old, g->n, g->spec, loc, &f, first, err);
    if (st == EV_OK) {
        etl_crash_point(&x->crash, "compact_in_commit");
        st = cat_commit(x->c, err);
    }
    if (st != EV_OK) cat_rollback(x->c);
    free(old);
    return st;
}

/* Compacts one group. Fills `why` (and returns EV_OK) when the group is left alone, else new_key. */
static ev_status compact_group(compactor *x, const file_group *g, etl_compact_partition *p, char *why, size_t why_cap,
                               char *new_key, size_t new_key_cap, ev_error *err) {
    pq_column_spec *specs = NULL;
    size_t ncols = 0;
    pq_reader *check = NULL;
    ev_buf stats;
    ev_buf_init(&stats, NULL);
    char final_key[2048], staged_key[2100], path[4096];
    int staged = 0, intent = 0;
    ev_status st;
    EV_CHECK(check_sources(x, g, &specs, &ncols, why, why_cap, err));
    if (why[0]) goto done;
    int n = snprintf(final_key, sizeof final_key, "%s/%s%spart-c%lld-%ld-%zu.parquet", x->t->location, g->spec,
                     g->spec[0] ? "/" : "", (long long)ev_time_now(), (long)getpid(), x->seq++);
    if (n < 0 || (size_t)n >= sizeof final_key || etl_staged_key_of(final_key, staged_key, sizeof staged_key) != EV_OK) {
        st = ev_error_set(err, EV_ERR_INPUT, "partition path too long: '%s'", g->spec);
        goto done;
    }
    /* 1. the merged file, staged and durable, then read back */
    uint64_t rows = 0;
    staged = 1;
    EV_CHECK(write_merged(x, g, specs, ncols, staged_key, &rows, err));
    etl_crash_point(&x->crash, "compact_staged");
    if (rows != p->rows) {
        st = ev_error_set(err, EV_ERR_INTERNAL, "compacting %s: %llu rows written, %llu expected", g->spec,
                          (unsigned long long)rows, (unsigned long long)p->rows);
        goto done;
    }
    if (store_local_path(x->s, staged_key, path, sizeof path) != EV_OK) {
        st = ev_error_set(err, EV_ERR_INPUT, "path too long: '%s'", staged_key);
        goto done;
    }
    EV_CHECK(pq_reader_open_file(path, NULL, &check, err));
    const pq_file_meta *m = pq_reader_meta(check);
    if ((uint64_t)m->num_rows != p->rows) {
        st = ev_error_set(err, EV_ERR_INTERNAL, "compacting %s: the new file reads back %lld rows, %llu expected",
                          g->spec, (long long)m->num_rows, (unsigned long long)p->rows);
        goto done;
    }
    if (stats_json(m, &stats) != EV_OK) {
        st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint64_t size = m->file_size;
    pq_reader_close(check);
    check = NULL;
    /* 2. its pending deletion, then its final name (outside the table until the swap) */
    EV_CHECK(cat_deletion_add(x->c, x->t->id, final_key, "compacted file not swapped in yet", err));
    intent = 1;
    etl_crash_point(&x->crash, "compact_intent");
    EV_CHECK(store_rename(x->s, staged_key, final_key, err));
    staged = 0;
    etl_crash_point(&x->crash, "compact_renamed");
    /* 3. the commit point */
    EV_CHECK(commit_swap(x, g, final_key, (const char *)stats.data, rows, size, err));
    intent = 0;
    etl_crash_point(&x->crash, "compact_committed");
    /* 4. the old files; a failure here leaves their deletions to the next recovery */
    for (size_t i = 0; i < g->n; i++) {
        EV_CHECK(store_delete(x->s, g->files[i].key, err));
        if (i == 0) etl_crash_point(&x->crash, "compact_deleted");
        EV_CHECK(cat_deletion_done(x->c, g->files[i].key, err));
    }
    p->bytes_after = size;
    snprintf(new_key, new_key_cap, "%s", final_key);
done:
    if (st != EV_OK) {
        ev_error ignored; /* best effort; what remains is finished by the next recovery */
        if (staged && store_delete(x->s, staged_key, &ignored) != EV_OK) { /* left for recovery */ }
        if (intent && st != EV_OK && store_delete(x->s, final_key, &ignored) == EV_OK &&
            cat_deletion_done(x->c, final_key, &ignored) != EV_OK) { /* left for recovery */ }
    }
    pq_reader_close(check);
    ev_buf_free(&stats);
    specs_free(specs, ncols);
    return st;
}

/* ---- the command ---- */

static ev_status recover_table(compactor *x, etl_compact_report *rep, ev_error *err) {
    etl_recovery r = {0};
    EV_TRY(etl_recover_location(x->s, x->c, x->t->location, x->t->id, &r, err));
    rep->recovered = r.rolled_forward + r.orphans_removed + r.deletions_finished;
    return EV_OK;
}

ev_status etl_compact(const char *home, const char *db, const char *table, const etl_compact_options *opt,
                      etl_compact_fn fn, void *fn_ctx, etl_compact_report *rep, ev_error *err) {
    memset(rep, 0, sizeof *rep);
    int64_t t0 = ev_time_monotonic();
    compactor x;
    memset(&x, 0, sizeof x);
    x.home = home;
    etl_crash_init(&x.crash.crash, opt->crash_point);
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    group_list groups = {0};
    int lock_fd = -1;
    cat_table *t = NULL;
    ev_status st;
    EV_CHECK(etl_open_lake(home, &x.s, &x.c, err));
    EV_CHECK(cat_table_get(x.c, db, table, &arena, &t, err));
    x.t = t;
    if (!opt->dry_run) {
        /* The job that writes the table owns its lock; a table nobody writes gets its own. */
        char lock_name[600];
        snprintf(lock_name, sizeof lock_name, "%s", t->managed_by ? t->managed_by : "");
        if (!lock_name[0]) snprintf(lock_name, sizeof lock_name, "%s.%s", t->db, t->name);
        EV_CHECK(etl_lock_job(home, lock_name, &lock_fd, err));
        EV_CHECK(recover_table(&x, rep, err));
    }
    st = cat_table_files(x.c, t->id, add_file, &groups, err);
    if (st == EV_ERR_CANCELLED) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory listing files");
    if (st != EV_OK) goto done;
    if (groups.n == 0 && !t->managed_by) {
        st = ev_error_set(err, EV_ERR_INPUT,
                          "%s.%s has no files in the catalog (it is read from its folders): nothing compact can "
                          "swap atomically", t->db, t->name);
        goto done;
    }
    rep->partitions = groups.partitions;
    size_t min_files = opt->min_files ? opt->min_files : 2;
    for (size_t i = 0; i < groups.n; i++) {
        const file_group *g = &groups.g[i];
        if (g->n < min_files) continue;
        etl_compact_partition p = {g->spec, g->n, 0, 0, 0, NULL, NULL};
        for (size_t k = 0; k < g->n; k++) {
            p.rows += g->files[k].rows;
            p.bytes_before += g->files[k].size;
        }
        char why[1024] = "", new_key[2048] = "";
        if (!opt->dry_run) EV_CHECK(compact_group(&x, g, &p, why, sizeof why, new_key, sizeof new_key, err));
        if (why[0]) p.skipped = why;
        if (new_key[0]) p.new_key = new_key;
        if (p.skipped) {
            rep->partitions_skipped++;
        } else {
            rep->partitions_compacted++;
            rep->files_before += g->n;
            rep->files_after++;
            rep->rows += p.rows;
            rep->bytes_before += p.bytes_before;
            rep->bytes_after += p.bytes_after;
        }
        if (fn) fn(&p, fn_ctx);
    }
    uint64_t files = 0, rows = 0, parts = 0;
    EV_CHECK(cat_table_totals(x.c, t->id, &files, &rows, &parts, err));
    rep->table_files = (size_t)files;
done:
    rep->elapsed_usec = ev_time_monotonic() - t0;
    groups_free(&groups);
    ev_arena_destroy(&arena);
    cat_close(x.c);
    store_close(x.s);
    if (lock_fd >= 0) close(lock_fd);
    return st;
}
