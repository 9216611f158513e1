/*
 * exec_write.h: what the engine's writing statements share: CREATE TABLE AS and INSERT INTO
 * (exec_write.c), the catalog DDL of databases, DROP TABLE and ADD PARTITION (exec_ddl.c), the
 * query history, result files and the workgroup's scan limit (exec_history.c).
 */
#ifndef EV_EXEC_WRITE_H
#define EV_EXEC_WRITE_H

#include "exec_bind.h"

/* Table owners: a table SQL writes has managed_by "sql:<db>.<table>", which is also the name of
 * its lock (locks/<managed_by>.lock), the one `evlake compact` takes for it. */
#define EXEC_SQL_OWNER "sql:"

/* Crash points (tests kill the process there, with exec_options.crash_point):
 *   sql_intents       the pending deletions of the files to write are committed
 *   sql_written       every file is written and in place, the commit not begun
 *   sql_in_commit     the table and files are inserted, COMMIT not yet issued
 *   sql_dropped       DROP TABLE committed, the lake's files not deleted yet */
void exec_crash_point(exec_query *q, const char *point);

/* ---- exec_write.c ---- */
/* CREATE TABLE [IF NOT EXISTS] t WITH (...) AS query. Writes the rows, registers the table and its
 * files in one transaction; *msg (malloc'd) says what was done. */
ev_status exec_create_table_as(exec_query *q, const sql_stmt *s, char **msg) EV_WUR;
/* INSERT INTO t [(cols)] query | VALUES ..., into a table CREATE TABLE AS made. */
ev_status exec_insert(exec_query *q, const sql_stmt *s, char **msg) EV_WUR;
/* A location as written in SQL (absolute path, file://, s3://bucket/key, or relative to the home)
 * as a catalog location: relative to the home when inside it, without trailing '/'. In q->arena. */
ev_status exec_location_key(exec_query *q, const char *loc, const char **out) EV_WUR;
/* Deletes the files the catalog lists for deletion under `location` (of tables gone, or of a
 * CREATE TABLE AS that never committed; NULL: none) and, when table_id > 0, those of that table.
 * Under the table's lock. */
ev_status exec_finish_deletions(exec_query *q, const char *location, int64_t table_id) EV_WUR;
/* The table's lock (flock on <home>/locks/<name>.lock); EV_ERR_BUSY while someone holds it. */
ev_status exec_lock_table(exec_query *q, const char *name, int *fd) EV_WUR;
/* A value of the table properties CREATE TABLE AS records ({"key": "value", ...}); "" if absent. */
void exec_table_prop(const char *json, const char *key, char *out, size_t cap);
/* The filesystem path of a catalog key or location (absolute keys stay as they are). */
void exec_key_path(const exec_query *q, const char *key, char *out, size_t cap);

/* ---- exec_ddl.c ---- */
/* CREATE/DROP DATABASE, DROP TABLE, ALTER TABLE ADD PARTITION. */
ev_status exec_ddl(exec_query *q, const sql_stmt *s, char **msg) EV_WUR;

/* ---- exec_history.c ---- */
/* A new query id (a random UUID, as Athena's) into out (>= 37 bytes). */
void exec_new_query_id(char *out);
/* Fills err with the workgroup limit's cancellation (EV_ERR_LIMIT) and returns it. Called by the
 * scan's consumers as soon as q->bytes_scanned passes the limit, and after the statement. */
ev_status exec_scan_limit_exceeded(exec_query *q, ev_error *err) EV_WUR;
/* true when the session has a limit and the query has scanned past it. */
bool exec_over_scan_limit(exec_query *q);

/* ---- exec_stmt.c ---- */
/* Runs one statement as exec_run does under a new query id (s->query_id), and also
 * hands back its figures when it fails. */
ev_status exec_run_stmt(exec_session *s, const sql_stmt *stmt, exec_result **out, exec_stats *stats,
                        ev_error *err) EV_WUR;
/* Tells a result its query id and saved result file (NULL: none); both are copied. */
void exec_result_set_log(exec_result *r, const char *query_id, const char *output);

#endif
