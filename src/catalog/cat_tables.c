/* cat_tables.c: tables, columns, partitions and files in the catalog (see catalog.h). */
#include <stdio.h>
#include <string.h>

#include "cat_int.h"

ev_status cat_table_create(cat *c, const cat_table *def, int if_not_exists, int64_t *table_id, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT id FROM tables WHERE db = ?1 COLLATE NOCASE AND name = ?2 COLLATE NOCASE", &st, err));
    sqlite3_bind_text(st, 1, def->db, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, def->name, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) *table_id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (found) {
        if (if_not_exists) return EV_OK;
        return ev_error_set(err, EV_ERR_EXISTS, "Table '%s.%s' already exists", def->db, def->name);
    }
    EV_TRY(cat_prepare(c, "INSERT INTO tables(db, name, location, format, serde, managed_by, properties) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err));
    sqlite3_bind_text(st, 1, def->db, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, def->location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, def->format ? def->format : "parquet", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, def->serde, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, def->managed_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, def->properties ? def->properties : "{}", -1, SQLITE_STATIC);
    ev_status rc = cat_step_done(c, st, "create table", err);
    if (rc == EV_ERR_EXISTS && err && strstr(err->msg, "FOREIGN KEY"))
        return ev_error_set(err, EV_ERR_NOT_FOUND, "Database '%s' does not exist", def->db);
    EV_TRY(rc);
    *table_id = sqlite3_last_insert_rowid(c->db);
    for (size_t i = 0; i < def->ncolumns; i++) {
        EV_TRY(cat_prepare(c, "INSERT INTO columns(table_id, pos, name, type, is_partition) VALUES (?1, ?2, ?3, ?4, ?5)",
                           &st, err));
        sqlite3_bind_int64(st, 1, *table_id);
        sqlite3_bind_int(st, 2, (int)i);
        sqlite3_bind_text(st, 3, def->columns[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, def->columns[i].type, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, def->columns[i].is_partition);
        EV_TRY(cat_step_done(c, st, "add column", err));
    }
    return EV_OK;
}

ev_status cat_table_get(cat *c, const char *db, const char *name, ev_arena *arena, cat_table **out, ev_error *err) {
    *out = NULL;
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT id, db, name, location, format, serde, managed_by, properties FROM tables "
                          "WHERE db = ?1 COLLATE NOCASE AND name = ?2 COLLATE NOCASE", &st, err));
    sqlite3_bind_text(st, 1, db, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return ev_error_set(err, EV_ERR_NOT_FOUND, "Table '%s.%s' does not exist", db, name);
    }
    cat_table *t = ev_arena_alloc(arena, sizeof *t);
    if (!t) {
        sqlite3_finalize(st);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory reading table %s.%s", db, name);
    }
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(st, 0);
    t->db = cat_column_text(st, 1, arena);
    t->name = cat_column_text(st, 2, arena);
    t->location = cat_column_text(st, 3, arena);
    t->format = cat_column_text(st, 4, arena);
    t->serde = cat_column_text(st, 5, arena);
    t->managed_by = cat_column_text(st, 6, arena);
    t->properties = cat_column_text(st, 7, arena);
    sqlite3_finalize(st);
    EV_TRY(cat_prepare(c, "SELECT name, type, is_partition FROM columns WHERE table_id = ?1 ORDER BY pos", &st, err));
    sqlite3_bind_int64(st, 1, t->id);
    size_t cap = 16;
    t->columns = ev_arena_alloc(arena, cap * sizeof *t->columns);
    while (t->columns && sqlite3_step(st) == SQLITE_ROW) {
        if (t->ncolumns == cap) {
            cat_column_def *grown = ev_arena_alloc(arena, 2 * cap * sizeof *grown);
            if (!grown) {
                t->columns = NULL;
                break;
            }
            memcpy(grown, t->columns, cap * sizeof *grown);
            t->columns = grown;
            cap *= 2;
        }
        cat_column_def *col = &t->columns[t->ncolumns++];
        col->name = cat_column_text(st, 0, arena);
        col->type = cat_column_text(st, 1, arena);
        col->is_partition = sqlite3_column_int(st, 2);
        t->npartition_keys += (size_t)col->is_partition;
    }
    sqlite3_finalize(st);
    if (!t->columns) return ev_error_set(err, EV_ERR_NOMEM, "out of memory reading table %s.%s", db, name);
    *out = t;
    return EV_OK;
}

ev_status cat_table_files(cat *c, int64_t table_id, cat_file_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT f.id, f.path, coalesce(p.spec, ''), f.size, f.row_count, coalesce(f.run_id, 0), f.stats "
                          "FROM files f LEFT JOIN partitions p ON p.id = f.partition_id "
                          "WHERE f.table_id = ?1 ORDER BY p.spec, f.path", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    ev_status rc = EV_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        cat_file_info f = {sqlite3_column_int64(st, 0),
                           (const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 2),
                           (uint64_t)sqlite3_column_int64(st, 3),
                           (uint64_t)sqlite3_column_int64(st, 4),
                           sqlite3_column_int64(st, 5),
                           (const char *)sqlite3_column_text(st, 6)};
        if (fn(&f, ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    if (rc == EV_OK && step != SQLITE_DONE)
        rc = ev_error_set(err, EV_ERR_IO, "catalog: listing files: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}

static ev_status partition_id(cat *c, int64_t table_id, const char *spec, const char *location, int64_t *id,
                              ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO partitions(table_id, spec, location) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT(table_id, spec) DO UPDATE SET spec = excluded.spec RETURNING id", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, location, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        ev_status rc = ev_error_set(err, EV_ERR_IO, "catalog: adding partition %s: %s", spec, sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return rc;
    }
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return EV_OK;
}

ev_status cat_file_add(cat *c, int64_t table_id, const char *partition_spec, const char *partition_location,
                       const cat_file_info *f, ev_error *err) {
    int64_t pid = 0;
    if (partition_spec && *partition_spec) EV_TRY(partition_id(c, table_id, partition_spec, partition_location, &pid, err));
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO files(table_id, partition_id, path, size, row_count, run_id, stats) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    if (pid) sqlite3_bind_int64(st, 2, pid);
    else sqlite3_bind_null(st, 2);
    sqlite3_bind_text(st, 3, f->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->size);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->rows);
    if (f->run_id) sqlite3_bind_int64(st, 6, f->run_id);
    else sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, f->stats ? f->stats : "{}", -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "add file", err));
    if (!pid) return EV_OK;
    EV_TRY(cat_prepare(c, "UPDATE partitions SET row_count = row_count + ?2, file_count = file_count + 1, "
                          "bytes = bytes + ?3 WHERE id = ?1", &st, err));
    sqlite3_bind_int64(st, 1, pid);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->rows);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->size);
    return cat_step_done(c, st, "count partition", err);
}

