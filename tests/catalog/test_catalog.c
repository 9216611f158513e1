/* test_catalog.c: the SQLite catalog: migrations, tables, files and partitions, snapshots, runs,
 * bookmarks, the quarantine, and rewinds. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

typedef struct fixture {
    char dir[256];
    char path[512];
    cat *c;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    tu_mkdtemp(f->dir, "cat");
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    ev_error err;
    assert_int_equal(cat_open(f->path, NULL, &f->c, &err), EV_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    cat_close(f->c);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static const cat_column_def event_columns[] = {
    {"timestamp", "timestamp", 0}, {"user_id", "string", 0}, {"price", "double", 0},
    {"year", "string", 1}, {"hour", "string", 1}};

static int64_t make_table(cat *c) {
    cat_table def = {0};
    def.db = "analytics";
    def.name = "events";
    def.location = "analytics/events";
    def.format = "parquet";
    def.columns = (cat_column_def *)event_columns;
    def.ncolumns = 5;
    int64_t id = 0;
    ev_error err;
    assert_int_equal(cat_table_create(c, &def, 0, &id, &err), EV_OK);
    assert_true(id > 0);
    return id;
}

static void add_file(cat *c, int64_t table, const char *spec, const char *path, uint64_t rows, int64_t run) {
    char loc[256];
    snprintf(loc, sizeof loc, "analytics/events/%s", spec);
    cat_file_info fi = {0, path, spec, rows * 10, rows, run, "{}"};
    ev_error err;
    ev_status st = cat_file_add(c, table, spec, loc, &fi, &err);
    if (st != EV_OK) fail_msg("cat_file_add: %s", err.msg);
}

static void test_migrations_and_reopen(void **state) {
    fixture *f = *state;
    assert_int_equal(cat_schema_version(f->c), cat_current_schema_version());
    assert_true(cat_current_schema_version() >= 2);
    cat_close(f->c);
    ev_error err;
    assert_int_equal(cat_open(f->path, NULL, &f->c, &err), EV_OK); /* idempotent */
    int n;
    assert_int_equal(cat_count_databases(f->c, &n, &err), EV_OK);
    assert_int_equal(n, 1);
}

static void test_tables(void **state) {
    fixture *f = *state;
    int64_t id = make_table(f->c);
    cat_table def = {0};
    def.db = "analytics";
    def.name = "EVENTS";
    def.location = "x";
    def.columns = (cat_column_def *)event_columns;
    def.ncolumns = 1;
    int64_t again = 0;
    ev_error err;
    assert_int_equal(cat_table_create(f->c, &def, 0, &again, &err), EV_ERR_EXISTS);
    assert_string_equal(err.msg, "Table 'analytics.EVENTS' already exists");
    assert_int_equal(cat_table_create(f->c, &def, 1, &again, &err), EV_OK);
    assert_int_equal(again, id);
    def.db = "nowhere";
    def.name = "t";
    assert_int_equal(cat_table_create(f->c, &def, 0, &again, &err), EV_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "Database 'nowhere' does not exist");

    ev_arena arena;
    ev_arena_init(&arena, NULL, 1024);
    cat_table *t;
    assert_int_equal(cat_table_get(f->c, "Analytics", "Events", &arena, &t, &err), EV_OK);
    assert_int_equal(t->id, id);
    assert_string_equal(t->location, "analytics/events");
    assert_int_equal(t->ncolumns, 5);
    assert_int_equal(t->npartition_keys, 2);
    assert_string_equal(t->columns[0].name, "timestamp");
    assert_string_equal(t->columns[4].name, "hour");
    assert_true(t->columns[4].is_partition);
    assert_int_equal(cat_table_get(f->c, "analytics", "nope", &arena, &t, &err), EV_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "Table 'analytics.nope' does not exist");
    ev_arena_destroy(&arena);
}

typedef struct file_list {
    char paths[16][128];
    uint64_t rows[16];
    int n;
} file_list;

static int collect(const cat_file_info *fi, void *ctx) {
    file_list *l = ctx;
    snprintf(l->paths[l->n], 128, "%s|%s", fi->partition_spec, fi->path);
    l->rows[l->n++] = fi->rows;
    return 0;
}

