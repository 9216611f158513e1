/*
 * catalog: the embedded SQLite catalog (the Glue Data Catalog's role), the single source of truth
 * for databases, tables, partitions, files, bookmarks and runs.
 *
 * The schema is versioned: cat_open() applies every migration newer than the file's version, each
 * in its own transaction, so an old lake opens with a new binary. WAL mode lets readers see a
 * consistent snapshot while a writer commits.
 */
#ifndef EV_CATALOG_H
#define EV_CATALOG_H

#include "ev_alloc.h"
#include "ev_status.h"

typedef struct cat cat;

/* Opens (creating if needed) the catalog at `path` and migrates it to the current schema.
 * *out is released with cat_close(). */
ev_status cat_open(const char *path, const ev_allocator *alloc, cat **out, ev_error *err) EV_WUR;
void cat_close(cat *c); /* accepts NULL */

/* The schema version of the open catalog, and the version this binary writes. */
int cat_schema_version(const cat *c);
int cat_current_schema_version(void);

/* Number of databases registered (init registers the default `analytics`). */
ev_status cat_count_databases(cat *c, int *out, ev_error *err) EV_WUR;

#endif
