/*
 * test_sql_ddl.c: the SQL statements that change the lake, driven through the real CLI on a
 * generated lake: CREATE TABLE AS and INSERT INTO (rows and sums read back through SQL, files on
 * disk and in the catalog, DuckDB reading the same files), CREATE/DROP DATABASE, DROP TABLE,
 * ALTER TABLE ADD PARTITION, errors with line:column, the query history and result files, the
 * workgroup's scan limit, and SIGKILL at each step of a write.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_fs.h"
#include "test_util.h"

static char g_dir[256];
static char g_home[300];

static int setup(void **state) {
    (void)state;
    tu_mkdtemp(g_dir, "sqlddl");
    snprintf(g_home, sizeof g_home, "%s/lake", g_dir);
    return tu_run_sh(NULL, NULL,
                     "$EVLAKE init --home %s >/dev/null && $EVLAKE gen --home %s --objects 3 --events 4000 "
                     "--seed 7 "
                     "--start 2025-11-20T00:55:00Z >/dev/null && $EVLAKE etl run --home %s >/dev/null",
                     g_home, g_home, g_home) != 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(g_dir);
    return 0;
}

/* Runs one script through `evlake sql -f` (no shell quoting to get wrong) with extra options;
 * returns the exit status with stdout and stderr in the buffers (NUL-terminated). */
