/*
 * fuzz/sql_bind: arbitrary SQL through the parser, the binder and the executor, against a lake
 * whose catalog holds the events table (empty: the binder sees the real schema, the executor runs
 * every operator on no rows, so inputs stay cheap). Statements that read (queries, EXPLAIN, SHOW,
 * DESCRIBE) are run; writing ones are not (they would change the catalog between inputs).
 * Properties: never crashes, leaks or over-reads (ASan); a failing statement reports a message
 * and never an internal error.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "exec.h"
#include "sql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const events_ddl =
    "CREATE EXTERNAL TABLE IF NOT EXISTS events (`timestamp` TIMESTAMP, user_id STRING, session_id STRING, "
    "event_type STRING, product_id STRING, quantity INT, price DOUBLE, category STRING, search_query STRING) "
    "PARTITIONED BY (year STRING, month STRING, day STRING, hour STRING) STORED AS PARQUET "
    "LOCATION 'analytics/events'";

/* The fixture of the whole run (a fuzz harness keeps it between inputs), removed at exit. */
static exec_session *g_session;
static char g_dir[] = "/tmp/evlake-fuzz-sql-bind-XXXXXX";

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void) {
    exec_session_close(g_session);
    nftw(g_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static exec_session *session(void) {
    if (g_session) return g_session;
    char *dir = g_dir;
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    exec_session *s;
    char events[sizeof g_dir + 32];
    snprintf(events, sizeof events, "%s/analytics", dir);
    mkdir(events, 0755);
    snprintf(events, sizeof events, "%s/analytics/events", dir);
    mkdir(events, 0755);
    ev_error err = {0};
    char path[sizeof g_dir + 32];
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    cat *c;
    if (cat_open(path, NULL, &c, &err) != EV_OK) {
        fprintf(stderr, "sql_bind: %s\n", err.msg);
        abort();
    }
    cat_close(c);
    exec_options o = {.home = dir, .threads = 1, .memory_limit = 64u << 20};
    if (exec_session_open(&o, &s, &err) != EV_OK) {
        fprintf(stderr, "sql_bind: %s\n", err.msg);
        abort();
    }
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script sc;
    exec_result *r = NULL;
    if (sql_parse(events_ddl, strlen(events_ddl), &a, &sc, &err) != EV_OK || sc.nstmts != 1 ||
        exec_run(s, sc.stmts[0], &r, &err) != EV_OK) {
        fprintf(stderr, "sql_bind: %s\n", err.msg);
        abort();
    }
    exec_result_free(r);
    ev_arena_destroy(&a);
    g_session = s;
    return s;
}

static int reads_only(sql_stmt_kind k) {
    return k == SQL_S_QUERY || k == SQL_S_EXPLAIN || k == SQL_S_SHOW_DATABASES || k == SQL_S_SHOW_TABLES ||
           k == SQL_S_SHOW_COLUMNS || k == SQL_S_SHOW_PARTITIONS || k == SQL_S_SHOW_CREATE_TABLE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    exec_session *s = session();
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script sc;
    ev_error err = {0};
    if (sql_parse((const char *)data, size, &a, &sc, &err) == EV_OK) {
        for (size_t k = 0; k < sc.nstmts; k++) {
            const sql_stmt *st = sc.stmts[k];
            if (!reads_only(st->kind) || (st->kind == SQL_S_EXPLAIN && st->inner && !reads_only(st->inner->kind)))
                continue;
            exec_result *r = NULL;
            ev_status rc = exec_run(s, st, &r, &err);
            if (rc == EV_ERR_INTERNAL || (rc != EV_OK && !err.msg[0])) {
                fprintf(stderr, "sql_bind: status %d, message '%s'\n", (int)rc, err.msg);
                abort();
            }
            exec_result_free(r);
        }
    }
    ev_arena_destroy(&a);
    return 0;
}
