/* catalog.c: opening, migrating and querying the SQLite catalog (see catalog.h). */
#include <stdio.h>
#include <string.h>

#include "cat_int.h"

/* Migration N brings the schema from version N-1 to N. Append, never edit a released one. */
static const char *const migrations[] = {
    /* 1: the catalog's frame: metadata and databases, with the default database. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE databases(name TEXT PRIMARY KEY, location TEXT, description TEXT,"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()));"
    "INSERT INTO databases(name, location, description)"
    "  VALUES ('analytics', 'analytics', 'processed clickstream (the classic pipeline''s analytics db)');",

    /* 2: tables and their files; jobs, bookmarks, runs and the quarantine; query history.
     * Partition values are kept as the Hive path fragment ("year=2025/month=11/day=20/hour=00"),
     * which is also each partition's location below the table's. Files are the single source of
     * truth for what a table holds: a reader lists them in one read transaction (a snapshot). */
    "CREATE TABLE tables("
    "  id INTEGER PRIMARY KEY, db TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, location TEXT NOT NULL, format TEXT NOT NULL DEFAULT 'parquet',"
    "  serde TEXT, properties TEXT NOT NULL DEFAULT '{}', managed_by TEXT,"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()), updated_at INTEGER NOT NULL DEFAULT (unixepoch()),"
    "  UNIQUE(db, name));"
    "CREATE TABLE columns("
    "  table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE, pos INTEGER NOT NULL,"
    "  name TEXT NOT NULL, type TEXT NOT NULL, is_partition INTEGER NOT NULL DEFAULT 0, comment TEXT,"
    "  PRIMARY KEY(table_id, pos));"
    "CREATE TABLE partitions("
    "  id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  spec TEXT NOT NULL, location TEXT NOT NULL,"
    "  row_count INTEGER NOT NULL DEFAULT 0, file_count INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()), UNIQUE(table_id, spec));"
    "CREATE TABLE job_runs("
    "  id INTEGER PRIMARY KEY, job TEXT NOT NULL, status TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL, ended_at INTEGER, pid INTEGER,"
    "  objects INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0,"
    "  quarantined INTEGER NOT NULL DEFAULT 0, bytes_in INTEGER NOT NULL DEFAULT 0,"
    "  bytes_out INTEGER NOT NULL DEFAULT 0, files INTEGER NOT NULL DEFAULT 0, error TEXT);"
    "CREATE INDEX job_runs_by_job ON job_runs(job, id);"
    "CREATE TABLE files("
    "  id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    "  partition_id INTEGER REFERENCES partitions(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, row_count INTEGER NOT NULL,"
    "  run_id INTEGER REFERENCES job_runs(id), stats TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()));"
    "CREATE INDEX files_by_table ON files(table_id, partition_id);"
    "CREATE INDEX files_by_run ON files(run_id);"
    "CREATE TABLE bookmarks("
    "  job TEXT NOT NULL, object_key TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    "  run_id INTEGER NOT NULL REFERENCES job_runs(id), lines INTEGER NOT NULL, rows INTEGER NOT NULL,"
    "  quarantined INTEGER NOT NULL, PRIMARY KEY(job, object_key));"
    "CREATE INDEX bookmarks_by_run ON bookmarks(run_id);"
    "CREATE TABLE quarantine("
    "  id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES job_runs(id), job TEXT NOT NULL,"
    "  object_key TEXT NOT NULL, line INTEGER NOT NULL, byte_offset INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, raw BLOB NOT NULL, UNIQUE(job, object_key, line));"
    "CREATE INDEX quarantine_by_run ON quarantine(run_id);"
    "CREATE TABLE quarantine_staging("
    "  run_id INTEGER NOT NULL, batch INTEGER NOT NULL, job TEXT NOT NULL, object_key TEXT NOT NULL,"
    "  line INTEGER NOT NULL, byte_offset INTEGER NOT NULL, reason TEXT NOT NULL, raw BLOB NOT NULL);"
    "CREATE INDEX quarantine_staging_by_batch ON quarantine_staging(run_id, batch);"
    "CREATE TABLE query_history("
    "  id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT NOT NULL,"
    "  sql TEXT NOT NULL, database TEXT, rows INTEGER, bytes_scanned INTEGER, error TEXT, result_path TEXT);",

    /* 3: compaction. A compacted file holds the rows of several runs: run_id is the newest,
     * first_run_id the oldest (NULL: run_id only), so a rewind never splits one. file_deletions
     * lists store keys to delete unless a files row claims them: written in the transaction that
     * drops files (or before a new file is renamed into place), so a crash before the deletes
     * leaves work the next run finishes instead of orphans nobody knows about. */
    "ALTER TABLE files ADD COLUMN first_run_id INTEGER;"
    "CREATE TABLE file_deletions(path TEXT PRIMARY KEY, table_id INTEGER NOT NULL, reason TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()));",

    /* 4: the query history as Athena keeps it: a query id (a UUID, which also names the result
     * file), the workgroup, the statement type and the engine's own run time. started_at and
     * ended_at are microseconds since the epoch, like job_runs'. */
    "ALTER TABLE query_history ADD COLUMN query_id TEXT;"
    "ALTER TABLE query_history ADD COLUMN workgroup TEXT;"
    "ALTER TABLE query_history ADD COLUMN statement_type TEXT;"
    "ALTER TABLE query_history ADD COLUMN engine_usec INTEGER;"
    "CREATE UNIQUE INDEX query_history_by_query_id ON query_history(query_id);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int cat_current_schema_version(void) { return NMIGRATIONS; }
int cat_schema_version(const cat *c) { return c->version; }

ev_status cat_exec(cat *c, const char *sql, const char *what, ev_error *err) {
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ev_status st = ev_error_set(err, EV_ERR_IO, "catalog: %s: %s", what, msg ? msg : "unknown error");
        sqlite3_free(msg);
        return st;
    }
    return EV_OK;
}