static void test_files_partitions_and_snapshots(void **state) {
    fixture *f = *state;
    int64_t table = make_table(f->c);
    ev_error err;
    int64_t run;
    assert_int_equal(cat_run_start(f->c, "job", &run, &err), EV_OK);
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    add_file(f->c, table, "year=2025/hour=01", "a/1.parquet", 100, run);
    add_file(f->c, table, "year=2025/hour=00", "a/0.parquet", 50, run);
    add_file(f->c, table, "year=2025/hour=00", "a/0b.parquet", 7, run);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);

    file_list l = {0};
    assert_int_equal(cat_table_files(f->c, table, collect, &l, &err), EV_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.paths[0], "year=2025/hour=00|a/0.parquet");
    assert_string_equal(l.paths[1], "year=2025/hour=00|a/0b.parquet");
    assert_string_equal(l.paths[2], "year=2025/hour=01|a/1.parquet");
    uint64_t files, rows, parts;
    assert_int_equal(cat_table_totals(f->c, table, &files, &rows, &parts, &err), EV_OK);
    assert_int_equal(files, 3);
    assert_int_equal(rows, 157);
    assert_int_equal(parts, 2);
    int known;
    assert_int_equal(cat_file_known(f->c, "a/0b.parquet", &known, &err), EV_OK);
    assert_true(known);
    assert_int_equal(cat_file_known(f->c, "a/zz.parquet", &known, &err), EV_OK);
    assert_false(known);

    /* A second connection commits while the first holds a read snapshot: the snapshot does not move. */
    cat *other;
    assert_int_equal(cat_open(f->path, NULL, &other, &err), EV_OK);
    assert_int_equal(cat_begin_read(f->c, &err), EV_OK);
    memset(&l, 0, sizeof l);
    assert_int_equal(cat_table_files(f->c, table, collect, &l, &err), EV_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(cat_begin(other, &err), EV_OK);
    add_file(other, table, "year=2025/hour=02", "a/2.parquet", 1, 0);
    assert_int_equal(cat_commit(other, &err), EV_OK);
    memset(&l, 0, sizeof l);
    assert_int_equal(cat_table_files(f->c, table, collect, &l, &err), EV_OK);
    assert_int_equal(l.n, 3); /* still the snapshot */
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    memset(&l, 0, sizeof l);
    assert_int_equal(cat_table_files(f->c, table, collect, &l, &err), EV_OK);
    assert_int_equal(l.n, 4); /* a new read sees the commit */
    cat_close(other);

    /* A duplicate path is refused and the transaction rolls back whole. */
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    add_file(f->c, table, "year=2025/hour=03", "a/3.parquet", 5, 0);
    cat_file_info dup = {0, "a/1.parquet", "year=2025/hour=01", 1, 1, 0, "{}"};
    assert_int_equal(cat_file_add(f->c, table, dup.partition_spec, "x", &dup, &err), EV_ERR_EXISTS);
    cat_rollback(f->c);
    assert_int_equal(cat_file_known(f->c, "a/3.parquet", &known, &err), EV_OK);
    assert_false(known);
}

static int count_bookmarks(const cat_bookmark *b, void *ctx) {
    (void)b;
    (*(int *)ctx)++;
    return 0;
}

typedef struct runs_seen {
    char status[8][16];
    int n;
} runs_seen;

static int collect_run(const cat_run *r, void *ctx) {
    runs_seen *s = ctx;
    snprintf(s->status[s->n++], 16, "%s", r->status);
    return 0;
}

