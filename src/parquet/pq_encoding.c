/*
 * pq_encoding.c: the integer encodings of Encodings.md that several value types share: the RLE /
 * bit-packing hybrid (definition levels, dictionary codes, RLE booleans), DELTA_BINARY_PACKED (and
 * through it the lengths of DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY), LSB-first bit packing,
 * and the hash the writer's dictionaries use.
 *
 * Decoders never read past the range they were given: a bit-packed run cut short by the end of the
 * page is shortened to the values whose bits are present (what other readers accept), and everything
 * else that does not fit is malformed.
 */
#include <stdlib.h>

#include "pq_int.h"

int pq_bit_width(uint64_t max) {
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

/* ---- bit packing ---- */

typedef struct bitw {
    ev_buf *out;
    uint64_t acc;
    int nbits;
    ev_status st;
} bitw;

static inline void bitw_put(bitw *b, uint64_t v, int bw) {
    while (bw > 0) {
        int take = bw > 32 ? 32 : bw;
        uint64_t part = v & ((1ULL << take) - 1);
        b->acc |= part << b->nbits;
        b->nbits += take;
        v = take == 64 ? 0 : v >> take;
        bw -= take;
        while (b->nbits >= 8) {
            if (b->out->len < b->out->cap) {
                b->out->data[b->out->len++] = (uint8_t)b->acc;
            } else if (b->st == EV_OK) {
                uint8_t c = (uint8_t)b->acc;
                b->st = ev_buf_append(b->out, &c, 1);
            }
            b->acc >>= 8;
            b->nbits -= 8;
        }
    }
}

static inline void bitw_flush(bitw *b) {
    if (b->nbits > 0) {
        uint8_t c = (uint8_t)b->acc;
        if (b->st == EV_OK) b->st = ev_buf_append(b->out, &c, 1);
        b->acc = 0;
        b->nbits = 0;
    }
}

ev_status pq_pack_bits(ev_buf *out, const uint64_t *v, size_t n, int bw) {
    if (bw == 0) return EV_OK;
    EV_TRY(ev_buf_reserve(out, (n * (size_t)bw + 7) / 8 + 8));
    bitw b = {out, 0, 0, EV_OK};
    for (size_t i = 0; i < n; i++)
        bitw_put(&b, v[i], bw);
    bitw_flush(&b);
    return b.st;
}

/* Reads `bw` (<= 64) bits at bit offset `bit` of p[0..len); bits past len read as 0. */
static inline uint64_t get_bits(const uint8_t *p, size_t len, uint64_t bit, int bw) {
    size_t byte = (size_t)(bit >> 3);
    int shift = (int)(bit & 7);
    uint64_t lo, hi = 0;
    if (byte + 16 <= len) {
        lo = pq_load64(p + byte);
        hi = p[byte + 8];
    } else {
        uint8_t tmp[16] = {0};
        if (byte < len) memcpy(tmp, p + byte, len - byte < 16 ? len - byte : 16);
        lo = pq_load64(tmp);
        hi = tmp[8];
    }
    uint64_t v = lo >> shift;
    if (shift && bw + shift > 64) v |= hi << (64 - shift);
    return bw == 64 ? v : v & ((1ULL << bw) - 1);
}

static inline void put_varint(ev_buf *out, uint64_t v) {
    while (v >= 0x80) {
        out->data[out->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out->data[out->len++] = (uint8_t)v;
}

static bool get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v) {
    const uint8_t *p = *pp;
    uint64_t r = 0;
    for (int s = 0; s < 64; s += 7) {
        if (p >= end) return false;
        uint8_t b = *p++;
        r |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) {
            *v = r;
            *pp = p;
            return true;
        }
    }
    return false;
}

/* Packs values v[from..to) and zeros up to `stop` (a whole number of groups of 8) at bw (<= 32) bits,
 * LSB first, into out, which has room: 32 bits are stored at a time. */
#define PACK_FAST(NAME, T)                                                                                   \
    static void NAME(ev_buf *out, const T *v, size_t from, size_t to, size_t stop, int bw) {                 \
        uint8_t *o = out->data + out->len;                                                                   \
        uint64_t acc = 0, mask = bw == 32 ? 0xffffffffULL : (1ULL << bw) - 1;                                \
        int nb = 0;                                                                                          \
        for (size_t k = from; k < stop; k++) {                                                               \
            acc |= ((k < to ? (uint64_t)v[k] : 0) & mask) << nb;                                             \
            nb += bw;                                                                                        \
            if (nb >= 32) {                                                                                  \
                uint32_t w32 = (uint32_t)acc;                                                                \
                memcpy(o, &w32, 4);                                                                          \
                o += 4;                                                                                      \
                acc >>= 32;                                                                                  \
                nb -= 32;                                                                                    \
            }                                                                                                \
        }                                                                                                    \
        for (; nb > 0; nb -= 8) {                                                                            \
            *o++ = (uint8_t)acc;                                                                             \
            acc >>= 8;                                                                                       \
        }                                                                                                    \
        out->len = (size_t)(o - out->data);                                                                  \
    }

PACK_FAST(pack_fast_u32, uint32_t)
PACK_FAST(pack_fast_any_u8, uint8_t)

/* 1-bit values (definition levels) eight at a time: the multiply gathers the low bit of each byte of
 * a little-endian word into one byte, first value lowest. */
static void pack_fast_u8(ev_buf *out, const uint8_t *v, size_t from, size_t to, size_t stop, int bw) {
    if (bw != 1) {
        pack_fast_any_u8(out, v, from, to, stop, bw);
        return;
    }
    uint8_t *o = out->data + out->len;
    size_t k = from;
    for (; k + 8 <= to; k += 8)
        *o++ = (uint8_t)(((pq_load64(v + k) & 0x0101010101010101ULL) * 0x0102040810204080ULL) >> 56);
    out->len = (size_t)(o - out->data);
    if (k < stop) pack_fast_any_u8(out, v, k, to, stop, bw);
}

#define pack_fast(out, v, from, to, stop, bw)                                                                \
    _Generic((v), const uint32_t *: pack_fast_u32, const uint8_t *: pack_fast_u8)(out, v, from, to, stop, bw)

/* ---- RLE / bit-packed hybrid encoder ----
 * Runs of `min_run` (at least 8) or more equal values become RLE runs; everything else goes into
 * bit-packed groups of 8: at most 63 groups per header (as other writers do) when min_run is 8, else
 * up to 65,535, so that the header bytes do not stand among the values an entropy coder sees. */
#define RLE_ENCODE(NAME, T)                                                                                  \
    ev_status NAME(ev_buf *out, const T *v, size_t n, int bw, size_t min_run) {                              \
        if (min_run < 8) min_run = 8;                                                                        \
        size_t max_groups = min_run > 8 ? 65535 : 63;                                                        \
        size_t vbytes = (size_t)(bw + 7) / 8;                                                                \
        EV_TRY(ev_buf_reserve(out, n / 8 * (size_t)bw + n / 4 + 64));                                        \
        size_t i = 0;                                                                                        \
        while (i < n) {                                                                                      \
            size_t r = 1;                                                                                    \
            while (i + r < n && v[i + r] == v[i])                                                            \
                r++;                                                                                         \
            if (r >= min_run) {                                                                              \
                EV_TRY(ev_buf_reserve(out, 16));                                                             \
                put_varint(out, (uint64_t)r << 1);                                                           \
                uint32_t x = (uint32_t)v[i];                                                                 \
                for (size_t b = 0; b < vbytes; b++)                                                          \
                    out->data[out->len++] = (uint8_t)(x >> (8 * b));                                         \
                i += r;                                                                                      \
                continue;                                                                                    \
            }                                                                                                \
            /* literal groups until a run of 8 starts at a group boundary */                                 \
            size_t j = i, groups = 0;                                                                        \
            while (j < n && groups < max_groups) {                                                           \
                if (j > i && !(j + 7 < n && v[j + 7] != v[j])) { /* a run starting at j would hold v[j+7] */ \
                    size_t rr = 1;                                                                           \
                    while (j + rr < n && rr < min_run && v[j + rr] == v[j])                                  \
                        rr++;                                                                                \
                    if (rr >= min_run) break;                                                                \
                }                                                                                            \
                j += 8;                                                                                      \
                groups++;                                                                                    \
            }                                                                                                \
            EV_TRY(ev_buf_reserve(out, 16 + groups * (size_t)bw));                                           \
            put_varint(out, ((uint64_t)groups << 1) | 1);                                                    \
            size_t stop = i + groups * 8;                                                                    \
            pack_fast(out, v, i, stop < n ? stop : n, stop, bw);                                             \
            i = stop < n ? stop : n;                                                                         \
        }                                                                                                    \
        return EV_OK;                                                                                        \
    }

RLE_ENCODE(pq_rle_encode_u32_runs, uint32_t)
RLE_ENCODE(pq_rle_encode_u8_runs, uint8_t)

ev_status pq_rle_encode_u32(ev_buf *out, const uint32_t *v, size_t n, int bw) {
    return pq_rle_encode_u32_runs(out, v, n, bw, 8);
}

ev_status pq_rle_encode_u8(ev_buf *out, const uint8_t *v, size_t n, int bw) {
    return pq_rle_encode_u8_runs(out, v, n, bw, 8);
}

/* ---- RLE / bit-packed hybrid decoder ---- */

void pq_rle_dec_init(pq_rle_dec *d, const uint8_t *p, size_t len, int bw) {
    memset(d, 0, sizeof *d);
    d->p = p;
    d->end = p + len;
    d->bw = bw;
}

static bool rle_next_run(pq_rle_dec *d) {
    for (;;) {
        uint64_t h;
        if (d->p >= d->end) return false;
        if (!get_varint(&d->p, d->end, &h)) return false;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0) continue;
            if (groups > (1u << 27)) return false;
            uint64_t count = groups * 8;
            size_t avail = (size_t)(d->end - d->p);
            uint64_t bytes = groups * (uint64_t)d->bw;
            if (d->bw == 0) {
                d->packed = false;
                d->rle_value = 0;
                d->run_left = (uint32_t)count;
                return true;
            }
            if (bytes > avail) {
                count = (uint64_t)avail * 8 / (uint64_t)d->bw;
                bytes = avail;
                if (count == 0) return false;
            }
            d->packed = true;
            d->pack_p = d->p;
            d->pack_idx = 0;
            d->pack_total = (uint32_t)count;
            d->run_left = (uint32_t)count;
            d->p += bytes;
            return true;
        }
        uint64_t count = h >> 1;
        if (count == 0) continue;
        if (count > UINT32_MAX) return false;
        size_t vb = (size_t)(d->bw + 7) / 8;
        if ((size_t)(d->end - d->p) < vb) return false;
        uint32_t val = 0;
        for (size_t b = 0; b < vb; b++)
            val |= (uint32_t)d->p[b] << (8 * b);
        d->p += vb;
        if (d->bw < 32 && (val >> d->bw)) return false;
        d->packed = false;
        d->rle_value = val;
        d->run_left = (uint32_t)count;
        return true;
    }
}

