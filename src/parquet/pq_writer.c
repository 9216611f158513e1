/*
 * pq_writer.c: the streaming Parquet writer (hand-written for the reasons pq_reader.c gives: no C
 * Parquet library in Debian, and the format is the product's heart).
 *
 * Each column accumulates one open data page (definition levels as bytes, values either PLAIN-
 * encoded, as dictionary codes, or as integers for DELTA_BINARY_PACKED) and finishes it when it
 * reaches page_rows or page_size: levels and values are encoded, the page compressed and appended
 * to the column's chunk buffer with its header. At the end of a row group the chunks go to the sink
 * in schema order, each led by its dictionary page. Memory: one row group of compressed pages, one
 * open page and one dictionary per column, plus the page index entries (small) until close.
 *
 * Dictionaries: a hash table over the chunk's distinct values (strings or numbers). Dictionary-
 * coded pages are held back (levels and codes as they would be written, uncompressed: codes are
 * nearly incompressible, so this costs about what the compressed pages would) until the chunk ends;
 * then the dictionary is sorted by value and the pages are renumbered, compressed and written. A
 * sorted dictionary ("u_10000", "u_10001", ...) compresses several times better than one in
 * first-seen order: on the events schema that is 0.45 B/event. Strings the
 * caller hands over already coded (codes + dictionary) skip hashing: a remap table turns the
 * caller's codes into the chunk's codes with one array lookup per row. When a chunk's dictionary
 * outgrows dict_max_bytes, the open page is finished and the rest of the chunk is written PLAIN (the
 * dictionary page still leads the chunk, as the format requires). Statistics of dictionary-coded
 * strings are computed over each page's distinct codes, not over every row.
 *
 * Size (with ZSTD, the default): definition levels are bit-packed without short RLE runs, and a
 * page's levels and values go into separate zstd blocks, each also tried as Huffman-coded literals
 * without matches (pq_compress_split); codes of small dictionaries may be written 4 or 8 bits wide
 * so that the entropy coder sees whole codes (byte_codes_pay); dictionary pages are tried with short
 * matches too (pq_compress_dict). On the events schema that takes the file from 8.4 to 8.0 B/event;
 * what is left is close to the data's entropy under Parquet's encodings (docs/NOTES.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ev_fs.h"
#include "pq_int.h"

#define STAT_TRUNC 64 /* longest string min/max kept in statistics */
#define MAX_VALUE_LEN (1u << 30)

enum { K_BOOL, K_I32, K_I64, K_F32, K_F64, K_STR };

typedef struct wpage {
    int64_t offset; /* within the chunk's data pages, fixed up to file offsets at flush */
    int32_t size;
    int64_t first_row;
    int64_t null_count;
    bool null_page, has_min_max;
    uint8_t min[STAT_TRUNC], max[STAT_TRUNC];
    uint8_t min_len, max_len;
} wpage;

/* min/max of typed values */
typedef struct wstats {
    bool has;
    int64_t imin, imax;
    double dmin, dmax;
    ev_buf smin, smax; /* strings, copied (untruncated) */
    int64_t nulls;
    int64_t nans;
} wstats;

/* A dictionary-coded page held back until the chunk ends, so its codes can follow the sorted
 * dictionary: the body as it would be written (levels, bit width, codes) plus its header facts. */
typedef struct dpage {
    size_t off, len, vals_off; /* body in wcol.dbody; vals_off: where the bit-width byte is */
    int32_t num_values;
    size_t nonnull;
    int64_t first_row, null_count;
    bool has_min_max;
    uint8_t min[STAT_TRUNC + 8], max[STAT_TRUNC + 8];
    uint8_t min_len, max_len;
} dpage;

typedef struct wcol {
    pq_column_spec spec;
    char *name;
    int kind;
    size_t vsize;
    pq_write_encoding base_mode, mode;
    /* open page */
    uint8_t *defs;
    uint32_t *codes;
    size_t page_rows, page_nonnull, ncodes;
    ev_buf vals;
    wstats ps, cs; /* page and chunk statistics */
    /* dictionary */
    uint32_t dict_n;
    ev_buf dict_plain; /* PLAIN encoding of the entries */
    struct dent {
        uint32_t off, len; /* strings: entry i's bytes in dict_plain */
    } * dent;
    size_t dict_cap;
    uint32_t *ht; /* code + 1, 0 = empty */
    size_t ht_cap;
    uint32_t *remap; /* caller code -> chunk code + 1 */
    size_t remap_cap;
    /* chunk: dictionary-coded pages held back (dbody, dp), then the pages after a fallback */
    ev_buf dbody;
    dpage *dp;
    size_t ndp, dp_cap;
    ev_buf chunk;
    int64_t chunk_uncompressed, chunk_values, chunk_rows;
    uint32_t encodings;
    int32_t pages_dict, pages_plain, pages_delta;
    wpage *pages;
    size_t npages, pages_cap;
    int cmode;       /* how the last trial compressed best (PQ_CSPLIT_*), see compress_page */
    uint32_t cpages; /* pages compressed */
} wcol;

typedef struct wrg_index {
    wpage *pages;
    size_t npages, cap;
} wrg_index;

struct pq_writer {
    const ev_allocator *alloc;
    pq_writer_options o;
    char *name;
    pq_sink_fn sink;
    void *sink_ctx;
    size_t ncols;
    wcol *cols;
    pq_column_spec *specs;
    pq_kv *kv;
    uint64_t pos;
    int64_t total_rows, rg_rows;
    pq_wrow_group *rgs;
    size_t nrg, rg_cap;
    wrg_index *idx; /* [rg * ncols + col] when page_index */
    pq_codec_ctx *codec;
    ev_buf page, cbuf, hdr, tmp;
    uint32_t *sel; /* page_rows entries: the valid rows of a batch slice (append_num) */
    /* flush_dict_pages' scratch, kept across row groups: fresh megabytes per chunk would cost a page
     * fault per 4 KiB each time (the ETL's page faults nearly doubled) */
    ev_buf fl_sorted, fl_order, fl_renum, fl_codes, fl_sort;
    bool failed;
    /* file sink */
    int fd;
    char *path, *tmp_path;
    bool durable;
};

/* ---- small helpers ---- */

static ev_status nomem(pq_writer *w, ev_error *err) {
    return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", w->name);
}

static ev_status grow(const ev_allocator *a, void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return EV_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = ev_realloc(a, *p, *cap * elem, nc * elem);
    if (!np) return EV_ERR_NOMEM;
    *p = np;
    *cap = nc;
    return EV_OK;
}

static ev_status emit(pq_writer *w, const void *p, size_t n, ev_error *err) {
    EV_TRY(w->sink(w->sink_ctx, p, n, err));
    w->pos += n;
    return EV_OK;
}

static void stats_reset(wstats *s) {
    s->has = false;
    s->nulls = 0;
    s->nans = 0;
    ev_buf_reset(&s->smin);
    ev_buf_reset(&s->smax);
}

static ev_status stats_str(wstats *s, const char *p, size_t n) {
    if (!s->has) {
        s->has = true;
        ev_buf_reset(&s->smin);
        ev_buf_reset(&s->smax);
        EV_TRY(ev_buf_append(&s->smin, p, n));
        return ev_buf_append(&s->smax, p, n);
    }
    if (pq_bytes_cmp(p, n, s->smin.data, s->smin.len) < 0) {
        ev_buf_reset(&s->smin);
        EV_TRY(ev_buf_append(&s->smin, p, n));
    } else if (pq_bytes_cmp(p, n, s->smax.data, s->smax.len) > 0) {
        ev_buf_reset(&s->smax);
        EV_TRY(ev_buf_append(&s->smax, p, n));
    }
    return EV_OK;
}

static void stats_merge(wcol *c, wstats *dst, const wstats *src, ev_status *st) {
    dst->nulls += src->nulls;
    dst->nans += src->nans;
    if (!src->has) return;
    if (c->kind == K_STR) {
        if (!dst->has) {
            dst->has = true;
            ev_buf_reset(&dst->smin);
            ev_buf_reset(&dst->smax);
            if (*st == EV_OK) *st = ev_buf_append(&dst->smin, src->smin.data, src->smin.len);
            if (*st == EV_OK) *st = ev_buf_append(&dst->smax, src->smax.data, src->smax.len);
            return;
        }
        if (pq_bytes_cmp(src->smin.data, src->smin.len, dst->smin.data, dst->smin.len) < 0) {
            ev_buf_reset(&dst->smin);
            if (*st == EV_OK) *st = ev_buf_append(&dst->smin, src->smin.data, src->smin.len);
        }
        if (pq_bytes_cmp(src->smax.data, src->smax.len, dst->smax.data, dst->smax.len) > 0) {
            ev_buf_reset(&dst->smax);
            if (*st == EV_OK) *st = ev_buf_append(&dst->smax, src->smax.data, src->smax.len);
        }
        return;
    }
    if (!dst->has) {
        *dst = (wstats){.has = true,
                        .imin = src->imin,
                        .imax = src->imax,
                        .dmin = src->dmin,
                        .dmax = src->dmax,
                        .smin = dst->smin,
                        .smax = dst->smax,
                        .nulls = dst->nulls,
                        .nans = dst->nans};
        return;
    }
    if (src->imin < dst->imin) dst->imin = src->imin;
    if (src->imax > dst->imax) dst->imax = src->imax;
    if (src->dmin < dst->dmin) dst->dmin = src->dmin;
    if (src->dmax > dst->dmax) dst->dmax = src->dmax;
}

