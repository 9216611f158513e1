/*
 * etl_scan.c: a scanner for one flat JSON object per line, typed into the events schema's fields
 * (see etl_read.h). Correct JSON (RFC 8259): any key order and white space, string escapes with
 * \u sequences and surrogate pairs, the number grammar, nested values in unknown keys (validated
 * and skipped, depth-bounded), UTF-8 validated in every string. Duplicate keys: the last wins.
 */
#include <emmintrin.h>
#include <stdio.h>
#include <string.h>

#include "etl_read.h"

#define MAX_DEPTH 64

typedef struct scan {
    const unsigned char *s, *p, *end;
    ev_arena *arena;
    char *reason;
    size_t cap;
} scan;

static ev_status fail(scan *sc, const char *what) {
    snprintf(sc->reason, sc->cap, "invalid JSON at col %zu: %s", (size_t)(sc->p - sc->s) + 1, what);
    return EV_ERR_INPUT;
}

static void skip_ws(scan *sc) {
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r')) sc->p++;
}

/* Length of the UTF-8 sequence at p (1-4), or 0 if invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || (size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (n == 3 && c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
    if (n == 3 && c == 0xED && p[1] >= 0xA0) return 0; /* surrogates */
    if (n == 4 && c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
    if (n == 4 && c == 0xF4 && p[1] >= 0x90) return 0; /* > U+10FFFF */
    return n;
}

static int hex4(const unsigned char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

/* Writes code point cp as UTF-8 at o; returns the bytes written. */
static size_t put_utf8(uint8_t *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the escapes of a string body [from, to) into the arena (never longer than the source). */
static ev_status decode_escapes(scan *sc, const unsigned char *from, const unsigned char *to, const char **text,
                                size_t *len) {
    uint8_t *out = ev_arena_alloc(sc->arena, (size_t)(to - from) + 1);
    if (!out) {
        snprintf(sc->reason, sc->cap, "out of memory");
        return EV_ERR_NOMEM;
    }
    size_t n = 0;
    for (const unsigned char *p = from; p < to;) {
        if (*p != '\\') {
            out[n++] = *p++;
            continue;
        }
        unsigned char e = p[1];
        static const char plain_from[] = "\"\\/bfnrt", plain_to[] = "\"\\/\b\f\n\r\t";
        const char *hit = memchr(plain_from, e, 8);
        if (hit) {
            out[n++] = (uint8_t)plain_to[hit - plain_from];
            p += 2;
            continue;
        }
        unsigned cp = 0, lo = 0;
        if (!hex4(p + 2, &cp)) { /* checked by scan_string already */
            sc->p = p;
            return fail(sc, "bad \\u escape");
        }
        p += 6;
        if (cp >= 0xD800 && cp < 0xDC00) {
            if (to - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                sc->p = p;
                return fail(sc, "a \\u escape is an unpaired surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            sc->p = p;
            return fail(sc, "a \\u escape is an unpaired surrogate");
        }
        n += put_utf8(out + n, cp);
    }
    *text = (const char *)out;
    *len = n;
    return EV_OK;
}

/* Scans a string at sc->p (on its opening quote); returns its decoded text. */
static ev_status scan_string(scan *sc, const char **text, size_t *len) {
    const unsigned char *body = ++sc->p;
    int escaped = 0;
    for (;;) {
        /* The fast path, 16 bytes at a time: plain ASCII up to the next quote, backslash, control
         * or high byte. A signed compare with 0x20 flags both controls and bytes >= 0x80. */
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
        while (sc->end - sc->p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)sc->p);
            __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                        _mm_cmplt_epi8(x, space));
            unsigned mask = (unsigned)_mm_movemask_epi8(stop);
            if (mask) {
                sc->p += __builtin_ctz(mask);
                break;
            }
            sc->p += 16;
        }
        while (sc->p < sc->end && *sc->p >= 0x20 && *sc->p < 0x80 && *sc->p != '"' && *sc->p != '\\') sc->p++;
        if (sc->p >= sc->end) return fail(sc, "unterminated string");
        unsigned char c = *sc->p;
        if (c == '"') break;
        if (c < 0x20) return fail(sc, "control character in a string");
        if (c == '\\') {
            if (sc->end - sc->p < 2) return fail(sc, "unterminated string");
            unsigned char e = sc->p[1];
            unsigned cp = 0;
            if (e == 'u') {
                if (sc->end - sc->p < 6 || !hex4(sc->p + 2, &cp)) return fail(sc, "bad \\u escape");
                sc->p += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                sc->p += 2;
            } else {
                return fail(sc, "bad escape in a string");
            }
            escaped = 1;
            continue;
        }
        size_t n = utf8_len(sc->p, sc->end);
        if (!n) {
            snprintf(sc->reason, sc->cap, "invalid UTF-8 at col %zu", (size_t)(sc->p - sc->s) + 1);
            return EV_ERR_INPUT;
        }
        sc->p += n;
    }
    const unsigned char *close = sc->p++;
    if (!escaped) {
        *text = (const char *)body;
        *len = (size_t)(close - body);
        return EV_OK;
    }
    return decode_escapes(sc, body, close, text, len);
}

static ev_status scan_number(scan *sc) {
    const unsigned char *p = sc->p, *e = sc->end;
    if (p < e && *p == '-') p++;
    if (p >= e || (unsigned)(*p - '0') > 9) {
        sc->p = p;
        return fail(sc, "bad number");
    }
    if (*p == '0') p++;
    else while (p < e && (unsigned)(*p - '0') <= 9) p++;
    if (p < e && *p == '.') {
        p++;
        if (p >= e || (unsigned)(*p - '0') > 9) {
            sc->p = p;
            return fail(sc, "bad number: no digits after '.'");
        }
        while (p < e && (unsigned)(*p - '0') <= 9) p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || (unsigned)(*p - '0') > 9) {
            sc->p = p;
            return fail(sc, "bad number: no digits in the exponent");
        }
        while (p < e && (unsigned)(*p - '0') <= 9) p++;
    }
    sc->p = p;
    return EV_OK;
}