/* Unpacks `groups` groups of 8 bw-bit values from g (LSB first; a group is bw bytes) into out. The
 * caller guarantees 8 readable bytes past every group's end. One loop per width, so that every shift
 * and offset is a constant: ~4x the per-value loop with a variable width. */
#define UNPACK8(T, BW, g, o)                                                                                 \
    do {                                                                                                     \
        const uint64_t m_ = (BW) == 32 ? 0xffffffffULL : ((1ULL << (BW)) - 1);                               \
        (o)[0] = (T)((pq_load64((g)) >> 0) & m_);                                                            \
        (o)[1] = (T)((pq_load64((g) + (1 * (BW)) / 8) >> ((1 * (BW)) % 8)) & m_);                            \
        (o)[2] = (T)((pq_load64((g) + (2 * (BW)) / 8) >> ((2 * (BW)) % 8)) & m_);                            \
        (o)[3] = (T)((pq_load64((g) + (3 * (BW)) / 8) >> ((3 * (BW)) % 8)) & m_);                            \
        (o)[4] = (T)((pq_load64((g) + (4 * (BW)) / 8) >> ((4 * (BW)) % 8)) & m_);                            \
        (o)[5] = (T)((pq_load64((g) + (5 * (BW)) / 8) >> ((5 * (BW)) % 8)) & m_);                            \
        (o)[6] = (T)((pq_load64((g) + (6 * (BW)) / 8) >> ((6 * (BW)) % 8)) & m_);                            \
        (o)[7] = (T)((pq_load64((g) + (7 * (BW)) / 8) >> ((7 * (BW)) % 8)) & m_);                            \
    } while (0)

