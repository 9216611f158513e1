/*
 * test_daemon.c: the scheduler end to end on an accelerated clock: three simulated hours give
 * exactly 36 objects and 3 job runs each followed by a crawler run; injected failures are retried
 * with backoff and a final failure triggers no crawler; SIGTERM mid-run then a restart ends with a
 * reconciled lake.
 */
#include "test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ev_fs.h"

static void small_lake(char *home, const char *tag) {
    tu_mkdtemp(home, tag);
    assert_int_equal(tu_run_cli(NULL, NULL, "init --home %s", home), 0);
    /* The default pipeline, with small objects so hours pass quickly. */
    ev_buf out;
    ev_buf_init(&out, NULL);
    assert_int_equal(tu_run_sh(&out, NULL, "sed -i 's/events_per_object: 500000-750000/events_per_object: 2000/' "
                                           "%s/pipeline.yml && grep -c 'events_per_object: 2000' %s/pipeline.yml",
                               home, home), 0);
    ev_buf_free(&out);
}

static size_t count(const char *text, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static int64_t raw_objects(const char *home) {
    return tu_sh_int("find %s/raw -name 'events-*.jsonl.gz' | wc -l", home);
}

static void assert_reconciled(const char *home, int64_t objects, int64_t lines) {
    assert_int_equal(raw_objects(home), objects);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks"), objects);
    assert_int_equal(tu_catalog_int(home, "SELECT sum(lines) FROM bookmarks"), lines);
    assert_int_equal(tu_catalog_int(home, "SELECT sum(rows) + sum(quarantined) FROM bookmarks"), lines);
    assert_int_equal(tu_catalog_int(home, "SELECT sum(row_count) FROM files"), tu_catalog_int(home, "SELECT sum(rows) FROM bookmarks"));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE status = 'RUNNING'"), 0);
}

static void test_three_hours(void **state) {
    (void)state;
    char home[256];
    small_lake(home, "daemon");
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = tu_run_cli(&out, &err, "daemon --home %s --clock-speed 3600 --start 2025-11-20T00:00:00Z "
                                    "--until 2025-11-20T03:00:30Z", home);
    assert_int_equal(rc, 0);
    const char *log = (const char *)err.data;
    assert_int_equal(count(log, "generator generator        SUCCEEDED raw/events/year=2025/"), 36);
    assert_int_equal(count(log, "job       events_etl       SUCCEEDED"), 3);
    assert_int_equal(count(log, "crawler   events_crawler   SUCCEEDED"), 3);
    /* Each crawler run follows its job run, at the same simulated time. */
    const char *first_job = strstr(log, "2025-11-20T01:00:00Z  job       events_etl       SUCCEEDED run ");
    assert_non_null(first_job);
    assert_non_null(strstr(first_job, ": 12 objects, 24000 lines -> 24000 rows + 0 quarantined"));
    assert_non_null(strstr(log, "2025-11-20T01:00:00Z  crawler   events_crawler   SUCCEEDED"));
    assert_non_null(strstr(log, "2025-11-20T03:00:00Z  crawler   events_crawler   SUCCEEDED"));
    assert_non_null(strstr(log, "36 objects, 3 job runs (0 failed, 0 retries), 3 crawler runs"));
    assert_reconciled(home, 36, 72000);
    /* Every run is in the catalog: 36 generator, 3 job and 3 crawler runs. */
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE job = 'generator' AND status = 'SUCCEEDED'"), 36);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE job = 'events_etl' AND status = 'SUCCEEDED'"), 3);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE job = 'events_crawler' AND status = 'SUCCEEDED'"), 3);
    ev_buf_reset(&out);
    assert_int_equal(tu_run_cli(&out, NULL, "etl history --all --limit 2 --home %s", home), 0);
    assert_non_null(strstr((char *)out.data, "events_crawler  SUCCEEDED"));
    assert_non_null(strstr((char *)out.data, "events_etl      SUCCEEDED"));
    ev_buf_free(&out);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_failures_retries_and_triggers(void **state) {
    (void)state;
    char home[256];
    small_lake(home, "daemon-fail");
    ev_buf err;
    ev_buf_init(&err, NULL);
    /* Run 1 fails once then succeeds on retry; runs 3-5 (the 02:00 run and both retries) all fail. */
    int rc = tu_run_cli(NULL, &err, "daemon --home %s --clock-speed 3600 --start 2025-11-20T00:00:00Z "
                                    "--until 2025-11-20T03:00:30Z --json-logs --inject-failure events_etl:1,3,4,5", home);
    assert_int_equal(rc, 0);
    const char *log = (const char *)err.data;
    assert_non_null(strstr(log, "\"time\": \"2025-11-20T01:00:00Z\", \"task\": \"job\", \"name\": \"events_etl\", "
                                "\"status\": \"FAILED\", \"detail\": \"injected failure (a test asked this run to fail); "
                                "retry 1 at 2025-11-20T01:05:00Z\""));
    assert_non_null(strstr(log, "\"time\": \"2025-11-20T01:05:00Z\", \"task\": \"job\", \"name\": \"events_etl\", "
                                "\"status\": \"SUCCEEDED\""));
    assert_non_null(strstr(log, "\"time\": \"2025-11-20T02:15:00Z\", \"task\": \"job\", \"name\": \"events_etl\", "
                                "\"status\": \"FAILED\", \"detail\": \"injected failure (a test asked this run to fail); "
                                "no retries left\""));
    /* Crawlers ran after the two successes only (01:05 and 03:00), never after the final failure. */
    assert_int_equal(count(log, "\"task\": \"crawler\""), 2);
    assert_null(strstr(log, "\"time\": \"2025-11-20T02:15:00Z\", \"task\": \"crawler\""));
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE job = 'events_etl' AND status = 'FAILED'"), 4);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE job = 'events_etl' AND status = 'SUCCEEDED'"), 2);
    assert_reconciled(home, 36, 72000);
    ev_buf_free(&err);
    tu_rmtree(home);
}

static void test_sigterm_then_restart(void **state) {
    (void)state;
    char home[256];
    small_lake(home, "daemon-term");
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            int devnull = open("/dev/null", 1);
            dup2(devnull, 1);
            dup2(devnull, 2);
            /* 300x: the hour's job comes 12 s in; stop at different points of the first hour. */
            execl(tu_evlake_bin(), "evlake", "daemon", "--home", home, "--clock-speed", "300", "--start",
                  "2025-11-20T00:00:00Z", "--until", "2025-11-20T03:00:30Z", (char *)NULL);
            _exit(127);
        }
        struct timespec ts = {(time_t)(1 + round * 5), 300 * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGTERM);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0); /* a clean stop */
        assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM job_runs WHERE status = 'RUNNING'"), 0);
    }
    /* Restart from the same start: objects come out identical (deterministic), bookmarks skip what
     * is done, and the lake ends complete and reconciled. */
    assert_int_equal(tu_run_cli(NULL, NULL, "daemon --home %s --clock-speed 3600 --start 2025-11-20T00:00:00Z "
                                            "--until 2025-11-20T03:00:30Z", home), 0);
    assert_reconciled(home, 36, 72000);
    assert_int_equal(tu_catalog_int(home, "SELECT count(*) FROM bookmarks b JOIN bookmarks c ON b.object_key = c.object_key "
                             "AND b.job <> c.job"), 0);
    tu_rmtree(home);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_hours),
        cmocka_unit_test(test_failures_retries_and_triggers),
        cmocka_unit_test(test_sigterm_then_restart),
    };
    return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