/* A string bound for statistics into out: strings longer than STAT_TRUNC are truncated, a min to a
 * prefix, a max to a prefix with its last byte incremented. Returns the length, or -1 when no valid
 * bound exists. */
static int str_bound(const uint8_t *p, size_t len, bool is_max, uint8_t *out) {
    if (len <= STAT_TRUNC) {
        if (len) memcpy(out, p, len);
        return (int)len;
    }
    memcpy(out, p, STAT_TRUNC);
    if (!is_max) return STAT_TRUNC;
    for (int i = STAT_TRUNC - 1; i >= 0; i--) {
        if (out[i] != 0xff) {
            out[i]++;
            return i + 1;
        }
    }
    return -1;
}

/* PLAIN bytes of a statistic into out (cap >= STAT_TRUNC + 8). Strings longer than STAT_TRUNC are
 * truncated: min to a prefix, max to a prefix with its last byte incremented. Returns the length,
 * or -1 when no valid bound exists. */
static int stat_bytes(const wcol *c, const wstats *s, bool is_max, uint8_t *out) {
    switch (c->kind) {
    case K_BOOL:
        out[0] = (uint8_t)(is_max ? s->imax : s->imin);
        return 1;
    case K_I32: {
        int32_t v = (int32_t)(is_max ? s->imax : s->imin);
        memcpy(out, &v, 4);
        return 4;
    }
    case K_I64: {
        int64_t v = is_max ? s->imax : s->imin;
        memcpy(out, &v, 8);
        return 8;
    }
    case K_F32: {
        float v = (float)(is_max ? s->dmax : s->dmin);
        if (v == 0) v = is_max ? 0.0f : -0.0f;
        memcpy(out, &v, 4);
        return 4;
    }
    case K_F64: {
        double v = is_max ? s->dmax : s->dmin;
        if (v == 0) v = is_max ? 0.0 : -0.0;
        memcpy(out, &v, 8);
        return 8;
    }
    default: {
        const ev_buf *b = is_max ? &s->smax : &s->smin;
        return str_bound(b->data, b->len, is_max, out);
    }
    }
}

/* Fills a pq_stats (pointing into buf, 2 * (STAT_TRUNC + 8) bytes) from typed statistics. */
static void make_stats(const wcol *c, const wstats *s, pq_stats *out, uint8_t *buf) {
    memset(out, 0, sizeof *out);
    out->has_null_count = true;
    out->null_count = s->nulls;
    if (!s->has) return;
    int a = stat_bytes(c, s, false, buf), b = stat_bytes(c, s, true, buf + STAT_TRUNC + 8);
    if (a < 0 || b < 0) return;
    out->has_min_max = true;
    out->min = (pq_str){(const char *)buf, (uint32_t)a};
    out->max = (pq_str){(const char *)buf + STAT_TRUNC + 8, (uint32_t)b};
}

/* ---- dictionary ---- */

static void dict_clear(wcol *c) {
    c->dict_n = 0;
    ev_buf_reset(&c->dict_plain);
    if (c->ht) memset(c->ht, 0, c->ht_cap * sizeof *c->ht);
    if (c->remap) memset(c->remap, 0, c->remap_cap * sizeof *c->remap);
}

static ev_status ht_grow(pq_writer *w, wcol *c) {
    size_t nc = c->ht_cap ? c->ht_cap * 2 : 4096;
    uint32_t *nt = ev_calloc(w->alloc, nc, sizeof *nt);
    if (!nt) return EV_ERR_NOMEM;
    for (uint32_t i = 0; i < c->dict_n; i++) {
        uint64_t h;
        if (c->kind == K_STR)
            h = pq_hash_bytes(c->dict_plain.data + c->dent[i].off, c->dent[i].len);
        else
            h = pq_hash_u64(c->vsize == 4 ? pq_load32(c->dict_plain.data + i * 4)
                                          : pq_load64(c->dict_plain.data + i * 8));
        size_t m = nc - 1, j = (size_t)h & m;
        while (nt[j])
            j = (j + 1) & m;
        nt[j] = i + 1;
    }
    ev_free(w->alloc, c->ht, c->ht_cap * sizeof *c->ht);
    c->ht = nt;
    c->ht_cap = nc;
    return EV_OK;
}

/* Adds string entry; returns its code. */
static ev_status dict_add_str(pq_writer *w, wcol *c, const char *p, uint32_t n, uint32_t *code) {
    EV_TRY(grow(w->alloc, (void **)&c->dent, &c->dict_cap, c->dict_n + 1, sizeof *c->dent));
    uint32_t len4 = n;
    EV_TRY(ev_buf_reserve(&c->dict_plain, 4 + (size_t)n));
    memcpy(c->dict_plain.data + c->dict_plain.len, &len4, 4);
    c->dent[c->dict_n].off = (uint32_t)(c->dict_plain.len + 4);
    c->dent[c->dict_n].len = n;
    if (n) memcpy(c->dict_plain.data + c->dict_plain.len + 4, p, n);
    c->dict_plain.len += 4 + (size_t)n;
    *code = c->dict_n++;
    return EV_OK; /* the chunk's min/max: its sorted dictionary's ends, at flush */
}

static inline ev_status dict_find_str(pq_writer *w, wcol *c, const char *p, uint32_t n, uint32_t *code) {
    if ((size_t)(c->dict_n + 1) * 2 > c->ht_cap) EV_TRY(ht_grow(w, c));
    uint64_t h = pq_hash_bytes(p, n);
    size_t m = c->ht_cap - 1, j = (size_t)h & m;
    for (;;) {
        uint32_t e = c->ht[j];
        if (!e) break;
        uint32_t k = e - 1;
        if (c->dent[k].len == n && memcmp(c->dict_plain.data + c->dent[k].off, p, n) == 0) {
            *code = k;
            return EV_OK;
        }
        j = (j + 1) & m;
    }
    EV_TRY(dict_add_str(w, c, p, n, code));
    c->ht[j] = *code + 1;
    return EV_OK;
}

static inline ev_status dict_find_num(pq_writer *w, wcol *c, uint64_t bits, uint32_t *code) {
    if ((size_t)(c->dict_n + 1) * 2 > c->ht_cap) EV_TRY(ht_grow(w, c));
    uint64_t h = pq_hash_u64(bits);
    size_t m = c->ht_cap - 1, j = (size_t)h & m;
    const uint8_t *d = c->dict_plain.data;
    for (;;) {
        uint32_t e = c->ht[j];
        if (!e) break;
        uint32_t k = e - 1;
        uint64_t v = c->vsize == 4 ? pq_load32(d + (size_t)k * 4) : pq_load64(d + (size_t)k * 8);
        if (v == bits) {
            *code = k;
            return EV_OK;
        }
        j = (j + 1) & m;
    }
    EV_TRY(ev_buf_append(&c->dict_plain, &bits, c->vsize));
    *code = c->dict_n++;
    c->ht[j] = *code + 1;
    return EV_OK;
}

/* ---- pages ---- */

/* Compresses a page body (levels before `split`) into w->cbuf. The first page of a column and every
 * 8th after it are compressed both ways pq_compress_split_mode knows; the pages between use the way
 * that won last, which halves the cost of compressing on data whose kind does not change. */
static ev_status compress_page(pq_writer *w, wcol *c, const ev_buf *pg, size_t split, ev_error *err) {
    int mode = c->cpages++ % 8 == 0 ? PQ_CSPLIT_BOTH : c->cmode;
    EV_TRY(pq_compress_split_mode(w->codec, w->o.codec, w->o.level, pg->data, pg->len, split, &mode, &w->cbuf,
                                  err));
    c->cmode = mode;
    return EV_OK;
}

