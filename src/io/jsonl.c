/*
 * jsonl.c: line splitter and flat-object JSON scanner (see jsonl.h).
 *
 * Why hand-written: this loop is the heart of the ETL's speed. Every raw event passes through it
 * (172.8 M a day at ~225 bytes each), and the target is several million lines a second per core.
 * A general JSON library builds a document (a DOM, with allocations) per line and converts every
 * value; this scanner allocates nothing per line, looks keys up with a perfect hash, returns
 * strings as pointers into the line unless they hold escapes, and only walks (validating) what the
 * schema does not need. It is still a complete JSON parser for the line: what it accepts is
 * exactly RFC 8259 (checked by the tests and the fuzz target), so a malformed line is reported
 * with a reason and a column instead of being half-read.
 */
#include "jsonl.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ======================================================================== lines */

#define JS_DEFAULT_MAX_LINE ((size_t)16 << 20)
#define JS_CARRY_MIN ((size_t)64 << 10)

typedef struct js_mem_src {
    const uint8_t *data;
    size_t len;
    int done;
} js_mem_src;

struct js_lines {
    const ev_allocator *alloc;
    size_t max_line;
    js_read_fn read;
    void *ctx;
    js_mem_src mem; /* the source of js_lines_reset_mem */

    const uint8_t *chunk; /* the current chunk, chunk_len bytes, next unread byte at pos */
    size_t chunk_len, pos;
    uint64_t chunk_off; /* stream offset of chunk[0] */
    uint64_t line_no;
    int eof;

    /* a line that spans chunks, being assembled */
    int carrying;
    uint8_t *carry;
    size_t carry_len, carry_cap; /* carry_len <= max_line + 1 */
    uint64_t carry_start;        /* stream offset of the line's first byte */
    uint64_t carry_full;         /* bytes of the line so far (more than carry_len once too long) */
    uint8_t carry_last;          /* the line's last byte so far (for CRLF when the carry is full) */

    ev_status fail_code; /* a source error waiting behind the line it cut */
    ev_error fail;
};

static ev_status mem_read(void *ctx, const uint8_t **ptr, size_t *len, ev_error *err) {
    (void)err;
    js_mem_src *m = ctx;
    *ptr = m->data;
    *len = m->done ? 0 : m->len;
    m->done = 1;
    return EV_OK;
}

static ev_status gz_read(void *ctx, const uint8_t **ptr, size_t *len, ev_error *err) {
    return gz_reader_read(ctx, ptr, len, err);
}

ev_status js_lines_create(const ev_allocator *alloc, size_t max_line, js_lines **out, ev_error *err) {
    *out = NULL;
    js_lines *l = ev_calloc(alloc, 1, sizeof *l);
    if (!l) return ev_error_set(err, EV_ERR_NOMEM, "out of memory allocating a line splitter");
    l->alloc = alloc;
    l->max_line = max_line ? max_line : JS_DEFAULT_MAX_LINE;
    js_lines_reset_mem(l, NULL, 0);
    *out = l;
    return EV_OK;
}

void js_lines_destroy(js_lines *l) {
    if (!l) return;
    if (l->carry) ev_free(l->alloc, l->carry, l->carry_cap);
    ev_free(l->alloc, l, sizeof *l);
}

void js_lines_reset(js_lines *l, js_read_fn read, void *ctx) {
    l->read = read;
    l->ctx = ctx;
    l->chunk = NULL;
    l->chunk_len = l->pos = 0;
    l->chunk_off = 0;
    l->line_no = 0;
    l->eof = 0;
    l->carrying = 0;
    l->carry_len = 0;
    l->fail_code = EV_OK;
}

void js_lines_reset_mem(js_lines *l, const void *data, size_t len) {
    l->mem.data = data;
    l->mem.len = data ? len : 0;
    l->mem.done = 0;
    js_lines_reset(l, mem_read, &l->mem);
}

void js_lines_reset_gz(js_lines *l, gz_reader *gz) {
    js_lines_reset(l, gz_read, gz);
}

