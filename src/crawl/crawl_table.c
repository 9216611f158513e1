/* crawl_table.c: crawling a catalog table (its location against its registered files and its
 * schema against its files' columns) and registering a table over a location (see crawl.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "crawl_int.h"
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

static const cat_column_def *table_column(const cat_table *t, const char *name) {
    for (size_t i = 0; i < t->ncolumns; i++)
        if (!strcasecmp(t->columns[i].name, name)) return &t->columns[i];
    return NULL;
}

static int is_partition_key(const crawl_scan *scan, const char *name) {
    for (size_t k = 0; k < scan->nkeys; k++)
        if (!strcasecmp(scan->keys[k], name)) return 1;
    return 0;
}

/* Inside a write transaction: registers partitions found on disk that the catalog does not have
 * yet (MSCK REPAIR's job). */
static ev_status add_partitions(cat *c, const cat_table *t, const crawl_scan *scan, crawl_report *rep, ev_error *err) {
    for (size_t i = 0; i < scan->npartitions; i++) {
        if (!scan->partitions[i].spec[0]) continue;
        char loc[2048];
        snprintf(loc, sizeof loc, "%s/%s", t->location, scan->partitions[i].spec);
        int added = 0;
        EV_TRY(cat_partition_ensure(c, t->id, scan->partitions[i].spec, loc, &added, err));
        rep->partitions_added += (size_t)added;
    }
    return EV_OK;
}

/* Inside a write transaction: adds the inferred columns the table lacks; reports types that
 * differ from the table's (which stay). */
static ev_status merge_schema(cat *c, const cat_table *t, const crawl_scan *scan, const crawl_schema *inferred,
                              crawl_report *rep, ev_error *err) {
    rep->columns = t->ncolumns - t->npartition_keys;
    for (size_t i = 0; i < inferred->n; i++) {
        const crawl_col *col = &inferred->cols[i];
        if (is_partition_key(scan, col->name)) { /* the folder's value wins, as in Hive */
            rep->columns_skipped++;
            continue;
        }
        const cat_column_def *have = table_column(t, col->name);
        if (have) {
            if (strcasecmp(have->type, col->type) != 0)
                crawl_note_add(rep->conflicts, &rep->type_conflicts, have->name, col->type, have->type,
                               col->changed_in[0] ? col->changed_in : col->file);
            continue;
        }
        EV_TRY(cat_table_add_column(c, t->id, col->name, col->type, err));
        crawl_note_add(rep->added, &rep->columns_added, col->name, col->type, NULL, col->file);
        rep->columns++;
    }
    return EV_OK;
}

ev_status crawl_table_with(const char *home, const char *db, const char *table, const crawl_options *o,
                           crawl_report *rep, ev_error *err) {
    memset(rep, 0, sizeof *rep);
    snprintf(rep->db, sizeof rep->db, "%s", db);
    snprintf(rep->table, sizeof rep->table, "%s", table);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", home, CFG_CATALOG_FILE);
    cat *c = NULL;
    store *s = NULL;
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    registered reg = {0};
    crawl_scan scan = {0};
    crawl_schema inferred = {0};
    cat_table *t;
    ev_status st;
    if (!ev_path_exists(path)) {
        st = ev_error_set(err, EV_ERR_NOT_FOUND, "no lake at '%s' (run evlake init first)", home);
        goto done;
    }
    EV_CHECK(cat_open(path, NULL, &c, err));
    EV_CHECK(store_open_local(home, NULL, &s, err));
    EV_CHECK(cat_table_get(c, db, table, &arena, &t, err));
    snprintf(rep->db, sizeof rep->db, "%s", t->db);
    snprintf(rep->table, sizeof rep->table, "%s", t->name);
    EV_CHECK(cat_table_files(c, t->id, add_registered, &reg, err));
    if (reg.n) qsort(reg.paths, reg.n, sizeof *reg.paths, cmp_str); /* NULL with none: qsort's contract */
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
    /* A table nobody writes through the catalog is read from its folders: its files are its content. */
    rep->read_from_folders = reg.n == 0 && !t->managed_by;
    for (size_t i = 0; i < scan.nfiles; i++) {
        const char *key = scan.files[i].key;
        char **hit = reg.n ? bsearch(&key, reg.paths, reg.n, sizeof *reg.paths, cmp_str) : NULL;
        if (hit) {
            reg.seen[hit - reg.paths] = 1;
        } else if (!rep->read_from_folders && rep->files_unregistered++ == 0) {
            snprintf(rep->first_unregistered, sizeof rep->first_unregistered, "%s", key);
        }
    }
    for (size_t i = 0; i < reg.n; i++)
        if (!reg.seen[i] && rep->files_missing++ == 0)
            snprintf(rep->first_missing, sizeof rep->first_missing, "%s", reg.paths[i]);
    snprintf(rep->format, sizeof rep->format, "%s", t->format ? t->format : "");
    int infer = o && o->infer_schema && scan.nfiles && (!strcmp(t->format, "parquet") || !strcmp(t->format, "json")) &&
                !strcmp(scan.format, t->format);
    if (infer) {
        EV_CHECK(crawl_infer(s, &scan, o->sample_lines, &inferred, rep, err));
        rep->inferred = 1;
    }
    EV_CHECK(cat_begin(c, err));
    st = add_partitions(c, t, &scan, rep, err);
    if (st == EV_OK && infer) st = merge_schema(c, t, &scan, &inferred, rep, err);
    if (st == EV_OK) st = cat_commit(c, err);
    if (st != EV_OK) {
        cat_rollback(c);
        goto done;
    }
    if (!infer) rep->columns = t->ncolumns - t->npartition_keys;
    st = cat_table_partitions(c, t->id, count_partition, &rep->partitions_registered, err);
done:
    crawl_schema_free(&inferred);
    crawl_scan_free(&scan);
    for (size_t i = 0; i < reg.n; i++) free(reg.paths[i]);
    free(reg.paths);
    free(reg.seen);
    ev_arena_destroy(&arena);
    store_close(s);
    cat_close(c);
    return st;
}