static ev_status write_page(pq_writer *w, wcol *c, ev_error *err) {
    if (c->page_rows == 0) return EV_OK;
    ev_buf *pg = &w->page;
    ev_buf_reset(pg);
    if (c->spec.optional) {
        ev_buf_reset(&w->tmp);
        EV_TRY(pq_rle_encode_u8_runs(&w->tmp, c->defs, c->page_rows, 1, 128));
        uint32_t l = (uint32_t)w->tmp.len;
        EV_TRY(ev_buf_append(pg, &l, 4));
        EV_TRY(ev_buf_append(pg, w->tmp.data, w->tmp.len));
    }
    int enc;
    size_t vals_off = pg->len;
    if (c->mode == PQ_WENC_DICT) {
        enc = PQ_RLE_DICTIONARY;
        int bw = c->dict_n > 1 ? pq_bit_width(c->dict_n - 1) : 1;
        uint8_t b = (uint8_t)bw;
        EV_TRY(ev_buf_append(pg, &b, 1));
        EV_TRY(pq_rle_encode_u32(pg, c->codes, c->ncodes, bw));
    } else if (c->mode == PQ_WENC_DELTA) {
        enc = PQ_DELTA_BINARY_PACKED;
        EV_TRY(pq_delta_encode(pg, (const int64_t *)c->vals.data, c->page_nonnull, c->kind == K_I32));
        c->pages_delta++;
    } else if (c->kind == K_BOOL) {
        enc = PQ_PLAIN;
        size_t nb = (c->page_nonnull + 7) / 8;
        EV_TRY(ev_buf_reserve(pg, nb));
        uint8_t *o = pg->data + pg->len;
        memset(o, 0, nb);
        for (size_t i = 0; i < c->page_nonnull; i++)
            o[i >> 3] |= (uint8_t)((c->vals.data[i] & 1) << (i & 7));
        pg->len += nb;
        c->pages_plain++;
    } else {
        enc = PQ_PLAIN;
        EV_TRY(ev_buf_append(pg, c->vals.data, c->vals.len));
        c->pages_plain++;
    }
    if (pg->len > INT32_MAX)
        return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: a page exceeds 2 GiB", w->name, c->name);
    /* page statistics; those of dictionary-coded strings are found at flush (flush_dict_pages), as
     * the smallest and largest code of the page once the dictionary is sorted */
    pq_page_header h = {0};
    h.type = PQ_PAGE_DATA;
    h.uncompressed_size = (int32_t)pg->len;
    h.num_values = (int32_t)c->page_rows;
    h.encoding = enc;
    uint8_t sb[2 * (STAT_TRUNC + 8)];
    make_stats(c, &c->ps, &h.stats, sb);
    h.has_stats = w->o.page_stats;
    if (c->mode == PQ_WENC_DICT) {
        /* held back until the chunk ends (see flush_dict_pages) */
        if (grow(w->alloc, (void **)&c->dp, &c->dp_cap, c->ndp + 1, sizeof *c->dp) != EV_OK)
            return nomem(w, err);
        dpage *d = &c->dp[c->ndp];
        memset(d, 0, sizeof *d);
        d->off = c->dbody.len;
        d->len = pg->len;
        d->vals_off = vals_off;
        d->num_values = (int32_t)c->page_rows;
        d->nonnull = c->page_nonnull;
        d->first_row = c->chunk_rows;
        d->null_count = c->ps.nulls;
        if (h.stats.has_min_max) {
            d->has_min_max = true;
            memcpy(d->min, h.stats.min.ptr, h.stats.min.len);
            memcpy(d->max, h.stats.max.ptr, h.stats.max.len);
            d->min_len = (uint8_t)h.stats.min.len;
            d->max_len = (uint8_t)h.stats.max.len;
        }
        EV_TRY(ev_buf_append(&c->dbody, pg->data, pg->len));
        c->ndp++;
        goto page_done;
    }
    c->encodings |= 1u << enc;
    EV_TRY(compress_page(w, c, pg, vals_off, err));
    if (w->cbuf.len > INT32_MAX)
        return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: a page exceeds 2 GiB", w->name, c->name);
    h.compressed_size = (int32_t)w->cbuf.len;
    ev_buf_reset(&w->hdr);
    EV_TRY(pq_page_header_write(&w->hdr, &h));
    if (w->o.page_index) {
        EV_TRY(grow(w->alloc, (void **)&c->pages, &c->pages_cap, c->npages + 1, sizeof *c->pages));
        wpage *p = &c->pages[c->npages++];
        memset(p, 0, sizeof *p);
        p->offset = (int64_t)c->chunk.len;
        p->size = (int32_t)(w->hdr.len + w->cbuf.len);
        p->first_row = c->chunk_rows;
        p->null_count = c->ps.nulls;
        p->null_page = c->page_nonnull == 0;
        if (h.stats.has_min_max) {
            p->has_min_max = true;
            memcpy(p->min, h.stats.min.ptr, h.stats.min.len);
            memcpy(p->max, h.stats.max.ptr, h.stats.max.len);
            p->min_len = (uint8_t)h.stats.min.len;
            p->max_len = (uint8_t)h.stats.max.len;
        }
    }
    EV_TRY(ev_buf_append(&c->chunk, w->hdr.data, w->hdr.len));
    EV_TRY(ev_buf_append(&c->chunk, w->cbuf.data, w->cbuf.len));
    c->chunk_uncompressed += (int64_t)(w->hdr.len + pg->len);
page_done:
    c->chunk_values += (int64_t)c->page_rows;
    c->chunk_rows += (int64_t)c->page_rows;
    /* page stats into chunk stats (dictionary strings: from the sorted dictionary, at flush) */
    ev_status st = EV_OK;
    if (c->kind == K_STR && c->mode == PQ_WENC_DICT) {
        c->cs.nulls += c->ps.nulls;
    } else {
        stats_merge(c, &c->cs, &c->ps, &st);
    }
    EV_TRY(st);
    stats_reset(&c->ps);
    c->page_rows = c->page_nonnull = c->ncodes = 0;
    ev_buf_reset(&c->vals);
    return EV_OK;
}

/* Switches a chunk from dictionary to PLAIN after its dictionary outgrew the budget; integers go to
 * DELTA_BINARY_PACKED instead, which pays for the high-cardinality ones that overflow dictionaries
 * (counters, ids, epoch values) and costs ~1% over PLAIN on random bits. */
static ev_status dict_fallback(pq_writer *w, wcol *c, ev_error *err) {
    EV_TRY(write_page(w, c, err));
    c->mode = c->kind == K_I32 || c->kind == K_I64 ? PQ_WENC_DELTA : PQ_WENC_PLAIN;
    return EV_OK;
}

/* ---- appending rows ---- */

static inline bool row_valid(const pq_col_batch *b, size_t i) {
    return (!b->valid || b->valid[i]) && !(b->codes && b->codes[i] == PQ_NULL_CODE);
}

/* Appends rows [i, i+n) of a numeric/bool column to the open page. */
static ev_status append_num(pq_writer *w, wcol *c, const pq_col_batch *b, size_t i, size_t n, ev_error *err) {
    (void)err;
    const uint8_t *base = b->values;
    size_t vs = c->kind == K_BOOL ? 1 : c->vsize;
    if (c->mode == PQ_WENC_DELTA)
        EV_TRY(ev_buf_reserve(&c->vals, n * 8));
    else if (c->mode == PQ_WENC_PLAIN)
        EV_TRY(ev_buf_reserve(&c->vals, n * vs));
    wstats *s = &c->ps;
    /* the valid rows first, without a branch per row (nulls at random mispredict about every other
     * one), then the values of those rows */
    uint32_t *sel = w->sel;
    size_t nn = 0;
    if (b->valid) {
        const uint8_t *valid = b->valid + i;
        uint8_t *defs = c->defs + c->page_rows;
        for (size_t q = 0; q < n; q++) {
            uint8_t v = valid[q] != 0;
            defs[q] = v;
            sel[nn] = (uint32_t)q;
            nn += v;
        }
    } else {
        if (c->spec.optional) memset(c->defs + c->page_rows, 1, n);
        for (size_t q = 0; q < n; q++)
            sel[q] = (uint32_t)q;
        nn = n;
    }
    c->page_rows += n;
    c->page_nonnull += nn;
    s->nulls += (int64_t)(n - nn);
    for (size_t q = 0; q < nn; q++) {
        size_t r = i + sel[q];
        const uint8_t *src = base + r * vs;
        uint64_t bits = 0;
        memcpy(&bits, src, vs);
        /* statistics */
        if (c->kind == K_F32 || c->kind == K_F64) {
            double d = c->kind == K_F32 ? (double)*(const float *)(const void *)src
                                        : *(const double *)(const void *)src;
            if (isnan(d)) {
                s->nans++;
            } else if (!s->has) {
                s->has = true;
                s->dmin = s->dmax = d;
            } else {
                if (d < s->dmin) s->dmin = d;
                if (d > s->dmax) s->dmax = d;
            }
        } else {
            int64_t x = c->kind == K_BOOL  ? (src[0] != 0)
                        : c->kind == K_I32 ? (int64_t)(int32_t)bits
                                           : (int64_t)bits;
            if (c->kind == K_BOOL) bits = x;
            if (!s->has) {
                s->has = true;
                s->imin = s->imax = x;
            } else {
                if (x < s->imin) s->imin = x;
                if (x > s->imax) s->imax = x;
            }
            if (c->mode == PQ_WENC_DELTA) {
                memcpy(c->vals.data + c->vals.len, &x, 8);
                c->vals.len += 8;
                continue;
            }
        }
        if (c->mode == PQ_WENC_DICT) {
            uint32_t code;
            EV_TRY(dict_find_num(w, c, bits, &code));
            c->codes[c->ncodes++] = code;
        } else {
            memcpy(c->vals.data + c->vals.len, &bits, vs);
            c->vals.len += vs;
        }
    }
    return EV_OK;
}

static inline ev_status get_str(pq_writer *w, wcol *c, const pq_col_batch *b, size_t r, const char **p,
                                uint32_t *n, ev_error *err) {
    size_t len;
    if (b->codes) {
        uint32_t k = b->codes[r];
        if (k >= b->dict_n)
            return ev_error_set(err, EV_ERR_INPUT,
                                "%s: column %s: code %u out of the dictionary's %u entries", w->name, c->name,
                                k, b->dict_n);
        *p = b->dict[k].ptr;
        len = b->dict[k].len;
    } else if (b->offsets) {
        if (b->offsets[r + 1] < b->offsets[r])
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: offsets decrease at row %zu", w->name,
                                c->name, r);
        *p = b->data + b->offsets[r];
        len = b->offsets[r + 1] - b->offsets[r];
    } else {
        const pq_str *s = (const pq_str *)b->values + r;
        *p = s->ptr;
        len = s->len;
    }
    if (len > MAX_VALUE_LEN)
        return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: a value of %zu bytes exceeds the 1 GiB limit",
                            w->name, c->name, len);
    *n = (uint32_t)len;
    return EV_OK;
}

