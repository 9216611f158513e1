/* cmd_ddl.c: `evlake ddl`: statements that let Athena, Trino, Spark or DuckDB read the lake. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cli.h"

static const char *const ddl_help =
    "usage: evlake ddl --dialect athena|trino|spark|duckdb [--location URI] [DB.TABLE]\n"
    "\n"
    "Prints the DDL another engine needs to read the same files: the database, the table with its\n"
    "columns and partition keys, and its partitions. --location is the lake home as that engine\n"
    "sees it (e.g. s3://my-bucket/lake after `aws s3 sync lake s3://my-bucket/lake`); the default\n"
    "is the local lake home as a file:// URI. Without DB.TABLE, every table of the catalog.\n";

typedef struct ddl_run {
    cat *c;
    cat_dialect dialect;
    const char *base;
    ev_buf out;
    ev_error err;
    ev_status st;
} ddl_run;

static int table_ddl(const char *db, const char *name, void *arg) {
    ddl_run *r = arg;
    ev_arena arena;
    ev_arena_init(&arena, NULL, 4096);
    cat_table *t;
    r->st = cat_table_get(r->c, db, name, &arena, &t, &r->err);
    if (r->st == EV_OK) {
        if (r->out.len && ev_buf_append_str(&r->out, "\n") != EV_OK) r->st = EV_ERR_NOMEM;
        if (r->st == EV_OK) r->st = cat_table_ddl(r->c, t, r->dialect, r->base, &r->out, &r->err);
    }
    ev_arena_destroy(&arena);
    return r->st != EV_OK;
}

int cli_cmd_ddl(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(ddl_help, stdout);
        return 0;
    }
    const char *dialect = NULL, *location = NULL, *table = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dialect") && i + 1 < argc) dialect = argv[++i];
        else if (!strcmp(argv[i], "--location") && i + 1 < argc) location = argv[++i];
        else if (argv[i][0] != '-' && !table) table = argv[i];
        else return cli_usage_error("ddl", "unexpected argument '%s'", argv[i]);
    }
    ddl_run r;
    memset(&r, 0, sizeof r);
    if (!dialect) return cli_usage_error("ddl", "say which engine: --dialect athena|trino|spark|duckdb");
    if (cat_dialect_parse(dialect, &r.dialect) != EV_OK)
        return cli_usage_error("ddl", "--dialect: '%s' is not athena, trino, spark or duckdb", dialect);
    char home_abs[PATH_MAX], base[PATH_MAX + 16], path[4096];
    if (!location) {
        if (!realpath(ctx->home, home_abs)) {
            fprintf(stderr, "evlake ddl: no lake at '%s' (run evlake init first)\n", ctx->home);
            return 1;
        }
        snprintf(base, sizeof base, "file://%s", home_abs);
        location = base;
    }
    r.base = location;
    snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
    if (cat_open(path, NULL, &r.c, &r.err) != EV_OK) return cli_fail("ddl", &r.err);
    ev_buf_init(&r.out, NULL);
    ev_status st;
    if (table) {
        char db[256];
        const char *name = cli_split_table(table, db, sizeof db);
        table_ddl(db, name, &r);
        st = r.st;
    } else {
        st = cat_tables_list(r.c, table_ddl, &r, &r.err);
        if (st == EV_ERR_CANCELLED) st = r.st;
        if (st == EV_OK && r.out.len == 0) fprintf(stderr, "evlake ddl: the catalog has no tables yet (run evlake etl run)\n");
    }
    cat_close(r.c);
    if (st != EV_OK) {
        ev_buf_free(&r.out);
        return cli_fail("ddl", &r.err);
    }
    fwrite(r.out.data, 1, r.out.len, stdout);
    ev_buf_free(&r.out);
    return 0;
}
