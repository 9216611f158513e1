/*
 * ev_fs: the few file-system operations every layer needs, with errors that name the path.
 *
 * Durability rule used across evlake: a file becomes visible under its final name only after its
 * bytes are fsynced, by rename() from a temporary name in the same directory, followed by an fsync
 * of the directory. A crash therefore leaves either nothing or the whole file under the final name.
 */
#ifndef EV_FS_H
#define EV_FS_H

#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

/* Creates `path` and its missing parents (mode 0755). Existing directories are fine. */
ev_status ev_mkdir_p(const char *path, ev_error *err) EV_WUR;

/* fsyncs a directory so a rename or create inside it survives a crash. */
ev_status ev_fsync_dir(const char *dir, ev_error *err) EV_WUR;

/* Writes `len` bytes to `path` atomically (temp name beside it, fsync, rename, fsync dir). */
ev_status ev_write_file_atomic(const char *path, const void *data, size_t len, ev_error *err) EV_WUR;

/* Appends the whole file to `out`. */
ev_status ev_read_file(const char *path, ev_buf *out, ev_error *err) EV_WUR;

/* 1 if the path exists (any type), 0 otherwise. */
int ev_path_exists(const char *path);
int ev_is_dir(const char *path);

/* Writes all of buf to fd, retrying on EINTR and short writes. Returns 0 or an errno value. */
int ev_write_all(int fd, const void *buf, size_t len);

/* The directory part of `path` into `out` (size `cap`): "a/b/c" -> "a/b", "c" -> ".". */
void ev_path_dirname(const char *path, char *out, size_t cap);

/* Joins a and b with one '/' into out; returns EV_ERR_INPUT if it does not fit. */
ev_status ev_path_join(char *out, size_t cap, const char *a, const char *b) EV_WUR;

/* Removes a directory tree (rm -rf). Missing is fine. */
ev_status ev_remove_tree(const char *path, ev_error *err) EV_WUR;

#endif