/* Appends up to n rows of a string column; *taken = rows consumed (PLAIN pages stop at page_size). */
static ev_status append_str(pq_writer *w, wcol *c, const pq_col_batch *b, size_t i, size_t n, size_t *taken,
                            ev_error *err) {
    wstats *s = &c->ps;
    if (b->codes && c->mode == PQ_WENC_DICT && b->dict_n > c->remap_cap) {
        size_t old = c->remap_cap;
        if (grow(w->alloc, (void **)&c->remap, &c->remap_cap, b->dict_n, 4) != EV_OK) return nomem(w, err);
        memset(c->remap + old, 0, (c->remap_cap - old) * 4);
    }
    if (c->mode == PQ_WENC_DICT && b->codes && b->dict_n > 0) {
        /* Codes from the caller: one remap lookup per row, without a branch on validity (null rows
         * look up code 0 and are not kept) */
        const uint32_t *in = b->codes + i;
        const uint8_t *valid = b->valid ? b->valid + i : NULL;
        uint8_t *defs = c->defs + c->page_rows;
        uint32_t *out = c->codes, dn = b->dict_n, *remap = c->remap;
        size_t nc = c->ncodes, nn = 0;
        for (size_t q = 0; q < n; q++) {
            uint32_t v = (valid ? valid[q] != 0 : 1) & (in[q] != PQ_NULL_CODE);
            defs[q] = (uint8_t)v;
            uint32_t k = in[q] & (0u - v);
            uint32_t m = k < dn ? remap[k] : 0;
            if (__builtin_expect(m == 0, 0) && v) {
                const char *p = NULL;
                uint32_t len = 0, code;
                EV_TRY(get_str(w, c, b, i + q, &p, &len, err)); /* also reports a bad code */
                if (dict_add_str(w, c, p, len, &code) != EV_OK) return nomem(w, err);
                m = remap[k] = code + 1;
            }
            out[nc] = m - 1;
            nc += v;
            nn += v;
        }
        c->ncodes = nc;
        c->page_rows += n;
        c->page_nonnull += nn;
        s->nulls += (int64_t)(n - nn);
        *taken = n;
        return EV_OK;
    }
    size_t r = i;
    for (; r < i + n; r++) {
        bool v = row_valid(b, r);
        if (c->spec.optional) c->defs[c->page_rows] = v;
        c->page_rows++;
        if (!v) {
            s->nulls++;
            continue;
        }
        c->page_nonnull++;
        const char *p = NULL;
        uint32_t len = 0;
        if (c->mode == PQ_WENC_DICT) {
            uint32_t code;
            if (b->codes) {
                uint32_t k = b->codes[r];
                if (k >= b->dict_n) EV_TRY(get_str(w, c, b, r, &p, &len, err)); /* reports the bad code */
                uint32_t m = c->remap[k];
                if (m) {
                    code = m - 1;
                } else {
                    EV_TRY(get_str(w, c, b, r, &p, &len, err));
                    if (dict_add_str(w, c, p, len, &code) != EV_OK) return nomem(w, err);
                    c->remap[k] = code + 1;
                }
            } else {
                EV_TRY(get_str(w, c, b, r, &p, &len, err));
                if (dict_find_str(w, c, p, len, &code) != EV_OK) return nomem(w, err);
            }
            c->codes[c->ncodes++] = code;
        } else {
            EV_TRY(get_str(w, c, b, r, &p, &len, err));
            if (ev_buf_reserve(&c->vals, 4 + (size_t)len) != EV_OK) return nomem(w, err);
            memcpy(c->vals.data + c->vals.len, &len, 4);
            if (len) memcpy(c->vals.data + c->vals.len + 4, p, len);
            c->vals.len += 4 + (size_t)len;
            if (stats_str(s, p, len) != EV_OK) return nomem(w, err);
            if (c->vals.len >= w->o.page_size) {
                r++;
                break;
            }
        }
    }
    *taken = r - i;
    return EV_OK;
}

/* Appends rows [i, i+n) of one column, cutting pages as they fill. */
static ev_status append_col(pq_writer *w, wcol *c, const pq_col_batch *b, size_t i, size_t n, ev_error *err) {
    if (!c->spec.optional && (b->valid || (c->kind == K_STR && b->codes))) {
        for (size_t r = i; r < i + n; r++)
            if (!row_valid(b, r))
                return ev_error_set(err, EV_ERR_INPUT,
                                    "%s: column %s is REQUIRED but row %zu of the batch is null", w->name,
                                    c->name, r);
    }
    if (c->kind == K_STR) {
        if (!b->values && !b->offsets && !(b->codes && b->dict))
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: the batch gives no values", w->name,
                                c->name);
    } else if (!b->values) {
        return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: the batch gives no values", w->name, c->name);
    }
    while (n > 0) {
        size_t room = w->o.page_rows - c->page_rows;
        size_t k = n < room ? n : room;
        size_t taken = k;
        if (c->kind == K_STR)
            EV_TRY(append_str(w, c, b, i, k, &taken, err));
        else
            EV_TRY(append_num(w, c, b, i, k, err));
        i += taken;
        n -= taken;
        size_t est = c->mode == PQ_WENC_DICT ? c->ncodes * 3 : c->vals.len;
        if (c->page_rows >= w->o.page_rows || est >= w->o.page_size) EV_TRY(write_page(w, c, err));
        if (c->mode == PQ_WENC_DICT && c->dict_plain.len > w->o.dict_max_bytes)
            EV_TRY(dict_fallback(w, c, err));
    }
    return EV_OK;
}

/* ---- held-back dictionary pages ---- */

static int cmp_entry(const void *a, const void *b, void *ctx) {
    const wcol *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const uint8_t *d = c->dict_plain.data;
    switch (c->kind) {
    case K_STR: {
        int r = pq_bytes_cmp(d + c->dent[x].off, c->dent[x].len, d + c->dent[y].off, c->dent[y].len);
        return r ? r : (x > y) - (x < y);
    }
    case K_I32: {
        int32_t u, v;
        memcpy(&u, d + (size_t)x * 4, 4);
        memcpy(&v, d + (size_t)y * 4, 4);
        return (u > v) - (u < v);
    }
    case K_I64: {
        int64_t u, v;
        memcpy(&u, d + (size_t)x * 8, 8);
        memcpy(&v, d + (size_t)y * 8, 8);
        return (u > v) - (u < v);
    }
    case K_F32: {
        float u, v;
        memcpy(&u, d + (size_t)x * 4, 4);
        memcpy(&v, d + (size_t)y * 4, 4);
        if (u < v) return -1;
        if (u > v) return 1;
        return (x > y) - (x < y); /* NaNs and equal-comparing zeros: stable */
    }
    default: {
        double u, v;
        memcpy(&u, d + (size_t)x * 8, 8);
        memcpy(&v, d + (size_t)y * 8, 8);
        if (u < v) return -1;
        if (u > v) return 1;
        return (x > y) - (x < y);
    }
    }
}

/* Where the codes of a dictionary-coded page body start: after the levels (vals_off), the bit-width
 * byte and the first run's header, so that the block of codes holds nothing but codes (a few other
 * bytes among them would cost every code of a small dictionary a fraction of a bit in the entropy
 * coder's table). */
static size_t codes_start(const uint8_t *pg, size_t len, size_t vals_off) {
    size_t p = vals_off + 1;
    while (p < len && (pg[p] & 0x80))
        p++;
    return p < len ? p + 1 : len;
}

/* A 64-bit key per entry whose unsigned order is the entries' order: numbers with the sign flipped
 * (negative floats all bits), strings their first 8 bytes big-endian, zero-padded. */
static uint64_t sort_key(const wcol *c, uint32_t i) {
    const uint8_t *d = c->dict_plain.data;
    switch (c->kind) {
    case K_STR:
        return pq_string_sort_key((const char *)d + c->dent[i].off, c->dent[i].len);
    case K_I32:
        return (uint64_t)(pq_load32(d + (size_t)i * 4) ^ 0x80000000u);
    case K_I64:
        return pq_load64(d + (size_t)i * 8) ^ (1ULL << 63);
    case K_F32: {
        uint32_t v = pq_load32(d + (size_t)i * 4);
        return (uint64_t)(v >> 31 ? ~v : v | 0x80000000u);
    }
    default: {
        uint64_t v = pq_load64(d + (size_t)i * 8);
        return v >> 63 ? ~v : v | (1ULL << 63);
    }
    }
}

/* Sorts the chunk's dictionary: order[k] = the entry at sorted position k. An LSD radix sort on
 * sort_key (byte digits that are the same in every key are skipped: ids like "u_48213" take 3 or 4
 * passes), then, for strings, runs of equal keys sorted by their whole bytes. Equal entries keep
 * their first-seen order. A comparison sort of 90,000 ids cost ~10% of the ETL's time. */
