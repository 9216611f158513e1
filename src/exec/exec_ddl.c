/*
 * exec_ddl.c: the catalog statements that change it: CREATE/DROP DATABASE, DROP TABLE and ALTER
 * TABLE ADD PARTITION, with Athena's rules and messages.
 *
 * DROP TABLE removes the catalog entry only, as Athena does, except for a table CREATE TABLE AS
 * made under the lake home (no external_location): the lake manages those files, so they are
 * deleted too (listed as pending deletions in the transaction that drops the table, then removed),
 * and the name can be used again. A table an ETL job writes is refused while it holds files: its
 * job's bookmarks would otherwise skip the data on the next run.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_write.h"

static ev_status nomem(exec_query *q) {
    return ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
}

static ev_status set_msg(exec_query *q, char **msg, const char *text) {
    *msg = strdup(text);
    return *msg ? EV_OK : nomem(q);
}

/* ---- databases ---- */

static ev_status create_database(exec_query *q, const sql_stmt *s, char **msg) {
    for (const char *p = s->name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            return sql_error_at(q->err, s->pos,
                                "Invalid database name '%s': use lower-case letters, digits, '_' and '-'",
                                s->name);
    const char *location = s->name;
    if (s->location) EV_TRY(exec_location_key(q, s->location, &location));
    int created;
    ev_error e2 = {0};
    ev_status st =
        cat_database_create(q->s->cat, s->name, location, s->comment, s->if_not_exists, &created, &e2);
    if (st == EV_ERR_EXISTS) return sql_error_at(q->err, s->pos, "Database '%s' already exists", s->name);
    if (st != EV_OK) {
        *q->err = e2;
        return st;
    }
    return set_msg(q, msg, created ? "CREATE DATABASE" : "CREATE DATABASE (it exists)");
}

/* ---- tables ---- */

static bool is_sql_table(const cat_table *t) {
    return t->managed_by && !strncmp(t->managed_by, EXEC_SQL_OWNER, 4);
}

/* Whether the lake owns the table's files: CREATE TABLE AS without external_location. */
static bool lake_owns_files(const cat_table *t) {
    char ext[16];
    exec_table_prop(t->properties, "external", ext, sizeof ext);
    return is_sql_table(t) && strcmp(ext, "true") != 0;
}

typedef struct key_list {
    char **keys;
    size_t n, cap;
} key_list;

static int collect_file(const cat_file_info *f, void *ctx) {
    key_list *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **k = realloc(l->keys, cap * sizeof *k);
        if (!k) return 1;
        l->keys = k;
        l->cap = cap;
    }
    return !(l->keys[l->n++] = strdup(f->path));
}

static void key_list_free(key_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->keys[i]);
    free(l->keys);
}

/* Removes the empty folders below (and including) dir; folders holding anything stay. */
static void prune_empty_dirs(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (depth < 64 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) prune_empty_dirs(path, depth + 1);
    }
    closedir(d);
    (void)rmdir(dir);
}

/* A job's table may go only once it holds nothing (after `evlake etl reset`). */
static ev_status check_droppable(exec_query *q, const sql_stmt *s, const cat_table *t) {
    if (!t->managed_by || is_sql_table(t)) return EV_OK;
    uint64_t files = 0, rows = 0, parts = 0;
    EV_TRY(cat_table_totals(q->s->cat, t->id, &files, &rows, &parts, q->err));
    if (!files) return EV_OK;
    return sql_error_at(
        q->err, s->pos,
        "Cannot drop table %s.%s: job %s writes it and still holds %llu files (its bookmarks would "
        "skip that data on its next run); run `evlake etl reset` first",
        t->db, t->name, t->managed_by, (unsigned long long)files);
}

/* Drops the table; the files of one the lake owns are deleted after the commit. */
static ev_status drop_table(exec_query *q, const cat_table *t, size_t *deleted) {
    *deleted = 0;
    bool owned = lake_owns_files(t);
    int fd = -1;
    key_list files = {0};
    cat *c = q->s->cat;
    ev_status st = owned ? exec_lock_table(q, t->managed_by, &fd) : EV_OK;
    if (st == EV_OK && owned) st = cat_table_files(c, t->id, collect_file, &files, q->err);
    if (st == EV_ERR_CANCELLED) st = nomem(q);
    if (st == EV_OK) st = cat_begin(c, q->err);
    if (st == EV_OK) {
        for (size_t i = 0; st == EV_OK && i < files.n; i++)
            st = cat_deletion_add(c, t->id, files.keys[i], "its table was dropped", q->err);
        if (st == EV_OK) st = cat_table_drop(c, t->id, q->err);
        if (st == EV_OK) st = cat_commit(c, q->err);
        if (st != EV_OK) cat_rollback(c);
    }
    /* committed: the pending deletions finish what a crash here would leave */
    if (st == EV_OK && owned) exec_crash_point(q, "sql_dropped");
    if (st == EV_OK && owned) st = exec_finish_deletions(q, t->location, 0);
    if (st == EV_OK && owned) {
        char path[4096];
        exec_key_path(q, t->location, path, sizeof path);
        prune_empty_dirs(path, 0);
        *deleted = files.n;
    }
    key_list_free(&files);
    if (fd >= 0) close(fd);
    return st;
}

