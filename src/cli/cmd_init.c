/* cmd_init.c: `evlake init`: the lake home, its folders, the default pipeline file and catalog. */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cfg.h"
#include "cli.h"
#include "ev_fs.h"

static const char *const init_help =
    "usage: evlake init [--home DIR]\n"
    "\n"
    "Creates the lake home (./lake by default) with the default pipeline file (pipeline.yml),\n"
    "an empty SQLite catalog (catalog.db) with the database `analytics`, and the folders raw/,\n"
    "analytics/, quarantine/ and results/. Running it again is safe: what exists is kept, and the\n"
    "catalog is migrated to this version's schema.\n";

ev_status cli_init_lake(const char *home, ev_error *err) {
    static const char *const folders[] = {"raw", "analytics", "quarantine", "results"};
    char path[4096];
    EV_TRY(ev_mkdir_p(home, err));
    for (size_t i = 0; i < sizeof folders / sizeof folders[0]; i++) {
        if (ev_path_join(path, sizeof path, home, folders[i]) != EV_OK)
            return ev_error_set(err, EV_ERR_INPUT, "lake home path too long: '%s'", home);
        EV_TRY(ev_mkdir_p(path, err));
    }
    if (ev_path_join(path, sizeof path, home, CFG_PIPELINE_FILE) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "lake home path too long: '%s'", home);
    if (ev_path_exists(path)) {
        printf("kept     %s\n", path);
    } else {
        const char *yaml = cfg_default_pipeline_yaml();
        EV_TRY(ev_write_file_atomic(path, yaml, strlen(yaml), err));
        printf("created  %s\n", path);
    }
    if (ev_path_join(path, sizeof path, home, CFG_CATALOG_FILE) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "lake home path too long: '%s'", home);
    int existed = ev_path_exists(path);
    cat *c;
    EV_TRY(cat_open(path, NULL, &c, err));
    int ndb = 0;
    ev_status st = cat_count_databases(c, &ndb, err);
    if (st == EV_OK)
        printf("%s %s (schema v%d, %d database%s)\n", existed ? "kept    " : "created ", path,
               cat_schema_version(c), ndb, ndb == 1 ? "" : "s");
    cat_close(c);
    if (st == EV_OK) printf("lake ready at %s\n", home);
    return st;
}

int cli_cmd_init(const cli_ctx *ctx, int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        fputs(init_help, stdout);
        return 0;
    }
    if (argc > 1) return cli_usage_error("init", "unexpected argument '%s'", argv[1]);
    ev_error err;
    ev_error_clear(&err);
    if (cli_init_lake(ctx->home, &err) != EV_OK) return cli_fail("init", &err);
    return 0;
}
