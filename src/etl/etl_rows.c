/* etl_rows.c: dictionary interning and the columnar row buffer (see etl_rows.h). */
#include "etl_rows.h"

#include <string.h>

static inline uint64_t load64(const char *s) {
    uint64_t v;
    memcpy(&v, s, 8);
    return v;
}

static inline uint64_t load32(const char *s) {
    uint32_t v;
    memcpy(&v, s, 4);
    return v;
}

/* Loads up to 16 bytes zero-padded (never past len), the slot's key, with fixed-size loads that
 * overlap (little-endian): a variable-length memcpy is a library call per value. */
static inline void load_head(const char *s, size_t len, uint64_t head[2]) {
    if (len >= 16) {
        head[0] = load64(s);
        head[1] = load64(s + 8);
    } else if (len >= 8) {
        head[0] = load64(s);
        head[1] = len > 8 ? load64(s + len - 8) >> (8 * (16 - len)) : 0;
    } else if (len >= 4) {
        head[0] = load32(s) | (load32(s + len - 4) >> (8 * (8 - len))) << 32;
        head[1] = 0;
    } else {
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++) v |= (uint64_t)(uint8_t)s[i] << (8 * i);
        head[0] = v;
        head[1] = 0;
    }
}

/* Hash: a multiply-mix of the first 16 bytes and the length, then FNV-1a over the rest. */
static inline uint32_t hash_value(const uint64_t head[2], const char *s, size_t len) {
    uint64_t h = (head[0] * 0x9E3779B97F4A7C15ULL) ^ (head[1] * 0xC2B2AE3D27D4EB4FULL) ^ (len * 0x165667B19E3779F9ULL);
    for (size_t i = 16; i < len; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    uint32_t v = (uint32_t)(h ^ (h >> 32));
    return v == ETL_DICT_DIRECT ? 0 : v; /* the marker of direct ids is never a hash */
}

void etl_dict_init(etl_dict *d, const ev_allocator *alloc) {
    memset(d, 0, sizeof *d);
    d->alloc = alloc;
    ev_buf_init(&d->bytes, alloc);
}

static void slot_fill(etl_dict_slot *slot, const uint64_t head[2], size_t len, uint32_t hash, uint32_t code) {
    slot->head[0] = head[0];
    slot->head[1] = head[1];
    slot->code1 = code + 1;
    slot->len = (uint16_t)(len < UINT16_MAX ? len : UINT16_MAX);
    slot->tag = (uint16_t)(hash >> 16);
}

static ev_status dict_grow_slots(etl_dict *d) {
    uint32_t nslots = d->nslots ? d->nslots * 2 : 1024;
    etl_dict_slot *slots = ev_calloc(d->alloc, nslots, sizeof *slots);
    if (!slots) return EV_ERR_NOMEM;
    for (uint32_t code = 0; code < d->n; code++) {
        if (d->hashes[code] == ETL_DICT_DIRECT) continue;
        uint32_t i = d->hashes[code] & (nslots - 1);
        while (slots[i].code1) i = (i + 1) & (nslots - 1);
        size_t len;
        const char *v = etl_dict_value(d, code, &len);
        uint64_t head[2];
        load_head(v, len, head);
        slot_fill(&slots[i], head, len, d->hashes[code], code);
    }
    ev_free(d->alloc, d->slots, (size_t)d->nslots * sizeof *d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return EV_OK;
}

static ev_status dict_grow_values(etl_dict *d) {
    uint32_t cap = d->cap ? d->cap * 2 : 256;
    uint32_t *offsets = ev_realloc(d->alloc, d->offsets, d->cap ? ((size_t)d->cap + 1) * sizeof *offsets : 0,
                                   ((size_t)cap + 1) * sizeof *offsets);
    if (!offsets) return EV_ERR_NOMEM;
    d->offsets = offsets;
    if (d->cap == 0) d->offsets[0] = 0;
    uint32_t *hashes = ev_realloc(d->alloc, d->hashes, (size_t)d->cap * sizeof *hashes, (size_t)cap * sizeof *hashes);
    if (!hashes) return EV_ERR_NOMEM;
    d->hashes = hashes;
    d->cap = cap;
    return EV_OK;
}

/* Looks up (or adds) a value whose head and hash are already computed. */
/* Appends a new value; returns its code. */
static ev_status add_value(etl_dict *d, const char *s, size_t len, uint32_t hash, uint32_t *code) {
    if (d->n == d->cap) EV_TRY(dict_grow_values(d));
    if (d->bytes.len + len > UINT32_MAX) return EV_ERR_NOMEM;
    EV_TRY(ev_buf_append(&d->bytes, s, len));
    uint32_t c = d->n++;
    d->hashes[c] = hash;
    d->offsets[c + 1] = (uint32_t)d->bytes.len;
    *code = c;
    return EV_OK;
}

#define ID_MAX (1u << 22)

/* The number of a direct id, or -1 if the value is not one: the dictionary's prefix (chosen by
 * the first value that looks like an id) then 1-7 digits with no leading zero. */
static inline long direct_id(etl_dict *d, const char *s, size_t len) {
    size_t k = len;
    while (k > 0 && len - k <= 7 && (unsigned)(s[k - 1] - '0') <= 9) k--; /* 8 digits already say no */
    size_t digits = len - k;
    if (digits == 0 || digits > 7 || s[k] == '0' || k == 0 || k > sizeof d->id_prefix) return -1;
    if (d->id_prefix_len == 0) {
        memcpy(d->id_prefix, s, k);
        d->id_prefix_len = (uint32_t)k;
    } else {
        if (d->id_prefix_len != k) return -1;
        for (size_t i = 0; i < k; i++) /* a prefix of 1-8 bytes ("u_"): cheaper than a memcmp call */
            if (d->id_prefix[i] != s[i]) return -1;
    }
    long v = 0;
    for (size_t i = k; i < len; i++) v = v * 10 + (s[i] - '0');
    return v < (long)ID_MAX ? v : -1;
}

/* A direct id not seen yet in this dictionary (the array grown to hold it). Out of line: the
 * hot path, intern_direct, is a load. */
static __attribute__((noinline)) ev_status intern_direct_add(etl_dict *d, long id, const char *s, size_t len,
                                                              uint32_t *code) {
    if ((uint32_t)id >= d->id_cap) {
        uint32_t cap = d->id_cap ? d->id_cap : 1024;
        while (cap <= (uint32_t)id) cap *= 2;
        if (cap > ID_MAX) cap = ID_MAX;
        uint32_t *grown = ev_realloc(d->alloc, d->id_codes, (size_t)d->id_cap * 4, (size_t)cap * 4);
        if (!grown) return EV_ERR_NOMEM;
        memset(grown + d->id_cap, 0, (size_t)(cap - d->id_cap) * 4);
        d->id_codes = grown;
        d->id_cap = cap;
    }
    EV_TRY(add_value(d, s, len, ETL_DICT_DIRECT, code));
    d->id_codes[id] = *code + 1;
    return EV_OK;
}

static inline ev_status intern_direct(etl_dict *d, long id, const char *s, size_t len, uint32_t *code) {
    uint32_t c1 = (uint32_t)id < d->id_cap ? d->id_codes[id] : 0;
    if (!c1) return intern_direct_add(d, id, s, len, code);
    *code = c1 - 1;
    return EV_OK;
}

/* Adds a value the hash table does not hold at slot i (its probe's end). Out of line, as above. */
static __attribute__((noinline)) ev_status intern_hashed_add(etl_dict *d, uint32_t i, const uint64_t head[2],
                                                              uint32_t h, const char *s, size_t len,
                                                              uint32_t *code) {
    uint32_t c;
    EV_TRY(add_value(d, s, len, h, &c));
    slot_fill(&d->slots[i], head, len, h, c);
    d->nhashed++;
    *code = c;
    return EV_OK;
}

static inline __attribute__((always_inline)) ev_status intern_hashed(etl_dict *d, const uint64_t head[2],
                                                                     uint32_t h, const char *s, size_t len,
                                                                     uint32_t *code) {
    if ((uint64_t)d->nhashed * 2 >= d->nslots) EV_TRY(dict_grow_slots(d));
    uint16_t tag = (uint16_t)(h >> 16), slen = (uint16_t)(len < UINT16_MAX ? len : UINT16_MAX);
    uint32_t i = h & (d->nslots - 1);
    for (etl_dict_slot *slot; (slot = &d->slots[i])->code1 != 0; i = (i + 1) & (d->nslots - 1)) {
        if (slot->tag != tag || slot->len != slen || slot->head[0] != head[0] || slot->head[1] != head[1]) continue;
        uint32_t c = slot->code1 - 1;
        if (len > 16 && (d->offsets[c + 1] - d->offsets[c] != len ||
                         memcmp(d->bytes.data + d->offsets[c] + 16, s + 16, len - 16) != 0))
            continue;
        *code = c;
        return EV_OK;
    }
    return intern_hashed_add(d, i, head, h, s, len, code);
}

ev_status etl_dict_intern(etl_dict *d, const char *s, size_t len, uint32_t *code) {
    long id = direct_id(d, s, len);
    if (id >= 0) return intern_direct(d, id, s, len, code);
    uint64_t head[2];
    load_head(s, len, head);
    return intern_hashed(d, head, hash_value(head, s, len), s, len, code);
}

bool etl_dict_sorted_order(const etl_dict *d, uint32_t *order) {
    if (d->n == 0 || d->nhashed != 0) return false;
    uint32_t len = d->offsets[1] - d->offsets[0];
    for (uint32_t i = 1; i < d->n; i++)
        if (d->offsets[i + 1] - d->offsets[i] != len) return false;
    uint32_t k = 0;
    for (uint32_t id = 0; id < d->id_cap && k < d->n; id++)
        if (d->id_codes[id]) order[k++] = d->id_codes[id] - 1;
    return k == d->n;
}

void etl_dict_reset(etl_dict *d) {
    if (d->slots) memset(d->slots, 0, (size_t)d->nslots * sizeof *d->slots);
    if (d->id_codes) memset(d->id_codes, 0, (size_t)d->id_cap * 4);
    d->n = 0;
    d->nhashed = 0;
    ev_buf_reset(&d->bytes);
}

void etl_dict_free(etl_dict *d) {
    ev_buf_free(&d->bytes);
    ev_free(d->alloc, d->offsets, d->cap ? ((size_t)d->cap + 1) * sizeof *d->offsets : 0);
    ev_free(d->alloc, d->hashes, (size_t)d->cap * sizeof *d->hashes);
    ev_free(d->alloc, d->slots, (size_t)d->nslots * sizeof *d->slots);
    ev_free(d->alloc, d->id_codes, (size_t)d->id_cap * 4);
    memset(d, 0, sizeof *d);
}

void etl_rows_init(etl_rows *r, const ev_allocator *alloc) {
    memset(r, 0, sizeof *r);
    r->alloc = alloc;
    for (int c = 0; c < ETL_NSTRING_COLS; c++) etl_dict_init(&r->dict[c], alloc);
    r->ts_min = INT64_MAX;
    r->ts_max = INT64_MIN;
}

#define GROW(field, old, cap) ev_realloc(r->alloc, r->field, (old) * sizeof *r->field, (cap) * sizeof *r->field)

static ev_status rows_grow(etl_rows *r) {
    size_t cap = r->cap ? r->cap * 2 : 4096, old = r->cap;
    void *p;
    if (!(p = GROW(ts, old, cap))) return EV_ERR_NOMEM;
    r->ts = p;
    for (int c = 0; c < ETL_NSTRING_COLS; c++) {
        if (!(p = GROW(codes[c], old, cap))) return EV_ERR_NOMEM;
        r->codes[c] = p;
    }
    if (!(p = GROW(quantity, old, cap))) return EV_ERR_NOMEM;
    r->quantity = p;
    if (!(p = GROW(price, old, cap))) return EV_ERR_NOMEM;
    r->price = p;
    if (!(p = GROW(has_quantity, old, cap))) return EV_ERR_NOMEM;
    r->has_quantity = p;
    if (!(p = GROW(has_price, old, cap))) return EV_ERR_NOMEM;
    r->has_price = p;
    r->cap = cap;
    return EV_OK;
}

/* Interns column c of a batch: hashes and prefetches first, then probes. */
static ev_status intern_column(etl_rows *r, int c, const etl_event *e, size_t n) {
    etl_dict *d = &r->dict[c];
    uint32_t *codes = r->codes[c] + r->n;
    uint64_t heads[ETL_BATCH][2];
    uint32_t hashes[ETL_BATCH];
    long ids[ETL_BATCH];
    for (size_t i = 0; i < n; i++) {
        if (!e[i].str[c]) continue;
        ids[i] = direct_id(d, e[i].str[c], e[i].str_len[c]);
        if (ids[i] >= 0) {
            if ((uint32_t)ids[i] < d->id_cap) __builtin_prefetch(&d->id_codes[ids[i]]);
            continue;
        }
        load_head(e[i].str[c], e[i].str_len[c], heads[i]);
        hashes[i] = hash_value(heads[i], e[i].str[c], e[i].str_len[c]);
        if (d->nslots) __builtin_prefetch(&d->slots[hashes[i] & (d->nslots - 1)]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!e[i].str[c]) codes[i] = ETL_NULL_CODE;
        else if (ids[i] >= 0) EV_TRY(intern_direct(d, ids[i], e[i].str[c], e[i].str_len[c], &codes[i]));
        else EV_TRY(intern_hashed(d, heads[i], hashes[i], e[i].str[c], e[i].str_len[c], &codes[i]));
    }
    return EV_OK;
}

ev_status etl_rows_append_batch(etl_rows *r, const etl_event *e, size_t n) {
    if (n > ETL_BATCH) return EV_ERR_INTERNAL;
    while (r->cap - r->n < n) EV_TRY(rows_grow(r));
    for (int c = 0; c < ETL_NSTRING_COLS; c++) EV_TRY(intern_column(r, c, e, n));
    for (size_t k = 0; k < n; k++) {
        size_t i = r->n + k;
        r->ts[i] = e[k].ts_usec;
        if (e[k].ts_usec < r->ts_min) r->ts_min = e[k].ts_usec;
        if (e[k].ts_usec > r->ts_max) r->ts_max = e[k].ts_usec;
        r->quantity[i] = e[k].has_quantity ? e[k].quantity : 0;
        r->has_quantity[i] = e[k].has_quantity;
        r->price[i] = e[k].has_price ? e[k].price : 0.0;
        r->has_price[i] = e[k].has_price;
    }
    r->n += n;
    return EV_OK;
}

ev_status etl_rows_append(etl_rows *r, const etl_event *e) { return etl_rows_append_batch(r, e, 1); }

size_t etl_rows_memory(const etl_rows *r) {
    size_t bytes = r->cap * (8 + 4 * ETL_NSTRING_COLS + 4 + 8 + 2);
    for (int c = 0; c < ETL_NSTRING_COLS; c++)
        bytes += r->dict[c].bytes.cap + (size_t)r->dict[c].cap * 8 + (size_t)r->dict[c].nslots * sizeof(etl_dict_slot) +
                 (size_t)r->dict[c].id_cap * 4;
    return bytes;
}

void etl_rows_reset(etl_rows *r) {
    r->n = 0;
    for (int c = 0; c < ETL_NSTRING_COLS; c++) etl_dict_reset(&r->dict[c]);
    r->ts_min = INT64_MAX;
    r->ts_max = INT64_MIN;
}

void etl_rows_free(etl_rows *r) {
    size_t cap = r->cap;
    ev_free(r->alloc, r->ts, cap * sizeof *r->ts);
    for (int c = 0; c < ETL_NSTRING_COLS; c++) {
        ev_free(r->alloc, r->codes[c], cap * sizeof *r->codes[c]);
        etl_dict_free(&r->dict[c]);
    }
    ev_free(r->alloc, r->quantity, cap * sizeof *r->quantity);
    ev_free(r->alloc, r->price, cap * sizeof *r->price);
    ev_free(r->alloc, r->has_quantity, cap);
    ev_free(r->alloc, r->has_price, cap);
    memset(r, 0, sizeof *r);
}
