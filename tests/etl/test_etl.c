/*
 * test_etl.c: the ETL end to end through the CLI on temporary lakes: exactly once under SIGKILL
 * at every injected point and at random times, the hostile inputs of events.md, late objects,
 * empty runs, a concurrent run refused by the lock, rewind and reset without duplicates.
 */
#include "test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ev_fs.h"

/* ---- helpers ---- */

static void must_cli(const char *fmt, const char *home, const char *extra) {
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    char args[2048];
    snprintf(args, sizeof args, fmt, home, extra ? extra : "");
    int rc = tu_run_cli(&out, &err, "%s", args);
    if (rc != 0) fail_msg("evlake %s: exit %d\n%s%s", args, rc, (char *)out.data, (char *)err.data);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static void new_lake(char *home, const char *tag) {
    tu_mkdtemp(home, tag);
    must_cli("init --home %s%s", home, NULL);
}

/* Lines in every raw object (gunzip | count of non-blank lines), by an independent tool. */
static int64_t raw_lines(const char *home) {
    return tu_sh_int("for f in $(find %s/raw -name '*.gz' | sort); do gzip -dc \"$f\" 2>/dev/null; echo; done "
                     "| grep -c '[^[:space:]]'", home);
}

/* Staged or temporary files left anywhere under the table: must be none after a clean run. */
static int64_t hidden_files(const char *home) {
    return tu_sh_int("find %s/analytics -name '.*' -type f | wc -l", home);
}

/* Parquet files on disk under the table (what an external engine's glob would read). */
static int64_t visible_files(const char *home) {
    return tu_sh_int("find %s/analytics -name '*.parquet' ! -name '.*' -type f | wc -l", home);
}

/* The reconciliation every test ends with: lines = rows + quarantined, per object and in total,
 * the table's rows are the bookmarks' rows, and the files on disk are the catalog's. */
static void assert_reconciled(const char *home, int64_t expect_lines) {
    int64_t lines = tu_catalog_int(home, "SELECT coalesce(sum(lines), 0) FROM bookmarks");
    int64_t rows = tu_catalog_int(home, "SELECT coalesce(sum(rows), 0) FROM bookmarks");
    int64_t quarantined = tu_catalog_int(home, "SELECT coalesce(sum(quarantined), 0) FROM bookmarks");
    assert_int_equal(lines, expect_lines);
    assert_int_equal(lines, rows + quarantined);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks WHERE lines <> rows + quarantined"), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT coalesce(sum(row_count), 0) FROM files"), rows);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM quarantine"), quarantined);
    assert_int_equal(tu_catalog_int(home, "SELECT coalesce(sum(row_count), 0) FROM partitions"), rows);
    assert_int_equal(visible_files(home), tu_catalog_int(home, "SELECT count(*) FROM files"));
    assert_int_equal(hidden_files(home), 0);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM quarantine_staging"), 0);
    int64_t pending = tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE status = 'RUNNING'");
    assert_int_equal(pending, 0);
}

/* ---- gzip objects written by hand, for hostile inputs ---- */

static void put_gz(const char *home, const char *key, const char *data, size_t len, int members) {
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s/raw/events/%s", home, key);
    ev_path_dirname(path, dir, sizeof dir);
    assert_int_equal(ev_mkdir_p(dir, NULL), EV_OK);
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    size_t cut = members > 1 ? len / 2 : len;
    if (cut) assert_int_equal(gzwrite(f, data, (unsigned)cut), (int)cut);
    gzclose(f);
    if (members > 1) { /* a second member appended: concatenated gzip */
        gzFile g = gzopen(path, "ab");
        assert_int_equal(gzwrite(g, data + cut, (unsigned)(len - cut)), (int)(len - cut));
        gzclose(g);
    }
}

