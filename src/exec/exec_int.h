/*
 * exec_int.h: the engine's internal vocabulary, shared by the files of src/exec.
 *
 * Values travel in column vectors of at most EXEC_BATCH rows. Every SQL type has one physical
 * form: BOOLEAN, INTEGER, BIGINT, DATE (days), TIMESTAMP and TIMESTAMPTZ (microseconds) are
 * int64_t; DOUBLE is double; VARCHAR is pq_str (pointer, length). A NULL mask is a byte per row
 * (1 = NULL), absent when no row is NULL. Whole intermediate results are exec_tables: the same
 * columns in growable arrays, strings in the table's arena.
 */
#ifndef EV_EXEC_INT_H
#define EV_EXEC_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "catalog.h"
#include "ev_hash.h"
#include "exec.h"
#include "pq.h"

#define EXEC_BATCH PQ_VECTOR_SIZE

static inline bool exec_is_int(sql_type t) {
    return t != SQL_T_DOUBLE && t != SQL_T_VARCHAR;
}
static inline bool exec_is_numeric(sql_type t) {
    return t == SQL_T_INTEGER || t == SQL_T_BIGINT || t == SQL_T_DOUBLE || t == SQL_T_UNKNOWN;
}

typedef struct exec_vec {
    sql_type type;
    uint8_t *nulls;
    union {
        int64_t *i;
        double *f;
        pq_str *s;
        void *p;
    };
    /* The dictionary form (scan batches and expressions over them, see exec_dict.c): row r is row
     * codes[r] of `dict`, whose dict_n values are followed by a NULL row that NULL rows point to.
     * dict_id names the dictionary within one worker. `p` and `nulls` may be NULL in this form
     * (the dictionary says which rows are NULL) until exec_vec_plain materializes them. */
    const uint32_t *codes;
    const struct exec_vec *dict;
    uint32_t dict_n;
    uint64_t dict_id;
    /* every row holds the same value (partition columns, columns not read): any prefix of the
     * arrays serves as a batch of fewer rows */
    bool uniform;
} exec_vec;

typedef struct exec_value {
    sql_type type;
    bool null;
    int64_t i;
    double f;
    pq_str s;
} exec_value;

typedef struct exec_batch {
    size_t n;
    size_t ncols;
    exec_vec *cols;
    /* set by a scan that applied the query's filter itself (exec_scan_set_filter): only rows
     * sel[0..nsel) passed it (sel NULL: all n) */
    bool filtered;
    const uint32_t *sel;
    size_t nsel;
} exec_batch;

/* A materialized relation. */
typedef struct exec_table {
    size_t ncols;
    char **names;
    char **quals; /* the relation alias each column came from (may be NULL) */
    size_t n, cap;
    exec_vec *cols;
    ev_arena strings;
} exec_table;

/* Memory accounting shared by a query's threads. */
typedef struct exec_budget {
    _Atomic size_t used;
    size_t limit;
} exec_budget;

/* ---- bound expressions ---- */
typedef enum exec_ekind {
    X_CONST,
    X_COL,
    X_NEG,
    X_ARITH,
    X_CMP,
    X_AND,
    X_OR,
    X_NOT,
    X_ISNULL,
    X_IN,
    X_LIKE,
    X_CASE,
    X_CAST,
    X_FUNC
} exec_ekind;

typedef struct exec_expr exec_expr;
typedef struct exec_eval exec_eval;
typedef ev_status (*exec_scalar_fn)(exec_eval *ev, const exec_expr *e, exec_vec *args, size_t n,
                                    exec_vec *out);

struct exec_expr {
    exec_ekind kind;
    sql_type type;
    sql_pos pos;
    sql_op op;
    bool negated, try_cast, has_else;
    int col;        /* X_COL */
    exec_value val; /* X_CONST */
    exec_expr **args;
    size_t nargs;
    exec_scalar_fn fn;
    const char *fname;
    int64_t aux; /* function-specific: date_trunc unit, round digits... */
};

typedef struct exec_dict_memo exec_dict_memo;

/* Evaluation context: scratch memory for one batch, the error slot, "now", and on scan workers
 * the results of expressions evaluated once per dictionary. */
struct exec_eval {
    ev_arena *scratch;
    ev_error *err;
    int64_t now_usec;
    exec_dict_memo *memo;
};

/* ---- exec_value.c ---- */
/* The hash of a string value (exec_hash_value's for VARCHAR), inline for the hot loops. The tail
 * of fewer than 8 bytes is read with at most two overlapping loads, not a variable-length memcpy
 * (a call per hash: most keys here are ids of 6-8 bytes); the length is mixed in, so strings that
 * share the loaded bytes still differ. */
