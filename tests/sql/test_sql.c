/*
 * test_sql.c: the SQL engine. Parse and bind errors carry Athena's "line L:C: message"; Trino's
 * semantic rules (integer division, decimal literals as DOUBLE, NULL as a group, timestamps shown
 * with milliseconds); and the five questions of queries.sql answered on a generated lake exactly
 * as DuckDB (the oracle, from npm) answers them over the same Parquet files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_fs.h"
#include "exec.h"
#include "sql.h"
#include "test_util.h"

static char g_home[300];
static exec_session *g_s;

static int setup(void **state) {
    (void)state;
    char dir[256];
    tu_mkdtemp(dir, "sql");
    snprintf(g_home, sizeof g_home, "%s/lake", dir);
    int rc = tu_run_sh(
        NULL, NULL,
        "$EVLAKE init --home %s >/dev/null && $EVLAKE gen --home %s --objects 3 --events 4000 --seed 7 "
        "--start 2025-11-20T00:55:00Z >/dev/null && $EVLAKE etl run --home %s >/dev/null",
        g_home, g_home, g_home);
    if (rc != 0) return 1;
    exec_options o = {.home = g_home, .threads = 2};
    ev_error err = {0};
    return exec_session_open(&o, &g_s, &err) == EV_OK ? 0 : 1;
}

static int teardown(void **state) {
    (void)state;
    exec_session_close(g_s);
    return 0;
}

/* Runs one statement; fails the test on error. */
static exec_result *run(const char *sql) {
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script s;
    ev_error err = {0};
    if (sql_parse(sql, strlen(sql), &a, &s, &err) != EV_OK) fail_msg("parse: %s\n%s", err.msg, sql);
    assert_int_equal(s.nstmts, 1);
    exec_result *r = NULL;
    if (exec_run(g_s, s.stmts[0], &r, &err) != EV_OK) fail_msg("run: %s\n%s", err.msg, sql);
    ev_arena_destroy(&a);
    return r;
}

/* The error message of a statement that must fail with a user error (EV_ERR_INPUT). */
static void expect_error(const char *sql, const char *msg) {
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script s;
    ev_error err = {0};
    ev_status st = sql_parse(sql, strlen(sql), &a, &s, &err);
    if (st == EV_OK) {
        assert_int_equal(s.nstmts, 1);
        exec_result *r = NULL;
        st = exec_run(g_s, s.stmts[0], &r, &err);
        exec_result_free(r);
    }
    if (st == EV_OK) fail_msg("expected an error for: %s", sql);
    if (strcmp(err.msg, msg)) fail_msg("error for %s\n  got:  %s\n  want: %s", sql, err.msg, msg);
    assert_int_equal(st, EV_ERR_INPUT);
    ev_arena_destroy(&a);
}

static const char *cell(exec_result *r, size_t row, size_t col) {
    bool null;
    const char *v = exec_result_cell(r, row, col, &null);
    return null ? "NULL" : v;
}

static void test_parse_errors(void **state) {
    (void)state;
    expect_error("SELECT product_id FORM events",
                 "line 1:24: mismatched input 'events'. Expecting: ';', <EOF>");
    expect_error("SELECT product_id,\n       COUNT(*)\nFROM events\nGROUP BY prodct_id",
                 "line 4:10: Column 'prodct_id' cannot be resolved");
    expect_error("SELECT 'abc", "line 1:8: unterminated string literal");
    expect_error("SELECT 1 +", "line 1:11: mismatched input '<EOF>'. Expecting: <expression>");
    expect_error("SELECT * FROM nosuch", "line 1:15: Table 'analytics.nosuch' does not exist");
    expect_error("SELECT user_id, COUNT(*) FROM events GROUP BY product_id",
                 "line 1:8: 'user_id' must be an aggregate expression or appear in GROUP BY clause");
    expect_error("SELECT year FROM events WHERE year = 2025",
                 "line 1:36: Cannot apply operator: varchar = integer");
    expect_error("SELECT 1 / 0", "line 1:10: Division by zero");
    expect_error("SELECT -(-9223372036854775807 - 1)", "line 1:8: bigint negation overflow");
    expect_error("SELECT 9223372036854775807 * 2", "line 1:28: bigint multiplication overflow");
    expect_error("SELECT foo(1)", "line 1:8: Function 'foo' not registered");
    expect_error("SELECT 1 AS a UNION ALL SELECT nosuch, 3", "line 1:32: Column 'nosuch' cannot be resolved");
    /* a WITH query or derived table merged into the query that reads it: the columns the outer
     * query does not use must still resolve (found by the random differential test, seed 123) */
    expect_error("WITH s AS (SELECT prodct_id AS x0, month AS x1 FROM events) SELECT x1 FROM s",
                 "line 1:19: Column 'prodct_id' cannot be resolved");
    expect_error("WITH s AS (SELECT prodct_id AS x0, month AS x1 FROM events WHERE price > 1) SELECT x1 FROM s "
                 "WHERE x1 = '11'",
                 "line 1:19: Column 'prodct_id' cannot be resolved");
    expect_error("SELECT x1 FROM (SELECT month AS x1, 'a' + 1 AS x2 FROM events) d",
                 "line 1:41: Cannot apply operator: varchar + integer");
    expect_error("SELECT product_id, COUNT(*) FROM events GROUP BY 7",
                 "line 1:50: GROUP BY position 7 is not in select list");
    expect_error("/* comment ü */ SELECT\n  CAST('x' AS BIGINT)", "line 2:3: Cannot cast 'x' to BIGINT");
}