static const char *good(int i, char *buf, size_t cap) {
    snprintf(buf, cap,
             "{\"timestamp\": \"2025-11-20T0%d:10:00.000001+00:00\", \"user_id\": \"u_%05d\", \"session_id\": "
             "\"s_12345\", \"event_type\": \"purchase\", \"product_id\": \"p_1001\", \"quantity\": 2, \"price\": 10.5, "
             "\"category\": \"electronics\", \"search_query\": null}",
             i % 3, 10000 + i);
    return buf;
}

static void test_hostile_inputs(void **state) {
    (void)state;
    char home[256], a[512], b[512];
    new_lake(home, "etl-hostile");
    ev_buf o;
    ev_buf_init(&o, NULL);

    /* 1. Concatenated members, CRLF line ends, a trailing newline: 3 good lines. */
    assert_int_equal(ev_buf_printf(&o, "%s\r\n%s\r\n%s\n", good(1, a, sizeof a), good(2, b, sizeof b), good(3, a, sizeof a)), EV_OK);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=05/a-members.jsonl.gz", (char *)o.data, o.len, 2);
    /* 2. An empty object. */
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=10/b-empty.jsonl.gz", "", 0, 1);
    /* 3. Other key order, unknown fields (nested too), missing optional fields, numbers as strings,
     *    Z and millisecond and offset timestamps, \u escapes: 4 good lines, no final newline. */
    ev_buf_reset(&o);
    assert_int_equal(ev_buf_append_str(&o,
        "{\"event_type\": \"page_view\", \"timestamp\": \"2025-11-20T01:00:00Z\", \"user_id\": \"u_1\", \"extra\": {\"a\": [1, 2, {\"b\": null}]}, \"session_id\": \"s_1\", \"product_id\": \"p_1001\", \"category\": \"electronics\"}\n"
        "{\"timestamp\": \"2025-11-20T02:00:00.123+01:00\", \"user_id\": \"u_2\", \"session_id\": \"s_2\", \"event_type\": \"add_to_cart\", \"product_id\": \"p_2001\", \"quantity\": \"3\", \"price\": \"19.99\", \"category\": \"clothing\", \"search_query\": null}\n"
        "{\"timestamp\": \"2025-11-20T01:30:00+00:00\", \"user_id\": \"u_\\u0033\", \"session_id\": \"s_3\", \"event_type\": \"search\", \"search_query\": \"caf\\u00e9 \\ud83d\\ude00\"}\n"
        "  {\"timestamp\":\"2025-11-20T01:45:00.5+00:00\",\"user_id\":null,\"session_id\":\"s_4\",\"event_type\":\"purchase\",\"product_id\":\"p_3001\",\"quantity\":1,\"price\":1e2,\"category\":\"home\",\"search_query\":null}  "), EV_OK);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=15/c-shapes.jsonl.gz", (char *)o.data, o.len, 1);
    /* 4. Bad lines among good ones: truncated JSON, invalid UTF-8, unknown event type, missing and
     *    unparsable timestamps, quantity not a number, a line over 1 MB that is valid. */
    ev_buf_reset(&o);
    assert_int_equal(ev_buf_printf(&o, "%s\n", good(4, a, sizeof a)), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"2025-11-20T01:00:00Z\", \"user_id\": \"u_9\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"2025-11-20T01:00:00Z\", \"user_id\": \"u_\xff\xfe\", \"event_type\": \"page_view\"}\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"2025-11-20T01:00:00Z\", \"event_type\": \"hover\"}\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"user_id\": \"u_1\", \"event_type\": \"page_view\"}\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"yesterday\", \"event_type\": \"page_view\"}\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"2025-11-20T01:00:00Z\", \"event_type\": \"purchase\", \"quantity\": \"two\"}\n"), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "{\"timestamp\": \"2025-11-20T01:00:00Z\", \"event_type\": \"search\", \"search_query\": \""), EV_OK);
    for (int i = 0; i < 1100000; i++) assert_int_equal(ev_buf_append(&o, "x", 1), EV_OK);
    assert_int_equal(ev_buf_append_str(&o, "\"}\n"), EV_OK);
    assert_int_equal(ev_buf_printf(&o, "%s", good(5, a, sizeof a)), EV_OK);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=20/d-bad.jsonl.gz", (char *)o.data, o.len, 1);
    /* 5. A truncated gzip member: the good lines before the cut are kept, the cut line quarantined. */
    ev_buf_reset(&o);
    for (int i = 0; i < 2000; i++) assert_int_equal(ev_buf_printf(&o, "%s\n", good(i, a, sizeof a)), EV_OK);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=25/e-truncated.jsonl.gz", (char *)o.data, o.len, 1);
    char path[1024];
    snprintf(path, sizeof path, "%s/raw/events/year=2025/month=11/day=20/hour=00/minute=25/e-truncated.jsonl.gz", home);
    ev_buf whole;
    ev_buf_init(&whole, NULL);
    assert_int_equal(ev_read_file(path, &whole, NULL), EV_OK);
    assert_int_equal(ev_write_file_atomic(path, whole.data, whole.len * 2 / 3, NULL), EV_OK);
    ev_buf_free(&whole);
    /* 6. The same object uploaded twice under two keys: both are objects of their own. */
    ev_buf_reset(&o);
    assert_int_equal(ev_buf_printf(&o, "%s", good(7, a, sizeof a)), EV_OK);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=30/f-dup1.jsonl.gz", (char *)o.data, o.len, 1);
    put_gz(home, "year=2025/month=11/day=20/hour=00/minute=30/f-dup2.jsonl.gz", (char *)o.data, o.len, 1);
    ev_buf_free(&o);

    must_cli("etl run --home %s%s", home, NULL);
