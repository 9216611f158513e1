/*
 * test_parquet_duckdb.c: interoperability with DuckDB (installed from npm by scripts/duckdb-setup.sh;
 * if it cannot be installed the test fails, it does not skip).
 *
 * - DuckDB reads files we write (the events schema, with every codec and with caller-coded strings;
 *   seeded random schemas with nulls, empty and >1 MB strings, every encoding and codec, page index
 *   on and off) and finds the same types and the same values, row for row.
 * - We read files DuckDB writes (every codec; dictionary and plain; data pages v1 and v2 (v2 also
 *   brings DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT); booleans, signed and
 *   unsigned ints, floats, strings, blobs, dates, timestamps in ms/us/ns with and without UTC,
 *   decimals on INT32/INT64/FIXED_LEN_BYTE_ARRAY, UUIDs, an all-null column, nulls everywhere) and
 *   DuckDB confirms every value we decoded.
 * Comparison happens in tests/parquet/duckdb_pq.mjs: our reader's values are dumped as JSON lines.
 */
#include <stdarg.h>

#include "ev_fs.h"
#include "pq_test_data.h"

static char g_dir[256];

static void duckdb_setup(void) {
    ev_buf err;
    ev_buf_init(&err, NULL);
    int rc = tu_run_sh(
        NULL, &err,
        "sh scripts/duckdb-setup.sh && cp tests/parquet/duckdb_pq.mjs build/duckdb/pq-test-duckdb_pq.mjs");
    if (rc != 0)
        fail_msg("DuckDB could not be installed from npm (it is this test's oracle): %s",
                 err.data ? (char *)err.data : "");
    ev_buf_free(&err);
}

/* ---- JSON dump of what our reader decodes ---- */

