/*
 * test_parquet.c: the Parquet writer and reader against each other: round trips of every written
 * type, encoding and codec with nulls, empty and long strings; seeded random schemas (property
 * tests); empty files, one-row and empty row groups; dictionary fallback; caller-coded strings;
 * statistics and the page index; key-value metadata; writer input errors; out-of-memory paths; and
 * corrupt or truncated files, which must fail with a message naming file and offset, never crash.
 */
#include <fcntl.h>
#include <unistd.h>

#include "ev_fs.h"
#include "pq_int.h"
#include "pq_test_data.h"

static const pq_codec all_codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP, PQ_CODEC_UNCOMPRESSED};

/* The events schema of the lake. */
static void events_table(mtable *t, size_t n, uint64_t seed, bool precode) {
    static const pq_column_spec spec[] = {
        {"timestamp", PQ_INT64, PQ_LOGICAL_TIMESTAMP, PQ_UNIT_MICROS, true, false, PQ_WENC_AUTO},
        {"user_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"session_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"event_type", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"product_id", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"category", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
        {"quantity", PQ_INT32, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
        {"price", PQ_DOUBLE, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO},
        {"search_query", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO},
    };
    static const size_t card[] = {0, 9000, 9000, 5, 30, 6, 5, 29001, 8};
    static const double nulls[] = {0, 0, 0, 0, 0.1, 0.1, 0.6, 0.6, 0.9};
    uint64_t rng = seed;
    mtable_init(t, 9, n);
    for (size_t c = 0; c < 9; c++) {
        t->cols[c].spec = spec[c];
        mcol_fill(t, &t->cols[c], &rng, nulls[c], card[c], 12);
        if (precode && spec[c].type == PQ_BYTE_ARRAY && c <= 4) mcol_precode(t, &t->cols[c]);
    }
}

/* n rows of the events schema (seed), writer options with row groups of rg_rows, an empty file. */
static void events_setup(mtable *t, size_t n, uint64_t seed, size_t rg_rows, pq_writer_options *o,
                         ev_buf *file) {
    events_table(t, n, seed, false);
    ev_buf_init(file, NULL);
    pq_writer_options_init(o);
    o->row_group_rows = rg_rows;
}

static pq_reader *write_mem(const mtable *t, const pq_writer_options *o, ev_buf *file, uint64_t seed,
                            size_t max_batch) {
    ev_error err = {0};
    pq_writer *w;
    ev_buf_reset(file);
    if (pq_writer_open(&t->cols[0].spec, 0, o, buf_sink, file, "mem", &w, &err) == EV_OK)
        fail_msg("0 columns accepted");
    pq_column_spec *specs = calloc(t->ncols, sizeof *specs);
    for (size_t c = 0; c < t->ncols; c++)
        specs[c] = t->cols[c].spec;
    if (pq_writer_open(specs, t->ncols, o, buf_sink, file, "mem", &w, &err) != EV_OK)
        fail_msg("open: %s", err.msg);
    free(specs);
    uint64_t rng = seed;
    mtable_write(t, w, &rng, max_batch);
    pq_write_result res;
    if (pq_writer_close(w, &res, &err) != EV_OK) fail_msg("close: %s", err.msg);
    assert_int_equal(res.bytes, file->len);
    assert_int_equal(res.rows, t->nrows);
    pq_reader *r;
    if (pq_reader_open_mem(file->data, file->len, "mem.parquet", NULL, &r, &err) != EV_OK)
        fail_msg("reopen: %s", err.msg);
    return r;
}

static void test_events_roundtrip(void **state) {
    (void)state;
    for (int pre = 0; pre < 2; pre++) {
        mtable t;
        events_table(&t, 60000, 7 + (uint64_t)pre, pre);
        ev_buf file;
        ev_buf_init(&file, NULL);
        for (size_t k = 0; k < 4; k++) {
            pq_writer_options o;
            pq_writer_options_init(&o);
            o.codec = all_codecs[k];
            o.row_group_rows = 25000;
            o.page_index = k == 0;
            pq_reader *r = write_mem(&t, &o, &file, 99, 5000);
            mtable_check(&t, r, pq_codec_name(all_codecs[k]));
            const pq_file_meta *m = pq_reader_meta(r);
            assert_int_equal(m->num_row_groups, 3);
            /* the id columns are dictionary-encoded, the timestamp delta-encoded */
            assert_true(m->row_groups[0].chunks[1].encodings & (1u << PQ_RLE_DICTIONARY));
            assert_true(m->row_groups[0].chunks[0].encodings & (1u << PQ_DELTA_BINARY_PACKED));
            assert_int_equal(m->row_groups[0].chunks[0].codec, all_codecs[k]);
            assert_int_equal(m->columns[0].logical.kind, PQ_LOGICAL_TIMESTAMP);
            assert_true(m->columns[0].logical.utc);
            assert_int_equal(m->columns[1].logical.kind, PQ_LOGICAL_STRING);
            assert_true(pq_reader_bytes_read(r) >= (uint64_t)m->footer_length);
            pq_reader_close(r);
        }
        ev_buf_free(&file);
        mtable_free(&t);
    }
}

/* Size of one value of a vector kind. */
static size_t vec_kind_size(pq_vec_kind k) {
    switch (k) {
    case PQ_VEC_BOOL:
        return 1;
    case PQ_VEC_I32:
    case PQ_VEC_F32:
        return 4;
    case PQ_VEC_I64:
    case PQ_VEC_F64:
        return 8;
    default:
        return sizeof(pq_str);
    }
}

static bool same_value(pq_vec_kind k, const void *a, const void *b) {
    if (k != PQ_VEC_BYTES) return !memcmp(a, b, vec_kind_size(k));
    const pq_str *x = a, *y = b;
    return x->len == y->len && (!x->len || !memcmp(x->ptr, y->ptr, x->len));
}

/* Reads every column of r twice: whole (pq_column_next) and in random slices of pages with random
 * selections (none, a few, a third, all; pq_column_page_left + pq_column_read), in values and in
 * codes form. Every chosen row must have the validity and value of the whole read. */
static void check_selective(pq_reader *r, const char *what, uint64_t seed) {
    const pq_file_meta *m = pq_reader_meta(r);
    ev_error err = {0};
    uint64_t rng = seed;
    uint32_t sel[PQ_VECTOR_SIZE];
    for (size_t g = 0; g < m->num_row_groups; g++) {
        size_t rows = (size_t)m->row_groups[g].num_rows;
        for (size_t c = 0; c < m->num_columns; c++) {
            pq_vec_kind kind = m->columns[c].vec_kind;
            size_t ks = vec_kind_size(kind);
            uint8_t *vals = calloc(rows + 1, ks), *valid = calloc(rows + 1, 1);
            pq_column_reader *whole, *part;
            assert_int_equal(pq_column_open(r, g, c, 0, &whole, &err), EV_OK);
            size_t at = 0;
            for (;;) {
                pq_vector v;
                if (pq_column_next(whole, &v, &err) != EV_OK) fail_msg("%s: %s", what, err.msg);
                if (!v.n) break;
                for (size_t i = 0; i < v.n; i++) {
                    valid[at + i] = !v.valid || v.valid[i];
                    memcpy(vals + (at + i) * ks, (const uint8_t *)v.values + i * ks, ks);
                    if (kind == PQ_VEC_BYTES) { /* the page's bytes go with the next page: copy */
                        pq_str *sv = (pq_str *)(vals + (at + i) * ks);
                        char *copy = malloc(sv->len + 1);
                        if (sv->len) memcpy(copy, sv->ptr, sv->len);
                        sv->ptr = copy;
                    }
                }
                at += v.n;
            }
            assert_int_equal(at, rows);
            unsigned flags = tr_next(&rng) % 2 ? PQ_READ_DICT_CODES : 0;
            assert_int_equal(pq_column_open(r, g, c, flags, &part, &err), EV_OK);
            size_t base = 0;
            for (;;) {
                size_t left;
                if (pq_column_page_left(part, &left, &err) != EV_OK) fail_msg("%s: %s", what, err.msg);
                if (!left) break;
                size_t n = 1 + (size_t)(tr_next(&rng) % (left < PQ_VECTOR_SIZE ? left : PQ_VECTOR_SIZE));
                unsigned every = (unsigned[]){0, 20, 3, 1}[tr_next(&rng) % 4];
                size_t ns = 0;
                for (size_t i = 0; i < n; i++)
                    if (every && tr_next(&rng) % every == 0) sel[ns++] = (uint32_t)i;
                bool all = every == 1 && tr_next(&rng) % 2; /* sel NULL: all n rows */
                pq_vector v;
                if (pq_column_read(part, n, all ? NULL : sel, ns, &v, &err) != EV_OK)
                    fail_msg("%s: column %zu: %s", what, c, err.msg);
                assert_int_equal(v.n, all ? n : ns);
                for (size_t k = 0; k < v.n; k++) {
                    size_t row = base + (all ? k : sel[k]);
                    bool ok = !v.valid || v.valid[k];
                    if (ok != (bool)valid[row]) fail_msg("%s: column %zu row %zu: validity differs", what, c, row);
                    if (!ok) continue;
                    const void *got = v.is_dict ? (const uint8_t *)v.dict + (size_t)v.codes[k] * ks
                                                : (const uint8_t *)v.values + k * ks;
                    if (!same_value(kind, got, vals + row * ks))
                        fail_msg("%s: column %zu row %zu: value differs", what, c, row);
                }
                base += n;
            }
            assert_int_equal(base, rows);
            pq_column_close(whole);
            pq_column_close(part);
            for (size_t i = 0; kind == PQ_VEC_BYTES && i < rows; i++)
                free((char *)((pq_str *)vals)[i].ptr);
            free(vals);
            free(valid);
        }
    }
}

static void test_random_schemas(void **state) {
    (void)state;
    static const pq_type types[] = {PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY};
    ev_buf file;
    ev_buf_init(&file, NULL);
    for (uint64_t iter = 0; iter < 60; iter++) {
        uint64_t rng = 1000 + iter;
        size_t ncols = 1 + tr_next(&rng) % 7;
        size_t nrows = iter % 10 == 0 ? 0 : (size_t)(tr_next(&rng) % 6000);
        if (iter % 10 == 1) nrows = 1;
        mtable t;
        mtable_init(&t, ncols, nrows);
        char names[8][16];
        for (size_t c = 0; c < ncols; c++) {
            mcol *m = &t.cols[c];
            snprintf(names[c], sizeof names[c], "c%zu", c);
            m->spec.name = names[c];
            m->spec.type = types[tr_next(&rng) % 6];
            m->spec.optional = tr_next(&rng) % 2;
            m->spec.encoding = (pq_write_encoding)(tr_next(&rng) % 3);
            if (m->spec.type == PQ_INT64 && tr_next(&rng) % 2) {
                m->spec.logical = PQ_LOGICAL_TIMESTAMP;
                m->spec.utc = tr_next(&rng) % 2;
            }
            if (m->spec.type == PQ_INT32 && tr_next(&rng) % 3 == 0) m->spec.logical = PQ_LOGICAL_DATE;
            if (m->spec.type == PQ_BYTE_ARRAY) m->spec.logical = PQ_LOGICAL_STRING;
            if ((m->spec.type == PQ_INT32 || m->spec.type == PQ_INT64) && tr_next(&rng) % 3 == 0)
                m->spec.encoding = PQ_WENC_DELTA;
            double nr = m->spec.optional ? (double)(tr_next(&rng) % 4) / 3.0 : 0; /* 0, 1/3, 2/3, all null */
            size_t card = tr_next(&rng) % 2 ? (size_t)(1 + tr_next(&rng) % 300) : 0;
            mcol_fill(&t, m, &rng, nr, card, tr_next(&rng) % 3 == 0 ? 0 : 40);
            if (m->spec.type == PQ_BYTE_ARRAY && tr_next(&rng) % 3 == 0) mcol_precode(&t, m);
        }
        pq_writer_options o;
        pq_writer_options_init(&o);
        o.codec = all_codecs[iter % 4];
        o.row_group_rows = iter % 7 == 3 ? 1 : 1 + (size_t)(tr_next(&rng) % 3000);
        o.page_rows = 1 + (size_t)(tr_next(&rng) % 2500);
        o.page_size = 64 + (size_t)(tr_next(&rng) % 20000);
        o.dict_max_bytes = tr_next(&rng) % 2 ? 200 : 0;
        o.page_index = tr_next(&rng) % 2;
        o.page_stats = tr_next(&rng) % 2;
        if (nrows > 2000 && o.row_group_rows == 1) o.row_group_rows = 100;
        char what[64];
        snprintf(what, sizeof what, "random schema %llu", (unsigned long long)iter);
        pq_reader *r = write_mem(&t, &o, &file, iter, 1 + (size_t)(tr_next(&rng) % 3000));
        mtable_check(&t, r, what);
        check_selective(r, what, iter);
        const pq_file_meta *m = pq_reader_meta(r);
        size_t want_rg = nrows ? (nrows + o.row_group_rows - 1) / o.row_group_rows : 0;
        assert_int_equal(m->num_row_groups, want_rg);
        if (o.page_index) {
            for (size_t g = 0; g < m->num_row_groups; g++) {
                for (size_t c = 0; c < ncols; c++) {
                    pq_page_index pi;
                    ev_error err = {0};
                    if (pq_reader_page_index(r, g, c, &pi, &err) != EV_OK)
                        fail_msg("%s: page index: %s", what, err.msg);
                    assert_true(pi.num_pages >= 1);
                    assert_int_equal(pi.pages[0].first_row, 0);
                    for (size_t p = 1; p < pi.num_pages; p++)
                        assert_true(pi.pages[p].first_row > pi.pages[p - 1].first_row);
                    assert_int_equal(pi.pages[0].offset, m->row_groups[g].chunks[c].data_page_offset);
                }
            }
        }
        pq_reader_close(r);
        mtable_free(&t);
    }
    ev_buf_free(&file);
}

static void test_empty_and_tiny(void **state) {
    (void)state;
    ev_buf file;
    ev_buf_init(&file, NULL);
    mtable t;
    events_table(&t, 0, 1, false);
    pq_writer_options o;
    pq_writer_options_init(&o);
    pq_reader *r = write_mem(&t, &o, &file, 1, 10);
    assert_int_equal(pq_reader_meta(r)->num_row_groups, 0);
    assert_int_equal(pq_reader_meta(r)->num_rows, 0);
    pq_reader_close(r);
    mtable_free(&t);

    /* one-row row groups, and an explicit flush of an empty row group (a no-op) */
    events_table(&t, 5, 2, false);
    o.row_group_rows = 1;
    r = write_mem(&t, &o, &file, 1, 3);
    assert_int_equal(pq_reader_meta(r)->num_row_groups, 5);
    mtable_check(&t, r, "one-row groups");
    pq_reader_close(r);

    pq_writer *w;
    ev_error err = {0};
    pq_column_spec specs[9];
    for (int c = 0; c < 9; c++)
        specs[c] = t.cols[c].spec;
    ev_buf_reset(&file);
    assert_int_equal(pq_writer_open(specs, 9, NULL, buf_sink, &file, "mem", &w, &err), EV_OK);
    assert_int_equal(pq_writer_flush_row_group(w, &err), EV_OK);
    uint64_t rng = 5;
    mtable_write(&t, w, &rng, 2);
    assert_int_equal(pq_writer_flush_row_group(w, &err), EV_OK);
    assert_int_equal(pq_writer_flush_row_group(w, &err), EV_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), EV_OK);
    assert_int_equal(pq_reader_open_mem(file.data, file.len, "mem", NULL, &r, &err), EV_OK);
    assert_int_equal(pq_reader_meta(r)->num_row_groups, 1);
    mtable_check(&t, r, "flushed");
    pq_reader_close(r);
    mtable_free(&t);
    ev_buf_free(&file);
}

static void test_long_strings(void **state) {
    (void)state;
    mtable t;
    mtable_init(&t, 2, 12);
    t.cols[0].spec = (pq_column_spec){"big", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_AUTO};
    t.cols[1].spec =
        (pq_column_spec){"bigplain", PQ_BYTE_ARRAY, PQ_LOGICAL_NONE, 0, false, false, PQ_WENC_PLAIN};
    uint64_t rng = 3;
    for (int c = 0; c < 2; c++) {
        mcol *m = &t.cols[c];
        m->vals = ev_arena_alloc(&t.arena, 12 * sizeof(pq_str));
        if (c == 0) {
            m->valid = ev_arena_alloc(&t.arena, 12);
            for (int i = 0; i < 12; i++)
                m->valid[i] = i % 4 != 1;
        }
        for (int i = 0; i < 12; i++) {
            size_t len = i % 3 == 0 ? 0 : i % 3 == 1 ? (1u << 20) + 17 + (size_t)i : 3 * (1u << 20) / 2;
            char *p = ev_arena_alloc(&t.arena, len + 1);
            for (size_t j = 0; j < len; j++)
                p[j] = (char)('a' + (tr_next(&rng) >> 60));
            ((pq_str *)m->vals)[i] = (pq_str){p, (uint32_t)len};
        }
    }
    ev_buf file;
    ev_buf_init(&file, NULL);
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.page_size = 1 << 20;
    o.page_index = true;
    pq_reader *r = write_mem(&t, &o, &file, 4, 5);
    mtable_check(&t, r, "long strings");
    /* statistics of long strings are truncated to valid bounds */
    const pq_chunk_meta *cm = &pq_reader_meta(r)->row_groups[0].chunks[1];
    assert_true(cm->stats.has_min_max);
    assert_true(cm->stats.max.len <= 64);
    assert_int_equal(cm->stats.min.len, 0);
    pq_reader_close(r);
    ev_buf_free(&file);
    mtable_free(&t);
}

static void test_dict_fallback_and_stats(void **state) {
    (void)state;
    mtable t;
    mtable_init(&t, 4, 30000);
    t.cols[0].spec = (pq_column_spec){"s", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, PQ_WENC_DICT};
    t.cols[1].spec = (pq_column_spec){"i", PQ_INT64, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_DICT};
    t.cols[2].spec = (pq_column_spec){"d", PQ_DOUBLE, PQ_LOGICAL_NONE, 0, false, false, PQ_WENC_AUTO};
    t.cols[3].spec = (pq_column_spec){"q", PQ_INT32, PQ_LOGICAL_NONE, 0, false, true, PQ_WENC_AUTO};
    uint64_t rng = 11;
    mcol_fill(&t, &t.cols[0], &rng, 0.2, 0, 20);
    mcol_fill(&t, &t.cols[1], &rng, 0.2, 0, 0);
    mcol_fill(&t, &t.cols[2], &rng, 0, 0, 0);
    mcol_fill(&t, &t.cols[3], &rng, 0.5, 5, 0);
    ev_buf file;
    ev_buf_init(&file, NULL);
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.dict_max_bytes = 20000;
    pq_reader *r = write_mem(&t, &o, &file, 5, 7000);
    mtable_check(&t, r, "fallback");
    const pq_file_meta *m = pq_reader_meta(r);
    for (int c = 0; c < 2; c++) {
        uint32_t e = m->row_groups[0].chunks[c].encodings;
        assert_true(e & (1u << PQ_RLE_DICTIONARY));
        assert_true(e &
                    (1u << (c == 0 ? PQ_PLAIN : PQ_DELTA_BINARY_PACKED))); /* integers fall back to DELTA */
    }
    /* chunk statistics equal the model's */
    int64_t imin = INT64_MAX, imax = INT64_MIN, nulls = 0;
    const pq_str *smin = NULL, *smax = NULL;
    int32_t qmin = INT32_MAX, qmax = INT32_MIN;
    for (size_t i = 0; i < t.nrows; i++) {
        if (t.cols[1].valid[i]) {
            int64_t v = ((int64_t *)t.cols[1].vals)[i];
            if (v < imin) imin = v;
            if (v > imax) imax = v;
        } else {
            nulls++;
        }
        if (t.cols[0].valid[i]) {
            const pq_str *s = &((pq_str *)t.cols[0].vals)[i];
            size_t a = smin ? (s->len < smin->len ? s->len : smin->len) : 0;
            if (!smin || memcmp(s->ptr, smin->ptr, a) < 0 ||
                (memcmp(s->ptr, smin->ptr, a) == 0 && s->len < smin->len))
                smin = s;
            a = smax ? (s->len < smax->len ? s->len : smax->len) : 0;
            if (!smax || memcmp(s->ptr, smax->ptr, a) > 0 ||
                (memcmp(s->ptr, smax->ptr, a) == 0 && s->len > smax->len))
                smax = s;
        }
        if (t.cols[3].valid[i]) {
            int32_t v = ((int32_t *)t.cols[3].vals)[i];
            if (v < qmin) qmin = v;
            if (v > qmax) qmax = v;
        }
    }
    const pq_stats *st = &m->row_groups[0].chunks[1].stats;
    assert_true(st->has_min_max && st->has_null_count);
    assert_int_equal(st->null_count, nulls);
    int64_t gmin, gmax;
    memcpy(&gmin, st->min.ptr, 8);
    memcpy(&gmax, st->max.ptr, 8);
    assert_int_equal(gmin, imin);
    assert_int_equal(gmax, imax);
    st = &m->row_groups[0].chunks[0].stats;
    assert_int_equal(st->min.len, smin->len);
    assert_memory_equal(st->min.ptr, smin->ptr, smin->len);
    assert_int_equal(st->max.len, smax->len);
    assert_memory_equal(st->max.ptr, smax->ptr, smax->len);
    st = &m->row_groups[0].chunks[3].stats;
    int32_t q;
    memcpy(&q, st->min.ptr, 4);
    assert_int_equal(q, qmin);
    memcpy(&q, st->max.ptr, 4);
    assert_int_equal(q, qmax);
    pq_reader_close(r);
    ev_buf_free(&file);
    mtable_free(&t);
}

static void test_kv_and_file(void **state) {
    (void)state;
    char dir[256], path[512];
    tu_mkdtemp(dir, "pq-file");
    snprintf(path, sizeof path, "%s/x.parquet", dir);
    mtable t;
    events_table(&t, 1000, 3, true);
    pq_kv kv[] = {{"writer", "evlake test"}, {"empty", NULL}};
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.kv = kv;
    o.num_kv = 2;
    pq_column_spec specs[9];
    for (int c = 0; c < 9; c++)
        specs[c] = t.cols[c].spec;
    pq_writer *w;
    ev_error err = {0};
    /* abort leaves nothing behind */
    assert_int_equal(pq_writer_open_file(path, false, specs, 9, &o, &w, &err), EV_OK);
    pq_writer_abort(w);
    assert_false(ev_path_exists(path));
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_false(ev_path_exists(tmp));
    assert_int_equal(pq_writer_open_file(path, true, specs, 9, &o, &w, &err), EV_OK);
    uint64_t rng = 1;
    mtable_write(&t, w, &rng, 100);
    assert_false(ev_path_exists(path));
    assert_int_equal(pq_writer_close(w, NULL, &err), EV_OK);
    pq_reader *r;
    assert_int_equal(pq_reader_open_file(path, NULL, &r, &err), EV_OK);
    const pq_file_meta *m = pq_reader_meta(r);
    assert_int_equal(m->num_kv, 2);
    assert_string_equal(m->kv[0].key, "writer");
    assert_string_equal(m->kv[0].value, "evlake test");
    assert_null(m->kv[1].value);
    assert_string_equal(m->created_by, "evlake");
    assert_int_equal(pq_reader_find_column(r, "price"), 7);
    assert_int_equal(pq_reader_find_column(r, "nope"), -1);
    mtable_check(&t, r, "file");
    pq_reader_close(r);
    /* missing file */
    snprintf(tmp, sizeof tmp, "%s/missing.parquet", dir);
    assert_int_equal(pq_reader_open_file(tmp, NULL, &r, &err), EV_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "missing.parquet"));
    mtable_free(&t);
    tu_rmtree(dir);
}