static int sql_opts(ev_buf *out, ev_buf *err, const char *opts, const char *fmt, ...) {
    char path[400];
    snprintf(path, sizeof path, "%s/q.sql", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
    if (out) ev_buf_reset(out);
    if (err) ev_buf_reset(err);
    int rc = tu_run_sh(out, err, "$EVLAKE sql --home %s %s -f %s", g_home, opts, path);
    if (out && !out->len) assert_int_equal(ev_buf_append(out, "", 1), EV_OK), out->len = 0;
    if (err && !err->len) assert_int_equal(ev_buf_append(err, "", 1), EV_OK), err->len = 0;
    return rc;
}

/* A statement that must succeed; its stdout (owned by a static buffer until the next call). */
static const char *ok(const char *sql) {
    static ev_buf out, err;
    int rc = sql_opts(&out, &err, "--quiet", "%s", sql);
    if (rc != 0) fail_msg("exit %d for %s\n%s", rc, sql, (char *)err.data);
    return (const char *)out.data;
}

/* The first cell of a query's CSV output, as a number. */
static double value(const char *query) {
    static ev_buf out, err;
    int rc = sql_opts(&out, &err, "--quiet --format csv", "%s", query);
    if (rc != 0) fail_msg("exit %d for %s\n%s", rc, query, (char *)err.data);
    const char *nl = strchr((char *)out.data, '\n');
    if (!nl) fail_msg("no rows for %s: %s", query, (char *)out.data);
    return strtod(nl + 1, NULL);
}

/* A statement that must fail with exit status `code` and exactly this message. */
static void fails(const char *sql, int code, const char *msg) {
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    int rc = sql_opts(&out, &err, "--quiet", "%s", sql);
    char want[2048];
    snprintf(want, sizeof want, "evlake sql: %s\n", msg);
    if (rc != code || strcmp((char *)err.data, want))
        fail_msg("%s\n  exit %d, want %d\n  got:  %s  want: %s", sql, rc, code, (char *)err.data, want);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static int64_t files_on_disk(const char *sub) {
    return tu_sh_int("find %s/%s -type f -name '*.parquet' | wc -l", g_home, sub);
}

static void test_ctas_partitioned(void **state) {
    (void)state;
    const char *msg = ok("CREATE TABLE gold_views WITH (format = 'PARQUET', write_compression = 'ZSTD',\n"
                         "  partitioned_by = ARRAY['hour']) AS\n"
                         "SELECT product_id, COUNT(*) AS views, hour FROM events\n"
                         "WHERE event_type = 'page_view' GROUP BY product_id, hour");
    double groups =
        value("SELECT COUNT(*) FROM (SELECT product_id, hour FROM events WHERE event_type = 'page_view' "
              "GROUP BY product_id, hour) t");
    double views = value("SELECT COUNT(*) FROM events WHERE event_type = 'page_view'");
    assert_true(groups > 10 && views > 1000);
    char want[256];
    snprintf(want, sizeof want, "CREATE TABLE: %.0f rows in 2 files under analytics/gold_views\n", groups);
    assert_string_equal(msg, want);
    /* read back through SQL: the same rows and sums, partitions pruned on the new table */
    assert_true(value("SELECT COUNT(*) FROM gold_views") == groups);
    assert_true(value("SELECT SUM(views) FROM gold_views") == views);
    assert_true(value("SELECT SUM(views) FROM gold_views WHERE hour = '01'") ==
                value("SELECT COUNT(*) FROM events WHERE event_type = 'page_view' AND hour = '01'"));
    assert_string_equal(ok("DESCRIBE gold_views"), "   column   |  type  |     extra    \n"
                                                   "------------+--------+---------------\n"
                                                   " product_id | string |              \n"
                                                   " views      | bigint |              \n"
                                                   " hour       | string | partition key\n"
                                                   "(3 rows)\n");
    /* on disk: one file per Hive folder; in the catalog: the same files, rows and partitions */
    assert_int_equal(files_on_disk("analytics/gold_views/hour=00"), 1);
    assert_int_equal(files_on_disk("analytics/gold_views/hour=01"), 1);
    const char *t = "(SELECT id FROM tables WHERE name = 'gold_views')";
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*) FROM files WHERE table_id = %s", t);
    assert_int_equal(tu_catalog_int(g_home, q), 2);
    snprintf(q, sizeof q, "SELECT sum(row_count) FROM files WHERE table_id = %s", t);
    assert_int_equal(tu_catalog_int(g_home, q), (int64_t)groups);
    snprintf(q, sizeof q,
             "SELECT group_concat(spec, ',') FROM (SELECT spec FROM partitions WHERE table_id = %s "
             "ORDER BY spec)",
             t);
    char specs[256];
    tu_catalog_text(g_home, q, specs, sizeof specs);
    assert_string_equal(specs, "hour=00,hour=01");
    tu_catalog_text(g_home, "SELECT managed_by FROM tables WHERE name = 'gold_views'", specs, sizeof specs);
    assert_string_equal(specs, "sql:analytics.gold_views");
    /* DuckDB reads the files with the same rows, and sees zstd */
    tu_duckdb_setup();
    ev_buf out;
    ev_buf_init(&out, NULL);
    snprintf(q, sizeof q,
             "SELECT count(*), sum(views), count(DISTINCT hour) FROM read_parquet('%s/analytics/"
             "gold_views/*/*.parquet', hive_partitioning = true)",
             g_home);
    tu_duckdb(&out, q);
    snprintf(want, sizeof want, "{\"rows\":[[\"%.0f\",\"%.0f\",\"2\"]]}\n", groups, views);
    assert_string_equal((char *)out.data, want);
    snprintf(q, sizeof q,
             "SELECT DISTINCT compression FROM parquet_metadata('%s/analytics/gold_views/*/*.parquet')",
             g_home);
    tu_duckdb(&out, q);
    assert_string_equal((char *)out.data, "{\"rows\":[[\"ZSTD\"]]}\n");
    ev_buf_free(&out);
}

static void test_insert(void **state) {
    (void)state;
    ok("CREATE TABLE daily WITH (partitioned_by = ARRAY['day']) AS\n"
       "SELECT event_type, COUNT(*) AS n, SUM(price * quantity) AS revenue, day FROM events GROUP BY "
       "event_type, day");
    double before = value("SELECT SUM(n) FROM daily");
    assert_true(before == 12000);
    assert_string_equal(
        ok("INSERT INTO daily SELECT event_type, COUNT(*), SUM(price * quantity), '21' FROM events "
           "WHERE hour = '01' GROUP BY event_type"),
        "INSERT: 5 rows in 1 file under analytics/daily\n");
    assert_true(value("SELECT SUM(n) FROM daily") ==
                before + value("SELECT COUNT(*) FROM events WHERE hour = '01'"));
    assert_true(value("SELECT SUM(n) FROM daily WHERE day = '21'") ==
                value("SELECT COUNT(*) FROM events WHERE hour = '01'"));
    /* VALUES, a column list (the rest NULL), integers widened to bigint, NULL partition values */
    assert_string_equal(ok("INSERT INTO daily (day, event_type, n) VALUES ('22', 'x', 7), (NULL, 'y', 8)"),
                        "INSERT: 2 rows in 2 files under analytics/daily\n");
    assert_true(value("SELECT SUM(n) FROM daily WHERE day = '22'") == 7);
    assert_true(value("SELECT SUM(n) FROM daily WHERE day IS NULL") == 8);
    assert_true(value("SELECT COUNT(*) FROM daily WHERE revenue IS NULL AND event_type IN ('x', 'y')") == 2);
    assert_int_equal(files_on_disk("analytics/daily/day=__HIVE_DEFAULT_PARTITION__"), 1);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM partitions WHERE table_id = "
                                            "(SELECT id FROM tables WHERE name = 'daily')"),
                     4);
    fails("INSERT INTO daily SELECT 'a', 'b'", 1,
          "line 1:19: Insert query has mismatched column types: Table: [varchar, bigint, double, varchar], "
          "Query: "
          "[varchar, varchar]");
    fails("INSERT INTO daily (n, nope) VALUES (1, 2)", 1,
          "line 1:23: Insert column name does not exist in target table: nope");
    fails("INSERT INTO events SELECT * FROM events", 1,
          "line 1:1: INSERT INTO analytics.events is not supported: job events_etl writes it; write tables "
          "made by "
          "CREATE TABLE AS");
}

