/*
 * cfg_pipeline.c: the pipeline file parser (see cfg_pipeline.h for the schema).
 *
 * Two passes. First, libyaml's event stream becomes a small tree of nodes, each with the mark
 * where it starts; that is where YAML syntax errors, aliases, extra documents and absurd nesting
 * are rejected. Second, the tree is walked section by section against the schema, so every
 * semantic error can point at the node that caused it. Cross-references (crawler triggers naming
 * jobs) are checked last, once every job is known.
 */
#include "cfg_pipeline.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ev_fs.h"
#include "ev_time.h"

#define MAX_DEPTH 32     /* nesting deeper than this is not a pipeline file */
#define MAX_NODES 20000  /* nor is a file with more nodes than this */
#define MAX_ENTRIES 1000 /* jobs, crawlers or gold tables per section */
#define MAX_NAME 64
#define QUOTE_MAX 80 /* longest value quoted in a message */

/* ---- the node tree --------------------------------------------------------------------------- */

typedef enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP } ynode_kind;

typedef struct ynode {
    ynode_kind kind;
    int line, col;       /* 1-based start mark */
    int plain;           /* scalar written without quotes */
    int quoted;          /* scalar in single or double quotes */
    const char *s;       /* scalar value, NUL-terminated copy */
    size_t len;          /* its length (may hold NULs from escapes) */
    struct ynode **kids; /* sequence items, or mapping keys and values alternating */
    size_t n, cap;
} ynode;

typedef struct pctx {
    const char *file;
    ev_arena *arena;
    ev_error *err;
    size_t nodes;
} pctx;

static ev_status nomem(pctx *c) {
    return ev_error_set(c->err, EV_ERR_NOMEM, "%s: out of memory reading the pipeline file", c->file);
}

/* "<file>:<line>:<col>: <path>: <message>" for the node `at`. */
static ev_status fail(pctx *c, const ynode *at, const char *path, const char *fmt, ...) EV_PRINTF(4, 5);
static ev_status fail(pctx *c, const ynode *at, const char *path, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path)
        return ev_error_set(c->err, EV_ERR_INPUT, "%s:%d:%d: %s: %s", c->file, at->line, at->col, path, msg);
    return ev_error_set(c->err, EV_ERR_INPUT, "%s:%d:%d: %s", c->file, at->line, at->col, msg);
}

static ev_status add_kid(pctx *c, ynode *parent, ynode *kid) {
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        ynode **k = ev_arena_alloc(c->arena, cap * sizeof *k);
        if (!k) return nomem(c);
        if (parent->n) memcpy(k, parent->kids, parent->n * sizeof *k);
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->n++] = kid;
    return EV_OK;
}

/* Line and column (1-based, counting UTF-8 characters) of byte `off` in text. */
static void line_col_of(const char *text, size_t len, size_t off, int *line, int *col) {
    int l = 1, cc = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n')
            l++, cc = 1;
        else if ((ch & 0xC0) != 0x80)
            cc++;
    }
    *line = l;
    *col = cc;
}

static ev_status yaml_fail(pctx *c, const yaml_parser_t *yp, const char *text, size_t len) {
    if (yp->error == YAML_MEMORY_ERROR) return nomem(c);
    int line, col;
    if (yp->error == YAML_READER_ERROR) {
        line_col_of(text, len, yp->problem_offset, &line, &col);
        return ev_error_set(c->err, EV_ERR_INPUT, "%s:%d:%d: YAML syntax error: %s", c->file, line, col,
                            yp->problem ? yp->problem : "unreadable input");
    }
    line = (int)yp->problem_mark.line + 1;
    col = (int)yp->problem_mark.column + 1;
    if (yp->context)
        return ev_error_set(c->err, EV_ERR_INPUT, "%s:%d:%d: YAML syntax error: %s %s (line %d)", c->file,
                            line, col, yp->problem ? yp->problem : "invalid YAML", yp->context,
                            (int)yp->context_mark.line + 1);
    return ev_error_set(c->err, EV_ERR_INPUT, "%s:%d:%d: YAML syntax error: %s", c->file, line, col,
                        yp->problem ? yp->problem : "invalid YAML");
}