static ev_status sort_dict(pq_writer *w, wcol *c, uint32_t *order, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    if (n < 2) return EV_OK;
    size_t bytes = (size_t)n * (8 + 8 + 4);
    ev_buf_reset(&w->fl_sort);
    EV_TRY(ev_buf_reserve(&w->fl_sort, bytes));
    uint8_t *mem = w->fl_sort.data;
    uint64_t *key = (uint64_t *)(void *)mem, *key2 = key + n;
    uint32_t *ord2 = (uint32_t *)(key2 + n);
    for (uint32_t i = 0; i < n; i++)
        key[i] = sort_key(c, i);
    pq_radix_sort_keys(key, order, n, key2, ord2);
    if (c->kind == K_STR) {
        for (uint32_t i = 0; i < n;) {
            uint32_t j = i + 1;
            while (j < n && key[j] == key[i])
                j++;
            if (j - i > 1) qsort_r(order + i, j - i, 4, cmp_entry, c);
            i = j;
        }
    }
    return EV_OK;
}

/* Codes of a small dictionary (at most 256 entries) packed at their bit width straddle bytes, which
 * hides their skew from a byte-oriented entropy coder: event types packed 3 bits each compress to
 * ~2.45 bits, written a byte each to ~2.0 (zstd's Huffman stage then sees one symbol per code), and
 * two 6-value categories per byte (width 4: 36 symbols) to 2.61 bits against 2.67 a byte each. The
 * format allows any width up to 32 in the page's bit-width byte. For codecs with an entropy stage
 * (ZSTD, GZIP), the chunk's first page is compressed at its packed width, at 4 and at 8, and the
 * smallest decides for the whole chunk: *wide is set to 4 or 8, or to -1 (keep the packed width).
 * `pg` holds the page's levels and is left as it was. */
static ev_status byte_codes_pay(pq_writer *w, wcol *c, ev_buf *pg, const uint32_t *codes, size_t n, int bw,
                                int *wide, ev_error *err) {
    *wide = -1;
    if (bw >= 8 || c->dict_n > 256 || n < 1024 ||
        (w->o.codec != PQ_CODEC_ZSTD && w->o.codec != PQ_CODEC_GZIP))
        return EV_OK;
    size_t lv = pg->len, best = SIZE_MAX;
    const int widths[3] = {bw, 4, 8};
    for (int t = 0; t < 3; t++) {
        int tbw = widths[t];
        if (t > 0 && tbw <= bw) continue;
        pg->len = lv;
        uint8_t b = (uint8_t)tbw;
        EV_TRY(ev_buf_append(pg, &b, 1));
        EV_TRY(pq_rle_encode_u32_runs(pg, codes, n, tbw, 128));
        EV_TRY(pq_compress_split(w->codec, w->o.codec, w->o.level, pg->data, pg->len,
                                 codes_start(pg->data, pg->len, lv), &w->cbuf, err));
        if (w->cbuf.len < best) {
            best = w->cbuf.len;
            *wide = t ? tbw : -1;
        }
    }
    pg->len = lv;
    return EV_OK;
}

/* Writes the chunk's dictionary page, sorted by value (a sorted dictionary compresses far better:
 * "u_10000", "u_10001", ... instead of first-seen order), then the held-back pages with their codes
 * renumbered to the sorted order. Each page's body is decoded from what write_page built. */
static ev_status flush_dict_pages(pq_writer *w, wcol *c, pq_wchunk *ch, int64_t *comp, int64_t *uncomp,
                                  size_t *held, ev_error *err) {
    ev_status st = EV_OK;
    uint32_t n = c->dict_n;
    uint32_t *order = NULL, *renum = NULL, *codes = NULL;
    ev_buf *sorted = &w->fl_sorted;
    ev_buf_reset(sorted);
    const ev_buf *dict = &c->dict_plain;
    if (n > 0) {
        if (c->dict_plain.len > INT32_MAX) {
            st = ev_error_set(err, EV_ERR_INPUT, "%s: column %s: dictionary exceeds 2 GiB", w->name, c->name);
            goto done;
        }
        ev_buf_reset(&w->fl_order);
        ev_buf_reset(&w->fl_renum);
        if (ev_buf_reserve(&w->fl_order, (size_t)n * 4) != EV_OK ||
            ev_buf_reserve(&w->fl_renum, (size_t)n * 4) != EV_OK ||
            ev_buf_reserve(sorted, c->dict_plain.len) != EV_OK) {
            st = nomem(w, err);
            goto done;
        }
        order = (uint32_t *)(void *)w->fl_order.data;
        renum = (uint32_t *)(void *)w->fl_renum.data;
        if (sort_dict(w, c, order, n) != EV_OK) {
            st = nomem(w, err);
            goto done;
        }
        if (c->kind == K_STR) {
            /* every entry is some row's value: the chunk's min and max are the dictionary's ends */
            const struct dent *lo = &c->dent[order[0]], *hi = &c->dent[order[n - 1]];
            if (stats_str(&c->cs, (const char *)c->dict_plain.data + lo->off, lo->len) != EV_OK ||
                stats_str(&c->cs, (const char *)c->dict_plain.data + hi->off, hi->len) != EV_OK) {
                st = nomem(w, err);
                goto done;
            }
        }
        for (uint32_t k = 0; k < n; k++)
            renum[order[k]] = k;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = order[k];
            if (c->kind == K_STR) {
                uint32_t l = c->dent[i].len;
                memcpy(sorted->data + sorted->len, &l, 4);
                memcpy(sorted->data + sorted->len + 4, dict->data + c->dent[i].off, l);
                sorted->len += 4 + (size_t)l;
            } else {
                memcpy(sorted->data + sorted->len, dict->data + (size_t)i * c->vsize, c->vsize);
                sorted->len += c->vsize;
            }
        }
        EV_CHECK(
            pq_compress_dict(w->codec, w->o.codec, w->o.level, sorted->data, sorted->len, &w->cbuf, err));
        pq_page_header h = {0};
        h.type = PQ_PAGE_DICT;
        h.uncompressed_size = (int32_t)sorted->len;
        h.compressed_size = (int32_t)w->cbuf.len;
        h.num_values = (int32_t)n;
        ev_buf_reset(&w->hdr);
        if (pq_page_header_write(&w->hdr, &h) != EV_OK) {
            st = nomem(w, err);
            goto done;
        }
        ch->dictionary_page_offset = (int64_t)w->pos;
        EV_CHECK(emit(w, w->hdr.data, w->hdr.len, err));
        EV_CHECK(emit(w, w->cbuf.data, w->cbuf.len, err));
        *comp += (int64_t)(w->hdr.len + w->cbuf.len);
        *uncomp += (int64_t)(w->hdr.len + sorted->len);
        ch->dict_pages = 1;
        c->encodings |= 1u << PQ_PLAIN;
        ch->data_page_offset = (int64_t)w->pos;
    }
    int bw = n > 1 ? pq_bit_width(n - 1) : 1;
    int wide_bw = 0; /* > 0: the width the chunk's codes are written with, when not bw */
    size_t first_entry = 0;
    if (w->o.page_index) {
        /* the held-back pages come before any page already indexed (those followed a fallback) */
        if (grow(w->alloc, (void **)&c->pages, &c->pages_cap, c->npages + c->ndp, sizeof *c->pages) !=
            EV_OK) {
            st = nomem(w, err);
            goto done;
        }
        memmove(c->pages + c->ndp, c->pages, c->npages * sizeof *c->pages);
        c->npages += c->ndp;
    }
    for (size_t k = 0; k < c->ndp; k++) {
        dpage *d = &c->dp[k];
        const uint8_t *body = c->dbody.data + d->off;
        ev_buf *pg = &w->page;
        ev_buf_reset(pg);
        EV_CHECK(ev_buf_append(pg, body, d->vals_off));
        int enc = PQ_PLAIN;
        if (n > 0) {
            enc = PQ_RLE_DICTIONARY;
            ev_buf_reset(&w->fl_codes);
            if (ev_buf_reserve(&w->fl_codes, (d->nonnull + 1) * 4) != EV_OK) {
                st = nomem(w, err);
                goto done;
            }
            codes = (uint32_t *)(void *)w->fl_codes.data;
            pq_rle_dec dec;
            pq_rle_dec_init(&dec, body + d->vals_off + 1, d->len - d->vals_off - 1, body[d->vals_off]);
            if (!pq_rle_dec_u32(&dec, codes, d->nonnull)) {
                st = ev_error_set(err, EV_ERR_INTERNAL, "%s: column %s: a held-back page does not decode",
                                  w->name, c->name);
                goto done;
            }
            uint32_t lo = UINT32_MAX, hi = 0;
            for (size_t i = 0; i < d->nonnull; i++) {
                uint32_t k2 = renum[codes[i]];
                codes[i] = k2;
                lo = k2 < lo ? k2 : lo;
                hi = k2 > hi ? k2 : hi;
            }
            if (c->kind == K_STR && d->nonnull > 0) {
                /* the dictionary is sorted: the page's smallest and largest codes are its bounds */
                int a = str_bound(dict->data + c->dent[order[lo]].off, c->dent[order[lo]].len, false, d->min);
                int z = str_bound(dict->data + c->dent[order[hi]].off, c->dent[order[hi]].len, true, d->max);
                d->has_min_max = a >= 0 && z >= 0;
                d->min_len = (uint8_t)(a > 0 ? a : 0);
                d->max_len = (uint8_t)(z > 0 ? z : 0);
            }
            if (k == 0 && wide_bw == 0) {
                /* The first page decides whether this chunk's codes are written a byte each (see
                 * byte_codes_pay) */
                EV_CHECK(byte_codes_pay(w, c, pg, codes, d->nonnull, bw, &wide_bw, err));
            }
            int cbw = wide_bw > 0 ? wide_bw : bw;
            uint8_t b = (uint8_t)cbw;
            EV_CHECK(ev_buf_append(pg, &b, 1));
            EV_CHECK(pq_rle_encode_u32_runs(pg, codes, d->nonnull, cbw, 128));
            c->pages_dict++;
        } else {
            c->pages_plain++; /* every value of the chunk is null: nothing to code */
        }
        c->encodings |= 1u << enc;
        EV_CHECK(
            compress_page(w, c, pg, n > 0 ? codes_start(pg->data, pg->len, d->vals_off) : d->vals_off, err));
        pq_page_header h = {0};
        h.type = PQ_PAGE_DATA;
        h.uncompressed_size = (int32_t)pg->len;
        h.compressed_size = (int32_t)w->cbuf.len;
        h.num_values = d->num_values;
        h.encoding = enc;
        h.has_stats = w->o.page_stats;
        h.stats.has_null_count = true;
        h.stats.null_count = d->null_count;
        if (d->has_min_max) {
            h.stats.has_min_max = true;
            h.stats.min = (pq_str){(const char *)d->min, d->min_len};
            h.stats.max = (pq_str){(const char *)d->max, d->max_len};
        }
        ev_buf_reset(&w->hdr);
        if (pq_page_header_write(&w->hdr, &h) != EV_OK) {
            st = nomem(w, err);
            goto done;
        }
        if (w->o.page_index) {
            wpage *p = &c->pages[first_entry++];
            memset(p, 0, sizeof *p);
            p->offset = (int64_t)w->pos;
            p->size = (int32_t)(w->hdr.len + w->cbuf.len);
            p->first_row = d->first_row;
            p->null_count = d->null_count;
            p->null_page = d->nonnull == 0;
            p->has_min_max = d->has_min_max;
            memcpy(p->min, d->min, d->min_len);
            memcpy(p->max, d->max, d->max_len);
            p->min_len = d->min_len;
            p->max_len = d->max_len;
        }
        EV_CHECK(emit(w, w->hdr.data, w->hdr.len, err));
        EV_CHECK(emit(w, w->cbuf.data, w->cbuf.len, err));
        *comp += (int64_t)(w->hdr.len + w->cbuf.len);
        *uncomp += (int64_t)(w->hdr.len + pg->len);
    }
    *held = first_entry;
