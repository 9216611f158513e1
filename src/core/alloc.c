/* alloc.c: default and limiting allocators, arenas and buffers (see ev_alloc.h). */
#include "ev_alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *libc_alloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size ? size : 1);
}
static void *libc_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    (void)ctx;
    (void)old_size;
    return realloc(ptr, new_size ? new_size : 1);
}
static void libc_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

static const ev_allocator libc_allocator = {libc_alloc, libc_realloc, libc_free, NULL};

const ev_allocator *ev_allocator_default(void) { return &libc_allocator; }

void *ev_alloc(const ev_allocator *a, size_t size) {
    if (!a) a = &libc_allocator;
    return a->alloc(a->ctx, size);
}

void *ev_calloc(const ev_allocator *a, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = ev_alloc(a, n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *ev_realloc(const ev_allocator *a, void *ptr, size_t old_size, size_t new_size) {
    if (!a) a = &libc_allocator;
    if (!ptr) return a->alloc(a->ctx, new_size);
    return a->realloc(a->ctx, ptr, old_size, new_size);
}

void ev_free(const ev_allocator *a, void *ptr, size_t size) {
    if (!ptr) return;
    if (!a) a = &libc_allocator;
    a->free(a->ctx, ptr, size);
}

/* ---- limiting allocator ---- */

static int limit_admit(ev_limit_allocator *s, size_t grow) {
    if (s->allocs_left == 0) return 0;
    if (s->byte_limit && s->live_bytes + grow > s->byte_limit) return 0;
    if (s->allocs_left != SIZE_MAX) s->allocs_left--;
    return 1;
}

static void *limit_alloc(void *ctx, size_t size) {
    ev_limit_allocator *s = ctx;
    if (!limit_admit(s, size)) return NULL;
    void *p = ev_alloc(s->parent, size);
    if (p) {
        s->live_bytes += size;
        if (s->live_bytes > s->peak_bytes) s->peak_bytes = s->live_bytes;
    }
    return p;
}

static void *limit_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    ev_limit_allocator *s = ctx;
    size_t grow = new_size > old_size ? new_size - old_size : 0;
    if (!limit_admit(s, grow)) return NULL;
    void *p = ev_realloc(s->parent, ptr, old_size, new_size);
    if (p) {
        s->live_bytes = s->live_bytes - old_size + new_size;
        if (s->live_bytes > s->peak_bytes) s->peak_bytes = s->live_bytes;
    }
    return p;
}

static void limit_free(void *ctx, void *ptr, size_t size) {
    ev_limit_allocator *s = ctx;
    s->live_bytes -= size <= s->live_bytes ? size : s->live_bytes;
    ev_free(s->parent, ptr, size);
}

void ev_limit_allocator_init(ev_limit_allocator *state, const ev_allocator *parent,
                             size_t allocs_left, size_t byte_limit) {
    memset(state, 0, sizeof *state);
    state->parent = parent ? parent : &libc_allocator;
    state->allocs_left = allocs_left;
    state->byte_limit = byte_limit;
    state->iface = (ev_allocator){limit_alloc, limit_realloc, limit_free, state};
}

/* ---- arena ---- */

struct ev_arena_block {
    ev_arena_block *prev;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[]; /* aligned payload */
};

#define ARENA_ALIGN 16

void ev_arena_init(ev_arena *arena, const ev_allocator *alloc, size_t block_size) {
    arena->alloc = alloc;
    arena->head = NULL;
    arena->block_size = block_size ? block_size : 64 * 1024;
    arena->total_reserved = 0;
}

void *ev_arena_alloc(ev_arena *arena, size_t size) {
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    ev_arena_block *b = arena->head;
    if (!b || b->size - b->used < size) {
        size_t want = size > arena->block_size ? size : arena->block_size;
        b = ev_alloc(arena->alloc, sizeof *b + want);
        if (!b) return NULL;
        b->prev = arena->head;
        b->size = want;
        b->used = 0;
        arena->head = b;
        arena->total_reserved += want;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    return p;
}

char *ev_arena_strndup(ev_arena *arena, const char *s, size_t len) {
    char *p = ev_arena_alloc(arena, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void ev_arena_reset(ev_arena *arena) {
    ev_arena_block *b = arena->head;
    if (!b) return;
    while (b->prev) {
        ev_arena_block *prev = b->prev;
        arena->total_reserved -= b->size;
        ev_free(arena->alloc, b, sizeof *b + b->size);
        b = prev;
    }
    b->used = 0;
    arena->head = b;
}

void ev_arena_destroy(ev_arena *arena) {
    ev_arena_block *b = arena->head;
    while (b) {
        ev_arena_block *prev = b->prev;
        ev_free(arena->alloc, b, sizeof *b + b->size);
        b = prev;
    }
    arena->head = NULL;
    arena->total_reserved = 0;
}

/* ---- buffer ---- */

void ev_buf_init(ev_buf *b, const ev_allocator *alloc) {
    b->alloc = alloc;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

ev_status ev_buf_reserve(ev_buf *b, size_t extra) {
    if (b->cap - b->len >= extra) return EV_OK;
    if (extra > SIZE_MAX / 2 - b->len) return EV_ERR_NOMEM;
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *p = ev_realloc(b->alloc, b->data, b->cap, cap);
    if (!p) return EV_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return EV_OK;
}

ev_status ev_buf_append(ev_buf *b, const void *data, size_t len) {
    EV_TRY(ev_buf_reserve(b, len));
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    return EV_OK;
}

ev_status ev_buf_append_str(ev_buf *b, const char *s) { return ev_buf_append(b, s, strlen(s)); }

ev_status ev_buf_printf(ev_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return EV_ERR_INTERNAL;
    EV_TRY(ev_buf_reserve(b, (size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return EV_OK;
}

void ev_buf_reset(ev_buf *b) { b->len = 0; }

void ev_buf_free(ev_buf *b) {
    ev_free(b->alloc, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}
