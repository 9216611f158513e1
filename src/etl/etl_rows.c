/* etl_rows.c: dictionary interning and the columnar row buffer (see etl_rows.h). */
#include "etl_rows.h"

#include <string.h>

/* FNV-1a over short ids, then a final avalanche so the low bits index well. */
static uint32_t hash_bytes(const char *s, size_t len) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(h ^ (h >> 32));
}

void etl_dict_init(etl_dict *d, const ev_allocator *alloc) {
    memset(d, 0, sizeof *d);
    d->alloc = alloc;
    ev_buf_init(&d->bytes, alloc);
}

static ev_status dict_grow_slots(etl_dict *d) {
    uint32_t nslots = d->nslots ? d->nslots * 2 : 1024;
    uint32_t *slots = ev_calloc(d->alloc, nslots, sizeof *slots);
    if (!slots) return EV_ERR_NOMEM;
    for (uint32_t code = 0; code < d->n; code++) {
        uint32_t i = d->hashes[code] & (nslots - 1);
        while (slots[i]) i = (i + 1) & (nslots - 1);
        slots[i] = code + 1;
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

ev_status etl_dict_intern(etl_dict *d, const char *s, size_t len, uint32_t *code) {
    if ((uint64_t)d->n * 2 >= d->nslots) EV_TRY(dict_grow_slots(d));
    uint32_t h = hash_bytes(s, len);
    uint32_t i = h & (d->nslots - 1);
    for (uint32_t slot; (slot = d->slots[i]) != 0; i = (i + 1) & (d->nslots - 1)) {
        uint32_t c = slot - 1;
        if (d->hashes[c] == h && d->offsets[c + 1] - d->offsets[c] == len &&
            memcmp(d->bytes.data + d->offsets[c], s, len) == 0) {
            *code = c;
            return EV_OK;
        }
    }
    if (d->n == d->cap) EV_TRY(dict_grow_values(d));
    if (d->bytes.len + len > UINT32_MAX) return EV_ERR_NOMEM;
    EV_TRY(ev_buf_append(&d->bytes, s, len));
    uint32_t c = d->n++;
    d->hashes[c] = h;
    d->offsets[c + 1] = (uint32_t)d->bytes.len;
    d->slots[i] = c + 1;
    *code = c;
    return EV_OK;
}

void etl_dict_reset(etl_dict *d) {
    if (d->slots) memset(d->slots, 0, (size_t)d->nslots * sizeof *d->slots);
    d->n = 0;
    ev_buf_reset(&d->bytes);
}

void etl_dict_free(etl_dict *d) {
    ev_buf_free(&d->bytes);
    ev_free(d->alloc, d->offsets, d->cap ? ((size_t)d->cap + 1) * sizeof *d->offsets : 0);
    ev_free(d->alloc, d->hashes, (size_t)d->cap * sizeof *d->hashes);
    ev_free(d->alloc, d->slots, (size_t)d->nslots * sizeof *d->slots);
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

ev_status etl_rows_append(etl_rows *r, const etl_event *e) {
    if (r->n == r->cap) EV_TRY(rows_grow(r));
    size_t i = r->n;
    for (int c = 0; c < ETL_NSTRING_COLS; c++) {
        if (!e->str[c]) r->codes[c][i] = ETL_NULL_CODE;
        else EV_TRY(etl_dict_intern(&r->dict[c], e->str[c], e->str_len[c], &r->codes[c][i]));
    }
    r->ts[i] = e->ts_usec;
    if (e->ts_usec < r->ts_min) r->ts_min = e->ts_usec;
    if (e->ts_usec > r->ts_max) r->ts_max = e->ts_usec;
    r->quantity[i] = e->has_quantity ? e->quantity : 0;
    r->has_quantity[i] = e->has_quantity;
    r->price[i] = e->has_price ? e->price : 0.0;
    r->has_price[i] = e->has_price;
    r->n++;
    return EV_OK;
}

size_t etl_rows_memory(const etl_rows *r) {
    size_t bytes = r->cap * (8 + 4 * ETL_NSTRING_COLS + 4 + 8 + 2);
    for (int c = 0; c < ETL_NSTRING_COLS; c++)
        bytes += r->dict[c].bytes.cap + (size_t)r->dict[c].cap * 8 + (size_t)r->dict[c].nslots * 4;
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