#define UNPACK_CASE(T, BW)                                                                                   \
    case BW:                                                                                                 \
        for (size_t q = 0; q < groups; q++)                                                                  \
            UNPACK8(T, BW, g + q * (BW), out + q * 8);                                                       \
        break;

#define UNPACK_GROUPS(NAME, T)                                                                               \
    static void NAME(const uint8_t *g, T *out, size_t groups, int bw) {                                      \
        switch (bw) {                                                                                        \
            UNPACK_CASE(T, 1)                                                                                \
            UNPACK_CASE(T, 2)                                                                                \
            UNPACK_CASE(T, 3)                                                                                \
            UNPACK_CASE(T, 4)                                                                                \
            UNPACK_CASE(T, 5)                                                                                \
            UNPACK_CASE(T, 6)                                                                                \
            UNPACK_CASE(T, 7)                                                                                \
            UNPACK_CASE(T, 8)                                                                                \
            UNPACK_CASE(T, 9)                                                                                \
            UNPACK_CASE(T, 10)                                                                               \
            UNPACK_CASE(T, 11)                                                                               \
            UNPACK_CASE(T, 12)                                                                               \
            UNPACK_CASE(T, 13)                                                                               \
            UNPACK_CASE(T, 14)                                                                               \
            UNPACK_CASE(T, 15)                                                                               \
            UNPACK_CASE(T, 16)                                                                               \
            UNPACK_CASE(T, 17)                                                                               \
            UNPACK_CASE(T, 18)                                                                               \
            UNPACK_CASE(T, 19)                                                                               \
            UNPACK_CASE(T, 20)                                                                               \
            UNPACK_CASE(T, 21)                                                                               \
            UNPACK_CASE(T, 22)                                                                               \
            UNPACK_CASE(T, 23)                                                                               \
            UNPACK_CASE(T, 24)                                                                               \
            UNPACK_CASE(T, 25)                                                                               \
            UNPACK_CASE(T, 26)                                                                               \
            UNPACK_CASE(T, 27)                                                                               \
            UNPACK_CASE(T, 28)                                                                               \
            UNPACK_CASE(T, 29)                                                                               \
            UNPACK_CASE(T, 30)                                                                               \
            UNPACK_CASE(T, 31)                                                                               \
            UNPACK_CASE(T, 32)                                                                               \
        default:                                                                                             \
            for (size_t q = 0; q < groups * 8; q++)                                                          \
                out[q] = 0;                                                                                  \
            break;                                                                                           \
        }                                                                                                    \
    }