static void test_semantics(void **state) {
    (void)state;
    /* NaN compares false with everything (IEEE, as Trino), though ORDER BY puts it above all */
    exec_result *r = run("SELECT 0.0 / 0 > 1, 0.0 / 0 = 0.0 / 0, 0.0 / 0 <> 0.0 / 0, 0.0 / 0 < 1");
    assert_string_equal(cell(r, 0, 0), "false");
    assert_string_equal(cell(r, 0, 1), "false");
    assert_string_equal(cell(r, 0, 2), "true");
    assert_string_equal(cell(r, 0, 3), "false");
    exec_result_free(r);
    r = run("select 7 / 2 AS a, 7.0 / 2 AS b, -7 / 2 AS c, 7 % 3 AS d, 1.0 * 3 / 6 AS e, "
            "round(2.5) AS f, round(-2.5) AS g, round(3.14159, 2) AS h");
    assert_string_equal(cell(r, 0, 0), "3");
    assert_string_equal(cell(r, 0, 1), "3.5");
    assert_string_equal(cell(r, 0, 2), "-3");
    assert_string_equal(cell(r, 0, 3), "1");
    assert_string_equal(cell(r, 0, 4), "0.5");
    assert_string_equal(cell(r, 0, 5), "3.0");
    assert_string_equal(cell(r, 0, 6), "-3.0");
    assert_string_equal(cell(r, 0, 7), "3.14");
    assert_int_equal(exec_result_column_type(r, 0), SQL_T_INTEGER);
    assert_int_equal(exec_result_column_type(r, 1), SQL_T_DOUBLE);
    exec_result_free(r);
    r = run("SELECT date_trunc('hour', from_iso8601_timestamp('2025-11-20T08:59:59.123456Z')) AS h, "
            "date_format(TIMESTAMP '2025-11-20 08:07:06', '%Y-%m-%d %H:00:00') AS f, date(TIMESTAMP "
            "'2025-11-20 23:00:00') AS d, "
            "CAST(TIMESTAMP '2025-11-20 08:00:00.5' AS VARCHAR) AS s, substr('hello', 2, 3) AS x, 'a' || 'b' "
            "AS y, "
            "coalesce(NULL, 2) AS z, nullif(1, 1) AS n, CASE WHEN 1 = 0 THEN 1 / 0 ELSE 5 END AS k, "
            "'u_1' LIKE 'u\\_%' ESCAPE '\\' AS l, split_part('a,b,c', ',', 2) AS p");
    assert_string_equal(cell(r, 0, 0), "2025-11-20 08:00:00.000 UTC");
    assert_string_equal(cell(r, 0, 1), "2025-11-20 08:00:00");
    assert_string_equal(cell(r, 0, 2), "2025-11-20");
    assert_string_equal(cell(r, 0, 3), "2025-11-20 08:00:00.500");
    assert_string_equal(cell(r, 0, 4), "ell");
    assert_string_equal(cell(r, 0, 5), "ab");
    assert_string_equal(cell(r, 0, 6), "2");
    assert_string_equal(cell(r, 0, 7), "NULL");
    assert_string_equal(cell(r, 0, 8), "5");
    assert_string_equal(cell(r, 0, 9), "true");
    assert_string_equal(cell(r, 0, 10), "b");
    exec_result_free(r);
    /* NULL is a group; decimal literals are DOUBLE; ORDER BY puts NULLs last */
    r = run("SELECT category, COUNT(*) * 100.0 / (SELECT COUNT(*) FROM events) AS pct FROM events GROUP BY "
            "category "
            "ORDER BY category");
    assert_int_equal(exec_result_rows(r), 7);
    assert_string_equal(cell(r, 6, 0), "NULL");
    double total = 0, v;
    for (size_t k = 0; k < 7; k++) {
        assert_true(exec_result_number(r, k, 1, &v));
        total += v;
    }
    assert_true(fabs(total - 100.0) < 1e-9);
    exec_result_free(r);
    /* windows, CTEs, joins, UNION ALL, DISTINCT */
    r = run(
        "WITH c AS (SELECT event_type, COUNT(*) AS n FROM events GROUP BY event_type) "
        "SELECT a.event_type, a.n, ROW_NUMBER() OVER (ORDER BY a.n DESC) AS rk, SUM(a.n) OVER () AS total "
        "FROM c a JOIN (SELECT DISTINCT event_type FROM events) b ON a.event_type = b.event_type ORDER BY "
        "rk");
    assert_int_equal(exec_result_rows(r), 5);
    assert_string_equal(cell(r, 0, 0), "page_view");
    assert_string_equal(cell(r, 0, 2), "1");
    assert_string_equal(cell(r, 4, 2), "5");
    assert_string_equal(cell(r, 0, 3), "12000");
    exec_result_free(r);
    /* an expression over a dictionary-coded column is evaluated once per dictionary entry: a CASE
     * whose branches copy the batch must not read past the batch's other columns (the user_id
     * dictionary is longer than a batch) */
    r = run(
        "SELECT CASE WHEN user_id LIKE 'u_1%' THEN substr(user_id, 1, 3) ELSE 'x' END AS k, COUNT(*) AS n "
        "FROM events GROUP BY 1 ORDER BY 1");
    exec_result *r2 = run("SELECT COUNT(*) FROM events WHERE user_id >= 'u_1' AND user_id < 'u_2'");
    assert_int_equal(exec_result_rows(r), 2);
    assert_string_equal(cell(r, 0, 0), "u_1");
    assert_string_equal(cell(r, 0, 1), cell(r2, 0, 0));
    assert_string_equal(cell(r, 1, 0), "x");
    assert_int_equal(atol(cell(r, 0, 1)) + atol(cell(r, 1, 1)), 12000);
    exec_result_free(r);
    exec_result_free(r2);
    r = run("SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 2 ORDER BY x DESC");
    assert_int_equal(exec_result_rows(r), 3);
    assert_string_equal(cell(r, 0, 0), "2");
    exec_result_free(r);
}

