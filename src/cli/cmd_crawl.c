/* cmd_crawl.c: `evlake crawl [TABLE|PATH]`: infer schemas and partitions, report drift. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cli.h"
#include "crawl.h"
#include "ev_fs.h"

static const char *const crawl_help =
    "usage: evlake crawl [DB.TABLE | PATH] [--database DB] [--name NAME] [--sample N]\n"
    "\n"
    "The crawler (the Glue crawler's role). For a table: scans its location, registers partitions\n"
    "found on disk that the catalog lacks (as MSCK REPAIR TABLE does), infers the columns of its\n"
    "files (Parquet footers, sampled JSON lines), adds the columns the table lacks and reports\n"
    "those whose type differs from the table's (the table keeps its type), and reports files on\n"
    "disk the catalog does not know and files it lists that are gone. Without an argument, every\n"
    "table.\n"
    "\n"
    "For a PATH (a folder in the lake home, relative to it or absolute) that no table covers yet:\n"
    "infers its format, columns and types, its Hive partition keys (key=value folders, as strings)\n"
    "and partitions, and registers a table over it, named after the folder. Crawling the same\n"
    "PATH again crawls that table.\n"
    "\n"
    "  --database DB  database of a new table (default analytics)\n"
    "  --name NAME    name of a new table (default: the folder's name)\n"
    "  --sample N     JSON lines read from each file to infer types (default 1000)\n"
    "\n"
    "Exit status 1 when drift is found (unknown or missing files, type conflicts).\n";

typedef struct crawl_cli {
    const char *home;
    crawl_options opt;
    int drift;
    ev_error err;
    ev_status st;
} crawl_cli;

static void print_report(crawl_cli *c, const crawl_report *r) {
    if (r->table_created) {
        printf("%s.%s: new %s table over %s: %zu column%s, %zu partition key%s, %zu partition%s, %zu file%s\n", r->db,
               r->table, r->format, r->location, r->columns, r->columns == 1 ? "" : "s", r->partition_keys,
               r->partition_keys == 1 ? "" : "s", r->partitions_registered, r->partitions_registered == 1 ? "" : "s",
               r->files_on_disk, r->files_on_disk == 1 ? "" : "s");
        for (size_t i = 0; i < r->ncolumns_listed; i++)
            printf("  %-24s %s%s\n", r->listed[i].column, r->listed[i].type, r->listed[i].kept[0] ? "  (partition key)" : "");
        if (r->columns + r->partition_keys > r->ncolumns_listed)
            printf("  ... %zu columns in all\n", r->columns + r->partition_keys);
    } else if (r->read_from_folders) {
        printf("%s.%s: %zu partitions (%zu new), %zu files on disk (read from its folders)\n", r->db, r->table,
               r->partitions_registered, r->partitions_added, r->files_on_disk);
    } else {
        printf("%s.%s: %zu partitions (%zu new), %zu files on disk, %zu registered\n", r->db, r->table,
               r->partitions_registered, r->partitions_added, r->files_on_disk, r->files_registered);
    }
    for (size_t i = 0; i < r->columns_added && i < CRAWL_MAX_NOTES; i++)
        printf("  new column: %s %s (first in %s)\n", r->added[i].column, r->added[i].type, r->added[i].file);
    if (r->columns_added > CRAWL_MAX_NOTES) printf("  ... %zu new columns in all\n", r->columns_added);
    for (size_t i = 0; i < r->type_conflicts && i < CRAWL_MAX_NOTES; i++)
        printf("  type conflict: %s is %s in %s; the table keeps %s\n", r->conflicts[i].column, r->conflicts[i].type,
               r->conflicts[i].file, r->conflicts[i].kept);
    if (r->type_conflicts > CRAWL_MAX_NOTES) printf("  ... %zu type conflicts in all\n", r->type_conflicts);
    if (r->columns_skipped)
        printf("  note: %zu column%s skipped (nested, repeated, or named like a partition key)\n", r->columns_skipped,
               r->columns_skipped == 1 ? "" : "s");
    if (r->lines_unparsable)
        printf("  note: %zu of %zu sampled lines are not JSON objects\n", r->lines_unparsable, r->lines_sampled);
    if (r->files_unreadable)
        printf("  note: %zu file%s could not be read, e.g. %s\n", r->files_unreadable,
               r->files_unreadable == 1 ? "" : "s", r->first_unreadable);
    if (r->files_unregistered)
        printf("  drift: %zu file%s on disk not in the catalog, e.g. %s\n", r->files_unregistered,
               r->files_unregistered == 1 ? "" : "s", r->first_unregistered);
    if (r->files_missing)
        printf("  drift: %zu catalog file%s missing on disk, e.g. %s\n", r->files_missing,
               r->files_missing == 1 ? "" : "s", r->first_missing);
    c->drift |= r->files_unregistered || r->files_missing || r->type_conflicts;
}

static int crawl_one(const char *db, const char *name, void *arg) {
    crawl_cli *c = arg;
    crawl_report r;
    c->st = crawl_table_with(c->home, db, name, &c->opt, &r, &c->err);
    if (c->st != EV_OK) return 1;
    print_report(c, &r);
    return 0;
}

/* PATH as a key prefix in the lake home; 0 if it is not a folder inside it. */
static int location_of(const char *home, const char *arg, char *out, size_t cap) {
    char full[PATH_MAX], real_home[PATH_MAX], real_path[PATH_MAX];
    if (arg[0] == '/') snprintf(full, sizeof full, "%s", arg);
    else snprintf(full, sizeof full, "%s/%s", home, arg);
    if (!realpath(home, real_home) || !realpath(full, real_path) || !ev_is_dir(real_path)) return 0;
    size_t n = strlen(real_home);
    if (strncmp(real_path, real_home, n) != 0 || real_path[n] != '/') return 0;
    snprintf(out, cap, "%s", real_path + n + 1);
    return 1;
}