UNPACK_GROUPS(unpack_groups_u32, uint32_t)
UNPACK_GROUPS(unpack_groups_u8_any, uint8_t)

/* Definition levels of OPTIONAL columns are 1 bit wide: a byte of them becomes 8 bytes of 0/1 by
 * two multiplications (bit k of a nibble lands on bit 8k; no two partial products collide). */
static void unpack_groups_u8(const uint8_t *g, uint8_t *out, size_t groups, int bw) {
    if (bw != 1) {
        unpack_groups_u8_any(g, out, groups, bw);
        return;
    }
    for (size_t q = 0; q < groups; q++) {
        uint64_t lo = ((uint64_t)(g[q] & 0x0F) * 0x00204081u) & 0x01010101u;
        uint64_t hi = ((uint64_t)(g[q] >> 4) * 0x00204081u) & 0x01010101u;
        uint64_t w = lo | hi << 32;
        memcpy(out + q * 8, &w, 8);
    }
}

#define RLE_DECODE(NAME, T, UNPACK)                                                                          \
    bool NAME(pq_rle_dec *d, T *out, size_t n) {                                                             \
        while (n > 0) {                                                                                      \
            if (d->run_left == 0 && !rle_next_run(d)) return false;                                          \
            size_t k = d->run_left < n ? d->run_left : n;                                                    \
            if (!d->packed) {                                                                                \
                T v = (T)d->rle_value;                                                                       \
                for (size_t i = 0; i < k; i++)                                                               \
                    out[i] = v;                                                                              \
            } else {                                                                                         \
                const uint8_t *pp = d->pack_p;                                                               \
                size_t plen = (size_t)(d->p - pp);                                                           \
                int bw = d->bw;                                                                              \
                uint64_t idx = d->pack_idx;                                                                  \
                size_t i = 0;                                                                                \
                for (; i < k && (idx & 7); i++, idx++)                                                       \
                    out[i] = (T)get_bits(pp, plen, idx * (uint64_t)bw, bw);                                  \
                /* whole groups while 8 bytes past the group's end are readable: the run's bytes are         \
                 * followed by the rest of the page (or the caller's slack), else the tail loop reads */     \
                size_t groups = (k - i) / 8;                                                                 \
                size_t gstart = (size_t)(idx / 8) * (size_t)bw;                                              \
                size_t avail = (size_t)(d->end - pp);                                                        \
                size_t safe = avail >= gstart + 8 ? (avail - gstart - 8) / (size_t)bw : 0;                   \
                if (groups > safe) groups = safe;                                                            \
                if (groups) {                                                                                \
                    UNPACK(pp + gstart, out + i, groups, bw);                                                \
                    i += groups * 8;                                                                         \
                    idx += groups * 8;                                                                       \
                }                                                                                            \
                for (; i < k; i++, idx++)                                                                    \
                    out[i] = (T)get_bits(pp, plen, idx * (uint64_t)bw, bw);                                  \
                d->pack_idx = (uint32_t)idx;                                                                 \
            }                                                                                                \
            d->run_left -= (uint32_t)k;                                                                      \
            out += k;                                                                                        \
            n -= k;                                                                                          \
        }                                                                                                    \
        return true;                                                                                         \
    }

