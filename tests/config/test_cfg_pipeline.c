/* test_cfg_pipeline.c: the pipeline file: the default `evlake init` writes parses to the classic
 * stack; a full file with every optional setting; broken files each give the exact
 * file:line:column message; loading from disk; out-of-memory paths. */
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_pipeline.h"
#include "ev_fs.h"
#include "ev_time.h"

static const char *FILE_NAME = "lake/pipeline.yml";

static void test_default_file(void **state) {
    (void)state;
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    cfg_pipeline *p = NULL;
    ev_error err;
    const char *text = cfg_default_pipeline_yaml();
    ev_status st = cfg_pipeline_parse(text, strlen(text), FILE_NAME, &a, &p, &err);
    if (st != EV_OK) fail_msg("%s", err.msg);
    assert_int_equal(p->version, 1);
    assert_string_equal(p->storage.location, ".");
    assert_string_equal(p->storage.raw_prefix, "raw/events");

    assert_true(p->has_generator);
    assert_string_equal(p->generator.schedule.text, "rate(5 minutes)");
    assert_int_equal(p->generator.schedule.expr.kind, SCHED_RATE);
    assert_int_equal(p->generator.schedule.expr.rate_usec, 5 * EV_USEC_PER_MIN);
    assert_int_equal(p->generator.schedule.mark.line, 13);
    assert_int_equal(p->generator.schedule.mark.column, 13);
    assert_int_equal(p->generator.profile, CFG_PROFILE_STARTER);
    assert_int_equal(p->generator.events_min, 500000);
    assert_int_equal(p->generator.events_max, 750000);
    assert_int_equal(p->generator.seed, 42);
    assert_true(p->generator.bad_rate == 0.0);

    assert_int_equal(p->n_jobs, 1);
    const cfg_job *j = &p->jobs[0];
    assert_ptr_equal(cfg_pipeline_find_job(p, "events_etl"), j);
    assert_null(cfg_pipeline_find_job(p, "nope"));
    assert_string_equal(j->name, "events_etl");
    assert_int_equal(j->mark.line, 19);
    assert_int_equal(j->mark.column, 3);
    assert_string_equal(j->source, "raw/events");
    assert_string_equal(j->target_db, "analytics");
    assert_string_equal(j->target_table, "events");
    assert_int_equal(j->n_partition_keys, 4);
    assert_string_equal(j->partition_keys[0], "year");
    assert_string_equal(j->partition_keys[1], "month");
    assert_string_equal(j->partition_keys[2], "day");
    assert_string_equal(j->partition_keys[3], "hour");
    assert_int_equal(j->format, CFG_FORMAT_PARQUET);
    assert_int_equal(j->compression, CFG_COMPRESSION_ZSTD);
    assert_string_equal(cfg_compression_name(j->compression), "zstd");
    assert_true(j->has_schedule);
    assert_string_equal(j->schedule.text, "cron(0 * * * ? *)");
    char buf[SCHED_EXPR_FORMAT_MAX];
    sched_expr_format(&j->schedule.expr, buf, sizeof buf);
    assert_string_equal(buf, "cron(0 * * * ? *)");
    assert_int_equal(j->bookmarks, 1);
    assert_int_equal(j->max_retries, 2);
    assert_int_equal(j->retry_backoff_usec, 5 * EV_USEC_PER_MIN);

    assert_int_equal(p->n_crawlers, 1);
    const cfg_crawler *cr = &p->crawlers[0];
    assert_string_equal(cr->name, "events_crawler");
    assert_string_equal(cr->target_db, "analytics");
    assert_string_equal(cr->target_table, "events");
    assert_int_equal(cr->trigger, CFG_TRIGGER_ON_JOB);
    assert_string_equal(cr->on_job, "events_etl");
    assert_int_equal(cr->on_job_index, 0);
    assert_int_equal(cr->on_state, CFG_STATE_SUCCEEDED);
    assert_string_equal(cfg_run_state_name(cr->on_state), "SUCCEEDED");

    assert_string_equal(p->workgroup.name, "primary");
    assert_string_equal(p->workgroup.results, "results/");
    assert_int_equal(p->workgroup.bytes_scanned_limit, UINT64_C(10) << 30);
    assert_int_equal(p->n_gold, 0);
    ev_arena_destroy(&a);
}

