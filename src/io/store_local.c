/* store_local.c: the local-directory backend of the object store (see store.h). */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ev_fs.h"

#define STORE_PATH_MAX 4096

struct store {
    const ev_allocator *alloc;
    char root[STORE_PATH_MAX];
    atomic_uint_fast64_t tmp_seq; /* makes temporary names unique across threads */
};

struct store_writer {
    store *s;
    int fd;
    char final_path[STORE_PATH_MAX];
    char tmp_path[STORE_PATH_MAX + 64];
};

static int key_is_safe(const char *key) {
    if (!*key || key[0] == '/') return 0;
    for (const char *p = key; *p;) {
        const char *seg = p;
        while (*p && *p != '/') p++;
        size_t n = (size_t)(p - seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) return 0;
        if (*p == '/') p++;
    }
    return 1;
}

ev_status store_open_local(const char *root, const ev_allocator *alloc, store **out, ev_error *err) {
    *out = NULL;
    if (strlen(root) >= STORE_PATH_MAX - 256)
        return ev_error_set(err, EV_ERR_INPUT, "store root path too long: '%s'", root);
    EV_TRY(ev_mkdir_p(root, err));
    store *s = ev_calloc(alloc, 1, sizeof *s);
    if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory opening store '%s'", root);
    s->alloc = alloc;
    snprintf(s->root, sizeof s->root, "%s", root);
    atomic_init(&s->tmp_seq, 0);
    *out = s;
    return EV_OK;
}

void store_close(store *s) {
    if (s) ev_free(s->alloc, s, sizeof *s);
}

ev_status store_local_path(const store *s, const char *key, char *out, size_t cap) {
    return ev_path_join(out, cap, s->root, key);
}

static ev_status key_path(const store *s, const char *key, char *out, ev_error *err) {
    if (!key_is_safe(key)) return ev_error_set(err, EV_ERR_INPUT, "invalid object key '%s'", key);
    if (store_local_path(s, key, out, STORE_PATH_MAX) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "object key too long: '%s'", key);
    return EV_OK;
}

ev_status store_writer_open(store *s, const char *key, store_writer **out, ev_error *err) {
    *out = NULL;
    store_writer *w = ev_calloc(s->alloc, 1, sizeof *w);
    if (!w) return ev_error_set(err, EV_ERR_NOMEM, "out of memory writing '%s'", key);
    w->s = s;
    w->fd = -1;
    ev_status st = key_path(s, key, w->final_path, err);
    if (st != EV_OK) goto fail;
    char dir[STORE_PATH_MAX];
    ev_path_dirname(w->final_path, dir, sizeof dir);
    st = ev_mkdir_p(dir, err);
    if (st != EV_OK) goto fail;
    const char *base = strrchr(w->final_path, '/') + 1;
    snprintf(w->tmp_path, sizeof w->tmp_path, "%s/.%s.tmp-%ld-%llu", dir, base, (long)getpid(),
             (unsigned long long)atomic_fetch_add(&s->tmp_seq, 1));
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        st = ev_error_errno(err, EV_ERR_IO, errno, "cannot create '%s'", w->tmp_path);
        goto fail;
    }
    *out = w;
    return EV_OK;
fail:
    ev_free(s->alloc, w, sizeof *w);
    return st;
}

ev_status store_writer_write(store_writer *w, const void *data, size_t len, ev_error *err) {
    int e = ev_write_all(w->fd, data, len);
    if (e) return ev_error_errno(err, EV_ERR_IO, e, "cannot write '%s'", w->tmp_path);
    return EV_OK;
}

static void writer_free(store_writer *w) {
    if (w->fd >= 0) close(w->fd);
    ev_free(w->s->alloc, w, sizeof *w);
}