static ev_status scan_literal(scan *sc, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, word, n) != 0) return fail(sc, "unexpected character");
    sc->p += n;
    return EV_OK;
}

static ev_status scan_value(scan *sc, etl_field *f, int depth);

static ev_status scan_container(scan *sc, int depth) {
    if (depth > MAX_DEPTH) return fail(sc, "nested too deeply");
    unsigned char close = *sc->p == '{' ? '}' : ']';
    int object = close == '}';
    sc->p++;
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == close) {
        sc->p++;
        return EV_OK;
    }
    for (;;) {
        etl_field ignored;
        if (object) {
            if (sc->p >= sc->end || *sc->p != '"') return fail(sc, "expected an object key");
            const char *k;
            size_t kl;
            EV_TRY(scan_string(sc, &k, &kl));
            skip_ws(sc);
            if (sc->p >= sc->end || *sc->p != ':') return fail(sc, "expected ':' after an object key");
            sc->p++;
            skip_ws(sc);
        }
        EV_TRY(scan_value(sc, &ignored, depth + 1));
        skip_ws(sc);
        if (sc->p < sc->end && *sc->p == ',') {
            sc->p++;
            skip_ws(sc);
            continue;
        }
        if (sc->p < sc->end && *sc->p == close) {
            sc->p++;
            return EV_OK;
        }
        return fail(sc, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static ev_status scan_value(scan *sc, etl_field *f, int depth) {
    if (sc->p >= sc->end) return fail(sc, "expected a value");
    const unsigned char *start = sc->p;
    switch (*sc->p) {
    case '"':
        f->kind = ETL_FIELD_STRING;
        return scan_string(sc, &f->text, &f->len);
    case '{':
    case '[':
        f->kind = ETL_FIELD_OTHER;
        EV_TRY(scan_container(sc, depth));
        break;
    case 't':
        f->kind = ETL_FIELD_BOOL;
        EV_TRY(scan_literal(sc, "true"));
        break;
    case 'f':
        f->kind = ETL_FIELD_BOOL;
        EV_TRY(scan_literal(sc, "false"));
        break;
    case 'n':
        f->kind = ETL_FIELD_NULL;
        EV_TRY(scan_literal(sc, "null"));
        break;
    default:
        if (*sc->p != '-' && (unsigned)(*sc->p - '0') > 9) {
            if (*sc->p >= 0x80 && !utf8_len(sc->p, sc->end)) {
                snprintf(sc->reason, sc->cap, "invalid UTF-8 at col %zu", (size_t)(sc->p - sc->s) + 1);
                return EV_ERR_INPUT;
            }
            return fail(sc, "unexpected character");
        }
        f->kind = ETL_FIELD_NUMBER;
        EV_TRY(scan_number(sc));
        break;
    }
    f->text = (const char *)start;
    f->len = (size_t)(sc->p - start);
    return EV_OK;
}

/* The schema field a key names, or -1. Keys are short: compare by length first. */
static int field_of(const char *k, size_t n) {
    switch (n) {
    case 5: return memcmp(k, "price", 5) == 0 ? ETL_F_PRICE : -1;
    case 7: return memcmp(k, "user_id", 7) == 0 ? ETL_F_USER_ID : -1;
    case 8:
        if (memcmp(k, "quantity", 8) == 0) return ETL_F_QUANTITY;
        return memcmp(k, "category", 8) == 0 ? ETL_F_CATEGORY : -1;
    case 9: return memcmp(k, "timestamp", 9) == 0 ? ETL_F_TIMESTAMP : -1;
    case 10:
        if (memcmp(k, "session_id", 10) == 0) return ETL_F_SESSION_ID;
        if (memcmp(k, "event_type", 10) == 0) return ETL_F_EVENT_TYPE;
        return memcmp(k, "product_id", 10) == 0 ? ETL_F_PRODUCT_ID : -1;
    case 12: return memcmp(k, "search_query", 12) == 0 ? ETL_F_SEARCH_QUERY : -1;
    default: return -1;
    }
}

/* The keys in the order events.md's producers write them (the ETL_F_* order): the key at position
 * i is first tried as a literal, which skips scanning it as a string and looking it up. Any other
 * order or spelling (escapes) takes the general path. */
static const struct {
    const char *quoted; /* the key and its closing quote */
    size_t len;
} expected_keys[ETL_NFIELDS] = {
    {"timestamp\"", 10}, {"user_id\"", 8},  {"session_id\"", 11}, {"event_type\"", 11},   {"product_id\"", 11},
    {"quantity\"", 9},   {"price\"", 6},    {"category\"", 9},    {"search_query\"", 13},
};

/* The field of the key at sc->p (on its opening quote), scanned past its closing quote. */
static ev_status scan_key(scan *sc, int pos, int *idx) {
    if (pos < ETL_NFIELDS) {
        size_t n = expected_keys[pos].len;
        if ((size_t)(sc->end - sc->p) > n && !memcmp(sc->p + 1, expected_keys[pos].quoted, n)) {
            sc->p += n + 1;
            *idx = pos;
            return EV_OK;
        }
    }
    const char *k;
    size_t kl;
    EV_TRY(scan_string(sc, &k, &kl));
    *idx = field_of(k, kl);
    return EV_OK;
}

ev_status etl_scan_line(const char *line, size_t len, etl_field f[ETL_NFIELDS], ev_arena *arena,
                        uint64_t *unknown_keys, char *reason, size_t cap) {
    memset(f, 0, sizeof(etl_field) * ETL_NFIELDS);
    scan sc = {(const unsigned char *)line, (const unsigned char *)line, (const unsigned char *)line + len, arena,
               reason, cap};
    skip_ws(&sc);
    if (sc.p >= sc.end || *sc.p != '{') return fail(&sc, "a line must hold one JSON object");
    sc.p++;
    skip_ws(&sc);
    if (sc.p < sc.end && *sc.p == '}') {
        sc.p++;
    } else {
        for (int pos = 0;; pos++) {
            if (sc.p >= sc.end || *sc.p != '"') return fail(&sc, "expected an object key");
            int idx;
            EV_TRY(scan_key(&sc, pos, &idx));
            skip_ws(&sc);
            if (sc.p >= sc.end || *sc.p != ':') return fail(&sc, "expected ':' after an object key");
            sc.p++;
            skip_ws(&sc);
            etl_field v;
            EV_TRY(scan_value(&sc, &v, 1));
            if (idx >= 0) f[idx] = v;
            else (*unknown_keys)++;
            skip_ws(&sc);
            if (sc.p < sc.end && *sc.p == ',') {
                sc.p++;
                skip_ws(&sc);
                continue;
            }
            if (sc.p < sc.end && *sc.p == '}') {
                sc.p++;
                break;
            }
            return fail(&sc, sc.p >= sc.end ? "the object is not closed (truncated line?)" : "expected ',' or '}'");
        }
    }
    skip_ws(&sc);
    if (sc.p != sc.end) return fail(&sc, "characters after the object");
    return EV_OK;
}
