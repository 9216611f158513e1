/*
 * pq_int.h: what the files of src/parquet share and nobody else sees: page headers, footer and page
 * index (de)serialization (pq_meta.c), the codecs (pq_codec.c) and the value encodings
 * (pq_encoding.c).
 */
#ifndef EV_PQ_INT_H
#define EV_PQ_INT_H

#include <string.h>

#include "ev_hash.h"
#include "pq.h"
#include "pq_thrift.h"

/* Little-endian loads and stores (x86-64 and friends; memcpy keeps them aligned-safe). */
static inline uint32_t pq_load32(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t pq_load64(const void *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static inline void pq_store32(void *p, uint32_t v) {
    memcpy(p, &v, 4);
}

/* ---- page headers ---- */
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICT = 2, PQ_PAGE_DATA_V2 = 3 };

typedef struct pq_page_header {
    int type;
    int32_t uncompressed_size, compressed_size;
    int32_t num_values;          /* data pages: values incl. nulls; dictionary: entries */
    int32_t num_nulls, num_rows; /* v2 */
    int encoding;
    int def_encoding, rep_encoding; /* v1 */
    int32_t def_len, rep_len;       /* v2 */
    bool is_compressed;             /* v2 (default true) */
    bool has_stats;
    pq_stats stats;
} pq_page_header;

/* Decodes a page header from data[0..len) at file offset `base`; *used is its size. */
ev_status pq_page_header_read(const uint8_t *data, size_t len, uint64_t base, const char *name,
                              pq_page_header *h, size_t *used, ev_error *err) EV_WUR;
/* Serializes a page header (statistics when h->has_stats). */
ev_status pq_page_header_write(ev_buf *out, const pq_page_header *h) EV_WUR;

/* Decodes FileMetaData into *m, allocating from `arena`. */
ev_status pq_footer_read(const uint8_t *data, size_t len, uint64_t base, const char *name, ev_arena *arena,
                         pq_file_meta *m, ev_error *err) EV_WUR;

/* Decodes a ColumnIndex / OffsetIndex. */
ev_status pq_offset_index_read(const uint8_t *data, size_t len, uint64_t base, const char *name,
                               ev_arena *arena, pq_page_index *out, ev_error *err) EV_WUR;
ev_status pq_column_index_read(const uint8_t *data, size_t len, uint64_t base, const char *name,
                               ev_arena *arena, pq_page_index *out, ev_error *err) EV_WUR;

/* What the writer knows about one chunk, to serialize into the footer. */
typedef struct pq_wchunk {
    pq_codec codec;
    uint32_t encodings;
    int64_t num_values;
    int64_t total_uncompressed, total_compressed;
    int64_t data_page_offset, dictionary_page_offset; /* -1 none */
    pq_stats stats;
    int64_t offset_index_offset, column_index_offset; /* -1 none */
    int32_t offset_index_length, column_index_length;
    int32_t dict_pages, data_pages_dict, data_pages_plain, data_pages_delta;
} pq_wchunk;

typedef struct pq_wrow_group {
    int64_t num_rows, total_byte_size, total_compressed_size, file_offset;
    pq_wchunk *chunks;
} pq_wrow_group;

typedef struct pq_wschema {
    const pq_column_spec *cols;
    size_t ncols;
} pq_wschema;

ev_status pq_footer_write(ev_buf *out, const pq_wschema *s, const pq_wrow_group *rgs, size_t nrg,
                          int64_t num_rows, const pq_kv *kv, size_t nkv, const char *created_by) EV_WUR;

/* ---- codecs (pq_codec.c) ---- */
typedef struct pq_codec_ctx pq_codec_ctx;
ev_status pq_codec_ctx_new(const ev_allocator *a, pq_codec_ctx **out) EV_WUR;
void pq_codec_ctx_free(pq_codec_ctx *c);
/* Compresses src into `out` (replacing its contents). */
ev_status pq_compress(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len, ev_buf *out,
                      ev_error *err) EV_WUR;
/* Sorting dictionaries (pq_encoding.c). An LSD radix sort of key[0..n), order carried along, over
 * the key bytes that differ (ids like "u_48213" vary in 3 or 4 of their 8 prefix bytes); stable.
 * key2/ord2: scratch of n entries each. */
void pq_radix_sort_keys(uint64_t *key, uint32_t *order, uint32_t n, uint64_t *key2, uint32_t *ord2);
/* A string's first 8 bytes big-endian, zero-padded: their unsigned order is the strings' order
 * as far as those bytes go. */
uint64_t pq_string_sort_key(const char *p, size_t len);
/* memcmp order, a prefix first. */
int pq_bytes_cmp(const void *a, size_t al, const void *b, size_t bl);

/* Like pq_compress, but with ZSTD the bytes before `split` (a page's definition levels) and those
 * after it (the values) go into separate zstd blocks of one frame, so each gets its own entropy
 * tables: levels and values have very different byte statistics, and one shared Huffman table
 * codes both badly. Any zstd decoder reads the result. Other codecs ignore `split`. */
/* Like pq_compress, for a sorted dictionary page: with ZSTD, the page is also compressed with 4-byte
 * minimum matches and the smaller result is kept. Sorted ids ("u_10000", "u_10001", ...) are runs of
 * near-repeats 11 bytes apart that differ in a digit or two; the default level's 5-byte minimum
 * misses half of them whenever one id is absent (90,000 ids: 51 KB against 24 KB), while on
 * dictionaries of random strings 4-byte matches lose ~9%. */
ev_status pq_compress_dict(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                           ev_buf *out, ev_error *err) EV_WUR;
ev_status pq_compress_split(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                            size_t split, ev_buf *out, ev_error *err) EV_WUR;
/* The same with a choice: *mode PQ_CSPLIT_BOTH tries both (blocks with matches, literals-only) and
 * sets *mode to the one kept; PQ_CSPLIT_MATCHES or PQ_CSPLIT_LITERALS compresses only that way. A
 * writer learns a column's mode from one page and reuses it for the next few. */
enum { PQ_CSPLIT_BOTH = 0, PQ_CSPLIT_MATCHES = 1, PQ_CSPLIT_LITERALS = 2 };
ev_status pq_compress_split_mode(pq_codec_ctx *c, pq_codec codec, int level, const void *src, size_t len,
                                 size_t split, int *mode, ev_buf *out, ev_error *err) EV_WUR;
/* Decompresses exactly `dst_len` bytes into dst; anything else is corrupt. `where` names the page. */
ev_status pq_decompress(pq_codec_ctx *c, pq_codec codec, const void *src, size_t len, void *dst,
                        size_t dst_len, const char *where, ev_error *err) EV_WUR;

/* ---- encodings (pq_encoding.c) ---- */

/* Bit width needed for values up to `max`. */
int pq_bit_width(uint64_t max);

/* RLE / bit-packing hybrid (no length prefix). Appends to out. bw 0..32. */
ev_status pq_rle_encode_u32(ev_buf *out, const uint32_t *v, size_t n, int bw) EV_WUR;
ev_status pq_rle_encode_u8(ev_buf *out, const uint8_t *v, size_t n, int bw) EV_WUR;
/* The same with RLE runs only from `min_run` (>= 8) equal values: before an entropy coder, short
 * runs interleaved with bit-packed groups cost more than packing them. */
ev_status pq_rle_encode_u32_runs(ev_buf *out, const uint32_t *v, size_t n, int bw, size_t min_run) EV_WUR;
ev_status pq_rle_encode_u8_runs(ev_buf *out, const uint8_t *v, size_t n, int bw, size_t min_run) EV_WUR;

/* Decoder state over a hybrid stream. */
typedef struct pq_rle_dec {
    const uint8_t *p, *end;
    int bw;
    uint32_t run_left; /* values left in the current run */
    bool packed;       /* current run is bit-packed */
    uint32_t rle_value;
    const uint8_t *pack_p; /* bit-packed: start of the current group data */
    uint32_t pack_idx;     /* index within the bit-packed run */
    uint32_t pack_total;
} pq_rle_dec;

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t len, int bw);
/* Decodes exactly n values; returns false when the stream ends early or is malformed. */
bool pq_rle_dec_u32(pq_rle_dec *d, uint32_t *out, size_t n);
bool pq_rle_dec_u8(pq_rle_dec *d, uint8_t *out, size_t n);
/* 1-bit levels of n rows from a fresh decoder as a bitmap, bit i of bm[i / 8] for row i; bm
 * needs (n + 7) / 8 + 8 bytes, and bits past n are zero. */