/* The prompt on a terminal (util-linux `script` gives it one): a statement over two lines runs at
 * its ';', goes to the history file, and the next session recalls it with the up arrow. */
static void test_prompt_line_editing(void **state) {
    (void)state;
    ev_buf out;
    ev_buf_init(&out, NULL);
    char hist[400];
    snprintf(hist, sizeof hist, "%s/../sql_history", g_home);
    remove(hist);
    int rc = tu_run_sh(&out, NULL,
                       "export EVLAKE_HISTORY=%s; printf 'SELECT 40 + 2\\n  AS answer;\\nquit\\n' | "
                       "script -qc \"$EVLAKE sql --home %s\" /dev/null",
                       hist, g_home);
    assert_int_equal(rc, 0);
    assert_non_null(strstr((const char *)out.data, "42"));
    ev_buf h;
    ev_buf_init(&h, NULL);
    ev_error err = {0};
    assert_int_equal(ev_read_file(hist, &h, &err), EV_OK);
    assert_non_null(memmem(h.data, h.len, "answer;", 7)); /* editline escapes the spaces */
    ev_buf_reset(&out);
    rc = tu_run_sh(
        &out, NULL,
        "export EVLAKE_HISTORY=%s; printf '\\033[A\\nquit\\n' | script -qc \"$EVLAKE sql --home %s\" "
        "/dev/null",
        hist, g_home);
    assert_int_equal(rc, 0);
    assert_non_null(strstr((const char *)out.data, "42"));
    ev_buf_free(&h);
    ev_buf_free(&out);
}

static void test_pruning_and_metadata(void **state) {
    (void)state;
    exec_result *r = run("SELECT COUNT(*) FROM events");
    assert_string_equal(cell(r, 0, 0), "12000");
    assert_true(exec_result_stats(r)->from_metadata);
    assert_int_equal(exec_result_stats(r)->bytes_scanned, 0);
    exec_result_free(r);
    r = run("SELECT hour, COUNT(*) FROM events WHERE hour = '01' GROUP BY hour");
    const exec_stats *st = exec_result_stats(r);
    assert_true(st->partitions_total >= 2);
    assert_int_equal(st->partitions_pruned, st->partitions_total - 1);
    assert_string_equal(cell(r, 0, 0), "01");
    exec_result_free(r);
    /* a filter on data columns that neither partitions nor statistics decide: the rows are read */
    r = run("SELECT COUNT(*) FROM events WHERE user_id LIKE 'u_1%'");
    exec_result *r2 = run("SELECT COUNT_IF(user_id LIKE 'u_1%') FROM events");
    assert_false(exec_result_stats(r)->from_metadata);
    assert_string_equal(cell(r, 0, 0), cell(r2, 0, 0));
    assert_true(atol(cell(r, 0, 0)) > 0 && atol(cell(r, 0, 0)) < 12000);
    exec_result_free(r);
    exec_result_free(r2);
    r = run("SELECT COUNT(*) FROM events WHERE quantity > 5");
    assert_string_equal(cell(r, 0, 0), "0");
    assert_int_equal(exec_result_stats(r)->row_groups_skipped, exec_result_stats(r)->row_groups_total);
    exec_result_free(r);
}