static inline uint64_t exec_hash_bytes(const char *p, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = ev_mix64(h ^ w) + 0x632be59bd9b4e019ULL;
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        w = (uint64_t)lo | (uint64_t)hi << 32;
    } else if (n) {
        w = (uint64_t)(uint8_t)p[0] | (uint64_t)(uint8_t)p[n / 2] << 8 | (uint64_t)(uint8_t)p[n - 1] << 16;
    }
    return ev_mix64(h ^ w);
}

void *exec_scratch(exec_eval *ev, size_t bytes);
ev_status exec_vec_alloc(exec_eval *ev, sql_type t, size_t n, bool nulls, exec_vec *out) EV_WUR;
void exec_vec_get(const exec_vec *v, size_t row, exec_value *out);
void exec_vec_set(exec_vec *v, size_t row, const exec_value *val);
uint64_t exec_hash_value(const exec_vec *v, size_t row);
/* One hash of a row over several columns (grouping, DISTINCT, join keys). */
uint64_t exec_hash_row(const exec_vec *cols, size_t ncols, size_t row);
int exec_cmp_rows(const exec_vec *a, size_t ra, const exec_vec *b, size_t rb); /* NULL sorts last */
bool exec_eq_rows(const exec_vec *a, size_t ra, const exec_vec *b, size_t rb); /* NULL = NULL */
int exec_value_cmp(const exec_value *a, const exec_value *b);
/* Text of a value as Athena shows it, into buf (or a pointer into the string for VARCHAR). */
const char *exec_value_text(const exec_value *v, char *buf, size_t cap, size_t *len);
size_t exec_type_size(sql_type t);

ev_status exec_table_init(exec_table *t, size_t ncols, char *const *names, const sql_type *types,
                          ev_error *err) EV_WUR;
void exec_table_free(exec_table *t);
ev_status exec_table_reserve(exec_table *t, size_t extra, exec_budget *b, ev_error *err) EV_WUR;
/* Appends an unnamed column with room for `rows` zeroed, non-NULL values; returns it in *out. */
ev_status exec_table_add_column(exec_table *t, sql_type type, size_t rows, exec_vec **out,
                                ev_error *err) EV_WUR;
/* Appends rows sel[0..n) of batch (all rows when sel is NULL), copying strings. */
ev_status exec_table_append(exec_table *t, const exec_batch *b, const uint32_t *sel, size_t n,
                            exec_budget *bud, ev_error *err) EV_WUR;
ev_status exec_table_append_table(exec_table *t, const exec_table *src, const uint32_t *rows, size_t n,
                                  exec_budget *bud, ev_error *err) EV_WUR;
/* The rows sel[0..n) of b as a batch of their own (codes stay codes). */
ev_status exec_batch_select(exec_eval *ev, const exec_batch *b, const uint32_t *sel, size_t n,
                            exec_batch *out) EV_WUR;
/* A batch view of rows [start, start+n) of a table. */
void exec_table_slice(const exec_table *t, size_t start, size_t n, exec_batch *b, exec_vec *cols);
ev_status exec_budget_take(exec_budget *b, size_t bytes, ev_error *err) EV_WUR;
void exec_budget_give(exec_budget *b, size_t bytes);

/* ---- exec_expr.c ---- */
/* Evaluates e over the batch; the result has its values (p) materialized. */
ev_status exec_eval_expr(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) EV_WUR;
/* Same, but the result may come in the dictionary form only (codes, p NULL) when e reads one
 * dictionary-coded column: for consumers that work on codes (filters, grouping, DISTINCT). */
ev_status exec_eval_coded(exec_eval *ev, const exec_expr *e, const exec_batch *b, exec_vec *out) EV_WUR;
/* Evaluates a predicate and returns the selected rows in sel (capacity b->n). */
ev_status exec_eval_filter(exec_eval *ev, const exec_expr *e, const exec_batch *b, uint32_t *sel,
                           size_t *nsel) EV_WUR;
/* Casts one value; EV_ERR_INPUT with Trino's message unless try. */
ev_status exec_cast_value(exec_eval *ev, exec_value *v, sql_type to, bool try_cast, sql_pos pos) EV_WUR;
bool exec_like_match(const char *s, size_t n, const char *pat, size_t pn, int esc);

/* ---- exec_dict.c: working on dictionary codes ---- */
exec_dict_memo *exec_dict_memo_new(void);
void exec_dict_memo_free(exec_dict_memo *m);
/* Forgets every result (their dictionaries are about to go); ids keep counting. */
void exec_dict_memo_reset(exec_dict_memo *m);
/* A fresh dictionary id, unique within the worker owning the memo. */
uint64_t exec_dict_new_id(exec_dict_memo *m);
/* Evaluates e, which reads only column c of b (coded), once per dictionary entry and hands the
 * rows out as codes into that result. *done is false when it cannot (an entry fails to evaluate,
 * say a cast of an unused value): the caller evaluates e row by row instead. */
