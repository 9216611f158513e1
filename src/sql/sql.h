/*
 * sql: the SQL front end: a lexer and a recursive-descent parser for the Athena (Trino) dialect of
 * ../shared/spec/sql-dialect.md, producing an AST with a position (line, column) on every node.
 *
 * Hand-written rather than generated: the dialect is small, error messages must read like Athena's
 * ("line 3:8: mismatched input 'FORM'"), and keywords double as identifiers (`timestamp`, `hour`,
 * `date`, `count`), which a recursive-descent parser decides locally with one token of look-ahead.
 *
 * All AST memory lives in the arena given to sql_parse; nothing needs freeing node by node.
 * The binder and executor are in src/exec.
 */
#ifndef EV_SQL_H
#define EV_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev_alloc.h"
#include "ev_status.h"

typedef struct sql_pos {
    uint32_t line, col; /* 1-based */
} sql_pos;

/* Column and CAST types (Athena DDL names map onto these). */
typedef enum sql_type {
    SQL_T_UNKNOWN = 0, /* the type of a bare NULL */
    SQL_T_BOOLEAN,
    SQL_T_INTEGER,
    SQL_T_BIGINT,
    SQL_T_DOUBLE,
    SQL_T_VARCHAR,
    SQL_T_DATE,
    SQL_T_TIMESTAMP,
    SQL_T_TIMESTAMPTZ /* from_iso8601_timestamp's result; shown with " UTC" */
} sql_type;

/* Parses an Athena/Hive/Trino type name ("string", "varchar(20)", "int", "decimal(10,2)", ...).
 * DECIMAL maps to DOUBLE (decimal literals behave as DOUBLE in the dialect we answer). */
bool sql_type_parse(const char *name, sql_type *out);
const char *sql_type_name(sql_type t); /* Trino's: "varchar", "bigint", "timestamp(3)", ... */

typedef enum sql_expr_kind {
    SQL_E_INT,    /* ival */
    SQL_E_DOUBLE, /* dval: decimal and exponent literals */
    SQL_E_STRING, /* str, len */
    SQL_E_BOOL,   /* ival 0/1 */
    SQL_E_NULL,
    SQL_E_TYPED,  /* DATE '...', TIMESTAMP '...': type + str */
    SQL_E_COLUMN, /* qual (may be NULL) . name */
    SQL_E_STAR,   /* qual.* or * (select list only) */
    SQL_E_UNARY,  /* op '-' or '+': args[0] */
    SQL_E_BINARY, /* op: + - * / % || = <> < <= > >= : args[0], args[1] */
    SQL_E_AND,
    SQL_E_OR,
    SQL_E_NOT,
    SQL_E_IS_NULL, /* negated: IS NOT NULL */
    SQL_E_IN,      /* args[0] IN (args[1..]) */
    SQL_E_BETWEEN, /* args[0] BETWEEN args[1] AND args[2] */
    SQL_E_LIKE,    /* args[0] LIKE args[1] [ESCAPE args[2]] */
    SQL_E_CASE,    /* operand (may be NULL); args: when0, then0, when1, then1, ..., [else when has_else] */
    SQL_E_CAST,    /* args[0] AS type; try_cast */
    SQL_E_FUNC,    /* name(args) [OVER window]; distinct; star for COUNT(*) */
    SQL_E_SUBQUERY /* a scalar subquery */
} sql_expr_kind;

typedef enum sql_op {
    SQL_OP_NONE = 0,
    SQL_OP_ADD,
    SQL_OP_SUB,
    SQL_OP_MUL,
    SQL_OP_DIV,
    SQL_OP_MOD,
    SQL_OP_CONCAT,
    SQL_OP_EQ,
    SQL_OP_NE,
    SQL_OP_LT,
    SQL_OP_LE,
    SQL_OP_GT,
    SQL_OP_GE,
    SQL_OP_NEG,
    SQL_OP_PLUS
} sql_op;