RLE_DECODE(pq_rle_dec_u32, uint32_t, unpack_groups_u32)
RLE_DECODE(pq_rle_dec_u8, uint8_t, unpack_groups_u8)

/* Sets bits [at, at + count) of the bitmap bm, 64 at a time (a run of NULLs or of values is
 * usually a few dozen rows: one or two read-modify-writes of a word). */
static void set_bit_range(uint8_t *bm, size_t at, size_t count) {
    size_t end = at + count;
    while (at < end) {
        size_t w = at >> 6;
        unsigned s = at & 63;
        size_t k = end - at < 64 - s ? end - at : 64 - s;
        uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << s, cur;
        memcpy(&cur, bm + w * 8, 8);
        cur |= mask;
        memcpy(bm + w * 8, &cur, 8);
        at += k;
    }
}

/* ORs `bits` bits of the packed bytes g (readable for `avail` bytes) in at bit `at` of the zeroed
 * bitmap bm (8 bytes of slack), 56 bits a step where 8 source bytes are readable. */
static void put_packed(uint8_t *bm, size_t at, const uint8_t *g, size_t avail, size_t bits) {
    size_t done = 0;
    while (done < bits) {
        size_t q = done >> 3, k = bits - done < 56 ? bits - done : 56;
        uint64_t x;
        if (avail >= q + 8) {
            memcpy(&x, g + q, 8);
        } else {
            x = 0;
            memcpy(&x, g + q, avail - q < 8 ? avail - q : 8);
        }
        x &= (1ULL << k) - 1;
        size_t o = (at + done) >> 3;
        uint64_t cur;
        memcpy(&cur, bm + o, 8);
        cur |= x << ((at + done) & 7);
        memcpy(bm + o, &cur, 8);
        done += k;
    }
}

/* 1-bit levels of a whole page as a bitmap (bit i of byte i/8 is row i's level), for a fresh
 * decoder: a bit-packed run already is one, copied 56 bits a step (shifted when it starts inside
 * a byte), and an RLE run sets a range of bits. An eighth of the stores of 0/1 bytes, and the
 * reader counts and ranks rows with popcounts. bm needs (n + 7) / 8 + 8 bytes; bits past n are
 * zero. */
bool pq_rle_dec_bits1(pq_rle_dec *d, uint8_t *bm, size_t n) {
    if (d->bw != 1 || d->run_left) return false;
    const uint8_t *p = d->p, *end = d->end;
    memset(bm, 0, (n + 7) / 8 + 8);
    size_t i = 0;
    while (i < n) {
        uint64_t h;
        if (!get_varint(&p, end, &h)) return false;
        if (h & 1) {
            size_t groups = (size_t)(h >> 1), avail = (size_t)(end - p);
            if (groups > avail) groups = avail; /* a last run may be cut short (as rle_next_run) */
            if (groups == 0) {
                if (h >> 1) return false;
                continue;
            }
            size_t take = groups * 8 < n - i ? groups * 8 : n - i;
            put_packed(bm, i, p, (size_t)(end - p), take);
            p += groups;
            i += take;
        } else {
            uint64_t count = h >> 1;
            if (count == 0) continue;
            if (p >= end || (*p >> 1)) return false;
            size_t take = count < n - i ? (size_t)count : n - i;
            if (*p++) set_bit_range(bm, i, take);
            i += take;
        }
    }
    d->p = p;
    return true;
}

