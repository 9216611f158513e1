/*
 * crawl_infer.c: schema inference for files written by anyone: Parquet footers mapped to Athena
 * types, and JSON Lines (plain or gzipped) sampled line by line. Conservative on purpose: a JSON
 * string stays a string even when it looks like a time (Athena's JSON SerDes disagree on which
 * timestamp texts they parse), and mixed JSON values fall back to string, which every reader can
 * take.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawl_int.h"
#include "gz_reader.h"
#include "jsonl.h"
#include "pq.h"

void crawl_note_add(crawl_note *notes, size_t *count, const char *column, const char *type, const char *kept,
                    const char *file) {
    if (*count < CRAWL_MAX_NOTES) {
        crawl_note *n = &notes[*count];
        snprintf(n->column, sizeof n->column, "%s", column);
        snprintf(n->type, sizeof n->type, "%s", type);
        snprintf(n->kept, sizeof n->kept, "%s", kept ? kept : "");
        snprintf(n->file, sizeof n->file, "%s", file ? file : "");
    }
    (*count)++;
}

void crawl_schema_free(crawl_schema *s) {
    free(s->cols);
    memset(s, 0, sizeof *s);
}

static crawl_col *find_col(crawl_schema *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->cols[i].name) == len && !strncasecmp(s->cols[i].name, name, len)) return &s->cols[i];
    return NULL;
}

static crawl_col *add_col(crawl_schema *s, const char *name, size_t len, const char *file) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        crawl_col *grown = realloc(s->cols, cap * sizeof *grown);
        if (!grown) return NULL;
        s->cols = grown;
        s->cap = cap;
    }
    crawl_col *c = &s->cols[s->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%.*s", (int)(len < sizeof c->name ? len : sizeof c->name - 1), name);
    snprintf(c->file, sizeof c->file, "%s", file);
    return c;
}

/* ---- Parquet ---- */

/* The Athena type of a Parquet leaf column, or 0 (nested or repeated: not a flat column). */
static int athena_type(const pq_column_desc *d, char *out, size_t cap) {
    if (d->max_rep > 0 || strchr(d->path, '.')) return 0;
    const pq_logical *lg = &d->logical;
    switch (lg->kind) {
    case PQ_LOGICAL_STRING: case PQ_LOGICAL_ENUM: case PQ_LOGICAL_JSON: case PQ_LOGICAL_UUID:
        snprintf(out, cap, "string");
        return 1;
    case PQ_LOGICAL_DATE: snprintf(out, cap, "date"); return 1;
    case PQ_LOGICAL_TIMESTAMP: snprintf(out, cap, "timestamp"); return 1;
    case PQ_LOGICAL_DECIMAL: snprintf(out, cap, "decimal(%d,%d)", (int)lg->precision, (int)lg->scale); return 1;
    case PQ_LOGICAL_INT:
        /* Athena has no unsigned types: an unsigned value takes the next wider signed one. */
        if (lg->bit_width == 8) snprintf(out, cap, lg->is_signed ? "tinyint" : "smallint");
        else if (lg->bit_width == 16) snprintf(out, cap, lg->is_signed ? "smallint" : "int");
        else if (lg->bit_width == 32) snprintf(out, cap, lg->is_signed ? "int" : "bigint");
        else snprintf(out, cap, lg->is_signed ? "bigint" : "decimal(20,0)");
        return 1;
    case PQ_LOGICAL_FLOAT16: snprintf(out, cap, "float"); return 1;
    default: break;
    }
    switch (d->type) {
    case PQ_BOOLEAN: snprintf(out, cap, "boolean"); break;
    case PQ_INT32: snprintf(out, cap, "int"); break;
    case PQ_INT64: snprintf(out, cap, "bigint"); break;
    case PQ_INT96: snprintf(out, cap, "timestamp"); break;
    case PQ_FLOAT: snprintf(out, cap, "float"); break;
    case PQ_DOUBLE: snprintf(out, cap, "double"); break;
    default: snprintf(out, cap, "binary"); break;
    }
    return 1;
}

