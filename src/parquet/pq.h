/*
 * pq: evlake's native Parquet reader and writer (apache/parquet-format, hand-written: see pq_reader.c).
 *
 * The writer (pq_writer_*) streams column batches into row groups of a flat schema (REQUIRED and
 * OPTIONAL leaf columns), holding in memory at most one row group's compressed pages plus one open
 * page and one dictionary per column. Encodings: PLAIN, RLE_DICTIONARY (falls back to PLAIN for the
 * rest of a chunk when its dictionary outgrows `dict_max_bytes`), DELTA_BINARY_PACKED (timestamps by
 * default); codecs ZSTD (default), SNAPPY, GZIP, UNCOMPRESSED; min/max/null_count statistics per
 * page and chunk; an optional page index; key-value metadata.
 *
 * The reader (pq_reader_*) opens a footer from a file (mmap) or a memory buffer, exposes schema, row
 * groups, chunk metadata, statistics, page index and key-value metadata, and decodes chosen columns
 * of chosen row groups into vectors of at most PQ_VECTOR_SIZE rows. A vector never spans two pages.
 * It reads every physical type, data pages v1 and v2, the encodings PLAIN, PLAIN_DICTIONARY,
 * RLE_DICTIONARY, RLE (booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT, and the codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW. Repeated (nested
 * list) columns are listed in the schema but decoding them fails with EV_ERR_UNSUPPORTED.
 *
 * Values come out in one representation per column (pq_vec_kind, chosen from the physical and
 * logical type, see pq_column_desc.vec_kind):
 *   BOOLEAN -> PQ_VEC_BOOL (uint8_t 0/1)
 *   INT32, DATE (days), INT(8|16|32, signed), UINT(8|16), TIME(MILLIS) -> PQ_VEC_I32 (int32_t)
 *   INT64, UINT(32) (zero-extended), UINT(64) (two's complement bits), TIME(MICROS|NANOS) -> PQ_VEC_I64
 *   TIMESTAMP(MILLIS|MICROS|NANOS) on INT64, and INT96 legacy timestamps -> PQ_VEC_I64 in
 *     microseconds since the epoch (nanoseconds are floored to microseconds; `logical.utc` says
 *     whether the writer marked the column UTC-adjusted)
 *   FLOAT -> PQ_VEC_F32; DOUBLE -> PQ_VEC_F64
 *   DECIMAL(p, s) on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY -> PQ_VEC_F64 (unscaled / 10^s;
 *     exact up to 15 significant digits; the schema keeps precision and scale)
 *   BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY otherwise (STRING, JSON, ENUM, UUID, binary) -> PQ_VEC_BYTES
 *     as (pointer, length) pairs, not NUL-terminated.
 *
 * Errors name the file (or the buffer's name), the byte offset, and what is wrong. No input makes
 * either side read or write out of bounds (fuzzed: fuzz/parquet_reader).
 */
#ifndef EV_PQ_H
#define EV_PQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

/* ---- enums with parquet.thrift's numbering ---- */
typedef enum pq_type {
    PQ_BOOLEAN = 0,
    PQ_INT32 = 1,
    PQ_INT64 = 2,
    PQ_INT96 = 3,
    PQ_FLOAT = 4,
    PQ_DOUBLE = 5,
    PQ_BYTE_ARRAY = 6,
    PQ_FIXED_LEN_BYTE_ARRAY = 7
} pq_type;

typedef enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 } pq_repetition;

typedef enum pq_codec {
    PQ_CODEC_UNCOMPRESSED = 0,
    PQ_CODEC_SNAPPY = 1,
    PQ_CODEC_GZIP = 2,
    PQ_CODEC_LZO = 3,
    PQ_CODEC_BROTLI = 4,
    PQ_CODEC_LZ4 = 5,
    PQ_CODEC_ZSTD = 6,
    PQ_CODEC_LZ4_RAW = 7
} pq_codec;