/* Builds the node tree of the single document in text[0..len). *root is NULL for an empty file. */
static ev_status load_tree(pctx *c, const char *text, size_t len, ynode **root) {
    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) return nomem(c);
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    ev_status st = EV_OK;
    ynode *stack[MAX_DEPTH + 1];
    int depth = 0, docs = 0, done = 0;
    *root = NULL;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            st = yaml_fail(c, &yp, text, len);
            break;
        }
        ynode at = {.line = (int)ev.start_mark.line + 1, .col = (int)ev.start_mark.column + 1};
        ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) st = fail(c, &at, NULL, "a pipeline file holds one YAML document; found another");
            break;
        case YAML_ALIAS_EVENT:
            st = fail(c, &at, NULL, "YAML aliases (*%s) are not supported in a pipeline file",
                      (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const yaml_char_t *anchor = ev.type == YAML_SCALAR_EVENT           ? ev.data.scalar.anchor
                                        : ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                                               : ev.data.mapping_start.anchor;
            if (anchor) {
                st = fail(c, &at, NULL, "YAML anchors (&%s) are not supported in a pipeline file",
                          (const char *)anchor);
                break;
            }
            if (++c->nodes > MAX_NODES) {
                st = fail(c, &at, NULL, "more than %d YAML nodes; this is not a pipeline file", MAX_NODES);
                break;
            }
            node = ev_arena_alloc(c->arena, sizeof *node);
            if (!node) {
                st = nomem(c);
                break;
            }
            *node = at;
            if (ev.type == YAML_SCALAR_EVENT) {
                node->kind = YN_SCALAR;
                node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                node->quoted = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                               ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                node->len = ev.data.scalar.length;
                node->s = ev_arena_strndup(c->arena, (const char *)ev.data.scalar.value, node->len);
                if (!node->s) {
                    st = nomem(c);
                    break;
                }
            } else {
                node->kind = ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP;
            }
            if (depth > 0)
                st = add_kid(c, stack[depth - 1], node);
            else
                *root = node;
            if (st == EV_OK && node->kind != YN_SCALAR) {
                if (depth == MAX_DEPTH) {
                    st = fail(c, &at, NULL, "nesting deeper than %d levels", MAX_DEPTH);
                    break;
                }
                stack[depth++] = node;
            }
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (st != EV_OK) break;
    }
    yaml_parser_delete(&yp);
    return st;
}

/* ---- small helpers --------------------------------------------------------------------------- */

static int is_null(const ynode *n) {
    return n->kind == YN_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 || strcmp(n->s, "Null") == 0 ||
            strcmp(n->s, "NULL") == 0);
}

static const char *kind_name(const ynode *n) {
    if (n->kind == YN_MAP) return "a mapping";
    if (n->kind == YN_SEQ) return "a list";
    return is_null(n) ? "nothing" : "a scalar";
}

/* Restricted Damerau-Levenshtein distance, capped: returns 3 for anything farther than 2. */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb) {
    enum { W = MAX_NAME + 2 };
    if (la > MAX_NAME || lb > MAX_NAME) return 3;
    if ((la > lb ? la - lb : lb - la) > 2) return 3;
    int d[W][W];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > 2 ? 3 : d[la][lb];
}

/* The closest of `names` within distance 2 of s, or NULL. */
static const char *closest(const char *s, size_t len, const char *const *names, size_t n) {
    const char *best = NULL;
    int best_d = 3;
    for (size_t i = 0; i < n; i++) {
        int dd = edit_distance(s, len, names[i], strlen(names[i]));
        if (dd < best_d) best_d = dd, best = names[i];
    }
    return best;
}

