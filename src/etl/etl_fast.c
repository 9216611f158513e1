/*
 * etl_fast.c: the fast path of the ETL's line typing (see etl_read.h): one pass over a line of
 * the exact shape events.md's producers write, straight to an etl_event.
 *
 * Why a second scanner: the general one (etl_scan.c, then etl_event.c) is a full RFC 8259 parser
 * that records every field and then types it (strtod, strtoll, ev_time_parse), about half of the
 * ETL's time per line. Nearly every line is `{"timestamp": "...", "user_id": "...", ...}` with the
 * nine keys in schema order, plain ASCII strings, `null`, small integers and prices like 138.06.
 * This path checks exactly that shape and types it on the way; anything else (another key order,
 * an unknown key, escapes, UTF-8, exponents, a bad value) makes it give up, and the line goes
 * through the general path, which also words every quarantine reason. So it must never accept a
 * line the general path would reject or type differently; fuzz/etl_fast checks that property.
 */
#include <emmintrin.h>
#include <string.h>

#include "etl_read.h"
#include "ev_time.h"

typedef const unsigned char *cur;

/* The quoted keys in schema order, zero-padded to 16 bytes for one vector compare. */
static const struct {
    char text[16] __attribute__((aligned(16)));
    unsigned len;
} keys[ETL_NFIELDS] = {
    {"\"timestamp\"", 11}, {"\"user_id\"", 9},  {"\"session_id\"", 12}, {"\"event_type\"", 12},
    {"\"product_id\"", 12}, {"\"quantity\"", 10}, {"\"price\"", 7},       {"\"category\"", 10},
    {"\"search_query\"", 14},
};

static inline cur skip_spaces(cur p, cur end) {
    while (p < end && *p == ' ') p++;
    return p;
}

/* The key of position `pos` and its colon at p; NULL if the line holds anything else there. */
static inline cur match_key(cur p, cur end, int pos) {
    if (end - p < 16) return NULL; /* a whole line always has more after a key than this */
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    __m128i k = _mm_load_si128((const __m128i *)keys[pos].text);
    unsigned need = (1u << keys[pos].len) - 1;
    if (((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, k)) & need) != need) return NULL;
    p = skip_spaces(p + keys[pos].len, end);
    if (p >= end || *p != ':') return NULL;
    return skip_spaces(p + 1, end);
}

/* A string of plain ASCII (no escape, control or byte >= 0x80) at p, on its opening quote: its
 * body in text and len and the position after the closing quote; NULL for any other string (the
 * general path decodes escapes and validates UTF-8). */
static inline cur plain_string(cur p, cur end, const char **text, size_t *len) {
    cur body = ++p;
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    for (; end - p >= 16; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)p);
        /* a signed compare with 0x20 flags both controls and bytes >= 0x80 */
        __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                                    _mm_cmplt_epi8(x, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(stop);
        if (mask) {
            p += __builtin_ctz(mask);
            goto found;
        }
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
found:
    if (p >= end || *p != '"') return NULL;
    *text = (const char *)body;
    *len = (size_t)(p - body);
    return p + 1;
}

static inline int is_null(cur p, cur end) { return end - p >= 4 && memcmp(p, "null", 4) == 0; }

/* A string column's value: a plain string, or null (NULL text). */
static inline cur string_or_null(cur p, cur end, const char **text, size_t *len) {
    if (p < end && *p == '"') return plain_string(p, end, text, len);
    if (!is_null(p, end)) return NULL;
    *text = NULL;
    *len = 0;
    return p + 4;
}

/* The JSON digits of an unsigned number at p: '0' alone or 1-19 digits with no leading zero.
 * Returns the end, or NULL. */
static inline cur digits(cur p, cur end, uint64_t *v, unsigned *n) {
    cur start = p;
    uint64_t x = 0;
    while (p < end && (unsigned)(*p - '0') <= 9 && p - start < 20) x = x * 10 + (*p++ - '0');
    *n = (unsigned)(p - start);
    if (*n == 0 || *n > 19 || (*start == '0' && *n > 1)) return NULL;
    *v = x;
    return p;
}

