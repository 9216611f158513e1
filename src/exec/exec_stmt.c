/*
 * exec_stmt.c: sessions, statement dispatch (queries, EXPLAIN, catalog statements, the writing
 * statements of exec_write.c and exec_ddl.c) and results.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawl.h"
#include "ev_time.h"
#include "exec_write.h"

struct exec_result {
    exec_table t;
    char *message;
    exec_stats stats;
    char cell[128];
    char query_id[40];
    char *output;
};

ev_status exec_session_open(const exec_options *o, exec_session **out, ev_error *err) {
    exec_session *s = calloc(1, sizeof *s);
    if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    s->workgroup = strdup(o->workgroup ? o->workgroup : "primary");
    s->results = strdup(o->results ? o->results : "results");
    s->crash_point = o->crash_point ? strdup(o->crash_point) : NULL;
    s->home = strdup(o->home);
    s->database = strdup(o->database ? o->database : "analytics");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s->threads = o->threads > 0 ? o->threads : (cores > 0 ? (int)cores : 1);
    if (s->threads > 64) s->threads = 64;
    s->memory_limit = o->memory_limit ? o->memory_limit : (size_t)4 << 30;
    s->scan_limit = o->scan_limit;
    /* NULL (no memory): scans open their files themselves. The decoded dictionaries kept between
     * queries get a 16th of the memory limit (256 MiB of the default 4 GiB). */
    s->files = exec_files_new(s->memory_limit / 16);
    char path[4096];
    snprintf(path, sizeof path, "%s/catalog.db", o->home);
    ev_status st = (s->home && s->database && s->workgroup && s->results)
                       ? EV_OK
                       : ev_error_set(err, EV_ERR_NOMEM, "out of memory");
    if (st == EV_OK && access(path, F_OK) != 0)
        st = ev_error_set(err, EV_ERR_NOT_FOUND, "no lake at %s (run `evlake init` first)", o->home);
    if (st == EV_OK) st = cat_open(path, NULL, &s->cat, err);
    if (st != EV_OK) {
        exec_session_close(s);
        return st;
    }
    *out = s;
    return EV_OK;
}

void exec_session_close(exec_session *s) {
    if (!s) return;
    cat_close(s->cat);
    exec_files_free(s->files);
    free(s->home);
    free(s->database);
    free(s->workgroup);
    free(s->results);
    free(s->crash_point);
    free(s);
}

const char *exec_session_database(const exec_session *s) {
    return s->database;
}

/* ---- results ---- */

static ev_status result_new(exec_result **out, ev_error *err) {
    *out = calloc(1, sizeof **out);
    return *out ? EV_OK : ev_error_set(err, EV_ERR_NOMEM, "out of memory");
}

void exec_result_free(exec_result *r) {
    if (!r) return;
    exec_table_free(&r->t);
    free(r->message);
    free(r->output);
    free(r);
}

void exec_result_set_log(exec_result *r, const char *query_id, const char *output) {
    snprintf(r->query_id, sizeof r->query_id, "%s", query_id);
    free(r->output);
    r->output = output ? strdup(output) : NULL;
}

const char *exec_result_query_id(const exec_result *r) {
    return r->query_id;
}
const char *exec_result_output(const exec_result *r) {
    return r->output ? r->output : "";
}

size_t exec_result_columns(const exec_result *r) {
    return r->t.ncols;
}
const char *exec_result_column_name(const exec_result *r, size_t col) {
    return r->t.names[col];
}
sql_type exec_result_column_type(const exec_result *r, size_t col) {
    return r->t.cols[col].type;
}
size_t exec_result_rows(const exec_result *r) {
    return r->t.n;
}
const char *exec_result_message(const exec_result *r) {
    return r->message ? r->message : "";
}
const exec_stats *exec_result_stats(const exec_result *r) {
    return &r->stats;
}

const char *exec_result_cell(exec_result *r, size_t row, size_t col, bool *is_null) {
    exec_value v;
    exec_vec_get(&r->t.cols[col], row, &v);
    *is_null = v.null;
    size_t len;
    const char *t = exec_value_text(&v, r->cell, sizeof r->cell, &len);
    if (t != r->cell) {
        /* a string: hand out a NUL-terminated copy (kept with the result) */
        char *p = ev_arena_alloc(&r->t.strings, len + 1);
        if (!p) return "";
        memcpy(p, t, len);
        p[len] = 0;
        return p;
    }
    return t;
}

