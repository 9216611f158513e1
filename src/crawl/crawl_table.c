/* crawl_table.c: crawling a catalog table: its location against its registered files (see crawl.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "crawl.h"
#include "ev_fs.h"

typedef struct registered {
    char **paths;
    size_t n, cap;
    int *seen;
} registered;

static int add_registered(const cat_file_info *f, void *arg) {
    registered *r = arg;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        char **grown = realloc(r->paths, cap * sizeof *grown);
        if (!grown) return 1;
        r->paths = grown;
        r->cap = cap;
    }
    r->paths[r->n] = strdup(f->path);
    return r->paths[r->n++] ? 0 : 1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int count_partition(const cat_partition_info *p, void *arg) {
    (void)p;
    (*(size_t *)arg)++;
    return 0;
}

/* Registers partitions found on disk that the catalog does not have yet (MSCK REPAIR's job). */
static ev_status add_partitions(cat *c, const cat_table *t, const crawl_scan *scan, crawl_report *rep, ev_error *err) {
    EV_TRY(cat_begin(c, err));
    ev_status st = EV_OK;
    for (size_t i = 0; st == EV_OK && i < scan->npartitions; i++) {
        if (!scan->partitions[i].spec[0]) continue;
        char loc[2048];
        snprintf(loc, sizeof loc, "%s/%s", t->location, scan->partitions[i].spec);
        int added = 0;
        st = cat_partition_ensure(c, t->id, scan->partitions[i].spec, loc, &added, err);
        rep->partitions_added += (size_t)added;
    }
    if (st == EV_OK) st = cat_commit(c, err);
    if (st != EV_OK) cat_rollback(c);
    return st;
}

ev_status crawl_table(const char *home, const char *db, const char *table, crawl_report *rep, ev_error *err) {
    memset(rep, 0, sizeof *rep);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", home, CFG_CATALOG_FILE);
    cat *c = NULL;
    store *s = NULL;
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    registered reg = {0};
    crawl_scan scan = {0};
    cat_table *t;
    ev_status st;
    EV_CHECK(cat_open(path, NULL, &c, err));
    EV_CHECK(store_open_local(home, NULL, &s, err));
    EV_CHECK(cat_table_get(c, db, table, &arena, &t, err));
    EV_CHECK(cat_table_files(c, t->id, add_registered, &reg, err));
    qsort(reg.paths, reg.n, sizeof *reg.paths, cmp_str);
    reg.seen = calloc(reg.n ? reg.n : 1, sizeof *reg.seen);
    if (!reg.seen) {
        st = ev_error_set(err, EV_ERR_NOMEM, "out of memory crawling %s.%s", db, table);
        goto done;
    }
    snprintf(path, sizeof path, "%s/", t->location);
    EV_CHECK(crawl_scan_location(s, path, &scan, err));
    rep->files_on_disk = scan.nfiles;
    rep->files_registered = reg.n;
    rep->partitions_on_disk = scan.npartitions;
    for (size_t i = 0; i < scan.nfiles; i++) {
        const char *key = scan.files[i].key;
        char **hit = bsearch(&key, reg.paths, reg.n, sizeof *reg.paths, cmp_str);
        if (hit) {
            reg.seen[hit - reg.paths] = 1;
        } else if (rep->files_unregistered++ == 0) {
            snprintf(rep->first_unregistered, sizeof rep->first_unregistered, "%s", key);
        }
    }
    for (size_t i = 0; i < reg.n; i++)
        if (!reg.seen[i] && rep->files_missing++ == 0)
            snprintf(rep->first_missing, sizeof rep->first_missing, "%s", reg.paths[i]);
    EV_CHECK(add_partitions(c, t, &scan, rep, err));
    st = cat_table_partitions(c, t->id, count_partition, &rep->partitions_registered, err);
done:
    crawl_scan_free(&scan);
    for (size_t i = 0; i < reg.n; i++) free(reg.paths[i]);
    free(reg.paths);
    free(reg.seen);
    ev_arena_destroy(&arena);
    store_close(s);
    cat_close(c);
    return st;
}