int cli_cmd_crawl(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(crawl_help, stdout);
        return 0;
    }
    crawl_cli c;
    memset(&c, 0, sizeof c);
    c.home = ctx->home;
    c.opt.infer_schema = 1;
    static const struct option opts[] = {{"database", required_argument, 0, 'd'},
                                         {"name", required_argument, 0, 'n'},
                                         {"sample", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': c.opt.db = optarg; break;
        case 'n': c.opt.name = optarg; break;
        case 's': {
            long n;
            if (cli_int_arg("crawl", "--sample", optarg, 1, 100000000, &n)) return 1;
            c.opt.sample_lines = (size_t)n;
            break;
        }
        default: return cli_usage_error("crawl", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 < argc) return cli_usage_error("crawl", "unexpected argument '%s'", argv[optind + 1]);
    if (optind < argc) {
        const char *arg = argv[optind];
        char db[256], loc[2048];
        const char *name = cli_split_table(arg, db, sizeof db);
        /* A name with a '/' is a path; otherwise a table if the catalog has one, else a folder. */
        int is_path = strchr(arg, '/') != NULL;
        if (!is_path) {
            int exists = 0;
            c.st = crawl_table_exists(ctx->home, db, name, &exists, &c.err);
            if (c.st == EV_OK && exists) crawl_one(db, name, &c);
            else if (c.st == EV_OK && location_of(ctx->home, arg, loc, sizeof loc)) is_path = 1;
            else if (c.st == EV_OK)
                c.st = ev_error_set(&c.err, EV_ERR_NOT_FOUND, "no table %s.%s and no folder '%s' in the lake", db, name,
                                    arg);
        }
        if (is_path) {
            if (!location_of(ctx->home, arg, loc, sizeof loc))
                return cli_usage_error("crawl", "'%s' is not a folder inside the lake home '%s'", arg, ctx->home);
            crawl_report r;
            c.st = crawl_location(ctx->home, loc, &c.opt, &r, &c.err);
            if (c.st == EV_OK) print_report(&c, &r);
        }
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", ctx->home, CFG_CATALOG_FILE);
        if (!ev_path_exists(path)) {
            fprintf(stderr, "evlake crawl: no lake at '%s' (run evlake init first)\n", ctx->home);
            return 1;
        }
        cat *cat_h;
        if (cat_open(path, NULL, &cat_h, &c.err) != EV_OK) return cli_fail("crawl", &c.err);
        ev_status st = cat_tables_list(cat_h, crawl_one, &c, &c.err);
        cat_close(cat_h);
        if (st != EV_OK && st != EV_ERR_CANCELLED) c.st = st;
    }
    if (c.st != EV_OK) return cli_fail("crawl", &c.err);
    return c.drift ? 1 : 0;
}