/* Appends to the line being assembled, keeping at most max_line + 1 bytes. */
static ev_status carry_append(js_lines *l, const uint8_t *p, size_t n, ev_error *err) {
    if (n == 0) return EV_OK;
    l->carry_full += n;
    l->carry_last = p[n - 1];
    size_t room = l->max_line + 1 - l->carry_len;
    if (n > room) n = room;
    if (n == 0) return EV_OK;
    if (l->carry_len + n > l->carry_cap) {
        size_t cap = l->carry_cap ? l->carry_cap : JS_CARRY_MIN;
        while (cap < l->carry_len + n)
            cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
        if (cap > l->max_line + 1) cap = l->max_line + 1;
        uint8_t *c = ev_realloc(l->alloc, l->carry, l->carry_cap, cap);
        if (!c)
            return ev_error_set(err, EV_ERR_NOMEM, "out of memory assembling line %llu (%zu bytes)",
                                (unsigned long long)l->line_no + 1, l->carry_len + n);
        l->carry = c;
        l->carry_cap = cap;
    }
    memcpy(l->carry + l->carry_len, p, n);
    l->carry_len += n;
    return EV_OK;
}

/* Fills *line from a complete line of `full` bytes (terminator excluded) starting at `data` (which
 * holds at least min(full, max_line + 1) of them); `last` is its last byte. */
static void emit(js_lines *l, js_line *line, const uint8_t *data, uint64_t full, uint8_t last,
                 uint64_t offset) {
    if (full > 0 && last == '\r') full--; /* CRLF */
    line->number = ++l->line_no;
    line->offset = offset;
    line->full_len = full;
    line->cut = 0;
    line->ptr = (const char *)data;
    if (full > l->max_line) {
        line->too_long = 1;
        line->len = l->max_line;
    } else {
        line->too_long = 0;
        line->len = (size_t)full;
    }
}

ev_status js_lines_next(js_lines *l, js_line *line, int *have, ev_error *err) {
    *have = 0;
    for (;;) {
        if (l->pos < l->chunk_len) {
            const uint8_t *p = l->chunk + l->pos;
            size_t n = l->chunk_len - l->pos;
            const uint8_t *nl = memchr(p, '\n', n);
            if (nl) {
                size_t k = (size_t)(nl - p);
                uint64_t at = l->chunk_off + l->pos;
                l->pos += k + 1;
                if (!l->carrying) { /* the common case: the whole line is in this chunk */
                    emit(l, line, p, k, k ? p[k - 1] : 0, at);
                } else {
                    EV_TRY(carry_append(l, p, k, err));
                    l->carrying = 0;
                    emit(l, line, l->carry, l->carry_full, l->carry_last, l->carry_start);
                }
                *have = 1;
                return EV_OK;
            }
            if (!l->carrying && l->read == mem_read) { /* memory: the rest is the last line, zero-copy */
                l->pos = l->chunk_len;
                emit(l, line, p, n, p[n - 1], l->chunk_off + (size_t)(p - l->chunk));
                *have = 1;
                return EV_OK;
            }
            if (!l->carrying) {
                l->carrying = 1;
                l->carry_len = 0;
                l->carry_full = 0;
                l->carry_start = l->chunk_off + l->pos;
            }
            EV_TRY(carry_append(l, p, n, err));
            l->pos = l->chunk_len;
        }
        if (l->fail_code != EV_OK) {
            ev_error_set(err, l->fail_code, "%s", l->fail.msg);
            return l->fail_code;
        }
        if (l->eof) {
            if (!l->carrying) return EV_OK;
            l->carrying = 0; /* the last line, without a newline */
            emit(l, line, l->carry, l->carry_full, l->carry_last, l->carry_start);
            *have = 1;
            return EV_OK;
        }
        const uint8_t *c;
        size_t clen;
        ev_status st = l->read(l->ctx, &c, &clen, &l->fail);
        if (st != EV_OK) {
            l->fail_code = st;
            if (l->carrying) { /* what was read of the line the failure cut */
                l->carrying = 0;
                emit(l, line, l->carry, l->carry_full, l->carry_last, l->carry_start);
                line->cut = 1;
                *have = 1;
                return EV_OK;
            }
            continue;
        }
        l->chunk_off += l->chunk_len;
        l->chunk = c;
        l->chunk_len = clen;
        l->pos = 0;
        if (clen == 0) l->eof = 1;
    }
}

/* ======================================================================== schema */

static uint32_t key_hash(uint32_t mult, uint32_t shift, const char *k, size_t len) {
    uint32_t x = (uint32_t)len << 16;
    if (len) x |= (uint32_t)(uint8_t)k[0] | (uint32_t)(uint8_t)k[len - 1] << 8;
    return (x * mult) >> shift;
}