/* Consumes `total` values and keeps those at the ascending offsets idx[0..m) (each < total): a
 * value of a bit-packed run is read where it lies, so a filter that keeps one row in ten unpacks
 * one value in ten, and m = 0 skips. */
bool pq_rle_dec_gather_u32(pq_rle_dec *d, size_t total, const uint32_t *idx, size_t m, uint32_t *out) {
    size_t base = 0, k = 0;
    while (base < total) {
        if (d->run_left == 0 && !rle_next_run(d)) return false;
        size_t take = d->run_left < total - base ? d->run_left : total - base;
        size_t stop = base + take;
        if (!d->packed) {
            for (; k < m && idx[k] < stop; k++)
                out[k] = d->rle_value;
        } else {
            const uint8_t *pp = d->pack_p;
            size_t plen = (size_t)(d->p - pp);
            uint64_t first = (uint64_t)d->pack_idx - base;
            int bw = d->bw;
            uint64_t mask = bw == 32 ? 0xffffffffULL : (1ULL << bw) - 1;
            for (; k < m && idx[k] < stop; k++) {
                uint64_t bit = (first + idx[k]) * (uint64_t)bw;
                size_t byte = (size_t)(bit >> 3);
                /* a code of <= 32 bits starting at any bit of a byte lies within 8 bytes */
                out[k] = byte + 8 <= plen ? (uint32_t)((pq_load64(pp + byte) >> (bit & 7)) & mask)
                                          : (uint32_t)get_bits(pp, plen, bit, bw);
            }
            d->pack_idx += (uint32_t)take;
        }
        d->run_left -= (uint32_t)take;
        base = stop;
    }
    return true;
}

/* ---- DELTA_BINARY_PACKED ---- */

#define DELTA_BLOCK 1024
#define DELTA_MINIBLOCKS 8
#define DELTA_MB_VALUES (DELTA_BLOCK / DELTA_MINIBLOCKS)

ev_status pq_delta_encode(ev_buf *out, const int64_t *v, size_t n, bool is32) {
    EV_TRY(ev_buf_reserve(out, 64 + n * (is32 ? 5 : 9) + n / 8));
    put_varint(out, DELTA_BLOCK);
    put_varint(out, DELTA_MINIBLOCKS);
    put_varint(out, n);
    int64_t first = n ? v[0] : 0;
    put_varint(out, ((uint64_t)first << 1) ^ (uint64_t)(first >> 63));
    uint64_t deltas[DELTA_BLOCK];
    size_t i = 1;
    while (i < n) {
        size_t k = n - i < DELTA_BLOCK ? n - i : DELTA_BLOCK;
        int64_t min = INT64_MAX;
        for (size_t j = 0; j < k; j++) {
            int64_t d;
            if (is32)
                d = (int32_t)((uint32_t)(int32_t)v[i + j] - (uint32_t)(int32_t)v[i + j - 1]);
            else
                d = (int64_t)((uint64_t)v[i + j] - (uint64_t)v[i + j - 1]);
            deltas[j] = (uint64_t)d;
            if (d < min) min = d;
        }
        EV_TRY(ev_buf_reserve(out, 16 + DELTA_MINIBLOCKS + DELTA_BLOCK * 8));
        put_varint(out, ((uint64_t)min << 1) ^ (uint64_t)(min >> 63));
        int widths[DELTA_MINIBLOCKS];
        for (size_t j = 0; j < k; j++) {
            deltas[j] -= (uint64_t)min;
            if (is32) deltas[j] &= 0xffffffffu;
        }
        for (int m = 0; m < DELTA_MINIBLOCKS; m++) {
            uint64_t mx = 0;
            for (size_t j = (size_t)m * DELTA_MB_VALUES; j < (size_t)(m + 1) * DELTA_MB_VALUES && j < k; j++)
                mx |= deltas[j];
            widths[m] = pq_bit_width(mx);
            out->data[out->len++] = (uint8_t)widths[m];
        }
        for (int m = 0; m < DELTA_MINIBLOCKS; m++) {
            size_t s = (size_t)m * DELTA_MB_VALUES;
            if (s >= k) break;
            uint64_t tmp[DELTA_MB_VALUES];
            for (size_t j = 0; j < DELTA_MB_VALUES; j++)
                tmp[j] = s + j < k ? deltas[s + j] : 0;
            EV_TRY(pq_pack_bits(out, tmp, DELTA_MB_VALUES, widths[m]));
        }
        i += k;
    }
    return EV_OK;
}

