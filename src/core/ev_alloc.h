/*
 * ev_alloc: the injectable allocator, arenas and growable byte buffers.
 *
 * Every module that allocates takes an `const ev_allocator *` through its context (never a global),
 * so tests can hand in a failing allocator to reach out-of-memory paths, and a budget-keeping
 * allocator can bound a query or an ETL run. NULL means the C library's malloc.
 *
 * Arenas serve allocations that share one lifetime (a batch, a page decode, a query): no per-row
 * malloc, one reset frees everything. Buffers (ev_buf) are the growable byte strings used for
 * encoding output.
 */
#ifndef EV_ALLOC_H
#define EV_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "ev_status.h"

typedef struct ev_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} ev_allocator;

/* The C library allocator. Returned pointer is static and valid forever. */
const ev_allocator *ev_allocator_default(void);

/* Thin wrappers; `a` may be NULL for the default allocator. They return NULL on failure. */
void *ev_alloc(const ev_allocator *a, size_t size);
void *ev_calloc(const ev_allocator *a, size_t n, size_t size); /* zeroed; checks n*size overflow */
void *ev_realloc(const ev_allocator *a, void *ptr, size_t old_size, size_t new_size);
void ev_free(const ev_allocator *a, void *ptr, size_t size);

/* An allocator that fails after `budget` successful allocations (tests), or when the live bytes
 * would exceed `byte_limit` (0 = no limit). `state` is caller-owned and must outlive its use. */
typedef struct ev_limit_allocator {
    const ev_allocator *parent;
    size_t allocs_left; /* SIZE_MAX = unlimited */
    size_t byte_limit;  /* 0 = unlimited */
    size_t live_bytes;
    size_t peak_bytes;
    ev_allocator iface; /* pass &state.iface to modules */
} ev_limit_allocator;
void ev_limit_allocator_init(ev_limit_allocator *state, const ev_allocator *parent,
                             size_t allocs_left, size_t byte_limit);

/* ---- arena ---- */
typedef struct ev_arena_block ev_arena_block;
typedef struct ev_arena {
    const ev_allocator *alloc;
    ev_arena_block *head;  /* current block; older blocks chain behind it */
    size_t block_size;     /* default size of new blocks */
    size_t total_reserved; /* bytes held in blocks */
} ev_arena;

/* Initializes an empty arena; no memory is taken until the first allocation. */
void ev_arena_init(ev_arena *arena, const ev_allocator *alloc, size_t block_size);
/* Returns `size` bytes aligned to 16, valid until ev_arena_reset/destroy; NULL on failure. */
void *ev_arena_alloc(ev_arena *arena, size_t size);
/* Copies `len` bytes and appends a NUL. */
char *ev_arena_strndup(ev_arena *arena, const char *s, size_t len);
/* Frees all but the first block and rewinds it, so a reused arena does not reallocate. */
void ev_arena_reset(ev_arena *arena);
/* Frees everything. Accepts a zeroed or already destroyed arena. */
void ev_arena_destroy(ev_arena *arena);

/* ---- growable buffer ---- */
typedef struct ev_buf {
    const ev_allocator *alloc;
    uint8_t *data; /* owned; valid until the next growth or ev_buf_free */
    size_t len;
    size_t cap;
} ev_buf;

void ev_buf_init(ev_buf *b, const ev_allocator *alloc);
/* Ensures room for `extra` more bytes past len. */
ev_status ev_buf_reserve(ev_buf *b, size_t extra) EV_WUR;
ev_status ev_buf_append(ev_buf *b, const void *data, size_t len) EV_WUR;
ev_status ev_buf_append_str(ev_buf *b, const char *s) EV_WUR;
ev_status ev_buf_printf(ev_buf *b, const char *fmt, ...) EV_PRINTF(2, 3) EV_WUR;
void ev_buf_reset(ev_buf *b); /* len = 0, keeps capacity */
void ev_buf_free(ev_buf *b);  /* accepts a zeroed buffer */

#endif
