/*
 * exec_write.c: CREATE TABLE AS and INSERT INTO. A query's rows become Parquet files written by
 * the project's writer (src/parquet), one per Hive partition folder (k=v/...), and are registered
 * in one catalog transaction, so readers see all of a statement's files or none of them.
 *
 * The protocol, under the table's lock (locks/sql:<db>.<table>.lock, which `evlake compact` also
 * takes for it):
 *   1. leftovers of statements that never committed are deleted (step 2 listed them);
 *   2. the query runs over a catalog snapshot; its rows are materialized (gold tables are small;
 *      the engine materializes every result anyway);
 *   3. one transaction lists each file's final name (and its writer's "<name>.tmp") as a pending
 *      deletion, so a crash before step 5 leaves files the next statement on the location deletes;
 *   4. the files are written, fsynced and renamed into place (pq_writer_open_file, durable);
 *   5. one transaction creates the table (CTAS), adds the files and their partitions and forgets
 *      the pending deletions: the commit point.
 * A table SQL writes is read from the files its catalog lists (never from its folders), so files
 * of an uncommitted statement are never seen by a query.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ev_fs.h"
#include "exec_write.h"

#define HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

static ev_status nomem(exec_query *q) {
    return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory writing a table");
}

void exec_crash_point(exec_query *q, const char *point) {
    const char *want = q->s->crash_point;
    if (want && !strcmp(want, point)) kill(getpid(), SIGKILL);
}

/* ---- places: locations, paths, locks ---- */

ev_status exec_location_key(exec_query *q, const char *loc, const char **out) {
    if (!strncmp(loc, "file://", 7)) loc += 7;
    if (!strncmp(loc, "s3://", 5)) loc += 5; /* the local store's bucket folder */
    size_t hl = strlen(q->s->home);
    if (!strncmp(loc, q->s->home, hl) && loc[hl] == '/') loc += hl + 1;
    char *l = ev_arena_strndup(q->arena, loc, strlen(loc));
    if (!l) return nomem(q);
    size_t n = strlen(l);
    while (n > 1 && l[n - 1] == '/')
        l[--n] = 0;
    *out = l;
    return EV_OK;
}

void exec_key_path(const exec_query *q, const char *key, char *out, size_t cap) {
    if (key[0] == '/')
        snprintf(out, cap, "%s", key);
    else
        snprintf(out, cap, "%s/%s", q->s->home, key);
}

ev_status exec_lock_table(exec_query *q, const char *name, int *fd_out) {
    char dir[4096], path[4400];
    snprintf(dir, sizeof dir, "%s/locks", q->s->home);
    EV_TRY(ev_mkdir_p(dir, q->err));
    snprintf(path, sizeof path, "%s/%s.lock", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ev_error_errno(q->err, EV_ERR_IO, errno, "cannot open lock '%s'", path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return ev_error_set(q->err, EV_ERR_BUSY,
                            "%s is being written or compacted by another process; try again when it ends",
                            name + (strncmp(name, EXEC_SQL_OWNER, 4) ? 0 : 4));
    }
    char note[64];
    int n = snprintf(note, sizeof note, "pid %ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, note, (size_t)n, 0) != n) {
        /* the note is informational; the lock is held */
    }
    *fd_out = fd;
    return EV_OK;
}

/* Whether a folder holds a visible file at any depth (hidden names are staging and temporaries). */
static bool has_visible_file(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0) continue;
        any = S_ISDIR(st.st_mode) ? depth < 64 && has_visible_file(path, depth + 1) : true;
    }
    closedir(d);
    return any;
}

/* ---- pending deletions ---- */

typedef struct path_list {
    char **paths;
    int *claimed;
    size_t n, cap;
} path_list;

static int collect_path(const char *path, int claimed, void *ctx) {
    path_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->paths, cap * sizeof *p);
        if (!p) return 1;
        l->paths = p;
        int *c = realloc(l->claimed, cap * sizeof *c);
        if (!c) return 1;
        l->claimed = c;
        l->cap = cap;
    }
    if (!(l->paths[l->n] = strdup(path))) return 1;
    l->claimed[l->n++] = claimed;
    return 0;
}

static void path_list_free(path_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    free(l->claimed);
}

