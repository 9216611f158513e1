/* cmd_compact.c: `evlake compact [TABLE]`: merge each partition's small files, atomically. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "etl.h"

static const char *const compact_help =
    "usage: evlake compact [DB.TABLE] [--min-files N] [--dry-run]\n"
    "\n"
    "Rewrites the files of each partition of a catalog table (default analytics.events) into one\n"
    "Parquet file (the same schema, zstd, dictionary encodings) and swaps them in one catalog\n"
    "transaction, then deletes the old files. Readers see the old files or the new one, never both;\n"
    "a crash at any point is finished by the next compact or ETL run. Holds the table's job lock,\n"
    "so it never runs at the same time as the ETL.\n"
    "\n"
    "  --min-files N  only partitions with at least N files (default 2)\n"
    "  --dry-run      print what would be compacted; change nothing\n";

static void print_mb(uint64_t bytes) { printf("%.1f MB", (double)bytes / 1e6); }

typedef struct compact_cli {
    const char *db, *name;
    int dry_run, header;
} compact_cli;

/* "db.table:" once, before the first line about it (an error before it prints nothing). */
static void header(compact_cli *c) {
    if (!c->header) printf("%s.%s%s:\n", c->db, c->name, c->dry_run ? " (dry run)" : "");
    c->header = 1;
}

static void on_partition(const etl_compact_partition *p, void *arg) {
    compact_cli *c = arg;
    header(c);
    printf("  %-40s %4zu files -> ", p->spec[0] ? p->spec : "(unpartitioned)", p->files_before);
    if (p->skipped) {
        printf("skipped: %s\n", p->skipped);
        return;
    }
    printf("1  %10" PRIu64 " rows  ", p->rows);
    print_mb(p->bytes_before);
    if (c->dry_run) {
        printf("  (dry run)\n");
        return;
    }
    printf(" -> ");
    print_mb(p->bytes_after);
    printf("\n");
}

int cli_cmd_compact(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(compact_help, stdout);
        return 0;
    }
    etl_compact_options opt;
    etl_compact_options_default(&opt);
    opt.crash_point = getenv("EVLAKE_CRASH_POINT"); /* tests: see src/etl/etl_int.h */
    static const struct option opts[] = {
        {"min-files", required_argument, 0, 'm'}, {"dry-run", no_argument, 0, 'n'}, {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': {
            long n;
            if (cli_int_arg("compact", "--min-files", optarg, 2, 1000000, &n)) return 1;
            opt.min_files = (size_t)n;
            break;
        }
        case 'n': opt.dry_run = 1; break;
        default: return cli_usage_error("compact", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 < argc) return cli_usage_error("compact", "unexpected argument '%s'", argv[optind + 1]);
    char db[256];
    const char *name = cli_split_table(optind < argc ? argv[optind] : "analytics.events", db, sizeof db);
    compact_cli cc = {db, name, opt.dry_run, 0};
    etl_compact_report r;
    ev_error err;
    ev_error_clear(&err);
    ev_status st = etl_compact(ctx->home, db, name, &opt, on_partition, &cc, &r, &err);
    if (r.recovered)
        fprintf(stderr, "recovered: %zu file%s left by an interrupted run or compaction finished\n", r.recovered,
                r.recovered == 1 ? "" : "s");
    if (st != EV_OK) return cli_fail("compact", &err);
    header(&cc);
    if (!r.partitions_compacted && !r.partitions_skipped) {
        printf("nothing to compact: no partition has %zu files or more (%zu partitions, %zu files)\n", opt.min_files,
               r.partitions, r.table_files);
        return 0;
    }
    printf("%s %zu of %zu partitions: %zu files -> %zu, %" PRIu64 " rows, ", opt.dry_run ? "would compact" : "compacted",
           r.partitions_compacted, r.partitions, r.files_before, r.files_after, r.rows);
    print_mb(r.bytes_before);
    if (!opt.dry_run) {
        printf(" -> ");
        print_mb(r.bytes_after);
        printf(" in %.2f s", (double)r.elapsed_usec / 1e6);
    }
    printf("\n");
    if (r.partitions_skipped)
        printf("%zu partition%s skipped (see above)\n", r.partitions_skipped, r.partitions_skipped == 1 ? "" : "s");
    return 0;
}