typedef enum pq_encoding {
    PQ_PLAIN = 0,
    PQ_PLAIN_DICTIONARY = 2,
    PQ_RLE = 3,
    PQ_BIT_PACKED = 4,
    PQ_DELTA_BINARY_PACKED = 5,
    PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
    PQ_DELTA_BYTE_ARRAY = 7,
    PQ_RLE_DICTIONARY = 8,
    PQ_BYTE_STREAM_SPLIT = 9
} pq_encoding;

typedef enum pq_logical_kind {
    PQ_LOGICAL_NONE = 0,
    PQ_LOGICAL_STRING,
    PQ_LOGICAL_ENUM,
    PQ_LOGICAL_JSON,
    PQ_LOGICAL_BSON,
    PQ_LOGICAL_UUID,
    PQ_LOGICAL_DATE,
    PQ_LOGICAL_TIME,
    PQ_LOGICAL_TIMESTAMP,
    PQ_LOGICAL_INT,
    PQ_LOGICAL_DECIMAL,
    PQ_LOGICAL_FLOAT16,
    PQ_LOGICAL_NULL,
    PQ_LOGICAL_OTHER /* map, list, variant, geometry...: shown, not interpreted */
} pq_logical_kind;

typedef enum pq_time_unit { PQ_UNIT_NONE = 0, PQ_UNIT_MILLIS, PQ_UNIT_MICROS, PQ_UNIT_NANOS } pq_time_unit;

/* A logical type, from LogicalType or (older files) ConvertedType. */
typedef struct pq_logical {
    pq_logical_kind kind;
    pq_time_unit unit; /* TIME, TIMESTAMP */
    bool utc;          /* TIME, TIMESTAMP: isAdjustedToUTC */
    int bit_width;     /* INT: 8, 16, 32, 64 */
    bool is_signed;    /* INT */
    int32_t precision; /* DECIMAL */
    int32_t scale;     /* DECIMAL */
} pq_logical;

/* How the reader hands a column's values out (see the table at the top). */
typedef enum pq_vec_kind {
    PQ_VEC_BOOL,
    PQ_VEC_I32,
    PQ_VEC_I64,
    PQ_VEC_F32,
    PQ_VEC_F64,
    PQ_VEC_BYTES
} pq_vec_kind;

/* Bytes that are not NUL-terminated: a string or binary value. */
typedef struct pq_str {
    const char *ptr;
    uint32_t len;
} pq_str;

/* ---- metadata (owned by the reader, valid until pq_reader_close) ---- */

/* Statistics of a chunk. min/max are PLAIN-encoded (strings without length prefix) in the
 * column's physical type; `legacy` marks the deprecated min/max fields (signed order, may be
 * wrong for strings in old files). */
typedef struct pq_stats {
    bool has_min_max;
    bool legacy;
    pq_str min, max;
    bool has_null_count;
    int64_t null_count;
    bool has_distinct_count;
    int64_t distinct_count;
} pq_stats;

typedef struct pq_column_desc {
    const char *name; /* the leaf's name */
    const char *path; /* dotted path from the root ("a.b" for nested groups) */
    pq_type type;
    int32_t type_length; /* FIXED_LEN_BYTE_ARRAY width */
    pq_repetition repetition;
    int converted_type; /* parquet ConvertedType, -1 if absent */
    pq_logical logical;
    int max_def, max_rep; /* max_rep > 0: a repeated column, which the reader does not decode */
    pq_vec_kind vec_kind;
} pq_column_desc;

typedef struct pq_chunk_meta {
    pq_type type;
    pq_codec codec;
    uint32_t encodings; /* bit (1u << pq_encoding) for each encoding listed in the chunk */
    int64_t num_values;
    int64_t total_uncompressed_size, total_compressed_size; /* with page headers */
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /* -1 if none */
    pq_stats stats;
    bool has_stats;
    int64_t offset_index_offset, column_index_offset; /* -1 if none */
    int32_t offset_index_length, column_index_length;
} pq_chunk_meta;

