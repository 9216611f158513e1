/* cat_history.c: the query history of `evlake sql` (see catalog.h), Athena's query executions. */
#include <string.h>

#include "cat_int.h"

ev_status cat_query_add(cat *c, const cat_query *q, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(cat_prepare(
        c,
        "INSERT INTO query_history(query_id, sql, database, workgroup, statement_type, status, error, "
        "result_path, started_at, ended_at, engine_usec, rows, bytes_scanned) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &st, err));
    const char *texts[8] = {q->query_id,       q->sql,    q->database, q->workgroup,
                            q->statement_type, q->status, q->error,    q->result_path};
    for (int k = 0; k < 8; k++)
        sqlite3_bind_text(st, k + 1, texts[k], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, q->started_usec);
    sqlite3_bind_int64(st, 10, q->ended_usec);
    sqlite3_bind_int64(st, 11, q->engine_usec);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)q->rows);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)q->bytes_scanned);
    return cat_step_done(c, st, "record a query", err);
}

ev_status cat_queries(cat *c, int limit, cat_query_fn fn, void *ctx, ev_error *err) {
    sqlite3_stmt *st;
    EV_TRY(
        cat_prepare(c,
                    "SELECT query_id, sql, database, workgroup, statement_type, status, error, result_path, "
                    "started_at, coalesce(ended_at, 0), coalesce(engine_usec, 0), coalesce(rows, 0), "
                    "coalesce(bytes_scanned, 0) FROM query_history ORDER BY id DESC LIMIT ?1",
                    &st, err));
    sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
    ev_status rc = EV_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        cat_query q;
        const char **texts[8] = {&q.query_id,       &q.sql,    &q.database, &q.workgroup,
                                 &q.statement_type, &q.status, &q.error,    &q.result_path};
        for (int k = 0; k < 8; k++)
            *texts[k] = (const char *)sqlite3_column_text(st, k);
        q.started_usec = sqlite3_column_int64(st, 8);
        q.ended_usec = sqlite3_column_int64(st, 9);
        q.engine_usec = sqlite3_column_int64(st, 10);
        q.rows = (uint64_t)sqlite3_column_int64(st, 11);
        q.bytes_scanned = (uint64_t)sqlite3_column_int64(st, 12);
        if (fn(&q, ctx) != 0) {
            rc = EV_ERR_CANCELLED;
            break;
        }
    }
    if (rc == EV_OK && step != SQLITE_DONE)
        rc = ev_error_set(err, EV_ERR_IO, "catalog: listing queries: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}