/* Removes a file named by a catalog key; gone already is fine. */
static ev_status remove_key(exec_query *q, const char *key) {
    char path[4096];
    exec_key_path(q, key, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return ev_error_errno(q->err, EV_ERR_IO, errno, "cannot delete '%s'", path);
    return EV_OK;
}

ev_status exec_finish_deletions(exec_query *q, const char *location, int64_t table_id) {
    path_list l = {0};
    char prefix[2048];
    snprintf(prefix, sizeof prefix, "%s/", location ? location : "");
    ev_status st = location ? cat_deletions_stale(q->s->cat, prefix, collect_path, &l, q->err) : EV_OK;
    if (st == EV_OK && table_id > 0) st = cat_deletions(q->s->cat, table_id, collect_path, &l, q->err);
    if (st == EV_ERR_CANCELLED) st = nomem(q);
    /* listed first, acted on after: no writes under a cursor */
    for (size_t i = 0; st == EV_OK && i < l.n; i++) {
        if (!l.claimed[i]) st = remove_key(q, l.paths[i]);
        if (st == EV_OK) st = cat_deletion_done(q->s->cat, l.paths[i], q->err);
    }
    path_list_free(&l);
    return st;
}

/* ---- the table being written ---- */

/* The table's columns (data columns first, then partition keys) and where each one's values come
 * from in the query's result. */
typedef struct out_table {
    size_t ncols, ndata;
    char **names;
    sql_type *types;
    int *src; /* the result's column, or -1: NULL */
} out_table;

/* One file: the rows order[first .. first+n) of one partition. */
typedef struct part_file {
    const char *spec; /* "k=v/k=v", "" unpartitioned */
    char *key;        /* catalog key: relative to the home, or absolute */
    size_t first, n;
    uint64_t rows, size;
} part_file;

typedef struct write_job {
    exec_query *q;
    const exec_table *rows;
    out_table t;
    const char *location;
    pq_writer_options wopt;
    uint32_t *order; /* result rows grouped by partition */
    const char **row_spec;
    part_file *files;
    size_t nfiles;
    uint64_t rows_written;
} write_job;

static ev_status out_table_alloc(exec_query *q, out_table *t, size_t ncols) {
    t->ncols = ncols;
    t->names = ev_arena_alloc(q->arena, (ncols + 1) * sizeof *t->names);
    t->types = ev_arena_alloc(q->arena, (ncols + 1) * sizeof *t->types);
    t->src = ev_arena_alloc(q->arena, (ncols + 1) * sizeof *t->src);
    return t->names && t->types && t->src ? EV_OK : nomem(q);
}

/* Hive's type names, as the catalog keeps them. */
static const char *hive_type(sql_type t) {
    switch (t) {
    case SQL_T_BOOLEAN:
        return "boolean";
    case SQL_T_INTEGER:
        return "int";
    case SQL_T_BIGINT:
        return "bigint";
    case SQL_T_DOUBLE:
        return "double";
    case SQL_T_DATE:
        return "date";
    case SQL_T_TIMESTAMP:
    case SQL_T_TIMESTAMPTZ:
        return "timestamp";
    default:
        return "string";
    }
}

static pq_column_spec column_spec(const char *name, sql_type t) {
    pq_column_spec s = {.name = name, .optional = true};
    switch (t) {
    case SQL_T_BOOLEAN:
        s.type = PQ_BOOLEAN;
        break;
    case SQL_T_INTEGER:
        s.type = PQ_INT32;
        break;
    case SQL_T_DATE:
        s.type = PQ_INT32;
        s.logical = PQ_LOGICAL_DATE;
        break;
    case SQL_T_BIGINT:
        s.type = PQ_INT64;
        break;
    case SQL_T_DOUBLE:
        s.type = PQ_DOUBLE;
        break;
    case SQL_T_TIMESTAMP:
    case SQL_T_TIMESTAMPTZ:
        s.type = PQ_INT64;
        s.logical = PQ_LOGICAL_TIMESTAMP;
        s.unit = PQ_UNIT_MICROS;
        s.utc = t == SQL_T_TIMESTAMPTZ; /* Athena's timestamp has no time zone */
        break;
    default:
        s.type = PQ_BYTE_ARRAY;
        s.logical = PQ_LOGICAL_STRING;
        break;
    }
    return s;
}

/* The value of the table's column `col` in result row `row`, cast to the column's type. */
static ev_status cell(write_job *w, exec_eval *ev, size_t col, size_t row, exec_value *v) {
    sql_type want = w->t.types[col];
    if (w->t.src[col] < 0) {
        *v = (exec_value){.type = want, .null = true};
        return EV_OK;
    }
    exec_vec_get(&w->rows->cols[w->t.src[col]], row, v);
    if (v->null) {
        v->type = want;
        return EV_OK;
    }
    if (v->type == want) return EV_OK;
    return exec_cast_value(ev, v, want, false, (sql_pos){0, 0});
}

/* ---- partitions ---- */

/* Appends "k=v" for partition column `col` of a row: NULL and '' are Hive's default partition. */
static ev_status spec_part(write_job *w, exec_eval *ev, size_t col, size_t row, ev_buf *b) {
    exec_value v;
    EV_TRY(cell(w, ev, col, row, &v));
    char buf[128];
    size_t len = 0;
    const char *text = v.null ? HIVE_NULL : exec_value_text(&v, buf, sizeof buf, &len);
    if (v.null || len == 0) {
        text = HIVE_NULL;
        len = strlen(HIVE_NULL);
    }
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)text[k];
        if (c == '/' || c < 0x20 || c == 0x7f || len > 200)
            return ev_error_set(
                w->q->err, EV_ERR_INPUT,
                "Partition value '%.*s' of column '%s' cannot be a folder name (a '/', a control "
                "character, or over 200 bytes)",
                (int)(len > 60 ? 60 : len), text, w->t.names[col]);
    }
    if (b->len) EV_TRY(ev_buf_append_str(b, "/"));
    EV_TRY(ev_buf_printf(b, "%s=", w->t.names[col]));
    return ev_buf_append(b, text, len);
}