ev_status store_writer_commit(store_writer *w, ev_error *err) {
    ev_status st = EV_OK;
    if (fsync(w->fd) != 0) {
        st = ev_error_errno(err, EV_ERR_IO, errno, "cannot fsync '%s'", w->tmp_path);
    } else if (close(w->fd) != 0) {
        st = ev_error_errno(err, EV_ERR_IO, errno, "cannot close '%s'", w->tmp_path);
    }
    w->fd = -1;
    if (st == EV_OK && rename(w->tmp_path, w->final_path) != 0)
        st = ev_error_errno(err, EV_ERR_IO, errno, "cannot rename '%s' to '%s'", w->tmp_path, w->final_path);
    if (st == EV_OK) {
        char dir[STORE_PATH_MAX];
        ev_path_dirname(w->final_path, dir, sizeof dir);
        st = ev_fsync_dir(dir, err);
    } else {
        unlink(w->tmp_path);
    }
    writer_free(w);
    return st;
}

void store_writer_abort(store_writer *w) {
    if (!w) return;
    unlink(w->tmp_path);
    writer_free(w);
}

ev_status store_put(store *s, const char *key, const void *data, size_t len, ev_error *err) {
    store_writer *w;
    EV_TRY(store_writer_open(s, key, &w, err));
    ev_status st = store_writer_write(w, data, len, err);
    if (st != EV_OK) {
        store_writer_abort(w);
        return st;
    }
    return store_writer_commit(w, err);
}

ev_status store_get(store *s, const char *key, ev_buf *out, ev_error *err) {
    char path[STORE_PATH_MAX];
    EV_TRY(key_path(s, key, path, err));
    return ev_read_file(path, out, err);
}

ev_status store_stat(store *s, const char *key, store_object_info *info, ev_error *err) {
    char path[STORE_PATH_MAX];
    EV_TRY(key_path(s, key, path, err));
    struct stat sb;
    if (stat(path, &sb) != 0)
        return ev_error_errno(err, errno == ENOENT ? EV_ERR_NOT_FOUND : EV_ERR_IO, errno,
                              "cannot stat object '%s'", key);
    info->key = key;
    info->size = (uint64_t)sb.st_size;
    info->mtime_usec = (int64_t)sb.st_mtim.tv_sec * 1000000 + sb.st_mtim.tv_nsec / 1000;
    return EV_OK;
}

ev_status store_delete(store *s, const char *key, ev_error *err) {
    char path[STORE_PATH_MAX];
    EV_TRY(key_path(s, key, path, err));
    if (unlink(path) != 0 && errno != ENOENT)
        return ev_error_errno(err, EV_ERR_IO, errno, "cannot delete object '%s'", key);
    return EV_OK;
}

/* ---- listing: a sorted recursive walk ---- */

