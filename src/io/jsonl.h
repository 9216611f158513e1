/*
 * jsonl: JSON Lines input for the ETL: a line splitter over a decompressed byte stream, and a
 * scanner for flat JSON objects against a small schema of expected field names.
 *
 * Lines (js_lines): pulls chunks from a source (a gz_reader, a memory buffer, or any js_read_fn)
 * and yields each line with its 1-based number and the byte offset of its first byte in the
 * stream. A line ends at "\n"; a "\r" before it is dropped (CRLF); the last line needs no newline;
 * an empty stream has no lines and "a\n" has one. Lines inside a chunk are returned zero-copy; a
 * line that spans chunks is assembled in an internal buffer that grows up to `max_line` bytes.
 * A longer line is not lost silently: it is returned once with too_long = 1, its first max_line
 * bytes and its full length, and the splitter continues at the next line. When the source fails
 * (a truncated gzip member), the bytes read before the failure are returned as a last line marked
 * `cut`, and the next call returns the source's error.
 *
 * Objects (js_scan): one line holding one JSON object whose values of interest are scalars. It is
 * a complete RFC 8259 parser for that line (any key order, whitespace wherever JSON allows it,
 * every string escape including \uXXXX and surrogate pairs, the number grammar, literals, nested
 * objects and arrays in fields outside the schema, UTF-8 validation of every string, nothing after
 * the object), but it only materializes the schema's fields: each one comes back as absent, null,
 * bool, number (text, int64 if integral, double), string (zero-copy into the line unless it holds
 * escapes, then decoded into the scanner's scratch buffer) or, for a nested value in a schema
 * field, its raw text typed array/object. Keys outside the schema are counted (schema drift) and
 * their values validated and skipped, with nesting bounded by max_depth (iterative: no recursion).
 * A duplicated schema key: the last value wins and the duplicate is counted. Errors name the
 * line and the 1-based byte column: "line 17 col 42: expected ':' after object key".
 */
#ifndef EV_JSONL_H
#define EV_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"
#include "gz_reader.h"

/* ======================================================================== lines */

/* A chunk source: returns the next chunk (len 0 at the end), valid until the next call.
 * gz_reader_read has this shape (see js_lines_reset_gz). */
typedef ev_status (*js_read_fn)(void *ctx, const uint8_t **ptr, size_t *len, ev_error *err);

typedef struct js_line {
    const char *ptr;   /* the line without "\n" / "\r\n"; valid until the next js_lines_next/reset */
    size_t len;        /* bytes at ptr */
    uint64_t number;   /* 1-based line number */
    uint64_t offset;   /* byte offset of the line's first byte in the decompressed stream */
    uint64_t full_len; /* the line's length without its terminator (> len when too_long) */
    int too_long;      /* longer than max_line: ptr/len hold its first max_line bytes, the rest is skipped */
    int cut;           /* the source failed inside this line: it holds what was read before the failure */
} js_line;

typedef struct js_lines js_lines;

/* max_line: the longest line returned whole (0 = 16 MiB); the assembly buffer never exceeds it
 * (+1). `alloc` may be NULL and must outlive the splitter. Errors: EV_ERR_NOMEM. */
ev_status js_lines_create(const ev_allocator *alloc, size_t max_line, js_lines **out, ev_error *err) EV_WUR;
void js_lines_destroy(js_lines *l); /* accepts NULL */

/* Points the splitter at a new stream; line numbers and offsets restart. The source (and the memory
 * of reset_mem) must stay valid until the last js_lines_next of this stream. */
void js_lines_reset(js_lines *l, js_read_fn read, void *ctx);
void js_lines_reset_mem(js_lines *l, const void *data, size_t len);
void js_lines_reset_gz(js_lines *l, gz_reader *gz);

/* The next line into *line with *have = 1, or *have = 0 at the end of the stream.
 * Errors (sticky): the source's own (its message unchanged: e.g. a gz_reader damage report),
 * returned after the line it cut; EV_ERR_NOMEM growing the assembly buffer. */
ev_status js_lines_next(js_lines *l, js_line *line, int *have, ev_error *err) EV_WUR;

/* ======================================================================== schema */

#define JS_SCHEMA_MAX 64

/* The expected field names, looked up by a perfect hash over (length, first, last byte) found when
 * the schema is built, with a memcmp to confirm (open addressing if no perfect multiplier exists). */
typedef struct js_schema {
    uint32_t n;
    uint32_t mult;  /* hash multiplier */
    uint32_t shift; /* 32 - log2(table size) */
    int perfect;    /* 1: one probe decides */
    const char *names[JS_SCHEMA_MAX];
    uint16_t lens[JS_SCHEMA_MAX];
    uint8_t slot[256];                                        /* field index + 1; 0 = empty */
    char pad[JS_SCHEMA_MAX][16] __attribute__((aligned(16))); /* names of <= 16 bytes, zero-padded */
} js_schema;