static ev_status drop_table_stmt(exec_query *q, const sql_stmt *s, char **msg) {
    const char *db = s->db ? s->db : q->s->database;
    cat_table *t;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, s->name, q->arena, &t, &e2);
    if (st == EV_ERR_NOT_FOUND) {
        if (s->if_exists) return set_msg(q, msg, "DROP TABLE (no such table)");
        return sql_error_at(q->err, s->pos, "Table '%s.%s' does not exist", db, s->name);
    }
    if (st != EV_OK) {
        *q->err = e2;
        return st;
    }
    EV_TRY(check_droppable(q, s, t));
    size_t deleted;
    EV_TRY(drop_table(q, t, &deleted));
    if (!lake_owns_files(t)) return set_msg(q, msg, "DROP TABLE");
    char m[2048];
    snprintf(m, sizeof m, "DROP TABLE: %zu file%s deleted under %s", deleted, deleted == 1 ? "" : "s",
             t->location);
    return set_msg(q, msg, m);
}

typedef struct db_tables {
    const char *db;
    char **names;
    size_t n, cap;
} db_tables;

static int collect_table(const char *db, const char *name, void *ctx) {
    db_tables *l = ctx;
    if (strcasecmp(db, l->db)) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **nn = realloc(l->names, cap * sizeof *nn);
        if (!nn) return 1;
        l->names = nn;
        l->cap = cap;
    }
    return !(l->names[l->n++] = strdup(name));
}

/* DROP DATABASE ... CASCADE: every table is checked before any is dropped. */
static ev_status drop_tables_of(exec_query *q, const sql_stmt *s, const char *db) {
    db_tables l = {.db = db};
    ev_status st = cat_tables_list(q->s->cat, collect_table, &l, q->err);
    if (st == EV_ERR_CANCELLED) st = nomem(q);
    cat_table **ts = calloc(l.n + 1, sizeof *ts);
    if (st == EV_OK && !ts) st = nomem(q);
    for (size_t i = 0; st == EV_OK && i < l.n; i++) {
        st = cat_table_get(q->s->cat, db, l.names[i], q->arena, &ts[i], q->err);
        if (st == EV_OK) st = check_droppable(q, s, ts[i]);
    }
    for (size_t i = 0; st == EV_OK && i < l.n; i++) {
        size_t deleted;
        st = drop_table(q, ts[i], &deleted);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.names[i]);
    free(l.names);
    free(ts);
    return st;
}

static ev_status drop_database(exec_query *q, const sql_stmt *s, char **msg) {
    int exists;
    int64_t ntables;
    EV_TRY(cat_database_info(q->s->cat, s->name, &exists, &ntables, q->err));
    if (!exists) {
        if (s->if_exists) return set_msg(q, msg, "DROP DATABASE (no such database)");
        return sql_error_at(q->err, s->pos, "Database '%s' does not exist", s->name);
    }
    if (ntables && !s->cascade)
        return sql_error_at(
            q->err, s->pos,
            "Database %s is not empty. One or more tables exist. (DROP DATABASE %s CASCADE drops "
            "them)",
            s->name, s->name);
    if (ntables) EV_TRY(drop_tables_of(q, s, s->name));
    EV_TRY(cat_begin(q->s->cat, q->err));
    ev_status st = cat_database_drop(q->s->cat, s->name, q->err);
    if (st == EV_OK) st = cat_commit(q->s->cat, q->err);
    if (st != EV_OK) cat_rollback(q->s->cat);
    EV_TRY(st);
    return set_msg(q, msg, "DROP DATABASE");
}

/* ---- ALTER TABLE ADD PARTITION ---- */