/* Runs one statement in a session of its own whose queries may hold `limit` bytes: the status,
 * the result in *out (NULL on failure). */
static ev_status run_limited(size_t limit, const char *sql, exec_result **out) {
    exec_options o = {.home = g_home, .threads = 2, .memory_limit = limit};
    exec_session *s;
    ev_error err = {0};
    assert_int_equal(exec_session_open(&o, &s, &err), EV_OK);
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    sql_script sc;
    assert_int_equal(sql_parse(sql, strlen(sql), &a, &sc, &err), EV_OK);
    *out = NULL;
    ev_status st = exec_run(s, sc.stmts[0], out, &err);
    if (st != EV_OK && st != EV_ERR_LIMIT) fail_msg("%s: %s", sql, err.msg);
    exec_session_close(s);
    ev_arena_destroy(&a);
    return st;
}

/* SELECT DISTINCT without aggregates runs as a grouping: it keeps one row per distinct tuple as
 * it scans, so it answers under a memory limit far below what collecting the 12,000 rows takes,
 * with the rows GROUP BY gives; late materialization (a filter on one column, the others decoded
 * for the passing rows only) gives what reading every row gives. */
static void test_distinct_and_late_columns(void **state) {
    (void)state;
    exec_result *d;
    assert_int_equal(
        run_limited(256 << 10, "SELECT DISTINCT event_type, category FROM events ORDER BY 1, 2", &d), EV_OK);
    exec_result *g = run("SELECT event_type, category FROM events GROUP BY 1, 2 ORDER BY 1, 2");
    assert_int_equal(exec_result_rows(d), exec_result_rows(g));
    assert_true(exec_result_rows(d) >= 5 && exec_result_rows(d) <= 40);
    for (size_t k = 0; k < exec_result_rows(d); k++)
        for (size_t c = 0; c < 2; c++)
            assert_string_equal(cell(d, k, c), cell(g, k, c));
    exec_result_free(d);
    exec_result_free(g);
    /* the same query collecting every row first: past the limit */
    assert_int_equal(run_limited(256 << 10, "SELECT event_type, category FROM events ORDER BY 1, 2", &d),
                     EV_ERR_LIMIT);
    exec_result *late =
        run("SELECT COUNT(*), SUM(price * quantity), COUNT(DISTINCT user_id), MAX(session_id), "
            "MIN(\"timestamp\") FROM events WHERE event_type = 'purchase'");
    exec_result *all = run("SELECT COUNT_IF(event_type = 'purchase'), "
                           "SUM(IF(event_type = 'purchase', price * quantity)), "
                           "COUNT(DISTINCT IF(event_type = 'purchase', user_id)), "
                           "MAX(IF(event_type = 'purchase', session_id)), "
                           "MIN(IF(event_type = 'purchase', \"timestamp\")) FROM events");
    assert_true(atol(cell(late, 0, 0)) > 500);
    for (size_t c = 0; c < 5; c++)
        if (c != 1) assert_string_equal(cell(late, 0, c), cell(all, 0, c));
    double x, y;
    assert_true(exec_result_number(late, 0, 1, &x) && exec_result_number(all, 0, 1, &y));
    assert_true(fabs(x - y) <= 1e-9 * fabs(y) && y > 0);
    exec_result_free(late);
    exec_result_free(all);
    /* aggregates over one column share one count of its codes per group: each equals itself alone */
    static const char *const aggs[] = {
        "SUM(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END)", "COUNT_IF(event_type = 'page_view')",
        "AVG(IF(event_type = 'search', 2, 0))", "COUNT(NULLIF(event_type, 'search'))"};
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT hour, %s, %s, %s, %s FROM events GROUP BY hour ORDER BY hour", aggs[0],
             aggs[1], aggs[2], aggs[3]);
    exec_result *shared = run(sql);
    assert_true(exec_result_rows(shared) >= 2);
    for (size_t k = 0; k < 4; k++) {
        snprintf(sql, sizeof sql, "SELECT hour, %s FROM events GROUP BY hour ORDER BY hour", aggs[k]);
        exec_result *alone = run(sql);
        assert_int_equal(exec_result_rows(alone), exec_result_rows(shared));
        for (size_t r = 0; r < exec_result_rows(alone); r++)
            assert_string_equal(cell(alone, r, 1), cell(shared, r, 1 + k));
        exec_result_free(alone);
    }
    assert_true(atol(cell(shared, 0, 2)) > atol(cell(shared, 0, 1)));
    exec_result_free(shared);
    /* over a partition column the two arguments come in different forms: no sharing, same sums */
    shared =
        run("SELECT SUM(NULLIF(length(day) - length(day), 5)), COUNT(day), SUM(length(day)) FROM events");
    assert_string_equal(cell(shared, 0, 0), "0");
    assert_string_equal(cell(shared, 0, 1), "12000");
    assert_string_equal(cell(shared, 0, 2), "24000");
    exec_result_free(shared);
}