static void test_writer_errors(void **state) {
    (void)state;
    ev_buf file;
    ev_buf_init(&file, NULL);
    ev_error err = {0};
    pq_writer *w;
    pq_column_spec bad[] = {{"a", PQ_INT96, 0, 0, false, false, 0}};
    assert_int_equal(pq_writer_open(bad, 1, NULL, buf_sink, &file, "out", &w, &err), EV_ERR_INPUT);
    pq_column_spec bad2[] = {{"a", PQ_DOUBLE, PQ_LOGICAL_STRING, 0, false, false, 0}};
    assert_int_equal(pq_writer_open(bad2, 1, NULL, buf_sink, &file, "out", &w, &err), EV_ERR_INPUT);
    pq_column_spec dup[] = {{"a", PQ_INT32, 0, 0, false, false, 0}, {"a", PQ_INT32, 0, 0, false, false, 0}};
    assert_int_equal(pq_writer_open(dup, 2, NULL, buf_sink, &file, "out", &w, &err), EV_ERR_INPUT);
    assert_non_null(strstr(err.msg, "twice"));
    pq_column_spec ok[] = {{"a", PQ_INT32, 0, 0, false, false, 0},
                           {"s", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, 0}};
    assert_int_equal(pq_writer_open(ok, 2, NULL, buf_sink, &file, "out", &w, &err), EV_OK);
    int32_t v[2] = {1, 2};
    uint8_t nul[2] = {1, 0};
    pq_str d[1] = {{"x", 1}};
    uint32_t codes[2] = {0, 5};
    pq_col_batch b[2] = {{.values = v, .valid = nul}, {.codes = codes, .dict = d, .dict_n = 1}};
    assert_int_equal(pq_writer_write_batch(w, b, 2, &err), EV_ERR_INPUT);
    assert_non_null(strstr(err.msg, "REQUIRED"));
    assert_int_equal(pq_writer_write_batch(w, b, 2, &err), EV_ERR_INPUT); /* sticky */
    pq_writer_abort(w);
    assert_int_equal(pq_writer_open(ok, 2, NULL, buf_sink, &file, "out", &w, &err), EV_OK);
    b[0].valid = NULL;
    assert_int_equal(pq_writer_write_batch(w, b, 2, &err), EV_ERR_INPUT);
    assert_non_null(strstr(err.msg, "code 5"));
    assert_int_equal(pq_writer_close(w, NULL, &err), EV_ERR_INPUT);
    ev_buf_free(&file);
}