/* Quotes a scalar for a message: at most QUOTE_MAX bytes, control bytes as '?'. */
static const char *quote(const ynode *n, char *buf, size_t cap) {
    size_t i = 0;
    for (; i < n->len && i < QUOTE_MAX && i + 4 < cap; i++) {
        unsigned char ch = (unsigned char)n->s[i];
        buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (i < n->len && i + 4 < cap) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

static void join_path(char *out, size_t cap, const char *parent, const char *key) {
    if (parent && *parent)
        snprintf(out, cap, "%s.%s", parent, key);
    else
        snprintf(out, cap, "%s", key);
}

/* The values of a mapping with a fixed set of keys: vals[i] is the value of keys[i] or NULL.
 * Unknown, duplicate and non-scalar keys are errors. */
static ev_status get_fields(pctx *c, const ynode *map, const char *path, const char *const *keys,
                            size_t nkeys, const ynode **vals) {
    const ynode *key_nodes[16] = {0};
    for (size_t i = 0; i < nkeys; i++)
        vals[i] = NULL;
    if (map->kind != YN_MAP)
        return fail(c, map, path, "expected a mapping of settings, found %s", kind_name(map));
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const ynode *k = map->kids[i], *v = map->kids[i + 1];
        if (k->kind != YN_SCALAR) return fail(c, k, path, "keys must be plain names");
        size_t j = 0;
        while (j < nkeys && !(strlen(keys[j]) == k->len && memcmp(keys[j], k->s, k->len) == 0))
            j++;
        char q[QUOTE_MAX + 8];
        if (j == nkeys) {
            const char *near = closest(k->s, k->len, keys, nkeys);
            if (near)
                return fail(c, k, path, "unknown key '%s'; did you mean '%s'?", quote(k, q, sizeof q), near);
            return fail(c, k, path, "unknown key '%s'", quote(k, q, sizeof q));
        }
        if (vals[j])
            return fail(c, k, path, "duplicate key '%s' (first at line %d)", keys[j], key_nodes[j]->line);
        vals[j] = v;
        key_nodes[j] = k;
    }
    return EV_OK;
}

static ev_status missing(pctx *c, const ynode *map, const char *path, const char *key) {
    return fail(c, map, path, "missing required key '%s'", key);
}

/* A non-empty string without NUL bytes. */
static ev_status get_string(pctx *c, const ynode *n, const char *path, const char **out) {
    if (n->kind != YN_SCALAR) return fail(c, n, path, "expected a value, found %s", kind_name(n));
    if (is_null(n)) return fail(c, n, path, "expected a value, found nothing");
    if (strlen(n->s) != n->len) return fail(c, n, path, "contains a NUL character");
    *out = n->s;
    return EV_OK;
}

static ev_status get_enum(pctx *c, const ynode *n, const char *path, const char *const *names, size_t count,
                          int *out) {
    const char *s;
    EV_TRY(get_string(c, n, path, &s));
    for (size_t i = 0; i < count; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return EV_OK;
        }
    char list[256] = "", q[QUOTE_MAX + 8];
    for (size_t i = 0; i < count; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", names[i]);
    }
    return fail(c, n, path, "'%s' is not one of %s", quote(n, q, sizeof q), list);
}

/* A decimal integer in [lo, hi] (unsigned, at most 20 digits). */
static ev_status get_uint(pctx *c, const ynode *n, const char *path, uint64_t lo, uint64_t hi,
                          uint64_t *out) {
    const char *s;
    EV_TRY(get_string(c, n, path, &s));
    char q[QUOTE_MAX + 8];
    uint64_t v = 0;
    int over = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            over = 1;
        else
            v = v * 10 + digit;
    }
    if (i == 0 || s[i] != '\0')
        return fail(c, n, path, "expected a whole number, found '%s'", quote(n, q, sizeof q));
    if (over || v < lo || v > hi)
        return fail(c, n, path, "%s is out of range %llu-%llu", quote(n, q, sizeof q), (unsigned long long)lo,
                    (unsigned long long)hi);
    *out = v;
    return EV_OK;
}

static int valid_name(const char *s, size_t len) {
    if (len == 0 || len > MAX_NAME) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return 0;
    }
    return 1;
}

static ev_status get_name(pctx *c, const ynode *n, const char *path, const char *what, const char **out) {
    char q[QUOTE_MAX + 8];
    if (n->kind != YN_SCALAR || is_null(n))
        return fail(c, n, path, "expected a %s, found %s", what, kind_name(n));
    if (!valid_name(n->s, n->len))
        return fail(c, n, path, "'%s' is not a valid %s (1-%d letters, digits, _ or -)",
                    quote(n, q, sizeof q), what, MAX_NAME);
    *out = n->s;
    return EV_OK;
}

/* "db.table". */
static ev_status get_target(pctx *c, const ynode *n, const char *path, const char **db, const char **table) {
    const char *s;
    char q[QUOTE_MAX + 8];
    EV_TRY(get_string(c, n, path, &s));
    const char *dot = strchr(s, '.');
    if (!dot || !valid_name(s, (size_t)(dot - s)) || !valid_name(dot + 1, strlen(dot + 1)))
        return fail(c, n, path,
                    "'%s' is not a table name of the form database.table (names of letters, "
                    "digits, _ or -)",
                    quote(n, q, sizeof q));
    *db = ev_arena_strndup(c->arena, s, (size_t)(dot - s));
    if (!*db) return nomem(c);
    *table = dot + 1;
    return EV_OK;
}

