/*
 * store: the object store the lake lives in (S3's role in the classic pipeline).
 *
 * Keys are '/'-separated relative paths ("raw/events/year=2025/.../events-20251120-000500.jsonl.gz").
 * The local backend maps a key to <root>/<key>. Writes are atomic: a writer streams into a hidden
 * temporary object beside the final one (".<name>.tmp-<pid>-<n>"), and commit fsyncs, renames and
 * fsyncs the directory, so a reader or a crash never sees a partial object under its final key.
 * Listing skips hidden names, so in-flight and abandoned temporaries are invisible.
 * An S3 backend will implement the same functions behind the same handle.
 *
 * Thread safety: a store handle may be shared by threads; each writer belongs to one thread.
 */
#ifndef EV_STORE_H
#define EV_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

typedef struct store store;
typedef struct store_writer store_writer;

typedef struct store_object_info {
    const char *key;   /* valid only during the callback */
    uint64_t size;
    int64_t mtime_usec;
} store_object_info;

/* Opens the local store rooted at `root` (created if missing). *out is owned by the caller and
 * released with store_close(). */
ev_status store_open_local(const char *root, const ev_allocator *alloc, store **out, ev_error *err) EV_WUR;
void store_close(store *s); /* accepts NULL */

/* The local path of a key, for tools that need one. Returns EV_ERR_INPUT if it does not fit. */
ev_status store_local_path(const store *s, const char *key, char *out, size_t cap) EV_WUR;

/* Starts an atomic write of `key`. Nothing is visible under `key` until store_writer_commit(). */
ev_status store_writer_open(store *s, const char *key, store_writer **out, ev_error *err) EV_WUR;
ev_status store_writer_write(store_writer *w, const void *data, size_t len, ev_error *err) EV_WUR;
/* Makes the object durable and visible, then frees the writer (also on failure). */
ev_status store_writer_commit(store_writer *w, ev_error *err) EV_WUR;
/* Discards the temporary object and frees the writer. Accepts NULL. */
void store_writer_abort(store_writer *w);

/* Whole-object helpers. store_get appends the object's bytes to `out`. */
ev_status store_put(store *s, const char *key, const void *data, size_t len, ev_error *err) EV_WUR;
ev_status store_get(store *s, const char *key, ev_buf *out, ev_error *err) EV_WUR;
ev_status store_stat(store *s, const char *key, store_object_info *info, ev_error *err) EV_WUR;
ev_status store_delete(store *s, const char *key, ev_error *err) EV_WUR;

/* Calls `fn` for every visible object whose key starts with `prefix` (a directory-like prefix such
 * as "raw/events/"), in lexicographic key order. A non-zero return from `fn` stops the walk and
 * is returned as EV_ERR_CANCELLED. */
typedef int (*store_list_fn)(const store_object_info *info, void *ctx);
ev_status store_list(store *s, const char *prefix, store_list_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Like store_list, but visits only hidden objects (a last key segment starting with '.') that are
 * not in-flight writer temporaries: the staged files of a commit protocol. */
ev_status store_list_hidden(store *s, const char *prefix, store_list_fn fn, void *ctx, ev_error *err) EV_WUR;

/* Renames an object atomically (replacing `to` if it exists) and makes the rename durable.
 * EV_ERR_NOT_FOUND if `from` does not exist. */
ev_status store_rename(store *s, const char *from, const char *to, ev_error *err) EV_WUR;

/* Removes temporary objects left under `prefix` by writers of dead processes; returns the count. */
ev_status store_sweep_temporaries(store *s, const char *prefix, size_t *removed, ev_error *err) EV_WUR;

#endif