ev_status exec_dict_eval(exec_eval *ev, const exec_expr *e, const exec_batch *b, int c, exec_vec *out,
                         bool *done) EV_WUR;
/* Materializes the values and NULL flags of a coded vector of n rows (no-op when p is there). */
ev_status exec_vec_plain(exec_eval *ev, exec_vec *v, size_t n) EV_WUR;
/* For a coded BOOLEAN vector: a byte per dictionary row (dict_n + 1), 1 where the value is TRUE. */
const uint8_t *exec_dict_truth(exec_eval *ev, const exec_vec *v);
/* The column e reads when it reads exactly one and is worth evaluating per dictionary entry;
 * -1 otherwise. */
int exec_expr_single_column(const exec_expr *e);

/* ---- exec_func.c ---- */
typedef struct exec_func_def {
    const char *name;
    int min_args, max_args;
    exec_scalar_fn fn;
} exec_func_def;
const exec_func_def *exec_func_find(const char *name);
/* Decides the result type and checks argument types; may coerce arguments (adds casts). */
ev_status exec_func_bind(exec_expr *e, ev_arena *a, ev_error *err) EV_WUR;
/* x itself when already of type `to`, else a CAST node around it (NULL when out of memory). */
exec_expr *exec_coerce(ev_arena *a, exec_expr *x, sql_type to);
/* The common super type of two types for CASE, COALESCE, UNION, comparisons; false if none. */
bool exec_common_type(sql_type a, sql_type b, sql_type *out);

/* ---- a statement being run ---- */
/* ---- exec_files.c: Parquet readers a session keeps open between queries ---- */
typedef struct exec_files exec_files;
exec_files *exec_files_new(size_t dict_cache);
void exec_files_free(exec_files *f); /* every reader released first; accepts NULL */
/* A reader of the file at path, shared with the session's earlier and concurrent uses while the
 * file is unchanged on disk (device, inode, size, mtime); give it back with exec_files_release. */
ev_status exec_files_open(exec_files *f, const char *path, pq_reader **out, ev_error *err) EV_WUR;
void exec_files_release(exec_files *f, pq_reader *r);

struct exec_session {
    char *home;
    char *database;
    cat *cat;
    int threads;
    size_t memory_limit;
    uint64_t scan_limit;
    char *workgroup;   /* "primary" unless the options say otherwise */
    char *results;     /* where query results go: relative to the home, or absolute */
    char query_id[40]; /* of the statement being run (names the files it writes) */
    char *crash_point; /* tests only; NULL */
    exec_files *files; /* NULL: each scan opens and closes its files */
};

typedef struct exec_query {
    exec_session *s;
    ev_arena *arena; /* binding: lives as long as the statement */
    ev_error *err;
    exec_budget budget;
    exec_stats stats;
    _Atomic uint64_t bytes_scanned, rows_scanned;
    int threads;
    int64_t now_usec;
    bool explain;
    ev_buf *explain_out;
} exec_query;

/* ---- exec_scan.c: reading a catalog table ---- */
typedef struct exec_scan exec_scan;

/* Called by each worker for every batch; worker in [0, threads). Returning EV_ERR_CANCELLED stops
 * every worker quietly (a LIMIT is satisfied). b == NULL at the end of each row group: the
 * dictionaries of the batches so far are about to go, so whatever holds codes must resolve them. */
typedef ev_status (*exec_sink_fn)(void *ctx, int worker, exec_eval *ev, const exec_batch *b);

/* Lists the files of `t` (from the catalog; for tables written by others, from their partitions'
 * folders). Batches carry every column of t in catalog order; only `needed` ones are read, the
 * others are all-NULL. */
ev_status exec_scan_open(exec_query *q, const cat_table *t, const bool *needed, exec_scan **out) EV_WUR;
/* Prunes partitions with conjuncts over partition columns, and marks row groups whose statistics
 * prove a conjunct false. Conjuncts are bound over t's columns. */
ev_status exec_scan_prune(exec_query *q, exec_scan *sc, exec_expr *const *conj, size_t n) EV_WUR;
/* Runs the scan on `threads` workers feeding `fn`. */
ev_status exec_scan_run(exec_query *q, exec_scan *sc, int threads, exec_sink_fn fn, void *ctx) EV_WUR;
/* Has the scan apply `filter` (bound to the scan's columns) before it decodes the columns the
 * filter does not read: those are decoded only for the rows that pass (late materialization: a
 * filter that keeps one row in ten spares nine tenths of their decoding). The sink then receives
 * batches marked `filtered`. */