ev_status crawl_table(const char *home, const char *db, const char *table, crawl_report *rep, ev_error *err) {
    return crawl_table_with(home, db, table, NULL, rep, err);
}

/* ---- a location nobody registered yet ---- */

typedef struct table_at {
    cat *c;
    const char *location;
    char db[CRAWL_NAME_MAX], name[CRAWL_NAME_MAX];
    int found;
} table_at;

static int match_location(const char *db, const char *name, void *arg) {
    table_at *w = arg;
    ev_arena arena;
    ev_arena_init(&arena, NULL, 1024);
    cat_table *t;
    if (cat_table_get(w->c, db, name, &arena, &t, NULL) == EV_OK && !strcmp(t->location, w->location)) {
        snprintf(w->db, sizeof w->db, "%s", db);
        snprintf(w->name, sizeof w->name, "%s", name);
        w->found = 1;
    }
    ev_arena_destroy(&arena);
    return w->found;
}

/* A table name from the folder's: lower case letters, digits and '_' (Athena's rule). */
static void name_from_folder(const char *location, char *out, size_t cap) {
    const char *slash = strrchr(location, '/');
    const char *base = slash ? slash + 1 : location;
    size_t n = 0;
    if (isdigit((unsigned char)*base) && cap > 3) {
        memcpy(out, "t_", 2);
        n = 2;
    }
    for (const char *p = base; *p && n + 1 < cap; p++)
        out[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    out[n] = '\0';
}

static ev_status create_table(cat *c, const char *location, const char *db, const char *name, const crawl_scan *scan,
                              const crawl_schema *inferred, crawl_report *rep, ev_error *err) {
    cat_column_def *cols = calloc(inferred->n + scan->nkeys + 1, sizeof *cols);
    if (!cols) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < inferred->n; i++) {
        if (is_partition_key(scan, inferred->cols[i].name)) {
            rep->columns_skipped++;
            continue;
        }
        cols[n++] = (cat_column_def){inferred->cols[i].name, inferred->cols[i].type, 0};
    }
    rep->columns = n;
    rep->partition_keys = scan->nkeys;
    for (size_t k = 0; k < scan->nkeys; k++) cols[n++] = (cat_column_def){scan->keys[k], "string", 1};
    for (size_t i = 0; i < n && rep->ncolumns_listed < sizeof rep->listed / sizeof rep->listed[0]; i++) {
        crawl_note *l = &rep->listed[rep->ncolumns_listed++];
        snprintf(l->column, sizeof l->column, "%s", cols[i].name);
        snprintf(l->type, sizeof l->type, "%s", cols[i].type);
        snprintf(l->kept, sizeof l->kept, "%s", cols[i].is_partition ? "partition" : "");
    }
    cat_table def = {0};
    def.db = db;
    def.name = name;
    def.location = location;
    def.format = scan->format;
    def.serde = !strcmp(scan->format, "json") ? "org.openx.data.jsonserde.JsonSerDe" : NULL;
    def.columns = cols;
    def.ncolumns = n;
    def.npartition_keys = scan->nkeys;
    int64_t id = 0;
    ev_status st = cat_begin(c, err);
    if (st == EV_OK) st = cat_table_create(c, &def, 0, &id, err);
    def.id = id;
    if (st == EV_OK) st = add_partitions(c, &def, scan, rep, err);
    if (st == EV_OK) st = cat_commit(c, err);
    if (st != EV_OK) cat_rollback(c);
    free(cols);
    return st;
}

