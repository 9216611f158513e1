/*
 * exec: the SQL engine behind `evlake sql`: binds parsed statements (src/sql) against the catalog
 * and runs them over the lake's Parquet files, vectorized and on every core.
 *
 * A session holds the catalog connection, the current database and the limits (threads, memory
 * budget, workgroup bytes-scanned limit). exec_run executes one statement and returns its result
 * table with the figures Athena reports: runtime, bytes scanned, partitions and row groups skipped.
 * Besides queries and catalog statements it writes tables: CREATE TABLE AS and INSERT INTO write
 * Parquet files under Hive partition folders and register them in one catalog transaction.
 * exec_run_logged also keeps the query history and result files `evlake sql` leaves, as Athena's
 * workgroups do.
 */
#ifndef EV_EXEC_H
#define EV_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ev_alloc.h"
#include "ev_status.h"
#include "sql.h"

typedef struct exec_session exec_session;

typedef struct exec_options {
    const char *home;        /* lake home (catalog at <home>/catalog.db, data under it) */
    const char *database;    /* NULL: "analytics" */
    int threads;             /* 0: the number of cores */
    size_t memory_limit;     /* bytes a query may hold; 0: 4 GiB */
    uint64_t scan_limit;     /* workgroup bytes-scanned limit per query; 0: none */
    const char *workgroup;   /* named in the history and the scan limit's message; NULL: "primary" */
    const char *results;     /* where exec_run_logged saves query results: a folder relative to the
                                home, or absolute; NULL: "results" */
    const char *crash_point; /* tests only: SIGKILL at this point of a write (see exec_write.h) */
} exec_options;

ev_status exec_session_open(const exec_options *opts, exec_session **out, ev_error *err) EV_WUR;
void exec_session_close(exec_session *s); /* accepts NULL */
const char *exec_session_database(const exec_session *s);

/* What a statement did. */
typedef struct exec_stats {
    int64_t runtime_usec;
    uint64_t bytes_scanned;
    uint64_t rows_scanned;
    uint64_t files_read;
    uint64_t partitions_total, partitions_pruned;
    uint64_t row_groups_total, row_groups_skipped;
    bool from_metadata;                   /* answered from catalog statistics without reading data */
    uint64_t rows_written, files_written; /* CREATE TABLE AS, INSERT INTO */
} exec_stats;

/* A result: a table of rows (possibly empty for DDL), or a message. */
typedef struct exec_result exec_result;

ev_status exec_run(exec_session *s, const sql_stmt *stmt, exec_result **out, ev_error *err) EV_WUR;
void exec_result_free(exec_result *r); /* accepts NULL */

/* Runs a statement as exec_run does and records it, as Athena records query executions, in the
 * catalog's query history under a new query id (a UUID): its text (text[0..len)), the database,
 * statement type, status (SUCCEEDED; FAILED; CANCELLED when the scan limit stopped it), error,
 * start and end times, run time, bytes scanned and rows (returned, or written by CREATE TABLE AS
 * and INSERT). A query's rows are also saved as Athena saves them: <results>/<query id>.csv, every
 * value in double quotes, NULL as an empty field. On failure the history row is still written
 * and the statement's error returned. */
ev_status exec_run_logged(exec_session *s, const sql_stmt *stmt, const char *text, size_t len,
                          exec_result **out, ev_error *err) EV_WUR;
/* Records a script that could not be parsed as one FAILED statement with `failure`'s message. */
ev_status exec_log_failure(exec_session *s, const char *text, size_t len, const ev_error *failure,
                           ev_error *err) EV_WUR;
/* The query id of a result of exec_run_logged ("" otherwise), and the file its rows were saved
 * to, relative to the home or absolute ("" when none). Valid as long as the result. */
const char *exec_result_query_id(const exec_result *r);
const char *exec_result_output(const exec_result *r);

size_t exec_result_columns(const exec_result *r);
const char *exec_result_column_name(const exec_result *r, size_t col);
sql_type exec_result_column_type(const exec_result *r, size_t col);
size_t exec_result_rows(const exec_result *r);
/* The cell as text (Athena's rendering: timestamps "2025-11-20 08:00:00.000", doubles shortest
 * round-trip); *is_null set for NULL. The text stays valid until the next call. */
const char *exec_result_cell(exec_result *r, size_t row, size_t col, bool *is_null);
/* A cell's numeric value (for tests): integers, doubles; false if NULL or not numeric. */
bool exec_result_number(const exec_result *r, size_t row, size_t col, double *out);
const char *exec_result_message(const exec_result *r); /* "" for queries */
const exec_stats *exec_result_stats(const exec_result *r);

typedef enum exec_format { EXEC_FMT_TABLE, EXEC_FMT_CSV, EXEC_FMT_JSON } exec_format;
ev_status exec_format_parse(const char *s, exec_format *out) EV_WUR;
/* Writes the rows: an aligned table, CSV with a header, or JSON lines. */
ev_status exec_result_write(exec_result *r, exec_format fmt, FILE *out, ev_error *err) EV_WUR;

#endif