/* By partition, then by row: files keep the query's order within a partition. */
static int cmp_rows(const void *a, const void *b, void *ctx) {
    const char *const *spec = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(spec[x], spec[y]);
    return c ? c : (x > y) - (x < y);
}

/* Groups the rows by partition and names one file per partition. */
static ev_status plan_files(write_job *w, const char *query_id) {
    exec_query *q = w->q;
    size_t n = w->rows->n;
    w->order = ev_arena_alloc(q->arena, (n + 1) * sizeof *w->order);
    w->row_spec = ev_arena_alloc(q->arena, (n + 1) * sizeof *w->row_spec);
    if (!w->order || !w->row_spec) return nomem(q);
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 4096);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = EV_OK;
    for (size_t r = 0; st == EV_OK && r < n; r++) {
        w->order[r] = (uint32_t)r;
        ev_buf_reset(&b);
        for (size_t c = w->t.ndata; st == EV_OK && c < w->t.ncols; c++)
            st = spec_part(w, &ev, c, r, &b);
        if (st != EV_OK) break;
        w->row_spec[r] = ev_arena_strndup(q->arena, b.len ? (const char *)b.data : "", b.len);
        if (!w->row_spec[r]) st = nomem(q);
        ev_arena_reset(&scratch);
    }
    ev_buf_free(&b);
    ev_arena_destroy(&scratch);
    EV_TRY(st);
    if (w->t.ncols > w->t.ndata && n > 1)
        qsort_r(w->order, n, sizeof *w->order, cmp_rows, (void *)w->row_spec);
    size_t groups = 0;
    for (size_t r = 0; r < n; r++)
        groups += r == 0 || strcmp(w->row_spec[w->order[r]], w->row_spec[w->order[r - 1]]) != 0;
    w->files = ev_arena_alloc(q->arena, (groups + 1) * sizeof *w->files);
    if (!w->files) return nomem(q);
    for (size_t r = 0; r < n;) {
        size_t e = r + 1;
        while (e < n && !strcmp(w->row_spec[w->order[e]], w->row_spec[w->order[r]]))
            e++;
        part_file *f = &w->files[w->nfiles];
        *f = (part_file){.spec = w->row_spec[w->order[r]], .first = r, .n = e - r};
        char key[4096];
        int kl = snprintf(key, sizeof key, "%s%s%s/part-%s-%05zu.parquet", w->location, f->spec[0] ? "/" : "",
                          f->spec, query_id, w->nfiles);
        if (kl <= 0 || (size_t)kl >= sizeof key - 8)
            return ev_error_set(q->err, EV_ERR_INPUT, "the path of a file of the table is too long");
        if (!(f->key = ev_arena_strndup(q->arena, key, (size_t)kl))) return nomem(q);
        w->nfiles++;
        r = e;
    }
    return EV_OK;
}

/* ---- writing ---- */

/* The values of one data column for rows order[from .. from+n) as the writer takes them. */
static ev_status fill_column(write_job *w, exec_eval *ev, size_t col, size_t from, size_t n,
                             pq_col_batch *out) {
    pq_column_spec spec = column_spec("", w->t.types[col]);
    size_t width = spec.type == PQ_BYTE_ARRAY ? sizeof(pq_str)
                   : spec.type == PQ_BOOLEAN  ? 1
                   : spec.type == PQ_INT32    ? 4
                                              : 8;
    uint8_t *valid = exec_scratch(ev, n);
    uint8_t *vals = exec_scratch(ev, width * n);
    if (!valid || !vals) return EV_ERR_NOMEM;
    memset(vals, 0, width * n);
    for (size_t k = 0; k < n; k++) {
        exec_value v;
        EV_TRY(cell(w, ev, col, w->order[from + k], &v));
        valid[k] = !v.null;
        if (v.null) continue;
        if (spec.type == PQ_BYTE_ARRAY) {
            ((pq_str *)vals)[k] = v.s;
        } else if (spec.type == PQ_DOUBLE) {
            ((double *)vals)[k] = v.f;
        } else if (spec.type == PQ_BOOLEAN) {
            vals[k] = v.i != 0;
        } else if (spec.type == PQ_INT32) {
            ((int32_t *)vals)[k] = (int32_t)v.i;
        } else {
            ((int64_t *)vals)[k] = v.i;
        }
    }
    *out = (pq_col_batch){.valid = valid, .values = vals};
    return EV_OK;
}