static void test_types_roundtrip(void **state) {
    (void)state;
    ok("CREATE TABLE typed AS SELECT * FROM (\n"
       "  SELECT CAST(1 AS BIGINT) AS b, 2 AS i, 2.5 AS d, true AS f, DATE '2025-11-20' AS dt,\n"
       "         TIMESTAMP '2025-11-20 08:00:00.123456' AS ts, 'héllo, \"x\"' AS s\n"
       "  UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL) t");
    assert_string_equal(ok("SELECT * FROM typed ORDER BY b"),
                        "  b   |  i   |  d   |  f   |     dt     |           ts            |     s     \n"
                        "------+------+------+------+------------+-------------------------+------------\n"
                        "    1 |    2 |  2.5 | true | 2025-11-20 | 2025-11-20 08:00:00.123 | héllo, \"x\"\n"
                        " NULL | NULL | NULL | NULL | NULL       | NULL                    | NULL      \n"
                        "(2 rows)\n");
    assert_string_equal(ok("DESCRIBE typed"), " column |   type    | extra\n"
                                              "--------+-----------+-------\n"
                                              " b      | bigint    |      \n"
                                              " i      | int       |      \n"
                                              " d      | double    |      \n"
                                              " f      | boolean   |      \n"
                                              " dt     | date      |      \n"
                                              " ts     | timestamp |      \n"
                                              " s      | string    |      \n"
                                              "(7 rows)\n");
    tu_duckdb_setup();
    ev_buf out;
    ev_buf_init(&out, NULL);
    char q[512];
    snprintf(q, sizeof q,
             "SELECT string_agg(column_type, ',') FROM (DESCRIBE SELECT * FROM read_parquet('%s/"
             "analytics/typed/*.parquet'))",
             g_home);
    tu_duckdb(&out, q);
    assert_string_equal((char *)out.data,
                        "{\"rows\":[[\"BIGINT,INTEGER,DOUBLE,BOOLEAN,DATE,TIMESTAMP,VARCHAR\"]]}\n");
    snprintf(q, sizeof q,
             "SELECT b, i, d, f, CAST(dt AS VARCHAR), CAST(ts AS VARCHAR), s FROM read_parquet('%s/"
             "analytics/typed/*.parquet') WHERE b IS NOT NULL",
             g_home);
    tu_duckdb(&out, q);
    assert_string_equal((char *)out.data, "{\"rows\":[[\"1\",2,2.5,true,\"2025-11-20\",\"2025-11-20 "
                                          "08:00:00.123456\",\"héllo, \\\"x\\\"\"]]}\n");
    ev_buf_free(&out);
}