void exec_scan_set_filter(exec_scan *sc, const exec_expr *filter);
/* Rows answered by metadata alone (no pruned row group) or -1 when unknown. */
int64_t exec_scan_row_count(const exec_scan *sc);
void exec_scan_explain(const exec_scan *sc, ev_buf *out);
void exec_scan_close(exec_scan *sc);
/* Feeds a materialized table to fn in batches, on one worker. */
ev_status exec_table_run(exec_query *q, const exec_table *t, exec_sink_fn fn, void *ctx) EV_WUR;

/* ---- exec_json.c: JSON tables (the OpenX JSON SerDe's), one object a line, gzip or plain ---- */
typedef struct exec_json exec_json;
/* A reader for one scan worker of a table's data columns (names and types outlive it); only the
 * needed ones are converted. null_malformed: a line that is not a JSON object is a row of NULLs
 * (the SerDe's 'ignore.malformed.json'), else an error. Errors: EV_ERR_NOMEM, EV_ERR_UNSUPPORTED (over 64 needed columns). */
ev_status exec_json_new(const char *const *names, const sql_type *types, const bool *needed, size_t ncols,
                        bool null_malformed, exec_json **out, ev_error *err) EV_WUR;
void exec_json_free(exec_json *j); /* accepts NULL */
/* Starts on the file at path (kept by the caller until the next open). Errors: EV_ERR_IO. */
ev_status exec_json_open(exec_json *j, const char *path, ev_error *err) EV_WUR;
/* The next rows (at most EXEC_BATCH, *n = 0 at the end of the file) in (*cols)[c] for each needed
 * column c, valid until the next call. Errors name the file and line: EV_ERR_INPUT (not a JSON
 * object, a value its column cannot hold), EV_ERR_CORRUPT (damaged gzip, with its offset),
 * EV_ERR_IO, EV_ERR_NOMEM. */
ev_status exec_json_next(exec_json *j, exec_vec **cols, size_t *n, ev_error *err) EV_WUR;
void exec_json_close_file(exec_json *j);

/* ---- exec_known.c: the strings a COUNT(DISTINCT) set holds, in order, for a few groups ---- */
typedef struct exec_known exec_known;
#define EXEC_KNOWN_GROUPS 4 /* groups remembered; a row group meeting more goes to the sets directly */
exec_known *exec_known_new(void); /* NULL when out of memory */
void exec_known_free(exec_known *k); /* accepts NULL */
/* codes[0..n): ascending codes of string dictionary d (no NULL entry) whose strings group gid's
 * set must hold. Puts in out[0..*nout) (room for n) those not known to be there already; the
 * caller inserts them before the next call (the rest are remembered as in the set). Only
 * EV_ERR_NOMEM / EV_ERR_LIMIT (budget) fail. */
ev_status exec_known_filter(exec_known *k, uint32_t gid, const exec_vec *d, const uint32_t *codes, size_t n,
                            uint32_t *out, size_t *nout, exec_budget *bud, ev_error *err) EV_WUR;

/* ---- exec_agg.c: hash aggregation ---- */
typedef enum exec_agg_kind {
    EXEC_AGG_COUNT_STAR,
    EXEC_AGG_COUNT,
    EXEC_AGG_COUNT_IF,
    EXEC_AGG_SUM,
    EXEC_AGG_AVG,
    EXEC_AGG_MIN,
    EXEC_AGG_MAX,
    EXEC_AGG_COUNT_DISTINCT,
    EXEC_AGG_ARBITRARY,
    EXEC_AGG_BOOL_AND,
    EXEC_AGG_BOOL_OR
} exec_agg_kind;

typedef struct exec_agg_spec {
    exec_agg_kind kind;
    exec_expr *arg; /* NULL for COUNT(*) */
    sql_type out_type;
} exec_agg_spec;

typedef struct exec_agg exec_agg;
exec_agg *exec_agg_new(size_t nkeys, exec_expr *const *keys, size_t nspecs, const exec_agg_spec *specs);
void exec_agg_free(exec_agg *a);
/* Adds the rows sel[0..nsel) of b (all rows when sel is NULL). */
ev_status exec_agg_add(exec_agg *a, exec_eval *ev, const exec_batch *b, const uint32_t *sel, size_t nsel,
                       exec_budget *bud) EV_WUR;
/* Resolves the codes pending in COUNT(DISTINCT) (before their dictionaries go). */
ev_status exec_agg_flush(exec_agg *a, exec_budget *bud, ev_error *err) EV_WUR;
/* Folds src into dst (both built with the same keys and specs). */
ev_status exec_agg_merge(exec_agg *dst, exec_agg *src, exec_budget *bud, ev_error *err) EV_WUR;
/* The groups as a table: key columns, then one column per aggregate. With no keys and no rows,
 * one row (COUNT 0, SUM NULL), as SQL wants. */
ev_status exec_agg_result(exec_agg *a, char *const *names, exec_table *out, ev_error *err) EV_WUR;

#endif