bool pq_rle_dec_bits1(pq_rle_dec *d, uint8_t *bm, size_t n);
/* Consumes `total` values, keeping the ones at ascending offsets idx[0..m) (< total) in out[0..m). */
bool pq_rle_dec_gather_u32(pq_rle_dec *d, size_t total, const uint32_t *idx, size_t m, uint32_t *out);

/* DELTA_BINARY_PACKED: pq_delta_encode is public (pq.h). */
/* Decodes up to `cap` values (n from the header, must be <= cap; *n_out); *used = bytes consumed.
 * Returns false on malformed input (message in *why). */
bool pq_delta_decode(const uint8_t *p, size_t len, int64_t *out, size_t cap, size_t *n_out, size_t *used,
                     bool is32, const char **why);
/* Just the value count of a DELTA_BINARY_PACKED header (false if malformed). */
bool pq_delta_count(const uint8_t *p, size_t len, size_t *n);

/* Bit packing LSB-first of n values (n a multiple of 8 not required: pads with zeros to a byte). */
ev_status pq_pack_bits(ev_buf *out, const uint64_t *v, size_t n, int bw) EV_WUR;

/* Hashing for dictionaries. */
uint64_t pq_hash_bytes(const void *p, size_t n);
static inline uint64_t pq_hash_u64(uint64_t x) {
    return ev_mix64(x);
}

#endif