typedef struct list_walk {
    store *s;
    store_list_fn fn;
    void *ctx;
    const char *prefix;
    size_t prefix_len;
    int sweep;        /* remove dead temporaries instead of listing */
    int hidden;       /* list hidden non-temporary objects instead of visible ones */
    size_t removed;
    ev_error *err;
} list_walk;

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Temporary names are ".<base>.tmp-<pid>-<seq>": the writer is dead when its pid is gone. */
static int temporary_is_dead(const char *name) {
    const char *t = strstr(name, ".tmp-");
    if (name[0] != '.' || !t) return 0;
    long pid = strtol(t + 5, NULL, 10);
    return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static ev_status walk_dir(list_walk *w, char *key, size_t key_len);

static ev_status visit_entry(list_walk *w, char *key, size_t key_len, const char *name) {
    size_t n = strlen(name);
    if (key_len + n + 2 >= STORE_PATH_MAX) return EV_OK;
    size_t sub_len = key_len;
    if (key_len) key[sub_len++] = '/';
    memcpy(key + sub_len, name, n + 1);
    sub_len += n;
    /* Prune directories that cannot lead to the prefix. */
    size_t cmp = sub_len < w->prefix_len ? sub_len : w->prefix_len;
    if (memcmp(key, w->prefix, cmp) != 0) goto out;
    char path[STORE_PATH_MAX];
    if (store_local_path(w->s, key, path, sizeof path) != EV_OK) goto out;
    struct stat sb;
    if (lstat(path, &sb) != 0) goto out; /* vanished meanwhile */
    if (S_ISDIR(sb.st_mode)) {
        ev_status st = walk_dir(w, key, sub_len);
        key[key_len] = '\0';
        return st;
    }
    if (!S_ISREG(sb.st_mode) || sub_len < w->prefix_len) goto out;
    if (w->sweep) {
        if (temporary_is_dead(name) && unlink(path) == 0) w->removed++;
    } else if ((name[0] != '.') != w->hidden && !(w->hidden && strstr(name, ".tmp-"))) {
        store_object_info info = {key, (uint64_t)sb.st_size,
                                  (int64_t)sb.st_mtim.tv_sec * 1000000 + sb.st_mtim.tv_nsec / 1000};
        if (w->fn(&info, w->ctx) != 0) {
            key[key_len] = '\0';
            return EV_ERR_CANCELLED;
        }
    }
out:
    key[key_len] = '\0';
    return EV_OK;
}

static ev_status walk_dir(list_walk *w, char *key, size_t key_len) {
    char path[STORE_PATH_MAX];
    if ((key_len ? store_local_path(w->s, key, path, sizeof path)
                 : (snprintf(path, sizeof path, "%s", w->s->root), EV_OK)) != EV_OK)
        return EV_OK;
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT) return EV_OK;
        return ev_error_errno(w->err, EV_ERR_IO, errno, "cannot list '%s'", path);
    }
    size_t n = 0, cap = 64;
    char **names = ev_alloc(w->s->alloc, cap * sizeof *names);
    ev_status st = names ? EV_OK : ev_error_set(w->err, EV_ERR_NOMEM, "out of memory listing '%s'", path);
    struct dirent *de;
    while (st == EV_OK && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (n == cap) {
            char **grown = ev_realloc(w->s->alloc, names, cap * sizeof *names, 2 * cap * sizeof *names);
            if (!grown) {
                st = ev_error_set(w->err, EV_ERR_NOMEM, "out of memory listing '%s'", path);
                break;
            }
            names = grown;
            cap *= 2;
        }
        size_t len = strlen(de->d_name);
        names[n] = ev_alloc(w->s->alloc, len + 1);
        if (!names[n]) {
            st = ev_error_set(w->err, EV_ERR_NOMEM, "out of memory listing '%s'", path);
            break;
        }
        memcpy(names[n++], de->d_name, len + 1);
    }
    closedir(d);
    if (st == EV_OK) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (st == EV_OK) st = visit_entry(w, key, key_len, names[i]);
        ev_free(w->s->alloc, names[i], strlen(names[i]) + 1);
    }
    ev_free(w->s->alloc, names, cap * sizeof *names);
    return st;
}

static ev_status run_walk(list_walk *w) {
    char key[STORE_PATH_MAX] = "";
    return walk_dir(w, key, 0);
}

ev_status store_list(store *s, const char *prefix, store_list_fn fn, void *ctx, ev_error *err) {
    list_walk w = {s, fn, ctx, prefix, strlen(prefix), 0, 0, 0, err};
    return run_walk(&w);
}

ev_status store_list_hidden(store *s, const char *prefix, store_list_fn fn, void *ctx, ev_error *err) {
    list_walk w = {s, fn, ctx, prefix, strlen(prefix), 0, 1, 0, err};
    return run_walk(&w);
}

ev_status store_rename(store *s, const char *from, const char *to, ev_error *err) {
    char a[STORE_PATH_MAX], b[STORE_PATH_MAX], dir[STORE_PATH_MAX];
    EV_TRY(key_path(s, from, a, err));
    EV_TRY(key_path(s, to, b, err));
    ev_path_dirname(b, dir, sizeof dir);
    EV_TRY(ev_mkdir_p(dir, err));
    if (rename(a, b) != 0)
        return ev_error_errno(err, errno == ENOENT ? EV_ERR_NOT_FOUND : EV_ERR_IO, errno,
                              "cannot rename object '%s' to '%s'", from, to);
    return ev_fsync_dir(dir, err);
}

ev_status store_sweep_temporaries(store *s, const char *prefix, size_t *removed, ev_error *err) {
    list_walk w = {s, NULL, NULL, prefix, strlen(prefix), 1, 0, 0, err};
    ev_status st = run_walk(&w);
    if (removed) *removed = w.removed;
    return st;
}