typedef struct pq_row_group_meta {
    int64_t num_rows;
    int64_t total_byte_size;
    int64_t total_compressed_size; /* summed from the chunks when the field is absent */
    pq_chunk_meta *chunks;         /* one per leaf column, in schema order */
} pq_row_group_meta;

typedef struct pq_kv {
    const char *key;
    const char *value; /* NULL when absent */
} pq_kv;

typedef struct pq_file_meta {
    int32_t version;
    int64_t num_rows;
    const char *created_by; /* "" when absent */
    size_t num_columns;     /* leaf columns */
    pq_column_desc *columns;
    size_t num_row_groups;
    pq_row_group_meta *row_groups;
    size_t num_kv;
    pq_kv *kv;
    uint64_t file_size;
    uint32_t footer_length;
} pq_file_meta;

/* One page of the page index (ColumnIndex and OffsetIndex, joined). */
typedef struct pq_page_entry {
    int64_t offset;
    int32_t compressed_size; /* with header */
    int64_t first_row;
    bool null_page;
    bool has_min_max;
    pq_str min, max;    /* PLAIN-encoded like pq_stats */
    int64_t null_count; /* -1 if unknown */
} pq_page_entry;

typedef struct pq_page_index {
    size_t num_pages;
    pq_page_entry *pages;
    int boundary_order; /* 0 unordered, 1 ascending, 2 descending, -1 no ColumnIndex */
} pq_page_index;

/* ---- reader ---- */
typedef struct pq_reader pq_reader;

/* Column readers' buffers (pages, dictionaries, decompression) kept across files: a scan over
 * many files that opens them all with one pool allocates (and page-faults in) those megabytes
 * once instead of once per file. Thread-safe; bounded (a few dozen readers). */
typedef struct pq_pool pq_pool;
pq_pool *pq_pool_new(void);
void pq_pool_free(pq_pool *p); /* after every reader that used it is closed; accepts NULL */
/* Keeps decoded dictionaries of the pool's readers, up to `budget` bytes in all and `entry_max`
 * per dictionary, until each reader closes: the readers a session keeps open across queries then
 * decompress a column chunk's dictionary page once. Set before opening readers; 0 turns it off
 * (the default). */
void pq_pool_set_dict_cache(pq_pool *p, size_t budget, size_t entry_max);
size_t pq_pool_dict_bytes(pq_pool *p); /* held by the cache now */

typedef struct pq_reader_options {
    const ev_allocator *alloc; /* NULL: the C library */
    size_t max_footer_bytes;   /* 0: 256 MiB. A bigger footer is refused (EV_ERR_LIMIT) */
    size_t max_page_bytes;     /* 0: 1 GiB. Bigger uncompressed pages are refused (EV_ERR_LIMIT) */
    pq_pool *pool;             /* NULL: each reader keeps a few column readers of its own; only
                                * used with the C library's allocator */
} pq_reader_options;

/* Opens `path` (read-only mmap) and decodes its footer. `opts` may be NULL. On success *out owns the
 * mapping and all metadata. Errors: EV_ERR_IO (cannot open/map), EV_ERR_CORRUPT (not Parquet,
 * truncated, bad footer; the message names path, offset and the problem), EV_ERR_UNSUPPORTED
 * (encrypted footer), EV_ERR_LIMIT, EV_ERR_NOMEM. */
ev_status pq_reader_open_file(const char *path, const pq_reader_options *opts, pq_reader **out,
                              ev_error *err) EV_WUR;

/* Like pq_reader_open_file over a caller's buffer, which must stay valid and unchanged until
 * pq_reader_close. `name` (may be NULL: "<memory>") is used in error messages. */
ev_status pq_reader_open_mem(const void *data, size_t len, const char *name, const pq_reader_options *opts,
                             pq_reader **out, ev_error *err) EV_WUR;

/* Frees the reader, its metadata and mapping. Accepts NULL. Column readers must be closed first. */
void pq_reader_close(pq_reader *r);