/* Codes with PQ_NULL_CODE for nulls (no validity array), codes that start afresh in each row group,
 * and a REQUIRED column refusing a null code. */
static void test_null_codes(void **state) {
    (void)state;
    ev_buf file;
    ev_buf_init(&file, NULL);
    ev_error err = {0};
    pq_writer *w;
    pq_column_spec spec[] = {{"s", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, true, 0}};
    assert_int_equal(pq_writer_open(spec, 1, NULL, buf_sink, &file, "out", &w, &err), EV_OK);
    size_t n = 3000;
    uint32_t *codes = malloc(n * 4);
    pq_str d1[3] = {{"b", 1}, {"a", 1}, {"c", 1}}, d2[2] = {{"z", 1}, {"y", 1}};
    for (size_t i = 0; i < n; i++)
        codes[i] = i % 4 == 3 ? PQ_NULL_CODE : (uint32_t)(i % 3);
    pq_col_batch b = {.codes = codes, .dict = d1, .dict_n = 3};
    assert_int_equal(pq_writer_write_batch(w, &b, n, &err), EV_OK);
    assert_int_equal(pq_writer_flush_row_group(w, &err), EV_OK);
    for (size_t i = 0; i < n; i++)
        codes[i] = i % 5 == 0 ? PQ_NULL_CODE : (uint32_t)(i % 2); /* the same codes, other strings */
    b = (pq_col_batch){.codes = codes, .dict = d2, .dict_n = 2};
    assert_int_equal(pq_writer_write_batch(w, &b, n, &err), EV_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), EV_OK);
    pq_reader *r;
    assert_int_equal(pq_reader_open_mem(file.data, file.len, "out", NULL, &r, &err), EV_OK);
    const pq_file_meta *m = pq_reader_meta(r);
    assert_int_equal(m->num_row_groups, 2);
    for (size_t g = 0; g < 2; g++) {
        assert_int_equal(m->row_groups[g].chunks[0].stats.null_count, g == 0 ? n / 4 : n / 5);
        pq_column_reader *cr;
        assert_int_equal(pq_column_open(r, g, 0, 0, &cr, &err), EV_OK);
        size_t row = 0;
        for (;;) {
            pq_vector v;
            assert_int_equal(pq_column_next(cr, &v, &err), EV_OK);
            if (!v.n) break;
            for (size_t k = 0; k < v.n; k++, row++) {
                bool null = g == 0 ? row % 4 == 3 : row % 5 == 0;
                assert_int_equal(v.valid ? v.valid[k] : 1, !null);
                if (null) continue;
                const pq_str *sv = (const pq_str *)v.values + k;
                const pq_str *want = g == 0 ? &d1[row % 3] : &d2[row % 2];
                assert_int_equal(sv->len, 1);
                assert_int_equal(sv->ptr[0], want->ptr[0]);
            }
        }
        assert_int_equal(row, n);
        pq_column_close(cr);
    }
    pq_reader_close(r);
    /* a REQUIRED column: a null code is a null in it */
    pq_column_spec req[] = {{"s", PQ_BYTE_ARRAY, PQ_LOGICAL_STRING, 0, false, false, 0}};
    ev_buf_reset(&file);
    assert_int_equal(pq_writer_open(req, 1, NULL, buf_sink, &file, "out", &w, &err), EV_OK);
    b = (pq_col_batch){.codes = codes, .dict = d2, .dict_n = 2};
    assert_int_equal(pq_writer_write_batch(w, &b, n, &err), EV_ERR_INPUT);
    assert_non_null(strstr(err.msg, "REQUIRED"));
    pq_writer_abort(w);
    free(codes);
    ev_buf_free(&file);
}