ev_status js_schema_init(js_schema *s, const char *const *names, size_t n, ev_error *err) {
    memset(s, 0, sizeof *s);
    if (n == 0 || n > JS_SCHEMA_MAX)
        return ev_error_set(err, EV_ERR_INPUT, "a schema holds 1 to %d field names, not %zu", JS_SCHEMA_MAX,
                            n);
    for (size_t i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (len == 0 || len > 255)
            return ev_error_set(err, EV_ERR_INPUT, "schema field %zu: a name has 1 to 255 bytes", i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return ev_error_set(err, EV_ERR_INPUT, "schema field '%s' appears twice", names[i]);
        s->names[i] = names[i];
        s->lens[i] = (uint16_t)len;
        if (len <= 16) memcpy(s->pad[i], names[i], len);
    }
    s->n = (uint32_t)n;
    uint32_t bits = 1;
    while ((1u << bits) < 2 * n)
        bits++;
    /* Search multipliers for a collision-free table, first at 2n slots, then larger. */
    for (; bits <= 8; bits++) {
        uint32_t shift = 32 - bits;
        for (uint32_t k = 0; k < 4096; k++) {
            uint32_t mult = 0x9E3779B1u + 2 * k * 0x10001u;
            uint8_t used[256] = {0};
            size_t i;
            for (i = 0; i < n; i++) {
                uint32_t h = key_hash(mult, shift, s->names[i], s->lens[i]);
                if (used[h]) break;
                used[h] = 1;
            }
            if (i == n) {
                s->mult = mult;
                s->shift = shift;
                s->perfect = 1;
                for (i = 0; i < n; i++)
                    s->slot[key_hash(mult, shift, s->names[i], s->lens[i])] = (uint8_t)(i + 1);
                return EV_OK;
            }
        }
    }
    /* No perfect multiplier (names that share length, first and last byte): linear probing. */
    s->mult = 0x9E3779B1u;
    s->shift = 24;
    s->perfect = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t h = key_hash(s->mult, s->shift, s->names[i], s->lens[i]);
        while (s->slot[h])
            h = (h + 1) & 255;
        s->slot[h] = (uint8_t)(i + 1);
    }
    return EV_OK;
}

/* `avail` is how many bytes are readable from key (>= len): with 16, a short key is compared in one
 * vector operation against the zero-padded name instead of a call to memcmp. */
static inline int schema_find(const js_schema *s, const char *key, size_t len, size_t avail) {
    uint32_t h = key_hash(s->mult, s->shift, key, len);
    uint32_t mask = (1u << (32 - s->shift)) - 1;
    for (;;) {
        uint32_t f = s->slot[h];
        if (!f) return -1;
        f--;
#if defined(__SSE2__)
        if (len <= 16 && avail >= 16) {
            __m128i k = _mm_loadu_si128((const __m128i *)(const void *)key);
            __m128i n = _mm_load_si128((const __m128i *)(const void *)s->pad[f]);
            unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, n));
            unsigned want = (1u << len) - 1;
            if (s->lens[f] == len && (eq & want) == want) return (int)f;
        } else
#endif
            if (s->lens[f] == len && memcmp(s->names[f], key, len) == 0)
            return (int)f;
        if (s->perfect) return -1;
        h = (h + 1) & mask;
    }
}

int js_schema_find(const js_schema *s, const char *key, size_t len) {
    return schema_find(s, key, len, len);
}

ev_status js_schema_init_events(js_schema *s, ev_error *err) {
    static const char *const names[JS_EV_NFIELDS] = {"timestamp",  "user_id",    "session_id",
                                                     "event_type", "product_id", "quantity",
                                                     "price",      "category",   "search_query"};
    return js_schema_init(s, names, JS_EV_NFIELDS, err);
}

/* ======================================================================== numbers */

/* The result of parsing the JSON number grammar:
 *   -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?  */
typedef struct js_num {
    int is_int;
    int64_t i;
    double d;
} js_num;

static const double js_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The slow path (more than 19 significant digits, or a large exponent): the C library's correctly
 * rounded conversion, on a NUL-terminated copy whose '.' is the current locale's radix character,
 * so a program that called setlocale still parses JSON. Numbers of more than ~120 bytes take a
 * malloc here (no allocator reaches this helper); they do not occur in events. */
