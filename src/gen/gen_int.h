/*
 * gen_int.h: what the generator's files share: the random streams and the line formatting.
 *
 * Random streams are xoshiro256** seeded through splitmix64 from a hash of (seed, object time,
 * chunk, purpose). Bounded integers use Lemire's multiply-shift: fast, and its tiny bias (< 2^-32
 * for the ranges used) is far below what the distribution tests can see.
 */
#ifndef EV_GEN_INT_H
#define EV_GEN_INT_H

#include <stdint.h>
#include <string.h>

#include "ev_alloc.h"
#include "gen.h"

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

static inline uint64_t gen_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t gen_mix(uint64_t a, uint64_t b) {
    uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ULL);
    return gen_splitmix64(&x);
}

static inline void gen_rng_seed(gen_rng *r, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    uint64_t x = gen_mix(gen_mix(gen_mix(a, b), c), d);
    for (int i = 0; i < 4; i++) r->s[i] = gen_splitmix64(&x);
}

static inline uint64_t gen_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t gen_next(gen_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n). */
static inline uint32_t gen_below(gen_rng *r, uint32_t n) {
    return (uint32_t)(((gen_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform double in [0, 1). */
static inline double gen_unit(gen_rng *r) { return (double)(gen_next(r) >> 11) * 0x1.0p-53; }

/* Stream purposes, so that the object-level and chunk-level streams never overlap. */
enum { GEN_STREAM_OBJECT = 1, GEN_STREAM_CHUNK = 2, GEN_STREAM_CATALOG = 3 };

/* ---- formatting ---- */

/* Writes an unsigned decimal; returns the new write position. */
static inline char *gen_put_u64(char *p, uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static inline char *gen_put(char *p, const char *s, size_t n) {
    memcpy(p, s, n);
    return p + n;
}
#define GEN_PUT_LIT(p, lit) gen_put((p), (lit), sizeof(lit) - 1)

/* Python's repr of round(x, 2) for a price given in cents: 1234 -> "12.34", 1230 -> "12.3",
 * 1200 -> "12.0" (json.dumps prints the shortest repr of the float). */
static inline char *gen_put_price(char *p, uint32_t cents) {
    p = gen_put_u64(p, cents / 100);
    *p++ = '.';
    uint32_t c = cents % 100;
    *p++ = (char)('0' + c / 10);
    if (c % 10) *p++ = (char)('0' + c % 10);
    return p;
}

/* Caches the "YYYY-MM-DDTHH:MM:SS" text of the current second: timestamps advance by ~0.5 ms per
 * event, so a civil conversion per event would be wasted work. */
typedef struct gen_ts_cache {
    int64_t second; /* floor(usec / 1e6) of the cached text, or INT64_MIN */
    char text[19];
} gen_ts_cache;

char *gen_put_timestamp(gen_ts_cache *c, char *p, int64_t usec);

enum { GEN_ET_PAGE_VIEW, GEN_ET_ADD_TO_CART, GEN_ET_REMOVE_FROM_CART, GEN_ET_PURCHASE, GEN_ET_SEARCH };

/* One event before rendering. Products are numbered 0-29: category = product / 5. */
typedef struct gen_event {
    int64_t ts;
    uint64_t session;  /* the number after "s_" */
    uint32_t user;     /* the number after "u_" */
    uint32_t price_cents;
    uint8_t type;      /* GEN_ET_* */
    uint8_t product;
    uint8_t quantity;
    uint8_t query;     /* index into gen_search_queries, for searches */
} gen_event;

/* The longest line gen_put_event writes is well under this. */
#define GEN_LINE_MAX 320

/* Renders `e` as the starter's json.dumps line (no newline); returns the new write position. */
/* The line's first four fields, up to and including `"event_type": ` (shared with malformed lines). */
char *gen_put_event_head(gen_ts_cache *tc, char *p, const gen_event *e);
char *gen_put_event(gen_ts_cache *tc, char *p, const gen_event *e);

/* The 30 product ids "p_1001".."p_6005" and the 6 categories (index = digit - 1). */
extern const char *const gen_category_names[6];
extern const char *const gen_search_queries[8];

/* Renders one chunk of each profile (see gen_render_chunk). `first` and `count` are event indices
 * within the object of `total` events. */
ev_status gen_starter_chunk(const gen_options *o, int64_t window_start, uint32_t chunk, uint32_t first,
                            uint32_t count, uint32_t total, ev_buf *out, ev_error *err);
/* The realistic profile's diurnal scaling of a drawn event count (never 0). */
uint32_t gen_realistic_scale(uint32_t base, int64_t window_start);
ev_status gen_realistic_chunk(const gen_options *o, int64_t window_start, uint32_t chunk, uint32_t first,
                              uint32_t count, uint32_t total, ev_buf *out, uint64_t *bad, ev_error *err);

#endif
