/* catalog.c: opening, migrating and querying the SQLite catalog (see catalog.h). */
#include "catalog.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

struct cat {
    const ev_allocator *alloc;
    sqlite3 *db;
    int version;
};

/* Migration N brings the schema from version N-1 to N. Append, never edit a released one. */
static const char *const migrations[] = {
    /* 1: the catalog's frame: metadata and databases, with the default database. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE databases(name TEXT PRIMARY KEY, location TEXT, description TEXT,"
    "  created_at INTEGER NOT NULL DEFAULT (unixepoch()));"
    "INSERT INTO databases(name, location, description)"
    "  VALUES ('analytics', 'analytics', 'processed clickstream (the classic pipeline''s analytics db)');",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int cat_current_schema_version(void) { return NMIGRATIONS; }
int cat_schema_version(const cat *c) { return c->version; }

static ev_status sql_exec(cat *c, const char *sql, const char *what, ev_error *err) {
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
        EV_TRY(sql_exec(c, "BEGIN IMMEDIATE", what, err));
        ev_status st = sql_exec(c, migrations[v], what, err);
        if (st == EV_OK) st = sql_exec(c, bump, what, err);
        if (st == EV_OK) st = sql_exec(c, "COMMIT", what, err);
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
    ev_status st = EV_OK;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        st = ev_error_set(err, EV_ERR_IO, "cannot open catalog '%s': %s", path,
                          c->db ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->db, 10000);
    if ((st = sql_exec(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
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
