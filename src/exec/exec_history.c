/*
 * exec_history.c: what Athena keeps of every statement: its query execution (id, text, status,
 * error, times, bytes scanned, rows) in the catalog's query_history, and a query's rows saved as
 * <results>/<query id>.csv in Athena's CSV dialect. Also the workgroup's per-query scan limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ev_fs.h"
#include "ev_time.h"
#include "exec_write.h"

void exec_new_query_id(char *out) {
    uint8_t b[16] = {0};
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n <= 0 && errno != EINTR) break;
        if (n > 0) got += (size_t)n;
    }
    if (got < sizeof b) { /* no entropy source: time and pid still make ids unique here */
        uint64_t t = (uint64_t)ev_time_now() ^ ((uint64_t)getpid() << 40);
        memcpy(b, &t, 8);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        p += sprintf(p, "%02x", b[i]);
    }
}

bool exec_over_scan_limit(exec_query *q) {
    return q->s->scan_limit && atomic_load(&q->bytes_scanned) > q->s->scan_limit;
}

ev_status exec_scan_limit_exceeded(exec_query *q, ev_error *err) {
    return ev_error_set(
        err, EV_ERR_LIMIT,
        "Query cancelled: Bytes scanned limit was exceeded (workgroup %s: limit %llu bytes per "
        "query, %llu bytes scanned)",
        q->s->workgroup, (unsigned long long)q->s->scan_limit,
        (unsigned long long)atomic_load(&q->bytes_scanned));
}

/* ---- result files ---- */

static ev_status csv_field(ev_buf *b, const char *s) {
    EV_TRY(ev_buf_append(b, "\"", 1));
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        EV_TRY(ev_buf_append(b, s, (size_t)(q - s) + 1));
        EV_TRY(ev_buf_append(b, "\"", 1));
    }
    EV_TRY(ev_buf_append_str(b, s));
    return ev_buf_append(b, "\"", 1);
}

/* Athena's result CSV: a header, every value in double quotes ("" inside), NULL as nothing. */
static ev_status result_csv(exec_result *r, ev_buf *b) {
    size_t nc = exec_result_columns(r), nr = exec_result_rows(r);
    for (size_t c = 0; c < nc; c++) {
        if (c) EV_TRY(ev_buf_append(b, ",", 1));
        EV_TRY(csv_field(b, exec_result_column_name(r, c)));
    }
    EV_TRY(ev_buf_append(b, "\n", 1));
    for (size_t row = 0; row < nr; row++) {
        for (size_t c = 0; c < nc; c++) {
            if (c) EV_TRY(ev_buf_append(b, ",", 1));
            bool null;
            const char *v = exec_result_cell(r, row, c, &null);
            if (!null) EV_TRY(csv_field(b, v));
        }
        EV_TRY(ev_buf_append(b, "\n", 1));
    }
    return EV_OK;
}

/* Saves the rows as <results>/<id>.csv (atomically); *key gets the path as recorded. */
static ev_status save_result(exec_session *s, exec_result *r, char *key, size_t cap, ev_error *err) {
    const char *dir = s->results;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    snprintf(key, cap, "%.*s/%s.csv", (int)dl, dir, s->query_id);
    char path[4096], folder[4096];
    if (key[0] == '/')
        snprintf(path, sizeof path, "%s", key);
    else
        snprintf(path, sizeof path, "%s/%s", s->home, key);
    ev_path_dirname(path, folder, sizeof folder);
    EV_TRY(ev_mkdir_p(folder, err));
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = result_csv(r, &b);
    if (st != EV_OK) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory writing %s", path);
    if (st == EV_OK) st = ev_write_file_atomic(path, b.len ? b.data : (const uint8_t *)"", b.len, err);
    ev_buf_free(&b);
    return st;
}

/* ---- history ---- */

/* Athena's StatementType. */
static const char *statement_type(sql_stmt_kind k) {
    switch (k) {
    case SQL_S_QUERY:
    case SQL_S_CREATE_TABLE_AS:
    case SQL_S_INSERT:
        return "DML";
    case SQL_S_EXPLAIN:
    case SQL_S_SHOW_DATABASES:
    case SQL_S_SHOW_TABLES:
    case SQL_S_SHOW_COLUMNS:
    case SQL_S_SHOW_PARTITIONS:
    case SQL_S_SHOW_CREATE_TABLE:
    case SQL_S_USE:
        return "UTILITY";
    default:
        return "DDL";
    }
}

static ev_status record(exec_session *s, cat_query *cq, ev_error *err) {
    cq->query_id = s->query_id;
    cq->workgroup = s->workgroup;
    ev_error e2 = {0};
    if (cat_query_add(s->cat, cq, &e2) == EV_OK) return EV_OK;
    return ev_error_set(err, e2.code, "recording query %s in the query history: %s", s->query_id, e2.msg);
}

ev_status exec_run_logged(exec_session *s, const sql_stmt *stmt, const char *text, size_t len,
                          exec_result **out, ev_error *err) {
    char *sql = strndup(text, len);
    char *database = strdup(s->database);
    if (!sql || !database) {
        free(sql);
        free(database);
        return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    cat_query cq = {.sql = sql,
                    .database = database,
                    .statement_type = statement_type(stmt->kind),
                    .started_usec = ev_time_now()};
    exec_stats stats;
    exec_result *r = NULL;
    ev_status st = exec_run_stmt(s, stmt, &r, &stats, err);
    char key[4096] = "";
    if (st == EV_OK && stmt->kind == SQL_S_QUERY) st = save_result(s, r, key, sizeof key, err);
    cq.ended_usec = ev_time_now();
    cq.engine_usec = stats.runtime_usec;
    cq.bytes_scanned = stats.bytes_scanned;
    cq.rows = stmt->kind == SQL_S_QUERY && r ? exec_result_rows(r) : stats.rows_written;
    cq.result_path = key[0] ? key : NULL;
    cq.status = st == EV_OK                                                                  ? "SUCCEEDED"
                : st == EV_ERR_LIMIT && s->scan_limit && stats.bytes_scanned > s->scan_limit ? "CANCELLED"
                                                                                             : "FAILED";
    cq.error = st == EV_OK ? NULL : err->msg;
    ev_error herr = {0};
    ev_status hst = record(s, &cq, &herr);
    if (st == EV_OK && hst != EV_OK) {
        *err = herr;
        st = hst;
    }
    if (st == EV_OK) {
        exec_result_set_log(r, s->query_id, cq.result_path);
        *out = r;
    } else {
        exec_result_free(r);
    }
    free(sql);
    free(database);
    return st;
}

ev_status exec_log_failure(exec_session *s, const char *text, size_t len, const ev_error *failure,
                           ev_error *err) {
    char *sql = strndup(text, len);
    if (!sql) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    exec_new_query_id(s->query_id);
    int64_t now = ev_time_now();
    cat_query cq = {.sql = sql,
                    .database = s->database,
                    .statement_type = "DML",
                    .status = "FAILED",
                    .error = failure->msg,
                    .started_usec = now,
                    .ended_usec = now};
    ev_status st = record(s, &cq, err);
    free(sql);
    return st;
}
