/* cmd_crawl.c: `evlake crawl [DB.TABLE]`: reconcile tables with what is on disk. */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cli.h"
#include "crawl.h"

static const char *const crawl_help =
    "usage: evlake crawl [DB.TABLE]\n"
    "\n"
    "The crawler: scans a table's location, registers partitions found on disk that the catalog\n"
    "lacks (as MSCK REPAIR TABLE does), and reports drift: files on disk the catalog does not know\n"
    "(written by another tool) and files the catalog lists that are gone. Without DB.TABLE, every\n"
    "table. Exit status 1 when drift is found.\n";

typedef struct crawl_cli {
    const char *home;
    int drift;
    ev_error err;
    ev_status st;
} crawl_cli;

static int crawl_one(const char *db, const char *name, void *arg) {
    crawl_cli *c = arg;
    crawl_report r;
    c->st = crawl_table(c->home, db, name, &r, &c->err);
    if (c->st != EV_OK) return 1;
    printf("%s.%s: %zu partitions (%zu new), %zu files on disk, %zu registered\n", db, name, r.partitions_registered,
           r.partitions_added, r.files_on_disk, r.files_registered);
    if (r.files_unregistered)
        printf("  drift: %zu file%s on disk not in the catalog, e.g. %s\n", r.files_unregistered,
               r.files_unregistered == 1 ? "" : "s", r.first_unregistered);
    if (r.files_missing)
        printf("  drift: %zu catalog file%s missing on disk, e.g. %s\n", r.files_missing,
               r.files_missing == 1 ? "" : "s", r.first_missing);
    c->drift |= r.files_unregistered || r.files_missing;
    return 0;
}

int cli_cmd_crawl(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(crawl_help, stdout);
        return 0;
    }
    if (argc > 2) return cli_usage_error("crawl", "unexpected argument '%s'", argv[2]);
    crawl_cli c;
    memset(&c, 0, sizeof c);
    c.home = ctx->home;
    if (argc == 2) {
        char db[256];
        const char *name = cli_split_table(argv[1], db, sizeof db);
        crawl_one(db, name, &c);
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
        cat *cat_h;
        if (cat_open(path, NULL, &cat_h, &c.err) != EV_OK) return cli_fail("crawl", &c.err);
        ev_status st = cat_tables_list(cat_h, crawl_one, &c, &c.err);
        cat_close(cat_h);
        if (st != EV_OK && st != EV_ERR_CANCELLED) c.st = st;
    }
    if (c.st != EV_OK) return cli_fail("crawl", &c.err);
    return c.drift ? 1 : 0;
}