static ev_status write_file(write_job *w, part_file *f) {
    exec_query *q = w->q;
    pq_column_spec *specs = ev_arena_alloc(q->arena, (w->t.ndata + 1) * sizeof *specs);
    pq_col_batch *cols = ev_arena_alloc(q->arena, (w->t.ndata + 1) * sizeof *cols);
    if (!specs || !cols) return nomem(q);
    for (size_t c = 0; c < w->t.ndata; c++)
        specs[c] = column_spec(w->t.names[c], w->t.types[c]);
    char path[4096], dir[4096];
    exec_key_path(q, f->key, path, sizeof path);
    ev_path_dirname(path, dir, sizeof dir);
    EV_TRY(ev_mkdir_p(dir, q->err));
    pq_writer *pw;
    EV_TRY(pq_writer_open_file(path, true, specs, w->t.ndata, &w->wopt, &pw, q->err));
    ev_arena scratch;
    ev_arena_init(&scratch, NULL, 256 << 10);
    exec_eval ev = {.scratch = &scratch, .err = q->err, .now_usec = q->now_usec};
    ev_status st = EV_OK;
    for (size_t off = 0; st == EV_OK && off < f->n; off += EXEC_BATCH) {
        size_t n = f->n - off < EXEC_BATCH ? f->n - off : EXEC_BATCH;
        ev_arena_reset(&scratch);
        for (size_t c = 0; st == EV_OK && c < w->t.ndata; c++)
            st = fill_column(w, &ev, c, f->first + off, n, &cols[c]);
        if (st == EV_OK) st = pq_writer_write_batch(pw, cols, n, q->err);
    }
    ev_arena_destroy(&scratch);
    if (st != EV_OK) {
        pq_writer_abort(pw);
        return st;
    }
    pq_write_result res;
    EV_TRY(pq_writer_close(pw, &res, q->err));
    f->rows = res.rows;
    f->size = res.bytes;
    w->rows_written += res.rows;
    return EV_OK;
}

/* Step 3: the files' names as pending deletions, in one transaction. */
static ev_status record_intents(write_job *w, int64_t table_id, const char *query_id) {
    exec_query *q = w->q;
    char reason[128], tmp[4200];
    snprintf(reason, sizeof reason, "written by query %s; deleted unless it commits", query_id);
    EV_TRY(cat_begin(q->s->cat, q->err));
    ev_status st = EV_OK;
    for (size_t i = 0; st == EV_OK && i < w->nfiles; i++) {
        snprintf(tmp, sizeof tmp, "%s.tmp", w->files[i].key);
        st = cat_deletion_add(q->s->cat, table_id, w->files[i].key, reason, q->err);
        if (st == EV_OK) st = cat_deletion_add(q->s->cat, table_id, tmp, reason, q->err);
    }
    if (st == EV_OK) st = cat_commit(q->s->cat, q->err);
    if (st != EV_OK) cat_rollback(q->s->cat);
    return st;
}

/* Step 5: the commit point. `def` (CTAS) is the table to create; else the files go to table_id. */
static ev_status commit_files(write_job *w, const cat_table *def, int64_t table_id) {
    exec_query *q = w->q;
    cat *c = q->s->cat;
    EV_TRY(cat_begin(c, q->err));
    ev_status st = def ? cat_table_create(c, def, 0, &table_id, q->err) : EV_OK;
    for (size_t i = 0; st == EV_OK && i < w->nfiles; i++) {
        const part_file *f = &w->files[i];
        char ploc[4096], tmp[4200];
        snprintf(ploc, sizeof ploc, "%s/%s", w->location, f->spec);
        snprintf(tmp, sizeof tmp, "%s.tmp", f->key);
        cat_file_info info = {
            .path = f->key, .partition_spec = f->spec, .size = f->size, .rows = f->rows, .stats = "{}"};
        st = cat_file_add(c, table_id, f->spec, ploc, &info, q->err);
        if (st == EV_OK) st = cat_deletion_done(c, f->key, q->err);
        if (st == EV_OK) st = cat_deletion_done(c, tmp, q->err);
    }
    if (st == EV_OK) exec_crash_point(q, "sql_in_commit");
    if (st == EV_OK) st = cat_commit(c, q->err);
    if (st != EV_OK) cat_rollback(c);
    return st;
}

/* Plans, writes and commits; on failure removes what it wrote (best effort: the pending
 * deletions cover what is left). */
static ev_status write_and_commit(write_job *w, const cat_table *def, int64_t table_id) {
    exec_query *q = w->q;
    const char *qid = q->s->query_id;
    EV_TRY(plan_files(w, qid));
    EV_TRY(record_intents(w, def ? 0 : table_id, qid));
    exec_crash_point(q, "sql_intents");
    ev_status st = EV_OK;
    for (size_t i = 0; st == EV_OK && i < w->nfiles; i++)
        st = write_file(w, &w->files[i]);
    if (st == EV_OK) exec_crash_point(q, "sql_written");
    if (st == EV_OK) st = commit_files(w, def, table_id);
    if (st != EV_OK) {
        ev_error keep = *q->err;
        if (exec_finish_deletions(q, def ? w->location : NULL, def ? 0 : table_id) != EV_OK) {
            /* what is left stays listed: the next statement on the table deletes it */
        }
        *q->err = keep;
    }
    return st;
}

/* ---- the statements ---- */

/* Runs the statement's query over one catalog snapshot; the scan limit applies before anything
 * is written. */
