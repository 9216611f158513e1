/*
 * pq_test_data.h: shared by the Parquet tests: an in-memory model table (columns of values and
 * validity), seeded random schemas and data, writing a model through pq_writer, and checking that
 * pq_reader gives the model back value for value. Header-only (static functions) so each test
 * program includes what it uses.
 */
#ifndef EV_PQ_TEST_DATA_H
#define EV_PQ_TEST_DATA_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq.h"
#include "test_util.h"

typedef struct mcol {
    pq_column_spec spec;
    uint8_t *valid; /* NULL: all valid */
    void *vals;     /* uint8_t, int32_t, int64_t, float, double or pq_str per type */
    /* pre-coded strings: codes into dict (when dict != NULL) */
    uint32_t *codes;
    pq_str *dict;
    uint32_t dict_n;
} mcol;

typedef struct mtable {
    size_t ncols, nrows;
    mcol *cols;
    ev_arena arena;
} mtable;

static inline uint64_t tr_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline size_t type_size(pq_type t) {
    switch (t) {
    case PQ_BOOLEAN:
        return 1;
    case PQ_INT32:
    case PQ_FLOAT:
        return 4;
    case PQ_INT64:
    case PQ_DOUBLE:
        return 8;
    default:
        return sizeof(pq_str);
    }
}

static inline void mtable_init(mtable *t, size_t ncols, size_t nrows) {
    t->ncols = ncols;
    t->nrows = nrows;
    t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols);
    ev_arena_init(&t->arena, NULL, 1 << 20);
}

static inline void mtable_free(mtable *t) {
    ev_arena_destroy(&t->arena);
    free(t->cols);
}

/* A random valid UTF-8 string of up to maxlen bytes (ASCII, 2- and 3-byte sequences). */
static inline pq_str rand_str(mtable *t, uint64_t *rng, size_t maxlen) {
    size_t len = maxlen ? (size_t)(tr_next(rng) % (maxlen + 1)) : 0;
    char *p = ev_arena_alloc(&t->arena, len + 1);
    size_t i = 0;
    while (i < len) {
        uint64_t r = tr_next(rng);
        if (r % 10 == 0 && i + 2 <= len) {
            p[i++] = (char)0xc3;
            p[i++] = (char)(0xa0 + r % 16); /* à..ï */
        } else if (r % 17 == 0 && i + 3 <= len) {
            p[i++] = (char)0xe2;
            p[i++] = (char)0x82;
            p[i++] = (char)0xac; /* € */
        } else {
            p[i++] = (char)(' ' + (r >> 8) % 95);
        }
    }
    p[len] = 0;
    return (pq_str){p, (uint32_t)len};
}

/* Fills column c with random data: `card` > 0 limits distinct values (dictionary-friendly). */
static inline void mcol_fill(mtable *t, mcol *c, uint64_t *rng, double null_rate, size_t card, size_t maxlen) {
    size_t n = t->nrows;
    size_t es = type_size(c->spec.type);
    c->vals = ev_arena_alloc(&t->arena, n * es + 16);
    memset(c->vals, 0, n * es + 16);
    if (c->spec.optional && null_rate > 0) {
        c->valid = ev_arena_alloc(&t->arena, n + 1);
        for (size_t i = 0; i < n; i++)
            c->valid[i] = (double)(tr_next(rng) % 10000) / 10000.0 >= null_rate;
    }
    pq_str *pool = NULL;
    if (c->spec.type == PQ_BYTE_ARRAY && card) {
        pool = ev_arena_alloc(&t->arena, card * sizeof *pool);
        for (size_t k = 0; k < card; k++)
            pool[k] = rand_str(t, rng, maxlen);
    }
    int64_t ts = 1763500000000000LL;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = tr_next(rng);
        uint64_t v = card ? r % card : r;
        switch (c->spec.type) {
        case PQ_BOOLEAN:
            ((uint8_t *)c->vals)[i] = r & 1;
            break;
        case PQ_INT32:
            if (c->spec.logical == PQ_LOGICAL_DATE)
                ((int32_t *)c->vals)[i] = (int32_t)(v % 40000) - 10000;
            else
                ((int32_t *)c->vals)[i] = card ? (int32_t)v - (int32_t)(card / 2) : (int32_t)(uint32_t)r;
            break;
        case PQ_INT64:
            if (c->spec.logical == PQ_LOGICAL_TIMESTAMP) {
                ts += (int64_t)(r % 2000);
                ((int64_t *)c->vals)[i] = (r >> 40) % 50 == 0 ? ts - (int64_t)(r % 1000000) : ts;
            } else {
                ((int64_t *)c->vals)[i] = card ? (int64_t)v * 1000003 - 7 : (int64_t)r;
            }
            break;
        case PQ_FLOAT:
            ((float *)c->vals)[i] = card ? (float)v * 0.25f - 3.0f : (float)((double)(int64_t)r / 3e12);
            break;
        case PQ_DOUBLE:
            ((double *)c->vals)[i] = card ? (double)(v % 29001) / 100.0 + 9.99 : (double)(int64_t)r / 7e9;
            break;
        default:
            ((pq_str *)c->vals)[i] = pool ? pool[v] : rand_str(t, rng, maxlen);
            break;
        }
    }
}

