/*
 * ev_hash.h: the 64-bit mixer every hash table of evlake finishes with (MurmurHash3's fmix64: a
 * bijection whose every output bit depends on every input bit), shared so that the Parquet
 * dictionaries and the SQL engine's tables agree on what a good hash is.
 */
#ifndef EV_HASH_H
#define EV_HASH_H

#include <stdint.h>

static inline uint64_t ev_mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

#endif