static ev_status get_schedule(pctx *c, const ynode *n, const char *path, cfg_schedule *out) {
    EV_TRY(get_string(c, n, path, &out->text));
    ev_error serr;
    int col = 0;
    if (sched_expr_parse_at(out->text, &out->expr, &col, &serr) != EV_OK) {
        /* point at the column inside the expression when the scalar sits on one line */
        ynode at = *n;
        if (col > 0 && !strchr(out->text, '\n') && (n->plain || n->quoted))
            at.col = n->col + (n->quoted ? 1 : 0) + col - 1;
        return fail(c, &at, path, "%s", serr.msg);
    }
    out->mark.line = n->line;
    out->mark.column = n->col;
    return EV_OK;
}

/* ---- sections -------------------------------------------------------------------------------- */

static ev_status parse_storage(pctx *c, const ynode *n, cfg_storage *out) {
    static const char *const keys[] = {"location", "raw_prefix"};
    const ynode *v[2];
    EV_TRY(get_fields(c, n, "storage", keys, 2, v));
    if (!v[0]) return missing(c, n, "storage", "location");
    EV_TRY(get_string(c, v[0], "storage.location", &out->location));
    out->raw_prefix = "raw/events";
    if (v[1]) EV_TRY(get_string(c, v[1], "storage.raw_prefix", &out->raw_prefix));
    return EV_OK;
}

static ev_status parse_events_range(pctx *c, const ynode *n, const char *path, int64_t *lo, int64_t *hi) {
    const char *s;
    char q[QUOTE_MAX + 8];
    EV_TRY(get_string(c, n, path, &s));
    const int64_t max = 100000000;
    int64_t a = 0, b = 0;
    size_t i = 0;
    int digits = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++, digits++)
        if (a <= max) a = a * 10 + (s[i] - '0');
    if (!digits) goto bad;
    b = a;
    if (s[i] == '-') {
        i++;
        b = 0;
        digits = 0;
        for (; s[i] >= '0' && s[i] <= '9'; i++, digits++)
            if (b <= max) b = b * 10 + (s[i] - '0');
        if (!digits) goto bad;
    }
    if (s[i] != '\0') goto bad;
    if (a < 1 || b > max || a > max)
        return fail(c, n, path, "'%s': events per object must be 1-%lld", quote(n, q, sizeof q),
                    (long long)max);
    if (a > b) return fail(c, n, path, "'%s': the minimum is larger than the maximum", quote(n, q, sizeof q));
    *lo = a;
    *hi = b;
    return EV_OK;
bad:
    return fail(c, n, path, "expected N or MIN-MAX (as in 500000-750000), found '%s'", quote(n, q, sizeof q));
}

static ev_status parse_generator(pctx *c, const ynode *n, cfg_generator *g) {
    static const char *const keys[] = {"schedule", "profile", "events_per_object", "seed", "bad_rate"};
    static const char *const profiles[] = {"starter", "realistic"};
    const ynode *v[5];
    EV_TRY(get_fields(c, n, "generator", keys, 5, v));
    if (!v[0]) return missing(c, n, "generator", "schedule");
    EV_TRY(get_schedule(c, v[0], "generator.schedule", &g->schedule));
    g->profile = CFG_PROFILE_STARTER;
    if (v[1]) {
        int p;
        EV_TRY(get_enum(c, v[1], "generator.profile", profiles, 2, &p));
        g->profile = (cfg_profile)p;
    }
    g->events_min = 500000;
    g->events_max = 750000;
    if (v[2])
        EV_TRY(parse_events_range(c, v[2], "generator.events_per_object", &g->events_min, &g->events_max));
    g->seed = 42;
    if (v[3]) EV_TRY(get_uint(c, v[3], "generator.seed", 0, UINT64_MAX, &g->seed));
    g->bad_rate = 0;
    if (v[4]) {
        const char *s;
        char q[QUOTE_MAX + 8];
        EV_TRY(get_string(c, v[4], "generator.bad_rate", &s));
        char *end = NULL;
        double d = strtod(s, &end);
        if (end == s || *end != '\0' || !isfinite(d) || !(s[0] >= '0' && s[0] <= '9') || !(d >= 0 && d <= 1))
            return fail(c, v[4], "generator.bad_rate", "expected a fraction 0-1, found '%s'",
                        quote(v[4], q, sizeof q));
        g->bad_rate = d;
    }
    return EV_OK;
}