static ev_status run_rows(exec_query *q, const sql_query *qry, exec_table *out) {
    EV_TRY(cat_begin_read(q->s->cat, q->err));
    ev_status st = exec_run_query(q, qry, NULL, out);
    ev_error keep = *q->err;
    cat_rollback(q->s->cat);
    *q->err = keep;
    if (st == EV_OK && exec_over_scan_limit(q)) st = exec_scan_limit_exceeded(q, q->err);
    return st;
}

/* Database and table names: what folders and lock files can be named after. */
static ev_status check_name(exec_query *q, sql_pos pos, const char *what, const char *name) {
    size_t n = strlen(name);
    bool ok = n > 0 && n <= 128;
    for (size_t k = 0; ok && k < n; k++)
        ok = (name[k] >= 'a' && name[k] <= 'z') || (name[k] >= '0' && name[k] <= '9') || name[k] == '_' ||
             name[k] == '-';
    if (ok) return EV_OK;
    return sql_error_at(q->err, pos, "Invalid %s name '%s': use lower-case letters, digits, '_' and '-'",
                        what, name);
}

typedef struct ctas_props {
    const char *external_location;
    const char *partitioned_by; /* "a,b" */
    sql_pos partitioned_pos;
    pq_codec codec;
    int level;
} ctas_props;

static const sql_kv *find_prop(const sql_stmt *s, const char *key) {
    for (size_t k = 0; k < s->nprops; k++)
        if (!strcasecmp(s->props[k].key, key)) return &s->props[k];
    return NULL;
}

static ev_status check_known_props(exec_query *q, const sql_stmt *s) {
    static const char *const known[] = {"format",
                                        "external_location",
                                        "partitioned_by",
                                        "write_compression",
                                        "parquet_compression",
                                        "compression_level",
                                        "table_type",
                                        "bucketed_by",
                                        "bucket_count"};
    for (size_t k = 0; k < s->nprops; k++) {
        const sql_kv *p = &s->props[k];
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
            ok = !strcasecmp(p->key, known[i]);
        if (!ok)
            return sql_error_at(q->err, p->pos, "Catalog 'awsdatacatalog' table property '%s' does not exist",
                                p->key);
        for (size_t j = 0; j < k; j++)
            if (!strcasecmp(s->props[j].key, p->key))
                return sql_error_at(q->err, p->pos, "Duplicate property: %s", p->key);
        bool wants_array = !strcasecmp(p->key, "partitioned_by") || !strcasecmp(p->key, "bucketed_by");
        if (p->is_array != wants_array)
            return sql_error_at(q->err, p->pos, "Table property '%s' must be %s", p->key,
                                p->is_array ? "a string" : "an ARRAY['column', ...]");
    }
    return EV_OK;
}

static ev_status parse_props(exec_query *q, const sql_stmt *s, ctas_props *o) {
    EV_TRY(check_known_props(q, s));
    *o = (ctas_props){.codec = PQ_CODEC_ZSTD};
    const sql_kv *p;
    if ((p = find_prop(s, "format")) && strcasecmp(p->value, "parquet"))
        return sql_error_at(q->err, p->pos, "format '%s' is not supported: evlake writes PARQUET", p->value);
    if ((p = find_prop(s, "table_type")) && strcasecmp(p->value, "hive"))
        return sql_error_at(q->err, p->pos, "table_type '%s' is not supported: evlake writes HIVE tables",
                            p->value);
    if ((p = find_prop(s, "bucketed_by")) || (p = find_prop(s, "bucket_count")))
        return sql_error_at(q->err, p->pos, "bucketed tables are not supported");
    if ((p = find_prop(s, "external_location"))) o->external_location = p->value;
    if ((p = find_prop(s, "partitioned_by"))) {
        o->partitioned_by = p->value;
        o->partitioned_pos = p->pos;
    }
    if ((p = find_prop(s, "write_compression")) || (p = find_prop(s, "parquet_compression"))) {
        if (pq_codec_parse(p->value, &o->codec) != EV_OK ||
            (o->codec != PQ_CODEC_ZSTD && o->codec != PQ_CODEC_SNAPPY && o->codec != PQ_CODEC_GZIP &&
             o->codec != PQ_CODEC_UNCOMPRESSED))
            return sql_error_at(
                q->err, p->pos,
                "write_compression '%s' is not supported for PARQUET: use ZSTD, SNAPPY, GZIP or NONE",
                p->value);
    }
    if ((p = find_prop(s, "compression_level"))) {
        char *end;
        long lv = strtol(p->value, &end, 10);
        int max = o->codec == PQ_CODEC_ZSTD ? 22 : o->codec == PQ_CODEC_GZIP ? 9 : 0;
        if (*end || lv < 1 || lv > max)
            return sql_error_at(q->err, p->pos, "compression_level '%s' is not valid for %s%s", p->value,
                                pq_codec_name(o->codec), max ? "" : " (it takes no level)");
        o->level = (int)lv;
    }
    return EV_OK;
}