static const char full_file[] = "version: 1\n"
                                "storage: {location: s3://bucket/lake, raw_prefix: \"in/raw\"}\n"
                                "generator:\n"
                                "  schedule: 'cron(*/10 * ? * MON-FRI *)'\n"
                                "  profile: realistic\n"
                                "  events_per_object: 1000\n"
                                "  seed: 18446744073709551615\n"
                                "  bad_rate: 0.01\n"
                                "jobs:\n"
                                "  a:\n"
                                "    source: in/raw\n"
                                "    target: db-1.t_a\n"
                                "    partition_keys: [year, month]\n"
                                "    compression: snappy\n"
                                "    bookmarks: disabled\n"
                                "    max_retries: 3\n"
                                "    retry_backoff: 30s\n"
                                "  b:\n"
                                "    source: in/raw\n"
                                "    target: db.t_b\n"
                                "    compression: none\n"
                                "crawlers:\n"
                                "  on_fail:\n"
                                "    target: db.t_a\n"
                                "    trigger: {on: b, state: FAILED}\n"
                                "  nightly:\n"
                                "    target: db.t_b\n"
                                "    schedule: cron(0 3 * * ? *)\n"
                                "workgroup:\n"
                                "  bytes_scanned_limit: 512 MB\n"
                                "gold:\n"
                                "  daily_revenue:\n"
                                "    sql: |\n"
                                "      SELECT day, SUM(price) FROM events GROUP BY day\n"
                                "    refresh: on analytics.events\n"
                                "  top:\n"
                                "    sql: SELECT 1\n";

static void test_full_file(void **state) {
    (void)state;
    ev_arena a;
    ev_arena_init(&a, NULL, 512);
    cfg_pipeline *p = NULL;
    ev_error err;
    if (cfg_pipeline_parse(full_file, strlen(full_file), "f.yml", &a, &p, &err) != EV_OK)
        fail_msg("%s", err.msg);
    assert_string_equal(p->storage.location, "s3://bucket/lake");
    assert_string_equal(p->storage.raw_prefix, "in/raw");
    assert_int_equal(p->generator.schedule.expr.kind, SCHED_CRON);
    assert_int_equal(p->generator.profile, CFG_PROFILE_REALISTIC);
    assert_int_equal(p->generator.events_min, 1000);
    assert_int_equal(p->generator.events_max, 1000);
    assert_true(p->generator.seed == UINT64_MAX);
    assert_true(p->generator.bad_rate == 0.01);
    assert_int_equal(p->n_jobs, 2);
    assert_string_equal(p->jobs[0].target_db, "db-1");
    assert_int_equal(p->jobs[0].n_partition_keys, 2);
    assert_int_equal(p->jobs[0].compression, CFG_COMPRESSION_SNAPPY);
    assert_int_equal(p->jobs[0].bookmarks, 0);
    assert_int_equal(p->jobs[0].max_retries, 3);
    assert_int_equal(p->jobs[0].retry_backoff_usec, 30 * EV_USEC_PER_SEC);
    assert_false(p->jobs[0].has_schedule);
    assert_int_equal(p->jobs[1].compression, CFG_COMPRESSION_NONE);
    assert_int_equal(p->jobs[1].n_partition_keys, 4);
    assert_int_equal(p->n_crawlers, 2);
    assert_int_equal(p->crawlers[0].trigger, CFG_TRIGGER_ON_JOB);
    assert_int_equal(p->crawlers[0].on_job_index, 1);
    assert_int_equal(p->crawlers[0].on_state, CFG_STATE_FAILED);
    assert_int_equal(p->crawlers[1].trigger, CFG_TRIGGER_SCHEDULE);
    assert_int_equal(p->crawlers[1].schedule.expr.kind, SCHED_CRON);
    assert_string_equal(p->workgroup.name, "primary");
    assert_int_equal(p->workgroup.bytes_scanned_limit, UINT64_C(512) << 20);
    assert_int_equal(p->n_gold, 2);
    assert_string_equal(p->gold[0].name, "daily_revenue");
    assert_string_equal(p->gold[0].sql, "SELECT day, SUM(price) FROM events GROUP BY day\n");
    assert_string_equal(p->gold[0].refresh, "on analytics.events");
    assert_null(p->gold[1].refresh);
    ev_arena_destroy(&a);
}