static void test_ctas_errors(void **state) {
    (void)state;
    fails("CREATE TABLE e1 WITH (formt = 'PARQUET') AS SELECT 1 AS a", 1,
          "line 1:23: Catalog 'awsdatacatalog' table property 'formt' does not exist");
    fails("CREATE TABLE e1 WITH (format = 'ORC') AS SELECT 1 AS a", 1,
          "line 1:23: format 'ORC' is not supported: evlake writes PARQUET");
    fails("CREATE TABLE e1 WITH (format = PARQUET) AS SELECT 1 AS a", 1,
          "line 1:32: mismatched input 'parquet'. Expecting: <string>, <number>, ARRAY");
    fails(
        "CREATE TABLE e1\n  WITH (partitioned_by = ARRAY['hour'])\nAS SELECT hour, COUNT(*) AS n FROM events "
        "GROUP BY hour",
        1,
        "line 2:9: HIVE_COLUMN_ORDER_MISMATCH: Partition keys must be the last columns in the table and in "
        "the "
        "same order as the table properties: [hour]");
    fails("CREATE TABLE e1 WITH (partitioned_by = ARRAY['nope']) AS SELECT 1 AS a, 2 AS b", 1,
          "line 1:23: Partition columns [nope] not present in schema");
    fails("CREATE TABLE e1 AS SELECT event_type, COUNT(*) FROM events GROUP BY 1", 1,
          "line 1:39: Column name not specified at position 2");
    fails("CREATE TABLE e1 AS SELECT NULL AS x", 1, "line 1:27: Column type is unknown: x");
    fails("CREATE TABLE e1 AS SELECT 1 AS a, 2 AS a", 1,
          "line 1:35: Column name 'a' specified more than once");
    fails("CREATE TABLE nodb.e1 AS SELECT 1 AS a", 1, "line 1:1: Database 'nodb' does not exist");
    fails("CREATE TABLE events AS SELECT 1 AS a", 1, "line 1:1: Table 'analytics.events' already exists");
    assert_string_equal(ok("CREATE TABLE IF NOT EXISTS events AS SELECT 1 AS a"),
                        "CREATE TABLE: 0 rows (the table exists)\n");
    /* a location holding files is refused, as Athena refuses it */
    tu_run_sh(NULL, NULL, "mkdir -p %s/landing/old && touch %s/landing/old/x.parquet", g_home, g_home);
    char sql[256], msg[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE e1 WITH (external_location = 's3://landing/old/') AS SELECT 1 AS a");
    snprintf(msg, sizeof msg,
             "line 1:1: HIVE_PATH_ALREADY_EXISTS: Target directory for table 'analytics.e1' already exists: "
             "%s/landing/old. Remove its files or choose another external_location",
             g_home);
    fails(sql, 1, msg);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM tables WHERE name = 'e1'"), 0);
}

static void test_databases_and_drop(void **state) {
    (void)state;
    assert_string_equal(ok("CREATE DATABASE gold COMMENT 'answers'"), "CREATE DATABASE\n");
    fails("CREATE DATABASE gold", 1, "line 1:1: Database 'gold' already exists");
    assert_string_equal(ok("CREATE SCHEMA IF NOT EXISTS gold"), "CREATE DATABASE (it exists)\n");
    ok("CREATE TABLE gold.by_type AS SELECT event_type, COUNT(*) AS n FROM events GROUP BY event_type");
    char ext[512];
    snprintf(ext, sizeof ext,
             "CREATE TABLE gold.kept WITH (external_location = '%s/exports/kept') AS SELECT 1 AS a", g_dir);
    ok(ext);
    assert_true(value("SELECT SUM(n) FROM gold.by_type") == 12000);
    fails("DROP DATABASE gold", 1,
          "line 1:1: Database gold is not empty. One or more tables exist. (DROP DATABASE gold CASCADE drops "
          "them)");
    fails("DROP DATABASE nodb", 1, "line 1:1: Database 'nodb' does not exist");
    assert_string_equal(ok("DROP DATABASE IF EXISTS nodb"), "DROP DATABASE (no such database)\n");
    /* DROP TABLE: the lake's own files go, an external_location's stay */
    assert_int_equal(files_on_disk("gold/by_type"), 1);
    assert_string_equal(ok("DROP TABLE gold.by_type"), "DROP TABLE: 1 file deleted under gold/by_type\n");
    assert_int_equal(tu_sh_int("test -e %s/gold/by_type && echo 1 || echo 0", g_home), 0);
    assert_string_equal(ok("DROP DATABASE gold CASCADE"), "DROP DATABASE\n");
    assert_int_equal(tu_sh_int("find %s/exports/kept -name '*.parquet' | wc -l", g_dir), 1);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM tables WHERE db = 'gold'"), 0);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM databases WHERE name = 'gold'"), 0);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM file_deletions"), 0);
    fails("DROP TABLE nosuch", 1, "line 1:1: Table 'analytics.nosuch' does not exist");
    assert_string_equal(ok("DROP TABLE IF EXISTS nosuch"), "DROP TABLE (no such table)\n");
    char msg[512];
    snprintf(msg, sizeof msg,
             "line 1:1: Cannot drop table analytics.events: job events_etl writes it and still holds %lld "
             "files (its "
             "bookmarks would skip that data on its next run); run `evlake etl reset` first",
             (long long)tu_catalog_int(g_home,
                                       "SELECT count(*) FROM files WHERE table_id = (SELECT id FROM tables "
                                       "WHERE name = 'events')"));
    fails("DROP TABLE events", 1, msg);
    fails("DROP VIEW v", 1, "line 1:6: mismatched input 'view'. Expecting: TABLE, DATABASE, SCHEMA");
    /* a name taken again after a drop starts empty */
    ok("CREATE TABLE again AS SELECT 1 AS a");
    ok("DROP TABLE again");
    ok("CREATE TABLE again AS SELECT 2 AS a");
    assert_true(value("SELECT SUM(a) FROM again") == 2);
}