static void test_out_of_memory(void **state) {
    (void)state;
    mtable t;
    events_table(&t, 3000, 9, true);
    pq_column_spec specs[9];
    for (int c = 0; c < 9; c++)
        specs[c] = t.cols[c].spec;
    ev_buf file;
    ev_buf_init(&file, NULL);
    int failures = 0;
    for (size_t budget = 0; budget < 400; budget += 3) {
        ev_limit_allocator la;
        ev_limit_allocator_init(&la, NULL, budget, 0);
        pq_writer_options o;
        pq_writer_options_init(&o);
        o.alloc = &la.iface;
        o.row_group_rows = 1000;
        o.page_index = true;
        ev_buf_reset(&file);
        pq_writer *w;
        ev_error err = {0};
        ev_status st = pq_writer_open(specs, 9, &o, buf_sink, &file, "oom", &w, &err);
        if (st == EV_OK) {
            pq_col_batch b[9] = {0};
            for (int c = 0; c < 9; c++) {
                b[c].valid = t.cols[c].valid;
                if (t.cols[c].codes) {
                    b[c].codes = t.cols[c].codes;
                    b[c].dict = t.cols[c].dict;
                    b[c].dict_n = t.cols[c].dict_n;
                } else {
                    b[c].values = t.cols[c].vals;
                }
            }
            st = pq_writer_write_batch(w, b, t.nrows, &err);
            if (st == EV_OK)
                st = pq_writer_close(w, NULL, &err);
            else
                pq_writer_abort(w);
        }
        if (st != EV_OK) {
            assert_int_equal(st, EV_ERR_NOMEM);
            failures++;
        }
        assert_int_equal(la.live_bytes, 0);
        /* the reader under the same budget */
        if (st == EV_OK) {
            ev_limit_allocator_init(&la, NULL, budget / 4, 0);
            pq_reader_options ro = {.alloc = &la.iface};
            pq_reader *r;
            st = pq_reader_open_mem(file.data, file.len, "oom", &ro, &r, &err);
            if (st == EV_OK) {
                for (size_t c = 0; c < 9 && st == EV_OK; c++) {
                    pq_column_reader *cr;
                    st = pq_column_open(r, 0, c, 0, &cr, &err);
                    if (st != EV_OK) break;
                    pq_vector v;
                    do
                        st = pq_column_next(cr, &v, &err);
                    while (st == EV_OK && v.n);
                    pq_column_close(cr);
                }
                pq_reader_close(r);
            }
            assert_true(st == EV_OK || st == EV_ERR_NOMEM);
            assert_int_equal(la.live_bytes, 0);
        }
    }
    assert_true(failures > 10);
    ev_buf_free(&file);
    mtable_free(&t);
}

/* Decodes every column of a (possibly hostile) file; returns the first failure status. */
static ev_status read_all(const uint8_t *data, size_t len, ev_error *err) {
    pq_reader *r;
    pq_reader_options ro = {.max_page_bytes = 64u << 20};
    ev_status st = pq_reader_open_mem(data, len, "bad.parquet", &ro, &r, err);
    if (st != EV_OK) return st;
    const pq_file_meta *m = pq_reader_meta(r);
    for (size_t g = 0; g < m->num_row_groups && st == EV_OK; g++) {
        for (size_t c = 0; c < m->num_columns && st == EV_OK; c++) {
            pq_page_index pi;
            if (pq_reader_page_index(r, g, c, &pi, err) == EV_ERR_NOMEM) return EV_ERR_NOMEM;
            pq_column_reader *cr;
            st = pq_column_open(r, g, c, c % 2 ? PQ_READ_DICT_CODES : 0, &cr, err);
            if (st != EV_OK) break;
            pq_vector v;
            do
                st = pq_column_next(cr, &v, err);
            while (st == EV_OK && v.n);
            pq_column_close(cr);
        }
    }
    pq_reader_close(r);
    return st;
}

/* The codes form: every valid row's code resolves to the value the plain form gives, and NULL rows
 * hold dict_n (the SQL engine indexes tables of dict_n + 1 entries with it). */
static void test_dict_codes_form(void **state) {
    (void)state;
    mtable t;
    events_table(&t, 5000, 33, false);
    ev_buf file;
    ev_buf_init(&file, NULL);
    pq_writer_options o;
    pq_writer_options_init(&o);
    pq_reader *r = write_mem(&t, &o, &file, 5, 5000);
    ev_error err = {0};
    size_t col = 4; /* product_id: 30 values, 10% NULL */
    pq_column_reader *plain, *coded;
    assert_int_equal(pq_column_open(r, 0, col, 0, &plain, &err), EV_OK);
    assert_int_equal(pq_column_open(r, 0, col, PQ_READ_DICT_CODES, &coded, &err), EV_OK);
    size_t rows = 0, nulls = 0;
    for (;;) {
        pq_vector pv, cv;
        assert_int_equal(pq_column_next(plain, &pv, &err), EV_OK);
        assert_int_equal(pq_column_next(coded, &cv, &err), EV_OK);
        assert_int_equal(pv.n, cv.n);
        if (!pv.n) break;
        assert_true(cv.is_dict);
        assert_true(cv.dict_n > 0 && cv.dict_n <= 30);
        for (size_t i = 0; i < cv.n; i++) {
            bool valid = !cv.valid || cv.valid[i];
            if (!valid) {
                assert_int_equal(cv.codes[i], cv.dict_n);
                nulls++;
                continue;
            }
            assert_true(cv.codes[i] < cv.dict_n);
            pq_str a = ((const pq_str *)pv.values)[i], b = ((const pq_str *)cv.dict)[cv.codes[i]];
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.ptr, b.ptr, a.len);
        }
        rows += cv.n;
    }
    assert_int_equal(rows, 5000);
    assert_true(nulls > 400 && nulls < 600);
    pq_column_close(plain);
    pq_column_close(coded);
    pq_reader_close(r);
    ev_buf_free(&file);
    mtable_free(&t);
}

/* Readers sharing a pool hand column readers (and their buffers) from file to file: every value of
 * two different files still reads back exactly, with the files open at the same time or not. */