/* The decoded footer; valid until pq_reader_close. */
const pq_file_meta *pq_reader_meta(const pq_reader *r);

/* Index of the leaf column whose path (or, failing that, name) equals `name`; -1 if none. */
int pq_reader_find_column(const pq_reader *r, const char *name);

/* Compressed bytes this reader has read: the footer plus every page header and page body decoded
 * (dictionary pages included). Athena's "bytes scanned". */
uint64_t pq_reader_bytes_read(const pq_reader *r);

/* Decodes the page index of a chunk into *out (arrays owned by the reader, valid until close).
 * EV_ERR_NOT_FOUND if the chunk has no OffsetIndex; EV_ERR_CORRUPT on a bad index. */
ev_status pq_reader_page_index(pq_reader *r, size_t row_group, size_t column, pq_page_index *out,
                               ev_error *err) EV_WUR;

/* ---- column vectors ---- */
#define PQ_VECTOR_SIZE 2048

/* Flags for pq_column_open. */
#define PQ_READ_DICT_CODES 1u /* hand dictionary-encoded pages out as codes + dictionary */

/* Up to PQ_VECTOR_SIZE consecutive rows of one column. Everything is owned by the column reader and
 * valid until the next pq_column_next or pq_column_close on it (the dictionary: until close). */
typedef struct pq_vector {
    pq_vec_kind kind;
    size_t n;             /* rows; 0 at the end of the chunk */
    uint64_t first_row;   /* index of the first row within the row group */
    const uint8_t *valid; /* NULL when every row is valid, else n bytes, 1 valid, 0 null */
    size_t null_count;
    /* Values, one slot per row (null slots hold 0 / empty), typed per `kind`: uint8_t, int32_t,
     * int64_t, float, double or pq_str. NULL when is_dict. */
    const void *values;
    /* Dictionary form (only with PQ_READ_DICT_CODES, for pages that are dictionary-encoded):
     * codes[i] < dict_n indexes `dict` (typed per `kind`) for valid rows; null rows hold code dict_n
     * (so a table of dict_n + 1 entries, the last for NULL, needs no test per row); `dict` has
     * that entry too, zero (an empty string). The same dictionary serves every page of the chunk. */
    bool is_dict;
    const uint32_t *codes;
    const void *dict;
    uint32_t dict_n;
} pq_vector;

typedef struct pq_column_reader pq_column_reader;

/* Prepares to decode column `column` of row group `row_group`. Errors: EV_ERR_INPUT (index out of
 * range), EV_ERR_UNSUPPORTED (repeated column, unknown codec), EV_ERR_CORRUPT, EV_ERR_NOMEM. */
ev_status pq_column_open(pq_reader *r, size_t row_group, size_t column, unsigned flags,
                         pq_column_reader **out, ev_error *err) EV_WUR;

/* Decodes the next vector into *out (out->n == 0 at the end). Memory is bounded by the largest page.
 * Errors: EV_ERR_CORRUPT (with file, offset, page), EV_ERR_UNSUPPORTED (encoding), EV_ERR_LIMIT,
 * EV_ERR_NOMEM. After an error, further calls repeat it. */
ev_status pq_column_next(pq_column_reader *c, pq_vector *out, ev_error *err) EV_WUR;

/* Reading a column alongside a filter, so that rows the filter drops are never decoded:
 * pq_column_page_left loads the next page if the current one is used up and says how many of its
 * rows are left (0 at the end of the chunk); pq_column_read then consumes the next n of them
 * (n <= that, n <= PQ_VECTOR_SIZE) and hands out all n (sel NULL) or only rows sel[0..nsel)
 * (ascending offsets < n; out->n = nsel, row k of the vector is row sel[k]; nsel 0 skips them).
 * Dictionary codes of chosen rows are read where they lie in the page, others are not unpacked.
 * pq_column_next is page_left + read of up to PQ_VECTOR_SIZE rows. Errors as pq_column_next's. */