static ev_status migrate(cat *c, ev_error *err) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return ev_error_set(err, EV_ERR_IO, "catalog: cannot read schema version: %s", sqlite3_errmsg(c->db));
    c->version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    if (c->version > NMIGRATIONS)
        return ev_error_set(err, EV_ERR_UNSUPPORTED,
                            "catalog schema version %d is newer than this evlake (%d): upgrade evlake",
                            c->version, NMIGRATIONS);
    for (int v = c->version; v < NMIGRATIONS; v++) {
        char what[64], bump[64];
        snprintf(what, sizeof what, "migration %d", v + 1);
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        EV_TRY(cat_exec(c, "BEGIN IMMEDIATE", what, err));
        ev_status st = cat_exec(c, migrations[v], what, err);
        if (st == EV_OK) st = cat_exec(c, bump, what, err);
        if (st == EV_OK) st = cat_exec(c, "COMMIT", what, err);
        if (st != EV_OK) {
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
            return st;
        }
        c->version = v + 1;
    }
    return EV_OK;
}

ev_status cat_open(const char *path, const ev_allocator *alloc, cat **out, ev_error *err) {
    *out = NULL;
    cat *c = ev_calloc(alloc, 1, sizeof *c);
    if (!c) return ev_error_set(err, EV_ERR_NOMEM, "out of memory opening the catalog");
    c->alloc = alloc;
    snprintf(c->path, sizeof c->path, "%s", path);
    ev_status st = EV_OK;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        st = ev_error_set(err, EV_ERR_IO, "cannot open catalog '%s': %s", path,
                          c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 10000);
    if ((st = cat_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                       "setup", err)) != EV_OK ||
        (st = migrate(c, err)) != EV_OK) {
        ev_error_prefix(err, "catalog '%s'", path);
        goto fail;
    }
    *out = c;
    return EV_OK;
fail:
    cat_close(c);
    return st;
}

void cat_close(cat *c) {
    if (!c) return;
    sqlite3_close(c->db);
    ev_free(c->alloc, c, sizeof *c);
}

ev_status cat_count_databases(cat *c, int *out, ev_error *err) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM databases", -1, &stmt, NULL) != SQLITE_OK)
        return ev_error_set(err, EV_ERR_IO, "catalog: %s", sqlite3_errmsg(c->db));
    *out = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return EV_OK;
}

ev_status cat_prepare(cat *c, const char *sql, sqlite3_stmt **stmt, ev_error *err) {
    if (sqlite3_prepare_v2(c->db, sql, -1, stmt, NULL) != SQLITE_OK)
        return ev_error_set(err, EV_ERR_IO, "catalog '%s': %s", c->path, sqlite3_errmsg(c->db));
    return EV_OK;
}

ev_status cat_step_done(cat *c, sqlite3_stmt *stmt, const char *what, ev_error *err) {
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return EV_OK;
    if (rc == SQLITE_CONSTRAINT)
        return ev_error_set(err, EV_ERR_EXISTS, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
    if (rc == SQLITE_BUSY)
        return ev_error_set(err, EV_ERR_BUSY, "catalog: %s: the catalog is locked by another writer", what);
    return ev_error_set(err, EV_ERR_IO, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
}

const char *cat_column_text(sqlite3_stmt *stmt, int col, ev_arena *arena) {
    const unsigned char *t = sqlite3_column_text(stmt, col);
    if (!t) return NULL;
    return ev_arena_strndup(arena, (const char *)t, (size_t)sqlite3_column_bytes(stmt, col));
}

ev_status cat_begin(cat *c, ev_error *err) { return cat_exec(c, "BEGIN IMMEDIATE", "begin", err); }
ev_status cat_commit(cat *c, ev_error *err) { return cat_exec(c, "COMMIT", "commit", err); }
void cat_rollback(cat *c) {
    if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}
ev_status cat_begin_read(cat *c, ev_error *err) { return cat_exec(c, "BEGIN DEFERRED", "begin read", err); }