done:
    return st;
}

/* ---- row groups ---- */

static ev_status flush_row_group(pq_writer *w, ev_error *err) {
    if (w->rg_rows == 0) return EV_OK;
    if (grow(w->alloc, (void **)&w->rgs, &w->rg_cap, w->nrg + 1, sizeof *w->rgs) != EV_OK)
        return nomem(w, err);
    pq_wrow_group *rg = &w->rgs[w->nrg];
    memset(rg, 0, sizeof *rg);
    if (w->o.page_index) {
        size_t cap = w->nrg * w->ncols, need = (w->nrg + 1) * w->ncols;
        wrg_index *ni = ev_realloc(w->alloc, w->idx, cap * sizeof *ni, need * sizeof *ni);
        if (!ni) return nomem(w, err);
        w->idx = ni;
        memset(ni + cap, 0, w->ncols * sizeof *ni);
    }
    rg->chunks = ev_calloc(w->alloc, w->ncols, sizeof *rg->chunks);
    if (!rg->chunks) {
        if (w->o.page_index) w->nrg++; /* keeps idx's size in step; chunks NULL is handled by free */
        return nomem(w, err);
    }
    w->nrg++;
    rg->num_rows = w->rg_rows;
    rg->file_offset = (int64_t)w->pos;
    for (size_t ci = 0; ci < w->ncols; ci++) {
        wcol *c = &w->cols[ci];
        EV_TRY(write_page(w, c, err));
        pq_wchunk *ch = &rg->chunks[ci];
        ch->codec = w->o.codec;
        ch->num_values = c->chunk_values;
        ch->dictionary_page_offset = -1;
        ch->offset_index_offset = ch->column_index_offset = -1;
        int64_t comp = 0, uncomp = c->chunk_uncompressed;
        size_t held = 0; /* page index entries of held-back pages */
        ch->data_page_offset = (int64_t)w->pos;
        if (c->ndp > 0) EV_TRY(flush_dict_pages(w, c, ch, &comp, &uncomp, &held, err));
        /* pages written after a fallback to PLAIN follow */
        int64_t plain_start = (int64_t)w->pos;
        EV_TRY(emit(w, c->chunk.data, c->chunk.len, err));
        comp += (int64_t)c->chunk.len;
        for (size_t p = held; p < c->npages; p++)
            c->pages[p].offset += plain_start;
        ch->total_compressed = comp;
        ch->total_uncompressed = uncomp;
        ch->encodings = c->encodings | (c->spec.optional ? 1u << PQ_RLE : 0);
        if (!c->encodings) ch->encodings |= 1u << PQ_PLAIN;
        ch->data_pages_dict = c->pages_dict;
        ch->data_pages_plain = c->pages_plain;
        ch->data_pages_delta = c->pages_delta;
        rg->total_byte_size += uncomp;
        rg->total_compressed_size += comp;
        /* chunk statistics, copied into the row group's own storage */
        uint8_t sb[2 * (STAT_TRUNC + 8)];
        pq_stats ps;
        make_stats(c, &c->cs, &ps, sb);
        ch->stats = ps;
        ch->stats.has_min_max = false;
        if (ps.has_min_max) {
            char *mm = ev_alloc(w->alloc, ps.min.len + ps.max.len + 1);
            if (!mm) return nomem(w, err);
            ch->stats.has_min_max = true;
            memcpy(mm, ps.min.ptr, ps.min.len);
            memcpy(mm + ps.min.len, ps.max.ptr, ps.max.len);
            ch->stats.min.ptr = mm;
            ch->stats.max.ptr = mm + ps.min.len;
        }
        if (w->o.page_index) {
            wrg_index *ix = &w->idx[(w->nrg - 1) * w->ncols + ci];
            ix->pages = c->pages;
            ix->npages = c->npages;
            ix->cap = c->pages_cap;
            c->pages = NULL;
            c->npages = c->pages_cap = 0;
        }
        /* reset the chunk */
        ev_buf_reset(&c->chunk);
        ev_buf_reset(&c->dbody);
        c->ndp = 0;
        c->chunk_uncompressed = c->chunk_values = c->chunk_rows = 0;
        c->encodings = 0;
        c->pages_dict = c->pages_plain = c->pages_delta = 0;
        stats_reset(&c->cs);
        dict_clear(c);
        c->mode = c->base_mode;
    }
    w->rg_rows = 0;
    return EV_OK;
}

ev_status pq_writer_flush_row_group(pq_writer *w, ev_error *err) {
    if (w->failed) return ev_error_set(err, EV_ERR_INPUT, "%s: the writer failed earlier", w->name);
    ev_status st = flush_row_group(w, err);
    if (st != EV_OK) w->failed = true;
    return st;
}

ev_status pq_writer_write_batch(pq_writer *w, const pq_col_batch *cols, size_t nrows, ev_error *err) {
    if (w->failed) return ev_error_set(err, EV_ERR_INPUT, "%s: the writer failed earlier", w->name);
    ev_status st = EV_OK;
    size_t done = 0;
    while (done < nrows) {
        size_t room = w->o.row_group_rows - (size_t)w->rg_rows;
        size_t k = nrows - done < room ? nrows - done : room;
        for (size_t ci = 0; ci < w->ncols && st == EV_OK; ci++)
            st = append_col(w, &w->cols[ci], &cols[ci], done, k, err);
        if (st != EV_OK) break;
        w->rg_rows += (int64_t)k;
        w->total_rows += (int64_t)k;
        done += k;
        if ((size_t)w->rg_rows >= w->o.row_group_rows && (st = flush_row_group(w, err)) != EV_OK) break;
    }
    if (st != EV_OK) w->failed = true;
    return st;
}

/* ---- open / close ---- */

void pq_writer_options_init(pq_writer_options *o) {
    memset(o, 0, sizeof *o);
    o->codec = PQ_CODEC_ZSTD;
    o->level = 3;
    /* 2 Mi-row groups and 200,000-row pages: each row group repeats the dictionaries (0.04 B/row on
     * the events schema at 1 Mi rows) and each page its header and entropy tables; both sizes stay
     * far below parquet-mr's 128 MB row groups. */
    o->row_group_rows = 1u << 21;
    o->page_size = 1u << 20;
    o->page_rows = 200000;
    o->dict_max_bytes = 2u << 20;
    o->page_stats = true;
}

static void free_str(const ev_allocator *a, const char *s) {
    if (s) ev_free(a, (void *)s, strlen(s) + 1);
}