typedef struct delta_hdr {
    uint64_t block, mbs, total;
    int64_t first;
} delta_hdr;

static bool delta_header(const uint8_t **p, const uint8_t *end, delta_hdr *h, const char **why) {
    uint64_t f;
    if (!get_varint(p, end, &h->block) || !get_varint(p, end, &h->mbs) || !get_varint(p, end, &h->total) ||
        !get_varint(p, end, &f)) {
        *why = "truncated DELTA_BINARY_PACKED header";
        return false;
    }
    h->first = (int64_t)(f >> 1) ^ -(int64_t)(f & 1);
    if (h->block == 0 || h->block % 128 || h->block > (1u << 20) || h->mbs == 0 || h->block % h->mbs ||
        (h->block / h->mbs) % 32) {
        *why = "bad DELTA_BINARY_PACKED block or miniblock size";
        return false;
    }
    return true;
}

bool pq_delta_count(const uint8_t *p, size_t len, size_t *n) {
    delta_hdr h;
    const char *why;
    if (!delta_header(&p, p + len, &h, &why)) return false;
    if (h.total > SIZE_MAX / 16) return false;
    *n = (size_t)h.total;
    return true;
}

bool pq_delta_decode(const uint8_t *p, size_t len, int64_t *out, size_t cap, size_t *n_out, size_t *used,
                     bool is32, const char **why) {
    const uint8_t *start = p, *end = p + len;
    delta_hdr h;
    if (!delta_header(&p, end, &h, why)) return false;
    if (h.total > cap) {
        *why = "DELTA_BINARY_PACKED holds more values than the page";
        return false;
    }
    size_t n = (size_t)h.total, got = 0;
    uint64_t cur = (uint64_t)h.first;
    if (n > 0) out[got++] = is32 ? (int64_t)(int32_t)(uint32_t)cur : (int64_t)cur;
    uint64_t per_mb = h.block / h.mbs;
    uint8_t widths[1024];
    if (h.mbs > sizeof widths) {
        *why = "too many DELTA_BINARY_PACKED miniblocks";
        return false;
    }
    while (got < n) {
        uint64_t md;
        if (!get_varint(&p, end, &md)) {
            *why = "truncated DELTA_BINARY_PACKED block";
            return false;
        }
        uint64_t min_delta = (uint64_t)((int64_t)(md >> 1) ^ -(int64_t)(md & 1));
        if ((uint64_t)(end - p) < h.mbs) {
            *why = "truncated DELTA_BINARY_PACKED bit widths";
            return false;
        }
        memcpy(widths, p, h.mbs);
        p += h.mbs;
        for (uint64_t m = 0; m < h.mbs && got < n; m++) {
            int bw = widths[m];
            if (bw > 64) { /* int32 columns too: some writers (DuckDB) take 64-bit deltas */
                *why = "DELTA_BINARY_PACKED bit width too large";
                return false;
            }
            uint64_t bytes = per_mb * (uint64_t)bw / 8;
            if (bytes > (uint64_t)(end - p)) {
                *why = "truncated DELTA_BINARY_PACKED miniblock";
                return false;
            }
            size_t take = n - got < per_mb ? n - got : (size_t)per_mb;
            if (bw == 0) {
                for (size_t j = 0; j < take; j++) {
                    cur += min_delta;
                    out[got++] = (int64_t)cur;
                }
            } else if (bw <= 56 && (uint64_t)(end - p) >= bytes + 8) {
                /* 8 bytes readable at every value's start: one load and shift per value */
                uint64_t mask = (1ULL << bw) - 1, bit = 0;
                for (size_t j = 0; j < take; j++, bit += (uint64_t)bw) {
                    cur += min_delta + ((pq_load64(p + (bit >> 3)) >> (bit & 7)) & mask);
                    out[got++] = (int64_t)cur;
                }
            } else {
                for (size_t j = 0; j < take; j++) {
                    cur += min_delta + get_bits(p, (size_t)bytes, (uint64_t)j * (uint64_t)bw, bw);
                    out[got++] = (int64_t)cur;
                }
            }
            if (is32)
                for (size_t j = got - take; j < got; j++)
                    out[j] = (int64_t)(int32_t)(uint32_t)out[j];
            p += bytes;
        }
    }
    *n_out = n;
    *used = (size_t)(p - start);
    return true;
}