/* Builds a schema from `n` distinct names (1-255 bytes; at most JS_SCHEMA_MAX). The names are not
 * copied: they must outlive the schema (string literals). Errors: EV_ERR_INPUT naming the bad name. */
ev_status js_schema_init(js_schema *s, const char *const *names, size_t n, ev_error *err) EV_WUR;

/* The index of `key` in the schema, or -1. */
int js_schema_find(const js_schema *s, const char *key, size_t len);

/* The events schema of events.md, in this order (JS_EV_* are the indexes). */
enum {
    JS_EV_TIMESTAMP,
    JS_EV_USER_ID,
    JS_EV_SESSION_ID,
    JS_EV_EVENT_TYPE,
    JS_EV_PRODUCT_ID,
    JS_EV_QUANTITY,
    JS_EV_PRICE,
    JS_EV_CATEGORY,
    JS_EV_SEARCH_QUERY,
    JS_EV_NFIELDS
};
ev_status js_schema_init_events(js_schema *s, ev_error *err) EV_WUR;

/* ======================================================================== scanner */

typedef enum js_type {
    JS_ABSENT = 0, /* the key did not occur */
    JS_NULL,
    JS_BOOL,
    JS_NUMBER,
    JS_STRING,
    JS_ARRAY, /* only for schema fields; ptr/len is the raw, validated text */
    JS_OBJECT
} js_type;

typedef struct js_value {
    const char *ptr; /* string: content (decoded UTF-8, no quotes); number/array/object: raw text.
                        Points into the line, or into the scanner's scratch when `escaped`:
                        valid until the next js_scan on the same scanner, and while the line is. */
    size_t len;
    uint32_t col;    /* 1-based byte column of the value's first byte in the line */
    uint8_t type;    /* js_type */
    uint8_t escaped; /* string: held escapes, ptr is in the scratch buffer */
    uint8_t is_int;  /* number: integer syntax (no fraction, no exponent) that fits int64 */
    uint8_t b;       /* bool: the value */
    int64_t i;       /* number: the value when is_int */
    double d;        /* number: the nearest double (+-inf beyond the double range) */
} js_value;

typedef struct js_scan_info {
    uint32_t unknown_keys;   /* keys outside the schema (schema drift), duplicates included */
    uint32_t duplicate_keys; /* schema keys seen more than once (the last value was kept) */
    uint32_t err_col;        /* on error: 1-based byte column (len + 1 = the end of the line) */
    const char *err_reason;  /* on error: static text such as "expected ':' after object key" */
} js_scan_info;

typedef struct js_scanner js_scanner;

/* One scanner per thread. `schema` must outlive it. max_depth bounds nesting (the line's object is
 * depth 1); 0 = 64, at most 4096. Errors: EV_ERR_NOMEM, EV_ERR_INPUT (max_depth too large). */
ev_status js_scanner_create(const ev_allocator *alloc, const js_schema *schema, uint32_t max_depth,
                            js_scanner **out, ev_error *err) EV_WUR;
void js_scanner_destroy(js_scanner *s); /* accepts NULL */

/* Scans `line` (len bytes, no NUL needed; the terminator already removed) as one JSON object.
 * vals[schema->n] receives every schema field (JS_ABSENT if not present); info (may be NULL) the
 * counts, and on error the column and reason. line_no is only for the message (0: "col N: ...").
 * Errors: EV_ERR_INPUT "line N col C: <reason>"; EV_ERR_NOMEM growing the scratch buffer (which
 * grows to the longest line seen, then never again). */
ev_status js_scan(js_scanner *s, const char *line, size_t len, uint64_t line_no, js_value *vals,
                  js_scan_info *info, ev_error *err) EV_WUR;

/* ======================================================================== conversion */

typedef enum js_num_status {
    JS_NUM_OK = 0,
    JS_NUM_NOT_NUMBER, /* not a JSON number: another type, or a string whose content is not one */
    JS_NUM_RANGE,      /* outside the target type (or beyond the double range) */
    JS_NUM_FRACTION    /* int32 asked for a number with a non-zero fraction (2.5); 2.0 and 2e0 are 2 */
} js_num_status;

/* Parses text that must be exactly a JSON number (no sign '+', no spaces, no hex, no inf/nan). */
js_num_status js_parse_int32(const char *s, size_t len, int32_t *out);
js_num_status js_parse_double(const char *s, size_t len, double *out);

/* A scanned value as int32 / double. A JSON number converts directly; a string whose whole content
 * is a JSON number ("quantity": "2") converts too, with *from_string = 1 so the caller can apply
 * its policy (quarantine or accept). Any other type: JS_NUM_NOT_NUMBER (v->type says which). */
js_num_status js_value_int32(const js_value *v, int32_t *out, int *from_string);
js_num_status js_value_double(const js_value *v, double *out, int *from_string);

/* "absent", "null", "bool", "number", "string", "array", "object". */
const char *js_type_name(js_type t);
/* "ok", "not a number", "out of range", "has a fraction". */
const char *js_num_status_name(js_num_status st);

#endif