/* quantity: null, or an integer in int32 range (what strtoll over the JSON number gives). */
static inline cur quantity(cur p, cur end, etl_event *e) {
    if (is_null(p, end)) {
        e->quantity = 0;
        e->has_quantity = 0;
        return p + 4;
    }
    int neg = p < end && *p == '-';
    uint64_t v;
    unsigned n;
    p = digits(p + neg, end, &v, &n);
    if (!p || n > 10 || v > (uint64_t)INT32_MAX + (uint64_t)neg) return NULL;
    e->quantity = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
    e->has_quantity = 1;
    return p;
}

static const double pow10_exact[20] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                       1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};

/* price: null, or a decimal without exponent. Why no strtod: a mantissa m < 2^53 and 10^k with
 * k <= 22 are both exact doubles, so the one division m / 10^k is correctly rounded, the same
 * double strtod returns for the text (Clinger's fast path). Longer mantissas and exponents give
 * up (the general path calls strtod). */
static inline cur price(cur p, cur end, etl_event *e) {
    if (is_null(p, end)) {
        e->price = 0;
        e->has_price = 0;
        return p + 4;
    }
    int neg = p < end && *p == '-';
    uint64_t m;
    unsigned n, k = 0;
    p = digits(p + neg, end, &m, &n);
    if (!p) return NULL;
    if (p < end && *p == '.') {
        cur frac = ++p;
        while (p < end && (unsigned)(*p - '0') <= 9 && n + k < 20) {
            m = m * 10 + (*p++ - '0');
            k++;
        }
        if (p == frac) return NULL; /* no digits after '.' */
    }
    if (n + k > 19 || m > ((uint64_t)1 << 53)) return NULL;
    double v = (double)m / pow10_exact[k];
    e->price = neg ? -v : v;
    e->has_price = 1;
    return p;
}

/* The five event types have five different lengths. */
static inline int event_type(const char *s, size_t n) {
    switch (n) {
    case 9: return memcmp(s, "page_view", 9) == 0;
    case 11: return memcmp(s, "add_to_cart", 11) == 0;
    case 16: return memcmp(s, "remove_from_cart", 16) == 0;
    case 8: return memcmp(s, "purchase", 8) == 0;
    case 6: return memcmp(s, "search", 6) == 0;
    default: return 0;
    }
}

static inline int two_digits(const char *s, int max, int *out) {
    unsigned a = (unsigned)(s[0] - '0'), b = (unsigned)(s[1] - '0');
    if (a > 9 || b > 9) return 0;
    *out = (int)(a * 10 + b);
    return *out <= max;
}

/* The hour key of a timestamp: its first 13 bytes ("2025-11-20T00"), as two overlapping words. */
static inline void hour_key(const char *s, uint64_t k[2]) {
    memcpy(&k[0], s, 8);
    memcpy(&k[1], s + 5, 8);
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|+00:00)", the form producers write, with the hour's value
 * cached: lines of one object share their first 13 bytes for an hour. The cached hour was
 * parsed by ev_time_parse, and the rest is checked as strictly as it checks it (minute and
 * second 00-59, six fraction digits, a zero offset); other forms go to ev_time_parse whole. */
static int timestamp_fast(etl_fast_state *fs, const char *s, size_t n, int64_t *out) {
    if (n < 20 || s[13] != ':' || s[16] != ':') return 0;
    uint64_t k[2];
    hour_key(s, k);
    if (!fs->has_hour || k[0] != fs->hour_key[0] || k[1] != fs->hour_key[1]) {
        char hour[16];
        memcpy(hour, s, 13);
        memcpy(hour + 13, ":00", 3);
        if (ev_time_parse(hour, 16, &fs->hour_usec) != EV_OK) return 0;
        fs->hour_key[0] = k[0];
        fs->hour_key[1] = k[1];
        fs->has_hour = 1;
    }
    int minute, second, usec = 0;
    if (!two_digits(s + 14, 59, &minute) || !two_digits(s + 17, 59, &second)) return 0;
    size_t p = 19;
    if (s[p] == '.') {
        if (n < p + 8) return 0;
        for (size_t i = p + 1; i < p + 7; i++) {
            if ((unsigned)(s[i] - '0') > 9) return 0;
            usec = usec * 10 + (s[i] - '0');
        }
        p += 7;
    }
    if (!((n == p + 1 && s[p] == 'Z') || (n == p + 6 && memcmp(s + p, "+00:00", 6) == 0))) return 0;
    *out = fs->hour_usec + minute * EV_USEC_PER_MIN + second * EV_USEC_PER_SEC + usec;
    return 1;
}