bool exec_result_number(const exec_result *r, size_t row, size_t col, double *out) {
    exec_value v;
    exec_vec_get(&r->t.cols[col], row, &v);
    if (v.null || v.type == SQL_T_VARCHAR) return false;
    *out = v.type == SQL_T_DOUBLE ? v.f : (double)v.i;
    return true;
}

/* A result of one VARCHAR column built from lines. */
static ev_status text_result(exec_result *r, const char *colname, const char *text, ev_error *err) {
    char *names[1] = {(char *)colname};
    sql_type types[1] = {SQL_T_VARCHAR};
    EV_TRY(exec_table_init(&r->t, 1, names, types, err));
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        EV_TRY(exec_table_reserve(&r->t, 1, NULL, err));
        char *s = ev_arena_strndup(&r->t.strings, p, len);
        if (!s) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        r->t.cols[0].s[r->t.n] = (pq_str){s, (uint32_t)len};
        r->t.cols[0].nulls[r->t.n] = 0;
        r->t.n++;
        p = nl ? nl + 1 : NULL;
    }
    return EV_OK;
}

/* ---- catalog statements ---- */

typedef struct list_tables {
    const char *db; /* SHOW TABLES IN db; NULL: SHOW DATABASES */
    ev_buf *out;
    ev_status st;
    char last_db[256]; /* tables come by database: one line per database */
} list_tables;

static int on_table(const char *db, const char *name, void *ctx) {
    list_tables *l = ctx;
    if (l->db && strcasecmp(l->db, db)) return 0;
    if (!l->db) {
        if (!strcmp(l->last_db, db)) return 0;
        snprintf(l->last_db, sizeof l->last_db, "%s", db);
        l->st = ev_buf_printf(l->out, "%s\n", db);
        return l->st != EV_OK;
    }
    l->st = ev_buf_printf(l->out, "%s\n", name);
    return l->st != EV_OK;
}

static int on_partition_line(const cat_partition_info *p, void *ctx) {
    ev_buf *b = ctx;
    return ev_buf_printf(b, "%s\n", p->spec) != EV_OK;
}

static ev_status get_table(exec_query *q, const sql_stmt *s, cat_table **t) {
    const char *db = s->db ? s->db : q->s->database;
    ev_error e2 = {0};
    ev_status st = cat_table_get(q->s->cat, db, s->name, q->arena, t, &e2);
    if (st == EV_ERR_NOT_FOUND)
        return sql_error_at(q->err, s->pos, "Table '%s.%s' does not exist", db, s->name);
    if (st != EV_OK) *q->err = e2;
    return st;
}

/* SERDEPROPERTIES as the table's properties JSON ("{}" when none): the JSON reader reads
 * 'ignore.malformed.json' from it. Keys and values are kept as given (quotes and backslashes
 * escaped). */
static ev_status serde_properties(exec_query *q, const sql_stmt *s, const char **out) {
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = ev_buf_append_str(&b, "{");
    for (size_t k = 0; st == EV_OK && k < s->nserde_props; k++) {
        const sql_kv *kv = &s->serde_props[k];
        if (kv->is_array) {
            st = sql_error_at(q->err, kv->pos, "SERDEPROPERTIES '%s' must be a string", kv->key);
            break;
        }
        const char *parts[2] = {kv->key, kv->value};
        for (int i = 0; i < 2 && st == EV_OK; i++) {
            st = ev_buf_append_str(&b, i ? ": \"" : (k ? ", \"" : "\""));
            for (const char *c = parts[i]; st == EV_OK && c && *c; c++)
                st = *c == '"' || *c == '\\' ? ev_buf_printf(&b, "\\%c", *c) : ev_buf_append(&b, c, 1);
            if (st == EV_OK) st = ev_buf_append_str(&b, "\"");
        }
    }
    if (st == EV_OK) st = ev_buf_append(&b, "}", 2);
    char *json = st == EV_OK ? ev_arena_strndup(q->arena, (const char *)b.data, b.len - 1) : NULL;
    ev_buf_free(&b);
    if (st == EV_OK && !json) st = EV_ERR_NOMEM;
    if (st == EV_ERR_NOMEM) return ev_error_set(q->err, st, "out of memory");
    *out = json;
    return st;
}