static ev_status infer_parquet(store *s, const char *key, crawl_schema *out, crawl_schema *skipped, crawl_report *rep,
                               ev_error *err) {
    char path[4096];
    if (store_local_path(s, key, path, sizeof path) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "path too long: '%s'", key);
    pq_reader *r;
    ev_error perr;
    if (pq_reader_open_file(path, NULL, &r, &perr) != EV_OK) {
        if (perr.code == EV_ERR_NOMEM) return ev_error_set(err, EV_ERR_NOMEM, "%s", perr.msg);
        if (rep->files_unreadable++ == 0) snprintf(rep->first_unreadable, sizeof rep->first_unreadable, "%s", perr.msg);
        return EV_OK;
    }
    rep->files_read++;
    const pq_file_meta *m = pq_reader_meta(r);
    ev_status st = EV_OK;
    for (size_t i = 0; st == EV_OK && i < m->num_columns; i++) {
        const pq_column_desc *d = &m->columns[i];
        char type[CRAWL_TYPE_MAX];
        if (!athena_type(d, type, sizeof type)) {
            /* a nested column is counted once, by its top-level name */
            size_t root = strcspn(d->path, ".");
            if (!find_col(skipped, d->path, root)) {
                if (!add_col(skipped, d->path, root, key)) st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
                rep->columns_skipped++;
            }
            continue;
        }
        crawl_col *c = find_col(out, d->path, strlen(d->path));
        if (!c) {
            if (!(c = add_col(out, d->path, strlen(d->path), key))) {
                st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
                break;
            }
            snprintf(c->type, sizeof c->type, "%s", type);
        } else if (strcmp(c->type, type) != 0) {
            crawl_note_add(rep->conflicts, &rep->type_conflicts, c->name, type, c->type, key);
        }
    }
    pq_reader_close(r);
    return st;
}

/* ---- JSON Lines ---- */

enum { K_BOOL = 1, K_INT = 2, K_DOUBLE = 4, K_STRING = 8, K_NESTED = 16 };

static const char *kinds_type(unsigned k) {
    if (!k) return "string"; /* only nulls: nothing says more */
    if (k == K_BOOL) return "boolean";
    if (k == K_INT) return "bigint";
    if (k == K_DOUBLE || k == (K_INT | K_DOUBLE)) return "double";
    return "string";
}

typedef struct jparse {
    const char *p, *end;
} jparse;

static void skip_ws(jparse *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')) j->p++;
}

/* Skips a string (j->p at its opening quote); copies its raw content (escapes kept) into key. */
static int skip_string(jparse *j, char *key, size_t cap, size_t *len) {
    j->p++;
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        if ((unsigned char)*j->p < 0x20) return 0;
        if (*j->p == '\\') {
            if (key && n + 1 < cap) key[n++] = *j->p;
            j->p++;
            if (j->p >= j->end) return 0;
        }
        if (key && n + 1 < cap) key[n++] = *j->p;
        j->p++;
    }
    if (j->p >= j->end) return 0;
    j->p++;
    if (key) key[n] = '\0';
    if (len) *len = n;
    return 1;
}

/* Skips a nested array or object, bounded by the line; strings may hold brackets. */
static int skip_nested(jparse *j) {
    size_t depth = 0;
    while (j->p < j->end) {
        char ch = *j->p;
        if (ch == '"') {
            if (!skip_string(j, NULL, 0, NULL)) return 0;
            continue;
        }
        if (ch == '[' || ch == '{') depth++;
        else if (ch == ']' || ch == '}') {
            if (depth-- == 0) return 0;
            if (depth == 0) {
                j->p++;
                return 1;
            }
        }
        j->p++;
    }
    return 0;
}

/* A number's kind (K_INT if integral and within int64, else K_DOUBLE), or 0 if it is not one. */
static unsigned number_kind(jparse *j) {
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-') j->p++;
    const char *digits = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
    size_t ndigits = (size_t)(j->p - digits);
    if (!ndigits || (ndigits > 1 && *digits == '0')) return 0;
    unsigned kind = K_INT;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        const char *f = j->p;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
        if (j->p == f) return 0;
        kind = K_DOUBLE;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        const char *e = j->p;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') j->p++;
        if (j->p == e) return 0;
        kind = K_DOUBLE;
    }
    if (kind == K_INT && ndigits >= 19) { /* beyond int64? compare with its limits */
        char buf[32];
        size_t n = (size_t)(j->p - s);
        if (n >= sizeof buf) return K_DOUBLE;
        memcpy(buf, s, n);
        buf[n] = '\0';
        errno = 0;
        (void)strtoll(buf, NULL, 10);
        if (errno == ERANGE) return K_DOUBLE;
    }
    return kind;
}

static int literal(jparse *j, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return 0;
    j->p += n;
    return 1;
}

/* Folds one line (a flat JSON object) into the schema; 0 if it is not a JSON object. Keys with
 * escapes are kept as written (rare, and Athena's SerDes do not agree on them either). */