/* Reads the value of field `pos` at p into e; returns the position after it, or NULL. */
static inline cur field_value(cur p, cur end, int pos, etl_fast_state *fs, etl_event *e) {
    const char *s;
    size_t n;
    switch (pos) {
    case ETL_F_TIMESTAMP:
        if (p >= end || *p != '"' || !(p = plain_string(p, end, &s, &n))) return NULL;
        if (!timestamp_fast(fs, s, n, &e->ts_usec) && ev_time_parse(s, n, &e->ts_usec) != EV_OK) return NULL;
        return p;
    case ETL_F_EVENT_TYPE:
        if (p >= end || *p != '"' || !(p = plain_string(p, end, &s, &n)) || !event_type(s, n)) return NULL;
        e->str[ETL_COL_EVENT_TYPE] = s;
        e->str_len[ETL_COL_EVENT_TYPE] = n;
        return p;
    case ETL_F_USER_ID:
        return string_or_null(p, end, &e->str[ETL_COL_USER_ID], &e->str_len[ETL_COL_USER_ID]);
    case ETL_F_SESSION_ID:
        return string_or_null(p, end, &e->str[ETL_COL_SESSION_ID], &e->str_len[ETL_COL_SESSION_ID]);
    case ETL_F_PRODUCT_ID:
        return string_or_null(p, end, &e->str[ETL_COL_PRODUCT_ID], &e->str_len[ETL_COL_PRODUCT_ID]);
    case ETL_F_CATEGORY:
        return string_or_null(p, end, &e->str[ETL_COL_CATEGORY], &e->str_len[ETL_COL_CATEGORY]);
    case ETL_F_SEARCH_QUERY:
        return string_or_null(p, end, &e->str[ETL_COL_SEARCH_QUERY], &e->str_len[ETL_COL_SEARCH_QUERY]);
    case ETL_F_QUANTITY: return quantity(p, end, e);
    default: return price(p, end, e);
    }
}

/* The object at p up to its closing brace and the blanks after it (spaces, tabs, carriage
 * returns); NULL if it is not of the fast path's shape. */
static cur scan_object(cur p, cur end, etl_fast_state *fs, etl_event *e) {
    if (p >= end || *p != '{') return NULL;
    p = skip_spaces(p + 1, end);
    for (int pos = 0; pos < ETL_NFIELDS; pos++) {
        if (!(p = match_key(p, end, pos)) || !(p = field_value(p, end, pos, fs, e))) return NULL;
        p = skip_spaces(p, end);
        if (p >= end || *p != (pos + 1 < ETL_NFIELDS ? ',' : '}')) return NULL;
        p = skip_spaces(p + 1, end);
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    return p;
}

int etl_scan_fast(const char *line, size_t len, etl_fast_state *fs, etl_event *e) {
    cur end = (cur)line + len, p = scan_object((cur)line, end, fs, e);
    return p == end;
}

const char *etl_scan_fast_next(const char *p, const char *end, etl_fast_state *fs, etl_event *e) {
    /* Nothing the shape allows before the end of the object is a newline (strings hold no control
     * character, blanks are spaces), so the first newline after it ends the line. */
    cur q = scan_object((cur)p, (cur)end, fs, e);
    return q && q < (cur)end && *q == '\n' ? (const char *)q : NULL;
}