/* The result of a statement as text, one line per row, column names first. */
static char *result_text(exec_result *r) {
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    for (size_t row = 0; row <= exec_result_rows(r); row++) {
        for (size_t c = 0; c < exec_result_columns(r); c++) {
            const char *v = row == 0 ? exec_result_column_name(r, c) : cell(r, row - 1, c);
            size_t vl = strlen(v);
            while (len + vl + 2 >= cap)
                out = realloc(out, cap *= 2);
            memcpy(out + len, v, vl);
            len += vl;
            out[len++] = c + 1 < exec_result_columns(r) ? '|' : '\n';
        }
    }
    out[len] = 0;
    return out;
}

/* A derived table or WITH query over one table that only picks, computes and filters is merged
 * into the outer query (exec_flatten.c): the same rows, names and errors as the query materialized
 * (an inner LIMIT keeps it from being merged), and it runs within a memory limit that holding the
 * inner rows exceeds. */
static void test_merged_subqueries(void **state) {
    (void)state;
    static const char *const pairs[][2] = {
        {"SELECT e, COUNT(*) n FROM (SELECT event_type AS e, price * 2 AS p2 FROM events WHERE price > 100) "
         "x "
         "WHERE p2 > 300 GROUP BY e ORDER BY n DESC, e",
         "SELECT e, COUNT(*) n FROM (SELECT event_type AS e, price * 2 AS p2 FROM events WHERE price > 100 "
         "LIMIT 1000000) x WHERE p2 > 300 GROUP BY e ORDER BY n DESC, e"},
        {"WITH c(a, b) AS (SELECT event_type, category FROM events) SELECT b, count(*) FROM c WHERE a = "
         "'purchase' "
         "GROUP BY b ORDER BY 1",
         "WITH c(a, b) AS (SELECT event_type, category FROM events LIMIT 1000000) SELECT b, count(*) FROM c "
         "WHERE a = 'purchase' GROUP BY b ORDER BY 1"},
        {"SELECT * FROM (SELECT user_id, upper(event_type), quantity q FROM events WHERE quantity > 2) t "
         "ORDER BY 1, 2, 3 LIMIT 5",
         "SELECT * FROM (SELECT user_id, upper(event_type), quantity q FROM events WHERE quantity > 2 "
         "LIMIT 1000000) t ORDER BY 1, 2, 3 LIMIT 5"},
        {"SELECT t.*, price FROM (SELECT *, quantity * 2 q2 FROM events WHERE quantity > 1) t "
         "ORDER BY \"timestamp\", user_id LIMIT 3",
         "SELECT t.*, price FROM (SELECT *, quantity * 2 q2 FROM events WHERE quantity > 1 LIMIT 1000000) t "
         "ORDER BY \"timestamp\", user_id LIMIT 3"},
        {"SELECT s.x0, COUNT(*) FROM (SELECT 25 AS x0 FROM events) s GROUP BY s.x0 ORDER BY s.x0",
         "SELECT s.x0, COUNT(*) FROM (SELECT 25 AS x0 FROM events LIMIT 1000000) s GROUP BY s.x0 ORDER BY "
         "s.x0"},
    };
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        exec_result *m = run(pairs[k][0]), *full = run(pairs[k][1]);
        assert_true(exec_result_rows(m) > 0);
        char *a = result_text(m), *b = result_text(full);
        if (strcmp(a, b)) fail_msg("%s\n  merged:\n%s\n  materialized:\n%s", pairs[k][0], a, b);
        free(a);
        free(b);
        exec_result_free(m);
        exec_result_free(full);
    }
    expect_error("SELECT price FROM (SELECT event_type FROM events)",
                 "line 1:8: Column 'price' cannot be resolved");
    expect_error("SELECT x.event_type FROM (SELECT event_type FROM events) y",
                 "line 1:8: Column 'x.event_type' cannot be resolved");
    /* within 1 MB: only the merged form streams */
    exec_result *r;
    assert_int_equal(run_limited(1 << 20,
                                 "WITH p AS (SELECT * FROM events WHERE event_type <> 'search') "
                                 "SELECT COUNT(*), SUM(quantity), MAX(user_id) FROM p",
                                 &r),
                     EV_OK);
    exec_result *direct =
        run("SELECT COUNT(*), SUM(quantity), MAX(user_id) FROM events WHERE event_type <> 'search'");
    for (size_t c = 0; c < 3; c++)
        assert_string_equal(cell(r, 0, c), cell(direct, 0, c));
    assert_true(atol(cell(r, 0, 0)) > 9000);
    exec_result_free(r);
    exec_result_free(direct);
    assert_int_equal(
        run_limited(1 << 20,
                    "WITH p AS (SELECT * FROM events WHERE event_type <> 'search' LIMIT 1000000) "
                    "SELECT COUNT(*) FROM p",
                    &r),
        EV_ERR_LIMIT);
}