/* Where a select item of the statement's query was written, for errors about output columns. */
static sql_pos item_pos(const sql_stmt *s, size_t i) {
    const sql_body *b = s->query->body;
    while (b->kind == SQL_BODY_UNION)
        b = b->left;
    if (b->kind != SQL_BODY_SELECT) return s->query->pos;
    const sql_select *sel = b->select;
    for (size_t k = 0; k < sel->nitems && k <= i; k++)
        if (sel->items[k].expr->kind == SQL_E_STAR) return s->query->pos;
    return i < sel->nitems ? sel->items[i].expr->pos : s->query->pos;
}

/* Whether output column i was named by the query: an alias or a column reference. Trino names
 * the others _col<i>, which a table cannot keep. */
static bool item_named(const sql_stmt *s, size_t i, const char *name) {
    const sql_body *b = s->query->body;
    while (b->kind == SQL_BODY_UNION)
        b = b->left;
    if (b->kind == SQL_BODY_SELECT) {
        const sql_select *sel = b->select;
        bool star = false;
        for (size_t k = 0; k < sel->nitems && k <= i; k++)
            star = star || sel->items[k].expr->kind == SQL_E_STAR;
        if (!star && i < sel->nitems) return sel->items[i].alias || sel->items[i].expr->kind == SQL_E_COLUMN;
    }
    size_t d = strspn(name + (strncmp(name, "_col", 4) ? 0 : 4), "0123456789");
    return strncmp(name, "_col", 4) || d == 0 || name[4 + d] != 0;
}

static bool plain_column_name(const char *n) {
    if (!n[0]) return false;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_')) return false;
    return true;
}

/* The new table's columns from the query's: named, typed, unique; partition keys last, in the
 * order partitioned_by gives them. */
static ev_status ctas_columns(exec_query *q, const sql_stmt *s, const exec_table *R, const ctas_props *o,
                              out_table *t) {
    EV_TRY(out_table_alloc(q, t, R->ncols));
    for (size_t c = 0; c < R->ncols; c++) {
        char *name = ev_arena_strndup(q->arena, R->names[c], strlen(R->names[c]));
        if (!name) return nomem(q);
        sql_lower(name);
        if (!plain_column_name(name) || !item_named(s, c, name))
            return sql_error_at(q->err, item_pos(s, c), "Column name not specified at position %zu", c + 1);
        for (size_t k = 0; k < c; k++)
            if (!strcmp(t->names[k], name))
                return sql_error_at(q->err, item_pos(s, c), "Column name '%s' specified more than once",
                                    name);
        if (R->cols[c].type == SQL_T_UNKNOWN)
            return sql_error_at(q->err, item_pos(s, c), "Column type is unknown: %s", name);
        t->names[c] = name;
        t->types[c] = R->cols[c].type;
        t->src[c] = (int)c;
    }
    size_t npk = 0;
    char keys[1024];
    snprintf(keys, sizeof keys, "%s", o->partitioned_by ? o->partitioned_by : "");
    for (char *save, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        sql_lower(k);
        bool found = false;
        for (size_t c = 0; c < t->ncols && !found; c++)
            found = !strcmp(t->names[c], k);
        if (!found)
            return sql_error_at(q->err, o->partitioned_pos, "Partition columns [%s] not present in schema",
                                k);
        npk++;
    }
    if (npk && npk >= t->ncols)
        return sql_error_at(q->err, o->partitioned_pos, "Table contains only partition columns");
    t->ndata = t->ncols - npk;
    snprintf(keys, sizeof keys, "%s", o->partitioned_by ? o->partitioned_by : "");
    size_t i = t->ndata;
    for (char *save, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save), i++) {
        sql_lower(k);
        if (strcmp(t->names[i], k))
            return sql_error_at(
                q->err, o->partitioned_pos,
                "HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table "
                "and in the same order as the table properties: [%s]",
                o->partitioned_by);
    }
    return EV_OK;
}

static ev_status ctas_definition(exec_query *q, const char *db, const sql_stmt *s, const out_table *t,
                                 const ctas_props *o, const char *location, const char *owner,
                                 cat_table *def) {
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = ev_buf_printf(
        &b,
        "{\"external\": \"%s\", \"write_compression\": \"%s\", \"compression_level\": "
        "\"%d\", \"query_id\": \"%s\"}",
        o->external_location ? "true" : "false", pq_codec_name(o->codec), o->level, q->s->query_id);
    char *props = st == EV_OK ? ev_arena_strndup(q->arena, (const char *)b.data, b.len) : NULL;
    ev_buf_free(&b);
    *def = (cat_table){.db = db,
                       .name = s->name,
                       .location = location,
                       .format = "parquet",
                       .managed_by = owner,
                       .ncolumns = t->ncols,
                       .npartition_keys = t->ncols - t->ndata,
                       .properties = props};
    def->columns = ev_arena_alloc(q->arena, (t->ncols + 1) * sizeof *def->columns);
    if (!props || !def->columns) return nomem(q);
    for (size_t c = 0; c < t->ncols; c++)
        def->columns[c] = (cat_column_def){t->names[c], hive_type(t->types[c]), c >= t->ndata};
    return EV_OK;
}