static double slow_strtod(const char *s, size_t len) {
    const char *radix = localeconv()->decimal_point;
    if (!radix || !radix[0]) radix = ".";
    size_t rlen = strlen(radix);
    size_t need = len * rlen + 1;
    char stack[128];
    char *buf = need <= sizeof stack ? stack : malloc(need);
    if (!buf) return NAN; /* reported as out of range */
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            memcpy(buf + o, radix, rlen);
            o += rlen;
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    double d = strtod(buf, NULL);
    if (buf != stack) free(buf);
    return d;
}

/* Parses a number at p (p < end). Returns the first byte after it, or NULL if the grammar fails
 * (then *bad points at the offending byte). */
static const char *parse_number(const char *p, const char *end, js_num *out, const char **bad) {
    const char *start = p;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        if (++p == end) goto fail;
    }
    uint64_t mant = 0;
    int ndig = 0;     /* significant digits kept in mant (at most 19) */
    int dropped = 0;  /* integer digits beyond those 19 (scale mant up) */
    int frac_dig = 0; /* fraction digits kept in mant */
    int exact = 1;    /* mant holds every non-zero digit */
    if (*p == '0') {
        p++;
        if (p < end && (unsigned)(*p - '0') < 10) goto fail; /* leading zero */
    } else if ((unsigned)(*p - '0') < 10) {
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (ndig < 19) {
                mant = mant * 10 + (unsigned)(*p - '0');
                if (mant) ndig++;
            } else {
                dropped++;
                if (*p != '0') exact = 0;
            }
            p++;
        }
    } else {
        goto fail;
    }
    int is_int = 1;
    if (p < end && *p == '.') {
        is_int = 0;
        p++;
        if (p == end || (unsigned)(*p - '0') >= 10) goto fail;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (ndig < 19 && !dropped) {
                mant = mant * 10 + (unsigned)(*p - '0');
                if (mant) ndig++;
                frac_dig++;
            } else if (*p != '0') {
                exact = 0;
            }
            p++;
        }
    }
    int64_t e10 = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_int = 0;
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || (unsigned)(*p - '0') >= 10) goto fail;
        while (p < end && (unsigned)(*p - '0') < 10) {
            if (e10 < 100000) e10 = e10 * 10 + (*p - '0');
            p++;
        }
        if (eneg) e10 = -e10;
    }
    out->is_int = 0;
    if (is_int && !dropped && (mant <= (uint64_t)INT64_MAX || (neg && mant == (uint64_t)INT64_MAX + 1))) {
        out->is_int = 1;
        out->i = neg ? (int64_t)(0 - mant) : (int64_t)mant;
        out->d = (double)out->i;
        if (neg && mant == 0) out->d = -0.0;
        return p;
    }
    int64_t scale = e10 + dropped - frac_dig;
    if (exact && mant <= (UINT64_C(1) << 53) && scale >= -22 && scale <= 22) {
        /* Clinger's fast path: both operands are exact doubles, so one rounding. */
        double d = (double)mant;
        d = scale < 0 ? d / js_pow10[-scale] : d * js_pow10[scale];
        out->d = neg ? -d : d;
        return p;
    }
    out->d = slow_strtod(start, (size_t)(p - start));
    return p;
fail:
    *bad = p;
    return NULL;
}

static js_num_status num_to_int32(const js_num *n, int32_t *out) {
    if (n->is_int) {
        if (n->i < INT32_MIN || n->i > INT32_MAX) return JS_NUM_RANGE;
        *out = (int32_t)n->i;
        return JS_NUM_OK;
    }
    if (!(n->d >= (double)INT32_MIN && n->d <= (double)INT32_MAX)) return JS_NUM_RANGE; /* NaN too */
    if (n->d != floor(n->d)) return JS_NUM_FRACTION;
    *out = (int32_t)n->d;
    return JS_NUM_OK;
}

static int parse_number_exact(const char *s, size_t len, js_num *n) {
    const char *bad;
    if (len == 0) return 0;
    const char *e = parse_number(s, s + len, n, &bad);
    return e == s + len;
}

js_num_status js_parse_int32(const char *s, size_t len, int32_t *out) {
    js_num n;
    if (!parse_number_exact(s, len, &n)) return JS_NUM_NOT_NUMBER;
    return num_to_int32(&n, out);
}