static void test_add_partition(void **state) {
    (void)state;
    /* files written by another tool, in Hive folders the catalog does not know yet */
    ok("CREATE TABLE src1 WITH (external_location = 'landing/clicks/dt=2025-11-20') AS SELECT 1 AS a, 'u' AS "
       "b");
    ok("CREATE TABLE src2 WITH (external_location = 'landing/elsewhere/d21') AS SELECT 2 AS a, 'v' AS b");
    ok("CREATE EXTERNAL TABLE clicks (a int, b string) PARTITIONED BY (dt string) STORED AS PARQUET\n"
       "LOCATION 's3://landing/clicks/'");
    assert_true(value("SELECT COUNT(*) FROM clicks") == 0);
    assert_string_equal(ok("ALTER TABLE clicks ADD\n"
                           "  PARTITION (dt = '2025-11-20')\n"
                           "  PARTITION (dt = '2025-11-21') LOCATION 's3://landing/elsewhere/d21/'"),
                        "ALTER TABLE ADD PARTITION: 2 partitions added\n");
    assert_string_equal(ok("SELECT dt, SUM(a) AS a FROM clicks GROUP BY dt ORDER BY dt"),
                        "     dt     | a\n------------+---\n 2025-11-20 | 1\n 2025-11-21 | 2\n(2 rows)\n");
    char loc[512];
    tu_catalog_text(g_home, "SELECT location FROM partitions WHERE spec = 'dt=2025-11-21'", loc, sizeof loc);
    assert_string_equal(loc, "landing/elsewhere/d21");
    fails("ALTER TABLE clicks ADD PARTITION (dt = '2025-11-20')", 1,
          "line 1:24: Partition already exists: dt=2025-11-20");
    assert_string_equal(ok("ALTER TABLE clicks ADD IF NOT EXISTS PARTITION (dt = '2025-11-20')"),
                        "ALTER TABLE ADD PARTITION: 0 partitions added\n");
    fails("ALTER TABLE clicks ADD PARTITION (day = '1')", 1,
          "line 1:35: Partition key 'day' is not a partition column of analytics.clicks");
    fails("ALTER TABLE clicks ADD\nPARTITION ()", 1,
          "line 2:12: mismatched input ')'. Expecting: <identifier>");
    fails("ALTER TABLE clicks ADD COLUMN x int", 1,
          "line 1:24: mismatched input 'column'. Expecting: PARTITION");
    fails("ALTER TABLE events ADD PARTITION (year = '2030', month = '01', day = '01', hour = '00')", 1,
          "line 1:1: ALTER TABLE ADD PARTITION is for tables read from their folders: analytics.events lists "
          "its "
          "files in the catalog (written by events_etl), which adds their partitions");
    /* DROP TABLE of an external table keeps its files */
    assert_string_equal(ok("DROP TABLE clicks"), "DROP TABLE\n");
    assert_int_equal(files_on_disk("landing/clicks"), 1);
}