/* Turns a string column into codes + dictionary (the ETL's interned form). */
static inline void mcol_precode(mtable *t, mcol *c) {
    size_t n = t->nrows;
    pq_str *v = c->vals;
    c->codes = ev_arena_alloc(&t->arena, n * 4 + 4);
    c->dict = ev_arena_alloc(&t->arena, n * sizeof(pq_str) + 16);
    c->dict_n = 0;
    /* quadratic-free: hash by pointer (values drawn from a pool share pointers), else one entry per row */
    for (size_t i = 0; i < n; i++) {
        uint32_t k = c->dict_n;
        for (uint32_t j = c->dict_n > 64 ? c->dict_n - 64 : 0; j < c->dict_n; j++)
            if (c->dict[j].ptr == v[i].ptr && c->dict[j].len == v[i].len) k = j;
        if (k == c->dict_n) c->dict[c->dict_n++] = v[i];
        c->codes[i] = k;
    }
}

__attribute__((unused)) static ev_status buf_sink(void *ctx, const void *data, size_t len, ev_error *err) {
    (void)err;
    return ev_buf_append(ctx, data, len);
}

/* Writes rows of the model in random batch sizes (rng) through w. */
static inline void mtable_write(const mtable *t, pq_writer *w, uint64_t *rng, size_t max_batch) {
    pq_col_batch *b = calloc(t->ncols, sizeof *b);
    ev_error err = {0};
    size_t i = 0;
    while (i < t->nrows) {
        size_t k = 1 + (size_t)(tr_next(rng) % max_batch);
        if (k > t->nrows - i) k = t->nrows - i;
        for (size_t c = 0; c < t->ncols; c++) {
            const mcol *m = &t->cols[c];
            memset(&b[c], 0, sizeof b[c]);
            b[c].valid = m->valid ? m->valid + i : NULL;
            if (m->codes) {
                b[c].codes = m->codes + i;
                b[c].dict = m->dict;
                b[c].dict_n = m->dict_n;
            } else {
                b[c].values = (const uint8_t *)m->vals + i * type_size(m->spec.type);
            }
        }
        if (pq_writer_write_batch(w, b, k, &err) != EV_OK) fail_msg("write_batch: %s", err.msg);
        i += k;
    }
    free(b);
}

/* Checks one vector against rows [row0, row0+n) of model column m. */
static inline void check_vector(const mcol *m, const pq_vector *v, size_t row0, const char *what) {
    size_t es = type_size(m->spec.type);
    for (size_t i = 0; i < v->n; i++) {
        size_t r = row0 + i;
        bool mv = !m->valid || m->valid[r];
        bool gv = !v->valid || v->valid[i];
        if (mv != gv)
            fail_msg("%s: column %s row %zu: validity %d, expected %d", what, m->spec.name, r, gv, mv);
        if (!mv) continue;
        const void *got;
        if (v->is_dict) {
            if (v->codes[i] >= v->dict_n) fail_msg("%s: code out of range", what);
            got = (const uint8_t *)v->dict + (size_t)v->codes[i] * es;
        } else {
            got = (const uint8_t *)v->values + i * es;
        }
        const void *exp = (const uint8_t *)m->vals + r * es;
        if (m->spec.type == PQ_BYTE_ARRAY) {
            const pq_str *a = got, *b = exp;
            if (a->len != b->len || (a->len && memcmp(a->ptr, b->ptr, a->len) != 0))
                fail_msg("%s: column %s row %zu: string of %u bytes differs (expected %u)", what,
                         m->spec.name, r, a->len, b->len);
        } else if (m->spec.type == PQ_DOUBLE) {
            double a, b;
            memcpy(&a, got, 8);
            memcpy(&b, exp, 8);
            if (!(a == b || (isnan(a) && isnan(b))))
                fail_msg("%s: column %s row %zu: %.17g != %.17g", what, m->spec.name, r, a, b);
        } else if (memcmp(got, exp, es) != 0) {
            fail_msg("%s: column %s row %zu: value differs", what, m->spec.name, r);
        }
    }
}

/* Reads everything back (by value, and as codes) and compares with the model. */
static inline void mtable_check(const mtable *t, pq_reader *r, const char *what) {
    const pq_file_meta *fm = pq_reader_meta(r);
    assert_int_equal(fm->num_rows, (int64_t)t->nrows);
    assert_int_equal(fm->num_columns, t->ncols);
    for (int mode = 0; mode < 2; mode++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const mcol *m = &t->cols[c];
            assert_string_equal(fm->columns[c].name, m->spec.name);
            assert_int_equal(fm->columns[c].type, m->spec.type);
            size_t row = 0;
            for (size_t g = 0; g < fm->num_row_groups; g++) {
                pq_column_reader *cr;
                ev_error err = {0};
                if (pq_column_open(r, g, c, mode ? PQ_READ_DICT_CODES : 0, &cr, &err) != EV_OK)
                    fail_msg("%s: open: %s", what, err.msg);
                size_t rg_row = 0;
                for (;;) {
                    pq_vector v;
                    if (pq_column_next(cr, &v, &err) != EV_OK) fail_msg("%s: next: %s", what, err.msg);
                    if (v.n == 0) break;
                    assert_true(v.n <= PQ_VECTOR_SIZE);
                    assert_int_equal(v.first_row, rg_row);
                    if (!mode) assert_false(v.is_dict);
                    check_vector(m, &v, row, what);
                    row += v.n;
                    rg_row += v.n;
                }
                assert_int_equal((int64_t)rg_row, fm->row_groups[g].num_rows);
                pq_column_close(cr);
            }
            assert_int_equal(row, t->nrows);
        }
    }
}

#endif