js_num_status js_parse_double(const char *s, size_t len, double *out) {
    js_num n;
    if (!parse_number_exact(s, len, &n)) return JS_NUM_NOT_NUMBER;
    if (!isfinite(n.d)) return JS_NUM_RANGE;
    *out = n.d;
    return JS_NUM_OK;
}

js_num_status js_value_int32(const js_value *v, int32_t *out, int *from_string) {
    if (from_string) *from_string = 0;
    if (v->type == JS_NUMBER) {
        js_num n = {v->is_int, v->i, v->d};
        return num_to_int32(&n, out);
    }
    if (v->type == JS_STRING) {
        js_num n;
        if (!parse_number_exact(v->ptr, v->len, &n)) return JS_NUM_NOT_NUMBER;
        if (from_string) *from_string = 1;
        return num_to_int32(&n, out);
    }
    return JS_NUM_NOT_NUMBER;
}

js_num_status js_value_double(const js_value *v, double *out, int *from_string) {
    if (from_string) *from_string = 0;
    if (v->type == JS_NUMBER) {
        if (!isfinite(v->d)) return JS_NUM_RANGE;
        *out = v->d;
        return JS_NUM_OK;
    }
    if (v->type == JS_STRING) {
        js_num_status st = js_parse_double(v->ptr, v->len, out);
        if (st != JS_NUM_NOT_NUMBER && from_string) *from_string = 1;
        return st;
    }
    return JS_NUM_NOT_NUMBER;
}

const char *js_type_name(js_type t) {
    switch (t) {
    case JS_ABSENT:
        return "absent";
    case JS_NULL:
        return "null";
    case JS_BOOL:
        return "bool";
    case JS_NUMBER:
        return "number";
    case JS_STRING:
        return "string";
    case JS_ARRAY:
        return "array";
    case JS_OBJECT:
        return "object";
    }
    return "unknown";
}

const char *js_num_status_name(js_num_status st) {
    switch (st) {
    case JS_NUM_OK:
        return "ok";
    case JS_NUM_NOT_NUMBER:
        return "not a number";
    case JS_NUM_RANGE:
        return "out of range";
    case JS_NUM_FRACTION:
        return "has a fraction";
    }
    return "unknown";
}

/* ======================================================================== scanner */

#define JS_DEFAULT_DEPTH 64
#define JS_MAX_DEPTH 4096

struct js_scanner {
    const ev_allocator *alloc;
    const js_schema *schema;
    uint32_t max_depth;
    uint8_t *scratch; /* decoded strings of the current line; capacity >= the line's length */
    size_t scratch_cap;
    size_t scratch_used;
    uint64_t stack[JS_MAX_DEPTH / 64 + 1]; /* container kinds by depth while skipping: 1 = array */
    /* the error being reported */
    const char *err_reason;
    const char *err_at;
};

ev_status js_scanner_create(const ev_allocator *alloc, const js_schema *schema, uint32_t max_depth,
                            js_scanner **out, ev_error *err) {
    *out = NULL;
    if (max_depth > JS_MAX_DEPTH)
        return ev_error_set(err, EV_ERR_INPUT, "JSON nesting limit %u is above the maximum %d", max_depth,
                            JS_MAX_DEPTH);
    js_scanner *s = ev_calloc(alloc, 1, sizeof *s);
    if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory allocating a JSON scanner");
    s->alloc = alloc;
    s->schema = schema;
    s->max_depth = max_depth ? max_depth : JS_DEFAULT_DEPTH;
    *out = s;
    return EV_OK;
}

void js_scanner_destroy(js_scanner *s) {
    if (!s) return;
    if (s->scratch) ev_free(s->alloc, s->scratch, s->scratch_cap);
    ev_free(s->alloc, s, sizeof *s);
}

/* Records the first error of the line and returns NULL (the scanning functions' failure value). */
static const char *bad(js_scanner *s, const char *at, const char *reason) {
    s->err_at = at;
    s->err_reason = reason;
    return NULL;
}

static inline const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The first byte at or after p that ends a plain run in a string: '"', '\\', a control character
 * (< 0x20) or a non-ASCII byte (>= 0x80, to validate), or end. */