static void test_pool_across_files(void **state) {
    (void)state;
    mtable a, b;
    events_table(&a, 3000, 41, false);
    events_table(&b, 4500, 42, true);
    ev_buf fa, fb;
    ev_buf_init(&fa, NULL);
    ev_buf_init(&fb, NULL);
    pq_writer_options o;
    pq_writer_options_init(&o);
    o.row_group_rows = 1000;
    pq_reader_close(write_mem(&a, &o, &fa, 1, 700));
    pq_reader_close(write_mem(&b, &o, &fb, 2, 900));
    pq_pool *pool = pq_pool_new();
    assert_non_null(pool);
    pq_reader_options ro = {.pool = pool};
    ev_error err = {0};
    for (int round = 0; round < 2; round++) {
        pq_reader *ra, *rb;
        assert_int_equal(pq_reader_open_mem(fa.data, fa.len, "a.parquet", &ro, &ra, &err), EV_OK);
        mtable_check(&a, ra, "a with a pool");
        assert_int_equal(pq_reader_open_mem(fb.data, fb.len, "b.parquet", &ro, &rb, &err), EV_OK);
        mtable_check(&b, rb, "b with a pool");
        mtable_check(&a, ra, "a again");
        pq_reader_close(ra);
        pq_reader_close(rb);
    }
    pq_pool_free(pool);
    ev_buf_free(&fa);
    ev_buf_free(&fb);
    mtable_free(&a);
    mtable_free(&b);
}

/* A pool with a dictionary cache: readers of the same files decode a chunk's dictionary once and
 * every later column reader takes it from the cache; values (strings pointing into the kept copy
 * included) read back exactly, whether the selective or the whole path reads them. The budget
 * holds: none kept when it is too small, all given back when the readers close. */
static void test_dict_cache(void **state) {
    (void)state;
    mtable a;
    ev_buf fa;
    pq_writer_options o;
    events_setup(&a, 6000, 51, 2000, &o, &fa);
    pq_reader_close(write_mem(&a, &o, &fa, 3, 800));
    ev_error err = {0};
    for (int tiny = 0; tiny < 2; tiny++) {
        pq_pool *pool = pq_pool_new();
        assert_non_null(pool);
        pq_pool_set_dict_cache(pool, tiny ? 16 : 64u << 20, tiny ? 16 : 1u << 20);
        pq_reader_options ro = {.pool = pool};
        pq_reader *r1, *r2;
        assert_int_equal(pq_reader_open_mem(fa.data, fa.len, "a.parquet", &ro, &r1, &err), EV_OK);
        assert_int_equal(pq_pool_dict_bytes(pool), 0);
        mtable_check(&a, r1, "first reading");
        size_t held = pq_pool_dict_bytes(pool);
        /* 3 row groups of 8 dictionary columns, each at least its values (user ids: 12-byte strings) */
        if (tiny) assert_int_equal(held, 0);
        else assert_true(held > 3 * 2000 * 8);
        mtable_check(&a, r1, "from the cache");
        check_selective(r1, "selective from the cache", 7);
        assert_int_equal(pq_pool_dict_bytes(pool), held); /* nothing added twice */
        assert_int_equal(pq_reader_open_mem(fa.data, fa.len, "again.parquet", &ro, &r2, &err), EV_OK);
        mtable_check(&a, r2, "a second reader of its own");
        assert_int_equal(pq_pool_dict_bytes(pool), 2 * held);
        pq_reader_close(r1);
        assert_int_equal(pq_pool_dict_bytes(pool), held);
        mtable_check(&a, r2, "the second after the first closed");
        pq_reader_close(r2);
        assert_int_equal(pq_pool_dict_bytes(pool), 0);
        pq_pool_free(pool);
    }
    ev_buf_free(&fa);
    mtable_free(&a);
}

static void test_corrupt_files(void **state) {
    (void)state;
    mtable t;
    ev_buf file;
    pq_writer_options o;
    events_setup(&t, 3000, 21, 1000, &o, &file);
    o.page_rows = 500;
    o.page_index = true;
    pq_reader *r = write_mem(&t, &o, &file, 3, 1000);
    pq_reader_close(r);
    ev_error err = {0};
    assert_int_equal(read_all(file.data, file.len, &err), EV_OK);

    /* not Parquet */
    assert_int_equal(read_all((const uint8_t *)"hello", 5, &err), EV_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "bad.parquet"));
    assert_non_null(strstr(err.msg, "not a Parquet file"));
    assert_int_equal(read_all((const uint8_t *)"PAR1xxxxxxxxxxxxxxxxxPAR1", 25, &err), EV_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "footer length"));

    /* every truncation: the end magic is gone, so all fail cleanly with an offset */
    uint8_t *copy = malloc(file.len);
    for (size_t n = 0; n < file.len; n += (n < 64 ? 1 : 37)) {
        memcpy(copy, file.data, n);
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, copy, n);
        ev_status st = read_all(exact, n, &err);
        assert_int_not_equal(st, EV_OK);
        assert_non_null(strstr(err.msg, "bad.parquet"));
        assert_non_null(strstr(err.msg, "byte"));
        free(exact);
    }
    /* a truncated data region with the footer kept: pages run out */
    {
        size_t flen = pq_load32(file.data + file.len - 8);
        size_t fstart = file.len - 8 - flen;
        size_t cut = fstart / 2;
        size_t nl = cut + flen + 8;
        uint8_t *b = malloc(nl);
        memcpy(b, file.data, cut);
        memcpy(b + cut, file.data + fstart, flen + 8);
        ev_status st = read_all(b, nl, &err);
        assert_int_equal(st, EV_ERR_CORRUPT);
        assert_non_null(strstr(err.msg, "at byte"));
        free(b);
    }
    /* random bit flips and byte smashes: any status, no crash, no over-read (ASan) */
    uint64_t rng = 77;
    size_t errors = 0;
    for (int i = 0; i < 1500; i++) {
        memcpy(copy, file.data, file.len);
        int flips = 1 + (int)(tr_next(&rng) % 4);
        for (int f = 0; f < flips; f++) {
            size_t pos = (size_t)(tr_next(&rng) % file.len);
            if (i % 3 == 0)
                copy[pos] = (uint8_t)tr_next(&rng);
            else
                copy[pos] ^= (uint8_t)(1u << (tr_next(&rng) % 8));
        }
        uint8_t *exact = malloc(file.len);
        memcpy(exact, copy, file.len);
        ev_status st = read_all(exact, file.len, &err);
        if (st != EV_OK) {
            errors++;
            assert_true(st == EV_ERR_CORRUPT || st == EV_ERR_UNSUPPORTED || st == EV_ERR_LIMIT ||
                        st == EV_ERR_INPUT);
            assert_non_null(strstr(err.msg, "bad.parquet"));
        }
        free(exact);
    }
    assert_true(errors > 100);
    free(copy);
    ev_buf_free(&file);
    mtable_free(&t);
}

/* Thrift details: unknown fields of every type are skipped; deep nesting is refused. */
static void test_thrift_unknown_and_deep(void **state) {
    (void)state;
    ev_buf b;
    ev_buf_init(&b, NULL);
    /* a page header with unknown fields 20 (list of structs), 21 (map), 22 (double), then the real ones */
    thrift_writer tw;
    thrift_writer_init(&tw, &b);
    thrift_w_i32(&tw, 1, PQ_PAGE_DATA);
    thrift_w_i32(&tw, 2, 10);
    thrift_w_i32(&tw, 3, 10);
    thrift_w_list(&tw, 20, THRIFT_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        thrift_w_elem_struct_begin(&tw);
        thrift_w_string(&tw, 1, "x");
        thrift_w_struct_end(&tw);
    }
    assert_int_equal(ev_buf_append(&b, "\x1b\x02\x55\x02\x04\x06\x08", 7),
                     EV_OK); /* field 21 map<i32,i32> 2 entries */
    tw.last_id[0] = 21;
    assert_int_equal(ev_buf_append(&b, "\x17\x00\x00\x00\x00\x00\x00\xf0\x3f", 9),
                     EV_OK); /* field 22 double */
    tw.last_id[0] = 22;
    thrift_w_struct_begin(&tw, 30);
    thrift_w_struct_end(&tw);
    /* data page header: field 5 (delta from 30 is negative: long form) */
    thrift_w_struct_begin(&tw, 5);
    thrift_w_i32(&tw, 1, 3);
    thrift_w_i32(&tw, 2, PQ_PLAIN);
    thrift_w_struct_end(&tw);
    thrift_w_end(&tw);
    assert_int_equal(tw.st, EV_OK);
    pq_page_header h;
    size_t used;
    ev_error err = {0};
    if (pq_page_header_read(b.data, b.len, 100, "t", &h, &used, &err) != EV_OK) fail_msg("%s", err.msg);
    assert_int_equal(used, b.len);
    assert_int_equal(h.num_values, 3);
    assert_int_equal(h.compressed_size, 10);
    /* every truncation fails */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(pq_page_header_read(b.data, n, 100, "t", &h, &used, &err), EV_ERR_CORRUPT);
    /* 100 nested structs */
    ev_buf_reset(&b);
    for (int i = 0; i < 100; i++)
        assert_int_equal(ev_buf_append(&b, "\xfc", 1), EV_OK);
    assert_int_equal(pq_page_header_read(b.data, b.len, 0, "t", &h, &used, &err), EV_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "nested"));
    ev_buf_free(&b);
}

