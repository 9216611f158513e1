/* etl_parquet.c: the ETL's Parquet writer (see etl_parquet.h for what it writes and why). */
#include "etl_parquet.h"

#include "pq.h"

#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define NCOLS 9
#define PAGE_ROWS 65536
#define ZSTD_LEVEL 3

/* Parquet enums (parquet.thrift). */
enum { T_INT32 = 1, T_INT64 = 2, T_DOUBLE = 5, T_BYTE_ARRAY = 6 };
enum { REP_REQUIRED = 0, REP_OPTIONAL = 1 };
enum { ENC_PLAIN = 0, ENC_RLE = 3, ENC_DELTA_BINARY_PACKED = 5, ENC_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum { CT_UTF8 = 0, CT_TIMESTAMP_MICROS = 10 };

enum col_kind { K_TS, K_STR, K_I32, K_F64 };
static const struct {
    const char *name;
    enum col_kind kind;
    int slot; /* etl_rows string column */
} cols[NCOLS] = {{"timestamp", K_TS, -1},
                 {"user_id", K_STR, ETL_COL_USER_ID},
                 {"session_id", K_STR, ETL_COL_SESSION_ID},
                 {"event_type", K_STR, ETL_COL_EVENT_TYPE},
                 {"product_id", K_STR, ETL_COL_PRODUCT_ID},
                 {"category", K_STR, ETL_COL_CATEGORY},
                 {"quantity", K_I32, -1},
                 {"price", K_F64, -1},
                 {"search_query", K_STR, ETL_COL_SEARCH_QUERY}};

/* Min/max of a column as Parquet's little-endian / raw-bytes statistics. */
typedef struct minmax {
    int set;
    uint8_t *min, *max; /* malloc'd */
    size_t min_len, max_len;
} minmax;

typedef struct chunk_meta {
    uint64_t offset;      /* first page */
    uint64_t dict_offset; /* 0: no dictionary page */
    uint64_t data_offset;
    uint64_t uncompressed, compressed;
    uint64_t nulls;
    int dictionary;
    minmax mm;
} chunk_meta;

typedef struct rg_meta {
    uint64_t rows, offset, uncompressed, compressed;
    chunk_meta col[NCOLS];
} rg_meta;

/* The writer keeps one for all its chunks: its hash table starts small and doubles while the
 * chunk's values need it (quantity has 5 values, not the 131,072 slots of the largest table), so
 * building a chunk's dictionary touches no fresh memory (page faults cost ~7 us each here). */
typedef struct num_dict {
    uint64_t *keys; /* value bits + 1 (0 = empty slot), nslots */
    uint32_t *slot_code;
    uint32_t nslots, slots_cap; /* the table's size now, and the arrays' */
    int shift;                  /* 64 - log2(nslots) */
    uint64_t *vals;             /* by code: the value bits, NUM_DICT_MAX */
    uint32_t n;
    uint32_t *codes; /* per row of the row group (null rows: unused) */
    size_t codes_cap;
} num_dict;

struct etl_pq_writer {
    store_writer *sw;
    etl_pq_codec codec;
    uint64_t offset;
    rg_meta *rgs;
    size_t nrg, caprg;
    uint64_t rows;
    ev_buf body, comp, hdr;
    uint32_t *levels;        /* per page: def levels or codes being encoded */
    uint32_t *order, *renum; /* a string chunk's dictionary: sorted position -> code, code -> sorted */
    size_t order_cap;
    ev_buf sort_scratch;
    num_dict nd; /* the number columns' dictionaries, one chunk at a time */
    ZSTD_CCtx *zctx;
    minmax file_mm[NCOLS]; /* over the whole file, for the catalog */
    uint64_t file_nulls[NCOLS];
};

ev_status etl_pq_codec_parse(const char *name, etl_pq_codec *out) {
    if (!strcmp(name, "zstd"))
        *out = ETL_PQ_ZSTD;
    else if (!strcmp(name, "snappy"))
        *out = ETL_PQ_SNAPPY;
    else if (!strcmp(name, "gzip"))
        *out = ETL_PQ_GZIP;
    else if (!strcmp(name, "none") || !strcmp(name, "uncompressed"))
        *out = ETL_PQ_UNCOMPRESSED;
    else
        return EV_ERR_INPUT;
    return EV_OK;
}

/* ---- thrift compact protocol (writing only) ---- */

typedef struct tw {
    ev_buf *b;
    int16_t last[32]; /* last field id per nesting level */
    int depth;
    int failed;
} tw;

static void tw_bytes(tw *t, const void *p, size_t n) {
    if (ev_buf_append(t->b, p, n) != EV_OK) t->failed = 1;
}
static void tw_byte(tw *t, uint8_t v) {
    tw_bytes(t, &v, 1);
}
static void tw_varint(tw *t, uint64_t v) {
    uint8_t buf[10];
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    tw_bytes(t, buf, n);
}
static uint64_t zigzag(int64_t v) {
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void tw_field(tw *t, int16_t id, uint8_t type) {
    int16_t delta = (int16_t)(id - t->last[t->depth]);
    if (delta > 0 && delta <= 15) {
        tw_byte(t, (uint8_t)(delta << 4 | type));
    } else {
        tw_byte(t, type);
        tw_varint(t, zigzag(id));
    }
    t->last[t->depth] = id;
}
static void tw_i32(tw *t, int16_t id, int32_t v) {
    tw_field(t, id, 5);
    tw_varint(t, zigzag(v));
}
static void tw_i64(tw *t, int16_t id, int64_t v) {
    tw_field(t, id, 6);
    tw_varint(t, zigzag(v));
}
static void tw_bin(tw *t, int16_t id, const void *p, size_t n) {
    tw_field(t, id, 8);
    tw_varint(t, n);
    tw_bytes(t, p, n);
}
static void tw_str(tw *t, int16_t id, const char *s) {
    tw_bin(t, id, s, strlen(s));
}
static void tw_bool(tw *t, int16_t id, int v) {
    tw_field(t, id, v ? 1 : 2);
}
static void tw_push(tw *t) {
    if (t->depth + 1 >= 32) {
        t->failed = 1;
        return;
    }
    t->last[++t->depth] = 0;
}
static void tw_struct(tw *t, int16_t id) {
    tw_field(t, id, 12);
    tw_push(t);
}
static void tw_end(tw *t) { /* ends a struct: the stop field */
    tw_byte(t, 0);
    if (t->depth > 0) t->depth--;
}
static void tw_list(tw *t, int16_t id, uint8_t elem, uint32_t n) {
    tw_field(t, id, 9);
    if (n < 15) {
        tw_byte(t, (uint8_t)(n << 4 | elem));
    } else {
        tw_byte(t, (uint8_t)(0xF0 | elem));
        tw_varint(t, n);
    }
}

/* ---- RLE / bit-packed hybrid ---- */

static size_t run_at(const uint32_t *v, size_t i, size_t n) {
    size_t j = i + 1;
    while (j < n && v[j] == v[i])
        j++;
    return j - i;
}

static void put_bitpacked(ev_buf *out, const uint32_t *v, size_t n, int bw, int *failed) {
    size_t groups = (n + 7) / 8;
    if (ev_buf_reserve(out, groups * (size_t)bw + 16) != EV_OK) {
        *failed = 1;
        return;
    }
    uint8_t *o = out->data + out->len;
    uint64_t acc = 0;
    int bits = 0; /* < 32 between values, so bits + bw <= 63 */
    for (size_t i = 0; i < groups * 8; i++) {
        acc |= (uint64_t)(i < n ? v[i] : 0) << bits;
        bits += bw;
        if (bits >= 32) { /* four bytes at a time (little-endian), not one per loop */
            o[0] = (uint8_t)acc, o[1] = (uint8_t)(acc >> 8), o[2] = (uint8_t)(acc >> 16),
            o[3] = (uint8_t)(acc >> 24);
            o += 4;
            acc >>= 32;
            bits -= 32;
        }
    }
    for (; bits > 0; bits -= 8) { /* groups of 8 values end on a byte */
        *o++ = (uint8_t)acc;
        acc >>= 8;
    }
    out->len = (size_t)(o - out->data);
}

/* Encodes v[0..n) with bit width bw: runs of 8 or more equal values as RLE runs, the rest as
 * bit-packed groups of 8 (a literal stretch is a multiple of 8 except at the very end). */
static void rle_hybrid(ev_buf *out, const uint32_t *v, size_t n, int bw, int *failed) {
    tw t = {out, {0}, 0, 0};
    size_t i = 0;
    while (i < n) {
        size_t run = run_at(v, i, n);
        if (run >= 8) {
            tw_varint(&t, (uint64_t)run << 1);
            uint32_t val = v[i];
            for (int b = 0; b < (bw + 7) / 8; b++)
                tw_byte(&t, (uint8_t)(val >> (8 * b)));
            i += run;
            continue;
        }
        size_t j = i;
        while (j < n) {
            j += 8;
            if (j < n && run_at(v, j, n) >= 8) break;
        }
        if (j > n) j = n;
        tw_varint(&t, ((uint64_t)((j - i + 7) / 8) << 1) | 1);
        put_bitpacked(out, v + i, j - i, bw, failed);
        i = j;
    }
    if (t.failed) *failed = 1;
}

static int bit_width(uint32_t max) {
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w ? w : 1;
}

/* ---- pages ---- */

static ev_status compress_body(etl_pq_writer *w, const uint8_t **out, size_t *out_len, ev_error *err) {
    const ev_buf *b = &w->body;
    ev_buf_reset(&w->comp);
    *out = NULL;
    *out_len = 0;
    size_t cap;
    switch (w->codec) {
    case ETL_PQ_UNCOMPRESSED:
        *out = b->data;
        *out_len = b->len;
        return EV_OK;
    case ETL_PQ_ZSTD: {
        cap = ZSTD_compressBound(b->len);
        if (ev_buf_reserve(&w->comp, cap) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        size_t n = ZSTD_compressCCtx(w->zctx, w->comp.data, cap, b->data, b->len, ZSTD_LEVEL);
        if (ZSTD_isError(n)) return ev_error_set(err, EV_ERR_INTERNAL, "zstd: %s", ZSTD_getErrorName(n));
        w->comp.len = n;
        break;
    }
    case ETL_PQ_SNAPPY: {
        cap = snappy_max_compressed_length(b->len);
        if (ev_buf_reserve(&w->comp, cap) != EV_OK) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        if (snappy_compress((const char *)b->data, b->len, (char *)w->comp.data, &cap) != SNAPPY_OK)
            return ev_error_set(err, EV_ERR_INTERNAL, "snappy compression failed");
        w->comp.len = cap;
        break;
    }
    case ETL_PQ_GZIP: {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return ev_error_set(err, EV_ERR_NOMEM, "gzip: cannot start");
        cap = deflateBound(&z, b->len);
        if (ev_buf_reserve(&w->comp, cap) != EV_OK) {
            deflateEnd(&z);
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        }
        z.next_in = (Bytef *)b->data;
        z.avail_in = (uInt)b->len;
        z.next_out = w->comp.data;
        z.avail_out = (uInt)cap;
        int rc = deflate(&z, Z_FINISH);
        w->comp.len = cap - z.avail_out;
        deflateEnd(&z);
        if (rc != Z_STREAM_END) return ev_error_set(err, EV_ERR_INTERNAL, "gzip compression failed");
        break;
    }
    }
    *out = w->comp.data;
    *out_len = w->comp.len;
    return EV_OK;
}

static ev_status emit(etl_pq_writer *w, const void *p, size_t n, ev_error *err) {
    EV_TRY(store_writer_write(w->sw, p, n, err));
    w->offset += n;
    return EV_OK;
}

/* Writes w->body as a page (compressed), with its header. */
static ev_status write_page(etl_pq_writer *w, int type, uint32_t num_values, int encoding, chunk_meta *cm,
                            ev_error *err) {
    const uint8_t *data;
    size_t len;
    EV_TRY(compress_body(w, &data, &len, err));
    ev_buf_reset(&w->hdr);
    tw t = {&w->hdr, {0}, 0, 0};
    tw_i32(&t, 1, type);
    tw_i32(&t, 2, (int32_t)w->body.len);
    tw_i32(&t, 3, (int32_t)len);
    if (type == PAGE_DICTIONARY) {
        tw_struct(&t, 7);
        tw_i32(&t, 1, (int32_t)num_values);
        tw_i32(&t, 2, ENC_PLAIN);
        tw_bool(&t, 3, 0);
        tw_end(&t);
    } else {
        tw_struct(&t, 5);
        tw_i32(&t, 1, (int32_t)num_values);
        tw_i32(&t, 2, encoding);
        tw_i32(&t, 3, ENC_RLE);
        tw_i32(&t, 4, ENC_RLE);
        tw_end(&t);
    }
    tw_end(&t);
    if (t.failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    if (type == PAGE_DICTIONARY)
        cm->dict_offset = w->offset;
    else if (!cm->data_offset)
        cm->data_offset = w->offset;
    cm->uncompressed += w->hdr.len + w->body.len;
    cm->compressed += w->hdr.len + len;
    EV_TRY(emit(w, w->hdr.data, w->hdr.len, err));
    return emit(w, data, len, err);
}

/* Definition levels of rows [from, to) as a length-prefixed RLE run into w->body. */
static void put_def_levels(etl_pq_writer *w, const etl_rows *r, int c, size_t from, size_t to, int *failed) {
    size_t n = to - from, ones = 0;
    uint32_t *lv = w->levels;
    if (cols[c].kind == K_STR) {
        const uint32_t *codes = r->codes[cols[c].slot] + from;
        for (size_t i = 0; i < n; i++)
            ones += lv[i] = codes[i] != ETL_NULL_CODE;
    } else {
        const uint8_t *has = (cols[c].kind == K_I32 ? r->has_quantity : r->has_price) + from;
        for (size_t i = 0; i < n; i++)
            ones += lv[i] = has[i];
    }
    size_t at = w->body.len;
    uint32_t placeholder = 0;
    if (ev_buf_append(&w->body, &placeholder, 4) != EV_OK) {
        *failed = 1;
        return;
    }
    if (ones == n && n >= 8) { /* no null: the one RLE run rle_hybrid would write, without scanning for it */
        tw t = {&w->body, {0}, 0, 0};
        tw_varint(&t, (uint64_t)n << 1);
        tw_byte(&t, 1);
        if (t.failed) *failed = 1;
    } else {
        rle_hybrid(&w->body, lv, n, 1, failed);
    }
    uint32_t len = (uint32_t)(w->body.len - at - 4);
    for (int b = 0; b < 4; b++)
        w->body.data[at + (size_t)b] = (uint8_t)(len >> (8 * b));
}

static void mm_set(minmax *m, const void *min, size_t min_len, const void *max, size_t max_len, int *failed) {
    free(m->min);
    free(m->max);
    m->min = malloc(min_len ? min_len : 1);
    m->max = malloc(max_len ? max_len : 1);
    if (!m->min || !m->max) {
        *failed = 1;
        return;
    }
    memcpy(m->min, min, min_len);
    memcpy(m->max, max, max_len);
    m->min_len = min_len;
    m->max_len = max_len;
    m->set = 1;
}

static int bytes_cmp(const void *a, size_t al, const void *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Folds a chunk's min/max into the file's: numbers compare as their type, strings as bytes. */
static void mm_merge(minmax *file, const minmax *chunk, enum col_kind kind, int *failed) {
    if (!chunk->set) return;
    if (!file->set) {
        mm_set(file, chunk->min, chunk->min_len, chunk->max, chunk->max_len, failed);
        return;
    }
    int lower, higher;
    if (kind == K_TS) {
        int64_t a, b, c, d;
        memcpy(&a, chunk->min, 8), memcpy(&b, file->min, 8), memcpy(&c, chunk->max, 8),
            memcpy(&d, file->max, 8);
        lower = a<b, higher = c> d;
    } else if (kind == K_I32) {
        int32_t a, b, c, d;
        memcpy(&a, chunk->min, 4), memcpy(&b, file->min, 4), memcpy(&c, chunk->max, 4),
            memcpy(&d, file->max, 4);
        lower = a<b, higher = c> d;
    } else if (kind == K_F64) {
        double a, b, c, d;
        memcpy(&a, chunk->min, 8), memcpy(&b, file->min, 8), memcpy(&c, chunk->max, 8),
            memcpy(&d, file->max, 8);
        lower = a<b, higher = c> d;
    } else {
        lower = bytes_cmp(chunk->min, chunk->min_len, file->min, file->min_len) < 0;
        higher = bytes_cmp(chunk->max, chunk->max_len, file->max, file->max_len) > 0;
    }
    minmax m = {0};
    mm_set(&m, lower ? chunk->min : file->min, lower ? chunk->min_len : file->min_len,
           higher ? chunk->max : file->max, higher ? chunk->max_len : file->max_len, failed);
    free(file->min);
    free(file->max);
    *file = m;
}

/* ---- column chunks ---- */

static ev_status write_timestamps(etl_pq_writer *w, const etl_rows *r, chunk_meta *cm, ev_error *err) {
    int failed = 0;
    for (size_t from = 0; from < r->n; from += PAGE_ROWS) {
        size_t to = from + PAGE_ROWS < r->n ? from + PAGE_ROWS : r->n;
        ev_buf_reset(&w->body);
        /* events arrive in time order within an object: deltas of a few bits instead of 8 bytes */
        if (pq_delta_encode(&w->body, r->ts + from, to - from, false) != EV_OK)
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        EV_TRY(write_page(w, PAGE_DATA, (uint32_t)(to - from), ENC_DELTA_BINARY_PACKED, cm, err));
    }
    mm_set(&cm->mm, &r->ts_min, 8, &r->ts_max, 8, &failed);
    return failed ? ev_error_set(err, EV_ERR_NOMEM, "out of memory") : EV_OK;
}

static const char *dict_string_at(const void *ctx, uint32_t i, size_t *len) {
    return etl_dict_value(ctx, i, len);
}

/* The chunk's dictionary sorted (w->order, w->renum): a sorted dictionary of ids ("u_10000",
 * "u_10001", ...) compresses to a fraction of one in first-seen order, its ends are the chunk's
 * min/max, and readers can walk the dictionaries of successive row groups side by side (the SQL
 * engine's COUNT(DISTINCT) skips the ids it already has that way: exec_known.c). */
static ev_status sort_dictionary(etl_pq_writer *w, const etl_dict *d, ev_error *err) {
    if (d->n > w->order_cap) {
        size_t nc = w->order_cap ? w->order_cap : 1024;
        while (nc < d->n)
            nc *= 2;
        uint32_t *no = realloc(w->order, nc * sizeof *no);
        if (no) w->order = no;
        uint32_t *nr = no ? realloc(w->renum, nc * sizeof *nr) : NULL;
        if (nr) w->renum = nr;
        if (!no || !nr) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        w->order_cap = nc;
    }
    if (!etl_dict_sorted_order(d, w->order) &&
        pq_sort_strings(dict_string_at, d, d->n, w->order, &w->sort_scratch) != EV_OK)
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < d->n; k++)
        w->renum[w->order[k]] = k;
    return EV_OK;
}

static ev_status write_strings(etl_pq_writer *w, const etl_rows *r, int c, chunk_meta *cm, ev_error *err) {
    const etl_dict *d = &r->dict[cols[c].slot];
    const uint32_t *codes = r->codes[cols[c].slot];
    int failed = 0;
    if (d->n > 0) { /* the dictionary page, PLAIN: length-prefixed values, sorted; the chunk's min/max */
        cm->dictionary = 1;
        EV_TRY(sort_dictionary(w, d, err));
        ev_buf_reset(&w->body);
        for (uint32_t k = 0; k < d->n && !failed; k++) {
            size_t len;
            const char *v = etl_dict_value(d, w->order[k], &len);
            uint32_t l32 = (uint32_t)len;
            if (ev_buf_append(&w->body, &l32, 4) != EV_OK || ev_buf_append(&w->body, v, len) != EV_OK)
                failed = 1;
        }
        if (failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        EV_TRY(write_page(w, PAGE_DICTIONARY, d->n, ENC_PLAIN, cm, err));
        size_t ll, hl;
        const char *lv = etl_dict_value(d, w->order[0], &ll),
                   *hv = etl_dict_value(d, w->order[d->n - 1], &hl);
        mm_set(&cm->mm, lv, ll, hv, hl, &failed);
    }
    int bw = d->n ? bit_width(d->n - 1) : 0;
    for (size_t from = 0; from < r->n; from += PAGE_ROWS) {
        size_t to = from + PAGE_ROWS < r->n ? from + PAGE_ROWS : r->n;
        ev_buf_reset(&w->body);
        put_def_levels(w, r, c, from, to, &failed);
        size_t k = 0;
        for (size_t i = from; i < to; i++) {
            if (codes[i] != ETL_NULL_CODE)
                w->levels[k++] = w->renum[codes[i]];
            else
                cm->nulls++;
        }
        if (d->n) {
            uint8_t width = (uint8_t)bw;
            if (ev_buf_append(&w->body, &width, 1) != EV_OK) failed = 1;
            rle_hybrid(&w->body, w->levels, k, bw, &failed);
        }
        if (failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        EV_TRY(
            write_page(w, PAGE_DATA, (uint32_t)(to - from), d->n ? ENC_RLE_DICTIONARY : ENC_PLAIN, cm, err));
    }
    return failed ? ev_error_set(err, EV_ERR_NOMEM, "out of memory") : EV_OK;
}

/* Numbers go dictionary-encoded while a chunk has few distinct values (quantity is 1..5, prices
 * carry cents): codes of a few bits instead of 4 or 8 bytes a value shrink the column several
 * times, so readers decompress less and can filter and group on codes. Past NUM_DICT_MAX distinct
 * values the chunk is written PLAIN. */
#define NUM_DICT_MAX 65536
#define NUM_DICT_MIN_SLOTS 1024

static void num_dict_free(num_dict *d) {
    free(d->keys);
    free(d->slot_code);
    free(d->vals);
    free(d->codes);
    memset(d, 0, sizeof *d);
}

static size_t num_dict_memory(const num_dict *d) {
    return (size_t)d->slots_cap * 12 + (d->vals ? NUM_DICT_MAX * 8 : 0) + d->codes_cap * 4;
}

static uint64_t num_bits(const etl_rows *r, size_t i, int is_i32) {
    if (is_i32) return (uint32_t)r->quantity[i];
    uint64_t b;
    memcpy(&b, &r->price[i], 8);
    return b;
}

static size_t num_slot(const num_dict *d, uint64_t key) {
    uint64_t h = key * 0x9e3779b97f4a7c15ULL;
    size_t mask = d->nslots - 1, p = (size_t)(h >> d->shift); /* the product's top bits mix best */
    while (d->keys[p] && d->keys[p] != key)
        p = (p + 1) & mask;
    return p;
}

/* Sizes the table to `nslots` (a power of two) and puts the values back by their codes. */
static int num_dict_rehash(num_dict *d, uint32_t nslots) {
    if (nslots > d->slots_cap) {
        uint64_t *keys = realloc(d->keys, (size_t)nslots * sizeof *keys);
        if (keys) d->keys = keys;
        uint32_t *sc = realloc(d->slot_code, (size_t)nslots * sizeof *sc);
        if (sc) d->slot_code = sc;
        if (!keys || !sc) return -1;
        d->slots_cap = nslots;
    }
    d->nslots = nslots;
    d->shift = 64 - __builtin_ctz(nslots);
    memset(d->keys, 0, (size_t)nslots * sizeof *d->keys);
    for (uint32_t c = 0; c < d->n; c++) {
        size_t p = num_slot(d, d->vals[c] + 1);
        d->keys[p] = d->vals[c] + 1;
        d->slot_code[p] = c;
    }
    return 0;
}

/* Builds the chunk's dictionary; 0 when there are too many distinct values, -1 out of memory. */
static int num_dict_build(const etl_rows *r, int is_i32, const uint8_t *has, num_dict *d) {
    if (!d->vals && !(d->vals = malloc(NUM_DICT_MAX * sizeof *d->vals))) return -1;
    if (d->codes_cap < r->n) {
        uint32_t *codes = realloc(d->codes, r->n * sizeof *codes);
        if (!codes) return -1;
        d->codes = codes;
        d->codes_cap = r->n;
    }
    d->n = 0;
    /* clear what the last chunk used (a table grown for prices shrinks back for quantities) */
    if (num_dict_rehash(d, NUM_DICT_MIN_SLOTS) < 0) return -1;
    for (size_t i = 0; i < r->n; i++) {
        if (!has[i]) continue;
        uint64_t key = num_bits(r, i, is_i32) + 1;
        size_t p = num_slot(d, key);
        if (!d->keys[p]) {
            if (d->n == NUM_DICT_MAX) return 0;
            d->keys[p] = key;
            d->slot_code[p] = d->n;
            d->vals[d->n++] = key - 1;
            if ((size_t)d->n * 2 > d->nslots) {
                if (num_dict_rehash(d, d->nslots * 2) < 0) return -1;
                p = num_slot(d, key);
            }
        }
        d->codes[i] = d->slot_code[p];
    }
    return 1;
}

static ev_status write_number_dict(etl_pq_writer *w, const num_dict *d, int is_i32, chunk_meta *cm,
                                   ev_error *err) {
    ev_buf_reset(&w->body);
    int failed = 0;
    for (uint32_t k = 0; k < d->n && !failed; k++) {
        uint32_t v32 = (uint32_t)d->vals[k];
        if (ev_buf_append(&w->body, is_i32 ? (const void *)&v32 : (const void *)&d->vals[k],
                          is_i32 ? 4 : 8) != EV_OK)
            failed = 1;
    }
    if (failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    cm->dictionary = 1;
    return write_page(w, PAGE_DICTIONARY, d->n, ENC_PLAIN, cm, err);
}

static ev_status write_numbers(etl_pq_writer *w, const etl_rows *r, int c, chunk_meta *cm, ev_error *err) {
    int failed = 0, is_i32 = cols[c].kind == K_I32;
    const uint8_t *has = is_i32 ? r->has_quantity : r->has_price;
    int32_t imin = INT32_MAX, imax = INT32_MIN;
    double dmin = 0, dmax = 0;
    int any = 0;
    num_dict *d = &w->nd;
    int dict = num_dict_build(r, is_i32, has, d);
    ev_status st = dict < 0 ? ev_error_set(err, EV_ERR_NOMEM, "out of memory") : EV_OK;
    if (st == EV_OK && dict > 0 && d->n > 0) st = write_number_dict(w, d, is_i32, cm, err);
    int bw = bit_width(d->n ? d->n - 1 : 0);
    for (size_t from = 0; st == EV_OK && from < r->n; from += PAGE_ROWS) {
        size_t to = from + PAGE_ROWS < r->n ? from + PAGE_ROWS : r->n;
        ev_buf_reset(&w->body);
        put_def_levels(w, r, c, from, to, &failed);
        if (ev_buf_reserve(&w->body, (to - from) * 8 + 1) != EV_OK) failed = 1;
        if (failed) {
            st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
            break;
        }
        size_t k = 0;
        for (size_t i = from; i < to; i++) {
            if (!has[i]) {
                cm->nulls++;
                continue;
            }
            if (cm->dictionary) {
                w->levels[k++] = d->codes[i];
            } else if (is_i32) {
                memcpy(w->body.data + w->body.len, &r->quantity[i], 4);
                w->body.len += 4;
            } else {
                memcpy(w->body.data + w->body.len, &r->price[i], 8);
                w->body.len += 8;
            }
            if (is_i32) {
                if (r->quantity[i] < imin) imin = r->quantity[i];
                if (r->quantity[i] > imax) imax = r->quantity[i];
            } else {
                if (!any || r->price[i] < dmin) dmin = r->price[i];
                if (!any || r->price[i] > dmax) dmax = r->price[i];
            }
            any = 1;
        }
        if (cm->dictionary) {
            uint8_t width = (uint8_t)bw;
            if (ev_buf_append(&w->body, &width, 1) != EV_OK) failed = 1;
            rle_hybrid(&w->body, w->levels, k, bw, &failed);
            if (failed) {
                st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
                break;
            }
        }
        st = write_page(w, PAGE_DATA, (uint32_t)(to - from), cm->dictionary ? ENC_RLE_DICTIONARY : ENC_PLAIN,
                        cm, err);
    }
    EV_TRY(st);
    if (any && is_i32) mm_set(&cm->mm, &imin, 4, &imax, 4, &failed);
    if (any && !is_i32) mm_set(&cm->mm, &dmin, 8, &dmax, 8, &failed);
    return failed ? ev_error_set(err, EV_ERR_NOMEM, "out of memory") : EV_OK;
}

/* ---- the writer ---- */

ev_status etl_pq_open(store *s, const char *key, etl_pq_codec codec, etl_pq_writer **out, ev_error *err) {
    *out = NULL;
    etl_pq_writer *w = calloc(1, sizeof *w);
    if (!w) return ev_error_set(err, EV_ERR_NOMEM, "out of memory opening '%s'", key);
    w->codec = codec;
    ev_buf_init(&w->body, NULL);
    ev_buf_init(&w->comp, NULL);
    ev_buf_init(&w->hdr, NULL);
    w->levels = malloc(PAGE_ROWS * sizeof *w->levels);
    w->zctx = codec == ETL_PQ_ZSTD ? ZSTD_createCCtx() : NULL;
    if (!w->levels || (codec == ETL_PQ_ZSTD && !w->zctx)) {
        etl_pq_abort(w);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory opening '%s'", key);
    }
    ev_status st = store_writer_open(s, key, &w->sw, err);
    if (st == EV_OK) st = emit(w, "PAR1", 4, err);
    if (st != EV_OK) {
        etl_pq_abort(w);
        return st;
    }
    *out = w;
    return EV_OK;
}

ev_status etl_pq_write_row_group(etl_pq_writer *w, const etl_rows *r, ev_error *err) {
    if (r->n == 0) return EV_OK;
    if (w->nrg == w->caprg) {
        size_t cap = w->caprg ? w->caprg * 2 : 8;
        rg_meta *grown = realloc(w->rgs, cap * sizeof *grown);
        if (!grown) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        w->rgs = grown;
        w->caprg = cap;
    }
    rg_meta *rg = &w->rgs[w->nrg++];
    memset(rg, 0, sizeof *rg);
    rg->rows = r->n;
    rg->offset = w->offset;
    for (int c = 0; c < NCOLS; c++) {
        chunk_meta *cm = &rg->col[c];
        cm->offset = w->offset;
        ev_status st = cols[c].kind == K_TS    ? write_timestamps(w, r, cm, err)
                       : cols[c].kind == K_STR ? write_strings(w, r, c, cm, err)
                                               : write_numbers(w, r, c, cm, err);
        EV_TRY(st);
        rg->uncompressed += cm->uncompressed;
        rg->compressed += cm->compressed;
        int failed = 0;
        mm_merge(&w->file_mm[c], &cm->mm, cols[c].kind, &failed);
        w->file_nulls[c] += cm->nulls;
        if (failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    w->rows += r->n;
    return EV_OK;
}

static void put_schema(tw *t) {
    tw_list(t, 2, 12, NCOLS + 1);
    tw_push(t); /* the root */
    tw_str(t, 4, "schema");
    tw_i32(t, 5, NCOLS);
    tw_end(t);
    for (int c = 0; c < NCOLS; c++) {
        tw_push(t);
        int type = cols[c].kind == K_TS    ? T_INT64
                   : cols[c].kind == K_STR ? T_BYTE_ARRAY
                   : cols[c].kind == K_I32 ? T_INT32
                                           : T_DOUBLE;
        tw_i32(t, 1, type);
        tw_i32(t, 3, cols[c].kind == K_TS ? REP_REQUIRED : REP_OPTIONAL);
        tw_str(t, 4, cols[c].name);
        if (cols[c].kind == K_TS) {
            tw_i32(t, 6, CT_TIMESTAMP_MICROS);
            tw_struct(t, 10); /* LogicalType */
            tw_struct(t, 8);  /* TIMESTAMP */
            tw_bool(t, 1, 1); /* isAdjustedToUTC */
            tw_struct(t, 2);  /* unit */
            tw_struct(t, 2);  /* MICROS */
            tw_end(t);
            tw_end(t);
            tw_end(t);
            tw_end(t);
        } else if (cols[c].kind == K_STR) {
            tw_i32(t, 6, CT_UTF8);
            tw_struct(t, 10);
            tw_struct(t, 1); /* STRING */
            tw_end(t);
            tw_end(t);
        }
        tw_end(t);
    }
}

static void put_chunk(tw *t, const chunk_meta *cm, int c, uint64_t rows, etl_pq_codec codec) {
    tw_push(t); /* ColumnChunk */
    tw_i64(t, 2, (int64_t)cm->offset);
    tw_struct(t, 3); /* ColumnMetaData */
    int type = cols[c].kind == K_TS    ? T_INT64
               : cols[c].kind == K_STR ? T_BYTE_ARRAY
               : cols[c].kind == K_I32 ? T_INT32
                                       : T_DOUBLE;
    tw_i32(t, 1, type);
    int encs[3] = {ENC_PLAIN, ENC_RLE, ENC_RLE_DICTIONARY}, ts_enc[1] = {ENC_DELTA_BINARY_PACKED};
    uint32_t nenc = cols[c].kind == K_TS ? 1 : cm->dictionary ? 3 : 2;
    tw_list(t, 2, 5, nenc);
    for (uint32_t i = 0; i < nenc; i++)
        tw_varint(t, zigzag(cols[c].kind == K_TS ? ts_enc[i] : encs[i]));
    tw_list(t, 3, 8, 1);
    tw_varint(t, strlen(cols[c].name));
    tw_bytes(t, cols[c].name, strlen(cols[c].name));
    tw_i32(t, 4, (int32_t)codec);
    tw_i64(t, 5, (int64_t)rows);
    tw_i64(t, 6, (int64_t)cm->uncompressed);
    tw_i64(t, 7, (int64_t)cm->compressed);
    tw_i64(t, 9, (int64_t)cm->data_offset);
    if (cm->dictionary) tw_i64(t, 11, (int64_t)cm->dict_offset);
    tw_struct(t, 12); /* Statistics */
    tw_i64(t, 3, (int64_t)cm->nulls);
    if (cm->mm.set) {
        tw_bin(t, 5, cm->mm.max, cm->mm.max_len);
        tw_bin(t, 6, cm->mm.min, cm->mm.min_len);
    }
    tw_end(t);
    tw_end(t);
    tw_end(t);
}

static ev_status write_footer(etl_pq_writer *w, ev_error *err) {
    ev_buf_reset(&w->hdr);
    tw t = {&w->hdr, {0}, 0, 0};
    tw_i32(&t, 1, 1);
    put_schema(&t);
    tw_i64(&t, 3, (int64_t)w->rows);
    tw_list(&t, 4, 12, (uint32_t)w->nrg);
    for (size_t g = 0; g < w->nrg; g++) {
        const rg_meta *rg = &w->rgs[g];
        tw_push(&t); /* RowGroup */
        tw_list(&t, 1, 12, NCOLS);
        for (int c = 0; c < NCOLS; c++)
            put_chunk(&t, &rg->col[c], c, rg->rows, w->codec);
        tw_i64(&t, 2, (int64_t)rg->uncompressed);
        tw_i64(&t, 3, (int64_t)rg->rows);
        tw_i64(&t, 5, (int64_t)rg->offset);
        tw_i64(&t, 6, (int64_t)rg->compressed);
        tw_field(&t, 7, 4); /* ordinal, i16 */
        tw_varint(&t, zigzag((int64_t)g));
        tw_end(&t);
    }
    tw_str(&t, 6, "evlake version 0.1.0");
    tw_end(&t);
    if (t.failed) return ev_error_set(err, EV_ERR_NOMEM, "out of memory writing the footer");
    uint8_t tail[8];
    uint32_t n = (uint32_t)w->hdr.len;
    for (int b = 0; b < 4; b++)
        tail[b] = (uint8_t)(n >> (8 * b));
    memcpy(tail + 4, "PAR1", 4);
    EV_TRY(emit(w, w->hdr.data, w->hdr.len, err));
    return emit(w, tail, 8, err);
}

/* {"timestamp": {"min": 1763..., "max": ..., "nulls": 0}, "user_id": {"min": "u_1", ...}, ...} */
static char *stats_json(const etl_pq_writer *w) {
    ev_buf b;
    ev_buf_init(&b, NULL);
    int failed = ev_buf_append_str(&b, "{") != EV_OK;
    for (int c = 0; c < NCOLS && !failed; c++) {
        const minmax *m = &w->file_mm[c];
        failed |= ev_buf_printf(&b, "%s\"%s\": {\"nulls\": %llu", c ? ", " : "", cols[c].name,
                                (unsigned long long)w->file_nulls[c]) != EV_OK;
        if (m->set && cols[c].kind == K_STR) {
            for (int side = 0; side < 2 && !failed; side++) {
                const uint8_t *v = side ? m->max : m->min;
                size_t len = side ? m->max_len : m->min_len;
                failed |= ev_buf_printf(&b, ", \"%s\": \"", side ? "max" : "min") != EV_OK;
                for (size_t i = 0; i < len && !failed; i++) {
                    if (v[i] == '"' || v[i] == '\\')
                        failed |= ev_buf_printf(&b, "\\%c", v[i]) != EV_OK;
                    else if (v[i] < 0x20)
                        failed |= ev_buf_printf(&b, "\\u%04x", v[i]) != EV_OK;
                    else
                        failed |= ev_buf_append(&b, &v[i], 1) != EV_OK;
                }
                failed |= ev_buf_append_str(&b, "\"") != EV_OK;
            }
        } else if (m->set && cols[c].kind == K_TS) {
            int64_t lo, hi;
            memcpy(&lo, m->min, 8);
            memcpy(&hi, m->max, 8);
            failed |=
                ev_buf_printf(&b, ", \"min\": %lld, \"max\": %lld", (long long)lo, (long long)hi) != EV_OK;
        } else if (m->set && cols[c].kind == K_I32) {
            int32_t lo, hi;
            memcpy(&lo, m->min, 4);
            memcpy(&hi, m->max, 4);
            failed |= ev_buf_printf(&b, ", \"min\": %d, \"max\": %d", lo, hi) != EV_OK;
        } else if (m->set) {
            double lo, hi;
            memcpy(&lo, m->min, 8);
            memcpy(&hi, m->max, 8);
            failed |= ev_buf_printf(&b, ", \"min\": %.17g, \"max\": %.17g", lo, hi) != EV_OK;
        }
        failed |= ev_buf_append_str(&b, "}") != EV_OK;
    }
    failed |= ev_buf_append(&b, "}", 2) != EV_OK;
    if (failed) {
        ev_buf_free(&b);
        return NULL;
    }
    return (char *)b.data; /* malloc'd by the default allocator */
}

static void free_meta(etl_pq_writer *w) {
    for (size_t g = 0; g < w->nrg; g++)
        for (int c = 0; c < NCOLS; c++) {
            free(w->rgs[g].col[c].mm.min);
            free(w->rgs[g].col[c].mm.max);
        }
    for (int c = 0; c < NCOLS; c++) {
        free(w->file_mm[c].min);
        free(w->file_mm[c].max);
    }
    free(w->rgs);
}

static void writer_free(etl_pq_writer *w) {
    free_meta(w);
    ev_buf_free(&w->body);
    ev_buf_free(&w->comp);
    ev_buf_free(&w->hdr);
    free(w->levels);
    free(w->order);
    free(w->renum);
    ev_buf_free(&w->sort_scratch);
    num_dict_free(&w->nd);
    ZSTD_freeCCtx(w->zctx);
    free(w);
}

ev_status etl_pq_close(etl_pq_writer *w, uint64_t *size, uint64_t *rows, char **stats, ev_error *err) {
    *stats = NULL;
    ev_status st = write_footer(w, err);
    if (st == EV_OK) {
        *stats = stats_json(w);
        if (!*stats) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    if (st == EV_OK) {
        st = store_writer_commit(w->sw, err);
        w->sw = NULL;
    }
    if (st != EV_OK) {
        free(*stats);
        *stats = NULL;
        store_writer_abort(w->sw);
    } else {
        *size = w->offset;
        *rows = w->rows;
    }
    writer_free(w);
    return st;
}

void etl_pq_abort(etl_pq_writer *w) {
    if (!w) return;
    store_writer_abort(w->sw);
    writer_free(w);
}

size_t etl_pq_memory(const etl_pq_writer *w) {
    return w ? w->body.cap + w->comp.cap + w->hdr.cap + w->caprg * sizeof(rg_meta) + PAGE_ROWS * 4 +
                   num_dict_memory(&w->nd)
             : 0;
}