/* ---- hashing ---- */

uint64_t pq_hash_bytes(const void *data, size_t n) {
    const uint8_t *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
    while (n >= 8) {
        uint64_t k = pq_load64(p) * 0x87c37b91114253d5ULL;
        k = (k << 31) | (k >> 33);
        h = (h ^ k) * 0x4cf5ad432745937fULL;
        h = (h << 27) | (h >> 37);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t k = 0;
        memcpy(&k, p, n);
        h ^= k * 0x87c37b91114253d5ULL;
    }
    return pq_hash_u64(h);
}

/* ---- sorting dictionaries ---- */

void pq_radix_sort_keys(uint64_t *key, uint32_t *order, uint32_t n, uint64_t *key2, uint32_t *ord2) {
    uint64_t all_and = ~0ULL, all_or = 0;
    for (uint32_t i = 0; i < n; i++) {
        all_and &= key[i];
        all_or |= key[i];
    }
    uint64_t varying = all_and ^ all_or;
    for (int shift = 0; shift < 64; shift += 8) {
        if (!((varying >> shift) & 0xff)) continue;
        uint32_t cnt[257] = {0};
        for (uint32_t i = 0; i < n; i++)
            cnt[((key[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++)
            cnt[b + 1] += cnt[b];
        for (uint32_t i = 0; i < n; i++) {
            uint32_t at = cnt[(key[i] >> shift) & 0xff]++;
            key2[at] = key[i];
            ord2[at] = order[i];
        }
        memcpy(key, key2, (size_t)n * 8);
        memcpy(order, ord2, (size_t)n * 4);
    }
}

uint64_t pq_string_sort_key(const char *p, size_t len) {
    uint8_t b[8] = {0};
    if (len) memcpy(b, p, len < 8 ? len : 8);
    uint64_t k = 0;
    for (int j = 0; j < 8; j++)
        k = k << 8 | b[j];
    return k;
}

int pq_bytes_cmp(const void *a, size_t al, const void *b, size_t bl) {
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (al > bl) - (al < bl);
}

typedef struct sort_ctx {
    pq_string_at_fn at;
    const void *ctx;
} sort_ctx;

static int cmp_string_entry(const void *a, const void *b, void *ctx) {
    const sort_ctx *s = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t xl, yl;
    const char *xp = s->at(s->ctx, x, &xl), *yp = s->at(s->ctx, y, &yl);
    int r = pq_bytes_cmp(xp, xl, yp, yl);
    return r ? r : (x > y) - (x < y);
}

ev_status pq_sort_strings(pq_string_at_fn at, const void *ctx, uint32_t n, uint32_t *order, ev_buf *scratch) {
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    if (n < 2) return EV_OK;
    ev_buf_reset(scratch);
    EV_TRY(ev_buf_reserve(scratch, (size_t)n * (8 + 8 + 4)));
    uint64_t *key = (uint64_t *)(void *)scratch->data, *key2 = key + n;
    uint32_t *ord2 = (uint32_t *)(key2 + n);
    for (uint32_t i = 0; i < n; i++) {
        size_t len;
        const char *p = at(ctx, i, &len);
        key[i] = pq_string_sort_key(p, len);
    }
    pq_radix_sort_keys(key, order, n, key2, ord2);
    /* strings sharing their first 8 bytes: by the whole bytes */
    sort_ctx sc = {at, ctx};
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && key[j] == key[i])
            j++;
        if (j - i > 1) qsort_r(order + i, j - i, 4, cmp_string_entry, &sc);
        i = j;
    }
    return EV_OK;
}
