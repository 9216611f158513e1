/*
 * pq_thrift.c: the Thrift compact protocol (reading and writing), bounded and fuzzed.
 *
 * Only what Parquet uses: structs, lists/sets, maps (skipped), i8/i16/i32/i64, double, binary, bool.
 * Integers are ULEB128 varints, zigzag-coded when signed; field headers carry a 4-bit id delta.
 */
#include "pq_thrift.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void thrift_reader_init(thrift_reader *t, const void *data, size_t len, uint64_t base, const char *name,
                        const char *what, ev_error *err) {
    memset(t, 0, sizeof *t);
    t->start = t->p = data;
    t->end = t->start + len;
    t->base = base;
    t->name = name ? name : "<memory>";
    t->what = what;
    t->err = err;
}

uint64_t thrift_offset(const thrift_reader *t) {
    return t->base + (uint64_t)(t->p - t->start);
}

ev_status thrift_fail(thrift_reader *t, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ev_error_set(t->err, EV_ERR_CORRUPT, "%s: %s at byte %llu: %s", t->name, t->what,
                        (unsigned long long)thrift_offset(t), msg);
}

static ev_status rd_varint(thrift_reader *t, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (t->p >= t->end) return thrift_fail(t, "truncated varint");
        uint8_t b = *t->p++;
        if (shift == 63 && (b & 0x7e)) return thrift_fail(t, "varint overflows 64 bits");
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return EV_OK;
        }
    }
    return thrift_fail(t, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t v) {
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static ev_status rd_zigzag(thrift_reader *t, int64_t *v) {
    uint64_t u;
    EV_TRY(rd_varint(t, &u));
    *v = unzigzag(u);
    return EV_OK;
}

ev_status thrift_struct_begin(thrift_reader *t) {
    if (t->depth >= PQ_THRIFT_MAX_DEPTH)
        return thrift_fail(t, "structures nested deeper than %d", PQ_THRIFT_MAX_DEPTH);
    t->depth++;
    t->last_id[t->depth] = 0;
    return EV_OK;
}

ev_status thrift_field(thrift_reader *t, int *type, int16_t *id) {
    if (t->p >= t->end) return thrift_fail(t, "truncated (no field or stop byte)");
    uint8_t b = *t->p++;
    int ty = b & 0x0f;
    if (ty == THRIFT_STOP) {
        if (b != 0) return thrift_fail(t, "bad stop byte 0x%02x", b);
        *type = THRIFT_STOP;
        *id = 0;
        if (t->depth > 0) t->depth--;
        return EV_OK;
    }
    if (ty > THRIFT_STRUCT) return thrift_fail(t, "unknown field type %d", ty);
    int delta = b >> 4;
    int16_t fid;
    if (delta) {
        fid = (int16_t)(t->last_id[t->depth] + delta);
    } else {
        int64_t v;
        EV_TRY(rd_zigzag(t, &v));
        if (v < INT16_MIN || v > INT16_MAX) return thrift_fail(t, "field id %lld out of range", (long long)v);
        fid = (int16_t)v;
    }
    t->last_id[t->depth] = fid;
    *type = ty;
    *id = fid;
    return EV_OK;
}

static ev_status skip_value(thrift_reader *t, int type, int depth);

static ev_status skip_elems(thrift_reader *t, int type, uint64_t n, int depth) {
    for (uint64_t i = 0; i < n; i++) {
        if (type == THRIFT_TRUE || type == THRIFT_FALSE) {
            /* a bool element is one byte */
            if (t->p >= t->end) return thrift_fail(t, "truncated bool list");
            t->p++;
        } else {
            EV_TRY(skip_value(t, type, depth));
        }
    }
    return EV_OK;
}

static ev_status skip_value(thrift_reader *t, int type, int depth) {
    if (depth > PQ_THRIFT_MAX_DEPTH)
        return thrift_fail(t, "values nested deeper than %d", PQ_THRIFT_MAX_DEPTH);
    uint64_t u;
    switch (type) {
    case THRIFT_TRUE:
    case THRIFT_FALSE:
        return EV_OK; /* in a field header the value is the type */
    case THRIFT_I8:
        if (t->p >= t->end) return thrift_fail(t, "truncated i8");
        t->p++;
        return EV_OK;
    case THRIFT_I16:
    case THRIFT_I32:
    case THRIFT_I64:
        return rd_varint(t, &u);
    case THRIFT_DOUBLE:
        if (t->end - t->p < 8) return thrift_fail(t, "truncated double");
        t->p += 8;
        return EV_OK;
    case THRIFT_BINARY:
        EV_TRY(rd_varint(t, &u));
        if (u > (uint64_t)(t->end - t->p))
            return thrift_fail(t, "binary of %llu bytes past the end", (unsigned long long)u);
        t->p += u;
        return EV_OK;
    case THRIFT_LIST:
    case THRIFT_SET: {
        if (t->p >= t->end) return thrift_fail(t, "truncated list header");
        uint8_t h = *t->p++;
        int et = h & 0x0f;
        uint64_t n = h >> 4;
        if (n == 15) EV_TRY(rd_varint(t, &n));
        if (n > (uint64_t)(t->end - t->p))
            return thrift_fail(t, "list of %llu elements past the end", (unsigned long long)n);
        if (et == THRIFT_STOP || et > THRIFT_STRUCT) {
            if (n == 0) return EV_OK;
            return thrift_fail(t, "bad list element type %d", et);
        }
        return skip_elems(t, et, n, depth + 1);
    }
    case THRIFT_MAP: {
        uint64_t n;
        EV_TRY(rd_varint(t, &n));
        if (n == 0) return EV_OK;
        if (t->p >= t->end) return thrift_fail(t, "truncated map header");
        uint8_t h = *t->p++;
        int kt = h >> 4, vt = h & 0x0f;
        if (kt == 0 || kt > THRIFT_STRUCT || vt == 0 || vt > THRIFT_STRUCT)
            return thrift_fail(t, "bad map types");
        if (n > (uint64_t)(t->end - t->p))
            return thrift_fail(t, "map of %llu entries past the end", (unsigned long long)n);
        for (uint64_t i = 0; i < n; i++) {
            EV_TRY(skip_elems(t, kt, 1, depth + 1));
            EV_TRY(skip_elems(t, vt, 1, depth + 1));
        }
        return EV_OK;
    }
    case THRIFT_STRUCT: {
        EV_TRY(thrift_struct_begin(t));
        for (;;) {
            int ft;
            int16_t id;
            EV_TRY(thrift_field(t, &ft, &id));
            if (ft == THRIFT_STOP) return EV_OK;
            EV_TRY(skip_value(t, ft, depth + 1));
        }
    }
    default:
        return thrift_fail(t, "cannot skip type %d", type);
    }
}

ev_status thrift_skip(thrift_reader *t, int type) {
    return skip_value(t, type, t->depth);
}

ev_status thrift_read_i32(thrift_reader *t, int type, int32_t *v) {
    int64_t x;
    if (type == THRIFT_I8) {
        if (t->p >= t->end) return thrift_fail(t, "truncated i8");
        *v = (int8_t)*t->p++;
        return EV_OK;
    }
    if (type != THRIFT_I32 && type != THRIFT_I16)
        return thrift_fail(t, "expected an i32, found type %d", type);
    EV_TRY(rd_zigzag(t, &x));
    if (x < INT32_MIN || x > INT32_MAX) return thrift_fail(t, "i32 value %lld out of range", (long long)x);
    *v = (int32_t)x;
    return EV_OK;
}

ev_status thrift_read_i64(thrift_reader *t, int type, int64_t *v) {
    if (type == THRIFT_I32 || type == THRIFT_I16 || type == THRIFT_I8) {
        int32_t x;
        EV_TRY(thrift_read_i32(t, type, &x));
        *v = x;
        return EV_OK;
    }
    if (type != THRIFT_I64) return thrift_fail(t, "expected an i64, found type %d", type);
    return rd_zigzag(t, v);
}

ev_status thrift_read_bool(thrift_reader *t, int type, bool *v) {
    if (type != THRIFT_TRUE && type != THRIFT_FALSE)
        return thrift_fail(t, "expected a bool, found type %d", type);
    *v = type == THRIFT_TRUE;
    return EV_OK;
}

ev_status thrift_read_binary(thrift_reader *t, int type, const uint8_t **p, uint32_t *len) {
    if (type != THRIFT_BINARY) return thrift_fail(t, "expected binary, found type %d", type);
    uint64_t n;
    EV_TRY(rd_varint(t, &n));
    if (n > (uint64_t)(t->end - t->p))
        return thrift_fail(t, "binary of %llu bytes past the end", (unsigned long long)n);
    if (n > UINT32_MAX) return thrift_fail(t, "binary too long");
    *p = t->p;
    *len = (uint32_t)n;
    t->p += n;
    return EV_OK;
}

ev_status thrift_list_begin(thrift_reader *t, int type, int *elem_type, uint32_t *n) {
    if (type != THRIFT_LIST && type != THRIFT_SET)
        return thrift_fail(t, "expected a list, found type %d", type);
    if (t->p >= t->end) return thrift_fail(t, "truncated list header");
    uint8_t h = *t->p++;
    uint64_t c = h >> 4;
    if (c == 15) EV_TRY(rd_varint(t, &c));
    if (c > (uint64_t)(t->end - t->p))
        return thrift_fail(t, "list of %llu elements past the end", (unsigned long long)c);
    *elem_type = h & 0x0f;
    *n = (uint32_t)c;
    return EV_OK;
}

ev_status thrift_elem_i32(thrift_reader *t, int elem_type, int32_t *v) {
    return thrift_read_i32(t, elem_type, v);
}
ev_status thrift_elem_i64(thrift_reader *t, int elem_type, int64_t *v) {
    return thrift_read_i64(t, elem_type, v);
}
ev_status thrift_elem_binary(thrift_reader *t, int elem_type, const uint8_t **p, uint32_t *len) {
    return thrift_read_binary(t, elem_type, p, len);
}
ev_status thrift_elem_bool(thrift_reader *t, int elem_type, bool *v) {
    if (elem_type != THRIFT_TRUE && elem_type != THRIFT_FALSE)
        return thrift_fail(t, "expected bool elements");
    if (t->p >= t->end) return thrift_fail(t, "truncated bool");
    *v = *t->p++ == THRIFT_TRUE;
    return EV_OK;
}

/* ---- writer ---- */

void thrift_writer_init(thrift_writer *t, ev_buf *out) {
    memset(t, 0, sizeof *t);
    t->out = out;
}

static void w_bytes(thrift_writer *t, const void *p, size_t n) {
    if (t->st == EV_OK) t->st = ev_buf_append(t->out, p, n);
}

static void w_byte(thrift_writer *t, uint8_t b) {
    w_bytes(t, &b, 1);
}

static void w_varint(thrift_writer *t, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    w_bytes(t, tmp, n);
}

static void w_zigzag(thrift_writer *t, int64_t v) {
    w_varint(t, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void w_field(thrift_writer *t, int16_t id, int type) {
    int16_t delta = (int16_t)(id - t->last_id[t->depth]);
    if (delta > 0 && delta <= 15) {
        w_byte(t, (uint8_t)((delta << 4) | type));
    } else {
        w_byte(t, (uint8_t)type);
        w_zigzag(t, id);
    }
    t->last_id[t->depth] = id;
}

void thrift_w_i32(thrift_writer *t, int16_t id, int32_t v) {
    w_field(t, id, THRIFT_I32);
    w_zigzag(t, v);
}
void thrift_w_i64(thrift_writer *t, int16_t id, int64_t v) {
    w_field(t, id, THRIFT_I64);
    w_zigzag(t, v);
}
void thrift_w_bool(thrift_writer *t, int16_t id, bool v) {
    w_field(t, id, v ? THRIFT_TRUE : THRIFT_FALSE);
}
void thrift_w_binary(thrift_writer *t, int16_t id, const void *p, size_t len) {
    w_field(t, id, THRIFT_BINARY);
    w_varint(t, len);
    w_bytes(t, p, len);
}
void thrift_w_string(thrift_writer *t, int16_t id, const char *s) {
    thrift_w_binary(t, id, s, strlen(s));
}

static void push(thrift_writer *t) {
    if (t->depth >= PQ_THRIFT_MAX_DEPTH) {
        t->st = EV_ERR_INTERNAL;
        return;
    }
    t->depth++;
    t->last_id[t->depth] = 0;
}

void thrift_w_struct_begin(thrift_writer *t, int16_t id) {
    w_field(t, id, THRIFT_STRUCT);
    push(t);
}
void thrift_w_elem_struct_begin(thrift_writer *t) {
    push(t);
}
void thrift_w_struct_end(thrift_writer *t) {
    w_byte(t, 0);
    if (t->depth > 0) t->depth--;
}
void thrift_w_end(thrift_writer *t) {
    w_byte(t, 0);
}

void thrift_w_list(thrift_writer *t, int16_t id, int elem_type, uint32_t n) {
    w_field(t, id, THRIFT_LIST);
    if (n < 15) {
        w_byte(t, (uint8_t)((n << 4) | (uint32_t)elem_type));
    } else {
        w_byte(t, (uint8_t)(0xf0 | elem_type));
        w_varint(t, n);
    }
}
void thrift_w_elem_i32(thrift_writer *t, int32_t v) {
    w_zigzag(t, v);
}
void thrift_w_elem_i64(thrift_writer *t, int64_t v) {
    w_zigzag(t, v);
}
void thrift_w_elem_bool(thrift_writer *t, bool v) {
    w_byte(t, v ? THRIFT_TRUE : THRIFT_FALSE);
}
void thrift_w_elem_binary(thrift_writer *t, const void *p, size_t len) {
    w_varint(t, len);
    w_bytes(t, p, len);
}