/* The entries of a NAME -> mapping section (jobs, crawlers, gold): checks names and duplicates.
 * A null section is empty. */
static ev_status section_entries(pctx *c, const ynode *n, const char *path, const char *what) {
    if (is_null(n)) return EV_OK;
    if (n->kind != YN_MAP)
        return fail(c, n, path, "expected a mapping of %ss to settings, found %s", what, kind_name(n));
    if (n->n / 2 > MAX_ENTRIES) return fail(c, n, path, "more than %d entries", MAX_ENTRIES);
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const ynode *k = n->kids[i];
        const char *name;
        EV_TRY(get_name(c, k, path, what, &name));
        for (size_t j = 0; j < i; j += 2)
            if (strcmp(n->kids[j]->s, name) == 0)
                return fail(c, k, path, "duplicate %s '%s' (first at line %d)", what, name, n->kids[j]->line);
    }
    return EV_OK;
}

static ev_status parse_job(pctx *c, const ynode *key, const ynode *n, cfg_job *j) {
    static const char *const keys[] = {"source",    "target",      "partition_keys",
                                       "format",    "compression", "schedule",
                                       "bookmarks", "max_retries", "retry_backoff"};
    static const char *const formats[] = {"parquet"};
    static const char *const compressions[] = {"zstd", "snappy", "gzip", "none"};
    static const char *const bookmarks[] = {"enabled", "disabled"};
    static const char *const part_names[] = {"year", "month", "day", "hour"};
    char path[128], sub[160];
    j->name = key->s;
    j->mark.line = key->line;
    j->mark.column = key->col;
    join_path(path, sizeof path, "jobs", j->name);
    const ynode *v[9];
    EV_TRY(get_fields(c, n, path, keys, 9, v));
    if (!v[0]) return missing(c, n, path, "source");
    if (!v[1]) return missing(c, n, path, "target");
    join_path(sub, sizeof sub, path, "source");
    EV_TRY(get_string(c, v[0], sub, &j->source));
    join_path(sub, sizeof sub, path, "target");
    EV_TRY(get_target(c, v[1], sub, &j->target_db, &j->target_table));

    j->partition_keys = ev_arena_alloc(c->arena, 4 * sizeof *j->partition_keys);
    if (!j->partition_keys) return nomem(c);
    if (v[2]) {
        join_path(sub, sizeof sub, path, "partition_keys");
        const ynode *l = v[2];
        if (l->kind != YN_SEQ)
            return fail(c, l, sub, "expected a list such as [year, month, day, hour], found %s",
                        kind_name(l));
        if (l->n == 0) return fail(c, l, sub, "expected at least one partition key");
        int seen[4] = {0};
        for (size_t i = 0; i < l->n; i++) {
            int which;
            EV_TRY(get_enum(c, l->kids[i], sub, part_names, 4, &which));
            if (seen[which]) return fail(c, l->kids[i], sub, "'%s' is listed twice", part_names[which]);
            seen[which] = 1;
            j->partition_keys[j->n_partition_keys++] = part_names[which];
        }
    } else {
        for (int i = 0; i < 4; i++)
            j->partition_keys[j->n_partition_keys++] = part_names[i];
    }
    int e = 0;
    j->format = CFG_FORMAT_PARQUET;
    if (v[3]) {
        join_path(sub, sizeof sub, path, "format");
        EV_TRY(get_enum(c, v[3], sub, formats, 1, &e));
        j->format = (cfg_format)e;
    }
    j->compression = CFG_COMPRESSION_ZSTD;
    if (v[4]) {
        join_path(sub, sizeof sub, path, "compression");
        EV_TRY(get_enum(c, v[4], sub, compressions, 4, &e));
        j->compression = (cfg_compression)e;
    }
    if (v[5]) {
        join_path(sub, sizeof sub, path, "schedule");
        EV_TRY(get_schedule(c, v[5], sub, &j->schedule));
        j->has_schedule = 1;
    }
    j->bookmarks = 1;
    if (v[6]) {
        join_path(sub, sizeof sub, path, "bookmarks");
        EV_TRY(get_enum(c, v[6], sub, bookmarks, 2, &e));
        j->bookmarks = e == 0;
    }
    if (v[7]) {
        uint64_t r;
        join_path(sub, sizeof sub, path, "max_retries");
        EV_TRY(get_uint(c, v[7], sub, 0, 100, &r));
        j->max_retries = (int)r;
    }
    j->retry_backoff_usec = 60 * EV_USEC_PER_SEC;
    if (v[8]) {
        const char *s;
        char q[QUOTE_MAX + 8];
        join_path(sub, sizeof sub, path, "retry_backoff");
        EV_TRY(get_string(c, v[8], sub, &s));
        if (ev_duration_parse(s, &j->retry_backoff_usec) != EV_OK ||
            j->retry_backoff_usec > 7 * EV_USEC_PER_DAY)
            return fail(c, v[8], sub, "expected a duration up to 7d such as 30s, 5m or 1h, found '%s'",
                        quote(v[8], q, sizeof q));
    }
    return EV_OK;
}