static inline __attribute__((always_inline)) const char *plain_run(const char *p, const char *end) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: 0x00-0x1f and 0x80-0xff are both "less than 0x20" */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
        p++;
    }
    return p;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static inline size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c0 = p[0];
    size_t avail = (size_t)(end - p);
    if (c0 < 0xC2) return 0;
    if (c0 < 0xE0) return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c0 < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c0 == 0xE0 && p[1] < 0xA0) return 0;
        if (c0 == 0xED && p[1] > 0x9F) return 0;
        return 3;
    }
    if (c0 < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c0 == 0xF0 && p[1] < 0x90) return 0;
        if (c0 == 0xF4 && p[1] > 0x8F) return 0;
        return 4;
    }
    return 0;
}

static inline int hex4(const char *p, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned char)p[i], d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

/* Parses the string whose opening quote is at q. Returns the byte after the closing quote, or
 * NULL (error recorded). With `decode`, the content goes to *ptr and *len (zero-copy, or decoded into
 * the scratch buffer with *escaped = 1); without, it is only validated. */
static const char *parse_string(js_scanner *s, const char *q, const char *end, int decode, const char **ptr,
                                size_t *len, uint8_t *escaped) {
    const char *start = q + 1;
    const char *p = start;
    for (;;) {
        p = plain_run(p, end);
        if (p == end) return bad(s, q, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            if (decode) {
                *ptr = start;
                *len = (size_t)(p - start);
                *escaped = 0;
            }
            return p + 1;
        }
        if (c == '\\') break;
        if (c < 0x20) return bad(s, p, "unescaped control character in string");
        size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
        if (!n) return bad(s, p, "invalid UTF-8 in string");
        p += n;
    }
    /* Escapes: decode from here (the scratch has room: decoding never lengthens a string). */
    uint8_t *o = s->scratch + s->scratch_used;
    uint8_t *o0 = o;
    if (decode) {
        memcpy(o, start, (size_t)(p - start));
        o += p - start;
    }
    for (;;) {
        /* p is at a backslash */
        if (end - p < 2) return bad(s, q, "unterminated string");
        uint32_t cp;
        char e = p[1];
        switch (e) {
        case '"':
            cp = '"';
            break;
        case '\\':
            cp = '\\';
            break;
        case '/':
            cp = '/';
            break;
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            if (end - p < 6 || !hex4(p + 2, &cp))
                return bad(s, p, "invalid \\u escape (4 hex digits expected)");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return bad(s, p, "unpaired UTF-16 surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return bad(s, p, "unpaired UTF-16 surrogate in \\u escape");
            }
            p += 4;
            break;
        default:
            return bad(s, p, "invalid escape in string");
        }
        p += 2;
        if (decode) {
            if (cp < 0x80) {
                *o++ = (uint8_t)cp;
            } else if (cp < 0x800) {
                *o++ = (uint8_t)(0xC0 | cp >> 6);
                *o++ = (uint8_t)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *o++ = (uint8_t)(0xE0 | cp >> 12);
                *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (uint8_t)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (uint8_t)(0xF0 | cp >> 18);
                *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (uint8_t)(0x80 | (cp & 0x3F));
            }
        }
        /* the plain run up to the next special byte */
        for (;;) {
            const char *r = plain_run(p, end);
            if (decode) {
                memcpy(o, p, (size_t)(r - p));
                o += r - p;
            }
            p = r;
            if (p == end) return bad(s, q, "unterminated string");
            unsigned char c = (unsigned char)*p;
            if (c == '"') {
                if (decode) {
                    *ptr = (const char *)o0;
                    *len = (size_t)(o - o0);
                    *escaped = 1;
                    s->scratch_used += (size_t)(o - o0);
                }
                return p + 1;
            }
            if (c == '\\') break;
            if (c < 0x20) return bad(s, p, "unescaped control character in string");
            size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)end);
            if (!n) return bad(s, p, "invalid UTF-8 in string");
            if (decode) {
                memcpy(o, p, n);
                o += n;
            }
            p += n;
        }
    }
}

static const char *parse_literal(js_scanner *s, const char *p, const char *end, const char *word, size_t n) {
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0) return bad(s, p, "invalid literal");
    return p + n;
}

static inline void stack_set(js_scanner *s, uint32_t depth, int is_array) {
    uint64_t bit = UINT64_C(1) << (depth & 63);
    if (is_array)
        s->stack[depth >> 6] |= bit;
    else
        s->stack[depth >> 6] &= ~bit;
}

static inline int stack_is_array(const js_scanner *s, uint32_t depth) {
    return (int)(s->stack[depth >> 6] >> (depth & 63)) & 1;
}

