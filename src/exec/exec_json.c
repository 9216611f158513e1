/*
 * exec_json.c: reading JSON tables, as Athena reads the raw zone through the OpenX JSON SerDe
 * (`CREATE EXTERNAL TABLE ... ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION
 * 's3://.../raw/events/'`): one JSON object a line, in gzip objects (several members, truncated or
 * damaged ones reported with their offset) or plain files. Keys are matched to the table's
 * columns by name (extra keys ignored, missing ones NULL); values convert to the column's type:
 * numbers, booleans and strings holding them ("2", "true"), timestamps in the ISO-8601 forms of
 * events.md (with an offset, turned to UTC), nested values as their JSON text in string columns.
 *
 * Built on the ETL's streaming pieces (io/gz_reader, io/jsonl: the line splitter and the flat
 * object scanner, both fuzzed). A line that is not a JSON object, or a value that does not fit its
 * column, fails the query with the file, line and column, as Athena fails with HIVE_BAD_DATA:
 * a query never silently drops rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ev_time.h"
#include "exec_int.h"
#include "jsonl.h"

struct exec_json {
    size_t ncols;
    const sql_type *types;
    const char *const *names;
    int *field; /* per column: its index in the schema, -1 not read */
    js_schema schema;
    js_scanner *scanner;
    js_lines *lines;
    gz_reader *gz;
    js_value vals[JS_SCHEMA_MAX];
    exec_vec *cols;   /* EXEC_BATCH rows each */
    ev_arena strings; /* a batch's strings */
    const char *path;
    int fd;
    bool null_malformed; /* 'ignore.malformed.json' = 'true': a malformed line is a row of NULLs */
};

static void vecs_free(exec_json *j) {
    for (size_t c = 0; j->cols && c < j->ncols; c++) {
        free(j->cols[c].p);
        free(j->cols[c].nulls);
    }
    free(j->cols);
}

void exec_json_free(exec_json *j) {
    if (!j) return;
    exec_json_close_file(j);
    js_scanner_destroy(j->scanner);
    js_lines_destroy(j->lines);
    gz_reader_close(j->gz);
    vecs_free(j);
    free(j->field);
    ev_arena_destroy(&j->strings);
    free(j);
}

ev_status exec_json_new(const char *const *names, const sql_type *types, const bool *needed, size_t ncols,
                        bool null_malformed, exec_json **out, ev_error *err) {
    *out = NULL;
    exec_json *j = calloc(1, sizeof *j);
    if (!j) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    j->fd = -1;
    j->null_malformed = null_malformed;
    j->ncols = ncols;
    j->types = types;
    j->names = names;
    ev_arena_init(&j->strings, NULL, 256 << 10);
    j->field = malloc((ncols + 1) * sizeof *j->field);
    j->cols = calloc(ncols + 1, sizeof *j->cols);
    const char *want[JS_SCHEMA_MAX];
    size_t nwant = 0;
    ev_status st = j->field && j->cols ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    for (size_t c = 0; st == EV_OK && c < ncols; c++) {
        j->field[c] = -1;
        if (!needed[c]) continue;
        if (nwant == JS_SCHEMA_MAX) {
            st = ev_error_set(err, EV_ERR_UNSUPPORTED, "JSON tables: at most %d columns can be read at once",
                              JS_SCHEMA_MAX);
            break;
        }
        j->field[c] = (int)nwant;
        want[nwant++] = names[c];
        size_t w = exec_type_size(types[c]);
        j->cols[c] = (exec_vec){.type = types[c], .p = malloc(EXEC_BATCH * w), .nulls = malloc(EXEC_BATCH)};
        if (!j->cols[c].p || !j->cols[c].nulls) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    }
    /* every line is checked to be a JSON object, also when no column is read (COUNT(*)) */
    if (st == EV_OK && !nwant && ncols) want[nwant++] = names[0];
    if (st == EV_OK) st = js_schema_init(&j->schema, want, nwant, err);
    if (st == EV_OK) st = js_scanner_create(NULL, &j->schema, 0, &j->scanner, err);
    gz_options go = {.allow_plain = 1};
    if (st == EV_OK) st = js_lines_create(NULL, 0, &j->lines, err);
    if (st == EV_OK) st = gz_reader_create(NULL, &go, &j->gz, err);
    if (st != EV_OK) {
        exec_json_free(j);
        return st;
    }
    *out = j;
    return EV_OK;
}

ev_status exec_json_open(exec_json *j, const char *path, ev_error *err) {
    exec_json_close_file(j);
    j->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (j->fd < 0) return ev_error_errno(err, EV_ERR_IO, errno, "%s: cannot open", path);
    j->path = path;
    gz_reader_reset_fd(j->gz, j->fd);
    js_lines_reset_gz(j->lines, j->gz);
    return EV_OK;
}

void exec_json_close_file(exec_json *j) {
    if (j->fd >= 0) close(j->fd);
    j->fd = -1;
}

static bool blank(const char *p, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (p[k] != ' ' && p[k] != '\t' && p[k] != '\r') return false;
    return true;
}