static void free_writer(pq_writer *w) {
    const ev_allocator *a = w->alloc;
    ev_free(a, w->sel, w->sel ? w->o.page_rows * 4 : 0);
    for (size_t i = 0; i < w->ncols && w->cols; i++) {
        wcol *c = &w->cols[i];
        ev_free(a, c->defs, w->o.page_rows);
        ev_free(a, c->codes, w->o.page_rows * 4);
        ev_buf_free(&c->vals);
        ev_buf_free(&c->ps.smin);
        ev_buf_free(&c->ps.smax);
        ev_buf_free(&c->cs.smin);
        ev_buf_free(&c->cs.smax);
        ev_buf_free(&c->dict_plain);
        ev_free(a, c->dent, c->dict_cap * sizeof *c->dent);
        ev_free(a, c->ht, c->ht_cap * 4);
        ev_free(a, c->remap, c->remap_cap * 4);
        ev_buf_free(&c->chunk);
        ev_buf_free(&c->dbody);
        ev_free(a, c->dp, c->dp_cap * sizeof *c->dp);
        ev_free(a, c->pages, c->pages_cap * sizeof *c->pages);
        free_str(a, c->name);
    }
    ev_free(a, w->cols, w->ncols * sizeof *w->cols);
    ev_free(a, w->specs, w->ncols * sizeof *w->specs);
    for (size_t i = 0; i < w->nrg; i++) {
        for (size_t ci = 0; ci < w->ncols && w->rgs[i].chunks; ci++) {
            pq_stats *s = &w->rgs[i].chunks[ci].stats;
            if (s->has_min_max) ev_free(a, (void *)s->min.ptr, s->min.len + s->max.len + 1);
        }
        ev_free(a, w->rgs[i].chunks, w->ncols * sizeof(pq_wchunk));
    }
    ev_free(a, w->rgs, w->rg_cap * sizeof *w->rgs);
    if (w->idx) {
        for (size_t i = 0; i < w->nrg * w->ncols; i++)
            ev_free(a, w->idx[i].pages, w->idx[i].cap * sizeof(wpage));
        ev_free(a, w->idx, w->nrg * w->ncols * sizeof *w->idx);
    }
    for (size_t i = 0; i < w->o.num_kv && w->kv; i++) {
        free_str(a, w->kv[i].key);
        free_str(a, w->kv[i].value);
    }
    ev_free(a, w->kv, w->o.num_kv * sizeof *w->kv);
    pq_codec_ctx_free(w->codec);
    ev_buf_free(&w->page);
    ev_buf_free(&w->cbuf);
    ev_buf_free(&w->hdr);
    ev_buf_free(&w->tmp);
    ev_buf_free(&w->fl_sorted);
    ev_buf_free(&w->fl_order);
    ev_buf_free(&w->fl_renum);
    ev_buf_free(&w->fl_codes);
    ev_buf_free(&w->fl_sort);
    if (w->fd >= 0) close(w->fd);
    free_str(a, w->tmp_path);
    free_str(a, w->path);
    free_str(a, w->o.created_by);
    free_str(a, w->name);
    ev_free(a, w, sizeof *w);
}

static char *dup_s(const ev_allocator *a, const char *s) {
    size_t n = strlen(s) + 1;
    char *d = ev_alloc(a, n);
    if (d) memcpy(d, s, n);
    return d;
}

static ev_status fd_sink(void *ctx, const void *data, size_t len, ev_error *err);

/* Opens a writer on `sink`, or (path != NULL) on a new file "<path>.tmp" renamed at close. */
static ev_status open_impl(const pq_column_spec *cols, size_t ncols, const pq_writer_options *opts,
                           pq_sink_fn sink, void *sink_ctx, const char *name, const char *path, bool durable,
                           pq_writer **out, ev_error *err) {
    *out = NULL;
    pq_writer_options o;
    if (opts)
        o = *opts;
    else
        pq_writer_options_init(&o);
    const ev_allocator *a = o.alloc;
    if (!name) name = "<parquet output>";
    if (ncols == 0)
        return ev_error_set(err, EV_ERR_INPUT, "%s: a Parquet file needs at least one column", name);
    if (ncols > 32767) return ev_error_set(err, EV_ERR_INPUT, "%s: too many columns (%zu)", name, ncols);
    if (o.codec != PQ_CODEC_UNCOMPRESSED && o.codec != PQ_CODEC_SNAPPY && o.codec != PQ_CODEC_GZIP &&
        o.codec != PQ_CODEC_ZSTD)
        return ev_error_set(err, EV_ERR_INPUT, "%s: codec %s cannot be written", name,
                            pq_codec_name(o.codec));
    if (o.codec == PQ_CODEC_ZSTD && (o.level < 0 || o.level > 22))
        return ev_error_set(err, EV_ERR_INPUT, "%s: zstd level %d is not in 1..22", name, o.level);
    if (o.codec == PQ_CODEC_GZIP && (o.level < 0 || o.level > 12))
        return ev_error_set(err, EV_ERR_INPUT, "%s: gzip level %d is not in 1..12", name, o.level);
    if (o.row_group_rows == 0) o.row_group_rows = 1u << 21;
    if (o.page_rows == 0) o.page_rows = 200000;
    if (o.page_rows > (1u << 24)) o.page_rows = 1u << 24;
    if (o.page_size == 0) o.page_size = 1u << 20;
    if (o.page_size > (1u << 30)) o.page_size = 1u << 30;
    if (o.dict_max_bytes == 0) o.dict_max_bytes = 2u << 20;
    if (o.dict_max_bytes > (1u << 30)) o.dict_max_bytes = 1u << 30;
    for (size_t i = 0; i < ncols; i++) {
        const pq_column_spec *s = &cols[i];
        if (!s->name || !s->name[0])
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %zu has no name", name, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[j].name, s->name) == 0)
                return ev_error_set(err, EV_ERR_INPUT, "%s: column %s appears twice", name, s->name);
        bool ok = s->type == PQ_BOOLEAN || s->type == PQ_INT32 || s->type == PQ_INT64 ||
                  s->type == PQ_FLOAT || s->type == PQ_DOUBLE || s->type == PQ_BYTE_ARRAY;
        if (!ok)
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: type %s cannot be written", name, s->name,
                                pq_type_name(s->type));
        switch (s->logical) {
        case PQ_LOGICAL_NONE:
            break;
        case PQ_LOGICAL_STRING:
            ok = s->type == PQ_BYTE_ARRAY;
            break;
        case PQ_LOGICAL_TIMESTAMP:
            ok = s->type == PQ_INT64 && (unsigned)s->unit <= PQ_UNIT_NANOS;
            break;
        case PQ_LOGICAL_DATE:
            ok = s->type == PQ_INT32;
            break;
        default:
            ok = false;
        }
        if (!ok)
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: logical type does not fit %s", name,
                                s->name, pq_type_name(s->type));
        if (s->encoding == PQ_WENC_DELTA && s->type != PQ_INT32 && s->type != PQ_INT64)
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: DELTA_BINARY_PACKED needs INT32 or INT64",
                                name, s->name);
        if ((unsigned)s->encoding > PQ_WENC_DELTA)
            return ev_error_set(err, EV_ERR_INPUT, "%s: column %s: unknown encoding", name, s->name);
    }
    pq_writer *w = ev_calloc(a, 1, sizeof *w);
    if (!w) return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
    w->alloc = a;
    w->fd = -1;
    w->o = o;
    w->o.kv = NULL;
    w->o.created_by = NULL;
    w->name = dup_s(a, name);
    w->o.created_by = dup_s(a, o.created_by ? o.created_by : "evlake");
    w->sink = sink;
    w->sink_ctx = sink_ctx;
    ev_buf_init(&w->page, a);
    ev_buf_init(&w->cbuf, a);
    ev_buf_init(&w->hdr, a);
    ev_buf_init(&w->tmp, a);
    ev_buf_init(&w->fl_sorted, a);
    ev_buf_init(&w->fl_order, a);
    ev_buf_init(&w->fl_renum, a);
    ev_buf_init(&w->fl_codes, a);
    ev_buf_init(&w->fl_sort, a);
    w->cols = ev_calloc(a, ncols, sizeof *w->cols);
    w->specs = ev_calloc(a, ncols, sizeof *w->specs);
    w->kv = o.num_kv ? ev_calloc(a, o.num_kv, sizeof *w->kv) : NULL;
    w->ncols = ncols;
    if (!w->name || !w->o.created_by || !w->cols || !w->specs || (o.num_kv && !w->kv) ||
        pq_codec_ctx_new(a, &w->codec) != EV_OK) {
        if (!w->cols) w->ncols = 0;
        w->o.num_kv = w->kv ? w->o.num_kv : 0;
        free_writer(w);
        return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
    }
    ev_status st = EV_OK;
    for (size_t i = 0; i < o.num_kv; i++) {
        w->kv[i].key = dup_s(a, o.kv[i].key ? o.kv[i].key : "");
        w->kv[i].value = o.kv[i].value ? dup_s(a, o.kv[i].value) : NULL;
        if (!w->kv[i].key || (o.kv[i].value && !w->kv[i].value)) st = EV_ERR_NOMEM;
    }
    for (size_t i = 0; i < ncols && st == EV_OK; i++) {
        wcol *c = &w->cols[i];
        c->spec = cols[i];
        c->name = dup_s(a, cols[i].name);
        c->spec.name = c->name;
        w->specs[i] = c->spec;
        ev_buf_init(&c->vals, a);
        ev_buf_init(&c->ps.smin, a);
        ev_buf_init(&c->ps.smax, a);
        ev_buf_init(&c->cs.smin, a);
        ev_buf_init(&c->cs.smax, a);
        ev_buf_init(&c->dict_plain, a);
        ev_buf_init(&c->chunk, a);
        ev_buf_init(&c->dbody, a);
        switch (c->spec.type) {
        case PQ_BOOLEAN:
            c->kind = K_BOOL;
            c->vsize = 1;
            break;
        case PQ_INT32:
            c->kind = K_I32;
            c->vsize = 4;
            break;
        case PQ_INT64:
            c->kind = K_I64;
            c->vsize = 8;
            break;
        case PQ_FLOAT:
            c->kind = K_F32;
            c->vsize = 4;
            break;
        case PQ_DOUBLE:
            c->kind = K_F64;
            c->vsize = 8;
            break;
        default:
            c->kind = K_STR;
            c->vsize = 0;
            break;
        }
        pq_write_encoding m = c->spec.encoding;
        if (m == PQ_WENC_AUTO) {
            if (c->kind == K_BOOL)
                m = PQ_WENC_PLAIN;
            else if (c->spec.logical == PQ_LOGICAL_TIMESTAMP)
                m = PQ_WENC_DELTA;
            else
                m = PQ_WENC_DICT;
        }
        if (c->kind == K_BOOL && m == PQ_WENC_DICT) m = PQ_WENC_PLAIN;
        c->base_mode = c->mode = m;
        c->defs = ev_alloc(a, o.page_rows);
        c->codes = ev_alloc(a, o.page_rows * 4);
        if (!c->name || !c->defs || !c->codes) st = EV_ERR_NOMEM;
    }
    if (st == EV_OK && !(w->sel = ev_alloc(a, o.page_rows * 4))) st = EV_ERR_NOMEM;
    if (st != EV_OK) {
        free_writer(w);
        return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
    }
    w->o.num_kv = o.num_kv;
    if (path) {
        size_t n = strlen(path);
        w->path = dup_s(a, path);
        w->tmp_path = ev_alloc(a, n + 5);
        if (w->tmp_path) {
            memcpy(w->tmp_path, path, n);
            memcpy(w->tmp_path + n, ".tmp", 5);
        }
        if (!w->path || !w->tmp_path) {
            free_writer(w);
            return ev_error_set(err, EV_ERR_NOMEM, "%s: out of memory", name);
        }
        w->durable = durable;
        w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0) {
            st = ev_error_errno(err, EV_ERR_IO, errno, "%s: cannot create", w->tmp_path);
            free_writer(w);
            return st;
        }
        w->sink = fd_sink;
        w->sink_ctx = w;
    }
    st = emit(w, "PAR1", 4, err);
    if (st != EV_OK) {
        pq_writer_abort(w);
        return st;
    }
    *out = w;
    return EV_OK;
}