/* The default file with the first occurrence of `from` replaced by `to` must fail with `want`. */
static void check_broken(const char *from, const char *to, const char *want) {
    const char *def = cfg_default_pipeline_yaml();
    const char *at = strstr(def, from);
    if (!at) fail_msg("test bug: '%s' is not in the default file", from);
    size_t cap = strlen(def) + strlen(to) + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    snprintf(text, cap, "%.*s%s%s", (int)(at - def), def, to, at + strlen(from));
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    cfg_pipeline *p = NULL;
    ev_error err;
    ev_error_clear(&err);
    ev_status st = cfg_pipeline_parse(text, strlen(text), FILE_NAME, &a, &p, &err);
    ev_arena_destroy(&a);
    free(text);
    if (st != EV_ERR_INPUT) fail_msg("'%s' -> '%s': status %d, want an input error", from, to, st);
    if (strcmp(err.msg, want) != 0) fail_msg("'%s' -> '%s':\n got  %s\n want %s", from, to, err.msg, want);
}

static void test_broken_files(void **state) {
    (void)state;
    check_broken("compression: zstd", "compression: lz5",
                 "lake/pipeline.yml:24:18: jobs.events_etl.compression: 'lz5' is not one of zstd, "
                 "snappy, gzip, none");
    check_broken("compression: zstd", "compresion: zstd",
                 "lake/pipeline.yml:24:5: jobs.events_etl: unknown key 'compresion'; did you mean "
                 "'compression'?");
    check_broken("on: events_etl", "on: events_et",
                 "lake/pipeline.yml:34:11: crawlers.events_crawler.trigger.on: no job named "
                 "'events_et' in this file; did you mean 'events_etl'?");
    check_broken("on: events_etl", "on: loader",
                 "lake/pipeline.yml:34:11: crawlers.events_crawler.trigger.on: no job named "
                 "'loader' in this file");
    check_broken("schedule: cron(0 * * * ? *)", "schedule: cron(0 * * * * *)",
                 "lake/pipeline.yml:25:28: jobs.events_etl.schedule: cron(0 * * * * *): column "
                 "14: day-of-month and day-of-week cannot both be specified; use ? in one of them");
    check_broken("schedule: rate(5 minutes)", "schedule: \"rate(5 minute)\"",
                 "lake/pipeline.yml:13:21: generator.schedule: rate(5 minute): column 8: use "
                 "'minutes' for a rate other than 1");
    check_broken("version: 1", "version: 2",
                 "lake/pipeline.yml:6:10: version: unsupported version '2'; this evlake reads "
                 "version 1");
    check_broken("version: 1", "versoin: 1",
                 "lake/pipeline.yml:6:1: unknown key 'versoin'; did you mean 'version'?");
    check_broken("10GB", "10XB",
                 "lake/pipeline.yml:40:24: workgroup.bytes_scanned_limit: expected a size such as "
                 "10GB (units B, KB, MB, GB, TB), found '10XB'");
    check_broken("500000-750000", "750000-500000",
                 "lake/pipeline.yml:15:22: generator.events_per_object: '750000-500000': the "
                 "minimum is larger than the maximum");
    check_broken("profile: starter", "profile: fancy",
                 "lake/pipeline.yml:14:12: generator.profile: 'fancy' is not one of starter, "
                 "realistic");
    check_broken("[year, month, day, hour]", "[year, month, month]",
                 "lake/pipeline.yml:22:35: jobs.events_etl.partition_keys: 'month' is listed "
                 "twice");
    check_broken("[year, month, day, hour]", "[year, minute]",
                 "lake/pipeline.yml:22:28: jobs.events_etl.partition_keys: 'minute' is not one of "
                 "year, month, day, hour");
    check_broken("    compression: zstd\n", "    compression: zstd\n    compression: gzip\n",
                 "lake/pipeline.yml:25:5: jobs.events_etl: duplicate key 'compression' (first at "
                 "line 24)");
    check_broken("    target: analytics.events\n    partition", "    target: analytics\n    partition",
                 "lake/pipeline.yml:21:13: jobs.events_etl.target: 'analytics' is not a table name "
                 "of the form database.table (names of letters, digits, _ or -)");
    check_broken("    target: analytics.events\n    partition", "    partition",
                 "lake/pipeline.yml:20:5: jobs.events_etl: missing required key 'target'");
    check_broken("workgroup:", "workgrup:",
                 "lake/pipeline.yml:37:1: unknown key 'workgrup'; did you mean 'workgroup'?");
    check_broken("state: SUCCEEDED", "state: SUCCESS",
                 "lake/pipeline.yml:35:14: crawlers.events_crawler.trigger.state: 'SUCCESS' is "
                 "not one of SUCCEEDED, FAILED");
    check_broken("bookmarks: enabled", "bookmarks: yes",
                 "lake/pipeline.yml:26:16: jobs.events_etl.bookmarks: 'yes' is not one of "
                 "enabled, disabled");
    check_broken("seed: 42", "seed: -1",
                 "lake/pipeline.yml:16:9: generator.seed: expected a whole number, found '-1'");
    check_broken("gold: {}", "gold: *x",
                 "lake/pipeline.yml:42:7: YAML aliases (*x) are not supported in a pipeline file");
    check_broken("gold: {}", "gold: []",
                 "lake/pipeline.yml:42:7: gold: expected a mapping of gold table names to "
                 "settings, found a list");
    check_broken("  events_etl:\n", "  events etl:\n",
                 "lake/pipeline.yml:19:3: jobs: 'events etl' is not a valid job name (1-64 "
                 "letters, digits, _ or -)");
    check_broken("      state: SUCCEEDED\n", "      state: SUCCEEDED\n    schedule: rate(1 hour)\n",
                 "lake/pipeline.yml:36:15: crawlers.events_crawler: a crawler has a trigger or a "
                 "schedule, not both");
    check_broken("  raw_prefix: raw/events\n", "  raw_prefix: [raw/events]\n",
                 "lake/pipeline.yml:10:15: storage.raw_prefix: expected a value, found a list");
    /* YAML syntax errors */
    check_broken("[year, month, day, hour]", "[year, month, day, hour",
                 "lake/pipeline.yml:23:11: YAML syntax error: did not find expected ',' or ']' "
                 "while parsing a flow sequence (line 22)");
    check_broken("  location: .", "\tlocation: .",
                 "lake/pipeline.yml:9:1: YAML syntax error: found character that cannot start any "
                 "token while scanning for the next token (line 9)");
    check_broken("  name: primary", "  name: primary: x",
                 "lake/pipeline.yml:38:16: YAML syntax error: mapping values are not allowed in "
                 "this context");
    check_broken("version: 1\n", "version: 1\n---\nversion: 1\n",
                 "lake/pipeline.yml:7:1: a pipeline file holds one YAML document; found another");
}