static ev_status bad_value(exec_json *j, uint64_t line, size_t c, const js_value *v, ev_error *err) {
    int shown = v->len > 40 ? 40 : (int)v->len;
    return ev_error_set(err, EV_ERR_INPUT,
                        "%s: line %llu col %u: column '%s' (%s) cannot hold the %s %s%.*s%s", j->path,
                        (unsigned long long)line, v->col, j->names[c], sql_type_name(j->types[c]),
                        js_type_name((js_type)v->type), v->type == JS_STRING ? "\"" : "", shown, v->ptr,
                        v->len > 40 ? "..." : (v->type == JS_STRING ? "\"" : ""));
}

/* Text as the column's type through SQL's CAST rules ("2" as BIGINT, "true" as BOOLEAN); ISO-8601
 * timestamps with an offset as well. false when it does not convert. */
static bool text_value(sql_type t, const char *p, size_t n, exec_value *out) {
    if (t == SQL_T_TIMESTAMP || t == SQL_T_TIMESTAMPTZ || t == SQL_T_DATE) {
        int64_t us;
        if (ev_time_parse(p, n, &us) != EV_OK) return false;
        out->i = t == SQL_T_DATE ? ev_time_floor(us, 86400LL * 1000000) / (86400LL * 1000000) : us;
        return true;
    }
    ev_arena a;
    ev_arena_init(&a, NULL, 4096);
    ev_error e = {0};
    exec_eval ev = {.scratch = &a, .err = &e};
    exec_value v = {.type = SQL_T_VARCHAR, .s = {p, (uint32_t)n}};
    bool ok = exec_cast_value(&ev, &v, t, true, (sql_pos){0, 0}) == EV_OK && !v.null;
    if (ok) *out = v;
    ev_arena_destroy(&a);
    return ok;
}

static ev_status keep_text(exec_json *j, const char *p, size_t n, pq_str *out, ev_error *err) {
    char *s = n ? ev_arena_alloc(&j->strings, n) : (char *)"";
    if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory reading %s", j->path);
    if (n) memcpy(s, p, n);
    *out = (pq_str){s, (uint32_t)n};
    return EV_OK;
}

/* Row r of column c from the scanned value. */
static ev_status put_value(exec_json *j, size_t c, size_t r, const js_value *v, uint64_t line,
                           ev_error *err) {
    exec_vec *o = &j->cols[c];
    sql_type t = j->types[c];
    o->nulls[r] = v->type == JS_ABSENT || v->type == JS_NULL;
    if (o->nulls[r]) {
        memset((char *)o->p + r * exec_type_size(t), 0, exec_type_size(t));
        return EV_OK;
    }
    if (t == SQL_T_VARCHAR) {
        if (v->type == JS_BOOL) return keep_text(j, v->b ? "true" : "false", v->b ? 4 : 5, &o->s[r], err);
        return keep_text(j, v->ptr, v->len, &o->s[r], err);
    }
    exec_value x = {.type = t};
    bool ok = false;
    if (v->type == JS_NUMBER) {
        if (t == SQL_T_DOUBLE) {
            x.f = v->d;
            ok = true;
        } else if ((t == SQL_T_BIGINT || t == SQL_T_INTEGER) && v->is_int) {
            x.i = v->i;
            ok = t == SQL_T_BIGINT || (v->i >= INT32_MIN && v->i <= INT32_MAX);
        }
    } else if (v->type == JS_BOOL && t == SQL_T_BOOLEAN) {
        x.i = v->b;
        ok = true;
    } else if (v->type == JS_STRING) {
        ok = text_value(t, v->ptr, v->len, &x);
    }
    if (!ok) return bad_value(j, line, c, v, err);
    if (t == SQL_T_DOUBLE)
        o->f[r] = x.f;
    else
        o->i[r] = x.i;
    return EV_OK;
}

ev_status exec_json_next(exec_json *j, exec_vec **cols, size_t *n, ev_error *err) {
    *n = 0;
    *cols = j->cols;
    ev_arena_reset(&j->strings);
    size_t r = 0;
    while (r < EXEC_BATCH) {
        js_line ln;
        int have;
        ev_status st = js_lines_next(j->lines, &ln, &have, err);
        if (st != EV_OK) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            return ev_error_set(err, st, "%s: %s", j->path, msg);
        }
        if (!have) break;
        if (ln.cut) continue; /* the source's error comes with the next call */
        if (blank(ln.ptr, ln.len)) continue;
        if (ln.too_long)
            return ev_error_set(err, EV_ERR_INPUT, "%s: line %llu is longer than 16 MiB", j->path,
                                (unsigned long long)ln.number);
        st = js_scan(j->scanner, ln.ptr, ln.len, ln.number, j->vals, NULL, err);
        if (st == EV_ERR_INPUT && j->null_malformed) { /* as the OpenX SerDe does: a row, every field NULL */
            memset(j->vals, 0, sizeof j->vals);
            st = EV_OK;
        }
        if (st != EV_OK) {
            char msg[sizeof err->msg];
            memcpy(msg, err->msg, sizeof msg);
            return ev_error_set(err, st, "%s: %s", j->path, msg);
        }
        for (size_t c = 0; c < j->ncols; c++)
            if (j->field[c] >= 0) EV_TRY(put_value(j, c, r, &j->vals[j->field[c]], ln.number, err));
        r++;
    }
    *n = r;
    return EV_OK;
}