ev_status pq_column_page_left(pq_column_reader *c, size_t *left, ev_error *err) EV_WUR;
ev_status pq_column_read(pq_column_reader *c, size_t n, const uint32_t *sel, size_t nsel, pq_vector *out,
                         ev_error *err) EV_WUR;

/* Frees a column reader. Accepts NULL. */
void pq_column_close(pq_column_reader *c);

/* ---- writer ---- */

typedef enum pq_write_encoding {
    PQ_WENC_AUTO = 0, /* timestamps DELTA_BINARY_PACKED, booleans PLAIN, everything else dictionary */
    PQ_WENC_PLAIN,
    PQ_WENC_DICT, /* RLE_DICTIONARY, PLAIN after the dictionary outgrows dict_max_bytes */
    PQ_WENC_DELTA /* DELTA_BINARY_PACKED: INT32 and INT64 only */
} pq_write_encoding;

/* One column of the file being written. Types: BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY.
 * Logical annotations: STRING (BYTE_ARRAY), TIMESTAMP with unit MICROS/MILLIS/NANOS (INT64), DATE
 * (INT32), or NONE. */
typedef struct pq_column_spec {
    const char *name;
    pq_type type;
    pq_logical_kind logical;
    pq_time_unit unit; /* TIMESTAMP only; PQ_UNIT_NONE means MICROS */
    bool utc;          /* TIMESTAMP only: isAdjustedToUTC */
    bool optional;
    pq_write_encoding encoding;
} pq_column_spec;

typedef struct pq_writer_options {
    const ev_allocator *alloc;
    pq_codec codec;        /* ZSTD, SNAPPY, GZIP or UNCOMPRESSED */
    int level;             /* codec level: zstd 1..22, gzip 1..12; 0: the codec's default */
    size_t row_group_rows; /* rows per row group */
    size_t page_size;      /* target uncompressed bytes per data page */
    size_t page_rows;      /* most rows per data page */
    size_t dict_max_bytes; /* dictionary budget per chunk (PLAIN-encoded size) */
    bool page_index;       /* write ColumnIndex + OffsetIndex */
    bool page_stats;       /* statistics in data page headers */
    const pq_kv *kv;       /* key-value metadata, copied at open */
    size_t num_kv;
    const char *created_by; /* NULL: "evlake" */
} pq_writer_options;

/* Fills the defaults: ZSTD level 3, 2,097,152-row groups, 1 MiB / 200,000-row pages, 2 MiB
 * dictionaries, statistics in page headers, no page index. */
void pq_writer_options_init(pq_writer_options *o);

/* Where bytes go: called with the file's bytes in order; returns EV_OK or fills err. */
typedef ev_status (*pq_sink_fn)(void *ctx, const void *data, size_t len, ev_error *err);

/* One column of a batch. Exactly one way of giving values is used, per the column's type:
 * - valid: NULL means every row is valid; else one byte per row, 0 = null (OPTIONAL columns only).
 * - values: one slot per row (null slots ignored): uint8_t 0/1 (BOOLEAN), int32_t (INT32, DATE),
 *   int64_t (INT64, TIMESTAMP), float, double, or pq_str (BYTE_ARRAY).
 * - BYTE_ARRAY may instead come as offsets + data (Arrow style: row i is data[offsets[i] ..
 *   offsets[i+1]), n+1 offsets), or as codes + dict: row i is dict[codes[i]], and a row whose code
 *   is PQ_NULL_CODE is null (with or without `valid`). A code must mean the same bytes in every
 *   batch of a row group (the caller's dictionary may grow between batches; after
 *   pq_writer_flush_row_group, or a row group cut by row_group_rows, codes may start afresh), so
 *   the ETL can intern strings once. */
#define PQ_NULL_CODE UINT32_MAX
typedef struct pq_col_batch {
    const uint8_t *valid;
    const void *values;
    const uint32_t *offsets;
    const char *data;
    const uint32_t *codes;
    const pq_str *dict;
    uint32_t dict_n;
} pq_col_batch;