static void check_text(const char *text, const char *want) {
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    cfg_pipeline *p = NULL;
    ev_error err;
    ev_status st = cfg_pipeline_parse(text, strlen(text), "p.yml", &a, &p, &err);
    ev_arena_destroy(&a);
    if (st != EV_ERR_INPUT) fail_msg("%s: status %d", text, st);
    if (strcmp(err.msg, want) != 0) fail_msg("%s:\n got  %s\n want %s", text, err.msg, want);
}

static void test_whole_file_errors(void **state) {
    (void)state;
    check_text("", "p.yml:1:1: the pipeline file is empty");
    check_text("# only a comment\n", "p.yml:1:1: the pipeline file is empty");
    check_text("- a\n- b\n",
               "p.yml:1:1: expected a mapping of sections (version, storage, ...), found a list");
    check_text("storage: {location: .}\n", "p.yml:1:1: missing required key 'version'");
    check_text("version: 1\n", "p.yml:1:1: missing required key 'storage'");
    check_text("version: 1\nstorage: {location: .}\njobs: {a: {source: r, target: d.t}, a: {}}\n",
               "p.yml:3:37: jobs: duplicate job name 'a' (first at line 3)");
    check_text("version: 1\nstorage: {location: .}\ngenerator: {profile: starter}\n",
               "p.yml:3:12: generator: missing required key 'schedule'");
    check_text("version: 1\nstorage: {location: .}\nx: &a [1]\n",
               "p.yml:3:4: YAML anchors (&a) are not supported in a pipeline file");
    check_text("version: 1\nstorage: {location: \"a\\0b\"}\n",
               "p.yml:2:21: storage.location: contains a NUL character");
    check_text("version: 1\nstorage: {location: .}\nworkgroup: {bytes_scanned_limit: 99999999999TB}\n",
               "p.yml:3:34: workgroup.bytes_scanned_limit: '99999999999TB' is too large");
    /* invalid UTF-8 is a reader error located by byte offset */
    check_text("version: 1\nstorage: {location: \xff}\n",
               "p.yml:2:21: YAML syntax error: invalid leading UTF-8 octet");
    /* deep nesting is refused before it costs anything */
    char deep[200];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    check_text(deep, "p.yml:1:33: nesting deeper than 32 levels");
}