static void test_runs_bookmarks_quarantine_rewind(void **state) {
    fixture *f = *state;
    int64_t table = make_table(f->c);
    ev_error err;
    int64_t run1, run2;
    assert_int_equal(cat_run_start(f->c, "job", &run1, &err), EV_OK);
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    add_file(f->c, table, "year=2025/hour=00", "p/r1.parquet", 90, run1);
    cat_bookmark b1 = {"raw/o1.gz", 1000, 5, run1, 100, 90, 10};
    assert_int_equal(cat_bookmark_add(f->c, "job", &b1, &err), EV_OK);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    cat_quarantine_entry q = {"raw/o1.gz", 17, 4242, "unknown event_type 'hover'", "{\"x\": 1}", 8};
    assert_int_equal(cat_quarantine_stage(f->c, run1, 0, "job", &q, &err), EV_OK);
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    assert_int_equal(cat_quarantine_commit_batch(f->c, run1, 0, &err), EV_OK);
    cat_run_counts n1 = {1, 100, 90, 10, 1000, 900, 1};
    assert_int_equal(cat_run_add_counts(f->c, run1, &n1, &err), EV_OK);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    assert_int_equal(cat_run_finish(f->c, run1, "SUCCEEDED", &n1, NULL, &err), EV_OK);

    /* The same object twice under one job is refused. */
    assert_int_equal(cat_bookmark_add(f->c, "job", &b1, &err), EV_ERR_EXISTS);

    assert_int_equal(cat_run_start(f->c, "job", &run2, &err), EV_OK);
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    add_file(f->c, table, "year=2025/hour=01", "p/r2.parquet", 50, run2);
    cat_bookmark b2 = {"raw/o2.gz", 500, 6, run2, 50, 50, 0};
    assert_int_equal(cat_bookmark_add(f->c, "job", &b2, &err), EV_OK);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    /* run2 stays RUNNING under our pid: recovery closes it as interrupted. */
    int interrupted;
    assert_int_equal(cat_runs_mark_interrupted(f->c, "job", &interrupted, &err), EV_OK);
    assert_int_equal(interrupted, 1);

    uint64_t objects, lines, rows, quarantined;
    assert_int_equal(cat_job_totals(f->c, "job", &objects, &lines, &rows, &quarantined, &err), EV_OK);
    assert_int_equal(objects, 2);
    assert_int_equal(lines, 150);
    assert_int_equal(rows, 140);
    assert_int_equal(quarantined, 10);

    runs_seen seen = {0};
    assert_int_equal(cat_job_runs(f->c, "job", 10, collect_run, &seen, &err), EV_OK);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.status[0], "FAILED"); /* newest first */
    assert_string_equal(seen.status[1], "SUCCEEDED");

    /* Rewind to run1: run2's file, bookmark and counts go; run1's stay. */
    file_list doomed = {0};
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    ev_status fst = cat_job_forget_runs_after(f->c, "job", run1, collect, &doomed, &err);
    if (fst != EV_OK) fail_msg("forget: %s", err.msg);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    assert_int_equal(doomed.n, 1);
    assert_string_equal(doomed.paths[0], "|p/r2.parquet");
    int nb = 0;
    assert_int_equal(cat_bookmarks(f->c, "job", count_bookmarks, &nb, &err), EV_OK);
    assert_int_equal(nb, 1);
    uint64_t files, parts;
    assert_int_equal(cat_table_totals(f->c, table, &files, &rows, &parts, &err), EV_OK);
    assert_int_equal(files, 1);
    assert_int_equal(rows, 90);
    /* Reset: everything goes, including the quarantine of run1. */
    memset(&doomed, 0, sizeof doomed);
    assert_int_equal(cat_begin(f->c, &err), EV_OK);
    assert_int_equal(cat_job_forget_runs_after(f->c, "job", 0, collect, &doomed, &err), EV_OK);
    assert_int_equal(cat_commit(f->c, &err), EV_OK);
    assert_int_equal(doomed.n, 1);
    assert_int_equal(cat_job_totals(f->c, "job", &objects, &lines, &rows, &quarantined, &err), EV_OK);
    assert_int_equal(objects, 0);
    assert_int_equal(cat_table_totals(f->c, table, &files, &rows, &parts, &err), EV_OK);
    assert_int_equal(files, 0);
}

static void test_newer_schema_refused(void **state) {
    fixture *f = *state;
    ev_error err;
    cat_close(f->c);
    f->c = NULL;
    ev_buf out;
    ev_buf_init(&out, NULL);
    assert_int_equal(tu_run_sh(&out, NULL, "sqlite3 %s 'PRAGMA user_version = 999' 2>&1 || "
                                           "python3 -c \"import sqlite3; c=sqlite3.connect('%s'); "
                                           "c.execute('PRAGMA user_version = 999'); c.commit()\"",
                               f->path, f->path), 0);
    ev_buf_free(&out);
    assert_int_equal(cat_open(f->path, NULL, &f->c, &err), EV_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "catalog schema version 999 is newer than this evlake"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_partitions_and_snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_bookmarks_quarantine_rewind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
    };
    return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