/* Encoding primitives at their edges. */
static void test_encodings(void **state) {
    (void)state;
    uint64_t rng = 5;
    ev_buf b;
    ev_buf_init(&b, NULL);
    for (int bw = 1; bw <= 32; bw++) {
        size_t n = 1000 + (size_t)bw * 13;
        uint32_t *v = malloc(n * 4), *o = malloc(n * 4);
        uint32_t mask = bw == 32 ? 0xffffffffu : (1u << bw) - 1;
        for (size_t i = 0; i < n; i++)
            v[i] = (i / 50) % 2 ? (uint32_t)(i / 100) & mask : (uint32_t)tr_next(&rng) & mask;
        ev_buf_reset(&b);
        assert_int_equal(pq_rle_encode_u32(&b, v, n, bw), EV_OK);
        pq_rle_dec d;
        pq_rle_dec_init(&d, b.data, b.len, bw);
        assert_true(pq_rle_dec_u32(&d, o, n));
        assert_memory_equal(v, o, n * 4);
        /* long bit-packed runs (up to 65,535 groups a header), decoded in pieces of odd sizes that
         * start mid-group */
        ev_buf_reset(&b);
        assert_int_equal(pq_rle_encode_u32_runs(&b, v, n, bw, 128), EV_OK);
        pq_rle_dec_init(&d, b.data, b.len, bw);
        memset(o, 0xab, n * 4);
        for (size_t i = 0, step = 1; i < n; i += step, step = step * 3 % 37 + 1)
            assert_true(pq_rle_dec_u32(&d, o + i, step < n - i ? step : n - i));
        assert_memory_equal(v, o, n * 4);
        free(v);
        free(o);
    }
    /* 1-bit levels as a bitmap: RLE runs of any length put bit-packed runs at any bit offset; the
     * bitmap equals the values decoded one by one, bits past n are zero, a cut stream fails */
    {
        const size_t sizes[] = {1, 7, 8, 9, 63, 64, 65, 1000, 4099, 100003};
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            for (int pattern = 0; pattern < 4; pattern++) {
                size_t n = sizes[si];
                uint32_t *v = malloc(n * 4), *o = malloc(n * 4);
                size_t run = 0;
                uint32_t cur = 1;
                for (size_t i = 0; i < n; i++) {
                    if (pattern == 0) v[i] = tr_next(&rng) % 10 != 0; /* a NULL in ten: short runs */
                    if (pattern == 1) v[i] = tr_next(&rng) % 2;       /* packed throughout */
                    if (pattern == 2) v[i] = 1;                       /* one RLE run */
                    if (pattern == 3) {                               /* runs of 1..40 */
                        if (run == 0) run = 1 + tr_next(&rng) % 40, cur ^= 1;
                        v[i] = cur;
                        run--;
                    }
                }
                ev_buf_reset(&b);
                assert_int_equal(pq_rle_encode_u32(&b, v, n, 1), EV_OK);
                pq_rle_dec d;
                pq_rle_dec_init(&d, b.data, b.len, 1);
                assert_true(pq_rle_dec_u32(&d, o, n));
                assert_memory_equal(v, o, n * 4);
                uint8_t *bm = malloc((n + 7) / 8 + 8);
                pq_rle_dec_init(&d, b.data, b.len, 1);
                assert_true(pq_rle_dec_bits1(&d, bm, n));
                for (size_t i = 0; i < n; i++)
                    if (((bm[i / 8] >> (i % 8)) & 1) != v[i]) fail_msg("n %zu pattern %d: bit %zu differs", n, pattern, i);
                for (size_t i = n; i < ((n + 7) / 8 + 8) * 8; i++)
                    assert_int_equal((bm[i / 8] >> (i % 8)) & 1, 0);
                for (size_t cut = 0; cut + 1 < b.len; cut += 1 + b.len / 16) {
                    pq_rle_dec_init(&d, b.data, cut, 1);
                    assert_false(pq_rle_dec_bits1(&d, bm, n));
                }
                free(bm);
                free(v);
                free(o);
            }
        }
    }
    /* page compression: levels and values in separate zstd blocks, literals-only blocks, sorted
     * dictionaries; every result decompresses to the input, whatever the split */
    {
        pq_codec_ctx *cc;
        assert_int_equal(pq_codec_ctx_new(NULL, &cc), EV_OK);
        ev_error err = {0};
        size_t n = 300000;
        uint8_t *src = malloc(n), *back = malloc(n);
        for (size_t i = 0; i < n; i++)
            src[i] = i < 20000 ? (tr_next(&rng) % 10 == 0 ? 0x7f : 0xff) : (uint8_t)(tr_next(&rng) % 5);
        const size_t splits[] = {0, 1, 1023, 1024, 20000, 131072, 131073, 299000, 300000};
        const size_t lens[] = {0, 1, 5000, 300000};
        for (size_t li = 0; li < 4; li++) {
            for (size_t si = 0; si < sizeof splits / sizeof *splits; si++) {
                size_t len = lens[li], split = splits[si] < len ? splits[si] : len;
                for (int dict = 0; dict < 2; dict++) {
                    ev_buf_reset(&b);
                    if (dict)
                        assert_int_equal(pq_compress_dict(cc, PQ_CODEC_ZSTD, 3, src, len, &b, &err), EV_OK);
                    else
                        assert_int_equal(pq_compress_split(cc, PQ_CODEC_ZSTD, 3, src, len, split, &b, &err),
                                         EV_OK);
                    assert_int_equal(pq_decompress(cc, PQ_CODEC_ZSTD, b.data, b.len, back, len, "t", &err),
                                     EV_OK);
                    if (len) assert_memory_equal(src, back, len);
                }
            }
        }
        /* five symbols a byte: literals-only blocks code them in ~2.4 bits (Huffman), where level 3's
         * short matches leave ~3 */
        ev_buf_reset(&b);
        assert_int_equal(pq_compress_split(cc, PQ_CODEC_ZSTD, 3, src, n, 20000, &b, &err), EV_OK);
        assert_true(b.len < (n - 20000) * 26 / 80 + 5000);
        free(src);
        free(back);
        pq_codec_ctx_free(cc);
    }
    for (int is32 = 0; is32 < 2; is32++) {
        for (int k = 0; k < 6; k++) {
            size_t n = (size_t[]){0, 1, 2, 129, 1000, 5000}[k];
            int64_t *v = malloc((n + 1) * 8), *o = malloc((n + 1) * 8);
            for (size_t i = 0; i < n; i++) {
                uint64_t r = tr_next(&rng);
                v[i] = k == 5 ? (int64_t)r : (int64_t)(r % 1000) - 500 + (int64_t)i * 100;
                if (is32) v[i] = (int32_t)v[i];
            }
            if (n > 3) {
                v[1] = is32 ? INT32_MIN : INT64_MIN;
                v[2] = is32 ? INT32_MAX : INT64_MAX;
            }
            ev_buf_reset(&b);
            assert_int_equal(pq_delta_encode(&b, v, n, is32), EV_OK);
            size_t got, used;
            const char *why = NULL;
            assert_true(pq_delta_decode(b.data, b.len, o, n, &got, &used, is32, &why));
            assert_int_equal(got, n);
            assert_int_equal(used, b.len);
            if (n) assert_memory_equal(v, o, n * 8);
            for (size_t cut = 0; cut + 1 < b.len && n > 1; cut += 7) {
                bool ok = pq_delta_decode(b.data, cut, o, n, &got, &used, is32, &why);
                assert_false(ok);
            }
            free(v);
            free(o);
        }
    }
    ev_buf_free(&b);
}

/* ---- a file built page by page, for what neither our writer nor DuckDB writes ---- */

typedef struct hcol {
    const char *name;
    int type, type_length, repetition, converted, scale, precision;
    int64_t start, data_off;
    int32_t total;
    int enc;
} hcol;

static void hand_page(ev_buf *f, hcol *c, int page_type, int enc, int32_t nv, int32_t nnulls,
                      const ev_buf *levels, const ev_buf *vals, bool compress) {
    ev_buf body, hdr;
    ev_buf_init(&body, NULL);
    ev_buf_init(&hdr, NULL);
    pq_codec_ctx *cc;
    ev_error err = {0};
    assert_int_equal(pq_codec_ctx_new(NULL, &cc), EV_OK);
    pq_page_header h = {0};
    h.type = page_type;
    h.num_values = nv;
    h.encoding = enc;
    if (page_type == PQ_PAGE_DATA) {
        ev_buf raw;
        ev_buf_init(&raw, NULL);
        if (levels) {
            uint32_t l = (uint32_t)levels->len;
            assert_int_equal(ev_buf_append(&raw, &l, 4), EV_OK);
            assert_int_equal(ev_buf_append(&raw, levels->data, levels->len), EV_OK);
        }
        assert_int_equal(ev_buf_append(&raw, vals->data, vals->len), EV_OK);
        assert_int_equal(pq_compress(cc, PQ_CODEC_ZSTD, 3, raw.data, raw.len, &body, &err), EV_OK);
        h.uncompressed_size = (int32_t)raw.len;
        ev_buf_free(&raw);
    } else {
        /* v2: levels stay uncompressed in front */
        h.num_nulls = nnulls;
        h.num_rows = nv;
        h.def_len = levels ? (int32_t)levels->len : 0;
        h.is_compressed = compress;
        if (levels) assert_int_equal(ev_buf_append(&body, levels->data, levels->len), EV_OK);
        ev_buf cv;
        ev_buf_init(&cv, NULL);
        if (compress)
            assert_int_equal(pq_compress(cc, PQ_CODEC_ZSTD, 3, vals->data, vals->len, &cv, &err), EV_OK);
        else
            assert_int_equal(ev_buf_append(&cv, vals->data, vals->len), EV_OK);
        assert_int_equal(ev_buf_append(&body, cv.data, cv.len), EV_OK);
        h.uncompressed_size = (int32_t)(h.def_len + vals->len);
        ev_buf_free(&cv);
    }
    h.compressed_size = (int32_t)body.len;
    assert_int_equal(pq_page_header_write(&hdr, &h), EV_OK);
    c->start = c->data_off = (int64_t)f->len;
    c->enc = enc;
    assert_int_equal(ev_buf_append(f, hdr.data, hdr.len), EV_OK);
    assert_int_equal(ev_buf_append(f, body.data, body.len), EV_OK);
    c->total = (int32_t)((int64_t)f->len - c->start);
    pq_codec_ctx_free(cc);
    ev_buf_free(&body);
    ev_buf_free(&hdr);
}