ev_status cat_table_totals(cat *c, int64_t table_id, uint64_t *files, uint64_t *rows, uint64_t *partitions,
                           ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT count(*), coalesce(sum(row_count), 0), count(DISTINCT partition_id) "
                          "FROM files WHERE table_id = ?1", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *files = (uint64_t)sqlite3_column_int64(st, 0);
        *rows = (uint64_t)sqlite3_column_int64(st, 1);
        *partitions = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return EV_OK;
}

ev_status cat_table_partitions(cat *c, int64_t table_id, cat_partition_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    /* A job's table is what its files say: a partition whose files were all rewound is gone. A
     * table read from its folders has no files here: every registered partition counts. */
    EV_TRY(cat_prepare(c, "SELECT spec, location, row_count, file_count, bytes FROM partitions "
                          "WHERE table_id = ?1 AND (file_count > 0 OR "
                          "(SELECT managed_by IS NULL FROM tables WHERE id = ?1)) ORDER BY spec", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    ev_status rc = EV_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        cat_partition_info p = {(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                                (uint64_t)sqlite3_column_int64(st, 2), (uint64_t)sqlite3_column_int64(st, 3),
                                (uint64_t)sqlite3_column_int64(st, 4)};
        if (fn(&p, ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

ev_status cat_tables_list(cat *c, cat_table_name_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT db, name FROM tables ORDER BY db, name", &st, err));
    ev_status rc = EV_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1), ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

ev_status cat_partition_ensure(cat *c, int64_t table_id, const char *spec, const char *location, int *added,
                               ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT OR IGNORE INTO partitions(table_id, spec, location) VALUES (?1, ?2, ?3)", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, spec, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, location, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "add partition", err));
    *added = sqlite3_changes(c->db) > 0;
    return EV_OK;
}

ev_status cat_table_add_column(cat *c, int64_t table_id, const char *name, const char *type, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT 1 FROM columns WHERE table_id = ?1 AND name = ?2 COLLATE NOCASE", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int exists = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (exists) return ev_error_set(err, EV_ERR_EXISTS, "column '%s' already exists", name);
    /* Partition keys move one place right to keep data columns first. Positions are a primary key,
     * checked row by row during an UPDATE, so they step out of the way through negative values. */
    static const char *const shift[] = {
        "UPDATE columns SET pos = -pos - 1 WHERE table_id = ?1 AND is_partition = 1",
        "UPDATE columns SET pos = -pos WHERE table_id = ?1 AND pos < 0",
    };
    for (int i = 0; i < 2; i++) {
        EV_TRY(cat_prepare(c, shift[i], &st, err));
        sqlite3_bind_int64(st, 1, table_id);
        EV_TRY(cat_step_done(c, st, "add column", err));
    }
    EV_TRY(cat_prepare(c, "INSERT INTO columns(table_id, pos, name, type, is_partition) "
                          "VALUES (?1, (SELECT count(*) FROM columns WHERE table_id = ?1 AND is_partition = 0), ?2, ?3, 0)",
                       &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "add column", err));
    EV_TRY(cat_prepare(c, "UPDATE tables SET updated_at = unixepoch() WHERE id = ?1", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    return cat_step_done(c, st, "add column", err);
}

/* Removes one file row of the table and subtracts it from its partition; *found says if it was there. */
static ev_status drop_file(cat *c, int64_t table_id, const char *path, int *found, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "UPDATE partitions SET row_count = partitions.row_count - f.rc, "
                          "file_count = partitions.file_count - 1, bytes = partitions.bytes - f.sz "
                          "FROM (SELECT partition_id AS pid, row_count AS rc, size AS sz FROM files "
                          "WHERE table_id = ?1 AND path = ?2) f WHERE partitions.id = f.pid", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "uncount file", err));
    EV_TRY(cat_prepare(c, "DELETE FROM files WHERE table_id = ?1 AND path = ?2", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "remove file", err));
    *found = sqlite3_changes(c->db) == 1;
    return EV_OK;
}

ev_status cat_files_replace(cat *c, int64_t table_id, const char *const *old_paths, size_t n,
                            const char *partition_spec, const char *partition_location, const cat_file_info *f,
                            int64_t first_run_id, ev_error *err) {
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        EV_TRY(drop_file(c, table_id, old_paths[i], &found, err));
        if (!found)
            return ev_error_set(err, EV_ERR_NOT_FOUND, "'%s' is no longer a file of the table (changed meanwhile)",
                                old_paths[i]);
        EV_TRY(cat_deletion_add(c, table_id, old_paths[i], "replaced by a compacted file", err));
    }
    EV_TRY(cat_file_add(c, table_id, partition_spec, partition_location, f, err));
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "UPDATE files SET first_run_id = ?2 WHERE path = ?1", &st, err));
    sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
    if (first_run_id) sqlite3_bind_int64(st, 2, first_run_id);
    else sqlite3_bind_null(st, 2);
    EV_TRY(cat_step_done(c, st, "compacted file runs", err));
    return cat_deletion_done(c, f->path, err);
}

ev_status cat_deletion_add(cat *c, int64_t table_id, const char *path, const char *reason, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO file_deletions(path, table_id, reason) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT(path) DO UPDATE SET reason = excluded.reason", &st, err));
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, table_id);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    return cat_step_done(c, st, "record a deletion", err);
}

ev_status cat_deletions(cat *c, int64_t table_id, cat_deletion_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT d.path, EXISTS (SELECT 1 FROM files f WHERE f.path = d.path) FROM file_deletions d "
                          "WHERE d.table_id = ?1 ORDER BY d.path", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    ev_status rc = EV_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1), ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    if (rc == EV_OK && step != SQLITE_DONE)
        rc = ev_error_set(err, EV_ERR_IO, "catalog: listing deletions: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}

ev_status cat_deletion_done(cat *c, const char *path, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "DELETE FROM file_deletions WHERE path = ?1", &st, err));
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    return cat_step_done(c, st, "forget a deletion", err);
}

ev_status cat_table_drop(cat *c, int64_t table_id, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "DELETE FROM tables WHERE id = ?1", &st, err));
    sqlite3_bind_int64(st, 1, table_id);
    return cat_step_done(c, st, "drop table", err);
}