/* ORDER BY ... LIMIT n (n <= 100,000) keeps a top-n per worker as the scan goes (with a cutoff row
 * and, for n <= 64, each batch's own top-n): the rows must be the first n of the full sort. */
static void test_top_n(void **state) {
    (void)state;
    static const char *const qs[] = {
        "SELECT \"timestamp\", user_id, session_id FROM events ORDER BY 1 DESC, 2, 3 LIMIT %d",
        "SELECT user_id, price, \"timestamp\" FROM events ORDER BY price DESC NULLS LAST, user_id, 3 LIMIT "
        "%d",
        "SELECT upper(event_type) e, quantity, \"timestamp\", user_id FROM events WHERE quantity > 1 "
        "ORDER BY e, quantity NULLS FIRST, 3 DESC, 4 LIMIT %d",
        "SELECT hour, session_id, \"timestamp\" FROM events ORDER BY hour DESC, length(session_id), 2, 3 "
        "LIMIT %d",
    };
    static const int limits[] = {1, 7, 64, 65, 3000};
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        char sql[512];
        snprintf(sql, sizeof sql, qs[k], 200000); /* past the top-n bound: sorted whole */
        exec_result *full = run(sql);
        assert_true(exec_result_rows(full) > 3000);
        for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
            snprintf(sql, sizeof sql, qs[k], limits[l]);
            exec_result *top = run(sql);
            assert_int_equal(exec_result_rows(top), (size_t)limits[l]);
            for (size_t r = 0; r < exec_result_rows(top); r++)
                for (size_t c = 0; c < exec_result_columns(top); c++)
                    if (strcmp(cell(top, r, c), cell(full, r, c)))
                        fail_msg("%s: row %zu col %zu: %s, sorted whole: %s", sql, r, c, cell(top, r, c),
                                 cell(full, r, c));
            exec_result_free(top);
        }
        exec_result_free(full);
    }
}

/* Asserts that two one-row results agree cell by cell (doubles within 1e-9 relative). */
static void same_row(exec_result *a, exec_result *b) {
    assert_int_equal(exec_result_rows(a), 1);
    assert_int_equal(exec_result_rows(b), 1);
    assert_int_equal(exec_result_columns(a), exec_result_columns(b));
    for (size_t c = 0; c < exec_result_columns(a); c++) {
        double x, y;
        if (exec_result_number(a, 0, c, &x) && exec_result_number(b, 0, c, &y) && strchr(cell(a, 0, c), '.'))
            assert_true(fabs(x - y) <= 1e-9 * fabs(y));
        else
            assert_string_equal(cell(a, 0, c), cell(b, 0, c));
    }
}

/* The raw zone as a JSON table (the OpenX SerDe's DDL, as in Athena) answers what the ETL's
 * Parquet table answers over the same events; bad lines and values fail the query with the file,
 * line and column. */