static ev_status run_catalog(exec_query *q, const sql_stmt *s, exec_result *r) {
    ev_buf b;
    ev_buf_init(&b, NULL);
    ev_status st = EV_OK;
    cat_table *t = NULL;
    switch (s->kind) {
    case SQL_S_SHOW_DATABASES: {
        list_tables l = {.db = NULL, .out = &b};
        st = cat_tables_list(q->s->cat, on_table, &l, q->err);
        if (st == EV_ERR_CANCELLED) st = l.st;
        if (st == EV_OK && !strstr(b.len ? (const char *)b.data : "", "analytics"))
            st = ev_buf_printf(&b, "analytics\n");
        if (st == EV_OK) st = text_result(r, "database_name", b.len ? (const char *)b.data : "", q->err);
        break;
    }
    case SQL_S_SHOW_TABLES: {
        list_tables l = {.db = s->db ? s->db : q->s->database, .out = &b};
        st = cat_tables_list(q->s->cat, on_table, &l, q->err);
        if (st == EV_ERR_CANCELLED) st = l.st;
        if (st == EV_OK) st = text_result(r, "tab_name", b.len ? (const char *)b.data : "", q->err);
        break;
    }
    case SQL_S_SHOW_COLUMNS: {
        st = get_table(q, s, &t);
        char *names[3] = {"column", "type", "extra"};
        sql_type types[3] = {SQL_T_VARCHAR, SQL_T_VARCHAR, SQL_T_VARCHAR};
        if (st == EV_OK) st = exec_table_init(&r->t, 3, names, types, q->err);
        for (size_t c = 0; st == EV_OK && c < t->ncolumns; c++) {
            st = exec_table_reserve(&r->t, 1, NULL, q->err);
            const char *vals[3] = {t->columns[c].name, t->columns[c].type,
                                   t->columns[c].is_partition ? "partition key" : ""};
            for (int k = 0; st == EV_OK && k < 3; k++) {
                char *v = ev_arena_strndup(&r->t.strings, vals[k], strlen(vals[k]));
                if (!v)
                    st = ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
                else
                    r->t.cols[k].s[r->t.n] = (pq_str){v, (uint32_t)strlen(v)};
            }
            r->t.n++;
        }
        break;
    }
    case SQL_S_SHOW_PARTITIONS:
        st = get_table(q, s, &t);
        if (st == EV_OK) st = cat_table_partitions(q->s->cat, t->id, on_partition_line, &b, q->err);
        if (st == EV_OK) st = text_result(r, "partition", b.len ? (const char *)b.data : "", q->err);
        break;
    case SQL_S_SHOW_CREATE_TABLE:
        st = get_table(q, s, &t);
        if (st == EV_OK) st = cat_table_ddl(q->s->cat, t, CAT_DIALECT_ATHENA, NULL, &b, q->err);
        if (st == EV_OK) st = text_result(r, "createtab_stmt", b.len ? (const char *)b.data : "", q->err);
        break;
    case SQL_S_USE: {
        char *db = strdup(s->name);
        if (!db) {
            st = ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
            break;
        }
        free(q->s->database);
        q->s->database = db;
        r->message = strdup("USE");
        break;
    }
    case SQL_S_CREATE_EXTERNAL_TABLE: {
        cat_table def = {0};
        def.db = s->db ? s->db : q->s->database;
        def.name = s->name;
        st = exec_location_key(q, s->location, &def.location);
        if (st != EV_OK) break;
        def.format = s->format;
        def.serde = s->serde;
        st = serde_properties(q, s, &def.properties);
        if (st != EV_OK) break;
        def.ncolumns = s->ncolumns + s->npartition_cols;
        def.npartition_keys = s->npartition_cols;
        def.columns = ev_arena_alloc(q->arena, (def.ncolumns + 1) * sizeof *def.columns);
        if (!def.columns) {
            st = ev_error_set(q->err, EV_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t c = 0; c < def.ncolumns; c++) {
            const sql_column_def *cd = c < s->ncolumns ? &s->columns[c] : &s->partition_cols[c - s->ncolumns];
            def.columns[c] = (cat_column_def){cd->name, cd->type_text, c >= s->ncolumns};
        }
        int64_t id;
        ev_error e2 = {0};
        st = cat_table_create(q->s->cat, &def, s->if_not_exists, &id, &e2);
        if (st == EV_ERR_EXISTS)
            st = sql_error_at(q->err, s->pos, "Table '%s.%s' already exists", def.db, def.name);
        else if (st != EV_OK)
            *q->err = e2;
        if (st == EV_OK) r->message = strdup("CREATE TABLE");
        break;
    }
    case SQL_S_MSCK_REPAIR: {
        st = get_table(q, s, &t);
        crawl_report rep;
        if (st == EV_OK) st = crawl_table(q->s->home, t->db, t->name, &rep, q->err);
        if (st == EV_OK) {
            char msg[256];
            snprintf(msg, sizeof msg, "Partitions added: %zu (%zu registered)", rep.partitions_added,
                     rep.partitions_registered);
            r->message = strdup(msg);
        }
        break;
    }
    case SQL_S_CREATE_TABLE_AS:
        st = exec_create_table_as(q, s, &r->message);
        break;
    case SQL_S_INSERT:
        st = exec_insert(q, s, &r->message);
        break;
    default:
        st = exec_ddl(q, s, &r->message);
        break;
    }
    ev_buf_free(&b);
    return st;
}

static ev_status run_statement(exec_query *q, const sql_stmt *s, exec_result *r) {
    if (s->kind == SQL_S_QUERY) {
        EV_TRY(cat_begin_read(q->s->cat, q->err)); /* a snapshot of the catalog for the whole query */
        ev_status st = exec_run_query(q, s->query, NULL, &r->t);
        ev_error keep = *q->err;
        cat_rollback(q->s->cat);
        *q->err = keep;
        return st;
    }
    if (s->kind == SQL_S_EXPLAIN) {
        if (s->inner->kind != SQL_S_QUERY)
            return sql_error_at(q->err, s->pos, "EXPLAIN supports queries only");
        ev_buf b;
        ev_buf_init(&b, NULL);
        q->explain = true;
        q->explain_out = &b;
        exec_table t = {0};
        ev_status st = exec_run_query(q, s->inner->query, NULL, &t);
        exec_table_free(&t);
        if (st == EV_OK)
            st = text_result(r, "Query Plan", b.len ? (const char *)b.data : "(no table scans)", q->err);
        ev_buf_free(&b);
        return st;
    }
    return run_catalog(q, s, r);
}

ev_status exec_run_stmt(exec_session *s, const sql_stmt *stmt, exec_result **out, exec_stats *stats,
                        ev_error *err) {
    memset(stats, 0, sizeof *stats);
    exec_new_query_id(s->query_id);
    exec_result *r;
    EV_TRY(result_new(&r, err));
    ev_arena arena;
    ev_arena_init(&arena, NULL, 64 << 10);
    exec_query q = {.s = s, .arena = &arena, .err = err, .threads = s->threads, .now_usec = ev_time_now()};
    q.budget.limit = s->memory_limit;
    int64_t t0 = ev_time_monotonic();
    ev_status st = run_statement(&q, stmt, r);
    q.stats.runtime_usec = ev_time_monotonic() - t0;
    q.stats.bytes_scanned = atomic_load(&q.bytes_scanned);
    q.stats.rows_scanned = atomic_load(&q.rows_scanned);
    /* the scan checks the limit as it goes; a last file can still take it over */
    if (st == EV_OK && exec_over_scan_limit(&q)) st = exec_scan_limit_exceeded(&q, err);
    r->stats = q.stats;
    *stats = q.stats;
    ev_arena_destroy(&arena);
    if (st != EV_OK) {
        exec_result_free(r);
        return st;
    }
    *out = r;
    return EV_OK;
}

ev_status exec_run(exec_session *s, const sql_stmt *stmt, exec_result **out, ev_error *err) {
    exec_stats stats;
    return exec_run_stmt(s, stmt, out, &stats, err);
}

/* ---- output ---- */

ev_status exec_format_parse(const char *s, exec_format *out) {
    if (!strcmp(s, "table"))
        *out = EXEC_FMT_TABLE;
    else if (!strcmp(s, "csv"))
        *out = EXEC_FMT_CSV;
    else if (!strcmp(s, "json"))
        *out = EXEC_FMT_JSON;
    else
        return EV_ERR_INPUT;
    return EV_OK;
}

static size_t display_width(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void write_csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

ev_status exec_result_write(exec_result *r, exec_format fmt, FILE *f, ev_error *err) {
    size_t nc = r->t.ncols, nr = r->t.n;
    if (!nc) {
        if (r->message) fprintf(f, "%s\n", r->message);
        return EV_OK;
    }
    bool null;
    if (fmt == EXEC_FMT_CSV) {
        for (size_t c = 0; c < nc; c++) {
            if (c) fputc(',', f);
            write_csv_field(f, r->t.names[c]);
        }
        fputc('\n', f);
        for (size_t row = 0; row < nr; row++) {
            for (size_t c = 0; c < nc; c++) {
                if (c) fputc(',', f);
                const char *v = exec_result_cell(r, row, c, &null);
                if (!null) write_csv_field(f, v);
            }
            fputc('\n', f);
        }
    } else if (fmt == EXEC_FMT_JSON) {
        for (size_t row = 0; row < nr; row++) {
            fputc('{', f);
            for (size_t c = 0; c < nc; c++) {
                if (c) fputs(", ", f);
                write_json_string(f, r->t.names[c]);
                fputs(": ", f);
                const char *v = exec_result_cell(r, row, c, &null);
                sql_type t = r->t.cols[c].type;
                if (null)
                    fputs("null", f);
                else if ((t == SQL_T_DOUBLE && isfinite(r->t.cols[c].f[row])) || t == SQL_T_INTEGER ||
                         t == SQL_T_BIGINT || t == SQL_T_BOOLEAN)
                    fputs(v, f);
                else
                    write_json_string(f, v);
            }
            fputs("}\n", f);
        }
    } else {
        size_t *w = calloc(nc, sizeof *w);
        if (!w) return ev_error_set(err, EV_ERR_NOMEM, "out of memory");
        for (size_t c = 0; c < nc; c++)
            w[c] = display_width(r->t.names[c]);
        for (size_t row = 0; row < nr; row++)
            for (size_t c = 0; c < nc; c++) {
                size_t dw = display_width(exec_result_cell(r, row, c, &null));
                if (dw > w[c]) w[c] = dw;
            }
        for (size_t c = 0; c < nc; c++) {
            const char *nm = r->t.names[c];
            size_t pad = w[c] - display_width(nm);
            fprintf(f, "%s %*s%s%*s", c ? " |" : "", (int)(pad / 2), "", nm, (int)(pad - pad / 2), "");
        }
        fputc('\n', f);
        for (size_t c = 0; c < nc; c++) {
            fputs(c ? "-+-" : "-", f);
            for (size_t k = 0; k < w[c]; k++)
                fputc('-', f);
        }
        fputs("-\n", f);
        for (size_t row = 0; row < nr; row++) {
            for (size_t c = 0; c < nc; c++) {
                const char *v = exec_result_cell(r, row, c, &null);
                sql_type t = r->t.cols[c].type;
                bool right = t != SQL_T_VARCHAR && t != SQL_T_BOOLEAN && !null;
                size_t pad = w[c] - display_width(v);
                if (right)
                    fprintf(f, "%s %*s%s", c ? " |" : "", (int)pad, "", v);
                else
                    fprintf(f, "%s %s%*s", c ? " |" : "", v, (int)pad, "");
            }
            fputc('\n', f);
        }
        fprintf(f, "(%zu row%s)\n", nr, nr == 1 ? "" : "s");
        free(w);
    }
    return EV_OK;
}