/* ---- page index and footer ---- */

static ev_status write_page_index(pq_writer *w, ev_error *err) {
    ev_buf *b = &w->page;
    /* column indexes first, then offset indexes, as other writers lay them out */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t g = 0; g < w->nrg; g++) {
            for (size_t ci = 0; ci < w->ncols; ci++) {
                wrg_index *ix = &w->idx[g * w->ncols + ci];
                pq_wchunk *ch = &w->rgs[g].chunks[ci];
                ev_buf_reset(b);
                thrift_writer tw;
                thrift_writer_init(&tw, b);
                if (pass == 0) {
                    bool ok = ix->npages > 0;
                    for (size_t p = 0; p < ix->npages; p++)
                        if (!ix->pages[p].null_page && !ix->pages[p].has_min_max) ok = false;
                    if (!ok) continue;
                    thrift_w_list(&tw, 1, THRIFT_TRUE, (uint32_t)ix->npages);
                    for (size_t p = 0; p < ix->npages; p++)
                        thrift_w_elem_bool(&tw, ix->pages[p].null_page);
                    thrift_w_list(&tw, 2, THRIFT_BINARY, (uint32_t)ix->npages);
                    for (size_t p = 0; p < ix->npages; p++)
                        thrift_w_elem_binary(&tw, ix->pages[p].min,
                                             ix->pages[p].null_page ? 0 : ix->pages[p].min_len);
                    thrift_w_list(&tw, 3, THRIFT_BINARY, (uint32_t)ix->npages);
                    for (size_t p = 0; p < ix->npages; p++)
                        thrift_w_elem_binary(&tw, ix->pages[p].max,
                                             ix->pages[p].null_page ? 0 : ix->pages[p].max_len);
                    thrift_w_i32(&tw, 4, 0);
                    thrift_w_list(&tw, 5, THRIFT_I64, (uint32_t)ix->npages);
                    for (size_t p = 0; p < ix->npages; p++)
                        thrift_w_elem_i64(&tw, ix->pages[p].null_count);
                    thrift_w_end(&tw);
                    EV_TRY(tw.st);
                    ch->column_index_offset = (int64_t)w->pos;
                    ch->column_index_length = (int32_t)b->len;
                } else {
                    thrift_w_list(&tw, 1, THRIFT_STRUCT, (uint32_t)ix->npages);
                    for (size_t p = 0; p < ix->npages; p++) {
                        thrift_w_elem_struct_begin(&tw);
                        thrift_w_i64(&tw, 1, ix->pages[p].offset);
                        thrift_w_i32(&tw, 2, ix->pages[p].size);
                        thrift_w_i64(&tw, 3, ix->pages[p].first_row);
                        thrift_w_struct_end(&tw);
                    }
                    thrift_w_end(&tw);
                    EV_TRY(tw.st);
                    ch->offset_index_offset = (int64_t)w->pos;
                    ch->offset_index_length = (int32_t)b->len;
                }
                EV_TRY(emit(w, b->data, b->len, err));
            }
        }
    }
    return EV_OK;
}

static ev_status finish(pq_writer *w, ev_error *err) {
    if (w->failed) return ev_error_set(err, EV_ERR_INPUT, "%s: the writer failed earlier", w->name);
    EV_TRY(flush_row_group(w, err));
    if (w->o.page_index) EV_TRY(write_page_index(w, err));
    ev_buf_reset(&w->page);
    pq_wschema s = {w->specs, w->ncols};
    if (pq_footer_write(&w->page, &s, w->rgs, w->nrg, w->total_rows, w->kv, w->o.num_kv, w->o.created_by) !=
        EV_OK)
        return nomem(w, err);
    uint32_t flen = (uint32_t)w->page.len;
    EV_TRY(emit(w, w->page.data, w->page.len, err));
    EV_TRY(emit(w, &flen, 4, err));
    return emit(w, "PAR1", 4, err);
}

ev_status pq_writer_close(pq_writer *w, pq_write_result *res, ev_error *err) {
    ev_status st = finish(w, err);
    if (st == EV_OK && res) {
        res->rows = (uint64_t)w->total_rows;
        res->bytes = w->pos;
        res->row_groups = w->nrg;
    }
    if (w->fd >= 0) {
        if (st == EV_OK && w->durable && fsync(w->fd) != 0)
            st = ev_error_errno(err, EV_ERR_IO, errno, "%s: fsync", w->tmp_path);
        if (close(w->fd) != 0 && st == EV_OK)
            st = ev_error_errno(err, EV_ERR_IO, errno, "%s: close", w->tmp_path);
        w->fd = -1;
        if (st == EV_OK && rename(w->tmp_path, w->path) != 0)
            st = ev_error_errno(err, EV_ERR_IO, errno, "%s: cannot rename into place", w->path);
        if (st == EV_OK && w->durable) {
            char dir[4096];
            ev_path_dirname(w->path, dir, sizeof dir);
            st = ev_fsync_dir(dir, err);
        }
        if (st != EV_OK) unlink(w->tmp_path);
    }
    free_writer(w);
    return st;
}

void pq_writer_abort(pq_writer *w) {
    if (!w) return;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
        unlink(w->tmp_path);
    }
    free_writer(w);
}

size_t pq_writer_memory(const pq_writer *w) {
    size_t m = sizeof *w + w->page.cap + w->cbuf.cap + w->hdr.cap + w->tmp.cap;
    for (size_t i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[i];
        m += w->o.page_rows * 5 + c->vals.cap + c->dict_plain.cap + c->dict_cap * sizeof *c->dent +
             c->ht_cap * 4 + c->remap_cap * 4 + c->chunk.cap + c->dbody.cap + c->dp_cap * sizeof(dpage) +
             c->pages_cap * sizeof(wpage);
    }
    return m;
}

/* ---- file sink ---- */

static ev_status fd_sink(void *ctx, const void *data, size_t len, ev_error *err) {
    pq_writer *w = ctx;
    int e = ev_write_all(w->fd, data, len);
    if (e) return ev_error_errno(err, EV_ERR_IO, e, "%s: write", w->tmp_path);
    return EV_OK;
}

ev_status pq_writer_open_file(const char *path, bool durable, const pq_column_spec *cols, size_t ncols,
                              const pq_writer_options *opts, pq_writer **out, ev_error *err) {
    return open_impl(cols, ncols, opts, NULL, NULL, path, path, durable, out, err);
}

ev_status pq_writer_open(const pq_column_spec *cols, size_t ncols, const pq_writer_options *opts,
                         pq_sink_fn sink, void *sink_ctx, const char *name, pq_writer **out, ev_error *err) {
    if (!sink) return ev_error_set(err, EV_ERR_INPUT, "pq_writer_open: no sink");
    return open_impl(cols, ncols, opts, sink, sink_ctx, name, NULL, false, out, err);
}