typedef struct pq_writer pq_writer;

/* Starts a file written through `sink`. `cols` and `opts` are copied. `name` (may be NULL) names the
 * output in errors. Errors: EV_ERR_INPUT (bad schema or options), EV_ERR_NOMEM, sink errors. */
ev_status pq_writer_open(const pq_column_spec *cols, size_t ncols, const pq_writer_options *opts,
                         pq_sink_fn sink, void *sink_ctx, const char *name, pq_writer **out,
                         ev_error *err) EV_WUR;

/* Starts a file at `path`: bytes go to "<path>.tmp" and pq_writer_close renames it into place
 * (after fsync when `durable`), so `path` shows either nothing or a whole file. */
ev_status pq_writer_open_file(const char *path, bool durable, const pq_column_spec *cols, size_t ncols,
                              const pq_writer_options *opts, pq_writer **out, ev_error *err) EV_WUR;

/* Appends `nrows` rows; `cols` has one entry per column. Row groups are cut every row_group_rows.
 * Errors: EV_ERR_INPUT (null in a REQUIRED column, code out of range, a value over 2 GiB, missing
 * values), EV_ERR_NOMEM, sink errors; after an error the writer only accepts pq_writer_abort. */
ev_status pq_writer_write_batch(pq_writer *w, const pq_col_batch *cols, size_t nrows, ev_error *err) EV_WUR;

/* Ends the current row group now (no-op when it is empty). */
ev_status pq_writer_flush_row_group(pq_writer *w, ev_error *err) EV_WUR;

typedef struct pq_write_result {
    uint64_t rows;
    uint64_t bytes; /* file size */
    size_t row_groups;
} pq_write_result;

/* Flushes, writes the page index and footer, closes the file (rename for pq_writer_open_file) and
 * frees the writer, also on failure (a failed file is removed). `res` may be NULL. */
ev_status pq_writer_close(pq_writer *w, pq_write_result *res, ev_error *err) EV_WUR;

/* Frees the writer without finishing the file (a file from pq_writer_open_file is removed).
 * Accepts NULL. */
void pq_writer_abort(pq_writer *w);

/* Bytes the writer currently holds (buffered pages, dictionaries, scratch). */
size_t pq_writer_memory(const pq_writer *w);

/* ---- names ---- */
/* Appends v[0..n) encoded DELTA_BINARY_PACKED (a data page's values) to out; `is32` wraps deltas
 * in 32 bits (INT32 columns). For writers of their own, like the ETL's. */
ev_status pq_delta_encode(ev_buf *out, const int64_t *v, size_t n, bool is32) EV_WUR;
/* The sorted order of n strings (string i is at(ctx, i, &len)), as Parquet orders BYTE_ARRAY
 * statistics (unsigned bytes, a prefix first): order[k] = the index of the k-th smallest, equal
 * strings in index order. For dictionary pages: a sorted dictionary compresses several times
 * better, and readers can walk two of them side by side (the SQL engine's COUNT(DISTINCT) does).
 * scratch is grown as needed (n * 20 bytes). Errors: EV_ERR_NOMEM. */
typedef const char *(*pq_string_at_fn)(const void *ctx, uint32_t i, size_t *len);
ev_status pq_sort_strings(pq_string_at_fn at, const void *ctx, uint32_t n, uint32_t *order, ev_buf *scratch) EV_WUR;

const char *pq_type_name(pq_type t);
const char *pq_codec_name(pq_codec c);
const char *pq_encoding_name(pq_encoding e);
/* "zstd", "snappy", "gzip", "none"/"uncompressed", "lz4_raw" (case-insensitive). EV_ERR_INPUT otherwise. */
ev_status pq_codec_parse(const char *s, pq_codec *out) EV_WUR;
/* A readable logical type: "STRING", "TIMESTAMP(MICROS,UTC)", "DECIMAL(10,2)", "INT(8,unsigned)", "". */
void pq_logical_format(const pq_column_desc *c, char *out, size_t cap);

#endif