/* ---- databases ---- */

ev_status cat_database_info(cat *c, const char *name, int *exists, int64_t *tables, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "SELECT (SELECT count(*) FROM databases WHERE name = ?1 COLLATE NOCASE), "
                          "(SELECT count(*) FROM tables WHERE db = ?1 COLLATE NOCASE)", &st, err));
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *exists = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    *tables = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return ev_error_set(err, EV_ERR_IO, "catalog: looking up database %s: %s", name, sqlite3_errmsg(c->db));
    return EV_OK;
}

ev_status cat_database_create(cat *c, const char *name, const char *location, const char *comment, int if_not_exists,
                              int *created, ev_error *err) {
    int exists;
    int64_t tables;
    *created = 0;
    EV_TRY(cat_database_info(c, name, &exists, &tables, err));
    if (exists) return if_not_exists ? EV_OK : ev_error_set(err, EV_ERR_EXISTS, "Database '%s' already exists", name);
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "INSERT INTO databases(name, location, description) VALUES (?1, ?2, ?3)", &st, err));
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, comment, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "create database", err));
    *created = 1;
    return EV_OK;
}

ev_status cat_database_drop(cat *c, const char *name, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(c, "DELETE FROM databases WHERE name = ?1 COLLATE NOCASE", &st, err));
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    EV_TRY(cat_step_done(c, st, "drop database", err));
    if (sqlite3_changes(c->db) == 0) return ev_error_set(err, EV_ERR_NOT_FOUND, "Database '%s' does not exist", name);
    return EV_OK;
}

ev_status cat_deletions_stale(cat *c, const char *prefix, cat_deletion_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    /* substr rather than LIKE: paths may hold '%' and '_' */
    EV_TRY(cat_prepare(c, "SELECT d.path, EXISTS (SELECT 1 FROM files f WHERE f.path = d.path) FROM file_deletions d "
                          "WHERE NOT EXISTS (SELECT 1 FROM tables t WHERE t.id = d.table_id) "
                          "AND substr(d.path, 1, length(?1)) = ?1 ORDER BY d.path", &st, err));
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    ev_status rc = EV_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1), ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    if (rc == EV_OK && step != SQLITE_DONE)
        rc = ev_error_set(err, EV_ERR_IO, "catalog: listing deletions: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}