static void test_json_tables(void **state) {
    (void)state;
    exec_result_free(
        run("CREATE EXTERNAL TABLE raw_events (`timestamp` timestamp, user_id string, session_id "
            "string, event_type string, product_id string, quantity int, price double, category "
            "string, search_query string) PARTITIONED BY (year string, month string, day string, hour "
            "string, minute string) ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' "
            "LOCATION 'raw/events/'"));
    exec_result_free(run("MSCK REPAIR TABLE raw_events"));
    static const char *const qs[] = {
        "SELECT COUNT(*), COUNT(DISTINCT user_id), SUM(price * quantity), COUNT(quantity), "
        "MIN(\"timestamp\"), "
        "MAX(\"timestamp\"), COUNT(search_query), MAX(category) FROM %s",
        "SELECT COUNT(*), SUM(price), COUNT(DISTINCT session_id) FROM %s WHERE event_type = 'purchase' AND "
        "quantity > 2",
        "SELECT COUNT(*) FROM %s WHERE \"timestamp\" >= TIMESTAMP '2025-11-20 01:00:00'"};
    for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
        char sql[1024];
        snprintf(sql, sizeof sql, qs[k], "raw_events");
        exec_result *raw = run(sql);
        snprintf(sql, sizeof sql, qs[k], "events");
        exec_result *pq = run(sql);
        same_row(raw, pq);
        if (k == 0) assert_string_equal(cell(raw, 0, 0), "12000");
        exec_result_free(raw);
        exec_result_free(pq);
    }
    /* three objects named by their windows' ends (01:00, 01:05, 01:10), 4000 events each */
    exec_result *parts = run("SELECT hour, minute, COUNT(*) FROM raw_events GROUP BY 1, 2 ORDER BY 1, 2");
    assert_int_equal(exec_result_rows(parts), 3);
    assert_string_equal(cell(parts, 0, 0), "01");
    assert_string_equal(cell(parts, 0, 1), "00");
    assert_string_equal(cell(parts, 2, 1), "10");
    assert_string_equal(cell(parts, 2, 2), "4000");
    exec_result_free(parts);

    /* a plain file with a broken third line, and one whose value does not fit its column */
    char dir[512];
    snprintf(dir, sizeof dir, "%s/badjson", g_home);
    assert_int_equal(
        tu_run_sh(NULL, NULL,
                  "mkdir -p %s/a %s/b && printf '{\"n\": 1, \"s\": \"x\"}\n\n{\"n\": 2}\n{\"n\": 3,}\n' "
                  "> %s/a/part.json && printf '{\"n\": 1}\n{\"n\": \"abc\"}\n' | gzip > %s/b/x.json.gz",
                  dir, dir, dir, dir),
        0);
    exec_result_free(run("CREATE EXTERNAL TABLE bad_a (n bigint, s string) ROW FORMAT SERDE "
                         "'org.openx.data.jsonserde.JsonSerDe' LOCATION 'badjson/a/'"));
    exec_result_free(run("CREATE EXTERNAL TABLE bad_b (n bigint) ROW FORMAT SERDE "
                         "'org.openx.data.jsonserde.JsonSerDe' LOCATION 'badjson/b/'"));
    char want[1024];
    snprintf(want, sizeof want, "%s/badjson/a/part.json: line 4 col 9: expected a string key after ','",
             g_home);
    expect_error("SELECT SUM(n) FROM bad_a", want);
    snprintf(want, sizeof want,
             "%s/badjson/b/x.json.gz: line 2 col 7: column 'n' (bigint) cannot hold the string \"abc\"",
             g_home);
    expect_error("SELECT COUNT(*), MAX(n) FROM bad_b", want);
    /* with the SerDe's 'ignore.malformed.json' the broken line is a row of NULLs, as in Athena */
    exec_result_free(
        run("CREATE EXTERNAL TABLE bad_c (n bigint, s string) ROW FORMAT SERDE "
            "'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ('ignore.malformed.json' = "
            "'TRUE') LOCATION 'badjson/a/'"));
    exec_result *c = run("SELECT COUNT(*), COUNT(n), SUM(n), MAX(s) FROM bad_c");
    assert_string_equal(cell(c, 0, 0), "3");
    assert_string_equal(cell(c, 0, 1), "2");
    assert_string_equal(cell(c, 0, 2), "3");
    assert_string_equal(cell(c, 0, 3), "x");
    exec_result_free(c);
}

/* A session keeps its Parquet readers open between queries (exec_files.c) but never reads a file
 * that changed on disk through a stale one: a file rewritten in place at the same path, and files
 * replaced by compaction, give their new rows to the next query of the same session. */
static void test_session_files(void **state) {
    (void)state;
    exec_result_free(
        run("CREATE TABLE cache_a WITH (external_location = 'landing/cache_a') AS SELECT 1 AS a"));
    exec_result_free(run("CREATE TABLE cache_b WITH (external_location = 'landing/cache_b') AS "
                         "SELECT 2 AS a UNION ALL SELECT 3 AS a"));
    exec_result_free(
        run("CREATE EXTERNAL TABLE cached (a int) STORED AS PARQUET LOCATION 's3://landing/cache_a/'"));
    exec_result *r = run("SELECT SUM(a), COUNT(*) FROM cached");
    assert_string_equal(cell(r, 0, 0), "1");
    exec_result_free(r);
    /* the same path, other contents (cp rewrites the file in place: same inode) */
    assert_int_equal(
        tu_run_sh(NULL, NULL,
                  "f=$(ls %s/landing/cache_a/*.parquet) && cp %s/landing/cache_b/*.parquet \"$f\"", g_home,
                  g_home),
        0);
    r = run("SELECT SUM(a), COUNT(*) FROM cached");
    assert_string_equal(cell(r, 0, 0), "5");
    assert_string_equal(cell(r, 0, 1), "2");
    exec_result_free(r);
    /* compaction swaps a partition's files for new ones and deletes the old */
    exec_result *before =
        run("SELECT COUNT(*), SUM(quantity), COUNT(DISTINCT user_id) FROM events WHERE price > 0");
    assert_int_equal(tu_run_sh(NULL, NULL, "$EVLAKE compact --home %s >/dev/null", g_home), 0);
    exec_result *after =
        run("SELECT COUNT(*), SUM(quantity), COUNT(DISTINCT user_id) FROM events WHERE price > 0");
    for (size_t c = 0; c < 3; c++)
        assert_string_equal(cell(after, 0, c), cell(before, 0, c));
    assert_true(atol(cell(after, 0, 0)) > 1000);
    exec_result_free(before);
    exec_result_free(after);
}

/* The row count, then the sum of every numeric column. */
static void summarize(exec_result *r, double *vals, size_t *nvals) {
    size_t n = 0;
    vals[n++] = (double)exec_result_rows(r);
    for (size_t c = 0; c < exec_result_columns(r); c++) {
        sql_type t = exec_result_column_type(r, c);
        if (t != SQL_T_BIGINT && t != SQL_T_INTEGER && t != SQL_T_DOUBLE) continue;
        double s = 0, v;
        for (size_t k = 0; k < exec_result_rows(r); k++)
            if (exec_result_number(r, k, c, &v)) s += v;
        vals[n++] = s;
    }
    *nvals = n;
}