static void writer_options(pq_codec codec, int level, pq_writer_options *o) {
    pq_writer_options_init(o);
    o->codec = codec;
    o->level = level;
    o->created_by = "evlake (CREATE TABLE AS / INSERT INTO)";
}

static char *message(const char *verb, uint64_t rows, size_t files, const char *location) {
    char m[2048];
    snprintf(m, sizeof m, "%s: %llu row%s in %zu file%s under %s", verb, (unsigned long long)rows,
             rows == 1 ? "" : "s", files, files == 1 ? "" : "s", location);
    return strdup(m);
}

/* After the lock: leftovers, the location's emptiness, the query, the columns, the files. */
static ev_status ctas_locked(exec_query *q, const sql_stmt *s, const char *db, const ctas_props *o,
                             const char *location, const char *owner, exec_table *R, char **msg) {
    EV_TRY(exec_finish_deletions(q, location, 0));
    char path[4096];
    exec_key_path(q, location, path, sizeof path);
    if (has_visible_file(path, 0))
        return sql_error_at(
            q->err, s->pos,
            "HIVE_PATH_ALREADY_EXISTS: Target directory for table '%s.%s' already exists: %s. "
            "Remove its files or choose another external_location",
            db, s->name, path);
    EV_TRY(run_rows(q, s->query, R));
    write_job w = {.q = q, .rows = R, .location = location};
    EV_TRY(ctas_columns(q, s, R, o, &w.t));
    cat_table def;
    EV_TRY(ctas_definition(q, db, s, &w.t, o, location, owner, &def));
    writer_options(o->codec, o->level, &w.wopt);
    ev_status st = write_and_commit(&w, &def, 0);
    if (st == EV_ERR_EXISTS) return sql_error_at(q->err, s->pos, "Table '%s.%s' already exists", db, s->name);
    EV_TRY(st);
    q->stats.rows_written = w.rows_written;
    q->stats.files_written = w.nfiles;
    *msg = message("CREATE TABLE", w.rows_written, w.nfiles, location);
    return *msg ? EV_OK : nomem(q);
}

ev_status exec_create_table_as(exec_query *q, const sql_stmt *s, char **msg) {
    ctas_props o;
    EV_TRY(parse_props(q, s, &o));
    const char *db = s->db ? s->db : q->s->database;
    EV_TRY(check_name(q, s->pos, "database", db));
    EV_TRY(check_name(q, s->pos, "table", s->name));
    int exists;
    int64_t ntables;
    EV_TRY(cat_database_info(q->s->cat, db, &exists, &ntables, q->err));
    if (!exists) return sql_error_at(q->err, s->pos, "Database '%s' does not exist", db);
    cat_table *old;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, s->name, q->arena, &old, &e2);
    if (st == EV_OK) {
        if (!s->if_not_exists)
            return sql_error_at(q->err, s->pos, "Table '%s.%s' already exists", db, s->name);
        *msg = strdup("CREATE TABLE: 0 rows (the table exists)");
        return *msg ? EV_OK : nomem(q);
    }
    if (st != EV_ERR_NOT_FOUND) {
        *q->err = e2;
        return st;
    }
    char deflt[600];
    snprintf(deflt, sizeof deflt, "%s/%s", db, s->name);
    const char *location;
    EV_TRY(exec_location_key(q, o.external_location ? o.external_location : deflt, &location));
    char owner[600];
    snprintf(owner, sizeof owner, "%s%s.%s", EXEC_SQL_OWNER, db, s->name);
    int fd;
    EV_TRY(exec_lock_table(q, owner, &fd));
    exec_table R = {0};
    st = ctas_locked(q, s, db, &o, location, owner, &R, msg);
    exec_table_free(&R);
    close(fd);
    return st;
}

/* ---- INSERT INTO ---- */

/* Trino's implicit coercions: what an INSERT may store in a column of another type. */
static bool coercible(sql_type from, sql_type to) {
    if (from == to || from == SQL_T_UNKNOWN) return true;
    switch (to) {
    case SQL_T_BIGINT:
        return from == SQL_T_INTEGER;
    case SQL_T_DOUBLE:
        return from == SQL_T_INTEGER || from == SQL_T_BIGINT;
    case SQL_T_TIMESTAMP:
        return from == SQL_T_DATE || from == SQL_T_TIMESTAMPTZ;
    case SQL_T_TIMESTAMPTZ:
        return from == SQL_T_DATE || from == SQL_T_TIMESTAMP;
    default:
        return false;
    }
}

static ev_status mismatch(exec_query *q, const sql_stmt *s, const out_table *t, const int *target,
                          size_t ntarget, const exec_table *R) {
    char tt[1024] = "", qt[1024] = "";
    for (size_t k = 0; k < ntarget; k++) {
        size_t l = strlen(tt);
        snprintf(tt + l, sizeof tt - l, "%s%s", k ? ", " : "", sql_type_name(t->types[target[k]]));
    }
    for (size_t k = 0; k < R->ncols; k++) {
        size_t l = strlen(qt);
        snprintf(qt + l, sizeof qt - l, "%s%s", k ? ", " : "", sql_type_name(R->cols[k].type));
    }
    return sql_error_at(q->err, s->query->pos,
                        "Insert query has mismatched column types: Table: [%s], Query: [%s]", tt, qt);
}