static ev_status parse_crawler(pctx *c, const ynode *key, const ynode *n, cfg_crawler *cr) {
    static const char *const keys[] = {"target", "trigger", "schedule"};
    static const char *const tkeys[] = {"on", "state"};
    static const char *const states[] = {"SUCCEEDED", "FAILED"};
    char path[128], sub[160];
    cr->name = key->s;
    cr->mark.line = key->line;
    cr->mark.column = key->col;
    join_path(path, sizeof path, "crawlers", cr->name);
    const ynode *v[3];
    EV_TRY(get_fields(c, n, path, keys, 3, v));
    if (!v[0]) return missing(c, n, path, "target");
    join_path(sub, sizeof sub, path, "target");
    EV_TRY(get_target(c, v[0], sub, &cr->target_db, &cr->target_table));
    if (v[1] && v[2]) return fail(c, v[2], path, "a crawler has a trigger or a schedule, not both");
    if (!v[1] && !v[2])
        return fail(c, n, path, "missing 'trigger' (on: JOB, state: SUCCEEDED) or 'schedule'");
    if (v[2]) {
        join_path(sub, sizeof sub, path, "schedule");
        cr->trigger = CFG_TRIGGER_SCHEDULE;
        return get_schedule(c, v[2], sub, &cr->schedule);
    }
    join_path(sub, sizeof sub, path, "trigger");
    const ynode *t[2];
    EV_TRY(get_fields(c, v[1], sub, tkeys, 2, t));
    if (!t[0]) return missing(c, v[1], sub, "on");
    cr->trigger = CFG_TRIGGER_ON_JOB;
    char sub2[192];
    join_path(sub2, sizeof sub2, sub, "on");
    EV_TRY(get_name(c, t[0], sub2, "job name", &cr->on_job));
    cr->on_state = CFG_STATE_SUCCEEDED;
    if (t[1]) {
        int s;
        join_path(sub2, sizeof sub2, sub, "state");
        EV_TRY(get_enum(c, t[1], sub2, states, 2, &s));
        cr->on_state = (cfg_run_state)s;
    }
    return EV_OK;
}

static ev_status parse_bytes(pctx *c, const ynode *n, const char *path, uint64_t *out) {
    static const struct {
        const char *unit;
        int shift;
    } units[] = {{"", 0}, {"B", 0}, {"KB", 10}, {"MB", 20}, {"GB", 30}, {"TB", 40}};
    const char *s;
    char q[QUOTE_MAX + 8];
    EV_TRY(get_string(c, n, path, &s));
    uint64_t v = 0;
    size_t i = 0;
    int over = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        uint64_t digit = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - digit) / 10)
            over = 1;
        else
            v = v * 10 + digit;
    }
    if (i == 0) goto bad;
    const char *u = s + i;
    if (*u == ' ') u++;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strcmp(u, units[k].unit) == 0) {
            if (over || v > (UINT64_MAX >> units[k].shift))
                return fail(c, n, path, "'%s' is too large", quote(n, q, sizeof q));
            *out = v << units[k].shift;
            return EV_OK;
        }
bad:
    return fail(c, n, path, "expected a size such as 10GB (units B, KB, MB, GB, TB), found '%s'",
                quote(n, q, sizeof q));
}

static ev_status parse_workgroup(pctx *c, const ynode *n, cfg_workgroup *w) {
    static const char *const keys[] = {"name", "results", "bytes_scanned_limit"};
    const ynode *v[3];
    w->name = "primary";
    w->results = "results/";
    w->bytes_scanned_limit = 0;
    if (is_null(n)) return EV_OK;
    EV_TRY(get_fields(c, n, "workgroup", keys, 3, v));
    if (v[0]) EV_TRY(get_name(c, v[0], "workgroup.name", "workgroup name", &w->name));
    if (v[1]) EV_TRY(get_string(c, v[1], "workgroup.results", &w->results));
    if (v[2]) EV_TRY(parse_bytes(c, v[2], "workgroup.bytes_scanned_limit", &w->bytes_scanned_limit));
    return EV_OK;
}