typedef struct sql_expr sql_expr;
typedef struct sql_query sql_query;

typedef struct sql_order_item {
    sql_expr *expr;
    bool desc;
    int nulls; /* 0 default (last), 1 NULLS FIRST, 2 NULLS LAST */
} sql_order_item;

typedef struct sql_window {
    sql_expr **partition;
    size_t npartition;
    sql_order_item *order;
    size_t norder;
    bool has_frame; /* ROWS/RANGE BETWEEN ... given */
    bool frame_rows;
    int frame_start, frame_end; /* -1 UNBOUNDED PRECEDING, 0 CURRENT ROW, 1 UNBOUNDED FOLLOWING */
} sql_window;

struct sql_expr {
    sql_expr_kind kind;
    sql_pos pos;
    sql_op op;
    bool negated;  /* NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL */
    bool distinct; /* f(DISTINCT x) */
    bool star;     /* count(*) */
    bool try_cast;
    bool has_else; /* CASE */
    sql_type type; /* CAST, TYPED */
    int64_t ival;
    double dval;
    const char *str; /* STRING/TYPED bytes (NUL-terminated, may hold NULs: use len) */
    size_t len;
    const char *name;  /* COLUMN, FUNC (lower case unless quoted) */
    const char *qual;  /* COLUMN, STAR */
    sql_expr *operand; /* simple CASE */
    sql_expr **args;
    size_t nargs;
    sql_window *over;
    sql_query *subquery;
};

typedef struct sql_select_item {
    sql_expr *expr;
    const char *alias; /* NULL if none */
    sql_pos alias_pos;
} sql_select_item;

typedef enum sql_from_kind { SQL_FROM_TABLE, SQL_FROM_SUBQUERY, SQL_FROM_JOIN } sql_from_kind;
typedef enum sql_join_kind {
    SQL_JOIN_INNER,
    SQL_JOIN_LEFT,
    SQL_JOIN_RIGHT,
    SQL_JOIN_FULL,
    SQL_JOIN_CROSS
} sql_join_kind;

typedef struct sql_from sql_from;
struct sql_from {
    sql_from_kind kind;
    sql_pos pos;
    const char *db, *name; /* TABLE: db may be NULL */
    const char *alias;     /* TABLE, SUBQUERY */
    sql_query *subquery;
    sql_join_kind join;
    sql_from *left, *right;
    sql_expr *on; /* NULL for CROSS */
    const char **using_cols;
    size_t nusing;
};

typedef struct sql_select {
    sql_pos pos;
    bool distinct;
    sql_select_item *items;
    size_t nitems;
    sql_from *from; /* NULL: SELECT without FROM */
    sql_expr *where;
    sql_expr **group_by;
    size_t ngroup_by;
    sql_expr *having;
} sql_select;

typedef enum sql_body_kind { SQL_BODY_SELECT, SQL_BODY_UNION, SQL_BODY_QUERY } sql_body_kind;

typedef struct sql_body sql_body;
struct sql_body {
    sql_body_kind kind;
    sql_pos pos;
    sql_select *select;     /* SELECT */
    sql_body *left, *right; /* UNION */
    bool union_all;         /* UNION */
    sql_query *query;       /* QUERY: a parenthesized query with its own ORDER BY/LIMIT */
};

typedef struct sql_cte {
    const char *name;
    sql_pos pos;
    const char **columns; /* WITH t(a, b) AS ...; NULL if none */
    size_t ncolumns;
    sql_query *query;
} sql_cte;

struct sql_query {
    sql_pos pos;
    sql_cte *ctes;
    size_t nctes;
    sql_body *body;
    sql_order_item *order;
    size_t norder;
    int64_t limit; /* -1: none */
};