static int infer_line(const char *line, size_t len, const char *file, crawl_schema *out, int *nomem) {
    jparse j = {line, line + len};
    skip_ws(&j);
    if (j.p >= j.end || *j.p != '{') return 0;
    j.p++;
    skip_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
        skip_ws(&j);
        return j.p == j.end;
    }
    for (;;) {
        skip_ws(&j);
        char key[CRAWL_NAME_MAX];
        size_t klen;
        if (j.p >= j.end || *j.p != '"' || !skip_string(&j, key, sizeof key, &klen)) return 0;
        skip_ws(&j);
        if (j.p >= j.end || *j.p != ':') return 0;
        j.p++;
        skip_ws(&j);
        if (j.p >= j.end) return 0;
        unsigned kind;
        char ch = *j.p;
        if (ch == '"') kind = skip_string(&j, NULL, 0, NULL) ? K_STRING : 0;
        else if (ch == '{' || ch == '[') kind = skip_nested(&j) ? K_NESTED : 0;
        else if (literal(&j, "null")) kind = 0xFF;
        else if (literal(&j, "true") || literal(&j, "false")) kind = K_BOOL;
        else kind = number_kind(&j);
        if (!kind) return 0;
        if (klen) {
            crawl_col *c = find_col(out, key, klen);
            if (!c && !(c = add_col(out, key, klen, file))) {
                *nomem = 1;
                return 0;
            }
            if (kind != 0xFF && (c->kinds | kind) != c->kinds) {
                if (c->kinds) snprintf(c->changed_in, sizeof c->changed_in, "%s", file);
                c->kinds |= kind;
            }
        }
        skip_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}') {
            j.p++;
            skip_ws(&j);
            return j.p == j.end;
        }
        return 0;
    }
}

static ev_status infer_json(store *s, const char *key, size_t sample_lines, gz_reader *gz, js_lines *lines,
                            crawl_schema *out, crawl_report *rep, ev_error *err) {
    char path[4096];
    if (store_local_path(s, key, path, sizeof path) != EV_OK)
        return ev_error_set(err, EV_ERR_INPUT, "path too long: '%s'", key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (rep->files_unreadable++ == 0)
            snprintf(rep->first_unreadable, sizeof rep->first_unreadable, "%s: %s", key, strerror(errno));
        return EV_OK;
    }
    gz_reader_reset_fd(gz, fd);
    js_lines_reset_gz(lines, gz);
    rep->files_read++;
    ev_status st = EV_OK;
    size_t n = 0;
    while (n < sample_lines) {
        js_line line;
        int have = 0;
        ev_error lerr;
        if (js_lines_next(lines, &line, &have, &lerr) != EV_OK) {
            if (lerr.code == EV_ERR_NOMEM) st = ev_error_set(err, EV_ERR_NOMEM, "%s", lerr.msg);
            else if (rep->files_unreadable++ == 0)
                snprintf(rep->first_unreadable, sizeof rep->first_unreadable, "%s: %s", key, lerr.msg);
            break;
        }
        if (!have) break;
        if (line.cut || line.too_long) continue;
        size_t k = 0;
        while (k < line.len && (line.ptr[k] == ' ' || line.ptr[k] == '\t')) k++;
        if (k == line.len) continue; /* blank lines hold nothing */
        n++;
        rep->lines_sampled++;
        int nomem = 0;
        if (!infer_line(line.ptr, line.len, key, out, &nomem)) {
            if (nomem) {
                st = ev_error_set(err, EV_ERR_NOMEM, "out of memory");
                break;
            }
            rep->lines_unparsable++;
        }
    }
    close(fd);
    gz_reader_reset_mem(gz, "", 0); /* the descriptor is gone */
    return st;
}

ev_status crawl_infer(store *s, const crawl_scan *scan, size_t sample_lines, crawl_schema *out, crawl_report *rep,
                      ev_error *err) {
    memset(out, 0, sizeof *out);
    int json = !strcmp(scan->format, "json");
    gz_reader *gz = NULL;
    js_lines *lines = NULL;
    crawl_schema skipped = {0};
    ev_status st = EV_OK;
    if (json) {
        gz_options go = {0, 0, 1};
        st = gz_reader_create(NULL, &go, &gz, err);
        if (st == EV_OK) st = js_lines_create(NULL, (size_t)1 << 20, &lines, err);
    }
    for (size_t i = 0; st == EV_OK && i < scan->nfiles; i++) {
        const char *key = scan->files[i].key;
        st = json ? infer_json(s, key, sample_lines ? sample_lines : 1000, gz, lines, out, rep, err)
                  : infer_parquet(s, key, out, &skipped, rep, err);
    }
    for (size_t i = 0; json && i < out->n; i++)
        snprintf(out->cols[i].type, sizeof out->cols[i].type, "%s", kinds_type(out->cols[i].kinds));
    js_lines_destroy(lines);
    gz_reader_close(gz);
    crawl_schema_free(&skipped);
    if (st != EV_OK) crawl_schema_free(out);
    return st;
}