/* The last `n` history rows as JSON lines. */
static void history(ev_buf *out, int n) {
    ev_buf_reset(out);
    assert_int_equal(tu_run_sh(out, NULL, "$EVLAKE sql --home %s --history %d --format json", g_home, n), 0);
    assert_int_equal(ev_buf_append(out, "", 1), EV_OK);
}

static void test_history_and_results(void **state) {
    (void)state;
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    assert_int_equal(
        sql_opts(&out, NULL, "--quiet",
                 "SELECT event_type, COUNT(*) AS n, NULL AS nothing, 'say \"hi\", twice' AS s\n"
                 "FROM events WHERE event_type IN ('purchase', 'add_to_cart') GROUP BY 1 ORDER BY 1"),
        0);
    history(&err, 1);
    const char *h = (char *)err.data;
    char id[40] = "";
    const char *p = strstr(h, "{\"query_id\": \"");
    assert_non_null(p);
    memcpy(id, p + 14, 36);
    assert_non_null(
        strstr(h, "\"status\": \"SUCCEEDED\", \"statement_type\": \"DML\", \"workgroup\": \"primary\", "
                  "\"database\": \"analytics\""));
    assert_non_null(strstr(h, "\"rows\": 2, "));
    assert_null(strstr(h, "\"bytes_scanned\": 0,"));
    char want[512];
    snprintf(want, sizeof want, "\"result\": \"results/%s.csv\", \"error\": null", id);
    assert_non_null(strstr(h, want));
    /* the result file, as Athena writes it */
    double purchases = value("SELECT COUNT(*) FROM events WHERE event_type = 'purchase'");
    double carts = value("SELECT COUNT(*) FROM events WHERE event_type = 'add_to_cart'");
    char path[600];
    snprintf(path, sizeof path, "%s/results/%s.csv", g_home, id);
    ev_buf csv;
    ev_buf_init(&csv, NULL);
    ev_error e = {0};
    assert_int_equal(ev_read_file(path, &csv, &e), EV_OK);
    assert_int_equal(ev_buf_append(&csv, "", 1), EV_OK);
    snprintf(want, sizeof want,
             "\"event_type\",\"n\",\"nothing\",\"s\"\n\"add_to_cart\",\"%.0f\",,\"say \"\"hi\"\", twice\"\n"
             "\"purchase\",\"%.0f\",,\"say \"\"hi\"\", twice\"\n",
             carts, purchases);
    assert_string_equal((char *)csv.data, want);
    /* a failed statement, a parse error and DDL are recorded too; only queries leave result files */
    assert_int_equal(sql_opts(NULL, NULL, "--quiet", "SELECT nope FROM events"), 1);
    history(&out, 1);
    assert_non_null(strstr((char *)out.data, "\"status\": \"FAILED\""));
    assert_non_null(strstr((char *)out.data, "\"error\": \"line 1:8: Column 'nope' cannot be resolved\""));
    assert_non_null(strstr((char *)out.data, "\"result\": null"));
    assert_int_equal(sql_opts(NULL, NULL, "--quiet", "SELEC 1"), 1);
    history(&out, 1);
    assert_non_null(strstr((char *)out.data, "\"status\": \"FAILED\""));
    assert_non_null(strstr((char *)out.data, "\"sql\": \"SELEC 1\""));
    int64_t before = tu_sh_int("ls %s/results | wc -l", g_home);
    assert_int_equal(sql_opts(NULL, NULL, "--quiet", "CREATE DATABASE hist; DROP DATABASE hist"), 0);
    history(&out, 2);
    assert_non_null(strstr((char *)out.data, "\"statement_type\": \"DDL\""));
    assert_non_null(strstr((char *)out.data, "\"sql\": \"CREATE DATABASE hist\""));
    assert_non_null(strstr((char *)out.data, "\"sql\": \"DROP DATABASE hist\""));
    assert_int_equal(tu_sh_int("ls %s/results | wc -l", g_home), before);
    /* CREATE TABLE AS records the rows it wrote */
    ok("CREATE TABLE hist_rows AS SELECT DISTINCT event_type FROM events");
    history(&out, 1);
    assert_non_null(strstr((char *)out.data, "\"rows\": 5, "));
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM query_history WHERE query_id IS NULL"), 0);
    /* the table listing */
    ev_buf_reset(&out);
    assert_int_equal(tu_run_sh(&out, NULL, "$EVLAKE sql --home %s --history 2 | head -1 | tr -s ' '", g_home),
                     0);
    assert_int_equal(ev_buf_append(&out, "", 1), EV_OK);
    assert_string_equal((char *)out.data, "query id status started seconds scanned MB rows statement\n");
    ev_buf_free(&csv);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

static void test_scan_limit(void **state) {
    (void)state;
    const char *q = "SELECT COUNT(DISTINCT user_id) FROM events";
    double users = value(q);
    ev_buf out, err;
    ev_buf_init(&out, NULL);
    ev_buf_init(&err, NULL);
    history(&out, 1);
    const char *b = strstr((char *)out.data, "\"bytes_scanned\": ");
    assert_non_null(b);
    long long full = atoll(b + 17);
    assert_true(full > 10000);
    /* the pipeline file's workgroup limit */
    assert_int_equal(tu_run_sh(NULL, NULL,
                               "sed -i 's/bytes_scanned_limit: 10GB/bytes_scanned_limit: 1KB/' "
                               "%s/pipeline.yml",
                               g_home),
                     0);
    assert_int_equal(sql_opts(&out, &err, "--threads 1", "%s", q), 1);
    /* one worker: cancelled as the first file's bytes take it over, before reading the second */
    long long at = 0;
    if (sscanf((char *)err.data,
               "evlake sql: Query cancelled: Bytes scanned limit was exceeded (workgroup primary: limit 1024 "
               "bytes "
               "per query, %lld bytes scanned)\n",
               &at) != 1)
        fail_msg("%s", (char *)err.data);
    assert_true(at > 1024 && at < full);
    assert_string_equal((char *)out.data, "");
    history(&out, 1);
    assert_non_null(strstr((char *)out.data, "\"status\": \"CANCELLED\""));
    /* the command line overrides it; 0 is no limit */
    assert_int_equal(sql_opts(&out, &err, "--quiet --format csv --scan-limit 0", "%s", q), 0);
    assert_true(strtod(strchr((char *)out.data, '\n') + 1, NULL) == users);
    assert_int_equal(sql_opts(&out, &err, "--quiet --scan-limit 10MB", "%s", q), 0);
    assert_int_equal(sql_opts(&out, &err, "--scan-limit 1000", "%s", q), 1);
    assert_non_null(strstr((char *)err.data, "(workgroup primary: limit 1000 bytes per query, "));
    assert_int_equal(sql_opts(&out, &err, "--scan-limit lots", "%s", q), 1);
    assert_string_equal((char *)err.data,
                        "evlake sql: --scan-limit takes bytes (e.g. 1048576, 500MB, 10GB), not "
                        "'lots' (see evlake sql --help)\n");
    /* a CREATE TABLE AS over the limit writes nothing */
    assert_int_equal(sql_opts(&out, &err, "", "CREATE TABLE too_big AS SELECT user_id FROM events"), 1);
    assert_non_null(strstr((char *)err.data, "Bytes scanned limit was exceeded"));
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM tables WHERE name = 'too_big'"), 0);
    assert_int_equal(tu_sh_int("test -e %s/analytics/too_big && echo 1 || echo 0", g_home), 0);
    /* metadata answers scan nothing, so they pass */
    assert_int_equal(sql_opts(&out, &err, "--quiet --format csv", "SELECT COUNT(*) FROM events"), 0);
    assert_string_equal((char *)out.data, "_col0\n12000\n");
    assert_int_equal(tu_run_sh(NULL, NULL,
                               "sed -i 's/bytes_scanned_limit: 1KB/bytes_scanned_limit: 10GB/' "
                               "%s/pipeline.yml",
                               g_home),
                     0);
    ev_buf_free(&out);
    ev_buf_free(&err);
}

/* Runs a statement that is killed at `point`; returns its exit status. */
static int crash_at(const char *point, const char *sql) {
    setenv("EVLAKE_CRASH_POINT", point, 1);
    int rc = sql_opts(NULL, NULL, "--quiet", "%s", sql);
    unsetenv("EVLAKE_CRASH_POINT");
    return rc;
}

static void test_crash_safety(void **state) {
    (void)state;
    const char *ctas = "CREATE TABLE crashy WITH (partitioned_by = ARRAY['hour']) AS "
                       "SELECT event_type, COUNT(*) AS n, hour FROM events GROUP BY event_type, hour";
    /* killed with every file in place but before the commit: no table, files nobody reads */
    assert_int_equal(crash_at("sql_written", ctas), 128 + 9);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM tables WHERE name = 'crashy'"), 0);
    assert_int_equal(files_on_disk("analytics/crashy"), 2);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM file_deletions WHERE table_id = 0"), 4);
    /* the next statement on the location deletes them and writes its own */
    ok(ctas);
    assert_int_equal(files_on_disk("analytics/crashy"), 2);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM file_deletions"), 0);
    assert_true(value("SELECT SUM(n) FROM crashy") == 12000);
    /* INSERT killed inside its commit: nothing visible; the next INSERT cleans up */
    const char *ins = "INSERT INTO crashy SELECT 'late', 1, '05'";
    assert_int_equal(crash_at("sql_in_commit", ins), 128 + 9);
    assert_true(value("SELECT SUM(n) FROM crashy") == 12000);
    assert_int_equal(files_on_disk("analytics/crashy/hour=05"), 1);
    ok("INSERT INTO crashy SELECT 'late', 2, '06'");
    assert_int_equal(
        tu_sh_int("test -e %s/analytics/crashy/hour=05/ && find %s/analytics/crashy/hour=05 -type f | "
                  "wc -l || echo 0",
                  g_home, g_home),
        0);
    assert_true(value("SELECT SUM(n) FROM crashy") == 12002);
    /* killed right after the intents: nothing written yet, nothing left */
    assert_int_equal(crash_at("sql_intents", ins), 128 + 9);
    assert_true(value("SELECT SUM(n) FROM crashy") == 12002);
    /* DROP TABLE killed after its commit: the table is gone, its files are listed; a new table of
     * that name deletes them first */
    assert_int_equal(crash_at("sql_dropped", "DROP TABLE crashy"), 128 + 9);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM tables WHERE name = 'crashy'"), 0);
    assert_int_equal(files_on_disk("analytics/crashy"), 3);
    ok("CREATE TABLE crashy AS SELECT 1 AS a");
    assert_int_equal(files_on_disk("analytics/crashy"), 1);
    assert_true(value("SELECT SUM(a) FROM crashy") == 1);
    assert_int_equal(tu_catalog_int(g_home, "SELECT count(*) FROM file_deletions"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctas_partitioned),    cmocka_unit_test(test_insert),
        cmocka_unit_test(test_types_roundtrip),     cmocka_unit_test(test_ctas_errors),
        cmocka_unit_test(test_databases_and_drop),  cmocka_unit_test(test_add_partition),
        cmocka_unit_test(test_history_and_results), cmocka_unit_test(test_scan_limit),
        cmocka_unit_test(test_crash_safety),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