static ev_status parse_gold(pctx *c, const ynode *key, const ynode *n, cfg_gold *g) {
    static const char *const keys[] = {"sql", "refresh"};
    char path[128], sub[160];
    g->name = key->s;
    g->mark.line = key->line;
    g->mark.column = key->col;
    join_path(path, sizeof path, "gold", g->name);
    const ynode *v[2];
    EV_TRY(get_fields(c, n, path, keys, 2, v));
    if (!v[0]) return missing(c, n, path, "sql");
    join_path(sub, sizeof sub, path, "sql");
    EV_TRY(get_string(c, v[0], sub, &g->sql));
    if (v[1]) {
        join_path(sub, sizeof sub, path, "refresh");
        EV_TRY(get_string(c, v[1], sub, &g->refresh));
    }
    return EV_OK;
}

/* ---- the file -------------------------------------------------------------------------------- */

static ev_status check_triggers(pctx *c, cfg_pipeline *p, const ynode *crawlers) {
    for (size_t i = 0; i < p->n_crawlers; i++) {
        cfg_crawler *cr = &p->crawlers[i];
        if (cr->trigger != CFG_TRIGGER_ON_JOB) continue;
        size_t j = 0;
        while (j < p->n_jobs && strcmp(p->jobs[j].name, cr->on_job) != 0)
            j++;
        if (j < p->n_jobs) {
            cr->on_job_index = j;
            continue;
        }
        /* find the node of trigger.on again to point at it */
        const ynode *at = crawlers->kids[2 * i + 1];
        for (size_t k = 0; at->kind == YN_MAP && k + 1 < at->n; k += 2)
            if (strcmp(at->kids[k]->s, "trigger") == 0 && at->kids[k + 1]->kind == YN_MAP) {
                const ynode *t = at->kids[k + 1];
                for (size_t m = 0; m + 1 < t->n; m += 2)
                    if (strcmp(t->kids[m]->s, "on") == 0) at = t->kids[m + 1];
                break;
            }
        char path[160], q[QUOTE_MAX + 8];
        snprintf(path, sizeof path, "crawlers.%s.trigger.on", cr->name);
        const char *names[MAX_ENTRIES];
        for (size_t k = 0; k < p->n_jobs; k++)
            names[k] = p->jobs[k].name;
        ynode name_node = {.kind = YN_SCALAR, .s = cr->on_job, .len = strlen(cr->on_job)};
        const char *near = closest(cr->on_job, strlen(cr->on_job), names, p->n_jobs);
        if (near)
            return fail(c, at, path, "no job named '%s' in this file; did you mean '%s'?",
                        quote(&name_node, q, sizeof q), near);
        return fail(c, at, path, "no job named '%s' in this file", quote(&name_node, q, sizeof q));
    }
    return EV_OK;
}

