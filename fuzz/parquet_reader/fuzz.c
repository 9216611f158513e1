/*
 * fuzz/parquet_reader: libFuzzer target for the Parquet reader (src/parquet).
 *
 * Opens the input as an in-memory file, visits the page index of every chunk, and decodes every
 * column of every row group twice (values, and dictionary codes), checking the vector invariants:
 * at most PQ_VECTOR_SIZE rows, validity bytes 0/1 matching null_count, codes inside the dictionary,
 * string pointers inside the input or the reader's own memory (ASan catches the rest). Page and
 * footer limits are small so hostile counts fail with EV_ERR_LIMIT instead of exhausting memory.
 * The seed corpus holds files from our writer and from DuckDB (every codec, pages v1 and v2,
 * dictionary and plain) and hostile ones (truncated, bit-flipped, lying lengths, deep nesting).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_vector(const pq_vector *v) {
    if (v->n > PQ_VECTOR_SIZE) abort();
    size_t nulls = 0;
    if (v->valid) {
        for (size_t i = 0; i < v->n; i++) {
            if (v->valid[i] > 1) abort();
            nulls += !v->valid[i];
        }
    }
    if (nulls != v->null_count) abort();
    if (v->is_dict) {
        for (size_t i = 0; i < v->n; i++)
            if ((!v->valid || v->valid[i]) && v->codes[i] >= v->dict_n) abort();
        if (v->kind == PQ_VEC_BYTES) {
            const pq_str *d = v->dict;
            volatile uint8_t sink = 0;
            for (uint32_t k = 0; k < v->dict_n; k++)
                if (d[k].len) sink ^= (uint8_t)(d[k].ptr[0] ^ d[k].ptr[d[k].len - 1]);
            (void)sink;
        }
    } else if (v->kind == PQ_VEC_BYTES && v->n) {
        const pq_str *s = v->values;
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < v->n; i++)
            if (s[i].len) sink ^= (uint8_t)(s[i].ptr[0] ^ s[i].ptr[s[i].len - 1]);
        (void)sink;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pq_reader *r;
    ev_error err;
    pq_reader_options o = {.max_footer_bytes = 1u << 20, .max_page_bytes = 8u << 20};
    if (pq_reader_open_mem(data, size, "fuzz.parquet", &o, &r, &err) != EV_OK) return 0;
    const pq_file_meta *m = pq_reader_meta(r);
    for (size_t g = 0; g < m->num_row_groups; g++) {
        for (size_t c = 0; c < m->num_columns; c++) {
            pq_page_index pi;
            if (pq_reader_page_index(r, g, c, &pi, &err) == EV_OK && pi.num_pages > 0 && !pi.pages) abort();
            for (unsigned mode = 0; mode < 2; mode++) {
                pq_column_reader *cr;
                if (pq_column_open(r, g, c, mode ? PQ_READ_DICT_CODES : 0, &cr, &err) != EV_OK) continue;
                uint64_t rows = 0;
                for (int guard = 0; guard < 100000; guard++) {
                    pq_vector v;
                    if (pq_column_next(cr, &v, &err) != EV_OK) break;
                    if (v.n == 0) break;
                    if (v.first_row != rows) abort();
                    check_vector(&v);
                    rows += v.n;
                }
                pq_column_close(cr);
            }
        }
    }
    pq_reader_close(r);
    return 0;
}
