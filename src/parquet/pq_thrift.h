/*
 * pq_thrift: the Thrift compact protocol, the serialization of Parquet's footer, page headers and
 * page index. Private to src/parquet.
 *
 * The reader works over a bounded byte range and never reads past it; every length is checked
 * against the bytes left, nesting is bounded (PQ_THRIFT_MAX_DEPTH) and unknown fields of any type
 * are skipped, so footers written by newer writers decode. Errors carry the absolute file offset.
 * The writer appends to an ev_buf and tracks field-id deltas per nesting level.
 */
#ifndef EV_PQ_THRIFT_H
#define EV_PQ_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

#define PQ_THRIFT_MAX_DEPTH 32

/* Compact protocol type codes. */
enum {
    THRIFT_STOP = 0,
    THRIFT_TRUE = 1,
    THRIFT_FALSE = 2,
    THRIFT_I8 = 3,
    THRIFT_I16 = 4,
    THRIFT_I32 = 5,
    THRIFT_I64 = 6,
    THRIFT_DOUBLE = 7,
    THRIFT_BINARY = 8,
    THRIFT_LIST = 9,
    THRIFT_SET = 10,
    THRIFT_MAP = 11,
    THRIFT_STRUCT = 12
};

typedef struct thrift_reader {
    const uint8_t *start, *p, *end;
    uint64_t base;    /* file offset of `start` */
    const char *name; /* file name for messages */
    const char *what; /* structure being decoded, for messages */
    int depth;
    int16_t last_id[PQ_THRIFT_MAX_DEPTH + 1];
    ev_error *err;
} thrift_reader;

void thrift_reader_init(thrift_reader *t, const void *data, size_t len, uint64_t base, const char *name,
                        const char *what, ev_error *err);
/* Fails with EV_ERR_CORRUPT: "<name>: <what> at byte <offset>: <msg>". */
ev_status thrift_fail(thrift_reader *t, const char *fmt, ...) EV_PRINTF(2, 3);
uint64_t thrift_offset(const thrift_reader *t);

/* Struct framing: begin pushes a nesting level, field reads the next header (*type THRIFT_STOP at
 * the end, after which the level is popped). Bool fields arrive as THRIFT_TRUE/THRIFT_FALSE. */
ev_status thrift_struct_begin(thrift_reader *t) EV_WUR;
ev_status thrift_field(thrift_reader *t, int *type, int16_t *id) EV_WUR;
ev_status thrift_skip(thrift_reader *t, int type) EV_WUR;

/* Typed reads of a field of type `type` (errors if the type does not fit). */
ev_status thrift_read_i32(thrift_reader *t, int type, int32_t *v) EV_WUR;
ev_status thrift_read_i64(thrift_reader *t, int type, int64_t *v) EV_WUR;
ev_status thrift_read_bool(thrift_reader *t, int type, bool *v) EV_WUR;
/* A binary field: *p points into the input (not copied). */
ev_status thrift_read_binary(thrift_reader *t, int type, const uint8_t **p, uint32_t *len) EV_WUR;
/* List header; checks that n elements of at least one byte each fit in what is left. */
ev_status thrift_list_begin(thrift_reader *t, int type, int *elem_type, uint32_t *n) EV_WUR;
/* An element of a list (no field header): i32/i64/bool/binary. */
ev_status thrift_elem_i32(thrift_reader *t, int elem_type, int32_t *v) EV_WUR;
ev_status thrift_elem_i64(thrift_reader *t, int elem_type, int64_t *v) EV_WUR;
ev_status thrift_elem_bool(thrift_reader *t, int elem_type, bool *v) EV_WUR;
ev_status thrift_elem_binary(thrift_reader *t, int elem_type, const uint8_t **p, uint32_t *len) EV_WUR;

/* ---- writer ---- */
typedef struct thrift_writer {
    ev_buf *out;
    int depth;
    int16_t last_id[PQ_THRIFT_MAX_DEPTH + 1];
    ev_status st; /* first failure (NOMEM); calls after it do nothing */
} thrift_writer;

void thrift_writer_init(thrift_writer *t, ev_buf *out);
void thrift_w_i32(thrift_writer *t, int16_t id, int32_t v);
void thrift_w_i64(thrift_writer *t, int16_t id, int64_t v);
void thrift_w_bool(thrift_writer *t, int16_t id, bool v);
void thrift_w_binary(thrift_writer *t, int16_t id, const void *p, size_t len);
void thrift_w_string(thrift_writer *t, int16_t id, const char *s);
/* Opens a struct field; close it with thrift_w_struct_end. */
void thrift_w_struct_begin(thrift_writer *t, int16_t id);
void thrift_w_struct_end(thrift_writer *t);
/* A list field header; then write n elements with the thrift_w_elem_* calls (structs: struct_elem). */
void thrift_w_list(thrift_writer *t, int16_t id, int elem_type, uint32_t n);
void thrift_w_elem_i32(thrift_writer *t, int32_t v);
void thrift_w_elem_i64(thrift_writer *t, int64_t v);
void thrift_w_elem_bool(thrift_writer *t, bool v);
void thrift_w_elem_binary(thrift_writer *t, const void *p, size_t len);
void thrift_w_elem_struct_begin(thrift_writer *t);
/* Ends the top-level struct (writes the stop byte). */
void thrift_w_end(thrift_writer *t);

#endif