ev_status cfg_pipeline_parse(const char *text, size_t len, const char *name_for_errors, ev_arena *arena,
                             cfg_pipeline **out, ev_error *err) {
    static const char *const keys[] = {"version",  "storage",   "generator", "jobs",
                                       "crawlers", "workgroup", "gold"};
    pctx c = {name_for_errors ? name_for_errors : "pipeline", arena, err, 0};
    ynode *root = NULL;
    EV_TRY(load_tree(&c, text, len, &root));
    ynode top = {.kind = YN_SCALAR, .line = 1, .col = 1, .plain = 1, .s = ""}; /* "absent" */
    if (!root || is_null(root)) return fail(&c, root ? root : &top, NULL, "the pipeline file is empty");
    if (root->kind != YN_MAP)
        return fail(&c, root, NULL, "expected a mapping of sections (version, storage, ...), found %s",
                    kind_name(root));
    const ynode *v[7];
    EV_TRY(get_fields(&c, root, "", keys, 7, v));
    cfg_pipeline *p = ev_arena_alloc(arena, sizeof *p);
    if (!p) return nomem(&c);
    memset(p, 0, sizeof *p);
    p->name_for_errors = c.file;

    if (!v[0]) return missing(&c, root, NULL, "version");
    uint64_t version;
    if (v[0]->kind == YN_SCALAR && !is_null(v[0]) && strcmp(v[0]->s, "1") != 0) {
        char q[QUOTE_MAX + 8];
        return fail(&c, v[0], "version", "unsupported version '%s'; this evlake reads version 1",
                    quote(v[0], q, sizeof q));
    }
    EV_TRY(get_uint(&c, v[0], "version", 1, 1, &version));
    p->version = (int)version;

    if (!v[1]) return missing(&c, root, NULL, "storage");
    EV_TRY(parse_storage(&c, v[1], &p->storage));

    if (v[2] && !is_null(v[2])) {
        p->has_generator = 1;
        EV_TRY(parse_generator(&c, v[2], &p->generator));
    }

    if (v[3]) {
        EV_TRY(section_entries(&c, v[3], "jobs", "job name"));
        size_t n = v[3]->kind == YN_MAP ? v[3]->n / 2 : 0;
        if (n) {
            p->jobs = ev_arena_alloc(arena, n * sizeof *p->jobs);
            if (!p->jobs) return nomem(&c);
            memset(p->jobs, 0, n * sizeof *p->jobs);
        }
        for (size_t i = 0; i < n; i++, p->n_jobs++)
            EV_TRY(parse_job(&c, v[3]->kids[2 * i], v[3]->kids[2 * i + 1], &p->jobs[i]));
    }
    if (v[4]) {
        EV_TRY(section_entries(&c, v[4], "crawlers", "crawler name"));
        size_t n = v[4]->kind == YN_MAP ? v[4]->n / 2 : 0;
        if (n) {
            p->crawlers = ev_arena_alloc(arena, n * sizeof *p->crawlers);
            if (!p->crawlers) return nomem(&c);
            memset(p->crawlers, 0, n * sizeof *p->crawlers);
        }
        for (size_t i = 0; i < n; i++, p->n_crawlers++)
            EV_TRY(parse_crawler(&c, v[4]->kids[2 * i], v[4]->kids[2 * i + 1], &p->crawlers[i]));
    }
    EV_TRY(parse_workgroup(&c, v[5] ? v[5] : &top, &p->workgroup));
    if (v[6]) {
        EV_TRY(section_entries(&c, v[6], "gold", "gold table name"));
        size_t n = v[6]->kind == YN_MAP ? v[6]->n / 2 : 0;
        if (n) {
            p->gold = ev_arena_alloc(arena, n * sizeof *p->gold);
            if (!p->gold) return nomem(&c);
            memset(p->gold, 0, n * sizeof *p->gold);
        }
        for (size_t i = 0; i < n; i++, p->n_gold++)
            EV_TRY(parse_gold(&c, v[6]->kids[2 * i], v[6]->kids[2 * i + 1], &p->gold[i]));
    }
    if (p->n_crawlers) EV_TRY(check_triggers(&c, p, v[4]));
    *out = p;
    return EV_OK;
}

ev_status cfg_pipeline_load(const char *path, ev_arena *arena, cfg_pipeline **out, ev_error *err) {
    ev_buf buf;
    ev_buf_init(&buf, arena->alloc);
    ev_status st = ev_read_file(path, &buf, err);
    if (st == EV_OK)
        st = cfg_pipeline_parse(buf.data ? (const char *)buf.data : "", buf.len, path, arena, out, err);
    ev_buf_free(&buf);
    return st;
}

const cfg_job *cfg_pipeline_find_job(const cfg_pipeline *p, const char *name) {
    for (size_t i = 0; i < p->n_jobs; i++)
        if (strcmp(p->jobs[i].name, name) == 0) return &p->jobs[i];
    return NULL;
}

const char *cfg_compression_name(cfg_compression c) {
    switch (c) {
    case CFG_COMPRESSION_ZSTD:
        return "zstd";
    case CFG_COMPRESSION_SNAPPY:
        return "snappy";
    case CFG_COMPRESSION_GZIP:
        return "gzip";
    case CFG_COMPRESSION_NONE:
        return "none";
    }
    return "?";
}

const char *cfg_profile_name(cfg_profile p) {
    return p == CFG_PROFILE_REALISTIC ? "realistic" : "starter";
}

const char *cfg_run_state_name(cfg_run_state s) {
    return s == CFG_STATE_FAILED ? "FAILED" : "SUCCEEDED";
}