typedef enum sql_stmt_kind {
    SQL_S_QUERY,
    SQL_S_EXPLAIN,
    SQL_S_SHOW_DATABASES,
    SQL_S_SHOW_TABLES,
    SQL_S_SHOW_COLUMNS, /* DESCRIBE t, SHOW COLUMNS FROM t */
    SQL_S_SHOW_PARTITIONS,
    SQL_S_SHOW_CREATE_TABLE,
    SQL_S_CREATE_DATABASE,
    SQL_S_CREATE_EXTERNAL_TABLE,
    SQL_S_CREATE_TABLE_AS,
    SQL_S_INSERT,
    SQL_S_MSCK_REPAIR,
    SQL_S_ADD_PARTITION,
    SQL_S_DROP_TABLE,
    SQL_S_DROP_DATABASE,
    SQL_S_USE
} sql_stmt_kind;

typedef struct sql_column_def {
    const char *name;
    sql_pos pos;
    const char *type_text; /* as written, lower case: "string", "decimal(10,2)" */
    sql_type type;
} sql_column_def;

typedef struct sql_kv {
    const char *key;
    const char *value; /* string literal value; for ARRAY['a','b'] the items joined by ',' */
    sql_pos pos;       /* of the key */
    bool is_array;     /* written as ARRAY[...] */
} sql_kv;

/* One PARTITION (k = 'v', ...) [LOCATION '...'] clause of ALTER TABLE ADD PARTITION. */
typedef struct sql_partition_spec {
    sql_pos pos;
    sql_kv *kv;
    size_t nkv;
    const char *location; /* NULL: below the table's location */
} sql_partition_spec;

typedef struct sql_stmt {
    sql_stmt_kind kind;
    sql_pos pos;
    size_t start, end; /* byte range of the statement in the script */
    bool if_exists, if_not_exists;
    const char *db, *name; /* the table or database named */
    sql_query *query;      /* QUERY, CTAS, INSERT (INSERT ... VALUES comes as a UNION ALL of
                              one-row SELECTs); EXPLAIN's inner statement is `inner` */
    struct sql_stmt *inner;
    sql_column_def *columns; /* CREATE EXTERNAL TABLE */
    size_t ncolumns;
    sql_column_def *partition_cols;
    size_t npartition_cols;
    const char *location; /* CREATE EXTERNAL TABLE, CREATE DATABASE */
    const char *format;   /* "parquet" or "json" (ROW FORMAT SERDE / STORED AS) */
    const char *serde;
    const char *comment; /* CREATE DATABASE ... COMMENT */
    sql_kv *props;       /* WITH (...) of CTAS, TBLPROPERTIES, WITH DBPROPERTIES */
    size_t nprops;
    sql_kv *serde_props; /* ROW FORMAT SERDE '...' WITH SERDEPROPERTIES (...) */
    size_t nserde_props;
    bool cascade;                /* DROP DATABASE ... CASCADE */
    sql_column_def *insert_cols; /* INSERT INTO t (a, b): names and positions only; NULL if none */
    size_t ninsert_cols;
    sql_partition_spec *partitions; /* ALTER TABLE ADD PARTITION */
    size_t npartitions;
} sql_stmt;

typedef struct sql_script {
    sql_stmt **stmts;
    size_t nstmts;
} sql_script;

/* Parses a script of statements separated by ';' (a last statement may lack it). Errors are
 * EV_ERR_INPUT with Athena's form: "line L:C: mismatched input 'x'. Expecting: ...". */
ev_status sql_parse(const char *text, size_t len, ev_arena *arena, sql_script *out, ev_error *err) EV_WUR;

/* Formats "line L:C: " + message into err (EV_ERR_INPUT). */
ev_status sql_error_at(ev_error *err, sql_pos pos, const char *fmt, ...) EV_PRINTF(3, 4);

/* Lower-cases ASCII in place and returns s. */
char *sql_lower(char *s);

/* Appends SQL text for an expression (for column names of unaliased select items, EXPLAIN). */
ev_status sql_expr_format(const sql_expr *e, ev_buf *out) EV_WUR;

#endif