/* Validates and skips one value of any kind starting at p (not white space). `depth` is the nesting
 * of the container holding the value. Iterative, so hostile nesting costs no C stack. */
static const char *skip_value(js_scanner *s, const char *p, const char *end, uint32_t depth) {
    const uint32_t base = depth;
    for (;;) {
        /* a value at p */
        if (p == end) return bad(s, p, "expected a value");
        switch (*p) {
        case '{':
        case '[': {
            int arr = *p == '[';
            if (depth + 1 > s->max_depth) return bad(s, p, "nesting too deep");
            depth++;
            stack_set(s, depth, arr);
            p = skip_ws(p + 1, end);
            if (p < end && *p == (arr ? ']' : '}')) {
                p++;
                depth--;
                break; /* an empty container is a complete value */
            }
            if (!arr) {
                if (p == end || *p != '"') return bad(s, p, "expected a string key or '}'");
                p = parse_string(s, p, end, 0, NULL, NULL, NULL);
                if (!p) return NULL;
                p = skip_ws(p, end);
                if (p == end || *p != ':') return bad(s, p, "expected ':' after object key");
                p = skip_ws(p + 1, end);
            }
            continue; /* the first element */
        }
        case '"':
            p = parse_string(s, p, end, 0, NULL, NULL, NULL);
            break;
        case 't':
            p = parse_literal(s, p, end, "true", 4);
            break;
        case 'f':
            p = parse_literal(s, p, end, "false", 5);
            break;
        case 'n':
            p = parse_literal(s, p, end, "null", 4);
            break;
        default:
            if (*p == '-' || (unsigned)(*p - '0') < 10) {
                js_num n;
                const char *badp;
                const char *e = parse_number(p, end, &n, &badp);
                if (!e) return bad(s, badp, "invalid number");
                p = e;
            } else {
                return bad(s, p, "expected a value");
            }
        }
        if (!p) return NULL;
        /* after a complete value: close containers, or go on to the next element */
        for (;;) {
            if (depth == base) return p;
            p = skip_ws(p, end);
            int arr = stack_is_array(s, depth);
            if (p < end && *p == ',') {
                p = skip_ws(p + 1, end);
                if (!arr) {
                    if (p == end || *p != '"') return bad(s, p, "expected a string key after ','");
                    p = parse_string(s, p, end, 0, NULL, NULL, NULL);
                    if (!p) return NULL;
                    p = skip_ws(p, end);
                    if (p == end || *p != ':') return bad(s, p, "expected ':' after object key");
                    p = skip_ws(p + 1, end);
                }
                break; /* the next element's value */
            }
            if (p < end && *p == (arr ? ']' : '}')) {
                p++;
                depth--;
                continue;
            }
            return bad(s, p,
                       arr ? "expected ',' or ']' after an array element"
                           : "expected ',' or '}' after a value");
        }
    }
}

/* A schema field's value at p. */
static const char *parse_field(js_scanner *s, const char *line, const char *p, const char *end, js_value *v) {
    v->col = (uint32_t)(p - line) + 1;
    v->escaped = 0;
    v->is_int = 0;
    switch (*p) {
    case '"': {
        v->type = JS_STRING;
        const char *stop = plain_run(p + 1, end);
        if (stop < end && *stop == '"') { /* the usual string: no escapes, ASCII */
            v->ptr = p + 1;
            v->len = (size_t)(stop - p - 1);
            return stop + 1;
        }
        return parse_string(s, p, end, 1, &v->ptr, &v->len, &v->escaped);
    }
    case 'n':
        v->type = JS_NULL;
        return parse_literal(s, p, end, "null", 4);
    case 't':
        v->type = JS_BOOL;
        v->b = 1;
        return parse_literal(s, p, end, "true", 4);
    case 'f':
        v->type = JS_BOOL;
        v->b = 0;
        return parse_literal(s, p, end, "false", 5);
    case '{':
    case '[': {
        v->type = *p == '[' ? JS_ARRAY : JS_OBJECT;
        const char *e = skip_value(s, p, end, 1);
        if (e) {
            v->ptr = p;
            v->len = (size_t)(e - p);
        }
        return e;
    }
    default: {
        if (*p != '-' && (unsigned)(*p - '0') >= 10) return bad(s, p, "expected a value");
        js_num n;
        const char *badp;
        const char *e = parse_number(p, end, &n, &badp);
        if (!e) return bad(s, badp, "invalid number");
        v->type = JS_NUMBER;
        v->ptr = p;
        v->len = (size_t)(e - p);
        v->is_int = (uint8_t)n.is_int;
        v->i = n.is_int ? n.i : 0;
        v->d = n.d;
        return e;
    }
    }
}