#define OBJ(name) "(SELECT %s FROM bookmarks WHERE object_key LIKE '%%" name "')"
    char sql[512];
    struct { const char *obj; int64_t lines, rows, quarantined; } expect[] = {
        {"a-members.jsonl.gz", 3, 3, 0}, {"b-empty.jsonl.gz", 0, 0, 0}, {"c-shapes.jsonl.gz", 4, 4, 0},
        {"d-bad.jsonl.gz", 9, 3, 6},     {"f-dup1.jsonl.gz", 1, 1, 0},  {"f-dup2.jsonl.gz", 1, 1, 0}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT lines || '/' || rows || '/' || quarantined FROM bookmarks WHERE object_key LIKE '%%%s'",
                 expect[i].obj);
        char got[64], want[64];
        tu_catalog_text(home, sql, got, sizeof got);
        snprintf(want, sizeof want, "%lld/%lld/%lld", (long long)expect[i].lines, (long long)expect[i].rows,
                 (long long)expect[i].quarantined);
        if (strcmp(got, want) != 0) fail_msg("%s: lines/rows/quarantined %s, want %s", expect[i].obj, got, want);
    }
    /* The truncated object: some rows, the cut line quarantined with the reason, nothing lost. */
    int64_t trunc_rows = tu_catalog_int(home, "SELECT rows FROM bookmarks WHERE object_key LIKE '%e-truncated.jsonl.gz'");
    assert_true(trunc_rows > 1000 && trunc_rows < 2000);
    assert_int_equal(tu_catalog_int(home, "SELECT quarantined FROM bookmarks WHERE object_key LIKE '%e-truncated.jsonl.gz'"), 1);
    char reason[512];
    tu_catalog_text(home, "SELECT reason FROM quarantine WHERE object_key LIKE '%e-truncated.jsonl.gz'", reason, sizeof reason);
    assert_non_null(strstr(reason, "truncated"));
    /* Each bad line of d-bad: its line number, and a reason that says what is wrong. */
    const char *reasons[][2] = {{"2", "JSON"}, {"3", "UTF-8"}, {"4", "hover"}, {"5", "timestamp"},
                                {"6", "timestamp"}, {"7", "quantity"}};
    for (size_t i = 0; i < 6; i++) {
        snprintf(sql, sizeof sql, "SELECT reason FROM quarantine WHERE object_key LIKE '%%d-bad.jsonl.gz' AND line = %s",
                 reasons[i][0]);
        tu_catalog_text(home, sql, reason, sizeof reason);
        if (!strstr(reason, reasons[i][1])) fail_msg("d-bad line %s: reason '%s' does not mention '%s'", reasons[i][0], reason, reasons[i][1]);
    }
    /* Raw bytes are kept exactly, invalid UTF-8 included. */
    assert_int_equal(tu_catalog_int(home, "SELECT instr(raw, X'fffe') > 0 FROM quarantine WHERE object_key LIKE '%d-bad.jsonl.gz' AND line = 3"), 1);
    assert_int_equal(tu_catalog_int(home, "SELECT byte_offset FROM quarantine WHERE object_key LIKE '%d-bad.jsonl.gz' AND line = 2"),
                     (int64_t)strlen(good(4, a, sizeof a)) + 1);
    /* Everything reconciles: lines counted by gzip itself, less the cut object's unreadable tail. */
    int64_t lines = tu_catalog_int(home, "SELECT sum(lines) FROM bookmarks");
    assert_reconciled(home, lines);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks"), 7);
    tu_rmtree(home);
}