static void test_load_from_disk(void **state) {
    (void)state;
    char dir[256], path[300];
    tu_mkdtemp(dir, "cfg");
    snprintf(path, sizeof path, "%s/pipeline.yml", dir);
    const char *def = cfg_default_pipeline_yaml();
    ev_error err;
    assert_int_equal(ev_write_file_atomic(path, def, strlen(def), &err), EV_OK);
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    cfg_pipeline *p = NULL;
    if (cfg_pipeline_load(path, &a, &p, &err) != EV_OK) fail_msg("%s", err.msg);
    assert_int_equal(p->n_jobs, 1);
    assert_string_equal(p->name_for_errors, path);
    const char *bad = "version: 1\nstorage: {location: .}\njobs: {j: {source: r, target: x}}\n";
    assert_int_equal(ev_write_file_atomic(path, bad, strlen(bad), &err), EV_OK);
    assert_int_equal(cfg_pipeline_load(path, &a, &p, &err), EV_ERR_INPUT);
    char want[600];
    snprintf(want, sizeof want,
             "%s:3:31: jobs.j.target: 'x' is not a table name of the form database.table (names "
             "of letters, digits, _ or -)",
             path);
    assert_string_equal(err.msg, want);
    snprintf(path, sizeof path, "%s/missing.yml", dir);
    assert_int_equal(cfg_pipeline_load(path, &a, &p, &err), EV_ERR_NOT_FOUND);
    ev_arena_destroy(&a);
    tu_rmtree(dir);
}

/* Every allocation failure point gives EV_ERR_NOMEM, never a crash or a leak. */
static void test_out_of_memory(void **state) {
    (void)state;
    const char *def = cfg_default_pipeline_yaml();
    int saw_ok = 0;
    for (size_t budget = 0; budget < 200 && !saw_ok; budget++) {
        ev_limit_allocator lim;
        ev_limit_allocator_init(&lim, NULL, budget, 0);
        ev_arena a;
        ev_arena_init(&a, &lim.iface, 256);
        cfg_pipeline *p = NULL;
        ev_error err;
        ev_status st = cfg_pipeline_parse(def, strlen(def), "x", &a, &p, &err);
        if (st == EV_OK)
            saw_ok = 1;
        else
            assert_int_equal(st, EV_ERR_NOMEM);
        ev_arena_destroy(&a);
        assert_int_equal(lim.live_bytes, 0);
    }
    assert_true(saw_ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_file),   cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_broken_files),   cmocka_unit_test(test_whole_file_errors),
        cmocka_unit_test(test_load_from_disk), cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