static void json_str(FILE *f, const char *p, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void render(FILE *f, const pq_column_desc *cd, const pq_vector *v, size_t i) {
    if (v->valid && !v->valid[i]) {
        fputs("null", f);
        return;
    }
    size_t ks = cd->vec_kind == PQ_VEC_BOOL                                ? 1
                : cd->vec_kind == PQ_VEC_I32 || cd->vec_kind == PQ_VEC_F32 ? 4
                : cd->vec_kind == PQ_VEC_BYTES                             ? sizeof(pq_str)
                                                                           : 8;
    const uint8_t *p = v->is_dict ? (const uint8_t *)v->dict + (size_t)v->codes[i] * ks
                                  : (const uint8_t *)v->values + i * ks;
    switch (cd->vec_kind) {
    case PQ_VEC_BOOL:
        fputs(*p ? "true" : "false", f);
        break;
    case PQ_VEC_I32: {
        int32_t x;
        memcpy(&x, p, 4);
        fprintf(f, "%d", x);
        break;
    }
    case PQ_VEC_I64: {
        int64_t x;
        memcpy(&x, p, 8);
        fprintf(f, "\"%lld\"", (long long)x);
        break;
    }
    case PQ_VEC_F32: {
        float x;
        memcpy(&x, p, 4);
        fprintf(f, "%.17g", (double)x);
        break;
    }
    case PQ_VEC_F64: {
        double x;
        memcpy(&x, p, 8);
        fprintf(f, "%.17g", x);
        break;
    }
    case PQ_VEC_BYTES: {
        const pq_str *s = (const pq_str *)(const void *)p;
        if (cd->logical.kind == PQ_LOGICAL_STRING || cd->logical.kind == PQ_LOGICAL_JSON ||
            cd->logical.kind == PQ_LOGICAL_ENUM) {
            json_str(f, s->ptr, s->len);
        } else {
            fputc('"', f);
            for (uint32_t k = 0; k < s->len; k++)
                fprintf(f, "%02X", (unsigned char)s->ptr[k]);
            fputc('"', f);
        }
        break;
    }
    }
}

/* Dumps every row of `path` through our reader (dictionary codes for odd columns). */
static void dump(const char *path, const char *out) {
    pq_reader *r;
    ev_error err = {0};
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
    const pq_file_meta *m = pq_reader_meta(r);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    size_t nc = m->num_columns;
    for (size_t g = 0; g < m->num_row_groups; g++) {
        size_t n = (size_t)m->row_groups[g].num_rows;
        /* render each column's cells, then write rows */
        char **cells = calloc(nc * (n ? n : 1), sizeof *cells);
        for (size_t c = 0; c < nc; c++) {
            pq_column_reader *cr;
            if (pq_column_open(r, g, c, c % 2 ? PQ_READ_DICT_CODES : 0, &cr, &err) != EV_OK)
                fail_msg("%s", err.msg);
            size_t row = 0;
            for (;;) {
                pq_vector v;
                if (pq_column_next(cr, &v, &err) != EV_OK) fail_msg("%s", err.msg);
                if (!v.n) break;
                for (size_t i = 0; i < v.n; i++) {
                    char *buf = NULL;
                    size_t len = 0;
                    FILE *mf = open_memstream(&buf, &len);
                    render(mf, &m->columns[c], &v, i);
                    fclose(mf);
                    assert_true(row < n);
                    cells[row++ * nc + c] = buf;
                }
            }
            assert_int_equal(row, n);
            pq_column_close(cr);
        }
        for (size_t i = 0; i < n; i++) {
            fputc('[', f);
            for (size_t c = 0; c < nc; c++) {
                if (c) fputc(',', f);
                fputs(cells[i * nc + c], f);
                free(cells[i * nc + c]);
            }
            fputs("]\n", f);
        }
        free(cells);
    }
    fclose(f);
    pq_reader_close(r);
}

/* ---- jobs for the node script ---- */

typedef struct jobs {
    ev_buf json;
    size_t n;
    char what[64][160];
} jobs;

static void job_add(jobs *j, const char *what, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char tmp[4096];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_int_equal(ev_buf_append_str(&j->json, j->n ? ",\n" : "[\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&j->json, tmp), EV_OK);
    snprintf(j->what[j->n++], sizeof j->what[0], "%s", what);
}

/* Runs the jobs; every job must report ok. */
static void jobs_run(jobs *j) {
    char path[512];
    snprintf(path, sizeof path, "%s/jobs-%zu.json", g_dir, j->json.len);
    assert_int_equal(ev_buf_append_str(&j->json, "\n]\n"), EV_OK);
    assert_int_equal(ev_write_file_atomic(path, j->json.data, j->json.len, NULL), EV_OK);
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_sh(&out, &err, "node build/duckdb/pq-test-duckdb_pq.mjs %s", path);
    if (rc != 0) fail_msg("node failed (%d): %s", rc, err.data ? (char *)err.data : "");
    assert_int_equal(ev_buf_append(&out, "", 1), EV_OK);
    char *line = (char *)out.data;
    for (size_t i = 0; i < j->n; i++) {
        char *nl = strchr(line, '\n');
        if (!nl) fail_msg("DuckDB gave no answer for job %zu (%s)", i, j->what[i]);
        *nl = 0;
        if (!strstr(line, "\"ok\":true")) fail_msg("%s: %s", j->what[i], line);
        line = nl + 1;
    }
    ev_buf_free(&out);
    ev_buf_free(&err);
    ev_buf_free(&j->json);
    ev_buf_init(&j->json, NULL);
    j->n = 0;
}

static const char *duck_type(const pq_column_spec *s) {
    switch (s->type) {
    case PQ_BOOLEAN:
        return "BOOLEAN";
    case PQ_INT32:
        return s->logical == PQ_LOGICAL_DATE ? "DATE" : "INTEGER";
    case PQ_INT64:
        if (s->logical == PQ_LOGICAL_TIMESTAMP) return s->utc ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
        return "BIGINT";
    case PQ_FLOAT:
        return "FLOAT";
    case PQ_DOUBLE:
        return "DOUBLE";
    default:
        return s->logical == PQ_LOGICAL_STRING ? "VARCHAR" : "BLOB";
    }
}

/* Writes the model to `path`, checks our reader against it, dumps, and queues a DuckDB check. */
static void write_and_queue(jobs *j, const mtable *t, const pq_writer_options *o, const char *path,
                            const char *what) {
    pq_column_spec specs[16];
    for (size_t c = 0; c < t->ncols; c++)
        specs[c] = t->cols[c].spec;
    pq_writer *w;
    ev_error err = {0};
    if (pq_writer_open_file(path, false, specs, t->ncols, o, &w, &err) != EV_OK) fail_msg("%s", err.msg);
    uint64_t rng = 17;
    mtable_write(t, w, &rng, 4000);
    if (pq_writer_close(w, NULL, &err) != EV_OK) fail_msg("%s", err.msg);
    pq_reader *r;
    if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
    mtable_check(t, r, what);
    pq_reader_close(r);
    char dpath[600], types[1024] = "[";
    snprintf(dpath, sizeof dpath, "%s.jsonl", path);
    dump(path, dpath);
    for (size_t c = 0; c < t->ncols; c++) {
        size_t l = strlen(types);
        snprintf(types + l, sizeof types - l, "%s\"%s\"", c ? "," : "", duck_type(&t->cols[c].spec));
    }
    strcat(types, "]");
    job_add(j, what, "{\"op\":\"check\",\"parquet\":\"%s\",\"dump\":\"%s\",\"types\":%s}", path, dpath,
            types);
}

static void test_duckdb_reads_ours(void **state) {
    (void)state;
    static const pq_codec codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP, PQ_CODEC_UNCOMPRESSED};
    jobs j = {0};
    ev_buf_init(&j.json, NULL);
    char path[512], what[128];
    /* the events schema, every codec; caller-coded ids for two of them */
    static const pq_column_spec ev[] = {
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
    static const size_t card[] = {0, 3000, 3000, 5, 30, 6, 5, 29001, 8};
    static const double nulls[] = {0, 0, 0, 0, 0.1, 0.1, 0.6, 0.6, 0.9};
    for (int k = 0; k < 4; k++) {
        mtable t;
        mtable_init(&t, 9, 30000);
        uint64_t rng = 100 + (uint64_t)k;
        for (int c = 0; c < 9; c++) {
            t.cols[c].spec = ev[c];
            mcol_fill(&t, &t.cols[c], &rng, nulls[c], card[c], 10);
            if (k < 2 && c >= 1 && c <= 3) mcol_precode(&t, &t.cols[c]);
        }
        pq_writer_options o;
        pq_writer_options_init(&o);
        o.codec = codecs[k];
        o.row_group_rows = 12000;
        o.page_index = k % 2 == 0;
        snprintf(path, sizeof path, "%s/events-%s.parquet", g_dir, pq_codec_name(codecs[k]));
        snprintf(what, sizeof what, "events schema, %s", pq_codec_name(codecs[k]));
        write_and_queue(&j, &t, &o, path, what);
        mtable_free(&t);
    }
    /* random schemas */
    static const pq_type types[] = {PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY};
    for (uint64_t iter = 0; iter < 16; iter++) {
        uint64_t rng = 5000 + iter;
        size_t ncols = 1 + tr_next(&rng) % 8, nrows = iter == 0   ? 0
                                                      : iter == 1 ? 1
                                                                  : (size_t)(tr_next(&rng) % 8000);
        mtable t;
        mtable_init(&t, ncols, nrows);
        char names[8][16];
        for (size_t c = 0; c < ncols; c++) {
            mcol *m = &t.cols[c];
            snprintf(names[c], sizeof names[c], "col_%zu", c);
            m->spec.name = names[c];
            m->spec.type = types[tr_next(&rng) % 6];
            m->spec.optional = tr_next(&rng) % 3 != 0;
            m->spec.encoding = (pq_write_encoding)(tr_next(&rng) % 3);
            if (m->spec.type == PQ_INT64 && tr_next(&rng) % 2) {
                m->spec.logical = PQ_LOGICAL_TIMESTAMP;
                m->spec.utc = tr_next(&rng) % 2;
            }
            if (m->spec.type == PQ_INT32 && tr_next(&rng) % 3 == 0) m->spec.logical = PQ_LOGICAL_DATE;
            if (m->spec.type == PQ_BYTE_ARRAY && tr_next(&rng) % 4) m->spec.logical = PQ_LOGICAL_STRING;
            if ((m->spec.type == PQ_INT32 || m->spec.type == PQ_INT64) && tr_next(&rng) % 3 == 0)
                m->spec.encoding = PQ_WENC_DELTA;
            double nr = m->spec.optional ? (double)(tr_next(&rng) % 4) / 3.0 : 0;
            size_t cardn = tr_next(&rng) % 2 ? (size_t)(1 + tr_next(&rng) % 500) : 0;
            mcol_fill(&t, m, &rng, nr, cardn, tr_next(&rng) % 4 == 0 ? 0 : 30);
            if (m->spec.type == PQ_BYTE_ARRAY && tr_next(&rng) % 3 == 0) mcol_precode(&t, m);
        }
        if (iter == 3) {
            /* long strings: a 1.5 MB value in a string column */
            t.cols[0].spec.type = PQ_BYTE_ARRAY;
            t.cols[0].spec.logical = PQ_LOGICAL_STRING;
            t.cols[0].spec.encoding = PQ_WENC_AUTO;
            t.cols[0].codes = NULL;
            mcol_fill(&t, &t.cols[0], &rng, 0.3, 0, 20);
            for (size_t i = 0; i < t.nrows; i += 997) {
                size_t len = (3u << 20) / 2 + i;
                char *p = ev_arena_alloc(&t.arena, len);
                for (size_t q = 0; q < len; q++)
                    p[q] = (char)('A' + (q * 7 + i) % 26);
                ((pq_str *)t.cols[0].vals)[i] = (pq_str){p, (uint32_t)len};
            }
        }
        pq_writer_options o;
        pq_writer_options_init(&o);
        o.codec = codecs[iter % 4];
        o.row_group_rows = 1 + (size_t)(tr_next(&rng) % 5000);
        o.page_rows = 1 + (size_t)(tr_next(&rng) % 3000);
        o.page_size = 256 + (size_t)(tr_next(&rng) % 100000);
        o.dict_max_bytes = tr_next(&rng) % 2 ? 500 : 0;
        o.page_index = tr_next(&rng) % 2;
        if (nrows > 1000 && o.row_group_rows < 50) o.row_group_rows = 50;
        snprintf(path, sizeof path, "%s/random-%llu.parquet", g_dir, (unsigned long long)iter);
        snprintf(what, sizeof what, "random schema %llu (%s)", (unsigned long long)iter,
                 pq_codec_name(o.codec));
        write_and_queue(&j, &t, &o, path, what);
        mtable_free(&t);
    }
    jobs_run(&j);
}

static void test_we_read_duckdb(void **state) {
    (void)state;
    static const char *codecs[] = {"zstd", "snappy", "gzip", "uncompressed", "lz4_raw"};
    jobs j = {0};
    ev_buf_init(&j.json, NULL);
    char path[512], what[128];
    /* DuckDB writes */
    for (int k = 0; k < 5; k++) {
        for (int v2 = 0; v2 < 2; v2++) {
            for (int plain = 0; plain < 2; plain++) {
                snprintf(path, sizeof path, "%s/duck-%s-v%d-%s.parquet", g_dir, codecs[k], v2 + 1,
                         plain ? "plain" : "dict");
                snprintf(what, sizeof what, "DuckDB writes %s", path + strlen(g_dir) + 1);
                job_add(&j, what,
                        "{\"op\":\"write\",\"out\":\"%s\",\"rows\":%d,\"options\":\"COMPRESSION %s%s%s, "
                        "ROW_GROUP_SIZE 4000\"}",
                        path, 7000 + k * 100, codecs[k], v2 ? ", PARQUET_VERSION v2" : "",
                        plain ? ", DICTIONARY_SIZE_LIMIT 1" : "");
            }
        }
    }
    jobs_run(&j);
    /* we read them, DuckDB checks every value we decoded */
    uint32_t seen = 0;
    for (int k = 0; k < 5; k++) {
        for (int v2 = 0; v2 < 2; v2++) {
            for (int plain = 0; plain < 2; plain++) {
                snprintf(path, sizeof path, "%s/duck-%s-v%d-%s.parquet", g_dir, codecs[k], v2 + 1,
                         plain ? "plain" : "dict");
                pq_reader *r;
                ev_error err = {0};
                if (pq_reader_open_file(path, NULL, &r, &err) != EV_OK) fail_msg("%s", err.msg);
                const pq_file_meta *m = pq_reader_meta(r);
                assert_int_equal(m->num_rows, 7000 + k * 100);
                assert_true(m->num_row_groups >= 2);
                for (size_t g = 0; g < m->num_row_groups; g++)
                    for (size_t c = 0; c < m->num_columns; c++)
                        seen |= m->row_groups[g].chunks[c].encodings;
                /* the types we expect to see */
                int tc = pq_reader_find_column(r, "tsns");
                assert_true(tc >= 0);
                assert_int_equal(m->columns[tc].logical.unit, PQ_UNIT_NANOS);
                tc = pq_reader_find_column(r, "dec18");
                assert_int_equal(m->columns[tc].type, PQ_INT64);
                assert_int_equal(m->columns[tc].logical.kind, PQ_LOGICAL_DECIMAL);
                assert_int_equal(m->columns[tc].vec_kind, PQ_VEC_F64);
                tc = pq_reader_find_column(r, "dec30");
                assert_int_equal(m->columns[tc].type, PQ_FIXED_LEN_BYTE_ARRAY);
                assert_int_equal(m->columns[tc].vec_kind, PQ_VEC_F64);
                tc = pq_reader_find_column(r, "dec9");
                assert_int_equal(m->columns[tc].type, PQ_INT32);
                tc = pq_reader_find_column(r, "u64");
                assert_int_equal(m->columns[tc].logical.kind, PQ_LOGICAL_INT);
                pq_reader_close(r);
                char dpath[600];
                snprintf(dpath, sizeof dpath, "%s.jsonl", path);
                dump(path, dpath);
                snprintf(what, sizeof what, "we read %s", path + strlen(g_dir) + 1);
                job_add(&j, what, "{\"op\":\"check\",\"parquet\":\"%s\",\"dump\":\"%s\",\"types\":null}",
                        path, dpath);
            }
        }
    }
    jobs_run(&j);
    /* the DuckDB files exercised these encodings */
    assert_true((seen & (1u << PQ_RLE_DICTIONARY)) || (seen & (1u << PQ_PLAIN_DICTIONARY)));
    assert_true(seen & (1u << PQ_PLAIN));
    assert_true(seen & (1u << PQ_DELTA_BINARY_PACKED));
    printf("encodings in DuckDB's files:");
    for (int e = 0; e < 10; e++)
        if (seen & (1u << e)) printf(" %s", pq_encoding_name((pq_encoding)e));
    printf("\n");
}

static int setup(void **state) {
    (void)state;
    duckdb_setup();
    tu_mkdtemp(g_dir, "pq-duck");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(g_dir);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_we_read_duckdb),
        cmocka_unit_test(test_duckdb_reads_ours),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