static void hand_footer(ev_buf *f, hcol *cols, int n, int64_t rows) {
    ev_buf ft;
    ev_buf_init(&ft, NULL);
    thrift_writer tw, *w = &tw;
    thrift_writer_init(w, &ft);
    thrift_w_i32(w, 1, 1);
    thrift_w_list(w, 2, THRIFT_STRUCT, (uint32_t)n + 1);
    thrift_w_elem_struct_begin(w);
    thrift_w_string(w, 4, "schema");
    thrift_w_i32(w, 5, n);
    thrift_w_struct_end(w);
    for (int i = 0; i < n; i++) {
        thrift_w_elem_struct_begin(w);
        thrift_w_i32(w, 1, cols[i].type);
        if (cols[i].type_length) thrift_w_i32(w, 2, cols[i].type_length);
        thrift_w_i32(w, 3, cols[i].repetition);
        thrift_w_string(w, 4, cols[i].name);
        if (cols[i].converted >= 0) thrift_w_i32(w, 6, cols[i].converted);
        if (cols[i].converted == 5) {
            thrift_w_i32(w, 7, cols[i].scale);
            thrift_w_i32(w, 8, cols[i].precision);
        }
        thrift_w_struct_end(w);
    }
    thrift_w_i64(w, 3, rows);
    thrift_w_list(w, 4, THRIFT_STRUCT, 1);
    thrift_w_elem_struct_begin(w);
    thrift_w_list(w, 1, THRIFT_STRUCT, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        thrift_w_elem_struct_begin(w);
        thrift_w_i64(w, 2, 0);
        thrift_w_struct_begin(w, 3);
        thrift_w_i32(w, 1, cols[i].type);
        thrift_w_list(w, 2, THRIFT_I32, 1);
        thrift_w_elem_i32(w, cols[i].enc);
        thrift_w_list(w, 3, THRIFT_BINARY, 1);
        thrift_w_elem_binary(w, cols[i].name, strlen(cols[i].name));
        thrift_w_i32(w, 4, PQ_CODEC_ZSTD);
        thrift_w_i64(w, 5, rows);
        thrift_w_i64(w, 6, cols[i].total);
        thrift_w_i64(w, 7, cols[i].total);
        thrift_w_i64(w, 9, cols[i].data_off);
        thrift_w_struct_end(w);
        thrift_w_struct_end(w);
    }
    thrift_w_i64(w, 2, 1000);
    thrift_w_i64(w, 3, rows);
    thrift_w_struct_end(w);
    thrift_w_end(w);
    assert_int_equal(tw.st, EV_OK);
    uint32_t l = (uint32_t)ft.len;
    assert_int_equal(ev_buf_append(f, ft.data, ft.len), EV_OK);
    assert_int_equal(ev_buf_append(f, &l, 4), EV_OK);
    assert_int_equal(ev_buf_append(f, "PAR1", 4), EV_OK);
    ev_buf_free(&ft);
}

static void next_all(pq_reader *r, size_t col, unsigned flags, pq_vector *v) {
    pq_column_reader *cr;
    ev_error err = {0};
    if (pq_column_open(r, 0, col, flags, &cr, &err) != EV_OK) fail_msg("%s", err.msg);
    if (pq_column_next(cr, v, &err) != EV_OK) fail_msg("%s", err.msg);
    /* the reader owns the vector until the next call: copy what the caller checks */
    static uint8_t keep[8][4096], keepv[8][64];
    static pq_str strs[64];
    size_t ks = v->kind == PQ_VEC_BOOL                           ? 1
                : v->kind == PQ_VEC_I32 || v->kind == PQ_VEC_F32 ? 4
                : v->kind == PQ_VEC_BYTES                        ? sizeof(pq_str)
                                                                 : 8;
    assert_false(v->is_dict);
    assert_true(v->n <= 64);
    if (v->kind == PQ_VEC_BYTES) {
        static char sbuf[4096];
        size_t o = 0;
        for (size_t i = 0; i < v->n; i++) {
            const pq_str *s = (const pq_str *)v->values + i;
            if (s->len) memcpy(sbuf + o, s->ptr, s->len);
            strs[i] = (pq_str){sbuf + o, s->len};
            o += s->len;
        }
        v->values = strs;
    } else {
        memcpy(keep[col], v->values, v->n * ks);
        v->values = keep[col];
    }
    if (v->valid) {
        memcpy(keepv[col], v->valid, v->n);
        v->valid = keepv[col];
    }
    pq_vector end;
    if (pq_column_next(cr, &end, &err) != EV_OK) fail_msg("%s", err.msg);
    assert_int_equal(end.n, 0);
    pq_column_close(cr);
}