/* Which table columns the statement fills (all, or its column list), in the query's order. */
static ev_status insert_targets(exec_query *q, const sql_stmt *s, const cat_table *ct, out_table *t,
                                int **target, size_t *ntarget) {
    EV_TRY(out_table_alloc(q, t, ct->ncolumns));
    t->ndata = ct->ncolumns - ct->npartition_keys;
    for (size_t c = 0; c < ct->ncolumns; c++) {
        t->names[c] = (char *)ct->columns[c].name;
        if (!sql_type_parse(ct->columns[c].type, &t->types[c])) t->types[c] = SQL_T_VARCHAR;
        t->src[c] = -1;
    }
    *ntarget = s->insert_cols ? s->ninsert_cols : ct->ncolumns;
    *target = ev_arena_alloc(q->arena, (*ntarget + 1) * sizeof **target);
    if (!*target) return nomem(q);
    for (size_t k = 0; k < *ntarget; k++) {
        if (!s->insert_cols) {
            (*target)[k] = (int)k;
            continue;
        }
        const sql_column_def *ic = &s->insert_cols[k];
        int found = -1;
        for (size_t c = 0; c < ct->ncolumns && found < 0; c++)
            if (!strcasecmp(ct->columns[c].name, ic->name)) found = (int)c;
        if (found < 0)
            return sql_error_at(q->err, ic->pos, "Insert column name does not exist in target table: %s",
                                ic->name);
        for (size_t j = 0; j < k; j++)
            if ((*target)[j] == found)
                return sql_error_at(q->err, ic->pos, "Insert column name is specified more than once: %s",
                                    ic->name);
        (*target)[k] = found;
    }
    return EV_OK;
}

void exec_table_prop(const char *json, const char *key, char *out, size_t cap) {
    out[0] = 0;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": \"", key);
    const char *p = json ? strstr(json, pat) : NULL;
    if (!p) return;
    p += strlen(pat);
    size_t n = strcspn(p, "\"");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

static ev_status insert_locked(exec_query *q, const sql_stmt *s, const cat_table *ct, exec_table *R,
                               char **msg) {
    EV_TRY(exec_finish_deletions(q, NULL, ct->id));
    write_job w = {.q = q, .rows = R, .location = ct->location};
    int *target;
    size_t ntarget;
    EV_TRY(insert_targets(q, s, ct, &w.t, &target, &ntarget));
    EV_TRY(run_rows(q, s->query, R));
    if (R->ncols != ntarget) return mismatch(q, s, &w.t, target, ntarget, R);
    for (size_t k = 0; k < ntarget; k++) {
        if (!coercible(R->cols[k].type, w.t.types[target[k]]))
            return mismatch(q, s, &w.t, target, ntarget, R);
        w.t.src[target[k]] = (int)k;
    }
    char codec_name[32], level[16];
    exec_table_prop(ct->properties, "write_compression", codec_name, sizeof codec_name);
    exec_table_prop(ct->properties, "compression_level", level, sizeof level);
    pq_codec codec = PQ_CODEC_ZSTD;
    if (codec_name[0] && pq_codec_parse(codec_name, &codec) != EV_OK) codec = PQ_CODEC_ZSTD;
    writer_options(codec, atoi(level), &w.wopt);
    EV_TRY(write_and_commit(&w, NULL, ct->id));
    q->stats.rows_written = w.rows_written;
    q->stats.files_written = w.nfiles;
    *msg = message("INSERT", w.rows_written, w.nfiles, ct->location);
    return *msg ? EV_OK : nomem(q);
}

ev_status exec_insert(exec_query *q, const sql_stmt *s, char **msg) {
    const char *db = s->db ? s->db : q->s->database;
    cat_table *ct;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, s->name, q->arena, &ct, &e2);
    if (st == EV_ERR_NOT_FOUND)
        return sql_error_at(q->err, s->pos, "Table '%s.%s' does not exist", db, s->name);
    if (st != EV_OK) {
        *q->err = e2;
        return st;
    }
    if (!ct->managed_by)
        return sql_error_at(
            q->err, s->pos,
            "INSERT INTO %s.%s is not supported: it is read from its folders (CREATE EXTERNAL "
            "TABLE), so readers could see part of an insert; write tables made by CREATE TABLE AS",
            ct->db, ct->name);
    if (strncmp(ct->managed_by, EXEC_SQL_OWNER, 4))
        return sql_error_at(
            q->err, s->pos,
            "INSERT INTO %s.%s is not supported: job %s writes it; write tables made by CREATE "
            "TABLE AS",
            ct->db, ct->name, ct->managed_by);
    int fd;
    EV_TRY(exec_lock_table(q, ct->managed_by, &fd));
    exec_table R = {0};
    st = insert_locked(q, s, ct, &R, msg);
    exec_table_free(&R);
    close(fd);
    return st;
}
