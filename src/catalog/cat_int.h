/* cat_int.h: what the catalog's files share: the handle and statement helpers. */
#ifndef EV_CAT_INT_H
#define EV_CAT_INT_H

#include <sqlite3.h>

#include "catalog.h"

struct cat {
    const ev_allocator *alloc;
    sqlite3 *db;
    int version;
    char path[1024];
};

/* Prepares `sql`; on failure fills err with the statement's purpose and SQLite's message. */
ev_status cat_prepare(cat *c, const char *sql, sqlite3_stmt **stmt, ev_error *err) EV_WUR;
/* Steps a statement expected to finish (INSERT/UPDATE/DELETE) and finalizes it. */
ev_status cat_step_done(cat *c, sqlite3_stmt *stmt, const char *what, ev_error *err) EV_WUR;
/* Runs SQL without results. */
ev_status cat_exec(cat *c, const char *sql, const char *what, ev_error *err) EV_WUR;
/* Copies a text column into the arena (NULL stays NULL). */
const char *cat_column_text(sqlite3_stmt *stmt, int col, ev_arena *arena);

#endif