static void test_handmade_encodings(void **state) {
    (void)state;
    enum { N = 37 };
    hcol cols[] = {
        {"dba", PQ_BYTE_ARRAY, 0, PQ_OPTIONAL, 0, 0, 0, 0, 0, 0, 0},
        {"rleb", PQ_BOOLEAN, 0, PQ_REQUIRED, -1, 0, 0, 0, 0, 0, 0},
        {"i96", PQ_INT96, 0, PQ_REQUIRED, -1, 0, 0, 0, 0, 0, 0},
        {"flba", PQ_FIXED_LEN_BYTE_ARRAY, 3, PQ_REQUIRED, -1, 0, 0, 0, 0, 0, 0},
        {"tsms", PQ_INT64, 0, PQ_OPTIONAL, 9, 0, 0, 0, 0, 0, 0},
        {"u32", PQ_INT32, 0, PQ_REQUIRED, 13, 0, 0, 0, 0, 0, 0},
        {"dec", PQ_INT32, 0, PQ_REQUIRED, 5, 2, 5, 0, 0, 0, 0},
        {"f", PQ_FLOAT, 0, PQ_REQUIRED, -1, 0, 0, 0, 0, 0, 0},
    };
    static const char *const words[] = {"apple", "applesauce", "apply", "", "banana", "band", "bandana", "b"};
    ev_buf f, lv, vals, tmp;
    ev_buf_init(&f, NULL);
    ev_buf_init(&lv, NULL);
    ev_buf_init(&vals, NULL);
    ev_buf_init(&tmp, NULL);
    assert_int_equal(ev_buf_append(&f, "PAR1", 4), EV_OK);
    /* dba: DELTA_BYTE_ARRAY in an uncompressed v2 page, nulls at i % 5 == 0 */
    {
        uint8_t defs[N];
        int64_t pre[N], suf[N];
        size_t nn = 0;
        const char *prev = "";
        for (int i = 0; i < N; i++) {
            defs[i] = i % 5 != 0;
            if (!defs[i]) continue;
            const char *wd = words[i % 8];
            size_t p = 0;
            while (prev[p] && wd[p] && prev[p] == wd[p])
                p++;
            pre[nn] = (int64_t)p;
            suf[nn] = (int64_t)(strlen(wd) - p);
            nn++;
            prev = wd;
        }
        assert_int_equal(pq_rle_encode_u8(&lv, defs, N, 1), EV_OK);
        assert_int_equal(pq_delta_encode(&vals, pre, nn, true), EV_OK);
        assert_int_equal(pq_delta_encode(&vals, suf, nn, true), EV_OK);
        for (int i = 0, k = 0; i < N; i++) {
            if (!defs[i]) continue;
            const char *wd = words[i % 8];
            assert_int_equal(ev_buf_append(&vals, wd + pre[k], (size_t)suf[k]), EV_OK);
            k++;
        }
        hand_page(&f, &cols[0], PQ_PAGE_DATA_V2, PQ_DELTA_BYTE_ARRAY, N, (int32_t)(N - nn), &lv, &vals,
                  false);
    }
    /* rleb: RLE booleans in a compressed v2 page */
    {
        uint8_t b[N];
        for (int i = 0; i < N; i++)
            b[i] = i % 3 == 0 || i > 30;
        ev_buf_reset(&vals);
        ev_buf_reset(&tmp);
        assert_int_equal(pq_rle_encode_u8(&tmp, b, N, 1), EV_OK);
        uint32_t l = (uint32_t)tmp.len;
        assert_int_equal(ev_buf_append(&vals, &l, 4), EV_OK);
        assert_int_equal(ev_buf_append(&vals, tmp.data, tmp.len), EV_OK);
        hand_page(&f, &cols[1], PQ_PAGE_DATA_V2, PQ_RLE, N, 0, NULL, &vals, true);
    }
    /* i96: legacy timestamps */
    int64_t micros[N];
    {
        ev_buf_reset(&vals);
        for (int i = 0; i < N; i++) {
            micros[i] = 1763510400123456LL + (int64_t)i * 86399999999LL - (i == 3 ? 3000000000000000LL : 0);
            int64_t days = micros[i] / 86400000000LL;
            if (micros[i] % 86400000000LL < 0) days--;
            int64_t nanos = (micros[i] - days * 86400000000LL) * 1000;
            int32_t jd = (int32_t)(days + 2440588);
            assert_int_equal(ev_buf_append(&vals, &nanos, 8), EV_OK);
            assert_int_equal(ev_buf_append(&vals, &jd, 4), EV_OK);
        }
        hand_page(&f, &cols[2], PQ_PAGE_DATA, PQ_PLAIN, N, 0, NULL, &vals, true);
    }
    /* flba(3): BYTE_STREAM_SPLIT */
    {
        ev_buf_reset(&vals);
        uint8_t bss[3 * N];
        for (int i = 0; i < N; i++)
            for (int k = 0; k < 3; k++)
                bss[k * N + i] = (uint8_t)(i * (k + 1));
        assert_int_equal(ev_buf_append(&vals, bss, sizeof bss), EV_OK);
        hand_page(&f, &cols[3], PQ_PAGE_DATA, PQ_BYTE_STREAM_SPLIT, N, 0, NULL, &vals, true);
    }
    /* tsms: TIMESTAMP_MILLIS (ConvertedType only), nulls at i % 4 == 1 */
    {
        uint8_t defs[N];
        ev_buf_reset(&vals);
        ev_buf_reset(&lv);
        for (int i = 0; i < N; i++) {
            defs[i] = i % 4 != 1;
            int64_t ms = (int64_t)i * 1000003 - 500000;
            if (defs[i]) assert_int_equal(ev_buf_append(&vals, &ms, 8), EV_OK);
        }
        assert_int_equal(pq_rle_encode_u8(&lv, defs, N, 1), EV_OK);
        hand_page(&f, &cols[4], PQ_PAGE_DATA, PQ_PLAIN, N, 0, &lv, &vals, true);
    }
    /* u32: UINT_32 */
    {
        ev_buf_reset(&vals);
        for (int i = 0; i < N; i++) {
            uint32_t u = 4294967295u - (uint32_t)i;
            assert_int_equal(ev_buf_append(&vals, &u, 4), EV_OK);
        }
        hand_page(&f, &cols[5], PQ_PAGE_DATA, PQ_PLAIN, N, 0, NULL, &vals, true);
    }
    /* dec: DECIMAL(5,2) on INT32, DELTA_BINARY_PACKED */
    {
        int64_t d[N];
        for (int i = 0; i < N; i++)
            d[i] = i * 137 - 2000;
        ev_buf_reset(&vals);
        assert_int_equal(pq_delta_encode(&vals, d, N, true), EV_OK);
        hand_page(&f, &cols[6], PQ_PAGE_DATA, PQ_DELTA_BINARY_PACKED, N, 0, NULL, &vals, true);
    }
    /* f: FLOAT, BYTE_STREAM_SPLIT */
    {
        uint8_t bss[4 * N];
        for (int i = 0; i < N; i++) {
            float x = (float)i * 1.5f - 3.0f;
            uint8_t b4[4];
            memcpy(b4, &x, 4);
            for (int k = 0; k < 4; k++)
                bss[k * N + i] = b4[k];
        }
        ev_buf_reset(&vals);
        assert_int_equal(ev_buf_append(&vals, bss, sizeof bss), EV_OK);
        hand_page(&f, &cols[7], PQ_PAGE_DATA, PQ_BYTE_STREAM_SPLIT, N, 0, NULL, &vals, true);
    }
    hand_footer(&f, cols, 8, N);

    pq_reader *r;
    ev_error err = {0};
    if (pq_reader_open_mem(f.data, f.len, "hand.parquet", NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
    const pq_file_meta *m = pq_reader_meta(r);
    assert_int_equal(m->columns[0].logical.kind, PQ_LOGICAL_STRING);
    assert_int_equal(m->columns[2].vec_kind, PQ_VEC_I64);
    assert_int_equal(m->columns[4].logical.unit, PQ_UNIT_MILLIS);
    assert_int_equal(m->columns[5].vec_kind, PQ_VEC_I64);
    assert_int_equal(m->columns[6].vec_kind, PQ_VEC_F64);
    pq_vector v;
    next_all(r, 0, 0, &v);
    assert_int_equal(v.n, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(v.valid[i], i % 5 != 0);
        if (!v.valid[i]) continue;
        const pq_str *s = (const pq_str *)v.values + i;
        assert_int_equal(s->len, strlen(words[i % 8]));
        assert_memory_equal(s->ptr, words[i % 8], s->len);
    }
    next_all(r, 1, 0, &v);
    for (int i = 0; i < N; i++)
        assert_int_equal(((const uint8_t *)v.values)[i], i % 3 == 0 || i > 30);
    next_all(r, 2, 0, &v);
    for (int i = 0; i < N; i++)
        assert_int_equal(((const int64_t *)v.values)[i], micros[i]);
    next_all(r, 3, 0, &v);
    for (int i = 0; i < N; i++) {
        const pq_str *s = (const pq_str *)v.values + i;
        assert_int_equal(s->len, 3);
        for (int k = 0; k < 3; k++)
            assert_int_equal((uint8_t)s->ptr[k], (uint8_t)(i * (k + 1)));
    }
    next_all(r, 4, 0, &v);
    for (int i = 0; i < N; i++) {
        assert_int_equal(v.valid[i], i % 4 != 1);
        if (v.valid[i])
            assert_int_equal(((const int64_t *)v.values)[i], ((int64_t)i * 1000003 - 500000) * 1000);
    }
    next_all(r, 5, 0, &v);
    for (int i = 0; i < N; i++)
        assert_int_equal(((const int64_t *)v.values)[i], 4294967295LL - i);
    next_all(r, 6, 0, &v);
    for (int i = 0; i < N; i++)
        assert_true(fabs(((const double *)v.values)[i] - (i * 137 - 2000) / 100.0) < 1e-9);
    next_all(r, 7, 0, &v);
    for (int i = 0; i < N; i++)
        assert_true(((const float *)v.values)[i] == (float)i * 1.5f - 3.0f);
    pq_reader_close(r);

    /* a repeated (nested list) column is listed but refused, by name */
    ev_buf f2;
    ev_buf_init(&f2, NULL);
    assert_int_equal(ev_buf_append(&f2, "PAR1", 4), EV_OK);
    hcol rep[] = {{"lst", PQ_INT32, 0, PQ_REPEATED, -1, 0, 0, 4, 4, 0, PQ_PLAIN}};
    hand_footer(&f2, rep, 1, 3);
    if (pq_reader_open_mem(f2.data, f2.len, "rep.parquet", NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
    assert_int_equal(pq_reader_meta(r)->columns[0].max_rep, 1);
    pq_column_reader *cr;
    assert_int_equal(pq_column_open(r, 0, 0, 0, &cr, &err), EV_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "lst"));
    assert_non_null(strstr(err.msg, "repeated"));
    pq_reader_close(r);
    /* an empty row group (other writers leave them) reads as no rows */
    ev_buf_reset(&f2);
    assert_int_equal(ev_buf_append(&f2, "PAR1", 4), EV_OK);
    hcol empty[] = {{"x", PQ_INT64, 0, PQ_OPTIONAL, -1, 0, 0, 4, 4, 0, PQ_PLAIN},
                    {"y", PQ_BYTE_ARRAY, 0, PQ_REQUIRED, 0, 0, 0, 4, 4, 0, PQ_PLAIN}};
    hand_footer(&f2, empty, 2, 0);
    if (pq_reader_open_mem(f2.data, f2.len, "empty-rg.parquet", NULL, &r, &err) != EV_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(pq_reader_meta(r)->num_row_groups, 1);
    assert_int_equal(pq_reader_meta(r)->row_groups[0].num_rows, 0);
    for (size_t c = 0; c < 2; c++) {
        if (pq_column_open(r, 0, c, 0, &cr, &err) != EV_OK) fail_msg("%s", err.msg);
        assert_int_equal(pq_column_next(cr, &v, &err), EV_OK);
        assert_int_equal(v.n, 0);
        pq_column_close(cr);
    }
    pq_reader_close(r);
    ev_buf_free(&f2);
    ev_buf_free(&f);
    ev_buf_free(&lv);
    ev_buf_free(&vals);
    ev_buf_free(&tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_thrift_unknown_and_deep),
        cmocka_unit_test(test_events_roundtrip),
        cmocka_unit_test(test_random_schemas),
        cmocka_unit_test(test_empty_and_tiny),
        cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_dict_fallback_and_stats),
        cmocka_unit_test(test_kv_and_file),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_null_codes),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_corrupt_files),
        cmocka_unit_test(test_dict_codes_form),
        cmocka_unit_test(test_pool_across_files),
        cmocka_unit_test(test_dict_cache),
        cmocka_unit_test(test_handmade_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