/* The Hive spec "k=v/k=v" of one PARTITION clause, in the table's key order. */
static ev_status partition_spec(exec_query *q, const cat_table *t, const sql_partition_spec *ps,
                                ev_buf *spec) {
    size_t ndata = t->ncolumns - t->npartition_keys;
    for (size_t k = 0; k < ps->nkv; k++) {
        const sql_kv *kv = &ps->kv[k];
        bool known = false;
        for (size_t c = ndata; c < t->ncolumns && !known; c++)
            known = !strcasecmp(t->columns[c].name, kv->key);
        if (!known)
            return sql_error_at(q->err, kv->pos, "Partition key '%s' is not a partition column of %s.%s",
                                kv->key, t->db, t->name);
        for (size_t j = 0; j < k; j++)
            if (!strcasecmp(ps->kv[j].key, kv->key))
                return sql_error_at(q->err, kv->pos, "Partition key '%s' is given twice", kv->key);
    }
    for (size_t c = ndata; c < t->ncolumns; c++) {
        const sql_kv *kv = NULL;
        for (size_t k = 0; k < ps->nkv && !kv; k++)
            if (!strcasecmp(t->columns[c].name, ps->kv[k].key)) kv = &ps->kv[k];
        if (!kv)
            return sql_error_at(q->err, ps->pos,
                                "Partition spec must give every partition column: '%s' is missing",
                                t->columns[c].name);
        const char *v = kv->value;
        if (!v[0] || strchr(v, '/') || strlen(v) > 200)
            return sql_error_at(q->err, kv->pos, "Partition value '%s' of '%s' cannot be a folder name", v,
                                kv->key);
        if (spec->len) EV_TRY(ev_buf_append_str(spec, "/"));
        EV_TRY(ev_buf_printf(spec, "%s=%s", t->columns[c].name, v));
    }
    return EV_OK;
}

static ev_status add_partitions(exec_query *q, const sql_stmt *s, const cat_table *t, size_t *added) {
    cat *c = q->s->cat;
    ev_buf spec;
    ev_buf_init(&spec, NULL);
    ev_status st = cat_begin(c, q->err);
    for (size_t i = 0; st == EV_OK && i < s->npartitions; i++) {
        const sql_partition_spec *ps = &s->partitions[i];
        ev_buf_reset(&spec);
        st = partition_spec(q, t, ps, &spec);
        if (st != EV_OK) break;
        st = ev_buf_append(&spec, "", 1);
        char loc[4096];
        const char *given = NULL;
        if (st == EV_OK && ps->location) st = exec_location_key(q, ps->location, &given);
        snprintf(loc, sizeof loc, "%s/%s", t->location, (const char *)spec.data);
        int fresh = 0;
        if (st == EV_OK)
            st = cat_partition_ensure(c, t->id, (const char *)spec.data, given ? given : loc, &fresh, q->err);
        if (st == EV_OK && !fresh && !s->if_not_exists)
            st = sql_error_at(q->err, ps->pos, "Partition already exists: %s", (const char *)spec.data);
        *added += (size_t)fresh;
    }
    if (st == EV_OK) st = cat_commit(c, q->err);
    if (st != EV_OK) {
        ev_error keep = *q->err;
        cat_rollback(c);
        *q->err = keep;
        *added = 0;
    }
    ev_buf_free(&spec);
    return st;
}

static ev_status add_partition_stmt(exec_query *q, const sql_stmt *s, char **msg) {
    const char *db = s->db ? s->db : q->s->database;
    cat_table *t;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, s->name, q->arena, &t, &e2);
    if (st == EV_ERR_NOT_FOUND)
        return sql_error_at(q->err, s->pos, "Table '%s.%s' does not exist", db, s->name);
    if (st != EV_OK) {
        *q->err = e2;
        return st;
    }
    if (t->managed_by)
        return sql_error_at(
            q->err, s->pos,
            "ALTER TABLE ADD PARTITION is for tables read from their folders: %s.%s lists its files "
            "in the catalog (written by %s), which adds their partitions",
            t->db, t->name, is_sql_table(t) ? "CREATE TABLE AS / INSERT INTO" : t->managed_by);
    if (!t->npartition_keys)
        return sql_error_at(q->err, s->pos, "Table %s.%s is not partitioned", t->db, t->name);
    size_t added = 0;
    EV_TRY(add_partitions(q, s, t, &added));
    char m[128];
    snprintf(m, sizeof m, "ALTER TABLE ADD PARTITION: %zu partition%s added", added, added == 1 ? "" : "s");
    return set_msg(q, msg, m);
}

ev_status exec_ddl(exec_query *q, const sql_stmt *s, char **msg) {
    switch (s->kind) {
    case SQL_S_CREATE_DATABASE:
        return create_database(q, s, msg);
    case SQL_S_DROP_DATABASE:
        return drop_database(q, s, msg);
    case SQL_S_DROP_TABLE:
        return drop_table_stmt(q, s, msg);
    case SQL_S_ADD_PARTITION:
        return add_partition_stmt(q, s, msg);
    default:
        return sql_error_at(q->err, s->pos, "this statement is not supported yet (see docs/NOTES.md)");
    }
}