static void test_five_questions_match_duckdb(void **state) {
    (void)state;
    if (tu_run_sh(NULL, NULL, "sh scripts/duckdb-setup.sh >/dev/null 2>&1") != 0)
        fail_msg("DuckDB could not be installed from npm (it is this test's oracle)");
    static const struct {
        const char *sql, *numeric; /* the numeric output columns, summed in DuckDB */
    } qs[] = {
        {"SELECT COUNT(*) AS n FROM events", "n"},
        {"SELECT product_id, SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END) AS views, SUM(CASE "
         "WHEN "
         "event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases, CAST(SUM(CASE WHEN event_type = "
         "'purchase' THEN 1 "
         "ELSE 0 END) AS DOUBLE) / NULLIF(SUM(CASE WHEN event_type = 'page_view' THEN 1 ELSE 0 END), 0) AS "
         "conversion_rate FROM events WHERE product_id IS NOT NULL GROUP BY product_id ORDER BY "
         "conversion_rate DESC",
         "views, purchases, conversion_rate"},
        {"SELECT year, month, day, hour, SUM(price * quantity) AS revenue, COUNT(*) AS purchases FROM events "
         "WHERE "
         "event_type = 'purchase' GROUP BY year, month, day, hour ORDER BY year, month, day, hour",
         "revenue, purchases"},
        {"SELECT date_trunc('hour', \"timestamp\") AS hour_start, SUM(price * quantity) AS revenue, COUNT(*) "
         "AS "
         "purchases FROM events WHERE event_type = 'purchase' GROUP BY 1 ORDER BY 1",
         "revenue, purchases"},
        {"SELECT product_id, COUNT(*) AS views FROM events WHERE event_type = 'page_view' GROUP BY "
         "product_id ORDER BY "
         "views DESC LIMIT 10",
         "views"},
        {"SELECT year, month, day, category, event_type, COUNT(*) AS events FROM events WHERE category IS "
         "NOT NULL "
         "GROUP BY year, month, day, category, event_type ORDER BY year, month, day, category, event_type",
         "events"},
        {"SELECT year, month, day, COUNT(DISTINCT user_id) AS unique_users, COUNT(DISTINCT session_id) AS "
         "unique_sessions, COUNT(*) AS events FROM events GROUP BY year, month, day ORDER BY year, month, "
         "day",
         "unique_users, unique_sessions, events"},
    };
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        exec_result *r = run(qs[k].sql);
        double ours[16];
        size_t n;
        summarize(r, ours, &n);
        exec_result_free(r);
        /* DuckDB: the same query over the same files; "n sum1 sum2 ..." */
        char sums[512] = "CAST(COUNT(*) AS VARCHAR)";
        char cols[256];
        snprintf(cols, sizeof cols, "%s", qs[k].numeric);
        for (char *tok = strtok(cols, ", "); tok; tok = strtok(NULL, ", ")) {
            size_t l = strlen(sums);
            snprintf(sums + l, sizeof sums - l, " || ' ' || CAST(CAST(SUM(%s) AS DOUBLE) AS VARCHAR)", tok);
        }
        ev_buf out;
        ev_buf_init(&out, NULL);
        int rc =
            tu_run_sh(&out, NULL,
                      "cd build/duckdb && node duckdb-run.mjs \"CREATE VIEW events AS SELECT * FROM "
                      "read_parquet('%s/analytics/events/*/*/*/*/*.parquet', hive_partitioning = true)\" "
                      "\"SELECT %s FROM (%s) t\" | tail -1",
                      g_home, sums, qs[k].sql);
        assert_int_equal(rc, 0);
        const char *p = strstr(out.len ? (char *)out.data : "", "[[\"");
        if (!p) fail_msg("DuckDB: %s", out.len ? (char *)out.data : "(nothing)");
        p += 3;
        for (size_t j = 0; j < n; j++) {
            char *end;
            double want = strtod(p, &end);
            if (end == p) fail_msg("DuckDB output: %s", (char *)out.data);
            if (fabs(ours[j] - want) > 1e-9 * fmax(1, fabs(want)))
                fail_msg("question %zu, value %zu: ours %.17g, DuckDB %.17g\n%s", k, j, ours[j], want,
                         qs[k].sql);
            p = end;
        }
        ev_buf_free(&out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),         cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_pruning_and_metadata), cmocka_unit_test(test_distinct_and_late_columns),
        cmocka_unit_test(test_merged_subqueries),    cmocka_unit_test(test_top_n),
        cmocka_unit_test(test_session_files),        cmocka_unit_test(test_json_tables),
        cmocka_unit_test(test_prompt_line_editing),  cmocka_unit_test(test_five_questions_match_duckdb),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
