/*
 * exec_files.c: the Parquet files a session has opened, kept open between its queries.
 *
 * Opening a file maps it, decodes its footer, and then every query's first touch of each page
 * builds the page tables again (MADV_POPULATE_READ, and the unmap at the end tears them down):
 * 7-10% of each of the five questions over the 24-hour lake, the same work every time. A session
 * (the prompt, a script, a server) keeps up to EXEC_FILES_MAX readers; a file is reused only while
 * its path, device, inode, size and modification time are those it was opened with, checked with
 * a stat() at every use (the lake's writers never rewrite a file in place: new data gets new
 * names; a replaced file is a new inode). Readers in use by a query are never closed under it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec_int.h"

#define EXEC_FILES_MAX 512

typedef struct file_entry {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    pq_reader *r;
    int refs;
    bool retired; /* replaced on disk while in use: closed at its last release */
    uint64_t used; /* for eviction: the largest is the most recent */
} file_entry;

struct exec_files {
    pthread_mutex_t mu;
    pq_pool *pool;
    file_entry *e;
    size_t n, cap;
    uint64_t clock, misses;
};

exec_files *exec_files_new(size_t dict_cache) {
    exec_files *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->pool = pq_pool_new();
    if (!f->pool || pthread_mutex_init(&f->mu, NULL) != 0) {
        pq_pool_free(f->pool);
        free(f);
        return NULL;
    }
    /* small dictionaries (categories, prices, products) are cheap to keep and decoded by every
     * query; one of more than a 256th of the budget (a chunk's user ids) is decoded each time */
    pq_pool_set_dict_cache(f->pool, dict_cache, dict_cache / 256);
    return f;
}

static void entry_close(file_entry *e) {
    pq_reader_close(e->r);
    free(e->path);
}

void exec_files_free(exec_files *f) {
    if (!f) return;
    for (size_t k = 0; k < f->n; k++)
        entry_close(&f->e[k]);
    free(f->e);
    pq_pool_free(f->pool);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static bool same_file(const file_entry *e, const struct stat *st) {
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void drop(exec_files *f, size_t k) {
    entry_close(&f->e[k]);
    f->e[k] = f->e[--f->n];
}

/* Closes unused readers, least recently used first, until there is room for one more. */
static void make_room(exec_files *f) {
    while (f->n >= EXEC_FILES_MAX) {
        size_t victim = SIZE_MAX;
        for (size_t k = 0; k < f->n; k++)
            if (f->e[k].refs == 0 && (victim == SIZE_MAX || f->e[k].used < f->e[victim].used)) victim = k;
        if (victim == SIZE_MAX) return; /* all in use: the table grows past the bound */
        drop(f, victim);
    }
}

/* Closes unused readers of files deleted or replaced since: a mapping keeps a deleted file's
 * disk space (compaction deletes the files it merged). Run now and then, on a miss: a lake whose
 * files change is one whose new files miss. */
static void sweep(exec_files *f) {
    for (size_t k = 0; k < f->n;) {
        struct stat st;
        if (f->e[k].refs == 0 && (stat(f->e[k].path, &st) != 0 || !same_file(&f->e[k], &st)))
            drop(f, k);
        else
            k++;
    }
}

static ev_status add_entry(exec_files *f, const char *path, const struct stat *st, ev_error *err,
                           pq_reader **out) {
    if (++f->misses % 32 == 0) sweep(f);
    make_room(f);
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 64;
        file_entry *ne = realloc(f->e, nc * sizeof *ne);
        if (!ne) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        f->e = ne;
        f->cap = nc;
    }
    pq_reader_options ro = {.pool = f->pool};
    pq_reader *r;
    EV_TRY(pq_reader_open_file(path, &ro, &r, err));
    char *p = strdup(path);
    if (!p) {
        pq_reader_close(r);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    f->e[f->n++] = (file_entry){.path = p,
                                .dev = st->st_dev,
                                .ino = st->st_ino,
                                .size = st->st_size,
                                .mtime = st->st_mtim,
                                .r = r,
                                .refs = 1,
                                .used = ++f->clock};
    *out = r;
    return EV_OK;
}

ev_status exec_files_open(exec_files *f, const char *path, pq_reader **out, ev_error *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return ev_error_errno(err, errno == ENOENT ? EV_ERR_NOT_FOUND : EV_ERR_IO, errno, "%s: cannot open", path);
    pthread_mutex_lock(&f->mu);
    ev_status res = EV_OK;
    size_t k = 0;
    for (; k < f->n; k++)
        if (!f->e[k].retired && !strcmp(f->e[k].path, path)) break;
    if (k < f->n && !same_file(&f->e[k], &st)) {
        /* the path names another file now: forget the old one (closed once unused) */
        if (f->e[k].refs == 0)
            drop(f, k);
        else
            f->e[k].retired = true;
        k = f->n;
    }
    if (k < f->n) {
        f->e[k].refs++;
        f->e[k].used = ++f->clock;
        *out = f->e[k].r;
    } else {
        res = add_entry(f, path, &st, err, out);
    }
    pthread_mutex_unlock(&f->mu);
    return res;
}

void exec_files_release(exec_files *f, pq_reader *r) {
    pthread_mutex_lock(&f->mu);
    for (size_t k = 0; k < f->n; k++) {
        if (f->e[k].r != r) continue;
        if (--f->e[k].refs == 0 && f->e[k].retired) drop(f, k);
        break;
    }
    pthread_mutex_unlock(&f->mu);
}