static void gen(const char *home, const char *args) {
    char extra[512];
    snprintf(extra, sizeof extra, " %s", args);
    must_cli("gen --home %s --quiet%s", home, extra);
}

static void test_incremental_late_and_empty_runs(void **state) {
    (void)state;
    char home[256];
    new_lake(home, "etl-incr");
    gen(home, "--objects 3 --events 5000 --start 2025-11-20T00:00:00Z");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(tu_run_cli(&out, &err, "etl run --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, "3 objects, 15000 lines -> 15000 rows + 0 quarantined"));
    assert_reconciled(home, 15000);
    /* The partition came from the events' own time, and is registered at once. */
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM partitions WHERE spec = 'year=2025/month=11/day=20/hour=00'"), 1);
    /* Nothing new: a clean, successful no-op. */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "etl run --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, "nothing new"));
    /* A late object lands in an old partition (the previous day): only it is processed. */
    gen(home, "--objects 1 --events 700 --start 2025-11-19T23:50:00Z");
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "etl run --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, "1 object, 700 lines -> 700 rows"));
    assert_int_equal(tu_catalog_int(home, "SELECT row_count FROM partitions WHERE spec = 'year=2025/month=11/day=19/hour=23'"), 700);
    assert_reconciled(home, 15700);
    /* Status says it: no lag, reconciled. */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, &err, "status --home %s --json", home), 0);
    assert_non_null(strstr((char *)out.data, "\"objects_pending\": 0"));
    assert_non_null(strstr((char *)out.data, "\"rows\": 15700"));
    assert_non_null(strstr((char *)out.data, "\"reconciled\": true"));
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_concurrent_run_refused(void **state) {
    (void)state;
    char home[256], lock[512];
    new_lake(home, "etl-lock");
    gen(home, "--objects 1 --events 100 --start 2025-11-20T00:00:00Z");
    /* Hold the job's lock as a running ETL would. */
    snprintf(lock, sizeof lock, "%s/locks/events_etl.lock", home);
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli_locked(lock, &out, &err, "etl run --home %s", home);
    assert_int_equal(rc, 1);
    assert_non_null(strstr((char *)err.data, "evlake etl: job events_etl is already running (pid 4242)"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks"), 0);
    /* Once the holder is gone the run goes through. */
    assert_int_equal(tu_run_cli(&out, &err, "etl run --home %s", home), 0);
    assert_reconciled(home, 100);
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_rewind_and_reset_replace(void **state) {
    (void)state;
    char home[256];
    new_lake(home, "etl-rewind");
    gen(home, "--objects 2 --events 3000 --start 2025-11-20T00:00:00Z");
    must_cli("etl run --home %s%s", home, NULL);
    struct timespec ts = {1, 100 * 1000000L}; /* runs are told apart by their start time */
    nanosleep(&ts, NULL);
    char between[64];
    tu_catalog_text(home, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', started_at / 1000000 + 1, 'unixepoch') FROM job_runs", between,
           sizeof between);
    nanosleep(&ts, NULL);
    gen(home, "--objects 2 --events 3000 --start 2025-11-20T00:10:00Z");
    must_cli("etl run --home %s%s", home, NULL);
    assert_reconciled(home, 12000);
    int64_t files_before = tu_catalog_int(home, "SELECT count(*) FROM files");
    char arg[128];
    snprintf(arg, sizeof arg, " --to %s", between);
    must_cli("etl rewind --home %s%s", home, arg);
    assert_int_equal(tu_catalog_int(home, "SELECT sum(rows) FROM bookmarks"), 6000);
    assert_int_equal(tu_catalog_int(home, "SELECT sum(row_count) FROM files"), 6000);
    assert_true(tu_catalog_int(home, "SELECT count(*) FROM files") < files_before);
    assert_int_equal(visible_files(home), tu_catalog_int(home, "SELECT count(*) FROM files"));
    must_cli("etl run --home %s%s", home, NULL); /* the rewound objects again: replaced, not doubled */
    assert_reconciled(home, 12000);
    must_cli("etl reset --home %s%s", home, NULL);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM files"), 0);
    assert_int_equal(visible_files(home), 0);
    must_cli("etl run --home %s%s", home, NULL);
    assert_reconciled(home, 12000);
    tu_rmtree(home);
}

/* Runs the ETL with a crash point and expects it to die by SIGKILL; returns 1 if it did. */
static int run_killed(const char *home, const char *point) {
    setenv("EVLAKE_CRASH_POINT", point, 1);
    int rc = tu_run_cli(NULL, NULL, "etl run --home %s --batch 2", home);
    unsetenv("EVLAKE_CRASH_POINT");
    return rc == 128 + SIGKILL;
}

static void test_exactly_once_under_sigkill(void **state) {
    (void)state;
    const char *points[] = {"object_done:1", "object_done:3", "file_staged:1", "file_staged:2", "before_commit:1",
                            "before_commit:2", "in_commit:1", "in_commit:2", "after_commit:1", "after_commit:2",
                            "after_rename:1", "after_rename:2"};
    char home[256];
    new_lake(home, "etl-kill");
    gen(home, "--objects 6 --events 4000 --start 2025-11-20T00:40:00Z --profile realistic --bad-rate 0.02");
    int64_t lines = raw_lines(home);
    int kills = 0;
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        kills += run_killed(home, points[i]);
        /* After every crash, the next clean run must reconcile exactly. */
        must_cli("etl run --home %s%s", home, NULL);
        assert_reconciled(home, lines);
        must_cli("etl reset --home %s%s", home, NULL);
    }
    assert_true(kills >= 10); /* the points were reached and the process did die there */
    /* Random times: kill a running ETL, then check, several times over a growing lake. */
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execl(tu_evlake_bin(), "evlake", "etl", "run", "--home", home, "--batch", "1", (char *)NULL);
            _exit(127);
        }
        struct timespec ts = {0, (long)(20 + round * 45) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        must_cli("etl run --home %s%s", home, NULL);
        assert_reconciled(home, lines);
        must_cli("etl reset --home %s%s", home, NULL);
    }
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_inputs),
        cmocka_unit_test(test_incremental_late_and_empty_runs),
        cmocka_unit_test(test_concurrent_run_refused),
        cmocka_unit_test(test_rewind_and_reset_replace),
        cmocka_unit_test(test_exactly_once_under_sigkill),
    };
    return cmocka_run_group_tests_name("etl", tests, NULL, NULL);
}