static ev_status scan_fail(js_scanner *s, const char *line, size_t len, uint64_t line_no, js_scan_info *info,
                           ev_error *err) {
    size_t col = (size_t)(s->err_at - line) + 1;
    if (col > len + 1) col = len + 1;
    if (info) {
        info->err_col = (uint32_t)col;
        info->err_reason = s->err_reason;
    }
    if (line_no)
        return ev_error_set(err, EV_ERR_INPUT, "line %llu col %zu: %s", (unsigned long long)line_no, col,
                            s->err_reason);
    return ev_error_set(err, EV_ERR_INPUT, "col %zu: %s", col, s->err_reason);
}

ev_status js_scan(js_scanner *s, const char *line, size_t len, uint64_t line_no, js_value *vals,
                  js_scan_info *info, ev_error *err) {
    const js_schema *sc = s->schema;
    for (uint32_t i = 0; i < sc->n; i++)
        vals[i].type = JS_ABSENT;
    if (info) memset(info, 0, sizeof *info);
    if (len > s->scratch_cap) {
        size_t cap = s->scratch_cap ? s->scratch_cap : 4096;
        while (cap < len)
            cap = cap > SIZE_MAX / 2 ? len : cap * 2;
        uint8_t *n = ev_alloc(s->alloc, cap);
        if (!n) return ev_error_set(err, EV_ERR_NOMEM, "out of memory scanning a %zu-byte line", len);
        if (s->scratch) ev_free(s->alloc, s->scratch, s->scratch_cap);
        s->scratch = n;
        s->scratch_cap = cap;
    }
    s->scratch_used = 0;
    uint32_t unknown = 0, dups = 0;
    const char *end = line + len;
    const char *p = skip_ws(line, end);
    if (p == end || *p != '{') {
        bad(s, p,
            p == end ? "empty line: expected a JSON object" : "expected '{': a line holds one JSON object");
        goto fail;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (int first = 1;; first = 0) {
            if (p == end || *p != '"') {
                bad(s, p, first ? "expected a string key or '}'" : "expected a string key after ','");
                goto fail;
            }
            const char *key = p + 1;
            size_t klen;
            const char *stop = plain_run(key, end);
            size_t mark = s->scratch_used;
            if (stop < end && *stop == '"') { /* the usual key: no escapes, ASCII */
                klen = (size_t)(stop - key);
                p = stop + 1;
            } else {
                uint8_t kesc;
                p = parse_string(s, p, end, 1, &key, &klen, &kesc);
                if (!p) goto fail;
            }
            int f = schema_find(sc, key, klen, (size_t)(end - key));
            s->scratch_used = mark; /* a decoded key is not kept */
            if (p < end && *p == ':') {
                p++;
            } else {
                p = skip_ws(p, end);
                if (p == end || *p != ':') {
                    bad(s, p, "expected ':' after object key");
                    goto fail;
                }
                p++;
            }
            if (p < end && *p == ' ') p++; /* json.dumps' ": " */
            p = skip_ws(p, end);
            if (p == end) {
                bad(s, p, "expected a value");
                goto fail;
            }
            if (f < 0) {
                unknown++;
                p = skip_value(s, p, end, 1);
            } else {
                js_value *v = &vals[f];
                if (v->type != JS_ABSENT) dups++;
                p = parse_field(s, line, p, end, v);
            }
            if (!p) goto fail;
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p++;
                if (p < end && *p == ' ') p++;
                p = skip_ws(p, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            bad(s, p, "expected ',' or '}' after a value");
            goto fail;
        }
    }
    p = skip_ws(p, end);
    if (p != end) {
        bad(s, p, "unexpected data after the object");
        goto fail;
    }
    if (info) {
        info->unknown_keys = unknown;
        info->duplicate_keys = dups;
    }
    return EV_OK;
fail:
    if (info) {
        info->unknown_keys = unknown;
        info->duplicate_keys = dups;
    }
    return scan_fail(s, line, len, line_no, info, err);
}
