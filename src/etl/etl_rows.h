/*
 * etl_rows: the ETL's in-memory row group for one partition: the events schema as columns, with
 * every string column dictionary-encoded as it is appended.
 *
 * Interning here, not in the Parquet writer, because the parser hands over short strings that
 * repeat a lot (90,000 user ids a day, 5 event types, 30 products): one hash probe per value turns
 * them into 32-bit codes, the buffer stays small (about 40 bytes a row), and the writer gets the
 * codes and the dictionary ready for RLE_DICTIONARY pages without hashing anything again.
 */
#ifndef EV_ETL_ROWS_H
#define EV_ETL_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "ev_alloc.h"
#include "ev_status.h"

#define ETL_NULL_CODE UINT32_MAX

/* A hash slot holds the value's first 16 bytes, its length and a hash tag, so looking up a short
 * id (the common case: "u_48213", "page_view") touches one cache line and compares two words. */
typedef struct etl_dict_slot {
    uint64_t head[2];  /* the first 16 bytes, zero-padded */
    uint32_t code1;    /* code + 1; 0 = empty */
    uint16_t len;      /* the length, or UINT16_MAX for 65535 and more */
    uint16_t tag;      /* high bits of the hash */
} etl_dict_slot;

/* A string dictionary: values in insertion order, looked up by open addressing; ids of the form
 * <prefix><number> (the first prefix seen, a number without leading zeros below 2^22), such as
 * "u_48213", are looked up in a direct array instead: 90,000 ids take 360 KB, which stays in
 * cache where a hash table of the same ids does not. Which path a value takes depends only on
 * its text, so every value has exactly one code. */
typedef struct etl_dict {
    const ev_allocator *alloc;
    ev_buf bytes;        /* the values, back to back */
    uint32_t *offsets;   /* value i is bytes[offsets[i], offsets[i+1]) */
    uint32_t n, cap;     /* values, and room in offsets (cap + 1 entries) */
    etl_dict_slot *slots;
    uint32_t *hashes;    /* hash of value i (ETL_DICT_DIRECT for direct ids), to rehash */
    uint32_t nslots;     /* a power of two */
    uint32_t nhashed;    /* values in the hash table */
    char id_prefix[8];   /* the direct ids' prefix; id_prefix_len 0 = not chosen yet */
    uint32_t id_prefix_len;
    uint32_t *id_codes;  /* code + 1 by number, 0 = absent */
    uint32_t id_cap;
} etl_dict;

#define ETL_DICT_DIRECT UINT32_MAX

void etl_dict_init(etl_dict *d, const ev_allocator *alloc);
/* The code of the value (adding it if new). Returns EV_ERR_NOMEM on allocation failure. */
ev_status etl_dict_intern(etl_dict *d, const char *s, size_t len, uint32_t *code) EV_WUR;
void etl_dict_reset(etl_dict *d); /* empties it, keeps memory */
/* The values' codes in sorted (byte) order into order[0..n), when that comes without sorting:
 * every value a direct id of one length (one number of digits, so numbers and strings sort
 * alike), read off the id array. false otherwise (order untouched). */
bool etl_dict_sorted_order(const etl_dict *d, uint32_t *order);
void etl_dict_free(etl_dict *d);
static inline const char *etl_dict_value(const etl_dict *d, uint32_t code, size_t *len) {
    *len = d->offsets[code + 1] - d->offsets[code];
    return (const char *)d->bytes.data + d->offsets[code];
}

/* The string columns of the events schema, in file order. */
enum { ETL_COL_USER_ID, ETL_COL_SESSION_ID, ETL_COL_EVENT_TYPE, ETL_COL_PRODUCT_ID, ETL_COL_CATEGORY,
       ETL_COL_SEARCH_QUERY, ETL_NSTRING_COLS };

/* One event, as the parser produces it (strings point into the line). */
typedef struct etl_event {
    int64_t ts_usec;
    const char *str[ETL_NSTRING_COLS]; /* NULL = null */
    size_t str_len[ETL_NSTRING_COLS];
    int32_t quantity;
    double price;
    uint8_t has_quantity, has_price;
} etl_event;

typedef struct etl_rows {
    const ev_allocator *alloc;
    size_t n, cap;
    int64_t *ts;
    uint32_t *codes[ETL_NSTRING_COLS]; /* ETL_NULL_CODE for null */
    int32_t *quantity;
    double *price;
    uint8_t *has_quantity, *has_price;
    etl_dict dict[ETL_NSTRING_COLS];
    int64_t ts_min, ts_max;
} etl_rows;

/* Rows per etl_rows_append_batch call at most. */
#define ETL_BATCH 1024

void etl_rows_init(etl_rows *r, const ev_allocator *alloc);
ev_status etl_rows_append(etl_rows *r, const etl_event *e) EV_WUR;
/* Appends n <= ETL_BATCH events. Faster than one by one: each column's hashes are computed and
 * their slots prefetched for the whole batch before probing, so cache misses overlap. */
ev_status etl_rows_append_batch(etl_rows *r, const etl_event *e, size_t n) EV_WUR;
/* Bytes held (for the memory budget). */
size_t etl_rows_memory(const etl_rows *r);
void etl_rows_reset(etl_rows *r); /* empties it for the next row group, keeps memory */
void etl_rows_free(etl_rows *r);

#endif