ev_status crawl_location(const char *home, const char *location, const crawl_options *o, crawl_report *rep,
                         ev_error *err) {
    memset(rep, 0, sizeof *rep);
    char loc[1024], path[4096];
    while (!strncmp(location, "./", 2)) location += 2;
    snprintf(loc, sizeof loc, "%s", location);
    for (size_t n = strlen(loc); n > 1 && loc[n - 1] == '/';) loc[--n] = '\0';
    snprintf(path, sizeof path, "%s/%s", home, CFG_CATALOG_FILE);
    if (!ev_path_exists(path)) return ev_error_set(err, EV_ERR_NOT_FOUND, "no lake at '%s' (run evlake init first)", home);
    cat *c = NULL;
    store *s = NULL;
    crawl_scan scan = {0};
    crawl_schema inferred = {0};
    ev_status st;
    EV_CHECK(cat_open(path, NULL, &c, err));
    table_at w = {c, loc, "", "", 0};
    st = cat_tables_list(c, match_location, &w, err);
    if (st != EV_OK && st != EV_ERR_CANCELLED) goto done;
    if (w.found) { /* a re-crawl: the table it already is */
        cat_close(c);
        c = NULL;
        crawl_options with = o ? *o : (crawl_options){0};
        with.infer_schema = 1;
        return crawl_table_with(home, w.db, w.name, &with, rep, err);
    }
    EV_CHECK(store_open_local(home, NULL, &s, err));
    snprintf(path, sizeof path, "%s/", loc);
    EV_CHECK(crawl_scan_location(s, path, &scan, err));
    if (!scan.nfiles) {
        st = ev_error_set(err, EV_ERR_NOT_FOUND, "no data files under '%s' (in the lake at '%s')", loc, home);
        goto done;
    }
    if (!scan.format[0]) {
        st = ev_error_set(err, EV_ERR_INPUT, "'%s' holds files of several formats, or of none evlake knows "
                          "(.parquet, .json, .jsonl, .ndjson, optionally .gz): crawl a folder with one", loc);
        goto done;
    }
    snprintf(rep->db, sizeof rep->db, "%s", o && o->db ? o->db : "analytics");
    if (o && o->name) snprintf(rep->table, sizeof rep->table, "%s", o->name);
    else name_from_folder(loc, rep->table, sizeof rep->table);
    snprintf(rep->format, sizeof rep->format, "%s", scan.format);
    snprintf(rep->location, sizeof rep->location, "%s", loc);
    rep->files_on_disk = scan.nfiles;
    rep->partitions_on_disk = scan.npartitions;
    rep->read_from_folders = 1;
    EV_CHECK(crawl_infer(s, &scan, o ? o->sample_lines : 0, &inferred, rep, err));
    rep->inferred = 1;
    if (!inferred.n) {
        st = ev_error_set(err, EV_ERR_INPUT, "no columns found in the files under '%s'%s%s", loc,
                          rep->first_unreadable[0] ? ": " : "", rep->first_unreadable);
        goto done;
    }
    st = create_table(c, loc, rep->db, rep->table, &scan, &inferred, rep, err);
    if (st == EV_ERR_EXISTS) {
        st = ev_error_set(err, EV_ERR_EXISTS, "a table %s.%s already exists over another location: name this one with "
                          "--name", rep->db, rep->table);
        goto done;
    }
    EV_CHECK(st);
    rep->table_created = 1;
    rep->partitions_registered = rep->partitions_added;
done:
    crawl_schema_free(&inferred);
    crawl_scan_free(&scan);
    store_close(s);
    cat_close(c);
    return st;
}

ev_status crawl_table_exists(const char *home, const char *db, const char *name, int *exists, ev_error *err) {
    *exists = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", home, CFG_CATALOG_FILE);
    if (!ev_path_exists(path)) return ev_error_set(err, EV_ERR_NOT_FOUND, "no lake at '%s' (run evlake init first)", home);
    cat *c;
    EV_TRY(cat_open(path, NULL, &c, err));
    ev_arena arena;
    ev_arena_init(&arena, NULL, 1024);
    cat_table *t;
    ev_error ignored;
    ev_status st = cat_table_get(c, db, name, &arena, &t, &ignored);
    *exists = st == EV_OK;
    if (st == EV_ERR_NOT_FOUND) st = EV_OK;
    else if (st != EV_OK && err) *err = ignored;
    ev_arena_destroy(&arena);
    cat_close(c);
    return st;
}
